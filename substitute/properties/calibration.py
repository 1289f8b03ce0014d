"""Fitting of the property model (``make calibrate``).

Three steps, each writing plain numbers (no pickles) with the hash of the data they came from:

1. **Intrinsic mixing** (``fit_intrinsic``): per host–guest series in
   ``physics/r2fe14b_mixing_series.csv`` a normalised quadratic bowing c (only for series with at least
   two interior points; otherwise linear), the Kuz'min shape s of each end member from Js(4.2 K),
   Js(295 K) and Tc, and the Co-on-Fe-site curves.
2. **Physics parameters** (``fit_physics``): maximum a-posteriori least squares of the HA(T)
   exponent, α, Neff and Br factor per route, the La/Ce/Y and Ga/Cu/Al α modifiers and the GBD shell
   parameters, on (a) calibration rows with a composition, (b) β rows and the N48SH pair with the
   row's own α (so only the temperature law and Neff are tested), (c) within-source GBD and Ce deltas,
   (d) the grade ladder, each with a prior from ``physics/route_priors.csv``.
3. **Residual correction** (``fit_correction``): log-residuals of Br and HcJ of the absolute rows,
   ridge centre and linear quantile regression (5 %, 95 %) on out-of-fold residuals, grouped by
   ``source_id``.

Run ``python -m substitute.properties.calibration`` (what ``scripts/calibrate.py`` does).
"""

from __future__ import annotations

import copy
import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from substitute import data
from substitute.errors import DataError
from substitute.properties import _tables as tb
from substitute.properties.reference import _add_element, _reference, reference_alloy

__all__ = [
    "Observation",
    "build_observations",
    "cross_validate",
    "fit_correction",
    "fit_intrinsic",
    "fit_physics",
    "main",
    "parse_row_alloy",
]

_ROUTE_FIT = ("sintered", "hot_deformed", "bonded_isotropic")
_GLOBAL_FIT = (
    "ha_temperature_exponent",
    "kappa_La",
    "kappa_Ce",
    "kappa_Y",
    "alpha_per_ga_mass_percent",
    "alpha_per_cu_mass_percent",
    "alpha_per_al_mass_percent",
)
ASSUMED_GBD_MASS_PERCENT = 0.5
"""Diffused Tb/Dy amount assumed for calibration rows that do not state it [wt%] (memory: 0.3–0.8)."""


