"""Compliance: the dated rule catalog (data), controlled content of alloys, and BOM assessment.

- :mod:`~substitute.compliance.schema` — the pydantic models of a rule set and of the catalog file.
- :mod:`~substitute.compliance.status` — a rule set's status on a date (``status_at``), the ``assume``
  choice for ``status_unknown``, date parsing.
- :mod:`~substitute.compliance.catalog` — :func:`load_catalog` (with overlays) and :class:`Catalog`.
- :mod:`~substitute.compliance.evaluation` — :func:`evaluation_units`: every rule set (or limb) as one
  evaluation unit (trigger and counted elements, threshold, status on a date), end-use screens.
- :mod:`~substitute.compliance.content` — :func:`controlled_content` (alloy as a material, vectorised),
  :func:`licence_flags` (boolean table for ranking).
- :mod:`~substitute.compliance.bom` — :class:`Part`, :class:`Assembly`, :func:`load_bom` (BOM files).
- :mod:`~substitute.compliance.assess` — :func:`assess`: verdicts per BOM level and rule.
- :mod:`~substitute.compliance.headroom` — :func:`headroom`, :func:`crossing_price`.
- :mod:`~substitute.compliance.valueshare` — :func:`value_share_batch` (many candidates at once).

Importing this package reads no file; the catalog is loaded (and cached) on first use.
"""

from __future__ import annotations

from substitute.compliance.assess import assess
from substitute.compliance.bom import Assembly, Part, load_bom
from substitute.compliance.catalog import Catalog, load_catalog
from substitute.compliance.content import controlled_content, licence_flags
from substitute.compliance.evaluation import Unit, evaluation_units
from substitute.compliance.headroom import crossing_price, headroom
from substitute.compliance.status import parse_date, status_at, treat_status
from substitute.compliance.valueshare import value_share_batch

__all__ = [
    "Assembly",
    "Catalog",
    "Part",
    "Unit",
    "assess",
    "controlled_content",
    "crossing_price",
    "evaluation_units",
    "headroom",
    "licence_flags",
    "load_bom",
    "load_catalog",
    "parse_date",
    "status_at",
    "treat_status",
    "value_share_batch",
]
