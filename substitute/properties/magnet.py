"""Extrinsic magnet properties from composition and route.

Chain (SI inside, μ0H in tesla): main phase → Js(T), μ0HA(T) → route microstructure →

* Br = Js·f(2:14:1)·br_factor (density × alignment, fitted per route);
* μ0HcJ = E[max(α_eff·μ0HA − Neff·Js + e, 0)] (Kronmüller), Neff rising with ln(grain size) (Bance 2014),
  e the grain-to-grain scatter of the stray-field term (sd ``neff_spread``·Neff·Js, :func:`spread_positive`):
  the sharp law where the mean term is large, a positive tail where it crosses zero;
  for ``sintered_gbd`` HA is that of the HRE-enriched grain shell at depth t/4 (HcJ) and t/2
  (knee), with an exponential depth profile from each face;
* demagnetisation loop with linear recoil (μrec) to the knee field Hk = squareness·HcJ, then a
  linear drop of J to zero at HcJ → HcB and (BH)max (never above Js²/4μ0, since Br ≤ Js);
* α(Br), β(HcJ) over 20–100 and 20–150 °C; Tmax: highest T with
  Hk(T) ≥ k·(|H_w(T)| + H_ext), H_w = Br/(μ0(Pc + μrec)), k (``tmax_margin``) fitted so that the
  magnet that just meets each suffix's HcJ minimum reaches the vendors' Tw at Pc = 2 (median over suffixes).

The parameters are fitted on measured evidence (:mod:`substitute.properties.calibration`); the 90 %
intervals are the leave-one-source-out residual quantiles of each route group. Outside the applicability
domain (:mod:`substitute.properties.domain`: bounds, levers beyond the evidence, above Tc, above a bonded
magnet's binder limit, where Tmax is also capped) the intervals widen, ``in_domain`` is False,
``domain_reason`` says why and :func:`predict` warns once (:class:`~substitute.errors.ModelDomainWarning`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from substitute.arrays import per_alloy
from substitute.errors import InputError
from substitute.properties import _tables as tb
from substitute.properties import domain as dom
from substitute.properties.intrinsic import (
    MainPhaseIntrinsics,
    _temperatures_K,
    al_ga,
    kuzmin_m,
    main_phase,
    mix_intrinsics,
    polarization,
    require_main_phase,
)
from substitute.properties.microstructure import Micro, microstructure_of
from substitute.properties.routes import (
    FAMILY_ROUTES,
    RouteParams,
    check_route,
    microstructure,
    resolve_route_params,
)

__all__ = [
    "EXTRA_COLUMNS",
    "PROPERTY_COLUMNS",
    "demag_curve",
    "loop_hcb_bhmax",
    "predict",
    "predict_arrays",
]

MU0 = tb.MU0
KA = 1e3 * MU0  # tesla per kA/m
T_LOW_K = 233.15  # lower end of the Tmax search (−40 °C)
_BISECT_STEPS = 6  # + linear interpolation in the last bracket: < 0.01 K vs 20 steps

PROPERTY_COLUMNS: tuple[str, ...] = (
    "br_T",
    "hcj_kA_per_m",
    "hcb_kA_per_m",
    "bhmax_kJ_per_m3",
    "tc_C",
    "alpha_br_20_100_pct_per_K",
    "alpha_br_20_150_pct_per_K",
    "beta_hcj_20_100_pct_per_K",
    "beta_hcj_20_150_pct_per_K",
    "tmax_C",
)
"""Property columns of :func:`predict` (each also with ``_lo`` and ``_hi``)."""

EXTRA_COLUMNS: tuple[str, ...] = ("hk_kA_per_m",)
"""Further columns of :func:`predict`: knee field Hk (onset of irreversible loss) [kA/m]."""


# ----------------------------------------------------------------------------------------- loop
def loop_hcb_bhmax(
    br: np.ndarray, hcj: np.ndarray, hk: np.ndarray, mu_rec: float
) -> tuple[np.ndarray, np.ndarray]:
    """Normal coercivity and energy product of the model demagnetisation loop.

    J(H) = Br + (μrec − 1)μ0H down to the knee |H| = Hk, then falls linearly to 0 at HcJ.

    Parameters
    ----------
    br : ndarray
        Remanence [T].
    hcj : ndarray
        μ0HcJ [T].
    hk : ndarray
        μ0Hk, knee field [T] (≤ μ0HcJ).
    mu_rec : float
        Recoil permeability [–].

    Returns
    -------
    (ndarray, ndarray)
        μ0HcB [T] and (BH)max [J/m³].
    """
    br, hcj, hk = np.broadcast_arrays(br, hcj, np.minimum(hk, hcj))
    hcb = br / mu_rec  # linear loop: B = 0 before the knee
    bh = br * br / (4.0 * mu_rec)
    need = hk < hcb  # knee reached before B = 0: coercivity-limited part of the loop
    if need.any():
        i = np.flatnonzero(need.ravel())
        b_, c_, k_ = br.ravel()[i], hcj.ravel()[i], hk.ravel()[i]
        d = np.maximum(c_ - k_, 1e-9)
        jk = np.maximum(b_ - (mu_rec - 1.0) * k_, 0.0)
        hcb_i = jk * c_ / (d + jk)
        hstar = b_ / (2.0 * mu_rec)
        bh1 = np.where(hstar <= k_, b_ * b_ / (4.0 * mu_rec), (b_ - mu_rec * k_) * k_)
        a_ = jk * c_ / d
        s_ = jk / d + 1.0
        h2 = np.clip(a_ / (2.0 * s_), k_, c_)
        bh_i = np.maximum(np.maximum(bh1, (a_ - s_ * h2) * h2), 0.0)
        hcb = hcb.copy().ravel()
        bh = bh.copy().ravel()
        hcb[i] = hcb_i
        bh[i] = bh_i
        hcb = hcb.reshape(br.shape)
        bh = bh.reshape(br.shape)
    bh = bh / MU0
    return hcb, bh


# ------------------------------------------------------------------------------- NdFeB physics
@dataclass
class _Prepared:
    route: str
    n: int
    mi: MainPhaseIntrinsics
    micro: Micro
    p: float  # K1 temperature exponent
    q_br: tuple[float, float] = (-0.05, 0.05)  # log-offsets of the 90 % interval
    q_hcj: tuple[float, float] = (-0.3, 0.3)
    domain_mask: np.ndarray | None = None  # set by _prepare_ndfeb(domain=True)
    evidence: np.ndarray | None = None
    notes: tuple[str, ...] = ()
    tmax_margin: float = 1.0
    params: dict | None = None
    neff_spread: float = 0.0  # grain-to-grain spread of the stray-field term, relative to Neff·Js


def _prepare_ndfeb(batch, rp: RouteParams, params: dict, domain: bool = True) -> _Prepared:
    route = rp.route
    mp = main_phase(batch)
    require_main_phase(mp, batch.names, route)
    if route == "sintered_gbd":
        _require_diffused_hre(batch, rp)
    mi = mix_intrinsics(mp.x, mp.co_site_fraction, al_ga(batch), params=params)
    micro = microstructure_of(batch, mp, mi, rp, params)
    unc = params["uncertainty"]
    group = "sintered" if route in ("sintered", "sintered_gbd") else route
    q = unc["log_interval"].get(group, unc["log_interval"]["sintered"])
    prep = _Prepared(
        route,
        len(batch),
        mi,
        micro,
        float(params["global"]["k1_temperature_exponent"]),
        (q["br_T"][0], q["br_T"][1]),
        (q["hcj_kA_per_m"][0], q["hcj_kA_per_m"][1]),
        notes=rp.notes,
        tmax_margin=float(params["global"]["tmax_margin"]),
        params=params,
        neff_spread=float(params["global"].get("neff_spread", 0.0)),
    )
    if domain:
        feats = dom.features(batch, mp, rp)
        counts = dom.lever_counts(feats, params)
        prep.domain_mask = dom.domain_mask(feats, route, params, counts)
        prep.evidence = dom.evidence_count(feats, route, params, counts)
    return prep


def _require_diffused_hre(batch, rp: RouteParams) -> None:
    """The alloy of a GBD magnet is the final one: it must hold at least the diffused Tb/Dy."""
    el = rp.gbd_element
    assert rp.gbd_mass_percent is not None  # resolve_route_params requires it for sintered_gbd
    have = batch.get_mass_fraction(el)
    short = np.flatnonzero(have + 1e-9 < rp.gbd_mass_percent / 100.0)
    if short.size:
        i = short[0]
        msg = (
            f"gbd_mass_percent={rp.gbd_mass_percent[i]:.3g} wt% {el}, but alloy {batch.names[i]!r} contains only "
            f"{100 * have[i]:.3g} wt% {el}: pass the final magnet composition including the diffused "
            "heavy rare earth (so that compliance counts it)"
        )
        raise InputError(msg)


_LOGISTIC_SCALE = 0.5513288954217921  # √3/π: the scale b of a logistic distribution of unit sd


def _logistic_scale(sd):
    return np.maximum(_LOGISTIC_SCALE * sd, 1e-12)


def scatter_sd(neff_spread: float, neff, js):
    """Standard deviation [T] of a grain's Kronmüller field: ``neff_spread``·Neff·Js."""
    return neff_spread * (neff * js)


