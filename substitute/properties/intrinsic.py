"""Intrinsic properties of the 2:14:1 main phase from an alloy's composition: Js(T), K1(T), μ0HA(T), Tc.

The chain is: alloy (atomic basis) → rare-earth site occupancy of the R2(Fe,Co)14B phase (the RE excess
beyond stoichiometry goes to the grain boundary) → end-member data (``physics/r2fe14b_intrinsic.csv``) →
mixture:

* **Js(T)** — each end member R carries an Fe-sublattice part A_R·m(t) and, for a magnetic rare earth, an RE
  sublattice part B_R·m(t)^γ_R (antiparallel for heavy RE: B < 0), with m the Kuz'min reduced magnetisation
  (Kuz'min, PRL 94, 107204 (2005)) and t = T/Tc. Light and non-magnetic end members (Nd, Pr, Ce, La, Y) are
  one Kuz'min curve through their 4.2 K and 295 K data (B = 0); heavy ones (Dy, Tb, Ho, Gd) take the Fe
  sublattice of Y2Fe14B (1.5895 T at 5 K, 1.4073 T at 300 K; Herbst 1991) and B_R = Js(4 K) − 1.5895 T with γ_R
  solved from their 295 K value, so Dy2Fe14B rises from 0.57 T at 4 K to 0.71 T at 295 K as measured. A mixture
  adds the parts by site fraction and shares one reduced temperature T/Tc(mixture).
* **K1(T)** — single-ion additivity on the RE sublattice: K1(295 K) = Σ x_R K_R, K_R = μ0HA_R·Js_R/(2μ0) of
  the end members (Nd 4.65, Dy 4.24, Tb 6.13 MJ/m³ …), plus a fitted host–guest bowing term for guests whose
  measured mixing series support one; K1(T) = K1(295 K)·(m(T)/m(295 K))^p with p fitted on temperature
  evidence. **μ0HA = 2μ0K1/Js**, so Tb raises HA about 1.6× as much as Dy per atom (its K is 1.45× Nd's,
  Dy's 0.91×, both lower Js).
* **Tc** — linear in site fractions plus fitted bowing, shifted by Co on Fe sites (measured Nd2(Fe,Co)14B
  series) and lowered by Al and Ga on Fe sites (fitted shift per at%, with its source in the parameters).

All functions are vectorised over alloys; SI inside (T, K, J/m³), °C only at the public edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import cast

import numpy as np
import pandas as pd

from substitute.arrays import number_array
from substitute.errors import InputError
from substitute.properties import _tables as tb

__all__ = [
    "EndMembers",
    "MainPhase",
    "MainPhaseIntrinsics",
    "anisotropy_constant",
    "anisotropy_field",
    "end_members",
    "intrinsic",
    "kuzmin_m",
    "main_phase",
    "main_phase_from_fractions",
    "mix_intrinsics",
    "polarization",
]

T_REF_K = 295.0
"""Reference temperature of the tabulated end members [K]."""

_FE_SITE = ("Fe", "Co")
_Y_FE_SUBLATTICE = (1.5895, 1.4073, 565.0)
"""Fe sublattice of the heavy-RE end members: Y2Fe14B Js at 5 K and 300 K [T] and Tc [K] (Herbst, Rev. Mod.
Phys. 63, 819 (1991), via MaMMoS m-tcsum_nur_new.csv)."""


@dataclass(frozen=True)
class MainPhase:
    """Site occupancy and amount of the 2:14:1 phase of n alloys.

    Attributes
    ----------
    x : ndarray, shape (n, 9)
        RE site fractions [–] of :data:`substitute.properties._tables.MAIN_PHASE_RE`
        (Nd, Pr, Dy, Tb, Ho, Gd, Ce, La, Y); rows sum to 1 where a 2:14:1-forming RE is present.
    co_site_fraction : ndarray, shape (n,)
        Co/(Fe+Co) on the transition-metal sites [–].
    re_atomic_fraction : ndarray, shape (n,)
        Atomic fraction of 2:14:1-forming RE in the alloy [–, atomic basis].
    formula_units : ndarray, shape (n,)
        Formula units R2M14B per atom of alloy [–] (min of RE/2, (Fe+Co)/14, B).
    mass_fraction : ndarray, shape (n,)
        Mass fraction of the alloy in the 2:14:1 phase [–, mass basis]; used as its volume fraction.
    re_site_mol_per_g : ndarray, shape (n,)
        Moles of main-phase RE sites per gram of alloy [mol/g] (converts a diffused HRE mass to a
        site fraction).
    re_excess_atomic : ndarray, shape (n,)
        RE atoms per atom of alloy beyond the main phase's need [–] (what forms the RE-rich grain
        boundary).
    b_deficit_atomic : ndarray, shape (n,)
        B atoms per atom of alloy missing for the RE and TM to form 2:14:1 [–] (≥ 0; low-B alloys).
    """

    x: np.ndarray
    co_site_fraction: np.ndarray
    re_atomic_fraction: np.ndarray
    formula_units: np.ndarray
    mass_fraction: np.ndarray
    re_site_mol_per_g: np.ndarray
    re_excess_atomic: np.ndarray
    b_deficit_atomic: np.ndarray


@dataclass(frozen=True)
class MainPhaseIntrinsics:
    """Mixture parameters of the main phase: enough to evaluate Js(T), K1(T) and HA(T) cheaply.

    Attributes
    ----------
    a : ndarray
        Fe-sublattice (or single-curve) part of Js at 0 K [T].
    b : ndarray
        RE-sublattice part of Js at 0 K [T] (negative for heavy RE).
    gamma : ndarray
        Exponent of the RE-sublattice reduced magnetisation, m^γ [–].
    s : ndarray
        Kuz'min shape parameter of the mixture [–].
    tc_K : ndarray
        Curie temperature [K].
    k1_295 : ndarray
        Anisotropy constant K1 at 295 K [J/m³].
    js_295, ha_295 : ndarray
        Js [T] and μ0HA [T] at 295 K.
    m_295 : ndarray
        Kuz'min reduced magnetisation at 295 K [–].
    """

    a: np.ndarray
    b: np.ndarray
    gamma: np.ndarray
    s: np.ndarray
    tc_K: np.ndarray
    k1_295: np.ndarray
    js_295: np.ndarray
    ha_295: np.ndarray
    m_295: np.ndarray


def kuzmin_m(t: np.ndarray, s: np.ndarray | float) -> np.ndarray:
    """Kuz'min reduced magnetisation m = Ms(T)/Ms(0).

    m(t) = [1 − s·t^{3/2} − (1 − s)·t^{5/2}]^{1/3}, t = T/Tc (Kuz'min, PRL 94, 107204 (2005)).

    Parameters
    ----------
    t : ndarray
        Reduced temperature T/Tc [–]; values ≥ 1 give 0.
    s : ndarray or float
        Shape parameter [–].

    Returns
    -------
    ndarray
        m, between 0 and 1 [–].
    """
    t = np.clip(t, 0.0, 1.0)
    rt = np.sqrt(t)
    t15 = t * rt
    t25 = t15 * t
    inner = 1.0 - s * t15 - (1.0 - s) * t25
    return np.cbrt(np.maximum(inner, 0.0))


def _solve_s(ratio: float, t: float) -> float:
    """Kuz'min s with m(t; s) = ratio (bisection; m decreases as s increases)."""
    lo, hi = -6.0, 6.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if float(kuzmin_m(np.array(t), mid)) > ratio:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclass(frozen=True)
class EndMembers:
    """Per end member (over :data:`MAIN_PHASE_RE`): Js split (a, b, γ), Kuz'min s, Tc, K1(295 K)."""

    a: np.ndarray
    b: np.ndarray
    gamma: np.ndarray
    s: np.ndarray
    tc_K: np.ndarray
    k1_295: np.ndarray
    js_295: np.ndarray


@cache
def end_members() -> EndMembers:
    """End-member parameters derived from ``physics/r2fe14b_intrinsic.csv`` (no fitting: solved exactly).

    Light or non-magnetic RE: one Kuz'min curve through Js(4.2 K) and Js(295 K) at the tabulated Tc.
    Heavy RE (antiparallel moment): the Fe sublattice of Y2Fe14B plus an RE sublattice B·m^γ with
    B = Js(4 K) − 1.5895 T and γ from Js(295 K).
    """
    tab = tb.intrinsic_table()
    fe0, fe300, fe_tc = _Y_FE_SUBLATTICE
    s_fe = _solve_s(fe300 / fe0, 300.0 / fe_tc)
    out: dict[str, list[float]] = {
        k: [] for k in ("a", "b", "gamma", "s", "tc_K", "k1_295", "js_295")
    }
    for r in tb.MAIN_PHASE_RE:
        row = cast(pd.Series, tab.loc[r])
        j0, j295, tc = float(row.js_4K_T), float(row.js_295K_T), float(row.tc_K)
        ha = float(row.mu0ha_295K_T)
        if row.re_moment == "antiparallel":
            m_fe = float(kuzmin_m(np.array(T_REF_K / tc), s_fe))
            b0 = j0 - fe0
            b295 = j295 - fe0 * m_fe
            gamma = float(np.log(b295 / b0) / np.log(m_fe)) if b295 / b0 > 0 else 1.0
            a, b, s = fe0, b0, s_fe
        else:
            a, b, gamma = j0, 0.0, 1.0
            s = _solve_s(j295 / j0, T_REF_K / tc)
        out["a"].append(a)
        out["b"].append(b)
        out["gamma"].append(gamma)
        out["s"].append(s)
        out["tc_K"].append(tc)
        out["k1_295"].append(ha * j295 / (2.0 * tb.MU0))
        out["js_295"].append(j295)
    return EndMembers(**{k: np.asarray(v, dtype=float) for k, v in out.items()})


def main_phase_from_fractions(
    atomic: dict[str, np.ndarray], mean_atomic_mass: np.ndarray
) -> MainPhase:
    """Main phase from atomic fractions (array core of :func:`main_phase`).

    Parameters
    ----------
    atomic : dict of str → ndarray (n,)
        Atomic fractions [–, atomic basis] of at least the main-phase RE, Fe, Co and B (missing keys
        count as zero).
    mean_atomic_mass : ndarray (n,)
        Mean atomic mass of each alloy [g/mol].

    Returns
    -------
    MainPhase
    """
    from substitute.elements import atomic_masses

    n = len(mean_atomic_mass)
    zero = np.zeros(n)
    re = np.stack([atomic.get(r, zero) for r in tb.MAIN_PHASE_RE], axis=1)
    re_tot = re.sum(axis=1)
    fe = atomic.get("Fe", zero)
    co = atomic.get("Co", zero)
    b = atomic.get("B", zero)
    tm = fe + co
    safe_re = np.where(re_tot > 0, re_tot, 1.0)
    x = re / safe_re[:, None]
    z = np.where(tm > 0, co / np.where(tm > 0, tm, 1.0), 0.0)
    n_fu = np.minimum(np.minimum(re_tot / 2.0, tm / 14.0), b)
    m_re = atomic_masses(tb.MAIN_PHASE_RE)
    m_fe, m_co, m_b = atomic_masses(("Fe", "Co", "B"))
    fu_mass = 2.0 * (x @ m_re) + 14.0 * ((1.0 - z) * m_fe + z * m_co) + m_b
    mass_fraction = np.clip(n_fu * fu_mass / mean_atomic_mass, 0.0, 1.0)
    re_site_mol_per_g = 2.0 * n_fu / mean_atomic_mass
    re_excess = np.maximum(re_tot - 2.0 * n_fu, 0.0)
    b_deficit = np.maximum(np.minimum(re_tot / 2.0, tm / 14.0) - b, 0.0)
    return MainPhase(x, z, re_tot, n_fu, mass_fraction, re_site_mol_per_g, re_excess, b_deficit)


def main_phase(batch) -> MainPhase:
    """RE site occupancy and amount of the 2:14:1 phase of each alloy.

    All 2:14:1-forming rare earths (Nd, Pr, Dy, Tb, Ho, Gd, Ce, La, Y) share the RE sites in
    proportion to their atomic amounts; Co sits on Fe sites; the number of formula units is limited
    by RE/2, (Fe+Co)/14 or B, and what is left forms the grain-boundary and secondary phases.

    Parameters
    ----------
    batch : AlloyBatch
        Alloys (atomic fractions are taken from it).

    Returns
    -------
    MainPhase
    """
    from substitute.elements import atomic_masses

    atomic = {s: batch.get_atomic_fraction(s) for s in (*tb.MAIN_PHASE_RE, *_FE_SITE, "B")}
    mean_mass = batch.atomic_array @ atomic_masses(batch.elements)
    return main_phase_from_fractions(atomic, mean_mass)


def mix_intrinsics(
    x: np.ndarray,
    co_site_fraction: np.ndarray,
    al_ga_atomic: tuple[np.ndarray, np.ndarray] | None = None,
    params: dict | None = None,
) -> MainPhaseIntrinsics:
    """Mixture parameters of (R1, R2, …)2(Fe,Co)14B from the end members.

    Parameters
    ----------
    x : ndarray, shape (n, 9)
        RE site fractions [–].
    co_site_fraction : ndarray, shape (n,)
        Co/(Fe+Co) [–].
    al_ga_atomic : (ndarray, ndarray), optional
        Atomic fractions of Al and Ga in the alloy [–]; they lower Tc (fitted shift per at%).
    params : dict, optional
        Model parameters (default the shipped ones).

    Returns
    -------
    MainPhaseIntrinsics
    """
    p = params if params is not None else tb.params()
    em = end_members()
    intr = p["intrinsic"]
    host = x[:, 0] + x[:, 1]
    # one (n, 9) @ (9, 8) product instead of several (n, 9) temporaries (10^6 alloys in the ranking)
    bow_tc = np.asarray(intr["bow_tc_K"], dtype=float)
    bow_k = np.asarray(intr["bow_k1_J_per_m3"], dtype=float)
    babs = np.abs(em.b)
    cols = np.column_stack(
        [em.a, em.b, babs, babs * em.gamma, em.a * em.s, em.tc_K + 0.0, bow_tc, em.k1_295]
    )
    m = x @ cols
    a, b, bsum, gnum, asum_s = m[:, 0], m[:, 1], m[:, 2], m[:, 3], m[:, 4]
    gamma = np.where(bsum > 0, gnum / np.where(bsum > 0, bsum, 1.0), 1.0)
    s = asum_s / np.maximum(a, 1e-12)
    tc = m[:, 5] + host * m[:, 6]
    k1 = m[:, 7] + host * (x @ bow_k)
    co = tb.cobalt_curves()
    js_ratio = ha_ratio = 1.0
    if np.any(co_site_fraction > 0):
        js_ratio = np.interp(co_site_fraction, co["js_z"], co["js_ratio"])
        ha_ratio = np.interp(co_site_fraction, co["ha_z"], co["ha_ratio"])
        tc = tc + np.interp(co_site_fraction, co["tc_z"], co["tc_shift_K"])
    if al_ga_atomic is not None:
        al, ga = al_ga_atomic
        tc = tc + 100.0 * (
            intr["tc_shift_K_per_at_pct_al"] * al + intr["tc_shift_K_per_at_pct_ga"] * ga
        )
    a = a * js_ratio
    b = b * js_ratio
    m295 = kuzmin_m(T_REF_K / tc, s)
    js295 = a * m295 + b * m295**gamma
    # K at 295 K of the mixture; the Co curve scales HA, so K scales by HA ratio × Js ratio
    k1 = k1 * ha_ratio * js_ratio
    ha295 = 2.0 * tb.MU0 * k1 / np.maximum(js295, 1e-9)
    return MainPhaseIntrinsics(a, b, gamma, s, tc, k1, js295, ha295, m295)


def polarization(mi: MainPhaseIntrinsics, temperature_K: np.ndarray | float) -> np.ndarray:
    """Saturation polarization Js(T) [T]: Fe-sublattice part plus the (signed) RE-sublattice part."""
    m = kuzmin_m(temperature_K / mi.tc_K, mi.s)
    return np.maximum(mi.a * m + mi.b * m**mi.gamma, 0.0)


def anisotropy_constant(
    mi: MainPhaseIntrinsics,
    temperature_K: np.ndarray | float,
    k1_295: np.ndarray | None = None,
    m: np.ndarray | None = None,
    params: dict | None = None,
) -> np.ndarray:
    """K1(T) [J/m³] = K1(295 K)·(m(T)/m(295 K))^p (p: ``global.k1_temperature_exponent``)."""
    p = (params if params is not None else tb.params())["global"]["k1_temperature_exponent"]
    if m is None:
        m = kuzmin_m(temperature_K / mi.tc_K, mi.s)
    base = mi.k1_295 if k1_295 is None else k1_295
    return base * (m / mi.m_295) ** p


def anisotropy_field(
    mi: MainPhaseIntrinsics,
    temperature_K: np.ndarray | float,
    k1_295: np.ndarray | None = None,
    params: dict | None = None,
) -> np.ndarray:
    """Anisotropy field μ0HA(T) = 2μ0K1(T)/Js(T) [T]."""
    m = kuzmin_m(temperature_K / mi.tc_K, mi.s)
    k = anisotropy_constant(mi, temperature_K, k1_295, m, params)
    js = np.maximum(mi.a * m + mi.b * m**mi.gamma, 1e-9)
    return np.where(m > 0, 2.0 * tb.MU0 * k / js, 0.0)


def _temperatures_K(temperature_C) -> np.ndarray:
    t = number_array("temperature_C", temperature_C, "°C")
    if np.any(t <= -273.15):
        msg = f"temperature_C must be above absolute zero (-273.15 °C), got {t.min()}"
        raise InputError(msg)
    return t


def require_main_phase(mp: MainPhase, names, route: str) -> None:
    """Raise :class:`InputError` when an alloy has no 2:14:1-forming rare earth or no B/Fe."""
    bad = np.flatnonzero((mp.re_atomic_fraction <= 0) | (mp.formula_units <= 0))
    if bad.size:
        shown = ", ".join(repr(names[i]) for i in bad[:3])
        msg = (
            f"route {route!r} needs a 2:14:1 main phase, but alloy(s) {shown} have no "
            f"2:14:1-forming rare earth ({', '.join(tb.MAIN_PHASE_RE)}) or no Fe/B; "
            "use a route of another family (e.g. 'smco5', 'ferrite') or fix the composition"
        )
        raise InputError(msg)


def al_ga(batch) -> tuple[np.ndarray, np.ndarray]:
    """Atomic fractions of Al and Ga (they sit on Fe sites and lower Tc)."""
    return batch.get_atomic_fraction("Al"), batch.get_atomic_fraction("Ga")


def intrinsic(alloy_or_batch, temperature_C=20.0) -> pd.DataFrame:
    """Intrinsic properties of each alloy's 2:14:1 main phase.

    Parameters
    ----------
    alloy_or_batch : Alloy, AlloyBatch or str
        Alloy(s); a string must carry its basis (``wt%`` or ``at%``).
    temperature_C : float or sequence of float, default 20
        Temperature(s) [°C].

    Returns
    -------
    pandas.DataFrame
        One row per alloy × temperature with ``alloy``, ``temperature_C``, ``js_T`` (saturation
        polarization [T]), ``mu0ha_T`` (anisotropy field [T]), ``k1_MJ_per_m3`` (anisotropy constant
        K1 [MJ/m³]), ``tc_C`` (Curie temperature [°C]), ``main_phase_mass_fraction`` [–] and
        ``co_site_fraction`` [–]. Above Tc Js = HA = 0.

    Raises
    ------
    InputError
        No 2:14:1-forming rare earth, or a bad temperature.
    """
    from substitute.composition import as_batch

    batch = as_batch(alloy_or_batch)
    t_c = _temperatures_K(temperature_C)
    mp = main_phase(batch)
    require_main_phase(mp, batch.names, "intrinsic")
    mi = mix_intrinsics(mp.x, mp.co_site_fraction, al_ga(batch))
    n, nt = len(batch), t_c.size
    T = t_c[None, :] + 273.15  # (1, nt)
    mi_b = MainPhaseIntrinsics(*(np.asarray(a)[:, None] for a in vars(mi).values()))
    js = polarization(mi_b, T)
    k1 = anisotropy_constant(mi_b, T)
    ha = anisotropy_field(mi_b, T)
    out = pd.DataFrame(
        {
            "alloy": np.repeat(np.asarray(batch.names, dtype=object), nt),
            "temperature_C": np.tile(t_c, n),
            "js_T": np.broadcast_to(js, (n, nt)).ravel(),
            "mu0ha_T": np.broadcast_to(ha, (n, nt)).ravel(),
            "k1_MJ_per_m3": np.broadcast_to(np.where(js > 0, k1, 0.0) / 1e6, (n, nt)).ravel(),
            "tc_C": np.repeat(mi.tc_K - 273.15, nt),
            "main_phase_mass_fraction": np.repeat(mp.mass_fraction, nt),
            "co_site_fraction": np.repeat(mp.co_site_fraction, nt),
        }
    )
    out.attrs["audit"] = tb.audit_stamp()
    return out
