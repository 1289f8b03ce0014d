# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Procurement what-if: Tb/Dy price shocks, rules coming back, a non-China Dy source
#
# A procurement analyst buys three e-axle magnet designs and asks: *if Tb doubles or quadruples, if Dy
# doubles, if the October 2025 rules come back on 2026-12-01, if half our Dy comes from a non-China
# refiner — which designs cross the licence line, what does each cost per year, and how sure are we?*
#
# The study is `notebooks/fleet-whatif.toml` (run it from a shell with
# `substitute whatif notebooks/fleet-whatif.toml -o results.parquet`). Volumes and price volatilities in it
# are the analyst's assumptions; prices and rules come from the package's data.

# %%
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Image

import substitute as sb
from substitute.whatif import (
    crossing_prices,
    fleet_rollup,
    load_whatif_study,
    run_whatif_study,
    sensitivity,
)

pd.set_option("display.width", 180)
pd.set_option("display.max_colwidth", 60)
STUDY = Path(sb.__file__).resolve().parents[1] / "notebooks" / "fleet-whatif.toml"
study = load_whatif_study(STUDY)
print(study.name)
print(
    f"{len(study.designs)} designs × {len(study.scenarios)} scenarios × {study.options['draws']} draws"
)

# %% [markdown]
# ## 1. The fleet
#
# Three designs: the default study's baseline (3 wt% bulk Dy from China), a Tb grain-boundary-diffused
# substitute (no bulk Dy, 0.8 wt% Tb from China) and a Ce-substituted, heavy-rare-earth-free hot-deformed
# magnet. Compositions are wt% of the whole magnet (the diffused Tb included).

# %%
pd.DataFrame([d.describe() for d in study.designs]).drop(columns=["origin"])

# %% [markdown]
# ## 2. Every design under every scenario
#
# 24 scenarios: Tb ×1/×2/×4 × Dy ×1/×2 × rules (2026-11-22 with the No. 61 suspension assumed to continue
# / 2026-12-01 with the October 2025 rules back, a hypothetical overlay) × Dy source (China / half from a
# non-China refiner). Each cell also gets 2000 log-normal price draws (seeded).

# %%
df = run_whatif_study(study)  # a progress bar while the rankings run
audit = df.attrs["audit"]
print(
    f"{audit['evaluations']:,} evaluations in {audit['timings_s']['total']:.1f} s; "
    f"{audit['rankings_run']} rankings for the cheapest substitute; seed {audit['seed']}"
)
cols = [
    "design",
    "scenario",
    "cost_usd_per_unit",
    "cost_usd_per_year",
    "value_share",
    "licence_required",
    "licence_exposure_units_per_year",
    "performance_verdict",
]
df[cols].head(8)

# %% [markdown]
# Annual cost (million USD, central prices) by design and price shock, for the Chinese Dy source:

# %%
china = df[df["axis_dy_source"] == "Dy from China"]
pivot = china.pivot_table(
    index="design",
    columns=["axis_tb_price", "axis_dy_price"],
    values="cost_usd_per_year",
    aggfunc="first",
    observed=True,
)
(pivot / 1e6).round(2)

# %% [markdown]
# Who needs a licence, and for how many units a year? The rules axis decides it: every design holding
# China-origin Dy or Tb is over the 0.1 % value share by one to two orders of magnitude, so once No. 61 is
# in force it needs a licence whatever the prices — halving the Chinese Dy does not change that.

# %%
lic = df.pivot_table(
    index="design",
    columns=["axis_rules", "axis_dy_source"],
    values="licence_exposure_units_per_year",
    aggfunc="max",
    observed=True,
)
lic

# %% [markdown]
# ## 3. Fleet roll-up
#
# Per scenario, the sum over designs. The percentiles come from the per-draw fleet total (all designs see
# the same market draw), not from adding the designs' percentiles.

# %%
fleet = fleet_rollup(df)
fleet[
    [
        "scenario",
        "designs_needing_licence",
        "licence_exposure_units_per_year",
        "cost_usd_per_year",
        "cost_usd_per_year_p05",
        "cost_usd_per_year_p95",
    ]
].round(0)

