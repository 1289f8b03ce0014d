"""Design space: levers with ranges and steps, and vectorised generation of NdFeB candidates.

A candidate keeps the baseline's total rare-earth content (TRE, wt%) unless a lever changes it: heavy rare
earths (bulk Dy, Tb, Ho) and Ce/La/Y replace Nd+Pr inside the same TRE, so a candidate is "the same magnet with
a different rare-earth recipe". Minor additions (Co, Cu, Ga, Al, B) are set to the lever value; Fe takes the
balance. Grain-boundary diffusion adds its Tb/Dy on top of the base alloy (it is part of the magnet's mass).

Feedstock origin is a lever per heavy rare earth (``CN``, ``non-CN``, ``recycled``): it does not change the
chemistry but changes price and the China-origin value counted by value-share rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from substitute.composition import Alloy, AlloyBatch
from substitute.errors import InputError

__all__ = ["LEVERS", "DesignSpace", "Lever", "default_space"]

ROUTES = ("sintered", "sintered_gbd", "hot_deformed", "bonded_isotropic")
ORIGINS = ("CN", "non-CN", "recycled")


@dataclass(frozen=True)
class Lever:
    """Definition of one design lever.

    Attributes
    ----------
    name : str
        Lever name as used in study files and output columns.
    unit : str
        Unit of the lever values.
    lo, hi : float
        Physically meaningful range; values outside raise :class:`InputError`.
    description : str
        What the lever does.
    """

    name: str
    unit: str
    lo: float
    hi: float
    description: str


#: The levers a design space may vary. Ranges are the physical limits accepted, not the defaults.
LEVERS: dict[str, Lever] = {
    lv.name: lv
    for lv in (
        Lever("dy_mass_percent", "wt%", 0.0, 12.0, "bulk Dy replacing Nd+Pr at constant TRE"),
        Lever("tb_mass_percent", "wt%", 0.0, 10.0, "bulk Tb replacing Nd+Pr at constant TRE"),
        Lever("ho_mass_percent", "wt%", 0.0, 15.0, "bulk Ho replacing Nd+Pr at constant TRE"),
        Lever("gbd_tb_mass_percent", "wt%", 0.0, 1.5, "Tb added by grain-boundary diffusion"),
        Lever("gbd_dy_mass_percent", "wt%", 0.0, 2.0, "Dy added by grain-boundary diffusion"),
        Lever("ce_share_of_lre", "–", 0.0, 0.6, "mass share of the light rare earths taken by Ce"),
        Lever("la_share_of_lre", "–", 0.0, 0.4, "mass share of the light rare earths taken by La"),
        Lever("y_share_of_lre", "–", 0.0, 0.4, "mass share of the light rare earths taken by Y"),
        Lever("pr_share_of_prnd", "–", 0.0, 1.0, "Pr/(Pr+Nd) by mass"),
        Lever("tre_mass_percent", "wt%", 26.0, 36.0, "total rare earth"),
        Lever("co_mass_percent", "wt%", 0.0, 12.0, "Co (on Fe sites)"),
        Lever("cu_mass_percent", "wt%", 0.0, 1.0, "Cu (grain-boundary additive)"),
        Lever("ga_mass_percent", "wt%", 0.0, 1.0, "Ga (grain-boundary additive)"),
        Lever("al_mass_percent", "wt%", 0.0, 1.5, "Al"),
        Lever("b_mass_percent", "wt%", 0.8, 1.2, "B"),
        Lever("grain_size_um", "µm", 0.1, 15.0, "mean grain size"),
        Lever("thickness_mm", "mm", 0.5, 50.0, "magnet thickness along the diffusion direction"),
    )
}
CATEGORICAL = {
    "route": ROUTES,
    "dy_origin": ORIGINS,
    "tb_origin": ORIGINS,
    "ho_origin": ORIGINS,
}


MAX_LEVER_VALUES = 1000
"""Most values one lever's range may expand to (checked before the grid is built)."""


