"""Scenarios: prices (vector, shocks), rules (date, assumption, overlays), origins and volumes.

A :class:`Scenario` is one state of the world a procurement analyst asks about ("Tb doubles, the October
2025 rules are back on 2026-12-01, half our Dy comes from a non-China refiner"). :func:`scenario_grid`
builds the product of several axes of such changes. Scenarios hold no domain logic: they resolve to a
:class:`~substitute.prices.PriceVector` and a :class:`~substitute.compliance.catalog.Catalog` through the
price and compliance modules.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, cast

from substitute.arrays import number
from substitute.errors import InputError, PriceError

__all__ = ["SCENARIO_FIELDS", "Scenario", "scenario_grid"]

_ORIGIN_KINDS = ("non-CN", "recycled")
#: fields whose value is a mapping keyed by element symbol (or design name for ``volumes``)
_MAPPING_FIELDS = (
    "price_multipliers",
    "price_overrides",
    "origin",
    "origin_premium",
    "volumes",
)
_SCALAR_FIELDS = ("prices", "price_date", "as_of", "assume", "volume_factor")
#: every field a scenario (or one level of a grid axis) may set
SCENARIO_FIELDS = ("name", *_SCALAR_FIELDS, *_MAPPING_FIELDS, "overlays")


def _freeze_mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        msg = f"{what}: expected a mapping, got {type(value).__name__}"
        raise InputError(msg)
    return {str(k): v for k, v in value.items()}


@dataclass(frozen=True)
class Scenario:
    """One procurement scenario: prices, rules, origins and volumes.

    Parameters
    ----------
    name : str
        Label of the scenario (unique within a run).
    prices : str, mapping, path or PriceVector, default "ex_china_2025"
        The price vector: a shipped id (``"ex_china_2025"``, ``"china_domestic_2025"``), a dict of USD per
        kg of contained element, a CSV path, or a :class:`~substitute.prices.PriceVector`.
    price_multipliers : mapping element → float, optional
        Shocks applied to the vector, e.g. ``{"Tb": 2.0}`` (dimensionless, ≥ 0). An element without a
        price in the vector raises :class:`~substitute.errors.PriceError` when the scenario is resolved.
    price_overrides : mapping element → float, optional
        Absolute prices set on the vector, USD per kg of contained element (≥ 0). An element may have a
        multiplier or an override, not both.
    price_date : str, optional
        Date of the shocked prices (ISO ``YYYY-MM-DD`` or ``YYYY-MM``); stamped on the vector and in the
        audit. Default: the vector's own date.
    as_of : str or datetime.date, default "today"
        Date the rule catalog is evaluated for.
    assume : {"in_force", "suspended"}, default "in_force"
        How a rule whose suspension ended with no later record (``status_unknown``) is treated.
    overlays : sequence of path or mapping, optional
        Catalog overlays (see :func:`substitute.compliance.load_catalog`), e.g. a lower threshold, an added
        Part I element, or a ``status_history`` record "in force again from 2026-12-01".
    origin : mapping element → origin, optional
        Origin of an element for **every** design, replacing the design's own: ``"CN"``, ``"non-CN"``,
        ``"recycled"``, ``"unknown"`` or shares summing to 1, e.g. ``{"Dy": {"CN": 0.5, "non-CN": 0.5}}``.
    origin_premium : mapping, optional
        Price multiplier paid for non-China and recycled material, ``{"non-CN": 1.2, "recycled": 1.0}``
        (dimensionless, ≥ 0; default 1.0 = same price). Applies to cost only: value shares use the vector.
    volume_factor : float, default 1.0
        Multiplier on every design's annual volume (≥ 0).
    volumes : mapping design name → float, optional
        Annual volume of named designs, units per year (≥ 0), replacing theirs (``volume_factor`` still
        applies).
    tags : mapping, optional
        Axis name → level label; set by :func:`scenario_grid` and reported as ``axis_<name>`` columns.

    Raises
    ------
    UnknownElementError
        An element key that is not an element symbol (named, with suggestions).
    PriceError
        A negative or non-finite multiplier or price.
    InputError
        Bad date or ``assume``, negative volume, an element given both a multiplier and an override,
        unknown origin labels or shares not summing to 1.

    Examples
    --------
    >>> s = Scenario("Tb x2, rules back", price_multipliers={"Tb": 2.0}, as_of="2026-12-01")
    >>> s.price_multipliers
    {'Tb': 2.0}
    """

    name: str = "base"
    prices: Any = "ex_china_2025"
    _: KW_ONLY
    price_multipliers: Mapping[str, float] = field(default_factory=dict)
    price_overrides: Mapping[str, float] = field(default_factory=dict)
    price_date: str | None = None
    as_of: str | dt.date = "today"
    assume: str = "in_force"
    overlays: tuple[Any, ...] = ()
    origin: Mapping[str, Any] = field(default_factory=dict)
    origin_premium: Mapping[str, float] = field(default_factory=dict)
    volume_factor: float = 1.0
    volumes: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from substitute import elements
        from substitute.compliance.bom import normalise_origin
        from substitute.compliance.status import check_assume, parse_date

        if not isinstance(self.name, str) or not self.name.strip():
            msg = f"scenario name must be a non-empty string, got {self.name!r}"
            raise InputError(msg)
        where = f"scenario {self.name!r}"
        mult = _freeze_mapping(self.price_multipliers, f"{where}: price_multipliers")
        over = _freeze_mapping(self.price_overrides, f"{where}: price_overrides")
        for what, m, unit in (
            ("price_multipliers", mult, "dimensionless multiplier"),
            ("price_overrides", over, "USD per kg of contained element"),
        ):
            for el, v in m.items():
                elements.check_symbol(el, where=f" in {where}: {what}")
                m[el] = number(f"{where}: {what}[{el!r}]", v, unit, error=PriceError)
        both = sorted(map(str, set(mult) & set(over)))
        if both:
            msg = (
                f"{where}: {', '.join(both)} has both a price multiplier and an absolute price "
                "override; give one of them"
            )
            raise InputError(msg)
        object.__setattr__(self, "price_multipliers", mult)
        object.__setattr__(self, "price_overrides", over)
        if self.price_date is not None:
            object.__setattr__(self, "price_date", str(self.price_date))
        d = parse_date(self.as_of, f"{where}: as_of")
        object.__setattr__(self, "as_of", d)
        try:
            check_assume(self.assume)
        except InputError as exc:
            msg = f"{where}: {exc}"
            raise InputError(msg) from None
        ovl = self.overlays
        if isinstance(ovl, str | Path | Mapping):
            ovl = (ovl,)
        if not isinstance(ovl, Sequence | tuple):
            msg = f"{where}: overlays must be a list of paths or mappings, got {type(ovl).__name__}"
            raise InputError(msg)
        for i, o in enumerate(ovl):
            if not isinstance(o, str | Path | Mapping):
                msg = f"{where}: overlays[{i}] must be a path or a mapping, got {type(o).__name__}"
                raise InputError(msg)
        object.__setattr__(self, "overlays", tuple(ovl))
        org = _freeze_mapping(self.origin, f"{where}: origin")
        if "default" in org or "*" in org:
            msg = (
                f"{where}: origin sets elements one by one (a scenario replaces the named elements' "
                "origin in every design); 'default' is not allowed here"
            )
            raise InputError(msg)
        normalise_origin(org, f"{where}: origin")  # validates symbols, labels and shares
        object.__setattr__(self, "origin", org)
        prem = _freeze_mapping(self.origin_premium, f"{where}: origin_premium")
        bad = sorted(map(str, set(prem) - set(_ORIGIN_KINDS)))
        if bad:
            msg = f"{where}: origin_premium: unknown origin(s) {', '.join(bad)}; valid: non-CN, recycled"
            raise InputError(msg)
        for k, v in prem.items():
            prem[k] = number(f"{where}: origin_premium[{k!r}]", v, "price multiplier")
        object.__setattr__(self, "origin_premium", prem)
        object.__setattr__(
            self,
            "volume_factor",
            number(
                f"{where}: volume_factor", self.volume_factor, "multiplier of the designs' volumes"
            ),
        )
        vols = _freeze_mapping(self.volumes, f"{where}: volumes")
        for k, v in vols.items():
            vols[k] = number(f"{where}: volumes[{k!r}]", v, "units per year")
        object.__setattr__(self, "volumes", vols)
        object.__setattr__(
            self, "tags", {str(k): str(v) for k, v in _freeze_mapping(self.tags, "tags").items()}
        )

    # ------------------------------------------------------------------ resolution
    def price_vector(self):
        """The scenario's central price vector (shocks and overrides applied).

        Returns
        -------
        substitute.prices.PriceVector
            USD per kg of contained element; ``derived_from`` lists the shocks.

        Raises
        ------
        PriceError
            Unknown vector, a multiplier on an element the vector has no price for (named).
        """
        from substitute.prices import price_vector

        pv = price_vector(self.prices)
        if self.price_overrides:
            pv = pv.with_prices(self.price_overrides)
        if self.price_multipliers:
            try:
                pv = pv.shock(self.price_multipliers)
            except PriceError as exc:
                msg = f"scenario {self.name!r}: {exc}"
                raise PriceError(msg) from None
        if self.price_date is not None:
            pv = replace(pv, date=self.price_date, table=pv.table.reset_index(drop=True))
        return pv

    def rule_key(self) -> str:
        """A string identifying the rule setting (as_of, assume, overlays) for caching."""
        return json.dumps(
            [
                cast(dt.date, self.as_of).isoformat(),
                self.assume,
                [_overlay_key(o) for o in self.overlays],
            ],
            sort_keys=True,
        )

    def price_key(self) -> str:
        """A string identifying the price setting (vector, shocks, overrides, date, premium)."""
        p = self.prices
        if isinstance(p, Mapping):
            pk: Any = {str(k): float(v) for k, v in p.items()}
        elif hasattr(p, "audit") and hasattr(p, "series"):
            pk = [p.audit(), {k: float(v) for k, v in p.series.dropna().items()}]
        else:
            pk = str(p)
        return json.dumps(
            [
                pk,
                self.price_multipliers,
                self.price_overrides,
                self.price_date,
                self.origin_premium,
            ],
            sort_keys=True,
            default=str,
        )

    def describe(self) -> dict[str, Any]:
        """Plain, JSON-serialisable description (for audit stamps)."""
        p = self.prices
        if isinstance(p, Mapping):
            pd_: Any = {str(k): float(v) for k, v in p.items()}
        elif hasattr(p, "id"):
            pd_ = str(p.id)
        else:
            pd_ = str(p)
        return {
            "name": self.name,
            "prices": pd_,
            "price_multipliers": dict(self.price_multipliers),
            "price_overrides": dict(self.price_overrides),
            "price_date": self.price_date,
            "as_of": cast(dt.date, self.as_of).isoformat(),
            "assume": self.assume,
            "overlays": [_overlay_label(o) for o in self.overlays],
            "origin": json.loads(json.dumps(self.origin, default=str)),
            "origin_premium": dict(self.origin_premium),
            "volume_factor": self.volume_factor,
            "volumes": dict(self.volumes),
            "tags": dict(self.tags),
        }

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any], where: str = "scenario") -> Scenario:
        """Build from a dict (a TOML table); unknown keys are named in the error."""
        unknown = sorted(map(str, set(spec) - set(SCENARIO_FIELDS) - {"tags"}))
        if unknown:
            msg = (
                f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: "
                f"{', '.join(SCENARIO_FIELDS)}"
            )
            raise InputError(msg)
        return cls(**dict(spec))


def _overlay_key(o: Any) -> str:
    if isinstance(o, Mapping):
        return json.dumps(o, sort_keys=True, default=str)
    p = Path(o)
    try:
        return f"{p.resolve()}:{p.stat().st_mtime_ns}"
    except OSError:
        return str(p)


def _overlay_label(o: Any) -> str:
    if isinstance(o, Mapping):
        head = o.get("overlay") if isinstance(o.get("overlay"), Mapping) else None
        if head and head.get("name"):
            return str(head["name"])
        return "<inline overlay>"
    return str(o)


# --------------------------------------------------------------------------------------------- grid
def _level_paths(level: Mapping[str, Any]) -> set[tuple[str, ...]]:
    """The leaves a grid level sets: ``("as_of",)``, ``("price_multipliers", "Tb")`` …"""
    out: set[tuple[str, ...]] = set()
    for k, v in level.items():
        if k in ("label", "name", "overlays"):
            continue
        if k in _MAPPING_FIELDS and isinstance(v, Mapping):
            out.update((k, str(e)) for e in v)
            if not v:
                out.add((k, "<empty>"))
        else:
            out.add((k,))
    return out


def _price_element_conflicts(paths: set[tuple[str, ...]]) -> dict[str, str]:
    """element → field for price settings (an element may be shocked by one field only)."""
    return {
        p[1]: p[0]
        for p in paths
        if len(p) == 2 and p[0] in ("price_multipliers", "price_overrides")
    }


def _expand_level(axis: str, value: Any, i: int) -> dict[str, Any]:
    """A grid level as a dict of scenario fields, from a mapping or a scalar on a field-path axis."""
    if isinstance(value, Mapping):
        level = dict(value)
        unknown = sorted(map(str, set(level) - set(SCENARIO_FIELDS) - {"label"}))
        if unknown:
            msg = (
                f"scenario_grid: axis {axis!r} level {i + 1}: unknown key(s) {', '.join(unknown)}; "
                f"valid keys: label, {', '.join(f for f in SCENARIO_FIELDS if f != 'name')}"
            )
            raise InputError(msg)
        if "name" in level:
            msg = f"scenario_grid: axis {axis!r} level {i + 1}: use 'label', not 'name' (names are built from labels)"
            raise InputError(msg)
        if "label" not in level:
            level["label"] = f"{axis} #{i + 1}"
        return level
    head, _, key = axis.partition(".")
    if head in _MAPPING_FIELDS and key:
        label = f"{key} ×{value:g}" if head == "price_multipliers" else f"{key}={value}"
        if head == "price_overrides":
            label = f"{key} {value:g} USD/kg"
        return {head: {key: value}, "label": label}
    if head in _SCALAR_FIELDS and not key:
        return {head: value, "label": f"{head}={value}"}
    if head == "overlays" and not key:
        vals = value if isinstance(value, list | tuple) else [value]
        return {
            "overlays": list(vals),
            "label": f"overlays={_overlay_label(vals[0]) if vals else 'none'}",
        }
    msg = (
        f"scenario_grid: axis {axis!r} has a plain value ({value!r}); a plain value needs the axis "
        f"to be named by a field ({', '.join(_SCALAR_FIELDS)}) or a field path such as "
        "'price_multipliers.Tb' or 'origin.Dy'; otherwise give each level as a mapping of fields"
    )
    raise InputError(msg)


def scenario_grid(
    axes: Mapping[str, Sequence[Any]],
    base: Scenario | Mapping[str, Any] | None = None,
    *,
    separator: str = " | ",
) -> list[Scenario]:
    """The product of scenario axes: every combination of one level per axis, on top of a base.

    Parameters
    ----------
    axes : mapping axis name → list of levels
        A level is a mapping of :class:`Scenario` fields with an optional ``label``, e.g.
        ``{"label": "rules back 2026-12-01", "as_of": "2026-12-01", "overlays": [...]}``. When the axis is
        named by a field or a field path (``"as_of"``, ``"assume"``, ``"volume_factor"``,
        ``"price_multipliers.Tb"``, ``"origin.Dy"``), levels may be plain values: ``{"price_multipliers.Tb":
        [1, 2, 4]}``.
    base : Scenario or mapping, optional
        Fields every grid point starts from (the levels override them; mapping fields merge by key).
    separator : str, default " | "
        Joins the level labels into the scenario name.

    Returns
    -------
    list of Scenario
        ``prod(len(levels))`` scenarios, the last axis varying fastest; each has ``tags`` axis → label.

    Raises
    ------
    InputError
        An empty axis, duplicate labels on an axis, an unknown field, or **inconsistent axes**: two axes
        that set the same field (or the same element's price through a multiplier on one axis and an
        override on another). ``overlays`` is the one field several axes may set: they are applied in
        axis order.

    Examples
    --------
    >>> grid = scenario_grid({"price_multipliers.Tb": [1, 2, 4],
    ...                       "as_of": ["2026-11-22", "2026-12-01"]})
    >>> len(grid), grid[1].name
    (6, 'Tb ×1 | as_of=2026-12-01')
    """
    if not isinstance(axes, Mapping) or not axes:
        msg = "scenario_grid: axes must be a non-empty mapping of axis name → list of levels"
        raise InputError(msg)
    if base is None:
        base_spec: dict[str, Any] = {}
    elif isinstance(base, Scenario):
        base_spec = {
            f.name: getattr(base, f.name) for f in fields(base) if f.name not in ("name", "tags")
        }
    elif isinstance(base, Mapping):
        base_spec = {k: v for k, v in base.items() if k != "name"}
        Scenario.from_mapping({**base_spec, "name": "base"}, "scenario_grid: base")
    else:
        msg = f"scenario_grid: base must be a Scenario or a mapping, got {type(base).__name__}"
        raise InputError(msg)
    expanded: dict[str, list[dict[str, Any]]] = {}
    for axis, levels in axes.items():
        if isinstance(levels, str | bytes | Mapping) or not isinstance(levels, Sequence):
            msg = f"scenario_grid: axis {axis!r} must be a list of levels, got {type(levels).__name__}"
            raise InputError(msg)
        if len(levels) == 0:
            msg = f"scenario_grid: axis {axis!r} is empty; give at least one level"
            raise InputError(msg)
        lv = [_expand_level(str(axis), v, i) for i, v in enumerate(levels)]
        labels = [str(x["label"]) for x in lv]
        dup = sorted({x for x in labels if labels.count(x) > 1})
        if dup:
            msg = f"scenario_grid: axis {axis!r} has duplicate level label(s) {', '.join(map(repr, dup))}"
            raise InputError(msg)
        expanded[str(axis)] = lv
    # consistency: no field (leaf) set by two axes
    owner: dict[tuple[str, ...], str] = {}
    price_owner: dict[str, tuple[str, str]] = {}
    for axis, lv in expanded.items():
        paths = set().union(*(_level_paths(x) for x in lv))
        for p in sorted(paths):
            if p in owner and owner[p] != axis:
                field_name = ".".join(x for x in p if x != "<empty>")
                msg = (
                    f"scenario_grid: inconsistent axes: {owner[p]!r} and {axis!r} both set "
                    f"{field_name!r}; put these levels on one axis"
                )
                raise InputError(msg)
            owner[p] = axis
        for el, fld in _price_element_conflicts(paths).items():
            if el in price_owner and price_owner[el][0] != axis:
                other_axis, other_field = price_owner[el]
                msg = (
                    f"scenario_grid: inconsistent axes: {other_axis!r} sets {other_field}.{el} and "
                    f"{axis!r} sets {fld}.{el}; one element's price can be shocked by one axis only"
                )
                raise InputError(msg)
            price_owner[el] = (axis, fld)
    out: list[Scenario] = []
    names = list(expanded)
    for combo in itertools.product(*(expanded[a] for a in names)):
        spec = dict(base_spec)
        spec["overlays"] = list(base_spec.get("overlays", ()))
        for level in combo:
            for k, v in level.items():
                if k == "label":
                    continue
                if k == "overlays":
                    spec["overlays"] = [
                        *spec["overlays"],
                        *(v if isinstance(v, list | tuple) else [v]),
                    ]
                elif k in _MAPPING_FIELDS and isinstance(v, Mapping):
                    prior = spec.get(k)
                    spec[k] = {**(dict(prior) if isinstance(prior, Mapping) else {}), **dict(v)}
                else:
                    spec[k] = v
        label = separator.join(str(level["label"]) for level in combo)
        tags = {a: str(level["label"]) for a, level in zip(names, combo, strict=True)}
        out.append(Scenario(name=label, **spec, tags=tags))
    return out
