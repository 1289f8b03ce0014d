"""Parts, assemblies (a BOM tree) and their assessment against the rule catalog on a date.

A :class:`Part` is an alloy with a mass, the origin of each element (``"CN"``, ``"non-CN"``,
``"recycled"``, ``"unknown"`` or a mix of shares), the origin of the magnet-making technology and where
the part is made. An :class:`Assembly` holds parts and sub-assemblies and has a value (USD). :func:`assess`
evaluates every level (part, sub-assembly, assembly) against every rule set with a content, value or
technology test and returns one row per (level, rule set or limb).

Conservative defaults (each is printed in the row's ``assumptions`` when it was used):

- unknown origin counts as China-origin; ``recycled`` counts as non-China unless
  ``recycled_counts_as="CN"`` (the text does not define the origin of recycled material);
- ``made_in="unknown"`` is treated as made in China for rules on exports from China (No. 18, No. 57) and
  on China-origin items (No. 61 limb 1(3)), and as foreign-made for No. 61 limb 1(1): both are tested;
- a part with no ``value_usd`` is valued at its raw-material cost from the price vector, a lower bound on
  its selling price, so its value share is an upper bound;
- an assembly with no mass weighs the sum of its parts.

Value share (No. 61 limb 1(1)) = Σ over the item's Annex 1 Part I elements of (mass of element × China
share × price per kg of contained element) ÷ item value. The text defines no price basis; the price vector
used is named in every row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from substitute.compliance.bom import Assembly, NodeSums, Part, check_choice, counted_value, walk
from substitute.compliance.catalog import Catalog, load_catalog
from substitute.compliance.evaluation import (
    Unit,
    check_end_use,
    end_use_effects,
    evaluation_units,
    fmt_pct,
    join,
)
from substitute.compliance.status import check_assume, parse_date, treat_status
from substitute.errors import InputError, PriceError
from substitute.prices import price_vector

__all__ = ["STATUSES", "assess"]

STATUSES = ("licence_required", "below_threshold", "not_controlled", "unknown_status")
_TESTS = ("any_content", "value_share", "technology_flag", "information_only")


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
) -> pd.DataFrame:
    """Assess a part or an assembly, at every BOM level, against the rule catalog on a date.

    Parameters
    ----------
    item : Part or Assembly
        The BOM (root).
    as_of : datetime.date or str, default "today"
        Date of the evaluation (ISO ``YYYY-MM-DD``).
    prices : str, mapping, path or PriceVector, default "ex_china_2025"
        Prices of contained elements, USD/kg (see :func:`substitute.prices.price_vector`).
    catalog : Catalog, optional
        Rule catalog (with overlays); default the shipped one.
    assume : {"in_force", "suspended"}, default "in_force"
        How ``status_unknown`` rule sets are treated; reported in every row.
    end_use : str, optional
        E.g. ``"civil_automotive"``, ``"military"``, ``"military_end_user"``, ``"listed_entity"``,
        ``"semiconductor_<=14nm"``, ``"memory_>=256_layers"``, ``"military_ai"``, ``"humanitarian"``.
        Adds what the rule says of it to rows where a licence is required.
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

    Returns
    -------
    pandas.DataFrame
        One row per (BOM level item, rule set or limb). Columns: ``level, item, path, rule_id,
        short_name, limb, rule_kind, test, elements, controlled_mass_kg`` (all origins),
        ``controlled_mass_cn_kg`` (China-origin incl. unknown), ``mass_kg`` (item), ``mass_share``,
        ``controlled_value_cn_usd``, ``value_usd`` (item), ``value_basis`` (``given`` |
        ``raw_material_estimate``), ``value_share``, ``value_share_best_case`` (unknown and recycled as
        non-China), ``share_basis``, ``threshold``, ``threshold_basis``, ``comparator``, ``margin``
        (share ÷ threshold), ``status`` (``licence_required`` | ``below_threshold`` | ``not_controlled`` |
        ``unknown_status``), ``status_if_in_force``, ``rule_status`` (raw, on ``as_of``), ``treated_as``,
        ``assumption``, ``as_of``, ``made_in``, ``technology_origin``, ``end_use``, ``end_use_effect``,
        ``end_use_note``, ``verified``, ``reason`` (one sentence citing the rule), ``assumptions``
        (list). ``attrs["audit"]``: package version, catalog version/hash, price vector id/date/hash.

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
    from substitute.compliance.content import _check_zero_below

    zb = _check_zero_below(zero_below)
    pv = price_vector(prices)
    units = [u for u in evaluation_units(cat, rules) if u.evaluation.test in _TESTS]
    price_note = (
        f"value = contained element mass × price vector {pv.id!r} ({pv.date}; {pv.basis}); the rule "
        "defines no price basis, date, currency or Incoterm"
    )

    rows: list[dict[str, Any]] = []
    for level, path, node in walk(item):
        if level not in want:
            continue
        nd = NodeSums(node, level, path, recycled_counts_as, zb)
        for u in units:
            if level not in u.evaluation.levels:
                continue
            row = _assess_unit(
                u, nd, d, assume, pv, share_basis, recycled_counts_as, customs_practice_floor
            )
            if row is None:
                continue
            if row["status"] in ("licence_required", "unknown_status"):
                eff, note = end_use_effects(u, cat, eu, destination, d, assume)
            else:
                eff, note = "", ""
            row.update(end_use=eu or "", end_use_effect=eff, end_use_note=note)
            if row.pop("_priced"):
                row["assumptions"].append(price_note)
            if zb is not None:
                row["assumptions"].append(f"contents below {zb:g} (mass fraction) treated as zero")
            rows.append(row)
    df = pd.DataFrame(rows, columns=_ASSESS_COLUMNS)
    df.attrs["audit"] = {**cat.audit(as_of=d, assume=assume), **pv.audit()}
    df.attrs["assumptions"] = sorted({a for r in rows for a in r["assumptions"]})
    return df