def spread_positive(mu, sd):
    """E[max(X, 0)] where X, a grain's Kronmüller field α·μ0HA − Neff·Js, scatters about its mean ``mu``
    with standard deviation ``sd`` (= s·Neff·Js: the grain-to-grain scatter of the stray-field term).

    X is taken as logistic, whose E[max(X, 0)] = b·ln(1 + e^(mu/b)) has a closed form (a normal scatter
    needs Φ, five times slower on the predict path; same mean and sd). It equals max(mu, 0) for sd = 0 and
    mu when mu ≫ sd, and stays positive where the mean term crosses zero, as measured low-coercivity
    magnets do at high temperature."""
    b = _logistic_scale(sd)
    tail = np.exp(-np.abs(mu) / b)
    np.log1p(tail, out=tail)
    tail *= b
    return np.maximum(mu, 0.0) + tail


def spread_inverse(h, sd):
    """The mean term ``mu`` whose :func:`spread_positive` is ``h`` (> 0)."""
    b = _logistic_scale(sd)
    return h + b * np.log(-np.expm1(-np.asarray(h) / b))


def spread_tail(hcj, sd):
    """True where the mean term is ≤ 0, i.e. HcJ is only the tail of the spread (HcJ ≤ b·ln 2)."""
    return hcj <= _logistic_scale(sd) * np.log(2.0) * (1.0 + 1e-12)


