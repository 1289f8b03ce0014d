"""Composition engine: hand-computed values, round trips, pymatgen agreement, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymatgen.core import Composition

import substitute as sb
from substitute.composition import atomic_to_mass, mass_to_atomic
from substitute.elements import atomic_masses

# Standard atomic weights as carried by pymatgen: Nd 144.242, Fe 55.845, B 10.811, Dy 162.5 g/mol


def test_nd2fe14b_mass_percent_by_hand():
    # M(Nd2Fe14B) = 2·144.242 + 14·55.845 + 10.811 = 288.484 + 781.83 + 10.811 = 1081.125 g/mol
    # Nd: 288.484/1081.125 = 26.684 wt%; Fe: 781.83/1081.125 = 72.316 wt%; B: 10.811/1081.125 = 1.000 wt%
    a = sb.Alloy.from_formula("Nd2Fe14B")
    assert a.mass_percent["Nd"] == pytest.approx(26.684, abs=0.005)
    assert a.mass_percent["Fe"] == pytest.approx(72.316, abs=0.005)
    assert a.mass_percent["B"] == pytest.approx(1.000, abs=0.005)
    # the rounded figures: 26.68 / 72.32 / 1.00 wt%
    assert round(a.mass_percent["Nd"], 2) == 26.68
    assert round(a.mass_percent["Fe"], 2) == 72.32


def test_four_element_mass_to_atomic_by_hand():
    # 29.5 Nd, 2 Dy, 67.5 Fe, 1 B wt%  → moles per 100 g:
    # Nd 29.5/144.242 = 0.204517; Dy 2/162.5 = 0.012308; Fe 67.5/55.845 = 1.208703; B 1/10.811 = 0.092498
    # total 1.518026 → at%: Nd 13.4726, Dy 0.8108, Fe 79.6233, B 6.0933
    a = sb.Alloy.from_mass_percent({"Nd": 29.5, "Dy": 2.0, "Fe": 67.5, "B": 1.0})
    expected = {"Nd": 13.4726, "Dy": 0.8108, "Fe": 79.6233, "B": 6.0933}
    for el, v in expected.items():
        assert a.atomic_percent[el] == pytest.approx(v, abs=2e-4)
    assert a.atomic_fraction.sum() == pytest.approx(1.0, abs=1e-12)


def test_formula_with_parentheses_by_hand():
    # (Nd0.8Dy0.2)2Fe14B: Nd 1.6, Dy 0.4, Fe 14, B 1 atoms → 17 atoms; Dy at% = 0.4/17 = 2.3529 %
    a = sb.Alloy.from_formula("(Nd0.8Dy0.2)2Fe14B")
    assert a.atomic_percent["Dy"] == pytest.approx(100 * 0.4 / 17, rel=1e-12)
    assert a.atomic_percent["Nd"] == pytest.approx(100 * 1.6 / 17, rel=1e-12)


def test_compact_and_spaced_forms_agree():
    a = sb.Alloy.parse("Nd22.5Pr6.5Dy2Co1Cu0.15Ga0.2B0.95Fe_bal", basis="mass")
    b = sb.Alloy.parse("Nd 22.5, Pr 6.5, Dy 2, Co 1, Cu 0.15, Ga 0.2, B 0.95, Fe bal", basis="mass")
    c = sb.Alloy.parse(
        "Nd 22.5; Pr 6.5; Dy 2; Co 1; Cu 0.15; Ga 0.2; B 0.95; Fe balance", basis="mass"
    )
    # Fe = 100 − 22.5 − 6.5 − 2 − 1 − 0.15 − 0.2 − 0.95 = 66.7 wt%
    assert a.mass_percent["Fe"] == pytest.approx(66.7, abs=1e-12)
    pd.testing.assert_series_equal(a.mass_percent, b.mass_percent)
    pd.testing.assert_series_equal(a.mass_percent, c.mass_percent)


def test_basis_marker_in_text():
    a = sb.Alloy.parse("Nd 13.5 Fe 80 B 6.5 at%")
    assert a.atomic_percent["Nd"] == pytest.approx(13.5, abs=1e-12)
    assert sb.Alloy.parse("Nd30 B1 Fe bal (wt%)").mass_percent["Nd"] == pytest.approx(30)


def test_atomic_basis_parse_matches_from_atomic_percent():
    a = sb.Alloy.parse("Nd13.5 Fe80 B6.5", basis="atomic")
    b = sb.Alloy.from_atomic_percent({"Nd": 13.5, "Fe": 80, "B": 6.5})
    np.testing.assert_allclose(a.mass_array, b.mass_array, rtol=0, atol=1e-15)


def test_feedstock_shorthands():
    # PrNd is Pr:Nd = 25:75 by mass (datasets/elements/feedstocks.yaml): 30 wt% → Pr 7.5, Nd 22.5
    a = sb.Alloy.parse("PrNd30 Dy1 B1 Fe bal", basis="mass")
    assert a.mass_percent["Pr"] == pytest.approx(7.5)
    assert a.mass_percent["Nd"] == pytest.approx(22.5)
    # MM is Ce 55 / La 25 / Nd 15 / Pr 5 by mass; with 10 wt% MM and an explicit Nd 20 the Nd adds up
    b = sb.Alloy.parse("MM10 Nd20 B1 Fe bal", basis="mass")
    assert b.mass_percent["Ce"] == pytest.approx(5.5)
    assert b.mass_percent["Nd"] == pytest.approx(21.5)


def test_views_and_groups():
    a = sb.Alloy.parse("Nd 22, Pr 7, Dy 2, Tb 0.5, B 1, Fe bal", basis="mass")
    assert isinstance(a.mass_fraction, pd.Series)
    assert a.mass_fraction.sum() == pytest.approx(1.0, abs=1e-12)
    assert a.rare_earth_mass_fraction == pytest.approx(0.315, abs=1e-12)
    assert float(a.group_mass_fraction("HRE_MAGNET")[0]) == pytest.approx(0.025, abs=1e-12)
    assert a.get_mass_fraction("Ho")[0] == 0.0
    with pytest.raises(sb.UnknownElementError, match="unknown element 'Qq'"):
        a.get_mass_fraction("Qq")


@st.composite
def _mass_rows(draw):
    k = draw(st.integers(min_value=2, max_value=10))
    syms = draw(
        st.permutations(["Nd", "Pr", "Dy", "Tb", "Co", "Cu", "Ga", "Al", "B", "Fe", "Ce", "La"])
    )[:k]
    w = np.array(draw(st.lists(st.floats(min_value=1e-6, max_value=1.0), min_size=k, max_size=k)))
    return syms, w / w.sum()


@given(_mass_rows())
@settings(max_examples=200, deadline=None)
def test_round_trip_mass_atomic_mass(row):
    syms, w = row
    m = atomic_masses(syms)
    back = atomic_to_mass(mass_to_atomic(w, m), m)
    np.testing.assert_allclose(back, w, rtol=0, atol=1e-12)


@given(_mass_rows())
@settings(max_examples=60, deadline=None)
def test_pymatgen_weight_fractions_agree(row):
    syms, w = row
    a = sb.Alloy(w, syms)
    comp = a.to_pymatgen()
    for s, wi in zip(syms, w, strict=True):
        assert float(comp.get_wt_fraction(s)) == pytest.approx(wi, abs=1e-12)
    back = sb.Alloy.from_pymatgen(comp)
    np.testing.assert_allclose(back.mass_fraction[list(syms)].to_numpy(), w, rtol=0, atol=1e-12)


def test_from_pymatgen_formula():
    a = sb.Alloy.from_pymatgen(Composition("Nd2Fe14B"))
    assert a.mass_percent["Nd"] == pytest.approx(26.684, abs=0.005)


def test_batch_and_single_paths_agree():
    alloys = [
        sb.Alloy.parse("Nd 29.5, Dy 2, B 1, Fe bal", basis="mass", name="a"),
        sb.Alloy.parse("Nd 25, Pr 5, Tb 0.8, Co 1.5, B 0.95, Fe bal", basis="mass", name="b"),
    ]
    batch = sb.AlloyBatch.concat(alloys)
    assert len(batch) == 2
    for _i, a in enumerate(alloys):
        np.testing.assert_allclose(
            batch.atomic_fraction.loc[a.name, list(a.elements)].to_numpy(),
            a.atomic_fraction.to_numpy(),
            rtol=0,
            atol=1e-15,
        )
    df = batch.to_frame("mass_percent")
    again = sb.AlloyBatch.from_frame(df, basis="mass_percent")
    np.testing.assert_allclose(again.mass_array, batch.mass_array, rtol=0, atol=1e-14)
    assert batch[1].name == "b"


def test_from_frame_atomic_and_balance():
    df = pd.DataFrame({"Nd": [13.5, 12.0], "B": [6.5, 6.0]}, index=["x", "y"])
    b = sb.AlloyBatch.from_frame(df, basis="atomic_percent", balance="Fe")
    assert b.atomic_percent.loc["x", "Fe"] == pytest.approx(80.0, abs=1e-12)
    assert b.atomic_percent.loc["y", "Fe"] == pytest.approx(82.0, abs=1e-12)


def test_from_mass_fractions_vectorised():
    dy = np.array([0.0, 0.01, 0.02])
    b = sb.AlloyBatch.from_mass_fractions({"Nd": 0.29, "Dy": dy, "B": 0.01}, balance="Fe")
    np.testing.assert_allclose(b.get_mass_fraction("Fe"), 0.70 - dy, rtol=0, atol=1e-15)


# ------------------------------------------------------------------ bad input, each message asserted
@pytest.mark.parametrize(
    ("text", "basis", "match"),
    [
        ("Nd30 Xx2 Fe bal", "mass", r"unknown element 'Xx' at position 6"),
        ("Nd30 Dz2 Fe bal", "mass", r"did you mean .*'Dy'"),
        ("Nd-2 Fe bal", "mass", r"negative amount -2 for 'Nd'"),
        ("Nd30 B1 Fe60", "mass", r"sum to 91 wt%, not 100.*normalize=True"),
        ("Nd30 Fe bal Co bal", "mass", r"more than one balance element \(Fe, Co\)"),
        ("Nd30 Fe70", None, r"basis of 'Nd30 Fe70' is ambiguous"),
        ("", "mass", r"empty composition string"),
        ("   ", "mass", r"empty composition string"),
        ("Nd30 Nd2 Fe bal", "mass", r"'Nd' appears twice \(positions 1 and 6\)"),
        ("N42SH", "mass", r"grade name.*Alloy\.from_grade\('N42SH'\)"),
        ("N38UH", None, r"grade name"),
        ("N52", "mass", r"grade name"),
        ("nd30 Fe bal", "mass", r"capital letter: 'Nd'"),
        ("Nd30 B Fe bal", "mass", r"'B' at position 6 .* has no amount"),
        ("Nd30 Fe bal wt%", "atomic", r"contradicts the mass marker"),
        ("Nd80 B30 Fe bal", "mass", r"already sum to 110"),
    ],
)
def test_parse_errors(text, basis, match):
    with pytest.raises(sb.SubstituteError, match=match):
        sb.Alloy.parse(text, basis=basis)


def test_errors_are_builtins_too():
    with pytest.raises(ValueError, match="grade name"):
        sb.Alloy.parse("N42SH", basis="mass")
    with pytest.raises(KeyError, match="unknown element"):
        sb.Alloy.parse("Nd30 Xx2 Fe bal", basis="mass")


def test_normalize_is_explicit():
    a = sb.Alloy.parse("Nd30 B1 Fe60", basis="mass", normalize=True)
    assert a.mass_percent["Nd"] == pytest.approx(100 * 30 / 91, rel=1e-12)


@pytest.mark.parametrize(
    ("amounts", "match"),
    [
        (
            {"Nd": float("nan"), "Fe": 100},
            r"amount of 'Nd' in from_mass_percent must be a finite number \(wt%\), got nan",
        ),
        (
            {"Nd": -1, "Fe": 101},
            r"amount of 'Nd' in from_mass_percent must be >= 0 \(wt%\), got -1",
        ),
        ({}, "empty composition"),
        ({"Nd": 30, "Fe": 69}, "sum to 99 wt%"),
        ({"Nx": 30, "Fe": 70}, "unknown element 'Nx'"),
        (
            {"Nd": 10**400, "Fe": 70},
            r"amount of 'Nd' .* must be a number \(wt%\), got 1000000.*\.\.\.$",
        ),  # OverflowError before
    ],
)
def test_from_mass_percent_errors(amounts, match):
    with pytest.raises(sb.SubstituteError, match=match):
        sb.Alloy.from_mass_percent(amounts)


def test_from_formula_errors():
    with pytest.raises(sb.CompositionError, match="grade name"):
        sb.Alloy.from_formula("N42SH")
    with pytest.raises(sb.CompositionError, match="unbalanced parenthesis"):
        sb.Alloy.from_formula("(Nd0.8Dy0.2Fe14B")
    with pytest.raises(sb.CompositionError, match="empty formula"):
        sb.Alloy.from_formula("")


def test_from_frame_errors():
    with pytest.raises(sb.CompositionError, match=r"row 'r1', column 'Nd': missing or non-numeric"):
        sb.AlloyBatch.from_frame(
            pd.DataFrame({"Nd": [np.nan], "Fe": [70.0]}, index=["r1"]), basis="mass_percent"
        )
    with pytest.raises(sb.CompositionError, match=r"1 row\(s\) do not sum to 100%"):
        sb.AlloyBatch.from_frame(pd.DataFrame({"Nd": [30.0], "Fe": [60.0]}), basis="mass_percent")
    with pytest.raises(sb.CompositionError, match=r"columns \['grade'\] are not element symbols"):
        sb.AlloyBatch.from_frame(
            pd.DataFrame({"Nd": [30.0], "Fe": [70.0], "grade": ["x"]}), basis="mass_percent"
        )
    with pytest.raises(sb.CompositionError, match="basis must be one of"):
        sb.AlloyBatch.from_frame(pd.DataFrame({"Nd": [30.0], "Fe": [70.0]}), basis="wt")
    with pytest.raises(sb.CompositionError, match=r"negative amount -1"):
        sb.AlloyBatch.from_frame(pd.DataFrame({"Nd": [-1.0], "Fe": [101.0]}), basis="mass_percent")


def test_batch_constructor_errors():
    with pytest.raises(sb.CompositionError, match=r"sum to 0\.9"):
        sb.AlloyBatch(np.array([[0.3, 0.6]]), ["Nd", "Fe"])
    with pytest.raises(sb.CompositionError, match="duplicated element"):
        sb.AlloyBatch(np.array([[0.3, 0.7]]), ["Fe", "Fe"])
    with pytest.raises(sb.CompositionError, match="negative"):
        sb.AlloyBatch.from_mass_fractions({"Nd": 0.6, "Dy": 0.5}, balance="Fe")


def test_immutable():
    a = sb.Alloy.from_formula("Nd2Fe14B")
    with pytest.raises(ValueError, match="read-only"):
        a.mass_array[0, 0] = 0.5