_ASSESS_COLUMNS = [
    "level",
    "item",
    "path",
    "rule_id",
    "short_name",
    "limb",
    "rule_kind",
    "test",
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
    "margin",
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
    "reason",
    "assumptions",
]


def _assess_unit(
    u: Unit,
    nd: NodeSums,
    d: dt.date,
    assume: str,
    pv: Any,
    share_basis: str,
    recycled_counts_as: str,
    floor_on: bool,
) -> dict[str, Any] | None:
    ev = u.evaluation
    test = ev.test
    if test == "value_share":
        els = u.counted
    elif test == "information_only":
        els = u.listed
    elif u.trigger:
        els = u.trigger
    else:
        els = u.listed
    if ev.relevant_elements:  # data says which content makes the rule set relevant to an item
        if not nd.present(ev.relevant_elements):
            return None
    elif not ev.always_report and not nd.present((*u.listed, *u.trigger, *u.counted)):
        return None
    raw = u.raw_status(d)
    treated = treat_status(raw, assume)
    in_force = treated == "in_force"
    present = nd.present(els)
    part_ii = bool(nd.present(u.trigger))
    name = nd.node.name
    made_in = nd.node.made_in
    assumptions: list[str] = []
    if raw == "status_unknown":
        assumptions.append(
            f"{u.label} is status_unknown on {d} (suspension window ended, no later record): treated as "
            f"{treated} (assume={assume!r})"
        )
    for e in present:
        if e in nd.unknown and test != "information_only":
            assumptions.append(
                f"unknown origin of {e} in {', '.join(map(repr, nd.unknown[e]))} counted as China-origin"
            )
        if e in nd.recycled and test != "information_only":
            assumptions.append(
                f"recycled {e} in {', '.join(map(repr, nd.recycled[e]))} counted as {recycled_counts_as} "
                "(the origin of recycled material is not defined in the text)"
            )
    m_all = nd.mass(els, "all")
    m_cn = nd.mass(els, "cn")
    th = u.threshold
    row: dict[str, Any] = {
        "level": nd.level,
        "item": name,
        "path": nd.path,
        "rule_id": u.rule_id,
        "short_name": u.rule.short_name or u.rule_id,
        "limb": u.limb_id,
        "rule_kind": u.rule.kind,
        "test": test,
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
        "margin": np.nan,
        "rule_status": raw,
        "treated_as": treated,
        "assumption": assume,
        "as_of": d.isoformat(),
        "made_in": made_in,
        "technology_origin": "",
        "verified": all(u.element_verified(e) for e in present)
        if present
        else u.rule.verified is not False,
        "assumptions": assumptions,
        "_priced": False,
    }
    # value columns for every row when prices allow (informative); value_share rows require them
    value_needed = test == "value_share" and part_ii and made_in != "CN"
    if test != "information_only":  # a value share of a criticality list means nothing
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
        assumptions.append(
            f"{name!r} has no value_usd: valued at raw-material cost at {pv.id!r} "
            f"({row['value_usd']:.4g} USD), a lower bound on its price, so its value share is an upper bound"
        )
    status, reason = _verdict(u, nd, row, present, part_ii, share_basis, floor_on)
    row["status_if_in_force"] = status
    if u.rule.kind == "technology_export_control":
        row["status"] = "not_controlled"
        row["reason"] = reason
    elif in_force or test == "information_only":
        row["status"] = status
        row["reason"] = reason
    else:
        why = (
            f"treated as {treated} (status_unknown, assume={assume!r})"
            if raw == "status_unknown"
            else raw.replace("_", " ")
        )
        row["status"] = "not_controlled"
        row["reason"] = f"{u.label} is {why} on {d}: not applied (if in force: {status}; {reason})"
    if test == "technology_flag" and not row["technology_origin"]:
        row["technology_origin"] = nd.tech_origin(u.trigger) if part_ii else ""
    return row


