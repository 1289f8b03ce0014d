"""Compliance: the dated rule catalog (data), controlled content of alloys, and BOM assessment.

- :mod:`~substitute.compliance.catalog` — :func:`load_catalog` (with overlays), status of a rule set on a
  date (``status_at``), the ``assume`` choice for ``status_unknown``.
- :mod:`~substitute.compliance.content` — :func:`controlled_content` (alloy as a material, vectorised),
  :func:`licence_flags` (boolean table for ranking).
- :func:`evaluation_units` — every rule set (or limb) as one evaluation unit: trigger and counted
  elements, threshold and comparator, status on a date (public read access for other engines).
- :mod:`~substitute.compliance.bom` — :class:`Part`, :class:`Assembly`, :func:`assess`, :func:`headroom`,
  :func:`crossing_price`, :func:`value_share_batch`, :func:`load_bom`.

Importing this package reads no file; the catalog is loaded (and cached) on first use.
"""

from __future__ import annotations

from substitute.compliance._units import Unit, evaluation_units
from substitute.compliance.bom import (
    Assembly,
    Part,
    assess,
    crossing_price,
    headroom,
    load_bom,
    value_share_batch,
)
from substitute.compliance.catalog import (
    Catalog,
    load_catalog,
    parse_date,
    status_at,
    treat_status,
)
from substitute.compliance.content import controlled_content, licence_flags

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
