"""The measured evidence of the property model: absolute magnets and within-source paired effects.

Two tables in ``datasets/calibration/`` (card: ``measured_magnets.md``):

* ``measured_magnets.csv`` — one measured magnet per row (composition when the source gives it, route,
  temperature, Br, HcJ, (BH)max, α, β), ``excluded_reason`` non-empty for rows kept as read but not used;
* ``paired_effects.csv`` — one within-source comparison per row: a lever (bulk Dy, Tb-GBD, Ce, Co, grain
  size, temperature …) changed from ``amount_base`` to ``amount_changed`` on one base, with the values
  before and after (or only the relative change). Within-source differences cancel most lab-to-lab offsets:
  they are what the lever parameters are fitted on.

This module turns rows into model inputs: :func:`absolute_observations` (alloy, route, temperature,
measured values) and :func:`paired_observations` (the base and changed states of each comparison, built by
:func:`apply_lever` on the pair's base composition or, when the source gives none, on the route's reference
chemistry with the pair's ``base_context``). Pairs whose amount is not stated (unit ``flag``) get a typical
amount and are used for the **sign** of the effect only. Levers the model does not represent (``other``,
``refractory``, ``hd``, ``bonded``, ``smfen``, ``ferrite``, ``oxygen``, ``hd_gbd``, ``gbd_non_hre``) are
listed as not modelled.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from substitute import data
from substitute.composition import Alloy
from substitute.errors import SubstituteError
from substitute.properties.reference import reference_alloy

__all__ = [
    "DIRECTIONS",
    "MAGNETS_FILE",
    "MODELLED_LEVERS",
    "PAIRS_FILE",
    "ROUTE_OF",
    "AbsoluteObs",
    "PairObs",
    "absolute_observations",
    "apply_lever",
    "coverage",
    "direction",
    "is_excluded",
    "magnets",
    "paired_observations",
    "pairs",
    "row_problems",
    "vendor_beta_observations",
    "vendor_grades",
]

MAGNETS_FILE = "calibration/measured_magnets.csv"
PAIRS_FILE = "calibration/paired_effects.csv"

#: levers the model represents, with the amount used when a source states none (sign only)
MODELLED_LEVERS: dict[str, tuple[float, str] | None] = {
    "dy_bulk": (1.0, "wt%"),
    "tb_bulk": (1.0, "wt%"),
    "ho_bulk": (2.0, "wt%"),
    "gd_bulk": (2.0, "wt%"),
    "dy_gbd": (0.5, "wt%"),
    "tb_gbd": (0.5, "wt%"),
    "gbd_thickness": None,
    "ce": (0.2, "x_RE"),
    "la": (0.1, "x_RE"),
    "la_ce": (0.2, "x_RE"),
    "y": (0.2, "x_RE"),
    "mm": (0.2, "x_RE"),
    "pr_nd": (0.25, "x_RE"),
    "co": (1.0, "wt%"),
    "cu": (0.1, "wt%"),
    "ga": (0.3, "wt%"),
    "al": (0.3, "wt%"),
    "low_b_ga": None,
    "grain_size": None,
    "tre": None,
    "temperature": None,
}
#: levers whose flagged pairs (no amounts stated) are read as a step in one direction: a grain-size pair
#: without sizes is a refinement ("finer grains, higher HcJ"), evaluated over a typical step for its sign
FLAGGED_STEP: dict[str, tuple[float, float, str]] = {"grain_size": (5.0, 3.0, "um")}

ROUTE_OF = {
    "sintered": "sintered",
    "sintered_gbd": "sintered",
    "hot_deformed": "hot_deformed",
    "hot_pressed": "bonded_isotropic",
    "melt_spun_ribbon": "bonded_isotropic",
    "bonded_isotropic": "bonded_isotropic",
    "bonded_anisotropic": "hot_deformed",
}
_ABSOLUTE_ROUTES = {
    "sintered": "sintered",
    "sintered_gbd": "sintered_gbd",
    "hot_deformed": "hot_deformed",
    "bonded_isotropic": "bonded_isotropic",
    "melt_spun_ribbon": "bonded_isotropic",
    "hot_pressed": "bonded_isotropic",
}
"""Routes of absolute rows the model predicts; ribbons and dense isotropic hot-pressed magnets are the
powder of bonded magnets: their HcJ and β are used, their Br (no binder) is not."""
_MM = {"Ce": 0.55, "La": 0.25, "Nd": 0.15, "Pr": 0.05}


def _num(v: Any) -> float:
    try:
        x = float(v)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer beyond any float
        return float("nan")
    return x


DIRECTIONS: dict[str, float] = {"up": 1.0, "down": -1.0, "flat": 0.0}
"""Values of ``hcj_direction`` / ``br_direction`` in ``paired_effects.csv``: what the source says in words
("coercivity decreased") where it prints no numbers for the two states."""


def direction(v: Any) -> float:
    """+1, −1, 0 for ``up``, ``down``, ``flat``; NaN when the cell is empty (a bad word is a ValueError)."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or not str(v).strip():
        return math.nan
    word = str(v).strip().lower()
    if word not in DIRECTIONS:
        msg = f"direction {v!r} is not one of {', '.join(DIRECTIONS)}"
        raise ValueError(msg)
    return DIRECTIONS[word]


