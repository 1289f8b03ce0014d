"""Fitting the property model on evidence (``make calibrate``) and to a user's own magnets (:func:`calibrate`).

The model's free numbers and what is known about each before any fitting are in
``datasets/physics/model_priors.csv`` (prior mean and sd, physical bounds, source). The fit is a maximum a
posteriori least squares (``scipy.optimize.least_squares``, bounded) of

* **paired effects** (``calibration/paired_effects.csv``, via :mod:`substitute.properties.evidence`):
  predicted vs measured Δln HcJ (σ 0.08), Δln Br (σ 0.02), Δβ (σ 0.05 %/K) of each within-source
  comparison — these carry the levers; pairs with no stated amount, and pairs whose source states only a
  direction in words ("coercivity decreased"), constrain only the sign (a hinge: a prediction costs nothing
  once it is at least a clear effect, |Δln| ≥ ``CLEAR_EFFECT``, of the stated sign);
* **absolute magnets** with a composition: ln Br (σ 0.04), ln HcJ (σ 0.15), β (σ 0.05 %/K) — these carry
  the route factors (α, Neff, Br factor) and the temperature laws;
* **mixing series** of the intrinsic data (``physics/r2fe14b_mixing_series.csv``): ln(HA(x)/HA(0)) within each
  series with two or more interior points (σ 0.05) — the K1 bowing of Dy and La; Tb, Ce, Ho and Gd take
  theirs from the paired evidence and the prior (their single series points are validation data);
* the **priors** ((θ − μ)/σ for every fitted parameter).

Tc bowing and the Co curves are closed-form reads of the series (no free parameter); the Tmax margin is set
afterwards on the vendors' Tw ladder (``physics/grade_suffixes.csv``: each suffix's minimum-HcJ magnet
reaches its Tw at Pc 2). The prediction intervals are the 5 %
and 95 % quantiles of the leave-one-source-out residuals (:mod:`substitute.properties.crossval`), per route
group — what a source the model has never seen looks like.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from substitute import data
from substitute.arrays import number
from substitute.errors import InputError
from substitute.properties import _tables as tb
from substitute.properties import evidence as ev

__all__ = [
    "MIN_INTERIOR_POINTS",
    "PRIORS_FILE",
    "Fit",
    "Model",
    "Observations",
    "calibrate",
    "fit",
    "ha_series_in_fit",
    "intrinsic_static",
    "prior_params",
    "read_priors",
]

PRIORS_FILE = "physics/model_priors.csv"
SIGMA: dict[str, float] = {
    "ln_br": 0.04,
    "ln_hcj": 0.15,
    "beta": 0.05,
    "d_ln_hcj": 0.08,
    "d_ln_br": 0.02,
    "d_beta": 0.05,
    "series_ln_ha": 0.05,
    "sign": 0.02,
}
"""Standard deviations of the residual terms (ln for Br and HcJ; %/K for β)."""

CLEAR_EFFECT = 0.02
"""|Δln| of a clear lever effect: the sign agreement counts pairs at or above it, and a direction the fit
takes as a sign (stated in words, or a sign-only pair) must be predicted at least this clearly."""

TAU: dict[str, float] = {"br_T": 0.04, "hcj_kA_per_m": 0.20}
"""Spread of the lab-to-lab offsets of absolute rows (ln): each source gets a random offset with this prior
sd, profiled out in closed form, so one lab's systematic difference does not move the physics."""

HCJ_FLOOR_KA = 20.0
"""Predicted HcJ below this [kA/m] is taken at this value in ln residuals (keeps them finite)."""

ROUTE_GROUPS: tuple[str, ...] = ("sintered", "hot_deformed", "bonded_isotropic")
FIT_FILES: tuple[str, ...] = (
    *tb.PHYSICS_FILES,
    PRIORS_FILE,
    "physics/reference_chemistries.csv",
    ev.MAGNETS_FILE,
    ev.PAIRS_FILE,
    ev.VENDOR_FILE,
)


def group_of(route: str) -> str:
    """Route group of the intervals and route factors (``sintered_gbd`` shares ``sintered``)."""
    return "sintered" if route in ("sintered", "sintered_gbd") else route


# --------------------------------------------------------------------------------------------- model
@dataclass
class Model:
    """A fitted property model: pass it as ``model=`` to :func:`substitute.predict` or the ranking.

    Attributes
    ----------
    params : dict
        All parameters (the structure of ``datasets/models/physics_params.json``).
    name : str
        Label in audit stamps ("shipped" or the name given to :func:`calibrate`).
    report : dict
        What was fitted: parameters before → after, residuals of the user's rows, n rows.
    """

    params: dict
    name: str = "shipped"
    report: dict = field(default_factory=dict)

    def predict(self, alloy_or_batch, route: str = "sintered", temperature_C=20.0, **kwargs):
        """:func:`substitute.predict` with this model."""
        from substitute.properties.magnet import predict

        return predict(alloy_or_batch, route, temperature_C, model=self, **kwargs)

    def __repr__(self) -> str:
        n = self.report.get("n_rows")
        return f"Model(name={self.name!r}" + (f", fitted on {n} rows)" if n is not None else ")")


# --------------------------------------------------------------------------------------------- priors
def read_priors() -> pd.DataFrame:
    """``physics/model_priors.csv``: one row per parameter with its prior, bounds and source."""
    pri = data.read_csv(PRIORS_FILE)
    pri["fitted"] = pri["fitted"].astype(str).str.lower() == "true"
    return pri


