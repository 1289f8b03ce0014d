"""Assessment of a BOM (parts and assemblies) against the rule catalog on a date: one verdict per level and
rule set (or limb), with the control item it matched, the record behind the rule's status, and every
assumption.

Verdicts are legal outcomes (column ``status``, worst first, see
:data:`~substitute.compliance.evaluation.VERDICT_ORDER`): ``prohibited`` (an end-use rule forbids it),
``licence_required``, ``exempt_report_required`` (the humanitarian exemption: no licence, a report within 10
working days), ``unknown_status`` (the outcome depends on a fact the tool does not have: a rule whose status
is unknown and is treated as suspended, or the origin of the magnet-making technology), ``below_threshold``
and ``not_controlled``.

How each rule is applied:

- **Item scope.** A rule lists *items* (metal, alloys, oxide, compounds, named magnet materials), so a part
  is caught only by the items that cover its form (:mod:`substitute.compliance.forms`; declared, or inferred
  from the composition and reported as an assumption). Gd metal is a No. 18 item (1C903.a); a Gd-substituted
  NdFeB magnet is not, because No. 18 names no Gd magnet item.
- **Exports from China** (No. 18, No. 57, Ga/Ge, graphite, Sb …) are tested on parts made in China (or of
  unknown place of manufacture, conservatively); assemblies get a recorded "no" that cites why (MOFCOM FAQ V:
  deep-processed products are generally out of scope).
- **No. 61**: limb 1(1) (China-origin Part I content ≥ 0.1 % of the value of a foreign-made Part II item) and
  limb 1(2) (Part II items made abroad with China-origin magnet technology) apply only to items made outside
  China; limb 1(3) (China-origin Annex 1 items) applies to items of China origin. A part made in China whose
  controlled rare earth is declared non-China raises a warning: an alloy smelted or a magnet made in China is
  normally of China origin.

Conservative defaults (each is printed in the row's ``assumptions`` when it was used):

- unknown origin counts as China-origin; ``recycled`` counts as non-China unless
  ``recycled_counts_as="CN"`` (the text does not define the origin of recycled material);
- ``made_in="unknown"`` is treated as made in China for rules on exports from China and on China-origin
  items, and as foreign-made for No. 61 limbs 1(1) and 1(2): both are tested;
- a part with no ``value_usd`` is valued at its raw-material cost from the price vector, a lower bound on
  its selling price, so its value share is an upper bound;
- an assembly with no mass weighs the sum of its parts.

Value share (No. 61 limb 1(1)) = Σ over the item's Annex 1 Part I elements of (mass of element × China
share × price per kg of contained element) ÷ item value, compared with the threshold by
:func:`~substitute.compliance.evaluation.reaches` (a tie goes to the rule). The text defines no price
basis; the price vector used is named in every row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from substitute.compliance.bom import Assembly, NodeSums, Part, check_choice, counted_value, walk
from substitute.compliance.catalog import Catalog, load_catalog
from substitute.compliance.content import check_zero_below, floor_param
from substitute.compliance.evaluation import (
    VERDICT_ORDER,
    Unit,
    check_destination,
    check_end_use,
    end_use_effects,
    evaluation_units,
    fmt_pct,
    join,
    reaches,
)
from substitute.compliance.forms import covers
from substitute.compliance.record import audit_record
from substitute.compliance.status import check_assume, parse_date, treat_status
from substitute.errors import InputError, PriceError
from substitute.prices import price_vector

__all__ = ["STATUSES", "assess"]

#: the legal outcomes of the ``status`` column, worst first
STATUSES = VERDICT_ORDER
_TESTS = ("any_content", "value_share", "technology_flag", "information_only")
#: controlled rare earths whose declared origin is checked against the place of manufacture
_ORIGIN_CHECKED = ("Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y", "Ho", "Er", "Tm", "Eu", "Yb")


# --------------------------------------------------------------------------------------------- assess
def assess(
    item: Part | Assembly,
    as_of: dt.date | str = "today",
    prices: Any = "ex_china_2025",
    *,
    catalog: Catalog | None = None,
    assume: str = "in_force",
    end_use: str | None = None,
    destination: str | None = None,
    levels: Iterable[str] | None = None,
    share_basis: Literal["value_share", "mass_share"] = "value_share",
    recycled_counts_as: Literal["non-CN", "CN"] = "non-CN",
    customs_practice_floor: bool = False,
    zero_below: float | None = None,
    rules: Iterable[str] | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Assess a part or an assembly, at every BOM level, against the rule catalog on a date.

    Parameters
    ----------
    item : Part or Assembly
        The BOM (root).
    as_of : datetime.date or str, default "today"
        Date of the evaluation (ISO ``YYYY-MM-DD``; a time-zone-aware datetime is read on China's calendar).
    prices : str, mapping, path or PriceVector, default "ex_china_2025"
        Prices of contained elements, USD/kg (see :func:`substitute.prices.price_vector`).
    catalog : Catalog, optional
        Rule catalog (with overlays); default the shipped one.
    assume : {"in_force", "suspended"}, default "in_force"
        How ``status_unknown`` rule sets are treated. With ``"suspended"`` a rule that would require a
        licence is reported as ``unknown_status`` (not as passing), and the assumption is in every row.
    end_use : str, optional
        E.g. ``"civil_automotive"``, ``"military"``, ``"military_end_user"``, ``"listed_entity"``,
        ``"semiconductor_<=14nm"``, ``"memory_>=256_layers"``, ``"military_ai"``, ``"humanitarian"``.
        A prohibition makes the verdict ``prohibited``; the humanitarian exemption
        ``exempt_report_required``; a presumption of denial or case-by-case review is noted on the
        licence row.
    destination : str, optional
        ISO country code of the destination (``"US"``, ``"JP"`` …) for destination-specific rules.
    levels : iterable of {"part", "subassembly", "assembly"}, optional
        Levels to report (default all).
    share_basis : {"value_share", "mass_share"}, default "value_share"
        Basis of the threshold test for value-share rules. No. 61 is a value ratio; ``"mass_share"`` is an
        explicitly labelled alternative reading.
    recycled_counts_as : {"non-CN", "CN"}, default "non-CN"
        How recycled content counts (the text does not define it); ``"CN"`` gives the worst case.
    customs_practice_floor : bool, default False
        Apply the unofficial 0.1 wt% Dy+Tb customs-practice floor to No. 18 at part level (labelled).
    zero_below : float, optional
        Treat element mass fractions below this as zero (detection limit), flagged.
    rules : iterable of str, optional
        Rule-set ids to evaluate (default all with a content, value or technology test).
    inputs : mapping, optional
        Input files of the run (label → path) whose SHA-256 goes into the audit record.

    Returns
    -------
    pandas.DataFrame
        One row per (BOM level item, rule set or limb). Columns: ``level, item, path, form, family,
        form_inferred, rule_id, short_name, limb, rule_kind, test, control_code, matched_item, elements,
        controlled_mass_kg`` (all origins), ``controlled_mass_cn_kg`` (China-origin incl. unknown),
        ``mass_kg`` (item), ``mass_share``, ``controlled_value_cn_usd``, ``value_usd`` (item),
        ``value_basis`` (``given`` | ``raw_material_estimate``), ``value_share``, ``value_share_best_case``
        (unknown and recycled as non-China), ``share_basis``, ``threshold``, ``threshold_basis``,
        ``comparator``, ``share_over_threshold`` (share ÷ threshold, a ratio: ≥ 1 reaches it), ``status`` (the legal outcome, see
        :data:`STATUSES`), ``status_if_in_force``, ``rule_status`` (raw, on ``as_of``), ``treated_as``,
        ``assumption``, ``as_of``, ``made_in``, ``technology_origin``, ``end_use``, ``end_use_effect``,
        ``end_use_note``, ``verified``, ``hypothetical``, ``rule_source`` (URL), ``evidence_date`` (date
        of the record that decides the rule's status), ``status_decided_by``, ``reason`` (one sentence
        citing the rule), ``assumptions`` (list), ``warnings`` (list). ``attrs["audit"]`` is the audit
        record (:func:`~substitute.compliance.record.audit_record`); ``attrs["assumptions"]`` and
        ``attrs["warnings"]`` collect the rows'.

    Raises
    ------
    InputError
        Bad date, ``assume``, ``end_use``, ``levels`` or ``share_basis``.
    PriceError
        A China-origin controlled element (or, for a part without a value, any element) has no price;
        the message names it.

    Examples
    --------
    >>> import substitute as sb
    >>> a = sb.Alloy.parse("Nd26 Pr4 Dy4 B1 Fe bal", basis="mass")
    >>> unit = sb.Assembly("e-axle", [sb.Part("magnets", a, 1.6, origin={"Dy": "CN"})], value_usd=4200)
    >>> r = sb.assess(unit, as_of="2026-11-22", prices="ex_china_2025")
    >>> row = r.query("level == 'assembly' and limb == '1(1)'").iloc[0]
    >>> round(float(row.value_share), 5), row.status
    (0.01399, 'licence_required')
    """
    cat = catalog if catalog is not None else load_catalog()
    if not isinstance(cat, Catalog):
        msg = f"catalog: expected a Catalog from load_catalog(), got {type(cat).__name__}"
        raise InputError(msg)
    d = parse_date(as_of)
    check_assume(assume)
    eu = check_end_use(end_use, cat)
    check_choice(share_basis, ("value_share", "mass_share"), "share_basis")
    check_choice(recycled_counts_as, ("non-CN", "CN"), "recycled_counts_as")
    want = set(levels) if levels is not None else {"part", "subassembly", "assembly"}
    for lv in want:
        check_choice(lv, ("part", "subassembly", "assembly"), "levels")
    zb = check_zero_below(zero_below)
    destination = check_destination(destination)
    pv = price_vector(prices)
    units = [u for u in evaluation_units(cat, rules) if u.evaluation.test in _TESTS]
    ctx = _Context(d, assume, pv, share_basis, recycled_counts_as, customs_practice_floor, zb)

    rows: list[dict[str, Any]] = []
    for level, path, node in walk(item):
        if level not in want:
            continue
        nd = NodeSums(node, level, path, recycled_counts_as, zb)
        for u in units:
            row = _assess_unit(u, nd, ctx)
            if row is None:
                continue
            _apply_end_use(row, u, cat, eu, destination, d, assume)
            if row.pop("_priced"):
                row["assumptions"].append(ctx.price_note)
            if zb is not None:
                row["assumptions"].append(f"contents below {zb:g} (mass fraction) treated as zero")
            rows.append(row)
    df = pd.DataFrame(rows, columns=ASSESS_COLUMNS)
    df.attrs["audit"] = audit_record(cat, as_of=d, assume=assume, prices=pv, inputs=inputs)
    df.attrs["assumptions"] = sorted({a for r in rows for a in r["assumptions"]})
    df.attrs["warnings"] = sorted({w for r in rows for w in r["warnings"]})
    return df


