"""``substitute rank``: formatting of the ranking for the terminal, CSV and JSON. No domain logic here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from substitute.cli.options import (
    output_options,
    progress_default,
    readable_text,
    study_overrides,
)
from substitute.outputs import check_outputs, csv_safe, write_atomic

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["rank_cmd"]

_STATUS_TEXT = {
    "licence_required": "LICENCE REQUIRED",
    "below_threshold": "below threshold",
    "not_controlled": "not controlled",
    "not_applicable": "not applicable",
    "unknown_status": "status unknown",
}


def _cell(x: float, spec: str) -> str:
    """A number for a fixed-width column; '–' where the model gives none (NaN: e.g. no lower bound)."""
    width = spec.split(".")[0].lstrip(">") or "0"
    return f"{'–':>{width}}" if x != x else f"{x:{spec}}"


def _cond_lines(row: pd.Series, req) -> list[str]:
    lines = []
    for c in req.compliance:
        st = str(row[f"status_{c.key}"])
        label = f"{c.rule}{' limb ' + c.limb if c.limb else ''} @ {c.level} ({c.basis})"
        if st == "not_applicable":
            why = (
                "magnet made outside China"
                if c.basis == "any_content"
                else "magnet made in China: the rule catches foreign-made items"
            )
            lines.append(f"  {label}: not applicable ({why})")
            continue
        text = _STATUS_TEXT.get(st, st)
        if c.basis == "any_content":
            lines.append(f"  {label}: {text}")
        else:
            share, thr = float(row[f"share_{c.key}"]), float(row[f"threshold_{c.key}"])
            lines.append(
                f"  {label}: {text} — share {share * 100:.3f} % vs threshold {thr * 100:.3g} % "
                f"(share/threshold {share / thr:.2f})"
            )
    return lines


def _write_outputs(
    table: pd.DataFrame,
    audit: dict,
    messages: list[str],
    csv_path: str | None,
    json_path: str | None,
    data: Any,
) -> None:
    """The ``--csv``/``--json`` outputs: a file (whole or not at all) or ``-`` (the data stream)."""
    from substitute.outputs import json_document, records

    def write_csv(target: Any) -> None:
        csv_safe(table).to_csv(target, index=False)

    def write_json(target: Any) -> None:
        doc = json_document("rank", audit=audit, warnings=messages, rows=records(table))
        if isinstance(target, str | Path):
            Path(target).write_text(doc + "\n", encoding="utf-8")
        else:
            target.write(doc + "\n")

    for path, what, write in (
        (csv_path, "--csv output", write_csv),
        (json_path, "--json output", write_json),
    ):
        if path == "-":
            write(data)
            data.flush()
        elif path is not None:
            write_atomic(path, write, what=what)
            click.echo(f"{what}: full ranked table ({len(table):,} rows) written to {path}")


@click.command("rank")
@click.argument("study", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--top", type=click.IntRange(min=1), default=None, help="How many substitutes to print."
)
@study_overrides
@output_options
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: large runs, on a terminal).",
)
@click.option(
    "--backend",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Evaluate the candidates here, or in blocks on a Dask cluster (identical results).",
)
@click.option(
    "--scheduler",
    default=None,
    help="Dask scheduler address (tcp://host:8786); implies --backend dask. Default: a local cluster.",
)
@click.option(
    "--block-size",
    type=click.IntRange(min=1),
    default=None,
    help="Candidates per block (default: one piece locally, 200,000 on Dask).",
)
def rank_cmd(
    study,
    top,
    as_of,
    assume,
    prices,
    confidence,
    conservative,
    csv_path,
    json_path,
    progress,
    backend,
    scheduler,
    block_size,
    force,
) -> int:
    """Rank lower-Dy/Tb substitutes for the magnet of a STUDY file (TOML).

    With no STUDY, runs the shipped default study: an N42SH-class sintered EV-traction magnet at 150 °C,
    Pc 2, China's rules as of today with status_unknown treated as in force, ex-China prices.
    Exit status: 0 substitutes found, 1 nothing qualifies, 2 bad input.
    """
    from substitute.ranking.study import load_study, run_study

    check_outputs(
        {"--csv output": csv_path, "--json output": json_path},
        {"the study file": study},
        force=force,
    )
    st = load_study(
        study,
        as_of=as_of,
        assume=assume,
        prices=prices,
        confidence=confidence,
        conservative=conservative,
    )
    if scheduler is not None:
        backend = "dask"
    res = run_study(
        st,
        progress=progress_default(progress),
        backend=backend,
        scheduler=scheduler,
        block_size=block_size,
    )
    with readable_text(json_path, csv_path) as data:
        return _print_ranking(st, res, top, csv_path, json_path, data)


def _print_ranking(st: Any, res: Any, top: int | None, csv_path, json_path, data) -> int:
    req, audit, t = st.requirements, res.table.attrs["audit"], res.table
    n_top = top or st.top
    side = req.decision_basis
    click.echo(f"substitute rank — {st.name}")
    click.echo(
        f"rules as of {audit['as_of']} (status_unknown treated as {req.assume.replace('_', ' ')}); "
        f"catalog {audit['catalog_version']}; prices {audit['price_vector']} ({audit['price_vector_date']}); "
        f"magnet made {'outside China' if req.made_in == 'non-CN' else 'in China' if req.made_in == 'CN' else 'in an unknown place'}"
    )
    limits = [
        "no irreversible loss" if req.no_irreversible_loss else None,
        f"Br ≥ {req.min_br_T:g} T" if req.min_br_T else None,
        f"HcJ ≥ {req.min_hcj_kA_per_m:g} kA/m" if req.min_hcj_kA_per_m else None,
        f"(BH)max ≥ {req.min_bhmax_kJ_per_m3:g} kJ/m³" if req.min_bhmax_kJ_per_m3 else None,
    ]
    click.echo(
        f"requirements at {req.temperature_C:g} °C, Pc {req.permeance:g}: "
        + "; ".join(x for x in limits if x)
        + f" ({side})"
    )
    b = res.baseline
    # the values shown are the ones the verdicts are taken on: the decision quantile of the prediction
    qs = "_q" if "br_T_q" in t.columns else ""
    qlabel = req.decision_value
    click.echo("")
    click.echo(f"BASELINE  {st.baseline.name}  [{st.route}]")
    click.echo(
        f"  at {req.temperature_C:g} °C ({qlabel}): Br {b[f'br_T{qs}']:.3f} T   HcJ {b[f'hcj_kA_per_m{qs}']:.0f} kA/m   "
        f"Tmax {b[f'tmax_C{qs}']:.0f} °C   P(meets) {float(b.get('p_meets', float('nan'))):.2f}   "
        f"cost {b['cost_usd_per_part']:.1f} USD/part ({b['cost_usd_per_kg']:.1f} USD/kg)"
    )
    for line in _cond_lines(b, req):
        click.echo(line)
    for m in res.messages:
        click.echo(f"  → {m}")
    q = int((t["qualifies"]).sum())
    click.echo("")
    click.echo(
        f"{len(t):,} candidates evaluated in {res.timings['total_s']:.1f} s; {q:,} meet every "
        "requirement and licence threshold."
    )
    el = res.eliminated
    if len(el):
        click.echo(
            "eliminated in sequence: "
            + ", ".join(
                f"{r.constraint} {r.eliminated_in_sequence:,}"
                for r in el.itertuples()
                if r.eliminated_in_sequence
            )
        )
    click.echo("")
    shown = t.head(n_top)
    from substitute.ranking.explain import licence_measure

    mcol, mshort, mlong = licence_measure(t, req)
    if mcol != "controlled_value_share":
        click.echo(f"('{mshort}' = {mlong}: the licence condition that applies here)")
    click.echo(
        f"{'TOP ' + str(len(shown)) if q else 'CLOSEST ' + str(len(shown))} "
        f"{'SUBSTITUTES' if q else 'CANDIDATES (none qualifies)'} — HcJ, Br, Tmax at {req.temperature_C:g} °C, {qlabel}"
    )
    click.echo(
        f"{'#':>3} {'front':>5} {'HcJ kA/m':>9} {'Br T':>6} {'Tmax °C':>8} {'USD/part':>9} "
        f"{mshort:>11} {'P(meets)':>8} {'maturity':>10}  changes vs baseline"
    )
    for r in shown.itertuples(index=False):
        d = r._asdict()
        front = str(d["pareto_rank"]) if d["qualifies"] else "–"
        click.echo(
            f"{d['order']:>3} {front:>5} {_cell(d[f'hcj_kA_per_m{qs}'], '>9.0f')} "
            f"{_cell(d[f'br_T{qs}'], '>6.3f')} {_cell(d[f'tmax_C{qs}'], '>8.0f')} "
            f"{d['cost_usd_per_part']:>9.1f} {d[mcol] * 100:>10.3f}% {d['p_meets']:>8.2f} "
            f"{d.get('maturity', '')!s:>10}  {d['changed_levers'] or '(baseline recipe)'}"
        )
    click.echo("")
    for r in shown.itertuples(index=False):
        click.echo(f"{r.order:>3}. {r.explanation}")
    strat = res.by_strategy()
    if len(strat):
        click.echo("")
        click.echo(
            "BEST PER STRATEGY (a candidate can use several; 'no' = closest candidate, does not qualify) — "
            f"HcJ, Br, Tmax at {req.temperature_C:g} °C, {qlabel}"
        )
        click.echo(
            f"{'strategy':<30} {'ok':>3} {'qualif.':>8} {'HcJ kA/m':>9} {'Br T':>6} {'Tmax °C':>8} "
            f"{'USD/part':>9} {'vs base':>8} {mshort:>11}"
        )
        for r in strat.itertuples(index=False):
            click.echo(
                f"{r.strategy:<30} {'yes' if r.qualifies else 'no':>3} {r.n_qualifying:>8,} "
                f"{_cell(r.hcj_kA_per_m_q, '>9.0f')} {_cell(r.br_T_q, '>6.3f')} "
                f"{_cell(r.tmax_C_q, '>8.0f')} {r.cost_usd_per_part:>9.1f} "
                f"{r.cost_vs_baseline:>+8.0%} {getattr(r, mcol) * 100:>10.3f}%"
            )
    _write_outputs(t, audit, res.messages, csv_path, json_path, data)
    return 0 if q else 1
