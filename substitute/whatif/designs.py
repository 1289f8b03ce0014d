"""Designs: a named magnet in a product, with its route, masses, value, origin and annual volume.

A :class:`Design` is what a procurement analyst buys: an alloy (bulk composition, mass basis) made by a
route, ``magnet_mass_kg`` of it in each unit of a product worth ``assembly_value_usd``, bought from
sources of a given origin, ``annual_volume_units_per_year`` units a year. :func:`designs_from_ranking`
turns the top rows of a ranking into designs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np

from substitute.arrays import number
from substitute.composition import Alloy, AlloyBatch
from substitute.errors import InputError

__all__ = ["DESIGN_FIELDS", "Design", "designs_from_ranking"]

DESIGN_FIELDS = (
    "name",
    "alloy",
    "annual_volume_units_per_year",
    "route",
    "magnet_mass_kg",
    "assembly_value_usd",
    "part_value_usd",
    "origin",
    "made_in",
    "grain_size_um",
    "gbd_element",
    "gbd_mass_percent",
    "thickness_mm",
    "br_factor",
)


@dataclass(frozen=True)
class Design:
    """A magnet design in a product, bought at an annual volume.

    Parameters
    ----------
    name : str
        Label (unique within a run).
    alloy : Alloy
        Whole-magnet composition (mass fractions), including any Tb/Dy added by grain-boundary diffusion
        — the convention of :func:`substitute.predict` and the ranking. :meth:`from_base` adds the
        diffused amount to a base alloy for you.
    annual_volume_units_per_year : float
        Units of the product per year (≥ 0).
    route : str, default "sintered"
        Processing route (``sintered``, ``sintered_gbd``, ``hot_deformed``, ``bonded_isotropic`` or another
        family of :data:`substitute.properties.ROUTES`).
    magnet_mass_kg : float, default 1.6
        Magnet mass per unit, kg (> 0).
    assembly_value_usd : float, default 4200
        Value of one unit of the product, USD (> 0): the denominator of assembly-level value shares.
    part_value_usd : float, optional
        Value of the part holding the magnet, USD (for part-level conditions).
    origin : str or mapping, default "unknown"
        Origin of the elements (``"CN"``, ``"non-CN"``, ``"recycled"``, ``"unknown"`` or shares per element,
        with an optional ``"default"``); unknown counts as China-origin. A scenario's ``origin`` replaces
        the named elements.
    made_in : {"non-CN", "CN", "unknown"}, default "non-CN"
        Where the magnet is made: No. 18/57 control exports *from* China, No. 61 limb 1(1) foreign-made
        items.
    grain_size_um : float, default 5.0
        Mean grain size, µm.
    gbd_element : str, optional
        Element diffused along grain boundaries, ``"Tb"`` or ``"Dy"`` (route ``sintered_gbd``).
    gbd_mass_percent : float, default 0
        Diffused amount, wt% of the finished magnet (already inside ``alloy``).
    thickness_mm : float, default 5.0
        Magnet thickness along the diffusion direction, mm.
    br_factor : float, optional
        Density × alignment of a sintered magnet (Br = Js·f(2:14:1)·br_factor, 0.5–1; evidence
        0.79–0.97); default the route's 0.965, for a ``grade`` in a designs file the grade's own.

    Raises
    ------
    InputError
        Empty name, non-positive mass or value, negative volume, GBD settings on another route, a GBD
        amount larger than the alloy's content of the element, unknown route or origin labels.
    """

    name: str
    alloy: Alloy
    _: KW_ONLY
    annual_volume_units_per_year: float
    route: str = "sintered"
    magnet_mass_kg: float = 1.6
    assembly_value_usd: float = 4200.0
    part_value_usd: float | None = None
    origin: Any = "unknown"
    made_in: str = "non-CN"
    grain_size_um: float = 5.0
    gbd_element: str | None = None
    gbd_mass_percent: float = 0.0
    thickness_mm: float = 5.0
    br_factor: float | None = None

    def __post_init__(self) -> None:
        from substitute.compliance.bom import normalise_origin
        from substitute.properties import ROUTES

        if not isinstance(self.name, str) or not self.name.strip():
            msg = f"design name must be a non-empty string, got {self.name!r}"
            raise InputError(msg)
        where = f"design {self.name!r}"
        if not isinstance(self.alloy, AlloyBatch) or len(self.alloy) != 1:
            msg = f"{where}: alloy must be one Alloy (parse text with Alloy.parse(text, basis=...))"
            raise InputError(msg)
        if not isinstance(self.alloy, Alloy):
            object.__setattr__(self, "alloy", self.alloy[0])
        object.__setattr__(
            self,
            "annual_volume_units_per_year",
            number(
                f"{where}: annual_volume_units_per_year",
                self.annual_volume_units_per_year,
                "units per year",
            ),
        )
        if self.route not in ROUTES:
            msg = f"{where}: route {self.route!r} is not known; valid: {', '.join(ROUTES)}"
            raise InputError(msg)
        for f, unit in (
            ("magnet_mass_kg", "kg"),
            ("assembly_value_usd", "USD"),
            ("grain_size_um", "µm"),
            ("thickness_mm", "mm"),
        ):
            object.__setattr__(
                self, f, number(f"{where}: {f}", getattr(self, f), unit, lo_open=True)
            )
        if self.part_value_usd is not None:
            pv = number(f"{where}: part_value_usd", self.part_value_usd, "USD", lo_open=True)
            if pv > self.assembly_value_usd:
                msg = f"{where}: part_value_usd ({pv:g}) exceeds assembly_value_usd ({self.assembly_value_usd:g})"
                raise InputError(msg)
            object.__setattr__(self, "part_value_usd", pv)
        if self.br_factor is not None:
            bf = number(
                f"{where}: br_factor", self.br_factor, "(density × alignment)", lo_open=True
            )
            if bf > 1.0 or bf < 0.5 or self.route not in ("sintered", "sintered_gbd"):
                msg = (
                    f"{where}: br_factor {bf:g} must be in 0.5-1 (density × alignment; sintered evidence "
                    f"0.79-0.97) on route 'sintered' or 'sintered_gbd' (got route {self.route!r})"
                )
                raise InputError(msg)
            object.__setattr__(self, "br_factor", bf)
        if self.made_in not in ("CN", "non-CN", "unknown"):
            msg = f"{where}: made_in {self.made_in!r}; valid: 'CN', 'non-CN', 'unknown'"
            raise InputError(msg)
        normalise_origin(self.origin, f"{where}: origin")
        g = number(f"{where}: gbd_mass_percent", self.gbd_mass_percent, "wt%")
        object.__setattr__(self, "gbd_mass_percent", g)
        if self.route == "sintered_gbd":
            if self.gbd_element not in ("Tb", "Dy") or g <= 0:
                msg = (
                    f"{where}: route 'sintered_gbd' needs gbd_element 'Tb' or 'Dy' and "
                    f"gbd_mass_percent > 0 (got {self.gbd_element!r}, {g:g})"
                )
                raise InputError(msg)
            have = 100.0 * float(self.alloy.get_mass_fraction(self.gbd_element)[0])
            if g > have + 1e-9:
                msg = (
                    f"{where}: gbd_mass_percent {g:g} wt% of {self.gbd_element} but the alloy holds "
                    f"{have:.4g} wt%; the alloy is the whole magnet (after diffusion) — build it with "
                    "Design.from_base(name, base_alloy, gbd_element=..., gbd_mass_percent=...)"
                )
                raise InputError(msg)
        elif self.gbd_element is not None or g > 0:
            msg = (
                f"{where}: gbd_element/gbd_mass_percent are only for route 'sintered_gbd' "
                f"(route is {self.route!r})"
            )
            raise InputError(msg)

    @property
    def magnet(self) -> AlloyBatch:
        """Whole-magnet composition, a batch of one, mass basis (named after the design)."""
        return AlloyBatch(self.alloy.mass_array, self.alloy.elements, [self.name])

    @classmethod
    def from_base(
        cls,
        name: str,
        base: Alloy,
        *,
        gbd_element: str,
        gbd_mass_percent: float,
        **kwargs: Any,
    ) -> Design:
        """A grain-boundary-diffused design from its base alloy (before diffusion).

        The whole magnet is the base alloy scaled by ``1 − g`` plus ``g`` of ``gbd_element``, with
        ``g = gbd_mass_percent / 100`` (wt% of the finished magnet, the ranking's convention).
        """
        g = number(f"design {name!r}: gbd_mass_percent", gbd_mass_percent, "wt%", lo_open=True)
        if g >= 100:
            msg = f"design {name!r}: gbd_mass_percent must be below 100 wt%, got {g:g}"
            raise InputError(msg)
        if gbd_element not in ("Tb", "Dy"):
            msg = f"design {name!r}: gbd_element must be 'Tb' or 'Dy', got {gbd_element!r}"
            raise InputError(msg)
        kwargs.setdefault("route", "sintered_gbd")
        return cls(
            name,
            _whole_magnet(base, gbd_element, g, name),
            gbd_element=gbd_element,
            gbd_mass_percent=g,
            **kwargs,
        )

    def describe(self) -> dict[str, Any]:
        """Plain description (JSON-serialisable) for audit stamps."""
        return {
            "name": self.name,
            "composition_wt_pct": self.alloy.to_string(basis="mass", decimals=4),
            "route": self.route,
            "gbd": f"{self.gbd_element} {self.gbd_mass_percent:g} wt%" if self.gbd_element else "",
            "grain_size_um": self.grain_size_um,
            "magnet_mass_kg": self.magnet_mass_kg,
            "assembly_value_usd": self.assembly_value_usd,
            "annual_volume_units_per_year": self.annual_volume_units_per_year,
            "made_in": self.made_in,
            "origin": self.origin if isinstance(self.origin, str) else dict(self.origin),
        }

    @classmethod
    def from_mapping(cls, spec: Mapping[str, Any], where: str = "design") -> Design:
        """Build from a study-file table.

        The alloy is ``composition`` (whole magnet) or ``base_composition`` (before diffusion; with
        ``gbd_element`` and ``gbd_mass_percent`` the diffused amount is added), each with ``basis``
        (``"mass"`` for wt%, ``"atomic"`` for at%), or a ``grade`` name; other keys are the fields above.
        """
        spec = dict(spec)
        allowed = set(DESIGN_FIELDS) - {"alloy"} | {
            "composition",
            "base_composition",
            "basis",
            "grade",
        }
        unknown = sorted(map(str, set(spec) - allowed))
        if unknown:
            msg = f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(allowed))}"
            raise InputError(msg)
        if "name" not in spec:
            msg = f"{where}: 'name' is required"
            raise InputError(msg)
        name = str(spec["name"])
        if "annual_volume_units_per_year" not in spec:
            msg = f"{where} ({name!r}): 'annual_volume_units_per_year' is required"
            raise InputError(msg)
        given = [k for k in ("composition", "base_composition", "grade") if k in spec]
        if len(given) != 1:
            msg = (
                f"{where} ({name!r}): give exactly one of 'composition' (whole magnet), "
                f"'base_composition' (before diffusion) or 'grade' (got {', '.join(given) or 'none'})"
            )
            raise InputError(msg)
        basis = spec.pop("basis", None)
        if given[0] in ("composition", "base_composition"):
            if basis is None:
                msg = f"{where} ({name!r}): 'basis' is required with '{given[0]}' ('mass' for wt%, 'atomic' for at%)"
                raise InputError(msg)
            alloy = Alloy.parse(str(spec.pop(given[0])), basis=basis, name=name)
        else:
            from substitute.properties.grades import typical_chemistry

            route = spec.get("route", "sintered")
            alloy, info = typical_chemistry(
                str(spec.pop("grade")),
                route="sintered" if route == "sintered_gbd" else route,
                return_info=True,
            )
            if "br_factor" in info and "br_factor" not in spec:
                spec["br_factor"] = info["br_factor"]
        if given[0] == "base_composition":
            spec.pop("name")
            return cls.from_base(
                name,
                alloy,
                gbd_element=spec.pop("gbd_element", None),
                gbd_mass_percent=spec.pop("gbd_mass_percent", 0.0),
                **spec,
            )
        return cls(alloy=alloy, **spec)


def _whole_magnet(alloy: Alloy, element: str, amount_pct: float, name: str) -> Alloy:
    """Base alloy scaled by ``1 − g`` plus ``g`` of the diffused element (``g`` = wt% / 100)."""
    g = amount_pct / 100.0
    els = list(alloy.elements) + ([element] if element not in alloy.elements else [])
    w = np.zeros(len(els))
    w[: len(alloy.elements)] = alloy.mass_array[0] * (1.0 - g)
    w[els.index(element)] += g
    return Alloy(w, els, name=name)


def designs_from_ranking(
    result: Any,
    *,
    top: int = 3,
    annual_volume_units_per_year: float | Sequence[float],
    assembly_value_usd: float = 4200.0,
    qualifying_only: bool = True,
    origin_default: str = "unknown",
    made_in: str = "non-CN",
) -> list[Design]:
    """Designs from the top rows of a ranking (a :class:`~substitute.ranking.rank.RankResult`).

    Each row's magnet comes from :meth:`RankResult.candidate` (whole-magnet composition, route, grain
    size, GBD settings, Dy/Tb/Ho origin); its magnet mass from the row.

    Parameters
    ----------
    result : RankResult
        Output of :func:`substitute.rank_substitutes`.
    top : int, default 3
        How many rows from the top (qualifying rows only, by default).
    annual_volume_units_per_year : float or sequence
        Annual volume per design (one value for all, or one per design), units per year.
    assembly_value_usd : float, default 4200
        Value of one unit of the product, USD.
    qualifying_only : bool, default True
        Take only rows with ``qualifies``.
    origin_default : str, default "unknown"
        Origin of the elements other than Dy/Tb/Ho (unknown counts as China-origin).
    made_in : str, default "non-CN"
        Where the magnets are made.

    Returns
    -------
    list of Design
        Named ``"rank <order>: <changed levers>"``.

    Raises
    ------
    InputError
        Not a RankResult, no rows to take, a wrong number of volumes.
    """
    if not (hasattr(result, "table") and hasattr(result, "candidate")):
        msg = (
            "designs_from_ranking: expected a RankResult from rank_substitutes (its table alone holds "
            f"levers, not compositions), got {type(result).__name__}"
        )
        raise InputError(msg)
    if int(top) != top or top < 1:
        msg = f"designs_from_ranking: top must be an integer >= 1, got {top!r}"
        raise InputError(msg)
    table = result.table
    pos = (
        np.flatnonzero(table["qualifies"].to_numpy()) if qualifying_only else np.arange(len(table))
    )
    pos = pos[: int(top)]
    if not pos.size:
        msg = "designs_from_ranking: the ranking has no (qualifying) rows to take"
        raise InputError(msg)
    if np.ndim(annual_volume_units_per_year) and len(annual_volume_units_per_year) != pos.size:  # type: ignore[arg-type]
        msg = f"designs_from_ranking: {len(annual_volume_units_per_year)} volumes for {pos.size} designs"  # type: ignore[arg-type]
        raise InputError(msg)
    vols = np.broadcast_to(np.asarray(annual_volume_units_per_year, dtype=float), (pos.size,))
    out: list[Design] = []
    for k, i in enumerate(pos):  # a handful of rows
        row = table.iloc[int(i)]
        cand = result.candidate(int(i))
        label = str(row.get("changed_levers") or "") or "baseline recipe"
        name = f"rank {int(row.get('order', k + 1))}: {label} ({cand['route']})"
        rp = dict(cand["route_params"])
        out.append(
            Design(
                name,
                cand["alloy"],
                annual_volume_units_per_year=float(vols[k]),
                route=cand["route"],
                magnet_mass_kg=float(row.get("magnet_mass_kg", 1.6)),
                assembly_value_usd=assembly_value_usd,
                origin={"default": origin_default, **cand["origin"]},
                made_in=made_in,
                grain_size_um=float(rp.get("grain_size_um", 5.0)),
                gbd_element=rp.get("gbd_element") or None,
                gbd_mass_percent=float(rp.get("gbd_mass_percent", 0.0)),
                thickness_mm=float(rp.get("thickness_mm", 5.0)),
                br_factor=rp.get("br_factor"),
            )
        )
    return out
