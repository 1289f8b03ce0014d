"""Controlled content of alloys as materials (vectorised), per rule set and element, on a date.

Rules: No. 18/2025 lists Tb- and Dy-containing NdFeB and SmCo magnet materials with no threshold
(any_content) and Gd only as metal/alloys/oxide/compounds; No. 57/2025 lists Ho-containing magnet
materials (suspended 2025-11-07 … 2026-11-10, then status_unknown) — shared/reference/regulations.md §1–§3.
"""

from __future__ import annotations

import numpy as np
import pytest

import substitute as sb
from substitute.cli import main
from substitute.compliance import controlled_content, licence_flags, load_catalog
from substitute.errors import InputError, UnknownRuleError

N18 = "CN-MOFCOM-GAC-2025-18"
N57 = "CN-MOFCOM-GAC-2025-57"
N61 = "CN-MOFCOM-2025-61"


def _row(df, rule, element, limb=""):
    sel = df[(df.rule_id == rule) & (df.element == element) & (df.limb == limb)]
    assert len(sel) == 1, (rule, element, limb)
    return sel.iloc[0]


@pytest.fixture(scope="module")
def dy_magnet():
    return sb.Alloy.parse("Nd 25, Pr 5, Dy 4, B 1, Fe bal", basis="mass")


def test_dy_magnet_needs_no18_licence(dy_magnet):
    df = controlled_content(dy_magnet, as_of="2026-11-22")
    r = _row(df, N18, "Dy")
    assert r.mass_fraction == pytest.approx(0.04, rel=1e-12)
    assert (r.status, r.treated_as, r.controlled, r.verdict) == (
        "in_force",
        "in_force",
        True,
        "licence_required",
    )
    assert (r.scope, r.control_code, r.form, r.family) == (
        "listed_item",
        "1C905.a",
        "magnet",
        "NdFeB",
    )
    assert not r.verified  # code 1C905 is inferred (regulations.md §1)
    assert "Dy-containing NdFeB permanent-magnet materials" in r.reason
    assert df.attrs["audit"]["catalog_version"] == "1.1.0"


def test_before_no18_published(dy_magnet):
    r = _row(controlled_content(dy_magnet, as_of="2025-04-03"), N18, "Dy")
    assert (r.status, r.verdict) == ("not_yet_published", "not_in_force")


def test_gd_is_feedstock_only_under_no18():
    a = sb.Alloy.parse("Nd 27, Gd 3, B 1, Fe bal", basis="mass")
    r = _row(controlled_content(a, as_of="2026-11-22"), N18, "Gd")
    assert (r.scope, r.verdict) == ("other_form", "not_controlled")
    assert "lists Gd only as alloy, compound, metal, target" in r.reason


@pytest.mark.parametrize(
    ("as_of", "assume", "status", "verdict"),
    [
        ("2025-11-07", "in_force", "suspended", "not_in_force"),
        ("2026-11-10", "in_force", "suspended", "not_in_force"),
        ("2026-11-11", "in_force", "status_unknown", "licence_required"),
        ("2026-11-22", "suspended", "status_unknown", "not_in_force"),
    ],
)
def test_ho_magnet_under_no57(as_of, assume, status, verdict):
    a = sb.Alloy.parse("Nd 26, Pr 4, Ho 3, B 1, Fe bal", basis="mass")
    df = controlled_content(a, as_of=as_of, assume=assume)
    r = _row(df, N57, "Ho")
    assert (r.status, r.verdict, r.assumption) == (status, verdict, assume)
    # Ho is not an Annex 1 Part I element of No. 61: no No. 61 row for Ho
    assert df[(df.rule_id == N61) & (df.element == "Ho")].empty


def test_no61_needs_a_part(dy_magnet):
    df = controlled_content(dy_magnet, as_of="2026-11-22")
    r = _row(df, N61, "Dy", "1(1)")
    assert r.verdict == "needs_part_assessment"
    assert r.threshold_basis == "value_share"
    assert r.threshold_value == pytest.approx(0.001, rel=0, abs=0)
    # origin-of-item and technology limbs are not material verdicts
    assert set(df[df.rule_id == N61].limb) == {"1(1)"}


def test_criticality_lists_never_give_a_licence(dy_magnet):
    df = controlled_content(dy_magnet, as_of="2026-11-22")
    lists = df[df.rule_kind == "criticality_list"]
    assert len(lists) > 0
    assert lists.verdict.eq("information_only").all()
    assert not lists.controlled.any()


def test_customs_floor_is_off_by_default_and_labelled():
    # Dy 0.05 + Tb 0.03 = 0.08 wt% ≤ 0.1 wt% (unofficial floor, mainrichinternational.com, Feb 2026)
    a = sb.Alloy.parse("Nd 29, Dy 0.05, Tb 0.03, B 1, Fe bal", basis="mass")
    off = controlled_content(a, as_of="2026-11-22", rules=[N18])
    assert _row(off, N18, "Dy").verdict == "licence_required"
    on = controlled_content(a, as_of="2026-11-22", rules=[N18], customs_practice_floor=True)
    r = _row(on, N18, "Dy")
    assert (r.verdict, r.unofficial_floor) == ("below_unofficial_floor", True)
    assert "UNOFFICIAL" in r.reason
    assert any("UNOFFICIAL" in a for a in on.attrs["assumptions"])
    # 0.08 + 0.05 = 0.13 wt% > 0.1 wt%: the floor does not help
    b = sb.Alloy.parse("Nd 29, Dy 0.08, Tb 0.05, B 1, Fe bal", basis="mass")
    r2 = _row(
        controlled_content(b, "2026-11-22", rules=[N18], customs_practice_floor=True), N18, "Dy"
    )
    assert r2.verdict == "licence_required"


