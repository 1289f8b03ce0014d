"""The applicability domain of the property model and the evidence behind each prediction.

Two checks, both per alloy:

* **bounds** — physical and commercial limits per feature (``datasets/physics/model_domain.csv``, each with
  its reason): an alloy outside any bound gets ``in_domain = False`` and the reason;
* **evidence** — for every lever the alloy uses (bulk Dy/Tb/Ho, Ce/La/Y, La and Ce together, Co, Cu, Ga,
  Al, GBD amount; not grain size, GBD thickness or B), the number of calibration sources
  (``datasets/calibration/``) that measured that lever at a comparable level (between half and twice the alloy's value). The ``evidence`` column is the
  smallest count over the levers used (the weakest link); a lever used beyond every measured level, or with
  no source at all, puts the alloy outside the domain ("no evidence at this level").

Outside the domain the intervals widen by ``uncertainty.widen_out_of_domain`` and :func:`predict` emits one
:class:`~substitute.errors.ModelDomainWarning` naming the reasons.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from substitute.properties import _tables as tb

__all__ = [
    "BIT",
    "FEATURES",
    "LEVER_FEATURES",
    "domain_mask",
    "evidence_count",
    "feature_bounds",
    "features",
    "lever_counts",
    "reasons",
    "temperature_bounds",
]

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
    "br_factor",
)
"""Features used by the domain check (units in the names)."""

LEVER_FEATURES: dict[str, float] = {
    "dy_mass_percent": 0.05,
    "tb_mass_percent": 0.05,
    "ho_mass_percent": 0.05,
    "ce_site_fraction": 0.01,
    "la_site_fraction": 0.01,
    "la_ce_site_fraction": 0.01,
    "y_site_fraction": 0.01,
    "co_mass_percent": 0.05,
    "cu_mass_percent": 0.02,
    "ga_mass_percent": 0.02,
    "al_mass_percent": 0.05,
    "gbd_mass_percent": 0.01,
}
"""Levers whose evidence is counted, with the level below which the lever counts as not used."""

_FLAGS = (
    *FEATURES,
    "temperature_C",
    "above_tc",
    "envelope_model",
    "no_evidence",
    "binder_limit",
    "hcj_law_zero",
)
BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(_FLAGS)}
"""Bit of each domain flag in ``domain_mask``."""

_PLACED = {*tb.MAIN_PHASE_RE, "Fe", "Co", "B", "Ga", "Cu", "Al"}


def features(batch, mp, rp) -> dict[str, np.ndarray]:
    """Features (name → array (n,)) of NdFeB alloys for the domain check and the evidence count."""
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
        "br_factor": rp.br_factor if rp.br_factor is not None else np.full(n, np.nan),
        "dy_mass_percent": 100.0 * batch.get_mass_fraction("Dy"),
        "tb_mass_percent": 100.0 * batch.get_mass_fraction("Tb"),
        "ho_mass_percent": 100.0 * batch.get_mass_fraction("Ho"),
        "ce_site_fraction": x[:, idx["Ce"]],
        "la_site_fraction": x[:, idx["La"]],
        # the model's La x Ce term acts at the level of the scarcer of the two: co-doping's own evidence
        "la_ce_site_fraction": np.minimum(x[:, idx["La"]], x[:, idx["Ce"]]),
        "y_site_fraction": x[:, idx["Y"]],
        "co_mass_percent": 100.0 * batch.get_mass_fraction("Co"),
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
    if route != "sintered_gbd":
        for name in ("gbd_mass_percent", "thickness_mm"):
            lo[FEATURES.index(name)], hi[FEATURES.index(name)] = -np.inf, np.inf
    return lo, hi


def feature_bounds(feature: str, route: str) -> tuple[float, float]:
    """Bounds of one domain feature on a route (``model_domain.csv``; ±inf where it has none)."""
    lo, hi = _bounds(route)
    j = FEATURES.index(feature)
    return float(lo[j]), float(hi[j])


def temperature_bounds() -> tuple[float, float]:
    """Temperature range [°C] of the NdFeB physics (``model_domain.csv``)."""
    tab = tb.domain_table()
    r = tab[tab["feature"] == "temperature_C"].iloc[0]
    return float(r["min"]), float(r["max"])


def domain_mask(
    feats: dict[str, np.ndarray],
    route: str,
    params: dict | None = None,
    counts: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Bit mask (n,) of features outside their bounds or without evidence at their level (0 = inside)."""
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
    mask = np.zeros(n, dtype=np.int64) if mask is None else mask
    if params is not None:
        counts = lever_counts(feats, params) if counts is None else counts
        none = np.zeros(n, dtype=bool)
        for c in counts.values():
            none |= c == 0
        mask = mask | np.where(none, BIT["no_evidence"], 0)
    return mask