ASSESS_COLUMNS = [
    "level",
    "item",
    "path",
    "form",
    "family",
    "form_inferred",
    "rule_id",
    "short_name",
    "limb",
    "rule_kind",
    "test",
    "control_code",
    "matched_item",
    "elements",
    "controlled_mass_kg",
    "controlled_mass_cn_kg",
    "mass_kg",
    "mass_share",
    "controlled_value_cn_usd",
    "value_usd",
    "value_basis",
    "value_share",
    "value_share_best_case",
    "share_basis",
    "threshold",
    "threshold_basis",
    "comparator",
    "share_over_threshold",
    "status",
    "status_if_in_force",
    "rule_status",
    "treated_as",
    "assumption",
    "as_of",
    "made_in",
    "technology_origin",
    "end_use",
    "end_use_effect",
    "end_use_note",
    "verified",
    "hypothetical",
    "rule_source",
    "evidence_date",
    "status_decided_by",
    "reason",
    "assumptions",
    "warnings",
]


class _Context:
    """Settings of one assessment run, shared by every unit."""

    def __init__(
        self,
        d: dt.date,
        assume: str,
        pv: Any,
        share_basis: str,
        recycled_counts_as: str,
        floor_on: bool,
        zero_below: float | None,
    ) -> None:
        self.d, self.assume, self.pv = d, assume, pv
        self.share_basis, self.recycled_counts_as = share_basis, recycled_counts_as
        self.floor_on, self.zero_below = floor_on, zero_below
        self.price_note = (
            f"value = contained element mass × price vector {pv.id!r} ({pv.date}; {pv.basis}); the rule "
            "defines no price basis, date, currency or Incoterm"
        )


