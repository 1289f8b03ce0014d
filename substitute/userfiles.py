"""Checking the values of users' files (study and what-if files): unknown keys, types from the annotations
of the dataclass a table builds, choices, and quantities written with units (``"12 kOe"`` for a key ending
in ``_kA_per_m``, converted with the registry of :mod:`substitute.units`). Every message names the file,
line, table and key (:mod:`substitute.locate`), what was given and what is valid; :func:`relocate` prefixes
that location to an error raised later while building an object from the table."""

from __future__ import annotations

import datetime as dt
import json
import numbers
import re
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from substitute.errors import InputError, UnitError
from substitute.locate import Where, fmt_keys

__all__ = ["check_choice", "check_keys", "check_value", "relocate", "type_name"]


def check_keys(
    mapping: Mapping[str, Any],
    allowed: Iterable[str],
    where: Where,
    *keys: str | int,
    what: str = "key",
) -> None:
    """Raise if ``mapping`` has keys outside ``allowed``, naming them, their line and the valid keys.

    Parameters
    ----------
    mapping : mapping
        The table (or the inline table at ``keys`` inside the current table).
    allowed : iterable of str
        Valid keys.
    where : Where
        Location of the current table.
    *keys : str or int
        Path of an inline table inside the current table, if ``mapping`` is one.
    what : str, default "key"
        What the keys are, for the message (``"table"`` for the top level).

    Raises
    ------
    InputError
        ``study.toml line 3 [study]: unknown key(s) colour; valid keys: description, name, …``.
    """
    allowed = set(allowed)
    unknown = [str(k) for k in mapping if k not in allowed]
    if not unknown:
        return
    at = {k: where.line(*keys, k) for k in unknown}
    unknown.sort(key=lambda k: (at[k] is None, at[k] or 0, k))
    lines = sorted({n for n in at.values() if n is not None})
    more = f" (lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""
    head = where.head(*keys, unknown[0]) + (f" {fmt_keys(keys)}" if keys else "")
    msg = (
        f"{head}: unknown {what}(s) {', '.join(unknown)}{more}; "
        f"valid {what}s: {', '.join(sorted(allowed))}"
    )
    raise InputError(msg)


# ---------------------------------------------------------------------------------------------- types
def type_name(value: Any) -> str:
    """The TOML type of a value, with an article: ``"a string"``, ``"a boolean"``, ``"an array"`` …"""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    return f"a {type(value).__name__}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


@dataclass(frozen=True)
class _Unit:
    suffix: str
    kind: str | None  # kind of substitute.units.KINDS; None: a plain number only
    unit: str
    examples: tuple[str, ...] = ()
    valid: str = ""


#: Unit of a number from the end of its key name (the project's column-name convention). Checked in
#: order: USD keys (``max_cost_usd_per_kg``) before mass keys (``magnet_mass_kg``).
_UNITS = (
    _Unit("_usd_per_kg", None, "USD/kg"),
    _Unit("_usd_per_part", None, "USD per part"),
    _Unit("_usd", None, "USD"),
    _Unit("_kA_per_m", "field", "kA/m", ("1000 kA/m", "12.5 kOe"), "kA/m, A/m, kOe, Oe"),
    _Unit("_kJ_per_m3", "energy_density", "kJ/m3", ("320 kJ/m3", "40 MGOe"), "kJ/m³, MJ/m³, MGOe"),
    _Unit("_T", "flux_density", "T", ("1.1 T", "11 kG"), "T, mT, G, kG"),
    _Unit("_C", "temperature", "°C", ("150 °C", "423.15 K"), "°C, K, °F"),
    _Unit("_kg", "mass", "kg", ("1.6 kg", "1600 g"), "kg, g"),
    _Unit("_mm", "length", "mm", ("5 mm", "0.5 cm"), "mm, cm, µm, m"),
    _Unit("_um", "length", "µm", ("5 um", "0.005 mm"), "µm, nm, mm"),
)