def _verdict(
    u: Unit,
    nd: NodeSums,
    row: dict[str, Any],
    present: list[str],
    part_ii: bool,
    share_basis: str,
    floor_on: bool,
) -> tuple[str, str]:
    test = u.evaluation.test
    oc = u.evaluation.origin_condition
    name = nd.node.name
    made_in = nd.node.made_in
    assumptions = row["assumptions"]
    trig = join(u.trigger)
    if test == "information_only":
        return (
            "not_controlled",
            f"Information only: {name!r} contains {', '.join(present)}, listed on {u.rule.title}; a "
            "criticality list never requires a licence.",
        )
    if test == "any_content":
        if oc in ("exported_from_china", "china_origin_item"):
            if made_in == "non-CN":
                what = (
                    "exports from China" if oc == "exported_from_china" else "items of China origin"
                )
                extra = ""
                cn_els = [e for e in present if nd.m_cn.get(e, 0) > 0]
                if cn_els and oc == "exported_from_china":
                    extra = (
                        f"; its China-origin {', '.join(cn_els)} needed a licence when exported from China "
                        "as metal, alloy or oxide"
                    )
                return (
                    "not_controlled",
                    f"{u.label} covers {what}; {name!r} is made outside China{extra}.",
                )
            if made_in == "unknown":
                assumptions.append(
                    f"made_in of {name!r} unknown: treated as made in China for {u.label} (conservative)"
                )
        if oc == "china_origin_item":
            if part_ii:
                return (
                    "licence_required",
                    f"{u.label}: {name!r} contains {join(nd.present(u.trigger))} magnet material and is "
                    "(treated as) of China origin, an Annex 1 item re-exported as such: licence required.",
                )
            return "not_controlled", f"{u.label}: {name!r} holds no {trig}: not an Annex 1 item."
        trig_present = nd.present(u.trigger)
        if trig_present:
            if floor_on:
                fl = _floor(u)
                if fl is not None:
                    s = (
                        sum(p.mass_kg * p.mass_fraction(e) for p in nd.parts for e in fl[1])
                        / nd.mass_kg
                    )
                    others = [e for e in trig_present if e not in fl[1]]
                    if s <= fl[0] and not others:
                        assumptions.append(
                            "UNOFFICIAL customs-practice floor applied (Dy+Tb <= 0.1 wt%; supplier report, "
                            "not MOFCOM text)"
                        )
                        row["threshold"], row["threshold_basis"], row["comparator"] = (
                            fl[0],
                            "mass_share",
                            ">",
                        )
                        row["margin"] = s / fl[0]
                        return (
                            "below_threshold",
                            f"{u.label}: {name!r} holds {fmt_pct(s)} Dy+Tb by mass, at or below the "
                            f"UNOFFICIAL customs-practice floor of {fl[0] * 100:g} wt% ({fl[2]}); legally "
                            "any content counts.",
                        )
            items = "; ".join(
                dict.fromkeys(
                    it.magnet_item
                    for it in u.rule.items
                    if it.magnet_item and it.element in trig_present
                )
            )
            return (
                "licence_required",
                f"{u.label}: {name!r} contains {', '.join(trig_present)} ({items}), a listed item with no "
                "content threshold: any deliberate content needs a licence to export it from China.",
            )
        if present:
            return (
                "not_controlled",
                f"{u.label} lists {', '.join(present)} only as metal, alloys, oxide or compounds, with no "
                f"magnet item: {name!r} is not a listed item.",
            )
        return "not_controlled", f"{u.label}: {name!r} holds no {trig or join(u.listed)}."
    if test == "technology_flag":
        if u.rule.kind == "technology_export_control":
            tech = nd.tech_origin(u.evaluation.relevant_elements or u.trigger) or "unknown"
            row["technology_origin"] = tech
            flag = {
                "CN": "FLAG: the magnet-making technology is of China origin; its transfer is controlled "
                "by No. 62 (1E902.a) and the part falls under No. 61 limb 1(2)",
                "unknown": "the origin of the magnet-making technology is unknown; answer "
                "technology_origin ('CN' or 'non-CN')",
                "non-CN": "magnet-making technology is not of China origin",
            }.get(tech, "no technology origin given")
            return (
                "not_controlled",
                f"{u.label} controls the transfer of rare-earth technology, not goods: {flag}.",
            )
        if not part_ii:
            return "not_controlled", f"{u.label}: {name!r} holds no {trig}: not an Annex 1 item."
        tech = nd.tech_origin(u.trigger)
        if tech == "CN":
            return (
                "licence_required",
                f"{u.label}: {name!r} holds magnet material made with China-origin magnet technology; "
                "this limb has no percentage test.",
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
    # value_share
    row["share_basis"] = share_basis
    if made_in == "CN":
        return (
            "not_controlled",
            f"{u.label} covers foreign-made items; {name!r} is made in China (see No. 61 limb 1(3) and No. 18).",
        )
    if not part_ii:
        return (
            "not_controlled",
            f"{u.label}: {name!r} holds no {trig} magnet material, so it is not an Annex 1 Part II item.",
        )
    if made_in == "unknown":
        assumptions.append(
            f"made_in of {name!r} unknown: treated as foreign-made for {u.label} (conservative)"
        )
    if nd.level != "part":
        pii = [
            it
            for it in (u.rule.annex1.part_II_items if u.rule.annex1 else [])
            if it.kind == "assemblies"
        ]
        flag = " (unverified)" if any(it.verified is False for it in pii) else ""
        assumptions.append(
            f"{name!r} is treated as a Part II item because it contains Part II magnet material (Part II "
            f"entry 'parts, components and assemblies'{flag})"
        )
    thr = row["threshold"]
    comp = row["comparator"] or ">="
    if share_basis == "value_share":
        share = row["value_share"]
        num = f"China-origin Part I content worth {row['controlled_value_cn_usd']:.4g} USD"
        den = f"the {row['value_usd']:.6g} USD value of {name!r}"
        label = ""
    else:
        share = row["controlled_mass_cn_kg"] / nd.mass_kg
        num = f"{row['controlled_mass_cn_kg']:.4g} kg of China-origin Part I content"
        den = f"the {nd.mass_kg:.6g} kg mass of {name!r}"
        label = "ALTERNATIVE READING (mass share, not the text's value ratio): "
    row["margin"] = share / thr
    caught = share >= thr if comp == ">=" else share > thr
    rel = "at or above" if caught else "below"
    if comp == ">" and caught:
        rel = "above"
    sent = (
        f"{label}{u.label}: {num} is {fmt_pct(share)} of {den}, {rel} the {thr * 100:g} % threshold "
        f"({comp}; margin {row['margin']:.4g})."
    )
    return ("licence_required" if caught else "below_threshold"), sent


def _floor(u: Unit) -> tuple[float, tuple[str, ...], str] | None:
    from substitute.compliance.content import _floor_param

    return _floor_param(u)


def _floor(u: Unit) -> tuple[float, tuple[str, ...], str] | None:
    from substitute.compliance.content import _floor_param

    return _floor_param(u)
