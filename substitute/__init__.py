"""substitute — composition, compliance and property models for NdFeB and heavy-rare-earth magnets.

Import as ``import substitute as sb``. Importing reads no file and loads no part of the package: each
public name below is imported from its own module on first use (a module-level ``__getattr__``), so
``import substitute.compliance`` or ``substitute --help`` does not pay for the property model, the
ranking or matplotlib.

Layers (arrows point one way; ``tests/test_layout.py`` enforces them)::

    core (errors, units, elements, data, outputs, _version)
      ← composition ← prices ← compliance
      ← composition ← properties
      ← ranking ← whatif ← review ← cli
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from substitute._version import __version__

#: public name → module that defines it
_PUBLIC: dict[str, str] = {
    # composition
    "Alloy": "substitute.composition.alloy",
    "AlloyBatch": "substitute.composition.batch",
    "as_batch": "substitute.composition.alloy",
    # errors
    "CompositionError": "substitute.errors",
    "DataError": "substitute.errors",
    "InputError": "substitute.errors",
    "ModelDomainError": "substitute.errors",
    "ModelDomainWarning": "substitute.errors",
    "PriceError": "substitute.errors",
    "RuleSetError": "substitute.errors",
    "SubstituteError": "substitute.errors",
    "UnitError": "substitute.errors",
    "UnknownElementError": "substitute.errors",
    "UnknownRuleError": "substitute.errors",
    # prices
    "alloy_cost": "substitute.prices",
    "alloy_cost_per_kg": "substitute.prices",
    "price_vector": "substitute.prices",
    # compliance
    "Assembly": "substitute.compliance.bom",
    "Part": "substitute.compliance.bom",
    "load_bom": "substitute.compliance.bom",
    "assess": "substitute.compliance.assess",
    "controlled_content": "substitute.compliance.content",
    "licence_flags": "substitute.compliance.content",
    "crossing_price": "substitute.compliance.headroom",
    "headroom": "substitute.compliance.headroom",
    "load_catalog": "substitute.compliance.catalog",
    "value_share_batch": "substitute.compliance.valueshare",
    # properties
    "intrinsic": "substitute.properties.intrinsic",
    "predict": "substitute.properties.magnet",
    "calibrate": "substitute.properties.calibration",
    "Model": "substitute.properties.calibration",
    "classify": "substitute.properties.grades",
    "grade": "substitute.properties.grades",
    # ranking
    "ComplianceCondition": "substitute.ranking.requirements",
    "Requirements": "substitute.ranking.requirements",
    "DesignSpace": "substitute.ranking.space",
    "rank_substitutes": "substitute.ranking.rank",
    "load_study": "substitute.ranking.study",
    "run_study": "substitute.ranking.study",
    # what-if
    "Design": "substitute.whatif.designs",
    "Scenario": "substitute.whatif.scenarios",
    "scenario_grid": "substitute.whatif.scenarios",
    "whatif": "substitute.whatif.core",
    "designs_from_ranking": "substitute.whatif.designs",
    "fleet_rollup": "substitute.whatif.core",
    "crossing_prices": "substitute.whatif.sensitivity",
    "sensitivity": "substitute.whatif.sensitivity",
    # design review
    "Review": "substitute.report.verdict",
    "review": "substitute.report.verdict",
}
#: public modules reached as attributes (``sb.plot.pareto(...)``)
_MODULES: dict[str, str] = {"plot": "substitute.report.plots"}

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
    "Model",
    "ModelDomainError",
    "ModelDomainWarning",
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
    "calibrate",
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


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        msg = f"module 'substitute' has no attribute {name!r}"
        raise AttributeError(msg)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC, *_MODULES})


class _Package(types.ModuleType):
    """The package module: ``sb.whatif`` is the public function although ``substitute.whatif`` is also a
    subpackage. Importing the subpackage would bind its module over the function's name (the import system
    sets ``substitute.whatif = <module>``); that binding is skipped, so ``sb.whatif(...)`` keeps working.
    The subpackage stays importable (``from substitute.whatif import Design`` reads ``sys.modules``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PUBLIC and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # pragma: no cover - static analysers see the eager imports
    from substitute.compliance.assess import assess
    from substitute.compliance.bom import Assembly, Part, load_bom
    from substitute.compliance.catalog import load_catalog
    from substitute.compliance.content import controlled_content, licence_flags
    from substitute.compliance.headroom import crossing_price, headroom
    from substitute.compliance.valueshare import value_share_batch
    from substitute.composition.alloy import Alloy, as_batch
    from substitute.composition.batch import AlloyBatch
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
    from substitute.prices import alloy_cost, alloy_cost_per_kg, price_vector
    from substitute.properties.grades import classify, grade
    from substitute.properties.intrinsic import intrinsic
    from substitute.properties.magnet import predict
    from substitute.ranking.rank import rank_substitutes
    from substitute.ranking.requirements import ComplianceCondition, Requirements
    from substitute.ranking.space import DesignSpace
    from substitute.ranking.study import load_study, run_study
    from substitute.report import plots as plot  # noqa: F401
    from substitute.report.verdict import Review, review
    from substitute.whatif.core import fleet_rollup, whatif
    from substitute.whatif.designs import Design, designs_from_ranking
    from substitute.whatif.scenarios import Scenario, scenario_grid
    from substitute.whatif.sensitivity import crossing_prices, sensitivity
