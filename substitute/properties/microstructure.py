"""Microstructure of an NdFeB magnet from composition and route: the factors of the coercivity law and of Br.

μ0HcJ(T) = α_eff(T)·μ0HA(T) − Neff·Js(T) (Kronmüller, Durst & Sagawa, JMMM 74, 291 (1988)) — the mean over
grains, whose scatter :func:`substitute.properties.magnet.spread_positive` adds — with

* **α_eff** = α_route × g_TRE × g_minor × g_LRE × (1 + a_T·(T − 293 K)) — every factor a bounded, saturating
  function whose parameters are fitted on the paired evidence (:mod:`substitute.properties.calibration`):
  - g_TRE: the RE excess beyond the main phase's need wets the grain boundaries; below ``tre_excess_ref`` at%
    α falls by ``tre_alpha_per_at_pct`` per at% missing;
  - g_minor: Cu, Ga, Al each add a·(1 − exp(−w/w0)) (w in wt%: saturating, never ×3); B below the
    stoichiometric need together with Ga adds the R6Fe13Ga grain-boundary effect, ∝ min(deficit, cap)·(Ga > 0);
  - g_LRE: exp(κ_Ce·x_Ce + κ_La·x_La + κ_Y·x_Y + κ_LaCe·x_La·x_Ce) — the grain-boundary side of Ce, La and
    Y substitution (their intrinsic side is in K1 and Js); the La×Ce term carries the measured benefit of
    co-doping (La keeps Ce nearer Ce³⁺);
  - a_T: α's own temperature slope, worsened by Co (``alpha_T_per_co_wt_pct``): Co raises Tc but worsens β.
* **Neff** = Neff_route + n_g·ln(D/D_route), bounded to [``neff_min``, ``neff_max``] (Bance et al., JAP 116,
  233903 (2014): 0.2 at 55 nm … 1.22 at 8.3 µm).
* **Grain-boundary diffusion**: the diffused Tb/Dy goes to a shell of volume fraction φ on each grain; the
  amount taken up saturates (a_eff = a_sat·(1 − exp(−a/a_sat))), falls with depth as exp(−d/λ) from each face,
  and is reduced on Ce-rich bases (HRE lost to Ce-rich grain-boundary phases: × (1 − k_Ce·x_Ce)). HcJ is set
  by the shell K1 at a quarter of the thickness, and so is the knee (GBD magnets keep bulk squareness).
* **Br** = Js(T)·f(2:14:1)·b (density × alignment: the route's value, or a sintered magnet's own
  ``br_factor``; ≤ 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from substitute.properties import _tables as tb
from substitute.properties.intrinsic import MainPhase, MainPhaseIntrinsics, mix_intrinsics

__all__ = ["Micro", "gbd_shell_k1", "microstructure_of"]

_IDX = {r: i for i, r in enumerate(tb.MAIN_PHASE_RE)}


@dataclass
class Micro:
    """Per-alloy microstructure factors (arrays of length n)."""

    alpha: np.ndarray  # α_eff at 293 K [–]
    alpha_t: np.ndarray  # dα/α per K [1/K]
    neff: np.ndarray  # [–]
    f_br: np.ndarray  # f(2:14:1)·b_route [–]
    k1_hcj: np.ndarray  # K1(295 K) of the region that sets HcJ [J/m³]
    k1_knee: np.ndarray  # K1(295 K) of the weakest region (knee) [J/m³]
    mu_rec: float
    squareness: float
    one_region: bool = True  # HcJ and the knee from the same K1 (GBD magnets too, see below)


def _mass_percent(batch, symbol: str) -> np.ndarray:
    return 100.0 * batch.get_mass_fraction(symbol)


def _sat(w: np.ndarray, a: float, w0: float) -> np.ndarray:
    return a * (1.0 - np.exp(-w / max(w0, 1e-6)))


def alpha_factor(batch, mp: MainPhase, params: dict) -> np.ndarray:
    """α_eff/α_route at 293 K: TRE, minor additions (Cu, Ga, Al, low B + Ga) and LRE substitution."""
    g = params["global"]
    x = mp.x
    ce, la, y = x[:, _IDX["Ce"]], x[:, _IDX["La"]], x[:, _IDX["Y"]]
    lre = np.exp(
        g["kappa_ce"] * ce + g["kappa_la"] * la + g["kappa_y"] * y + g["kappa_lace"] * la * ce
    )
    ga = _mass_percent(batch, "Ga")
    minor = (
        1.0
        + _sat(_mass_percent(batch, "Cu"), g["cu_alpha_gain"], g["cu_w0_wt_pct"])
        + _sat(ga, g["ga_alpha_gain"], g["ga_w0_wt_pct"])
        + _sat(_mass_percent(batch, "Al"), g["al_alpha_gain"], g["al_w0_wt_pct"])
    )
    deficit_at_pct = 100.0 * mp.b_deficit_atomic
    low_b = g["lowb_ga_alpha_per_at_pct"] * np.minimum(deficit_at_pct, g["lowb_cap_at_pct"])
    minor = minor + np.where(ga > 0, low_b, 0.0)
    excess_at_pct = 100.0 * mp.re_excess_atomic
    short = np.maximum(g["tre_excess_ref_at_pct"] - excess_at_pct, 0.0)
    tre = np.clip(1.0 - g["tre_alpha_per_at_pct"] * short, 0.2, 1.0)
    return lre * minor * tre


def gbd_shell_k1(
    batch,
    mp: MainPhase,
    element: str,
    amount_wt_pct: np.ndarray,
    thickness_mm: np.ndarray,
    depth_fraction: float,
    params: dict,
) -> np.ndarray:
    """K1(295 K) [J/m³] of the HRE-enriched grain shell at ``depth_fraction`` of the half-thickness.

    ``amount_wt_pct`` is the diffused Tb or Dy in wt% of the magnet (the alloy given already contains it,
    so that compliance counts it); the core keeps the rest.
    """
    from substitute.elements import atomic_masses

    gp = params["gbd"]
    gi = _IDX[element]
    a = np.asarray(amount_wt_pct, dtype=float)
    a_eff = gp["a_sat_wt_pct"] * (1.0 - np.exp(-a / gp["a_sat_wt_pct"]))
    ce = mp.x[:, _IDX["Ce"]] + mp.x[:, _IDX["La"]]
    a_eff = a_eff * np.clip(1.0 - gp["ce_base_penalty"] * ce, 0.0, 1.0)
    mol = a / 100.0 / float(atomic_masses((element,))[0])
    dx_bulk = np.minimum(mol / np.maximum(mp.re_site_mol_per_g, 1e-12), mp.x[:, gi])
    x_core = mp.x.copy()
    host = x_core[:, 0] + x_core[:, 1]
    share_nd = np.where(host > 0, x_core[:, 0] / np.where(host > 0, host, 1.0), 1.0)
    x_core[:, gi] -= dx_bulk
    x_core[:, 0] += dx_bulk * share_nd
    x_core[:, 1] += dx_bulk * (1.0 - share_nd)
    lam = gp["depth_mm"]
    phi = gp["shell_fraction"]
    half = np.asarray(thickness_mm, dtype=float) / 2.0
    norm = half / (lam * (1.0 - np.exp(-half / lam)))
    mol_eff = a_eff / 100.0 / float(atomic_masses((element,))[0])
    dx_eff = mol_eff / np.maximum(mp.re_site_mol_per_g, 1e-12)
    c = dx_eff * norm * np.exp(-depth_fraction * half / lam) / phi
    xs = x_core.copy()
    h = xs[:, 0] + xs[:, 1]
    c = np.minimum(c, h)
    sh = np.where(h > 0, xs[:, 0] / np.where(h > 0, h, 1.0), 1.0)
    xs[:, 0] -= c * sh
    xs[:, 1] -= c * (1.0 - sh)
    xs[:, gi] += c
    return mix_intrinsics(xs, mp.co_site_fraction, params=params).k1_295


def microstructure_of(batch, mp: MainPhase, mi: MainPhaseIntrinsics, rp, params: dict) -> Micro:
    """Microstructure factors of n alloys on one route (see the module docstring)."""
    route = rp.route
    r = params["routes"]["sintered" if route == "sintered_gbd" else route]
    g = params["global"]
    alpha = r["alpha"] * alpha_factor(batch, mp, params)
    co_wt = _mass_percent(batch, "Co")
    alpha_t = g["alpha_T_per_K"] + g["alpha_T_per_co_wt_pct"] * co_wt
    neff = r["neff"] + g["neff_per_ln_grain"] * np.log(rp.grain_size_um / r["grain_size_um"])
    neff = np.clip(neff, g["neff_min"], g["neff_max"])
    f_br = mp.mass_fraction * (r["br_factor"] if rp.br_factor is None else rp.br_factor)
    if route == "sintered_gbd":
        # HcJ and the knee both from the shell at a quarter of the thickness: measured GBD magnets keep the
        # squareness (Hk/HcJ) of bulk ones, so the core does not set an earlier knee (issue 12 review: a
        # centre-set knee gave Tmax 109 C against 147 C for bulk Dy at equal HcJ)
        k_hcj = gbd_shell_k1(
            batch, mp, rp.gbd_element, rp.gbd_mass_percent, rp.thickness_mm, 0.5, params
        )
        k_knee = k_hcj
    else:
        k_hcj = k_knee = mi.k1_295
    return Micro(
        alpha,
        alpha_t,
        neff,
        f_br,
        k_hcj,
        k_knee,
        float(r["mu_rec"]),
        float(r["squareness"]),
        one_region=k_knee is k_hcj,
    )
