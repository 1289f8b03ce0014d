"""Property tests of the compliance verdicts (hypothesis): monotone in controlled content and in China-origin
share; a value share computed at the headroom is at the threshold (and reaches it); just below it does not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import substitute as sb
from substitute.compliance.evaluation import VERDICT_ORDER

AS_OF = "2026-12-04"
PRICES = {"Dy": 3000.0, "Tb": 9000.0}
N61 = "CN-MOFCOM-2025-61"
SEVERITY = {v: len(VERDICT_ORDER) - i for i, v in enumerate(VERDICT_ORDER)}


def _unit(dy_wt: float, cn_share: float, value: float = 10_800.0) -> sb.Assembly:
    nd = 30.0 - dy_wt
    alloy = sb.Alloy.parse(f"Nd {nd!r}, Dy {dy_wt!r}, B 1, Fe bal", basis="mass")
    origin = {"Dy": {"CN": cn_share, "non-CN": 1.0 - cn_share}}
    part = sb.Part(
        "magnet",
        alloy,
        0.3,
        origin=origin,
        made_in="non-CN",
        technology_origin="non-CN",
        value_usd=100.0,
    )
    return sb.Assembly("unit", [part], value_usd=value, made_in="non-CN")


def _status(unit: sb.Assembly) -> tuple[str, float]:
    df = sb.assess(unit, as_of=AS_OF, prices=PRICES, rules=[N61])
    r = df[(df.level == "assembly") & (df.limb == "1(1)")].iloc[0]
    return r.status, float(r.value_share)


dy = st.floats(min_value=0.0, max_value=6.0, allow_nan=False)
share = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(a=dy, b=dy, s=share)
def test_verdict_is_monotone_in_controlled_content(a, b, s):
    lo, hi = sorted((a, b))
    (st_lo, v_lo), (st_hi, v_hi) = _status(_unit(lo, s)), _status(_unit(hi, s))
    assert v_lo <= v_hi + 1e-15
    assert SEVERITY[st_lo] <= SEVERITY[st_hi]


@settings(max_examples=40, deadline=None)
@given(w=dy, a=share, b=share)
def test_verdict_is_monotone_in_china_origin_share(w, a, b):
    lo, hi = sorted((a, b))
    (st_lo, v_lo), (st_hi, v_hi) = _status(_unit(w, lo)), _status(_unit(w, hi))
    assert v_lo <= v_hi + 1e-15
    assert SEVERITY[st_lo] <= SEVERITY[st_hi]


@settings(max_examples=30, deadline=None)
@given(
    value=st.floats(min_value=500.0, max_value=200_000.0),
    s=st.floats(min_value=0.05, max_value=1.0),
)
def test_share_at_the_headroom_is_at_the_threshold_and_reaches_it(value, s):
    base = _unit(0.5, s, value)
    h = sb.headroom(base, "magnet", "Dy", as_of=AS_OF, prices=PRICES).iloc[0]
    w_star = float(h.max_mass_percent)
    if not 0.0 < w_star < 30.0:  # headroom outside what this recipe can hold
        return
    status, v = _status(_unit(w_star, s, value))
    assert abs(v - 0.001) <= 1e-9 * 0.001 + 1e-15  # at the threshold
    assert status == "licence_required"  # reaching it needs a licence (comparator >=)
    below, v2 = _status(_unit(w_star * (1 - 1e-6), s, value))
    assert v2 < 0.001
    assert below == "below_threshold"
