"""substitute — composition, compliance and property models for NdFeB and heavy-rare-earth magnets.

Import as ``import substitute as sb``. Importing reads no file: data are loaded on first use.
"""

from __future__ import annotations

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

__version__ = "0.1.0"

__all__ = [
    "Alloy",
    "AlloyBatch",
    "CompositionError",
    "DataError",
    "InputError",
    "ModelDomainError",
    "PriceError",
    "RuleSetError",
    "SubstituteError",
    "UnitError",
    "UnknownElementError",
    "UnknownRuleError",
    "__version__",
    "as_batch",
]
