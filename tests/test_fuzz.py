"""Fuzzing of every parser of user input inside the suite (issue 17): a short, derandomised run per
parser (``SUBSTITUTE_FUZZ_EXAMPLES`` inputs each, default 1,500: about 60 s); ``make fuzz`` runs ≥ 10,000 per parser.
Property (tests/fuzzing.py): a valid result or a SubstituteError, within the parser's time bound."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fuzzing import Workdir, run_one, targets
from hypothesis import HealthCheck, Phase, given, settings

TARGETS = targets()
EXAMPLES = int(os.environ.get("SUBSTITUTE_FUZZ_EXAMPLES", "1500"))


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_parser_gives_a_result_or_one_substitute_error(target, tmp_path):
    work = Workdir(tmp_path)
    target.warm_up(work)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def prop(value):
        failure = run_one(target, value, work)
        assert failure is None, f"{failure.kind}: {failure.detail}"

    prop()
    assert sum(target.tally.values()) >= EXAMPLES // 2  # the strategy produced inputs


# ------------------------------------------------------------- regressions found by the fuzzer (issue 17)
def test_grade_name_of_spaces_is_refused_at_once():
    import time

    import substitute as sb

    t = time.perf_counter()
    for text in (" " * 3000, "x" * 50 + " " * 3000):
        with pytest.raises(sb.InputError, match="grade name"):
            sb.grade(text)
    assert sb.grade(" " * 3000 + "N42")["name"] == "N42"
    assert time.perf_counter() - t < 2.0  # the regex backtracked for 104 s on 3,000 spaces
    assert sb.grade(" n 42 sh ")["name"] == "N42SH"


def test_unit_text_that_breaks_the_expression_parser_is_a_unit_error():
    import substitute as sb
    from substitute import units

    with pytest.raises(sb.UnitError, match="unknown unit"):
        units.to_si("-1.58)\U000499c7§\xa0*;653 s", "temperature")  # TokenError before


def test_overlay_with_a_list_as_id_is_a_rule_set_error(tmp_path):
    import substitute as sb

    p = tmp_path / "ov.yaml"
    p.write_text("rule_sets:\n- id: CN-MOFCOM-2025-61\n  limbs:\n  - id: []\n", encoding="utf-8")
    with pytest.raises(sb.SubstituteError):
        sb.load_catalog(overlays=[p])
    p.write_text("rule_sets:\n- id: {a: 1}\n", encoding="utf-8")
    with pytest.raises(sb.RuleSetError, match="field 'id': required"):
        sb.load_catalog(overlays=[p])


_DESIGN = """[[designs]]
name = "a"
composition = "Nd 30, B 1, Fe bal"
basis = "mass"
magnet_mass_kg = 1.6
assembly_value_usd = 4200.0
annual_volume_units_per_year = 1000
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('designs = 5\n[whatif]\nname = "x"\n', r"expected tables \[\[designs\]\], got an integer"),
        ('whatif = 3\n[[designs]]\nname = "a"\n', r"expected a table \[whatif\], got an integer"),
        ('base = "x"\n' + _DESIGN, r"expected a table \[base\]"),
        ("[whatif]\nranking_study = 1.5\n" + _DESIGN, "ranking_study"),
    ],
)
def test_whatif_tables_of_the_wrong_type_are_named(tmp_path, text, message):
    import substitute as sb
    from substitute.whatif import load_whatif_study

    p = tmp_path / "w.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(sb.InputError, match=message):
        load_whatif_study(p)


def test_empty_objectives_and_text_draws_are_bad_input(tmp_path, capsys):
    # issue 17: both were tracebacks (exit 3 after the internal-error guard)
    from substitute import data
    from substitute.cli import main

    study = data.path("examples/default-study.toml").read_text(encoding="utf-8")
    p = tmp_path / "s.toml"
    p.write_text(
        study.replace('objectives = ["value_share"', "objectives = [] #"), encoding="utf-8"
    )
    assert main(["rank", str(p)]) == 2
    assert "objectives: empty" in capsys.readouterr().err
    fleet = (Path(__file__).parents[1] / "notebooks" / "fleet-whatif.toml").read_text(
        encoding="utf-8"
    )
    w = tmp_path / "w.toml"
    w.write_text(fleet.replace("draws = 2000", 'draws = "many"'), encoding="utf-8")
    assert main(["whatif", str(w)]) == 2
    assert "draws: expected an integer, got 'many'" in capsys.readouterr().err
    import substitute as sb

    with pytest.raises(sb.InputError, match="objectives is empty"):
        sb.rank_substitutes("N42SH", objectives=[])


def test_whatif_axes_of_another_type_load_or_are_named(tmp_path):
    # found by make fuzz: dict("") and list(5) escaped as ValueError/TypeError
    import substitute as sb
    from substitute.whatif import load_whatif_study

    p = tmp_path / "w.toml"
    # an axis mapping replaces a base value that is not a mapping
    p.write_text(
        _DESIGN + '[base]\nprices = ""\n[axes]\nprices = [{label = "x", prices = {Dy = 100.0}}]\n',
        encoding="utf-8",
    )
    assert load_whatif_study(p).scenarios[0].name == "x"
    p.write_text(_DESIGN + '[axes]\nrules = [{label = "x", overlays = 5}]\n', encoding="utf-8")
    with pytest.raises(sb.InputError, match="overlay 5 is neither a name"):
        load_whatif_study(p)


def test_a_slow_input_fails_only_if_it_is_slow_again():
    # a machine pause (GC, another process) does not repeat; a slow parser does (make fuzz, 2026-12-05: a
    # grade name took 1.24 s once and 0.002 s on every later call)
    import time

    from fuzzing import Target
    from hypothesis import strategies as st

    calls = []

    def pause_once(value):
        calls.append(value)
        if len(calls) == 1:
            time.sleep(0.06)

    once = Target("pause once", st.none(), pause_once, 0.05)
    assert run_one(once, "x", None) is None
    assert once.tally["accepted"] == 1
    always = Target("slow", st.none(), lambda value: time.sleep(0.06), 0.05)
    failure = run_one(always, "x", None)
    assert failure is not None
    assert failure.kind == "slow"
    assert "then" in failure.detail
    assert always.tally["accepted"] == 1