def test_zero_below_treats_traces_as_zero():
    a = sb.Alloy.parse("Nd 29, Dy 0.002, B 1, Fe bal", basis="mass")  # 20 ppm Dy (contamination)
    assert (
        _row(controlled_content(a, "2026-11-22", rules=[N18]), N18, "Dy").verdict
        == "licence_required"
    )
    df = controlled_content(a, "2026-11-22", rules=[N18], zero_below=5e-5)
    assert _row(df, N18, "Dy").verdict == "not_controlled"
    assert any("zero_below" in s for s in df.attrs["assumptions"])


def test_batch_equals_single_alloys():
    w = np.array(
        [
            [0.25, 0.05, 0.04, 0.00, 0.01, 0.65],
            [0.28, 0.02, 0.00, 0.00, 0.01, 0.69],
            [0.26, 0.03, 0.00, 0.02, 0.01, 0.68],
        ]
    )
    els = ["Nd", "Pr", "Dy", "Tb", "B", "Fe"]
    batch = sb.AlloyBatch(w, els, names=["a", "b", "c"])
    big = controlled_content(batch, as_of="2026-11-22")
    for i in range(3):
        one = controlled_content(batch[i], as_of="2026-11-22").set_index(
            ["rule_id", "limb", "element"]
        )
        part = big[big.alloy_index == i].set_index(["rule_id", "limb", "element"]).loc[one.index]
        assert list(part.verdict) == list(one.verdict)
        np.testing.assert_allclose(part.mass_fraction, one.mass_fraction, rtol=0, atol=1e-15)
    # alloy a (Dy) and c (Tb) need a No. 18 licence; b does not
    flags = licence_flags(batch, as_of="2026-11-22")
    assert list(flags[N18]) == [True, False, True]


def test_overlay_changes_a_material_verdict():
    a = sb.Alloy.parse("Nd 20, Ce 10, B 1, Fe bal", basis="mass")
    assert _row(controlled_content(a, "2026-11-22"), N18, "Dy").verdict == "not_controlled"
    # hypothetical overlay: Ce-containing NdFeB added to No. 18 as a magnet item
    ov = {
        "rule_sets": [
            {
                "id": N18,
                "controlled_elements+": ["Ce"],
                "items+": [
                    {"element": "Ce", "forms": ["Ce-NdFeB"], "magnet_item": "Ce-containing NdFeB"}
                ],
            }
        ]
    }
    df = controlled_content(a, "2026-11-22", catalog=load_catalog(overlays=[ov]))
    assert _row(df, N18, "Ce").verdict == "licence_required"


# --------------------------------------------------------------------------------------------- bad input
def test_bad_inputs(dy_magnet):
    with pytest.raises(
        InputError, match=r"as_of: '22/11/2026' is not a date; use ISO format YYYY-MM-DD"
    ):
        controlled_content(dy_magnet, as_of="22/11/2026")
    with pytest.raises(InputError, match=r"assume: 'unknown' is not valid"):
        controlled_content(dy_magnet, as_of="2026-11-22", assume="unknown")
    with pytest.raises(InputError, match=r"zero_below: 0.5 must be a mass fraction in \[0, 0.01\)"):
        controlled_content(dy_magnet, as_of="2026-11-22", zero_below=0.5)
    with pytest.raises(UnknownRuleError, match=r"unknown rule id 'No18'; available:"):
        controlled_content(dy_magnet, as_of="2026-11-22", rules=["No18"])
    with pytest.raises(
        InputError, match=r"expected an Alloy, an AlloyBatch or a wt% composition string"
    ):
        controlled_content(42, as_of="2026-11-22")
    with pytest.raises(InputError, match=r"catalog: expected a Catalog"):
        controlled_content(dy_magnet, as_of="2026-11-22", catalog="catalog.yaml")


# --------------------------------------------------------------------------------------------- CLI
def test_cli_content_table_and_mass(capsys):
    code = main(["content", "Nd 25, Pr 5, Dy 4, B 1, Fe bal", "--basis", "mass", "--as-of", "2026-11-22",
                 "--mass-kg", "1.6"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "licence_required" in out
    assert "64.0" in out  # 1.6 kg × 4 wt% = 0.064 kg = 64 g of Dy


def test_cli_content_csv_and_bad_input(capsys):
    assert (
        main(
            [
                "content",
                "Nd 25, Dy 4, B 1, Fe bal",
                "--basis",
                "mass",
                "--as-of",
                "2026-11-22",
                "--csv",
                "-",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("alloy,alloy_index,rule_id")
    assert main(["content", "Nd 25, Dy 4, B 1, Fe bal", "--basis", "mass", "--mass-kg", "-1"]) == 2
    assert "--mass-kg must be > 0 kg, got -1" in capsys.readouterr().err
    assert (
        main(["content", "Nd 25, Dy 4, B 1, Fe bal", "--basis", "mass", "--as-of", "2026-13-01"])
        == 2
    )
    assert "is not a date" in capsys.readouterr().err