# --------------------------------------------------------------------------------------------- one unit
def _relevant(u: Unit, nd: NodeSums) -> bool:
    ev = u.evaluation
    if ev.relevant_elements:  # data says which content makes the rule set relevant to an item
        return bool(nd.present(ev.relevant_elements))
    return ev.always_report or bool(nd.present((*u.listed, *u.trigger, *u.counted)))


def _node_form(nd: NodeSums) -> tuple[str, str, bool]:
    if isinstance(nd.node, Part):
        f = nd.node.form
        return f.form, f.family, f.inferred
    return nd.level, "", False


def _assess_unit(u: Unit, nd: NodeSums, ctx: _Context) -> dict[str, Any] | None:
    ev = u.evaluation
    test = ev.test
    if not _relevant(u, nd):
        return None
    if nd.level not in ev.levels and (ev.other_levels is None or test == "information_only"):
        return None
    d, assume = ctx.d, ctx.assume
    evidence = u.status_evidence(d)
    raw = evidence.status
    treated = treat_status(raw, assume)
    if test == "value_share":
        els = u.counted
    elif test == "information_only":
        els = u.listed
    elif u.trigger:
        els = u.trigger
    else:
        els = u.listed
    present = nd.present(els)
    form, family, inferred = _node_form(nd)
    made_in = nd.node.made_in
    assumptions: list[str] = []
    warnings: list[str] = []
    if raw == "status_unknown":
        assumptions.append(
            f"{u.label} is status_unknown on {d} (suspension window ended, no later record): treated as "
            f"{treated} (assume={assume!r})"
        )
    if evidence.hypothetical:
        assumptions.append(
            f"{u.label}: its status on {d} rests on a HYPOTHETICAL record ({evidence.by}), not on a "
            "public one"
        )
    if inferred and isinstance(nd.node, Part) and test != "information_only":
        assumptions.append(
            f"form of {nd.node.name!r} inferred from its composition as {nd.node.form.label} "
            f"({nd.node.form.reason}); declare form/family to override"
        )
    for e in present:
        if e in nd.unknown and test != "information_only":
            assumptions.append(
                f"unknown origin of {e} in {', '.join(map(repr, nd.unknown[e]))} counted as China-origin"
            )
        if e in nd.recycled and test != "information_only":
            assumptions.append(
                f"recycled {e} in {', '.join(map(repr, nd.recycled[e]))} counted as "
                f"{ctx.recycled_counts_as} (the origin of recycled material is not defined in the text)"
            )
    if test in ("value_share", "any_content", "technology_flag"):
        warnings += _origin_warnings(nd)
    m_all = nd.mass(els, "all")
    m_cn = nd.mass(els, "cn")
    th = u.threshold
    row: dict[str, Any] = {
        "level": nd.level,
        "item": nd.node.name,
        "path": nd.path,
        "form": form,
        "family": family,
        "form_inferred": bool(inferred),
        "rule_id": u.rule_id,
        "short_name": u.rule.short_name or u.rule_id,
        "limb": u.limb_id,
        "rule_kind": u.rule.kind,
        "test": test,
        "control_code": "",
        "matched_item": "",
        "elements": ", ".join(present),
        "controlled_mass_kg": m_all,
        "controlled_mass_cn_kg": m_cn,
        "mass_kg": nd.mass_kg,
        "mass_share": m_all / nd.mass_kg,
        "controlled_value_cn_usd": np.nan,
        "value_usd": np.nan,
        "value_basis": "given" if nd.value_given else "raw_material_estimate",
        "value_share": np.nan,
        "value_share_best_case": np.nan,
        "share_basis": "",
        "threshold": th.value if th and th.value is not None else np.nan,
        "threshold_basis": th.basis if th else "none",
        "comparator": (th.comparator or "") if th else "",
        "share_over_threshold": np.nan,
        "rule_status": raw,
        "treated_as": treated,
        "assumption": assume,
        "as_of": d.isoformat(),
        "made_in": made_in,
        "technology_origin": "",
        "verified": (
            all(u.element_verified(e) for e in present) if present else u.rule.verified is not False
        )
        and evidence.verified is not False
        and not evidence.hypothetical,
        "hypothetical": bool(evidence.hypothetical or u.rule.hypothetical),
        "rule_source": u.rule.primary_source,
        "evidence_date": (
            evidence.since.isoformat()
            if evidence.since
            else (u.rule.status.as_of.isoformat() if u.rule.status else "")
        ),
        "status_decided_by": evidence.by,
        "assumptions": assumptions,
        "warnings": warnings,
        "_priced": False,
    }
    if nd.level not in ev.levels:  # a recorded "no": the rule set does not test this level
        assert ev.other_levels is not None
        src = f" ({ev.other_levels.source})" if ev.other_levels.source else ""
        unver = " [unverified]" if ev.other_levels.verified is False else ""
        row.update(
            status="not_controlled",
            status_if_in_force="not_controlled",
            reason=(
                f"{u.label} is not applied at {nd.level} level: {ev.other_levels.reason}{src}{unver}; "
                "the controlled items are the materials (see the part rows)."
            ),
        )
        return row
    _value_columns(u, nd, row, els, present, ctx)
    status, reason = _verdict(u, nd, row, present, ctx)
    row["status_if_in_force"] = status
    row["reason"] = reason
    if u.rule.kind == "technology_export_control":
        row["status"] = "not_controlled"
    elif treated == "in_force" or test == "information_only":
        row["status"] = status
    elif raw == "status_unknown" and status in ("licence_required", "unknown_status"):
        row["status"] = "unknown_status"
        row["reason"] = (
            f"{u.label} is status_unknown on {d} (its suspension ended on "
            f"{_window_end(evidence)} with no later public record) and is treated as {treated} by "
            f"assumption (assume={assume!r}); if it is in force: {status} — {reason} A gate does not pass "
            "on this unless unknowns are accepted explicitly."
        )
    else:
        why = raw.replace("_", " ")
        if raw == "status_unknown":
            why = f"status_unknown, treated as {treated} (assume={assume!r})"
        hyp = " (HYPOTHETICAL record)" if evidence.hypothetical else ""
        row["status"] = "not_controlled"
        row["reason"] = (
            f"{u.label} is {why}{hyp} on {d}: not applied (if in force: {status}; {reason})"
        )
    if evidence.hypothetical and "hypothetical" not in row["reason"].lower():
        row["reason"] += (
            f" [hypothetical: the status rests on {evidence.by}, a hypothetical record]"
        )
    if test == "technology_flag" and not row["technology_origin"]:
        row["technology_origin"] = nd.tech_origin(u.trigger) if _part_ii(u, nd, ctx)[0] else ""
    return row


