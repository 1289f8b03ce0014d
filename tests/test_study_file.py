"""Study files: every error names the file, the line, the table and the key; types and units are checked."""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

import substitute as sb
from substitute import data
from substitute.composition import Alloy
from substitute.errors import (
    CompositionError,
    DataError,
    InputError,
    SubstituteError,
    UnknownElementError,
)
from substitute.locate import Where, key_lines
from substitute.properties import _tables as tb
from substitute.ranking.requirements import ComplianceCondition, Requirements
from substitute.ranking.study import DEFAULT_STUDY, load_study
from substitute.userfiles import check_value, relocate
from substitute.whatif.study import load_whatif_study

FLEET = Path(__file__).parent.parent / "notebooks" / "fleet-whatif.toml"

# ------------------------------------------------------------------------------------ key_lines
TRICKY = '''# a comment = with an equals sign
title = "top # not a comment"   # trailing comment
"quoted key" = 1
'dotted.literal' = 2
dotted . inner = 3

[table]  # header comment
arr = [
  1, # a comment with ] and [ in it
  "two ]",
  [3, 4],
]
ml = """
not_a_key = 1
[not_a_table]
"escaped \\""" quote"
"""
after = true
inline = { a = 1, "b c" = { d = [1, 2] } }
lit = \'\'\'
[fake]
\'\'\'
when = 1979-05-27 07:32:00Z

[[items]]
name = "first"
[items.sub]
x = 1
[[items]]
name = "second"
[[items.nested]]
y = 2
[[items.nested]]
y = 3

[table.child]
z = "it's"
tables = [
  { label = "one" },
  { label = "two", m = { Tb = 2.0 } },
]
'''
_L = TRICKY.splitlines()


def ln(text: str, start: int = 0) -> int:
    """1-based line of the first line equal to ``text`` (after line ``start``)."""
    return _L.index(text, start) + 1


def _leaf_paths(obj, prefix=()):
    """Every key path of a parsed TOML document (tables, keys, array elements)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield (*prefix, k)
            yield from _leaf_paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield (*prefix, i)
            yield from _leaf_paths(v, (*prefix, i))


def test_key_lines_on_a_tricky_file():
    parsed = tomllib.loads(TRICKY)  # the fixture is valid TOML
    lines = key_lines(TRICKY)
    missing = [p for p in _leaf_paths(parsed) if p not in lines]
    assert missing == []
    assert not any("not_a_key" in p or "not_a_table" in p or "fake" in p for p in lines)
    expected = {
        ("title",): 2,
        ("quoted key",): 3,
        ("dotted.literal",): 4,
        ("dotted",): 5,
        ("dotted", "inner"): 5,
        ("table",): ln("[table]  # header comment"),
        ("table", "arr"): ln("arr = ["),
        ("table", "arr", 1): ln('  "two ]",'),
        ("table", "arr", 2, 1): ln("  [3, 4],"),
        ("table", "ml"): ln('ml = """'),
        ("table", "after"): ln("after = true"),
        ("table", "inline", "b c", "d"): ln("after = true") + 1,  # inline keys: line of the parent
        ("table", "lit"): ln("lit = '''"),
        ("table", "when"): ln("when = 1979-05-27 07:32:00Z"),
        ("items",): ln("[[items]]"),
        ("items", 0): ln("[[items]]"),
        ("items", 0, "name"): ln('name = "first"'),
        ("items", 0, "sub"): ln("[items.sub]"),
        ("items", 0, "sub", "x"): ln("x = 1"),
        ("items", 1): ln("[[items]]", ln("[[items]]")),
        ("items", 1, "name"): ln('name = "second"'),
        ("items", 1, "nested", 0, "y"): ln("y = 2"),
        ("items", 1, "nested", 1): ln("[[items.nested]]", ln("y = 2")),
        ("items", 1, "nested", 1, "y"): ln("y = 3"),
        ("table", "child"): ln("[table.child]"),
        ("table", "child", "z"): ln('z = "it\'s"'),
        ("table", "child", "tables", 1, "m", "Tb"): ln('  { label = "two", m = { Tb = 2.0 } },'),
    }
    assert {p: lines.get(p) for p in expected} == expected


@pytest.mark.parametrize("path", [DEFAULT_STUDY, FLEET])
def test_key_lines_of_the_shipped_studies_point_at_the_key(path):
    p = data.path(path) if isinstance(path, str) else path
    text = p.read_text(encoding="utf-8")
    lines, rows = key_lines(text), text.splitlines()
    for key in _leaf_paths(tomllib.loads(text)):
        assert key in lines, key
        last = key[-1]
        row = rows[lines[key] - 1]
        if isinstance(last, str):
            assert last in row, (key, row)
        elif isinstance(key[-2], str) and row.lstrip().startswith("[["):
            assert key[-2] in row, (key, row)


