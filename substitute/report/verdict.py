"""Design review: the verdict on a study's baseline magnet, its best substitutes, and the evidence.

:func:`review` runs a study (:func:`~substitute.ranking.study.load_study`,
:func:`~substitute.ranking.study.run_study`) and turns the result into what a design reviewer archives:

- a **performance verdict** per requirement of the baseline (value, limit, margin, which side of the
  prediction interval was tested);
- a **compliance verdict** per licence condition (share, threshold, share_over_threshold = share ÷ threshold, the rule's
  raw status on the date and how it was treated);
- the rule rows behind it (published / effective / suspension dates, recorded status and its date,
  unverified fields) from :meth:`~substitute.compliance.catalog.Catalog.status_table`;
- the baseline against the top substitutes, and the best candidate per substitution strategy;
- per-element controlled content and cost of those magnets (what the report plots);
- every assumption, and the audit stamp with the study file itself.

Nothing here re-evaluates physics or rules: every number comes from the ranking's table, so the review
and ``substitute rank`` cannot disagree. The per-element tables split the ranking's totals by each
element's weight in the sum (shares are linear in element content), and a test checks that they add up.

Size: ~650 lines: the verdict object and the tables it is built from (performance, compliance, breakdowns,
what-if summary) belong together; the drawing is in :mod:`~substitute.report.plots` and
:mod:`~substitute.report.html`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from substitute.errors import InputError
from substitute.ranking.rank import RankResult
from substitute.ranking.study import DEFAULT_STUDY, Study, load_study, run_study

__all__ = ["FAIL_ON", "Review", "review"]

#: what ``--fail-on`` can name
FAIL_ON = ("compliance", "performance")

# margin column → (label, requirement field, value column, unit, comparator)
_PERFORMANCE = {
    "br_T": ("Br", "min_br_T", "br_T", "T", "≥"),
    "hcj_kA_per_m": ("HcJ", "min_hcj_kA_per_m", "hcj_kA_per_m", "kA/m", "≥"),
    "tmax_C": ("Tmax (no irreversible loss)", "temperature_C", "tmax_C", "°C", "≥"),
    "bhmax_kJ_per_m3": ("(BH)max", "min_bhmax_kJ_per_m3", "bhmax_kJ_per_m3", "kJ/m³", "≥"),
    "cost_usd_per_kg": ("cost", "max_cost_usd_per_kg", "cost_usd_per_kg", "USD/kg", "≤"),
    "cost_usd_per_part": ("cost", "max_cost_usd_per_part", "cost_usd_per_part", "USD/part", "≤"),
}
_INTERVAL = {"br_T", "hcj_kA_per_m", "tmax_C", "bhmax_kJ_per_m3"}


@dataclass
class Review:
    """The outcome of :func:`review`.

    Attributes
    ----------
    study : Study
        The study reviewed.
    result : RankResult
        The ranking it produced.
    performance : pandas.DataFrame
        One row per requirement of the baseline: ``check, requirement, limit, unit, comparator, value``
        (the side of the interval tested), ``value_central, value_lo, value_hi, margin`` (same unit;
        ≥ 0 passes), ``passes``, ``side``.
    compliance : pandas.DataFrame
        One row per licence condition: ``condition, rule, limb, level, basis, status`` (``licence_required``,
        ``below_threshold``, ``not_applicable`` …), ``rule_status`` (raw on ``as_of``), ``treated_as``,
        ``share`` and ``threshold`` (fractions; NaN threshold = any content), ``share_over_threshold`` (share ÷
        threshold), ``passes``, ``as_of``, ``sentence``.
    rules : pandas.DataFrame
        The catalog's status rows of the rules in the conditions (dates and recorded status as evidence).
    substitutes : pandas.DataFrame
        The baseline and the top substitutes: ``label, changes, route, br_T, hcj_kA_per_m, tmax_C,
        br_T_q, hcj_kA_per_m_q, tmax_C_q, bhmax_kJ_per_m3, cost_usd_per_part, cost_vs_baseline,
        controlled_value_share, qualifies, explanation`` (properties at the operating temperature: central,
        and ``_q`` at the quantile the requirements are tested on, the values that decide ``qualifies``).
    strategies : pandas.DataFrame
        :meth:`RankResult.by_strategy`.
    magnets : list of dict
        The magnets of :attr:`substitutes` as ``{"label", "alloy", "route", "route_params", "origin"}``
        (inputs of :func:`substitute.plot.demag`).
    content : pandas.DataFrame
        ``magnet, element, condition, share, threshold``: each element's part of each applicable
        condition's share (fractions; for ``any_content`` conditions the share is the element's mass
        fraction of the magnet). Conditions that do not apply to a magnet are left out.
    cost : pandas.DataFrame
        ``magnet, element, cost_usd_per_part``: raw-material cost by element.
    assumptions : list of str
        Every assumption the verdict rests on, in words.
    audit : dict
        Package version, rule catalog (version, hash), price vector (id, date, hash), model hash, the
        study file (label, SHA-256, text) and the command-line overrides.
    whatif : pandas.DataFrame or None
        When what-if results were given: one row per (design, scenario) with its licence status, value
        share, threshold, cost and performance verdict (and Monte Carlo columns when present).
    whatif_summary : pandas.DataFrame or None
        Per design: ``design, n_scenarios, n_licence_required, worst_value_share, threshold,
        n_fails_performance`` (and ``max_p_licence_required`` with Monte Carlo draws).
    """

    study: Study
    result: RankResult
    performance: pd.DataFrame
    compliance: pd.DataFrame
    rules: pd.DataFrame
    substitutes: pd.DataFrame
    strategies: pd.DataFrame
    magnets: list[dict[str, Any]]
    content: pd.DataFrame
    cost: pd.DataFrame
    assumptions: list[str] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)
    whatif: pd.DataFrame | None = None
    whatif_summary: pd.DataFrame | None = None

    @property
    def performance_ok(self) -> bool:
        """True when the baseline meets every performance requirement."""
        return bool(self.performance["passes"].all())

    @property
    def compliance_ok(self) -> bool:
        """True when no licence condition requires a licence or is unknown (``not_applicable`` passes)."""
        return bool(self.compliance["passes"].all())

    @property
    def compliance_unknown(self) -> bool:
        """True when a licence condition is ``unknown_status`` (a rule of unknown status treated as
        suspended would otherwise require a licence)."""
        return bool((self.compliance["status"] == "unknown_status").any())

    def failed(
        self, fail_on: Iterable[str] = FAIL_ON, *, accept_unknown: bool = False
    ) -> list[str]:
        """Which of the named checks (``"compliance"``, ``"performance"``) the baseline fails.

        An ``unknown_status`` condition fails ``"compliance"`` unless ``accept_unknown=True``.
        """
        names = check_fail_on(fail_on)
        comp = self.compliance
        blocking = comp["status"] == "licence_required"
        if not accept_unknown:
            blocking |= comp["status"] == "unknown_status"
        ok = {"compliance": not bool(blocking.any()), "performance": self.performance_ok}
        return [n for n in names if not ok[n]]

    @property
    def headline(self) -> str:
        """The verdict in one line."""
        req = self.study.requirements
        perf = (
            f"meets every performance requirement at {req.temperature_C:g} °C"
            if self.performance_ok
            else "FAILS " + ", ".join(self.performance.loc[~self.performance["passes"], "check"])
        )
        lic = self.compliance[self.compliance["status"] == "licence_required"]
        unk = self.compliance[self.compliance["status"] == "unknown_status"]
        parts = []
        if len(lic):
            parts.append("LICENCE REQUIRED under " + "; ".join(lic["condition"]))
        if len(unk):
            parts.append(
                "UNKNOWN (licence if the rule is in force; its status is unknown) under "
                + "; ".join(unk["condition"])
            )
        comp = "; ".join(parts) if parts else "below every licence threshold"
        return f"{self.study.baseline.name}: {perf}; {comp} (rules as of {self.audit['as_of']})."

    def to_dict(self) -> dict[str, Any]:
        """Everything in the review as JSON-safe built-in types (what ``--json`` writes)."""

        from substitute.outputs import json_safe, records

        t = self.result.table
        return {
            "format": "substitute-review/1",
            "audit": json_safe(self.audit),
            "assumptions": list(self.assumptions),
            "warnings": list(self.result.messages),
            "headline": self.headline,
            "verdict": {
                "performance_ok": self.performance_ok,
                "compliance_ok": self.compliance_ok,
                "performance": records(self.performance),
                "compliance": records(self.compliance),
            },
            "rules": records(self.rules),
            "substitutes": records(self.substitutes),
            "strategies": records(self.strategies),
            "content": records(self.content),
            "cost": records(self.cost),
            "ranking": {
                "n_candidates": len(t),
                "n_qualifying": int(t["qualifies"].sum()),
                "eliminated": records(self.result.eliminated),
                "messages": list(self.result.messages),
                "timings_s": {k: round(float(v), 4) for k, v in self.result.timings.items()},
            },
            "whatif": None
            if self.whatif is None
            else {"summary": records(self.whatif_summary), "rows": records(self.whatif)},
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string (``kwargs`` go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, **{"indent": 1, **kwargs})


def check_fail_on(fail_on: str | Iterable[str] | None) -> tuple[str, ...]:
    """Validate ``--fail-on`` names (a comma-separated string or an iterable); None means not given.

    An empty value that *was* given (``--fail-on ""``) is an error, not a silently disabled gate."""
    if fail_on is None:
        return ()
    items = fail_on.split(",") if isinstance(fail_on, str) else list(fail_on)
    names = tuple(dict.fromkeys(s.strip() for s in items if s.strip()))
    if not names:
        msg = (
            f"fail-on: no check named (got {fail_on!r}); give one or more of: {', '.join(FAIL_ON)}"
        )
        raise InputError(msg)
    bad = [n for n in names if n not in FAIL_ON]
    if bad:
        msg = f"fail-on: unknown check(s) {', '.join(map(repr, bad))}; valid: {', '.join(FAIL_ON)}"
        raise InputError(msg)
    return names


# ------------------------------------------------------------------------------------------ verdicts
def _performance(base: pd.Series, study: Study) -> pd.DataFrame:
    req = study.requirements
    rows = []
    for name, (label, field_, col, unit, cmp) in _PERFORMANCE.items():
        if f"margin_{name}" not in base.index:
            continue
        interval = name in _INTERVAL
        limit = float(getattr(req, field_))
        check = (
            f"{label} at {req.temperature_C:g} °C, Pc {req.permeance:g}"
            if name == "tmax_C"
            else f"{label} at {req.temperature_C:g} °C"
            if interval
            else label
        )
        rows.append(
            {
                "check": check,
                "requirement": field_,
                "limit": limit,
                "unit": unit,
                "comparator": cmp,
                "value": float(base[col + "_q"]) if interval else float(base[col]),
                "value_central": float(base[col]),
                "value_lo": float(base[f"{col}_lo"]) if interval else float(base[col]),
                "value_hi": float(base[f"{col}_hi"]) if interval else float(base[col]),
                "margin": float(base[f"margin_{name}"]),
                "p_meets": float(base[f"p_meets_{name}"])
                if interval
                else float(base[f"margin_{name}"] >= 0),
                "passes": bool(base[f"margin_{name}"] >= 0),
                "side": req.decision_basis if interval else "exact",
            }
        )
    return pd.DataFrame(rows)


def _condition_label(c: Any) -> str:
    basis = {"value_share": "value share", "mass_share": "mass share", "any_content": "any content"}
    return f"{c.rule}{' ' + c.limb if c.limb else ''} @ {c.level} ({basis[c.basis]})"


def _compliance(base: pd.Series, study: Study, catalog: Any) -> pd.DataFrame:
    from substitute.compliance.status import treat_status

    req = study.requirements
    rows = []
    for c in req.compliance:
        status = str(base[f"status_{c.key}"])
        evidence = catalog.status_evidence(c.rule, req.as_of, limb=c.limb)
        raw = evidence.status
        rs = catalog[c.rule]
        if_in_force = str(base.get(f"if_in_force_{c.key}", status))
        unknown = raw == "status_unknown" and treat_status(raw, req.assume) != "in_force"
        if unknown and if_in_force == "licence_required":
            status = "unknown_status"  # treated as suspended by assumption: not a pass
        share, thr = float(base[f"share_{c.key}"]), float(base[f"threshold_{c.key}"])
        if (
            c.basis == "any_content"
        ):  # the ranking's column is a hit flag; report the content itself
            share = float(
                sum(study.baseline.get_mass_fraction(e)[0] for e in catalog.listed_elements(c.rule))
            )
        over = share / thr if c.basis != "any_content" and thr > 0 else math.nan
        label = _condition_label(c)
        if status == "not_applicable":
            sentence = f"{label}: not applicable — " + (
                "the rule controls exports from China and the magnet is made outside China."
                if c.basis == "any_content"
                else "the rule catches foreign-made items and the magnet is made in China."
            )
        elif c.basis == "any_content":
            sentence = (
                f"{label}: {status.replace('_', ' ')} — the magnet is a controlled item "
                f"({share * 100:.3g} wt% of listed elements) and any deliberate content counts."
                if status == "licence_required"
                else f"{label}: {status.replace('_', ' ')} — the magnet is not a controlled item "
                f"({share * 100:.3g} wt% of listed elements)."
            )
        else:
            sentence = (
                f"{label}: {status.replace('_', ' ')} — share {share * 100:.3f} % against the threshold "
                f"{thr * 100:.3g} % (share/threshold {over:.2f}; ≥ 1 needs a licence)."
            )
        if status == "unknown_status":
            sentence = (
                f"{label}: UNKNOWN — the magnet would need a licence if the rule is in force; its status on "
                f"{req.as_of} is status_unknown (its suspension ended with no later public record) and "
                f"it is treated as {req.assume.replace('_', ' ')} by assumption. A gate does not pass on "
                "this unless unknowns are accepted (--accept-unknown)."
            )
        elif raw != treat_status(raw, req.assume):
            sentence += (
                f" The rule's status on {req.as_of} is {raw} (its suspension ended with no later public "
                f"record); treated as {req.assume.replace('_', ' ')}."
            )
        rows.append(
            {
                "condition": label,
                "key": c.key,
                "rule": c.rule,
                "limb": c.limb or "",
                "level": c.level,
                "basis": c.basis,
                "status": status,
                "rule_status": raw,
                "treated_as": treat_status(raw, req.assume),
                "share": share,
                "threshold": thr,
                "share_over_threshold": over,
                "status_if_in_force": if_in_force,
                "control_code": _control_code(rs, c, study),
                "rule_source": rs.primary_source,
                "evidence_date": (
                    evidence.since.isoformat()
                    if evidence.since
                    else (rs.status.as_of.isoformat() if rs.status else "")
                ),
                "verified": bool(rs.verified is not False and not evidence.hypothetical)
                and all(
                    it.verified is not False
                    for it in rs.items
                    if it.element and study.baseline.get_mass_fraction(it.element)[0] > 0
                ),
                "hypothetical": bool(evidence.hypothetical or rs.hypothetical),
                "passes": status not in ("licence_required", "unknown_status"),
                "as_of": str(req.as_of),
                "sentence": sentence,
            }
        )
    return pd.DataFrame(rows)


def _control_code(rs: Any, c: Any, study: Study) -> str:
    """The control item a condition tests: the listed items of the baseline's elements (any-content
    rules), or the No. 61 Annex 1 Part II entry (value-share rules)."""
    if c.basis != "any_content":
        return "Annex 1 Part II" if rs.annex1 is not None else ""
    held = [
        it for it in rs.items if it.element and study.baseline.get_mass_fraction(it.element)[0] > 0
    ]
    magnet = [it.control_code for it in held if it.magnet_item and it.control_code]
    return ", ".join(dict.fromkeys(magnet)) or ""


# ------------------------------------------------------------------------------ magnets and breakdowns
def _magnets(study: Study, res: RankResult, top: int) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Baseline + top rows (one frame, same columns) and their magnets."""
    base = res.baseline
    params = {"grain_size_um": study.grain_size_um}
    magnets = [
        {
            "label": "baseline",
            "alloy": study.baseline,
            "route": study.route,
            "route_params": params,
            "origin": dict(study.baseline_origin),
        }
    ]
    rows = [base.to_dict() | {"label": "baseline", "changed_levers": "", "explanation": ""}]
    for i in range(min(top, len(res.table))):
        r = res.table.iloc[i]
        magnets.append({"label": f"#{i + 1}", **res.candidate(i)})
        rows.append(r.to_dict() | {"label": f"#{i + 1}"})
    frame = pd.DataFrame(rows)
    frame["qualifies"] = frame["qualifies"].fillna(
        bool(base["meets_requirements"] and base["below_thresholds"])
    )
    return frame, magnets