def is_excluded(row: Any) -> bool:
    """Whether a row of either table is kept as read but not used (its ``excluded_reason`` says why)."""
    why = row.get("excluded_reason")
    return isinstance(why, str) and bool(why.strip())


@cache
def magnets() -> pd.DataFrame:
    """The measured-magnet table (strings as read; numbers parsed where the column is numeric)."""
    return data.read_csv(MAGNETS_FILE)


@cache
def pairs() -> pd.DataFrame:
    """The paired-effect table, as read (:func:`is_excluded` tells the duplicates kept but not used)."""
    return data.read_csv(PAIRS_FILE)


def parse_composition(text: Any, basis: Any) -> Alloy | None:
    """An alloy from a row's composition and basis, or None when the source gave none."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        if basis == "formula":
            return Alloy.from_formula(text)
        return Alloy.parse(text, basis=str(basis), normalize=True)
    except SubstituteError:
        return None


# --------------------------------------------------------------------------------------------- levers
def _set_re_fraction(alloy: Alloy, el: str, x: float) -> Alloy:
    """Replace Nd+Pr so that ``el`` holds the atomic fraction ``x`` of the 2:14:1-forming rare earths."""
    at = dict(alloy.atomic_percent)
    re_keys = [k for k in at if k in ("Nd", "Pr", "Dy", "Tb", "Ho", "Gd", "Ce", "La", "Y")]
    total = sum(at[k] for k in re_keys)
    target = x * total
    have = at.get(el, 0.0)
    need = target - have
    host = at.get("Nd", 0.0) + at.get("Pr", 0.0)
    if host <= 0 or need > host + 1e-12:
        need = min(need, host)
    for h in ("Nd", "Pr"):
        if host > 0 and h in at:
            at[h] -= need * at[h] / host
    at[el] = have + need
    return Alloy.from_atomic_percent({k: v for k, v in at.items() if v > 1e-12}, normalize=True)


def _replace_mass(alloy: Alloy, el: str, delta_wt: float, host: tuple[str, ...]) -> Alloy:
    """Add ``delta_wt`` wt% of ``el`` in place of the same mass of the ``host`` elements."""
    w = dict(alloy.mass_percent)
    tot = sum(w.get(h, 0.0) for h in host)
    if tot <= 0:
        host = ("Fe",)
        tot = w.get("Fe", 0.0)
    d = min(delta_wt, tot)
    for h in host:
        if h in w:
            w[h] -= d * w[h] / tot
    w[el] = w.get(el, 0.0) + d
    return Alloy.from_mass_percent({k: v for k, v in w.items() if v > 1e-12}, normalize=True)


def _set_mass(alloy: Alloy, el: str, wt: float, host: tuple[str, ...]) -> Alloy:
    have = float(alloy.mass_percent.get(el, 0.0))
    return (
        _replace_mass(alloy, el, wt - have, host)
        if wt >= have
        else _replace_mass(alloy, host[0], have - wt, (el,))
    )


def _to_wt(alloy: Alloy, el: str, amount: float, unit: str) -> float:
    """An amount in wt% of the alloy from wt%, at% or (for RE) a fraction of the rare earths."""
    if unit == "wt%":
        return amount
    if unit == "at%":
        from substitute.elements import atomic_masses

        mean = float(alloy.atomic_array[0] @ atomic_masses(alloy.elements))
        return amount * float(atomic_masses((el,))[0]) / mean
    raise ValueError(unit)


_RE_LEVER_EL = {
    "dy_bulk": "Dy",
    "tb_bulk": "Tb",
    "ho_bulk": "Ho",
    "gd_bulk": "Gd",
    "ce": "Ce",
    "la": "La",
    "y": "Y",
    "pr_nd": "Pr",
}
_ADD_EL = {
    "co": ("Co", ("Fe",)),
    "cu": ("Cu", ("Fe",)),
    "ga": ("Ga", ("Fe",)),
    "al": ("Al", ("Fe",)),
}


@dataclass
class State:
    """One magnet state of an observation: alloy, route, route parameters, temperature."""

    alloy: Alloy
    route: str
    temperature_C: float = 20.0
    params: dict[str, Any] = field(default_factory=dict)


def apply_lever(base: State, lever: str, amount: float, unit: str) -> State:
    """The state ``base`` with ``lever`` set to ``amount`` (in ``unit``).

    ``amount`` is the lever's level, not an increment: a pair "1 → 2 wt% Ce" has 2 wt% Ce in its changed
    state. Rare-earth levers replace Nd+Pr (wt% and at% of the alloy, ``x_RE`` as the fraction of the
    rare-earth sites); Co, Cu, Ga, Al replace Fe; GBD levers switch a sintered base to
    ``sintered_gbd`` with that diffused amount; ``grain_size`` sets the grain size, ``temperature`` the
    measurement temperature, ``tre`` the total rare earth (wt%) at constant RE split, ``low_b_ga`` the B
    content.
    """
    a = base.alloy
    st = State(a, base.route, base.temperature_C, dict(base.params))
    if lever in _RE_LEVER_EL:
        el = _RE_LEVER_EL[lever]
        if unit == "x_RE":
            st.alloy = _set_re_fraction(a, el, amount)
        else:
            st.alloy = _set_mass(a, el, _to_wt(a, el, amount, unit), ("Nd", "Pr"))
    elif lever in ("la_ce", "mm"):
        split = {"Ce": 0.5, "La": 0.5} if lever == "la_ce" else _MM
        if unit != "x_RE":
            raise ValueError(unit)
        for el, f in split.items():
            if el in ("Nd", "Pr"):
                continue
            st.alloy = _set_re_fraction(st.alloy, el, amount * f)
    elif lever in _ADD_EL:
        el, host = _ADD_EL[lever]
        st.alloy = _set_mass(a, el, _to_wt(a, el, amount, unit), host)
    elif lever == "low_b_ga":
        st.alloy = _set_mass(a, "B", _to_wt(a, "B", amount, unit), ("Fe",))
    elif lever == "tre":
        if unit != "wt%":
            raise ValueError(unit)
        w = dict(a.mass_percent)
        re = [k for k in w if k in ("Nd", "Pr", "Dy", "Tb", "Ho", "Gd", "Ce", "La", "Y")]
        tot = sum(w[k] for k in re)
        for k in re:
            w[k] *= amount / tot
        w["Fe"] = w.get("Fe", 0.0) + tot - amount
        st.alloy = Alloy.from_mass_percent(w, normalize=True)
    elif lever in ("dy_gbd", "tb_gbd"):
        el = "Dy" if lever == "dy_gbd" else "Tb"
        if amount > 0:
            st.alloy = _replace_mass(a, el, amount, tuple(a.elements))
            st.route = "sintered_gbd"
            st.params.update(gbd_element=el, gbd_mass_percent=amount)
            st.params.setdefault("thickness_mm", 5.0)
    elif lever == "gbd_thickness":
        st.params["thickness_mm"] = amount
    elif lever == "grain_size":
        st.params["grain_size_um"] = amount
    elif lever == "temperature":
        st.temperature_C = amount
    else:
        raise ValueError(lever)
    return st


def _context(alloy: Alloy, text: Any) -> Alloy:
    """Apply a pair's ``base_context`` (``ce=0.3 x_RE; dy_bulk=1 wt%``) to a reference chemistry."""
    if not isinstance(text, str):
        return alloy
    st = State(alloy, "sintered")
    for part in text.split(";"):
        # the unit ends the token: "ce=5 wt%;" and "ce=5 wt% in magnet" (a \b after "%" never matches)
        m = re.match(r"\s*([a-z_]+)\s*=\s*([0-9.]+)\s*(wt%|at%|x_RE)(?![A-Za-z0-9_])", part)
        if m and m.group(1) in MODELLED_LEVERS and m.group(1) not in ("dy_gbd", "tb_gbd"):
            try:
                st = apply_lever(st, m.group(1), float(m.group(2)), m.group(3))
            except (ValueError, SubstituteError):
                continue
    return st.alloy


