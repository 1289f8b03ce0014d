"""Numeric arguments of the public API (issue 17): text with units, bools, wrong lengths and nested arrays
are one-line InputErrors naming the argument, never a NumPy broadcasting error or a silent 1.0."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import substitute as sb
from substitute.arrays import number, number_array, per_alloy


@pytest.fixture(scope="module")
def two():
    frame = pd.DataFrame(
        {"Nd": [30.0, 28.0], "Dy": [0.0, 2.0], "Fe": [69.0, 69.0], "B": [1.0, 1.0]}
    )
    return sb.AlloyBatch.from_frame(frame, basis="mass_percent")


def _predict(b, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ModelDomainWarning)
        return sb.predict(b, **kw)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        (
            {"temperature_C": "150 C"},
            r"temperature_C must be a number \[°C\].*got the text '150 C'",
        ),
        ({"temperature_C": True}, "a bool is not a number"),
        ({"temperature_C": [[20, 100]]}, "non-empty 1-D list"),
        ({"temperature_C": []}, "non-empty 1-D list"),
        ({"permeance": [1, 2, 3]}, r"array of length 2 \(one per alloy\).*shape \(3,\)"),
        ({"external_field_kA_per_m": [1, 2, 3]}, "external_field_kA_per_m .*array of length 2"),
        ({"external_field_kA_per_m": -5}, r"must be ≥ 0 kA/m"),
        ({"grain_size_um": [1, 2, 3]}, "grain_size_um must be a number or an array of length 2"),
        ({"grain_size_um": "3 um"}, "grain_size_um must be a number"),
    ],
)
def test_predict_arguments(two, kw, message):
    with pytest.raises(sb.InputError, match=message):
        _predict(two, **kw)


def test_predict_accepts_per_alloy_arrays(two):
    df = _predict(two, permeance=np.array([1.0, 3.0]), temperature_C=pd.Series([20.0, 100.0]))
    assert len(df) == 4


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"mass_kg": [1, 2, 3], "item_value_usd": 1e4}, r"mass_kg .*length 2 .*shape \(3,\)"),
        ({"mass_kg": 1, "item_value_usd": [1e4, 1e4, 1]}, "item_value_usd .*length 2"),
        ({"mass_kg": np.ones((2, 2)), "item_value_usd": 1e4}, r"shape \(2, 2\)"),
        ({"mass_kg": "1 kg", "item_value_usd": 1e4}, "got the text '1 kg'"),
        ({"mass_kg": 1, "item_value_usd": "4200 USD"}, "got the text '4200 USD'"),
        ({"mass_kg": True, "item_value_usd": 1e4}, "a bool is not a number"),
        ({"mass_kg": float("nan"), "item_value_usd": 1e4}, "must be finite"),
        ({"mass_kg": 0, "item_value_usd": 1e4}, "mass_kg must be > 0 kg"),
    ],
)
def test_value_share_arguments(two, kw, message):
    with pytest.raises(sb.InputError, match=message):
        sb.value_share_batch(two, **kw)


def test_mass_fraction_columns_must_agree():
    with pytest.raises(
        sb.InputError,
        match=r"mass fraction of Nd must be a number or an array of length 3 .*shape \(2,\)",
    ):
        sb.AlloyBatch.from_mass_fractions({"Nd": [0.3, 0.3], "B": [0.01, 0.01, 0.01]})
    with pytest.raises(sb.InputError, match="mass fraction of Nd must be a number"):
        sb.AlloyBatch.from_mass_fractions({"Nd": [0.3, "x"], "B": 0.01})
    b = sb.AlloyBatch.from_mass_fractions({"Nd": [0.3, 0.29], "B": 0.01})
    assert np.allclose(b.get_mass_fraction("Fe"), [0.69, 0.70])


def test_part_mass_is_not_a_bool():
    alloy = sb.Alloy.parse("Nd 30, Fe 69, B 1 wt%")
    with pytest.raises(sb.InputError, match="a bool is not a number"):
        sb.Part("m", alloy, mass_kg=True)


def test_helpers_directly():
    assert per_alloy("x", 2, 3, "kg").tolist() == [2.0, 2.0, 2.0]
    assert number_array("t", [1, 2], "°C").tolist() == [1.0, 2.0]
    with pytest.raises(sb.InputError, match="ragged"):
        per_alloy("x", [[1], [1, 2]], 2, "kg")
    with pytest.raises(sb.InputError, match="bools and text are not numbers"):
        per_alloy("x", [1.0, "2"], 2, "kg")
    with pytest.raises(sb.InputError, match="got None"):
        number_array("t", None, "°C")


@pytest.mark.parametrize(
    ("value", "kw", "message"),
    [
        (True, {}, r"^x must be a number \(kg\), got True \(a bool is not a number\)$"),
        (np.bool_(False), {}, r"a bool is not a number"),
        ("heavy", {}, r"^x must be a number \(kg\), got 'heavy'$"),
        (None, {}, r"^x must be a number \(kg\), got None$"),
        ([1.0], {}, r"^x must be a number \(kg\), got \[1.0\]$"),
        (float("nan"), {}, r"^x must be a finite number \(kg\), got nan$"),
        (float("-inf"), {"lo": None}, r"must be a finite number"),
        (-1, {}, r"^x must be >= 0 \(kg\), got -1$"),
        (0, {"lo_open": True}, r"^x must be > 0 \(kg\), got 0$"),
        (3, {"hi": 2}, r"^x must be <= 2 \(kg\), got 3$"),
    ],
)
def test_one_number_is_checked_one_way(value, kw, message):
    with pytest.raises(sb.InputError, match=message):
        number("x", value, "kg", **kw)


def test_one_number_bounds_its_message_and_keeps_the_error_class():
    # an integer beyond any float: not an OverflowError, and the 401 digits are not all echoed
    with pytest.raises(sb.PriceError) as info:
        number("price", 10**400, "USD/kg", error=sb.PriceError)
    text = str(info.value)
    assert text.startswith("price must be a number (USD/kg), got 1000")
    assert text.endswith("...")
    assert len(text) < 120
    assert number("x", "2.5", "kg") == 2.5  # text that is a number, as TOML and CSV cells give it
    assert number("x", -3, "K", lo=None) == -3.0
    assert number("x", np.float32(0.5), "kg", lo_open=True) == 0.5


def test_every_parser_uses_the_one_check():
    # before: other_mass_kg and a shock multiplier given as text raised a bare ValueError / TypeError
    alloy = sb.Alloy.parse("Nd 30, Fe 69, B 1 wt%")
    part = sb.Part("m", alloy, mass_kg=0.1, value_usd=5)
    with pytest.raises(sb.InputError, match=r"assembly 'a': other_mass_kg must be a number \(kg\)"):
        sb.Assembly("a", [part], value_usd=100, other_mass_kg="light")
    with pytest.raises(sb.PriceError, match=r"shock: multiplier for 'Tb' must be a number"):
        sb.price_vector("ex_china_2025").shock({"Tb": "double"})