# ------------------------------------------------------------------------------ 1. intrinsic
def fit_intrinsic() -> dict[str, Any]:
    """Fit the mixing bowing, Kuz'min s per end member and the Co curves from the data tables."""
    tab = tb.intrinsic_table()
    series = data.read_csv("physics/r2fe14b_mixing_series.csv")
    props = {"js_T": "js_295K_T", "mu0ha_T": "mu0ha_295K_T", "tc_K": "tc_K"}
    bow_keys = {"js_T": "bow_js_T", "mu0ha_T": "bow_ha_T", "tc_K": "bow_tc_K"}
    ends: dict[str, dict[str, float]] = {}
    for r in tb.MAIN_PHASE_RE:
        row = tab.loc[r]
        t = 295.0 / float(row["tc_K"])
        s = tb.kuzmin_s(float(row["js_4K_T"]), float(row["js_295K_T"]), t)
        s_note = "fitted"
        if not (0.0 <= s <= 2.5) or row["js_4K_T"] <= row["js_295K_T"]:
            s_note = "ferrimagnetic or unphysical fit: Nd value used"
            s = math.nan
        ends[r] = {
            "js_295K_T": float(row["js_295K_T"]),
            "mu0ha_295K_T": float(row["mu0ha_295K_T"]),
            "tc_K": float(row["tc_K"]),
            "kuzmin_s": s,
            "kuzmin_s_note": s_note,
            "bow_js_T": 0.0,
            "bow_ha_T": 0.0,
            "bow_tc_K": 0.0,
        }
    for r in tb.MAIN_PHASE_RE:
        if math.isnan(ends[r]["kuzmin_s"]):
            ends[r]["kuzmin_s"] = ends["Nd"]["kuzmin_s"]
    bowing_report = []
    for (host, guest), grp in series.groupby(["host", "guest"]):
        grp = grp.sort_values("x_guest")
        for col, key in props.items():
            g = grp[grp["use_for_fit"].astype(str).str.lower() == "true"].dropna(subset=[col])
            p0_rows = g[g["x_guest"] == 0.0]
            p1_rows = g[g["x_guest"] == 1.0]
            inner = g[(g["x_guest"] > 0) & (g["x_guest"] < 1)]
            if p0_rows.empty:
                continue
            p0 = float(p0_rows[col].iloc[0])
            p1 = float(p1_rows[col].iloc[0]) if len(p1_rows) else ends[guest][key]
            x = inner["x_guest"].to_numpy(float)
            y = inner[col].to_numpy(float)
            gterm = x * (1 - x) * (p1 - p0)
            d = y - ((1 - x) * p0 + x * p1)
            c = float(np.sum(d * gterm) / np.sum(gterm**2)) if len(x) >= 2 else 0.0
            b = c * (ends[guest][key] - ends[host][key])
            ends[guest][bow_keys[col]] = b
            pred = (1 - x) * p0 + x * p1 + c * gterm
            bowing_report.append(
                {
                    "series": f"{host}-{guest}",
                    "property": col,
                    "n_interior": len(x),
                    "c_normalised": c,
                    "bowing_recommended": b,
                    "rms_residual": float(np.sqrt(np.mean((pred - y) ** 2))) if len(x) else None,
                    "fitted": len(x) >= 2,
                }
            )
    co = data.read_csv("physics/r2fe14b_cobalt_series.csv")

    def truthy(s):
        return s.astype(str).str.lower() == "true"

    cj = co[truthy(co["use_js"])].sort_values("co_site_fraction")
    ch = co[truthy(co["use_ha"])].sort_values("co_site_fraction")
    ct = co[truthy(co["use_tc"])].sort_values("co_site_fraction")
    cobalt = {
        "js_z": cj["co_site_fraction"].tolist(),
        "js_ratio": (cj["js_T"] / cj["js_T"].iloc[0]).tolist(),
        "ha_z": ch["co_site_fraction"].tolist(),
        "ha_ratio": (ch["mu0ha_T"] / ch["mu0ha_T"].iloc[0]).tolist(),
        "tc_z": ct["co_site_fraction"].tolist(),
        "tc_shift_K": (ct["tc_K"] - ct["tc_K"].iloc[0]).tolist(),
    }
    tc_res = [
        r["rms_residual"] for r in bowing_report if r["property"] == "tc_K" and r["rms_residual"]
    ]
    return {
        "end_members": ends,
        "bowing_fits": bowing_report,
        "cobalt": cobalt,
        "tc_uncertainty_K": float(max([*tc_res, 5.0])) * 2.0,
    }


# ------------------------------------------------------------------------------ priors / params
def read_priors() -> pd.DataFrame:
    """``physics/route_priors.csv`` as a DataFrame."""
    return data.read_csv("physics/route_priors.csv")


def _prior_params(intrinsic: dict) -> dict[str, Any]:
    pri = read_priors()
    g = {r["parameter"]: float(r["prior_mean"]) for _, r in pri[pri["route"] == "*"].iterrows()}
    routes: dict[str, dict[str, float]] = {}
    for _, r in pri[pri["route"] != "*"].iterrows():
        routes.setdefault(r["route"], {})[r["parameter"]] = float(r["prior_mean"])
    return {
        "global": g,
        "routes": routes,
        "intrinsic": intrinsic,
        "uncertainty": {
            "tc_K": intrinsic["tc_uncertainty_K"],
            "alpha_pct_per_K": 0.01,
            "beta_pct_per_K": 0.06,
        },
        "domain": {"min_main_phase_mass_fraction": 0.7},
    }


def _theta_spec() -> list[tuple[str, str, float, float]]:
    """(scope, name, prior mean, prior sd) of every fitted parameter."""
    pri = read_priors()
    spec = []
    for _, r in pri.iterrows():
        fit = str(r["fit"]).lower() == "true"
        if not fit:
            continue
        spec.append((r["route"], r["parameter"], float(r["prior_mean"]), float(r["prior_sd"])))
    return spec


def _with_theta(base: dict, spec, theta: np.ndarray) -> dict:
    p = copy.deepcopy(base)
    for (scope, name, _, _), v in zip(spec, theta, strict=True):
        if scope == "*":
            p["global"][name] = float(v)
        else:
            p["routes"][scope][name] = float(v)
    return p


# ------------------------------------------------------------------------------ observations
@dataclass
class Observation:
    """One measured (or tabulated) quantity with the alloy(s) and route needed to predict it."""

    kind: str  # abs | beta | delta_gbd | delta_ce | grade
    source_id: str
    route: str
    alloys: list  # one Alloy (or two for deltas: base, treated)
    prop: str  # br_T | hcj_kA_per_m | beta_hcj | delta_hcj | delta_br | hcj_ratio
    value: float
    sigma: float
    log: bool = False
    temperature_C: float = 20.0
    t2_C: float | None = None
    hcj_20: float | None = None  # row's own HcJ (nuisance alpha)
    route_params: dict = field(default_factory=dict)
    row_id: str = ""