def _grid(spec: Any, name: str) -> tuple:
    """Values of a lever from a list, a scalar, or ``{"min": a, "max": b, "step": s}``."""
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"min", "max", "step"}
        if unknown or not {"min", "max", "step"} <= set(spec):
            msg = f"lever {name!r}: a range needs exactly the keys min, max, step (got {sorted(spec)})"
            raise InputError(msg)
        lo, hi, step = float(spec["min"]), float(spec["max"]), float(spec["step"])
        if step <= 0 or hi < lo:
            msg = (
                f"lever {name!r}: need max ≥ min and step > 0 (got min={lo}, max={hi}, step={step})"
            )
            raise InputError(msg)
        if not all(np.isfinite(v) for v in (lo, hi, step)):
            msg = (
                f"lever {name!r}: min, max and step must be finite numbers (got {lo}, {hi}, {step})"
            )
            raise InputError(msg)
        count = (hi - lo) / step + 1
        if count > MAX_LEVER_VALUES:
            msg = (
                f"lever {name!r}: min={lo:g}, max={hi:g}, step={step:g} gives {count:,.0f} values; at most "
                f"{MAX_LEVER_VALUES:,} per lever — use a coarser step"
            )
            raise InputError(msg)
        n = int(np.floor((hi - lo) / step + 1e-9)) + 1
        return tuple(np.round(lo + step * np.arange(n), 10).tolist())
    if isinstance(spec, str) or not isinstance(spec, Sequence):
        return (spec,)
    if len(spec) == 0:
        msg = f"lever {name!r} has no values"
        raise InputError(msg)
    return tuple(spec)


@dataclass(frozen=True)
class DesignSpace:
    """Levers and their values; the candidate set is their full factorial product.

    Parameters
    ----------
    levers : mapping
        Lever name → values (list, scalar, or ``{"min", "max", "step"}``). Numeric levers are listed in
        :data:`LEVERS`; categorical levers are ``route`` (``sintered``, ``sintered_gbd``, ``hot_deformed``,
        ``bonded_isotropic``) and ``dy_origin``/``tb_origin``/``ho_origin`` (``CN``, ``non-CN``,
        ``recycled``). Levers not given keep the baseline's value.
    families : sequence of str
        Other magnet families evaluated as whole-magnet alternatives (e.g. ``"sintered_sm2co17"``,
        ``"ferrite"``, ``"smfen_bonded"``); names follow the property model's routes.
    """

    levers: Mapping[str, Any] = field(default_factory=dict)
    families: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        grids: dict[str, tuple] = {}
        for name, spec in self.levers.items():
            if name in LEVERS:
                vals = _grid(spec, name)
                lv = LEVERS[name]
                try:
                    arr = np.asarray(vals, dtype=float)
                except (TypeError, ValueError, OverflowError) as exc:
                    msg = f"lever {name!r}: values must be numbers ({lv.unit}), got {list(vals)}"
                    raise InputError(msg) from exc
                bad = arr[(arr < lv.lo - 1e-12) | (arr > lv.hi + 1e-12) | ~np.isfinite(arr)]
                if bad.size:
                    msg = (
                        f"lever {name!r} value {bad[0]:g} {lv.unit} is outside its physical range "
                        f"{lv.lo:g}–{lv.hi:g} {lv.unit} ({lv.description})"
                    )
                    raise InputError(msg)
                grids[name] = tuple(float(v) for v in arr)
            elif name in CATEGORICAL:
                vals = _grid(spec, name)
                bad_c = [v for v in vals if v not in CATEGORICAL[name]]
                if bad_c:
                    msg = (
                        f"lever {name!r}: {bad_c[0]!r} is not one of {', '.join(CATEGORICAL[name])}"
                    )
                    raise InputError(msg)
                grids[name] = tuple(vals)
            else:
                valid = ", ".join([*LEVERS, *CATEGORICAL])
                msg = f"unknown lever {name!r}; valid levers: {valid}"
                raise InputError(msg)
        fams = list(self.families)
        dup = sorted({f for f in fams if fams.count(f) > 1})
        if dup:
            msg = f"families listed twice: {', '.join(dup)}; list each once"
            raise InputError(msg)
        object.__setattr__(self, "_grids", grids)

    @property
    def grids(self) -> dict[str, tuple]:
        """Lever name → tuple of values."""
        return dict(self._grids)  # type: ignore[attr-defined]

    @property
    def size(self) -> int:
        """Number of NdFeB candidates (product of the lever grid sizes)."""
        return (
            int(np.prod([len(v) for v in self.grids.values()], dtype=np.int64)) if self.grids else 1
        )

    def narrow(self, **levers: Any) -> DesignSpace:
        """A copy with some levers replaced (``space.narrow(route=["sintered_gbd"])``)."""
        return DesignSpace({**self.levers, **levers}, self.families)

    def lever_table(self) -> pd.DataFrame:
        """One row per candidate with the value of every lever (full factorial, vectorised)."""
        grids = self.grids
        if not grids:
            return pd.DataFrame(index=pd.RangeIndex(1))
        sizes = [len(v) for v in grids.values()]
        n = int(np.prod(sizes, dtype=np.int64))
        idx = np.indices(sizes, dtype=np.int32).reshape(len(sizes), n) if n <= 5_000_000 else None
        if idx is None:
            msg = f"design space has {n:,} candidates; narrow it below 5,000,000"
            raise InputError(msg)
        cols = {}
        for j, (name, vals) in enumerate(grids.items()):
            if name in CATEGORICAL:
                cats = list(CATEGORICAL[name])
                lut = np.array([cats.index(v) for v in vals])
                cols[name] = pd.Categorical.from_codes(
                    lut[idx[j]], categories=pd.Index(cats, dtype=object)
                )
            else:
                cols[name] = np.asarray(vals, dtype=float)[idx[j]]
        df = pd.DataFrame(cols, copy=False)
        return df


