"""Procurement what-if studies: price, rule, origin and volume scenarios, Monte Carlo, fleet roll-ups.

``sb.whatif(designs, scenarios, draws=..., seed=..., backend="local"|"dask")`` evaluates every design
under every scenario (and price draw) in vectorised blocks, locally or on a Dask cluster with identical
results. See ``docs/guides/procurement.md`` and ``docs/scale.md``.
"""

from __future__ import annotations

from substitute.whatif.core import fleet_rollup, summary_pivot, whatif
from substitute.whatif.designs import Design, designs_from_ranking
from substitute.whatif.scenarios import Scenario, scenario_grid
from substitute.whatif.sensitivity import crossing_prices, sensitivity
from substitute.whatif.study import WhatifStudy, load_whatif_study, run_whatif_study
from substitute.whatif.supply import fleet_supply, non_china_supply

__all__ = [
    "Design",
    "Scenario",
    "WhatifStudy",
    "crossing_prices",
    "designs_from_ranking",
    "fleet_rollup",
    "fleet_supply",
    "load_whatif_study",
    "non_china_supply",
    "run_whatif_study",
    "scenario_grid",
    "sensitivity",
    "summary_pivot",
    "whatif",
]