def parse_row_alloy(comp: str, basis: str):
    """Alloy from a calibration row's composition text and basis (mass | atomic | formula)."""
    from substitute.composition import Alloy

    if basis == "formula":
        return Alloy.from_formula(comp)
    return Alloy.parse(comp, basis=basis)


def _range(text) -> tuple[float, float] | None:
    if not isinstance(text, str) or "-" not in text:
        return None
    a, b = text.split("-", 1)
    return float(a), float(b)


def _in_domain(alloy, route: str, temperature_C: float) -> bool:
    from substitute.properties.magnet import predict_arrays

    return bool(predict_arrays(alloy, route, [temperature_C], correction=False)["in_domain"][0, 0])


_NOT_GENERIC = r"\+|addition|blended|Ce|Dy|Tb|La|Pr|Ho|grade|N48SH|N35"


def _generic_rows(cal: pd.DataFrame) -> pd.DataFrame:
    """Rows of an NdFeB route without a composition whose note names no substitution or addition:
    predicted with the route's reference chemistry (``physics/reference_chemistries.csv``)."""
    m = (
        cal["route"].isin(_ROUTE_FIT)
        & cal["composition"].isna()
        & cal["gbd_element"].isna()
        & (cal["temperature_C"] == 20)
        & ~cal["composition_note"].fillna("").str.contains(_NOT_GENERIC, regex=True)
        & (cal["hcj_kA_per_m"].notna() | cal["br_T"].notna())
    )
    return cal[m]