def baseline_levers(alloy: Alloy) -> dict[str, float]:
    """Lever values that describe a baseline alloy (the starting point of every candidate)."""
    w = {e: float(v) for e, v in alloy.mass_percent.items()}
    lre = sum(w.get(e, 0.0) for e in ("Nd", "Pr", "Ce", "La", "Y"))
    prnd = w.get("Nd", 0.0) + w.get("Pr", 0.0)
    return {
        "dy_mass_percent": w.get("Dy", 0.0),
        "tb_mass_percent": w.get("Tb", 0.0),
        "ho_mass_percent": w.get("Ho", 0.0),
        "gbd_tb_mass_percent": 0.0,
        "gbd_dy_mass_percent": 0.0,
        "ce_share_of_lre": w.get("Ce", 0.0) / lre if lre else 0.0,
        "la_share_of_lre": w.get("La", 0.0) / lre if lre else 0.0,
        "y_share_of_lre": w.get("Y", 0.0) / lre if lre else 0.0,
        "pr_share_of_prnd": w.get("Pr", 0.0) / prnd if prnd else 0.0,
        "tre_mass_percent": lre
        + w.get("Dy", 0.0)
        + w.get("Tb", 0.0)
        + w.get("Ho", 0.0)
        + w.get("Gd", 0.0),
        "co_mass_percent": w.get("Co", 0.0),
        "cu_mass_percent": w.get("Cu", 0.0),
        "ga_mass_percent": w.get("Ga", 0.0),
        "al_mass_percent": w.get("Al", 0.0),
        "b_mass_percent": w.get("B", 0.0),
    }


_OTHER_KEEP = (
    "Gd",
    "Zr",
    "Nb",
    "Ti",
    "Si",
    "Mn",
    "Ni",
    "V",
    "Cr",
    "Mo",
    "W",
    "Sn",
    "Zn",
    "O",
    "C",
    "N",
)


def build_alloys(levers: pd.DataFrame, baseline: Alloy) -> AlloyBatch:
    """Candidate base alloys (before diffusion) from a lever table, vectorised.

    Levers missing from the table take the baseline's value. Heavy rare earths and Ce/La/Y replace Nd+Pr
    inside the total rare earth; Fe is the balance; elements of the baseline that no lever touches
    (e.g. Zr, Gd) are kept at their baseline mass fraction.

    Raises
    ------
    InputError
        If a lever combination leaves no Nd+Pr (heavy rare earths exceed the TRE) or Fe below zero.
    """
    base = baseline_levers(baseline)
    n = len(levers)

    def col(name: str) -> np.ndarray:
        if name in levers:
            return levers[name].to_numpy(dtype=float)
        return np.full(n, base[name])

    tre = col("tre_mass_percent")
    hre = col("dy_mass_percent") + col("tb_mass_percent") + col("ho_mass_percent")
    kept = {
        e: float(baseline.mass_percent.get(e, 0.0)) for e in _OTHER_KEEP if e in baseline.elements
    }
    lre = tre - hre - kept.get("Gd", 0.0)
    bad = np.flatnonzero(lre <= 0)
    if bad.size:
        i = int(bad[0])
        msg = (
            f"candidate {i}: heavy rare earths ({hre[i]:g} wt%) leave no light rare earth inside "
            f"TRE {tre[i]:g} wt%; lower the HRE levers or raise tre_mass_percent"
        )
        raise InputError(msg)
    ce, la, y = col("ce_share_of_lre"), col("la_share_of_lre"), col("y_share_of_lre")
    sub = ce + la + y
    if np.any(sub > 1 + 1e-12):
        i = int(np.flatnonzero(sub > 1 + 1e-12)[0])
        msg = f"candidate {i}: Ce+La+Y shares of the light rare earths sum to {sub[i]:g} > 1"
        raise InputError(msg)
    prnd = lre * (1 - sub)
    pr = col("pr_share_of_prnd")
    cols = {
        "Nd": prnd * (1 - pr),
        "Pr": prnd * pr,
        "Ce": lre * ce,
        "La": lre * la,
        "Y": lre * y,
        "Dy": col("dy_mass_percent"),
        "Tb": col("tb_mass_percent"),
        "Ho": col("ho_mass_percent"),
        "Co": col("co_mass_percent"),
        "Cu": col("cu_mass_percent"),
        "Ga": col("ga_mass_percent"),
        "Al": col("al_mass_percent"),
        "B": col("b_mass_percent"),
        **{e: np.full(n, v) for e, v in kept.items()},
    }
    cols = {e: v / 100.0 for e, v in cols.items() if np.any(v > 0)}
    fe = 1.0 - sum(cols.values())
    if np.any(fe <= 0):
        i = int(np.flatnonzero(fe <= 0)[0])
        msg = f"candidate {i}: additions leave no Fe (balance {fe[i] * 100:.3g} wt%)"
        raise InputError(msg)
    return AlloyBatch.from_mass_fractions(cols, balance="Fe")