def _window_end(evidence: Any) -> str:
    if evidence.since is None:
        return "?"
    return (evidence.since - dt.timedelta(days=1)).isoformat()


def _origin_warnings(nd: NodeSums) -> list[str]:
    """A part made in China whose controlled rare earth is declared non-China: warn, never pass silently."""
    out = []
    for p in nd.parts:
        if p.made_in != "CN":
            continue
        odd = [
            e
            for e in _ORIGIN_CHECKED
            if p.mass_fraction(e) > 0 and p.shares(e)["non-CN"] + p.shares(e)["recycled"] > 0
        ]
        if odd:
            out.append(
                f"part {p.name!r} is made in China but its {', '.join(odd)} is declared non-China or "
                "recycled: an alloy smelted or a magnet made in China is normally of China origin; check "
                "the declaration (China-origin rules count only the China share declared)"
            )
    return out


def _value_columns(
    u: Unit,
    nd: NodeSums,
    row: dict[str, Any],
    els: tuple[str, ...],
    present: list[str],
    ctx: _Context,
) -> None:
    """Value columns for every row when prices allow (informative); value-share rows require them."""
    if u.evaluation.test == "information_only":  # a value share of a criticality list means nothing
        return
    value_needed = (
        u.evaluation.test == "value_share" and nd.node.made_in != "CN" and _part_ii(u, nd, ctx)[0]
    )
    pv = ctx.pv
    try:
        v_item = nd.value(pv)
        v_cn = counted_value(nd, els, pv, "cn")
        v_best = counted_value(nd, els, pv, "best")
    except PriceError:
        if value_needed:  # a price that matters: never a silent zero
            raise
    else:
        row.update(
            controlled_value_cn_usd=v_cn,
            value_usd=v_item,
            value_share=v_cn / v_item,
            value_share_best_case=v_best / v_item,
        )
        row["_priced"] = bool(present)
    if not nd.value_given and (value_needed or row["_priced"]):
        row["assumptions"].append(
            f"{nd.node.name!r} has no value_usd: valued at raw-material cost at {pv.id!r} "
            f"({row['value_usd']:.4g} USD), a lower bound on its price, so its value share is an upper "
            "bound"
        )


