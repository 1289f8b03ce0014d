"""The design-review report as one self-contained HTML page (inline CSS, inline SVG, no script, no network).

Formatting only: every number comes from a :class:`~substitute.report.verdict.Review`.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Set
from typing import Any

from substitute.outputs import write_atomic

__all__ = ["render_html", "write_html"]

_CSS = """
:root { --ok: #1a7f37; --bad: #b42318; --warn: #9a6700; --ink: #1f2328; --mute: #59636e;
        --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 18px 24px 48px; }
header h1 { font-size: 22px; margin: 0 0 4px; }
header p { margin: 0; color: var(--mute); }
h2 { font-size: 18px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
#verdict { border: 2px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-top: 14px; }
#verdict.fail { border-color: var(--bad); } #verdict.pass { border-color: var(--ok); }
#verdict h2 { border: 0; margin: 0 0 6px; }
#verdict h3 { font-size: 15px; margin: 12px 0 4px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 13px; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .na { color: var(--mute); }
.badge.ok { background: #dafbe1; } .badge.bad { background: #ffebe9; } .badge.na { background: var(--bg); }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure.plot { margin: 0 0 18px; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figure.plot svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--mute); font-size: 13px; margin-top: 4px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
ul.assume li { margin-bottom: 4px; }
pre { background: var(--bg); padding: 10px; overflow-x: auto; font-size: 12.5px; }
dl.audit { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 13px; }
dl.audit dt { color: var(--mute); } dl.audit dd { margin: 0; font-family: ui-monospace, monospace; }
.small { font-size: 13px; color: var(--mute); }
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _num(x: Any, fmt: str) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return _e(x)
    return "–" if not math.isfinite(v) else format(v, fmt)


def _badge(ok: bool | None, yes: str, no: str, na: str = "n/a") -> str:
    if ok is None:
        return f'<span class="badge na">{_e(na)}</span>'
    return f'<span class="badge {"ok" if ok else "bad"}">{_e(yes if ok else no)}</span>'


def _table(head: list[str], rows: list[list[str]], numeric: Set[int] = frozenset()) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


# ----------------------------------------------------------------------------------------- sections
def _verdict(rv: Any) -> str:
    req = rv.study.requirements
    perf_rows = [
        [
            _e(r.check),
            f"{_e(r.comparator)} {_num(r.limit, '.4g')} {_e(r.unit)}",
            f"{_num(r.value, '.4g')} {_e(r.unit)}",
            f"{_num(r.value_lo, '.4g')} – {_num(r.value_hi, '.4g')} {_e(r.unit)}",
            f"{_num(r.margin, '+.3g')} {_e(r.unit)}",
            _num(r.p_meets, ".2f"),
            _badge(bool(r.passes), "meets", "FAILS"),
        ]
        for r in rv.performance.itertuples()
    ]
    conf = float(req.confidence or 0.9)
    at = req.decision_value
    perf = (
        _table(
            [
                "requirement",
                "limit",
                f"baseline ({at})",
                "90 % interval",
                "margin",
                f"P(meets) (≥ {conf:g} passes)",
                "",
            ],
            perf_rows,
            {1, 2, 3, 4, 5},
        )
        if perf_rows
        else "<p>No performance requirement was set.</p>"
    )
    comp_rows = []
    for r in rv.compliance.itertuples():
        st = str(r.status)
        ok = None if st == "not_applicable" else st not in ("licence_required", "unknown_status")
        share = (
            "–"
            if st == "not_applicable"
            else f"{_num(r.share * 100, '.3g')} wt%"
            if r.basis == "any_content"
            else f"{_num(r.share * 100, '.3f')} %"
        )
        thr = "any content" if r.basis == "any_content" else f"{_num(r.threshold * 100, '.3g')} %"
        comp_rows.append(
            [
                _e(r.condition),
                share,
                thr,
                _num(r.share_over_threshold, ".2f"),
                f"{_e(r.rule_status)} → {_e(r.treated_as)}",
                _e(r.control_code or "–"),
                f"{_e(r.evidence_date)}{'' if r.verified else ' (unverified)'}"
                f"{' HYPOTHETICAL' if r.hypothetical else ''}",
                _badge(
                    ok,
                    "below threshold",
                    "UNKNOWN" if st == "unknown_status" else "LICENCE REQUIRED",
                    st.replace("_", " "),
                ),
            ]
        )
    comp = _table(
        [
            "licence condition",
            "share",
            "threshold",
            "share ÷ threshold",
            "rule status → treated as",
            "control item",
            "status since (deciding event)",
            "",
        ],
        comp_rows,
        {1, 2, 3},
    )
    sentences = "".join(f"<li>{_e(s)}</li>" for s in rv.compliance["sentence"])
    cls = "pass" if rv.performance_ok and rv.compliance_ok else "fail"
    perf_word = "MEETS PERFORMANCE" if rv.performance_ok else "FAILS PERFORMANCE"
    comp_word = (
        "BELOW EVERY THRESHOLD"
        if rv.compliance_ok
        else "LICENCE REQUIRED"
        if (rv.compliance["status"] == "licence_required").any()
        else "COMPLIANCE UNKNOWN"
    )
    best = rv.substitutes.iloc[1:]
    best = best[best["qualifies"]]
    best_line = (
        f"<p><b>Best substitute ({_e(best.iloc[0]['label'])}):</b> {_e(best.iloc[0]['explanation'])}</p>"
        if len(best)
        else "<p><b>No substitute in the design space meets every requirement and threshold.</b></p>"
    )
    return f"""
<section id="verdict" class="{cls}">
  <h2>VERDICT: <span class="{"ok" if rv.performance_ok else "bad"}">{perf_word}</span> ·
      <span class="{"ok" if rv.compliance_ok else "bad"}">{comp_word}</span></h2>
  <p>{_e(rv.headline)}</p>
  <p class="small">Rules evaluated as of <b>{_e(req.as_of)}</b>; a rule whose suspension ended with no later
  record is treated as <b>{_e(req.assume.replace("_", " "))}</b>; prices <b>{_e(rv.study.prices)}</b>;
  performance tested on {_e(req.decision_basis)}.
  See the assumptions below.</p>
  <h3>Performance at {req.temperature_C:g} °C</h3>{perf}
  <h3>Licence thresholds</h3>{comp}
  <ul>{sentences}</ul>
  {best_line}
</section>"""


def _substitutes(rv: Any) -> str:
    from substitute.ranking.explain import licence_measure

    req = rv.study.requirements
    at = req.decision_value
    # the licence quantity that applies: a value share, or (made in China) the listed-element content
    mcol, _, mlong = licence_measure(rv.result.table, req)
    rows = [
        [
            _e(r.label),
            _e(r.changes),
            _e(r.route),
            _num(r.br_T_q, ".3f"),
            _num(r.hcj_kA_per_m_q, ".0f"),
            _num(r.tmax_C_q, ".0f"),
            _num(r.cost_usd_per_part, ".1f"),
            _num(r.cost_vs_baseline * 100, "+.0f") + " %",
            _num(getattr(r, mcol) * 100, ".3f") + " %",
            _badge(bool(r.qualifies), "yes", "no"),
        ]
        for r in rv.substitutes.itertuples()
    ]
    head = [
        "",
        "changes vs baseline",
        "route",
        f"Br {req.temperature_C:g} °C (T, {at})",
        f"HcJ {req.temperature_C:g} °C (kA/m, {at})",
        f"Tmax (°C, {at})",
        "cost (USD/part)",
        "vs baseline",
        mlong,
        "qualifies",
    ]
    strat = rv.strategies
    srows = [
        [
            _e(r.strategy),
            f"{int(r.n_qualifying):,} / {int(r.n_candidates):,}",
            _num(r.hcj_kA_per_m_q, ".0f"),
            _num(r.br_T_q, ".3f"),
            _num(r.tmax_C_q, ".0f"),
            _num(r.cost_usd_per_part, ".1f"),
            _num(getattr(r, mcol) * 100, ".3f") + " %",
            _badge(bool(r.qualifies), "yes", "closest"),
        ]
        for r in strat.itertuples()
    ]
    stable = _table(
        [
            "strategy",
            "qualifying / evaluated",
            f"HcJ (kA/m, {at})",
            f"Br (T, {at})",
            f"Tmax (°C, {at})",
            "USD/part",
            "value share" if mcol == "controlled_value_share" else "listed-element content",
            "qualifies",
        ],
        srows,
        {1, 2, 3, 4, 5, 6},
    )
    t = rv.result.table
    return f"""
<section id="substitutes"><h2>Baseline and top substitutes</h2>
<p class="small">{len(t):,} candidates evaluated; {int(t["qualifies"].sum()):,} meet every requirement and
licence threshold. Properties are predictions at {req.temperature_C:g} °C, shown at the {at} that the
requirements test (the values that decide "qualifies", as in the performance table above); the JSON also
carries the central values.</p>
{_table(head, rows, {3, 4, 5, 6, 7, 8})}
<h3>Best candidate per substitution strategy</h3>{stable}
</section>"""


def _figure(fid: str, svg: str, caption: str) -> str:
    return f'<figure class="plot" id="{fid}">{svg}<figcaption>{_e(caption)}</figcaption></figure>'


def _plots(rv: Any) -> str:
    from substitute.report import plots

    req = rv.study.requirements
    t = float(req.temperature_C)
    top = rv.magnets[: min(3, len(rv.magnets))]
    figs = [
        (
            "plot-pareto",
            plots.to_svg(plots.pareto(rv.result)),
            "Controlled value share against cost for every candidate; colour is the HcJ margin at the "
            "operating temperature; the step line is the first Pareto front; dashed lines are thresholds.",
        ),
        (
            "plot-br-hcj",
            plots.to_svg(plots.br_hcj_map(rv.result)),
            f"Br against HcJ at {t:g} °C, at the {req.decision_value} that decides qualification; boxes are "
            f"grade minimums at 20 °C carried to {t:g} °C with typical temperature coefficients.",
        ),
        (
            "plot-demag",
            plots.to_svg(
                plots.demag(
                    top,
                    temperatures_C=(20.0, t),
                    permeance=req.permeance,
                    labels=[m["label"] for m in top],
                )
            ),
            f"Demagnetisation curves (J dashed, B solid) of the baseline and the best substitutes at 20 °C "
            f"and {t:g} °C, with the load line at Pc {req.permeance:g}.",
        ),
        (
            "plot-content",
            plots.to_svg(plots.content(rv.content))
            if len(rv.content)
            else "<p>No applicable licence condition lists an element of these magnets.</p>",
            "Each element's part of each licence condition's share (value shares in % of the item's "
            "value; any-content conditions in wt% of the magnet), against the threshold.",
        ),
        (
            "plot-cost",
            plots.to_svg(plots.cost_breakdown(rv.cost)),
            "Cost per part: raw material by element (price vector "
            f"{rv.study.prices}) plus processing (route adder, GBD step).",
        ),
    ]
    body = "".join(_figure(*f) for f in figs)
    return f'<section id="plots"><h2>Plots</h2><div class="grid">{body}</div></section>'


def _whatif_charts(results: Any) -> str:
    """Cost per design over the scenarios and the fleet's licence exposure, as inline SVG figures."""
    from substitute.report import plots
    from substitute.whatif import fleet_rollup

    fleet_cols = {
        "cost_usd_per_year",
        "licence_exposure_units_per_year",
        "controlled_mass_kg_per_year",
    }
    figs = [
        (
            "plot-whatif-costs",
            plots.to_svg(plots.whatif_costs(results)),
            "Cost per unit of each design over the what-if scenarios: a dot per scenario (central "
            "prices), red where its rules require a licence; grey bar 5–95 % with price draws.",
        ),
    ]
    if fleet_cols | {"controlled_mass_cn_kg_per_year"} <= set(results.columns):
        figs.append(
            (
                "plot-whatif-fleet",
                plots.to_svg(plots.fleet_exposure(fleet_rollup(results))),
                "Per scenario: units a year needing a licence (bars) and the fleet's annual magnet "
                "cost (dots).",
            )
        )
    return '<div class="grid">' + "".join(_figure(*f) for f in figs) + "</div>"


def _whatif(rv: Any) -> str:
    if rv.whatif is None:
        return ""
    sm = rv.whatif_summary
    has_p = "max_p_licence_required" in sm.columns
    head = ["design", "scenarios", "licence required in", "worst value share", "threshold"]
    head += ["fails performance in"] + (["max P(licence)"] if has_p else [])
    rows = [
        [
            _e(r.design),
            f"{int(r.n_scenarios):,}",
            f"{int(r.n_licence_required):,}",
            _num(r.worst_value_share * 100, ".3f") + " %",
            _num(r.threshold * 100, ".3g") + " %",
            f"{int(r.n_fails_performance):,}",
        ]
        + ([_num(r.max_p_licence_required, ".2f")] if has_p else [])
        for r in sm.itertuples()
    ]
    limit = 200
    w = rv.whatif.head(limit)
    detail = [
        [
            _e(r.design),
            _e(r.scenario),
            _badge(not r.licence_required, "below threshold", "LICENCE REQUIRED"),
            _num(r.value_share * 100, ".3f") + " %",
            _num(r.cost_usd_per_unit, ".1f"),
            _badge(bool(r.meets_requirements), "meets", "FAILS"),
        ]
        for r in w.itertuples()
    ]
    more = (
        f"<p class='small'>First {limit:,} of {len(rv.whatif):,} rows; the JSON has them all.</p>"
        if len(rv.whatif) > limit
        else ""
    )
    charts = _whatif_charts(rv.whatif)
    return f"""
<section id="whatif"><h2>What-if scenarios</h2>
<p class="small">From {_e(rv.audit.get("whatif_results"))}: each design under each scenario (prices, rule
dates and assumptions, feedstock origin), as computed by <code>substitute whatif</code>.</p>
{_table(head, rows, set(range(1, len(head))))}
{charts}
<details><summary>Every design × scenario</summary>
{_table(["design", "scenario", "licence", "value share", "USD/unit", "performance"], detail, {3, 4})}
{more}</details></section>"""


def _evidence(rv: Any) -> str:
    items = "".join(f"<li>{_e(a)}</li>" for a in rv.assumptions)
    rows = [
        [
            _e(r.rule_id + (f" limb {r.limb}" if r.limb else "")),
            _e(r.short_name),
            _e(r.status),
            _e(r.treated_as),
            _e(r.published),
            _e(r.effective),
            _e(f"{r.suspended_from} → {r.suspended_until}" if r.suspended_from else ""),
            _e(f"{r.recorded_status} (recorded {r.recorded_status_as_of})"),
            _e(r.unverified_fields),
            _e(r.n_sources),
        ]
        for r in rv.rules.itertuples()
    ]
    rules = _table(
        [
            "rule",
            "name",
            "status on date",
            "treated as",
            "published",
            "effective",
            "suspended",
            "last recorded status",
            "unverified fields",
            "sources",
        ],
        rows,
    )
    skip = {"study_text", "requirements"}
    audit = "".join(
        f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rv.audit.items() if k not in skip
    )
    text = rv.audit.get("study_text")
    study = (
        f"<details open><summary>The exact study file ({_e(rv.audit.get('study'))}, SHA-256 "
        f"{_e(rv.audit.get('study_sha256'))})</summary><pre>{_e(text)}</pre></details>"
        if text
        else "<p>The study was built in code; there is no file.</p>"
    )
    return f"""
<section id="assumptions"><h2>Assumptions</h2><ul class="assume">{items}</ul></section>
<section id="rules"><h2>Rule status evidence</h2>
<p class="small">From the shipped rule catalog; "unverified fields" counts entries the catalog marks
<code>verified: false</code>.</p>{rules}</section>
<section id="audit"><h2>Audit stamp</h2><dl class="audit">{audit}</dl>{study}</section>"""


def render_html(rv: Any) -> str:
    """The report of a :class:`~substitute.report.verdict.Review` as one self-contained HTML string."""
    a = rv.audit
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Design review — {_e(rv.study.name)}</title>
<style>{_CSS}</style></head>
<body><main>
<header><h1>Design review — {_e(rv.study.name)}</h1>
<p>substitute {_e(a.get("substitute_version"))} · evaluated {_e(a.get("evaluated_on"))} · rules as of
{_e(a.get("as_of"))} · catalog {_e(a.get("catalog_version"))} · prices {_e(a.get("price_vector"))}
({_e(a.get("price_vector_date"))})</p></header>
{_verdict(rv)}
{_substitutes(rv)}
{_whatif(rv)}
{_plots(rv)}
{_evidence(rv)}
</main></body></html>
"""


def write_html(rv: Any, path: str | os.PathLike[str]) -> None:
    """Write :func:`render_html` to ``path`` whole or not at all."""
    write_atomic(path, render_html(rv), what="report")
