"""Design review: the verdict on a study's baseline magnet with its evidence, and how it is drawn.

- :mod:`~substitute.report.verdict` — :func:`review` → :class:`Review` (composes the ranking's table; computes
  no physics and no rule of its own).
- :mod:`~substitute.report.plots` — the figures, public as ``sb.plot`` (matplotlib, loaded on first use).
- :mod:`~substitute.report.html` — the self-contained HTML report.
"""

from __future__ import annotations

from substitute.report.verdict import FAIL_ON, Review, check_fail_on, review

__all__ = ["FAIL_ON", "Review", "check_fail_on", "review"]