def build_observations(cal: pd.DataFrame | None = None) -> list[Observation]:
    """All observations used by :func:`fit_physics` (calibration rows, deltas, grade ladder)."""
    if cal is None:
        cal = data.read_csv(tb.CALIBRATION_FILE)
    obs: list[Observation] = []
    nd_routes = ("sintered", "hot_deformed", "bonded_isotropic")
    base_s = _reference("sintered_base")
    # (a) absolute rows with composition
    for _, r in cal.iterrows():
        if r["route"] not in nd_routes or not isinstance(r["composition"], str):
            continue
        try:
            a = parse_row_alloy(r["composition"], r["composition_basis"])
        except Exception:
            continue
        if not _in_domain(a, r["route"], float(r["temperature_C"])):
            continue  # fit only on rows inside the model's applicability domain
        for prop, sig, lg in (("hcj_kA_per_m", 0.12, True), ("br_T", 0.04, True)):
            if pd.notna(r[prop]):
                obs.append(
                    Observation(
                        "abs",
                        r["source_id"],
                        r["route"],
                        [a],
                        prop,
                        float(r[prop]),
                        sig,
                        lg,
                        float(r["temperature_C"]),
                        row_id=r["row_id"],
                    )
                )
    # (a') rows without a composition: the route's reference chemistry, wide sigma
    for _, r in _generic_rows(cal).iterrows():
        a = reference_alloy(r["route"])
        for prop, sig in (("hcj_kA_per_m", 0.25), ("br_T", 0.06)):
            if pd.notna(r[prop]):
                obs.append(
                    Observation(
                        "abs_generic",
                        r["source_id"],
                        r["route"],
                        [a],
                        prop,
                        float(r[prop]),
                        sig,
                        True,
                        float(r["temperature_C"]),
                        row_id=r["row_id"],
                    )
                )
    # (b) beta rows (own alpha) incl. the N48SH pair
    for _, r in cal.iterrows():
        if r["route"] not in ("sintered", "sintered_gbd"):
            continue
        if (
            pd.notna(r["beta_hcj_pct_per_K"])
            and pd.notna(r["hcj_kA_per_m"])
            and r["temperature_C"] == 20
        ):
            rng = _range(r["coefficient_range_C"]) or (20.0, 150.0)
            obs.append(
                Observation(
                    "beta",
                    r["source_id"],
                    "sintered",
                    [base_s],
                    "beta_hcj",
                    float(r["beta_hcj_pct_per_K"]),
                    0.05,
                    False,
                    rng[0],
                    rng[1],
                    float(r["hcj_kA_per_m"]),
                    row_id=r["row_id"],
                )
            )
    # (c) GBD deltas within a source (assumed amount), Ce series deltas
    for sid, grp in cal.groupby("source_id"):
        base = grp[
            (grp["route"] == "sintered")
            & grp["hcj_kA_per_m"].notna()
            & grp["composition_note"]
            .fillna("")
            .str.contains("Ce 0 wt%|base|commercial|sintered|nominal|N35", regex=True)
        ]
        gbd = grp[
            (grp["route"] == "sintered_gbd")
            & grp["hcj_kA_per_m"].notna()
            & grp["gbd_element"].isin(["Tb", "Dy"])
        ]
        if len(base) and len(gbd):
            b0 = base.iloc[0]
            for _, g in gbd.iterrows():
                el = g["gbd_element"]
                amount = (
                    float(g["gbd_mass_percent"])
                    if pd.notna(g["gbd_mass_percent"])
                    else ASSUMED_GBD_MASS_PERCENT
                )
                th = float(g["thickness_mm"]) if pd.notna(g["thickness_mm"]) else 5.0
                treated = _add_element(base_s, el, amount)
                obs.append(
                    Observation(
                        "delta_gbd",
                        sid,
                        "sintered_gbd",
                        [base_s, treated],
                        "delta_hcj",
                        float(g["hcj_kA_per_m"] - b0["hcj_kA_per_m"]),
                        200.0,
                        False,
                        hcj_20=float(b0["hcj_kA_per_m"]),
                        route_params={
                            "gbd_element": el,
                            "gbd_mass_percent": amount,
                            "thickness_mm": th,
                        },
                        row_id=g["row_id"],
                    )
                )
    ce = cal[cal["source_id"] == "chen2022-jmmm"]
    if len(ce) >= 2:
        amounts = ce["composition_note"].str.extract(r"Ce (\d+) wt%")[0].astype(float)
        h0 = float(ce["hcj_kA_per_m"].iloc[0])
        for w, h in zip(amounts.iloc[1:], ce["hcj_kA_per_m"].iloc[1:], strict=True):
            obs.append(
                Observation(
                    "delta_ce",
                    "chen2022-jmmm",
                    "sintered",
                    [base_s, _add_element(base_s, "Ce", w, replace="Nd")],
                    "hcj_ratio",
                    float(h / h0),
                    0.08,
                    True,
                    hcj_20=h0,
                )
            )
    # (d) grade ladder: HcJ 1.05 x minimum at the mid typical bulk Dy; beta by suffix over 20-150 C
    suf = data.read_csv("physics/grade_suffixes.csv")
    for _, s in suf.iterrows():
        dy = 0.5 * (s["hre_bulk_min_mass_percent"] + s["hre_bulk_max_mass_percent"])
        a = _add_element(base_s, "Dy", dy, replace="Nd") if dy > 0 else base_s
        sig = 0.08 if s["hre_confidence"] == "source" else 0.15
        obs.append(
            Observation(
                "grade",
                "grade_ladder",
                "sintered",
                [a],
                "hcj_kA_per_m",
                1.05 * float(s["hcj_min_kA_per_m"]),
                sig,
                True,
                row_id=f"suffix {s['suffix']}",
            )
        )
        sig_b = 0.06 if s["beta_confidence"] == "source" else 0.12
        obs.append(
            Observation(
                "grade_beta",
                "grade_ladder",
                "sintered",
                [a],
                "beta_hcj",
                float(s["beta_hcj_typical_pct_per_K"]),
                sig_b,
                False,
                20.0,
                150.0,
                row_id=f"suffix {s['suffix']} beta",
            )
        )
    return obs


# ------------------------------------------------------------------------------ forward for fits
def _predict_obs(o: Observation) -> float:
    from substitute.properties.magnet import predict_arrays

    if o.kind in ("abs", "abs_generic", "grade"):
        arr = predict_arrays(
            o.alloys[0], o.route, [o.temperature_C], correction=False, **o.route_params
        )
        return float(arr[o.prop][0, 0])
    if o.kind in ("beta", "grade_beta"):
        arr = predict_arrays(o.alloys[0], o.route, [o.temperature_C, o.t2_C], correction=False)
        h = arr["hcj_kA_per_m"][0]
        if o.kind == "grade_beta":
            return float((h[1] / h[0] - 1) / (o.t2_C - o.temperature_C) * 100)
        # nuisance alpha: shift HcJ(T) = c*(alpha*HA - N*Js) so that HcJ(T1) matches the row
        return _beta_own_alpha(o)
    if o.kind == "delta_gbd":
        return _delta_gbd_own_alpha(o)
    if o.kind == "delta_ce":
        a0 = predict_arrays(o.alloys[0], o.route, [20.0], correction=False)["hcj_kA_per_m"][0, 0]
        a1 = predict_arrays(o.alloys[1], o.route, [20.0], correction=False)["hcj_kA_per_m"][0, 0]
        return float(a1 / a0) if a0 > 0 else 0.0
    msg = f"unknown observation kind {o.kind!r}"
    raise DataError(msg)


