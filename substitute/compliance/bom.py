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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from substitute.compliance._units import (
    Unit,
    check_end_use,
    end_use_effects,
    evaluation_units,
    fmt_pct,
    join,
)
from substitute.compliance.catalog import (
    Catalog,
    check_assume,
    load_catalog,
    parse_date,
    treat_status,
)
from substitute.errors import DataError, InputError, PriceError, UnknownRuleError

__all__ = [
    "ORIGINS",
    "STATUSES",
    "Assembly",
    "Part",
    "assess",
    "crossing_price",
    "headroom",
    "load_bom",
    "value_share_batch",
]

ORIGINS = ("CN", "non-CN", "recycled", "unknown")
STATUSES = ("licence_required", "below_threshold", "not_controlled", "unknown_status")
_TESTS = ("any_content", "value_share", "technology_flag", "information_only")
_TOL = 1e-9


# --------------------------------------------------------------------------------------------- origin
def _check_choice(value: Any, valid: Sequence[str], what: str) -> str:
    if value not in valid:
        msg = f"{what}: {value!r} is not valid; use one of {', '.join(map(repr, valid))}"
        raise InputError(msg)
    return str(value)


def _shares(spec: Any, what: str) -> dict[str, float]:
    if isinstance(spec, str):
        _check_choice(spec, ORIGINS, what)
        return {c: (1.0 if c == spec else 0.0) for c in ORIGINS}
    if isinstance(spec, Mapping):
        bad = [k for k in spec if k not in ORIGINS]
        if bad:
            msg = f"{what}: unknown origin {bad[0]!r}; valid: {', '.join(map(repr, ORIGINS))}"
            raise InputError(msg)
        out = dict.fromkeys(ORIGINS, 0.0)
        for k, v in spec.items():
            try:
                x = float(v)
            except (TypeError, ValueError):
                msg = f"{what}: share for {k!r} must be a number, got {v!r}"
                raise InputError(msg) from None
            if not np.isfinite(x) or x < 0:
                msg = f"{what}: share for {k!r} must be finite and >= 0, got {v!r}"
                raise InputError(msg)
            out[k] = x
        total = sum(out.values())
        if abs(total - 1.0) > 1e-6:
            msg = f"{what}: origin shares sum to {total:.6g}, not 1 (got {dict(spec)})"
            raise InputError(msg)
        return out
    msg = (
        f"{what}: expected an origin ({', '.join(ORIGINS)}) or a mapping of shares summing to 1, "
        f"got {type(spec).__name__}"
    )
    raise InputError(msg)


def normalise_origin(origin: Any, where: str = "origin") -> dict[str, dict[str, float]]:
    """Origin spec → ``{element or "default": {CN, non-CN, recycled, unknown shares}}``.

    ``origin`` is one origin for every element (``"CN"``), or a mapping element → origin or shares, with
    an optional ``"default"`` (or ``"*"``) for unlisted elements (default ``"unknown"``).
    """
    from substitute import elements

    if isinstance(origin, str):
        return {"default": _shares(origin, where)}
    if not isinstance(origin, Mapping):
        msg = f"{where}: expected a string or a mapping, got {type(origin).__name__}"
        raise InputError(msg)
    out: dict[str, dict[str, float]] = {"default": _shares("unknown", where)}
    for key, spec in origin.items():
        k = "default" if key in ("default", "*") else str(key)
        if k != "default":
            elements.check_symbol(k, where=f" in {where}")
        out[k] = _shares(spec, f"{where} for {k!r}")
    return out


def _cn_share(shares: Mapping[str, float], recycled_counts_as: str) -> float:
    s = shares["CN"] + shares["unknown"]
    if recycled_counts_as == "CN":
        s += shares["recycled"]
    return s


