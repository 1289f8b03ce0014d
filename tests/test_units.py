"""Unit conversions: the factors magnet engineers use, tested as numbers (not as whatever pint says)."""

from __future__ import annotations

import math

import pytest

from substitute import UnitError
from substitute.units import MU0, convert, from_si, parse_quantity, to_si


def test_kOe_to_kA_per_m():
    # 1 Oe = 1000/(4π) A/m = 79.5775 A/m → 1 kOe = 79.577 kA/m; 12.5 kOe = 994.72 kA/m
    assert convert(1, "kOe", "kA/m") == pytest.approx(1000 / (4 * math.pi), rel=1e-12)
    assert to_si("12.5 kOe", "field") == pytest.approx(12.5e6 / (4 * math.pi), rel=1e-12)


def test_MGOe_to_kJ_per_m3():
    # 1 MGOe = 1e6 G·Oe = 1e6 · 1e-4 T · 79.5775 A/m = 7957.75 J/m³ (not pint's Gaussian 1e5 J/m³ ·4π)
    assert convert(1, "MGOe", "kJ/m3") == pytest.approx(7.957747, rel=1e-6)
    assert to_si("42 MGOe", "energy_density") == pytest.approx(42 * 7957.747, rel=1e-6)


def test_kG_and_T():
    assert to_si("13.2 kG", "flux_density") == pytest.approx(1.32, rel=1e-12)
    assert to_si("1.32 T", "flux_density") == pytest.approx(1.32, rel=1e-12)
    assert to_si("1320 mT", "flux_density") == pytest.approx(1.32, rel=1e-12)


def test_si_energy_and_temperature():
    assert to_si("318 kJ/m3", "energy_density") == pytest.approx(318e3)
    assert to_si("150 °C", "temperature") == pytest.approx(423.15)
    assert to_si("423 K", "temperature") == pytest.approx(423.0)
    assert from_si(423.15, "temperature", "degC") == pytest.approx(150.0)


def test_emu_per_g():
    # 1 emu = 1e-3 A·m², so 1 emu/g = 1e-3 A·m² / 1e-3 kg = 1 A·m²/kg
    assert to_si("125 emu/g", "specific_moment") == pytest.approx(125.0)


def test_from_si_display():
    assert from_si(994718.394, "field", "kOe") == pytest.approx(12.5, rel=1e-6)
    assert from_si(1.32, "flux_density", "kG") == pytest.approx(13.2, rel=1e-12)


def test_mu0():
    assert pytest.approx(1.2566370614e-6, rel=1e-9) == MU0


@pytest.mark.parametrize(
    ("value", "kind", "match"),
    [
        ("12 kOe", "temperature", "'12 kOe' is not a temperature"),
        ("150 °C", "field", "is not a field"),
        ("1.3", "flux_density", "has no unit"),
        ("abc T", "flux_density", "cannot read a number"),
        ("12 furlongs_per_kOe", "field", "unknown unit"),
        ("12 kOe", "colour", "unknown quantity kind 'colour'"),
    ],
)
def test_unit_errors(value, kind, match):
    with pytest.raises(UnitError, match=match):
        to_si(value, kind)


def test_bare_number_needs_unit():
    with pytest.raises(UnitError, match="needs a unit"):
        to_si(1.3, "flux_density")
    assert to_si(1.3, "flux_density", unit="T") == pytest.approx(1.3)
    with pytest.raises(UnitError, match="different dimensions"):
        convert(1, "kOe", "K")
    with pytest.raises(UnitError, match="expected a quantity"):
        parse_quantity("")


@pytest.mark.parametrize(
    ("text", "kind", "si"),
    [
        ("500 Oe", "field", 500 * 1000 / (4 * math.pi)),  # 1 Oe = 1000/(4π) A/m
        ("11500 G", "flux_density", 1.15),  # 1 G = 1e-4 T
        ("13000 Gs", "flux_density", 1.3),
    ],
)
def test_unprefixed_cgs_units_use_the_si_definitions(text, kind, si):
    # the unprefixed symbols once fell through to pint's Gaussian units (the prefixed ones were right)
    assert to_si(text, kind) == pytest.approx(si, rel=1e-12)
