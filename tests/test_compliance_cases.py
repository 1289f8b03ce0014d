"""Hand-computed compliance cases: each verdict below was worked out from the rule text, not from the code.

Every case states the arithmetic and the clause it rests on. Sources of the clauses (datasets/rules/catalog.yaml,
shared/reference/regulations.md):

- No. 18/2025 (in force since 2025-04-04): items 1C902-1C908 — Sm/Gd/Tb/Dy/Lu/Sc/Y "metal, alloys and related
  products" (.a), "oxide and its mixtures" (.b), "compounds" (.c); magnet items only SmCo (1C902.a) and Tb- or
  Dy-containing NdFeB (1C904.a, 1C905.a); no content threshold ("containing", any_content); FAQ V: deep-
  processed assemblies generally out of scope.
- No. 57/2025 (Ho, Er, Tm, Eu, Yb; 1C909.a includes Ho-containing PM materials), No. 61/2025 and No. 62/2025:
  published 2025-10-09, suspended by No. 70/2025 from 2025-11-07 to 2026-11-10 inclusive; no later record:
  status_unknown from 2026-11-11. No. 61 limb 1(1) effective 2025-12-01, limb 1(3) 2025-10-09.
- No. 61 §1(1): foreign-made Annex 1 Part II item (SmCo, Tb-NdFeB, Dy-NdFeB magnet materials and parts,
  components, assemblies containing them) with China-origin Part I content (Sm, Dy, Gd, Tb, Lu, Sc, Y metals,
  Sm-Co/Tb-Fe/Dy-Fe/Tb-Dy-Fe alloys, Dy/Tb oxides) "达到0.1%及以上" of the item's value: >= 0.001.
  §1(2): Part II items made abroad with China-origin technology (no % test). §1(3): China-origin Annex 1 items.
  Art. 2-4: end users/uses; Art. 5: humanitarian exemption with a report.
- No. 1/2026: no dual-use items to Japanese military users or uses (prohibited).
- No. 23/2023: Ga metal and listed Ga compounds.

Unless a case says otherwise: as of 2026-12-04 with status_unknown treated as in force (the conservative
default), prices {Dy: 3,000 USD/kg, Tb: 9,000 USD/kg, Sm: 50 USD/kg, Gd: 30 USD/kg} of contained element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

import substitute as sb
from substitute.compliance import load_catalog
from substitute.prices import price_vector

N18, N57, N61, N62 = (
    "CN-MOFCOM-GAC-2025-18",
    "CN-MOFCOM-GAC-2025-57",
    "CN-MOFCOM-2025-61",
    "CN-MOFCOM-2025-62",
)
N23 = "CN-MOFCOM-GAC-2023-23"
PRICES = {"Dy": 3000.0, "Tb": 9000.0, "Sm": 50.0, "Gd": 30.0, "Y": 10.0, "Sc": 1000.0, "Ho": 70.0}
TODAY = "2026-12-04"

# magnets, wt%
DY_MAGNET = "Nd 28.8, Dy 1.2, B 1, Fe bal"  # Dy 1.2 wt% = 0.012
PLAIN_NDFEB = "Nd 30, B 1, Fe bal"
GD_NDFEB = "Nd 25, Gd 5, B 1, Fe bal"
HO_NDFEB = "Nd 26, Ho 4, B 1, Fe bal"
SMCO = "Sm 33.8, Co 66.2"
SMFEN = "Sm 23.3, N 3.25, Fe bal"  # Sm2Fe17N3
TERFENOL = "Tb 17.8, Dy 42.3, Fe bal"  # Tb0.3Dy0.7Fe1.92


def unit(
    comp: str = DY_MAGNET,
    *,
    value: float = 10_800.0,
    mass: float = 0.3,
    origin: Any = None,
    made_in: str = "non-CN",
    tech: str = "non-CN",
    form: str | None = None,
    family: str | None = None,
) -> sb.Assembly:
    """One magnet part (value 100 USD, so only the counted elements need a price) in a one-part assembly."""
    part = sb.Part(
        "magnet",
        sb.Alloy.parse(comp, basis="mass"),
        mass,
        origin=origin if origin is not None else {"default": "CN"},
        made_in=made_in,
        technology_origin=tech,
        value_usd=100.0,
        form=form,
        family=family,
    )
    return sb.Assembly("unit", [part], value_usd=value, made_in=made_in)


@dataclass
class Case:
    id: str
    build: Any
    rule: str
    limb: str
    level: str
    status: str
    kwargs: dict = field(default_factory=dict)
    code: str | None = None  # expected control_code (substring)
    reason: str | None = None  # expected substring of the reason
    check: Any = None  # extra assertion on the row


CASES = [
    # --- No. 61 §1(1) thresholds: China-origin Dy value 0.3 kg × 0.012 × 3,000 USD/kg = 10.80 USD
    # 10.80 / 10,800 = 0.001 exactly (binary: 0.0009999999999999998): reaches ">=" 0.1 % -> licence
    Case(
        "n61-at-threshold",
        lambda: unit(value=10_800.0),
        N61,
        "1(1)",
        "assembly",
        "licence_required",
    ),
    # 10.80 / 10,800.0108 = 0.000999999 (1e-6 relative below) -> below
    Case(
        "n61-just-below",
        lambda: unit(value=10_800.0108),
        N61,
        "1(1)",
        "assembly",
        "below_threshold",
    ),
    # 10.80 / 10,799.99 = 0.00100000093 -> licence
    Case(
        "n61-just-above", lambda: unit(value=10_799.99), N61, "1(1)", "assembly", "licence_required"
    ),
    # 10.80 / 21,600 = 0.0005 -> below, margin 0.5
    Case(
        "n61-half-threshold",
        lambda: unit(value=21_600.0),
        N61,
        "1(1)",
        "assembly",
        "below_threshold",
        check=lambda r: r.share_over_threshold == pytest.approx(0.5, rel=1e-12),
    ),
    # 10.80 / 1,080 = 0.01 -> licence, margin 10
    Case(
        "n61-ten-times",
        lambda: unit(value=1_080.0),
        N61,
        "1(1)",
        "assembly",
        "licence_required",
        check=lambda r: r.share_over_threshold == pytest.approx(10.0, rel=1e-12),
    ),
    # the part (value 100 USD): 10.80 / 100 = 10.8 % -> licence at part level too
    Case("n61-part-level", lambda: unit(), N61, "1(1)", "part", "licence_required"),
    # --- origins: non-China Dy counts 0 -> 0 % -> below
    Case(
        "n61-dy-non-cn",
        lambda: unit(value=1_080.0, origin={"Dy": "non-CN"}),
        N61,
        "1(1)",
        "assembly",
        "below_threshold",
    ),
    # unknown origin counts as China-origin -> 1 % -> licence
    Case(
        "n61-dy-unknown",
        lambda: unit(value=1_080.0, origin={"Dy": "unknown"}),
        N61,
        "1(1)",
        "assembly",
        "licence_required",
    ),
    # recycled counts as non-China by default -> below
    Case(
        "n61-dy-recycled",
        lambda: unit(value=1_080.0, origin={"Dy": "recycled"}),
        N61,
        "1(1)",
        "assembly",
        "below_threshold",
    ),
    # ... and as China with recycled_counts_as="CN" (worst case) -> licence
    Case(
        "n61-dy-recycled-as-cn",
        lambda: unit(value=1_080.0, origin={"Dy": "recycled"}),
        N61,
        "1(1)",
        "assembly",
        "licence_required",
        kwargs={"recycled_counts_as": "CN"},
    ),
    # half China-origin: 5.40 / 10,800 = 0.0005 -> below
    Case(
        "n61-dy-half-cn",
        lambda: unit(origin={"Dy": {"CN": 0.5, "non-CN": 0.5}}),
        N61,
        "1(1)",
        "assembly",
        "below_threshold",
    ),
    # --- dates: inside the No. 70 window (2026-06-01) -> not applied
    Case(
        "n61-suspended",
        lambda: unit(value=1_080.0),
        N61,
        "1(1)",
        "assembly",
        "not_controlled",
        kwargs={"as_of": "2026-06-01"},
        reason="suspended",
    ),
    # last day of the window (inclusive): 2026-11-10 -> still suspended
    Case(
        "n61-last-day",
        lambda: unit(value=1_080.0),
        N61,
        "1(1)",
        "assembly",
        "not_controlled",
        kwargs={"as_of": "2026-11-10"},
    ),
    # first day after: 2026-11-11 status_unknown, treated as in force (default) -> licence
    Case(
        "n61-first-unknown-day",
        lambda: unit(value=1_080.0),
        N61,
        "1(1)",
        "assembly",
        "licence_required",
        kwargs={"as_of": "2026-11-11"},
        check=lambda r: (r.rule_status, r.treated_as) == ("status_unknown", "in_force"),
    ),
    # status_unknown treated as suspended is NOT a pass: unknown_status
    Case(
        "n61-unknown-as-suspended",
        lambda: unit(value=1_080.0),
        N61,
        "1(1)",
        "assembly",
        "unknown_status",
        kwargs={"assume": "suspended"},
    ),
    # ... but a share below the threshold stays not controlled under that assumption (nothing to license)
    Case(
        "n61-unknown-suspended-below",
        lambda: unit(value=1_080_000.0),
        N61,
        "1(1)",
        "assembly",
        "not_controlled",
        kwargs={"assume": "suspended"},
    ),
    # limb 1(1) effective 2025-12-01: on 2025-10-15 not yet effective
    Case(
        "n61-11-not-yet-effective",
        lambda: unit(value=1_080.0),
        N61,
        "1(1)",
        "assembly",
        "not_controlled",
        kwargs={"as_of": "2025-10-15"},
        check=lambda r: r.rule_status == "not_yet_effective",
    ),
    # limb 1(3) (China-origin items) effective on publication 2025-10-09: a China-made Dy magnet -> licence
    Case(
        "n61-13-in-force-oct-2025",
        lambda: unit(made_in="CN"),
        N61,
        "1(3)",
        "part",
        "licence_required",
        kwargs={"as_of": "2025-10-15"},
    ),
    # --- limbs by place of manufacture
    # a China-made magnet is not a "foreign-made" item for 1(1)
    Case(
        "n61-11-china-made",
        lambda: unit(value=1_080.0, made_in="CN"),
        N61,
        "1(1)",
        "assembly",
        "not_controlled",
    ),
    # nor for the technology limb 1(2): China-made items are governed by the direct limbs
    Case(
        "n61-12-china-made",
        lambda: unit(made_in="CN", tech="CN"),
        N61,
        "1(2)",
        "part",
        "not_controlled",
        reason="direct limbs",
    ),
    # foreign-made Dy-NdFeB made with China-origin technology: 1(2) licence, no % test
    Case(
        "n61-12-cn-tech",
        lambda: unit(value=1e9, tech="CN"),
        N61,
        "1(2)",
        "part",
        "licence_required",
    ),
    # technology origin unknown: cannot be computed from composition -> unknown_status
    Case(
        "n61-12-tech-unknown", lambda: unit(tech="unknown"), N61, "1(2)", "part", "unknown_status"
    ),
    # foreign-made, non-China technology -> not controlled by 1(2)
    Case("n61-12-non-cn-tech", lambda: unit(), N61, "1(2)", "part", "not_controlled"),
    # a foreign-made magnet is not a China-origin item for 1(3)
    Case("n61-13-foreign-made", lambda: unit(), N61, "1(3)", "part", "not_controlled"),
    # --- item scope (No. 61 Part II): an Sm2Fe17N3 magnet is not a SmCo magnet -> not a Part II item
    Case(
        "n61-smfen-not-part-ii",
        lambda: unit(SMFEN, value=100.0),
        N61,
        "1(1)",
        "assembly",
        "not_controlled",
        reason="not an Annex 1 Part II item",
    ),
    # a foreign-made SmCo magnet with China-origin Sm: 0.3 × 0.338 × 50 = 5.07 USD / 100 = 5 % -> licence
    Case(
        "n61-smco-part-ii",
        lambda: unit(SMCO, value=100.0),
        N61,
        "1(1)",
        "assembly",
        "licence_required",
    ),
    # Terfenol-D (Tb-Dy-Fe, no B) is not NdFeB: not a Part II magnet material
    Case(
        "n61-terfenol-not-ndfeb",
        lambda: unit(TERFENOL, value=100.0),
        N61,
        "1(1)",
        "part",
        "not_controlled",
    ),
    # a Dy-free, Tb-free NdFeB magnet is not a Part II item (Gd is Part I but there is no Gd magnet entry)
    Case(
        "n61-gd-ndfeb", lambda: unit(GD_NDFEB, value=100.0), N61, "1(1)", "part", "not_controlled"
    ),
    # --- No. 18 items (exports from China: parts made in China)
    Case(
        "n18-dy-magnet",
        lambda: unit(made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        code="1C905.a",
    ),
    Case(
        "n18-gd-metal",
        lambda: unit("Gd 100", made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        code="1C903.a",
    ),
    Case(
        "n18-y-metal",
        lambda: unit("Y 100", made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        code="1C908",
    ),
    Case(
        "n18-alsc-alloy",
        lambda: unit("Al 98, Sc 2", made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        code="1C907",
    ),
    Case(
        "n18-dyfe-alloy",
        lambda: unit("Dy 80, Fe 20", made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        code="1C905.a",
    ),
    # Dy2O3 (87.1 wt% Dy, 12.9 wt% O: O >= 5 wt% -> compound) -> 1C905.b
    Case(
        "n18-dy-oxide",
        lambda: unit("Dy 87.13, O 12.87", made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        code="1C905.b",
    ),
    Case(
        "n18-smco-magnet",
        lambda: unit(SMCO, made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        code="1C902.a",
    ),
    # Terfenol-D: a Tb-Dy-Fe alloy (conservative reading of 'Tb alloys'), not an NdFeB magnet item
    Case(
        "n18-terfenol",
        lambda: unit(TERFENOL, made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        code="1C904.a",
        check=lambda r: r.form == "magnetostrictive",
    ),
    # a Gd-substituted NdFeB magnet: Gd is listed only as metal, alloy, target, compound -> not an item
    Case(
        "n18-gd-ndfeb",
        lambda: unit(GD_NDFEB, made_in="CN"),
        N18,
        "",
        "part",
        "not_controlled",
        reason="not a listed item",
    ),
    # an Sm2Fe17N3 magnet: Sm's only magnet item is SmCo -> not an item (declare form to test others)
    Case("n18-smfen", lambda: unit(SMFEN, made_in="CN"), N18, "", "part", "not_controlled"),
    # a Dy/Tb-free NdFeB magnet -> not an item
    Case(
        "n18-plain-ndfeb",
        lambda: unit(PLAIN_NDFEB, made_in="CN"),
        N18,
        "",
        "part",
        "not_controlled",
    ),
    # the same Dy magnet declared an 'other' form by the user: no item covers it -> not controlled
    Case(
        "n18-form-override",
        lambda: unit(made_in="CN", form="other"),
        N18,
        "",
        "part",
        "not_controlled",
    ),
    # made outside China: No. 18 (exports from China) does not apply to the part itself
    Case(
        "n18-made-abroad",
        lambda: unit(),
        N18,
        "",
        "part",
        "not_controlled",
        reason="made outside China",
    ),
    # made_in unknown: treated as made in China (conservative) -> licence
    Case("n18-made-unknown", lambda: unit(made_in="unknown"), N18, "", "part", "licence_required"),
    # assemblies: a recorded 'no' citing FAQ V
    Case(
        "n18-assembly-no",
        lambda: unit(made_in="CN"),
        N18,
        "",
        "assembly",
        "not_controlled",
        reason="FAQ",
    ),
    # customs floor (UNOFFICIAL, opt-in): Dy 0.08 wt% <= 0.1 -> below; at exactly 0.1 wt% the tie goes to
    # the rule (licence); 0.12 wt% -> licence
    Case(
        "n18-floor-below",
        lambda: unit("Nd 29.92, Dy 0.08, B 1, Fe bal", made_in="CN"),
        N18,
        "",
        "part",
        "below_threshold",
        kwargs={"customs_practice_floor": True},
    ),
    Case(
        "n18-floor-at",
        lambda: unit("Nd 29.9, Dy 0.1, B 1, Fe bal", made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        kwargs={"customs_practice_floor": True},
    ),
    Case(
        "n18-floor-above",
        lambda: unit("Nd 29.88, Dy 0.12, B 1, Fe bal", made_in="CN"),
        N18,
        "",
        "part",
        "licence_required",
        kwargs={"customs_practice_floor": True},
    ),
    # No. 18 before publication (2025-04-03) -> not applied
    Case(
        "n18-before",
        lambda: unit(made_in="CN"),
        N18,
        "",
        "part",
        "not_controlled",
        kwargs={"as_of": "2025-04-03"},
    ),
    # --- No. 57 Ho: Ho-containing PM materials (magnet:any)
    Case(
        "n57-ho-magnet",
        lambda: unit(HO_NDFEB, made_in="CN"),
        N57,
        "",
        "part",
        "licence_required",
        code="1C909.a",
    ),
    Case(
        "n57-ho-suspended",
        lambda: unit(HO_NDFEB, made_in="CN"),
        N57,
        "",
        "part",
        "not_controlled",
        kwargs={"as_of": "2026-06-01"},
    ),
    Case(
        "n57-ho-unknown-as-suspended",
        lambda: unit(HO_NDFEB, made_in="CN"),
        N57,
        "",
        "part",
        "unknown_status",
        kwargs={"assume": "suspended"},
    ),
    # --- other catalogued rules: Ga metal under No. 23/2023
    Case("n23-ga-metal", lambda: unit("Ga 100", made_in="CN"), N23, "", "part", "licence_required"),
    # --- end uses override content
    # China-made Dy magnet (No. 18 licence) for Japanese military use: No. 1/2026 prohibits -> prohibited
    Case(
        "end-use-jp-military",
        lambda: unit(made_in="CN"),
        N18,
        "",
        "part",
        "prohibited",
        kwargs={"end_use": "military", "destination": "JP"},
    ),
    # foreign-made assembly above the No. 61 threshold, humanitarian use: Art. 5 exemption with a report
    Case(
        "end-use-humanitarian",
        lambda: unit(value=1_080.0),
        N61,
        "1(1)",
        "assembly",
        "exempt_report_required",
        kwargs={"end_use": "humanitarian"},
    ),
    # ... military end user under No. 61 Art. 2: presumption of denial, still a licence verdict
    Case(
        "end-use-military-user",
        lambda: unit(value=1_080.0),
        N61,
        "1(1)",
        "assembly",
        "licence_required",
        kwargs={"end_use": "military_end_user"},
        check=lambda r: r.end_use_effect == "presumption_of_denial",
    ),
]


def _row(df, rule: str, limb: str, level: str):
    sel = df[(df.rule_id == rule) & (df.limb == limb) & (df.level == level)]
    assert len(sel) == 1, (rule, limb, level, df[["rule_id", "limb", "level"]].to_string())
    return sel.iloc[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hand_computed_case(case: Case):
    kw = {"as_of": TODAY, "prices": PRICES, **case.kwargs}
    df = sb.assess(case.build(), **kw)
    r = _row(df, case.rule, case.limb, case.level)
    assert r.status == case.status, r.reason
    if case.code is not None:
        assert case.code in r.control_code
    if case.reason is not None:
        assert case.reason in r.reason
    if case.check is not None:
        assert case.check(r)
    # every row carries its audit fields
    assert r.rule_source.startswith("http")
    assert r.verified in (True, False)


def test_there_are_at_least_40_cases():
    assert len(CASES) >= 40


def test_exact_threshold_share_is_binary_below_but_needs_a_licence():
    df = sb.assess(unit(value=10_800.0), as_of=TODAY, prices=PRICES)
    r = _row(df, N61, "1(1)", "assembly")
    assert (
        r.value_share < 0.001
    )  # 0.0009999999999999998: lost to binary rounding without the tie rule
    assert r.status == "licence_required"


def test_china_made_magnet_with_declared_non_china_dy_warns():
    df = sb.assess(unit(made_in="CN", origin={"Dy": "non-CN"}), as_of=TODAY, prices=PRICES)
    assert any("made in China but its Dy is declared non-China" in w for w in df.attrs["warnings"])


def test_inferred_form_is_an_assumption_and_declared_form_is_not():
    r = _row(sb.assess(unit(made_in="CN"), as_of=TODAY, prices=PRICES), N18, "", "part")
    assert r.form_inferred
    assert any("inferred from its composition" in a for a in r.assumptions)
    r2 = _row(
        sb.assess(unit(made_in="CN", form="magnet", family="NdFeB"), as_of=TODAY, prices=PRICES),
        N18,
        "",
        "part",
    )
    assert not r2.form_inferred


# --------------------------------------------------------------------------------- rule history as data
HYPO_EXTENSION = {
    "overlay": {"name": "hypothetical extension"},
    "rule_sets": [
        {
            "id": "HYPO-EXT-2026",
            "title": "Hypothetical extension of the No. 70 suspension",
            "kind": "suspension",
            "jurisdiction": "CN",
            "issuing_authority": ["MOFCOM"],
            "dates": {"published": "2026-11-09"},
            "suspends": {
                "targets": [N57, N61, N62],
                "from": "2026-11-11",
                "until": "2027-11-10",
            },
            "evaluation": {"test": "not_evaluated"},
            "sources": [{"kind": "hypothetical", "note": "what-if: suspension extended one year"}],
        }
    ],
}


def test_a_suspension_overlay_changes_its_targets_and_stays_marked_hypothetical():
    cat = load_catalog(overlays=[HYPO_EXTENSION])
    df = sb.assess(unit(value=1_080.0), as_of=TODAY, prices=PRICES, catalog=cat)
    r = _row(df, N61, "1(1)", "assembly")
    # 10.80 / 1,080 = 1 % would need a licence; the (hypothetical) extension suspends No. 61 to 2027-11-10
    assert (r.rule_status, r.status, r.status_if_in_force) == (
        "suspended",
        "not_controlled",
        "licence_required",
    )
    assert r.hypothetical
    assert not r.verified
    assert "hypothetical" in r.reason.lower()
    assert r.status_decided_by == "HYPO-EXT-2026"
    # after the extended window: unknown again
    after = _row(
        sb.assess(unit(value=1_080.0), as_of="2027-11-11", prices=PRICES, catalog=cat),
        N61,
        "1(1)",
        "assembly",
    )
    assert after.rule_status == "status_unknown"


def test_a_rule_set_that_returns_in_force_leaves_a_limb_with_its_own_window_suspended():
    ov = {
        "rule_sets": [
            {
                "id": N61,
                "status_history+": [
                    {
                        "from": "2026-11-11",
                        "status": "in_force",
                        "source": "what-if",
                        "hypothetical": True,
                    }
                ],
                "limbs": [
                    {"id": "1(2)", "suspended_from": "2026-11-11", "suspended_until": "2027-05-01"}
                ],
            }
        ]
    }
    cat = load_catalog(overlays=[ov])
    assert cat.status_at(N61, TODAY, "1(1)") == "in_force"
    assert cat.status_at(N61, TODAY, "1(2)") == "suspended"
    assert cat.status_at(N61, "2027-05-02", "1(2)") == "status_unknown"
    df = sb.assess(unit(value=1_080.0, tech="CN"), as_of=TODAY, prices=PRICES, catalog=cat)
    assert _row(df, N61, "1(1)", "assembly").status == "licence_required"
    assert _row(df, N61, "1(2)", "part").status == "not_controlled"
    assert _row(df, N61, "1(1)", "assembly").hypothetical


def test_aware_datetime_is_read_on_chinas_calendar():
    import datetime as dt

    # 2026-11-10T23:30-08:00 is 2026-11-11 15:30 in China: the first day after the window
    when = dt.datetime(2026, 11, 10, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    assert load_catalog().status_at(N61, when, "1(1)") == "status_unknown"


def test_every_output_carries_the_audit_record(tmp_path):
    bom = tmp_path / "b.yaml"
    bom.write_text(
        "format: substitute-bom/1\nitem:\n  name: unit\n  value_usd: 1000\n  parts:\n"
        "    - {name: m, composition_wt_pct: 'Nd 28.8, Dy 1.2, B 1, Fe bal', mass_kg: 0.3, "
        "origin: {Dy: CN}, made_in: non-CN, value_usd: 100}\n",
        encoding="utf-8",
    )
    df = sb.assess(sb.load_bom(bom)[0], as_of=TODAY, inputs={"bom": bom})
    a = df.attrs["audit"]
    import hashlib

    assert a["inputs"]["bom"]["sha256"] == hashlib.sha256(bom.read_bytes()).hexdigest()
    for key in (
        "run_utc",
        "substitute_version",
        "catalog_version",
        "catalog_hash",
        "price_vector",
        "price_vector_date",
        "price_hash",
        "status_after_windows",
    ):
        assert a[key], key
    assert "status_unknown" in a["status_after_windows"]
    for col in ("control_code", "rule_source", "evidence_date", "verified", "hypothetical"):
        assert col in df.columns


# --------------------------------------------------------------------------------------------- CLI gates
_BOM = """format: substitute-bom/1
as_of: "2026-12-04"
prices: {Dy: 3000.0}
item:
  name: unit
  value_usd: 1080
  made_in: non-CN
  parts:
    - {name: magnet, composition_wt_pct: "Nd 28.8, Dy 1.2, B 1, Fe bal", mass_kg: 0.3,
       origin: {Dy: CN}, made_in: non-CN, technology_origin: non-CN, value_usd: 100}
