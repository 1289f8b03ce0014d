"""Controlled content of alloys as materials: per rule set and element, on a date.

``controlled_content`` answers "which of this alloy's elements does each rule set list, is the rule in
force on that date, and what does the rule say about the alloy *as a material*" — vectorised over an
:class:`~substitute.composition.AlloyBatch`. Origin and value belong to a part (see
:mod:`substitute.compliance.bom`); a rule whose test needs them (No. 61's value share) is reported here
as ``needs_part_assessment``.

Verdicts (column ``verdict``)

``licence_required``
    an ``any_content`` rule lists an item for the element that covers the alloy's form (No. 18: Sm, Tb,
    Dy, Gd, Lu, Sc, Y metal, alloys, oxide, compounds, and the SmCo and Tb/Dy-NdFeB magnet items; No. 57:
    Ho-containing magnet materials …), the rule is (treated as) in force, and the alloy holds the element
    (any deliberate content counts). The form (magnet of a family, metal, alloy, compound …) is declared
    or inferred from the composition (:mod:`substitute.compliance.forms`), and each row names the control
    item it matched;
``below_unofficial_floor``
    as above, but ``customs_practice_floor=True`` and Dy+Tb is at or below the *unofficial* 0.1 wt%
    customs-practice figure (a supplier report, not a legal threshold);
``needs_part_assessment``
    a value-share rule (No. 61) would treat the alloy as an Annex 1 Part II item: origin and value decide;
``not_controlled``
    the element is absent, or the rule lists it only in forms the alloy is not (Gd is listed as metal,
    alloys and compounds, so a Gd-substituted NdFeB magnet is not a Gd item);
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
from substitute.compliance.evaluation import Unit, evaluation_units, join, reaches
from substitute.compliance.forms import check_form, covers, infer_forms
from substitute.compliance.record import audit_record
from substitute.compliance.status import check_assume, parse_date, treat_status
from substitute.errors import InputError

__all__ = [
    "VERDICTS",
    "as_alloys",
    "check_zero_below",
    "controlled_content",
    "floor_param",
    "forms_of",
    "licence_flags",
    "part_ii_rows",
]

VERDICTS = (
    "licence_required",
    "below_unofficial_floor",
    "needs_part_assessment",
    "not_controlled",
    "not_in_force",
    "information_only",
)
_CONTENT_TESTS = ("any_content", "value_share", "information_only")


def as_alloys(x: Any):
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


def check_zero_below(zero_below: float | None) -> float | None:
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


def floor_param(unit: Unit) -> tuple[float, tuple[str, ...], str] | None:
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
    form: str | None = None,
    family: str | None = None,
    inputs: Any = None,
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
    form, family : str, optional
        What the alloys are (``"metal"``, ``"alloy"``, ``"compound"``, ``"magnet"`` with a family such as
        ``"NdFeB"`` …; see :mod:`substitute.compliance.forms`). Default: inferred per alloy from its
        composition, reported in the ``form_inferred`` column and the assumptions.
    inputs : mapping, optional
        Input files of the run (label → path) hashed into the audit record.

    Returns
    -------
    pandas.DataFrame
        One row per (alloy, rule set, element) for the elements each rule set lists that appear on the
        batch's element axis (plus, for the magnet rules, the magnet elements even when absent). Columns:
        ``alloy, alloy_index, rule_id, short_name, limb, rule_kind, element, mass_fraction`` (basis
        mass), ``form``, ``family``, ``form_inferred``, ``control_code`` (the item matched, e.g.
        ``1C903.a``; empty when none), ``scope`` (``listed_item`` | ``other_form`` | ``part_II_trigger`` |
        ``part_I_input`` | ``listed``), ``status`` (raw, on ``as_of``), ``treated_as``, ``assumption``,
        ``as_of``, ``controlled`` (listed and treated as in force), ``threshold_basis``,
        ``threshold_value``, ``verdict`` (see :data:`VERDICTS`), ``unofficial_floor``, ``verified``,
        ``hypothetical``, ``rule_source``, ``evidence_date``, ``reason``. ``attrs["audit"]`` holds the audit record
        (:func:`~substitute.compliance.record.audit_record`) and ``attrs["assumptions"]`` the
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
    b = as_alloys(alloy_or_batch)
    cat = _catalog(catalog)
    d = parse_date(as_of)
    check_assume(assume)
    zb = check_zero_below(zero_below)
    n = len(b)
    axis = set(b.elements)
    forms, fams, declared = forms_of(b, form, family)
    assumptions = [
        f"status_unknown rules are treated as {assume!r} (assume={assume!r})",
        "verdicts are for the alloy as a material exported from China; origin and value tests need a Part",
    ]
    if declared:
        assumptions.append(f"form declared: {form}{f' ({family})' if family else ''}")
    else:
        for f, fam, why in sorted(set(zip(forms, fams, infer_forms(b)[2], strict=True))):
            label = f"{f} ({fam})" if fam else f
            assumptions.append(
                f"form inferred from the composition as {label}: {why}; pass form/family to override"
            )
    if customs_practice_floor:
        assumptions.append(
            "UNOFFICIAL customs-practice floor applied: Dy+Tb <= 0.1 wt% treated as below (supplier "
            "report https://mainrichinternational.com/export-control, not a legal threshold)"
        )
    if zb is not None:
        assumptions.append(f"contents below {zb:g} (mass fraction) treated as zero (zero_below)")
    combos = sorted(set(zip(forms, fams, strict=True)))
    combo_code = np.zeros(n, np.int32)
    for k, (f, fam) in enumerate(combos):
        combo_code[(forms == f) & (fams == fam)] = k

    reasons = _Codes()
    codes = _Codes()
    codes("")
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
        ev = u.status_evidence(d)
        raw = ev.status
        treated = treat_status(raw, assume)
        in_force = treated == "in_force"
        w = _mass_columns(b, els, zb)
        floor = floor_param(u) if customs_practice_floor else None
        floor_sum = _mass_columns(b, floor[1], zb).sum(axis=1) if floor is not None else None
        th = u.threshold
        status_txt = _status_phrase(u, raw, treated, d)
        part_ii = part_ii_rows(u, b, forms, fams, zb) if test == "value_share" else None
        for j, e in enumerate(els):
            wj = w[:, j]
            present = wj > 0
            floor_used = np.zeros(n, bool)
            code = np.zeros(n, np.int32)
            if test == "information_only":
                scope = np.full(n, _S["listed"], np.int8)
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
                verdict, reason, scope, code = _listed_items(
                    u, e, present, in_force, status_txt, combos, combo_code, reasons, codes
                )
                if floor is not None and e in floor[1] and in_force:
                    assert floor_sum is not None
                    magnet = forms == "magnet"
                    floor_used = present & magnet & ~reaches(floor_sum, floor[0], ">")
                    floor_used &= verdict == _V["licence_required"]
                    verdict = np.where(floor_used, _V["below_unofficial_floor"], verdict)
                    reason = np.where(
                        floor_used,
                        reasons(
                            f"{u.label}: contains {e}, but Dy+Tb is below the UNOFFICIAL "
                            f"customs-practice floor of {floor[0] * 100:g} wt% (supplier report "
                            f"{floor[2]}, not MOFCOM text); legally any content counts."
                        ),
                        reason,
                    )
                controlled = in_force and e in u.listed
            else:  # value_share (No. 61): origin and value belong to a part
                assert part_ii is not None
                scope = np.full(
                    n, _S["part_II_trigger"] if e in u.trigger else _S["part_I_input"], np.int8
                )
                verdict, reason = _value_share(
                    u, e, e in u.trigger, present, part_ii, in_force, status_txt, n, reasons
                )
                controlled = in_force
            consts["rule_id"].append(u.rule_id)
            consts["short_name"].append(u.rule.short_name or u.rule_id)
            consts["limb"].append(u.limb_id)
            consts["rule_kind"].append(u.rule.kind)
            consts["element"].append(e)
            consts["status"].append(raw)
            consts["treated_as"].append(treated)
            consts["controlled"].append(bool(controlled))
            consts["threshold_basis"].append(th.basis if th else "none")
            consts["threshold_value"].append(th.value if th and th.value is not None else np.nan)
            consts["verified"].append(u.element_verified(e) and not ev.hypothetical)
            consts["rule_source"].append(u.rule.primary_source)
            consts["hypothetical"].append(bool(ev.hypothetical or u.rule.hypothetical))
            consts["evidence_date"].append(
                ev.since.isoformat()
                if ev.since
                else (u.rule.status.as_of.isoformat() if u.rule.status else "")
            )
            varying["mass_fraction"].append(wj)
            varying["verdict"].append(np.asarray(verdict, np.int16))
            varying["reason"].append(np.asarray(reason, np.int32))
            varying["unofficial_floor"].append(floor_used)
            varying["scope"].append(np.asarray(scope, np.int8))
            varying["control_code"].append(np.asarray(code, np.int32))

    nb = len(consts["rule_id"])
    small = n * nb <= 20000

    def col_const(name: str) -> Any:
        vals = consts[name]
        if name in ("controlled", "verified", "hypothetical"):
            return np.tile(np.asarray(vals, bool), n)
        if name == "threshold_value":
            return np.tile(np.asarray(vals, float), n)
        cats = list(dict.fromkeys(vals))
        codes_ = np.tile(np.asarray([cats.index(v) for v in vals], np.int32), n)
        return _categorical(codes_, cats, small)

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
    for col in ("rule_id", "short_name", "limb", "rule_kind", "element"):
        out[col] = col_const(col)
    out["mass_fraction"] = col_vary("mass_fraction").astype(float)
    out["form"] = (
        _categorical(combo_code[alloy_codes], [f for f, _ in combos], small) if combos else []
    )
    out["family"] = (
        _categorical(combo_code[alloy_codes], [fam for _, fam in combos], small) if combos else []
    )
    out["form_inferred"] = np.full(n * nb, not declared)
    out["control_code"] = _categorical(
        col_vary("control_code").astype(np.int32), codes.values, small
    )
    out["scope"] = _categorical(col_vary("scope").astype(np.int32), list(_SCOPES), small)
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
    out["hypothetical"] = col_const("hypothetical")
    out["rule_source"] = col_const("rule_source")
    out["evidence_date"] = col_const("evidence_date")
    out["reason"] = _categorical(col_vary("reason").astype(np.int32), reasons.values, small)
    df = pd.DataFrame(out)
    df.attrs["audit"] = audit_record(cat, as_of=d, assume=assume, inputs=inputs)
    df.attrs["assumptions"] = assumptions
    return df


def forms_of(b: Any, form: str | None, family: str | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Per-alloy form and family arrays (declared for all, or inferred), and whether they were declared."""
    form, family = check_form(form, family, "controlled_content")
    n = len(b)
    if form is None and family is None:
        f, fam, _ = infer_forms(b)
        return f, fam, False
    f = np.full(n, form or "magnet", dtype=object)
    fam = np.full(n, family or "", dtype=object)
    if (form or "magnet") == "magnet" and family is None:
        inferred_f, inferred_fam, _ = infer_forms(b)
        fam = np.where(inferred_f == "magnet", inferred_fam, "other").astype(object)
    return f, fam, True


