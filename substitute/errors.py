"""Exception hierarchy of ``substitute``.

Every class derives from :class:`SubstituteError` *and* from the matching builtin, so callers can catch
either ``except substitute.CompositionError`` or ``except ValueError``. Messages say which field was wrong,
what was received and what would be valid.
"""

from __future__ import annotations

__all__ = [
    "CompositionError",
    "DataError",
    "InputError",
    "ModelDomainError",
    "ModelDomainWarning",
    "PriceError",
    "RuleSetError",
    "SubstituteError",
    "UnitError",
    "UnknownElementError",
    "UnknownRuleError",
]


class SubstituteError(Exception):
    """Base class of every error raised on purpose by ``substitute``."""


class InputError(SubstituteError, ValueError):
    """A function argument has a value outside what the function accepts."""


class CompositionError(SubstituteError, ValueError):
    """An alloy composition could not be parsed or is not physical (negative, NaN, wrong sum …)."""


class UnknownElementError(SubstituteError, KeyError):
    """A chemical symbol that is not an element (the message suggests the nearest symbols)."""

    def __str__(self) -> str:  # KeyError would otherwise print the message with quotes
        return str(self.args[0]) if self.args else ""


class UnitError(SubstituteError, ValueError):
    """A quantity with a unit that cannot be parsed, or of the wrong dimension for its use."""


class DataError(SubstituteError, ValueError):
    """Malformed shipped or user-supplied data; the message names the file, the entry and the field."""


class RuleSetError(DataError):
    """A rule-catalog file or overlay does not match the catalog schema."""


class UnknownRuleError(SubstituteError, KeyError):
    """A rule-set id that is not in the catalog (the message lists the available ids)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PriceError(SubstituteError, ValueError):
    """A price is missing, negative or of an unknown basis for an element that matters."""


class ModelDomainError(SubstituteError, ValueError):
    """A model was asked for something outside the domain where it means anything."""


class ModelDomainWarning(UserWarning):
    """A prediction outside the property model's evidence or physical domain (``in_domain`` is False;
    ``domain_reason`` says why and ``evidence`` how many sources support it)."""