def test_key_lines_stops_quietly_on_text_it_cannot_follow():
    assert key_lines("a = 1\n= oops\nb = 2\n") == {("a",): 1}


def test_read_user_file_returns_lines(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[study]\n\nname = "x"\n', encoding="utf-8")
    raw, lines = data.read_user_file(p, what="study file", with_lines=True)
    assert raw == {"study": {"name": "x"}}
    assert lines[("study", "name")] == 3
    y = tmp_path / "s.yaml"
    y.write_text("a: 1\n", encoding="utf-8")
    assert data.read_user_file(y, what="overlay", with_lines=True) == ({"a": 1}, {})


# ------------------------------------------------------------------------------------ study files
BASE = """[study]
name = "t"

[baseline]
composition = "Nd 21.75, Pr 7.25, Dy 3.0, Co 1.0, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal"
basis = "mass"

[requirements]
as_of = "2026-12-01"
"""
# line numbers in BASE: [study] 1, name 2, [baseline] 4, composition 5, basis 6, [requirements] 8,
# as_of 9; a key appended to BASE is on line 10, the next on line 11.


def _load(tmp_path: Path, text: str, **overrides):
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    return load_study(p, **overrides), p


def _error(tmp_path: Path, text: str, error=InputError, **overrides) -> str:
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(error) as info:
        load_study(p, **overrides)
    msg = str(info.value)
    assert msg.startswith(str(p)) or msg.startswith("option ")
    return msg.removeprefix(str(p))


def test_unknown_keys_name_key_and_line(tmp_path):
    msg = _error(tmp_path, BASE.replace('name = "t"', 'name = "t"\ncolour = "red"'))
    assert msg.startswith(" line 3 [study]: unknown key(s) colour; valid keys: description, name,")
    msg = _error(tmp_path, BASE + "min_br = 1\n")
    assert msg.startswith(" line 10 [requirements]: unknown key(s) min_br; valid keys: as_of,")
    msg = _error(tmp_path, BASE.replace('name = "t"', 'name = "t"\ncolour = "red"\n\nshade = 1'))
    assert msg.startswith(" line 3 [study]: unknown key(s) colour, shade (lines 3, 5); valid keys")


def test_unknown_table_names_table_and_line(tmp_path):
    msg = _error(tmp_path, BASE + "\n[colours]\nred = 1\n")
    assert msg == (
        " line 11: unknown table(s) colours; valid tables: baseline, prices, requirements, space, study"
    )
    msg = _error(tmp_path, "study = 5\n" + BASE.replace('[study]\nname = "t"\n', ""))
    assert msg == " line 1 study: expected a table [study], got an integer"


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (
            'min_br_T = "high"',
            r" line 10 \[requirements\] min_br_T: expected a number in T \(or a quantity such as "
            r'"1\.1 T" or "11 kG"\), got \'high\' \(a string\)$',
        ),
        (
            "min_br_T = true",
            r" line 10 \[requirements\] min_br_T: expected a number in T .* got true \(a boolean\)",
        ),
        ("permeance = false", r"permeance: expected a number, got false \(a boolean\)"),
        (
            "conservative = 1",
            r" line 10 \[requirements\] conservative: expected true or false, got 1 \(an integer\)",
        ),
        ("permeance = [2.0]", r"permeance: expected a number, got \[2\.0\] \(an array\)"),
        ('permeance = "2"', r"permeance: expected a number, got '2' \(a string\)"),
        (
            'max_cost_usd_per_kg = "90 USD"',
            r"max_cost_usd_per_kg: expected a number in USD/kg, got",
        ),
        ("assume = 1", r"assume: expected a string, got 1 \(an integer\)"),
        ("as_of = 2026", r"as_of: expected a string or a date \(YYYY-MM-DD\), got 2026"),
        ('made_in = ["CN"]', r"made_in: expected a string, got \['CN'\] \(an array\)"),
        ("compliance = 3", r"compliance: expected an array of tables"),
        (
            'compliance = ["x"]',
            r"\[\[requirements\.compliance\]\] #1: expected a table .*got a string",
        ),
    ],
)
def test_wrong_types_in_requirements(tmp_path, extra, match):
    text = BASE + extra + "\n"
    if extra.startswith("as_of"):
        text = text.replace('as_of = "2026-12-01"\n', "")
    _raises(tmp_path, text, match)


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _raises(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        load_study(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        (
            'name = "t"',
            'name = "t"\ntop = true',
            r" line 3 \[study\] top: expected an integer, got true",
        ),
        ('name = "t"', 'name = "t"\ntop = 2.5', r"top: expected an integer, got 2\.5 \(a float\)"),
        ('name = "t"', 'name = "t"\ntop = 0', r" line 3 \[study\] top: must be ≥ 1, got 0"),
        ('name = "t"', "name = 5", r" line 2 \[study\] name: expected a string, got 5"),
        (
            'name = "t"',
            'objectives = "cost"',
            r"objectives: expected an array of strings, got 'cost'",
        ),
        (
            'name = "t"',
            'objectives = ["cost", "colour"]',
            r" line 2 \[study\] objectives\[1\]: 'colour' is not one of value_share, ",
        ),
        (
            'basis = "mass"',
            'basis = "mass"\nroute = "cast"',
            r" line 7 \[baseline\] route: 'cast' is not one of sintered,",
        ),
        (
            'basis = "mass"',
            'basis = "mass"\norigin = { Dy = "Mars" }',
            r" line 7 \[baseline\] origin\.Dy: 'Mars' is not one of CN, non-CN, recycled",
        ),
        (
            'basis = "mass"',
            'basis = "mass"\norigin = "CN"',
            r"origin: expected a table of strings, got 'CN'",
        ),
        (
            'basis = "mass"',
            'basis = "mass"\nthickness_mm = true',
            r"thickness_mm: expected a number in mm",
        ),
    ],
)
def test_wrong_types_in_study_and_baseline(tmp_path, old, new, match):
    _raises(tmp_path, BASE.replace(old, new), match)


