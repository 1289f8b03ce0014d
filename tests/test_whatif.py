"""What-if engine: scenarios, grids, Monte Carlo, crossing prices, fleet roll-ups, study files, CLI."""

from __future__ import annotations

import dataclasses
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import substitute as sb
from substitute.cli import main
from substitute.errors import (
    DataError,
    InputError,
    PriceError,
    RuleSetError,
    UnknownElementError,
    UnknownRuleError,
)
from substitute.whatif import (
    Design,
    Scenario,
    crossing_prices,
    designs_from_ranking,
    fleet_rollup,
    load_whatif_study,
    run_whatif_study,
    scenario_grid,
    sensitivity,
    whatif,
)

ROOT = Path(__file__).resolve().parents[1]
FLEET = ROOT / "notebooks" / "fleet-whatif.toml"
KEY61 = "CN-MOFCOM-2025-61_1(1)@assembly"
# the default study's baseline (datasets/examples/default-study.toml)
BASELINE = "Nd 21.75, Pr 7.25, Dy 3.0, Co 1.0, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal"
TBGBD_BASE = "Nd 24.0, Pr 8.0, Co 2.0, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal"
RULES_BACK = {
    "overlay": {"name": "test: No. 61 in force again from 2026-12-01"},
    "rule_sets": [
        {
            "id": "CN-MOFCOM-2025-61",
            "status_history": [{"from": "2026-12-01", "status": "in_force", "source": "test"}],
        }
    ],
}
VOL = {"Tb": 0.35, "Dy": 0.3, "Nd": 0.2, "Pr": 0.2}


def _baseline(volume: float = 1000.0, **kw) -> Design:
    a = sb.Alloy.parse(BASELINE, basis="mass", name="baseline")
    return Design("baseline", a, annual_volume_units_per_year=volume, origin={"Dy": "CN"}, **kw)


def _tbgbd(volume: float = 500.0) -> Design:
    base = sb.Alloy.parse(TBGBD_BASE, basis="mass")
    return Design.from_base(
        "tb-gbd",
        base,
        gbd_element="Tb",
        gbd_mass_percent=0.8,
        grain_size_um=1.5,
        annual_volume_units_per_year=volume,
        origin={"Tb": "CN"},
    )


