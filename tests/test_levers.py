"""The lever effects of the property model against their published references (issue 12 review items).

Each check is computed by :mod:`substitute.properties.lever_checks`, which names its reference and source.
Checks the evidence-fitted model does not yet meet are strict xfails stating the value it gives: they fail
loudly the day a refit meets them, so the marker must then go.
"""

import pytest

from substitute.properties import lever_checks as lc

NOT_MET: dict[str, str] = {
    "check_gbd_on_ce_base": "L4: 0.80 (0.803) against at most 0.8 on 2026-12-05 (0.79 before): the fitted GBD x Ce "
    "term takes 1 - 0.45 x(Ce+La) of the diffused amount up (x0.87 at 30 % Ce), while the three sources' "
    "gains (+215 kA/m on 30 % Ce vs +410 and +533 Ce-free) give 0.40-0.52; the one Ce-base pair with an "
    "HcJ gain in kA/m states no diffused amount",
    "check_co_beta": "L10: +0.003 %/K on 2026-12-05 (-0.151 before): the one Co-bearing beta measurement with "
    "a stated Co content (HDDR hot-pressed, Co 6 at%, beta -0.549 %/K) asked for a Co penalty only while its "
    "measured 230-550 nm grains were missing from the data; with them the fit leaves the penalty at its prior "
    "(0), and Tc's rise with Co makes the net change slightly positive. The sign (Matsuura et al. 1985 via "
    "magnetweb.com) is a sentence, not a measured size",
}


@pytest.mark.parametrize(
    "check",
    [
        pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=NOT_MET[f.__name__]))
        if f.__name__ in NOT_MET
        else f
        for f in lc.LEVER_CHECKS
    ],
    ids=[f.__name__ for f in lc.LEVER_CHECKS],
)
def test_lever(check):
    c = check()
    assert c.passed, f"{c.id} {c.item}: {c.shown}, target {c.target} ({c.source})"
    assert c.source
    assert c.before


def test_table_has_every_check():
    df = lc.lever_checks()
    assert list(df["id"]) == [f"L{i}" for i in range(1, len(lc.LEVER_CHECKS) + 1)]
    assert df["passed"].dtype == bool