# --------------------------------------------------------------------------------------------- rows
@dataclass
class AbsoluteObs:
    """A measured magnet the model can predict: its state and what was measured."""

    row_id: str
    source_id: str
    state: State
    br_T: float
    hcj_kA_per_m: float
    beta_pct_per_K: float
    coefficient_range_C: str


@dataclass
class PairObs:
    """A within-source comparison: base and changed states and the measured values (or relative change)."""

    pair_id: str
    source_id: str
    lever: str
    base: State
    changed: State
    sign_only: bool
    assumed_amount: bool
    br: tuple[float, float]
    hcj: tuple[float, float]
    beta: tuple[float, float]
    br_change_pct: float
    hcj_change_pct: float
    generic_base: bool
    coefficient_range_C: str = ""
    hcj_direction: float = math.nan
    br_direction: float = math.nan
    """+1, −1 or 0: the direction the source states in words where it prints no values for that property
    (NaN: none stated); the fit and the validation use it only as a sign."""


def _is_2141(alloy: Alloy) -> bool:
    """An alloy the 2:14:1 model applies to: ≥ 8 at% of 2:14:1-forming RE, Fe and B present."""
    at = alloy.atomic_percent
    re_at = sum(
        float(at.get(k, 0.0)) for k in ("Nd", "Pr", "Dy", "Tb", "Ho", "Gd", "Ce", "La", "Y")
    )
    return re_at >= 8.0 and float(at.get("Fe", 0.0)) > 40.0 and float(at.get("B", 0.0)) > 2.0