def _terms(alloy, route, T_K, route_params=None):
    """(alpha_eff*HA_med, Neff*Js) in tesla at T_K for one alloy (no correction)."""
    from substitute.properties.magnet import _prepare_ndfeb, _state
    from substitute.properties.routes import resolve_route_params

    rp = resolve_route_params(route, 1, **(route_params or {}))
    prep = _prepare_ndfeb(alloy, rp, False)
    prep.corr_hcj = np.ones(1)
    a = []
    for T in T_K:
        ni = copy.copy(prep)
        ni.neff = np.zeros(1)
        _, h_no_n, _ = _state(ni, T)  # alpha*HA (clipped >= 0)
        _, h, _ = _state(prep, T)
        a.append((float(h_no_n[0]), float(h_no_n[0] - h[0]) if h[0] > 0 else float("nan"), prep))
    return a


def _own_alpha_scale(aha20: float, nj20: float, hcj20_T: float) -> float:
    """Factor k on alpha such that k*aHA - NJs = measured HcJ at T1."""
    return (hcj20_T + nj20) / aha20


def _nj(prep, T):
    from substitute.properties.intrinsic import kuzmin_m

    mi = prep.mi
    m = kuzmin_m(T / mi.tc_K, mi.s)
    return float((prep.neff * mi.js_295 * m / mi.m_295)[0])


def _aha(prep, T, ha=None):
    from substitute.properties.intrinsic import kuzmin_m

    mi = prep.mi
    m = kuzmin_m(T / mi.tc_K, mi.s)
    r = (m / mi.m_295) ** prep.p
    return float((prep.alpha * (prep.ha_med if ha is None else ha) * r)[0])


def _beta_own_alpha(o: Observation) -> float:
    from substitute.properties.magnet import KA, _prepare_ndfeb
    from substitute.properties.routes import resolve_route_params

    prep = _prepare_ndfeb(o.alloys[0], resolve_route_params(o.route, 1), False)
    T1, T2 = o.temperature_C + 273.15, o.t2_C + 273.15
    k = _own_alpha_scale(_aha(prep, T1), _nj(prep, T1), o.hcj_20 * KA)
    h1 = o.hcj_20 * KA
    h2 = max(k * _aha(prep, T2) - _nj(prep, T2), 0.0)
    return (h2 / h1 - 1) / (o.t2_C - o.temperature_C) * 100


def _delta_gbd_own_alpha(o: Observation) -> float:
    from substitute.properties.magnet import KA, _prepare_ndfeb
    from substitute.properties.routes import resolve_route_params

    T = 293.15
    p0 = _prepare_ndfeb(o.alloys[0], resolve_route_params("sintered", 1), False)
    k = _own_alpha_scale(_aha(p0, T), _nj(p0, T), o.hcj_20 * KA)
    p1 = _prepare_ndfeb(
        o.alloys[1], resolve_route_params("sintered_gbd", 1, **o.route_params), False
    )
    h1 = k * _aha(p1, T) - _nj(p1, T)
    return (h1 / KA) - o.hcj_20


def _residuals(theta, spec, base, obs) -> np.ndarray:
    p = _with_theta(base, spec, theta)
    tb.set_override(p)
    res = []
    for o in obs:
        y = _predict_obs(o)
        if o.log:
            res.append((math.log(max(y, 1e-6)) - math.log(o.value)) / o.sigma)
        else:
            res.append((y - o.value) / o.sigma)
    for (_, _, mu, sd), v in zip(spec, theta, strict=True):
        res.append((v - mu) / sd)
    return np.asarray(res)


def fit_physics(obs: list[Observation], base: dict) -> tuple[dict, dict]:
    """MAP fit of the physics parameters; returns (params, report)."""
    from scipy.optimize import least_squares

    spec = _theta_spec()
    theta0 = np.array([s[2] for s in spec])
    lo = np.array([s[2] - 4 * s[3] for s in spec])
    hi = np.array([s[2] + 4 * s[3] for s in spec])
    positive = {
        "alpha",
        "neff",
        "br_factor",
        "gbd_shell_fraction",
        "gbd_depth_mm",
        "ha_temperature_exponent",
    }
    for i, s in enumerate(spec):
        if s[1] in positive:
            lo[i] = max(lo[i], 0.02)
    try:
        sol = least_squares(
            _residuals, theta0, bounds=(lo, hi), args=(spec, base, obs), x_scale="jac", max_nfev=60
        )
    finally:
        tb.set_override(None)
    p = _with_theta(base, spec, sol.x)
    report = {
        "n_observations": len(obs),
        "cost": float(sol.cost),
        "parameters": [
            {"scope": s[0], "name": s[1], "prior_mean": s[2], "prior_sd": s[3], "fitted": float(v)}
            for s, v in zip(spec, sol.x, strict=True)
        ],
    }
    return p, report