#: properties whose requirement is tested on a quantile of the prediction (``<name>_q`` beside the central)
_DECIDING = ("br_T", "hcj_kA_per_m", "tmax_C")


def _substitutes(frame: pd.DataFrame, base_cost: float) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "label": frame["label"],
            "changes": frame["changed_levers"].fillna("").replace("", "(baseline recipe)"),
            "route": frame["route"],
            "br_T": frame["br_T"],
            "hcj_kA_per_m": frame["hcj_kA_per_m"],
            "tmax_C": frame["tmax_C"],
            # the values qualification is decided on (the requirements' quantile; central without one)
            **{f"{c}_q": frame[f"{c}_q"] if f"{c}_q" in frame else frame[c] for c in _DECIDING},
            "bhmax_kJ_per_m3": frame["bhmax_kJ_per_m3"],
            "cost_usd_per_part": frame["cost_usd_per_part"],
            "cost_vs_baseline": frame["cost_usd_per_part"] / base_cost - 1.0,
            "controlled_value_share": frame["controlled_value_share"],
            "controlled_content_fraction": frame.get(
                "controlled_content_fraction", pd.Series(0.0, index=frame.index)
            ),
            "qualifies": frame["qualifies"].astype(bool),
            "explanation": frame["explanation"].fillna(""),
        }
    )
    out.loc[0, "changes"] = "(baseline recipe)"
    return out.reset_index(drop=True)


