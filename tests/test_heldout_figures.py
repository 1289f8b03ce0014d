"""The held-out (leave-one-source-out) figures of the shipped model against issue 12's targets.

``datasets/models/loso_predictions.csv`` holds every out-of-fold prediction; ``make validation`` (run before
the tests by ``make test``) rewrites it from the shipped parameters and data, and this module reads it — no
refit here. Floors are today's figures, so a refit that silently loses ground fails; the targets not yet met
are strict xfails stating today's value: they fail loudly the day a refit meets them, so the marker must go.
"""

import math

import numpy as np
import pandas as pd
import pytest

from substitute import data
from substitute.properties import _tables as tb
from substitute.properties import crossval as cv
from substitute.properties.calibration import CLEAR_EFFECT, FIT_FILES


@pytest.fixture(scope="module")
def oof() -> pd.DataFrame:
    return data.read_csv("models/loso_predictions.csv")


def _share(sign: pd.DataFrame) -> float:
    return float(sign["agree"].sum() / sign["pairs"].sum())


def test_the_held_out_predictions_are_those_of_the_shipped_data(oof):
    hashes = set(oof["data_hash"].astype(str))
    assert hashes == {tb.params()["data_hash"]} == {data.file_hash(*FIT_FILES)}, (
        "stale: run make calibrate && make validation"
    )


def test_sign_agreement_does_not_fall_below_todays(oof):
    # 2026-12-05: 65 of 69 clear effects (94.2 %; 64 of 68 before the Tb-film pair PE-9803); 89.2 % before the clear-effect hinge. Folds refitted from
    # the priors; started from the full fit they gave 63 (the Al ribbon's HcJ, predicted at -0.00004)
    sign = cv.sign_agreement(oof, threshold=CLEAR_EFFECT)
    assert int(sign["pairs"].sum()) >= 69
    assert _share(sign) >= 0.94


@pytest.mark.xfail(
    strict=True,
    reason="issue 12 target: >= 95 % sign agreement; 94.2 % (65/69) on 2026-12-05 — misses: Br up at "
    "1 wt% Ce (microstructure), low B on a 16 at% Co B-rich base, La for Ce in a hot-deformed magnet, "
    "Al on a ribbon's Br",
)
def test_sign_agreement_target(oof):
    assert _share(cv.sign_agreement(oof, threshold=CLEAR_EFFECT)) >= 0.95


def test_lever_effects_beat_the_mean_of_other_sources(oof):
    p = oof[(oof["kind"] == "pair") & (oof["property"] == "d_ln_hcj")]
    y, f, b = (p[c].to_numpy(float) for c in ("measured", "predicted", "baseline"))
    model, base = np.mean(np.abs(y - f)), np.mean(np.abs(y - b))
    # 0.153 vs 0.211 on 2026-12-05
    assert model < 0.9 * base, f"pair MAE {model:.3f} vs baseline {base:.3f}"


def test_absolute_br_beats_the_baseline(oof):
    m = cv.metrics(oof).set_index(["property", "group"])
    assert m.loc[("br_T", "all"), "mae"] < m.loc[("br_T", "all"), "baseline_mae"]


@pytest.mark.xfail(
    strict=True,
    reason="issue 12 target: absolute HcJ held out beats the mean of other sources; 211 vs 97 kA/m "
    "(n = 10) on 2026-12-05 (389 before the HDDR magnets' measured grain size was entered) — the far "
    "misses are a La+Ce co-doped magnet (the only evidence for the La x Ce term) and a 358 kA/m lab base",
)
def test_absolute_hcj_beats_the_baseline(oof):
    m = cv.metrics(oof).set_index(["property", "group"])
    assert m.loc[("hcj_kA_per_m", "all"), "mae"] < m.loc[("hcj_kA_per_m", "all"), "baseline_mae"]


@pytest.mark.xfail(
    strict=True,
    reason="issue 12 target: HcJ 90 % interval covers 85-95 % of held-out rows; 77 % (10 of 13) on "
    "2026-12-05 (92 % before): with the HDDR magnets predicted within 15 % the median miss fell and the "
    "interval (tail ratio x median miss) narrowed to x0.55-x1.81; the three rows outside are a La+Ce "
    "co-doped and a 358 kA/m lab sintered magnet and La for Ce in a hot-deformed one",
)
def test_hcj_interval_coverage_is_in_the_target_band(oof):
    cov = cv.nested_coverage(oof).set_index(["property", "group"])
    assert 0.85 <= cov.loc[("hcj_kA_per_m", "all"), "coverage"] <= 0.95


def test_hcj_interval_coverage_does_not_fall_below_todays(oof):
    cov = cv.nested_coverage(oof).set_index(["property", "group"])
    assert cov.loc[("hcj_kA_per_m", "all"), "coverage"] >= 0.75  # 10 of 13 on 2026-12-05


def test_held_out_magnets_are_flagged_as_the_model_without_their_source_flags_them(oof):
    ab = oof[oof["kind"] == "absolute"]
    assert ab["evidence"].notna().all()
    assert ab["in_domain"].notna().all()
    # the only La+Ce co-doped magnet: without it no source measured co-doping, so predict would flag it
    yu = ab[(ab["source_id"] == "yu2021-cxclqj") & (ab["property"] == "hcj_kA_per_m")].iloc[0]
    assert int(yu["evidence"]) == 0
    assert not bool(yu["in_domain"])


def test_nested_coverage_widens_a_flagged_row_as_predict_does():
    # two sources, one row each, residuals ln 0.2 and ln 0.5: the interval for each is built from the other
    rows = [
        {
            "kind": "absolute",
            "id": i,
            "source_id": s,
            "group": "sintered",
            "lever": "",
            "property": "br_T",
            "measured": m,
            "predicted": 1.0,
            "baseline": 1.0,
            "in_domain": d,
        }
        for i, s, m, d in (("a", "s1", math.exp(0.2), True), ("b", "s2", math.exp(0.5), True))
    ]
    flagged = [{**r, "in_domain": r["id"] != "b"} for r in rows]
    plain = cv.nested_hits(pd.DataFrame(rows)).set_index("id")
    wide = cv.nested_hits(pd.DataFrame(flagged)).set_index("id")
    assert not plain.loc["b", "hit"]  # 0.5 outside the interval of the other row's 0.2
    assert wide.loc["b", "width"] == pytest.approx(
        2 * plain.loc["b", "width"]
    )  # widen_out_of_domain 2
    assert wide.loc["a", "width"] == pytest.approx(plain.loc["a", "width"])
