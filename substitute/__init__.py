"""substitute — composition, compliance and property models for NdFeB and heavy-rare-earth magnets.

Import as ``import substitute as sb``. Importing reads no file: data are loaded on first use.
"""

from __future__ import annotations

__version__ = "0.1.0"

from substitute.compliance import (
    Assembly,
    Part,
    assess,
    controlled_content,
    crossing_price,
    headroom,
    licence_flags,
    load_bom,
    load_catalog,
    value_share_batch,
)
from substitute.composition import Alloy, AlloyBatch, as_batch
from substitute.errors import (
    CompositionError,
    DataError,
    InputError,
    ModelDomainError,
    PriceError,
    RuleSetError,
    SubstituteError,
    UnitError,
    UnknownElementError,
    UnknownRuleError,
)
from substitute.grades import classify, grade
from substitute.prices import alloy_cost, alloy_cost_per_kg, price_vector
from substitute.properties import intrinsic, predict
from substitute.ranking import (
    ComplianceCondition,
    DesignSpace,
    Requirements,
    Review,
    load_study,
    rank_substitutes,
    review,
    run_study,
)
from substitute.whatif import (
    Design,
    Scenario,
    crossing_prices,
    designs_from_ranking,
    fleet_rollup,
    scenario_grid,
    sensitivity,
    whatif,
)

__all__ = [
    "Alloy",
    "AlloyBatch",
    "Assembly",
    "ComplianceCondition",
    "CompositionError",
    "DataError",
    "Design",
    "DesignSpace",
    "InputError",
    "ModelDomainError",
    "Part",
    "PriceError",
    "Requirements",
    "Review",
    "RuleSetError",
    "Scenario",
    "SubstituteError",
    "UnitError",
    "UnknownElementError",
    "UnknownRuleError",
    "__version__",
    "alloy_cost",
    "alloy_cost_per_kg",
    "as_batch",
    "assess",
    "classify",
    "controlled_content",
    "crossing_price",
    "crossing_prices",
    "designs_from_ranking",
    "fleet_rollup",
    "grade",
    "headroom",
    "intrinsic",
    "licence_flags",
    "load_bom",
    "load_catalog",
    "load_study",
    "predict",
    "price_vector",
    "rank_substitutes",
    "review",
    "run_study",
    "scenario_grid",
    "sensitivity",
    "value_share_batch",
    "whatif",
]


def __getattr__(name: str):
    # ``sb.plot`` imports matplotlib, so it is loaded on first use, not with ``import substitute``
    if name == "plot":
        import importlib

        return importlib.import_module("substitute.plot")
    msg = f"module 'substitute' has no attribute {name!r}"
    raise AttributeError(msg)