def _state(prep: _Prepared, T_K: np.ndarray | float, which: str = "all", alpha_scale=1.0):
    """Physics at temperature(s) T_K (broadcastable with the alloys): Br, μ0HcJ, μ0Hk [T].

    ``which="parts"`` returns Br, α_eff·μ0HA, Neff·Js of the HcJ region and the spread of the stray-field
    term instead (for anchoring a comparison at a measured base); ``alpha_scale`` multiplies α.
    """
    mi, mc = prep.mi, prep.micro
    m = kuzmin_m(T_K / mi.tc_K, mi.s)
    js = np.maximum(mi.a * m + mi.b * m**mi.gamma, 0.0)
    kscale = np.where(m > 0, (m / mi.m_295) ** prep.p, 0.0)
    inv_js = 2.0 * MU0 / np.maximum(js, 1e-9)
    alpha = mc.alpha * alpha_scale * np.exp(mc.alpha_t * (T_K - 293.15))
    nj = mc.neff * js
    sd = scatter_sd(prep.neff_spread, mc.neff, js)
    br = js * mc.f_br
    if which == "parts":
        return br, alpha * mc.k1_hcj * kscale * inv_js, nj, sd
    a_ha = alpha * kscale * inv_js
    hk = mc.squareness * spread_positive(a_ha * mc.k1_knee - nj, sd)
    if which == "knee":
        return br, None, hk
    if mc.one_region:  # one region sets HcJ and the knee: Hk = squareness·HcJ
        return br, hk / mc.squareness, hk
    hcj = spread_positive(a_ha * mc.k1_hcj - nj, sd)
    hk = np.minimum(hk, mc.squareness * hcj)
    return br, hcj, hk


def _binder_limit_K(route: str) -> float:
    """Highest use temperature of a bonded magnet's binder [K] (vendor Tw of the family,
    ``physics/magnet_families.csv``); infinite for dense routes."""
    if not route.startswith("bonded"):
        return np.inf
    return float(cast(float, tb.families().loc[route, "tw_C"])) + 273.15


