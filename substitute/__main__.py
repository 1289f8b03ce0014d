"""``python -m substitute`` and the ``substitute`` command's entry point."""

import sys


def run() -> int:
    """Entry point of the ``substitute`` command: Ctrl-C while the command is still importing gives
    exit 130 and one line, not a traceback."""
    try:
        from substitute.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    return main()


if __name__ == "__main__":
    sys.exit(run())