def _counts_as_cn(origin: Mapping[str, str], element: str) -> float:
    """1 when the element's origin counts as China (CN or unknown; recycled counts as non-China)."""
    return 1.0 if origin.get(element, "unknown") in ("CN", "unknown") else 0.0


def _breakdowns(
    frame: pd.DataFrame, magnets: list[dict[str, Any]], study: Study, catalog: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-element content (per condition) and cost of each magnet, scaled to the ranking's totals."""
    from substitute.prices import price_vector

    pv = price_vector(study.prices)
    premium = study.origin_premium
    content_rows, cost_rows = [], []
    for (_, r), m in zip(frame.iterrows(), magnets, strict=True):
        alloy, origin = m["alloy"], m["origin"]
        w = dict(zip(alloy.elements, alloy.mass_array[0], strict=True))
        mass = float(r["magnet_mass_kg"])
        price = {e: pv.price(e) for e in w}
        prem = {
            e: float(premium.get(origin.get(e, ""), 1.0)) if e in ("Dy", "Tb", "Ho") else 1.0
            for e in w
        }
        for e, we in w.items():
            cost_rows.append(
                {
                    "magnet": m["label"],
                    "element": e,
                    "cost_usd_per_part": mass * we * price[e] * prem[e],
                }
            )
        if "processing_cost_usd_per_part" in r.index:
            cost_rows.append(
                {
                    "magnet": m["label"],
                    "element": "processing",
                    "cost_usd_per_part": float(r["processing_cost_usd_per_part"]),
                }
            )
        for c in study.requirements.compliance:
            if r[f"status_{c.key}"] == "not_applicable":
                continue  # e.g. No. 18 for a magnet made outside China: no threshold to compare with
            listed = [e for e in catalog.listed_elements(c.rule) if w.get(e, 0.0) > 0]
            total = float(r[f"share_{c.key}"])
            thr = float(r[f"threshold_{c.key}"])
            if c.basis == "any_content":
                parts = {e: w[e] for e in listed}
            else:
                weight = {
                    e: w[e]
                    * _counts_as_cn(origin, e)
                    * (price[e] if c.basis == "value_share" else 1)
                    for e in listed
                }
                s = sum(weight.values())
                parts = {e: total * weight[e] / s if s > 0 else 0.0 for e in listed}
            for e, share in parts.items():
                content_rows.append(
                    {
                        "magnet": m["label"],
                        "element": e,
                        "condition": _condition_label(c),
                        "share": share,
                        "threshold": thr if c.basis != "any_content" else math.nan,
                    }
                )
    content = pd.DataFrame(
        content_rows, columns=["magnet", "element", "condition", "share", "threshold"]
    )
    return content, pd.DataFrame(cost_rows)


# ------------------------------------------------------------------------------------ assumptions
def _assumptions(study: Study, base: pd.Series, compliance: pd.DataFrame) -> list[str]:
    req = study.requirements
    out = []
    for r in compliance.itertuples():
        if r.rule_status == "status_unknown":
            out.append(
                f"{r.rule}: status_unknown on {r.as_of} (suspension ended, no later public record) — "
                f"treated as {req.assume.replace('_', ' ')}"
                + (" (conservative)." if req.assume == "in_force" else " (not conservative).")
            )
    where = {"non-CN": "outside China", "CN": "in China", "unknown": "in an unknown place"}
    out += [
        f"The magnet is made {where[req.made_in]}: No. 18/57 control exports from China; No. 61 "
        "catches foreign-made items.",
        "Feedstock origin of the baseline: "
        + ", ".join(f"{e} {o}" for e, o in study.baseline_origin.items())
        + "; unknown origin counts as China-origin, recycled as non-China.",
        f"Value shares use the price vector {study.prices} and "
        + ("an ASSUMED" if "assembly_value_usd" in study.assumed else "a declared")
        + f" assembly value of USD {req.assembly_value_usd:,.0f}"
        + (f" (part USD {req.part_value_usd:,.0f})" if req.part_value_usd else "")
        + f"; the magnet weighs {req.magnet_mass_kg:g} kg"
        + (" (ASSUMED)" if "magnet_mass_kg" in study.assumed else " (declared)")
        + (
            " — not in the study file: the defaults of Requirements; give them under [requirements]."
            if study.assumed
            else "."
        ),
        f"Performance limits are tested on {req.decision_basis} (the model's predictive distribution: "
        "a split normal through the prediction and its 90 % interval)."
        + f" Properties are model predictions at {req.temperature_C:g} °C, not measurements"
        + ("." if bool(base["in_domain"]) else "; the baseline is OUTSIDE the model's domain."),
        "Cost per part is raw material (the price vector) plus processing adders per route "
        "(datasets/costs/processing_adders.csv: sintered USD 4.67/kg, 3.9–5.5, derived from vendor cost "
        "shares; GBD +10 %; hot-deformed, bonded and other families borrow the sintered adder; fine-grain "
        "milling is not costed — no source).",
    ]
    prem = {k: v for k, v in study.origin_premium.items() if v != 1.0}
    out.append(
        "Heavy rare earths bought outside China or recycled carry a price premium of "
        + ", ".join(f"×{v:g} ({k})" for k, v in prem.items())
        + "."
        if prem
        else "Heavy rare earths bought outside China or recycled are priced like the vector (no premium)."
    )
    return out


def _study_file(study: Study, path: str | Path | None) -> dict[str, Any]:
    from substitute import data

    p = data.path(DEFAULT_STUDY) if path is None else Path(path)
    raw = p.read_bytes()
    return {
        "study": study.source,
        "study_sha256": hashlib.sha256(raw).hexdigest(),
        "study_text": raw.decode("utf-8", errors="replace"),
    }


# ------------------------------------------------------------------------------------------ what-if
_WHATIF_REQUIRED = (
    "design",
    "scenario",
    "licence_required",
    "value_share",
    "threshold",
    "cost_usd_per_unit",
    "meets_requirements",
)
_WHATIF_OPTIONAL = (
    "as_of",
    "assume",
    "performance_failures",
    "p_licence_required",
    "value_share_p95",
    "cheapest_substitute",
    "cheapest_substitute_cost_usd_per_unit",
    # for the what-if charts of the report (cost over scenarios, fleet exposure)
    "cost_usd_per_unit_p05",
    "cost_usd_per_unit_p95",
    "cost_usd_per_year",
    "cost_usd_per_year_p05",
    "cost_usd_per_year_p95",
    "licence_exposure_units_per_year",
    "controlled_mass_kg_per_year",
    "controlled_mass_cn_kg_per_year",
)


def _whatif(results: pd.DataFrame | str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (design, scenario) rows of what-if results and their summary per design."""
    from substitute import data

    df = (
        results
        if isinstance(results, pd.DataFrame)
        else data.read_user_table(results, what="what-if results")
    )
    missing = [c for c in _WHATIF_REQUIRED if c not in df.columns]
    if missing:
        msg = (
            f"what-if results: missing column(s) {', '.join(missing)}; give the table written by "
            "'substitute whatif STUDY -o results.csv' (or sb.whatif(...))"
        )
        raise InputError(msg)
    if df.empty:
        msg = "what-if results: the table has no rows"
        raise InputError(msg)
    rows = df[[*_WHATIF_REQUIRED, *(c for c in _WHATIF_OPTIONAL if c in df.columns)]].copy()
    for c in ("licence_required", "meets_requirements"):
        rows[c] = rows[c].astype(str).str.lower().map({"true": True, "false": False})
        if rows[c].isna().any():
            msg = f"what-if results: column {c} must hold true/false values"
            raise InputError(msg)
    g = rows.assign(fails=~rows["meets_requirements"]).groupby("design", sort=False)
    summary = pd.DataFrame(
        {
            "n_scenarios": g.size(),
            "n_licence_required": g["licence_required"].sum().astype(int),
            "worst_value_share": g["value_share"].max(),
            "threshold": g["threshold"].min(),
            "n_fails_performance": g["fails"].sum().astype(int),
        }
    )
    if "p_licence_required" in rows:
        summary["max_p_licence_required"] = g["p_licence_required"].max()
    return rows.reset_index(drop=True), summary.reset_index()


# ------------------------------------------------------------------------------------------ entry
def review(
    study: str | Path | Study | None = None,
    *,
    top: int = 5,
    whatif: pd.DataFrame | str | Path | None = None,
    **overrides: Any,
) -> Review:
    """Review a study's baseline magnet: verdicts, top substitutes, evidence and audit stamp.

    Parameters
    ----------
    study : str, Path or Study, optional
        A TOML study file, a :class:`~substitute.ranking.study.Study`, or ``None`` for the shipped default
        study (the one ``substitute rank`` runs).
    top : int, default 5
        How many substitutes to put beside the baseline.
    whatif : DataFrame, str or Path, optional
        What-if results to include (the table of :func:`substitute.whatif` or the ``.csv``/``.parquet``
        written by ``substitute whatif STUDY -o``): licence status, value share and cost of each design
        under each scenario, summarised per design.
    **overrides
        As for :func:`~substitute.ranking.study.load_study` (``as_of``, ``assume``, ``prices``,
        ``confidence``, ``conservative``); only for a file or ``None``.

    Returns
    -------
    Review

    Raises
    ------
    InputError
        Bad study file or overrides (the message names the key and line), ``top`` < 1, what-if results
        that are missing, unreadable or lack a required column.

    Examples
    --------
    >>> import substitute as sb
    >>> rv = sb.review(as_of="2026-11-25")                       # doctest: +SKIP
    >>> rv.performance_ok, rv.compliance_ok                      # doctest: +SKIP
    (True, False)
    """
    from substitute.compliance import load_catalog

    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        msg = f"top must be an integer ≥ 1, got {top!r}"
        raise InputError(msg)
    wi_rows, wi_summary = _whatif(whatif) if whatif is not None else (None, None)
    given = {k: v for k, v in overrides.items() if v is not None}
    if isinstance(study, Study):
        if given:
            msg = f"overrides ({', '.join(given)}) apply to study files; set them on the Study instead"
            raise InputError(msg)
        st, stamp = study, {"study": study.source, "study_sha256": None, "study_text": None}
    else:
        st = load_study(study, **given)
        stamp = _study_file(st, study)
    res = run_study(st, progress=False)
    cat = load_catalog()
    base = res.baseline
    performance = _performance(base, st)
    compliance = _compliance(base, st, cat)
    status = cat.status_table(st.requirements.as_of, st.requirements.assume)
    used = set(zip(compliance["rule"], compliance["limb"], strict=True))
    used |= {(r, "") for r, _ in used}
    keep = [(r, lb) in used for r, lb in zip(status["rule_id"], status["limb"], strict=True)]
    rules = status[keep].reset_index(drop=True)
    frame, magnets = _magnets(st, res, top)
    content, cost = _breakdowns(frame, magnets, st, cat)
    from substitute.compliance.record import audit_record
    from substitute.compliance.status import parse_date

    record = audit_record(
        cat, as_of=parse_date(st.requirements.as_of), assume=st.requirements.assume
    )
    audit = {
        **res.table.attrs["audit"],
        **stamp,
        "run_utc": record["run_utc"],
        "status_after_windows": record["status_after_windows"],
        "overrides": given,
        "n_candidates": len(res.table),
    }
    if whatif is not None:
        audit["whatif_results"] = (
            "DataFrame given in code" if isinstance(whatif, pd.DataFrame) else str(whatif)
        )
        audit["whatif_sha256"] = (
            None
            if isinstance(whatif, pd.DataFrame)
            else hashlib.sha256(Path(whatif).read_bytes()).hexdigest()
        )
    return Review(
        study=st,
        result=res,
        performance=performance,
        compliance=compliance,
        rules=rules,
        substitutes=_substitutes(frame, float(base["cost_usd_per_part"])),
        strategies=res.by_strategy(),
        magnets=magnets,
        content=content,
        cost=cost,
        assumptions=_assumptions(st, base, compliance),
        audit=audit,
        whatif=wi_rows,
        whatif_summary=wi_summary,
    )
