"""Controlled content of alloys as materials: per rule set and element, on a date.

``controlled_content`` answers "which of this alloy's elements does each rule set list, is the rule in
force on that date, and what does the rule say about the alloy *as a material*" — vectorised over an
:class:`~substitute.composition.AlloyBatch`. Origin and value belong to a part (see
:mod:`substitute.compliance.bom`); a rule whose test needs them (No. 61's value share) is reported here
as ``needs_part_assessment``.

Verdicts (column ``verdict``)

``licence_required``
    an ``any_content`` rule lists a magnet item for the element (No. 18: SmCo, NdFeB with Tb or Dy;
    No. 57: Ho-containing magnet materials), the rule is (treated as) in force, and the alloy holds the
    element (any deliberate content counts);
``below_unofficial_floor``
    as above, but ``customs_practice_floor=True`` and Dy+Tb is at or below the *unofficial* 0.1 wt%
    customs-practice figure (a supplier report, not a legal threshold);
``needs_part_assessment``
    a value-share rule (No. 61) would treat the alloy as an Annex 1 Part II item: origin and value decide;
``not_controlled``
    the element is absent, or listed only as feedstock (metal, oxide …) with no magnet item;
``not_in_force``
    the rule set is not in force on the date (not yet published/effective, suspended, or
    ``status_unknown`` treated as suspended);
``information_only``
    a criticality list (EU CRMA, US DOE, USGS): never a licence verdict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from substitute.compliance.catalog import Catalog, load_catalog
from substitute.compliance.evaluation import Unit, evaluation_units, join
from substitute.compliance.status import check_assume, parse_date, treat_status
from substitute.errors import InputError

__all__ = ["VERDICTS", "controlled_content", "licence_flags"]

VERDICTS = (
    "licence_required",
    "below_unofficial_floor",
    "needs_part_assessment",
    "not_controlled",
    "not_in_force",
    "information_only",
)
_CONTENT_TESTS = ("any_content", "value_share", "information_only")


def _as_batch(x: Any):
    from substitute.composition import AlloyBatch, as_batch

    if isinstance(x, str):
        return as_batch(x, basis="mass")
    if isinstance(x, AlloyBatch):
        return x
    msg = f"expected an Alloy, an AlloyBatch or a wt% composition string, got {type(x).__name__}"
    raise InputError(msg)


def _catalog(catalog: Catalog | None) -> Catalog:
    if catalog is None:
        return load_catalog()
    if not isinstance(catalog, Catalog):
        msg = f"catalog: expected a Catalog from load_catalog(), got {type(catalog).__name__}"
        raise InputError(msg)
    return catalog


def _check_zero_below(zero_below: float | None) -> float | None:
    if zero_below is None:
        return None
    z = float(zero_below)
    if not (np.isfinite(z) and 0 <= z < 0.01):
        msg = (
            f"zero_below: {zero_below!r} must be a mass fraction in [0, 0.01) (e.g. 5e-5 = 50 ppm, "
            "a detection limit); contents below it are treated as zero, with a flag"
        )
        raise InputError(msg)
    return z


def _floor_param(unit: Unit) -> tuple[float, tuple[str, ...], str] | None:
    th = unit.threshold
    if th is None:
        return None
    for p in th.practice_parameters:
        if p.legal_status == "unofficial" and p.basis == "mass_share" and p.elements:
            return p.value, tuple(p.elements), p.source
    return None


def _status_phrase(unit: Unit, raw: str, treated: str, d: dt.date) -> str:
    if raw == "status_unknown":
        return f"{unit.label} is status_unknown on {d} (its suspension window ended with no later record), treated as {treated}"
    return f"{unit.label} is {raw.replace('_', ' ')} on {d}"


def _mass_columns(batch: Any, elements: Iterable[str], zero_below: float | None) -> np.ndarray:
    cols = [batch.get_mass_fraction(e) for e in elements]
    w = np.stack(cols, axis=1) if cols else np.zeros((len(batch), 0))
    if zero_below is not None:
        w = np.where(w < zero_below, 0.0, w)
    return w


def controlled_content(
    alloy_or_batch: Any,
    as_of: dt.date | str = "today",
    *,
    catalog: Catalog | None = None,
    assume: str = "in_force",
    customs_practice_floor: bool = False,
    zero_below: float | None = None,
    rules: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Controlled content of alloys as materials, per (alloy, rule set, element), on a date.

    Parameters
    ----------
    alloy_or_batch : Alloy, AlloyBatch or str
        The alloys. A string is parsed as wt% (basis mass).
    as_of : datetime.date or str, default "today"
        Date of the evaluation (ISO ``YYYY-MM-DD``).
    catalog : Catalog, optional
        From :func:`~substitute.compliance.catalog.load_catalog` (with overlays if any); default the
        shipped catalog.
    assume : {"in_force", "suspended"}, default "in_force"
        How a ``status_unknown`` rule (suspension window ended, no later record) is treated. The raw
        status and this assumption are both in the output.
    customs_practice_floor : bool, default False
        Apply the **unofficial** customs-practice floor reported for No. 18 (Dy+Tb ≤ 0.1 wt% usually
        exported without a licence; a supplier report, not MOFCOM text). Off by default; when on, rows it
        changes say so.
    zero_below : float, optional
        Treat mass fractions below this (e.g. an analytical detection limit, 5e-5 = 50 ppm) as zero.
        Off by default; when set it is listed in ``attrs["assumptions"]``.
    rules : iterable of str, optional
        Rule-set ids to evaluate (default: all with a content test).

    Returns
    -------
    pandas.DataFrame
        One row per (alloy, rule set, element) for the elements each rule set lists that appear on the
        batch's element axis (plus, for the magnet rules, the magnet elements even when absent). Columns:
        ``alloy, alloy_index, rule_id, short_name, limb, rule_kind, element, mass_fraction`` (basis
        mass), ``scope`` (``magnet_item`` | ``listed_feedstock`` | ``part_II_trigger`` |
        ``part_I_input`` | ``listed``), ``status`` (raw, on ``as_of``), ``treated_as``, ``assumption``,
        ``as_of``, ``controlled`` (listed and treated as in force), ``threshold_basis``,
        ``threshold_value``, ``verdict`` (see :data:`VERDICTS`), ``unofficial_floor``, ``verified``,
        ``reason``. ``attrs["audit"]`` holds the audit stamp and ``attrs["assumptions"]`` the
        assumptions used.

    Raises
    ------
    InputError
        Bad date, ``assume`` or ``zero_below``.
    UnknownRuleError
        An id in ``rules`` that is not in the catalog (the message lists the ids).

    Examples
    --------
    >>> import substitute as sb
    >>> a = sb.Alloy.parse("Nd26 Pr4 Dy4 B1 Fe bal", basis="mass")
    >>> df = sb.controlled_content(a, as_of="2026-11-22")
    >>> df.query("rule_id == 'CN-MOFCOM-GAC-2025-18' and element == 'Dy'")["verdict"].item()
    'licence_required'
    """
    b = _as_batch(alloy_or_batch)
    cat = _catalog(catalog)
    d = parse_date(as_of)
    check_assume(assume)
    zb = _check_zero_below(zero_below)
    n = len(b)
    axis = set(b.elements)
    assumptions = [
        f"status_unknown rules are treated as {assume!r} (assume={assume!r})",
        "the alloy is taken to be a permanent-magnet material of the family the item names (NdFeB for "
        "Tb/Dy, SmCo for Sm); the tool does not classify the product",
        "verdicts are for the alloy as a material exported from China; origin and value tests need a Part",
    ]
    if customs_practice_floor:
        assumptions.append(
            "UNOFFICIAL customs-practice floor applied: Dy+Tb <= 0.1 wt% treated as below (supplier "
            "report https://mainrichinternational.com/export-control, not a legal threshold)"
        )
    if zb is not None:
        assumptions.append(f"contents below {zb:g} (mass fraction) treated as zero (zero_below)")

    reasons = _Codes()
    consts: dict[str, list[Any]] = {k: [] for k in _CONST_COLUMNS}
    varying: dict[str, list[np.ndarray]] = {k: [] for k in _VARYING_COLUMNS}
    for u in evaluation_units(cat, rules):
        test = u.evaluation.test
        # origin-of-item and technology limbs (No. 61 1(2), 1(3); No. 62) need a part: see assess()
        if test not in _CONTENT_TESTS or u.evaluation.origin_condition in (
            "china_origin_item",
            "china_origin_technology",
        ):
            continue
        els = [e for e in u.listed if e in axis]
        if u.evaluation.always_report:
            els += [e for e in u.trigger if e not in els]
        els += [e for e in u.trigger if e in axis and e not in els]
        if not els:
            continue
        raw = u.raw_status(d)
        treated = treat_status(raw, assume)
        in_force = treated == "in_force"
        w = _mass_columns(b, els, zb)
        trig_idx = [i for i, e in enumerate(els) if e in u.trigger]
        trig_any = w[:, trig_idx].sum(axis=1) > 0 if trig_idx else np.zeros(n, bool)
        floor = _floor_param(u) if customs_practice_floor else None
        floor_sum = None
        if floor is not None:
            floor_sum = _mass_columns(b, floor[1], zb).sum(axis=1)
        th = u.threshold
        status_txt = _status_phrase(u, raw, treated, d)
        for j, e in enumerate(els):
            wj = w[:, j]
            present = wj > 0
            floor_used = np.zeros(n, bool)
            if test == "information_only":
                scope = "listed"
                verdict = np.full(n, _V["information_only"], np.int8)
                reason = np.full(
                    n,
                    reasons(
                        f"information only: {e} is on {u.rule.title} ({u.rule.short_name}); a "
                        "criticality list never requires a licence."
                    ),
                )
                controlled = False
            elif test == "any_content":
                scope = (
                    "magnet_item"
                    if e in u.trigger
                    else "listed_feedstock"
                    if e in u.listed
                    else "listed"
                )
                verdict, reason = _any_content(
                    u, e, scope, present, in_force, status_txt, n, reasons
                )
                if floor is not None and e in floor[1] and in_force and scope == "magnet_item":
                    assert floor_sum is not None
                    floor_used = present & (floor_sum <= floor[0])
                    verdict = np.where(floor_used, _V["below_unofficial_floor"], verdict)
                    reason = np.where(
                        floor_used,
                        reasons(
                            f"{u.label}: contains {e}, but Dy+Tb is at or below the UNOFFICIAL "
                            f"customs-practice floor of {floor[0] * 100:g} wt% (supplier report "
                            f"{floor[2]}, not MOFCOM text); legally any content counts."
                        ),
                        reason,
                    )
                controlled = in_force and e in u.listed
            else:  # value_share (No. 61): origin and value belong to a part
                scope = "part_II_trigger" if e in u.trigger else "part_I_input"
                verdict, reason = _value_share(
                    u, e, scope, present, trig_any, in_force, status_txt, n, reasons
                )
                controlled = in_force
            consts["rule_id"].append(u.rule_id)
            consts["short_name"].append(u.rule.short_name or u.rule_id)
            consts["limb"].append(u.limb_id)
            consts["rule_kind"].append(u.rule.kind)
            consts["element"].append(e)
            consts["scope"].append(scope)
            consts["status"].append(raw)
            consts["treated_as"].append(treated)
            consts["controlled"].append(bool(controlled))
            consts["threshold_basis"].append(th.basis if th else "none")
            consts["threshold_value"].append(th.value if th and th.value is not None else np.nan)
            consts["verified"].append(u.element_verified(e))
            varying["mass_fraction"].append(wj)
            varying["verdict"].append(np.asarray(verdict, np.int16))
            varying["reason"].append(np.asarray(reason, np.int32))
            varying["unofficial_floor"].append(floor_used)

    nb = len(consts["rule_id"])
    small = n * nb <= 20000

    def col_const(name: str) -> Any:
        vals = consts[name]
        if name in ("controlled", "verified"):
            return np.tile(np.asarray(vals, bool), n)
        if name == "threshold_value":
            return np.tile(np.asarray(vals, float), n)
        cats = list(dict.fromkeys(vals))
        codes = np.tile(np.asarray([cats.index(v) for v in vals], np.int32), n)
        return _categorical(codes, cats, small)

    def col_vary(name: str) -> np.ndarray:
        arrs = varying[name]
        return np.stack(arrs, axis=1).ravel() if arrs else np.array([])

    alloy_codes = np.repeat(np.arange(n), nb)
    names = list(b.names)
    out: dict[str, Any] = {}
    if len(set(names)) == len(names):
        out["alloy"] = _categorical(alloy_codes, names, small)
    else:
        out["alloy"] = np.asarray(names, dtype=object)[alloy_codes]
    out["alloy_index"] = alloy_codes.astype(np.int64)
    for k in ("rule_id", "short_name", "limb", "rule_kind", "element"):
        out[k] = col_const(k)
    out["mass_fraction"] = col_vary("mass_fraction").astype(float)
    out["scope"] = col_const("scope")
    out["status"] = col_const("status")
    out["treated_as"] = col_const("treated_as")
    out["assumption"] = _categorical(np.zeros(n * nb, np.int32), [assume], small)
    out["as_of"] = _categorical(np.zeros(n * nb, np.int32), [d.isoformat()], small)
    out["controlled"] = col_const("controlled")
    out["threshold_basis"] = col_const("threshold_basis")
    out["threshold_value"] = col_const("threshold_value")
    out["verdict"] = _categorical(col_vary("verdict").astype(np.int32), list(VERDICTS), small)
    out["unofficial_floor"] = col_vary("unofficial_floor").astype(bool)
    out["verified"] = col_const("verified")
    out["reason"] = _categorical(col_vary("reason").astype(np.int32), reasons.values, small)
    df = pd.DataFrame(out)
    df.attrs["audit"] = cat.audit(as_of=d, assume=assume)
    df.attrs["assumptions"] = assumptions
    return df


