"""Leave-one-source-out validation of the property model, the baselines it must beat and its intervals.

For every source in the evidence the model is refitted without that source's rows and pairs — from the
priors and to convergence, as the shipped fit is, so that nothing of the held-out source reaches the fold
through its starting point — and then predicts them. The out-of-fold table
(``datasets/models/loso_predictions.csv``) holds, per held-out quantity, the measurement, the prediction and
the **mean-of-other-sources baseline** (absolute rows and β levels: the mean of the other sources' values on
the same route group; pairs: the mean effect of the other sources' pairs of the same lever, 0 when none).

The shipped 90 % intervals are centred at the prediction, each source weighted as one observation. Their
shape was chosen on the held-out paired effects (:func:`estimator_coverage`: the 90 % quantile of |residual|
comes nearest 90 % there; the earlier median ± 1.645 MAD stays near 70 %, treating the recurring far misses
as outliers). A lever's effect on a measured magnet takes that quantile directly (``log_interval_relative``).
The absolute HcJ interval (per route group, pooled when a group has few rows) is ± the pairs' tail ratio
(q90/median of |residual|, :func:`tail_ratio`) × the median |residual| of the absolute rows — seven sources
give a stable median but not a stable 90 % quantile, and one held-out prediction that collapses
(αHA ≈ Neff·Js) moves the quantile several-fold; Br, which has no such mode, takes the quantile directly.
:func:`nested_coverage` then tests it on the absolute rows: each source's rows against the interval
computed from all *other* sources' residuals.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from substitute import data
from substitute.properties.calibration import (
    CLEAR_EFFECT,
    HCJ_FLOOR_KA,
    ROUTE_GROUPS,
    Model,
    Observations,
    as_shown,
    evidence_index,
    fit,
    group_of,
    prior_params,
    read_priors,
    shipped_fit,
    theta_of,
    with_theta,
)

__all__ = [
    "ESTIMATORS",
    "PREDICTIONS_FILE",
    "estimator_coverage",
    "figure_intervals",
    "fold_fits",
    "fold_jobs",
    "fold_models",
    "interval_offsets",
    "leave_one_source_out",
    "metrics",
    "nested_coverage",
    "nested_hits",
    "quantile_interval",
    "read_predictions",
    "scaled_interval",
    "sign_agreement",
    "source_bootstrap",
    "source_weights",
    "tail_ratio",
    "write_predictions",
]

PREDICTIONS_FILE = "models/loso_predictions.csv"
MIN_GROUP_ROWS = 12
"""Fewer out-of-fold rows than this in a route group: its interval is the pooled one."""


def _absolute_rows(obs, pred: dict, evidence: np.ndarray, in_domain: np.ndarray) -> list[dict]:
    rows = []
    for i, o in enumerate(obs.absolute):
        for prop, meas in (
            ("br_T", o.br_T),
            ("hcj_kA_per_m", o.hcj_kA_per_m),
            ("beta_pct_per_K", o.beta_pct_per_K),
        ):
            if np.isfinite(meas):
                rows.append(
                    {
                        "kind": "absolute",
                        "id": o.row_id,
                        "source_id": o.source_id,
                        "group": group_of(o.state.route),
                        "lever": "",
                        "property": prop,
                        "measured": float(meas),
                        "predicted": float(pred[prop][i]),
                        "evidence": int(evidence[i]),
                        "in_domain": bool(in_domain[i]),
                    }
                )
    return rows


def _pair_rows(obs, pred: dict) -> list[dict]:
    """Held-out pairs: one row per measured property; a direction stated only in words is a
    ``pair_direction`` row whose ``measured`` is that direction (+1, −1, 0), not a magnitude."""
    rows = []
    for i, o in enumerate(obs.pairs):
        for prop, value, words in (
            ("d_ln_hcj", obs.d_hcj[i], o.hcj_direction),
            ("d_ln_br", obs.d_br[i], o.br_direction),
            ("d_beta", obs.d_beta[i], np.nan),
        ):
            kind = "pair" if np.isfinite(value) else "pair_direction"  # values win over words
            meas = value if kind == "pair" else words
            if np.isfinite(meas):
                rows.append(
                    {
                        "kind": "pair_sign" if kind == "pair" and o.sign_only else kind,
                        "id": o.pair_id,
                        "source_id": o.source_id,
                        "group": o.base.route,
                        "lever": o.lever,
                        "property": prop,
                        "measured": float(meas),
                        "predicted": float(pred[prop][i]),
                    }
                )
    return rows


def _level_rows(obs, pred: np.ndarray) -> list[dict]:
    return [
        {
            "kind": "beta_level",
            "id": lv.id,
            "source_id": lv.source_id,
            "group": group_of(lv.state.route),
            "lever": "",
            "property": "beta_pct_per_K",
            "measured": lv.beta_pct_per_K,
            "predicted": float(pred[i]),
        }
        for i, lv in enumerate(obs.levels)
    ]


def _fold(obs, params: dict, spec, start: np.ndarray, source: str) -> tuple[list[dict], np.ndarray]:
    """One fold: refit without ``source`` and predict its rows, pairs and β levels; with the fold's
    fitted parameter vector."""
    a_in = [o for o in obs.absolute if o.source_id != source]
    p_in = [o for o in obs.pairs if o.source_id != source]
    a_out = [o for o in obs.absolute if o.source_id == source]
    p_out = [o for o in obs.pairs if o.source_id == source]
    f = fit(Observations(a_in, p_in), params, spec, theta0=start)
    held = Observations(a_out, p_out, use_series=False)
    rows: list[dict] = []
    if a_out:
        # the held-out magnets' evidence and domain flag as the model without their source shows them
        fold = {**f.params, "evidence": evidence_index(a_in, p_in)}
        shown = as_shown([o.state for o in a_out], fold)
        rows += _absolute_rows(held, held.predict_absolute(f.params), *shown)
    if p_out:
        rows += _pair_rows(held, held.predict_pairs(f.params))
    if held.levels:
        rows += _level_rows(held, held.predict_beta_levels(f.params))
    return rows, f.theta


def fold_jobs() -> int:
    """Worker processes for the folds: ``SUBSTITUTE_JOBS`` when set (1 = in this process), else every core."""
    raw = os.environ.get("SUBSTITUTE_JOBS", "").strip()
    if raw:
        try:
            return max(1, int(raw))
        except ValueError:
            msg = f"SUBSTITUTE_JOBS={raw!r}: expected a whole number of processes ≥ 1"
            raise ValueError(msg) from None
    return max(1, os.cpu_count() or 1)


def fold_fits(
    obs, params: dict, full_fit, progress: bool = True, n_jobs: int | None = None
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The out-of-fold table of :func:`leave_one_source_out` and each fold's fitted parameter vector
    (source held out → θ over ``full_fit.spec``; :func:`~substitute.properties.calibration.with_theta`
    makes a parameter set of it).

    The folds are independent fits; they run in ``n_jobs`` worker processes (default :func:`fold_jobs`)
    and are gathered in source order, so the results do not depend on the number of workers."""
    from joblib import Parallel, delayed

    sources = sorted({o.source_id for o in obs.absolute} | {o.source_id for o in obs.pairs})
    # each fold starts where the shipped fit starts (the prior means), not at the full fit, which has seen
    # the held-out source: a fit with several optima would otherwise keep the full fit's
    start = theta_of(prior_params(read_priors()), full_fit.spec)
    jobs = min(fold_jobs() if n_jobs is None else max(1, n_jobs), len(sources))
    folds = Parallel(n_jobs=jobs, return_as="generator")(
        delayed(_fold)(obs, params, full_fit.spec, start, s) for s in sources
    )
    rows: list[dict] = []
    thetas: dict[str, np.ndarray] = {}
    for k, (s, (fold_rows, theta)) in enumerate(zip(sources, folds, strict=True)):
        rows += fold_rows
        thetas[s] = theta
        if progress and (k + 1) % 10 == 0:
            print(f"  leave-one-source-out: {k + 1}/{len(sources)} sources")
    oof = pd.DataFrame(rows)
    oof["baseline"] = _baseline(oof)
    return oof, thetas