def _strip(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.attrs = {}
    return out


# --------------------------------------------------------------------------------------------- core
def test_baseline_value_share_and_cost_match_the_rule_formula():
    pv = sb.price_vector("ex_china_2025")
    df = whatif([_baseline()], Scenario("s", as_of="2026-11-22"), study=None)
    row = df.iloc[0]
    # No. 61 §1(1) value share (regulations.md §5): China-origin Dy value ÷ assembly value
    expected = 1.6 * 0.030 * pv.price("Dy") / 4200.0
    assert row["value_share"] == pytest.approx(expected, rel=1e-12)
    assert row[f"status_{KEY61}"] == "licence_required"  # status_unknown treated as in force
    vs = sb.value_share_batch(
        sb.Alloy.parse(BASELINE, basis="mass"),
        mass_kg=1.6,
        item_value_usd=4200.0,
        as_of="2026-11-22",
        origin={"Dy": "CN"},
    )
    assert row["value_share"] == pytest.approx(float(vs["value_share"].iloc[0]), rel=1e-12)
    cost = sb.alloy_cost_per_kg(sb.Alloy.parse(BASELINE, basis="mass"), pv)[0]
    assert row["cost_usd_per_unit"] == pytest.approx(cost * 1.6, rel=1e-12)
    assert row["cost_usd_per_year"] == pytest.approx(cost * 1.6 * 1000, rel=1e-12)
    assert row["controlled_mass_kg_per_year_Dy_CN"] == pytest.approx(0.03 * 1.6 * 1000, rel=1e-12)
    assert row["licence_exposure_units_per_year"] == 1000.0
    audit = df.attrs["audit"]
    for k in ("substitute_version", "catalog_version", "price_vectors", "as_of", "assume", "seed"):
        assert k in audit
    assert audit["backend"] == "local"


def test_assume_and_rules_back_overlay():
    grid = [
        Scenario("quo", as_of="2026-11-22", assume="suspended", overlays=[RULES_BACK]),
        Scenario("back", as_of="2026-12-01", assume="suspended", overlays=[RULES_BACK]),
    ]
    df = whatif([_baseline()], grid, study=None)
    st = df.set_index("scenario")[f"status_{KEY61}"]
    assert st["quo"] == "not_controlled"  # status_unknown, treated as suspended
    assert st["back"] == "licence_required"  # the overlay's record puts it in force
    assert df.attrs["audit"]["catalog_overlays"] == ["test: No. 61 in force again from 2026-12-01"]


def test_lower_threshold_overlay_flips_a_design_below_the_shipped_threshold():
    lower = {
        "rule_sets": [
            {"id": "CN-MOFCOM-2025-61", "limbs": [{"id": "1(1)", "threshold": {"value": 0.0001}}]}
        ]
    }
    d = _baseline()
    s_hi = Scenario("shipped", as_of="2026-12-01", origin={"Dy": {"CN": 0.02, "non-CN": 0.98}})
    s_lo = dataclasses.replace(s_hi, name="lower", overlays=(lower,))
    df = whatif([d], [s_hi, s_lo], study=None).set_index("scenario")
    assert df.loc["shipped", "value_share"] < 0.001
    assert df.loc["shipped", f"status_{KEY61}"] == "below_threshold"
    assert df.loc["lower", "threshold"] == 0.0001
    assert df.loc["lower", f"status_{KEY61}"] == "licence_required"


def test_half_dy_from_non_china_halves_the_share_and_splits_the_mass():
    s0 = Scenario("cn", as_of="2026-11-22")
    s1 = Scenario("half", as_of="2026-11-22", origin={"Dy": {"CN": 0.5, "non-CN": 0.5}})
    df = whatif([_baseline()], [s0, s1], study=None).set_index("scenario")
    assert df.loc["half", "value_share"] == pytest.approx(
        df.loc["cn", "value_share"] / 2, rel=1e-12
    )
    assert df.loc["half", "controlled_mass_kg_per_year_Dy_non-CN"] == pytest.approx(24.0, rel=1e-12)
    assert df.loc["half", "controlled_mass_cn_kg_per_year"] == pytest.approx(24.0, rel=1e-12)
    assert df.loc["half", "cost_usd_per_unit"] == df.loc["cn", "cost_usd_per_unit"]
    prem = Scenario(
        "premium", as_of="2026-11-22", origin={"Dy": "non-CN"}, origin_premium={"non-CN": 1.5}
    )
    p = whatif([_baseline()], prem, study=None).iloc[0]
    extra = 0.5 * 0.03 * sb.price_vector("ex_china_2025").price("Dy") * 1.6
    assert p["cost_usd_per_unit"] == pytest.approx(
        df.loc["cn", "cost_usd_per_unit"] + extra, rel=1e-12
    )
    assert p["value_share"] == 0.0


def test_doubling_the_volume_doubles_annual_exposure_and_cost():
    one = whatif([_baseline(1000)], Scenario("s", as_of="2026-11-22"), study=None).iloc[0]
    two = whatif([_baseline(2000)], Scenario("s", as_of="2026-11-22"), study=None).iloc[0]
    f2 = whatif(
        [_baseline(1000)], Scenario("s", as_of="2026-11-22", volume_factor=2), study=None
    ).iloc[0]
    for r in (two, f2):
        assert r["licence_exposure_units_per_year"] == 2 * one["licence_exposure_units_per_year"]
        assert r["cost_usd_per_year"] == pytest.approx(2 * one["cost_usd_per_year"], rel=1e-12)
        assert r["controlled_mass_kg_per_year"] == pytest.approx(
            2 * one["controlled_mass_kg_per_year"], rel=1e-12
        )
    over = Scenario("v", as_of="2026-11-22", volumes={"baseline": 5000})
    assert (
        whatif([_baseline(1000)], over, study=None).iloc[0]["licence_exposure_units_per_year"]
        == 5000
    )


def test_fleet_rollup_sums_designs():
    df = whatif([_baseline(1000), _tbgbd(500)], Scenario("s", as_of="2026-12-01"), study=None)
    fl = fleet_rollup(df).iloc[0]
    assert fl["designs"] == 2
    assert fl["cost_usd_per_year"] == pytest.approx(df["cost_usd_per_year"].sum(), rel=1e-12)
    assert fl["licence_exposure_units_per_year"] == 1500.0
    with pytest.raises(InputError, match="expected a DataFrame returned by whatif"):
        fleet_rollup(pd.DataFrame({"x": [1]}))


# --------------------------------------------------------------------------------------------- Monte Carlo
def test_seeded_runs_repeat_exactly_and_seeds_matter():
    kw = {"draws": 300, "volatility": VOL, "study": None}
    grid = scenario_grid({"price_multipliers.Tb": [1, 2], "as_of": ["2026-11-22", "2026-12-01"]})
    a = whatif([_baseline(), _tbgbd()], grid, seed=11, **kw)
    b = whatif([_baseline(), _tbgbd()], grid, seed=11, **kw)
    c = whatif([_baseline(), _tbgbd()], grid, seed=12, **kw)
    pd.testing.assert_frame_equal(_strip(a), _strip(b), check_exact=True)
    assert a.attrs["fleet_quantiles"] == b.attrs["fleet_quantiles"]
    assert not np.array_equal(a["cost_usd_per_unit_p50"], c["cost_usd_per_unit_p50"])
    assert a.attrs["audit"]["seed"] == 11


def test_results_do_not_depend_on_the_block_size():
    grid = scenario_grid(
        {"price_multipliers.Dy": [0.5, 1, 2], "as_of": ["2026-11-22", "2026-12-01"]}
    )
    kw = {"draws": 200, "seed": 5, "volatility": VOL, "study": None}
    big = whatif([_baseline(), _tbgbd()], grid, block_size=10**6, **kw)
    small = whatif([_baseline(), _tbgbd()], grid, block_size=401, **kw)  # two cells per block
    assert small.attrs["audit"]["n_blocks"] == 6
    pd.testing.assert_frame_equal(_strip(big), _strip(small), check_exact=True)


def test_probability_of_crossing_matches_the_lognormal_formula():
    # Only Dy is uncertain and only Dy is counted: P(share ≥ T) = P(p_Dy ≥ p*) = 1 − Φ(ln(p*/p0)/σ)
    sigma, n = 0.5, 20000
    s = Scenario("s", as_of="2026-12-01", price_multipliers={"Dy": 0.1})
    df = whatif([_baseline()], s, draws=n, seed=3, volatility={"Dy": sigma}, study=None)
    p0 = 0.1 * sb.price_vector("ex_china_2025").price("Dy")
    pstar = 0.001 * 4200 / (1.6 * 0.03)
    expected = 0.5 * math.erfc(math.log(pstar / p0) / sigma / math.sqrt(2))
    got = float(df["p_value_share_ge_threshold"].iloc[0])
    assert abs(got - expected) < 4 * math.sqrt(expected * (1 - expected) / n)
    assert float(df["p_licence_required"].iloc[0]) == got  # No. 61 in force on 2026-12-01 (assumed)
    # the median multiplier is 1: the median share is the central share
    assert float(df["value_share_p50"].iloc[0]) == pytest.approx(
        float(df["value_share"].iloc[0]), rel=0.02
    )
    # E[exp(σz)] = exp(σ²/2)
    mean_share = float(df["value_share_mean"].iloc[0])
    assert mean_share == pytest.approx(
        float(df["value_share"].iloc[0]) * math.exp(sigma**2 / 2), rel=0.02
    )


def test_streamed_histogram_quantiles_match_exact_ones():
    grid = scenario_grid({"price_multipliers.Dy": [0.05, 1.0]})
    kw = {"draws": 3000, "seed": 9, "volatility": {"Dy": 0.5, "Nd": 0.2}, "study": None}
    exact = whatif([_baseline()], grid, block_size=10**6, **kw)
    sketch = whatif([_baseline()], grid, block_size=700, **kw)  # 512 draws per block: streamed
    assert exact.attrs["audit"]["quantiles"].startswith("exact")
    assert sketch.attrs["audit"]["quantiles"].startswith("approximate")
    for c in (
        "cost_usd_per_unit_mean",
        "value_share_mean",
        "p_value_share_ge_threshold",
        "p_licence_required",
    ):
        np.testing.assert_allclose(sketch[c], exact[c], rtol=1e-12)
    for c in (
        "cost_usd_per_unit_p05",
        "cost_usd_per_unit_p95",
        "value_share_p05",
        "value_share_p95",
    ):
        np.testing.assert_allclose(sketch[c], exact[c], rtol=4e-3)


def test_user_distribution_is_used_and_checked():
    def fixed_three(rng, n):
        return np.full(n, 3.0)

    df = whatif(
        [_baseline()],
        Scenario("s", as_of="2026-11-22"),
        draws=50,
        seed=1,
        distributions={"Dy": fixed_three},
        study=None,
    )
    assert float(df["value_share_p50"].iloc[0]) == pytest.approx(
        3 * float(df["value_share"].iloc[0]), rel=1e-12
    )

    def negative(rng, n):
        return -np.ones(n)

    with pytest.raises(InputError, match=r"distributions\['Dy'\] returned a negative"):
        whatif([_baseline()], None, draws=5, seed=1, distributions={"Dy": negative}, study=None)


# --------------------------------------------------------------------------------------------- crossing price
def test_crossing_price_analytic_equals_compliance_and_bisection_and_the_grid_crosses_there():
    d = _baseline()
    s = Scenario("s", as_of="2026-12-01", origin={"Dy": {"CN": 0.02, "non-CN": 0.98}})
    cp = crossing_prices([d], s, study=None)
    row = cp[cp["element"] == "Dy"].iloc[0]
    part = sb.Part(
        "magnet",
        sb.Alloy.parse(BASELINE, basis="mass"),
        1.6,
        origin={"Dy": {"CN": 0.02, "non-CN": 0.98}},
    )
    ref = sb.crossing_price(
        sb.Assembly("e-axle", [part], value_usd=4200.0), "Dy", as_of="2026-12-01"
    )
    ref = float(ref.loc[ref["level"] == "assembly", "crossing_price_usd_per_kg"].iloc[0])
    pstar = float(row["crossing_price_usd_per_kg"])
    assert pstar == pytest.approx(ref, rel=1e-12)
    assert pstar == pytest.approx(0.001 * 4200 / (1.6 * 0.03 * 0.02), rel=1e-12)  # T·V / (m·w·s)
    assert row["bisection_rel_diff"] < 1e-9
    assert row["verdict_now"] == "below_threshold"
    assert row["verdict_beyond"] == "licence_required"
    below = dataclasses.replace(s, name="below", price_overrides={"Dy": pstar * (1 - 1e-6)})
    above = dataclasses.replace(s, name="above", price_overrides={"Dy": pstar * (1 + 1e-6)})
    df = whatif([d], [below, above], study=None).set_index("scenario")
    assert df.loc["below", f"status_{KEY61}"] == "below_threshold"
    assert df.loc["above", f"status_{KEY61}"] == "licence_required"


def test_magnet_level_crossing_price_matches_a_part_valued_at_raw_material_cost():
    rules = [
        {"rule": "CN-MOFCOM-2025-61", "limb": "1(1)", "level": "magnet", "basis": "value_share"}
    ]
    tb = _tbgbd()
    cp = crossing_prices([tb], Scenario("s", as_of="2026-12-01"), rules=rules, study=None)
    row = cp[cp["element"] == "Tb"].iloc[0]
    part = sb.Part("magnet", tb.alloy, 1.6, origin={"Tb": "CN"})  # no value: raw-material estimate
    ref = sb.crossing_price(part, "Tb", as_of="2026-12-01")
    assert float(row["crossing_price_usd_per_kg"]) == pytest.approx(
        float(ref["crossing_price_usd_per_kg"].iloc[0]), rel=1e-12
    )
    # at the magnet level the China-origin Tb keeps the share over 0.1 % unless Tb falls ~1000-fold
    assert float(row["price_ratio"]) < 0.01
    assert row["verdict_now"] == "licence_required"


def test_sensitivity_lists_prices_origin_threshold_value_and_assumption():
    s = Scenario("s", as_of="2026-11-22")  # No. 61 status_unknown, treated as in force
    t = sensitivity([_baseline()], s, study=None)
    kinds = set(t["kind"])
    assert kinds == {"price", "origin_share", "threshold", "item_value", "assumption"}
    a = t[t["kind"] == "assumption"].iloc[0]
    assert a["verdict_now"] == "licence_required"
    assert a["verdict_beyond"] == "not_controlled"
    o = t[t["kind"] == "origin_share"].iloc[0]
    share = 1.6 * 0.03 * sb.price_vector("ex_china_2025").price("Dy") / 4200
    assert float(o["crossing_value"]) == pytest.approx(0.001 / share, rel=1e-12)
    v = t[t["kind"] == "item_value"].iloc[0]
    assert float(v["crossing_value"]) == pytest.approx(4200 * share / 0.001, rel=1e-12)


# --------------------------------------------------------------------------------------------- ranking
@pytest.fixture(scope="module")
def small_study():
    st = sb.load_study(None, as_of="2026-12-01")
    space = sb.DesignSpace(
        {
            "dy_mass_percent": [0.0, 1.5, 3.0],
            "gbd_tb_mass_percent": [0.0, 0.5],
            "co_mass_percent": [1.0, 2.0],
            "grain_size_um": [1.5, 5.0],
            "dy_origin": ["CN", "non-CN"],
            "tb_origin": ["CN", "non-CN"],
        }
    )
    return dataclasses.replace(st, space=space)


def test_cheapest_substitute_comes_from_the_ranking_once_per_price_and_rule_setting(small_study):
    grid = scenario_grid(
        {
            "price_multipliers.Tb": [1, 4],
            "as_of": ["2026-11-22", "2026-12-01"],
            "volume_factor": [1, 2],  # does not change the ranking
        }
    )
    df = whatif([_baseline()], grid, study=small_study)
    assert df.attrs["audit"]["rankings_run"] == 4
    s = grid[3]  # Tb ×1, 2026-12-01, ×2 volume
    req = dataclasses.replace(small_study.requirements, as_of=s.as_of, assume=s.assume)
    res = sb.rank_substitutes(
        small_study.baseline,
        req,
        space=small_study.space,
        prices=s.price_vector(),
        baseline_origin=small_study.baseline_origin,
        progress=False,
    )
    best = res.qualifying["material_cost_usd_per_part"].min()
    row = df[df["scenario"] == s.name].iloc[0]
    assert row["cheapest_substitute_cost_usd_per_unit"] == pytest.approx(best, rel=1e-12)
    assert row["saving_vs_cheapest_substitute_usd_per_year"] == pytest.approx(
        (row["cost_usd_per_unit"] - best) * 2000, rel=1e-12
    )
    # performance verdict reuses the property model at the study's temperature
    assert row["br_T"] == pytest.approx(_baseline_br_at_150(), rel=1e-12)
    # the verdict is taken at the study's confidence, on the values shown beside it
    assert row["confidence"] == small_study.requirements.confidence
    meets = bool(res.baseline["meets_requirements"])
    assert row["performance_verdict"] == ("unchanged" if meets else "degraded")
    assert row["p_meets"] == pytest.approx(float(res.baseline["p_meets"]), rel=1e-9)
    assert (row["p_meets"] >= row["confidence"]) == meets


def _baseline_br_at_150(model=None) -> float:
    """Br of the default baseline at the default study's 150 °C and Pc 2, as the property model gives it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ModelDomainWarning)
        p = sb.predict(
            sb.Alloy.parse(BASELINE, basis="mass"),
            route="sintered",
            temperature_C=150.0,
            permeance=2.0,
            grain_size_um=5.0,
            model=model,
        )
    return float(p["br_T"].iloc[0])


def test_a_studys_calibrated_model_reaches_the_whatif_verdicts(small_study):
    # a study whose baseline was measured carries a calibrated model: the what-if's performance verdict
    # and its cheapest substitute use it too, as rank and review do
    mine = pd.DataFrame(
        {"composition": [BASELINE], "route": ["sintered"], "br_T": [1.30], "hcj_kA_per_m": [1900.0]}
    )
    model = sb.calibrate(mine, name="measured baseline")
    st = dataclasses.replace(small_study, model=model)
    s = Scenario("s", as_of="2026-12-01")
    row = whatif([_baseline()], s, study=st).iloc[0]
    assert row["br_T"] == pytest.approx(_baseline_br_at_150(model), rel=1e-12)
    assert row["br_T"] != pytest.approx(_baseline_br_at_150(), rel=1e-6)  # the calibration moved it
    res = sb.rank_substitutes(
        st.baseline,
        dataclasses.replace(st.requirements, as_of=s.as_of),
        space=st.space,
        prices=s.price_vector(),
        baseline_origin=st.baseline_origin,
        model=model,
        progress=False,
    )
    best = res.qualifying["material_cost_usd_per_part"].min()
    assert row["cheapest_substitute_cost_usd_per_unit"] == pytest.approx(best, rel=1e-12)


def test_designs_from_ranking_reproduce_ranking_cost_and_share(small_study):
    res = sb.run_study(small_study, progress=False)
    ds = designs_from_ranking(res, top=2, annual_volume_units_per_year=[1000, 2000])
    assert len(ds) == 2
    origin = {"default": "CN"}  # the ranking counts unknown-origin elements as China-origin too
    ds = [dataclasses.replace(d, origin={**origin, **dict(d.origin)}) for d in ds]
    df = whatif(ds, Scenario("s", as_of="2026-12-01"), study=small_study, substitutes=False)
    top = res.table[res.table["qualifies"]].head(2)
    # the what-if costs a design by raw material (its scenarios move material prices), the ranking adds
    # processing on top: the material parts agree
    np.testing.assert_allclose(
        df["cost_usd_per_unit"], top["material_cost_usd_per_part"], rtol=1e-12
    )
    np.testing.assert_allclose(df["value_share"], top["controlled_value_share"], rtol=1e-12)
    assert (df["performance_verdict"] == "unchanged").all()
    with pytest.raises(InputError, match="expected a RankResult"):
        designs_from_ranking(res.table, top=1, annual_volume_units_per_year=1)
    with pytest.raises(InputError, match="2 volumes for 3 designs"):
        designs_from_ranking(res, top=3, annual_volume_units_per_year=[1, 2])


# --------------------------------------------------------------------------------------------- grid
def test_scenario_grid_product_names_tags_and_base():
    grid = scenario_grid(
        {
            "tb": [
                {"label": "Tb ×1", "price_multipliers": {"Tb": 1}},
                {"label": "Tb ×2", "price_multipliers": {"Tb": 2}},
            ],
            "price_multipliers.Dy": [1, 3],
            "rules": [
                {"label": "now", "as_of": "2026-11-22"},
                {"label": "back", "as_of": "2026-12-01", "overlays": [RULES_BACK]},
            ],
        },
        base={"prices": "ex_china_2025", "price_multipliers": {"Nd": 1.1}},
    )
    assert len(grid) == 8
    assert grid[0].name == "Tb ×1 | Dy ×1 | now"
    assert grid[-1].price_multipliers == {"Nd": 1.1, "Tb": 2.0, "Dy": 3.0}
    assert grid[-1].tags == {"tb": "Tb ×2", "price_multipliers.Dy": "Dy ×3", "rules": "back"}
    df = whatif([_baseline()], grid, study=None)
    assert list(df["axis_rules"].unique()) == ["now", "back"]


@pytest.mark.parametrize(
    ("axes", "match"),
    [
        ({"a": []}, "axis 'a' is empty"),
        (
            {"a": [{"as_of": "2026-11-22"}], "b": [{"as_of": "2026-12-01"}]},
            "inconsistent axes: 'a' and 'b' both set 'as_of'",
        ),
        (
            {"price_multipliers.Tb": [1], "x": [{"price_multipliers": {"Tb": 2}}]},
            "both set 'price_multipliers.Tb'",
        ),
        (
            {"a": [{"price_multipliers": {"Tb": 2}}], "b": [{"price_overrides": {"Tb": 900}}]},
            "one element's price can be shocked by one axis only",
        ),
        ({"a": [{"colour": "red"}]}, "unknown key"),
        ({"a": [{"label": "x"}, {"label": "x"}]}, "duplicate level label"),
        ({"a": [1, 2]}, "plain value"),
        ({}, "non-empty mapping"),
        ({"a": "2026"}, "must be a list of levels"),
    ],
)
def test_scenario_grid_rejects_bad_axes(axes, match):
    with pytest.raises(InputError, match=match):
        scenario_grid(axes)


# --------------------------------------------------------------------------------------------- bad input
def test_scenario_bad_input_messages():
    with pytest.raises(
        UnknownElementError, match=r"unknown element 'Xx' in scenario 's': price_multipliers"
    ):
        Scenario("s", price_multipliers={"Xx": 2})
    with pytest.raises(UnknownElementError, match="'Qq'"):
        Scenario("s", origin={"Qq": "CN"})
    with pytest.raises(
        PriceError,
        match=r"price_overrides\['Dy'\] must be >= 0 \(USD per kg of contained element\), got -5",
    ):
        Scenario("s", price_overrides={"Dy": -5})
    with pytest.raises(PriceError, match=r"price_multipliers\['Tb'\] must be >= 0 .*, got -1"):
        Scenario("s", price_multipliers={"Tb": -1})
    with pytest.raises(InputError, match=r"volumes\['a'\] must be >= 0 \(units per year\), got -1"):
        Scenario("s", volumes={"a": -1})
    with pytest.raises(
        InputError,
        match=r"volume_factor must be >= 0 \(multiplier of the designs' volumes\), got -2",
    ):
        Scenario("s", volume_factor=-2)
    with pytest.raises(InputError, match="both a price multiplier and an absolute price override"):
        Scenario("s", price_multipliers={"Tb": 2}, price_overrides={"Tb": 100})
    with pytest.raises(InputError, match="as_of"):
        Scenario("s", as_of="next week")
    with pytest.raises(InputError, match="assume"):
        Scenario("s", assume="maybe")
    with pytest.raises(InputError, match="origin shares sum to"):
        Scenario("s", origin={"Dy": {"CN": 0.5, "non-CN": 0.2}})
    with pytest.raises(InputError, match="unknown origin"):
        Scenario("s", origin_premium={"Mars": 2})
    with pytest.raises(InputError, match="unknown key"):
        Scenario.from_mapping({"name": "s", "colour": "red"})
    # keys from a YAML or JSON-built mapping need not be strings: named, not a TypeError from sorting
    with pytest.raises(InputError, match=r"unknown key\(s\) 0, colour"):
        Scenario.from_mapping({"name": "s", "colour": "red", 0: 1})
    with pytest.raises(InputError, match=r"unknown origin\(s\) 1"):
        Scenario("s", origin_premium={1: 2})
    # an integer beyond any float (YAML, JSON and Python allow it): one line, not an OverflowError
    with pytest.raises(PriceError, match=r"price_multipliers\['Dy'\] must be a number"):
        Scenario("s", price_multipliers={"Dy": 10**400})


def test_multiplier_on_a_price_that_does_not_exist_names_it():
    s = Scenario("s", price_multipliers={"Tm": 2.0})
    with pytest.raises(PriceError, match=r"scenario 's'.*multiplier for 'Tm'.*has no price"):
        whatif([_baseline()], s, study=None)


def test_design_bad_input_messages():
    a = sb.Alloy.parse(BASELINE, basis="mass")
    with pytest.raises(
        InputError, match=r"annual_volume_units_per_year must be >= 0 \(units per year\), got -10"
    ):
        Design("d", a, annual_volume_units_per_year=-10)
    with pytest.raises(InputError, match=r"magnet_mass_kg must be > 0 \(kg\), got 0"):
        Design("d", a, annual_volume_units_per_year=1, magnet_mass_kg=0)
    with pytest.raises(InputError, match="route 'sintred' is not known"):
        Design("d", a, annual_volume_units_per_year=1, route="sintred")
    with pytest.raises(InputError, match="needs gbd_element"):
        Design("d", a, annual_volume_units_per_year=1, route="sintered_gbd")
    with pytest.raises(InputError, match="the alloy holds 0 wt%"):
        Design(
            "d",
            a,
            annual_volume_units_per_year=1,
            route="sintered_gbd",
            gbd_element="Tb",
            gbd_mass_percent=0.5,
        )
    with pytest.raises(InputError, match="only for route 'sintered_gbd'"):
        Design("d", a, annual_volume_units_per_year=1, gbd_element="Tb", gbd_mass_percent=0.5)
    with pytest.raises(InputError, match="made_in"):
        Design("d", a, annual_volume_units_per_year=1, made_in="Mars")
    with pytest.raises(InputError, match="exceeds assembly_value_usd"):
        Design("d", a, annual_volume_units_per_year=1, part_value_usd=5000)
    with pytest.raises(InputError, match="'basis' is required"):
        Design.from_mapping(
            {"name": "d", "composition": BASELINE, "annual_volume_units_per_year": 1}
        )
    with pytest.raises(InputError, match="unknown key"):
        Design.from_mapping(
            {"name": "d", "grade": "N42SH", "annual_volume_units_per_year": 1, "price": 3}
        )
    with pytest.raises(InputError, match=r"unknown key\(s\) 7"):
        Design.from_mapping(
            {"name": "d", "grade": "N42SH", "annual_volume_units_per_year": 1, 7: 3}
        )


def test_whatif_bad_input_messages():
    d = _baseline()
    with pytest.raises(InputError, match="duplicate name"):
        whatif([d, d], study=None)
    with pytest.raises(InputError, match="the list is empty"):
        whatif([], study=None)
    with pytest.raises(InputError, match="duplicate name"):
        whatif([d], [Scenario("a"), Scenario("a")], study=None)
    with pytest.raises(InputError, match="unknown design 'nope'"):
        whatif([d], Scenario("s", volumes={"nope": 3}), study=None)
    with pytest.raises(UnknownRuleError, match="unknown rule id 'CN-XX'"):
        whatif([d], rules=[{"rule": "CN-XX", "limb": "1(1)", "basis": "value_share"}], study=None)
    unknown_overlay = {
        "rule_sets": [
            {
                "id": "CN-MOFCOM-2025-99",
                "status_history": [{"from": "2026-12-01", "status": "in_force", "source": "x"}],
            }
        ]
    }
    with pytest.raises(RuleSetError, match="rule set 'CN-MOFCOM-2025-99'"):
        whatif([d], Scenario("s", overlays=[unknown_overlay]), study=None)
    with pytest.raises(InputError, match="no any-content test"):
        whatif(
            [d],
            rules=[{"rule": "CN-MOFCOM-2025-61", "level": "magnet", "basis": "any_content"}],
            study=None,
        )
    with pytest.raises(InputError, match="draws > 0 needs price uncertainty"):
        whatif([d], draws=10, study=None)
    with pytest.raises(UnknownElementError, match="'Zz' in volatility"):
        whatif([d], draws=10, volatility={"Zz": 0.3}, study=None)
    with pytest.raises(
        InputError, match=r"volatility\['Dy'\] must be >= 0 \(σ of ln price\), got -0.3"
    ):
        whatif([d], draws=10, volatility={"Dy": -0.3}, study=None)
    with pytest.raises(InputError, match="draws must be a non-negative integer"):
        whatif([d], draws=-1, study=None)
    with pytest.raises(InputError, match="backend 'spark' is not known"):
        whatif([d], backend="spark", study=None)
    with pytest.raises(InputError, match="scheduler is only used with backend='dask'"):
        whatif([d], scheduler="tcp://127.0.0.1:1", study=None)
    with pytest.raises(InputError, match="block_size must be a positive integer"):
        whatif([d], block_size=0, study=None)
    with pytest.raises(InputError, match="percentiles must be ≤ 100 %"):
        whatif([d], draws=5, volatility=VOL, percentiles=(5, 150), study=None)
    with pytest.raises(InputError, match="a RankResult holds levers"):
        whatif(
            sb.run_study(
                dataclasses.replace(
                    sb.load_study(None, as_of="2026-12-01"),
                    space=sb.DesignSpace({"dy_mass_percent": [0.0, 3.0]}),
                ),
                progress=False,
            ),
            study=None,
        )


def test_unreachable_scheduler_fails_fast_with_a_clear_error():
    pytest.importorskip("distributed")
    import time

    t0 = time.perf_counter()
    with pytest.raises(
        InputError,
        match=r"scheduler 'tcp://127.0.0.1:9' could not be reached within 1 s.*nothing was computed",
    ):
        whatif(
            [_baseline()],
            study=None,
            backend="dask",
            scheduler="tcp://127.0.0.1:9",
            connect_timeout=1.0,
        )
    assert time.perf_counter() - t0 < 10


def test_missing_dask_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    with pytest.raises(InputError, match=r"pip install substitute-magnets\[dask\]"):
        whatif([_baseline()], study=None, backend="dask")


# --------------------------------------------------------------------------------------------- study file and CLI
def test_shipped_fleet_study_loads_with_24_scenarios():
    st = load_whatif_study(FLEET)
    assert [d.route for d in st.designs] == ["sintered", "sintered_gbd", "hot_deformed"]
    assert len(st.scenarios) == 24
    assert st.options["draws"] == 2000
    back = [s for s in st.scenarios if s.as_of.isoformat() == "2026-12-01"]
    assert back
    assert all(s.overlays for s in back)
    df = run_whatif_study(st, draws=200, substitutes=False)
    assert df.attrs["audit"]["whatif_study"] == str(FLEET)
    quo = df[(df["axis_rules"].str.startswith("2026-11-22"))]
    assert not quo["licence_required"].any()  # suspension assumed to continue
    back = df[
        (df["axis_rules"].str.startswith("2026-12-01")) & df["design"].str.startswith("baseline")
    ]
    assert back["licence_required"].all()


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    return p


MINI = f"""
[whatif]
ranking_study = "none"
[[designs]]
name = "b"
composition = "{BASELINE}"
basis = "mass"
annual_volume_units_per_year = 10
origin = {{ Dy = "CN" }}
"""


@pytest.mark.parametrize(
    ("extra", "error", "match"),
    [
        ("[colours]\nred = 1\n", InputError, "unknown table"),
        (
            "[axes]\nrules = [{ label = 'x', overlays = ['nope'] }]\n",
            InputError,
            "overlay 'nope' is neither a name",
        ),
        ("[axes]\nx = []\n", InputError, "axis 'x' is empty"),
        ("[base]\nname = 'x'\n", InputError, "'name' is not used"),
        ("[[scenarios]]\nas_of = '2026-12-01'\n", InputError, "'name' is required"),
        ("x = [", DataError, "not valid TOML"),
    ],
)
def test_study_file_errors(tmp_path, extra, error, match):
    with pytest.raises(error, match=match):
        load_whatif_study(_write(tmp_path, MINI + extra))


def test_a_grid_too_large_to_run_is_refused_at_its_key_before_any_work(tmp_path):
    # fuzz, 2026-12-05: draws = 10**12 built a block list of tens of millions of tuples (MemoryError, or
    # the kernel killing the process) before a single evaluation
    text = MINI.replace('ranking_study = "none"\n', 'ranking_study = "none"\ndraws = 20000000000\n')
    with pytest.raises(InputError) as ei:
        load_whatif_study(_write(tmp_path, text))
    msg = str(ei.value)
    assert "line 4 [whatif]" in msg
    assert "1 design(s) × 1 scenario(s) × 20,000,000,000 draws = 2e+10 evaluations" in msg
    with pytest.raises(InputError, match="above the limit of 1e"):
        sb.whatif([_baseline()], Scenario("s", as_of="2026-11-22"), study=None, draws=10**12)
    # an integer beyond any float where a number is expected (tomllib reads any size): one line
    text = MINI.replace(
        'ranking_study = "none"\n',
        'ranking_study = "none"\npercentiles = [5, 1' + "0" * 400 + "]\n",
    )
    with pytest.raises(InputError, match=r"percentiles\[1\]: 1000.*… is too large for a number"):
        load_whatif_study(_write(tmp_path, text))


def test_study_file_without_designs(tmp_path):
    with pytest.raises(InputError, match=r"no \[\[designs\]\]"):
        load_whatif_study(_write(tmp_path, "[whatif]\ndraws = 1\n"))
    with pytest.raises(InputError, match=r"\[whatif\]: unknown key"):
        load_whatif_study(_write(tmp_path, MINI.replace("[whatif]", "[whatif]\nwarp = 9")))


def test_cli_writes_csv_with_audit_and_exit_codes(tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["whatif", str(FLEET), "--draws", "50", "--no-substitutes", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "FLEET PER SCENARIO" in text
    assert "72 rows written" in text
    df = pd.read_csv(out)
    assert len(df) == 72
    assert "p_value_share_ge_threshold" in df
    assert (tmp_path / "r.audit.json").is_file()
    assert main(["whatif", str(FLEET), "-o", str(tmp_path / "r.ods")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: -o/--output")
    assert len(err.strip().splitlines()) == 1
    assert main(["whatif", str(tmp_path / "missing.toml")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["whatif", str(_write(tmp_path, MINI + "[colours]\n"))]) == 2
    assert "unknown table" in capsys.readouterr().err
    assert (
        main(["whatif", str(FLEET), "--backend", "local", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    )
    assert "--scheduler needs --backend dask" in capsys.readouterr().err


def test_cli_parquet_keeps_the_audit(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    assert main(["whatif", str(_write(tmp_path, MINI)), "-o", str(out)]) == 0
    df = pd.read_parquet(out)
    assert KEY61 in df.attrs["audit"]["conditions"]
    assert len(df) == 1


def test_docs_whatif_examples_run(tmp_path, monkeypatch):
    import re

    monkeypatch.chdir(tmp_path)
    text = (ROOT / "docs" / "guides" / "procurement.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 4
    namespace: dict = {}
    for code in blocks:  # one page's blocks share a namespace, like a reader following along
        exec(compile(code, "docs/guides/procurement.md:example", "exec"), namespace)
    assert len(namespace["grid"]) == 12
    assert namespace["cp"]["bisection_rel_diff"].max() < 1e-9


def test_a_volatility_typed_as_a_percent_is_refused_with_the_hint():
    # issue 17: volatility 35 (meant 35 %) gave means of 3e16 USD
    from substitute.whatif.montecarlo import check_volatility

    with pytest.raises(sb.InputError, match=r"for 35 % write 0\.35"):
        check_volatility({"Tb": 35}, None)
    assert check_volatility({"Tb": 0.35}, None)[0] == {"Tb": 0.35}


def test_whatif_cli_pivot_xlsx_and_json(tmp_path, capsys):
    # issue 15: a designs × scenarios pivot instead of 72 lines, honest timing, xlsx, one JSON shape
    import json
    from pathlib import Path

    from substitute.cli import main
    from substitute.whatif import load_whatif_study, run_whatif_study, summary_pivot

    study = Path(__file__).resolve().parents[1] / "notebooks" / "fleet-whatif.toml"
    xlsx = tmp_path / "r.xlsx"
    assert main(["whatif", str(study), "--no-progress", "--draws", "50", "-o", str(xlsx)]) == 0
    out = capsys.readouterr().out
    assert "DESIGNS × SCENARIOS" in out
    assert "  D3 = HRE-free" in out
    assert " L " in out  # a licence verdict in the pivot
    assert "rankings for the cheapest substitute" in out
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"results", "summary", "designs", "fleet", "audit"}
    # each design against the study's performance requirements, once (prices and rules do not change it)
    assert sheets["designs"]["meets_requirements"].tolist() == [False, True, False]
    assert sheets["designs"]["performance_failures"].fillna("").tolist() == [
        "tmax_C",
        "",
        "br_T, tmax_C",
    ]
    assert len(sheets["results"]) == 72
    assert len(sheets["summary"]) == 24
    assert main(["whatif", str(study), "--no-progress", "--draws", "50", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "substitute-whatif/1"
    assert len(doc["rows"]) == 72
    assert len(doc["summary"]) == 24
    pv = summary_pivot(run_whatif_study(load_whatif_study(study), draws=0, progress=False))
    assert pv.shape == (24, 9)
    assert pv.columns.get_level_values(1).tolist()[:3] == [
        "cost_usd_per_unit",
        "licence_required",
        "value_share_fraction",
    ]


def test_fleet_supply_against_non_china_separated_supply(tmp_path):
    # issue 14 (supply): non-China feedstock is a lever only within its availability
    from pathlib import Path

    from substitute.whatif import (
        fleet_supply,
        load_whatif_study,
        non_china_supply,
        run_whatif_study,
    )
    from substitute.whatif.supply import oxide_to_metal

    assert oxide_to_metal("Dy") == pytest.approx(2 * 162.5 / (2 * 162.5 + 3 * 15.999), rel=1e-3)
    total, rows = non_china_supply(("Dy", "Tb"))
    assert set(rows["counts_as"]) == {"separated_non_china"}
    assert total == pytest.approx(
        36 * oxide_to_metal("Dy") / 2
        + 36 * oxide_to_metal("Tb") / 2
        + 0.104 * oxide_to_metal("Dy"),
        rel=1e-9,
    )
    later, _ = non_china_supply(("Dy", "Tb"), year=2029, include_planned=True)
    assert later > 10 * total
    study = load_whatif_study(
        Path(__file__).resolve().parents[1] / "notebooks" / "fleet-whatif.toml"
    )
    df = run_whatif_study(study, draws=0, substitutes=False, progress=False)
    sup = fleet_supply(df, supply_share=0.05)
    half = sup[sup["scenario"].str.contains("half our Dy")]
    assert half["demand_non_cn_kg_per_year"].iloc[0] == pytest.approx(2880.0)
    assert half["exceeds_supply_share"].all()  # 9.3 % of the supply > 5 %
    assert not fleet_supply(df, supply_share=0.10)["exceeds_supply_share"].any()
    assert (sup.loc[~sup.index.isin(half.index), "demand_non_cn_kg_per_year"] == 0).all()
    with pytest.raises(InputError, match="a percent"):
        fleet_supply(df, supply_share=10)
    bad = tmp_path / "supply.csv"
    bad.write_text(
        "elements,year,quantity_t_per_year,quantity_basis,status,counts_as,date_published,source\n"
        "Dy,2025,10,oxide_t,producing,separated_non_china,,somewhere\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="line 2: date_published is empty"):
        non_china_supply(file=bad)


def test_design_from_a_grade_keeps_the_grade_br_factor():
    # issue 13: a design given as "N38" is an N38 (1.22-1.25 T at 20 C), not a 1.39 T magnet
    from substitute.properties.grades import typical_chemistry

    d = Design.from_mapping({"name": "d", "grade": "N38", "annual_volume_units_per_year": 1})
    info = typical_chemistry("N38", return_info=True)[1]
    assert d.br_factor == pytest.approx(info["br_factor"])
    assert Design.from_mapping(
        {"name": "d", "grade": "N38", "annual_volume_units_per_year": 1, "br_factor": 0.95}
    ).br_factor == pytest.approx(0.95)
    a = sb.Alloy.parse(BASELINE, basis="mass")
    with pytest.raises(InputError, match=r"br_factor 1\.2 must be in 0\.5-1"):
        Design("d", a, annual_volume_units_per_year=1, br_factor=1.2)
    with pytest.raises(InputError, match="on route 'sintered' or 'sintered_gbd'"):
        Design("d", a, annual_volume_units_per_year=1, route="hot_deformed", br_factor=0.9)
