"""P(meets) from the predictive distribution (issue 14, item 5): one rule for rank, review and what-if."""

from __future__ import annotations

import numpy as np
import pytest

import substitute as sb
from substitute.properties.predictive import prob_at_least, quantile
from substitute.ranking.requirements import Requirements


def test_interval_ends_are_the_5_and_95_percent_points():
    c, lo, hi = np.array([500.0]), np.array([250.0]), np.array([1100.0])
    assert prob_at_least("hcj_kA_per_m", c, lo, hi, 250.0)[0] == pytest.approx(0.95, abs=1e-9)
    assert prob_at_least("hcj_kA_per_m", c, lo, hi, 1100.0)[0] == pytest.approx(0.05, abs=1e-9)
    assert prob_at_least("hcj_kA_per_m", c, lo, hi, 500.0)[0] == pytest.approx(0.5, abs=1e-12)
    assert quantile("hcj_kA_per_m", c, lo, hi, 0.05)[0] == pytest.approx(250.0, rel=1e-9)
    # Tmax is linear in °C: the 10 % point lies 1.2816/1.6449 of the way from central to lo
    q = quantile("tmax_C", np.array([160.0]), np.array([140.0]), np.array([170.0]), 0.1)[0]
    assert q == pytest.approx(160.0 - 20.0 * 1.2815516 / 1.6448536, rel=1e-6)


def test_degenerate_and_missing_predictions():
    assert prob_at_least("br_T", np.array([1.2]), np.array([1.2]), np.array([1.2]), 1.1)[0] == 1.0
    assert prob_at_least("br_T", np.array([1.2]), np.array([1.2]), np.array([1.2]), 1.3)[0] == 0.0
    assert (
        prob_at_least("tmax_C", np.array([np.nan]), np.array([1.0]), np.array([2.0]), 0.0)[0] == 0.0
    )


def test_confidence_replaces_the_conservative_switch():
    assert Requirements().confidence == 0.9
    assert Requirements(conservative=True).confidence == 0.95
    assert Requirements(conservative=False).confidence == 0.5
    assert Requirements(confidence=0.5).conservative is False
    with pytest.raises(sb.InputError, match="give confidence or conservative, not both"):
        Requirements(confidence=0.9, conservative=False)
    for bad in (0, 1, 1.5, -0.1, True, "0.9"):
        with pytest.raises(sb.InputError, match="confidence must be a probability"):
            Requirements(confidence=bad)


def test_a_requirement_passes_exactly_when_p_meets_reaches_the_confidence():
    from substitute.ranking.study import load_study, run_study

    for conf in (0.5, 0.9, 0.95):
        res = run_study(load_study(as_of="2026-11-25", confidence=conf), progress=False)
        t = res.table
        fam = t["route"].isin(["sintered", "sintered_gbd", "hot_deformed"])
        p = t.loc[fam, "p_meets_tmax_C"].to_numpy()
        ok = t.loc[fam, "margin_tmax_C"].to_numpy() >= 0
        near = np.abs(p - conf) < 1e-9  # ties are decided by the margin's sign
        assert np.array_equal(ok[~near], p[~near] >= conf)
    # conservative = the old "_lo" test, to the last digit
    res = run_study(load_study(as_of="2026-11-25", confidence=0.95), progress=False)
    t = res.table
    assert np.allclose(t["tmax_C_q"], t["tmax_C_lo"], equal_nan=True)