def default_space(baseline: Alloy, route: str = "sintered") -> DesignSpace:
    """A sensible design space around a sintered NdFeB baseline (about 10⁴–10⁵ candidates).

    Heavy rare earths from zero to the baseline's level (bulk Dy, bulk Tb, Tb or Dy GBD), Ho and Ce as
    substitutes, Co for Curie temperature, the four NdFeB routes and the feedstock origin of Dy and Tb.
    """
    b = baseline_levers(baseline)
    dy_hi = max(b["dy_mass_percent"], 1.0)
    dy = sorted({0.0, *np.round(np.linspace(0, dy_hi, 5), 2).tolist()})
    return DesignSpace(
        {
            "dy_mass_percent": dy,
            "tb_mass_percent": [0.0, 0.5, 1.0],
            "ho_mass_percent": [0.0, 2.0],
            "gbd_tb_mass_percent": [0.0, 0.3, 0.5, 0.8],
            "gbd_dy_mass_percent": [0.0, 0.5],
            "ce_share_of_lre": [0.0, 0.1, 0.2],
            "co_mass_percent": sorted({b["co_mass_percent"], 2.0}),
            "grain_size_um": [1.5, 3.0, 5.0],
            "route": ["sintered", "hot_deformed"],
            "dy_origin": ["CN", "non-CN"],
            "tb_origin": ["CN", "non-CN"],
        },
        families=("sm2co17", "smco5", "ferrite", "smfen_bonded"),
    )


_LABELS = {
    "dy_mass_percent": ("bulk Dy", "wt%"),
    "tb_mass_percent": ("bulk Tb", "wt%"),
    "ho_mass_percent": ("bulk Ho", "wt%"),
    "gbd_tb_mass_percent": ("Tb by GBD", "wt%"),
    "gbd_dy_mass_percent": ("Dy by GBD", "wt%"),
    "ce_share_of_lre": ("Ce share of LRE", ""),
    "la_share_of_lre": ("La share of LRE", ""),
    "y_share_of_lre": ("Y share of LRE", ""),
    "pr_share_of_prnd": ("Pr/(Pr+Nd)", ""),
    "tre_mass_percent": ("TRE", "wt%"),
    "co_mass_percent": ("Co", "wt%"),
    "cu_mass_percent": ("Cu", "wt%"),
    "ga_mass_percent": ("Ga", "wt%"),
    "al_mass_percent": ("Al", "wt%"),
    "b_mass_percent": ("B", "wt%"),
    "grain_size_um": ("grain size", "µm"),
    "thickness_mm": ("thickness", "mm"),
}


def changed_levers(levers: pd.DataFrame, baseline: Mapping[str, Any]) -> pd.Series:
    """Plain description of the levers that differ from the baseline, one string per candidate.

    E.g. ``"bulk Dy 3→0 wt%, Dy by GBD 0→0.5 wt%, Dy from non-CN"``. Vectorised per lever; meant for the
    ranked head of a table (thousands of rows), not for millions.
    """
    parts = []
    for name in levers.columns:
        ref = baseline.get(name)
        if ref is None:
            continue
        vals = levers[name]
        if name in CATEGORICAL:
            diff = (vals.astype(str) != str(ref)).to_numpy() & vals.notna().to_numpy()
            if name == "route":
                text = "route " + vals.astype(str)
            else:
                text = name[:2].capitalize() + " from " + vals.astype(str)
        else:
            v = vals.to_numpy(dtype=float)
            diff = ~np.isclose(v, float(ref), rtol=0, atol=1e-9) & np.isfinite(v)
            label, unit = _LABELS.get(name, (name, ""))
            text = pd.Series(
                [f"{label} {float(ref):.3g}→{x:.3g}{(' ' + unit) if unit else ''}" for x in v],
                index=vals.index,
            )
        parts.append(text.where(diff, ""))
    if not parts:
        return pd.Series([""] * len(levers), index=levers.index)
    table = pd.concat(parts, axis=1).astype(object).fillna("")
    return table.apply(lambda r: ", ".join(x for x in r if x), axis=1)


# representative chemistries of the other magnet families (formula → composition, atomic basis)