def _tmax(
    prep: _Prepared, pc: np.ndarray, hext_T: np.ndarray
) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """Highest temperature [K] with Hk ≥ k(|H_w| + H_ext) (bisection, vectorised); NaN if none ≥ −40 °C."""
    denom = pc + prep.micro.mu_rec
    k = prep.tmax_margin

    def g(T):
        br, _, hk = _state(prep, T, which="knee")
        return hk - k * (br / denom + hext_T)

    lo = np.full(prep.n, T_LOW_K)
    hi = np.maximum(prep.mi.tc_K - 0.5, T_LOW_K + 1.0)
    glo = g(lo)
    ghi = g(hi)
    ok = glo >= 0
    for _ in range(_BISECT_STEPS):
        mid = 0.5 * (lo + hi)
        gm = g(mid)
        pos = gm >= 0
        lo = np.where(pos, mid, lo)
        glo = np.where(pos, gm, glo)
        hi = np.where(pos, hi, mid)
        ghi = np.where(pos, ghi, gm)
    # final linear interpolation inside the last bracket
    frac = np.clip(glo / np.where(glo - ghi > 0, glo - ghi, 1.0), 0.0, 1.0)
    t_star = lo + frac * (hi - lo)
    return np.where(ok, t_star, np.nan), g


def _coeff(a: np.ndarray, b: np.ndarray, dT: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, (b / a - 1.0) / dT * 100.0, np.nan)


def _col(v, n: int):
    return v[:, None] if isinstance(v, np.ndarray) and v.shape == (n,) else v


def _ndfeb_arrays(prep: _Prepared, t_C: np.ndarray, pc, hext_T, widen: float) -> dict:
    n = prep.n
    # set by _prepare_ndfeb (domain=True)
    assert prep.domain_mask is not None
    assert prep.params is not None
    T = t_C[None, :] + 273.15  # (1, nt)
    P = {k: _col(v, n) for k, v in vars(prep).items()}
    P["mi"] = MainPhaseIntrinsics(**{k: _col(v, n) for k, v in vars(prep.mi).items()})
    P["micro"] = Micro(**{k: _col(v, n) for k, v in vars(prep.micro).items()})
    bp = _Prepared(**P)  # broadcasting view of prep for (n, nt)
    br, hcj, hk = _state(bp, T)
    out: dict[str, np.ndarray] = {}
    out["br_T"] = br
    out["hcj_kA_per_m"] = hcj / KA
    hcb, bh = loop_hcb_bhmax(br, hcj, hk, prep.micro.mu_rec)
    out["hcb_kA_per_m"] = hcb / KA
    out["bhmax_kJ_per_m3"] = bh / 1e3
    # per-alloy quantities
    b20, h20, _ = _state(prep, 293.15)
    b100, h100, _ = _state(prep, 373.15)
    b150, h150, _ = _state(prep, 423.15)
    per = {
        "tc_C": prep.mi.tc_K - 273.15,
        "alpha_br_20_100_pct_per_K": _coeff(b20, b100, 80.0),
        "alpha_br_20_150_pct_per_K": _coeff(b20, b150, 130.0),
        "beta_hcj_20_100_pct_per_K": _coeff(h20, h100, 80.0),
        "beta_hcj_20_150_pct_per_K": _coeff(h20, h150, 130.0),
    }
    tmax, g = _tmax(prep, pc, hext_T)
    binder_K = _binder_limit_K(prep.route)
    tmax = np.minimum(tmax, binder_K)
    per["tmax_C"] = tmax - 273.15
    # intervals ------------------------------------------------------------------------------
    ood = prep.domain_mask != 0
    f = np.where(ood, widen, 1.0)
    lo_b, hi_b = np.exp(prep.q_br[0] * f), np.exp(prep.q_br[1] * f)
    lo_h, hi_h = np.exp(prep.q_hcj[0] * f), np.exp(prep.q_hcj[1] * f)
    out["br_T_lo"], out["br_T_hi"] = br * lo_b[:, None], br * hi_b[:, None]
    out["hcj_kA_per_m_lo"] = out["hcj_kA_per_m"] * lo_h[:, None]
    out["hcj_kA_per_m_hi"] = out["hcj_kA_per_m"] * hi_h[:, None]
    out["hk_kA_per_m"] = hk / KA
    out["hk_kA_per_m_lo"] = out["hk_kA_per_m"] * lo_h[:, None]
    out["hk_kA_per_m_hi"] = out["hk_kA_per_m"] * hi_h[:, None]
    # HcB ∝ Br on a linear loop and ∝ HcJ when the knee limits it; (BH)max ∝ Br² or Br·HcJ:
    # scaling by the less favourable (lo) / more favourable (hi) factor bounds both regimes.
    f_lo = np.minimum(lo_b, lo_h)[:, None]
    f_hi = np.maximum(hi_b, hi_h)[:, None]
    out["hcb_kA_per_m_lo"] = out["hcb_kA_per_m"] * f_lo
    out["hcb_kA_per_m_hi"] = out["hcb_kA_per_m"] * f_hi
    out["bhmax_kJ_per_m3_lo"] = out["bhmax_kJ_per_m3"] * lo_b[:, None] * f_lo
    js_T = polarization(bp.mi, T)
    out["bhmax_kJ_per_m3_hi"] = np.minimum(
        out["bhmax_kJ_per_m3"] * hi_b[:, None] * f_hi, js_T * js_T / (4.0 * MU0) / 1e3
    )
    # Tmax interval by linearising g around Tmax
    tm = np.where(np.isfinite(tmax), tmax, T_LOW_K)
    denom = pc + prep.micro.mu_rec
    br_t, _, hk_t = _state(prep, tm, which="knee")
    gp = (g(tm + 1.0) - g(tm - 1.0)) / 2.0
    gp = np.where(gp < -1e-6, gp, -1e-6)
    tc_K = prep.mi.tc_K
    for tag, fb, fh in (("lo", hi_b, lo_h), ("hi", lo_b, hi_h)):
        dg = hk_t * (fh - 1.0) - prep.tmax_margin * br_t * (fb - 1.0) / denom
        t_x = np.clip(tm - dg / gp, T_LOW_K, np.minimum(tc_K, binder_K))
        per[f"tmax_C_{tag}"] = np.where(np.isfinite(tmax), t_x - 273.15, np.nan)
    unc = prep.params["uncertainty"]
    for key, width in (
        ("tc_C", unc["tc_K"]),
        ("alpha_br_20_100_pct_per_K", unc["alpha_pct_per_K"]),
        ("alpha_br_20_150_pct_per_K", unc["alpha_pct_per_K"]),
        ("beta_hcj_20_100_pct_per_K", unc["beta_pct_per_K"]),
        ("beta_hcj_20_150_pct_per_K", unc["beta_pct_per_K"]),
    ):
        per[f"{key}_lo"] = per[key] - width * f
        per[f"{key}_hi"] = per[key] + width * f
    # above Tc / domain -----------------------------------------------------------------------
    above = tc_K[:, None] <= T
    mask = np.broadcast_to(prep.domain_mask[:, None], above.shape).copy()
    t_lo, t_hi = dom.temperature_bounds()
    mask |= np.where((t_lo > T - 273.15) | (t_hi < T - 273.15), dom.BIT["temperature_C"], 0)
    mask |= np.where(above, dom.BIT["above_tc"], 0)
    mask |= np.where(binder_K < T, dom.BIT["binder_limit"], 0)
    tail = spread_tail(hcj, scatter_sd(prep.neff_spread, bp.micro.neff, js_T))
    mask |= np.where(tail & ~above, dom.BIT["hcj_law_zero"], 0)
    out["_mask"] = mask
    for k, v in per.items():
        out[k] = np.broadcast_to(v[:, None], br.shape)
    return out


