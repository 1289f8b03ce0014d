"""Non-dominated sorting for large candidate sets, in bounded memory.

All objectives are **minimised** here (negate an objective to maximise it). A point *a* dominates *b* when
``a ≤ b`` in every objective and ``a < b`` in at least one.

Algorithm (exact, no O(n²) memory):

1. Points are sorted by the sum of their range-normalised objectives. A dominator always has a strictly
   smaller sum than the point it dominates, so a point can only be dominated by points before it.
2. *Pivot walk*: the best remaining point by sum is on the front and eliminates, in one vectorised pass,
   every point it dominates; repeated up to a few hundred times, this removes most points.
3. *Block sweep*: the survivors are scanned in sorted order, in blocks; each block is checked against the
   front found so far and against itself. Memory per step is ``block × front_chunk × k`` booleans.

Fronts are peeled one after another until every point has a rank or ``max_fronts`` fronts are found; points
beyond get rank ``max_fronts + 1`` and are reported as *not ranked* by the caller.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dense_ranks", "dominates", "first_front", "non_dominated_sort"]

_BLOCK = 512
_FRONT_CHUNK = 2048
_PIVOTS = 2048  # front points found by the sequential walk before the block sweep
_CELLS = 4_000_000  # comparisons per temporary array (≈ 4 MB of booleans)


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether point ``a`` dominates point ``b`` (all objectives minimised)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(a <= b) and np.any(a < b))


def _dominated_by_any(points: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Boolean mask over ``points``: dominated by at least one row of ``by``.

    Work is chunked so that no temporary exceeds ``_CELLS`` comparisons (bounded memory).
    """
    out = np.zeros(len(points), dtype=bool)
    if len(by) == 0 or len(points) == 0:
        return out
    by_step = min(len(by), _FRONT_CHUNK)
    pt_step = max(1, _CELLS // (by_step * points.shape[1]))
    for s in range(0, len(by), by_step):
        f = by[s : s + by_step, None, :]
        for t in range(0, len(points), pt_step):
            p = points[None, t : t + pt_step, :]
            le = np.all(f <= p, axis=2)
            le &= np.any(f < p, axis=2)
            out[t : t + pt_step] |= le.any(axis=0)
    return out


def dense_ranks(obj: np.ndarray) -> np.ndarray:
    """Each objective replaced by its dense rank (int32): the same ≤, < and = between any two points,
    so the same dominance, on half the bytes of float64 (the fronts are memory-bound scans)."""
    obj = np.asarray(obj)
    return np.column_stack(
        [np.unique(obj[:, j], return_inverse=True)[1].astype(np.int32) for j in range(obj.shape[1])]
    ).reshape(obj.shape)


def first_front(obj: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated points of ``obj`` (n × k, minimised), in no particular order.

    Parameters
    ----------
    obj : ndarray, shape (n, k)
        Objective values, all to be minimised; finite.

    Returns
    -------
    ndarray of int
        Row indices of the first Pareto front.
    """
    obj = np.asarray(obj)
    if obj.dtype.kind not in "iu":
        obj = np.asarray(obj, dtype=float)
    n = len(obj)
    if n == 0:
        return np.zeros(0, dtype=int)
    lo, hi = obj.min(axis=0), obj.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1).astype(float)
    score = ((obj - lo) / span).sum(axis=1)
    order = np.argsort(score, kind="stable")

    # pivot walk over the survivors in score order: the best survivor cannot be dominated (its possible
    # dominators have lower scores and were pivots or were dominated by a pivot, which would then
    # dominate it too), so it is on the front; it removes every point it dominates and the next survivor
    # is the next pivot. The survivors are kept compacted, so each pass scans only the points left.
    surv, pts = order, obj[order]
    i = 0
    while i < min(_PIVOTS, len(surv)):
        rest = pts[i + 1 :]
        p = pts[i]
        dominated = (rest >= p).all(axis=1) & (rest != p).any(axis=1)
        if dominated.any():
            keep = np.concatenate([np.ones(i + 1, dtype=bool), ~dominated])
            surv, pts = surv[keep], pts[keep]
        i += 1
    if i == len(surv):  # every survivor was a pivot: the front is complete
        return surv

    # block sweep in score order: a block's non-dominated points are final (every possible dominator has a
    # lower score and was seen already); they then prune the rest of the survivors, which shrink quickly
    front: list[np.ndarray] = []
    while len(surv):
        blk, surv = surv[:_BLOCK], surv[_BLOCK:]
        pts = obj[blk]
        blk = blk[~_dominated_by_any(pts, pts)]
        front.append(blk)
        if len(surv):
            surv = surv[~_dominated_by_any(obj[surv], obj[blk])]
    return np.concatenate(front)


def non_dominated_sort(obj: np.ndarray, *, max_fronts: int | None = None) -> np.ndarray:
    """Pareto rank of every point (1 = non-dominated), all objectives minimised.

    Parameters
    ----------
    obj : ndarray, shape (n, k)
        Objective values to minimise; NaN is not allowed.
    max_fronts : int, optional
        Stop after this many fronts; the remaining points get rank ``max_fronts + 1``.

    Returns
    -------
    ndarray of int, shape (n,)
    """
    obj = np.asarray(obj, dtype=float)
    if obj.ndim != 2:
        msg = f"objectives must be a 2-D array (n candidates × k objectives), got shape {obj.shape}"
        raise ValueError(msg)
    if not np.all(np.isfinite(obj)):
        msg = "objectives contain NaN or infinite values; drop or fill those candidates first"
        raise ValueError(msg)
    obj = dense_ranks(obj)
    rank = np.zeros(len(obj), dtype=int)
    remaining = np.arange(len(obj))
    r = 0
    while len(remaining):
        r += 1
        if max_fronts is not None and r > max_fronts:
            rank[remaining] = max_fronts + 1
            break
        f = remaining[first_front(obj[remaining])]
        rank[f] = r
        mask = np.ones(len(obj), dtype=bool)
        mask[f] = False
        remaining = remaining[mask[remaining]]
    return rank
