"""Element data and groups."""

from __future__ import annotations

import pytest

from substitute import elements
from substitute.errors import UnknownElementError


def test_atomic_masses_from_pymatgen():
    # IUPAC 2013 standard atomic weights (B conventional 10.811): Nd 144.242, Dy 162.500, Tb 158.92535,
    # Fe 55.845, B 10.811 g/mol
    m = elements.atomic_masses(["Nd", "Dy", "Tb", "Fe", "B"])
    assert list(m) == pytest.approx([144.242, 162.5, 158.92535, 55.845, 10.811], abs=1e-4)


def test_groups_from_data():
    assert len(elements.rare_earths()) == 17
    assert set(elements.group("HRE_MAGNET")) == {"Dy", "Tb", "Ho"}
    assert "Sm" in elements.group("LRE")
    assert "Y" in elements.group("HRE")
    with pytest.raises(KeyError, match="unknown element group 'XX'; valid groups: REE"):
        elements.group("XX")


def test_feedstock_split_sums_to_one():
    for name in elements.feedstocks():
        assert sum(elements.feedstock(name).values()) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(KeyError, match="unknown feedstock 'XY'"):
        elements.feedstock("XY")


def test_unknown_symbol_suggests():
    with pytest.raises(UnknownElementError, match=r"unknown element 'Dz'.*'Dy'"):
        elements.check_symbol("Dz")
