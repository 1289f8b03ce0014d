"""Random price draws and streaming statistics for the what-if Monte Carlo.

Reproducibility does not depend on how the grid is cut into blocks. The draw axis is cut into fixed
*random-stream chunks* of :data:`RNG_CHUNK` draws; chunk ``c`` draws from
``numpy.random.default_rng(SeedSequence(seed).spawn(n_chunks)[c])`` (built directly as
``SeedSequence(seed, spawn_key=(c,))``, which is the same stream). Any block, on any backend, regenerates
exactly the draws of its draw range from those streams, so the local and Dask backends see identical
prices for the same seed whatever the block size. All designs and scenarios share draw *k* (common
random numbers): draw *k* is one state of the market, and differences between scenarios are not noise.

Price model: a log-normal multiplier around each scenario price, ``p = p₀ · exp(σ z)`` with
``z ~ N(0, 1)`` — the **median** is the scenario price ``p₀`` (the mean is ``p₀ · exp(σ²/2)``); σ is the
standard deviation of ln(price) over the horizon studied. Elements without a volatility stay at ``p₀``.
A user distribution replaces the log-normal for its element: a callable ``f(rng, n) -> multipliers``
or an object with ``rvs(size=n, random_state=rng)`` (e.g. a frozen ``scipy.stats`` distribution).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from substitute.arrays import number
from substitute.errors import InputError

__all__ = [
    "HIST_BINS",
    "RNG_CHUNK",
    "hist_quantiles",
    "multipliers",
    "quote_range_volatility",
    "stream",
]

#: draws per random stream; fixed so that results do not depend on the block size
RNG_CHUNK = 256
#: bins of the per-cell log-ratio histograms used when a cell's draws span several blocks
HIST_BINS = 2048
#: z value of a two-sided 90 % interval (the quote range read as a 90 % interval)
_Z90 = 1.6448536269514722


def stream(seed: int, chunk: int) -> np.random.Generator:
    """The generator of random-stream chunk ``chunk`` (child ``chunk`` of ``SeedSequence(seed)``)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(chunk),)))


def _user_draw(dist: Any, rng: np.random.Generator, n: int, element: str) -> np.ndarray:
    vals = dist.rvs(size=n, random_state=rng) if hasattr(dist, "rvs") else dist(rng, n)
    arr = np.asarray(vals, dtype=float).reshape(-1)
    if arr.shape != (n,):
        msg = f"distributions[{element!r}] returned {arr.size} values for {n} draws"
        raise InputError(msg)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        msg = f"distributions[{element!r}] returned a negative or non-finite price multiplier"
        raise InputError(msg)
    return arr


