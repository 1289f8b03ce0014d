"""CLI: in-process calls to main([...]) with exit codes and output."""

from __future__ import annotations

import math

import pytest

from substitute.cli import main
from substitute.properties import _tables as tb


def test_show_default_baseline(capsys):
    assert main(["show"]) == 0
    out = capsys.readouterr().out
    assert "N42SH-class baseline" in out
    assert "*Dy" in out  # heavy rare earth highlighted
    assert "total rare earth: 32.00 wt%" in out


def test_show_composition(capsys):
    assert main(["show", "Nd30 Dy2 B1 Fe bal", "--basis", "mass"]) == 0
    assert "heavy rare earth (Dy+Tb+Ho): 2.00 wt%" in capsys.readouterr().out


def test_bad_composition_is_one_line_exit_2(capsys):
    assert main(["show", "Nd30 Xx2 Fe bal", "--basis", "mass"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown element 'Xx'")
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_basis_exit_2(capsys):
    assert main(["show", "Nd30 Fe70"]) == 2
    assert "ambiguous" in capsys.readouterr().err


def test_unknown_option_exit_2(capsys):
    assert main(["show", "--bogus"]) == 2
    assert "No such option" in capsys.readouterr().err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert "substitute" in capsys.readouterr().out


def test_csv_cells_cannot_run_as_formulas():
    # issue 17 (OWASP CSV injection): a part or alloy name starting with = + - @ is written with a leading '
    import pandas as pd

    from substitute.outputs import csv_safe

    df = pd.DataFrame(
        {
            "alloy": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "plain"],
            "share": [-0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
        }
    )
    out = csv_safe(df)
    assert out["alloy"].tolist() == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "plain",
    ]
    assert out["share"].tolist() == df["share"].tolist()  # numbers untouched
    assert df["alloy"].iloc[0].startswith("=")  # the caller's frame is not changed


@pytest.mark.parametrize(
    "argv",
    [
        ["review", "{study}", "-o", "{study}"],
        ["review", "{study}", "-o", "{tmp}/r.html", "--json", "{tmp}/r.html"],
        ["rank", "{study}", "--csv", "{study}"],
        ["rank", "{study}", "--csv", "{tmp}/x.csv", "--json", "{tmp}/x.csv"],
    ],
)
def test_an_output_never_replaces_an_input_or_another_output(argv, tmp_path, capsys):
    # issue 17 (data loss): the study file was overwritten by its own report with exit 0
    import shutil

    from substitute import data

    study = tmp_path / "study.toml"
    shutil.copy(data.path("examples/default-study.toml"), study)
    before = study.read_bytes()
    args = [a.format(study=study, tmp=tmp_path) for a in argv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "would destroy that file" in err
    assert len(err.strip().splitlines()) == 1
    assert study.read_bytes() == before


def test_an_output_that_is_a_device_is_refused(capsys):
    assert main(["rank", "--csv", "/dev/null"]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_a_crash_is_exit_3_with_one_line_and_debug_shows_it(monkeypatch, capsys):
    # issue 17: tracebacks exited 1, the code of "licence required"
    import substitute.cli as cli_mod

    def boom(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli_mod.cli, "main", boom)
    assert main(["show"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("internal error: ZeroDivisionError")
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "show"])


def test_an_output_that_is_a_symlink_is_refused_unless_force(tmp_path, capsys):
    # issue 17: an output path that was a symbolic link was replaced by a regular file
    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    assert main(["rank", "--csv", str(link)]) == 2
    err = capsys.readouterr().err
    assert "is a symbolic link" in err
    assert "--force" in err
    assert target.read_text() == "old\n"
    assert link.is_symlink()
    assert main(["rank", "--csv", str(link), "--force"]) == 0
    assert link.is_symlink()  # the link is followed, not replaced
    assert target.read_text().startswith("candidate,")
    dev = tmp_path / "dev"
    dev.symlink_to("/dev/null")
    assert main(["rank", "--csv", str(dev), "--force"]) == 2  # a device stays refused
    assert "not a regular file" in capsys.readouterr().err


_SIGTERM_DURING_WRITE = """
import os, signal, sys, time
import pandas as pd
from substitute.cli import main

def to_csv(self, path, **kw):
    with open(path, "w") as fh:
        fh.write("partial")
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)

pd.DataFrame.to_csv = to_csv
sys.exit(main(["rank", "--csv", sys.argv[1]]))
"""


def test_sigterm_while_writing_leaves_no_partial_file(tmp_path):
    # issue 17: SIGTERM left a hidden .part file beside the output
    import subprocess
    import sys

    out = tmp_path / "ranked.csv"
    proc = subprocess.run(
        [sys.executable, "-c", _SIGTERM_DURING_WRITE, str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 143, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "terminated"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_importing_is_one_line(monkeypatch, capsys):
    # issue 17: SIGINT during start-up printed a traceback
    import builtins

    from substitute.__main__ import run

    real_import = builtins.__import__

    def interrupted(name, *a, **k):
        if name == "substitute.cli":
            raise KeyboardInterrupt
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", interrupted)
    assert run() == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_help_and_version_do_not_import_pandas():
    # issue 15: --help took 1.8 s because every command module imported pandas at import time
    import subprocess
    import sys

    code = (
        "import sys\nfrom substitute.cli import main\n"
        "assert main(['--help']) == 0 and main(['--version']) == 0\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("argv", "code"), [(["rank"], 0), (["review", "--fail-on", "compliance"], 1), (["rules"], 0)]
)
def test_a_closed_pipe_never_changes_the_exit_code(argv, code):
    # issue 15: `substitute review | head` turned a passing review into exit 1
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "substitute", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader has gone before the first line (like `| head -0`)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == code, err
    assert "Broken pipe" not in err
    assert "Exception ignored" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["rules"],
        ["content", "Nd 25, Dy 4, B 1, Fe bal", "--basis", "mass"],
        ["assess", "{bom}"],
        ["rank", "--top", "1", "--no-progress"],
        ["review", "--top", "1"],
    ],
)
def test_one_json_convention(argv, tmp_path, capsys):
    # issue 15: --json was a flag on some commands and a file on others, with different shapes
    import json

    from substitute import data

    args = [a.format(bom=data.path("examples/e-axle-bom.yaml")) for a in argv]
    main([*args, "--json", "-"])
    captured = capsys.readouterr()
    doc = json.loads(captured.out)  # only the JSON on standard output; the text went to stderr
    assert doc["format"] == f"substitute-{argv[0]}/1"
    assert {"audit", "assumptions", "warnings"} <= set(doc)
    assert captured.err.strip()
    path = tmp_path / "out.json"
    main([*args, "--json", str(path)])
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == doc["format"]
    if argv[0] != "review":  # review writes HTML (-o) and JSON, no CSV
        assert main([*args, "--json", "-", "--csv", "-"]) == 2
        assert "only one output can go to standard output" in capsys.readouterr().err


def test_predict_command(capsys, tmp_path):
    # issue 15: a quick property prediction from the command line
    import json

    comp = "Nd 21.75, Pr 7.25, Dy 3.0, Co 1.0, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal"
    assert main(["predict", comp, "--basis", "mass", "--temperature", "20,150"]) == 0
    out = capsys.readouterr().out
    assert "HcJ kA/m" in out
    assert len([line for line in out.splitlines() if line.strip().startswith(("20 ", "150 "))]) == 2
    assert main(["predict", "N42SH", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "substitute-predict/1"
    assert doc["rows"][0]["temperature_C"] == 20.0
    assert any(a.startswith("typical chemistry of grade N42SH") for a in doc["assumptions"])
    assert main(["predict", comp, "--basis", "mass", "--temperature", "hot"]) == 2
    assert "--temperature: 'hot' is not a number" in capsys.readouterr().err
    assert main(["predict", comp, "--basis", "mass", "--route", "sintered_gbd"]) == 2
    assert "needs gbd_element" in capsys.readouterr().err


def test_predict_calibrated_to_your_measured_magnets(capsys, tmp_path):
    # sb.calibrate from the command line: the model moves to the user's magnets and the interval becomes
    # that of a lever's effect on a measured magnet; a bad file is one line and exit 2
    import json

    mine = tmp_path / "mine.csv"
    mine.write_text(
        "composition,route,br_T,hcj_kA_per_m\n"
        '"Nd 23, Pr 7.5, Dy 1, B 0.95, Co 1, Cu 0.15, Ga 0.2, Fe bal",sintered,1.33,1900\n'
        '"Nd 24, Pr 8, B 0.95, Cu 0.1, Ga 0.2, Fe bal",sintered,1.36,1450\n',
        encoding="utf-8",
    )
    comp = "Nd 23, Pr 7.5, Dy 2, B 0.95, Fe bal"
    rows = {}
    for tag, extra in (("shipped", []), ("mine", ["--measured", str(mine)])):
        assert main(["predict", comp, "--basis", "mass", "--json", "-", *extra]) == 0
        doc = json.loads(capsys.readouterr().out)
        rows[tag] = doc["rows"][0]
    assert any("model calibrated to mine.csv" in a for a in doc["assumptions"])
    width = {k: r["hcj_kA_per_m_hi"] / r["hcj_kA_per_m_lo"] for k, r in rows.items()}
    # calibrated to measured magnets, the interval is (at most) that of a lever's effect on a measured magnet
    # (held-out pairs), narrower than the shipped absolute one
    rel = tb.params()["uncertainty"]["log_interval_relative"]["hcj_kA_per_m"]
    assert width["mine"] < width["shipped"]
    assert width["mine"] <= math.exp(rel[1] - rel[0]) * 1.001
    bad = tmp_path / "bad.csv"
    bad.write_text("composition,route\nx,sintered\n", encoding="utf-8")
    assert main(["predict", comp, "--basis", "mass", "--measured", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "bad.csv" in err
    assert "lack column(s) br_T, hcj_kA_per_m" in err


def test_predict_a_grade_by_vendor_band_or_rating(capsys):
    import json

    assert main(["predict", "N42SH", "--hre", "least", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(
        a.startswith("typical chemistry of grade N42SH, least heavy RE") for a in doc["assumptions"]
    )
    # the default chemistry meets the grade's rating; where none in the window does, it says so
    assert main(["predict", "N38AH", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any("NO chemistry in the window meets Tw" in a for a in doc["assumptions"])
    assert main(["predict", "N42", "--vendor", "k&j"]) == 0
    assert "band of vendor 'k&j'" in capsys.readouterr().out
    assert main(["predict", "N42SH", "--vendor", "arnold"]) == 2
    assert "vendors that list it: kylemagnet.info" in capsys.readouterr().err
    assert main(["predict", "Nd 30, B 1, Fe bal", "--basis", "mass", "--hre", "rated"]) == 2
    assert "COMPOSITION is not one" in capsys.readouterr().err


def test_predict_grade_uses_the_br_factor_of_its_band(capsys):
    # issue 13: N35 came out at Br 1.39 T (an N48); its band is 1.17-1.22 T
    import json

    assert main(["predict", "N35", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any("Br factor 0.8" in a for a in doc["assumptions"])
    assert 1.17 <= doc["rows"][0]["br_T"] <= 1.22
    assert main(["predict", "N35", "--br-factor", "0.965", "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rows"][0]["br_T"] > 1.3


def test_no_progress_bar_into_a_log(capsys, monkeypatch):
    # the what-if's 12 rankings drew a bar into a redirected stderr (a log collected every redraw)
    from substitute.cli.options import progress_default

    assert main(["whatif", "notebooks/fleet-whatif.toml", "--draws", "0"]) == 0
    err = capsys.readouterr().err
    assert "rankings for the cheapest substitute" not in err
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert progress_default(None) is None  # on a terminal: the library's size rule
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert progress_default(None) is False
    assert progress_default(True) is True  # asked for: shown anyway


def test_whatif_says_which_designs_fail_the_performance_requirements(capsys):
    # the cheapest licence-free design of the shipped fleet (D3, HRE-free hot-deformed) fails Br at
    # 150 °C; the table of costs and licences did not say so
    from substitute.whatif.study import run_whatif_study

    assert main(["whatif", "notebooks/fleet-whatif.toml", "--draws", "0", "--no-substitutes"]) == 0
    out = capsys.readouterr().out
    legend = {ln.split(" = ")[0].strip(): ln for ln in out.splitlines() if ln.startswith("  D")}
    df = run_whatif_study("notebooks/fleet-whatif.toml", draws=0, substitutes=False)
    per = df.groupby("design", sort=False).first()
    assert list(per["meets_requirements"]) == [
        False,
        True,
        False,
    ]  # the shipped fleet's three designs
    assert "FAILS the study's performance requirements at 150 °C" in legend["D1"]
    assert f"tmax_C {per['tmax_C_q'].iloc[0]:.3g} °C (10% quantile)" in legend["D1"]
    assert "meets the study's performance requirements at 150 °C" in legend["D2"]
    assert f"br_T {per['br_T_q'].iloc[2]:.3g} T (10% quantile)" in legend["D3"]
    assert per["tmax_C_q"].iloc[0] < 150  # below the study's limits
    assert per["br_T_q"].iloc[2] < 1.05


def test_predict_keeps_every_temperature_given(capsys):
    # --temperature given twice had kept only the last one
    assert main(["predict", "N42SH", "--temperature", "20", "--temperature", "100,150"]) == 0
    rows = [ln.split()[0] for ln in capsys.readouterr().out.splitlines()[2:5]]
    assert rows == ["20", "100", "150"]


def test_predict_typical_heavy_re_says_where_the_dy_comes_from(capsys):
    # the suffixes' usual Dy contents are from memory except N and EH (grade_suffixes.md): say so
    assert main(["predict", "N42SH", "--hre", "typical"]) == 0
    assert "the suffix's usual Dy, confidence memory" in capsys.readouterr().out
    assert main(["predict", "N38EH", "--hre", "typical"]) == 0
    assert "the suffix's usual Dy, confidence source" in capsys.readouterr().out