# --------------------------------------------------------------------------------------------- items
def _matched_items(u: Unit, p: Part, zero_below: float | None) -> list[Any]:
    """Items of the rule set that cover part ``p``: its form, and an element it holds."""
    f = p.form
    return [
        it
        for it in u.rule.items
        if it.element
        and it.covers
        and p.mass_fraction(it.element, zero_below) > 0
        and covers(it.covers, f.form, f.family)
    ]


def _part_ii(u: Unit, nd: NodeSums, ctx: _Context) -> tuple[bool, str]:
    """Whether the node is an Annex 1 Part II item of a No. 61-type rule set, and which entry made it."""
    fams = u.part_ii_families()
    targets = []
    if u.rule.annex1 is not None:
        targets = [
            e for it in u.rule.annex1.part_II_items if it.kind == "target" for e in it.elements
        ]
    hits = []
    for p in nd.parts:
        f = p.form
        if f.form == "magnet" and f.family in fams:
            els = [e for e in fams[f.family] if p.mass_fraction(e, ctx.zero_below) > 0]
            if els:
                hits.append(f"{'/'.join(els)}-containing {f.family} permanent-magnet material")
        elif f.form == "target" and any(p.mass_fraction(e, ctx.zero_below) > 0 for e in targets):
            hits.append("rare-earth target")
    if not hits:
        return False, ""
    what = "; ".join(dict.fromkeys(hits))
    if isinstance(nd.node, Part):
        return True, what
    return True, f"parts, components and assemblies containing {what}"


