"""Processing routes: names, keyword parameters and the microstructure parameters of each route.

NdFeB routes (``sintered``, ``sintered_gbd``, ``hot_deformed``, ``bonded_isotropic``) share the
2:14:1 physics and differ in the fitted microstructure parameters (α, Neff at a default grain size,
Br factor = density × alignment, recoil permeability, squareness). The other families (SmCo5,
Sm2Co17, bonded SmFeN, ferrite, MnBi, MnAl, Alnico) are envelope models read from
``datasets/physics/magnet_families.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from substitute.arrays import per_alloy
from substitute.errors import InputError
from substitute.properties import _tables as tb

__all__ = [
    "FAMILY_FORMULAS",
    "FAMILY_ROUTES",
    "NDFEB_ROUTES",
    "ROUTES",
    "ROUTE_PARAMETERS",
    "RouteParams",
    "check_route",
    "microstructure",
    "resolve_route_params",
]

NDFEB_ROUTES: tuple[str, ...] = ("sintered", "sintered_gbd", "hot_deformed", "bonded_isotropic")
FAMILY_ROUTES: tuple[str, ...] = (
    "smco5",
    "sm2co17",
    "smfen_bonded",
    "ferrite",
    "mnbi_bonded",
    "mnal",
    "alnico",
)
ROUTES: tuple[str, ...] = NDFEB_ROUTES + FAMILY_ROUTES

FAMILY_FORMULAS = {
    "smco5": ("SmCo5", "stoichiometric SmCo5"),
    "sm2co17": ("Sm2Co17", "stoichiometric Sm2Co17 (commercial Sm(Co,Fe,Cu,Zr)z differs)"),
    "ferrite": ("SrFe12O19", "strontium hexaferrite"),
    "smfen_bonded": ("Sm2Fe17N3", "Sm2Fe17N3 powder (binder not counted)"),
}
"""Representative composition (formula) and a note of the family routes that have one: used where a
family magnet needs an alloy (ranking, :func:`substitute.Alloy.from_grade` of a SmCo/ferrite grade)."""

ROUTE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "sintered": ("grain_size_um", "br_factor"),
    "sintered_gbd": (
        "gbd_element",
        "gbd_mass_percent",
        "thickness_mm",
        "grain_size_um",
        "br_factor",
    ),
    "hot_deformed": ("grain_size_um",),
    "bonded_isotropic": ("grain_size_um",),
    **dict.fromkeys(FAMILY_ROUTES, ()),
}
"""Keyword parameters accepted by each route."""

GBD_ELEMENTS: tuple[str, ...] = ("Tb", "Dy")
DEFAULT_THICKNESS_MM = 5.0
"""Magnet thickness along the diffusion direction used when ``thickness_mm`` is not given [mm]."""


@dataclass(frozen=True)
class RouteParams:
    """Resolved route keyword parameters, each an array of length n (or None when not used)."""

    route: str
    grain_size_um: np.ndarray
    gbd_element: str | None = None
    gbd_mass_percent: np.ndarray | None = None
    thickness_mm: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    br_factor: np.ndarray | None = (
        None  # density × alignment per alloy; None: the route's fitted value
    )


def check_route(route: Any) -> str:
    """Validate a route name.

    Parameters
    ----------
    route : str
        One of :data:`ROUTES`.

    Returns
    -------
    str
        The route name (lower case).

    Raises
    ------
    InputError
        Unknown route; the message lists the valid ones.
    """
    if not isinstance(route, str) or route.strip().lower() not in ROUTES:
        msg = f"unknown route {route!r}; valid routes are: {', '.join(ROUTES)}"
        raise InputError(msg)
    return route.strip().lower()


def microstructure(route: str, params: dict | None = None) -> dict[str, float]:
    """Fitted microstructure parameters of an NdFeB route (from ``models/physics_params.json``).

    Returns
    -------
    dict
        ``alpha`` [–], ``neff`` [–] at ``grain_size_um`` [μm], ``br_factor`` [–], ``mu_rec`` [–],
        ``squareness`` (knee field/HcJ) [–]; for ``sintered_gbd`` those of ``sintered`` plus the diffusion
        parameters ``shell_fraction`` [–], ``depth_mm`` [mm], ``a_sat_wt_pct`` [wt%] and
        ``ce_base_penalty`` [–].
    """
    p = params if params is not None else tb.params()
    base = dict(p["routes"]["sintered" if route == "sintered_gbd" else route])
    if route == "sintered_gbd":
        base.update(p["gbd"])
    return base


def _as_array(name: str, value: Any, n: int, lo: float, hi: float, unit: str) -> np.ndarray:
    return per_alloy(name, value, n, unit, lo=lo, hi=hi)


def resolve_route_params(
    route: str, n: int, *, model_params: dict | None = None, **kwargs: Any
) -> RouteParams:
    """Check and broadcast the keyword parameters of a route.

    Parameters
    ----------
    route : str
        Route name (see :data:`ROUTES`).
    n : int
        Number of alloys.
    model_params : dict, optional
        Model parameters giving the route's default grain size (default: the shipped fit).
    **kwargs
        ``grain_size_um`` [μm]; for ``sintered_gbd``: ``gbd_element`` ("Tb" or "Dy"),
        ``gbd_mass_percent`` [wt% of the magnet, mass basis], ``thickness_mm`` [mm] (default 5); for
        ``sintered`` and ``sintered_gbd``: ``br_factor`` [–], the magnet's density × alignment (Br =
        Js·f(2:14:1)·br_factor; default the route's value, 0.965 for an industrial sintered magnet; the
        evidence spans 0.79–0.97, outside it ``in_domain`` is False).

    Returns
    -------
    RouteParams

    Raises
    ------
    InputError
        Unknown or missing keyword, value out of range.
    """
    route = check_route(route)
    valid = ROUTE_PARAMETERS[route]
    unknown = sorted(set(kwargs) - set(valid))
    if unknown:
        msg = (
            f"route {route!r} does not take {', '.join(map(repr, unknown))}; "
            f"its parameters are: {', '.join(valid) if valid else '(none)'}"
        )
        raise InputError(msg)
    notes: list[str] = []
    if route in FAMILY_ROUTES:
        return RouteParams(route, np.full(n, np.nan))
    gs = kwargs.get("grain_size_um")
    if gs is None:
        ms = microstructure(route, model_params)
        grain = np.full(n, ms["grain_size_um"])
        notes.append(f"grain_size_um not given: route default {ms['grain_size_um']} um")
    else:
        grain = _as_array("grain_size_um", gs, n, 1e-3, 100.0, "um")
    bf = kwargs.get("br_factor")
    br_factor = (
        None
        if bf is None
        else _as_array("br_factor", bf, n, 0.5, 1.0, "(density × alignment, dimensionless)")
    )
    if route != "sintered_gbd":
        return RouteParams(route, grain, notes=tuple(notes), br_factor=br_factor)
    el = kwargs.get("gbd_element")
    amount = kwargs.get("gbd_mass_percent")
    if el is None or amount is None:
        msg = (
            "route 'sintered_gbd' needs gbd_element ('Tb' or 'Dy') and gbd_mass_percent "
            "(diffused heavy rare earth, wt% of the magnet); "
            f"got gbd_element={el!r}, gbd_mass_percent={amount!r}"
        )
        raise InputError(msg)
    if not isinstance(el, str) or el.strip().capitalize() not in GBD_ELEMENTS:
        msg = f"gbd_element must be one of {GBD_ELEMENTS}, got {el!r}"
        raise InputError(msg)
    el = el.strip().capitalize()
    w = _as_array("gbd_mass_percent", amount, n, 0.0, 5.0, "wt%")
    th = kwargs.get("thickness_mm")
    if th is None:
        thickness = np.full(n, DEFAULT_THICKNESS_MM)
        notes.append(f"thickness_mm not given: {DEFAULT_THICKNESS_MM} mm assumed")
    else:
        thickness = _as_array("thickness_mm", th, n, 0.05, 200.0, "mm")
    return RouteParams(route, grain, el, w, thickness, tuple(notes), br_factor)