"""


@pytest.fixture
def bom_file(tmp_path):
    p = tmp_path / "unit.yaml"
    p.write_text(_BOM, encoding="utf-8")
    return p


def test_cli_check_fails_on_a_licence_and_on_an_unknown_unless_accepted(bom_file, capsys):
    from substitute.cli import main

    # 10.80 USD / 1,080 USD = 1 %: licence (No. 61 status_unknown, treated as in force)
    assert main(["assess", str(bom_file), "--check"]) == 1
    out = capsys.readouterr().out
    assert "Verdict: licence_required" in out
    assert "rule_status" in out
    assert "treated_as" in out
    # treated as suspended: unknown_status, and the gate still fails ...
    assert main(["assess", str(bom_file), "--check", "--assume", "suspended"]) == 1
    assert "a rule of unknown status would require a licence" in capsys.readouterr().out
    # ... unless unknowns are accepted explicitly
    assert (
        main(["assess", str(bom_file), "--check", "--assume", "suspended", "--accept-unknown"]) == 0
    )
    assert "unknown status accepted" in capsys.readouterr().out


def test_cli_record_is_a_complete_archive(bom_file, tmp_path, capsys):
    import hashlib
    import json

    from substitute.cli import main

    rec = tmp_path / "record.json"
    assert main(["assess", str(bom_file), "--record", str(rec)]) == 0
    doc = json.loads(rec.read_text(encoding="utf-8"))
    assert doc["verdict"] == "licence_required"
    assert (
        doc["audit"]["inputs"]["bom"]["sha256"] == hashlib.sha256(bom_file.read_bytes()).hexdigest()
    )
    assert doc["audit"]["run_utc"].endswith("+00:00")
    row = next(r for r in doc["rows"] if r["level"] == "assembly" and r["limb"] == "1(1)")
    assert row["control_code"] == "Annex 1 Part II"
    assert row["rule_source"].startswith("http")
    assert row["evidence_date"] == "2026-11-11"  # the day after the suspension window
    assert row["status"] == "licence_required"


def test_cli_content_names_the_control_item(capsys):
    from substitute.cli import main

    assert main(["content", "Gd 100", "--basis", "mass", "--as-of", TODAY]) == 0
    out = capsys.readouterr().out
    assert "1C903.a" in out
    assert "licence_required" in out
    assert main(["content", "Al 98, Sc 2", "--basis", "mass", "--as-of", TODAY]) == 0
    assert "1C907" in capsys.readouterr().out


# ------------------------------------------------------------------ zero prices (issue 17: silent flips)
def test_zero_price_of_a_counted_element_is_refused_not_below_threshold():
    # 1.6 kg x 3 wt% Dy of China origin in a 4,200 USD unit is a licence case at any market price; a
    # price vector with Dy at 0 USD/kg must not turn it into "below threshold"
    pv = price_vector("ex_china_2025").with_prices({"Dy": 0.0})
    part = sb.Part(
        name="rotor",
        alloy=sb.Alloy.parse("Nd 28, Dy 3, B 1, Fe bal", basis="mass"),
        mass_kg=1.6,
        made_in="non-CN",
        origin={"Dy": "CN"},
    )
    unit = sb.Assembly(name="motor", value_usd=4200, parts=[part], made_in="non-CN")
    with pytest.raises(sb.PriceError, match="Dy 0 USD/kg"):
        sb.assess(unit, prices=pv)
    with pytest.raises(sb.PriceError, match="falsely"):
        sb.value_share_batch(
            part.alloy, mass_kg=1.6, item_value_usd=4200, prices=pv, origin={"Dy": "CN"}
        )
    # at the floor the price is accepted
    ok = price_vector("ex_china_2025").with_prices({"Dy": 0.1})
    assert len(sb.assess(unit, prices=ok))
