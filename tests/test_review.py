"""Design review: verdicts against independent evaluations, breakdowns that add up, CLI gating and bad input."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

import substitute as sb
from substitute import data
from substitute.cli import main
from substitute.ranking.study import DEFAULT_STUDY, load_study

AS_OF = "2026-11-25"  # after No. 61's suspension ended (2026-11-10): status_unknown


@pytest.fixture(scope="module")
def rv():
    return sb.review(as_of=AS_OF)


def test_default_verdict(rv):
    # decided at P(meets) ≥ 0.9 (the study's confidence): the N42SH-class baseline meets 150 °C only at
    # P ≈ 0.47 under the model's predictive distribution (2026-12-05, Tmax margin set on the suffixes'
    # minimum-HcJ magnets: its 3 wt% Dy is below the 3.4 wt% the SH minimum takes), so it fails
    assert rv.study.requirements.confidence == 0.9
    assert not rv.performance_ok
    assert not rv.compliance_ok
    assert "LICENCE REQUIRED" in rv.headline
    assert rv.failed(["compliance", "performance"]) == ["compliance", "performance"]
    tmax = rv.performance.set_index("requirement").loc["temperature_C"]
    assert tmax["p_meets"] < 0.9
    assert tmax["value"] < tmax["value_central"]  # decided on the 10 % quantile, below the centre


def test_central_predictions_at_confidence_one_half(rv):
    central = sb.review(as_of=AS_OF, top=1, confidence=0.5)
    perf = central.performance.set_index("requirement")
    np.testing.assert_allclose(perf["value"], perf["value_central"])  # central predictions decide
    assert central.performance_ok == bool((perf["margin"] >= 0).all())
    assert central.failed("performance") == ([] if central.performance_ok else ["performance"])
    # the central margin is the larger one: the 10 % quantile sits below the centre
    q90 = rv.performance.set_index("requirement")
    assert (perf["margin"] > q90["margin"]).all()
    assert (
        perf.loc["min_br_T", "margin"] >= 0
    )  # Br passes either way; Tmax fails at 0.9 and centrally
    with pytest.raises(sb.InputError, match="a percent"):
        sb.review(as_of=AS_OF, top=1, confidence=90)


def test_value_share_matches_an_independent_bom_assessment(rv):
    # the same magnet in the same assembly, assessed through the BOM path instead of the ranking
    st = rv.study
    req = st.requirements
    part = sb.Part("magnet", st.baseline, req.magnet_mass_kg, origin=st.baseline_origin)
    unit = sb.Assembly("assembly", [part], value_usd=req.assembly_value_usd)
    a = sb.assess(unit, as_of=AS_OF, prices=st.prices, assume=req.assume)
    ref = a.query("level == 'assembly' and rule_id == 'CN-MOFCOM-2025-61' and limb == '1(1)'")
    row = rv.compliance.set_index("rule").loc["CN-MOFCOM-2025-61"]
    assert row["share"] == pytest.approx(float(ref["value_share"].iloc[0]), rel=1e-9)
    assert row["share_over_threshold"] == pytest.approx(row["share"] / 0.001, rel=1e-12)
    assert row["rule_status"] == "status_unknown"
    assert row["treated_as"] == "in_force"
    assert row["status"] == ref["status"].iloc[0] == "licence_required"


def test_performance_rows_are_the_baseline_prediction(rv):
    st = rv.study
    p = sb.predict(
        st.baseline, st.route, [st.requirements.temperature_C], grain_size_um=st.grain_size_um
    )
    br = rv.performance.set_index("requirement").loc["min_br_T"]
    from substitute.properties.predictive import quantile

    q = quantile(
        "br_T", p["br_T"], p["br_T_lo"], p["br_T_hi"], 0.1
    )  # the 10 % quantile: P(meets) 0.9
    assert br["value"] == pytest.approx(float(q[0]), rel=1e-9)
    assert br["value_central"] == pytest.approx(float(p["br_T"].iloc[0]), rel=1e-9)
    assert br["margin"] == pytest.approx(
        br["value"] - 1.05, abs=1e-12
    )  # min_br_T of the study file
    assert br["passes"]


def test_suspension_window_and_assumption_change_the_verdict():
    during = sb.review(as_of="2026-06-01", top=1)  # No. 61 suspended 2025-11-07 … 2026-11-10
    assert during.compliance_ok
    after_suspended = sb.review(as_of=AS_OF, assume="suspended", top=1)
    # status_unknown treated as suspended does not pass a gate: the verdict is unknown (issue 11, item 6)
    assert not after_suspended.compliance_ok
    n61 = after_suspended.compliance.set_index("rule").loc["CN-MOFCOM-2025-61"]
    assert (n61.status, n61.status_if_in_force, n61.rule_status) == (
        "unknown_status",
        "licence_required",
        "status_unknown",
    )
    assert after_suspended.failed(["compliance"]) == ["compliance"]
    assert after_suspended.failed(["compliance"], accept_unknown=True) == []
    assert "UNKNOWN" in after_suspended.headline
    assert any("not conservative" in a for a in after_suspended.assumptions)


def test_breakdowns_add_up_to_the_ranking_totals(rv):
    s = rv.substitutes.set_index("label")
    cost = rv.cost.groupby("magnet", sort=False)["cost_usd_per_part"].sum()
    np.testing.assert_allclose(cost.loc[s.index], s["cost_usd_per_part"], rtol=1e-9)
    c61 = rv.content[rv.content["condition"].str.startswith("CN-MOFCOM-2025-61")]
    share = c61.groupby("magnet", sort=False)["share"].sum().reindex(s.index, fill_value=0.0)
    np.testing.assert_allclose(share, s["controlled_value_share"], rtol=1e-9, atol=1e-15)
    # No. 18 does not apply to a magnet made outside China: no content row compares with it
    assert not rv.content["condition"].str.startswith("CN-MOFCOM-GAC-2025-18").any()


def test_top_rows_and_magnets(rv):
    assert list(rv.substitutes["label"]) == ["baseline", "#1", "#2", "#3", "#4", "#5"]
    assert len(rv.magnets) == 6
    first = rv.result.table.iloc[0]
    assert rv.substitutes.loc[1, "hcj_kA_per_m"] == pytest.approx(first["hcj_kA_per_m"])
    assert rv.substitutes.loc[1, "hcj_kA_per_m_q"] == pytest.approx(first["hcj_kA_per_m_q"])
    assert rv.substitutes.loc[1, "qualifies"]


def test_the_substitutes_table_shows_the_values_the_verdict_decides_on(rv):
    # the baseline's row had shown its central Tmax (154 °C, above the 150 °C requirement) while the
    # performance table, at the 10 % quantile, said it FAILS at 127 °C (both before the 2026-12-05 refit)
    perf = rv.performance.set_index("requirement")
    base = rv.substitutes.iloc[0]
    assert base["tmax_C_q"] == pytest.approx(perf.loc["temperature_C", "value"])
    assert (
        base["tmax_C_q"] < base["tmax_C"]
    )  # the central value, which the table had shown, is higher
    from substitute.report.html import render_html

    html = render_html(rv)
    section = html[html.index('id="substitutes"') :]
    assert f"{base['tmax_C_q']:.0f}" in section
    assert "Tmax (°C, 10% quantile)" in section


def test_json_is_complete_and_audited(rv):
    d = json.loads(rv.to_json())
    assert d["verdict"]["compliance_ok"] is False
    raw = data.path(DEFAULT_STUDY).read_bytes()
    assert d["audit"]["study_sha256"] == hashlib.sha256(raw).hexdigest()
    assert d["audit"]["study_text"] == raw.decode()
    assert d["audit"]["as_of"] == AS_OF
    for key in (
        "catalog_version",
        "catalog_hash",
        "price_vector",
        "price_vector_date",
        "price_hash",
    ):
        assert d["audit"][key]
    assert d["ranking"]["n_candidates"] == len(rv.result.table)
    assert {r["rule_id"] for r in d["rules"]} == {"CN-MOFCOM-2025-61", "CN-MOFCOM-GAC-2025-18"}


def test_review_of_a_study_built_in_code():
    st = load_study(None, as_of=AS_OF)
    r = sb.review(st, top=2)
    assert r.audit["study_sha256"] is None
    assert len(r.substitutes) == 3
    with pytest.raises(sb.InputError, match=r"overrides .*as_of.* apply to study files"):
        sb.review(st, as_of=AS_OF)


@pytest.mark.parametrize(("top", "match"), [(0, "top must be an integer ≥ 1"), (1.5, "got 1.5")])
def test_bad_top(top, match):
    with pytest.raises(sb.InputError, match=match):
        sb.review(top=top)


# ------------------------------------------------------------------------------------------- CLI
def test_cli_writes_report_and_json(tmp_path, capsys):
    html, js = tmp_path / "review.html", tmp_path / "review.json"
    assert main(["review", "-o", str(html), "--json", str(js), "--as-of", AS_OF, "--top", "3"]) == 0
    out = capsys.readouterr().out
    assert "VERDICT" in out
    assert "LICENCE REQUIRED" in out
    page = html.read_text(encoding="utf-8")
    assert '<section id="verdict"' in page
    ids = re.findall(r'<figure class="plot" id="([^"]+)">\s*<svg', page)
    assert ids == ["plot-pareto", "plot-br-hcj", "plot-demag", "plot-content", "plot-cost"]
    # self-contained: no script, no external resource (SVG namespaces are not requests)
    assert "<script" not in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert "@import" not in page
    assert json.loads(js.read_text(encoding="utf-8"))["verdict"]["performance_ok"] is False


def test_cli_review_says_which_model_a_measured_baseline_gave(tmp_path, capsys):
    # a study whose baseline magnet was measured is reviewed on the model calibrated to it: the reviewer
    # reads which model and which interval the verdict rests on, on the console and in the report
    text = data.path("examples/default-study.toml").read_text(encoding="utf-8")
    text = text.replace(
        'route = "sintered"\n',
        'route = "sintered"\nmeasured_br_T = 1.31\nmeasured_hcj_kA_per_m = 1700\n',
        1,
    )
    study = tmp_path / "measured.toml"
    study.write_text(text, encoding="utf-8")
    html = tmp_path / "review.html"
    main(["review", str(study), "-o", str(html), "--as-of", AS_OF, "--top", "3"])
    out = capsys.readouterr().out
    assert "Property model calibrated to the measured baseline (Br 1.31 T, HcJ 1700 kA/m)" in out
    assert re.search(r"interval of HcJ ×0\.\d\d–×1\.\d\d", out)  # a lever's effect, not ×0.2–×5
    assert "calibrated to the measured baseline" in html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("fail_on", "code"),
    # an empty --fail-on is bad input (2), never a gate that passes everything
    [("compliance", 1), ("performance", 1), ("compliance,performance", 1), ("", 2)],
)
def test_cli_exit_code_gates_on_what_fail_on_names(fail_on, code, capsys):
    assert main(["review", "--as-of", AS_OF, "--top", "1", "--fail-on", fail_on]) == code
    out = capsys.readouterr().out
    assert ("→ exit 1" in out) == (code == 1)


def test_cli_json_to_stdout(capsys):
    assert main(["review", "--as-of", AS_OF, "--top", "1", "--json", "-"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["headline"].startswith("N42SH-class baseline")
    assert "VERDICT" in cap.err


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (
            ["--fail-on", "cost"],
            r"fail-on: unknown check\(s\) 'cost'; valid: compliance, performance",
        ),
        # an empty gate is refused, not silently switched off (issue 17)
        (["--fail-on", ""], r"fail-on: no check named \(got ''\)"),
        (["--fail-on", " , "], r"fail-on: no check named"),
        (["--as-of", "25/11/2026"], "not a date"),
        (["-o", "{tmp}"], "is a directory"),
        (["-o", "{tmp}/missing/r.html"], "folder .*missing does not exist"),
        (["-o", "{tmp}/afile/r.html"], "afile is not a folder"),
        (["--json", "{tmp}"], r"--json output: .* is a directory"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args, match, tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    argv = ["review", "--top", "1", *[a.format(tmp=tmp_path) for a in args]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert re.search(match, err)
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_cli_bad_study_file_exits_2(tmp_path, capsys):
    p = tmp_path / "s.toml"
    p.write_text('[study]\nname = "x"\ncolour = "red"\n', encoding="utf-8")
    assert main(["review", str(p), "-o", str(tmp_path / "r.html")]) == 2
    assert "unknown key(s) colour" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_nothing_half_written_when_rendering_fails(tmp_path, monkeypatch, capsys):
    out = tmp_path / "review.html"
    out.write_text("previous report", encoding="utf-8")

    def boom(_rv):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("substitute.report.html.render_html", boom)
    # a crash is exit 3 with one line (never 1, the code of a failed check) and leaves the old report
    assert main(["review", "--as-of", AS_OF, "--top", "1", "-o", str(out)]) == 3
    assert "internal error: RuntimeError: renderer crashed" in capsys.readouterr().err
    with pytest.raises(RuntimeError, match="renderer crashed"):
        main(["--debug", "review", "--as-of", AS_OF, "--top", "1", "-o", str(out)])
    assert out.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["review.html"]


def test_write_atomic_leaves_nothing_when_the_writer_fails(tmp_path):
    from substitute.outputs import write_atomic

    def half(p):
        p.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(sb.InputError, match=r"could not write .*x\.csv: No space left on device"):
        write_atomic(tmp_path / "x.csv", half, what="table")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["rank", "--csv", "{tmp}"],
        ["rank", "--json", "{tmp}/missing/x.json"],
        ["whatif", "notebooks/fleet-whatif.toml", "-o", "{tmp}/missing/x.csv"],
    ],
)
def test_other_commands_refuse_unwritable_outputs_before_work(argv, tmp_path, capsys):
    root = Path(__file__).resolve().parents[1]
    args = [a.format(tmp=tmp_path) for a in argv]
    args = [str(root / a) if a.endswith("fleet-whatif.toml") else a for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert re.search(r"output: .*(is a directory|folder .*missing does not exist)", err)
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("line", "match"),
    [
        (
            'min_br_T = "900 kA/m"',
            r"line 4 \[requirements\] min_br_T: '900 kA/m' is a magnetic field",
        ),
        ("min_br_T = true", r"line 4 \[requirements\] min_br_T: expected a number in T"),
        ('min_hcj_kA_per_m = "12 kOe"\nmin_bhmax = 3', r"line 5 \[requirements\]: unknown key"),
    ],
)
def test_cli_review_names_the_key_and_line_of_a_bad_requirement(line, match, tmp_path, capsys):
    p = tmp_path / "study.toml"
    p.write_text('[baseline]\ngrade = "N42SH"\n[requirements]\n' + line + "\n", encoding="utf-8")
    assert main(["review", str(p), "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err)
    assert not (tmp_path / "r.html").exists()


def test_failing_baseline_and_no_substitute_still_give_a_full_report(tmp_path, capsys):
    # Br ≥ 1.5 T at 150 °C is out of reach of any NdFeB (Js of Nd2Fe14B ≈ 1.61 T at room temperature)
    p = tmp_path / "hard.toml"
    p.write_text(
        '[baseline]\ngrade = "N42SH"\n[requirements]\nmin_br_T = 1.5\n'
        "[space]\ndy_mass_percent = [0.0, 1.0]\n",
        encoding="utf-8",
    )
    html = tmp_path / "r.html"
    argv = ["review", str(p), "-o", str(html), "--as-of", AS_OF, "--fail-on", "performance"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "FAIL Br at 150 °C" in out
    assert "no substitute in the design space meets every requirement" in out
    page = html.read_text(encoding="utf-8")
    assert "FAILS PERFORMANCE" in page
    assert "No substitute in the design space meets every requirement and threshold" in page
    assert page.count('<figure class="plot"') == 5


def _study(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BASE_TOML = (
    '[baseline]\ncomposition = "Nd 22, Pr 7, Dy 3, Co 1, B 1, Fe bal"\nbasis = "mass"\n{origin}'
    '[requirements]\nmade_in = "{made_in}"\n'
    "[space]\ndy_mass_percent = [0.0, 3.0]\n"
)


def test_magnet_made_in_china_is_a_no18_item_with_its_dy_content(tmp_path):
    p = _study(tmp_path, "cn.toml", BASE_TOML.format(origin="", made_in="CN"))
    r = sb.review(p, as_of=AS_OF, top=1)
    row = r.compliance.set_index("rule").loc["CN-MOFCOM-GAC-2025-18"]
    assert row["status"] == "licence_required"
    assert row["share"] == pytest.approx(0.03, rel=1e-9)  # 3 wt% Dy, the only listed element
    assert "controlled item (3 wt% of listed elements)" in row["sentence"]
    c18 = r.content.query(
        "magnet == 'baseline' and condition.str.startswith('CN-MOFCOM-GAC-2025-18')"
    )
    assert c18.set_index("element")["share"].to_dict() == pytest.approx({"Dy": 0.03}, rel=1e-9)
    # No. 61 catches foreign-made items only: nothing to compare for a magnet made in China
    assert not r.content["condition"].str.startswith("CN-MOFCOM-2025-61").any()


def test_unknown_origin_counts_as_china_origin(tmp_path):
    shares = {}
    for origin in ("CN", "unknown"):
        text = BASE_TOML.format(origin=f'origin = {{ Dy = "{origin}" }}\n', made_in="non-CN")
        r = sb.review(_study(tmp_path, f"{origin}.toml", text), as_of=AS_OF, top=1)
        shares[origin] = r.compliance.set_index("rule").loc["CN-MOFCOM-2025-61", "share"]
    assert shares["unknown"] == pytest.approx(shares["CN"], rel=1e-12)
    assert shares["CN"] > 0.001


def test_report_without_any_listed_element_says_so(tmp_path):
    text = (
        '[baseline]\ncomposition = "Nd 22, Pr 7, Co 1, B 1, Fe bal"\nbasis = "mass"\n'
        '[requirements]\nmade_in = "CN"\n[space]\nco_mass_percent = [1.0, 2.0]\n'
    )
    html = tmp_path / "r.html"
    assert main(["review", str(_study(tmp_path, "free.toml", text)), "-o", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    assert "No applicable licence condition lists an element of these magnets." in page
    assert "BELOW EVERY THRESHOLD" in page


@pytest.fixture(scope="module")
def whatif_csv(tmp_path_factory):
    out = tmp_path_factory.mktemp("whatif") / "fleet.csv"
    fleet = Path(__file__).resolve().parents[1] / "notebooks" / "fleet-whatif.toml"
    assert main(["whatif", str(fleet), "-o", str(out)]) == 0
    return out


def test_review_includes_whatif_results(whatif_csv, tmp_path, capsys):
    import pandas as pd

    html, js = tmp_path / "r.html", tmp_path / "r.json"
    argv = ["review", "--whatif", str(whatif_csv), "-o", str(html), "--json", str(js), "--top", "1"]
    assert main(argv) == 0
    raw = pd.read_csv(whatif_csv)
    expect = raw.groupby("design")["licence_required"].sum().astype(int).to_dict()
    d = json.loads(js.read_text(encoding="utf-8"))
    got = {r["design"]: r["n_licence_required"] for r in d["whatif"]["summary"]}
    assert got == expect
    assert len(d["whatif"]["rows"]) == len(raw)
    assert d["audit"]["whatif_sha256"] == hashlib.sha256(whatif_csv.read_bytes()).hexdigest()
    page = html.read_text(encoding="utf-8")
    assert '<section id="whatif">' in page
    assert 'id="plot-whatif-costs"' in page
    assert 'id="plot-whatif-fleet"' in page
    out = capsys.readouterr().out
    for design, n in expect.items():
        assert f"what-if: {design}: licence required in {n} of" in out
    # beside it, how often the design fails its performance requirement: the HRE-free design needs no
    # licence but fails in every scenario, which the console line did not say
    fails = (~raw.groupby("design")["meets_requirements"].all()).to_dict()
    n_fail = (raw.assign(f=~raw["meets_requirements"]).groupby("design")["f"].sum()).to_dict()
    for design, n in n_fail.items():
        assert (
            f"fails its performance requirement in {n} of"
            in out.split(f"what-if: {design}:")[1].splitlines()[0]
        )
    assert fails["HRE-free: Ce 10 % of LRE, hot-deformed"]


@pytest.mark.parametrize(
    ("content", "name", "match"),
    [
        ("a,b\n1,2\n", "x.csv", r"missing column\(s\) design, scenario"),
        ("a,b\n1,2\n", "x.txt", r"expected a \.csv or \.parquet file, got '\.txt'"),
        (None, "missing.csv", r"what-if results '.*missing\.csv' not found"),
    ],
)
def test_bad_whatif_results_exit_2(content, name, match, tmp_path, capsys):
    p = tmp_path / name
    if content is not None:
        p.write_text(content, encoding="utf-8")
    assert main(["review", "--whatif", str(p), "--top", "1"]) == 2
    assert re.search(match, capsys.readouterr().err)


def test_review_carries_the_audit_record_and_control_items():
    rv = sb.review(as_of=AS_OF, top=1)
    a = rv.audit
    assert a["run_utc"].endswith("+00:00")
    assert "status_unknown" in a["status_after_windows"]
    c = rv.compliance.set_index("rule")
    assert c.loc["CN-MOFCOM-2025-61", "control_code"] == "Annex 1 Part II"
    assert c.loc["CN-MOFCOM-2025-61", "rule_source"].startswith("http")
    assert c.loc["CN-MOFCOM-2025-61", "evidence_date"] == "2026-11-11"
    # the JSON carries the same rows
    doc = rv.to_dict()
    row = next(r for r in doc["verdict"]["compliance"] if r["rule"] == "CN-MOFCOM-2025-61")
    assert {"control_code", "rule_source", "evidence_date", "verified"} <= set(row)


def test_cli_review_gate_fails_on_unknown_unless_accepted(capsys):
    from substitute.cli import main

    argv = [
        "review",
        "--as-of",
        AS_OF,
        "--assume",
        "suspended",
        "--top",
        "1",
        "--fail-on",
        "compliance",
    ]
    assert main(argv) == 1
    assert "--accept-unknown lets it pass" in capsys.readouterr().out
    assert main([*argv, "--accept-unknown"]) == 0


def test_china_made_review_shows_the_condition_that_applies(tmp_path):
    # issue 15: for a magnet made in China every candidate sat at value share 0 on the Pareto plot and
    # "0.000 %" stood next to LICENCE REQUIRED: the any-content rule (No. 18) is what applies there
    import warnings

    import substitute as sb
    from substitute import data
    from substitute.report import plots

    text = data.path("examples/default-study.toml").read_text(encoding="utf-8")
    p = tmp_path / "cn.toml"
    p.write_text(text.replace('made_in = "non-CN"', 'made_in = "CN"'), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ModelDomainWarning)
        rv = sb.review(p, as_of=AS_OF, top=3)
    base = rv.result.baseline
    assert base["controlled_value_share"] == 0.0  # No. 61 does not apply to a China-made magnet
    assert base["controlled_content_fraction"] == pytest.approx(0.03)  # 3 wt% Dy: No. 18 applies
    ax = plots.pareto(rv.result)
    assert "content of the elements the rules list" in ax.get_ylabel()
    from substitute.report.html import render_html

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.ModelDomainWarning)
        page = render_html(rv)
    assert "listed-element content" in page
    assert "3.000 %" in page
