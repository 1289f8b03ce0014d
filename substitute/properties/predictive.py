"""The predictive distribution behind a prediction and its interval: P(property ≥ limit) and quantiles.

Every predicted property comes with a nominal 90 % interval ``x_lo``–``x_hi`` (the 5 % and 95 % quantiles
of the leave-one-source-out residuals, :mod:`substitute.properties.crossval`). Read as a split normal
around the central value — in ln for the positive magnet properties (Br, HcJ, (BH)max, whose errors are
ratios), in °C for Tmax — it gives the probability that a magnet meets a limit and the value at any
quantile. The ranking, the review and the what-if performance verdicts all decide with it
(``Requirements(confidence=0.9)``: a requirement is met when P(meets) ≥ 0.9), so no verdict is taken on
another basis than the numbers shown beside it.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = ["INTERVAL_COVERAGE", "LINEAR_PROPERTIES", "prob_at_least", "quantile"]

INTERVAL_COVERAGE = 0.90
"""Nominal coverage of the ``_lo``–``_hi`` intervals (5 % to 95 %)."""
_Z = float(ndtri(0.5 + INTERVAL_COVERAGE / 2))  # 1.645
LINEAR_PROPERTIES = frozenset({"tmax_C"})
"""Properties whose errors are differences (°C), not ratios."""
_TINY = 1e-12


def _scale(name: str, *arrays: np.ndarray) -> list[np.ndarray]:
    if name in LINEAR_PROPERTIES:
        return [np.asarray(a, dtype=float) for a in arrays]
    return [np.log(np.maximum(np.asarray(a, dtype=float), _TINY)) for a in arrays]


def _sigmas(name: str, central, lo, hi) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c, low, high = _scale(name, central, lo, hi)
    s_lo = np.maximum(c - low, 0.0) / _Z
    s_hi = np.maximum(high - c, 0.0) / _Z
    return c, s_lo, s_hi


def prob_at_least(name: str, central, lo, hi, limit: float) -> np.ndarray:
    """P(property ≥ ``limit``) under the split-normal predictive distribution.

    Parameters
    ----------
    name : str
        Property column (``"br_T"``, ``"hcj_kA_per_m"``, ``"bhmax_kJ_per_m3"``, ``"tmax_C"``): Tmax is
        linear in °C, the others are log-normal.
    central, lo, hi : array-like
        Prediction and its 90 % interval, same unit as ``limit``.
    limit : float
        The requirement's minimum.

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1]; 0 where the prediction is NaN.
    """
    c, s_lo, s_hi = _sigmas(name, central, lo, hi)
    (u,) = _scale(name, np.asarray([limit], dtype=float))
    d = u[0] - c
    sigma = np.where(d <= 0, s_lo, s_hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(
            sigma > 0, d / np.where(sigma > 0, sigma, 1.0), np.where(d <= 0, -np.inf, np.inf)
        )
    p = 1.0 - ndtr(z)
    return np.where(np.isfinite(c), p, 0.0)


def quantile(name: str, central, lo, hi, p: float) -> np.ndarray:
    """The value at probability ``p`` of the predictive distribution (``p = 0.05`` → ``lo``)."""
    if not 0 < p < 1:
        msg = f"p must be in (0, 1), got {p}"
        raise ValueError(msg)
    c, s_lo, s_hi = _sigmas(name, central, lo, hi)
    z = float(ndtri(p))
    u = c + z * (s_lo if p < 0.5 else s_hi)
    return u if name in LINEAR_PROPERTIES else np.exp(u)