@pytest.mark.parametrize(
    ("space", "match"),
    [
        (
            "dy_mass_percent = 3.0",
            r" line 12 \[space\] dy_mass_percent: expected an array of numbers, got 3\.0 \(a float\)",
        ),
        (
            'route = "sintered"',
            r" line 12 \[space\] route: expected an array of strings, got 'sintered'",
        ),
        (
            "co_mass_percent = [1, true]",
            r" line 12 \[space\] co_mass_percent\[1\]: expected a number, got true",
        ),
        ('families = ["ferrite", 2]', r"families\[1\]: expected a string, got 2 \(an integer\)"),
        (
            "dy_wt = [1]",
            r" line 12 \[space\]: unknown key\(s\) dy_wt; valid keys: al_mass_percent,",
        ),
        (
            "co_mass_percent = { min = 1, max = 2 }",
            r" line 12 \[space\] co_mass_percent: lever 'co_mass_percent': a range needs",
        ),
        (
            "co_mass_percent = { min = 1, max = 2, stride = 1 }",
            r" line 12 \[space\] co_mass_percent: unknown key\(s\) stride; valid keys: max, min, step$",
        ),
        (
            "co_mass_percent = { min = 1, max = 2, step = 'a' }",
            r"co_mass_percent\.step: expected a number, got 'a'",
        ),
        (
            "dy_mass_percent = [0, 99]",
            r" line 12 \[space\] dy_mass_percent: lever 'dy_mass_percent' value 99 wt% is outside",
        ),
        (
            "tb_origin = ['CN', 'Mars']",
            r" line 12 \[space\] tb_origin: lever 'tb_origin': 'Mars' is not one of",
        ),
        (
            "ho_mass_percent = []",
            r" line 12 \[space\] ho_mass_percent: lever 'ho_mass_percent' has no values",
        ),
    ],
)
def test_space_errors_carry_the_line(tmp_path, space, match):
    text = BASE + "\n[space]\n" + space + "\n"
    _raises(tmp_path, text, match)


def test_space_from_file_is_the_same_as_in_code(tmp_path):
    text = (
        BASE
        + "\n[space]\nco_mass_percent = { min = 1, max = 2, step = 0.5 }\nroute = ['sintered']\n"
    )
    st, _ = _load(tmp_path, text)
    assert st.space.grids == {"co_mass_percent": (1.0, 1.5, 2.0), "route": ("sintered",)}


