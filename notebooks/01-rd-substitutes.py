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
# # Lower-Dy substitutes for an EV traction magnet — an R&D engineer's workflow
#
# The magnet: an N42SH-class sintered NdFeB rotor magnet with 3 wt% bulk Dy, working at 150 °C at a
# permeance coefficient of 2. The questions: what does it do at temperature, does it need a licence today,
# and which lower-Dy/Tb recipe keeps the performance, stays under the thresholds and costs least?
#
# Open `notebooks/01-rd-substitutes.ipynb` in `.venv/bin/jupyter lab` (after `make demo`); it is paired
# with this `.py` file by jupytext, so an edit to either updates both. The test suite runs it top to bottom.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import substitute as sb
from substitute.ranking import DesignSpace, Requirements, rank_substitutes

pd.set_option("display.width", 160)
AS_OF = "2026-11-25"

# %% [markdown]
# ## 1. The baseline and its composition (basis explicit: wt%)

# %%
baseline = sb.Alloy.parse(
    "Nd 21.75, Pr 7.25, Dy 3.0, Co 1.0, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal",
    basis="mass",
    name="N42SH-class baseline",
)
pd.DataFrame({"wt%": baseline.mass_percent, "at%": baseline.atomic_percent}).round(3)

# %% [markdown]
# ## 2. Predicted properties against temperature
#
# One row per temperature; `_lo`/`_hi` are the prediction interval. Note how HcJ falls much faster than Br
# (β ≈ −0.5 %/K vs α ≈ −0.12 %/K): coercivity is what limits the working temperature.

# %%
temps = np.arange(20, 201, 10)
curve = sb.predict(
    baseline, route="sintered", temperature_C=temps, permeance=2.0, grain_size_um=5.0
)
curve[
    [
        "temperature_C",
        "br_T",
        "hcj_kA_per_m",
        "hcj_kA_per_m_lo",
        "hcj_kA_per_m_hi",
        "bhmax_kJ_per_m3",
        "tmax_C",
    ]
].round(3)

# %%
fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
ax[0].plot(curve["temperature_C"], curve["br_T"])
ax[0].set(xlabel="temperature (°C)", ylabel="Br (T)", title="Remanence")
ax[1].plot(curve["temperature_C"], curve["hcj_kA_per_m"], label="central")
ax[1].fill_between(
    curve["temperature_C"],
    curve["hcj_kA_per_m_lo"],
    curve["hcj_kA_per_m_hi"],
    alpha=0.3,
    label="interval",
)
ax[1].set(xlabel="temperature (°C)", ylabel="HcJ (kA/m)", title="Intrinsic coercivity")
ax[1].legend()
fig.tight_layout()

# %% [markdown]
# ## 3. Does the baseline need a licence today?
#
# 1.6 kg of this magnet, made outside China with China-origin Dy, in a USD 4,200 e-axle. MOFCOM No. 61's
# value-share test (0.1 %) is `status_unknown` after the suspension ended on 2026-11-10; we treat it as in
# force (conservative, and printed in every row).

# %%
part = sb.Part(
    "rotor magnets",
    baseline,
    mass_kg=1.6,
    origin={"Dy": "CN"},
    made_in="non-CN",
    technology_origin="non-CN",
)
axle = sb.Assembly("e-axle", parts=[part], value_usd=4200, made_in="non-CN")
verdict = sb.assess(axle, as_of=AS_OF, prices="ex_china_2025")
verdict[verdict["status"] != "not_controlled"][
    ["level", "rule_id", "status", "value_share", "threshold", "share_over_threshold", "reason"]
]

# %% [markdown]
# ## 4. Rank substitutes
#
# Requirements at 150 °C: no irreversible loss at Pc 2 and Br ≥ 1.05 T; no licence under No. 61 (assembly
# value share) or No. 18 (if made in China). The design space varies bulk Dy/Tb, Tb or Dy by grain-boundary
# diffusion, Ce substitution, Co, grain size, route and the origin of the heavy rare earths.

# %%
# decided at P(meets) ≥ 0.9 under the model's predictive distribution (confidence=0.5: central values)
req = Requirements(temperature_C=150, min_br_T=1.05, as_of=AS_OF, confidence=0.9)
space = DesignSpace(
    {
        "dy_mass_percent": [0.0, 0.75, 1.5, 3.0],
        "gbd_tb_mass_percent": [0.0, 0.3, 0.5, 0.8],
        "gbd_dy_mass_percent": [0.0, 0.5],
        "ce_share_of_lre": [0.0, 0.2],
        "co_mass_percent": [1.0, 2.0],
        "grain_size_um": [1.5, 3.0, 5.0],
        "route": ["sintered", "hot_deformed"],
        "dy_origin": ["CN", "non-CN"],
        "tb_origin": ["CN", "non-CN"],
    },
    families=("sm2co17", "ferrite"),
)
result = rank_substitutes(baseline, req, space=space, progress=False)
print(*result.messages, sep="\n")
result.eliminated

