"""Ranking of lower-Dy / lower-Tb substitutes under licence thresholds."""