@pytest.mark.parametrize(
    ("extra", "field", "expected"),
    [
        # 1 Oe = 1000/(4π) A/m (substitute/units.py): 12 kOe = 12e3 · 1000/(4π) A/m = 954.93 kA/m
        ('min_hcj_kA_per_m = "12 kOe"', "min_hcj_kA_per_m", 12e3 * 1000 / (4 * math.pi) / 1e3),
        (
            'external_field_kA_per_m = "0.5 kOe"',
            "external_field_kA_per_m",
            500 * 1000 / (4 * math.pi) / 1e3,
        ),
        ('min_hcj_kA_per_m = "1.2e6 A/m"', "min_hcj_kA_per_m", 1200.0),
        # 1 G = 1e-4 T: 11.5 kG = 1.15 T
        ('min_br_T = "11.5 kG"', "min_br_T", 11.5e3 * 1e-4),
        ('min_br_T = "1100 mT"', "min_br_T", 1.1),
        ('min_br_T = "1.1"', "min_br_T", 1.1),  # a number written as a string: in the key's unit
        # K → °C: 423.15 K − 273.15 = 150 °C
        ('temperature_C = "423.15 K"', "temperature_C", 150.0),
        ('temperature_C = "150 °C"', "temperature_C", 150.0),
        # 1 MGOe = 1e6 G·Oe = 1e6 · 1e-4 T · 1000/(4π) A/m = 7957.7 J/m³: 40 MGOe = 318.31 kJ/m³
        (
            'min_bhmax_kJ_per_m3 = "40 MGOe"',
            "min_bhmax_kJ_per_m3",
            40e6 * 1e-4 * 1000 / (4 * math.pi) / 1e3,
        ),
        ('magnet_mass_kg = "1600 g"', "magnet_mass_kg", 1.6),
        ("temperature_C = 120", "temperature_C", 120.0),
    ],
)
def test_requirement_units_are_converted(tmp_path, extra, field, expected):
    st, _ = _load(tmp_path, BASE + extra + "\n")
    value = getattr(st.requirements, field)
    assert isinstance(value, float)
    assert value == pytest.approx(expected, rel=1e-12)


def test_baseline_units_are_converted(tmp_path):
    text = BASE.replace(
        'basis = "mass"', 'basis = "mass"\ngrain_size_um = "0.004 mm"\nthickness_mm = "0.5 cm"'
    )
    st, _ = _load(tmp_path, text)
    assert st.grain_size_um == pytest.approx(4.0, rel=1e-12)
    assert st.thickness_mm == pytest.approx(5.0, rel=1e-12)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (
            'min_br_T = "900 kA/m"',
            r"study\.toml line 10 \[requirements\] min_br_T: '900 kA/m' is a magnetic field strength; "
            r"min_br_T needs a flux density \(T, mT, G, kG\)$",
        ),
        (
            'min_hcj_kA_per_m = "1.2 T"',
            r"min_hcj_kA_per_m: '1\.2 T' is a flux density; min_hcj_kA_per_m needs a magnetic field strength",
        ),
        (
            'temperature_C = "12 kOe"',
            r"temperature_C: '12 kOe' is a magnetic field strength; temperature_C needs a temperature \(°C, K, °F\)",
        ),
        (
            'min_bhmax_kJ_per_m3 = "40 kg"',
            r"'40 kg' is a mass; min_bhmax_kJ_per_m3 needs an energy density \(kJ/m³",
        ),
        (
            'magnet_mass_kg = "2 s"',
            r"magnet_mass_kg: '2 s' is of dimension \[time\]; magnet_mass_kg needs a mass",
        ),
        (
            'magnet_mass_kg = "2 %"',
            r"magnet_mass_kg: '2 %' is dimensionless; magnet_mass_kg needs a mass",
        ),
        (
            'min_br_T = "1.1 furlong_per_T"',
            r"min_br_T: unknown unit 'furlong_per_T' in .*; min_br_T needs a flux density",
        ),
    ],
)
def test_wrong_dimension_names_key_line_and_valid_units(tmp_path, extra, match):
    text = BASE + extra + "\n"
    with pytest.raises(InputError) as info:
        load_study(_write(tmp_path, text))
    assert info.match(match)


def test_baseline_wrong_dimension(tmp_path):
    text = BASE.replace('basis = "mass"', 'basis = "mass"\ngrain_size_um = "5 kg"')
    msg = _error(tmp_path, text)
    assert (
        msg
        == " line 7 [baseline] grain_size_um: '5 kg' is a mass; grain_size_um needs a length (µm, nm, mm)"
    )