MIN_INTERIOR_POINTS = 2
"""A mixing series informs a bowing (of Tc, or of K1 through HA) only with at least this many interior points
(0 < x < 1): a single point sets a curvature exactly, so one misread point would set it. Single points stay
validation data (the page's mixing-series table) — e.g. the Nd–Ce x = 0.25 HA of 1986, 4.4 T, which later
single-crystal data put far higher."""


def _interior(series: pd.DataFrame) -> pd.DataFrame:
    return series[(series["x_guest"] > 0) & (series["x_guest"] < 1)]


def intrinsic_static() -> dict[str, Any]:
    """Closed-form intrinsic terms: Tc bowing per guest and the Co-on-Fe-site curves.

    Tc bowing of guest g on the Nd host: the least-squares b of Tc(x) − linear(x) = b·x(1 − x) over a
    series' interior points, the linear part through the series' own end points (two interior points
    needed; otherwise 0).
    """
    series = data.read_csv("physics/r2fe14b_mixing_series.csv")
    series = series[series["use_for_fit"].astype(str).str.lower() == "true"]
    tab = tb.intrinsic_table()
    bow_tc = dict.fromkeys(tb.MAIN_PHASE_RE, 0.0)
    report = []
    for (host, guest), g in series.groupby(["host", "guest"]):
        guest = str(guest)
        g = g.dropna(subset=["tc_K"]).sort_values("x_guest")
        if g.empty or g["x_guest"].iloc[0] != 0.0:
            continue
        t0 = float(g["tc_K"].iloc[0])
        end = g[g["x_guest"] == 1.0]
        t1 = float(end["tc_K"].iloc[0]) if len(end) else float(cast(float, tab.loc[guest, "tc_K"]))
        inner = _interior(g)
        x = inner["x_guest"].to_numpy(float)
        d = inner["tc_K"].to_numpy(float) - ((1 - x) * t0 + x * t1)
        w = x * (1 - x)
        b = float(np.sum(d * w) / np.sum(w * w)) if len(x) >= MIN_INTERIOR_POINTS else 0.0
        bow_tc[guest] = b
        report.append({"series": f"{host}-{guest}", "n_interior": len(x), "bow_tc_K": b})
    co = data.read_csv("physics/r2fe14b_cobalt_series.csv")

    def used(col: str) -> pd.DataFrame:
        return co[co[col].astype(str).str.lower() == "true"].sort_values("co_site_fraction")

    cj, ch, ct = used("use_js"), used("use_ha"), used("use_tc")
    cobalt = {
        "js_z": cj["co_site_fraction"].tolist(),
        "js_ratio": (cj["js_T"] / cj["js_T"].iloc[0]).tolist(),
        "ha_z": ch["co_site_fraction"].tolist(),
        "ha_ratio": (ch["mu0ha_T"] / ch["mu0ha_T"].iloc[0]).tolist(),
        "tc_z": ct["co_site_fraction"].tolist(),
        "tc_shift_K": (ct["tc_K"] - ct["tc_K"].iloc[0]).tolist(),
    }
    return {
        "bow_tc_K": [bow_tc[r] for r in tb.MAIN_PHASE_RE],
        "tc_bowing_report": report,
        "cobalt": cobalt,
    }


def prior_params(
    priors: pd.DataFrame | None = None, intrinsic: dict | None = None
) -> dict[str, Any]:
    """Parameters at their prior means (the start of the fit), with the closed-form intrinsic terms."""
    pri = read_priors() if priors is None else priors
    p: dict[str, Any] = {
        "model_name": "shipped",
        "global": {},
        "intrinsic": dict(intrinsic if intrinsic is not None else intrinsic_static()),
        "routes": {},
        "gbd": {},
        "uncertainty": {
            "log_interval": {
                g: {"br_T": [-0.08, 0.08], "hcj_kA_per_m": [-0.4, 0.4]} for g in ROUTE_GROUPS
            },
            "widen_out_of_domain": 2.0,
            "tc_K": 15.0,
            "alpha_pct_per_K": 0.02,
            "beta_pct_per_K": 0.1,
        },
        "evidence": {"levers": {}, "route_sources": {}},
    }
    p["intrinsic"]["bow_k1_rel"] = dict.fromkeys(tb.MAIN_PHASE_RE, 0.0)
    for _, r in pri.iterrows():
        _assign(p, str(r["group"]), str(r["parameter"]), float(r["prior_mean"]))
    _derive(p)
    return p


def _assign(p: dict, group: str, name: str, value: float) -> None:
    if group == "route":
        route, key = name.split(".", 1)
        p["routes"].setdefault(route, {})[key] = value
    elif group == "intrinsic" and name.startswith("bow_k1_"):
        p["intrinsic"]["bow_k1_rel"][name.removeprefix("bow_k1_")] = value
    else:
        p[group][name.removeprefix(f"{group}.")] = value


def _derive(p: dict) -> None:
    """Quantities computed from the parameters (K1 bowing in J/m³ from its value relative to Nd's K1)."""
    from substitute.properties.intrinsic import end_members

    k_nd = float(end_members().k1_295[0])
    rel = p["intrinsic"]["bow_k1_rel"]
    p["intrinsic"]["bow_k1_J_per_m3"] = [rel.get(r, 0.0) * k_nd for r in tb.MAIN_PHASE_RE]


@dataclass(frozen=True)
class _Spec:
    group: str
    name: str
    mean: float
    sd: float
    lo: float
    hi: float


