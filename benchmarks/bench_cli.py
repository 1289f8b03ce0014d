"""Command-line latency: each quick command's wall time (median of 5 runs, fresh process) beside
``python -c pass`` and ``python -c "import pandas"`` measured in the same run. Targets (issue 15):
``--help``/``--version`` ≤ 0.3 s, ``show``/``content``/``rules`` ≤ 1 s on a 2-core machine. ``make bench``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS: list[tuple[str, list[str], float | None]] = [
    ("python -c pass", [sys.executable, "-c", "pass"], None),
    ("python -c 'import pandas'", [sys.executable, "-c", "import pandas"], None),
    ("substitute --help", [str(BIN / "substitute"), "--help"], 0.3),
    ("substitute --version", [str(BIN / "substitute"), "--version"], 0.3),
    ("substitute show", [str(BIN / "substitute"), "show"], 1.0),
    (
        "substitute content …",
        [str(BIN / "substitute"), "content", "Nd 25, Pr 5, Dy 4, B 1, Fe bal", "--basis", "mass"],
        1.0,
    ),
    ("substitute rules", [str(BIN / "substitute"), "rules"], 1.0),
]


def wall(cmd: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    base = wall(COMMANDS[0][1])
    print(f"{'command':<28}{'median s':>10}{'× python':>10}{'target s':>10}  ")
    for name, cmd, target in COMMANDS:
        t = wall(cmd)
        verdict = "" if target is None else ("meets" if t <= target else "MISSES")
        tgt = "" if target is None else f"{target:.1f}"
        print(f"{name:<28}{t:>10.3f}{t / base:>10.1f}{tgt:>10}  {verdict}")


if __name__ == "__main__":
    main()