_KIND_NAMES = {
    "field": "a magnetic field strength",
    "flux_density": "a flux density",
    "energy_density": "an energy density",
    "temperature": "a temperature",
    "specific_moment": "a specific magnetic moment",
    "mass": "a mass",
    "length": "a length",
}


def _unit_of(name: str) -> _Unit | None:
    return next((u for u in _UNITS if name.endswith(u.suffix)), None)


@cache
def _kind_dims() -> tuple[tuple[str, Any], ...]:
    from substitute import units

    return tuple(
        (kind, units.parse_quantity(f"1 {si}").dimensionality) for kind, si in units.KINDS.items()
    )


def _dimension_of(q: Any) -> str:
    for kind, dims in _kind_dims():
        if q.dimensionality == dims:
            return _KIND_NAMES.get(kind, f"a {kind.replace('_', ' ')}")
    return "dimensionless" if q.dimensionless else f"of dimension {q.dimensionality}"


def _quantity(value: str, u: _Unit, name: str, loc: str) -> float:
    """A string quantity in the unit of its key (``u.unit``)."""
    from substitute import units

    text = value.strip()
    try:
        return float(text)  # a number written as a string: in the key's unit
    except ValueError:
        pass
    needs = f"{name} needs {_KIND_NAMES[str(u.kind)]} ({u.valid})"
    try:
        q = units.parse_quantity(text)
    except UnitError as exc:
        if "unknown unit" not in str(exc):  # no number at the start: not a quantity at all
            raise InputError(_type_msg(value, float, name, loc)) from exc
        msg = f"{loc}: {exc}; {needs}"
        raise InputError(msg) from exc
    target = units.parse_quantity(f"1 {u.unit}")
    if q.dimensionality != target.dimensionality:
        msg = f"{loc}: {value!r} is {_dimension_of(q)}; {needs}"
        raise InputError(msg)
    return float(q.to(target.units).magnitude)


_PLURAL = {float: "numbers", int: "integers", str: "strings", bool: "booleans (true, false)"}