def leave_one_source_out(
    obs, params: dict, full_fit, progress: bool = True, n_jobs: int | None = None
) -> pd.DataFrame:
    """Out-of-fold predictions of every absolute row and pair, with the mean-of-other-sources baseline
    (:func:`fold_fits` without the fold parameters)."""
    return fold_fits(obs, params, full_fit, progress, n_jobs)[0]


def fold_models(
    thetas: dict[str, np.ndarray] | None = None, spec=None, n_jobs: int | None = None
) -> dict[str, Model]:
    """One property model per source of the evidence, fitted without it: source → :class:`Model`
    (named ``"without <source>"``), for :func:`substitute.ranking.winner_stability`.

    Each carries the fold's fitted parameters and, for everything not fitted (intervals, evidence index),
    the shipped file's. ``thetas`` and ``spec`` are those of :func:`fold_fits`; without them the folds
    are fitted here (the shipped fit, then every source held out: about a minute on two cores)."""
    from substitute.properties import _tables as tb

    if thetas is None or spec is None:
        params, obs, f = shipped_fit()
        _, thetas = fold_fits(obs, params, f, progress=False, n_jobs=n_jobs)
        spec = f.spec
    base = tb.params()
    return {s: Model(with_theta(base, spec, th), name=f"without {s}") for s, th in thetas.items()}


