"""Lever maturity in the ranking (datasets/levers/maturity.csv)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

import substitute as sb
from substitute.ranking import maturity as mt


def _cands(**cols):
    n = len(next(iter(cols.values())))
    d = {"route": cols.pop("route", ["sintered"] * n)}
    d.update({f"lever_{k}": v for k, v in cols.items()})
    return pd.DataFrame(d)


def test_levels_follow_the_table():
    c = _cands(
        route=["sintered", "sintered", "sintered", "sintered_gbd", "sintered"],
        grain_size_um=[5.0, 2.0, 0.8, 1.5, 5.0],
        la_share_of_lre=[0.0, 0.0, 0.0, 0.0, 0.1],
    )
    code, basis = mt.maturity(c)
    assert [mt.LEVELS[k] for k in code] == [
        "industrial",
        "pilot",
        "laboratory",
        "pilot",
        "laboratory",
    ]
    labels = mt.maturity_table()["label"]
    assert "Inter Metalix" in labels.iloc[basis[1]]
    assert "La/Ce/Y" in labels.iloc[basis[4]]


def test_every_row_has_a_source_and_a_valid_level():
    t = mt.maturity_table()
    assert t["maturity"].isin(mt.LEVELS).all()
    assert (t["source"].str.len() > 10).all()
    # a row without a production source is never rated better than laboratory
    assert (t.loc[t["read_from"] == "none", "maturity"] == "laboratory").all()


def test_max_maturity_filters_the_ranking_and_says_why():
    st = sb.load_study(None)
    pilot = sb.run_study(st).table
    strict = sb.run_study(
        dataclasses.replace(
            st, requirements=dataclasses.replace(st.requirements, max_maturity="industrial")
        )
    )
    t = strict.table
    assert (t.loc[t["qualifies"], "maturity"] == "industrial").all()
    assert "maturity" in set(strict.eliminated["constraint"])
    assert (pilot.loc[pilot["qualifies"], "maturity"] != "laboratory").all()
    top = pilot.iloc[0]
    if top["maturity"] != "industrial":
        assert "Maturity" in top["explanation"]


def test_bad_maturity_is_refused():
    with pytest.raises(sb.InputError, match="max_maturity must be"):
        sb.Requirements(max_maturity="prototype")
    assert np.all(np.isin(mt.LEVELS, ("industrial", "pilot", "laboratory")))