def fit_tmax_margin() -> tuple[float, list[dict]]:
    """Margin k on the load-line criterion so that Tmax(Pc = 2) of the grade ladder's typical
    chemistries equals the vendors' Tw (``physics/grade_suffixes.csv``); median over suffixes."""
    from substitute.properties.magnet import KA, _prepare_ndfeb, _state
    from substitute.properties.routes import resolve_route_params

    suf = data.read_csv("physics/grade_suffixes.csv")
    base_s = _reference("sintered_base")
    ks, rep = [], []
    for _, s in suf.iterrows():
        dy = 0.5 * (s["hre_bulk_min_mass_percent"] + s["hre_bulk_max_mass_percent"])
        a = _add_element(base_s, "Dy", dy, replace="Nd") if dy > 0 else base_s
        prep = _prepare_ndfeb(a, resolve_route_params("sintered", 1), False)
        T = float(s["tw_C"]) + 273.15
        br, _, hk = _state(prep, T, which="knee")
        hw = br / (2.0 + prep.mu_rec)
        k = float(hk[0] / hw[0])
        ks.append(k)
        rep.append(
            {
                "suffix": s["suffix"],
                "tw_C": float(s["tw_C"]),
                "k": k,
                "hk_at_tw_kA_per_m": float(hk[0] / KA),
            }
        )
    return float(np.median(ks)), rep


# ------------------------------------------------------------------------------ 3. correction
def _abs_rows(cal: pd.DataFrame, include_generic: bool = False) -> pd.DataFrame:
    rows = []
    for _, r in cal.iterrows():
        if r["route"] not in _ROUTE_FIT or not isinstance(r["composition"], str):
            continue
        try:
            a = parse_row_alloy(r["composition"], r["composition_basis"])
        except Exception:
            continue
        rows.append(
            {
                **r.to_dict(),
                "_alloy": a,
                "_in_domain": _in_domain(a, r["route"], float(r["temperature_C"])),
                "_composition": "row",
            }
        )
    if include_generic:
        for _, r in _generic_rows(cal).iterrows():
            a = reference_alloy(r["route"])
            rows.append(
                {**r.to_dict(), "_alloy": a, "_in_domain": True, "_composition": "reference"}
            )
    return pd.DataFrame(rows)


def _row_prediction(r, params: dict | None = None) -> dict:
    from substitute.properties.correction import FEATURES, features
    from substitute.properties.intrinsic import main_phase
    from substitute.properties.magnet import predict_arrays
    from substitute.properties.routes import resolve_route_params

    if params is not None:
        tb.set_override(params)
    try:
        arr = predict_arrays(r["_alloy"], r["route"], [float(r["temperature_C"])], correction=False)
        rp = resolve_route_params(r["route"], 1)
        fd = features(r["_alloy"], main_phase(r["_alloy"]), rp)
        f = np.array([fd[k][0] for k in FEATURES])
    finally:
        if params is not None:
            tb.set_override(None)
    return {
        "br_T": float(arr["br_T"][0, 0]),
        "hcj_kA_per_m": float(arr["hcj_kA_per_m"][0, 0]),
        "bhmax_kJ_per_m3": float(arr["bhmax_kJ_per_m3"][0, 0]),
        "features": f,
    }


_CORR_FEATURES = ("hre_site_fraction", "lce_site_fraction", "co_site_fraction", "b_mass_percent")


def _oof_quantiles(e: pd.DataFrame, routes: list[str], fallback: np.ndarray):
    """5 %/95 % quantiles of out-of-fold log-residuals, pooled and per route (>= 3 residuals),
    by linear quantile regression (scikit-learn ``QuantileRegressor``, no penalty)."""
    from sklearn.linear_model import QuantileRegressor

    def q(values: np.ndarray, level: float) -> float:
        qr = QuantileRegressor(quantile=level, alpha=0.0, solver="highs")
        return float(qr.fit(np.zeros((len(values), 1)), values).intercept_)

    pooled = e["res"].to_numpy(float) if len(e) >= 3 else np.asarray(fallback, float)
    qs = {0.05: q(pooled, 0.05), 0.95: q(pooled, 0.95)}
    route_q = {}
    for rt in routes:
        v = e.loc[e["route"] == rt, "res"].to_numpy(float) if len(e) else np.array([])
        if len(v) >= 3:
            route_q[rt] = (q(v, 0.05), q(v, 0.95))
    return qs, route_q


