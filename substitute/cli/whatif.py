"""``substitute whatif``: run a what-if study file and print/write its tables. No domain logic here."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import click

from substitute.cli.options import force_option, progress_default, readable_text
from substitute.errors import InputError
from substitute.outputs import check_outputs, csv_safe, write_atomic

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

__all__ = ["whatif_cmd"]

_MAX_ROWS = 120


def _write(df: pd.DataFrame, path: str) -> str:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            msg = "writing .parquet needs pyarrow: pip install substitute-magnets[dask] (or pip install pyarrow)"
            raise InputError(msg) from None
        write_atomic(p, lambda tmp: df.to_parquet(tmp, index=False), what="-o/--output")
        return f"{len(df):,} rows written to {p} (audit stamp in the file's metadata)"
    if suffix == ".csv":
        write_atomic(p, lambda tmp: csv_safe(df).to_csv(tmp, index=False), what="-o/--output")
        side = p.with_suffix(".audit.json")
        write_atomic(
            side,
            json.dumps(
                {
                    "audit": df.attrs.get("audit", {}),
                    "fleet_quantiles": df.attrs.get("fleet_quantiles", {}),
                },
                indent=1,
                default=str,
            ),
            what="-o/--output audit stamp",
        )
        return f"{len(df):,} rows written to {p} (audit stamp in {side})"
    if suffix == ".xlsx":
        write_atomic(p, lambda tmp: _write_xlsx(df, tmp), what="-o/--output")
        return f"{len(df):,} rows written to {p} (sheets results, summary, fleet, audit)"
    msg = f"-o/--output: {str(p)!r} must end in .parquet, .csv or .xlsx"
    raise InputError(msg)


#: a design against the ranking study's performance requirements (the `designs` sheet)
_PERFORMANCE_COLUMNS = (
    "design",
    "temperature_C",
    "meets_requirements",
    "performance_failures",
    "p_meets",
    "confidence",
    "br_T_q",
    "hcj_kA_per_m_q",
    "tmax_C_q",
    "br_T",
    "hcj_kA_per_m",
    "tmax_C",
)


def _write_xlsx(df: pd.DataFrame, path: Path) -> None:
    """An Excel workbook: every row (cells that could run as formulas neutralised), the designs ×
    scenarios summary, each design against the study's performance requirements, the fleet per scenario
    and the audit stamp."""
    import pandas as pd

    from substitute.whatif import fleet_rollup, summary_pivot

    pv = summary_pivot(df)
    pv.columns = [f"{d} | {c}" for d, c in cast("pd.MultiIndex", pv.columns)]
    audit = df.attrs.get("audit", {})
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        csv_safe(df).to_excel(xl, sheet_name="results", index=False)
        csv_safe(pv.reset_index()).to_excel(xl, sheet_name="summary", index=False)
        if "meets_requirements" in df:  # the same in every scenario: one row per design
            perf = [c for c in _PERFORMANCE_COLUMNS if c in df]
            designs = df[perf].drop_duplicates("design")
            csv_safe(designs).to_excel(xl, sheet_name="designs", index=False)
        csv_safe(fleet_rollup(df)).to_excel(xl, sheet_name="fleet", index=False)
        rows = [
            (k, json.dumps(v, default=str) if isinstance(v, dict | list) else str(v))
            for k, v in audit.items()
        ]
        csv_safe(pd.DataFrame(rows, columns=["key", "value"])).to_excel(
            xl, sheet_name="audit", index=False
        )


def _performance_note(df: pd.DataFrame, design: str) -> str:
    """' — meets …' or ' — FAILS …': the design against the ranking study's performance requirements (the
    same in every scenario: prices and rules do not change a magnet), so that the cheapest licence-free
    design is not read as a usable one when it is not."""
    if "meets_requirements" not in df:
        return ""
    r = df[df["design"].astype(str) == design].iloc[0]
    from substitute.ranking.requirements import quantile_label

    basis = quantile_label(float(r["confidence"]))
    at = f"at {float(r['temperature_C']):g} °C, P(meets) {float(r['p_meets']):.2f}"
    if bool(r["meets_requirements"]):
        return f" — meets the study's performance requirements {at}"
    units = {"br_T": "T", "hcj_kA_per_m": "kA/m", "tmax_C": "°C"}
    failed = [f for f in str(r["performance_failures"]).split(", ") if f]
    shown = [
        f"{f} {float(r[f + '_q']):.3g} {units[f]} ({basis})" if f in units else f for f in failed
    ]
    return f" — FAILS the study's performance requirements {at}: {', '.join(shown)}"


def _print_pivot(df: pd.DataFrame) -> None:
    """Designs × scenarios: cost per unit and the licence verdict, one line per scenario."""
    from substitute.whatif import summary_pivot

    pv = summary_pivot(df)
    designs = list(dict.fromkeys(d for d, _ in cast("pd.MultiIndex", pv.columns)))
    click.echo(
        "DESIGNS × SCENARIOS: USD per unit (central prices); L = licence required under the scenario's "
        "rules, · = none needed"
    )
    for i, d in enumerate(designs, start=1):
        click.echo(f"  D{i} = {d}{_performance_note(df, d)}")
    click.echo("".join(f"{'D' + str(i):>12}" for i in range(1, len(designs) + 1)) + "  scenario")
    shown = pv.head(_MAX_ROWS)
    for scenario, row in shown.iterrows():
        cells = "".join(
            f"{float(row[(d, 'cost_usd_per_unit')]):>10.2f} {'L' if row[(d, 'licence_required')] else '·'}"
            for d in designs
        )
        click.echo(f"{cells}  {scenario}")
    if len(pv) > _MAX_ROWS:
        click.echo(f"  … {len(pv) - _MAX_ROWS:,} more scenarios in the output file (-o)")


def _status_short(s: str) -> str:
    return {
        "licence_required": "LICENCE",
        "below_threshold": "below",
        "not_controlled": "not ctrl",
        "not_applicable": "n/a",
    }.get(s, s)


@click.command("whatif")
@click.argument("study", type=click.Path(dir_okay=False))
@click.option(
    "--backend", type=click.Choice(["local", "dask"]), default=None, help="Where blocks run."
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address, e.g. tcp://host:8786 (default: a 2-worker local cluster).",
)
@click.option(
    "--draws", type=click.IntRange(min=0), default=None, help="Monte Carlo draws per cell."
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Root seed of the draws.")
@click.option(
    "--block-size", type=click.IntRange(min=1), default=None, help="Evaluations per block."
)
@click.option(
    "--substitutes/--no-substitutes",
    default=None,
    help="Rank the cheapest compliant substitute per scenario (default: as the study says).",
)
@click.option(
    "-o",
    "--output",
    default=None,
    help="Write the full table: results.parquet, results.csv or results.xlsx (with summary sheets).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: large runs, on a terminal).",
)
@click.option(
    "--supply-share",
    type=float,
    default=0.10,
    show_default=True,
    help="Share of the non-China separated Dy+Tb supply the fleet can expect to buy; scenarios whose "
    "non-China demand exceeds it are flagged.",
)
@click.option(
    "--json",
    "json_path",
    default=None,
    metavar="FILE",
    help="Write the record (format, audit, assumptions, warnings, rows, summary, fleet) as JSON to "
    "FILE ('-' for standard output; the readable text then goes to standard error).",
)
@force_option
def whatif_cmd(
    study,
    backend,
    scheduler,
    draws,
    seed,
    block_size,
    substitutes,
    output,
    progress,
    supply_share,
    json_path,
    force,
) -> int:
    """Run a what-if STUDY file (TOML): designs × price/rule/origin/volume scenarios × price draws.

    Prints the fleet per scenario and each design's cost, value share and verdict; -o writes every
    column. Example: substitute whatif notebooks/fleet-whatif.toml -o results.parquet.
    Exit status: 0 done, 2 bad input.
    """
    from substitute.whatif import load_whatif_study, run_whatif_study

    if scheduler is not None and backend not in (None, "dask"):
        msg = "--scheduler needs --backend dask"
        raise InputError(msg)
    if scheduler is not None:
        backend = "dask"
    if output is not None and Path(output).suffix.lower() not in (".parquet", ".csv", ".xlsx"):
        msg = f"-o/--output: {output!r} must end in .parquet, .csv or .xlsx"
        raise InputError(msg)
    check_outputs(
        {"-o/--output": output, "--json output": json_path}, {"the study file": study}, force=force
    )
    st = load_whatif_study(study)
    df = run_whatif_study(
        st,
        backend=backend,
        scheduler=scheduler,
        draws=draws,
        seed=seed,
        block_size=block_size,
        substitutes=substitutes,
        progress=progress_default(progress),
    )
    from substitute.whatif import fleet_supply

    supply = fleet_supply(df, supply_share=supply_share)
    with readable_text(json_path) as data:
        _print_whatif(st, df, output)
        _print_supply(supply)
        if json_path is not None:
            _write_json(df, json_path, data, supply)
    return 0


def _print_supply(supply: pd.DataFrame) -> None:
    """Non-China Dy+Tb demand per scenario against the non-China separated supply."""
    click.echo("")
    share = float(supply["supply_share_fraction"].iloc[0])
    total = float(supply["supply_non_cn_t_per_year"].iloc[0])
    click.echo(
        f"NON-CHINA Dy+Tb SUPPLY: {total:.3g} t/yr separated outside China today; the fleet may take "
        f"{share:.0%} of it (--supply-share)"
    )
    busy = supply[supply["demand_non_cn_kg_per_year"] > 0]
    if busy.empty:
        click.echo("  no scenario buys non-China Dy or Tb")
    for r in busy.to_dict(orient="records"):
        flag = "EXCEEDS" if r["exceeds_supply_share"] else "within"
        click.echo(
            f"  {float(r['demand_non_cn_kg_per_year']) / 1000:>8.2f} t/yr = "
            f"{float(r['demand_over_supply_fraction']):>6.1%} of supply, {flag} {share:.0%}  {r['scenario']}"
        )
    click.echo(f"  counted: {supply['supply_basis'].iloc[0]}")


def _write_json(df: pd.DataFrame, path: str, data: Any, supply: pd.DataFrame) -> None:
    from substitute.outputs import json_document, records
    from substitute.whatif import fleet_rollup, summary_pivot

    pv = summary_pivot(df)
    pairs = cast("pd.MultiIndex", pv.columns)  # (design, column)
    summary = [
        {"scenario": scen, **{f"{d} | {c}": row[(d, c)] for d, c in pairs}}
        for scen, row in pv.iterrows()
    ]
    doc = json_document(
        "whatif",
        audit=df.attrs.get("audit", {}),
        rows=records(df),
        summary=summary,
        fleet=records(fleet_rollup(df)),
        fleet_quantiles=df.attrs.get("fleet_quantiles", {}),
        supply=records(supply),
    )
    if path == "-":
        data.write(doc + "\n")
        data.flush()
    else:
        write_atomic(path, doc + "\n", what="--json output")
        click.echo(f"--json output written to {path}")


def _print_whatif(st: Any, df: pd.DataFrame, output: str | None) -> None:
    from substitute.whatif import fleet_rollup

    a = df.attrs["audit"]
    k = a["draws"]
    click.echo(f"substitute whatif — {st.name}")
    click.echo(
        f"{len(st.designs)} designs × {len(st.scenarios)} scenarios × {max(k, 1)} "
        f"{'draws' if k else 'central prices'} = {a['evaluations']:,} evaluations on {a['backend']} "
        f"in {a['timings_s']['total']:.1f} s ({a['rankings_run']} rankings for the cheapest "
        f"substitute {a['timings_s']['performance_and_substitutes']:.1f} s, price evaluations "
        f"{a['timings_s']['blocks']:.2f} s)"
        + (f" (seed {a['seed']}; {a['quantiles'].split(' (')[0]} quantiles)" if k else "")
    )
    click.echo(
        f"catalog {', '.join(a['catalog_version'])}; prices {', '.join(a['price_vectors'][:3])}"
        + (" …" if len(a["price_vectors"]) > 3 else "")
        + f"; conditions: {', '.join(a['conditions'])}"
    )
    fl = fleet_rollup(df)
    click.echo("")
    click.echo("FLEET PER SCENARIO")
    p95 = "cost_usd_per_year_p95" if "cost_usd_per_year_p95" in fl else None
    click.echo(
        f"{'USD/year':>14} {'p95 USD/year':>14} {'licensed units/yr':>17} {'designs':>8}  scenario"
    )
    for r in fl.itertuples(index=False):
        d = cast(NamedTuple, r)._asdict()
        hi = f"{d[p95]:>14,.0f}" if p95 else f"{'–':>14}"
        click.echo(
            f"{d['cost_usd_per_year']:>14,.0f} {hi} {d['licence_exposure_units_per_year']:>17,.0f} "
            f"{d['designs_needing_licence']:>3}/{d['designs']:<4}  {d['scenario']}"
        )
    click.echo("")
    _print_pivot(df)
    if "cheapest_substitute" in df:
        click.echo("")
        click.echo(
            "CHEAPEST COMPLIANT SUBSTITUTE (central prices; one ranking per distinct price/rule setting)"
        )
        sub = df.drop_duplicates("scenario")
        groups = sub.groupby(
            ["cheapest_substitute", "cheapest_substitute_cost_usd_per_unit"],
            observed=True,
            sort=False,
            dropna=False,
        )["scenario"].agg(list)
        items = cast("Iterable[tuple[tuple[str, float], list[str]]]", groups.items())
        for (text, cost), scenarios in items:
            cost_txt = f"{cost:.2f} USD/unit" if math.isfinite(cost) else "–"
            where = (
                scenarios[0]
                if len(scenarios) == 1
                else f"{len(scenarios)} scenarios, e.g. {scenarios[0]}"
            )
            click.echo(f"  {text} — {cost_txt}  [{where}]")
    if output:
        click.echo("")
        click.echo(_write(df, output))
