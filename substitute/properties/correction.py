"""Learned residual correction, prediction intervals and the applicability domain.

The physics model (:mod:`substitute.properties.magnet`) is corrected by a small linear model of the
log-residual ln(measured/physics) of Br and HcJ on a few physical features, fitted by
``make calibrate`` (scikit-learn ``Ridge`` for the centre, ``QuantileRegressor`` for the 5 % and
95 % quantiles of out-of-fold residuals). It is stored as plain numbers in
``datasets/models/residual_correction.json`` together with the hash of the data it came from.

The applicability domain is a set of bounds per feature (``datasets/physics/model_domain.csv``, each
with its reason); an alloy outside any bound gets ``in_domain = False``, a reason, and intervals
widened by ``widen_out_of_domain``.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from substitute.properties import _tables as tb

__all__ = ["BIT", "FEATURES", "apply", "domain_mask", "features", "reasons", "temperature_bounds"]

FEATURES: tuple[str, ...] = (
    "hre_site_fraction",
    "lce_site_fraction",
    "gd_site_fraction",
    "co_site_fraction",
    "tre_mass_percent",
    "b_mass_percent",
    "ga_mass_percent",
    "cu_mass_percent",
    "al_mass_percent",
    "other_mass_percent",
    "main_phase_mass_fraction",
    "grain_size_um",
    "gbd_mass_percent",
    "thickness_mm",
)
"""Features used by the domain check and the residual model (units in the names)."""

_FLAGS = (*FEATURES, "temperature_C", "above_tc", "envelope_model")
BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(_FLAGS)}
"""Bit of each domain flag in ``domain_mask``."""

_PLACED = {*tb.MAIN_PHASE_RE, "Fe", "Co", "B", "Ga", "Cu", "Al"}


def features(batch, mp, rp) -> dict[str, np.ndarray]:
    """Features (name → array (n,)) of NdFeB alloys for the domain check and the correction."""
    x = mp.x
    idx = {r: i for i, r in enumerate(tb.MAIN_PHASE_RE)}
    n = len(batch)
    mass = batch.mass_array
    other_cols = [j for j, el in enumerate(batch.elements) if el not in _PLACED]
    other = mass[:, other_cols].sum(axis=1) if other_cols else np.zeros(n)
    zero = np.zeros(n)
    return {
        "hre_site_fraction": x[:, idx["Dy"]] + x[:, idx["Tb"]] + x[:, idx["Ho"]],
        "lce_site_fraction": x[:, idx["Ce"]] + x[:, idx["La"]] + x[:, idx["Y"]],
        "gd_site_fraction": x[:, idx["Gd"]],
        "co_site_fraction": mp.co_site_fraction,
        "tre_mass_percent": 100.0
        * np.asarray(batch.rare_earth_mass_fraction, dtype=float).reshape(n),
        "b_mass_percent": 100.0 * batch.get_mass_fraction("B"),
        "ga_mass_percent": 100.0 * batch.get_mass_fraction("Ga"),
        "cu_mass_percent": 100.0 * batch.get_mass_fraction("Cu"),
        "al_mass_percent": 100.0 * batch.get_mass_fraction("Al"),
        "other_mass_percent": 100.0 * other,
        "main_phase_mass_fraction": mp.mass_fraction,
        "grain_size_um": rp.grain_size_um,
        "gbd_mass_percent": rp.gbd_mass_percent if rp.gbd_mass_percent is not None else zero,
        "thickness_mm": rp.thickness_mm if rp.thickness_mm is not None else zero,
    }


@tb.depends_on_params
@cache
def _bounds(route: str) -> tuple[np.ndarray, np.ndarray]:
    tab = tb.domain_table()
    lo = np.full(len(FEATURES), -np.inf)
    hi = np.full(len(FEATURES), np.inf)
    for _, r in tab.iterrows():
        if r["feature"] in FEATURES and r["route"] in ("nd_fe_b", route):
            j = FEATURES.index(r["feature"])
            lo[j], hi[j] = float(r["min"]), float(r["max"])
    j = FEATURES.index("main_phase_mass_fraction")
    lo[j] = tb.params()["domain"]["min_main_phase_mass_fraction"]
    if route != "sintered_gbd":
        for name in ("gbd_mass_percent", "thickness_mm"):
            lo[FEATURES.index(name)], hi[FEATURES.index(name)] = -np.inf, np.inf
    return lo, hi


def temperature_bounds() -> tuple[float, float]:
    """Temperature range [°C] of the NdFeB physics (``model_domain.csv``)."""
    tab = tb.domain_table()
    r = tab[tab["feature"] == "temperature_C"].iloc[0]
    return float(r["min"]), float(r["max"])


def domain_mask(feats: dict[str, np.ndarray], route: str) -> np.ndarray:
    """Bit mask (n,) of features outside their bounds (0 = inside)."""
    lo, hi = _bounds(route)
    mask = None
    for j, name in enumerate(FEATURES):
        if not (np.isfinite(lo[j]) or np.isfinite(hi[j])):
            continue
        v = feats[name]
        bad = (v < lo[j] - 1e-12) | (v > hi[j] + 1e-12)
        if bad.any():
            term = bad.astype(np.int64) * BIT[name]
            mask = term if mask is None else (mask | term)
    n = len(next(iter(feats.values())))
    return np.zeros(n, dtype=np.int64) if mask is None else mask


def _reason_text(mask: int) -> str:
    if mask == 0:
        return ""
    parts = []
    tab = tb.domain_table()
    for name, bit in BIT.items():
        if mask & bit:
            if name == "above_tc":
                parts.append("temperature at or above the Curie temperature: Br = HcJ = 0")
            elif name == "envelope_model":
                parts.append("envelope model of commercial data (composition not resolved)")
            elif name == "main_phase_mass_fraction":
                lo = tb.params()["domain"]["min_main_phase_mass_fraction"]
                parts.append(f"2:14:1 phase fraction below {lo} (far from an NdFeB magnet)")
            else:
                rows = tab[tab["feature"] == name]
                if len(rows):
                    r = rows.iloc[0]
                    parts.append(
                        f"{name} outside [{r['min']}, {r['max']}] {r['unit']}: {r['reason']}"
                    )
                else:
                    parts.append(f"{name} outside the fitted range")
    return "; ".join(parts)


def reasons(masks: np.ndarray) -> np.ndarray:
    """Human-readable reason per row from domain bit masks ('' when in the domain)."""
    masks = np.asarray(masks, dtype=np.int64)
    uniq, inv = np.unique(masks, return_inverse=True)
    texts = np.array([_reason_text(int(m)) for m in uniq], dtype=object)
    return texts[inv.reshape(-1)]


def apply(target: str, feats: np.ndarray, route: str, use: bool):
    """Correction factor and log-interval for ``target`` ('br' or 'hcj').

    Returns
    -------
    (ndarray, (ndarray, ndarray))
        Multiplicative correction (n,) and the (lo, hi) log-offsets (n,) of the interval around the
        corrected value (lo ≤ 0 ≤ hi).
    """
    model = tb.correction_model()["targets"][target]
    n = len(next(iter(feats.values())))
    routes = model["routes"]
    coef = np.asarray(model["coef"])
    clo = np.asarray(model["q_lo"]["coef"])
    chi = np.asarray(model["q_hi"]["coef"])
    k = len(model["features"])
    r_add = routes.index(route) if route in routes else None
    centre = np.full(n, model["intercept"] + (coef[k + r_add] if r_add is not None else 0.0))
    lo = np.full(n, model["q_lo"]["intercept"] + (clo[k + r_add] if r_add is not None else 0.0))
    hi = np.full(n, model["q_hi"]["intercept"] + (chi[k + r_add] if r_add is not None else 0.0))
    for j, name in enumerate(model["features"]):
        if coef[j] == 0 and clo[j] == 0 and chi[j] == 0:
            continue
        z = np.clip((feats[name] - model["mean"][j]) / model["scale"][j], -3.0, 3.0)
        centre += coef[j] * z
        lo += clo[j] * z
        hi += chi[j] * z
    lo_off = np.minimum(lo - centre, -model["min_half_width"])
    hi_off = np.maximum(hi - centre, model["min_half_width"])
    factor = np.exp(centre) if use else np.ones(n)
    return factor, (lo_off, hi_off)