def _baseline(oof: pd.DataFrame) -> np.ndarray:
    """Mean of the other sources' measured values (absolute: same route group and property; pairs: same
    lever and property, 0 when no other source measured that lever)."""
    out = np.empty(len(oof))
    for i, r in enumerate(oof.itertuples(index=False)):
        if r.kind in ("absolute", "beta_level"):
            key = (oof["kind"] == r.kind) & (oof["group"] == r.group)
        else:
            key = oof["kind"].isin(["pair", "pair_sign"]) & (oof["lever"] == r.lever)
        other = oof[key & (oof["property"] == r.property) & (oof["source_id"] != r.source_id)]
        out[i] = (
            float(other["measured"].mean())
            if len(other)
            else (np.nan if r.kind in ("absolute", "beta_level", "pair_direction") else 0.0)
        )
    return out


def _ln_res(df: pd.DataFrame) -> np.ndarray:
    floor = np.where(df["property"] == "hcj_kA_per_m", HCJ_FLOOR_KA, 1e-3)
    return np.log(df["measured"].to_numpy(float)) - np.log(
        np.maximum(df["predicted"].to_numpy(float), floor)
    )


Z90 = 1.6449
"""Half-width of a 90 % normal interval in standard deviations."""


def source_weights(sources) -> np.ndarray:
    """Weight 1/n per row of a source with n rows: the exchangeable unit of leave-one-source-out is the
    source, and a source that reports one magnet four times (a diffusion series, say) is one observation of
    how the model misses that lab, not four."""
    s = pd.Series(np.asarray(sources))
    return (1.0 / s.map(s.value_counts())).to_numpy(float)


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    o = np.argsort(x)
    x, w = x[o], w[o]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, c, x))


