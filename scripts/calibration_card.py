"""Regenerate the counted parts of the calibration data card from its two tables.

``datasets/calibration/measured_magnets.md`` describes ``measured_magnets.csv`` and ``paired_effects.csv``.
Its counts (size, rows read from abstracts, assumed temperatures, compositions given), the coverage per
lever, the rows per route and the sources table are computed here from the CSVs, so that they cannot
drift from the data; the prose around them is written by hand. ``tests/test_calibration_data.py`` fails
when the card on disk differs from what this script writes.

Usage: ``python scripts/calibration_card.py`` (rewrites the card in place; ``--check`` only reports).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

from substitute.properties.evidence import MODELLED_LEVERS

ROOT = Path(__file__).resolve().parents[1]
CARD = ROOT / "datasets" / "calibration" / "measured_magnets.md"
MEASURED = ROOT / "datasets" / "calibration" / "measured_magnets.csv"
PAIRS = ROOT / "datasets" / "calibration" / "paired_effects.csv"

PAIR_TARGET = 150


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _between(text: str, start: str, end: str, new: str) -> str:
    """``text`` with the part from the line starting with ``start`` up to ``end`` replaced by ``new``."""
    a = text.index("\n" + start) + 1
    b = text.index(end, a)
    return text[:a] + new + text[b:]


def _sub_once(pattern: str, repl: str, text: str) -> str:
    out, n = re.subn(pattern, repl, text)
    if n != 1:
        raise ValueError(f"the card has {n} matches of {pattern!r}, expected exactly one")
    return out


def coverage_table(pairs_used: pd.DataFrame) -> str:
    rows = []
    for lever, g in pairs_used.groupby("lever"):
        amounts = pd.to_numeric(pd.concat([g["amount_base"], g["amount_changed"]]), errors="coerce")
        amounts = amounts[amounts > 0]
        span = f"{amounts.min():g}–{amounts.max():g}" if len(amounts) else "–"
        units = ", ".join(sorted(set(g["amount_unit"])))
        rows.append(
            (lever in MODELLED_LEVERS, len(g), lever, g["source_id"].nunique(), span, units)
        )
    rows.sort(key=lambda r: (not r[0], -r[1], r[2]))
    head = "| lever | pairs | sources | amounts (min–max) | units | in the model |\n|---|---|---|---|---|---|\n"
    return head + "".join(
        f"| `{lever}` | {n} | {ns} | {span} | {units} | {'yes' if modelled else 'no (listed, not fitted)'} |\n"
        for modelled, n, lever, ns, span, units in rows
    )


def _given(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col].str.strip() != ""


def route_table(used: pd.DataFrame) -> str:
    g = (
        used.assign(
            wc=_given(used, "composition"),
            br=_given(used, "br_T"),
            hcj=_given(used, "hcj_kA_per_m"),
            beta=_given(used, "beta_hcj_pct_per_K"),
        )
        .groupby("route")
        .agg(
            rows=("row_id", "size"),
            sources=("source_id", "nunique"),
            with_composition=("wc", "sum"),
            br=("br", "sum"),
            hcj=("hcj", "sum"),
            beta=("beta", "sum"),
        )
    )
    return g.to_markdown() + "\n"


def sources_table(measured: pd.DataFrame, pairs: pd.DataFrame) -> str:
    cols = ["source_id", "source", "url", "read_from"]
    srcs = (
        pd.concat([measured[cols], pairs[cols]])
        .drop_duplicates("source_id")
        .sort_values("source_id")
    )
    lines = ["| source_id | citation | read from | rows | pairs |", "|---|---|---|---|---|"]
    for r in srcs.itertuples():
        cit = r.source if len(r.source) <= 160 else r.source[:157] + "…"
        cit = cit.replace("|", "/").replace("[", "(").replace("]", ")")
        n_rows = int((measured["source_id"] == r.source_id).sum())
        n_pairs = int((pairs["source_id"] == r.source_id).sum())
        lines.append(
            f"| `{r.source_id}` | [{cit}]({r.url}) | {r.read_from} | {n_rows} | {n_pairs} |"
        )
    return "\n".join(lines) + "\n"


def fitted_pairs() -> int:
    """How many pairs the model evaluates (levers it represents, states it can build)."""
    from substitute.properties.evidence import paired_observations

    return len(paired_observations()[0])


def render(card: str, measured: pd.DataFrame, pairs: pd.DataFrame, n_fitted: int) -> str:
    """The card with every counted part recomputed from the two tables (``n_fitted``: :func:`fitted_pairs`)."""
    used = measured[measured["excluded_reason"] == ""]
    pairs_used = pairs[pairs["excluded_reason"] == ""]
    n_used_pairs = len(pairs_used)
    n_sources = len(set(measured["source_id"]) | set(pairs["source_id"]))
    assumed = int((used["temperature_assumed"] == "true").sum())
    mark = "✓" if n_used_pairs >= PAIR_TARGET else "✗"
    s = card
    s = _between(
        s,
        "| lever | pairs | sources | amounts",
        "\n## Measured rows per route",
        coverage_table(pairs_used),
    )
    s = _between(s, "| route ", "\n## Rows kept but not used", route_table(used))
    s = _between(
        s, "| source_id | citation |", "\n## Date and licence", sources_table(measured, pairs)
    )
    s = _sub_once(
        r"\*\*Size \((\d{4}-\d\d-\d\d)\)\.\*\* \d+ measured rows \(\d+ kept as read but excluded, reasons below\) "
        r"from \d+ sources;\n\d+ paired effects used \(\d+ more kept as read but excluded\) from \d+ sources; "
        r"\d+ distinct sources over both tables\. Targets of issue 12: ≥ 250 rows\n✓, ≥ 80 sources ✓, "
        r"\*\*≥ 150 pairs . \(\d+\)\*\*",
        rf"**Size (\1).** {len(measured)} measured rows ({len(measured) - len(used)} kept as read but excluded, "
        rf"reasons below) from {measured['source_id'].nunique()} sources;\n{n_used_pairs} paired effects used "
        rf"({len(pairs) - n_used_pairs} more kept as read but excluded) from {pairs_used['source_id'].nunique()} "
        rf"sources; {n_sources} distinct sources over both tables. Targets of issue 12: ≥ 250 rows\n✓, ≥ 80 "
        rf"sources ✓, **≥ {PAIR_TARGET} pairs {mark} ({n_used_pairs})**",
        s,
    )
    gbd = pairs_used[pairs_used["lever"].isin(["tb_gbd", "dy_gbd"])]
    s = _sub_once(
        r"Most GBD pairs do not state the diffused amount \(\d+ of \d+\)",
        f"Most GBD pairs do not state the diffused amount ({int((gbd['amount_unit'] == 'flag').sum())} of "
        f"{len(gbd)})",
        s,
    )
    s = _sub_once(
        r"\d+ of the \d+ used pairs are on levers",
        f"{n_fitted} of the {n_used_pairs} used pairs are on levers",
        s,
    )
    s = _sub_once(
        r"\* \*\*Pairs (?:short of|meet) the target \(\d+ of 150\), thin per lever\.\*\*",
        f"* **Pairs {'meet' if n_used_pairs >= PAIR_TARGET else 'short of'} the target ({n_used_pairs} of "
        f"{PAIR_TARGET}), thin per lever.**",
        s,
    )
    s = _sub_once(
        r"`abstract` \(\d+ rows, \d+ pairs\)",
        f"`abstract` ({int((measured['read_from'] == 'abstract').sum())} rows, "
        f"{int((pairs['read_from'] == 'abstract').sum())} pairs)",
        s,
    )
    s = _sub_once(
        r"\(\d+ of \d+ used rows — abstracts rarely say\)",
        f"({assumed} of {len(used)} used rows — abstracts rarely say)",
        s,
    )
    s = _sub_once(
        r"are given in \d+ of \d+ used rows,",
        f"are given in {int(_given(used, 'composition').sum())} of {len(used)} used rows,",
        s,
    )
    return _sub_once(
        r"\* Temperatures are assumed \(20 °C\) for \d+ rows;",
        f"* Temperatures are assumed (20 °C) for {assumed} rows;",
        s,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check", action="store_true", help="report whether the card is current, write nothing"
    )
    args = ap.parse_args(argv)
    card = CARD.read_text(encoding="utf-8")
    new = render(card, _read(MEASURED), _read(PAIRS), fitted_pairs())
    if new == card:
        print(f"{CARD.relative_to(ROOT)}: current")
        return 0
    if args.check:
        print(f"{CARD.relative_to(ROOT)}: stale (run: python scripts/calibration_card.py)")
        return 1
    CARD.write_text(new, encoding="utf-8")
    print(f"{CARD.relative_to(ROOT)}: rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
