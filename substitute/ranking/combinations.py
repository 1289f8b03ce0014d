"""Has this combination of levers ever been made? Evidence per candidate beyond the single levers.

The property model adds lever effects measured one at a time. A candidate that combines several — Tb
grain-boundary diffusion on a magnet with 1.5 µm grains and 2 wt% Co, say — is a prediction about a magnet
nobody may have made. This module reads the calibration sources (``datasets/calibration/``: measured
magnets and within-source paired effects) for the combinations of levers each row shows, and tells per
candidate how many sources show all of its levers together, with one citation, or that none does.

Levers recognised (a row shows one when its composition, route or recorded parameters say so):

* ``GBD`` — grain-boundary-diffused Tb or Dy (route ``sintered_gbd``, a GBD element, a GBD pair);
* ``fine grains`` — mean grain size below 3 µm;
* ``Co ≥ 1.5 wt%``; ``Ce``; ``Ho``; ``bulk Dy/Tb`` (in the alloy, not diffused);
* ``hot-deformed`` — route ``hot_deformed`` (or a GBD pair on a hot-deformed base).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FLAGS", "candidate_flags", "combination_evidence"]

FLAGS: tuple[str, ...] = (
    "GBD",
    "fine grains",
    "Co ≥ 1.5 wt%",
    "Ce",
    "Ho",
    "bulk Dy/Tb",
    "hot-deformed",
)
_BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
FINE_GRAIN_UM = 3.0
CO_HIGH_WT = 1.5


def _alloy_bits(alloy: Any) -> int:
    if alloy is None:
        return 0
    w = dict(zip(alloy.elements, alloy.mass_array[0] * 100, strict=True))
    bits = 0
    if w.get("Co", 0.0) >= CO_HIGH_WT:
        bits |= _BIT["Co ≥ 1.5 wt%"]
    if w.get("Ce", 0.0) > 0:
        bits |= _BIT["Ce"]
    if w.get("Ho", 0.0) > 0:
        bits |= _BIT["Ho"]
    if w.get("Dy", 0.0) > 0 or w.get("Tb", 0.0) > 0:
        bits |= _BIT["bulk Dy/Tb"]
    return bits


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


@cache
def _demonstrated() -> pd.DataFrame:
    """One row per calibration row or pair state: ``bits`` (levers shown), ``source``, ``citation``."""
    from substitute.properties import evidence as ev

    rows: list[dict[str, Any]] = []
    m = ev.magnets()
    for r in m.to_dict(orient="records"):
        if ev.is_excluded(r):
            continue
        bits = _alloy_bits(ev.parse_composition(r.get("composition"), r.get("composition_basis")))
        route = str(r.get("route", ""))
        gbd = route == "sintered_gbd" or (
            isinstance(r.get("gbd_element"), str) and r["gbd_element"] in ("Tb", "Dy")
        )
        if gbd:
            # a diffused magnet's composition includes the diffused Dy/Tb: bulk and diffused HRE cannot
            # be told apart, so the row does not count as showing bulk Dy/Tb
            bits = (bits | _BIT["GBD"]) & ~_BIT["bulk Dy/Tb"]
        if route == "hot_deformed":
            bits |= _BIT["hot-deformed"]
        if _num(r.get("grain_size_um")) < FINE_GRAIN_UM:
            bits |= _BIT["fine grains"]
        rows.append({"bits": bits, "source": r["source_id"], "citation": str(r.get("source", ""))})
    p = ev.pairs()
    for r in p.to_dict(orient="records"):
        if ev.is_excluded(r):
            continue
        base = _alloy_bits(
            ev.parse_composition(r.get("base_composition"), r.get("base_composition_basis"))
        )
        route = str(r.get("route", ""))
        if route == "hot_deformed":
            base |= _BIT["hot-deformed"]
        if _num(r.get("grain_size_um")) < FINE_GRAIN_UM:
            base |= _BIT["fine grains"]
        lever = str(r.get("lever", ""))
        changed = base
        if lever in ("tb_gbd", "dy_gbd"):
            changed |= _BIT["GBD"]
        elif lever == "hd_gbd":
            changed |= _BIT["GBD"] | _BIT["hot-deformed"]
        elif lever == "co":
            changed |= _BIT["Co ≥ 1.5 wt%"]
        elif lever == "ce":
            changed |= _BIT["Ce"]
        elif lever == "ho_bulk":
            changed |= _BIT["Ho"]
        elif lever in ("dy_bulk", "tb_bulk"):
            changed |= _BIT["bulk Dy/Tb"]
        elif lever == "grain_size":
            changed |= _BIT["fine grains"]
        for bits in (base, changed):
            rows.append(
                {"bits": bits, "source": r["source_id"], "citation": str(r.get("source", ""))}
            )
    return pd.DataFrame(rows, columns=["bits", "source", "citation"])


def candidate_flags(table: pd.DataFrame) -> np.ndarray:
    """Bit mask of the :data:`FLAGS` levers each candidate of a ranking table uses."""
    n = len(table)

    def col(name: str) -> np.ndarray:
        return (
            pd.to_numeric(table[name], errors="coerce").fillna(0.0).to_numpy(dtype=float)
            if name in table
            else np.zeros(n)
        )

    if "route" in table:
        r = table["route"]
        cat = r.array if isinstance(r.dtype, pd.CategoricalDtype) else pd.Categorical(r.astype(str))
        hd = np.asarray(cat.categories == "hot_deformed")[cat.codes] & (cat.codes >= 0)
    else:
        hd = np.zeros(n, dtype=bool)
    bits = np.zeros(n, dtype=np.int64)
    gbd = (col("lever_gbd_tb_mass_percent") > 0) | (col("lever_gbd_dy_mass_percent") > 0)
    bits |= np.where(gbd, _BIT["GBD"], 0)
    grain = (
        pd.to_numeric(table["lever_grain_size_um"], errors="coerce").to_numpy(dtype=float)
        if "lever_grain_size_um" in table
        else np.full(n, np.nan)
    )
    bits |= np.where(grain < FINE_GRAIN_UM, _BIT["fine grains"], 0)
    bits |= np.where(col("lever_co_mass_percent") >= CO_HIGH_WT, _BIT["Co ≥ 1.5 wt%"], 0)
    bits |= np.where(col("lever_ce_share_of_lre") > 0, _BIT["Ce"], 0)
    bits |= np.where(col("lever_ho_mass_percent") > 0, _BIT["Ho"], 0)
    bulk = (col("lever_dy_mass_percent") > 0) | (col("lever_tb_mass_percent") > 0)
    bits |= np.where(bulk, _BIT["bulk Dy/Tb"], 0)
    bits |= np.where(hd, _BIT["hot-deformed"], 0)
    return bits


def _names(bits: int) -> list[str]:
    return [name for name in FLAGS if bits & _BIT[name]]


def combination_evidence(table: pd.DataFrame) -> pd.DataFrame:
    """Per candidate: its levers together, how many sources show them together, one citation.

    Returns
    -------
    pandas.DataFrame
        Same index as ``table``: ``combination`` (e.g. ``"GBD + fine grains + Co ≥ 1.5 wt%"``; empty
        for fewer than two levers), ``combination_sources`` (sources with a row showing every one of
        them; −1 when there is nothing to combine), ``combination_demonstrated`` (bool; True for fewer
        than two levers) and ``combination_example`` (a citation, or empty).
    """
    bits = candidate_flags(table)
    shown = _demonstrated()
    src_bits = shown["bits"].to_numpy(dtype=np.int64)
    uniq, inv = np.unique(bits, return_inverse=True)
    text, count, example = [], [], []
    for u in uniq.tolist():
        names = _names(u)
        if len(names) < 2:
            text.append("")
            count.append(-1)
            example.append("")
            continue
        hit = (src_bits & u) == u
        sources = shown.loc[hit, "source"].drop_duplicates()
        text.append(" + ".join(names))
        count.append(len(sources))
        example.append(str(shown.loc[hit, "citation"].iloc[0]) if hit.any() else "")
    count_arr = np.asarray(count, dtype=np.int64)[inv]
    codes = inv.astype(np.int32)

    def labels(values: list[str]) -> pd.Categorical:
        # distinct combinations as categories (a few dozen), not 10^6 strings
        cats, pos = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        return pd.Categorical.from_codes(pos[codes], pd.Index(cats), validate=False)

    return pd.DataFrame(
        {
            "combination": labels(text),
            "combination_sources": count_arr,
            "combination_demonstrated": count_arr != 0,
            "combination_example": labels(example),
        },
        index=table.index,
    )