def part_ii_rows(
    u: Unit, b: Any, forms: np.ndarray, fams: np.ndarray, zb: float | None
) -> np.ndarray:
    """Rows that are Annex 1 Part II magnet materials (a listed family holding its trigger element)."""
    out = np.zeros(len(b), bool)
    for fam, els in u.part_ii_families().items():
        held = _mass_columns(b, els, zb).sum(axis=1) > 0
        out |= (forms == "magnet") & (fams == fam) & held
    return out


def _listed_items(
    u: Unit,
    e: str,
    present: np.ndarray,
    in_force: bool,
    status_txt: str,
    combos: list[tuple[str, str]],
    combo_code: np.ndarray,
    reasons: _Codes,
    codes: _Codes,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Verdict, reason, scope and control-code codes of element ``e`` under an any-content rule, per row:
    the items of ``e`` that cover each row's form decide (one small table per form combination)."""
    items = [it for it in u.rule.items if it.element == e and it.covers]
    listed_as: list[str] = sorted({c for it in items for c in it.covers}) or ["(no item)"]
    k = len(combos)
    v_tab = np.zeros(k, np.int16)
    r_tab = np.zeros(k, np.int32)
    s_tab = np.zeros(k, np.int8)
    c_tab = np.zeros(k, np.int32)
    for i, (f, fam) in enumerate(combos):
        label = f"{f} ({fam})" if fam else f
        hit = [it for it in items if covers(it.covers, f, fam)]
        if hit:
            names = "; ".join(
                f"{it.control_code or '(no code)'} "
                f"{it.magnet_item if it.magnet_item and f == 'magnet' else ', '.join(it.forms[:3])}"
                for it in hit
            )
            params = [it.parameters for it in hit if it.parameters]
            check = f" The item is parameter-defined: {params[0]}." if params else ""
            c_tab[i] = codes(", ".join(it.control_code or "(no code)" for it in hit))
            s_tab[i] = _S["listed_item"]
            if in_force:
                v_tab[i] = _V["licence_required"]
                r_tab[i] = reasons(
                    f"{u.label}: the alloy, a {label}, holds {e}, listed as {names}; no content "
                    f"threshold: exporting it from China needs a licence.{check}"
                )
            else:
                v_tab[i] = _V["not_in_force"]
                r_tab[i] = reasons(f"{status_txt}: not applied (if in force: {names}).")
        else:
            s_tab[i] = _S["other_form"]
            v_tab[i] = _V["not_controlled"] if in_force else _V["not_in_force"]
            r_tab[i] = reasons(
                f"{u.label} lists {e} only as {', '.join(listed_as)}; the alloy is a {label}, not a "
                "listed item (pass form/family if this is wrong)."
            )
    absent = reasons(f"{u.label}: no {e} in the alloy.")
    verdict = np.where(present, v_tab[combo_code], _V["not_controlled"])
    reason = np.where(present, r_tab[combo_code], absent)
    scope = np.where(present, s_tab[combo_code], _S["listed"])
    code = np.where(present, c_tab[combo_code], 0)
    return verdict, reason, scope, code


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
    cat = pd.Categorical.from_codes(codes, categories=pd.Index(categories))
    return np.asarray(cat, dtype=object) if as_object else cat


_V = {v: i for i, v in enumerate(VERDICTS)}
_SCOPES = ("listed_item", "other_form", "part_II_trigger", "part_I_input", "listed")
_S = {v: i for i, v in enumerate(_SCOPES)}
_CONST_COLUMNS = (
    "rule_id",
    "short_name",
    "limb",
    "rule_kind",
    "element",
    "status",
    "treated_as",
    "controlled",
    "threshold_basis",
    "threshold_value",
    "verified",
    "rule_source",
    "evidence_date",
    "hypothetical",
)
_VARYING_COLUMNS = (
    "mass_fraction",
    "verdict",
    "reason",
    "unofficial_floor",
    "scope",
    "control_code",
)


def _value_share(
    u: Unit,
    e: str,
    is_trigger: bool,
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
    if is_trigger:
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
    lone = (
        f"{u.label}: contains {e}, but the alloy is not a Part II item (a {trig}-containing magnet "
        "material of a listed family)."
    )
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
    form: str | None = None,
    family: str | None = None,
) -> pd.DataFrame:
    """Fast boolean table for ranking: does each alloy, as a material, need a licence under each
    ``any_content`` rule set on exports from China on ``as_of``?

    Parameters are as for :func:`controlled_content` (``form``/``family`` declared for every alloy skip the
    inference: the ranking knows its candidates are magnets of a family).

    Returns
    -------
    pandas.DataFrame
        Shape (n alloys, rule sets with an ``any_content`` test on parts); ``True`` where an item of the rule
        covers the alloy's form, the alloy holds its element and the rule is (treated as) in force.
        Value-share rules (No. 61) are not here: use
        :func:`substitute.compliance.valueshare.value_share_batch`. ``attrs`` as for
        :func:`controlled_content`.
    """
    b = as_alloys(alloy_or_batch)
    cat = _catalog(catalog)
    d = parse_date(as_of)
    check_assume(assume)
    zb = check_zero_below(zero_below)
    forms, fams, _ = forms_of(b, form, family)
    combos = sorted(set(zip(forms, fams, strict=True)))
    out: dict[str, np.ndarray] = {}
    for u in evaluation_units(cat):
        if (
            u.evaluation.test != "any_content"
            or u.evaluation.origin_condition != "exported_from_china"
        ):
            continue
        flag = np.zeros(len(b), bool)
        if treat_status(u.raw_status(d), assume) == "in_force":
            for f, fam in combos:
                rows = (forms == f) & (fams == fam)
                els = sorted(
                    {
                        it.element
                        for it in u.rule.items
                        if it.element and it.covers and covers(it.covers, f, fam)
                    }
                )
                if els:
                    flag |= rows & (_mass_columns(b, els, zb) > 0).any(axis=1)
        floor = floor_param(u) if customs_practice_floor else None
        if floor is not None:
            s = _mass_columns(b, floor[1], zb).sum(axis=1)
            others = [e for e in u.listed if e not in floor[1]]
            other_hit = (
                (_mass_columns(b, others, zb) > 0).any(axis=1) if others else np.zeros(len(b), bool)
            )
            flag = flag & (reaches(s, floor[0], ">") | other_hit | (forms != "magnet"))
        out[u.rule_id] = flag
    df = pd.DataFrame(out, index=pd.Index(list(b.names), name="alloy"))
    df.attrs["audit"] = cat.audit(as_of=d, assume=assume)
    df.attrs["assumptions"] = [f"status_unknown rules are treated as {assume!r}"] + (
        ["UNOFFICIAL customs-practice floor applied (Dy+Tb <= 0.1 wt%)"]
        if customs_practice_floor
        else []
    )
    return df
