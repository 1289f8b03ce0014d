"""``substitute whatif``: run a what-if study file and print/write its tables. No domain logic here."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import click

from substitute.cli.options import force_option
from substitute.errors import InputError
from substitute.outputs import check_outputs, csv_safe, write_atomic

if TYPE_CHECKING:
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
    msg = f"-o/--output: {str(p)!r} must end in .parquet or .csv"
    raise InputError(msg)


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
    "-o", "--output", default=None, help="Write the full table: results.parquet or results.csv."
)
@click.option(
    "--progress/--no-progress", default=None, help="Show a progress bar (default: large runs)."
)
@force_option
def whatif_cmd(
    study, backend, scheduler, draws, seed, block_size, substitutes, output, progress, force
) -> int:
    """Run a what-if STUDY file (TOML): designs × price/rule/origin/volume scenarios × price draws.

    Prints the fleet per scenario and each design's cost, value share and verdict; -o writes every
    column. Example: substitute whatif notebooks/fleet-whatif.toml -o results.parquet.
    Exit status: 0 done, 2 bad input.
    """
    from substitute.whatif import fleet_rollup, load_whatif_study, run_whatif_study

    if scheduler is not None and backend not in (None, "dask"):
        msg = "--scheduler needs --backend dask"
        raise InputError(msg)
    if scheduler is not None:
        backend = "dask"
    if output is not None and Path(output).suffix.lower() not in (".parquet", ".csv"):
        msg = f"-o/--output: {output!r} must end in .parquet or .csv"
        raise InputError(msg)
    check_outputs({"-o/--output": output}, {"the study file": study}, force=force)
    st = load_whatif_study(study)
    df = run_whatif_study(
        st,
        backend=backend,
        scheduler=scheduler,
        draws=draws,
        seed=seed,
        block_size=block_size,
        substitutes=substitutes,
        progress=progress,
    )
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
        d = r._asdict()
        hi = f"{d[p95]:>14,.0f}" if p95 else f"{'–':>14}"
        click.echo(
            f"{d['cost_usd_per_year']:>14,.0f} {hi} {d['licence_exposure_units_per_year']:>17,.0f} "
            f"{d['designs_needing_licence']:>3}/{d['designs']:<4}  {d['scenario']}"
        )
    click.echo("")
    shown = df.head(_MAX_ROWS)
    click.echo(
        "DESIGNS × SCENARIOS"
        + (f" (first {_MAX_ROWS} of {len(df):,})" if len(df) > _MAX_ROWS else "")
    )
    has_p = "p_value_share_ge_threshold" in df
    has_vs = "value_share" in df
    click.echo(
        f"{'USD/unit':>9} {'value share':>11} {'verdict':>8} {'P(≥thr)':>8} {'perf':>9}  design | scenario"
    )
    for r in shown.itertuples(index=False):
        d = r._asdict()
        vs = f"{d['value_share'] * 100:>10.3f}%" if has_vs else f"{'–':>11}"
        verdict = "LICENCE" if d["licence_required"] else "free"
        p = f"{d['p_value_share_ge_threshold']:>8.2f}" if has_p else f"{'–':>8}"
        perf = str(d.get("performance_verdict", "–"))
        click.echo(
            f"{d['cost_usd_per_unit']:>9.2f} {vs} {verdict:>8} {p} {perf:>9}  {d['design']} | {d['scenario']}"
        )
    if "cheapest_substitute" in df:
        click.echo("")
        click.echo("CHEAPEST COMPLIANT SUBSTITUTE PER SCENARIO (central prices)")
        sub = df.drop_duplicates("scenario")[
            ["scenario", "cheapest_substitute", "cheapest_substitute_cost_usd_per_unit"]
        ]
        for r in sub.itertuples(index=False):
            cost = r.cheapest_substitute_cost_usd_per_unit
            cost_txt = f"{cost:.2f} USD/unit" if math.isfinite(cost) else "–"
            click.echo(f"  {r.scenario}: {r.cheapest_substitute} — {cost_txt}")
    if output:
        click.echo("")
        click.echo(_write(df, output))
    return 0
