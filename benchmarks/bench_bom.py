"""A 1,000-part BOM: read (YAML) and assessed at every level against every rule.

Prints the time per stage and per part, and the YAML read against the obvious alternative measured in
the same run (PyYAML's pure-Python SafeLoader, which the loader used before; the project's loader uses
libyaml's C parser with the same checks). ``make bench``.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

import yaml

import substitute as sb
from substitute.data import load_user_yaml

N_PARTS = 1000


def bom_text(n: int) -> str:
    rng = random.Random(1)
    lines = [
        "format: substitute-bom/1",
        'as_of: "2026-11-22"',
        "prices: ex_china_2025",
        "item:",
        "  name: fleet",
        "  value_usd: 500000",
        "  mass_kg: 9000",
        "  made_in: non-CN",
        "  parts:",
    ]
    for i in range(n):
        dy = rng.choice([0, 1, 2, 4])
        lines += [
            f"    - name: magnet {i}",
            f'      composition_wt_pct: "Nd 25, Pr 5, Dy {dy}, B 1, Fe bal"',
            "      mass_kg: 0.5",
            "      origin: unknown",
            "      made_in: non-CN",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    text = bom_text(N_PARTS)
    t0 = time.perf_counter()
    load_user_yaml(text)
    t1 = time.perf_counter()
    yaml.load(text, Loader=yaml.SafeLoader)  # the pure-Python safe loader, for comparison
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "bom.yaml"
        p.write_text(text, encoding="utf-8")
        t3 = time.perf_counter()
        item, _ = sb.load_bom(p)
        t4 = time.perf_counter()
    df = sb.assess(item, as_of="2026-11-22")
    t5 = time.perf_counter()
    print(
        f"YAML read of {N_PARTS:,} parts: checked C loader {t1 - t0:.3f} s, pure-Python SafeLoader "
        f"{t2 - t1:.3f} s (ratio {(t2 - t1) / (t1 - t0):.1f}×)"
    )
    print(
        f"load_bom {t4 - t3:.2f} s; assess {t5 - t4:.2f} s ({len(df):,} rows); "
        f"{(t5 - t3) / N_PARTS * 1e3:.2f} ms per part end to end"
    )


if __name__ == "__main__":
    main()