def fitted_spec(priors: pd.DataFrame | None = None, only: set[str] | None = None) -> list[_Spec]:
    """The fitted parameters (``fitted`` true); with ``only``, those named there whether the shipped fit
    frees them or not (a user's calibration refits the Br factor the shipped fit holds at its prior)."""
    pri = read_priors() if priors is None else priors
    sel = (
        pri[pri["fitted"]]
        if only is None
        else pri[pri["parameter"].isin(only) & (pri["prior_sd"] > 0)]
    )
    out = []
    for _, r in sel.iterrows():
        if only is not None and r["parameter"] not in only:
            continue
        out.append(
            _Spec(
                r["group"],
                r["parameter"],
                float(r["prior_mean"]),
                float(r["prior_sd"]),
                float(r["lower"]),
                float(r["upper"]),
            )
        )
    return out


def with_theta(base: dict, spec: list[_Spec], theta: np.ndarray) -> dict:
    """A copy of ``base`` with the fitted parameters set to ``theta``."""
    p = copy.deepcopy(base)
    for s, v in zip(spec, theta, strict=True):
        _assign(p, s.group, s.name, float(v))
    _derive(p)
    return p


def theta_of(params: dict, spec: list[_Spec]) -> np.ndarray:
    """The values of the fitted parameters in ``params`` (inverse of :func:`with_theta`)."""
    out = []
    for s in spec:
        if s.group == "route":
            route, key = s.name.split(".", 1)
            out.append(params["routes"][route][key])
        elif s.group == "intrinsic" and s.name.startswith("bow_k1_"):
            out.append(params["intrinsic"]["bow_k1_rel"][s.name.removeprefix("bow_k1_")])
        else:
            out.append(params[s.group][s.name.removeprefix(f"{s.group}.")])
    return np.asarray(out, dtype=float)


# --------------------------------------------------------------------------------------- evaluation
stated_range = ev.stated_range


def _range(text: str) -> tuple[float, float]:
    """Temperature range of a coefficient; 20–100 °C when the source does not state it."""
    return stated_range(text) or (20.0, 100.0)


@dataclass
class BetaLevel:
    """β of one measured magnet of a pair, with its HcJ and the temperature range the source states."""

    id: str
    source_id: str
    state: ev.State
    hcj_kA_per_m: float
    beta_pct_per_K: float
    range_C: tuple[float, float]


def beta_levels(pairs: list[ev.PairObs]) -> list[BetaLevel]:
    """The β of each pair magnet whose source gives its HcJ and β over a stated temperature range.

    A within-source Δβ says how a lever moves β; the level says how fast a magnet of that HcJ loses it —
    the temperature law at the operating point, which the vendor β of N grades covers at one HcJ only. The
    prediction is anchored at the magnet's measured HcJ (as the pairs are). Each magnet counts once (a base
    shared by several pairs); temperature pairs are left out (the pair is that measurement already).

    These levels are a **test set, not fitted**: the Kronmüller law with constant Neff cannot follow the
    slow loss of low-coercivity magnets (tbsputter2024-cn: 872 kA/m at 20 °C keeps 196 kA/m at 160 °C; the
    law gives 52 kA/m, the tail of the grain scatter) without bending the intrinsic K1(T) exponent (3.22 → 2.97 against its prior 3.8) and
    failing two acceptance checks (N38EH bulk Dy, N42SH Tmax at Pc 2); fitted, they were a worse model.
    The validation page reports them as held out."""
    out: list[BetaLevel] = []
    seen: set[tuple] = set()
    for o in pairs:
        rng = stated_range(o.coefficient_range_C)
        if o.lever == "temperature" or rng is None:
            continue
        for tag, st, h, b in (
            ("base", o.base, o.hcj[0], o.beta[0]),
            ("changed", o.changed, o.hcj[1], o.beta[1]),
        ):
            key = (o.source_id, round(float(h), 1), round(float(b), 4))
            if not (np.isfinite(h) and np.isfinite(b)) or key in seen:
                continue
            seen.add(key)
            out.append(BetaLevel(f"{o.pair_id}:{tag}", o.source_id, st, float(h), float(b), rng))
    return out