# ------------------------------------------------------------------------------ family envelopes
def _family_arrays(batch, route: str, t_C: np.ndarray, pc, hext_T) -> dict:
    fam = cast(pd.Series, tb.families().loc[route])
    need = str(fam["defining_elements"]).split()
    present = {e: batch.get_mass_fraction(e) > 0 for e in need}
    if route == "ferrite":
        present["Sr|Ba"] = (batch.get_mass_fraction("Sr") + batch.get_mass_fraction("Ba")) > 0
    missing = [e for e, ok in present.items() if not np.all(ok)]
    if missing:
        msg = (
            f"route {route!r} ({fam['family']}) needs alloys containing {', '.join(present)}; "
            f"some alloys lack {', '.join(missing)}"
        )
        raise InputError(msg)
    n, nt = len(batch), t_C.size
    T = np.broadcast_to(t_C[None, :], (n, nt))
    a = fam["alpha_br_pct_per_K"] / 100.0
    b = fam["beta_hcj_pct_per_K"] / 100.0
    tc = float(fam["tc_C"])
    mu = float(fam["mu_rec"])
    sq = float(fam["squareness"])

    def state(tC, br20, hcj20):
        live = tC < tc
        br = np.where(live, np.maximum(br20 * (1 + a * (tC - 20.0)), 0.0), 0.0)
        hcj = np.where(live, np.maximum(hcj20 * (1 + b * (tC - 20.0)), 0.0), 0.0)
        return br, hcj

    mid_br = 0.5 * (fam["br_min_T"] + fam["br_max_T"])
    mid_h = 0.5 * (fam["hcj_min_kA_per_m"] + fam["hcj_max_kA_per_m"]) * KA
    out: dict[str, np.ndarray] = {}
    for tag, b20, h20 in (
        ("", mid_br, mid_h),
        ("_lo", fam["br_min_T"], fam["hcj_min_kA_per_m"] * KA),
        ("_hi", fam["br_max_T"], fam["hcj_max_kA_per_m"] * KA),
    ):
        br, hcj = state(T, b20, h20)
        hcb, bh = loop_hcb_bhmax(br, hcj, sq * hcj, mu)
        out["br_T" + tag] = br
        out["hcj_kA_per_m" + tag] = hcj / KA
        out["hk_kA_per_m" + tag] = sq * hcj / KA
        out["hcb_kA_per_m" + tag] = hcb / KA
        out["bhmax_kJ_per_m3" + tag] = np.minimum(bh / 1e3, fam["bhmax_max_kJ_per_m3"])
    grid = np.arange(-40.0, min(tc, 600.0), 2.0)
    tmaxes = {}
    for tag, b20, h20 in (
        ("", mid_br, mid_h),
        ("_lo", fam["br_max_T"], fam["hcj_min_kA_per_m"] * KA),
        ("_hi", fam["br_min_T"], fam["hcj_max_kA_per_m"] * KA),
    ):
        br, hcj = state(grid, b20, h20)
        gv = sq * hcj - br / (pc.mean() + mu) - float(np.mean(hext_T))
        bad = np.flatnonzero(gv < 0)
        t_ok = grid[bad[0] - 1] if bad.size and bad[0] > 0 else (np.nan if bad.size else grid[-1])
        tmaxes[tag] = min(t_ok, float(fam["tw_C"])) if np.isfinite(t_ok) else np.nan
    if np.ndim(pc) and np.ptp(pc) > 0:
        msg = "per-alloy permeance arrays are supported for NdFeB routes only; pass one number"
        raise InputError(msg)
    for tag, v in tmaxes.items():
        out["tmax_C" + tag] = np.full((n, nt), v)
    const = {
        "tc_C": (tc, 0.0),
        "alpha_br_20_100_pct_per_K": (fam["alpha_br_pct_per_K"], 0.02),
        "alpha_br_20_150_pct_per_K": (fam["alpha_br_pct_per_K"], 0.02),
        "beta_hcj_20_100_pct_per_K": (fam["beta_hcj_pct_per_K"], 0.1),
        "beta_hcj_20_150_pct_per_K": (fam["beta_hcj_pct_per_K"], 0.1),
    }
    for k, (v, w) in const.items():
        out[k] = np.full((n, nt), float(v))
        out[k + "_lo"] = out[k] - w
        out[k + "_hi"] = out[k] + w
    mask = np.zeros((n, nt), dtype=np.int64)
    mask |= np.where(tc <= T, dom.BIT["above_tc"], 0)
    mask |= np.where((T < -40) | (float(fam["tw_C"]) + 50 < T), dom.BIT["temperature_C"], 0)
    mask |= dom.BIT["envelope_model"]
    out["_mask"] = mask
    return out