# --------------------------------------------------------------------------------------------- BOM
class Part:
    """A part: one alloy with a mass and the origin of its elements.

    Parameters
    ----------
    name : str
        Label, unique among its siblings.
    alloy : Alloy or str
        The material (a batch of one). A string is parsed as wt% (basis mass).
    mass_kg : float
        Mass of the part, kg (> 0).
    origin : str or mapping, default "unknown"
        Origin of the elements: ``"CN" | "non-CN" | "recycled" | "unknown"`` for all elements, or a
        mapping per element (``{"Dy": "CN", "Tb": {"CN": 0.5, "non-CN": 0.5}, "default": "unknown"}``);
        shares must sum to 1. Unknown counts as China-origin.
    technology_origin : {"unknown", "CN", "non-CN"}, default "unknown"
        Was the magnet made with China-origin magnet-making technology (process or equipment licensed
        from China)? Answers No. 61 limb 1(2), which no composition can answer.
    made_in : {"unknown", "CN", "non-CN"}, default "unknown"
        Where the part is made (exports from China: No. 18/57; China-origin items: No. 61 limb 1(3)).
    value_usd : float, optional
        Value of the part (e.g. ex-works price), USD (> 0). When absent, the part's value is its
        raw-material cost at the price vector used (a lower bound; flagged).

    Raises
    ------
    InputError
        Negative or zero mass or value, origin shares not summing to 1, unknown origin labels.
    """

    level = "part"

    def __init__(
        self,
        name: str,
        alloy: Any,
        mass_kg: float,
        *,
        origin: Any = "unknown",
        technology_origin: str = "unknown",
        made_in: str = "unknown",
        value_usd: float | None = None,
    ) -> None:
        from substitute.composition import Alloy, AlloyBatch, as_batch

        if not isinstance(name, str) or not name.strip():
            msg = f"part name must be a non-empty string, got {name!r}"
            raise InputError(msg)
        self.name = name
        if isinstance(alloy, str):
            alloy = as_batch(alloy, basis="mass")
        if not isinstance(alloy, AlloyBatch):
            msg = (
                f"part {name!r}: alloy must be an Alloy or a wt% string, got {type(alloy).__name__}"
            )
            raise InputError(msg)
        if len(alloy) != 1:
            msg = f"part {name!r}: alloy must be one alloy, got a batch of {len(alloy)}"
            raise InputError(msg)
        self.alloy = alloy if isinstance(alloy, Alloy) else alloy[0]
        self.mass_kg = _positive(mass_kg, f"part {name!r}: mass_kg", "kg")
        self.origin = normalise_origin(origin, f"part {name!r}: origin")
        self.technology_origin = _check_choice(
            technology_origin, ("CN", "non-CN", "unknown"), f"part {name!r}: technology_origin"
        )
        self.made_in = _check_choice(
            made_in, ("CN", "non-CN", "unknown"), f"part {name!r}: made_in"
        )
        self.value_usd = (
            None if value_usd is None else _positive(value_usd, f"part {name!r}: value_usd", "USD")
        )

    def __repr__(self) -> str:
        return (
            f"Part({self.name!r}, {self.alloy.to_string(decimals=3)!r}, mass_kg={self.mass_kg:g})"
        )

    @property
    def children(self) -> tuple:
        return ()

    def shares(self, element: str) -> dict[str, float]:
        """Origin shares of one element in this part."""
        return self.origin.get(element, self.origin["default"])

    def mass_fraction(self, element: str, zero_below: float | None = None) -> float:
        w = float(self.alloy.get_mass_fraction(element)[0])
        return 0.0 if zero_below is not None and w < zero_below else w

    def parts(self) -> Iterator[Part]:
        yield self