class _States:
    """A fixed list of magnet states evaluated together: grouped by route (and GBD element) into batches
    once, so that each evaluation under new parameters is a few vectorised calls."""

    def __init__(self, states: list[ev.State], extra_T_C: list[tuple[float, float]] | None = None):
        from substitute.composition import AlloyBatch
        from substitute.properties.routes import resolve_route_params

        self.n = len(states)
        t = np.array([s.temperature_C if np.isfinite(s.temperature_C) else 20.0 for s in states])
        extra = extra_T_C or [(20.0, 100.0)] * self.n
        self.T = np.column_stack([t, [e[0] for e in extra], [e[1] for e in extra]]) + 273.15
        keys: dict[tuple, list[int]] = {}
        for i, s in enumerate(states):
            keys.setdefault((s.route, s.params.get("gbd_element")), []).append(i)
        self.groups = []
        defaults = prior_params()["routes"]
        for (route, el), idx in keys.items():
            batch = AlloyBatch.concat([states[i].alloy for i in idx])
            g = defaults[group_of(route)]["grain_size_um"]
            kw: dict[str, Any] = {
                "grain_size_um": np.array([states[i].params.get("grain_size_um", g) for i in idx])
            }
            if route == "sintered_gbd":
                kw["gbd_element"] = el
                kw["gbd_mass_percent"] = np.array(
                    [states[i].params["gbd_mass_percent"] for i in idx]
                )
                kw["thickness_mm"] = np.array(
                    [states[i].params.get("thickness_mm", 5.0) for i in idx]
                )
            rp = resolve_route_params(route, len(idx), **kw)
            self.groups.append((np.asarray(idx), batch, rp))

    def evaluate(
        self, params: dict, alpha_scale: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Br [T] and HcJ [kA/m] at each state's temperature, and HcJ at the two β temperatures;
        ``alpha_scale`` (one per state) multiplies α."""
        from substitute.properties.magnet import KA, _prepare_ndfeb, _state

        out = {k: np.empty(self.n) for k in ("br", "hcj", "hcj_a", "hcj_b", "br_a", "br_b")}
        scale = np.ones(self.n) if alpha_scale is None else alpha_scale
        for idx, batch, rp in self.groups:
            prep = _prepare_ndfeb(batch, rp, params, domain=False)
            for j, (kb, kh) in enumerate((("br", "hcj"), ("br_a", "hcj_a"), ("br_b", "hcj_b"))):
                br, hcj, _ = _state(prep, self.T[idx, j], alpha_scale=scale[idx])
                out[kb][idx] = br
                out[kh][idx] = hcj / KA
        return out

    def anchor(self, params: dict, hcj_kA_per_m: np.ndarray) -> np.ndarray:
        """Per state, the factor on α that makes the predicted HcJ at the state's temperature equal the
        measured one (1 where none is measured or the law cannot reach it)."""
        from substitute.properties.magnet import KA, _prepare_ndfeb, _state, spread_inverse

        out = np.ones(self.n)
        for idx, batch, rp in self.groups:
            prep = _prepare_ndfeb(batch, rp, params, domain=False)
            _, a_ha, nj, sd = _state(prep, self.T[idx, 0], which="parts")
            h = hcj_kA_per_m[idx] * KA
            with np.errstate(invalid="ignore", divide="ignore"):
                mu = spread_inverse(np.where(np.isfinite(h) & (h > 0), h, 1.0), sd)
            s = np.where(np.isfinite(h), (mu + nj) / np.maximum(a_ha, 1e-9), np.nan)
            out[idx] = np.where(np.isfinite(s) & (s > 0.2) & (s < 5.0), s, 1.0)
        return out


def _beta(h_a: np.ndarray, h_b: np.ndarray, T: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (h_b / h_a - 1.0) / (T[:, 2] - T[:, 1]) * 100.0


def _ln(v: np.ndarray, floor: float) -> np.ndarray:
    return np.log(np.maximum(v, floor))


class Observations:
    """The evidence in model form: absolute magnets, paired effects, mixing series."""

    def __init__(
        self,
        absolute: list[ev.AbsoluteObs],
        pairs: list[ev.PairObs],
        use_series: bool = True,
        source_offsets: bool = True,
    ):
        self.absolute = absolute
        self.source_offsets = source_offsets
        self.pairs = pairs
        self.use_series = use_series
        if absolute:
            self.abs_states = _States(
                [o.state for o in absolute], [_range(o.coefficient_range_C) for o in absolute]
            )
            self.abs_br = np.array([o.br_T for o in absolute])
            self.abs_hcj = np.array([o.hcj_kA_per_m for o in absolute])
            self.abs_beta = np.array([o.beta_pct_per_K for o in absolute])
            _, self.abs_source = np.unique([o.source_id for o in absolute], return_inverse=True)
        if pairs:
            # Δβ over the range the source states (20–100 °C when it does not)
            ranges = [_range(o.coefficient_range_C) for o in pairs]
            self.p0 = _States([o.base for o in pairs], ranges)
            self.p1 = _States([o.changed for o in pairs], ranges)
            m = self.measured_pair_effects()
            self.d_hcj, self.d_br, self.d_beta = m["d_ln_hcj"], m["d_ln_br"], m["d_beta"]
            self.sign_only = np.array([o.sign_only for o in pairs])
            self.dir_hcj = np.array([o.hcj_direction for o in pairs])
            self.dir_br = np.array([o.br_direction for o in pairs])
            self.h0 = np.array([o.hcj[0] if np.isfinite(o.hcj[0]) else np.nan for o in pairs])
            self.assumed = np.array([o.assumed_amount for o in pairs])
        self.levels = beta_levels(pairs)
        if self.levels:
            self.lv_states = _States(
                [lv.state for lv in self.levels], [lv.range_C for lv in self.levels]
            )
            self.lv_hcj = np.array([lv.hcj_kA_per_m for lv in self.levels])
            self.lv_beta = np.array([lv.beta_pct_per_K for lv in self.levels])
        self.series = _series_table() if use_series else None

    def measured_pair_effects(self) -> dict[str, np.ndarray]:
        """Measured Δln HcJ, Δln Br and Δβ of each pair (NaN where the source gives none)."""

        def dln(pair: tuple[float, float], pct: float) -> float:
            a, b = pair
            if np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0:
                return math.log(b / a)
            return math.log1p(pct / 100.0) if np.isfinite(pct) and pct > -100 else np.nan

        return {
            "d_ln_hcj": np.array([dln(o.hcj, o.hcj_change_pct) for o in self.pairs]),
            "d_ln_br": np.array([dln(o.br, o.br_change_pct) for o in self.pairs]),
            "d_beta": np.array([o.beta[1] - o.beta[0] for o in self.pairs]),
        }

    def predict_absolute(self, params: dict) -> dict[str, np.ndarray]:
        e = self.abs_states.evaluate(params)
        return {
            "br_T": e["br"],
            "hcj_kA_per_m": e["hcj"],
            "beta_pct_per_K": _beta(e["hcj_a"], e["hcj_b"], self.abs_states.T),
        }

    def predict_pairs(self, params: dict) -> dict[str, np.ndarray]:
        """Predicted effects; where the source gives the base magnet's HcJ the comparison is anchored there
        (α scaled so that the base is predicted as measured, the same scale on the changed magnet): a lever's
        effect depends on the operating point, and a lab's base magnet is rarely the route's average one."""
        s = self.p0.anchor(params, self.h0)
        e0, e1 = self.p0.evaluate(params, s), self.p1.evaluate(params, s)
        return {
            "d_ln_hcj": _ln(e1["hcj"], 1.0) - _ln(e0["hcj"], 1.0),
            "d_ln_br": _ln(e1["br"], 1e-3) - _ln(e0["br"], 1e-3),
            "d_beta": _beta(e1["hcj_a"], e1["hcj_b"], self.p1.T)
            - _beta(e0["hcj_a"], e0["hcj_b"], self.p0.T),
        }

    def predict_beta_levels(self, params: dict) -> np.ndarray:
        """β [%/K] of the :func:`beta_levels` magnets over their stated ranges, anchored at their HcJ."""
        s = self.lv_states.anchor(params, self.lv_hcj)
        e = self.lv_states.evaluate(params, s)
        return _beta(e["hcj_a"], e["hcj_b"], self.lv_states.T)

    def residuals(self, params: dict) -> np.ndarray:
        parts: list[np.ndarray] = []
        if self.absolute:
            pa = self.predict_absolute(params)
            for key, meas, s, floor in (
                ("br_T", self.abs_br, SIGMA["ln_br"], 1e-3),
                ("hcj_kA_per_m", self.abs_hcj, SIGMA["ln_hcj"], HCJ_FLOOR_KA),
            ):
                ok = np.isfinite(meas) & (meas > 0)
                r = np.where(ok, _ln(pa[key], floor) - np.log(np.where(ok, meas, 1.0)), 0.0)
                # per-source offset u (prior N(0, tau)): its MAP value given the rows, then removed
                n_src = np.bincount(self.abs_source, weights=ok.astype(float))
                sum_src = np.bincount(self.abs_source, weights=r)
                u = sum_src / (n_src + (s / TAU[key]) ** 2)
                if not self.source_offsets:  # a user's own magnets: their lab is what is calibrated
                    u = np.zeros_like(u)
                parts.append(np.where(ok, (r - u[self.abs_source]) / s, 0.0))
                parts.append(u / TAU[key])
            ok = np.isfinite(self.abs_beta)
            pb = np.nan_to_num(pa["beta_pct_per_K"], nan=0.0)
            parts.append(np.where(ok, (pb - np.nan_to_num(self.abs_beta)) / SIGMA["beta"], 0.0))
        if self.pairs:
            pp = self.predict_pairs(params)
            no_direction = np.full(len(self.pairs), np.nan)
            for key, meas, stated in (
                ("d_ln_hcj", self.d_hcj, self.dir_hcj),
                ("d_ln_br", self.d_br, self.dir_br),
                ("d_beta", self.d_beta, no_direction),
            ):
                sd = SIGMA[key] * np.where(self.assumed, 2.5, 1.0)
                pred = np.nan_to_num(pp[key], nan=0.0)
                ok = np.isfinite(meas)
                full = ok & ~self.sign_only
                r = np.where(full, (pred - np.nan_to_num(meas)) / sd, 0.0)
                # sign-only pairs, and a direction stated in words where there are no values: penalise
                # only a prediction that is not clearly of the stated sign — smaller than the clear-effect
                # threshold of the sign agreement (CLEAR_EFFECT; a sign-only value below it, that value)
                sgn = np.where(ok, np.sign(np.nan_to_num(meas)), np.nan_to_num(stated))
                margin = np.where(
                    ok, np.minimum(np.abs(np.nan_to_num(meas)), CLEAR_EFFECT), CLEAR_EFFECT
                )
                hinge = (ok & self.sign_only) | (~ok & np.isfinite(stated))
                wrong = hinge & (sgn != 0)
                r = np.where(wrong, np.maximum(margin - sgn * pred, 0.0) / SIGMA["sign"], r)
                parts.append(r)
        if self.series is not None:
            parts.append(_series_residuals(self.series, params))
        return np.concatenate(parts) if parts else np.zeros(0)


def ha_series_in_fit(series: pd.DataFrame) -> pd.Series:
    """Which rows of the mixing-series table the fit uses for HA: ``use_for_fit`` true, an HA value, in a
    host–guest series that has its x = 0 row and :data:`MIN_INTERIOR_POINTS` interior points."""
    ok = (series["use_for_fit"].astype(str).str.lower() == "true") & series["mu0ha_T"].notna()
    keep = pd.Series(False, index=series.index)
    for _, g in series[ok].groupby(["host", "guest"]):
        if (g["x_guest"] == 0.0).any() and len(_interior(g)) >= MIN_INTERIOR_POINTS:
            keep[g.index] = True
    return keep


def _series_table() -> dict[str, np.ndarray]:
    """Points of the mixing series the fit uses (:func:`ha_series_in_fit`): x vectors and measured
    ln(HA(x)/HA(0))."""
    s = data.read_csv("physics/r2fe14b_mixing_series.csv")
    s = s[ha_series_in_fit(s)]
    xs, ys = [], []
    idx = {r: i for i, r in enumerate(tb.MAIN_PHASE_RE)}
    for (host, guest), g in s.groupby(["host", "guest"]):
        host, guest = str(host), str(guest)
        ha0 = float(g.loc[g["x_guest"] == 0.0, "mu0ha_T"].iloc[0])
        for _, r in g[g["x_guest"] > 0].iterrows():
            x = np.zeros(len(tb.MAIN_PHASE_RE))
            x[idx[host]] = 1.0 - r["x_guest"]
            x[idx[guest]] = r["x_guest"]
            xs.append(x)
            ys.append(math.log(float(r["mu0ha_T"]) / ha0))
    return {"x": np.array(xs), "y": np.array(ys)}


def _series_residuals(series: dict, params: dict) -> np.ndarray:
    from substitute.properties.intrinsic import mix_intrinsics

    x = series["x"]
    n = len(x)
    host = np.zeros_like(x)
    host[:, 0] = 1.0
    mi = mix_intrinsics(x, np.zeros(n), params=params)
    m0 = mix_intrinsics(host, np.zeros(n), params=params)
    pred = np.log(mi.ha_295 / m0.ha_295)
    return (pred - series["y"]) / SIGMA["series_ln_ha"]


# --------------------------------------------------------------------------------------------- fit
@dataclass
class Fit:
    """Result of :func:`fit`: parameters, the fitted vector and a report."""

    params: dict
    theta: np.ndarray
    spec: list[_Spec]
    cost: float
    n_residuals: int
    nfev: int


def fit(
    obs: Observations,
    base: dict,
    spec: list[_Spec],
    theta0: np.ndarray | None = None,
    max_nfev: int | None = None,
    prior_scale: float = 1.0,
) -> Fit:
    """MAP least squares of the ``spec`` parameters on ``obs`` starting from ``base``."""
    from scipy.optimize import least_squares

    mu = np.array([s.mean for s in spec])
    sd = np.array([s.sd for s in spec])
    lo = np.array([s.lo for s in spec])
    hi = np.array([s.hi for s in spec])
    start = np.clip(theta_of(base, spec) if theta0 is None else theta0, lo + 1e-9, hi - 1e-9)
    has_prior = sd > 0

    def res(theta: np.ndarray) -> np.ndarray:
        p = with_theta(base, spec, theta)
        r = obs.residuals(p)
        pr = (theta[has_prior] - mu[has_prior]) / (sd[has_prior] * prior_scale)
        return np.concatenate([r, pr])

    scale = np.where(sd > 0, sd, np.maximum(hi - lo, 1e-3) / 10.0)
    sol = least_squares(
        res,
        start,
        bounds=(lo, hi),
        x_scale=scale,
        diff_step=1e-3,
        max_nfev=max_nfev,
        method="trf",
        xtol=1e-10,
        ftol=1e-10,
    )
    return Fit(
        with_theta(base, spec, sol.x), sol.x, spec, float(sol.cost), len(sol.fun), int(sol.nfev)
    )


def fit_tmax_margin(params: dict) -> tuple[float, list[dict]]:
    """Margin k of the load-line criterion so that Tmax(Pc = 2) of each suffix's minimum magnet equals the
    vendors' Tw (``physics/grade_suffixes.csv``); median over suffixes.

    A vendor's Tw is a rating of every magnet of the grade, so also of one that just meets the suffix's
    HcJ minimum: the chemistry used is the sintered reference with the bulk Dy at which the model's HcJ
    at 20 °C reaches that minimum (none for N, whose Dy-free reference already exceeds it). HcJ minima and
    Tw are vendor datasheet values; the suffixes' usual Dy contents are not used (most are not sourced).
    """
    from substitute.properties.magnet import KA, _prepare_ndfeb, _state
    from substitute.properties.reference import reference_alloy
    from substitute.properties.routes import resolve_route_params

    def prepared(dy: float) -> Any:
        a = reference_alloy("sintered", replace_nd={"Dy": dy} if dy > 0 else None)
        rp = resolve_route_params("sintered", 1, model_params=params)
        return _prepare_ndfeb(a, rp, params, domain=False)

    def hcj_20(dy: float) -> float:
        return float(_state(prepared(dy), 293.15)[1][0] / KA)

    suf = data.read_csv("physics/grade_suffixes.csv")
    ks, rep = [], []
    for _, s in suf.iterrows():
        target = float(s["hcj_min_kA_per_m"])
        dy = 0.0
        if hcj_20(0.0) < target:  # bisection: HcJ(20 °C) rises with bulk Dy
            lo, hi = 0.0, 15.0
            for _ in range(30):  # 15 wt% / 2**30: far below any reading of a Dy content
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if hcj_20(mid) < target else (lo, mid)
            dy = hi
        prep = prepared(dy)
        T = float(s["tw_C"]) + 273.15
        br, _, hk = _state(prep, T, which="knee")
        k = float(hk[0] / (br[0] / (2.0 + prep.micro.mu_rec)))
        ks.append(k)
        rep.append(
            {
                "suffix": s["suffix"],
                "tw_C": float(s["tw_C"]),
                "hcj_min_kA_per_m": target,
                "dy_wt_pct_at_hcj_min": dy,
                "k": k,
                "hk_at_tw_kA_per_m": float(hk[0] / KA),
            }
        )
    return float(np.median(ks)), rep


def _route_kwargs(st: ev.State) -> dict[str, Any]:
    """The route keyword parameters (grain size, GBD …) a magnet state of the evidence states."""
    from substitute.properties.routes import ROUTE_PARAMETERS

    return {k: v for k, v in st.params.items() if k in ROUTE_PARAMETERS[st.route]}


def _state_features(st: ev.State, defaults: dict) -> dict[str, np.ndarray]:
    """Domain features (:func:`substitute.properties.domain.features`) of one magnet state of the evidence."""
    from substitute.composition import AlloyBatch
    from substitute.properties import domain as dom
    from substitute.properties.intrinsic import main_phase
    from substitute.properties.routes import resolve_route_params

    batch = AlloyBatch.concat([st.alloy])
    rp = resolve_route_params(st.route, 1, model_params=defaults, **_route_kwargs(st))
    return dom.features(batch, main_phase(batch), rp)


def as_shown(states: list[ev.State], params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per magnet state at its temperature, what :func:`~substitute.predict` with ``params`` would show:
    the ``evidence`` column (sources behind the least-supported lever) and ``in_domain``. Leave-one-source-out
    passes the fold's parameters and evidence index, so a held-out magnet is flagged as the model without its
    source would flag it (and its interval widened as ``predict`` widens it)."""
    from substitute.properties.magnet import predict_arrays

    model = Model(params, name="fold")
    evidence = np.zeros(len(states), dtype=np.int64)
    in_domain = np.zeros(len(states), dtype=bool)
    for i, st in enumerate(states):
        t = st.temperature_C if np.isfinite(st.temperature_C) else 20.0
        arr = predict_arrays(st.alloy, st.route, t, model=model, **_route_kwargs(st))
        evidence[i], in_domain[i] = int(arr["evidence"][0, 0]), bool(arr["in_domain"][0, 0])
    return evidence, in_domain


def evidence_index(absolute: list[ev.AbsoluteObs], pairs: list[ev.PairObs]) -> dict[str, Any]:
    """Per lever feature, the levels measured and by which source (for the ``evidence`` column)."""
    from substitute.properties import domain as dom

    states = [(o.source_id, o.state) for o in absolute]
    states += [
        (o.source_id, s)
        for o in pairs
        for s in (o.base, o.changed)
        if not o.generic_base or s is o.changed
    ]
    codes: dict[str, int] = {}
    levers: dict[str, dict[str, list]] = {}
    defaults = prior_params()
    for src, st in states:
        feats = _state_features(st, defaults)
        code = codes.setdefault(src, len(codes))
        for name, floor in dom.LEVER_FEATURES.items():
            v = float(np.asarray(feats[name])[0])
            if v > floor:
                rec = levers.setdefault(name, {"values": [], "source_codes": []})
                rec["values"].append(round(v, 6))
                rec["source_codes"].append(code)
    mags = ev.magnets()
    route_sources = {}
    for g in ROUTE_GROUPS:
        routes = [r for r, v in ev.ROUTE_OF.items() if v == g]
        sel = mags[mags["route"].isin(routes) & mags["excluded_reason"].isna()]
        route_sources[g] = int(sel["source_id"].nunique())
    return {"levers": levers, "route_sources": route_sources}


def outside_bounds(absolute: list[ev.AbsoluteObs]) -> dict[str, str]:
    """Absolute rows outside the model's bounds (``physics/model_domain.csv``: elements it does not place,
    B, TRE, grain size …), row id → reason. They are neither fitted nor scored: the model does not claim
    them (a prediction for such an alloy says ``in_domain = False``)."""
    from substitute.properties import domain as dom

    defaults = prior_params()
    out = {}
    for o in absolute:
        st = o.state
        mask = int(dom.domain_mask(_state_features(st, defaults), st.route)[0])
        if mask:
            out[o.row_id] = str(dom.reasons(np.array([mask]), st.route)[0])
    return out


def shipped_fit(max_nfev: int | None = None) -> tuple[dict, Observations, Fit]:
    """Fit the shipped model on all evidence inside the model's bounds (no intervals yet)."""
    pri = read_priors()
    base = prior_params(pri)
    absolute = ev.absolute_observations()
    out = outside_bounds(absolute)
    absolute = [o for o in absolute if o.row_id not in out] + ev.vendor_beta_observations()
    pairs, _ = ev.paired_observations()
    obs = Observations(absolute, pairs)
    spec = fitted_spec(pri)
    f = fit(obs, base, spec, max_nfev=max_nfev)
    params = f.params
    params["global"]["tmax_margin"], params["tmax_margin_report"] = fit_tmax_margin(params)
    params["evidence"] = evidence_index(absolute, pairs)
    params["outside_bounds"] = out
    return params, obs, f


# ------------------------------------------------------------------------------------ user calibration
USER_PARAMETERS: tuple[str, ...] = ("alpha", "neff", "br_factor")
"""Route factors refitted by :func:`calibrate` (the levers keep the shipped, evidence-fitted values)."""

_REQUIRED = ("composition", "route", "br_T", "hcj_kA_per_m")


def calibrate(measured: pd.DataFrame, *, name: str = "user", prior_weight: float = 1.0) -> Model:
    """Fit the model's route factors to your own measured magnets.

    The shipped model (its lever effects fitted on the published within-source evidence) is the prior;
    your magnets refit the route factors α, Neff and the Br factor of the routes they use, so a
    systematic difference of your process (alignment, grain-boundary quality) moves the predictions
    while the levers' effects stay those of the evidence.

    The intervals become those of a lever's effect on a measured magnet — the held-out paired effects'
    (``uncertainty.log_interval_relative``, HcJ about ×0.7–×1.4) where narrower than the shipped absolute
    ones, which must also cover labs of unstated processing (HcJ about ×0.2–×5) — widened to cover your
    residuals after the fit (all of them below 5 rows per route group, else their 5–95 % quantiles).

    Parameters
    ----------
    measured : pandas.DataFrame
        One magnet per row with ``composition`` (e.g. ``"Nd 23, Pr 7, Dy 1, B 0.95, Fe bal"``),
        ``route`` (``sintered``, ``sintered_gbd``, ``hot_deformed``), ``br_T`` and ``hcj_kA_per_m``;
        optional ``composition_basis`` (default ``mass``), ``temperature_C`` (default 20),
        ``grain_size_um``, and for ``sintered_gbd`` ``gbd_element``, ``gbd_mass_percent``,
        ``thickness_mm``; ``beta_hcj_pct_per_K`` with ``coefficient_range_C`` when measured. An empty
        optional cell takes its default; any other cell must be a number in its range (temperature
        −40–250 °C, β −2–0 %/K), never read as empty.
    name : str, default "user"
        Label of the model in audit stamps.
    prior_weight : float, default 1
        Multiplies the shipped model's weight against your rows (smaller trusts your rows more).

    Returns
    -------
    Model
        Pass it as ``model=`` to :func:`substitute.predict`, :func:`substitute.rank` or the what-if.

    Raises
    ------
    InputError
        Missing columns, no usable row (the message says row by row what was wrong).
    """
    if not isinstance(measured, pd.DataFrame):
        msg = f"measured must be a pandas DataFrame, got {type(measured).__name__}"
        raise InputError(msg)
    missing = [c for c in _REQUIRED if c not in measured.columns]
    if missing:
        msg = f"measured magnets lack column(s) {', '.join(missing)}; required: {', '.join(_REQUIRED)}"
        raise InputError(msg)
    prior_weight = number(
        "prior_weight", prior_weight, "weight of the shipped model against your rows", lo_open=True
    )
    tab = measured.copy()
    tab["row_id"] = [f"user-{i + 1}" for i in range(len(tab))]
    tab["source_id"] = name
    if "composition_basis" not in tab:
        tab["composition_basis"] = "mass"
    if "excluded_reason" not in tab:
        tab["excluded_reason"] = np.nan
    problems = ev.row_problems(tab)
    if problems:
        msg = f"measured magnets: {problems[0]}" + (
            f" (and {len(problems) - 1} more rows)" if len(problems) > 1 else ""
        )
        raise InputError(msg)
    # an empty temperature cell is room temperature; any other cell row_problems has checked
    temp = tab["temperature_C"] if "temperature_C" in tab else pd.Series(np.nan, index=tab.index)
    tab["temperature_C"] = pd.to_numeric(temp, errors="coerce").fillna(20.0)
    absolute = ev.absolute_observations(tab)
    base_params = tb.params()
    groups = sorted({group_of(o.state.route) for o in absolute})
    spec = []
    for g in groups:
        spec += fitted_spec(only={f"{g}.{k}" for k in USER_PARAMETERS})
    shipped = theta_of(base_params, spec)
    # the shipped values are the prior centre; its spread the prior sd
    spec = [
        _Spec(s.group, s.name, float(v), s.sd, s.lo, s.hi)
        for s, v in zip(spec, shipped, strict=True)
    ]
    obs = Observations(absolute, [], use_series=False, source_offsets=False)
    f = fit(obs, base_params, spec, prior_scale=1.0 / prior_weight)
    params = f.params
    params["model_name"] = name
    pa = obs.predict_absolute(params)
    report_rows = []
    widened = copy.deepcopy(params["uncertainty"]["log_interval"])
    relative = params["uncertainty"].get("log_interval_relative") or {}
    for g in groups:
        for key, (r_lo, r_hi) in relative.items():
            # knowing your process can only narrow the interval: the narrower end of the two
            a_lo, a_hi = widened[g][key]
            widened[g][key] = [max(a_lo, r_lo), min(a_hi, r_hi)]
        sel = np.array([group_of(o.state.route) == g for o in absolute])
        for key, meas in (("br_T", obs.abs_br), ("hcj_kA_per_m", obs.abs_hcj)):
            ok = sel & np.isfinite(meas) & (meas > 0)
            if not ok.any():
                continue
            r = np.log(meas[ok]) - _ln(pa[key][ok], 1e-3)
            lo, hi = widened[g][key]
            q = (0.05, 0.95) if ok.sum() >= 5 else (0.0, 1.0)
            lo = min(lo, float(np.quantile(r, q[0])))
            hi = max(hi, float(np.quantile(r, q[1])))
            widened[g][key] = [lo, hi]
            report_rows.append(
                {
                    "group": g,
                    "property": key,
                    "n": int(ok.sum()),
                    "median_ln_residual": float(np.median(r)),
                }
            )
    params["uncertainty"]["log_interval"] = widened
    params["calibration_data_hash"] = _frame_hash(measured)
    report = {
        "n_rows": len(absolute),
        "parameters": [
            {"parameter": s.name, "shipped": float(v0), "fitted": float(v1)}
            for s, v0, v1 in zip(spec, shipped, f.theta, strict=True)
        ],
        "residuals": report_rows,
    }
    return Model(params, name, report)


def _frame_hash(df: pd.DataFrame) -> str:
    import hashlib

    return hashlib.sha256(df.to_csv(index=False).encode()).hexdigest()[:16]