def _window_table(vals: np.ndarray, srcs: np.ndarray) -> np.ndarray:
    """table[i, j]: distinct sources among the sorted measured levels vals[i:j] (K ≤ a few hundred)."""
    k = len(vals)
    codes = np.unique(srcs, return_inverse=True)[1]
    table = np.zeros((k + 1, k + 1), dtype=np.int64)
    for i in range(k):
        seen = np.zeros(codes.max() + 1, dtype=bool)
        n = 0
        for j in range(i, k):
            if not seen[codes[j]]:
                seen[codes[j]] = True
                n += 1
            table[i, j + 1] = n
    return table


def lever_counts(feats: dict[str, np.ndarray], params: dict) -> dict[str, np.ndarray]:
    """Per lever used: number of sources that measured it between half and twice the alloy's level
    (10**6 where the alloy does not use the lever). Vectorised: two ``searchsorted`` and a table lookup."""
    ev = params.get("evidence", {}).get("levers", {})
    out = {}
    for name, floor in LEVER_FEATURES.items():
        if name not in feats:
            continue
        v = np.asarray(feats[name], dtype=float)
        used = v > floor
        if not used.any():
            continue
        rec = ev.get(name)
        if not rec:
            out[name] = np.where(used, 0, 10**6)
            continue
        vals = np.asarray(rec["values"], dtype=float)
        srcs = np.asarray(rec["source_codes"], dtype=np.int64)
        order = np.argsort(vals, kind="stable")
        vals, srcs = vals[order], srcs[order]
        table = _window_table(vals, srcs)
        lo = np.searchsorted(vals, v / 2.0, side="left")
        hi = np.searchsorted(vals, v * 2.0, side="right")
        out[name] = np.where(used, table[lo, np.maximum(hi, lo)], 10**6)
    return out


def evidence_count(
    feats: dict[str, np.ndarray],
    route: str,
    params: dict,
    counts: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Sources supporting each prediction: the smallest count over the levers it uses; with no lever
    used, the number of sources of absolute magnets of its route."""
    n = len(next(iter(feats.values())))
    base = params.get("evidence", {}).get("route_sources", {})
    group = "sintered" if route in ("sintered", "sintered_gbd") else route
    out = np.full(n, int(base.get(group, 0)), dtype=np.int64)
    counts = lever_counts(feats, params) if counts is None else counts
    for c in counts.values():
        out = np.minimum(out, np.where(c >= 10**6, out, c))
    return out


def _reason_text(mask: int, route: str | None = None) -> str:
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
            elif name == "no_evidence":
                parts.append(
                    "a lever is used at a level no calibration source measured (see the evidence column)"
                )
            elif name == "binder_limit":
                parts.append("above the binder's temperature limit of bonded magnets")
            elif name == "hcj_law_zero":
                parts.append(
                    "the mean coercivity term is gone (α·HA ≤ Neff·Js): HcJ here is only the tail of the "
                    "grain-to-grain spread, whose size rests on little evidence; the one measured "
                    "low-coercivity magnet kept more (docs/validation.md, temperature law) — a rough value"
                )
            elif name == "main_phase_mass_fraction":
                lo = _bounds("sintered")[0][FEATURES.index("main_phase_mass_fraction")]
                parts.append(f"2:14:1 phase fraction below {lo} (far from an NdFeB magnet)")
            else:
                rows = tab[tab["feature"] == name]
                if route is not None:  # the bounds of the route asked about, not another route's
                    rows = rows[rows["route"].isin((route, "nd_fe_b"))]
                if len(rows):
                    r = rows.iloc[0]
                    parts.append(
                        f"{name} outside [{r['min']}, {r['max']}] {r['unit']}: {r['reason']}"
                    )
                else:
                    parts.append(f"{name} outside the fitted range")
    return "; ".join(parts)


def reasons(masks: npt.ArrayLike, route: str | None = None) -> np.ndarray:
    """Human-readable reason per row from domain bit masks ('' when in the domain); with ``route``, a
    bound that differs by route (grain size …) is quoted for that route."""
    masks = np.asarray(masks, dtype=np.int64)
    uniq, inv = np.unique(masks, return_inverse=True)
    texts = np.array([_reason_text(int(m), route) for m in uniq], dtype=object)
    return texts[inv.reshape(-1)]
