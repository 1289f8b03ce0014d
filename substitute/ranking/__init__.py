"""Ranking of lower-Dy / lower-Tb substitutes under licensing thresholds.

- :mod:`~substitute.ranking.requirements` — :class:`Requirements`, :class:`ComplianceCondition`
- :mod:`~substitute.ranking.space` — :class:`DesignSpace`, levers, candidate generation
- :mod:`~substitute.ranking.pareto` — exact non-dominated sorting in bounded memory
- :mod:`~substitute.ranking.evaluate` — :func:`evaluate`: properties, compliance and cost of a candidate batch
- :mod:`~substitute.ranking.explain` — one sentence per candidate, substitution strategies
- :mod:`~substitute.ranking.rank` — :func:`rank_substitutes`, :class:`RankResult`
- :mod:`~substitute.ranking.study` — TOML study files, :func:`load_study`, :func:`run_study`
- :mod:`~substitute.ranking.stability` — :func:`winner_stability`: the study ranked again under other models
"""

from __future__ import annotations

from substitute.ranking.evaluate import evaluate
from substitute.ranking.rank import OBJECTIVES, RankResult, rank_substitutes
from substitute.ranking.requirements import ComplianceCondition, Requirements
from substitute.ranking.space import LEVERS, DesignSpace, default_space
from substitute.ranking.stability import winner_stability
from substitute.ranking.study import Study, load_study, run_study

__all__ = [
    "LEVERS",
    "OBJECTIVES",
    "ComplianceCondition",
    "DesignSpace",
    "RankResult",
    "Requirements",
    "Study",
    "default_space",
    "evaluate",
    "load_study",
    "rank_substitutes",
    "run_study",
    "winner_stability",
]
