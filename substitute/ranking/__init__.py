"""Ranking of lower-Dy / lower-Tb substitutes under licensing thresholds.

- :mod:`~substitute.ranking.requirements` — :class:`Requirements`, :class:`ComplianceCondition`
- :mod:`~substitute.ranking.space` — :class:`DesignSpace`, levers, candidate generation
- :mod:`~substitute.ranking.pareto` — exact non-dominated sorting in bounded memory
- :mod:`~substitute.ranking.rank` — :func:`rank_substitutes`, :func:`evaluate`
- :mod:`~substitute.ranking.study` — TOML study files, :func:`load_study`, :func:`run_study`
- :mod:`~substitute.ranking.review` — :func:`review`: the design-review verdict and its evidence
"""

from __future__ import annotations

from substitute.ranking.rank import OBJECTIVES, RankResult, evaluate, rank_substitutes
from substitute.ranking.requirements import ComplianceCondition, Requirements
from substitute.ranking.review import Review, review
from substitute.ranking.space import LEVERS, DesignSpace, default_space
from substitute.ranking.study import Study, load_study, run_study

__all__ = [
    "LEVERS",
    "OBJECTIVES",
    "ComplianceCondition",
    "DesignSpace",
    "RankResult",
    "Requirements",
    "Review",
    "Study",
    "default_space",
    "evaluate",
    "load_study",
    "rank_substitutes",
    "review",
    "run_study",
]
