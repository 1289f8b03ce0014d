"""SI ⇄ trade units for magnet work, parsed with pint.

Magnet datasheets mix SI (T, kA/m, kJ/m³, °C) and CGS (kG, kOe, MGOe, emu/g). pint keeps gauss and oersted
in a separate Gaussian dimension and, inside its ``Gaussian`` context, converts ``MG·Oe`` to 4200 kJ/m³ for
42 MGOe (a factor 4π too high for the magnet-industry convention, where 1 MGOe = 7.9577 kJ/m³). This module
therefore builds its own registry in which the CGS magnetic units are defined by their SI values:

* 1 Oe = 1000/(4π) A/m = 79.577 A/m (field H)
* 1 G = 10⁻⁴ T (flux density B or polarisation J)
* 1 MGOe = 10⁶ G·Oe = 7957.7 J/m³ (energy product)
* 1 emu = 10⁻³ A·m² (moment); emu/g = A·m²/kg; emu/cm³ = 1000 A/m.

Use :func:`to_si` at the edge of the library; computation inside is SI (T, A/m, J/m³, K).
"""

from __future__ import annotations

import math
import re
import tokenize
from functools import cache

import pint

from substitute.errors import UnitError

__all__ = ["KINDS", "MU0", "convert", "from_si", "parse_quantity", "to_si"]

MU0 = (
    4e-7 * math.pi
)  # T·m/A, vacuum permeability (the CGS conversions below are exact in this value)

#: kind → (SI unit, pint dimensionality of that unit)
KINDS: dict[str, str] = {
    "field": "A/m",  # H, HcJ, HcB, magnetisation M
    "flux_density": "T",  # B, Br, J, Js, μ0HA
    "energy_density": "J/m**3",  # (BH)max, K1
    "temperature": "K",
    "specific_moment": "A*m**2/kg",  # emu/g
    "mass": "kg",
    "length": "m",
}


@cache
def _registry() -> pint.UnitRegistry:
    ureg: pint.UnitRegistry = pint.UnitRegistry(
        on_redefinition="ignore", autoconvert_offset_to_baseunit=True
    )
    # CGS magnetic units by their SI values (magnet-industry convention), replacing pint's Gaussian ones.
    ureg.define("oersted = 1000 / (4 * pi) * ampere / meter = Oe")
    ureg.define("gauss = 1e-4 * tesla = G = Gs")
    ureg.define("MGOe = 1e6 * gauss * oersted")
    ureg.define("emu = 1e-3 * ampere * meter ** 2")
    # pint caches unit parsing when the registry is built; without a rebuild the unprefixed 'Oe' and
    # 'G' would still resolve to the Gaussian definitions (prefixed kOe/kG were right)
    ureg._build_cache()
    return ureg


_NUM = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
_ALIASES = {
    "°C": "degC",
    "℃": "degC",
    "°F": "degF",
    "kJ/m3": "kJ/m**3",
    "J/m3": "J/m**3",
    "MJ/m3": "MJ/m**3",
    "emu/cm3": "emu/cm**3",
    "μ0": "",
    "kGs": "kG",
}


#: characters a unit may contain (letters, µ, °, superscripts, products, quotients, powers); anything else
#: never reaches pint's expression parser
_UNIT_CHARS = re.compile(r"[A-Za-zµμΩ°²³·*/^ .0-9()%-]+")


def _unit_text(unit: str) -> str:
    for k, v in _ALIASES.items():
        unit = unit.replace(k, v)
    return unit.strip()