def _weights(res: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    return np.ones_like(res) if weights is None else np.asarray(weights, dtype=float)


def quantile_interval(res: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """90 % interval of ln residuals: ± the weighted 90 % quantile of |residual|, centred at the prediction
    (which no handful of rows bias-corrects) — the interval of a lever's effect, from the paired effects.

    Distribution-free: the few sources the model misses by a factor of several widen it as often as they
    occur, which a normal fit to the bulk (:func:`mad_interval`) ignores. Chosen on the paired effects
    (:func:`estimator_coverage`). On the seven sources of absolute rows a 90 % quantile is the second-worst
    source's miss and swings with it; there :func:`scaled_interval` takes its shape from the pairs."""
    res = np.asarray(res, dtype=float)
    q = _weighted_quantile(np.abs(res), _weights(res, weights), 0.90)
    return -q, q


def mad_interval(res: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """The earlier estimator, kept for the comparison: median ± 1.645 × 1.4826 × MAD, the ends clamped to
    hold the prediction (lo ≤ 0 ≤ hi). It treats the far misses as outliers to ignore — and so
    under-covers wherever they recur."""
    res = np.asarray(res, dtype=float)
    w = _weights(res, weights)
    med = _weighted_quantile(res, w, 0.5)
    sd = 1.4826 * _weighted_quantile(np.abs(res - med), w, 0.5)
    return min(med - Z90 * sd, 0.0), max(med + Z90 * sd, 0.0)


def empirical_interval(res: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """Weighted 5 % and 95 % quantiles of the residuals (clamped to hold the prediction)."""
    res = np.asarray(res, dtype=float)
    w = _weights(res, weights)
    return min(_weighted_quantile(res, w, 0.05), 0.0), max(_weighted_quantile(res, w, 0.95), 0.0)


ESTIMATORS = {
    "90 % quantile of abs. residual (shipped shape)": quantile_interval,
    "median ± 1.645 MAD (earlier)": mad_interval,
    "5-95 % quantiles": empirical_interval,
}
"""Interval estimators compared on the paired effects, each source weighted as one observation."""


def _pair_residuals(oof: pd.DataFrame, prop: str = "d_ln_hcj") -> pd.DataFrame:
    """Held-out pairs with a magnitude (not sign-only) of one property, with ``res`` = measured − predicted."""
    p = oof[(oof["kind"] == "pair") & (oof["property"] == prop)].dropna(
        subset=["measured", "predicted"]
    )
    return p.assign(res=p["measured"] - p["predicted"])


NORMAL_TAIL_RATIO = 1.6449 / 0.6745
"""q90/median of |residual| for normal errors: the shape when too few pairs measure it."""
MIN_PAIR_SOURCES = 10
"""Fewer sources of HcJ pairs than this: the tail ratio is the normal one."""


def _interval_for(
    prop: str, res: np.ndarray, weights: np.ndarray, ratio: float
) -> tuple[float, float]:
    """HcJ: the pairs' tail shape × the median miss (HcJ's near-cancellation can collapse a prediction,
    and seven sources' 90 % quantile swings with one collapse); Br (Js × f × b, no such mode, and too few
    Br pairs for a shape): the direct 90 % quantile."""
    if prop == "hcj_kA_per_m":
        return scaled_interval(res, weights, ratio)
    return quantile_interval(res, weights)


def tail_ratio(oof: pd.DataFrame, without: str | None = None) -> float:
    """The tail shape of the model's misses: the 90 % quantile of |residual| over its median, on the
    held-out paired effects of HcJ (each source one vote; ``without`` leaves a source out). 35 sources
    measure a shape that the seven sources of absolute rows could not."""
    p = _pair_residuals(oof)
    if without is not None:
        p = p[p["source_id"] != without]
    if p["source_id"].nunique() < MIN_PAIR_SOURCES:
        return NORMAL_TAIL_RATIO
    a = p["res"].abs().to_numpy(float)
    w = source_weights(p["source_id"])
    return _weighted_quantile(a, w, 0.90) / max(_weighted_quantile(a, w, 0.50), 1e-9)


def scaled_interval(res: np.ndarray, weights: np.ndarray, ratio: float) -> tuple[float, float]:
    """The shipped absolute interval: ± ``ratio`` × the weighted median |residual| — the scale from the
    absolute rows (no one source moves a median much), the tail shape from the pairs (:func:`tail_ratio`)."""
    res = np.asarray(res, dtype=float)
    m = _weighted_quantile(np.abs(res), np.asarray(weights, dtype=float), 0.50)
    return -ratio * m, ratio * m


def _held_out_hits(
    res: np.ndarray, sources: np.ndarray, estimator
) -> tuple[np.ndarray, np.ndarray]:
    """Whether each residual falls inside the interval built from the *other* sources' residuals, and
    that interval's width (ln)."""
    hit, width = np.zeros(len(res), bool), np.zeros(len(res))
    for i in range(len(res)):
        other = sources != sources[i]
        lo, hi = estimator(res[other], source_weights(sources[other]))
        hit[i], width[i] = lo <= res[i] <= hi, hi - lo
    return hit, width


def estimator_coverage(oof: pd.DataFrame) -> pd.DataFrame:
    """Coverage of each interval estimator on the held-out paired effects (Δln HcJ, Δln Br): the
    development set the shipped estimator was chosen on — the absolute rows are too few to choose on and
    stay a test set."""
    rows = []
    for prop in ("d_ln_br", "d_ln_hcj"):
        d = _pair_residuals(oof, prop)
        if d.empty:
            continue
        res = d["res"].to_numpy(float)
        src = d["source_id"].to_numpy()
        for name, est in ESTIMATORS.items():
            hit, width = _held_out_hits(res, src, est)
            per_source = pd.Series(hit).groupby(src).mean()
            rows.append(
                {
                    "property": prop,
                    "estimator": name,
                    "pairs": len(d),
                    "sources": int(per_source.size),
                    "coverage": float(hit.mean()),
                    "coverage_per_source": float(per_source.mean()),
                    "median_interval_factor": float(np.exp(np.median(width) / 2)),
                }
            )
    return pd.DataFrame(rows)


def interval_offsets(oof: pd.DataFrame) -> dict:
    """90 % interval offsets (ln) per route group from the out-of-fold residuals of absolute rows
    (``log_interval``), and of a lever's effect from the held-out paired effects (``log_interval_relative``:
    the interval of a model calibrated to the user's own magnets, :func:`~substitute.calibrate`)."""
    ab = oof[oof["kind"] == "absolute"]
    ratio = tail_ratio(oof)
    out: dict = {"log_interval": {}, "interval_rows": {}, "tail_ratio": ratio}
    for prop in ("br_T", "hcj_kA_per_m"):
        every = ab[ab["property"] == prop]
        for g in ROUTE_GROUPS:
            sel = every[every["group"] == g]
            ref = sel if len(sel) >= MIN_GROUP_ROWS else every
            lohi = _interval_for(prop, _ln_res(ref), source_weights(ref["source_id"]), ratio)
            out["log_interval"].setdefault(g, {})[prop] = list(lohi)
            out["interval_rows"].setdefault(g, {})[prop] = len(ref)
    # the interval of a lever's effect on a measured magnet (a user's calibrated model predicts relative to
    # their own magnets): from the held-out pairs, Δln of the changed magnet against its base
    for prop, key in (("d_ln_br", "br_T"), ("d_ln_hcj", "hcj_kA_per_m")):
        d = _pair_residuals(oof, prop)
        out.setdefault("log_interval_relative", {})[key] = list(
            quantile_interval(d["res"].to_numpy(float), source_weights(d["source_id"]))
        )
        out.setdefault("relative_interval_pairs", {})[key] = len(d)
    beta = ab[ab["property"] == "beta_pct_per_K"]
    if len(beta) >= MIN_GROUP_ROWS:
        miss = (beta["measured"] - beta["predicted"]).abs().to_numpy(float)
        out["beta_pct_per_K"] = float(np.quantile(miss, 0.9))
    return out


def nested_hits(oof: pd.DataFrame) -> pd.DataFrame:
    """Each held-out absolute Br and HcJ row against the shipped 90 % interval built without its source: the
    other sources' out-of-fold residuals (same route group, pooled when the group is small) and the tail
    ratio of the other sources' pairs — widened by ``widen_out_of_domain`` where the model without its
    source would have flagged it (``in_domain`` False), as :func:`~substitute.predict` widens it.
    Columns ``res`` (ln measured/predicted), ``hit``, ``width`` (ln)."""
    ab = oof[oof["kind"] == "absolute"].copy()
    ratios = {s: tail_ratio(oof, without=s) for s in ab["source_id"].unique()}
    widen = float(prior_params()["uncertainty"]["widen_out_of_domain"])
    if "in_domain" not in ab:
        ab["in_domain"] = True
    out = []
    for prop in ("br_T", "hcj_kA_per_m"):
        d = ab[ab["property"] == prop].copy()
        d["res"] = _ln_res(d)
        hit, width = [], []
        for _, r in d.iterrows():
            other = d[d["source_id"] != r["source_id"]]
            same = other[other["group"] == r["group"]]
            ref = same if len(same) >= MIN_GROUP_ROWS else other
            lo, hi = _interval_for(
                prop,
                ref["res"].to_numpy(),
                source_weights(ref["source_id"]),
                ratios[r["source_id"]],
            )
            if not bool(r["in_domain"]):
                lo, hi = lo * widen, hi * widen
            hit.append(lo <= r["res"] <= hi)
            width.append(hi - lo)
        out.append(d.assign(hit=hit, width=width))
    return pd.concat(out, ignore_index=True)


def nested_coverage(oof: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the shipped 90 % interval on held-out sources (:func:`nested_hits`), per route group and
    over all, per row and per source (each source's share of rows covered, averaged)."""
    hits = nested_hits(oof)
    rows = []
    for prop in ("br_T", "hcj_kA_per_m"):
        d = hits[hits["property"] == prop]
        hit, width = d["hit"].to_list(), d["width"].to_list()
        for g in [*sorted(d["group"].unique()), "all"]:
            m = np.ones(len(d), bool) if g == "all" else (d["group"] == g).to_numpy()
            if m.sum():
                w = np.asarray(width)[m]
                h = pd.Series(np.asarray(hit)[m])
                rows.append(
                    {
                        "property": prop,
                        "group": g,
                        "n": int(m.sum()),
                        "sources": int(d.loc[m, "source_id"].nunique()),
                        "coverage": float(h.mean()),
                        "coverage_per_source": float(
                            h.groupby(d.loc[m, "source_id"].to_numpy()).mean().mean()
                        ),
                        "median_interval_factor_lo": float(np.exp(-np.median(w) / 2)),
                        "median_interval_factor_hi": float(np.exp(np.median(w) / 2)),
                    }
                )
    return pd.DataFrame(rows)


def _r2(y: np.ndarray, f: np.ndarray) -> float:
    ss = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - float(np.sum((y - f) ** 2)) / ss if ss > 0 else float("nan")


def metrics(oof: pd.DataFrame) -> pd.DataFrame:
    """R², MAE and MAPE of the model and of the baseline, per property and route group (absolute rows)."""
    ab = oof[(oof["kind"] == "absolute") & oof["baseline"].notna()]
    rows = []
    groups = [
        *ab.groupby(["property", "group"]),
        *(((p, "all"), x) for p, x in ab.groupby("property")),
    ]
    for (prop, g), d in groups:
        y, f, b = (d[c].to_numpy(float) for c in ("measured", "predicted", "baseline"))
        rows.append(
            {
                "property": prop,
                "group": g,
                "n": len(d),
                "sources": d["source_id"].nunique(),
                "r2": _r2(y, f),
                "mae": float(np.mean(np.abs(y - f))),
                "mape_pct": float(np.mean(np.abs(y - f) / np.abs(y)) * 100)
                if prop != "beta_pct_per_K"
                else float("nan"),
                "baseline_r2": _r2(y, b),
                "baseline_mae": float(np.mean(np.abs(y - b))),
                "baseline_mape_pct": float(np.mean(np.abs(y - b) / np.abs(y)) * 100)
                if prop != "beta_pct_per_K"
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def _clear_effects(oof: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Held-out HcJ and Br effects whose measured size (or stated direction) is at least ``threshold``."""
    p = oof[
        oof["kind"].isin(["pair", "pair_sign", "pair_direction"])
        & oof["property"].isin(["d_ln_hcj", "d_ln_br"])
    ]
    # a direction in words is ±1 (clear) or 0 (flat: no sign to agree with)
    return p[p["measured"].abs() >= threshold]


def sign_agreement(oof: pd.DataFrame, threshold: float = CLEAR_EFFECT) -> pd.DataFrame:
    """Per lever: pairs whose measured HcJ (or Br) effect is clear (|Δln| ≥ ``threshold``) and the share the
    out-of-fold prediction gets the sign of."""
    p = _clear_effects(oof, threshold)
    rows = []
    for (lever, prop), d in p.groupby(["lever", "property"]):
        agree = np.sign(d["measured"]) == np.sign(d["predicted"])
        rows.append(
            {
                "lever": lever,
                "property": prop,
                "pairs": len(d),
                "sources": d["source_id"].nunique(),
                "agree": int(agree.sum()),
                "share": float(agree.mean()),
                "in_words": int((d["kind"] == "pair_direction").sum()),
                "in_words_agree": int(agree[d["kind"] == "pair_direction"].sum()),
            }
        )
    return pd.DataFrame(rows)


BOOTSTRAP_DRAWS = 4000
"""Resamples of whole sources behind :func:`figure_intervals` (seeded: the page is reproducible)."""


def source_bootstrap(
    values: np.ndarray,
    sources,
    level: float = 0.9,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval of the mean of per-row ``values`` when whole sources are resampled with
    replacement.

    Rows of one source share its lab and its reading, so they are not independent: resampling rows would
    give an interval as if there were as many labs as rows."""
    values = np.asarray(values, dtype=float)
    codes, names = pd.factorize(pd.Series(sources).astype(str), sort=True)
    if len(names) < 2:
        return float("nan"), float("nan")
    total = np.bincount(codes, weights=values, minlength=len(names))
    count = np.bincount(codes, minlength=len(names)).astype(float)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(names), size=(draws, len(names)))
    times = np.zeros((draws, len(names)))  # how often each source is drawn, per resample
    np.add.at(times, (np.arange(draws)[:, None], picks), 1.0)
    means = (times @ total) / (times @ count)
    tail = (1.0 - level) / 2.0
    return float(np.quantile(means, tail)), float(np.quantile(means, 1.0 - tail))


def figure_intervals(
    oof: pd.DataFrame, threshold: float = CLEAR_EFFECT, level: float = 0.9
) -> pd.DataFrame:
    """How sure the headline validation figures are: each with its 90 % interval over resampled sources.

    Model − baseline MAE of absolute HcJ and of the pairs' Δln HcJ (negative: the model is better), the
    sign agreement of clear effects and the held-out coverage of the HcJ interval (:func:`nested_hits`).
    Each is a mean of per-row values, resampled by :func:`source_bootstrap`."""

    def gap(d: pd.DataFrame) -> np.ndarray:
        y, f, b = (d[c].to_numpy(float) for c in ("measured", "predicted", "baseline"))
        return np.abs(y - f) - np.abs(y - b)

    ab = oof[
        (oof["kind"] == "absolute") & (oof["property"] == "hcj_kA_per_m") & oof["baseline"].notna()
    ]
    pairs = oof[(oof["kind"] == "pair") & (oof["property"] == "d_ln_hcj")]
    signs = _clear_effects(oof, threshold)
    hits = nested_hits(oof)
    hcj_hits = hits[hits["property"] == "hcj_kA_per_m"]
    inf = float("inf")
    items = (
        ("absolute HcJ: model MAE − baseline MAE [kA/m]", ab, gap(ab), "< 0", (-inf, 0.0)),
        ("pairs: model MAE − baseline MAE of Δln HcJ", pairs, gap(pairs), "< 0", (-inf, 0.0)),
        (
            "sign agreement of clear effects",
            signs,
            (np.sign(signs["measured"]) == np.sign(signs["predicted"])).to_numpy(float),
            "≥ 0.95",
            (0.95, inf),
        ),
        (
            "HcJ 90 % interval: held-out coverage",
            hcj_hits,
            hcj_hits["hit"].to_numpy(float),
            "0.85–0.95",
            (0.85, 0.95),
        ),
    )
    rows = []
    for name, frame, values, target, (t_lo, t_hi) in items:
        lo, hi = source_bootstrap(values, frame["source_id"], level=level)
        if t_lo <= lo and hi <= t_hi:
            reading = "meets the target beyond the sources' scatter"
        elif hi < t_lo or lo > t_hi:
            reading = "misses the target beyond the sources' scatter"
        else:
            reading = "the evidence cannot tell"
        rows.append(
            {
                "figure": name,
                "value": float(values.mean()) if len(values) else float("nan"),
                "interval_lo": lo,
                "interval_hi": hi,
                "n": len(frame),
                "sources": int(frame["source_id"].nunique()),
                "target": target,
                "reading": reading,
            }
        )
    return pd.DataFrame(rows)


def write_predictions(oof: pd.DataFrame, data_hash: str) -> None:
    """Store the out-of-fold table (with the data hash of the fit) for the validation page."""
    out = oof.copy()
    out.insert(0, "data_hash", data_hash)
    data.write_csv(PREDICTIONS_FILE, out)


def read_predictions() -> pd.DataFrame:
    """The stored out-of-fold table."""
    return data.read_csv(PREDICTIONS_FILE)
