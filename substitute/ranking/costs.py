"""Processing cost per part: the adders of each route and step, from ``datasets/costs/processing_adders.csv``.

The ranking's cost per part is raw material (the price vector, with the origin premium) plus processing:
a per-kg adder for the route (sintered NdFeB: USD 4.67/kg, 3.9–5.5), the grain-boundary-diffusion step as
a fraction of that (+10 %, 5–15 %), and a fine-grain adder where a source gives one (none does: 0, and the
explanation says so). Rows marked ``proxy`` borrow the sintered adder for routes no source prices. A user
file of the same columns replaces the table (``rank_substitutes(processing_costs=...)``,
``[prices] processing_costs = "my_costs.csv"`` in a study).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from substitute import data
from substitute.errors import InputError

__all__ = ["ADDERS_FILE", "FINE_GRAIN_UM", "processing_cost_per_kg", "processing_table"]

ADDERS_FILE = "costs/processing_adders.csv"
FINE_GRAIN_UM = 3.0
_COLUMNS = ("step", "route", "basis", "low", "central", "high", "unit", "confidence")
_SPECIAL = {"gbd_step", "fine_grain_milling"}


def _check(t: pd.DataFrame, where: str) -> pd.DataFrame:
    from substitute.properties.routes import ROUTES

    missing = [c for c in _COLUMNS if c not in t.columns]
    if missing:
        msg = f"{where}: missing column(s) {', '.join(missing)}; see datasets/costs/processing_adders.md"
        raise InputError(msg)
    for col in ("low", "central", "high"):
        v = pd.to_numeric(t[col], errors="coerce")
        bad = v.isna() | (v < 0) | ~np.isfinite(v)
        if bad.any():
            line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
            msg = f"{where} line {line}: {col} must be a number ≥ 0, got {t[col].iloc[line - 2]!r}"
            raise InputError(msg)
        t[col] = v
    if not ((t["low"] <= t["central"]) & (t["central"] <= t["high"])).all():
        line = (
            int(np.flatnonzero(~((t["low"] <= t["central"]) & (t["central"] <= t["high"])))[0]) + 2
        )
        msg = f"{where} line {line}: needs low ≤ central ≤ high"
        raise InputError(msg)
    base = t[~t["step"].isin(_SPECIAL)]
    uncovered = sorted(set(ROUTES) - set(base["route"]) - {"sintered_gbd"})
    if uncovered:
        msg = (
            f"{where}: no processing row for route(s) {', '.join(uncovered)}; every route needs one"
        )
        raise InputError(msg)
    dup = base["route"][base["route"].duplicated()]
    if len(dup):
        msg = f"{where}: route {dup.iloc[0]!r} has two processing rows; give one"
        raise InputError(msg)
    return t


@cache
def _shipped() -> pd.DataFrame:
    return _check(data.read_csv(ADDERS_FILE), ADDERS_FILE)


def processing_table(file: Any = None) -> pd.DataFrame:
    """The processing adders: the shipped table, a user CSV path, or a DataFrame of the same columns.

    Raises
    ------
    InputError
        A missing column, a negative or non-numeric cost, low > central > high, a route without a row.
    """
    if file is None:
        return _shipped()
    if isinstance(file, pd.DataFrame):
        return _check(file.copy(), "processing_costs")
    return _check(data.read_user_table(file, what="processing cost file"), str(file))


def processing_cost_per_kg(
    routes: Any, grain_size_um: Any, table: pd.DataFrame | None = None, column: str = "central"
) -> np.ndarray:
    """Processing cost per kg of magnet of each candidate [USD/kg].

    Parameters
    ----------
    routes : array-like of str
        Route per candidate (``sintered_gbd`` takes the sintered adder plus the GBD step).
    grain_size_um : array-like of float
        Grain size per candidate (the fine-grain adder applies to sintered routes below 3 µm).
    table : DataFrame, optional
        :func:`processing_table` (default: the shipped one).
    column : {"low", "central", "high"}
    """
    t = table if table is not None else processing_table()
    # work on the distinct routes (a categorical's categories, or np.unique), not on 10^6 strings
    if isinstance(routes, pd.Categorical):
        names, codes = np.asarray(routes.categories, dtype=object).astype(str), routes.codes
    else:
        names, codes = np.unique(np.asarray(routes, dtype=object).astype(str), return_inverse=True)
    base = t[~t["step"].isin(_SPECIAL)].set_index("route")[column]
    sintered = float(base.get("sintered", np.nan))
    gbd = t.loc[t["step"] == "gbd_step", column]
    frac = float(gbd.iloc[0]) if len(gbd) else 0.0
    per_route = np.array(
        [
            sintered * (1.0 + frac) if r == "sintered_gbd" else float(base.get(r, np.nan))
            for r in names
        ]
    )
    per_kg = per_route[codes]
    fine = t.loc[t["step"] == "fine_grain_milling", column]
    if len(fine) and float(fine.iloc[0]) != 0.0:
        on_sintered = np.isin(names, ("sintered", "sintered_gbd"))[codes]
        grain = np.asarray(grain_size_um, dtype=float)
        per_kg = per_kg + np.where(on_sintered & (grain < FINE_GRAIN_UM), float(fine.iloc[0]), 0.0)
    return per_kg
