"""Rule catalog: schema, sources, verified flags, status on a date (edges), overlays, bad input.

Dates and statuses are from shared/reference/regulations.md (compiled 2026-11-22) §0–§3:
No. 18/2025 published and effective 2025-04-04; Nos. 55–58 published 2025-10-09, effective 2025-11-08,
suspended by No. 70/2025 from 2025-11-07 to 2026-11-10; No. 61 limb 1(3) effective 2025-10-09, limbs
1(1)/1(2) 2025-12-01; No. 72/2025 suspends No. 46/2024 clause 2 from 2025-11-09 to 2026-11-27.
"""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from substitute import data
from substitute.cli import main
from substitute.compliance.catalog import load_catalog
from substitute.compliance.status import parse_date, status_at, treat_status
from substitute.errors import InputError, RuleSetError, UnknownRuleError

N18 = "CN-MOFCOM-GAC-2025-18"
N57 = "CN-MOFCOM-GAC-2025-57"
N61 = "CN-MOFCOM-2025-61"
N62 = "CN-MOFCOM-2025-62"
N70 = "CN-MOFCOM-GAC-2025-70"
N46 = "CN-MOFCOM-2024-46"


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


@pytest.fixture
def raw_catalog():
    return data.read_yaml("rules/catalog.yaml")