# -------------------------------------------------------------------------------------- public
def _permeance(permeance, n: int) -> np.ndarray:
    return per_alloy(
        "permeance (Pc = −B/μ0H at the working point)",
        permeance,
        n,
        "dimensionless",
        lo=0.0,
        lo_open=True,
    )


def _params(model) -> dict:
    """Parameters of the property model: a :class:`~substitute.properties.calibration.Model` (from
    :func:`~substitute.properties.calibration.calibrate`) or the shipped fit."""
    if model is None:
        return tb.params()
    params = getattr(model, "params", None)
    if not isinstance(params, dict):
        msg = f"model must be a Model from substitute.calibrate(...), got {type(model).__name__}"
        raise InputError(msg)
    return params


def predict_arrays(
    alloy_or_batch,
    route: str = "sintered",
    temperature_C=20.0,
    permeance=2.0,
    external_field_kA_per_m=0.0,
    *,
    model=None,
    **route_params,
) -> dict[str, np.ndarray]:
    """Property arrays without DataFrame overhead (for ranking 10⁶ candidates).

    Parameters are those of :func:`predict`.

    Returns
    -------
    dict of str → ndarray, shape (n_alloys, n_temperatures)
        Every column of :data:`PROPERTY_COLUMNS` with ``_lo``/``_hi``, plus ``in_domain`` (bool),
        ``evidence`` (int, sources supporting the prediction) and ``domain_mask`` (int bit mask; decode
        with :func:`substitute.properties.domain.reasons`).
    """
    from substitute.composition import as_batch

    route = check_route(route)
    params = _params(model)
    batch = as_batch(alloy_or_batch)
    t_C = _temperatures_K(temperature_C)
    n = len(batch)
    pc = _permeance(permeance, n)
    hext = per_alloy(
        "external_field_kA_per_m (magnitude of the opposing field)",
        external_field_kA_per_m,
        n,
        "kA/m",
        lo=0.0,
    )
    hext_T = hext * KA
    rp = resolve_route_params(route, n, model_params=params, **route_params)
    if route in FAMILY_ROUTES:
        out = _family_arrays(batch, route, t_C, pc, hext_T)
        out["evidence"] = np.zeros((n, t_C.size), dtype=np.int64)
    else:
        prep = _prepare_ndfeb(batch, rp, params)
        out = _ndfeb_arrays(prep, t_C, pc, hext_T, params["uncertainty"]["widen_out_of_domain"])
        assert prep.evidence is not None  # set by _prepare_ndfeb (domain=True)
        out["evidence"] = np.broadcast_to(prep.evidence[:, None], (n, t_C.size))
    mask = out.pop("_mask")
    out["domain_mask"] = mask
    out["in_domain"] = (mask & ~np.int64(dom.BIT["envelope_model"])) == 0
    out["_notes"] = rp.notes
    return out