def _part_i_item(u: Unit, p: Part, ctx: _Context) -> bool:
    """Whether a part is itself an Annex 1 Part I input (a metal, alloy or oxide of a Part I element)."""
    return p.form.form in ("metal", "alloy", "compound", "magnetostrictive") and any(
        p.mass_fraction(e, ctx.zero_below) > 0 for e in u.counted
    )


# --------------------------------------------------------------------------------------------- verdicts
_GRADE_DECIDED = ("Dy", "Tb")
"""Elements whose content a grade name does not fix (heavy RE in bulk or diffused at any energy class)."""


def _grade_only(u: Unit, nd: NodeSums) -> list[Part]:
    """Parts under this node whose composition was derived from a grade name, when the rule turns on an
    element a grade does not fix (Dy, Tb)."""
    if not set(_GRADE_DECIDED) & set(u.trigger or u.listed):
        return []
    return [p for p in nd.node.parts() if getattr(p, "grade", None)]


def _undeclared(u: Unit, nd: NodeSums, status: str, sentence: str) -> tuple[str, str]:
    """A verdict the grade-derived composition alone decides is not one: ``unknown_status`` (the tool
    lacks a fact — the part's Dy/Tb content), saying which parts to declare."""
    parts = _grade_only(u, nd)
    if not parts or status not in ("not_controlled", "below_threshold"):
        return status, sentence
    which = ", ".join(f"{p.name!r} (grade {p.grade})" for p in parts)
    return (
        "unknown_status",
        f"{sentence} But the composition of {which} was derived from the grade name by the property "
        "model, and a grade does not fix its Dy/Tb content (grain-boundary-diffused grades hold Tb or Dy "
        "at every energy class): declare composition_wt_pct for a verdict.",
    )


def _verdict(
    u: Unit, nd: NodeSums, row: dict[str, Any], present: list[str], ctx: _Context
) -> tuple[str, str]:
    test = u.evaluation.test
    oc = u.evaluation.origin_condition
    name = nd.node.name
    if test == "information_only":
        return (
            "not_controlled",
            f"Information only: {name!r} contains {', '.join(present)}, listed on {u.rule.title}; a "
            "criticality list never requires a licence.",
        )
    if test == "technology_flag":
        return _technology_verdict(u, nd, row, ctx)
    if test == "value_share":
        return _value_share_verdict(u, nd, row, ctx)
    if oc == "china_origin_item":
        return _china_origin_item_verdict(u, nd, row, ctx)
    return _export_verdict(u, nd, row, present, ctx)


def _made_in_china(u: Unit, nd: NodeSums, row: dict[str, Any]) -> bool:
    """Whether a rule on exports from China / on China-origin items applies (unknown → yes, flagged)."""
    made_in = nd.node.made_in
    if made_in == "unknown":
        row["assumptions"].append(
            f"made_in of {nd.node.name!r} unknown: treated as made in China for {u.label} (conservative)"
        )
    return made_in != "non-CN"