class Assembly:
    """A BOM node: parts and sub-assemblies, with a value.

    Parameters
    ----------
    name : str
        Label, unique among its siblings.
    parts : sequence of Part or Assembly
        Children (an :class:`Assembly` among them is a sub-assembly).
    value_usd : float
        Value of the assembly (denominator of value shares), USD, > 0. No. 61 defines no basis; the EAR
        analogue is the normal selling price f.o.b. factory, excluding VAT.
    mass_kg : float, optional
        Total mass, kg; must be at least the children's mass.
    other_mass_kg : float, optional
        Mass of everything not listed as a child, kg (≥ 0). Give ``mass_kg`` or ``other_mass_kg``; with
        neither, the assembly weighs the sum of its children (flagged).
    made_in : {"unknown", "CN", "non-CN"}, default "unknown"
        Where the assembly is made.

    Raises
    ------
    InputError
        No children, duplicate child names, value ≤ 0, negative masses, children heavier than
        ``mass_kg``, inconsistent ``mass_kg`` and ``other_mass_kg``.
    """

    def __init__(
        self,
        name: str,
        parts: Sequence[Part | Assembly],
        *,
        value_usd: float,
        mass_kg: float | None = None,
        other_mass_kg: float | None = None,
        made_in: str = "unknown",
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            msg = f"assembly name must be a non-empty string, got {name!r}"
            raise InputError(msg)
        self.name = name
        kids = list(parts)
        if not kids:
            msg = f"assembly {name!r}: needs at least one part or sub-assembly"
            raise InputError(msg)
        for k in kids:
            if not isinstance(k, Part | Assembly):
                msg = (
                    f"assembly {name!r}: children must be Part or Assembly, got {type(k).__name__}"
                )
                raise InputError(msg)
        names = [k.name for k in kids]
        dup = sorted({x for x in names if names.count(x) > 1})
        if dup:
            msg = f"assembly {name!r}: duplicate child name(s) {', '.join(map(repr, dup))}; names must be unique"
            raise InputError(msg)
        self._children = tuple(kids)
        self.value_usd = _positive(value_usd, f"assembly {name!r}: value_usd", "USD")
        self.made_in = _check_choice(
            made_in, ("CN", "non-CN", "unknown"), f"assembly {name!r}: made_in"
        )
        kids_mass = sum(k.mass_kg for k in kids)
        self.mass_given = mass_kg is not None or other_mass_kg is not None
        if other_mass_kg is not None:
            other = float(other_mass_kg)
            if not np.isfinite(other) or other < 0:
                msg = f"assembly {name!r}: other_mass_kg must be finite and >= 0 kg, got {other_mass_kg!r}"
                raise InputError(msg)
        if mass_kg is not None:
            total = _positive(mass_kg, f"assembly {name!r}: mass_kg", "kg")
            if kids_mass > total * (1 + 1e-9):
                msg = (
                    f"assembly {name!r}: its parts weigh {kids_mass:.6g} kg, more than the assembly's "
                    f"mass_kg {total:.6g} kg"
                )
                raise InputError(msg)
            if other_mass_kg is not None and abs(kids_mass + other - total) > 1e-6 * max(
                total, 1.0
            ):
                msg = (
                    f"assembly {name!r}: mass_kg {total:g} kg != parts {kids_mass:g} kg + other_mass_kg "
                    f"{other:g} kg; give one of mass_kg or other_mass_kg"
                )
                raise InputError(msg)
            self.mass_kg = total
            self.other_mass_kg = total - kids_mass
        else:
            self.other_mass_kg = other if other_mass_kg is not None else 0.0
            self.mass_kg = kids_mass + self.other_mass_kg

    def __repr__(self) -> str:
        return (
            f"Assembly({self.name!r}, {len(self._children)} children, value_usd={self.value_usd:g})"
        )

    @property
    def children(self) -> tuple[Part | Assembly, ...]:
        return self._children

    def parts(self) -> Iterator[Part]:
        """Every part below this node, depth first."""
        for k in self._children:
            yield from k.parts()


def _positive(x: Any, what: str, unit: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        msg = f"{what} must be a number ({unit}), got {x!r}"
        raise InputError(msg) from None
    if not np.isfinite(v) or v <= 0:
        msg = f"{what} must be > 0 {unit}, got {x!r}"
        raise InputError(msg)
    return v


def _walk(item: Part | Assembly) -> list[tuple[str, str, Part | Assembly]]:
    out: list[tuple[str, str, Part | Assembly]] = []

    def rec(node: Part | Assembly, path: str, depth: int) -> None:
        level = "part" if isinstance(node, Part) else ("assembly" if depth == 0 else "subassembly")
        out.append((level, path, node))
        for k in node.children:
            rec(k, f"{path}/{k.name}", depth + 1)

    if not isinstance(item, Part | Assembly):
        msg = f"assess: expected a Part or an Assembly, got {type(item).__name__}"
        raise InputError(msg)
    rec(item, item.name, 0)
    return out


# --------------------------------------------------------------------------------------------- node sums
class _Node:
    """Element masses of a BOM node by origin (conservative and best case) and its value."""

    def __init__(
        self,
        node: Part | Assembly,
        level: str,
        path: str,
        recycled_counts_as: str,
        zero_below: float | None,
    ) -> None:
        self.node, self.level, self.path = node, level, path
        self.parts = list(node.parts())
        els: dict[str, None] = {}
        for p in self.parts:
            els.update(dict.fromkeys(p.alloy.elements))
        self.elements = tuple(els)
        self.m_all: dict[str, float] = {}
        self.m_cn: dict[str, float] = {}
        self.m_cn_best: dict[str, float] = {}
        self.unknown: dict[str, list[str]] = {}
        self.recycled: dict[str, list[str]] = {}
        for e in self.elements:
            a = c = cb = 0.0
            for p in self.parts:
                me = p.mass_kg * p.mass_fraction(e, zero_below)
                if me <= 0:
                    continue
                sh = p.shares(e)
                a += me
                c += me * _cn_share(sh, recycled_counts_as)
                cb += me * sh["CN"]
                if sh["unknown"] > 0:
                    self.unknown.setdefault(e, []).append(p.name)
                if sh["recycled"] > 0:
                    self.recycled.setdefault(e, []).append(p.name)
            self.m_all[e], self.m_cn[e], self.m_cn_best[e] = a, c, cb
        self.mass_kg = node.mass_kg
        self.value_given = node.value_usd is not None
        self._value = node.value_usd

    def mass(self, els: Iterable[str], which: str = "all") -> float:
        d = {"all": self.m_all, "cn": self.m_cn, "best": self.m_cn_best}[which]
        return float(sum(d.get(e, 0.0) for e in els))

    def present(self, els: Iterable[str]) -> list[str]:
        return [e for e in els if self.m_all.get(e, 0.0) > 0]

    def value(self, pv: Any) -> float:
        """Item value, USD; a part without value_usd is valued at raw-material cost (may raise)."""
        if self._value is not None:
            return float(self._value)
        from substitute.prices import alloy_cost_per_kg

        assert isinstance(self.node, Part)
        return float(alloy_cost_per_kg(self.node.alloy, pv)[0]) * self.node.mass_kg

    def tech_origin(self, trigger: Sequence[str]) -> str:
        origins = [
            p.technology_origin for p in self.parts if any(p.mass_fraction(e) > 0 for e in trigger)
        ]
        if not origins:
            return ""
        if "CN" in origins:
            return "CN"
        return "unknown" if "unknown" in origins else "non-CN"


# --------------------------------------------------------------------------------------------- assess
def _prices(prices: Any):
    from substitute.prices import price_vector

    return price_vector(prices)


def _counted_value(node: _Node, els: Sequence[str], pv: Any, which: str) -> float:
    """Σ China-origin mass × price over ``els``; a price is required only where that mass is > 0."""
    need = [e for e in els if node.mass([e], which) > 0]
    if not need:
        return 0.0
    p = pv.prices(need)
    return float(sum(node.mass([e], which) * pi for e, pi in zip(need, p, strict=True)))


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
    _check_choice(share_basis, ("value_share", "mass_share"), "share_basis")
    _check_choice(recycled_counts_as, ("non-CN", "CN"), "recycled_counts_as")
    want = set(levels) if levels is not None else {"part", "subassembly", "assembly"}
    for lv in want:
        _check_choice(lv, ("part", "subassembly", "assembly"), "levels")
    from substitute.compliance.content import _check_zero_below

    zb = _check_zero_below(zero_below)
    pv = _prices(prices)
    units = [u for u in evaluation_units(cat, rules) if u.evaluation.test in _TESTS]
    price_note = (
        f"value = contained element mass × price vector {pv.id!r} ({pv.date}; {pv.basis}); the rule "
        "defines no price basis, date, currency or Incoterm"
    )

    rows: list[dict[str, Any]] = []
    for level, path, node in _walk(item):
        if level not in want:
            continue
        nd = _Node(node, level, path, recycled_counts_as, zb)
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
    nd: _Node,
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
            v_cn = _counted_value(nd, els, pv, "cn")
            v_best = _counted_value(nd, els, pv, "best")
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
    nd: _Node,
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


# --------------------------------------------------------------------------------------------- headroom
def _find(item: Part | Assembly, key: Any, what: str) -> tuple[str, Part | Assembly]:
    nodes = _walk(item)
    for level, path, node in nodes:
        if node is key or (isinstance(key, str) and key in (node.name, path)):
            return level, node
    names = ", ".join(repr(p) for _, p, _ in nodes)
    msg = f"{what}: {getattr(key, 'name', key)!r} is not in {item.name!r}; items: {names}"
    raise InputError(msg)


def _value_unit(cat: Catalog, rule: str, limb: str | None) -> Unit:
    for u in evaluation_units(cat, [rule]):
        if u.evaluation.test == "value_share" and (limb is None or u.limb_id == limb):
            return u
    msg = f"rule {rule!r}{f' limb {limb!r}' if limb else ''} has no value-share test"
    raise UnknownRuleError(msg)


def headroom(
    item: Part | Assembly,
    part: Part | str,
    element: str,
    as_of: dt.date | str = "today",
    prices: Any = "ex_china_2025",
    *,
    level: Part | Assembly | str | None = None,
    rule: str = "CN-MOFCOM-2025-61",
    limb: str | None = "1(1)",
    threshold: float | None = None,
    share_basis: Literal["value_share", "mass_share"] = "value_share",
    recycled_counts_as: Literal["non-CN", "CN"] = "non-CN",
    catalog: Catalog | None = None,
    assume: str = "in_force",
) -> pd.DataFrame:
    """Largest content of ``element`` in ``part`` that keeps an item under a value-share threshold.

    With everything else fixed, the item's share is linear in the part's mass fraction *w* of the
    element: share(w) = (A + m·w·s·p) / V, where A is the China-origin Part I value from everything else,
    m the part mass, s the China share of the element, p its price (USD/kg contained) and V the item
    value. The headroom is w* = (T·V − A) / (m·s·p); at w* the margin is exactly 1 (the comparator is
    ≥, so content must stay *below* w*). The crossing price is the price p* at which the current design
    reaches T.

    Parameters
    ----------
    item : Part or Assembly
        The BOM.
    part : Part or str
        The part whose content varies (object or name/path).
    element : str
        The element (must be a Part I element of the rule, e.g. ``"Dy"``, ``"Tb"``).
    as_of : datetime.date or str, default "today"
        As for :func:`assess`.
    prices : str, mapping, path or PriceVector, default "ex_china_2025"
        As for :func:`assess`.
    level : Part, Assembly or str, optional
        The item whose share is tested (default the root ``item``); it needs a value (a part needs
        ``value_usd``).
    rule : str, default "CN-MOFCOM-2025-61"
        Rule set with a value-share test (default No. 61).
    limb : str or None, default "1(1)"
        Limb of ``rule`` with the value-share test.
    threshold : float, optional
        Override the threshold (fraction; 0.001 = 0.1 %).
    share_basis : {"value_share", "mass_share"}, default "value_share"
        ``"mass_share"`` gives the headroom under the alternative mass reading.
    recycled_counts_as : {"non-CN", "CN"}, default "non-CN"
        As for :func:`assess`.
    catalog : Catalog, optional
        As for :func:`assess`.
    assume : {"in_force", "suspended"}, default "in_force"
        As for :func:`assess`.

    Returns
    -------
    pandas.DataFrame
        One row: ``item, part, element, rule_id, limb, threshold, share_basis, price_usd_per_kg,
        cn_share, part_mass_kg, item_value_usd, item_mass_kg, current_mass_fraction, current_share,
        current_margin, max_mass_fraction, max_mass_percent, max_grams, headroom_grams,
        crossing_price_usd_per_kg, limited_by, rule_status, treated_as, assumption, as_of, note``.
        Mass fractions are basis mass; grams are of the element in the part. Other elements' mass
        fractions are held fixed (the balance element absorbs the change).
    """
    cat = catalog if catalog is not None else load_catalog()
    d = parse_date(as_of)
    check_assume(assume)
    _check_choice(share_basis, ("value_share", "mass_share"), "share_basis")
    _check_choice(recycled_counts_as, ("non-CN", "CN"), "recycled_counts_as")
    u = _value_unit(cat, rule, limb)
    if element not in u.counted:
        msg = f"element {element!r} is not counted by {u.label} (Part I elements: {', '.join(u.counted)})"
        raise InputError(msg)
    _, top = _find(item, item if level is None else level, "level")
    _, p = _find(top, part, "part")
    if not isinstance(p, Part):
        msg = f"part: {p.name!r} is an assembly, not a part"
        raise InputError(msg)
    if top.value_usd is None and share_basis == "value_share":
        msg = f"headroom at {top.name!r} needs its value_usd (a part's value would change with its content)"
        raise InputError(msg)
    pv = _prices(prices)
    T = float(threshold) if threshold is not None else float(u.threshold.value)  # type: ignore[union-attr]
    if not (np.isfinite(T) and T > 0):
        msg = f"threshold must be > 0, got {threshold!r}"
        raise InputError(msg)
    nd = _Node(top, "", top.name, recycled_counts_as, None)
    s = _cn_share(p.shares(element), recycled_counts_as)
    m = p.mass_kg
    w0 = p.mass_fraction(element)
    price = pv.price(element)
    own_cn_mass = m * w0 * s
    if share_basis == "value_share":
        V = float(top.value_usd)  # type: ignore[arg-type]
        total = _counted_value(nd, u.counted, pv, "cn")
        A = total - own_cn_mass * price
        slope = m * s * price
        current = total / V
        target = T * V
        cross = (target - A) / own_cn_mass if own_cn_mass > 0 else np.inf
    else:
        V = np.nan
        M = nd.mass_kg
        total = nd.mass(u.counted, "cn")
        A = total - own_cn_mass
        slope = m * s
        current = total / M
        target = T * M
        cross = np.nan
    note = "other elements' mass fractions held fixed; the balance element absorbs the change"
    if slope <= 0:
        w_star, limited = (
            1.0,
            "no China-origin share of this element: the threshold is never reached",
        )
    else:
        w_raw = (target - A) / slope
        if w_raw <= 0:
            w_star, limited = 0.0, "other China-origin content already reaches the threshold"
        elif w_raw >= 1:
            w_star, limited = 1.0, "physical limit (100 wt%)"
        else:
            w_star, limited = w_raw, "threshold"
    raw = u.raw_status(d)
    df = pd.DataFrame(
        [
            {
                "item": top.name,
                "part": p.name,
                "element": element,
                "rule_id": u.rule_id,
                "limb": u.limb_id,
                "threshold": T,
                "share_basis": share_basis,
                "price_usd_per_kg": price,
                "cn_share": s,
                "part_mass_kg": m,
                "item_value_usd": V,
                "item_mass_kg": nd.mass_kg,
                "current_mass_fraction": w0,
                "current_share": current,
                "current_margin": current / T,
                "max_mass_fraction": w_star,
                "max_mass_percent": 100 * w_star,
                "max_grams": 1000 * w_star * m,
                "headroom_grams": 1000 * (w_star - w0) * m,
                "crossing_price_usd_per_kg": max(cross, 0.0) if np.isfinite(cross) else cross,
                "limited_by": limited,
                "rule_status": raw,
                "treated_as": treat_status(raw, assume),
                "assumption": assume,
                "as_of": d.isoformat(),
                "note": note,
            }
        ]
    )
    df.attrs["audit"] = {**cat.audit(as_of=d, assume=assume), **pv.audit()}
    return df


def crossing_price(
    item: Part | Assembly,
    element: str,
    as_of: dt.date | str = "today",
    prices: Any = "ex_china_2025",
    *,
    rule: str = "CN-MOFCOM-2025-61",
    limb: str | None = "1(1)",
    threshold: float | None = None,
    recycled_counts_as: Literal["non-CN", "CN"] = "non-CN",
    catalog: Catalog | None = None,
    assume: str = "in_force",
) -> pd.DataFrame:
    """Price of ``element`` (USD/kg contained) at which each BOM level reaches the value-share threshold.

    share(p) = (A + M·p) / (V₀ + M_v·p), with A the China-origin Part I value from other elements, M the
    China-origin mass of ``element`` in the item, V₀ the item value without the element's contribution
    and M_v the element mass that enters an *estimated* part value (zero when the value is given). The
    crossing price is p* = (T·V₀ − A) / (M − T·M_v); ``inf`` when the item never crosses, 0 when it is
    already over at any price.

    Returns
    -------
    pandas.DataFrame
        One row per level holding the element: ``level, item, path, element, price_usd_per_kg,
        crossing_price_usd_per_kg, price_ratio`` (crossing ÷ current), ``threshold, current_share,
        value_basis``.
    """
    cat = catalog if catalog is not None else load_catalog()
    d = parse_date(as_of)
    check_assume(assume)
    u = _value_unit(cat, rule, limb)
    if element not in u.counted:
        msg = f"element {element!r} is not counted by {u.label} (Part I elements: {', '.join(u.counted)})"
        raise InputError(msg)
    pv = _prices(prices)
    T = float(threshold) if threshold is not None else float(u.threshold.value)  # type: ignore[union-attr]
    p0 = pv.price(element)
    rows = []
    for level, path, node in _walk(item):
        nd = _Node(node, level, path, recycled_counts_as, None)
        M = nd.mass([element], "cn")
        if nd.mass([element], "all") <= 0:
            continue
        total = _counted_value(nd, u.counted, pv, "cn")
        A = total - M * p0
        if nd.value_given:
            V0, Mv = float(node.value_usd), 0.0  # type: ignore[arg-type]
        else:
            Mv = nd.mass([element], "all")
            V0 = nd.value(pv) - Mv * p0
        denom = M - T * Mv
        num = T * V0 - A
        if num <= 0:
            pstar = 0.0
        elif denom <= 0:
            pstar = np.inf
        else:
            pstar = num / denom
        V = nd.value(pv)
        rows.append(
            {
                "level": level,
                "item": node.name,
                "path": path,
                "element": element,
                "price_usd_per_kg": p0,
                "crossing_price_usd_per_kg": pstar,
                "price_ratio": pstar / p0 if p0 > 0 else np.inf,
                "threshold": T,
                "current_share": total / V,
                "value_basis": "given" if nd.value_given else "raw_material_estimate",
            }
        )
    df = pd.DataFrame(rows)
    df.attrs["audit"] = {**cat.audit(as_of=d, assume=assume), **pv.audit()}
    return df


# --------------------------------------------------------------------------------------------- batch
def value_share_batch(
    alloys: Any,
    *,
    mass_kg: float | np.ndarray,
    item_value_usd: float | np.ndarray | None = None,
    as_of: dt.date | str = "today",
    prices: Any = "ex_china_2025",
    origin: Any = "unknown",
    recycled_counts_as: Literal["non-CN", "CN"] = "non-CN",
    rule: str = "CN-MOFCOM-2025-61",
    limb: str | None = "1(1)",
    catalog: Catalog | None = None,
    assume: str = "in_force",
) -> pd.DataFrame:
    """Vectorised value-share test for many candidate magnets placed in one item (for ranking).

    For alloy *i* of the batch used as a magnet of mass ``mass_kg`` inside an item of value
    ``item_value_usd``: share_i = mass_kg · Σ_e w_ie · s_e · p_e / V_i over the rule's Part I elements.

    Parameters
    ----------
    alloys : Alloy, AlloyBatch or str
        Candidate materials (mass fractions, basis mass).
    mass_kg : float or array (n,)
        Magnet mass per item, kg.
    item_value_usd : float or array (n,), optional
        Value of the item tested, USD. Default: the magnet's own raw-material value (magnet level).
    origin : str or mapping
        Origin of the elements, as for :class:`Part` (unknown counts as China-origin).
    as_of : datetime.date or str, default "today"
        As for :func:`assess`.
    prices : str, mapping, path or PriceVector, default "ex_china_2025"
        As for :func:`assess`.
    recycled_counts_as : {"non-CN", "CN"}, default "non-CN"
        As for :func:`assess`.
    rule : str, default "CN-MOFCOM-2025-61"
        Rule set with a value-share test.
    limb : str or None, default "1(1)"
        Limb of ``rule`` with the value-share test.
    catalog : Catalog, optional
        As for :func:`assess`.
    assume : {"in_force", "suspended"}, default "in_force"
        As for :func:`assess`.

    Returns
    -------
    pandas.DataFrame
        n rows: ``alloy, part_ii_item, controlled_value_cn_usd, item_value_usd, value_share, threshold,
        margin, status_if_in_force, status, rule_status, treated_as, assumption, as_of``.
    """
    from substitute.prices import alloy_cost_per_kg

    from .content import _as_batch

    b = _as_batch(alloys)
    n = len(b)
    cat = catalog if catalog is not None else load_catalog()
    d = parse_date(as_of)
    check_assume(assume)
    u = _value_unit(cat, rule, limb)
    pv = _prices(prices)
    org = normalise_origin(origin, "origin")
    m = np.broadcast_to(np.asarray(mass_kg, dtype=float), (n,))
    if not (np.isfinite(m).all() and (m > 0).all()):
        msg = "mass_kg must be > 0 kg for every alloy"
        raise InputError(msg)
    counted = [e for e in u.counted if e in b.elements]
    w = np.stack([b.get_mass_fraction(e) for e in counted], axis=1) if counted else np.zeros((n, 0))
    s = np.array([_cn_share(org.get(e, org["default"]), recycled_counts_as) for e in counted])
    need = [e for e, col, si in zip(counted, w.T, s, strict=True) if si > 0 and (col > 0).any()]
    price = np.array([pv.price(e) if e in need else 0.0 for e in counted])
    v_cn = m * (w @ (s * price)) if counted else np.zeros(n)
    if item_value_usd is None:
        V = alloy_cost_per_kg(b, pv) * m
    else:
        V = np.broadcast_to(np.asarray(item_value_usd, dtype=float), (n,))
        if not (np.isfinite(V).all() and (V > 0).all()):
            msg = "item_value_usd must be > 0 USD for every alloy"
            raise InputError(msg)
    trig = [e for e in u.trigger if e in b.elements]
    part_ii = (
        (np.stack([b.get_mass_fraction(e) for e in trig], axis=1) > 0).any(axis=1)
        if trig
        else np.zeros(n, bool)
    )
    T = float(u.threshold.value)  # type: ignore[union-attr]
    share = v_cn / V
    comp = u.threshold.comparator if u.threshold else ">="
    caught = (share >= T) if comp == ">=" else (share > T)
    # categorical columns (no per-row string objects): codes into STATUSES
    code = np.where(part_ii, np.where(caught, 0, 1), 2).astype(np.int8)
    if_in_force = pd.Categorical.from_codes(code, categories=list(STATUSES))
    raw = u.raw_status(d)
    treated = treat_status(raw, assume)
    if treated != "in_force":
        code = np.full(n, 2, np.int8)
    status = pd.Categorical.from_codes(code, categories=list(STATUSES))
    names = list(b.names)
    alloy = (
        pd.Categorical.from_codes(np.arange(n), categories=names) if len(set(names)) == n else names
    )
    df = pd.DataFrame(
        {
            "alloy": alloy,
            "part_ii_item": part_ii,
            "controlled_value_cn_usd": v_cn,
            "item_value_usd": V,
            "value_share": share,
            "threshold": T,
            "margin": share / T,
            "status_if_in_force": if_in_force,
            "status": status,
            "rule_status": _const(raw, n),
            "treated_as": _const(treated, n),
            "assumption": _const(assume, n),
            "as_of": _const(d.isoformat(), n),
        }
    )
    df.attrs["audit"] = {**cat.audit(as_of=d, assume=assume), **pv.audit()}
    return df


def _const(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, np.int8), categories=[value])


# --------------------------------------------------------------------------------------------- BOM file
class _BomModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BomPart(_BomModel):
    name: str
    composition_wt_pct: str | None = None
    composition_at_pct: str | None = None
    grade: str | None = None
    mass_kg: float
    origin: str | dict[str, Any] = "unknown"
    technology_origin: str = "unknown"
    made_in: str = "unknown"
    value_usd: float | None = None


class BomAssembly(_BomModel):
    name: str
    value_usd: float
    mass_kg: float | None = None
    other_mass_kg: float | None = None
    made_in: str = "unknown"
    parts: list[dict[str, Any]] = Field(min_length=1)


class BomFile(_BomModel):
    format: Literal["substitute-bom/1"]
    as_of: str | None = None
    prices: str | dict[str, float] | None = None
    assume: str | None = None
    end_use: str | None = None
    destination: str | None = None
    description: str | None = None
    item: dict[str, Any]


def _bom_error(where: str, path: str, exc: ValidationError | Exception) -> DataError:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()))
        return DataError(f"{where}: entry {path!r}: field {loc!r}: {err.get('msg')}")
    return DataError(f"{where}: entry {path!r}: {exc}")


