"""Parts, assemblies, assess (value share per BOM level), headroom, crossing price, BOM files, CLI.

Worked example (docs/compliance.md): a 1.6 kg magnet of Nd 25 / Pr 5 / Dy 4 / B 1 / Fe 65 wt% in an
e-axle worth USD 4,200, evaluated on 2026-11-22 under No. 61/2025 limb 1(1) (value share ≥ 0.1 %,
regulations.md §2.3), status_unknown treated as in force.

Hand arithmetic used below (pymatgen atomic masses Dy 162.500, O 15.9994):
  Dy in Dy2O3 = 325.000 / 372.9982 = 0.8713179
  Dy mass      = 1.6 kg × 0.04 = 0.064 kg
  ex-China:    Dy2O3 800 USD/kg (Benchmark, Jul 2025) → 800 / 0.8713179 = 918.149 USD/kg Dy
               value 0.064 × 918.149 = 58.762 USD → share 58.762 / 4200 = 1.3991 % → margin 13.991
  China:       Dy2O3 1.63M CNY/t (SMM, 4 Jun 2025) / 7.2 CNY/USD = 226.389 USD/kg → 259.824 USD/kg Dy
               value 0.064 × 259.824 = 16.629 USD → share 16.629 / 4200 = 0.39592 % → margin 3.9592
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import substitute as sb
from substitute import data
from substitute.cli import main
from substitute.compliance import (
    Assembly,
    Part,
    assess,
    crossing_price,
    headroom,
    load_bom,
    load_catalog,
    value_share_batch,
)
from substitute.errors import DataError, InputError, PriceError

N18 = "CN-MOFCOM-GAC-2025-18"
N61 = "CN-MOFCOM-2025-61"
AS_OF = "2026-11-22"


def magnet(dy_wt_pct: float = 4.0) -> sb.Alloy:
    return sb.Alloy.from_mass_percent(
        {"Nd": 25.0, "Pr": 5.0, "Dy": dy_wt_pct, "B": 1.0, "Fe": 69.0 - dy_wt_pct}
    )


def axle(origin=None, dy=4.0, **part_kw) -> Assembly:
    origin = {"Dy": "CN"} if origin is None else origin
    return Assembly(
        "e-axle", [Part("rotor magnets", magnet(dy), 1.6, origin=origin, **part_kw)], value_usd=4200
    )


def row(df, level, rule=N61, limb="1(1)"):
    sel = df[(df.level == level) & (df.rule_id == rule) & (df.limb == limb)]
    assert len(sel) == 1, (level, rule, limb)
    return sel.iloc[0]


# --------------------------------------------------------------------------------------------- worked example
@pytest.mark.parametrize(
    ("prices", "value_usd", "share", "margin"),
    [
        ("ex_china_2025", 58.762, 0.013991, 13.991),
        ("china_domestic_2025", 16.629, 0.0039592, 3.9592),
    ],
)
def test_worked_example_cn_dy(prices, value_usd, share, margin):
    r = row(assess(axle(), as_of=AS_OF, prices=prices), "assembly")
    assert r.controlled_mass_kg == pytest.approx(0.064, rel=1e-12)
    assert r.controlled_value_cn_usd == pytest.approx(value_usd, rel=1e-4)
    assert r.value_share == pytest.approx(share, rel=1e-4)
    assert r.share_over_threshold == pytest.approx(margin, rel=1e-4)
    assert r.status == "licence_required"
    assert (r.rule_status, r.treated_as, r.assumption, r.as_of) == (
        "status_unknown",
        "in_force",
        "in_force",
        AS_OF,
    )
    assert r.threshold == pytest.approx(0.001, rel=0, abs=0)
    assert "No. 61/2025 limb 1(1)" in r.reason
    assert any("status_unknown" in a for a in r.assumptions)


def test_worked_example_non_cn_dy_gives_no_no61_licence():
    unit = Assembly(
        "e-axle",
        [
            Part(
                "rotor magnets",
                magnet(),
                1.6,
                origin={"Dy": "non-CN"},
                made_in="non-CN",
                technology_origin="non-CN",
            )
        ],
        value_usd=4200,
        made_in="non-CN",
    )
    df = assess(unit, as_of=AS_OF)
    no61 = df[df.rule_id == N61]
    assert not no61.status.isin(["licence_required", "unknown_status"]).any()
    r = row(df, "assembly")
    assert (r.value_share, r.status) == (0.0, "below_threshold")
    # No. 18 governs exports from China: a magnet made outside China is not caught
    assert row(df, "part", N18, "").status == "not_controlled"


def test_unknown_origin_counts_as_china():
    r = row(assess(axle(origin="unknown"), as_of=AS_OF), "assembly")
    assert r.value_share == pytest.approx(0.013991, rel=1e-4)
    assert r.value_share_best_case == 0.0  # unknown as non-China
    assert any(
        "unknown origin of Dy in 'rotor magnets' counted as China-origin" in a
        for a in r.assumptions
    )


def test_origin_shares_and_recycled():
    half = row(assess(axle(origin={"Dy": {"CN": 0.5, "non-CN": 0.5}}), as_of=AS_OF), "assembly")
    # half the Dy is China-origin: 0.013991 / 2 = 0.0069954
    assert half.value_share == pytest.approx(0.0069954, rel=1e-4)
    rec = axle(origin={"Dy": "recycled"})
    assert row(assess(rec, as_of=AS_OF), "assembly").value_share == 0.0
    worst = row(assess(rec, as_of=AS_OF, recycled_counts_as="CN"), "assembly")
    assert worst.value_share == pytest.approx(0.013991, rel=1e-4)
    assert any("recycled Dy" in a for a in worst.assumptions)


def test_assume_suspended_and_dates():
    # status_unknown treated as suspended is not a pass: the verdict says unknown (issue 11, item 6)
    r = row(assess(axle(), as_of=AS_OF, assume="suspended"), "assembly")
    assert (r.status, r.status_if_in_force, r.treated_as, r.assumption) == (
        "unknown_status",
        "licence_required",
        "suspended",
        "suspended",
    )
    # inside the No. 70 suspension window
    r2 = row(assess(axle(), as_of="2025-12-15"), "assembly")
    assert (r2.rule_status, r2.status, r2.status_if_in_force) == (
        "suspended",
        "not_controlled",
        "licence_required",
    )


def test_no18_only_at_part_level():
    df = assess(axle(), as_of=AS_OF)
    # the assembly gets a recorded "no" that cites why (MOFCOM FAQ V), the part the verdict
    asm = row(df, "assembly", N18, "")
    assert asm.status == "not_controlled"
    assert "deep-processed" in asm.reason
    assert "not applied at assembly level" in asm.reason
    # made_in unknown is treated as made in China for No. 18 (conservative), and says so
    r = row(df, "part", N18, "")
    assert r.status == "licence_required"
    assert any("made_in of 'rotor magnets' unknown" in a for a in r.assumptions)


def test_part_without_value_is_flagged():
    r = row(assess(axle(), as_of=AS_OF), "part")
    assert r.value_basis == "raw_material_estimate"
    assert any("has no value_usd: valued at raw-material cost" in a for a in r.assumptions)


def test_technology_limb_is_a_flag_not_a_computation():
    assert row(assess(axle(), as_of=AS_OF), "assembly", limb="1(2)").status == "unknown_status"
    assert (
        row(assess(axle(technology_origin="CN"), as_of=AS_OF), "assembly", limb="1(2)").status
        == "licence_required"
    )
    df = assess(axle(technology_origin="CN"), as_of=AS_OF)
    r62 = row(df, "part", "CN-MOFCOM-2025-62", "")
    assert r62.status == "not_controlled"  # No. 62 controls technology transfer, never the part
    assert "FLAG" in r62.reason


def test_mass_share_is_a_labelled_alternative():
    unit = Assembly(
        "e-axle",
        [Part("rotor magnets", magnet(), 1.6, origin={"Dy": "CN"})],
        value_usd=4200,
        mass_kg=90,
    )
    r = row(assess(unit, as_of=AS_OF, share_basis="mass_share"), "assembly")
    # 0.064 kg / 90 kg = 0.000711 < 0.001 → below on the mass reading
    assert r.share_over_threshold == pytest.approx(0.064 / 90 / 0.001, rel=1e-12)
    assert r.status == "below_threshold"
    assert r.reason.startswith("ALTERNATIVE READING (mass share")


@pytest.mark.parametrize(
    ("end_use", "destination", "effect"),
    [
        ("military", None, "presumption_of_denial"),  # No. 61 Art. 3
        ("military", "US", "prohibited"),  # No. 46/2024 clause 1
        # issue 17: "USA" and the name read as US, never as an unknown destination (that weakened the verdict)
        ("military", "USA", "prohibited"),
        ("military", "United States", "prohibited"),
        ("military_end_user", "JP", "prohibited"),  # No. 1/2026
        ("semiconductor_<=14nm", None, "case_by_case"),  # No. 61 Art. 4
        ("humanitarian", None, "exempt_with_report"),  # No. 61 Art. 5
        ("civil_automotive", None, ""),
    ],
)
def test_end_use(end_use, destination, effect):
    r = row(assess(axle(), as_of=AS_OF, end_use=end_use, destination=destination), "assembly")
    assert r.end_use_effect == effect


@pytest.mark.parametrize("bad", ["Atlantis", "U.S.", "", 42])
def test_unknown_destination_is_refused(bad):
    with pytest.raises(sb.InputError, match="destination"):
        assess(axle(), as_of=AS_OF, end_use="military", destination=bad)


def test_overlay_changes_a_verdict():
    # 0.05 wt% CN Dy: 1.6 × 0.0005 × 918.149 = 0.73452 USD → 0.73452 / 4200 = 0.017488 % (< 0.1 %)
    unit = axle(dy=0.05)
    base = row(assess(unit, as_of=AS_OF), "assembly")
    assert base.status == "below_threshold"
    assert base.value_share == pytest.approx(0.00017488, rel=1e-4)
    cat = load_catalog(
        overlays=[
            {"rule_sets": [{"id": N61, "limbs": [{"id": "1(1)", "threshold": {"value": 0.0001}}]}]}
        ]
    )
    hypo = row(assess(unit, as_of=AS_OF, catalog=cat), "assembly")
    assert hypo.status == "licence_required"
    assert hypo.share_over_threshold == pytest.approx(1.7488, rel=1e-4)  # 0.00017488 / 0.0001


def test_audit_stamp():
    df = assess(axle(), as_of=AS_OF, prices="china_domestic_2025")
    a = df.attrs["audit"]
    assert a["catalog_version"] == "1.1.0"
    assert a["price_vector"] == "china_domestic_2025"
    assert a["price_vector_date"] == "2025-06-04"
    assert a["as_of"] == AS_OF
    assert {"substitute_version", "catalog_hash", "price_hash"} <= set(a)


# --------------------------------------------------------------------------------------------- headroom
def test_headroom_hand_computed_and_round_trip():
    h = headroom(axle(), "rotor magnets", "Dy", as_of=AS_OF, prices="ex_china_2025").iloc[0]
    # w* = T·V / (m·s·p) = 0.001 × 4200 / (1.6 × 1 × 918.149) = 4.2 / 1469.04 = 0.0028590 (0.28590 wt%)
    assert h.max_mass_fraction == pytest.approx(0.0028590, rel=1e-4)
    assert h.max_grams == pytest.approx(4.5744, rel=1e-4)  # 0.0028590 × 1.6 kg × 1000
    # crossing price of the 4 wt% design: 4.2 USD / 0.064 kg = 65.625 USD/kg Dy
    assert h.crossing_price_usd_per_kg == pytest.approx(65.625, rel=1e-12)
    # round trip: the alloy at the headroom gives margin 1.0 (and, with ">=", a licence)
    at = row(assess(axle(dy=100 * h.max_mass_fraction), as_of=AS_OF), "assembly")
    assert at.share_over_threshold == pytest.approx(1.0, rel=1e-9)


def test_headroom_with_other_content_and_non_cn():
    # a second part carries 10 g of CN Tb: 0.010 kg × 4263.6 USD/kg = 42.64 USD > 4.2 USD already
    tb = sb.Alloy.from_mass_percent({"Nd": 29.0, "Tb": 1.0, "B": 1.0, "Fe": 69.0})
    unit = Assembly(
        "e-axle",
        [
            Part("rotor magnets", magnet(), 1.6, origin={"Dy": "CN"}),
            Part("sensor magnet", tb, 1.0, origin="CN"),
        ],
        value_usd=4200,
    )
    h = headroom(unit, "rotor magnets", "Dy", as_of=AS_OF).iloc[0]
    assert h.max_mass_fraction == 0.0
    assert h.limited_by == "other China-origin content already reaches the threshold"
    h2 = headroom(axle(origin={"Dy": "non-CN"}), "rotor magnets", "Dy", as_of=AS_OF).iloc[0]
    assert h2.max_mass_fraction == 1.0
    assert np.isinf(h2.crossing_price_usd_per_kg)


def test_crossing_price_per_level():
    cp = crossing_price(axle(), "Dy", as_of=AS_OF)
    a = cp[cp.level == "assembly"].iloc[0]
    assert a.crossing_price_usd_per_kg == pytest.approx(65.625, rel=1e-12)  # 4.2 / 0.064
    assert a.price_ratio == pytest.approx(65.625 / 918.149, rel=1e-5)


def test_value_share_batch_matches_assess():
    b = sb.AlloyBatch.concat([magnet(4.0), magnet(0.0), magnet(0.05)])
    vs = value_share_batch(b, mass_kg=1.6, item_value_usd=4200, as_of=AS_OF, origin={"Dy": "CN"})
    np.testing.assert_allclose(vs.value_share, [0.013991, 0.0, 0.00017488], rtol=1e-4)
    assert list(vs.status) == ["licence_required", "not_controlled", "below_threshold"]


# --------------------------------------------------------------------------------------------- bad input
def test_part_and_assembly_bad_input():
    a = magnet()
    with pytest.raises(InputError, match=r"part 'm': mass_kg must be > 0 \(kg\), got -1.6"):
        Part("m", a, -1.6)
    with pytest.raises(InputError, match=r"part 'm': value_usd must be > 0 \(USD\), got 0"):
        Part("m", a, 1.6, value_usd=0)
    with pytest.raises(InputError, match=r"assembly 'x': value_usd must be > 0 \(USD\), got -5"):
        Assembly("x", [Part("m", a, 1.6)], value_usd=-5)
    with pytest.raises(
        InputError,
        match=r"assembly 'x': its parts weigh 1.6 kg, more than the assembly's mass_kg 1 kg",
    ):
        Assembly("x", [Part("m", a, 1.6)], value_usd=100, mass_kg=1.0)
    with pytest.raises(InputError, match=r"origin for 'Dy': origin shares sum to 0.9, not 1"):
        Part("m", a, 1.6, origin={"Dy": {"CN": 0.6, "non-CN": 0.3}})
    with pytest.raises(
        InputError, match=r"unknown origin 'China'; valid: 'CN', 'non-CN', 'recycled', 'unknown'"
    ):
        Part("m", a, 1.6, origin={"Dy": {"China": 1.0}})
    with pytest.raises(InputError, match=r"technology_origin: 'yes' is not valid"):
        Part("m", a, 1.6, technology_origin="yes")
    with pytest.raises(InputError, match=r"duplicate child name\(s\) 'm'"):
        Assembly("x", [Part("m", a, 1.0), Part("m", a, 1.0)], value_usd=100)
    with pytest.raises(InputError, match=r"needs at least one part"):
        Assembly("x", [], value_usd=100)


def test_assess_bad_input():
    with pytest.raises(InputError, match=r"end_use: 'war' is not known; valid: civil"):
        assess(axle(), as_of=AS_OF, end_use="war")
    with pytest.raises(InputError, match=r"levels: 'motor' is not valid"):
        assess(axle(), as_of=AS_OF, levels=["motor"])
    with pytest.raises(InputError, match=r"share_basis: 'weight' is not valid"):
        assess(axle(), as_of=AS_OF, share_basis="weight")
    with pytest.raises(InputError, match=r"as_of: '2026-11-22T00:00' is not a date"):
        assess(axle(), as_of="2026-11-22T00:00")


def test_missing_price_that_matters():
    # CN Dy needs a Dy price for the value share: a vector without Dy is an error naming Dy
    with pytest.raises(PriceError, match=r"price vector 'user' has no price for 'Dy'"):
        assess(axle(), as_of=AS_OF, prices={"Nd": 60.0})
    # a part without value is valued at raw-material cost, which needs every element's price
    al = sb.Alloy.parse("Nd 29, Dy 2, Zr 0.5, B 1, Fe bal", basis="mass")
    with pytest.raises(PriceError, match=r"no price for 'Zr'"):
        assess(Part("m", al, 1.0, origin="CN"), as_of=AS_OF)


def test_headroom_bad_input():
    with pytest.raises(
        InputError,
        match=r"element 'Nd' is not counted by No. 61/2025 limb 1\(1\) \(Part I elements: Sm, Dy",
    ):
        headroom(axle(), "rotor magnets", "Nd", as_of=AS_OF)
    with pytest.raises(InputError, match=r"part: 'stator' is not in 'e-axle'"):
        headroom(axle(), "stator", "Dy", as_of=AS_OF)
    with pytest.raises(InputError, match=r"headroom at 'rotor magnets' needs its value_usd"):
        headroom(axle(), "rotor magnets", "Dy", as_of=AS_OF, level="rotor magnets")


# --------------------------------------------------------------------------------------------- BOM file + CLI
def test_example_bom_reproduces_worked_example():
    item, settings = load_bom(data.path("examples/e-axle-bom.yaml"))
    assert settings["as_of"] == AS_OF
    df = assess(item, as_of=settings["as_of"], prices=settings["prices"])
    assert row(df, "assembly").value_share == pytest.approx(0.013991, rel=1e-4)
    # every level of the BOM is reported: assembly, two sub-assemblies, the magnet part
    levels = df[(df.rule_id == N61) & (df.limb == "1(1)")][["level", "item"]].values.tolist()
    assert levels == [["assembly", "e-axle"], ["subassembly", "traction motor"], ["subassembly", "rotor"],
                      ["part", "rotor magnets"]]  # fmt: skip


def test_bom_file_errors(tmp_path):
    p = tmp_path / "bom.yaml"
    p.write_text(
        "format: substitute-bom/1\nitem:\n  name: x\n  value_usd: 100\n  parts:\n"
        "    - {name: m, composition_wt_pct: 'Nd 30, Fe bal', mass_kg: 1, colour: red}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DataError, match=r"bom.yaml: entry 'x/m': field 'colour': Extra inputs are not permitted"
    ):
        load_bom(p)
    p.write_text(
        "format: substitute-bom/1\nitem:\n  name: x\n  value_usd: 100\n  parts:\n"
        "    - {name: m, mass_kg: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"entry 'x/m': give exactly one of 'composition_wt_pct'"):
        load_bom(p)
    p.write_text(
        "format: substitute-bom/1\nitem:\n  name: x\n  value_usd: 0\n  parts:\n"
        "    - {name: m, composition_wt_pct: 'Nd 30, Fe bal', mass_kg: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        DataError, match=r"entry 'x': assembly 'x': value_usd must be > 0 \(USD\), got 0"
    ):
        load_bom(p)
    with pytest.raises(DataError, match=r"BOM file .*missing.yaml' not found"):
        load_bom(tmp_path / "missing.yaml")


def test_cli_assess(capsys):
    bom = str(data.path("examples/e-axle-bom.yaml"))
    assert main(["assess", bom]) == 0
    out = capsys.readouterr().out
    assert "1.3991" in out
    assert "licence_required" in out
    assert main(["assess", bom, "--check"]) == 1  # CI gate: a licence is required
    capsys.readouterr()
    assert main(["assess", bom, "--json", "-", "--assume", "suspended"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "substitute-assess/1"
    assert doc["audit"]["assume"] == "suspended"
    assert all(r["assumption"] == "suspended" for r in doc["rows"])
    assert main(["assess", bom, "--prices", "nowhere"]) == 2
    assert "unknown price vector 'nowhere'" in capsys.readouterr().err


def test_duplicate_key_in_a_bom_is_an_error_not_the_last_value(tmp_path):
    # issue 17: "value_usd: 4200" then "value_usd: 100000" silently turned a licence into below-threshold
    p = tmp_path / "bom.yaml"
    p.write_text(
        "name: motor\nvalue_usd: 4200\nvalue_usd: 100000\nmade_in: non-CN\nparts: []\n",
        encoding="utf-8",
    )
    with pytest.raises(sb.SubstituteError, match=r"'value_usd' appears twice .*lines 2 and 3"):
        sb.load_bom(p)


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    import time

    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i in range(15):
        prev, cur = chr(97 + i), chr(98 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    p = tmp_path / "bomb.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = time.perf_counter()
    with pytest.raises(sb.SubstituteError, match="alias references"):
        sb.load_bom(p)
    assert time.perf_counter() - t < 2.0


def test_a_bom_that_contains_itself_is_bad_input(tmp_path):
    # issue 17: an alias to an enclosing node made a RecursionError traceback
    p = tmp_path / "self.yaml"
    p.write_text(
        "format: substitute-bom/1\nitem: &it\n  name: e-axle\n  value_usd: 4200\n  made_in: non-CN\n"
        "  parts:\n    - name: inner\n      value_usd: 100\n      made_in: non-CN\n      parts: [*it]\n",
        encoding="utf-8",
    )
    with pytest.raises(sb.SubstituteError, match="refers to itself"):
        sb.load_bom(p)


def test_a_bom_nested_hundreds_deep_is_bad_input(tmp_path):
    lines = [
        "format: substitute-bom/1",
        "item:",
        "  name: top",
        "  value_usd: 4200",
        "  made_in: non-CN",
        "  parts:",
    ]
    ind = "  "
    for i in range(300):
        lines.append(ind * (2 * i + 2) + f"- name: s{i}")
        lines.append(ind * (2 * i + 2) + "  parts:")
    lines.append(ind * 602 + "- name: leaf")
    p = tmp_path / "deep.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(sb.SubstituteError, match="nested"):
        sb.load_bom(p)


def test_an_alias_bomb_under_the_alias_limit_is_refused_quickly(tmp_path):
    # 80 aliases nested eight deep stand for 10^9 values: the tree check walked every one of them (a hang)
    import time

    lines = ["format: substitute-bom/1", "x0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 9):
        lines.append(f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    p = tmp_path / "bomb.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = time.perf_counter()
    with pytest.raises(sb.SubstituteError, match="more than 1,000,000 values once its aliases"):
        sb.load_bom(p)
    assert time.perf_counter() - t < 2.0


def test_shared_nodes_are_fine_below_the_limits(tmp_path):
    from substitute.data import load_user_yaml

    doc = load_user_yaml("a: &a {x: 1}\nb: [*a, *a, *a]\n")
    assert doc["b"][2] == {"x": 1}


def test_part_given_by_grade_is_not_declared_free_of_dy_tb():
    # a BOM part given only as "N42": the model's chemistry for N42 holds no Dy, but a grade name does not
    # fix the Dy/Tb content (GBD grades hold Tb/Dy at every energy class) -- "not controlled" would be a
    # verdict resting on a modelled composition: it is unknown_status until the composition is declared
    n42 = sb.Alloy.from_grade("N42", hre="least")
    assert n42.get_mass_fraction("Dy")[0] == 0.0

    def unit(grade):
        part = Part("rotor magnets", n42, 1.6, origin="unknown", made_in="CN", grade=grade)
        return Assembly("e-axle", [part], value_usd=4200, made_in="non-CN")

    graded = assess(unit("N42"), as_of=AS_OF)
    no18 = row(graded, "part", N18, "")
    assert no18.status == "unknown_status"
    assert "grade N42" in no18.reason
    assert "declare composition_wt_pct" in no18.reason
    assert row(graded, "assembly").status == "unknown_status"  # No. 61 limb 1(1) on the assembly
    declared = assess(unit(None), as_of=AS_OF)  # the same composition, declared: a verdict
    assert row(declared, "part", N18, "").status == "not_controlled"
    assert row(declared, "assembly").status == "not_controlled"
    # a grade part whose modelled chemistry holds Dy is caught as it would be declared
    sh = sb.Alloy.from_grade("N42SH")
    df = assess(
        Assembly("m", [Part("p", sh, 1.0, made_in="CN", grade="N42SH")], value_usd=100),
        as_of=AS_OF,
    )
    assert row(df, "part", N18, "").status == "licence_required"


def test_bom_file_part_by_grade_carries_the_grade(tmp_path):
    text = (data.path("examples/e-axle-bom.yaml")).read_text(encoding="utf-8")
    text = text.replace('composition_wt_pct: "Nd 25, Pr 5, Dy 4, B 1, Fe bal"', "grade: N42")
    p = tmp_path / "bom.yaml"
    p.write_text(text, encoding="utf-8")
    bom, _settings = load_bom(p)
    parts = [q for q in bom.parts() if q.name == "rotor magnets"]
    assert parts[0].grade == "N42"
    # an undeclared grade fails the gate
    assert main(["assess", str(p), "--as-of", AS_OF, "--check"]) != 0


def test_grade_part_at_the_no61_threshold():
    # hand-built case around 0.1 %: the same modelled N42SH magnet (it holds Dy), China-origin Dy,
    # in a foreign-made assembly whose value puts the share just below / just above the threshold
    sh = sb.Alloy.from_grade("N42SH")

    def share_row(value_usd, grade):
        part = Part("magnets", sh, 1.0, origin="CN", made_in="non-CN", grade=grade)
        return row(
            assess(Assembly("unit", [part], value_usd=value_usd, made_in="non-CN"), as_of=AS_OF),
            "assembly",
        )

    cv = float(share_row(1e6, None).controlled_value_cn_usd)
    assert cv > 0
    below, above = cv / 0.000999, cv / 0.001001  # share 0.0999 % and 0.1001 %
    assert share_row(below, None).status == "below_threshold"
    assert share_row(below, "N42SH").status == "unknown_status"  # modelled Dy: not a verdict
    assert share_row(above, None).status == "licence_required"
    assert share_row(above, "N42SH").status == "licence_required"  # caught either way
    assert share_row(cv / 0.001, "N42SH").status == "licence_required"  # a tie goes to the rule