def predict(
    alloy_or_batch,
    route: str = "sintered",
    temperature_C=20.0,
    permeance=2.0,
    external_field_kA_per_m=0.0,
    *,
    model=None,
    **route_params,
) -> pd.DataFrame:
    """Predict magnet properties from composition and processing route.

    Parameters
    ----------
    alloy_or_batch : Alloy, AlloyBatch or str
        Final magnet composition(s) (a string must carry ``wt%`` or ``at%``). For ``sintered_gbd`` the
        composition includes the diffused heavy rare earth.
    route : str, default "sintered"
        One of ``sintered``, ``sintered_gbd``, ``hot_deformed``, ``bonded_isotropic`` (2:14:1
        physics) or ``smco5``, ``sm2co17``, ``smfen_bonded``, ``ferrite``, ``mnbi_bonded``, ``mnal``,
        ``alnico`` (envelope models from commercial data).
    temperature_C : float or sequence of float, default 20
        Temperature(s) [°C].
    permeance : float or array, default 2.0
        Permeance coefficient Pc = −B/(μ0H) of the working point [–] (vendors quote Tw at Pc ≈ 2).
    external_field_kA_per_m : float, default 0
        Opposing external (armature) field added to the self-demagnetising field [kA/m].
    model : Model, optional
        A model from :func:`substitute.calibrate` (fitted to your measured magnets); default the shipped
        fit.
    **route_params
        ``grain_size_um`` [μm]; for ``sintered_gbd`` ``gbd_element`` ("Tb"/"Dy"),
        ``gbd_mass_percent`` [wt% of magnet], ``thickness_mm`` [mm]. Scalars or arrays (one per alloy).

    Returns
    -------
    pandas.DataFrame
        One row per alloy × temperature: ``alloy``, ``route``, ``temperature_C``, the columns of
        :data:`PROPERTY_COLUMNS` each with ``_lo``/``_hi`` (units in the names: T, kA/m, kJ/m³, °C,
        %/K), the knee field ``hk_kA_per_m`` (with ``_lo``/``_hi``), ``in_domain``, ``evidence`` (number
        of calibration sources that measured the levers this alloy uses at comparable levels) and
        ``domain_reason``. ``attrs["audit"]`` holds the audit stamp and ``attrs["notes"]`` the
        assumptions used (defaults filled in).

    Warns
    -----
    ModelDomainWarning
        Once per call when a prediction is outside the domain (a lever beyond the evidence, a
        composition or temperature outside the model's bounds, above Tc or a binder's limit).

    Raises
    ------
    InputError
        Unknown route (valid ones listed), missing or unknown route parameters, no 2:14:1-forming
        rare earth for an NdFeB route, bad temperature or permeance.
    """
    from substitute.composition import as_batch

    batch = as_batch(alloy_or_batch)
    t_C = _temperatures_K(temperature_C)
    arr = predict_arrays(
        batch,
        route,
        t_C,
        permeance,
        external_field_kA_per_m,
        model=model,
        **route_params,
    )
    notes = arr.pop("_notes")
    n, nt = len(batch), t_C.size
    names = [*PROPERTY_COLUMNS, *EXTRA_COLUMNS]
    num_cols = [c + sfx for c in names for sfx in ("", "_lo", "_hi")]
    # one row per (alloy, temperature), alloy-major: each (n, nt) result array is a column as it is
    # (a view, no copy); stacking them into one matrix first cost a second copy of the whole table
    cols = {"temperature_C": np.tile(t_C, n)}
    for c in num_cols:
        cols[c] = np.ascontiguousarray(np.broadcast_to(arr[c], (n, nt))).reshape(-1)
    df = pd.DataFrame(cols, copy=False)
    df.insert(
        0,
        "alloy",
        pd.Categorical.from_codes(  # type: ignore[arg-type]  # stub omits ExtensionArray column values
            np.repeat(np.arange(n), nt), pd.Index(_unique_names(batch.names)), validate=False
        ),
    )
    df.insert(
        1,
        "route",
        pd.Categorical.from_codes(  # type: ignore[arg-type]  # stub omits ExtensionArray column values
            np.zeros(n * nt, dtype=np.int8), pd.Index([check_route(route)]), validate=False
        ),
    )
    df["in_domain"] = arr["in_domain"].reshape(-1)
    df["evidence"] = np.asarray(arr["evidence"]).reshape(-1)
    masks = arr["domain_mask"].reshape(-1)
    uniq, inv = np.unique(masks, return_inverse=True)
    texts = dom.reasons(uniq, check_route(route)).tolist()
    df["domain_reason"] = pd.Categorical.from_codes(inv.reshape(-1), texts, validate=False)
    env = np.int64(dom.BIT["envelope_model"])
    bad = sorted({t for u, t in zip(uniq, texts, strict=True) if int(u) & ~env and t})
    if bad:
        import warnings

        from substitute.errors import ModelDomainWarning

        k = int((~df["in_domain"]).sum())
        warnings.warn(
            f"{k} of {len(df)} predictions are outside the model's domain: " + "; ".join(bad),
            ModelDomainWarning,
            stacklevel=2,
        )
    df.attrs["audit"] = tb.audit_stamp(_params(model))
    df.attrs["notes"] = list(notes)
    return df


