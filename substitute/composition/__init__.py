"""Alloy compositions: parsing, mass ⇄ atomic conversion, pymatgen interop.

An :class:`AlloyBatch` holds *n* alloys over one element axis as **mass fractions** in a read-only numpy
array (rows sum to 1). An :class:`Alloy` is a batch of one, so every computation has one code path.

The basis of every input is explicit: ``basis="mass"`` (wt%) or ``basis="atomic"`` (at%). Grade names such
as ``"N42SH"`` are refused by the formula parsers (they would read as nitrogen, sulphur and hydrogen) with a
pointer to :meth:`Alloy.from_grade`.

Modules: :mod:`.parse` (text → amounts), :mod:`.convert` (mass ⇄ atomic arrays), :mod:`.batch`
(:class:`AlloyBatch`), :mod:`.alloy` (:class:`Alloy`, :func:`as_batch`).
"""

from __future__ import annotations

from substitute.composition.alloy import Alloy, as_batch
from substitute.composition.batch import AlloyBatch
from substitute.composition.convert import atomic_to_mass, mass_to_atomic
from substitute.composition.parse import looks_like_grade

__all__ = [
    "Alloy",
    "AlloyBatch",
    "as_batch",
    "atomic_to_mass",
    "looks_like_grade",
    "mass_to_atomic",
]