def parse_quantity(text: str) -> pint.Quantity:
    """Parse ``"12.5 kOe"``, ``"1.32 T"``, ``"42 MGOe"``, ``"150 °C"`` … into a pint Quantity.

    Raises
    ------
    UnitError
        If there is no leading number or the unit is unknown.
    """
    if not isinstance(text, str) or not text.strip():
        msg = f"expected a quantity such as '12.5 kOe' or '1.32 T', got {text!r}"
        raise UnitError(msg)
    m = _NUM.match(text)
    if not m:
        msg = f"cannot read a number at the start of {text!r}; write e.g. '12.5 kOe'"
        raise UnitError(msg)
    value, unit = float(m.group(1)), _unit_text(m.group(2))
    if not unit:
        msg = f"{text!r} has no unit; write e.g. '{value:g} kA/m' or '{value:g} kOe'"
        raise UnitError(msg)
    if len(unit) > 40 or not _UNIT_CHARS.fullmatch(unit):
        msg = f"unknown unit {unit!r} in {text!r}; write e.g. 'kA/m', 'kOe', 'T', 'kJ/m^3', 'MGOe', '°C'"
        raise UnitError(msg)
    try:
        return _registry().Quantity(value, unit)
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        tokenize.TokenError,
        SyntaxError,
        AssertionError,
        ArithmeticError,
        LookupError,
        AttributeError,
        ValueError,
        TypeError,
    ) as exc:
        msg = f"unknown unit {unit!r} in {text!r}"
        raise UnitError(msg) from exc


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        msg = f"unknown quantity kind {kind!r}; valid kinds: {', '.join(KINDS)}"
        raise UnitError(msg)
    return KINDS[kind]


def to_si(value: str | float, kind: str, unit: str | None = None) -> float:
    """Convert a quantity to the SI unit of ``kind``.

    Parameters
    ----------
    value : str or float
        ``"12.5 kOe"`` or a number (then ``unit`` is required).
    kind : str
        One of :data:`KINDS`: ``"field"`` → A/m, ``"flux_density"`` → T, ``"energy_density"`` → J/m³,
        ``"temperature"`` → K, ``"specific_moment"`` → A·m²/kg, ``"mass"`` → kg, ``"length"`` → m.
    unit : str, optional
        Unit of a bare number.

    Returns
    -------
    float
        The value in the SI unit of ``kind``.

    Raises
    ------
    UnitError
        Unknown unit, or a unit of the wrong dimension (e.g. ``"12 kOe"`` where a temperature is expected).

    Examples
    --------
    >>> round(to_si("12.5 kOe", "field") / 1000, 3)
    994.718
    >>> round(to_si("42 MGOe", "energy_density") / 1000, 2)
    334.22
    >>> to_si("150 °C", "temperature")
    423.15
    """
    si = _check_kind(kind)
    if isinstance(value, str):
        q = parse_quantity(value)
    else:
        if unit is None:
            msg = f"a bare number {value!r} needs a unit for kind {kind!r} (SI: {si})"
            raise UnitError(msg)
        q = parse_quantity(f"{value!r} {unit}")
    try:
        return float(q.to(si).magnitude)
    except pint.errors.DimensionalityError as exc:
        msg = f"{value!r}{' ' + unit if unit else ''} is not a {kind.replace('_', ' ')} (expected units convertible to {si})"
        raise UnitError(msg) from exc


def from_si(value: float, kind: str, unit: str) -> float:
    """Express an SI value of ``kind`` in ``unit`` (e.g. 994718 A/m → 12.5 kOe)."""
    si = _check_kind(kind)
    ureg = _registry()
    try:
        return float(ureg.Quantity(value, si).to(_unit_text(unit)).magnitude)
    except pint.errors.DimensionalityError as exc:
        msg = f"unit {unit!r} is not a {kind.replace('_', ' ')} unit (SI: {si})"
        raise UnitError(msg) from exc
    except pint.errors.UndefinedUnitError as exc:
        msg = f"unknown unit {unit!r}"
        raise UnitError(msg) from exc


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a number between two units of the same dimension, e.g. ``convert(42, "MGOe", "kJ/m3")``."""
    ureg = _registry()
    try:
        q = ureg.Quantity(value, _unit_text(from_unit))
        return float(q.to(_unit_text(to_unit)).magnitude)
    except pint.errors.DimensionalityError as exc:
        msg = f"cannot convert {from_unit!r} to {to_unit!r}: different dimensions"
        raise UnitError(msg) from exc
    except (pint.errors.UndefinedUnitError, AssertionError, ValueError) as exc:
        msg = f"unknown unit in {from_unit!r} → {to_unit!r}"
        raise UnitError(msg) from exc