def fit_correction(rows: pd.DataFrame, preds: list[dict], oof: dict[str, np.ndarray]) -> dict:
    """Ridge centre + linear quantile bounds of ln(measured/physics) per target; JSON-able dict."""
    from sklearn.linear_model import Ridge

    from substitute.properties.correction import FEATURES

    out = {}
    for target, col in (("br", "br_T"), ("hcj", "hcj_kA_per_m")):
        m = (
            (rows[col].notna() & rows["_in_domain"]).to_numpy(bool)
            if len(rows)
            else np.zeros(0, bool)
        )
        idx = [FEATURES.index(f) for f in _CORR_FEATURES]
        routes = list(_ROUTE_FIT)
        if m.sum() >= 3:
            X = np.array([preds[i]["features"][idx] for i in np.flatnonzero(m)])
            y = np.log(
                rows.loc[m, col].to_numpy(float)
                / np.array([preds[i][col] for i in np.flatnonzero(m)])
            )
            mean, scale = X.mean(0), X.std(0)
            # scale floor from the width of the applicability domain: a feature that barely varies
            # in a handful of rows must not turn into a steep correction elsewhere
            dom = tb.domain_table().set_index("feature")
            for j, f in enumerate(_CORR_FEATURES):
                width = float(dom.loc[f, "max"] - dom.loc[f, "min"]) if f in dom.index else 1.0
                scale[j] = max(scale[j], width / 4.0)
            Z = (X - mean) / scale
            R = np.zeros((len(Z), len(routes)))
            for k, rt in enumerate(rows.loc[m, "route"]):
                R[k, routes.index(rt)] = 1.0
            ZF = np.hstack([Z, R])
            ridge = Ridge(alpha=float(max(10.0, 3.0 * len(Z)))).fit(ZF, y)
            e = oof[target]
            e = e[np.isfinite(e["res"])] if len(e) else e
            qs, route_q = _oof_quantiles(e, routes, y - ridge.predict(ZF))
            coef = ridge.coef_.tolist()
            intercept = float(ridge.intercept_)
            n = int(m.sum())
        else:
            mean, scale = np.zeros(len(idx)), np.ones(len(idx))
            # too few rows: no correction; interval from the prior spread (Br: br_factor sd 0.03
            # x 1.64 ~ 5 %; HcJ: alpha/Neff prior spread ~ 25 %)
            half = 0.05 if target == "br" else 0.25
            coef, intercept, qs, n = (
                [0.0] * (len(idx) + len(routes)),
                0.0,
                {0.05: -half, 0.95: half},
                0,
            )
        zeros = [0.0] * (len(idx) + len(routes))
        if m.sum() < 3:
            route_q = {}
        q_lo_coef = list(coef) if coef else list(zeros)
        q_hi_coef = list(coef) if coef else list(zeros)
        for rt, (lo_r, hi_r) in route_q.items():
            q_lo_coef[len(idx) + routes.index(rt)] += lo_r - qs[0.05]
            q_hi_coef[len(idx) + routes.index(rt)] += hi_r - qs[0.95]
        out[target] = {
            "features": list(_CORR_FEATURES),
            "routes": routes,
            "mean": np.asarray(mean).tolist(),
            "scale": np.asarray(scale).tolist(),
            "coef": coef,
            "intercept": intercept,
            "q_lo": {"intercept": intercept + qs[0.05], "coef": q_lo_coef},
            "q_hi": {"intercept": intercept + qs[0.95], "coef": q_hi_coef},
            "oof_quantiles_by_route": {k: list(v) for k, v in route_q.items()},
            "min_half_width": 0.03 if target == "br" else 0.08,
            "n_rows": n,
        }
    return out


