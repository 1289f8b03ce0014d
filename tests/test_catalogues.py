"""Grade names of every family from the vendor catalogues (datasets/grades/)."""

import pytest

import substitute as sb
from substitute.properties import catalogues as cat


@pytest.mark.parametrize(
    ("name", "family", "br_lo", "br_hi"),
    [
        # datasheet values in datasets/grades/vendor_grades.csv (source_url per row)
        ("YXG28H", "sm2co17", 1.03, 1.08),
        ("BNP-8", "bonded_ndfeb_isotropic", 0.62, 0.67),
        ("Y30BH", "ferrite", 0.38, 0.39),
        ("XGS32H", "sm2co17", 1.10, 1.15),
    ],
)
def test_family_grades_have_their_datasheet_band(name, family, br_lo, br_hi):
    b = sb.grade(name)
    assert b["family"] == family
    assert b["br_min_T"] == pytest.approx(br_lo, abs=1e-9)
    assert b["br_max_T"] == pytest.approx(br_hi, abs=1e-9)
    assert b["vendors"]
    assert all(s.startswith("http") for s in b["sources"])


def test_names_are_matched_without_case_spaces_or_hyphens():
    assert sb.grade("bnp 8")["name"] == "BNP-8"
    assert sb.grade("yxg-28h")["name"] == "YXG28H"


def test_a_vendor_code_maps_only_through_a_printed_alias():
    # Dura Magnetics prints "4212" beside "N42"
    b = sb.grade("4212")
    assert b["name"] == "N42"
    assert "Dura Magnetics" in b["vendors"]


def test_ladder_names_still_come_from_the_ladder():
    b = sb.grade("N42SH")
    assert b["family"] == "sintered_ndfeb"
    assert "vendors" not in b  # the ladder band, not a catalogue envelope
    assert b["hcj_min_kA_per_m"] == pytest.approx(1592.0)


def test_gbd_grade_beyond_the_ladder_is_found_in_a_catalogue():
    b = sb.grade("G50SH")
    assert b["family"] == "sintered_ndfeb"
    assert b["hcj_min_kA_per_m"] >= 1590


def test_unknown_name_lists_the_nearest_listed_names():
    with pytest.raises(sb.InputError, match="nearest names in the vendor catalogues: BNP-8"):
        sb.grade("BNP-88")


def test_a_ladder_shaped_name_keeps_the_ladder_reason():
    with pytest.raises(sb.InputError, match="energy number 99"):
        sb.grade("N99")


def test_family_must_be_known():
    with pytest.raises(sb.InputError, match="unknown magnet family"):
        sb.grade("Y30BH", family="hexaferrite")


def test_every_listed_name_parses():
    for fam in cat.FAMILIES:
        for name in cat.catalogue_names(fam):
            assert sb.grade(name, family=fam)["family"] == fam


def test_from_grade_of_a_family_grade_is_the_family_chemistry():
    a = sb.Alloy.from_grade("Y30BH")
    assert set(a.elements) == {"Sr", "Fe", "O"}
    assert "Y30BH" in a.names[0]
