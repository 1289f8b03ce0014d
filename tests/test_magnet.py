"""Extrinsic model: predict() contract, loop invariants, routes and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import substitute as sb
from substitute.properties import (
    PROPERTY_COLUMNS,
    ROUTES,
    demag_curve,
    predict_arrays,
)
from substitute.properties._tables import MU0
from substitute.properties.magnet import loop_hcb_bhmax

BASE = "Nd23.3 Pr7.7 B0.95 Co1.0 Cu0.15 Ga0.2 Al0.1 Fe bal"


@pytest.fixture(scope="module")
def base():
    return sb.Alloy.parse(BASE, basis="mass")


def test_predict_columns_and_rows(base):
    df = sb.predict(base, temperature_C=[20, 100, 150])
    assert len(df) == 3
    for c in PROPERTY_COLUMNS:
        assert {c, c + "_lo", c + "_hi"} <= set(df.columns)
    assert {"alloy", "route", "temperature_C", "in_domain", "domain_reason"} <= set(df.columns)
    assert (df["br_T_lo"] <= df["br_T"]).all()
    assert (df["br_T"] <= df["br_T_hi"]).all()
    assert (df["hcj_kA_per_m_lo"] <= df["hcj_kA_per_m"]).all()
    assert "audit" in df.attrs
    assert df.attrs["audit"]["physics_params_data_hash"]


def test_one_row_per_alloy_and_temperature(base):
    b = sb.AlloyBatch.concat([base, sb.Alloy.parse("Nd28 Dy3 B1 Fe bal", basis="mass")])
    df = sb.predict(b, temperature_C=[20, 150])
    assert len(df) == 4
    assert df["temperature_C"].tolist() == [20.0, 150.0, 20.0, 150.0]


def test_properties_fall_with_temperature(base):
    df = sb.predict(base, temperature_C=[20, 80, 150])
    assert np.all(np.diff(df["br_T"]) < 0)
    assert np.all(np.diff(df["hcj_kA_per_m"]) < 0)


def test_bhmax_never_above_js2_over_4mu0():
    rng = np.random.default_rng(3)
    n = 300
    dy, ce, co = rng.uniform(0, 8, n), rng.uniform(0, 10, n), rng.uniform(0, 3, n)
    rows = pd.DataFrame({"Nd": 30 - dy - ce, "Dy": dy, "Ce": ce, "Co": co, "B": 1.0})
    rows["Fe"] = 100 - rows.sum(axis=1)
    b = sb.AlloyBatch.from_frame(rows, basis="mass_percent")
    for route in ("sintered", "hot_deformed", "bonded_isotropic"):
        arr = predict_arrays(b, route, [20.0, 120.0])
        js = sb.intrinsic(b, temperature_C=[20.0, 120.0])["js_T"].to_numpy().reshape(n, 2)
        limit = js**2 / (4 * MU0) / 1e3
        assert np.all(arr["bhmax_kJ_per_m3"] <= limit + 1e-9)
        assert np.all(arr["bhmax_kJ_per_m3_hi"] <= limit + 1e-9)
        assert np.all(arr["br_T"] <= js + 1e-12)


def test_loop_linear_limit():
    # linear loop: (BH)max = Br^2/(4 mu0 mu_rec), HcB = Br/(mu0 mu_rec) (magnet-physics.md §2.3)
    hcb, bh = loop_hcb_bhmax(np.array([1.45]), np.array([3.0]), np.array([2.8]), 1.05)
    assert bh[0] == pytest.approx(1.45**2 / (4 * MU0 * 1.05))
    assert hcb[0] == pytest.approx(1.45 / 1.05)


def test_loop_coercivity_limited():
    # mu0HcJ < Br/2 (ferrite-like): square loop gives (BH)max ~ mu0HcJ (Br - mu0HcJ)/mu0
    _, bh = loop_hcb_bhmax(np.array([0.4]), np.array([0.15]), np.array([0.15]), 1.0)
    assert bh[0] == pytest.approx(0.15 * (0.4 - 0.15) / MU0, rel=1e-6)


def test_demag_curve(base):
    c = demag_curve(base, temperature_C=20, n_points=51)
    assert c["b_T"].iloc[0] == pytest.approx(sb.predict(base)["br_T"].iloc[0])
    assert np.all(np.diff(c["j_T"]) <= 1e-12)
    assert c["j_T"].iloc[-1] == pytest.approx(0.0, abs=1e-9)


def test_grain_refinement_raises_hcj(base):
    # Bance et al. JAP 116, 233903 (2014): Neff 1.22 at 8.3 um -> 0.2 at 55 nm
    h = [sb.predict(base, grain_size_um=d)["hcj_kA_per_m"].iloc[0] for d in (8.0, 5.0, 3.0, 1.5)]
    assert np.all(np.diff(h) > 0)


def test_tmax_falls_with_permeance_and_field(base):
    # magnet-physics.md §2.5 and §7 check 16
    t = [sb.predict(base, permeance=pc)["tmax_C"].iloc[0] for pc in (4.0, 2.0, 1.0)]
    assert np.all(np.diff(t) < 0)
    # a working point the magnet cannot hold even at -40 C has no Tmax (NaN), never a number above the rest
    t_low = sb.predict(base, permeance=0.2)["tmax_C"].iloc[0]
    assert np.isnan(t_low) or t_low < t[-1]
    t_ext = sb.predict(base, external_field_kA_per_m=200)["tmax_C"].iloc[0]
    assert t_ext < t[1]


def test_above_tc_is_out_of_domain_and_never_negative(base):
    df = sb.predict(base, temperature_C=[20, 400])
    hot = df.iloc[1]
    assert not hot["in_domain"]
    assert "Curie" in hot["domain_reason"]
    assert hot["br_T"] == 0.0
    assert hot["hcj_kA_per_m"] >= 0.0


def test_out_of_domain_widens_interval():
    inside = sb.Alloy.parse("Nd28 Dy2 B1 Fe bal", basis="mass")
    outside = sb.Alloy.parse("Nd14 Dy16 B1 Fe bal", basis="mass")  # HRE beyond the domain
    a = sb.predict(inside).iloc[0]
    b = sb.predict(outside).iloc[0]
    assert a["in_domain"]
    assert not b["in_domain"]
    assert "hre_site_fraction" in b["domain_reason"]
    width = lambda r: np.log(r["hcj_kA_per_m_hi"] / r["hcj_kA_per_m_lo"])  # noqa: E731
    assert width(b) > 1.5 * width(a)


def test_gbd_composition_must_contain_the_diffused_hre(base):
    with pytest.raises(sb.InputError, match="final magnet composition"):
        sb.predict(base, route="sintered_gbd", gbd_element="Tb", gbd_mass_percent=0.5)


def test_gbd_without_amount_is_an_error(base):
    with pytest.raises(sb.InputError, match="gbd_mass_percent"):
        sb.predict(base, route="sintered_gbd", gbd_element="Tb")


def test_gbd_bad_element(base):
    with pytest.raises(sb.InputError, match="gbd_element must be one of"):
        sb.predict(base, route="sintered_gbd", gbd_element="Ho", gbd_mass_percent=0.5)


def test_unknown_route_lists_valid_ones(base):
    with pytest.raises(sb.InputError, match="valid routes are: sintered"):
        sb.predict(base, route="sinterd")


def test_unknown_route_parameter(base):
    with pytest.raises(sb.InputError, match="does not take 'thickness_mm'"):
        sb.predict(base, route="sintered", thickness_mm=3)


def test_no_2_14_1_rare_earth_for_ndfeb_route():
    with pytest.raises(sb.InputError, match="2:14:1-forming rare earth"):
        sb.predict(sb.Alloy.parse("Sm33.8 Co66.2", basis="mass"), route="sintered")


def test_family_route_needs_its_elements(base):
    with pytest.raises(sb.InputError, match="needs alloys containing Sm, Co"):
        sb.predict(base, route="smco5")


def test_bad_permeance(base):
    with pytest.raises(
        sb.InputError, match=r"permeance \(Pc = −B/μ0H at the working point\) must be > 0"
    ):
        sb.predict(base, permeance=0)


def test_bad_grain_size(base):
    with pytest.raises(sb.InputError, match=r"grain_size_um must be ≥ 0\.001 um"):
        sb.predict(base, grain_size_um=-1)


def test_negative_external_field(base):
    with pytest.raises(sb.InputError, match="external_field_kA_per_m"):
        sb.predict(base, external_field_kA_per_m=-5)


@pytest.mark.parametrize("route", [r for r in ROUTES if r not in ("sintered_gbd",)])
def test_every_route_runs(route, base):
    comps = {
        "smco5": "Sm33.8 Co66.2",
        "sm2co17": "Sm25 Co50 Fe17 Cu6 Zr2",
        "smfen_bonded": "Sm23 Fe73.6 N3.4",
        "ferrite": "Sr8.3 Fe63.1 O28.6",
        "mnbi_bonded": "Mn20.8 Bi79.2",
        "mnal": "Mn70 Al29.5 C0.5",
        "alnico": "Fe51 Co24 Ni14 Al8 Cu3",
    }
    a = sb.Alloy.parse(comps[route], basis="mass") if route in comps else base
    df = sb.predict(a, route=route, temperature_C=[20, 100])
    assert (df["br_T"] > 0).all()
    assert (df["bhmax_kJ_per_m3"] > 0).all()


def test_predict_arrays_shapes(base):
    arr = predict_arrays(base, "sintered", [20.0, 60.0, 100.0])
    assert arr["br_T"].shape == (1, 3)
    assert arr["in_domain"].dtype == bool


def test_per_alloy_route_parameter_arrays():
    b = sb.AlloyBatch.concat([sb.Alloy.parse(BASE, basis="mass")] * 3)
    arr = predict_arrays(b, "sintered", [20.0], grain_size_um=np.array([8.0, 4.0, 2.0]))
    assert np.all(np.diff(arr["hcj_kA_per_m"][:, 0]) > 0)


def test_knee_field_below_hcj(base):
    r = sb.predict(base, temperature_C=[20, 120])
    assert (r["hk_kA_per_m"] < r["hcj_kA_per_m"]).all()
    assert (r["hk_kA_per_m"] > 0.8 * r["hcj_kA_per_m"]).all()  # sintered squareness 0.90-0.95
