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
# # Design review of an EV traction magnet — a reviewer's workflow
#
# A design reviewer has one question before the review meeting: *does the magnet in this design meet its
# requirement and stay under the controlled-content thresholds, as of today?* The answer must carry the
# numbers, the margins, the date the rules were read for, every assumption, and an audit stamp; it must
# gate a CI job by its exit code and be archived as one HTML file.
#
# This notebook reviews the shipped default study (an N42SH-class rotor magnet at 150 °C, Pc 2, in a
# USD 4,200 e-axle), looks at the evidence plot by plot, asks what changes the verdict, and writes the
# report. The same is one command: `substitute review -o review.html --fail-on compliance`.

# %%
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import substitute as sb

pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 90)
AS_OF = "2026-11-25"  # 15 days after No. 61's suspension window ended (2026-11-10)

# %% [markdown]
# ## 1. The verdict

# %%
rv = sb.review(as_of=AS_OF, top=5)
print(rv.headline)
# performance is decided at P(meets) ≥ 0.9 (the study's confidence): `value` is the 10 % quantile of the
# prediction, `value_central` the central prediction, `p_meets` the probability of meeting the limit
rv.performance[
    [
        "check",
        "comparator",
        "limit",
        "value",
        "value_central",
        "p_meets",
        "margin",
        "unit",
        "passes",
    ]
]

# %%
rv.compliance[
    [
        "condition",
        "status",
        "rule_status",
        "treated_as",
        "share",
        "threshold",
        "share_over_threshold",
    ]
]

# %% [markdown]
# The magnet's central Tmax (153 °C) is above 150 °C, but the model is only about 54 % sure of it, so at
# the study's P(meets) ≥ 0.9 it fails its own rating — the wide HcJ interval of the model, stated in the
# validation report, not a measured failure. It also needs a licence under No. 61 limb 1(1): the
# China-origin Dy is worth about ten times the 0.1 % value threshold of the assembly. No. 61's status on this date is
# `status_unknown` (its suspension ended with no later public record); the study treats it as in force,
# which is the conservative reading. The rule rows behind that say when each date was recorded:

# %%
rv.rules[
    [
        "rule_id",
        "limb",
        "status",
        "treated_as",
        "suspended_until",
        "recorded_status",
        "recorded_status_as_of",
    ]
]

# %%
for a in rv.assumptions:
    print("-", a)

# %% [markdown]
# ## 2. What changes the verdict
# The verdict depends on the date and on how an unknown status is read. During the suspension window, or
# reading `status_unknown` as still suspended, the same magnet passes: a review must say which reading it
# used.

# %%
rows = []
for as_of, assume in [("2026-06-01", "in_force"), (AS_OF, "in_force"), (AS_OF, "suspended")]:
    r = sb.review(as_of=as_of, assume=assume, top=1)
    c = r.compliance.set_index("rule").loc["CN-MOFCOM-2025-61"]
    rows.append(
        {
            "as_of": as_of,
            "assume": assume,
            "No. 61 raw status": c["rule_status"],
            "status": c["status"],
            "compliance_ok": r.compliance_ok,
        }
    )
pd.DataFrame(rows)

# %% [markdown]
# ## 3. The substitutes beside the baseline
#
# `br_T_q`, `hcj_kA_per_m_q` and `tmax_C_q` are the values at the quantile the requirements test (the
# 10 % quantile here): they decide `qualifies`, as in the performance table. `br_T`, `hcj_kA_per_m` and
# `tmax_C` are the central predictions.

# %%
rv.substitutes[
    [
        "label",
        "changes",
        "br_T_q",
        "hcj_kA_per_m_q",
        "tmax_C_q",
        "tmax_C",
        "cost_usd_per_part",
        "controlled_value_share",
    ]
]

# %%
rv.strategies[
    ["strategy", "qualifies", "n_qualifying", "hcj_kA_per_m_q", "tmax_C_q", "cost_vs_baseline"]
]

# %% [markdown]
# ## 4. The evidence, plot by plot (`sb.plot`)

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
sb.plot.pareto(rv.result, ax=axes[0])
sb.plot.br_hcj_map(rv.result, ax=axes[1])
fig.tight_layout()

# %%
req = rv.study.requirements
ax = sb.plot.demag(
    rv.magnets[:3],
    temperatures_C=(20.0, req.temperature_C),
    permeance=req.permeance,
    labels=[m["label"] for m in rv.magnets[:3]],
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
sb.plot.content(rv.content, ax=axes[0])
sb.plot.cost_breakdown(rv.cost, ax=axes[1])
fig.tight_layout()

# %% [markdown]
# ## 5. Archive: the HTML report and the JSON for scripts
# The report is one file with inline CSS and SVG: it opens in any browser with no network. The JSON holds
# the same content; the audit stamp names the package version, the catalog version and hash, the price
# vector and its date, and carries the study file itself with its SHA-256.

# %%
from substitute.report.html import write_html

write_html(rv, "review.html")
Path("review.json").write_text(rv.to_json(), encoding="utf-8")
d = json.loads(Path("review.json").read_text(encoding="utf-8"))
print(Path("review.html").stat().st_size // 1024, "KiB of HTML;", len(d["content"]), "content rows")
{
    k: d["audit"][k]
    for k in ("substitute_version", "catalog_version", "price_vector", "study_sha256")
}

# %% [markdown]
# ## 6. Gating a CI job
# `rv.failed([...])` is what `--fail-on` uses for the exit code: here both checks fail at P(meets) ≥ 0.9;
# decided on central predictions (`confidence=0.5`), only compliance fails.

# %%
(
    rv.failed(["compliance"]),
    rv.failed(["performance"]),
    sb.review(as_of=AS_OF, top=1, confidence=0.5).failed(["performance"]),
)
