"""AlloyBatch: *n* alloys over one element axis as mass fractions in a read-only numpy array."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from substitute import elements as _el
from substitute.arrays import per_alloy
from substitute.composition.convert import atomic_to_mass, mass_to_atomic
from substitute.composition.parse import SUM_TOL
from substitute.errors import CompositionError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from pymatgen.core import Composition

    from substitute.composition.alloy import Alloy

__all__ = ["AlloyBatch"]


class AlloyBatch:
    """*n* alloys over one element axis, stored as mass fractions.

    Parameters
    ----------
    mass_fraction : array-like, shape (n, k)
        Mass fractions [–], basis mass; each row must sum to 1 (within 1e-9) and be ≥ 0 and finite.
    elements : sequence of str, length k
        Element symbols of the columns (unique).
    names : sequence of str, optional
        A label per alloy; default ``"alloy-0"``, ``"alloy-1"`` …

    Notes
    -----
    The object is immutable: the array is read-only and every method returns a new object. Build batches
    with :meth:`from_frame`, :meth:`from_mass_fractions` or :meth:`concat` rather than by hand.
    """

    #: class of one row (``batch[i]``); :mod:`substitute.composition.alloy` sets it to :class:`Alloy`, so
    #: this module does not import the subclass defined above it
    _row_class: type[Alloy]

    def __init__(
        self,
        mass_fraction: np.ndarray | Sequence[Sequence[float]],
        elements: Sequence[str],
        names: Sequence[str] | None = None,
    ) -> None:
        self._init(np.array(mass_fraction, dtype=float, copy=True), elements, names)

    def _init(self, arr: np.ndarray, elements: Sequence[str], names: Sequence[str] | None) -> None:
        """Check and take ownership of ``arr`` (a float array nobody else holds)."""
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2:
            msg = f"mass_fraction must be 2-D (n alloys × k elements), got shape {arr.shape}"
            raise CompositionError(msg)
        elements = tuple(str(e) for e in elements)
        if len(elements) != arr.shape[1]:
            msg = f"{len(elements)} element symbols for {arr.shape[1]} columns of mass fractions"
            raise CompositionError(msg)
        dup = sorted({e for e in elements if elements.count(e) > 1})
        if dup:
            msg = f"duplicated element(s) {', '.join(dup)} in the element axis"
            raise CompositionError(msg)
        for e in elements:
            _el.check_symbol(e)
        _validate_rows(arr, elements, names)
        arr.setflags(write=False)
        self._w = arr
        self._elements = elements
        if names is not None:
            names = tuple(str(x) for x in names)
            if len(names) != arr.shape[0]:
                msg = f"{len(names)} names for {arr.shape[0]} alloys"
                raise CompositionError(msg)
        self._given_names = names

    # ---- basic protocol
    def __len__(self) -> int:
        return self._w.shape[0]

    def __getitem__(self, i: int) -> Alloy:
        if not isinstance(i, int | np.integer):
            msg = f"index an AlloyBatch with an int, got {type(i).__name__}"
            raise InputError(msg)
        row = self._w[int(i)]
        keep = row > 0
        return self._row_class(
            row[keep], tuple(np.asarray(self._elements)[keep]), name=self.names[int(i)]
        )

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"AlloyBatch(n={len(self)}, elements={list(self._elements)})"

    # ---- raw data
    @property
    def elements(self) -> tuple[str, ...]:
        """Element symbols of the element axis."""
        return self._elements

    @cached_property
    def names(self) -> tuple[str, ...]:
        """A label per alloy (``"alloy-0"``, ``"alloy-1"`` … when none were given; built on first use)."""
        if self._given_names is not None:
            return self._given_names
        return tuple(f"alloy-{i}" for i in range(self._w.shape[0]))

    def take(self, idx: Sequence[int] | np.ndarray) -> AlloyBatch:
        """The alloys at the given row positions, as a new batch (names follow when they were given)."""
        idx = np.asarray(idx, dtype=np.int64)
        names = None if self._given_names is None else [self._given_names[i] for i in idx]
        out = AlloyBatch.__new__(AlloyBatch)
        w = self._w[idx]
        w.setflags(write=False)
        out._w, out._elements = w, self._elements
        out._given_names = None if names is None else tuple(names)
        return out

    @property
    def mass_array(self) -> np.ndarray:
        """Mass fractions [–], shape (n, k), read-only."""
        return self._w

    @cached_property
    def _masses(self) -> np.ndarray:
        return _el.atomic_masses(self._elements)

    @cached_property
    def atomic_array(self) -> np.ndarray:
        """Atomic fractions [–], shape (n, k), read-only (computed once from pymatgen atomic masses)."""
        x = mass_to_atomic(self._w, self._masses)
        x.setflags(write=False)
        return x

    def _index(self, symbol: str) -> int | None:
        _el.check_symbol(symbol)
        try:
            return self._elements.index(symbol)
        except ValueError:
            return None

    def get_mass_fraction(self, symbol: str) -> np.ndarray:
        """Mass fraction [–] of one element in every alloy, shape (n,); zeros where absent."""
        j = self._index(symbol)
        return np.zeros(len(self)) if j is None else self._w[:, j]

    def get_atomic_fraction(self, symbol: str) -> np.ndarray:
        """Atomic fraction [–] of one element in every alloy, shape (n,); zeros where absent."""
        j = self._index(symbol)
        return np.zeros(len(self)) if j is None else self.atomic_array[:, j]

    def group_mass_fraction(self, group: str | Iterable[str]) -> np.ndarray:
        """Summed mass fraction [–] of an element group (name from ``datasets/elements/groups.yaml``
        such as ``"REE"``, ``"HRE"``, or an iterable of symbols), shape (n,)."""
        members = _el.group(group) if isinstance(group, str) else tuple(group)
        idx = [j for j, e in enumerate(self._elements) if e in members]
        return self._w[:, idx].sum(axis=1) if idx else np.zeros(len(self))

    # ---- pandas views
    def _frame(self, arr: np.ndarray, scale: float) -> pd.DataFrame:
        return pd.DataFrame(
            arr * scale,
            index=pd.Index(self.names, name="alloy"),
            columns=pd.Index(self._elements, name="element"),
        )

    @property
    def mass_fraction(self) -> pd.DataFrame:
        """Mass fractions [–], basis mass: DataFrame (alloys × elements)."""
        return self._frame(self._w, 1.0)

    @property
    def atomic_fraction(self) -> pd.DataFrame:
        """Atomic fractions [–], basis atomic: DataFrame (alloys × elements)."""
        return self._frame(self.atomic_array, 1.0)

    @property
    def mass_percent(self) -> pd.DataFrame:
        """Composition in wt% (basis mass): DataFrame (alloys × elements)."""
        return self._frame(self._w, 100.0)

    @property
    def atomic_percent(self) -> pd.DataFrame:
        """Composition in at% (basis atomic): DataFrame (alloys × elements)."""
        return self._frame(self.atomic_array, 100.0)

    @property
    def rare_earth_mass_fraction(self) -> np.ndarray:
        """Total rare-earth (Sc, Y, La–Lu) mass fraction [–] of each alloy, shape (n,)."""
        return self.group_mass_fraction("REE")

    def to_frame(self, basis: str = "mass_percent") -> pd.DataFrame:
        """Element-symbol columns in the requested basis.

        Parameters
        ----------
        basis : {"mass_percent", "mass_fraction", "atomic_percent", "atomic_fraction"}, default "mass_percent"
            Basis of the values.
        """
        views = {
            "mass_percent": self.mass_percent,
            "mass_fraction": self.mass_fraction,
            "atomic_percent": self.atomic_percent,
            "atomic_fraction": self.atomic_fraction,
        }
        if basis not in views:
            msg = f"basis must be one of {', '.join(views)}, got {basis!r}"
            raise CompositionError(msg)
        return views[basis]

    # ---- constructors
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        basis: str,
        *,
        balance: str | None = None,
        normalize: bool = False,
        extra: str = "raise",
    ) -> AlloyBatch:
        """Build a batch from a DataFrame whose columns are element symbols.

        Parameters
        ----------
        df : pandas.DataFrame
            One row per alloy; the index gives the names.
        basis : str
            ``"mass_percent"``, ``"mass_fraction"``, ``"atomic_percent"`` or ``"atomic_fraction"``.
            Required: the basis is never guessed.
        balance : str, optional
            Element that takes the remainder of each row (e.g. ``"Fe"``).
        normalize : bool, default False
            Rescale rows that do not sum to 100 % (or 1). Off by default: a wrong sum is an error.
        extra : {"raise", "ignore"}
            What to do with columns that are not element symbols.
        """
        valid = ("mass_percent", "mass_fraction", "atomic_percent", "atomic_fraction")
        if basis not in valid:
            msg = f"basis must be one of {', '.join(valid)}, got {basis!r}"
            raise CompositionError(msg)
        cols = [str(c) for c in df.columns]
        el_cols = [c for c in cols if _el.is_element(c)]
        other = [c for c in cols if c not in el_cols]
        if other and extra == "raise":
            for c in other:  # raises with a suggestion for near-miss symbols
                if len(c) <= 2:
                    _el.check_symbol(c, where=" (a DataFrame column)")
            msg = (
                f"columns {other} are not element symbols; pass extra='ignore' to skip them "
                "or rename them to symbols such as 'Nd', 'Dy'"
            )
            raise CompositionError(msg)
        if balance is not None:
            _el.check_symbol(balance, where=" (balance)")
            if balance not in el_cols:
                el_cols.append(balance)
        vals = np.zeros((len(df), len(el_cols)))
        present = [c for c in el_cols if c in df.columns]
        sub = df[present].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        vals[:, [el_cols.index(c) for c in present]] = sub
        names = tuple(str(i) for i in df.index)
        nan_r, nan_c = np.nonzero(np.isnan(vals))
        if nan_r.size:
            msg = f"row {names[nan_r[0]]!r}, column {el_cols[nan_c[0]]!r}: missing or non-numeric amount"
            raise CompositionError(msg)
        neg_r, neg_c = np.nonzero(vals < 0)
        if neg_r.size:
            msg = f"row {names[neg_r[0]]!r}, column {el_cols[neg_c[0]]!r}: negative amount {vals[neg_r[0], neg_c[0]]:g}"
            raise CompositionError(msg)
        scale = 100.0 if basis.endswith("percent") else 1.0
        frac = vals / scale
        if balance is not None:
            j = el_cols.index(balance)
            rest = 1.0 - (frac.sum(axis=1) - frac[:, j])
            bad = np.nonzero(rest < -1e-9)[0]
            if bad.size:
                msg = f"row {names[bad[0]]!r}: elements other than the balance {balance!r} already exceed 100 %"
                raise CompositionError(msg)
            frac[:, j] = np.maximum(rest, 0.0)
        sums = frac.sum(axis=1)
        off = np.nonzero(np.abs(sums - 1.0) > SUM_TOL)[0]
        if off.size and not normalize:
            shown = ", ".join(f"{names[i]!r}: {sums[i] * scale:.6g}" for i in off[:5])
            unit = "%" if scale == 100 else ""
            msg = (
                f"{off.size} row(s) do not sum to {scale:g}{unit} ({shown}); use balance='Fe' or "
                "normalize=True to rescale explicitly"
            )
            raise CompositionError(msg)
        if np.any(sums <= 0):
            i = int(np.nonzero(sums <= 0)[0][0])
            msg = f"row {names[i]!r}: all amounts are zero"
            raise CompositionError(msg)
        frac = frac / sums[:, None]
        if basis.startswith("atomic"):
            frac = atomic_to_mass(frac, _el.atomic_masses(el_cols))
        return cls(frac, el_cols, names)

    @classmethod
    def from_mass_fractions(
        cls,
        columns: Mapping[str, np.ndarray | float],
        *,
        balance: str = "Fe",
        names: Sequence[str] | None = None,
    ) -> AlloyBatch:
        """Vectorised constructor for design spaces: element → mass-fraction array, remainder to ``balance``.

        Parameters
        ----------
        columns : mapping of str to array-like or float
            Mass fractions [–] per element; scalars broadcast.
        balance : str, default "Fe"
            Element that takes ``1 − Σ columns`` in every row.
        names : sequence of str, optional
        """
        _el.check_symbol(balance, where=" (balance)")
        if balance in columns:
            msg = f"the balance element {balance!r} takes the remainder; do not give it a value"
            raise CompositionError(msg)
        syms = list(columns)
        n = max((np.size(v) for v in columns.values() if np.ndim(v) > 0), default=1)
        arr = np.zeros((n, len(syms) + 1))
        for j, s in enumerate(syms):
            arr[:, j] = per_alloy(f"mass fraction of {s}", columns[s], n, "–")
        arr[:, -1] = 1.0 - arr[:, :-1].sum(axis=1)
        out = cls.__new__(cls)
        out._init(arr, [*syms, balance], names)  # arr is ours: no second copy of 10^6 rows
        return out

    @classmethod
    def concat(cls, batches: Iterable[AlloyBatch]) -> AlloyBatch:
        """Stack batches (or alloys) over the union of their element axes (first-seen order)."""
        batches = list(batches)
        if not batches:
            msg = "concat needs at least one batch"
            raise InputError(msg)
        els: list[str] = []
        for b in batches:
            els.extend(e for e in b.elements if e not in els)
        out = np.zeros((sum(len(b) for b in batches), len(els)))
        names: list[str] = []
        r = 0
        for b in batches:
            idx = [els.index(e) for e in b.elements]
            out[r : r + len(b), idx] = b.mass_array
            names.extend(b.names)
            r += len(b)
        return AlloyBatch(out, els, names)

    def with_names(self, names: Sequence[str]) -> AlloyBatch:
        """The same alloys under new labels."""
        return AlloyBatch(self._w, self._elements, names)

    def to_pymatgen(self) -> list[Composition]:
        """One pymatgen ``Composition`` per alloy (amounts = atomic fractions)."""
        return [a.to_pymatgen() for a in self]

    def to_string(self, basis: str = "mass", decimals: int = 3) -> list[str]:
        """Human-readable composition strings, e.g. ``'Nd 22.5, Pr 6.5, … (wt%)'``."""
        return [a.to_string(basis=basis, decimals=decimals) for a in self]


def _validate_rows(arr: np.ndarray, elements: Sequence[str], names: Sequence[str] | None) -> None:
    def label(i: int) -> str:
        return repr(names[i]) if names is not None and i < len(names) else f"#{i}"

    if not np.all(np.isfinite(arr)):
        i, j = (int(v[0]) for v in np.nonzero(~np.isfinite(arr)))
        msg = f"alloy {label(i)}: mass fraction of {elements[j]!r} is not finite ({arr[i, j]})"
        raise CompositionError(msg)
    if np.any(arr < 0):
        i, j = (int(v[0]) for v in np.nonzero(arr < 0))
        msg = f"alloy {label(i)}: mass fraction of {elements[j]!r} is negative ({arr[i, j]:g})"
        raise CompositionError(msg)
    sums = arr @ np.ones(arr.shape[1])
    off = np.nonzero(np.abs(sums - 1.0) > SUM_TOL)[0]
    if off.size:
        i = int(off[0])
        msg = f"alloy {label(i)}: mass fractions sum to {sums[i]:.12g}, not 1 ({off.size} such row(s))"
        raise CompositionError(msg)