def test_errors_of_the_built_objects_carry_the_line(tmp_path):
    # Alloy.parse: the same exception class, the line of `composition`
    text = BASE.replace("B 0.95, Fe bal", "B 0.95, Xx 1, Fe bal")
    with pytest.raises(
        UnknownElementError,
        match=r"^.*study\.toml line 5 \[baseline\] composition: unknown element 'Xx'",
    ):
        load_study(_write(tmp_path, text))
    with pytest.raises(
        CompositionError, match=r"study\.toml line 6 \[baseline\]: basis must be 'mass'"
    ):
        load_study(_write(tmp_path, BASE.replace('basis = "mass"', 'basis = "volume"')))
    text = BASE.replace(
        'composition = "Nd 21.75, Pr 7.25, Dy 3.0, Co 1.0, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal"\nbasis = "mass"',
        'grade = "N99ZZ"',
    )
    with pytest.raises(
        SubstituteError,
        match=r"study\.toml line 5 \[baseline\] grade: cannot read grade name 'N99ZZ'",
    ):
        load_study(_write(tmp_path, text))
    # Requirements.__post_init__: the line of the key its message names
    msg = _error(tmp_path, BASE + "min_br_T = 1.7\n")
    assert msg.startswith(" line 10 [requirements]: min_br_T = 1.7 T exceeds the saturation")
    msg = _error(tmp_path, BASE + "assembly_value_usd = 100.0\npart_value_usd = 500.0\n")
    assert msg.startswith(
        " line 11 [requirements]: part_value_usd (500) exceeds assembly_value_usd"
    )
    msg = _error(tmp_path, BASE + 'temperature_C = "900 K"\n')
    assert msg.startswith(" line 10 [requirements]: temperature_C 626.85 °C is outside")
    msg = _error(tmp_path, BASE.replace("[requirements]", "[requirements]\nassume = 'maybe'"))
    assert msg.startswith(" line 9 [requirements]: assume must be 'in_force' or 'suspended'")
    msg = _error(tmp_path, BASE.replace('"2026-12-01"', '"tomorrow"'))
    assert msg.startswith(" line 9 [requirements] as_of: 'tomorrow' is not a date; use ISO format")
    # a condition that needs a key the file does not have: the table's line
    msg = _error(tmp_path, BASE + '\n[[requirements.compliance]]\nrule = "X"\nlevel = "part"\n')
    assert (
        msg
        == " line 8 [requirements]: condition X@part tests the part's value share: give part_value_usd"
    )


@pytest.mark.parametrize(
    ("entries", "match"),
    [
        (
            'rule = "X"\nlevel = "car"',
            r" line 13 \[\[requirements\.compliance\]\] #1 level: 'car' is not one of magnet, part, assembly",
        ),
        (
            'rule = "X"\nbasis = "volume"',
            r" line 13 \[\[requirements\.compliance\]\] #1 basis: 'volume' is not one of value_share,",
        ),
        ('level = "part"', r" line 11 \[\[requirements\.compliance\]\] #1: 'rule' is required"),
        (
            "rule = 61",
            r" line 12 \[\[requirements\.compliance\]\] #1 rule: expected a string, got 61",
        ),
        (
            'rule = "X"\nthreshold = "0.1 %"',
            r"#1 threshold: expected a number, got '0\.1 %' \(a string\)",
        ),
        (
            'rule = "X"\nthreshold = 2',
            r" line 13 \[\[requirements\.compliance\]\] #1: threshold must be a fraction",
        ),
        (
            'rule = "X"\n[[requirements.compliance]]\nrule = "Y"\nlimit = 2',
            r" line 15 \[\[requirements\.compliance\]\] #2: unknown key\(s\) limit; valid keys: basis, level, limb",
        ),
    ],
)
def test_compliance_entries(tmp_path, entries, match):
    text = BASE + "\n[[requirements.compliance]]\n" + entries + "\n"
    _raises(tmp_path, text, match)


def test_prices_table(tmp_path):
    msg = _error(tmp_path, BASE + "\n[prices]\norigin_premium = { CN = 1.2 }\n")
    assert msg == (
        " line 12 [prices] origin_premium: unknown origin(s) CN; valid origins: non-CN, recycled"
    )
    msg = _error(tmp_path, BASE + '\n[prices]\norigin_premium = { "non-CN" = "high" }\n')
    assert msg.startswith(" line 12 [prices] origin_premium.non-CN: expected a number, got 'high'")
    st, _ = _load(tmp_path, BASE + '\n[prices]\norigin_premium = { "non-CN" = 2 }\n')
    assert st.origin_premium == {"non-CN": 2.0}