def _export_verdict(
    u: Unit, nd: NodeSums, row: dict[str, Any], present: list[str], ctx: _Context
) -> tuple[str, str]:
    """Items exported from China (No. 18, No. 57, Ga/Ge, graphite, Sb, W …): item scope, any content."""
    assert isinstance(nd.node, Part)
    p, name = nd.node, nd.node.name
    items = _matched_items(u, p, ctx.zero_below)
    if items:
        row["control_code"] = ", ".join(it.control_code or "(no code)" for it in items)
        row["matched_item"] = "; ".join(
            it.magnet_item if it.magnet_item and p.form.form == "magnet" else ", ".join(it.forms)
            for it in items
        )
        row["elements"] = ", ".join(dict.fromkeys(it.element for it in items))
        row["verified"] = row["verified"] and all(it.verified is not False for it in items)
    if p.made_in == "non-CN":
        extra = ""
        if items:
            cn_els = [it.element for it in items if nd.m_cn.get(it.element, 0) > 0]
            if cn_els:
                extra = (
                    f"; its China-origin {', '.join(dict.fromkeys(cn_els))} needed a licence when "
                    "exported from China"
                )
        return (
            "not_controlled",
            f"{u.label} covers exports from China; {name!r} is made outside China{extra}.",
        )
    _made_in_china(u, nd, row)
    how = "inferred" if p.form.inferred else "declared"
    if items:
        floor = floor_param(u) if ctx.floor_on else None
        if floor is not None and p.form.form == "magnet":
            s = sum(p.mass_fraction(e) for e in floor[1])
            others = [it for it in items if it.element not in floor[1]]
            if not reaches(s, floor[0], ">") and not others:  # below the floor; a tie is not below
                row["assumptions"].append(
                    "UNOFFICIAL customs-practice floor applied (Dy+Tb <= 0.1 wt%; supplier report, not "
                    "MOFCOM text)"
                )
                row.update(
                    threshold=floor[0],
                    threshold_basis="mass_share",
                    comparator=">",
                    share_over_threshold=s / floor[0],
                )
                return (
                    "below_threshold",
                    f"{u.label}: {name!r} holds {fmt_pct(s)} Dy+Tb by mass, at or below the UNOFFICIAL "
                    f"customs-practice floor of {floor[0] * 100:g} wt% ({floor[2]}); legally any content "
                    "counts.",
                )
        params = [it.parameters for it in items if it.parameters]
        check = f" The item is parameter-defined: {params[0]}." if params else ""
        what = "; ".join(
            f"{it.control_code or '(no code)'} "
            f"{it.magnet_item if it.magnet_item and p.form.form == 'magnet' else ', '.join(it.forms[:3])}"
            for it in items
        )
        return (
            "licence_required",
            f"{u.label}: {name!r} is a {p.form.label} ({how}) holding {row['elements']}, which the rule "
            f"lists as {what}; no content threshold: exporting it from China needs a licence.{check}",
        )
    if present or nd.present(u.listed):
        held = present or nd.present(u.listed)
        covered: set[str] = {c for it in u.rule.items if it.element in held for c in it.covers}
        forms = sorted(covered or {"(none)"})
        return (
            "not_controlled",
            f"{u.label} lists {', '.join(held)} only as {', '.join(forms)}; {name!r} is a "
            f"{p.form.label} ({how}), not a listed item (declare form/family if this is wrong).",
        )
    return _undeclared(
        u, nd, "not_controlled", f"{u.label}: {name!r} holds no {join(u.trigger or u.listed)}."
    )


def _china_origin_item_verdict(
    u: Unit, nd: NodeSums, row: dict[str, Any], ctx: _Context
) -> tuple[str, str]:
    """No. 61 limb 1(3): China-origin Annex 1 items (Part I inputs or Part II items) as such."""
    name = nd.node.name
    if nd.node.made_in == "non-CN":
        return (
            "not_controlled",
            f"{u.label} covers items of China origin; {name!r} is made outside China (its foreign-made "
            "case is limbs 1(1) and 1(2)).",
        )
    _made_in_china(u, nd, row)
    is_ii, what = _part_ii(u, nd, ctx)
    if is_ii:
        row["matched_item"] = what
        row["control_code"] = "Annex 1 Part II"
        return (
            "licence_required",
            f"{u.label}: {name!r} is (treated as) of China origin and holds {what}, an Annex 1 Part II "
            "item: re-exporting it needs a licence.",
        )
    if isinstance(nd.node, Part) and _part_i_item(u, nd.node, ctx):
        row["matched_item"] = f"{nd.node.form.label} of {', '.join(nd.present(u.counted))}"
        row["control_code"] = "Annex 1 Part I"
        return (
            "licence_required",
            f"{u.label}: {name!r} is a (treated as) China-origin {nd.node.form.label} of "
            f"{', '.join(nd.present(u.counted))}, an Annex 1 Part I item: re-exporting it needs a licence.",
        )
    return "not_controlled", f"{u.label}: {name!r} is not an Annex 1 item."


def _technology_verdict(
    u: Unit, nd: NodeSums, row: dict[str, Any], ctx: _Context
) -> tuple[str, str]:
    name = nd.node.name
    if u.rule.kind == "technology_export_control":
        tech = nd.tech_origin(u.evaluation.relevant_elements or u.trigger) or "unknown"
        row["technology_origin"] = tech
        flag = {
            "CN": "FLAG: the magnet-making technology is of China origin; its transfer is controlled "
            "by No. 62 (1E902.a) and a foreign-made Part II item falls under No. 61 limb 1(2)",
            "unknown": "the origin of the magnet-making technology is unknown; answer "
            "technology_origin ('CN' or 'non-CN')",
            "non-CN": "magnet-making technology is not of China origin",
        }.get(tech, "no technology origin given")
        return (
            "not_controlled",
            f"{u.label} controls the transfer of rare-earth technology, not goods: {flag}.",
        )
    if nd.node.made_in == "CN":
        return (
            "not_controlled",
            f"{u.label} covers items produced abroad with China-origin technology; {name!r} is made in "
            "China, where the direct limbs govern it (No. 18 on export, No. 61 limb 1(3) on re-export).",
        )
    is_ii, what = _part_ii(u, nd, ctx)
    if not is_ii:
        return "not_controlled", f"{u.label}: {name!r} holds no Part II magnet material."
    row["matched_item"] = what
    row["control_code"] = "Annex 1 Part II"
    if nd.node.made_in == "unknown":
        row["assumptions"].append(
            f"made_in of {name!r} unknown: treated as foreign-made for {u.label} (conservative)"
        )
    tech = nd.tech_origin(u.trigger)
    if tech == "CN":
        return (
            "licence_required",
            f"{u.label}: {name!r} holds {what} made with China-origin magnet technology; this limb has no "
            "percentage test.",
        )
    if tech == "unknown":
        return (
            "unknown_status",
            f"{u.label}: cannot be computed from composition; was the magnet in {name!r} made with "
            "process or equipment licensed from China? Give technology_origin 'CN' or 'non-CN'.",
        )
    return (
        "not_controlled",
        f"{u.label}: the magnet in {name!r} was not made with China-origin technology.",
    )


