"""CLI: in-process calls to main([...]) with exit codes and output."""

from __future__ import annotations

import pytest

from substitute.cli import main


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