def test_override_errors_name_the_option(tmp_path):
    p = _write(tmp_path, BASE)
    with pytest.raises(InputError, match=r"^option as_of: '2026-13-01' is not a date"):
        load_study(p, as_of="2026-13-01")
    with pytest.raises(
        InputError, match=r"^option assume: assume must be 'in_force' or 'suspended'"
    ):
        load_study(p, assume="maybe")
    with pytest.raises(
        InputError, match=r"^option conservative: expected true or false, got 'yes'"
    ):
        load_study(p, conservative="yes")
    with pytest.raises(InputError, match=r"^load_study: unknown option\(s\) colour; valid: prices"):
        load_study(p, colour=1)
    st = load_study(p, as_of="2026-11-22", assume="suspended", conservative=True, prices="x")
    assert (st.requirements.as_of, st.requirements.assume, st.requirements.conservative) == (
        "2026-11-22",
        "suspended",
        True,
    )
    assert st.prices == "x"


def test_from_mapping_without_lines_keeps_the_label_format():
    with pytest.raises(
        InputError, match=r"^x \[requirements\]: unknown key\(s\) min_br; valid keys"
    ):
        Requirements.from_mapping({"min_br": 1}, where="x [requirements]")
    with pytest.raises(InputError, match=r"^requirements min_br_T: expected a number in T"):
        Requirements.from_mapping({"min_br_T": "high"})
    req = Requirements.from_mapping(
        {"compliance": [ComplianceCondition("CN-MOFCOM-2025-61"), {"rule": "X", "level": "magnet"}]}
    )
    assert [c.key for c in req.compliance] == ["CN-MOFCOM-2025-61@assembly", "X@magnet"]


def test_relocate_falls_back_to_input_error_and_to_the_table():
    class TwoArgs(SubstituteError):
        def __init__(self, a, b):
            super().__init__(f"{a} {b}")

    w = Where("f.toml", {("t",): 1, ("t", "k"): 2}, ("t",))
    new = relocate(TwoArgs("bad", "thing"), w, ["k"])
    assert type(new) is InputError
    assert str(new) == "f.toml line 1 [t]: bad thing"
    assert str(relocate(ValueError("k is bad"), w, ["k"])) == "f.toml line 2 [t]: k is bad"
    assert str(relocate(ValueError("bad"), w, ["k"], default="k")) == "f.toml line 2 [t] k: bad"


def test_check_value_leaves_other_annotations_alone():
    w = Where("f")
    assert check_value(object, type, w, "x") is object
    with pytest.raises(
        InputError, match=r"^f x: expected an integer or a string, got 1\.5 \(a float\)"
    ):
        check_value(1.5, int | str, w, "x")


# ------------------------------------------------------------------------------------ default study
def test_default_study_loads_unchanged():
    """The shipped study gives the values written in the file (read here with tomllib)."""
    raw = tomllib.loads(data.path(DEFAULT_STUDY).read_text(encoding="utf-8"))
    st = load_study(None, as_of="2026-12-01")
    req = st.requirements
    for k, v in raw["requirements"].items():
        if k == "compliance":
            assert [ComplianceCondition(**c) for c in v] == list(req.compliance)
        elif k != "as_of":
            assert getattr(req, k) == v, k
            assert type(getattr(req, k)) is type(v), k
    assert req.min_br_T == 1.05
    assert req.as_of == "2026-12-01"
    fam = tuple(raw["space"].pop("families"))
    assert st.space.families == fam
    assert st.space.grids == {k: tuple(v) for k, v in raw["space"].items()}
    bl = raw["baseline"]
    ref = Alloy.parse(bl["composition"], basis=bl["basis"])
    assert st.baseline.elements == ref.elements
    assert st.baseline.mass_array.tolist() == ref.mass_array.tolist()
    assert st.baseline.name == bl["name"]
    assert (st.name, st.prices, st.top) == (raw["study"]["name"], raw["study"]["prices"], 10)
    assert st.objectives == tuple(raw["study"]["objectives"])
    assert (st.route, st.grain_size_um, st.thickness_mm) == ("sintered", 5.0, 5.0)
    assert st.baseline_origin == bl["origin"]
    assert st.origin_premium == raw["prices"]["origin_premium"]


def test_not_toml_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"not valid TOML"):
        load_study(_write(tmp_path, "x = ["))


# ------------------------------------------------------------------------------------ what-if studies
WHATIF = """[whatif]
ranking_study = "none"

[[designs]]
name = "b"
composition = "Nd 30, B 1, Fe bal"
basis = "mass"
annual_volume_units_per_year = 10
"""
# lines: [whatif] 1, ranking_study 2, [[designs]] 4, name 5, composition 6, basis 7, volume 8


