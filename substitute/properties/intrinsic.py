"""Intrinsic properties of the 2:14:1 main phase from an alloy's composition.

The chain is: alloy (atomic basis) → rare-earth site occupancy of the R2(Fe,Co)14B phase (the RE
excess beyond stoichiometry goes to the grain boundary) → Js, μ0HA and Tc at 295 K by mixing rules
fitted to the measured series in ``datasets/physics/`` → temperature dependence (Kuz'min for Js, a
power of the reduced magnetisation for HA).

All functions are vectorised over alloys; SI inside (T, K), °C only at the public edge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from substitute.errors import InputError
from substitute.properties import _tables as tb

__all__ = [
    "MainPhase",
    "MainPhaseIntrinsics",
    "anisotropy_field",
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
    """

    x: np.ndarray
    co_site_fraction: np.ndarray
    re_atomic_fraction: np.ndarray
    formula_units: np.ndarray
    mass_fraction: np.ndarray
    re_site_mol_per_g: np.ndarray


@dataclass(frozen=True)
class MainPhaseIntrinsics:
    """Main-phase intrinsic properties at 295 K and the parameters of their T dependence.

    Attributes
    ----------
    js_295 : ndarray
        Saturation polarization Js at 295 K [T].
    ha_295 : ndarray
        Anisotropy field μ0HA at 295 K [T].
    tc_K : ndarray
        Curie temperature [K].
    s : ndarray
        Kuz'min shape parameter [–].
    m_295 : ndarray
        Kuz'min reduced magnetisation at 295 K [–].
    """

    js_295: np.ndarray
    ha_295: np.ndarray
    tc_K: np.ndarray
    s: np.ndarray
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
    return MainPhase(x, z, re_tot, n_fu, mass_fraction, re_site_mol_per_g)


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


def mix_intrinsics(x: np.ndarray, co_site_fraction: np.ndarray) -> MainPhaseIntrinsics:
    """Js, μ0HA and Tc at 295 K of (R1, R2, …)2(Fe,Co)14B by the fitted mixing rules.

    Each property is linear in the RE site fractions plus a quadratic bowing term between the
    light-RE host (Nd+Pr) and each guest, fitted per series (``physics/r2fe14b_mixing_series.csv``);
    Co on Fe sites scales Js and HA and shifts Tc along the measured Nd2(Fe,Co)14B series.

    Parameters
    ----------
    x : ndarray, shape (n, 9)
        RE site fractions [–].
    co_site_fraction : ndarray, shape (n,)
        Co/(Fe+Co) [–].

    Returns
    -------
    MainPhaseIntrinsics
    """
    v = tb.end_member_vectors()
    host = x[:, 0] + x[:, 1]
    js = x @ v["js_295K_T"] + host * (x @ v["bow_js_T"])
    ha = x @ v["mu0ha_295K_T"] + host * (x @ v["bow_ha_T"])
    tc = x @ v["tc_K"] + host * (x @ v["bow_tc_K"])
    s = x @ v["kuzmin_s"]
    co = tb.cobalt_curves()
    if np.any(co_site_fraction > 0):
        js = js * np.interp(co_site_fraction, co["js_z"], co["js_ratio"])
        ha = ha * np.interp(co_site_fraction, co["ha_z"], co["ha_ratio"])
        tc = tc + np.interp(co_site_fraction, co["tc_z"], co["tc_shift_K"])
    m295 = kuzmin_m(T_REF_K / tc, s)
    return MainPhaseIntrinsics(js, ha, tc, s, m295)


def polarization(mi: MainPhaseIntrinsics, temperature_K: np.ndarray | float) -> np.ndarray:
    """Saturation polarization Js(T) [T] (Kuz'min shape anchored at 295 K)."""
    m = kuzmin_m(temperature_K / mi.tc_K, mi.s)
    return mi.js_295 * m / mi.m_295


def anisotropy_field(
    mi: MainPhaseIntrinsics,
    temperature_K: np.ndarray | float,
    ha_295: np.ndarray | None = None,
    m: np.ndarray | None = None,
) -> np.ndarray:
    """Anisotropy field μ0HA(T) [T] = μ0HA(295 K)·(m(T)/m(295 K))^p, p fitted (``ha_temperature_exponent``)."""
    p = tb.params()["global"]["ha_temperature_exponent"]
    if m is None:
        m = kuzmin_m(temperature_K / mi.tc_K, mi.s)
    base = mi.ha_295 if ha_295 is None else ha_295
    return base * (m / mi.m_295) ** p


def _temperatures_K(temperature_C) -> np.ndarray:
    t = np.atleast_1d(np.asarray(temperature_C, dtype=float))
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)):
        msg = f"temperature_C must be a finite number or a 1-D list of numbers [°C], got {temperature_C!r}"
        raise InputError(msg)
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
        polarization [T]), ``mu0ha_T`` (anisotropy field [T]), ``k1_MJ_per_m3`` (effective
        anisotropy constant μ0HA·Js/(2μ0) [MJ/m³]), ``tc_C`` (Curie temperature [°C]),
        ``main_phase_mass_fraction`` [–] and ``co_site_fraction`` [–]. Above Tc Js = HA = 0.

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
    mi = mix_intrinsics(mp.x, mp.co_site_fraction)
    n, nt = len(batch), t_c.size
    T = np.repeat(t_c[None, :] + 273.15, n, axis=0)  # (n, nt)
    mi_b = MainPhaseIntrinsics(*(np.repeat(a[:, None], nt, axis=1) for a in vars(mi).values()))
    js = polarization(mi_b, T)
    ha = anisotropy_field(mi_b, T)
    out = pd.DataFrame(
        {
            "alloy": np.repeat(np.asarray(batch.names, dtype=object), nt),
            "temperature_C": np.tile(t_c, n),
            "js_T": js.ravel(),
            "mu0ha_T": ha.ravel(),
            "k1_MJ_per_m3": (ha * js / (2.0 * tb.MU0) / 1e6).ravel(),
            "tc_C": np.repeat(mi.tc_K - 273.15, nt),
            "main_phase_mass_fraction": np.repeat(mp.mass_fraction, nt),
            "co_site_fraction": np.repeat(mp.co_site_fraction, nt),
        }
    )
    from substitute.properties._tables import audit_stamp

    out.attrs["audit"] = audit_stamp()
    return out