def _unique_names(names) -> list[str]:
    """Category labels: alloy names made unique (a suffix ' #k' on repeats)."""
    names = list(names)
    if len(set(names)) == len(names):
        return names
    seen: dict[str, int] = {}
    out = []
    for nm in names:
        k = seen.get(nm, 0)
        seen[nm] = k + 1
        out.append(nm if k == 0 else f"{nm} #{k}")
    return out


def demag_curve(
    alloy,
    route: str = "sintered",
    temperature_C: float = 20.0,
    n_points: int = 201,
    **route_params,
) -> pd.DataFrame:
    """Second-quadrant demagnetisation curve of the model loop at one temperature.

    Parameters
    ----------
    alloy : Alloy or str
        One alloy.
    route : str
        Route (see :func:`predict`).
    temperature_C : float
        Temperature [°C].
    n_points : int
        Number of field points from 0 to −HcJ.
    **route_params
        As in :func:`predict`.

    Returns
    -------
    pandas.DataFrame
        ``h_kA_per_m`` (≤ 0), ``j_T`` (polarization), ``b_T`` (flux density).
    """
    row = predict(alloy, route, [temperature_C], **route_params).iloc[0]
    br, hcj = row["br_T"], row["hcj_kA_per_m"] * KA
    if route in FAMILY_ROUTES:
        fam = cast(pd.Series, tb.families().loc[check_route(route)])
        mu, sq = float(fam["mu_rec"]), float(fam["squareness"])
    else:
        ms = microstructure(check_route(route))
        mu, sq = float(ms["mu_rec"]), float(ms["squareness"])
    hk = sq * hcj
    h = -np.linspace(0.0, hcj, n_points)  # μ0H [T]
    a = -h
    j = np.where(
        a <= hk,
        br - (mu - 1.0) * a,
        np.maximum(br - (mu - 1.0) * hk, 0.0) * (hcj - a) / max(hcj - hk, 1e-12),
    )
    j = np.maximum(j, 0.0)
    out = pd.DataFrame({"h_kA_per_m": h / KA, "j_T": j, "b_T": j + h})
    out.attrs["audit"] = tb.audit_stamp()
    return out
