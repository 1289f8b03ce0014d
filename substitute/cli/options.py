"""Command-line options shared by the commands that run a study file (``rank``, ``review``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click

__all__ = ["force_option", "output_options", "progress_default", "readable_text", "study_overrides"]


def progress_default(progress: bool | None) -> bool | None:
    """``--progress/--no-progress`` as given; unset, no bar when standard error is not a terminal (a log
    file or a pipe would collect every redraw) and the library's size rule when it is."""
    if progress is None and not sys.stderr.isatty():
        return False
    return progress


_OVERRIDES = (
    click.option(
        "--as-of", "as_of", default=None, help="Evaluate the rules on this date (YYYY-MM-DD)."
    ),
    click.option(
        "--assume",
        type=click.Choice(["in_force", "suspended"]),
        default=None,
        help="How a rule whose suspension ended with no later record is treated.",
    ),
    click.option(
        "--prices",
        default=None,
        help="Price vector id, e.g. ex_china_2025 or china_domestic_2025.",
    ),
    click.option(
        "--confidence",
        type=float,
        default=None,
        help="Decide performance at P(meets) ≥ this (0–1; the study's default 0.9).",
    ),
    click.option(
        "--conservative/--central",
        default=None,
        help="Older switch: --conservative is --confidence 0.95, --central is --confidence 0.5.",
    ),
)


def study_overrides(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--as-of``, ``--assume``, ``--prices``, ``--confidence`` and ``--conservative/--central``: each overrides the
    study file's setting when given (``None`` otherwise)."""
    for option in reversed(_OVERRIDES):
        f = option(f)
    return f


force_option = click.option(
    "--force",
    is_flag=True,
    help="Write through an output path that is a symbolic link (refused otherwise; devices always are).",
)


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--json FILE``, ``--csv FILE`` (``-`` for standard output) and ``--force``: the one output
    convention of every command (``json_path``, ``csv_path``, ``force`` parameters)."""
    f = force_option(f)
    f = click.option(
        "--csv",
        "csv_path",
        default=None,
        metavar="FILE",
        help="Write the full table as CSV to FILE ('-' for standard output).",
    )(f)
    return click.option(
        "--json",
        "json_path",
        default=None,
        metavar="FILE",
        help="Write the full record (format, audit, assumptions, warnings, rows) as JSON to FILE "
        "('-' for standard output; the readable text then goes to standard error).",
    )(f)


@contextmanager
def readable_text(*data_paths: str | None) -> Iterator[TextIO]:
    """While the command prints: when a data output goes to standard output (``-``), the readable text
    goes to standard error so the data stays parseable. Yields the stream for the data.

    Raises
    ------
    click.UsageError
        Two data outputs both given as ``-``.
    """
    if sum(p == "-" for p in data_paths) > 1:
        msg = "only one output can go to standard output ('-'); give the others a file name"
        raise click.UsageError(msg)
    data = sys.stdout
    if "-" in data_paths:
        sys.stdout = sys.stderr
    try:
        yield data
    finally:
        sys.stdout = data
