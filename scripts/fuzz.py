"""``make fuzz``: every parser of user input against ≥ 10,000 generated and mutated inputs (issue 17).

Prints, per parser, the inputs tried, accepted (a valid result) and refused (one SubstituteError), the
failures (any other exception, an input over its time bound, an input stopped at 4× the bound) and the
slowest input; writes the failing inputs to build/fuzz-failures.txt. Exit 1 when any parser failed.

    python scripts/fuzz.py [--examples N] [--only NAME] [--seed S]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fuzzing import Workdir, run_one, targets

MEMORY_LIMIT_BYTES = (
    8 * 1024**3
)  # address space: an input that needs more is a failure (MemoryError)


def _property(target, work, mine: list, slowest: list, examples: int):
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def prop(value):
        t0 = time.perf_counter()
        failure = run_one(target, value, work)
        slowest[0] = max(slowest[0], time.perf_counter() - t0)
        if failure is not None:
            mine.append(failure)

    return prop


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=10_000)
    ap.add_argument("--only", default=None, help="run only the parser whose name contains this")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    failures = []
    print(
        f"{'parser':<20}{'tried':>8}{'accepted':>10}{'refused':>9}{'failed':>8}{'slowest s':>11}{'time s':>8}"
    )
    with tempfile.TemporaryDirectory() as d:
        work = Workdir(Path(d))
        for target in targets():
            if args.only and args.only not in target.name:
                continue
            slowest = [0.0]
            mine: list = []
            target.warm_up(work)
            prop = _property(target, work, mine, slowest, args.examples)
            if args.seed is not None:
                prop = seed(args.seed)(prop)
            t0 = time.perf_counter()
            prop()
            tried = sum(target.tally.values()) + len(mine)
            print(
                f"{target.name:<20}{tried:>8,}{target.tally['accepted']:>10,}{target.tally['refused']:>9,}"
                f"{len(mine):>8,}{slowest[0]:>11.3f}{time.perf_counter() - t0:>8.0f}",
                flush=True,
            )
            failures.extend(mine)
    if failures:
        out = Path("build") / "fuzz-failures.txt"
        out.parent.mkdir(exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for f in failures:
                fh.write(f"{f.target} | {f.kind} | {f.detail}\n  input: {f.input!r}\n")
        kinds = {}
        for f in failures:
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
        print(f"FAILED: {len(failures)} inputs ({kinds}); see {out}")
        return 1
    print("no failures: every input gave a result or one SubstituteError within its time bound")
    return 0


if __name__ == "__main__":
    sys.exit(main())