def _whatif_error(tmp_path: Path, text: str, error=InputError) -> str:
    p = tmp_path / "w.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(error) as info:
        load_whatif_study(p)
    assert str(info.value).startswith(str(p))
    return str(info.value).removeprefix(str(p))


def test_whatif_study_errors_carry_lines(tmp_path):
    msg = _whatif_error(tmp_path, WHATIF.replace("[whatif]", "[whatif]\nwarp = 9"))
    assert msg.startswith(" line 2 [whatif]: unknown key(s) warp; valid keys: backend,")
    msg = _whatif_error(tmp_path, WHATIF + "\n[colours]\nred = 1\n")
    assert msg.startswith(" line 10: unknown table(s) colours; valid tables: axes, base,")
    msg = _whatif_error(tmp_path, WHATIF + 'colour = "red"\n')
    assert msg.startswith(" line 9 [[designs]] #1: unknown key(s) colour; valid keys:")
    msg = _whatif_error(tmp_path, WHATIF.replace("B 1,", "Xx 1, B 1,"), UnknownElementError)
    assert msg.startswith(" line 4 [[designs]] #1: unknown element 'Xx'")
    msg = _whatif_error(tmp_path, WHATIF + '\n[base]\nas_of = "2026-12-01"\nname = "x"\n')
    assert msg == " line 12 [base]: 'name' is not used (scenario names come from axis labels)"
    msg = _whatif_error(tmp_path, WHATIF + "\n[[scenarios]]\nname = 's'\ncolor = 1\n")
    assert msg.startswith(" line 12 [[scenarios]] #1: unknown key(s) color; valid keys: name,")
    msg = _whatif_error(tmp_path, WHATIF + "\n[[scenarios]]\nas_of = '2026-12-01'\n")
    assert msg == " line 10 [[scenarios]] #1: 'name' is required"


def test_shipped_whatif_study_still_loads():
    st = load_whatif_study(FLEET)
    assert len(st.designs) == 3
    assert len(st.scenarios) == 24


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("[baseline]\nname = 'x'\n".encode("utf-16"), "encoded as UTF-16"),
        (b"[baseline]\nname = '\xe9'\n", r"not UTF-8 \(byte 0xe9 on line 2\)"),
        (b"a = " + b"[" * 3000 + b"]" * 3000 + b"\n", "nested too deep|not valid TOML"),
        (b"a = 1" + b"0" * 5000 + b"\n", "not read|not valid TOML"),
    ],
)
def test_hostile_study_files_give_one_line(content, match, tmp_path):
    # issue 17: these gave UnicodeDecodeError, RecursionError or ValueError tracebacks
    p = tmp_path / "study.toml"
    p.write_bytes(content)
    with pytest.raises(SubstituteError, match=match):
        load_study(p)


def test_mass_and_value_not_given_are_assumed_never_declared(tmp_path, capsys):
    # issue 15: a study without the magnet's mass and the assembly's value got the demo's 1.6 kg and
    # USD 4,200 and the report called them "declared"; [baseline] name was dropped with a grade
    import json

    from substitute.cli import main
    from substitute.ranking.study import load_study, run_study

    p = tmp_path / "s.toml"
    p.write_text(
        '[study]\nname = "x"\n[baseline]\nname = "my N42SH rotor"\ngrade = "N42SH"\n'
        "[requirements]\ntemperature_C = 150.0\n",
        encoding="utf-8",
    )
    st = load_study(p)
    assert st.assumed == ("magnet_mass_kg", "assembly_value_usd")
    assert st.baseline.name == "my N42SH rotor"
    res = run_study(st, progress=False)
    assert res.messages[0].startswith("ASSUMED, not in the study file: magnet mass 1.6 kg")
    assert res.table.attrs["audit"]["assumed"] == ["magnet_mass_kg", "assembly_value_usd"]
    out = tmp_path / "r.json"
    main(["review", str(p), "--json", str(out)])
    doc = json.loads(out.read_text(encoding="utf-8"))
    text = " ".join(doc["assumptions"])
    assert "ASSUMED assembly value of USD 4,200" in text
    assert "declared" not in text
    assert "ASSUMED, not in the study file" in capsys.readouterr().out
    assert load_study().assumed == ()  # the shipped study gives both


