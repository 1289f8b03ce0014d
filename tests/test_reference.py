"""The routes' reference chemistries (datasets/physics/reference_chemistries.csv) and reference_alloy."""

from __future__ import annotations

import pandas as pd
import pytest

import substitute as sb
from substitute.properties import reference as ref
from substitute.properties.reference import reference_alloy


# reference chemistry ---------------------------------------------------------------------------
def test_reference_alloy_is_the_shipped_sintered_base():
    # datasets/physics/reference_chemistries.csv, row sintered_base (wt%)
    base = {"Nd": 23.3, "Pr": 7.7, "B": 0.95, "Co": 1.0, "Cu": 0.15, "Ga": 0.2, "Al": 0.1}
    pct = reference_alloy().mass_percent
    for el, w in base.items():
        assert pct[el] == pytest.approx(w, abs=1e-9)
    assert pct["Fe"] == pytest.approx(100 - sum(base.values()), abs=1e-9)
    hd = reference_alloy("hot_deformed").mass_percent  # row hot_deformed_base: Nd29.5 Co3.0 Ga0.5
    assert hd["Nd"] == pytest.approx(29.5, abs=1e-9)
    assert hd["Co"] == pytest.approx(3.0, abs=1e-9)


def test_reference_alloy_replaces_nd_or_dilutes():
    dy = reference_alloy(replace_nd={"Dy": 1.0}).mass_percent
    assert dy["Dy"] == pytest.approx(1.0, abs=1e-9)
    assert dy["Nd"] == pytest.approx(23.3 - 1.0, abs=1e-9)
    assert dy["Pr"] == pytest.approx(7.7, abs=1e-9)
    assert dy.sum() == pytest.approx(100.0, abs=1e-9)
    tb = reference_alloy(add={"Tb": 0.5}).mass_percent
    assert tb["Tb"] == pytest.approx(0.5, abs=1e-9)
    assert tb["Nd"] == pytest.approx(23.3 * 0.995, abs=1e-9)
    assert tb.sum() == pytest.approx(100.0, abs=1e-9)
    both = reference_alloy(replace_nd={"Ce": 2.0}, add={"Tb": 0.5}).mass_percent
    assert both["Ce"] == pytest.approx(2.0 * 0.995, abs=1e-9)
    assert both["Nd"] == pytest.approx(21.3 * 0.995, abs=1e-9)


def test_reference_alloy_bad_input():
    with pytest.raises(sb.InputError, match="route 'sintered_gbd' has no reference chemistry"):
        reference_alloy("sintered_gbd")
    with pytest.raises(sb.CompositionError, match="cannot replace 30 wt% of Nd by Dy"):
        reference_alloy(replace_nd={"Dy": 30.0})
    with pytest.raises(sb.InputError, match=r"amount of Tb: -0\.5 wt% is not valid"):
        reference_alloy(add={"Tb": -0.5})
    with pytest.raises(sb.InputError, match="below 100 wt% when diluting"):
        reference_alloy(add={"Tb": 100.0})
    with pytest.raises(sb.UnknownElementError, match="unknown element 'Xx'"):
        reference_alloy(replace_nd={"Xx": 1.0})
    with pytest.raises(sb.DataError, match="no reference chemistry named 'nope'"):
        ref._reference("nope")


def test_reference_alloy_duplicated_route_row(monkeypatch):
    table = ref.data.read_csv(ref.REFERENCE_FILE)
    doubled = pd.concat([table, table.iloc[[0]].assign(name="sintered_other")], ignore_index=True)
    monkeypatch.setattr(ref.data, "read_csv", lambda relpath: doubled.copy())
    with pytest.raises(sb.DataError, match="route 'sintered' has 2 rows"):
        reference_alloy("sintered")