def multipliers(
    seed: int,
    k0: int,
    k1: int,
    n_draws: int,
    sigma: Sequence[float],
    user: Sequence[tuple[str, Any]] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Price multipliers of draws ``k0 … k1−1`` (of ``n_draws``), shape ``(k1−k0, n_lognormal)`` and
    ``(k1−k0, n_user)``.

    Parameters
    ----------
    seed : int
        Root seed.
    k0, k1 : int
        Draw range (0 ≤ k0 ≤ k1 ≤ n_draws).
    n_draws : int
        Total draws (fixes the length of the last random-stream chunk).
    sigma : sequence of float
        Log-normal σ per element, in the canonical (sorted-symbol) order.
    user : sequence of (element, distribution)
        User distributions in canonical order; drawn after the normals of each chunk.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Log-normal multipliers (median 1) and user multipliers.
    """
    sig = np.asarray(sigma, dtype=float)
    n = k1 - k0
    ln = np.empty((n, len(sig)))
    us = np.empty((n, len(user)))
    if n <= 0:
        return ln, us
    c0, c1 = k0 // RNG_CHUNK, (k1 - 1) // RNG_CHUNK
    for c in range(c0, c1 + 1):
        start = c * RNG_CHUNK
        length = min(RNG_CHUNK, n_draws - start)
        rng = stream(seed, c)
        z = rng.standard_normal((length, len(sig)))
        u = np.empty((length, len(user)))
        for j, (el, dist) in enumerate(user):
            u[:, j] = _user_draw(dist, rng, length, el)
        lo, hi = max(k0, start), min(k1, start + length)
        ln[lo - k0 : hi - k0] = np.exp(z[lo - start : hi - start] * sig)
        us[lo - k0 : hi - k0] = u[lo - start : hi - start]
    return ln, us


def quote_range_volatility(pv: Any, elements: Sequence[str]) -> dict[str, float]:
    """σ per element from a price vector's quoted low–high range, read as a 90 % interval.

    σ = ln(hi / lo) / (2 · 1.645). Elements with no range (lo = hi) or no price get no volatility.

    Parameters
    ----------
    pv : PriceVector
        The vector (``price_lo_usd_per_kg`` and ``price_hi_usd_per_kg`` columns).
    elements : sequence of str
        Elements to consider.

    Returns
    -------
    dict
        Element → σ (dimensionless, log scale) for the elements with a range.
    """
    out: dict[str, float] = {}
    t = pv.table
    for el in elements:
        if el not in t.index:
            continue
        lo, hi = float(t.at[el, "price_lo_usd_per_kg"]), float(t.at[el, "price_hi_usd_per_kg"])
        if math.isfinite(lo) and math.isfinite(hi) and lo > 0 and hi > lo:
            out[el] = math.log(hi / lo) / (2 * _Z90)
    return out


MAX_VOLATILITY = 3.0
"""Largest σ of ln price accepted (a factor e³ ≈ 20 in one standard deviation); larger is a percent typed
where a fraction belongs (35 for 0.35), which gave means of 3e16 USD."""


def check_volatility(
    volatility: Any, distributions: Mapping[str, Any] | None
) -> tuple[dict[str, float], list[tuple[str, Any]]]:
    """Validate ``volatility`` (mapping element → σ ≥ 0) and ``distributions``; canonical order."""
    from substitute import elements

    vol: dict[str, float] = {}
    if volatility is not None:
        if not isinstance(volatility, Mapping):
            msg = (
                "volatility must be a mapping element → σ (standard deviation of ln price, e.g. "
                f"{{'Tb': 0.35}}) or 'quote_range', got {type(volatility).__name__}"
            )
            raise InputError(msg)
        for el, s in volatility.items():
            elements.check_symbol(str(el), where=" in volatility")
            x = number(f"volatility[{el!r}]", s, "σ of ln price")
            if x > MAX_VOLATILITY:
                msg = (
                    f"volatility[{el!r}] = {x:g} is a σ of ln price above {MAX_VOLATILITY:g} (prices spread by "
                    f"e^{x:g}); for {x:g} % write {x / 100:g}"
                )
                raise InputError(msg)
            if x > 0:
                vol[str(el)] = x
    user: list[tuple[str, Any]] = []
    for el, dist in sorted((distributions or {}).items()):
        elements.check_symbol(str(el), where=" in distributions")
        if not (callable(dist) or hasattr(dist, "rvs")):
            msg = (
                f"distributions[{el!r}] must be a callable f(rng, n) -> multipliers or have "
                f"rvs(size=, random_state=), got {type(dist).__name__}"
            )
            raise InputError(msg)
        if str(el) in vol:
            msg = f"{el!r} has both a volatility and a distribution; give one"
            raise InputError(msg)
        user.append((str(el), dist))
    return dict(sorted(vol.items())), user


# --------------------------------------------------------------------------------------------- sketches
def hist_index(values: np.ndarray, centre: np.ndarray, half_width: float) -> np.ndarray:
    """Bin of ``ln(values / centre)`` on ``[−half_width, half_width]`` with :data:`HIST_BINS` bins
    (values ≤ 0 and outliers land in the end bins)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(values / centre)
    x = np.nan_to_num(x, nan=-np.inf)
    pos = (x + half_width) / (2 * half_width) * HIST_BINS
    return np.clip(
        np.floor(np.nan_to_num(pos, neginf=0.0, posinf=HIST_BINS - 1)), 0, HIST_BINS - 1
    ).astype(np.int64)


def hist_add(counts: np.ndarray, values: np.ndarray, centre: np.ndarray, half_width: float) -> None:
    """Add ``values`` (cells, draws) to ``counts`` (cells, bins) in place (integer counts: exact)."""
    n_cells = values.shape[0]
    idx = hist_index(values, centre[:, None], half_width)
    flat = (np.arange(n_cells)[:, None] * HIST_BINS + idx).ravel()
    counts += np.bincount(flat, minlength=n_cells * HIST_BINS).reshape(n_cells, HIST_BINS)


def hist_quantiles(
    counts: np.ndarray,
    centre: np.ndarray,
    half_width: float,
    q: Sequence[float],
    vmin: np.ndarray,
    vmax: np.ndarray,
) -> np.ndarray:
    """Approximate quantiles (percent ``q``) from log-ratio histograms, shape (len(q), cells).

    Linear interpolation of the cumulative count inside a bin, clamped to the exact minimum and maximum;
    the error is at most one bin, i.e. a relative error ≤ ``exp(2·half_width / HIST_BINS) − 1``.
    """
    cells = counts.shape[0]
    out = np.empty((len(q), cells))
    cum = np.cumsum(counts, axis=1)
    total = cum[:, -1].astype(float)
    edges = np.linspace(-half_width, half_width, HIST_BINS + 1)
    for j, qq in enumerate(q):
        target = qq / 100.0 * total
        b = np.array([np.searchsorted(cum[i], target[i], side="left") for i in range(cells)])
        b = np.clip(b, 0, HIST_BINS - 1)
        below = np.where(b > 0, cum[np.arange(cells), np.maximum(b - 1, 0)], 0).astype(float)
        inbin = counts[np.arange(cells), b].astype(float)
        frac = np.where(inbin > 0, (target - below) / np.maximum(inbin, 1), 0.5)
        x = edges[b] + np.clip(frac, 0, 1) * (edges[b + 1] - edges[b])
        out[j] = np.clip(centre * np.exp(x), vmin, vmax)
    return np.where(centre[None, :] > 0, out, 0.0)


Distribution = Callable[[np.random.Generator, int], np.ndarray]