def _value_share_verdict(
    u: Unit, nd: NodeSums, row: dict[str, Any], ctx: _Context
) -> tuple[str, str]:
    name = nd.node.name
    row["share_basis"] = ctx.share_basis
    if nd.node.made_in == "CN":
        return (
            "not_controlled",
            f"{u.label} covers foreign-made items; {name!r} is made in China (see No. 61 limb 1(3) and "
            "No. 18).",
        )
    is_ii, what = _part_ii(u, nd, ctx)
    if not is_ii:
        return _undeclared(
            u,
            nd,
            "not_controlled",
            f"{u.label}: {name!r} holds no {join(u.trigger)} magnet material of a listed family, so it is "
            "not an Annex 1 Part II item.",
        )
    row["matched_item"] = what
    row["control_code"] = "Annex 1 Part II"
    if nd.node.made_in == "unknown":
        row["assumptions"].append(
            f"made_in of {name!r} unknown: treated as foreign-made for {u.label} (conservative)"
        )
    if nd.level != "part":
        pii = [
            it
            for it in (u.rule.annex1.part_II_items if u.rule.annex1 else [])
            if it.kind == "assemblies"
        ]
        flag = " (unverified)" if any(it.verified is False for it in pii) else ""
        row["assumptions"].append(
            f"{name!r} is treated as a Part II item because it contains Part II magnet material (Part II "
            f"entry 'parts, components and assemblies'{flag})"
        )
    thr = row["threshold"]
    comp = row["comparator"] or ">="
    if ctx.share_basis == "value_share":
        share = row["value_share"]
        num = f"China-origin Part I content worth {row['controlled_value_cn_usd']:.4g} USD"
        den = f"the {row['value_usd']:.6g} USD value of {name!r}"
        label = ""
    else:
        share = row["controlled_mass_cn_kg"] / nd.mass_kg
        num = f"{row['controlled_mass_cn_kg']:.4g} kg of China-origin Part I content"
        den = f"the {nd.mass_kg:.6g} kg mass of {name!r}"
        label = "ALTERNATIVE READING (mass share, not the text's value ratio): "
    row["share_over_threshold"] = share / thr
    caught = reaches(share, thr, comp)
    rel = "at or above" if caught else "below"
    sent = (
        f"{label}{u.label}: {num} is {fmt_pct(share)} of {den}, {rel} the {thr * 100:g} % threshold "
        f"({comp}; share/threshold {row['share_over_threshold']:.6g})."
    )
    return _undeclared(u, nd, "licence_required" if caught else "below_threshold", sent)


def _apply_end_use(
    row: dict[str, Any],
    u: Unit,
    cat: Catalog,
    end_use: str | None,
    destination: str | None,
    d: dt.date,
    assume: str,
) -> None:
    """End use and end user override content: a prohibition, an exemption, or a note on the licence."""
    eff, note = "", ""
    if row["status"] in ("licence_required", "unknown_status"):
        eff, note = end_use_effects(u, cat, end_use, destination, d, assume)
    row.update(end_use=end_use or "", end_use_effect=eff, end_use_note=note)
    if eff == "prohibited":
        row["status"] = "prohibited"
        row["reason"] += f" End use {end_use!r}: PROHIBITED ({note})."
    elif eff == "exempt_with_report" and row["status"] == "licence_required":
        row["status"] = "exempt_report_required"
        row["reason"] += (
            f" End use {end_use!r}: exempt from licence, a report is required ({note})."
        )
    elif eff:
        row["reason"] += f" End use {end_use!r}: {eff.replace('_', ' ')} ({note})."
