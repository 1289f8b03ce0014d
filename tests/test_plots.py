"""Plots of the design review: what is drawn matches the inputs (front, thresholds, grade boxes, totals)."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from substitute.composition import Alloy
from substitute.errors import InputError
from substitute.properties.grades import grade
from substitute.properties.magnet import demag_curve
from substitute.ranking.study import load_study, run_study
from substitute.report import plots
from substitute.report import plots as sbplot

MU0 = 4e-7 * np.pi  # T·m/A
NDFEB = "Nd22.5 Pr6.5 Dy2 Co1 Cu0.15 Ga0.2 B0.95 Fe bal"  # mass %


@pytest.fixture(scope="module")
def res():
    return run_study(load_study(None, as_of="2026-11-25"))


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _by_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_pareto_front_line_is_the_first_front_in_percent(res):
    ax = sbplot.pareto(res)
    (line,) = _by_gid(ax, "pareto_front")
    t = res.table
    f1 = (t["pareto_rank"] == 1) & t["qualifies"]
    front = t[f1].sort_values("cost_usd_per_part", kind="stable")
    assert len(front) > 10
    np.testing.assert_allclose(line.get_xdata(), front["cost_usd_per_part"], rtol=1e-12)
    np.testing.assert_allclose(line.get_ydata(), front["controlled_value_share"] * 100, atol=1e-12)
    assert ax.get_ylabel() == "controlled value share of the assembly (%)"
    assert ax.get_yscale() == "linear"  # positive shares span 0.17–4 %, under two decades


def test_pareto_draws_the_no61_threshold_at_0p1_percent(res):
    ax = sbplot.pareto(res)
    (thr,) = _by_gid(ax, "threshold")
    # MOFCOM announcement 2025 No. 61 §1(1): Part I items ≥ 0.1 % of the foreign-made item's value
    np.testing.assert_allclose(thr.get_ydata(), [0.1, 0.1], rtol=1e-12)
    assert thr.get_label() == "No. 61 threshold 0.1 %"
    assert (thr.get_color(), thr.get_linestyle()) == ("red", "--")


def test_pareto_baseline_star_and_missing_column(res):
    ax = sbplot.pareto(res)
    star = [c for c in ax.collections if c.get_label() == "baseline"]
    x0, y0 = star[0].get_offsets()[0]
    assert x0 == pytest.approx(res.baseline["cost_usd_per_part"], rel=1e-12)
    assert y0 == pytest.approx(res.baseline["controlled_value_share"] * 100, rel=1e-12)
    with pytest.raises(InputError, match=r"no column 'nope'.*required columns"):
        sbplot.pareto(res, x="nope")
    with pytest.raises(InputError, match="must be a RankResult"):
        sbplot.pareto(res.table)


def _synthetic(n, n_front):
    """Rows 1000 … 1000 + n_front are the first front; a fifth of the shares are 0, the rest 1e-5–0.1."""
    rng, i = np.random.default_rng(1), np.arange(n)
    share = np.where(rng.uniform(size=n) < 0.2, 0.0, 10 ** rng.uniform(-5, -1, n))
    return pd.DataFrame(
        {"order": i + 1, "pareto_rank": np.where((i >= 1000) & (i < 1000 + n_front), 1, 2),
         "qualifies": i < n // 4, "cost_usd_per_part": rng.uniform(40, 200, n),
         "controlled_value_share": share, "hcj_margin_kA_per_m": rng.normal(300, 400, n)}
    )  # fmt: skip


def test_subsampling_keeps_every_front_point_and_the_top_50(res):
    t = _synthetic(60_000, 700)
    big = dataclasses.replace(res, table=t)
    ax = sbplot.pareto(big, max_points=2_000)
    (line,) = _by_gid(ax, "pareto_front")
    assert len(line.get_xdata()) == 700
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections[:2]])
    assert 1_900 <= len(xs) <= 2_000
    kept = np.r_[0:50, 1000:1700]  # top 50 by order, every front-1 row
    assert np.isin(t["cost_usd_per_part"].to_numpy()[kept], xs).all()
    with pytest.raises(InputError, match="max_points must be a positive integer"):
        sbplot.pareto(big, max_points=0)


def test_pareto_log_axis_clips_zeros_to_a_stated_floor(res):
    t = _synthetic(5_000, 50)
    ax = sbplot.pareto(dataclasses.replace(res, table=t))
    assert ax.get_yscale() == "log"
    floor = t.loc[t["controlled_value_share"] > 0, "controlled_value_share"].min() * 100 / 2
    assert any(f"zeros drawn at {floor:.2g} %" in x.get_text() for x in ax.texts)
    (line,) = _by_gid(ax, "pareto_front")
    assert line.get_ydata().min() >= floor * (1 - 1e-12)


def test_br_hcj_map_grade_box_carried_to_150C(res):
    ax = sbplot.br_hcj_map(res)
    (box,) = _by_gid(ax, "grade:N42SH")
    g = grade("N42SH")
    dt = 150.0 - 20.0
    h0 = g["hcj_min_kA_per_m"] * (1 + g["beta_hcj_typical_pct_per_K"] * dt / 100)
    b0 = g["br_min_T"] * (1 + g["alpha_br_typical_pct_per_K"] * dt / 100)
    b1 = g["br_max_T"] * (1 + g["alpha_br_typical_pct_per_K"] * dt / 100)
    np.testing.assert_allclose(box.get_xy(), (h0, b0), rtol=1e-12)
    assert box.get_x() + box.get_width() == pytest.approx(ax.get_xlim()[1], rel=1e-12)
    assert box.get_y() + box.get_height() == pytest.approx(b1, rel=1e-12)
    assert len([p for p in ax.patches if str(p.get_gid()).startswith("grade:")]) == 6
    req_lines = [ln for ln in ax.lines if ln.get_label().startswith("min Br")]
    np.testing.assert_allclose(req_lines[0].get_ydata(), [1.05, 1.05], rtol=1e-12)


def test_br_hcj_map_draws_the_values_that_decide(res):
    # points were central values while qualification is on the 10 % quantile: a qualifying point and a
    # failing one could sit on the same side of the min Br line; at the quantile none qualifies below it
    ax = sbplot.br_hcj_map(res)
    assert ax.get_ylabel() == "Br at 150 °C (T, 10% quantile)"
    assert ax.get_xlabel() == "HcJ at 150 °C (kA/m, 10% quantile)"
    qual = [c for c in ax.collections if str(c.get_label()).startswith("qualifies")]
    assert qual
    for c in qual:
        assert c.get_offsets()[:, 1].min() >= 1.05
    np.testing.assert_allclose(
        np.sort(np.concatenate([c.get_offsets()[:, 1] for c in qual])),
        np.sort(res.table.loc[res.table["qualifies"], "br_T_q"].to_numpy()),
    )


def test_br_hcj_map_unknown_grade_raises(res):
    with pytest.raises(InputError, match="cannot read grade name 'X42'"):
        sbplot.br_hcj_map(res, grades=("N42SH", "X42"))
    with pytest.raises(InputError, match="requirements is None"):
        sbplot.br_hcj_map(dataclasses.replace(res, requirements=None))


def test_demag_working_points_lie_on_curve_and_load_line(res):
    mags = [res.candidate(0), res.baseline_alloy]
    ax = sbplot.demag(mags, temperatures_C=(20.0, 150.0), permeance=2.0, labels=["#1", "base"])
    wps = _by_gid(ax, "working_point")
    assert len(wps) == 4
    assert len(_by_gid(ax, "load_line")) == 1
    specs = [
        (mags[0]["alloy"], mags[0]["route"], mags[0]["route_params"]),
        (mags[1], "sintered", {}),
    ]
    cases = [(*m, t) for m in specs for t in (20.0, 150.0)]
    for wp, (alloy, route, params, t) in zip(wps, cases, strict=True):
        h, b = wp.get_xdata()[0], wp.get_ydata()[0]
        assert b == pytest.approx(-2.0 * MU0 * h * 1e3, abs=1e-3)  # load line B = −Pc μ0 H
        curve = demag_curve(alloy, route, t, **params).sort_values("h_kA_per_m")
        assert b == pytest.approx(np.interp(h, curve["h_kA_per_m"], curve["b_T"]), abs=1e-3)
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["#1 @ 20 °C", "#1 @ 150 °C"]


def test_demag_without_permeance_has_no_load_line_and_axes_limits(res):
    ax = sbplot.demag(NDFEB, temperatures_C=(20.0,))
    assert _by_gid(ax, "load_line") == _by_gid(ax, "working_point") == []
    curve = demag_curve(Alloy.parse(NDFEB, basis="mass"), "sintered", 20.0)
    assert ax.get_xlim() == pytest.approx((curve["h_kA_per_m"].min(), 0.0), rel=1e-12)
    assert ax.get_ylim() == pytest.approx((0.0, curve["j_T"].max() * 1.05), rel=1e-12)
    with pytest.raises(InputError, match="labels has 2 entries for 1 magnets"):
        sbplot.demag(res.baseline_alloy, labels=["a", "b"])
    with pytest.raises(InputError, match="permeance must be a positive number"):
        sbplot.demag(res.baseline_alloy, permeance=-1.0)
    with pytest.raises(InputError, match="needs the key 'alloy'"):
        sbplot.demag({"route": "sintered"})


COND61 = "CN-MOFCOM-2025-61 1(1) @ assembly (value share)"
COND18 = "CN-MOFCOM-GAC-2025-18 @ magnet (any content)"


def _content_frame():
    return pd.DataFrame(
        {"magnet": ["baseline", "#1"] * 3, "element": ["Dy", "Dy", "Tb", "Tb", "Dy", "Dy"],
         "condition": [COND61] * 4 + [COND18] * 2, "share": [0.0105, 0.0, 0.002, 0.0004, 0.02, 0.005],
         "threshold": [0.001] * 4 + [np.nan] * 2}
    )  # fmt: skip


def test_content_bars_thresholds_and_zero_label():
    ax = sbplot.content(_content_frame())
    base = next(c for c in ax.containers if c.get_label() == "baseline")
    np.testing.assert_allclose([p.get_width() for p in base.patches], [1.05, 0.2, 2.0], rtol=1e-12)
    (thr,) = _by_gid(ax, "threshold")
    np.testing.assert_allclose(thr.get_segments()[0][:, 0], [0.1, 0.1], rtol=1e-12)
    assert len(_by_gid(ax, "zero")) == 1
    texts = [t.get_text() for t in ax.texts]
    assert "  0" in texts
    assert f"{COND61} — threshold 0.1 %" in texts
    assert f"{COND18} — any deliberate content counts" in texts
    assert ax.get_xscale() == "linear"  # 0.04–2 % spans under two decades


def test_content_log_axis_over_two_decades():
    f = _content_frame().assign(share=[0.0105, 0.0, 2e-6, 0.0004, 0.02, 0.005])
    ax = sbplot.content(f)
    assert ax.get_xscale() == "log"
    base = next(c for c in ax.containers if c.get_label() == "baseline")
    ends = [p.get_x() + p.get_width() for p in base.patches]
    np.testing.assert_allclose(ends, [1.05, 2e-4, 2.0], rtol=1e-9)


@pytest.mark.parametrize("func", [sbplot.content, sbplot.cost_breakdown])
def test_missing_column_names_it_and_lists_required(func):
    f = pd.DataFrame({"magnet": ["a"], "element": ["Dy"], "share": [0.1], "threshold": [0.001]})
    with pytest.raises(
        InputError,
        match=r"no column '(condition|cost_usd_per_part)'.*required columns: magnet, element",
    ):
        func(f)


def test_content_rejects_negative_share():
    with pytest.raises(InputError, match="'share' must hold finite fractions"):
        sbplot.content(_content_frame().assign(share=-0.1))


def test_cost_breakdown_totals_and_other_group():
    f = pd.DataFrame(
        {"magnet": ["baseline"] * 5 + ["#1"] * 5, "element": ["Nd", "Pr", "Dy", "Fe", "B"] * 2,
         "cost_usd_per_part": [40.0, 12.0, 25.0, 1.5, 0.3, 41.0, 12.0, 3.0, 1.0, 0.2]}
    )  # fmt: skip
    ax = sbplot.cost_breakdown(f)
    totals = f.groupby("magnet", sort=False)["cost_usd_per_part"].sum()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["baseline", "#1"]
    for i, (m, total) in enumerate(totals.items()):
        bars = [p for p in ax.patches if abs(p.get_y() + p.get_height() / 2 - i) < 1e-9]
        assert sum(p.get_width() for p in bars) == pytest.approx(total, rel=1e-12)
        (label,) = [t for t in ax.texts if t.get_gid() == f"total:{m}"]
        assert f"{total:,.2f} USD" in label.get_text()
    other = next(c for c in ax.containers if c.get_label() == "other")  # Fe + B < 2 % of both
    np.testing.assert_allclose([p.get_width() for p in other.patches], [1.8, 1.2], rtol=1e-12)
    with pytest.raises(InputError, match="finite USD values"):
        sbplot.cost_breakdown(f.assign(cost_usd_per_part=np.nan))


def test_to_svg_is_inline_svg_and_closes_pyplot_figure():
    assert sbplot.__all__ == plots.__all__  # sb.plot re-exports the plot module
    ax = sbplot.cost_breakdown(
        pd.DataFrame({"magnet": ["a"], "element": ["Nd"], "cost_usd_per_part": [1]})
    )
    num = ax.figure.number
    svg = sbplot.to_svg(ax)
    assert svg.startswith("<svg")
    assert "<?xml" not in svg[:500]
    assert not plt.fignum_exists(num)
    with pytest.raises(InputError, match="needs a matplotlib Axes or Figure"):
        sbplot.to_svg("not a figure")


# ------------------------------------------------------------------------------- what-if charts (issue 15)
@pytest.fixture(scope="module")
def whatif_run():
    from pathlib import Path

    from substitute.whatif import load_whatif_study, run_whatif_study

    study = load_whatif_study(
        Path(__file__).resolve().parents[1] / "notebooks" / "fleet-whatif.toml"
    )
    return study, run_whatif_study(study, draws=200, substitutes=False, progress=False)


def test_whatif_costs_colours_each_scenario_by_verdict(whatif_run):
    _, df = whatif_run
    ax = plots.whatif_costs(df)
    gids = [c.get_gid() for c in ax.collections if c.get_gid()]
    lic = [g for g in gids if g.endswith(":licence required")]
    free = [g for g in gids if g.endswith(":no licence needed")]
    n_lic = sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() in lic)
    assert n_lic == int(df["licence_required"].sum())
    assert n_lic + sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() in free) == len(
        df
    )
    assert sum(1 for line in ax.lines if str(line.get_gid()).startswith("band:")) == 3
    plt.close(ax.figure)


def test_crossing_prices_and_fleet_exposure(whatif_run):
    from substitute.whatif import crossing_prices, fleet_rollup

    study, df = whatif_run
    cp = crossing_prices(study.designs, study.scenarios[2], study=None)
    ax = plots.crossing_prices(cp)
    bars = [p for p in ax.patches if str(p.get_gid()).startswith("ratio:")]
    ratios = cp["price_ratio"].dropna()
    assert len(bars) == len(ratios[ratios > 0])
    for bar, r in zip(bars, ratios, strict=True):  # each bar spans today's price (1) to the ratio
        assert bar.get_x() == pytest.approx(min(r, 1.0))
        assert bar.get_width() == pytest.approx(abs(r - 1.0))
    plt.close(ax.figure)
    fleet = fleet_rollup(df)
    ax = plots.fleet_exposure(fleet)
    heights = [p.get_width() for p in ax.patches if p.get_gid() == "exposure"]
    assert heights == pytest.approx(fleet["licence_exposure_units_per_year"].tolist())
    plt.close(ax.figure)
    with pytest.raises(InputError, match="fleet frame has no column 'scenario'"):
        plots.fleet_exposure(fleet.drop(columns="scenario"))