# ------------------------------------------------------------------------------ CV
def cross_validate(
    cal: pd.DataFrame, base: dict, obs: list[Observation], refit: bool = True
) -> pd.DataFrame:
    """Grouped-by-source CV of the absolute rows: refit the physics without the held-out source."""
    rows = _abs_rows(cal, include_generic=True)
    out = []
    if rows.empty:
        return pd.DataFrame()
    for sid in rows["source_id"].unique():
        train = [o for o in obs if o.source_id != sid]
        if refit:
            p, _ = fit_physics(train, base)
        else:
            p = base
        for _, r in rows[rows["source_id"] == sid].iterrows():
            pr = _row_prediction(r, p)
            for col in ("br_T", "hcj_kA_per_m", "bhmax_kJ_per_m3"):
                if pd.notna(r[col]):
                    out.append(
                        {
                            "composition": r["_composition"],
                            "row_id": r["row_id"],
                            "source_id": sid,
                            "route": r["route"],
                            "property": col,
                            "measured": float(r[col]),
                            "predicted": pr[col],
                        }
                    )
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    """Refit everything and write ``datasets/models/*.json`` (``make calibrate``)."""
    import argparse

    ap = argparse.ArgumentParser(description="Refit the substitute property model")
    ap.add_argument("--no-cv", action="store_true", help="skip the grouped cross-validation")
    args = ap.parse_args(argv)
    files = (*tb.PHYSICS_FILES, "physics/reference_chemistries.csv", tb.CALIBRATION_FILE)
    h = data.file_hash(*files)
    intrinsic = fit_intrinsic()
    base = _prior_params(intrinsic)
    base["data_hash"] = h
    base["physics_data_hash"] = data.file_hash(
        *tb.PHYSICS_FILES, "physics/reference_chemistries.csv"
    )
    base["calibration_data_hash"] = data.file_hash(tb.CALIBRATION_FILE)
    base["data_files"] = list(files)
    base["fitted_on"] = _dt.date.today().isoformat()
    # bootstrap: the forward model needs a correction file; start with a neutral one
    _write_neutral_correction(h)
    tb.set_override(base)
    obs = build_observations()
    tb.set_override(None)
    params, report = fit_physics(obs, base)
    params["fit_report"] = report
    tb.set_override(params)
    try:
        params["global"]["tmax_margin"], params["tmax_margin_report"] = fit_tmax_margin()
    finally:
        tb.set_override(None)
    data.write_json(tb.PARAMS_FILE, params)
    tb.clear_caches()
    cal = data.read_csv(tb.CALIBRATION_FILE)
    rows = _abs_rows(cal)
    preds = [_row_prediction(r) for _, r in rows.iterrows()]
    oof = {
        "br": pd.DataFrame(columns=["route", "res"]),
        "hcj": pd.DataFrame(columns=["route", "res"]),
    }
    if not args.no_cv:
        cv = cross_validate(cal, base, obs)
        for t, col in (("br", "br_T"), ("hcj", "hcj_kA_per_m")):
            c = cv[cv["property"] == col] if len(cv) else cv
            if len(c):
                oof[t] = pd.DataFrame(
                    {"route": c["route"], "res": np.log(c["measured"] / c["predicted"])}
                )
        data.write_json(
            "models/cv_predictions.json", {"data_hash": h, "rows": cv.to_dict(orient="records")}
        )
    model = {
        "data_hash": h,
        "widen_out_of_domain": 2.0,
        "targets": fit_correction(rows, preds, oof),
        "fitted_on": base["fitted_on"],
        "method": "Ridge (centre) + QuantileRegressor 5/95 % of out-of-fold log-residuals; sklearn",
    }
    data.write_json(tb.CORRECTION_FILE, model)
    tb.clear_caches()
    print(f"calibrated: data hash {h}; {len(obs)} observations; cost {report['cost']:.2f}")
    for prm in report["parameters"]:
        print(
            f"  {prm['scope']:>16s} {prm['name']:<28s} prior {prm['prior_mean']:.3g} ± {prm['prior_sd']:.3g} -> {prm['fitted']:.4g}"
        )
    return 0


def _write_neutral_correction(h: str) -> None:
    zeros = {
        "features": list(_CORR_FEATURES),
        "routes": list(_ROUTE_FIT),
        "mean": [0.0] * 4,
        "scale": [1.0] * 4,
        "coef": [0.0] * 7,
        "intercept": 0.0,
        "q_lo": {"intercept": -0.1, "coef": [0.0] * 7},
        "q_hi": {"intercept": 0.1, "coef": [0.0] * 7},
        "min_half_width": 0.05,
        "n_rows": 0,
    }
    data.write_json(
        tb.CORRECTION_FILE,
        {
            "data_hash": h,
            "widen_out_of_domain": 2.0,
            "targets": {"br": zeros, "hcj": zeros},
            "fitted_on": None,
            "method": "neutral (bootstrap)",
        },
    )
    tb.clear_caches()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
