"""The routes' reference chemistries (``datasets/physics/reference_chemistries.csv``) and the one way to
build them with heavy-rare-earth or other additions: :func:`reference_alloy`. Grades, calibration and the
validation checks start from these chemistries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import numpy as np

from substitute import data
from substitute.composition import Alloy
from substitute.errors import CompositionError, DataError, InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["REFERENCE_FILE", "reference_alloy"]

REFERENCE_FILE = "physics/reference_chemistries.csv"
"""Shipped table of the routes' reference chemistries (one row per route)."""


def _reference(name: str) -> Alloy:
    """The reference chemistry of row ``name`` of :data:`REFERENCE_FILE`, parsed in the row's
    ``composition_basis`` (``mass``, ``atomic`` or ``formula``).

    Raises
    ------
    DataError
        No row of that name (the valid names are listed).
    """
    table = data.read_csv(REFERENCE_FILE).set_index("name")
    if name not in table.index:
        msg = (
            f"{REFERENCE_FILE}: no reference chemistry named {name!r}; "
            f"valid names: {', '.join(map(str, table.index))}"
        )
        raise DataError(msg)
    ref = cast("pd.Series", table.loc[name])
    if ref["composition_basis"] == "formula":
        return Alloy.from_formula(ref["composition"])
    return Alloy.parse(ref["composition"], basis=ref["composition_basis"])


def _add_element(alloy: Alloy, el: str, mass_percent: float, replace: str | None = None) -> Alloy:
    """Alloy with ``mass_percent`` wt% of ``el`` added.

    With ``replace`` the addition takes the place of as many wt% of that element (the rest of the
    alloy is unchanged); without it the whole alloy is diluted so that ``el`` gains
    ``mass_percent`` wt% of the final alloy.

    Raises
    ------
    InputError
        ``mass_percent`` negative, not finite, or ≥ 100 when diluting.
    CompositionError
        ``replace`` holds less than ``mass_percent`` wt%.
    """
    w = float(mass_percent) / 100.0
    if not np.isfinite(w) or w < 0 or (replace is None and w >= 1.0):
        msg = (
            f"amount of {el}: {mass_percent!r} wt% is not valid; give a finite amount >= 0 "
            "(below 100 wt% when diluting)"
        )
        raise InputError(msg)
    frac = dict(alloy.mass_fraction)
    if replace:
        have = frac.get(replace, 0.0)
        if have < w - 1e-12:
            msg = (
                f"cannot replace {mass_percent:g} wt% of {replace} by {el}: the alloy holds "
                f"{100 * have:.4g} wt% {replace}; give at most that amount"
            )
            raise CompositionError(msg)
        frac[replace] = have - w
        frac[el] = frac.get(el, 0.0) + w
    else:
        frac = {k: v * (1 - w) for k, v in frac.items()}
        frac[el] = frac.get(el, 0.0) + w
    return Alloy.from_mass_percent({k: 100 * v for k, v in frac.items() if v > 0})


def reference_alloy(
    route: str = "sintered",
    *,
    replace_nd: Mapping[str, float] | None = None,
    add: Mapping[str, float] | None = None,
) -> Alloy:
    """The route's reference chemistry, optionally with elements replacing Nd or added on top.

    The chemistry is the row of ``datasets/physics/reference_chemistries.csv`` whose ``route`` is
    ``route``, parsed in its ``composition_basis``. Substitutions in ``replace_nd`` are applied
    first, then the additions in ``add``, each in the order given.

    Parameters
    ----------
    route : str, default "sintered"
        A route with a reference chemistry: ``"sintered"``, ``"hot_deformed"`` or
        ``"bonded_isotropic"``.
    replace_nd : mapping of str to float, optional
        Element → wt% of the magnet that takes the place of as many wt% of Nd (basis mass), e.g.
        ``{"Dy": 1.0}`` for "1 wt% bulk Dy" on an unchanged total rare-earth content.
    add : mapping of str to float, optional
        Element → wt% of the *final* magnet (basis mass), the rest of the alloy being diluted, e.g.
        ``{"Tb": 0.5}`` for 0.5 wt% Tb brought in by grain-boundary diffusion.

    Returns
    -------
    Alloy
        The composition (basis mass), named after the route and the changes.

    Raises
    ------
    InputError
        No reference chemistry for ``route`` (the valid routes are listed), or a negative amount.
    CompositionError
        More Nd replaced than the chemistry holds.
    UnknownElementError
        An unknown element symbol.
    DataError
        The table has more than one row for the route.

    Examples
    --------
    >>> a = reference_alloy(replace_nd={"Dy": 1.0})
    >>> round(float(a.mass_percent["Dy"]), 6), round(float(a.mass_percent["Nd"]), 6)
    (1.0, 22.3)
    """
    table = data.read_csv(REFERENCE_FILE)
    rows = table[table["route"] == route]
    if len(rows) == 0:
        valid = ", ".join(sorted(map(str, table["route"].unique())))
        msg = f"route {route!r} has no reference chemistry in {REFERENCE_FILE}; valid: {valid}"
        raise InputError(msg)
    if len(rows) > 1:
        msg = (
            f"{REFERENCE_FILE}: route {route!r} has {len(rows)} rows "
            f"({', '.join(rows['name'])}); exactly one is expected"
        )
        raise DataError(msg)
    alloy = _reference(str(rows["name"].iloc[0]))
    label = [f"{route} reference"]
    for el, w in (replace_nd or {}).items():
        alloy = _add_element(alloy, el, w, replace="Nd")
        label.append(f"{el} {w:g} wt% for Nd")
    for el, w in (add or {}).items():
        alloy = _add_element(alloy, el, w)
        label.append(f"+{el} {w:g} wt%")
    return alloy.with_names([", ".join(label)])[0] if len(label) > 1 else alloy
