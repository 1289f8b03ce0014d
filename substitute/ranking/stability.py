"""Does one source of evidence decide a study's answer? The study ranked again under other property models.

:func:`winner_stability` ranks a study under the model it names (the shipped fit by default) and then under
each model given — typically the leave-one-source-out refits (``make validation`` passes one per source
of the calibration evidence, each fitted without that source). For each it reports the winner, whether it
is the reference winner, and where the reference winner now stands: a winner that holds under every
held-out model rests on no single paper; one that changes when a source is dropped rests on that source.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pandas as pd

from substitute.ranking.study import Study, run_study

__all__ = ["winner_stability"]


def _winner(table: pd.DataFrame) -> pd.Series | None:
    q = table[table["qualifies"].to_numpy(bool)]
    return q.iloc[0] if len(q) else None


def winner_stability(study: Study, models: Mapping[str, Any]) -> pd.DataFrame:
    """Rank ``study`` under its own model and under each of ``models``.

    Parameters
    ----------
    study : Study
        The study (:func:`~substitute.ranking.study.load_study`); its own ``model`` (``None``: the shipped
        fit) gives the reference winner.
    models : mapping of str to Model
        Label → property model (:class:`substitute.properties.calibration.Model`) to rank under instead.

    Returns
    -------
    DataFrame
        One row per model: ``model``, ``winner`` (its changed levers; empty when nothing qualifies),
        ``winner_cost_usd_per_part``, ``same_winner``, ``reference_order`` (the reference winner's place,
        1 = first), ``reference_qualifies``, ``qualifying`` (candidates that meet everything). The
        reference itself is the first row (``model`` ``"reference"``), and the frame's ``attrs`` hold its
        ``reference_candidate``.
    """
    ref = run_study(study, progress=False).table
    ref_win = _winner(ref)
    ref_id = None if ref_win is None else int(ref_win["candidate"])
    rows = []
    for label, table in (
        ("reference", ref),
        *(
            (name, run_study(dataclasses.replace(study, model=m), progress=False).table)
            for name, m in models.items()
        ),
    ):
        win = _winner(table)
        at = (
            table[table["candidate"].to_numpy() == ref_id] if ref_id is not None else table.iloc[:0]
        )
        rows.append(
            {
                "model": label,
                "winner": "" if win is None else str(win["changed_levers"]),
                "winner_cost_usd_per_part": float("nan")
                if win is None
                else float(win["cost_usd_per_part"]),
                "same_winner": win is not None and int(win["candidate"]) == ref_id,
                "reference_order": int(at["order"].iloc[0]) if len(at) else -1,
                "reference_qualifies": bool(at["qualifies"].iloc[0]) if len(at) else False,
                "qualifying": int(table["qualifies"].sum()),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["reference_candidate"] = ref_id
    return out
