"""Alloy: one composition (a batch of one), its constructors from text, percent maps, formulas, pymatgen and
grade names, and :func:`as_batch` for functions that accept either."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from substitute import elements as _el
from substitute.composition.batch import AlloyBatch
from substitute.composition.convert import atomic_to_mass, mass_to_atomic
from substitute.composition.parse import (
    check_amounts,
    grade_error,
    looks_like_grade,
    normalise_basis,
    parse_formula,
    percent_to_fraction,
    scan_percent_string,
)
from substitute.errors import CompositionError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from pymatgen.core import Composition

__all__ = ["Alloy", "as_batch"]


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
        b = normalise_basis(basis)
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
            raise grade_error(text)
        tokens, mark = scan_percent_string(text)
        b = normalise_basis(basis)
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
        assert b is not None  # a basis or a wt%/at% marker, checked above
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
        frac = percent_to_fraction(
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
        checked = check_amounts(amounts, "from_mass_percent", "wt%")
        frac = percent_to_fraction(
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
        checked = check_amounts(amounts, "from_atomic_percent", "at%")
        frac = percent_to_fraction(
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
            raise grade_error(formula)
        amounts = parse_formula(formula.strip())
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
        checked = check_amounts(amounts, "pymatgen Composition", "atoms per formula unit")
        total = sum(checked.values())
        return cls._from_fractions(
            {k: v / total for k, v in checked.items()},
            "atomic",
            name or composition.reduced_formula,
        )

    def to_pymatgen(self) -> Composition:  # type: ignore[override]  # one alloy, one Composition
        """pymatgen ``Composition`` whose amounts are the atomic fractions of this alloy."""
        from pymatgen.core import Composition

        return Composition(dict(zip(self.elements, self.atomic_array[0].tolist(), strict=True)))

    @classmethod
    def from_grade(
        cls, grade: str, route: str = "sintered", *, hre: str = "rated", vendor: str | None = None
    ) -> Alloy:
        """A typical chemistry for a commercial grade (``"N42SH"``): the least heavy rare earth that meets
        the grade's minima and its rated Tw at Pc 2 with P ≥ 0.9 under the property model (``hre="least"``:
        the minima at 20 °C only; ``hre="typical"``: the suffix's usual bulk Dy); ``vendor="arnold"``
        meets that vendor's datasheet band instead of the consensus band. How it was derived — and the Br
        factor (density × alignment) that puts its Br inside the band, to pass to ``predict`` — is in the
        alloy's name and in :func:`substitute.properties.grades.typical_chemistry`.

        This is the one upward arrow of the package (composition → properties): the typical chemistry
        of a grade is found with the property model, so it is imported here, on first use, and
        ``import substitute.composition`` never loads the model."""
        from substitute.properties import grades

        return grades.typical_chemistry(grade, route=route, hre=hre, vendor=vendor)


AlloyBatch._row_class = Alloy  # batch[i] is an Alloy


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