def _route_params(r: pd.Series, route: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    gs = _num(r.get("grain_size_um"))
    if np.isfinite(gs):
        out["grain_size_um"] = gs
    return out


def absolute_observations(table: pd.DataFrame | None = None) -> list[AbsoluteObs]:
    """Measured magnets with a composition on a route the model represents (not excluded)."""
    tab = magnets() if table is None else table
    out = []
    for _, r in tab.iterrows():
        if is_excluded(r):
            continue
        read_route = str(r["route"])
        route = _ABSOLUTE_ROUTES.get(read_route)
        if route is None:
            continue
        alloy = parse_composition(r.get("composition"), r.get("composition_basis"))
        if alloy is None or not _is_2141(alloy):
            continue
        params = _route_params(r, route)
        if route == "sintered_gbd":
            amt = _num(r.get("gbd_mass_percent"))
            if not np.isfinite(amt):
                continue
            params.update(
                gbd_element=str(r["gbd_element"]),
                gbd_mass_percent=amt,
                thickness_mm=_num(r.get("thickness_mm"))
                if np.isfinite(_num(r.get("thickness_mm")))
                else 5.0,
            )
        br, hcj = _num(r.get("br_T")), _num(r.get("hcj_kA_per_m"))
        if read_route != route:
            br = float(
                "nan"
            )  # ribbon or dense hot-pressed powder: HcJ as bonded, Br not (no binder)
        beta = _num(r.get("beta_hcj_pct_per_K"))
        if not (np.isfinite(br) or np.isfinite(hcj) or np.isfinite(beta)):
            continue
        out.append(
            AbsoluteObs(
                str(r["row_id"]),
                str(r["source_id"]),
                State(alloy, route, _num(r.get("temperature_C")), params),
                br,
                hcj,
                beta,
                str(r.get("coefficient_range_C") or ""),
            )
        )
    return out


def _pair_base(r: pd.Series) -> tuple[State, bool] | None:
    route = ROUTE_OF.get(str(r["route"]))
    if route is None:
        return None
    alloy = parse_composition(r.get("base_composition"), r.get("base_composition_basis"))
    generic = alloy is None
    if alloy is None:
        alloy = _context(reference_alloy(route), r.get("base_context"))
    params: dict[str, Any] = {}
    gs = _num(r.get("grain_size_um"))
    if np.isfinite(gs):
        params["grain_size_um"] = gs
    th = _num(r.get("thickness_mm"))
    if np.isfinite(th):
        params["thickness_mm"] = th
    t = _num(r.get("temperature_C"))
    return State(alloy, route, t if np.isfinite(t) else 20.0, params), generic


def _row_alloy(row_id: Any) -> Alloy | None:
    if not isinstance(row_id, str) or not row_id.strip():
        return None
    rows = magnets()[magnets()["row_id"] == row_id.strip()]
    if rows.empty:
        return None
    r = rows.iloc[0]
    return parse_composition(r.get("composition"), r.get("composition_basis"))


def _from_rows(r: pd.Series, s0: State, s1: State) -> tuple[State, State]:
    """A pair derived from two measured rows of the same source uses those rows' compositions (a swap
    such as La for Ce is then represented exactly, not as an addition)."""
    a0, a1 = _row_alloy(r.get("base_row_id")), _row_alloy(r.get("changed_row_id"))
    if a0 is None or a1 is None:
        return s0, s1
    return State(a0, s0.route, s0.temperature_C, dict(s0.params)), State(
        a1, s1.route, s1.temperature_C, dict(s1.params)
    )


def paired_observations(table: pd.DataFrame | None = None) -> tuple[list[PairObs], pd.DataFrame]:
    """Pairs the model can evaluate, and a table of every pair with whether (and why not) it is used."""
    tab = pairs() if table is None else table
    obs: list[PairObs] = []
    report = []
    for _, r in tab.iterrows():
        lever = str(r["lever"])
        why = ""
        if is_excluded(r):
            why = f"excluded: {str(r['excluded_reason']).strip()}"
        elif lever not in MODELLED_LEVERS:
            why = "lever not represented by the model"
        base = _pair_base(r) if not why else None
        if not why and base is None:
            why = f"route {r['route']!r} not represented"
        if not why:
            assert base is not None  # set whenever `why` is empty
            state0, generic = base
            unit = str(r["amount_unit"])
            a0, a1 = _num(r["amount_base"]), _num(r["amount_changed"])
            flagged = unit == "flag"
            # a direction stated in words (for a property without values) counts only by its sign
            dirs = (direction(r.get("hcj_direction")), direction(r.get("br_direction")))
            # no stated amount: GBD pairs keep their magnitude at a typical amount (uptake saturates,
            # so the amount matters little; weighted less), other levers only their sign
            sign_only = flagged and lever not in ("dy_gbd", "tb_gbd")
            if flagged:
                typical = MODELLED_LEVERS[lever]
                if lever in FLAGGED_STEP:
                    a0, a1, unit = FLAGGED_STEP[lever]
                elif typical is None:
                    why = "no amount and no typical amount for this lever"
                else:
                    a0, a1, unit = 0.0, typical[0], typical[1]
            if not why:
                try:
                    if lever in ("dy_gbd", "tb_gbd") and state0.route != "sintered":
                        msg = "GBD on a non-sintered base"
                        raise ValueError(msg)
                    # a generic base (the route's reference chemistry: it holds Co, Cu, Ga, Al) is set to
                    # the pair's base amount even when that is 0 — else a "Ga 0 -> 0.3 wt%" pair compared
                    # the reference's 0.5 wt% Ga with 0.3 wt% and read as a Ga *decrease*
                    s0 = (
                        apply_lever(state0, lever, a0, unit)
                        if (a0 or generic)
                        and lever
                        not in (
                            "dy_gbd",
                            "tb_gbd",
                        )
                        else state0
                    )
                    if lever in ("temperature", "grain_size", "gbd_thickness", "tre", "low_b_ga"):
                        s0 = apply_lever(state0, lever, a0, unit)
                    if lever == "gbd_thickness":
                        s0 = apply_lever(s0, "tb_gbd", 0.5, "wt%")
                        s0.params["thickness_mm"] = a0
                    s1 = apply_lever(s0, lever, a1, unit)
                    s0, s1 = _from_rows(r, s0, s1)
                except (ValueError, SubstituteError) as exc:
                    why = f"cannot build the states: {exc}"
        if why:
            report.append({"pair_id": r["pair_id"], "lever": lever, "used": False, "why": why})
            continue
        obs.append(
            PairObs(
                str(r["pair_id"]),
                str(r["source_id"]),
                lever,
                s0,
                s1,
                sign_only,
                flagged and not sign_only,
                (_num(r["br_base_T"]), _num(r["br_changed_T"])),
                (_num(r["hcj_base_kA_per_m"]), _num(r["hcj_changed_kA_per_m"])),
                (_num(r["beta_base_pct_per_K"]), _num(r["beta_changed_pct_per_K"])),
                _num(r.get("br_change_pct")),
                _num(r.get("hcj_change_pct")),
                generic,
                str(r.get("coefficient_range_C") or ""),
                *dirs,
            )
        )
        report.append(
            {
                "pair_id": r["pair_id"],
                "lever": lever,
                "used": True,
                "why": "sign only (direction stated in words)"
                if any(math.isfinite(d) for d in dirs)
                else "sign only (amount not stated)"
                if sign_only
                else ("typical amount assumed (not stated)" if flagged else ""),
            }
        )
    return obs, pd.DataFrame(report)


def coverage() -> pd.DataFrame:
    """Evidence per lever: pairs, sources, amount range (the data card's coverage map); excluded pairs are
    not counted."""
    p = pairs()
    p = p[~p.apply(is_excluded, axis=1)]
    rows = []
    for lever, g in p.groupby("lever"):
        amt = pd.to_numeric(g["amount_changed"], errors="coerce")
        units = sorted(set(g["amount_unit"].astype(str)))
        rows.append(
            {
                "lever": lever,
                "pairs": len(g),
                "sources": g["source_id"].nunique(),
                "amount_min": float(amt.min()) if amt.notna().any() else np.nan,
                "amount_max": float(amt.max()) if amt.notna().any() else np.nan,
                "units": ", ".join(units),
                "modelled": lever in MODELLED_LEVERS,
            }
        )
    return pd.DataFrame(rows).sort_values(["modelled", "pairs"], ascending=[False, False])


_USER_ROUTES = ("sintered", "sintered_gbd", "hot_deformed")


def row_problems(table: pd.DataFrame) -> list[str]:
    """One line per row of a user's measured-magnet table that cannot be used (empty when all can).

    Each line names the row (1-based, as in a spreadsheet below its header), the field, what was wrong and
    what is valid.
    """
    out = []
    for i, (_, r) in enumerate(table.iterrows(), start=1):
        where = f"row {i}"
        route = str(r.get("route", "")).strip()
        if route not in _USER_ROUTES:
            out.append(
                f"{where}, route: {route!r} is not a route calibration fits; valid: {', '.join(_USER_ROUTES)}"
            )
            continue
        basis = r.get("composition_basis", "mass")
        alloy = parse_composition(r.get("composition"), basis)
        if alloy is None:
            out.append(
                f"{where}, composition: {r.get('composition')!r} is not a composition in basis {basis!r} "
                "(e.g. 'Nd 23, Pr 7, Dy 1, B 0.95, Fe bal' with composition_basis mass or atomic)"
            )
            continue
        for col, lo, hi, unit in (("br_T", 0.05, 1.7, "T"), ("hcj_kA_per_m", 10.0, 4000.0, "kA/m")):
            v = _num(r.get(col))
            if not (np.isfinite(v) and lo <= v <= hi):
                out.append(f"{where}, {col}: {r.get(col)!r} is not a number in [{lo}, {hi}] {unit}")
                break
        else:
            if route == "sintered_gbd":
                el, amt = r.get("gbd_element"), _num(r.get("gbd_mass_percent"))
                if el not in ("Tb", "Dy") or not (np.isfinite(amt) and 0 < amt <= 5):
                    out.append(
                        f"{where}, gbd_element/gbd_mass_percent: sintered_gbd needs gbd_element 'Tb' or 'Dy' "
                        f"and gbd_mass_percent in (0, 5] wt%, got {el!r}, {r.get('gbd_mass_percent')!r}"
                    )
                    continue
                have = 100.0 * float(alloy.get_mass_fraction(el)[0])
                if have + 1e-7 < amt:
                    out.append(
                        f"{where}, composition: holds {have:.3g} wt% {el}, less than gbd_mass_percent "
                        f"{amt:g} wt%; give the finished magnet's composition, diffused {el} included"
                    )
                    continue
            bad = _optional_problem(r)
            if bad:
                out.append(f"{where}, {bad}")
    return out


#: optional numeric columns of a user's measured-magnet table: valid range (None: the model's temperature
#: domain, ``model_domain.csv``), unit, and what an empty cell means (a text or out-of-range cell is
#: refused, never read as empty)
_OPTIONAL_COLUMNS: tuple[tuple[str, float | None, float | None, str, str], ...] = (
    ("temperature_C", None, None, "°C", "20 °C"),
    ("grain_size_um", 0.01, 100.0, "µm", "the route's typical grain size"),
    ("thickness_mm", 0.1, 100.0, "mm", "5 mm"),
    ("beta_hcj_pct_per_K", -2.0, 0.0, "%/K", "no β"),
)


def stated_range(text: Any) -> tuple[float, float] | None:
    """Temperature range of a coefficient as printed, e.g. '20-150' → (20, 150); None when not stated."""
    # a minus sign only where a number starts ("-40-150" is −40 to 150; "20-150" is 20 to 150)
    nums = [float(v) for v in re.findall(r"(?<![\d.])-?\d+(?:\.\d+)?", str(text or ""))]
    if len(nums) >= 2 and nums[1] > nums[0]:
        return nums[0], nums[1]
    return None


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


def _optional_problem(r: pd.Series) -> str:
    """What is wrong with a row's optional cells ('' when nothing): each must be empty or a number in range."""
    from substitute.properties.domain import temperature_bounds

    for col, lo, hi, unit, empty in _OPTIONAL_COLUMNS:
        if lo is None or hi is None:
            lo, hi = temperature_bounds()
        v = r.get(col)
        if _blank(v):
            continue
        x = float("nan") if isinstance(v, bool | np.bool_) else _num(v)
        if not (np.isfinite(x) and lo <= x <= hi):
            return (
                f"{col}: {v!r} is not a number in [{lo:g}, {hi:g}] {unit} "
                f"(leave it empty for {empty})"
            )
    text = r.get("coefficient_range_C")
    if not _blank(text) and stated_range(text) is None:
        return f"coefficient_range_C: {text!r} is not a temperature range such as '20-150' (°C, low-high)"
    return ""


VENDOR_FILE = "grades/vendor_grades.csv"


@cache
def vendor_grades() -> pd.DataFrame:
    """The vendor grade table (``datasets/grades/vendor_grades.csv``)."""
    return data.read_csv(VENDOR_FILE)


def vendor_beta_observations() -> list[AbsoluteObs]:
    """β of heavy-RE-free (N-suffix) sintered grades: one observation per vendor (its mean over grades).

    The chemistry is the sintered reference (``physics/reference_chemistries.csv``): an N grade holds no
    Dy or Tb, and its β is what the temperature law must give for such a magnet. Only β is used — a
    vendor's Br and HcJ minima span grades whose chemistries differ in ways the tables do not state.
    """
    g = vendor_grades()
    n = g[(g["family"] == "sintered_ndfeb") & g["grade"].astype(str).str.fullmatch(r"N?\d{2}")]
    n = n.dropna(subset=["beta_hcj_pct_per_K"])
    out = []
    for vendor, rows in n.groupby("vendor"):
        rng = rows["coefficient_range_C"].dropna()
        out.append(
            AbsoluteObs(
                f"vendor N grades ({len(rows)})",
                f"vendor:{vendor}",
                State(reference_alloy("sintered"), "sintered", 20.0, {}),
                float("nan"),
                float("nan"),
                float(rows["beta_hcj_pct_per_K"].mean()),
                str(rng.iloc[0]) if len(rng) else "20-100",
            )
        )
    return out