# %% [markdown]
# ## 4. How sure are we? The Monte Carlo
#
# Prices are log-normal around each scenario price (median = the scenario price) with σ of ln(price) of
# 0.35 for Tb, 0.30 for Dy and 0.20 for Nd and Pr — assumptions of this example. The table gives the 5–95 %
# range of the cost per unit and the probability that the value share reaches the threshold.

# %%
mc_cols = [
    "design",
    "cost_usd_per_unit_p05",
    "cost_usd_per_unit_p50",
    "cost_usd_per_unit_p95",
    "value_share_p05",
    "value_share_p95",
    "p_value_share_ge_threshold",
    "p_licence_required",
]
back = df[df["axis_rules"].str.startswith("2026-12-01") & (df["axis_dy_source"] == "Dy from China")]
back[back["axis_tb_price"].isin(["Tb ×1", "Tb ×4"]) & (back["axis_dy_price"] == "Dy ×1")][
    ["axis_tb_price", *mc_cols]
].round(4)

# %% [markdown]
# ## 5. What flips the verdict? Crossing prices
#
# One input at a time, the value at which each design's No. 61 verdict flips, computed analytically (the
# share is linear in each price) and checked by bisection on the engine. A crossing price far below
# today's price means no plausible price move frees the design from the licence: only the origin can.

# %%
base = next(
    s
    for s in study.scenarios
    if s.name.startswith("Tb ×1 | Dy ×1 | 2026-12-01") and "China" in s.name
)
cp = crossing_prices(study.designs, base, study=None)
cp[
    [
        "design",
        "element",
        "price_usd_per_kg",
        "crossing_price_usd_per_kg",
        "price_ratio",
        "verdict_now",
        "crossing_price_bisection_usd_per_kg",
        "bisection_rel_diff",
    ]
]

# %%
sens = sensitivity(study.designs, base, study=None)
sens[sens["kind"] != "price"][
    [
        "design",
        "input",
        "current_value",
        "crossing_value",
        "direction",
        "verdict_now",
        "verdict_beyond",
    ]
]

# %% [markdown]
# The cheapest compliant substitute the ranking finds under each price and rule setting (central prices):

# %%
df.drop_duplicates(["axis_tb_price", "axis_dy_price", "axis_rules"])[
    [
        "axis_tb_price",
        "axis_dy_price",
        "axis_rules",
        "cheapest_substitute",
        "cheapest_substitute_cost_usd_per_unit",
    ]
].head(6)

# %% [markdown]
# ## 6. Pictures
#
# `sb.plot` draws the what-if results (the same charts are in the review report given `--whatif`):
# the cost of each design over the scenarios, coloured by licence verdict; the price move that would flip
# each verdict; the fleet's licence exposure and annual cost per scenario.


# %%
def show(ax):
    """The figure as a PNG shown inline, written nowhere."""
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(ax.figure)
    return Image(buf.getvalue())


show(sb.plot.whatif_costs(df))

# %%
show(sb.plot.crossing_prices(cp))

# %%
show(sb.plot.fleet_exposure(fleet))

# %% [markdown]
# The value share of each design against the Tb price multiplier (Dy ×1, Chinese Dy, rules back), with
# the 0.1 % threshold:

# %%
fig, ax2 = plt.subplots(figsize=(6, 3.5))
x = np.array([1, 2, 4])
for name, g in back[back["axis_dy_price"] == "Dy ×1"].groupby("design", observed=True):
    ax2.plot(x, g["value_share"] * 100, "o-", label=str(name).split(":")[0])
ax2.axhline(0.1, color="k", ls="--", lw=1, label="No. 61 threshold 0.1 %")
ax2.set_yscale("symlog", linthresh=0.01)
ax2.set_ylim(0, 10)
ax2.set_xlabel("Tb price multiplier")
ax2.set_ylabel("value share of the e-axle, %")
ax2.legend(fontsize=7)
show(ax2)

# %% [markdown]
# ## 7. Larger sweeps
#
# The same call runs on Dask with identical numbers: `run_whatif_study(study, backend="dask")` starts a
# two-worker local cluster; `scheduler="tcp://host:8786"` uses a running cluster (see `docs/scale.md`).
# Every table above carries its audit stamp:

# %%
{
    k: audit[k]
    for k in (
        "substitute_version",
        "catalog_version",
        "price_vectors",
        "as_of",
        "assume",
        "seed",
        "backend",
        "quantiles",
    )
}