def _bom_node(raw: Any, where: str, path: str) -> Part | Assembly:
    from substitute.composition import Alloy

    if not isinstance(raw, dict):
        msg = f"{where}: entry {path!r}: expected a mapping, got {type(raw).__name__}"
        raise DataError(msg)
    label = f"{path}/{raw.get('name', '?')}" if path else str(raw.get("name", "?"))
    try:
        if "parts" in raw:
            a = BomAssembly.model_validate(raw)
            kids = [_bom_node(k, where, label) for k in a.parts]
            return Assembly(
                a.name,
                kids,
                value_usd=a.value_usd,
                mass_kg=a.mass_kg,
                other_mass_kg=a.other_mass_kg,
                made_in=a.made_in,
            )
        p = BomPart.model_validate(raw)
        given = [k for k in ("composition_wt_pct", "composition_at_pct", "grade") if getattr(p, k)]
        if len(given) != 1:
            msg = (
                "give exactly one of 'composition_wt_pct', 'composition_at_pct' or 'grade' "
                f"(got {', '.join(given) or 'none'})"
            )
            raise DataError(msg)
        if p.composition_wt_pct:
            alloy = Alloy.parse(p.composition_wt_pct, basis="mass", name=p.name)
        elif p.composition_at_pct:
            alloy = Alloy.parse(p.composition_at_pct, basis="atomic", name=p.name)
        else:
            alloy = Alloy.from_grade(str(p.grade))
        return Part(
            p.name,
            alloy,
            p.mass_kg,
            origin=p.origin,
            technology_origin=p.technology_origin,
            made_in=p.made_in,
            value_usd=p.value_usd,
        )
    except DataError as exc:
        if str(exc).startswith(where):
            raise
        raise _bom_error(where, label, exc) from None
    except ValidationError as exc:
        raise _bom_error(where, label, exc) from None
    except (InputError, ValueError, KeyError) as exc:
        raise _bom_error(where, label, exc) from None


