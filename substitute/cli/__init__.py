"""The ``substitute`` command. Parsing and formatting only: every answer comes from the library.

Exit codes: 0 success, 1 the question has no qualifying answer or a check named in ``--check`` /
``--fail-on`` failed, 2 bad input (one readable line on stderr, never a traceback), 3 an internal error
(one line; ``--debug`` before the command shows the traceback), 130 interrupted (SIGINT), 143 terminated
(SIGTERM). An interrupted or terminated run removes the partial output it was writing.
"""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Sequence
from typing import Any

import click

from substitute._version import __version__
from substitute.errors import SubstituteError

__all__ = ["cli", "main"]

EXIT_OK, EXIT_NOTHING, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_TERMINATED = 143


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so ``finally`` blocks remove partial files."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


class _PipeSafe:
    """Standard output that survives a closed pipe (``substitute review | head``): once the reader has
    gone, the rest of the output is dropped and the command still finishes, so its exit code is the
    verdict's, never a broken-pipe error's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._closed_pipe = False

    def _drop(self) -> None:
        self._closed_pipe = True
        try:  # later flushes (also at interpreter exit) go to /dev/null instead of raising again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def write(self, text: str) -> int:
        if self._closed_pipe:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._drop()
            return len(text)

    def flush(self) -> None:
        if self._closed_pipe:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._drop()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="substitute")
def cli() -> None:
    """Controlled rare-earth content, licence thresholds, magnet properties and lower-Dy/Tb substitutes."""


def _default_baseline() -> dict:
    from substitute import data
    from substitute.ranking.study import DEFAULT_STUDY

    with data.path(DEFAULT_STUDY).open("rb") as fh:
        return tomllib.load(fh)["baseline"]


@cli.command("show")
@click.argument("composition", required=False)
@click.option(
    "--basis",
    type=click.Choice(["mass", "atomic"]),
    default=None,
    help="Basis of the percent amounts: mass (wt%) or atomic (at%).",
)
def show_cmd(composition: str | None, basis: str | None) -> None:
    """Print a composition in wt% and at%, marking rare earths and heavy rare earths.

    With no COMPOSITION, shows the default baseline magnet (an N42SH-class sintered magnet).
    """
    from substitute import elements
    from substitute.composition import Alloy

    if composition is None:
        base = _default_baseline()
        composition, basis = base["composition"], base["basis"]
        click.echo(f"Default baseline: {base['name']}  (route: {base['route']})")
    alloy = Alloy.parse(composition, basis=basis)
    ree, hre = set(elements.group("REE")), set(elements.group("HRE_MAGNET"))
    click.echo(f"{'element':<8}{'wt%':>10}{'at%':>10}  group")
    for el, w, x in zip(alloy.elements, alloy.mass_percent, alloy.atomic_percent, strict=True):
        tag = "heavy rare earth (Dy/Tb/Ho)" if el in hre else ("rare earth" if el in ree else "")
        mark = "*" if el in hre else " "
        click.echo(f"{mark}{el:<7}{w:>10.3f}{x:>10.3f}  {tag}")
    click.echo(
        f"total rare earth: {alloy.rare_earth_mass_fraction * 100:.2f} wt%;  "
        f"heavy rare earth (Dy+Tb+Ho): {float(alloy.group_mass_fraction('HRE_MAGNET')[0]) * 100:.2f} wt%"
    )


from substitute.cli.compliance import assess_cmd, content_cmd, rules_cmd  # noqa: E402

cli.add_command(content_cmd)
cli.add_command(assess_cmd)
cli.add_command(rules_cmd)

from substitute.cli.predict import predict_cmd  # noqa: E402

cli.add_command(predict_cmd)

from substitute.cli.rank import rank_cmd  # noqa: E402

cli.add_command(rank_cmd)

from substitute.cli.whatif import whatif_cmd  # noqa: E402

cli.add_command(whatif_cmd)

from substitute.cli.review import review_cmd  # noqa: E402

cli.add_command(review_cmd)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of exiting (tests call ``main([...])``).

    A crash is exit 3 with one line (never 1, which a CI gate reads as "licence required"); ``--debug``
    as the first argument re-raises it with its traceback.
    """
    import warnings

    from substitute.errors import ModelDomainWarning

    args = list(sys.argv[1:] if argv is None else argv)
    debug = bool(args) and args[0] == "--debug"
    # the commands say where a prediction is beyond the evidence in their own output (explanations,
    # in_domain columns); the Python warning would add file paths to the terminal
    warnings.simplefilter("ignore", ModelDomainWarning)
    if debug:
        args = args[1:]
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    stdout = sys.stdout
    sys.stdout = _PipeSafe(stdout)
    try:
        return _run(args)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except Terminated:
        click.echo("terminated", err=True)
        return EXIT_TERMINATED
    except Exception as exc:
        if debug:
            raise
        where = exc.__traceback__
        while where is not None and where.tb_next is not None:
            where = where.tb_next
        at = (
            f" at {where.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{where.tb_lineno}"
            if where
            else ""
        )
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}{at} — a bug in substitute, not in your input; "
            "run `substitute --debug ...` for the traceback and report it",
            err=True,
        )
        return EXIT_INTERNAL
    finally:
        try:
            sys.stdout.flush()
        finally:
            sys.stdout = stdout
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(args: list[str]) -> int:
    try:
        rv = cli.main(args=args, prog_name="substitute", standalone_mode=False)
    except SubstituteError as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_BAD_INPUT
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return EXIT_BAD_INPUT if exc.exit_code != 0 else EXIT_OK
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        click.echo(f"error: {exc.strerror}: {exc.filename}", err=True)
        return EXIT_BAD_INPUT
    except tomllib.TOMLDecodeError as exc:
        click.echo(f"error: study file is not valid TOML: {exc}", err=True)
        return EXIT_BAD_INPUT
    return int(rv) if isinstance(rv, int) else EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