# %% [markdown]
# `hcj_kA_per_m_q`, `br_T_q` and `tmax_C_q` are the 10 % quantiles of the prediction, the values the
# requirements are tested on (P(meets) ≥ 0.9); the columns without `_q` are the central predictions.

# %%
cols = [
    "order",
    "pareto_rank",
    "route",
    "hcj_kA_per_m_q",
    "br_T_q",
    "tmax_C_q",
    "cost_usd_per_part",
    "controlled_value_share",
    "changed_levers",
]
result.qualifying[cols].head(10).round(3)

# %% [markdown]
# ## 5. The Pareto picture: cost against HcJ at 150 °C
#
# Grey: every evaluated candidate; coloured: candidates meeting every requirement and threshold, by front.
# HcJ is the 10 % quantile, the value the ranking decides on.

# %%
t = result.table
q = t[t["qualifies"]]
fig, ax = plt.subplots(figsize=(7, 4))
ax.scatter(t["hcj_kA_per_m_q"], t["cost_usd_per_part"], s=4, c="0.8", label="all candidates")
sc = ax.scatter(
    q["hcj_kA_per_m_q"],
    q["cost_usd_per_part"],
    s=8,
    c=q["pareto_rank"].clip(upper=5),
    cmap="viridis_r",
)
ax.axhline(float(result.baseline["cost_usd_per_part"]), ls="--", c="k", lw=1, label="baseline cost")
ax.set(
    xlabel="HcJ at 150 °C (kA/m, 10 % quantile)",
    ylabel="raw-material cost (USD per part)",
    ylim=(0, None),
)
fig.colorbar(sc, label="Pareto front (5 = 5 or more)")
ax.legend(loc="upper left")
fig.tight_layout()

# %% [markdown]
# ## 6. Narrowing the space: China-origin feedstock only
#
# A buyer who cannot qualify a non-China Dy or Tb source yet: keep the origins at CN. Now only recipes
# whose China-origin Dy/Tb value stays under 0.1 % of the e-axle (≈ 4 USD) can qualify.

# %%
cn_only = rank_substitutes(
    baseline, req, space=space.narrow(dy_origin=["CN"], tb_origin=["CN"]), progress=False
)
print(*cn_only.messages, sep="\n")
cn_only.table[cols].head(5).round(3)

# %% [markdown]
# ## 7. One substitute in detail
#
# The best-ranked qualifying candidate: its whole-temperature behaviour beside the baseline's, and its
# explanation.

# %%
best = result.qualifying.iloc[0]
print(best["explanation"])
chosen = result.candidate(
    0
)  # the magnet of row 0: alloy (after diffusion), route and its parameters
chosen["route"], chosen["route_params"], chosen["origin"]

# %%
magnet = chosen["alloy"]
sub_curve = sb.predict(
    magnet, route=chosen["route"], temperature_C=temps, permeance=2.0, **chosen["route_params"]
)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(curve["temperature_C"], curve["hcj_kA_per_m"], label="baseline (3 wt% bulk Dy)")
ax.plot(sub_curve["temperature_C"], sub_curve["hcj_kA_per_m"], label="best substitute")
ax.axvline(150, ls=":", c="k")
ax.set(xlabel="temperature (°C)", ylabel="HcJ (kA/m)")
ax.legend()
fig.tight_layout()
pd.DataFrame({"baseline wt%": baseline.mass_percent, "substitute wt%": magnet.mass_percent}).fillna(
    0
).round(3)

# %% [markdown]
# The licence verdict of the substitute in the same e-axle, from the compliance engine directly:

# %%
sub_part = sb.Part(
    "rotor magnets",
    magnet,
    mass_kg=1.6,
    origin=chosen["origin"] or "unknown",
    made_in="non-CN",
    technology_origin="non-CN",
)
sub_axle = sb.Assembly("e-axle", parts=[sub_part], value_usd=4200, made_in="non-CN")
v = sb.assess(sub_axle, as_of=AS_OF, prices="ex_china_2025")
v[v["rule_id"] == "CN-MOFCOM-2025-61"][["level", "status", "value_share", "threshold", "reason"]]
