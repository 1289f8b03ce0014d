"""How far each lever level is from the factory: ``industrial`` (sold in catalogues or made at scale),
``pilot`` (one producer's line or a pilot plant), ``laboratory`` (papers only).

The table is ``datasets/levers/maturity.csv``: per lever a range of its value (and, for grain size, the
route) with the maturity and the source that shows it. A candidate's maturity is the least mature of the
levels it uses; ``Requirements(max_maturity="pilot")`` (the default) keeps candidates at most that far from
production, and the ranking shows the limiting lever and its source.
"""

from __future__ import annotations

from functools import cache
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from substitute import data
from substitute.errors import DataError, InputError
from substitute.ranking.evaluate import label_array

__all__ = [
    "LEVELS",
    "MATURITY_FILE",
    "check_maturity",
    "maturity",
    "maturity_columns",
    "maturity_table",
]

MATURITY_FILE = "levers/maturity.csv"
LEVELS: tuple[str, ...] = ("industrial", "pilot", "laboratory")
"""Maturity levels, most mature first."""


def check_maturity(value: str) -> str:
    """A valid maturity level (one of :data:`LEVELS`)."""
    if value not in LEVELS:
        msg = f"maturity {value!r} is not one of {', '.join(LEVELS)}"
        raise InputError(msg)
    return value


@cache
def maturity_table() -> pd.DataFrame:
    """The shipped maturity table, checked (levels valid, a source on every row)."""
    t = data.read_csv(MATURITY_FILE)
    bad = t[~t["maturity"].isin(LEVELS)]
    if len(bad):
        msg = f"{MATURITY_FILE} row {bad.index[0] + 2}: maturity {bad['maturity'].iloc[0]!r} not in {LEVELS}"
        raise DataError(msg)
    if t["source"].isna().any():
        msg = f"{MATURITY_FILE} row {int(cast(int, t['source'].isna().idxmax())) + 2}: no source"
        raise DataError(msg)
    t["route"] = t["route"].fillna("")
    t["label"] = [
        (
            f"route {r.route}"
            if r.lever == "route"
            else f"{r.lever} {r.lo:g}–{r.hi:g}" + (f" ({r.route!s})" if r.route else "")
        )
        + f" — {r.source}"
        for r in t.itertuples()
    ]
    return t


def maturity(candidates: pd.DataFrame) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int16]]:
    """Maturity of each candidate from its ``lever_*`` columns and ``route``.

    Returns
    -------
    (ndarray of int8, ndarray of int16)
        Index into :data:`LEVELS` (0 industrial … 2 laboratory) and the row of :func:`maturity_table` that
        set it (−1: no lever of the table is used, i.e. industrial).
    """
    t = maturity_table()
    n = len(candidates)
    code = np.zeros(n, dtype=np.int8)
    basis = np.full(n, -1, dtype=np.int16)
    route = label_array(candidates["route"]) if "route" in candidates else np.full(n, "")
    for i, r in enumerate(t.itertuples()):
        if r.lever == "route":
            mask = route == r.route
        else:
            col = f"lever_{r.lever}"
            if col not in candidates:
                continue
            x = pd.to_numeric(candidates[col], errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                mask = (x >= r.lo) & (x < r.hi)
            if r.route:
                mask &= route == r.route
        lvl = LEVELS.index(r.maturity)
        up = mask & (code < lvl)
        code[up] = lvl
        basis[up] = i
        # the first source of the level already reached stays the basis (rows are in table order)
        same = mask & (code == lvl) & (basis < 0)
        basis[same] = i
    return code, basis


def maturity_columns(candidates: pd.DataFrame, max_maturity: str) -> None:
    """Add ``maturity``, ``maturity_basis`` (limiting lever, level and source) and ``margin_maturity``
    (steps below ``max_maturity``: ≥ 0 passes) to the candidate table, in place."""
    t = maturity_table()
    code, basis = maturity(candidates)
    candidates["maturity"] = pd.Categorical.from_codes(code, categories=pd.Index(list(LEVELS)))
    labels = ["no lever of datasets/levers/maturity.csv beyond industrial", *t["label"]]
    candidates["maturity_basis"] = pd.Categorical.from_codes(
        basis.astype(np.int32) + 1, categories=pd.Index(labels)
    )
    candidates["margin_maturity"] = (LEVELS.index(check_maturity(max_maturity)) - code).astype(
        float
    )
