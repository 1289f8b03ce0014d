"""Non-China heavy-rare-earth supply: can a fleet buy its non-China Dy and Tb?

A design whose Dy or Tb is "non-China" escapes the value-share rule only if that feedstock exists. The
shipped table ``datasets/supply/heavy_rare_earth_supply.csv`` lists, per producer, the separated
heavy-rare-earth output outside China that public sources state (producing, capacity or planned, dated
and sourced), beside context rows (China's own output, mine production and mixed feed) that are never
counted. :func:`fleet_supply` compares a what-if fleet's non-China Dy + Tb demand per scenario with that
supply and flags a scenario whose demand exceeds a share of it the user chooses: the fleet cannot
expect to buy more than its share of what the non-China separators make.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from substitute import data
from substitute.errors import InputError

__all__ = ["SUPPLY_FILE", "fleet_supply", "non_china_supply", "oxide_to_metal", "supply_table"]

SUPPLY_FILE = "supply/heavy_rare_earth_supply.csv"
_OXIDES = {"Dy": ("Dy", 2, 3), "Tb": ("Tb", 4, 7), "Ho": ("Ho", 2, 3), "Sm": ("Sm", 2, 3)}
_REQUIRED = ("elements", "year", "quantity_t_per_year", "quantity_basis", "status", "counts_as")


def oxide_to_metal(element: str) -> float:
    """Mass of metal in one mass unit of its usual oxide (Dy2O3, Tb4O7, Ho2O3, Sm2O3) [–]."""
    from substitute.elements import atomic_masses

    if element not in _OXIDES:
        msg = f"oxide_to_metal: no oxide formula for {element!r}; known: {', '.join(_OXIDES)}"
        raise InputError(msg)
    el, n, m = _OXIDES[element]
    a_el, a_o = atomic_masses([el, "O"])
    return float(n * a_el / (n * a_el + m * a_o))


def supply_table(file: Any = None) -> pd.DataFrame:
    """The supply rows: the shipped table, or a user CSV of the same columns (each row needs a
    ``date_published`` and a ``source``).

    Raises
    ------
    InputError
        A missing column, or a row without its date or source (named by line).
    """
    if file is None:
        t = data.read_csv(SUPPLY_FILE)
        where = SUPPLY_FILE
    else:
        t = data.read_user_table(file, what="supply file")
        where = str(file)
    missing = [c for c in (*_REQUIRED, "date_published", "source") if c not in t.columns]
    if missing:
        msg = f"{where}: missing column(s) {', '.join(missing)}; see datasets/supply/heavy_rare_earth_supply.md"
        raise InputError(msg)
    for col in ("date_published", "source"):
        blank = t[col].isna() | (t[col].astype(str).str.strip() == "")
        if blank.any():
            line = int(np.flatnonzero(blank.to_numpy())[0]) + 2
            msg = f"{where} line {line}: {col} is empty; every supply row needs its date and source"
            raise InputError(msg)
    return t


def _row_elements(text: str) -> frozenset[str]:
    return frozenset(p for p in str(text).replace(",", "+").replace(" ", "").split("+") if p)


def non_china_supply(
    elements: Iterable[str] = ("Dy", "Tb"),
    *,
    year: int | None = None,
    include_planned: bool = False,
    file: Any = None,
) -> tuple[float, pd.DataFrame]:
    """Separated supply outside China of a group of elements, t of metal a year.

    Rows counted: ``counts_as == "separated_non_china"`` whose elements are all in ``elements``, of
    status ``producing`` (and ``planned`` rows starting by ``year`` when ``include_planned``); oxide
    tonnes are converted to metal. A row listing Dy+Tb together counts toward the group only.

    Returns
    -------
    (float, pandas.DataFrame)
        The total and the rows counted (with ``metal_t_per_year``).
    """
    group = frozenset(elements)
    t = supply_table(file)
    year = year if year is not None else dt.date.today().year
    keep = []
    for r in t.to_dict(orient="records"):
        els = _row_elements(str(r["elements"]))
        if r["counts_as"] != "separated_non_china" or not els or not els <= group:
            continue
        first = str(r["year"])[:4]
        start = int(first) if first.isdigit() else 0
        status = r["status"]
        if status == "producing" or (include_planned and status == "planned" and start <= year):
            keep.append(r)
    rows = pd.DataFrame(keep, columns=t.columns)
    qty = pd.to_numeric(rows["quantity_t_per_year"], errors="coerce").fillna(0.0)
    factor = [
        1.0
        if b == "metal_t"
        else float(np.mean([oxide_to_metal(e) for e in sorted(_row_elements(str(els)))]))
        for b, els in zip(rows["quantity_basis"], rows["elements"], strict=True)
    ]
    rows["metal_t_per_year"] = qty.to_numpy() * np.asarray(factor, dtype=float)
    return float(rows["metal_t_per_year"].sum()), rows


def fleet_supply(
    df: pd.DataFrame,
    *,
    supply_share: float = 0.10,
    elements: Iterable[str] = ("Dy", "Tb"),
    year: int | None = None,
    include_planned: bool = False,
    file: Any = None,
) -> pd.DataFrame:
    """The fleet's non-China demand per scenario against the non-China separated supply.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`substitute.whatif` result (it carries ``controlled_mass_kg_per_year_<El>_non-CN``).
    supply_share : float, default 0.10
        Fraction (0 < share ≤ 1) of the non-China supply the fleet can expect to buy; demand above it is
        flagged.
    elements : iterable of str, default ("Dy", "Tb")
        The element group compared (rows listing Dy+Tb together count toward the pair).
    year, include_planned, file
        As for :func:`non_china_supply`.

    Returns
    -------
    pandas.DataFrame
        One row per scenario: ``scenario``, ``demand_non_cn_kg_per_year``, ``supply_non_cn_t_per_year``,
        ``demand_over_supply_fraction``, ``supply_share_fraction``, ``exceeds_supply_share`` (bool),
        ``supply_basis`` (what was counted, with the year).
    """
    if isinstance(supply_share, bool) or not isinstance(supply_share, int | float):
        msg = f"supply_share must be a number in (0, 1], got {supply_share!r}"
        raise InputError(msg)
    if not 0 < float(supply_share) <= 1:
        hint = " (a percent? give 0.1 for 10 %)" if 1 < float(supply_share) <= 100 else ""
        msg = f"supply_share must be a fraction in (0, 1], got {supply_share!r}{hint}"
        raise InputError(msg)
    if not isinstance(df, pd.DataFrame) or "scenario" not in df:
        msg = "fleet_supply: expected a DataFrame returned by whatif()"
        raise InputError(msg)
    els = tuple(elements)
    cols = [f"controlled_mass_kg_per_year_{e}_non-CN" for e in els]
    present = [c for c in cols if c in df.columns]
    demand = (
        df.groupby("scenario", observed=True, sort=False)[present].sum().sum(axis=1)
        if present
        else df.groupby("scenario", observed=True, sort=False).size() * 0.0
    )
    total, rows = non_china_supply(els, year=year, include_planned=include_planned, file=file)
    supply_kg = total * 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (
            demand.to_numpy(dtype=float) / supply_kg
            if supply_kg > 0
            else np.full(len(demand), np.inf)
        )
    ratio = np.where(demand.to_numpy(dtype=float) == 0, 0.0, ratio)
    basis = (
        f"{'+'.join(els)} separated outside China, {'producing' + (' and planned' if include_planned else '')} "
        f"({len(rows)} rows of {file or SUPPLY_FILE}: "
        + "; ".join(
            f"{p}: {q:.3g} t" if q > 0 else f"{p}: quantity not stated"
            for p, q in zip(rows["producer"], rows["metal_t_per_year"], strict=True)
        )
        + ")"
    )
    out = pd.DataFrame(
        {
            "scenario": demand.index,
            "demand_non_cn_kg_per_year": demand.to_numpy(dtype=float),
            "supply_non_cn_t_per_year": total,
            "demand_over_supply_fraction": ratio,
            "supply_share_fraction": float(supply_share),
            "exceeds_supply_share": ratio > float(supply_share),
            "supply_basis": basis,
        }
    )
    return out.reset_index(drop=True)