def _write(tmp_path, obj, name="catalog.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(obj, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return p


# --------------------------------------------------------------------------------------------- content
def test_catalog_carries_every_draft_rule_set(cat):
    # the 21 rule sets of shared/reference/rulesets-draft.yaml, in its order
    expected = [
        N18, "CN-MOFCOM-GAC-2025-55", "CN-MOFCOM-GAC-2025-56", N57, "CN-MOFCOM-GAC-2025-58", N61, N62,
        N70, "CN-MOFCOM-2025-72", "CN-MOFCOM-GAC-2023-23", "CN-MOFCOM-GAC-2023-39",
        "CN-MOFCOM-GAC-2024-33", N46, "CN-MOFCOM-GAC-2025-10", "CN-MOFCOM-2026-1",
        "US-EAR-734.4-DEMINIMIS", "EU-CRMA-2024-1252-STRATEGIC", "EU-CRMA-2024-1252-CRITICAL",
        "US-DOE-2023-CML", "US-USGS-2022-CML", "US-USGS-2025-CML",
    ]  # fmt: skip
    assert list(cat.ids) == expected
    assert cat.meta.version == "1.1.0"
    assert cat.meta.compiled_on == dt.date(2026, 12, 4)


def test_every_shipped_rule_set_has_a_source_with_url(cat):
    for rs in cat:
        assert rs.sources, rs.id
        assert all(s.url for s in rs.sources), rs.id


def test_unverified_flags_are_kept(cat, raw_catalog):
    # regulations.md §7 item 10: inferred codes and the reconstructed Annex 1 stay verified: false
    dy = next(it for it in cat[N18].items if it.control_code == "1C905.a")
    assert dy.verified is False
    assert cat[N61].annex1.verified is False
    assert cat["CN-MOFCOM-2026-1"].verified is False
    assert cat["CN-MOFCOM-GAC-2025-10"].control_codes_verified is False

    def count(o):
        if isinstance(o, dict):
            return sum((("verified" in str(k)) and v is False) + count(v) for k, v in o.items())
        if isinstance(o, list):
            return sum(count(v) for v in o)
        return 0

    # the draft carries 16 `verified: false`-type flags; the catalog keeps all of them (and adds 2)
    assert count(raw_catalog["rule_sets"]) >= 16


def test_criticality_lists_are_information_only(cat):
    lists = [rs for rs in cat if rs.kind == "criticality_list"]
    assert {rs.id for rs in lists} == {
        "EU-CRMA-2024-1252-STRATEGIC",
        "EU-CRMA-2024-1252-CRITICAL",
        "US-DOE-2023-CML",
        "US-USGS-2022-CML",
        "US-USGS-2025-CML",
    }
    assert all(rs.evaluation.test == "information_only" for rs in lists)


def test_listed_elements_follow_also_includes(cat):
    # DOE 2023 includes all USGS 2022 minerals (88 FR 51792), e.g. Ho, which is not in its own 18
    assert "Ho" in cat.listed_elements("US-DOE-2023-CML")
    assert "Ho" not in cat["US-DOE-2023-CML"].controlled_elements
    # USGS 2025 = the 2022 list + additions (Cu, B …)
    usgs25 = cat.listed_elements("US-USGS-2025-CML")
    assert {"Dy", "Nd", "Cu", "B"} <= set(usgs25)


# --------------------------------------------------------------------------------------------- status edges
@pytest.mark.parametrize(
    ("rule", "limb", "date", "status"),
    [
        (N18, None, "2025-04-03", "not_yet_published"),
        (N18, None, "2025-04-04", "in_force"),
        (N18, None, "2026-11-22", "in_force"),  # not covered by No. 70
        (N57, None, "2025-11-06", "not_yet_effective"),  # published 10-09, effective 11-08
        (N57, None, "2025-11-07", "suspended"),  # No. 70 from 11-07, before it ever took effect
        (N57, None, "2025-11-08", "suspended"),
        (N57, None, "2026-11-10", "suspended"),  # window end is inclusive
        (N57, None, "2026-11-11", "status_unknown"),  # window ended, no later record
        (N70, None, "2025-11-06", "not_yet_published"),
        (N70, None, "2025-11-07", "in_force"),
        (N70, None, "2026-11-11", "status_unknown"),
        (N61, "1(3)", "2025-10-08", "not_yet_published"),
        (N61, "1(3)", "2025-10-09", "in_force"),
        (N61, "1(3)", "2025-11-06", "in_force"),
        (N61, "1(3)", "2025-11-07", "suspended"),
        (N61, "1(1)", "2025-10-09", "not_yet_effective"),  # 1(1) from 2025-12-01
        (N61, "1(1)", "2025-12-01", "suspended"),
        (N61, "1(1)", "2026-11-11", "status_unknown"),
        (N61, "1(2)", "2026-11-22", "status_unknown"),
        (N62, None, "2025-10-09", "in_force"),
        (N62, None, "2026-11-11", "status_unknown"),
        (N46, "clause1", "2026-11-22", "in_force"),
        (N46, "clause2", "2025-11-08", "in_force"),
        (N46, "clause2", "2025-11-09", "suspended"),
        (N46, "clause2", "2026-11-27", "suspended"),
        (N46, "clause2", "2026-11-28", "status_unknown"),
        ("US-USGS-2022-CML", None, "2025-11-06", "in_force"),
        ("US-USGS-2022-CML", None, "2025-11-07", "superseded"),
        ("US-USGS-2025-CML", None, "2025-11-06", "not_yet_published"),
    ],
)
def test_status_at_date_edges(cat, rule, limb, date, status):
    assert cat.status_at(rule, date, limb) == status


def test_status_accepts_date_objects(cat):
    assert status_at(cat[N18], dt.date(2025, 4, 4)) == "in_force"
    assert cat[N61].status_at(dt.date(2026, 11, 11), limb="1(1)") == "status_unknown"
    assert status_at(cat[N18], dt.datetime(2025, 4, 3, 23, 59)) == "not_yet_published"


def test_treat_status_only_changes_status_unknown():
    assert treat_status("status_unknown", "in_force") == "in_force"
    assert treat_status("status_unknown", "suspended") == "suspended"
    assert treat_status("suspended", "in_force") == "suspended"
    assert treat_status("not_yet_published", "in_force") == "not_yet_published"


def test_status_table_reports_raw_status_and_assumption(cat):
    t = cat.status_table("2026-11-22", assume="suspended")
    row = t[(t.rule_id == N61) & (t.limb == "1(1)")].iloc[0]
    assert (row.status, row.treated_as, row.assumption) == (
        "status_unknown",
        "suspended",
        "suspended",
    )
    assert row.effective == "2025-12-01"
    assert t.attrs["audit"]["catalog_version"] == "1.1.0"
    assert t.attrs["audit"]["assume"] == "suspended"
    # the suspension instrument itself lapses when its targets are treated as in force
    t2 = cat.status_table("2026-11-22")
    assert t2[t2.rule_id == N70].treated_as.item() == "lapsed"


# --------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", ["2026/11/22", "22-11-2026", "2026-11-31", "2026-1-5", "yesterday"])
def test_bad_date_format(cat, bad):
    with pytest.raises(InputError, match=r"as_of: .* is not a date; use ISO format YYYY-MM-DD"):
        cat.status_at(N18, bad)


def test_bad_date_type():
    with pytest.raises(InputError, match=r"expected a datetime\.date or an ISO string"):
        parse_date(20261122)


def test_bad_assume(cat):
    with pytest.raises(InputError, match=r"assume: 'maybe' is not valid; use 'in_force'"):
        cat.status_table("2026-11-22", assume="maybe")


def test_unknown_rule_id_lists_available(cat):
    with pytest.raises(
        UnknownRuleError, match=r"unknown rule id 'No-18'; available: CN-MOFCOM-GAC-2025-18"
    ):
        cat["No-18"]


def test_unknown_limb(cat):
    with pytest.raises(
        UnknownRuleError, match=r"has no limb or clause '1\(4\)'; valid: 1\(1\), 1\(2\), 1\(3\)"
    ):
        cat.status_at(N61, "2026-11-22", "1(4)")


@pytest.mark.parametrize(
    ("mutate", "rid", "field", "problem"),
    [
        (lambda r: r["dates"].update(published="2025/04/04"), N18, "dates.published", "valid date"),
        (
            lambda r: r.update(controlled_elements=["Sm", "Dz"]),
            N18,
            "controlled_elements",
            "unknown element 'Dz'",
        ),
        (lambda r: r.pop("sources"), N18, "sources", "Field required"),
        (lambda r: r.update(colour="red"), N18, "colour", "Extra inputs are not permitted"),
        (
            lambda r: r["threshold"].update(basis="weight"),
            N18,
            "threshold.basis",
            "Input should be",
        ),
        (
            lambda r: r.update(kind="criticality_list"),
            N18,
            "(rule set)",
            "never gives a licence verdict",
        ),
    ],
)
def test_malformed_catalog_names_file_rule_and_field(
    tmp_path, raw_catalog, mutate, rid, field, problem
):
    entry = next(r for r in raw_catalog["rule_sets"] if r["id"] == rid)
    mutate(entry)
    p = _write(tmp_path, raw_catalog)
    with pytest.raises(RuleSetError) as ei:
        load_catalog(p)
    msg = str(ei.value)
    assert str(p) in msg
    assert f"rule set {rid!r}" in msg
    assert f"field {field!r}" in msg
    assert problem in msg


def test_malformed_catalog_duplicate_id_and_bad_reference(tmp_path, raw_catalog):
    dup = dict(raw_catalog, rule_sets=[*raw_catalog["rule_sets"], raw_catalog["rule_sets"][0]])
    with pytest.raises(RuleSetError, match=rf"rule set '{N18}': field 'id': duplicated"):
        load_catalog(_write(tmp_path, dup))
    raw_catalog["rule_sets"][3]["suspended_by"] = "CN-NOPE"
    with pytest.raises(
        RuleSetError, match=r"field 'suspended_by': refers to unknown rule id 'CN-NOPE'"
    ):
        load_catalog(_write(tmp_path, raw_catalog, "c2.yaml"))


def test_catalog_file_missing_or_not_yaml(tmp_path):
    with pytest.raises(RuleSetError, match=r"catalog file .*nope\.yaml' not found"):
        load_catalog(tmp_path / "nope.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text("rule_sets: [unclosed", encoding="utf-8")
    with pytest.raises(RuleSetError, match="not valid YAML"):
        load_catalog(p)


# --------------------------------------------------------------------------------------------- overlays
def test_overlay_lowers_threshold_by_limb_id():
    cat = load_catalog(
        overlays=[
            {"rule_sets": [{"id": N61, "limbs": [{"id": "1(1)", "threshold": {"value": 0.0001}}]}]}
        ]
    )
    limbs = {lb.id: lb for lb in cat[N61].limbs}
    assert limbs["1(1)"].threshold.value == pytest.approx(0.0001, rel=0, abs=0)
    assert limbs["1(1)"].threshold.basis == "value_share"  # merged, not replaced
    assert set(limbs) == {"1(1)", "1(2)", "1(3)"}
    assert cat.version.startswith("1.1.0+overlay.")
    assert load_catalog().version == "1.1.0"  # the shipped catalog is untouched


def test_overlay_appends_part_i_inputs_from_a_file(tmp_path):
    ov = {
        "overlay": {"name": "hypothetical: Nd and Pr in Part I"},
        "rule_sets": [
            {
                "id": N61,
                "annex1": {
                    "part_I_inputs+": [
                        {"item": "Nd metal (hypothetical)", "element": "Nd"},
                        {"item": "Pr metal (hypothetical)", "element": "Pr"},
                    ]
                },
            }
        ],
    }
    cat = load_catalog(overlays=[_write(tmp_path, ov, "ov.yaml")])
    assert cat[N61].annex1.part_i_elements == ("Sm", "Dy", "Gd", "Tb", "Lu", "Sc", "Y", "Nd", "Pr")
    assert cat.overlays == ("hypothetical: Nd and Pr in Part I",)


def test_overlay_status_history_brings_rules_back():
    # hypothetical: "the October 2025 rules come back on 2026-12-01" (issue 6 scenario)
    back = {"from": "2026-12-01", "status": "in_force", "source": "hypothetical scenario"}
    cat = load_catalog(overlays=[{"rule_sets": [{"id": N57, "status_history": [back]}]}])
    assert cat.status_at(N57, "2026-11-30") == "status_unknown"
    assert cat.status_at(N57, "2026-12-01") == "in_force"


def test_overlay_adds_a_new_rule_set():
    new = {
        "id": "HYPO-ND-2027",
        "title": "hypothetical Nd control",
        "kind": "export_control",
        "jurisdiction": "CN",
        "issuing_authority": ["MOFCOM"],
        "dates": {"published": "2027-01-01", "effective": "2027-01-01"},
        "controlled_elements": ["Nd"],
        "items": [
            {"element": "Nd", "forms": ["NdFeB"], "magnet_item": "NdFeB permanent-magnet materials"}
        ],
        "threshold": {"basis": "any_content"},
        "evaluation": {
            "test": "any_content",
            "levels": ["part"],
            "origin_condition": "exported_from_china",
        },
        "sources": [{"kind": "hypothetical", "note": "what-if"}],
    }
    cat = load_catalog(overlays=[{"rule_sets": [new]}])
    assert "HYPO-ND-2027" in cat
    assert cat.status_at("HYPO-ND-2027", "2026-12-31") == "not_yet_published"


def test_malformed_overlay_names_overlay_rule_and_field(tmp_path):
    ov = {"rule_sets": [{"id": N61, "limbs": [{"id": "1(1)", "threshold": {"value": 2.0}}]}]}
    p = _write(tmp_path, ov, "bad-overlay.yaml")
    with pytest.raises(RuleSetError) as ei:
        load_catalog(overlays=[p])
    msg = str(ei.value)
    assert "bad-overlay.yaml" in msg
    assert f"rule set {N61!r}" in msg
    assert "field 'limbs.0.threshold.value'" in msg
    assert "less than or equal to 1" in msg


def test_overlay_needs_sources_for_new_rules_and_known_keys():
    with pytest.raises(
        RuleSetError, match=r"<overlay #1>: rule set 'X': field 'title': Field required"
    ):
        load_catalog(overlays=[{"rule_sets": [{"id": "X"}]}])
    with pytest.raises(RuleSetError, match=r"unknown top-level key\(s\) 'rules'"):
        load_catalog(overlays=[{"rules": []}])
    # a YAML key need not be a string ("0: {...}"): named, not a TypeError from sorting (fuzz, 2026-12-05)
    with pytest.raises(RuleSetError, match=r"unknown top-level key\(s\) 0, 'rules'"):
        load_catalog(overlays=[{0: {"name": "x"}, "rules": []}])
    with pytest.raises(RuleSetError, match=r"rule set #1: field 'id': required"):
        load_catalog(overlays=[{"rule_sets": [{"title": "no id"}]}])


# --------------------------------------------------------------------------------------------- CLI
def test_cli_rules_lists_status(capsys):
    assert main(["rules", "--as-of", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "status_unknown" in out
    # one line: what is known and unknown after the windows, and how the run treats it (issue 11)
    assert (
        "On 2026-11-22: No. 55/2025, No. 56/2025, No. 57/2025, No. 58/2025, No. 61/2025, No. 62/2025 are "
        "status_unknown — their suspension windows ended (2026-11-10)"
    ) in out
    assert "this run treats them as 'in_force'" in out


def test_cli_rules_json_and_bad_date(capsys):
    import json

    assert main(["rules", "--as-of", "2025-04-03", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    row = next(r for r in doc["rows"] if r["rule_id"] == N18)
    assert row["status"] == "not_yet_published"
    assert main(["rules", "--as-of", "03/04/2025"]) == 2
    assert "is not a date; use ISO format YYYY-MM-DD" in capsys.readouterr().err