class _Codes:
    """Interning table: string → small int code (for categorical columns built without objects)."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self.values: list[str] = []

    def __call__(self, text: str) -> int:
        if text not in self._index:
            self._index[text] = len(self.values)
            self.values.append(text)
        return self._index[text]


def _categorical(codes: np.ndarray, categories: list[str], as_object: bool) -> Any:
    cat = pd.Categorical.from_codes(codes, categories=categories)
    return np.asarray(cat, dtype=object) if as_object else cat


_V = {v: i for i, v in enumerate(VERDICTS)}
_CONST_COLUMNS = (
    "rule_id",
    "short_name",
    "limb",
    "rule_kind",
    "element",
    "scope",
    "status",
    "treated_as",
    "controlled",
    "threshold_basis",
    "threshold_value",
    "verified",
)
_VARYING_COLUMNS = ("mass_fraction", "verdict", "reason", "unofficial_floor")


def _magnet_item(u: Unit, e: str) -> str:
    for it in u.rule.items:
        if it.element == e and it.magnet_item:
            return it.magnet_item
    return ""


def _codes(u: Unit, e: str) -> str:
    codes = [it.control_code for it in u.rule.items if it.element == e and it.control_code]
    return f" ({', '.join(codes)})" if codes else ""


def _any_content(
    u: Unit,
    e: str,
    scope: str,
    present: np.ndarray,
    in_force: bool,
    status_txt: str,
    n: int,
    reasons: _Codes,
) -> tuple[np.ndarray, np.ndarray]:
    if not in_force:
        return (
            np.full(n, _V["not_in_force"], np.int16),
            np.full(n, reasons(f"{status_txt}: not applied.")),
        )
    absent = reasons(f"{u.label}: no {e} in the alloy.")
    if scope == "magnet_item":
        yes = reasons(
            f"{u.label}{_codes(u, e)}: the alloy contains {e}, so it is a listed item "
            f"('{_magnet_item(u, e)}'); any deliberate content needs a licence to export it from China "
            "(no threshold, any_content)."
        )
        return (
            np.where(present, _V["licence_required"], _V["not_controlled"]),
            np.where(present, yes, absent),
        )
    feed = reasons(
        f"{u.label}{_codes(u, e)} lists {e} only as metal, alloys, oxide or compounds, with no "
        f"{e}-containing magnet item: the feedstock is controlled, this magnet alloy is not."
    )
    return np.full(n, _V["not_controlled"], np.int16), np.where(present, feed, absent)


def _value_share(
    u: Unit,
    e: str,
    scope: str,
    present: np.ndarray,
    part_ii: np.ndarray,
    in_force: bool,
    status_txt: str,
    n: int,
    reasons: _Codes,
) -> tuple[np.ndarray, np.ndarray]:
    if not in_force:
        return (
            np.full(n, _V["not_in_force"], np.int16),
            np.full(n, reasons(f"{status_txt}: not applied.")),
        )
    thr = u.threshold.value if u.threshold and u.threshold.value is not None else float("nan")
    trig = join(u.trigger)
    if scope == "part_II_trigger":
        needs = (
            f"{u.label}: an alloy containing {e} is an Annex 1 Part II magnet material; a foreign-made "
            f"item holding it needs a licence when China-origin Part I content reaches {thr * 100:g} % "
            "of the item's value (limb 1(1)), when made with China-origin technology (1(2)) or when "
            "itself of China origin (1(3)); origin and value belong to a part: use assess()."
        )
    else:
        needs = (
            f"{u.label}: {e} is an Annex 1 Part I element; in a Part II item its China-origin value "
            f"counts toward the {thr * 100:g} % value test; use assess()."
        )
    lone = f"{u.label}: contains {e} (Part I) but no {trig}, so the alloy is not a Part II item."
    absent = f"{u.label}: no {e} in the alloy."
    hit = present & part_ii
    verdict = np.where(hit, _V["needs_part_assessment"], _V["not_controlled"])
    reason = np.where(hit, reasons(needs), np.where(present, reasons(lone), reasons(absent)))
    return verdict, reason


def licence_flags(
    alloy_or_batch: Any,
    as_of: dt.date | str = "today",
    *,
    catalog: Catalog | None = None,
    assume: str = "in_force",
    customs_practice_floor: bool = False,
    zero_below: float | None = None,
) -> pd.DataFrame:
    """Fast boolean table for ranking: does each alloy, as a material, need a licence under each
    ``any_content`` rule set on ``as_of``?

    Parameters are as for :func:`controlled_content`.

    Returns
    -------
    pandas.DataFrame
        Shape (n alloys, rule sets with an ``any_content`` test on parts); ``True`` where a magnet-item
        element is present and the rule is (treated as) in force. Value-share rules (No. 61) are not
        here: use :func:`substitute.compliance.bom.value_share_batch`. ``attrs`` as for
        :func:`controlled_content`.
    """
    b = _as_batch(alloy_or_batch)
    cat = _catalog(catalog)
    d = parse_date(as_of)
    check_assume(assume)
    zb = _check_zero_below(zero_below)
    out: dict[str, np.ndarray] = {}
    for u in evaluation_units(cat):
        if (
            u.evaluation.test != "any_content"
            or u.evaluation.origin_condition != "exported_from_china"
        ):
            continue
        if not u.trigger:
            out[u.rule_id] = np.zeros(len(b), bool)
            continue
        in_force = treat_status(u.raw_status(d), assume) == "in_force"
        w = _mass_columns(b, u.trigger, zb)
        flag = (w > 0).any(axis=1) & in_force
        floor = _floor_param(u) if customs_practice_floor else None
        if floor is not None:
            s = _mass_columns(b, floor[1], zb).sum(axis=1)
            others = [i for i, e in enumerate(u.trigger) if e not in floor[1]]
            other_hit = (w[:, others] > 0).any(axis=1) if others else np.zeros(len(b), bool)
            flag = flag & ((s > floor[0]) | other_hit)
        out[u.rule_id] = flag
    df = pd.DataFrame(out, index=pd.Index(list(b.names), name="alloy"))
    df.attrs["audit"] = cat.audit(as_of=d, assume=assume)
    df.attrs["assumptions"] = [f"status_unknown rules are treated as {assume!r}"] + (
        ["UNOFFICIAL customs-practice floor applied (Dy+Tb <= 0.1 wt%)"]
        if customs_practice_floor
        else []
    )
    return df