def load_bom(path: str | Path) -> tuple[Part | Assembly, dict[str, Any]]:
    """Read a BOM file (YAML, format ``substitute-bom/1``).

    The file holds ``format: substitute-bom/1``, optional run settings (``as_of``, ``prices`` — a vector
    name, a CSV path relative to the file, or a mapping of USD/kg —, ``assume``, ``end_use``,
    ``destination``) and ``item``: an assembly (``name, value_usd, mass_kg | other_mass_kg, made_in,
    parts``) whose ``parts`` are parts (``name, composition_wt_pct | composition_at_pct | grade, mass_kg,
    origin, technology_origin, made_in, value_usd``) or nested assemblies (any entry with ``parts``).
    See ``datasets/examples/e-axle-bom.yaml`` and ``docs/guides/compliance.md``.

    Returns
    -------
    (Part or Assembly, dict)
        The BOM and its settings (only the keys the file sets).

    Raises
    ------
    DataError
        File missing or not YAML, unknown keys, bad values: the message names the file, the entry path
        and the field.
    """
    from substitute import data

    p = Path(path)
    raw = data.read_user_file(p, what="BOM file")
    where = str(p)
    try:
        f = BomFile.model_validate(raw)
    except ValidationError as exc:
        raise _bom_error(where, "(file)", exc) from None
    item = _bom_node(f.item, where, "")
    settings = {
        k: getattr(f, k)
        for k in ("as_of", "prices", "assume", "end_use", "destination")
        if getattr(f, k) is not None
    }
    pr = settings.get("prices")
    if isinstance(pr, str) and pr.lower().endswith(".csv") and not Path(pr).is_absolute():
        settings["prices"] = str(p.parent / pr)
    return item, settings