def test_baseline_grade_of_one_vendor(tmp_path):
    from substitute.ranking.study import load_study

    p = tmp_path / "s.toml"
    p.write_text(
        '[study]\nname = "x"\n[baseline]\ngrade = "N42"\nvendor = "nblihe"\n'
        "[requirements]\ntemperature_C = 120.0\n",
        encoding="utf-8",
    )
    assert "nblihe.com" in load_study(p).baseline.name
    p.write_text(
        '[study]\nname = "x"\n[baseline]\ngrade = "N42SH"\nvendor = "arnold"\n',
        encoding="utf-8",
    )
    with pytest.raises(SubstituteError, match=r"line 4 \[baseline\].*lists no grade N42SH"):
        load_study(p)
    text = BASE.replace('basis = "mass"', 'basis = "mass"\nvendor = "arnold"')
    with pytest.raises(SubstituteError, match=r"line 7 \[baseline\]: 'vendor' goes with 'grade'"):
        load_study(_write(tmp_path, text))


def test_baseline_grade_carries_its_br_factor_and_the_file_can_set_one(tmp_path):
    from substitute.ranking.study import load_study

    p = tmp_path / "s.toml"
    p.write_text('[study]\nname = "x"\n[baseline]\ngrade = "N38"\n', encoding="utf-8")
    assert 0.79 <= load_study(p).br_factor < 0.91  # N38 (1.22-1.25 T) needs a lower factor
    p.write_text(
        '[study]\nname = "x"\n[baseline]\ngrade = "N38"\nbr_factor = 0.95\n', encoding="utf-8"
    )
    assert load_study(p).br_factor == 0.95
    p.write_text(
        '[study]\nname = "x"\n[baseline]\ngrade = "N38"\nbr_factor = 1.5\n', encoding="utf-8"
    )
    with pytest.raises(
        SubstituteError, match=r"line 5 \[baseline\] br_factor: density × alignment"
    ):
        load_study(p)
    assert load_study().br_factor is None  # the shipped study gives a composition


def _with_baseline(extra: str) -> str:
    return BASE.replace('basis = "mass"\n', f'basis = "mass"\n{extra}\n', 1)


def test_measured_baseline_calibrates_the_model_and_narrows_the_interval(tmp_path):
    # the baseline magnet as measured (Br 1.30 T, HcJ 24 kOe): the model's route factors move to it and
    # the candidates carry the interval of a lever's effect on a measured magnet, not of unknown processing
    plain, _ = _load(tmp_path, BASE)
    st, _ = _load(
        tmp_path, _with_baseline('measured_br_T = 1.30\nmeasured_hcj_kA_per_m = "24 kOe"')
    )
    assert plain.model is None
    assert st.model is not None
    assert "1.3 T" in st.model.name
    assert "1910 kA/m" in st.model.name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ModelDomainWarning)
        shipped = sb.predict(st.baseline).iloc[0]
        cal = sb.predict(st.baseline, model=st.model).iloc[0]
    # one magnet moves the route factors part of the way (the shipped fit is the prior) and the interval
    # covers what is left
    for key, measured in (("br_T", 1.30), ("hcj_kA_per_m", 24 * 79.5775)):
        assert abs(cal[key] - measured) < abs(shipped[key] - measured)
        assert cal[f"{key}_lo"] <= measured <= cal[f"{key}_hi"]
    width = cal["hcj_kA_per_m_hi"] / cal["hcj_kA_per_m"]
    rel = tb.params()["uncertainty"]["log_interval_relative"]["hcj_kA_per_m"]
    assert width < shipped["hcj_kA_per_m_hi"] / shipped["hcj_kA_per_m"]
    assert (
        width <= math.exp(rel[1]) * 1.001
    )  # a lever's effect on a measured magnet (held-out pairs)
    res = sb.run_study(replace(st, space=sb.DesignSpace({"dy_mass_percent": [1.5, 3.0]})))
    assert res.table.attrs["audit"]["property_model"] == st.model.name
    assert any(
        m.startswith("Property model calibrated to the measured baseline") for m in res.messages
    )


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ("measured_br_T = 1.30", "give both measured_br_T and measured_hcj_kA_per_m"),
        (
            "measured_br_T = 1.30\nmeasured_hcj_kA_per_m = 1600\nbr_factor = 0.95",
            "give either br_factor or the measured Br",
        ),
        (
            'measured_br_T = "strong"\nmeasured_hcj_kA_per_m = 1600',
            r"measured_br_T: expected a number in T",
        ),
    ],
)
def test_measured_baseline_errors_name_the_key(tmp_path, extra, match):
    msg = _error(tmp_path, _with_baseline(extra))
    assert "[baseline]" in msg
    assert re.search(match, msg)
