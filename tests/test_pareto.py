"""Non-dominated sorting: exactness against brute force, invariants, bounded work."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from substitute.ranking.pareto import dominates, first_front, non_dominated_sort


def brute_force_ranks(obj: np.ndarray) -> np.ndarray:
    """Textbook definition: peel the set of points no other remaining point dominates."""
    rank = np.zeros(len(obj), dtype=int)
    remaining = np.arange(len(obj))
    r = 0
    while remaining.size:
        r += 1
        pts = obj[remaining]
        dominated = np.array(
            [np.any(np.all(pts <= p, axis=1) & np.any(pts < p, axis=1)) for p in pts]
        )
        rank[remaining[~dominated]] = r
        remaining = remaining[dominated]
    return rank


def test_dominates_definition():
    assert dominates([1, 2], [1, 3])
    assert not dominates([1, 2], [1, 2])  # equal points do not dominate each other
    assert not dominates([1, 3], [2, 2])


@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 120), st.integers(1, 4)),
        elements=st.integers(0, 6).map(float),
    )
)
@settings(max_examples=150, deadline=None)
def test_matches_brute_force_with_ties(obj):
    np.testing.assert_array_equal(non_dominated_sort(obj), brute_force_ranks(obj))


def test_matches_brute_force_continuous_large_blocks():
    rng = np.random.default_rng(7)
    obj = rng.uniform(size=(1500, 4))  # more than one sweep block (512)
    np.testing.assert_array_equal(non_dominated_sort(obj), brute_force_ranks(obj))


def test_order_of_input_does_not_matter():
    rng = np.random.default_rng(3)
    obj = rng.integers(0, 20, size=(2000, 3)).astype(float)
    perm = rng.permutation(len(obj))
    r1 = non_dominated_sort(obj)
    r2 = non_dominated_sort(obj[perm])
    np.testing.assert_array_equal(r1[perm], r2)


def test_dominated_never_ranks_above_its_dominator():
    rng = np.random.default_rng(11)
    obj = rng.uniform(size=(600, 3))
    r = non_dominated_sort(obj)
    le = np.all(obj[:, None, :] <= obj[None, :, :], axis=2)
    lt = np.any(obj[:, None, :] < obj[None, :, :], axis=2)
    dom_i, dom_j = np.nonzero(le & lt)  # i dominates j
    assert dom_i.size > 0
    assert np.all(r[dom_i] < r[dom_j])


def test_max_fronts_caps_and_first_front_is_exact():
    rng = np.random.default_rng(5)
    obj = rng.uniform(size=(3000, 2))
    r = non_dominated_sort(obj, max_fronts=2)
    assert set(np.unique(r)) <= {1, 2, 3}
    full = brute_force_ranks(obj[:400])
    np.testing.assert_array_equal(np.sort(first_front(obj[:400])), np.flatnonzero(full == 1))


def test_bad_objectives():
    with pytest.raises(ValueError, match="NaN or infinite"):
        non_dominated_sort(np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="2-D array"):
        non_dominated_sort(np.array([1.0, 2.0]))
