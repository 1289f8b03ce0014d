"""Command-line options shared by the commands that run a study file (``rank``, ``review``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["force_option", "study_overrides"]

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
        "--conservative/--central",
        default=None,
        help="Test limits on the low side of the prediction interval, or on central values.",
    ),
)


def study_overrides(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--as-of``, ``--assume``, ``--prices`` and ``--conservative/--central``: each overrides the
    study file's setting when given (``None`` otherwise)."""
    for option in reversed(_OVERRIDES):
        f = option(f)
    return f


force_option = click.option(
    "--force",
    is_flag=True,
    help="Write through an output path that is a symbolic link (refused otherwise; devices always are).",
)
