"""Alloy compositions: parsing, mass ⇄ atomic conversion, pymatgen interop.

An :class:`AlloyBatch` holds *n* alloys over one element axis as **mass fractions** in a read-only numpy
array (rows sum to 1). An :class:`Alloy` is a batch of one, so every computation has one code path.

The basis of every input is explicit: ``basis="mass"`` (wt%) or ``basis="atomic"`` (at%). Grade names such
as ``"N42SH"`` are refused by the formula parsers (they would read as nitrogen, sulphur and hydrogen) with a
pointer to :meth:`Alloy.from_grade`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from substitute import elements as _el
from substitute.errors import CompositionError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from pymatgen.core import Composition

__all__ = [
    "Alloy",
    "AlloyBatch",
    "as_batch",
    "atomic_to_mass",
    "looks_like_grade",
    "mass_to_atomic",
]

_SUM_TOL = 1e-9  # tolerance on a row sum of fractions (absolute, on the fraction scale)

_GRADE_PATTERNS = (
    re.compile(
        r"^N\s*-?\s*\d{2,3}\s*-?\s*(M|H|SH|UH|EH|AH|TH|GBD)?$", re.IGNORECASE
    ),  # sintered NdFeB
    re.compile(r"^(YXG|XGS|YX|SmCo)\s*-?\s*\d{2}\s*[A-Z]{0,2}$", re.IGNORECASE),  # SmCo
    re.compile(r"^(BNP|BNI)\s*-?\s*\d{1,2}[A-Z]{0,2}$", re.IGNORECASE),  # bonded NdFeB
    re.compile(r"^(Y|C)\s*\d{1,2}(BH|H|B)?$"),  # ferrite (Y30BH, C8)
)


def looks_like_grade(text: str) -> bool:
    """Whether ``text`` is a commercial grade name (``N42SH``, ``N52``, ``YXG-28H``, ``Y30BH``, ``BNP-8``).

    Grade names are not formulas and must never be parsed into elements.
    """
    t = text.strip()
    return any(p.match(t) for p in _GRADE_PATTERNS)


def _grade_error(text: str) -> CompositionError:
    msg = (
        f"{text.strip()!r} is a magnet grade name, not a composition; "
        f"use Alloy.from_grade({text.strip()!r}) for a typical chemistry of that grade"
    )
    return CompositionError(msg)


# --------------------------------------------------------------------------------------------- arrays
def mass_to_atomic(mass_fraction: np.ndarray, atomic_mass: np.ndarray) -> np.ndarray:
    """Convert mass fractions to atomic fractions, row-wise.

    Parameters
    ----------
    mass_fraction : ndarray, shape (n, k) or (k,)
        Mass fractions [–], basis mass; rows sum to 1.
    atomic_mass : ndarray, shape (k,)
        Atomic masses [g/mol] of the k elements.

    Returns
    -------
    ndarray
        Atomic fractions [–], basis atomic, same shape; rows sum to 1.
    """
    moles = np.multiply(mass_fraction, 1.0 / np.asarray(atomic_mass, dtype=float))
    return _normalise_rows(moles)


def atomic_to_mass(atomic_fraction: np.ndarray, atomic_mass: np.ndarray) -> np.ndarray:
    """Convert atomic fractions to mass fractions, row-wise (inverse of :func:`mass_to_atomic`)."""
    grams = np.multiply(atomic_fraction, np.asarray(atomic_mass, dtype=float))
    return _normalise_rows(grams)


def _normalise_rows(a: np.ndarray) -> np.ndarray:
    """Divide each row by its sum, in place (the row sum is a BLAS mat-vec, far faster than sum(axis=1))."""
    total = a @ np.ones(a.shape[-1])
    a /= total[..., None] if a.ndim > 1 else total
    return a


# --------------------------------------------------------------------------------------------- parsing
_TOKEN = re.compile(
    r"(?P<sym>PrNd|MM|[A-Z][a-z]?)"
    r"(?:\s*(?P<amt>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<bal>[\s_]*\(?\s*(?:bal|balance|rest)\b\s*\)?))?"
)
_SEP = re.compile(r"[\s,;]+")
_BASIS_MARK = re.compile(
    r"\(?\s*\b(?P<mark>wt\.?\s*%|mass\s*%|weight\s*%|at\.?\s*%|atomic\s*%|mol\s*%)\s*\)?", re.I
)
_BASIS_WORDS = {"mass": "mass", "atomic": "atomic", "wt": "mass", "at": "atomic"}


def _basis_from_mark(mark: str) -> str:
    m = mark.lower().replace(" ", "").replace(".", "")
    return "mass" if m.startswith(("wt", "mass", "weight")) else "atomic"


def _normalise_basis(basis: str | None) -> str | None:
    if basis is None:
        return None
    b = str(basis).lower().replace("_percent", "").replace("_fraction", "").replace("%", "")
    b = _BASIS_WORDS.get(b, b)
    if b not in ("mass", "atomic"):
        msg = f"basis must be 'mass' (wt%) or 'atomic' (at%), got {basis!r}"
        raise CompositionError(msg)
    return b


def _scan_percent_string(text: str) -> tuple[list[tuple[str, float | None, int]], str | None]:
    """Split ``"Nd22.5 Pr6.5 … Fe bal"`` into (symbol, amount or None for balance, position) triples."""
    marks = list(_BASIS_MARK.finditer(text))
    found = {_basis_from_mark(m.group("mark")) for m in marks}
    if len(found) > 1:
        msg = f"{text!r} carries both a wt% and an at% marker"
        raise CompositionError(msg)
    mark = found.pop() if found else None
    body = _BASIS_MARK.sub(lambda m: " " * len(m.group(0)), text)

    tokens: list[tuple[str, float | None, int]] = []
    pos = 0
    n = len(body)
    while pos < n:
        sep = _SEP.match(body, pos)
        if sep:
            pos = sep.end()
            continue
        m = _TOKEN.match(body, pos)
        if not m:
            word = re.match(r"\S+", body[pos:]).group(0)  # type: ignore[union-attr]
            hint = ""
            if word[:1].isalpha() and word[:1].islower():
                cand = word[:2].capitalize()
                hint = f" (element symbols start with a capital letter: {cand!r}?)"
            msg = f"unexpected text {word!r} at position {pos + 1} of {text!r}{hint}"
            raise CompositionError(msg)
        sym = m.group("sym")
        if sym not in ("PrNd", "MM"):
            _el.check_symbol(sym, where=f" at position {pos + 1} of {text!r}")
        if m.group("bal") is not None:
            amount = None
        elif m.group("amt") is not None:
            amount = float(m.group("amt"))
            if amount < 0:
                msg = f"negative amount {amount:g} for {sym!r} at position {pos + 1}; amounts must be ≥ 0"
                raise CompositionError(msg)
        else:
            msg = (
                f"element {sym!r} at position {pos + 1} of {text!r} has no amount; write e.g. "
                f"'{sym}1.0' or '{sym} bal' (for a stoichiometric formula use Alloy.from_formula)"
            )
            raise CompositionError(msg)
        tokens.append((sym, amount, pos + 1))
        pos = m.end()
    return tokens, mark


def _parse_formula(text: str) -> dict[str, float]:
    """Parse a chemical formula with nested parentheses into atomic amounts."""

    pos = 0
    s = text.replace(" ", "")

    def number() -> float | None:
        nonlocal pos
        m = re.match(r"\d+\.?\d*|\.\d+", s[pos:])
        if not m:
            return None
        pos += m.end()
        return float(m.group(0))

    def group() -> dict[str, float]:
        nonlocal pos
        out: dict[str, float] = {}
        while pos < len(s):
            ch = s[pos]
            if ch == "(":
                pos += 1
                inner = group()
                if pos >= len(s) or s[pos] != ")":
                    msg = f"unbalanced parenthesis in formula {text!r}"
                    raise CompositionError(msg)
                pos += 1
                mult = number()
                mult = 1.0 if mult is None else mult
                for k, v in inner.items():
                    out[k] = out.get(k, 0.0) + v * mult
            elif ch == ")":
                return out
            else:
                m = re.match(r"[A-Z][a-z]?", s[pos:])
                if not m:
                    msg = f"unexpected character {ch!r} at position {pos + 1} of formula {text!r}"
                    raise CompositionError(msg)
                sym = m.group(0)
                _el.check_symbol(sym, where=f" at position {pos + 1} of formula {text!r}")
                pos += m.end()
                amt = number()
                amt = 1.0 if amt is None else amt
                out[sym] = out.get(sym, 0.0) + amt
        return out

    result = group()
    if pos != len(s):
        msg = f"unbalanced parenthesis in formula {text!r}"
        raise CompositionError(msg)
    return result


def _check_amounts(amounts: Mapping[str, Any], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    if not amounts:
        msg = f"empty composition ({what}); give at least one element"
        raise CompositionError(msg)
    for sym, val in amounts.items():
        _el.check_symbol(str(sym), where=f" in {what}")
        try:
            v = float(val)
        except (TypeError, ValueError) as exc:
            msg = f"amount of {sym!r} in {what} is not a number: {val!r}"
            raise CompositionError(msg) from exc
        if math.isnan(v):
            msg = f"amount of {sym!r} in {what} is NaN"
            raise CompositionError(msg)
        if v < 0:
            msg = f"amount of {sym!r} in {what} is negative ({v:g}); amounts must be ≥ 0"
            raise CompositionError(msg)
        out[str(sym)] = v
    return out


def _percent_to_fraction(
    amounts: Mapping[str, float], *, balance: str | None, normalize: bool, what: str, unit: str
) -> dict[str, float]:
    """Turn percent amounts (with an optional balance element) into fractions summing to 1."""
    total = float(sum(amounts.values()))
    if balance is not None:
        rest = 100.0 - total
        if rest < -1e-9:
            msg = f"{what}: the listed elements already sum to {total:.6g} {unit} (> 100), so nothing is left for the balance element {balance!r}"
            raise CompositionError(msg)
        amounts = {**amounts, balance: amounts.get(balance, 0.0) + max(rest, 0.0)}
        total = 100.0
    if total <= 0:
        msg = f"{what}: amounts sum to zero"
        raise CompositionError(msg)
    if abs(total - 100.0) > 100.0 * _SUM_TOL and not normalize:
        msg = (
            f"{what}: amounts sum to {total:.6g} {unit}, not 100; use a balance element "
            f"(e.g. 'Fe bal') or pass normalize=True to rescale explicitly"
        )
        raise CompositionError(msg)
    return {k: v / total for k, v in amounts.items()}


# --------------------------------------------------------------------------------------------- batch
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

    def __init__(
        self,
        mass_fraction: np.ndarray | Sequence[Sequence[float]],
        elements: Sequence[str],
        names: Sequence[str] | None = None,
    ) -> None:
        arr = np.array(mass_fraction, dtype=float, copy=True)
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
        return Alloy(row[keep], tuple(np.asarray(self._elements)[keep]), name=self.names[int(i)])

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
        off = np.nonzero(np.abs(sums - 1.0) > _SUM_TOL)[0]
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
        n = max((np.size(v) for v in columns.values()), default=1)
        arr = np.zeros((n, len(syms) + 1))
        for j, s in enumerate(syms):
            arr[:, j] = np.broadcast_to(np.asarray(columns[s], dtype=float), (n,))
        arr[:, -1] = 1.0 - arr[:, :-1].sum(axis=1)
        return cls(arr, [*syms, balance], names)

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
    off = np.nonzero(np.abs(sums - 1.0) > _SUM_TOL)[0]
    if off.size:
        i = int(off[0])
        msg = f"alloy {label(i)}: mass fractions sum to {sums[i]:.12g}, not 1 ({off.size} such row(s))"
        raise CompositionError(msg)


# --------------------------------------------------------------------------------------------- alloy
class Alloy(AlloyBatch):
    """One alloy (a batch of one). Build it with a ``from_*`` constructor or :meth:`parse`.

    Parameters
    ----------
    mass_fraction : array-like, shape (k,)
        Mass fractions [–], basis mass, summing to 1.
    elements : sequence of str
        Element symbols.
    name : str, optional
        Label of the alloy.

    Examples
    --------
    >>> a = Alloy.parse("Nd22.5 Pr6.5 Dy2 Co1 Cu0.15 Ga0.2 B0.95 Fe bal", basis="mass")
    >>> round(float(a.mass_percent["Fe"]), 2)
    66.7
    >>> round(float(Alloy.from_formula("Nd2Fe14B").mass_percent["Nd"]), 2)
    26.68
    """

    def __init__(
        self,
        mass_fraction: np.ndarray | Sequence[float],
        elements: Sequence[str],
        name: str | None = None,
    ) -> None:
        arr = np.asarray(mass_fraction, dtype=float)
        if arr.ndim == 2 and arr.shape[0] == 1:
            arr = arr[0]
        if arr.ndim != 1:
            msg = f"an Alloy takes one row of mass fractions, got shape {arr.shape}"
            raise CompositionError(msg)
        super().__init__(arr[None, :], elements, [name or "alloy"])

    @property
    def name(self) -> str:
        """Label of the alloy."""
        return self.names[0]

    def __repr__(self) -> str:
        return f"Alloy({self.to_string(decimals=4)!r}, name={self.name!r})"

    def _series(self, arr: np.ndarray, scale: float, label: str) -> pd.Series:
        return pd.Series(arr[0] * scale, index=pd.Index(self.elements, name="element"), name=label)

    @property
    def mass_fraction(self) -> pd.Series:  # type: ignore[override]
        """Mass fractions [–], basis mass, indexed by element."""
        return self._series(self.mass_array, 1.0, "mass_fraction")

    @property
    def atomic_fraction(self) -> pd.Series:  # type: ignore[override]
        """Atomic fractions [–], basis atomic, indexed by element."""
        return self._series(self.atomic_array, 1.0, "atomic_fraction")

    @property
    def mass_percent(self) -> pd.Series:  # type: ignore[override]
        """Composition in wt% (basis mass), indexed by element."""
        return self._series(self.mass_array, 100.0, "mass_percent")

    @property
    def atomic_percent(self) -> pd.Series:  # type: ignore[override]
        """Composition in at% (basis atomic), indexed by element."""
        return self._series(self.atomic_array, 100.0, "atomic_percent")

    @property
    def rare_earth_mass_fraction(self) -> float:  # type: ignore[override]
        """Total rare-earth (Sc, Y, La–Lu) mass fraction [–]."""
        return float(self.group_mass_fraction("REE")[0])

    def to_string(self, basis: str = "mass", decimals: int = 3) -> str:  # type: ignore[override]
        """``'Nd 22.5, Pr 6.5, Dy 2, … (wt%)'`` in the requested basis (``"mass"`` or ``"atomic"``)."""
        b = _normalise_basis(basis)
        vals = self.mass_array[0] if b == "mass" else self.atomic_array[0]
        parts = [
            f"{e} {round(v * 100, decimals):g}" for e, v in zip(self.elements, vals, strict=True)
        ]
        return ", ".join(parts) + (" (wt%)" if b == "mass" else " (at%)")

    # ---- constructors
    @classmethod
    def parse(
        cls,
        text: str,
        basis: str | None = None,
        *,
        normalize: bool = False,
        name: str | None = None,
    ) -> Alloy:
        """Parse a percent composition string.

        Accepts compact and spaced forms: ``"Nd22.5Pr6.5Dy2Co1Cu0.15Ga0.2B0.95Fe_bal"``,
        ``"Nd 22.5, Pr 6.5, Dy 2, B 0.95, Fe bal"``; ``bal``/``balance`` gives one element the remainder;
        feedstock shorthands ``PrNd`` (didymium) and ``MM`` (cerium mischmetal) expand by their mass split
        from ``datasets/elements/feedstocks.yaml``.

        Parameters
        ----------
        text : str
            The composition.
        basis : str, optional
            ``"mass"`` (wt%) or ``"atomic"`` (at%). Required unless the text carries ``wt%`` or ``at%``:
            the basis is never guessed.
        normalize : bool, default False
            Rescale amounts that do not sum to 100. Off by default: a wrong sum is an error.
        name : str, optional
            Label; default the text itself.

        Raises
        ------
        CompositionError
            Empty text, grade names (``"N42SH"``), missing basis, negative amounts, two balance elements,
            a duplicated element, a sum other than 100 without ``normalize``.
        UnknownElementError
            Unknown symbol (with the nearest symbols suggested).
        """
        if not isinstance(text, str) or not text.strip():
            msg = "empty composition string; write e.g. 'Nd 29.5, Dy 2, B 1, Fe bal' with basis='mass'"
            raise CompositionError(msg)
        if looks_like_grade(text):
            raise _grade_error(text)
        tokens, mark = _scan_percent_string(text)
        b = _normalise_basis(basis)
        if b is None and mark is None:
            msg = (
                f"the basis of {text.strip()!r} is ambiguous: pass basis='mass' (wt%) or "
                "basis='atomic' (at%), or write 'wt%' / 'at%' in the text"
            )
            raise CompositionError(msg)
        if b is not None and mark is not None and b != mark:
            msg = f"basis={basis!r} contradicts the {mark} marker in {text.strip()!r}"
            raise CompositionError(msg)
        b = b or mark
        if not tokens:
            msg = f"no element found in {text!r}"
            raise CompositionError(msg)
        balance = [t for t in tokens if t[1] is None]
        if len(balance) > 1:
            msg = f"more than one balance element ({', '.join(t[0] for t in balance)}); at most one 'bal' is allowed"
            raise CompositionError(msg)
        seen: dict[str, int] = {}
        amounts: dict[str, float] = {}
        fs_contrib: dict[str, float] = {}
        for sym, amt, pos in tokens:
            if sym in seen:
                msg = f"element {sym!r} appears twice (positions {seen[sym]} and {pos}) in {text!r}"
                raise CompositionError(msg)
            seen[sym] = pos
            if amt is None:
                continue
            if sym in ("PrNd", "MM"):
                split = _el.feedstock(sym)
                if b == "atomic":  # mass split → atomic split
                    m = _el.atomic_masses(split)
                    x = mass_to_atomic(np.array(list(split.values())), m)
                    split = dict(zip(split, x, strict=True))
                for e, f in split.items():
                    fs_contrib[e] = fs_contrib.get(e, 0.0) + amt * f
            else:
                amounts[sym] = amt
        if balance and balance[0][0] in ("PrNd", "MM"):
            msg = "a feedstock shorthand cannot be the balance element"
            raise CompositionError(msg)
        for e, v in fs_contrib.items():
            amounts[e] = amounts.get(e, 0.0) + v
        unit = "wt%" if b == "mass" else "at%"
        frac = _percent_to_fraction(
            amounts,
            balance=balance[0][0] if balance else None,
            normalize=normalize,
            what=f"composition {text.strip()!r}",
            unit=unit,
        )
        return cls._from_fractions(frac, b, name or text.strip())

    @classmethod
    def _from_fractions(cls, frac: Mapping[str, float], basis: str, name: str) -> Alloy:
        syms = list(frac)
        vals = np.array([frac[s] for s in syms])
        if basis == "atomic":
            vals = atomic_to_mass(vals, _el.atomic_masses(syms))
        keep = vals > 0
        if not keep.any():
            msg = f"composition {name!r} has no element with a positive amount"
            raise CompositionError(msg)
        return cls(vals[keep], [s for s, k in zip(syms, keep, strict=True) if k], name=name)

    @classmethod
    def from_mass_percent(
        cls,
        amounts: Mapping[str, float],
        *,
        balance: str | None = None,
        normalize: bool = False,
        name: str | None = None,
    ) -> Alloy:
        """Alloy from ``{"Nd": 29.5, "Dy": 2.0, "Fe": 67.5, "B": 1.0}`` in wt% (basis mass).

        ``balance="Fe"`` gives that element the remainder; ``normalize=True`` rescales a sum ≠ 100.
        """
        checked = _check_amounts(amounts, "from_mass_percent")
        frac = _percent_to_fraction(
            checked, balance=balance, normalize=normalize, what="from_mass_percent", unit="wt%"
        )
        return cls._from_fractions(frac, "mass", name or _default_name(frac))

    @classmethod
    def from_atomic_percent(
        cls,
        amounts: Mapping[str, float],
        *,
        balance: str | None = None,
        normalize: bool = False,
        name: str | None = None,
    ) -> Alloy:
        """Alloy from at% amounts (basis atomic), e.g. ``{"Nd": 13.5, "Fe": 80.0, "B": 6.5}``."""
        checked = _check_amounts(amounts, "from_atomic_percent")
        frac = _percent_to_fraction(
            checked, balance=balance, normalize=normalize, what="from_atomic_percent", unit="at%"
        )
        return cls._from_fractions(frac, "atomic", name or _default_name(frac))

    @classmethod
    def from_formula(cls, formula: str, *, name: str | None = None) -> Alloy:
        """Alloy from a chemical formula (atomic basis), with parentheses: ``"(Nd0.8Dy0.2)2Fe14B"``.

        Raises
        ------
        CompositionError
            Grade names, empty or unbalanced formulas.
        """
        if not isinstance(formula, str) or not formula.strip():
            msg = "empty formula; write e.g. 'Nd2Fe14B' or '(Nd0.8Dy0.2)2Fe14B'"
            raise CompositionError(msg)
        if looks_like_grade(formula):
            raise _grade_error(formula)
        amounts = _parse_formula(formula.strip())
        total = sum(amounts.values())
        if total <= 0:
            msg = f"formula {formula!r} has no positive amount"
            raise CompositionError(msg)
        return cls._from_fractions(
            {k: v / total for k, v in amounts.items()}, "atomic", name or formula.strip()
        )

    @classmethod
    def from_pymatgen(cls, composition: Composition, *, name: str | None = None) -> Alloy:
        """Alloy from a pymatgen ``Composition`` (its amounts are atomic)."""
        amounts: dict[str, float] = {}
        for sp, amt in composition.items():
            sym = getattr(sp, "symbol", None) or str(sp)
            if not _el.is_element(sym):
                msg = f"pymatgen species {sp!s} is not a plain element (dummy species or ion?)"
                raise CompositionError(msg)
            amounts[sym] = amounts.get(sym, 0.0) + float(amt)
        checked = _check_amounts(amounts, "pymatgen Composition")
        total = sum(checked.values())
        return cls._from_fractions(
            {k: v / total for k, v in checked.items()},
            "atomic",
            name or composition.reduced_formula,
        )

    def to_pymatgen(self) -> Composition:
        """pymatgen ``Composition`` whose amounts are the atomic fractions of this alloy."""
        from pymatgen.core import Composition

        return Composition(dict(zip(self.elements, self.atomic_array[0].tolist(), strict=True)))

    @classmethod
    def from_grade(cls, grade: str, route: str = "sintered") -> Alloy:
        """A typical chemistry for a commercial grade (``"N42SH"``), with the least heavy rare earth that
        meets the grade under the property model; how it was derived is in the alloy's name and in
        :func:`substitute.grades.typical_chemistry`."""
        from substitute import grades  # lazy: grades sits above composition in the dependency order

        return grades.typical_chemistry(grade, route=route)


def _default_name(frac: Mapping[str, float]) -> str:
    return " ".join(f"{k}{v * 100:.4g}" for k, v in frac.items())


def as_batch(x: AlloyBatch | str, basis: str | None = None) -> AlloyBatch:
    """Accept an :class:`Alloy`, an :class:`AlloyBatch` or a composition string (needs ``basis`` or a
    ``wt%``/``at%`` marker) and return an :class:`AlloyBatch`."""
    if isinstance(x, AlloyBatch):
        return x
    if isinstance(x, str):
        return Alloy.parse(x, basis=basis)
    msg = f"expected an Alloy, an AlloyBatch or a composition string, got {type(x).__name__}"
    raise InputError(msg)