def _describe(hint: Any, name: str) -> str:
    """What a value of type ``hint`` for key ``name`` looks like in TOML."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a, name) for a in args if a is not type(None))
    if origin in (list, tuple):
        return (
            f"an array of {_PLURAL.get(args[0], _describe(args[0], name))}" if args else "an array"
        )
    if origin is dict:
        return f"a table of {_PLURAL.get(args[1], _describe(args[1], name))}" if args else "a table"
    if hint is float:
        u = _unit_of(name)
        if u is None:
            return "a number"
        if u.kind is None:
            return f"a number in {u.unit}"
        examples = " or ".join(json.dumps(e, ensure_ascii=False) for e in u.examples)
        return f"a number in {u.unit} (or a quantity such as {examples})"
    return {
        int: "an integer",
        bool: "true or false",
        str: "a string",
        dt.date: "a date (YYYY-MM-DD)",
    }.get(hint, f"a {getattr(hint, '__name__', hint)}")


def _type_msg(value: Any, hint: Any, name: str, loc: str) -> str:
    return f"{loc}: expected {_describe(hint, name)}, got {_show(value)} ({type_name(value)})"


def check_value(value: Any, hint: Any, where: Where, *keys: str | int) -> Any:
    """Check a value read from TOML against a type annotation; convert quantities written with units.

    Parameters
    ----------
    value : Any
        The value as :mod:`tomllib` read it.
    hint : type or annotation
        ``float``, ``int``, ``bool``, ``str``, ``datetime.date``, unions (``float | None``, ``str | date``),
        ``list[X]``/``tuple[X, ...]`` and ``dict[str, X]``; other annotations are not checked.
    where : Where
        Location of the current table.
    *keys : str or int
        Key path of the value inside the table; the last name gives the unit of a number
        (``min_br_T`` → T, ``min_hcj_kA_per_m`` → kA/m, ``temperature_C`` → °C …).

    Returns
    -------
    Any
        The value; numbers as ``float``, quantity strings such as ``"12 kOe"`` converted to the key's
        unit, arrays as the annotation's container (list or tuple).

    Raises
    ------
    InputError
        A value of the wrong type (``true`` where a number is expected: TOML booleans are not numbers),
        a quantity of the wrong dimension or with an unknown unit; the message names file, line, table
        and key, what was given and what is valid.
    """
    loc = where(*keys)
    name = next((k for k in reversed(keys) if isinstance(k, str)), "")
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        opts = [a for a in args if a is not type(None)]
        if len(opts) == 1:
            return check_value(value, opts[0], where, *keys)
        for a in opts:
            try:
                return check_value(value, a, where, *keys)
            except InputError:
                continue
        raise InputError(_type_msg(value, hint, name, loc))
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise InputError(_type_msg(value, hint, name, loc))
        item = args[0] if args else Any
        out = [check_value(v, item, where, *keys, i) for i, v in enumerate(value)]
        return tuple(out) if origin is tuple else out
    if origin is dict:
        if not isinstance(value, Mapping):
            raise InputError(_type_msg(value, hint, name, loc))
        item = args[1] if len(args) == 2 else Any
        return {k: check_value(v, item, where, *keys, k) for k, v in value.items()}
    if hint is float:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:  # TOML as tomllib reads it allows integers beyond any float
                msg = f"{loc}: {_show(value)} is too large for a number"
                raise InputError(msg) from None
        u = _unit_of(name)
        if isinstance(value, str) and u is not None and u.kind is not None:
            return _quantity(value, u, name, loc)
        raise InputError(_type_msg(value, hint, name, loc))
    if hint is int:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return int(value)
        raise InputError(_type_msg(value, hint, name, loc))
    if hint in (bool, str, dt.date):
        if isinstance(value, hint):
            return value
        raise InputError(_type_msg(value, hint, name, loc))
    return value


def check_choice(value: Any, choices: Iterable[str], where: Where, *keys: str | int) -> Any:
    """Raise unless ``value`` is one of ``choices`` (message: location, value, the valid choices)."""
    choices = tuple(choices)
    if value not in choices:
        msg = f"{where(*keys)}: {_show(value)} is not one of {', '.join(choices)}"
        raise InputError(msg)
    return value


def relocate(
    exc: Exception,
    where: Where,
    keys: Iterable[str],
    default: str | None = None,
    prefix: str | None = None,
) -> Exception:
    """The same kind of exception with the location of the key its message names prefixed.

    Parameters
    ----------
    exc : Exception
        Raised while building an object from a table (``Requirements(**spec)``, ``Alloy.parse(…)``).
    where : Where
        Location of the table.
    keys : iterable of str
        Keys of the table; the one named first in the message gets the location (``file line N [table]``;
        the message already names it). If none is named, ``default`` is (with its name in the location),
        else the table.
    default : str, optional
        Key the value came from when the message names none.
    prefix : str, optional
        A location the message already starts with (given to the builder as its ``where``); it is
        replaced, so the message carries one location.

    Returns
    -------
    Exception
        Of the class of ``exc`` (an :class:`InputError` if that class cannot be built from a message);
        raise it ``from exc``.
    """
    text = str(exc)
    if prefix and text.startswith(prefix):
        text = text[len(prefix) :].removeprefix(":").lstrip()
    found = []
    for k in keys:
        m = re.search(rf"(?<![\w.]){re.escape(k)}(?!\w)", text)
        if m:
            found.append((m.start(), k))
    if found:
        loc = where.head(min(found)[1])
    elif default is not None:
        loc = where(default)
    else:
        loc = where()
    msg = f"{loc}: {text}"
    try:
        return type(exc)(msg)
    except TypeError:
        return InputError(msg)
