"""Mass ⇄ atomic fractions, row-wise on numpy arrays (the one conversion every part of the package uses)."""

from __future__ import annotations

import numpy as np

__all__ = ["atomic_to_mass", "mass_to_atomic", "normalise_rows"]


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
    return normalise_rows(moles)


def atomic_to_mass(atomic_fraction: np.ndarray, atomic_mass: np.ndarray) -> np.ndarray:
    """Convert atomic fractions to mass fractions, row-wise (inverse of :func:`mass_to_atomic`)."""
    grams = np.multiply(atomic_fraction, np.asarray(atomic_mass, dtype=float))
    return normalise_rows(grams)


def normalise_rows(a: np.ndarray) -> np.ndarray:
    """Divide each row by its sum, in place (the row sum is a BLAS mat-vec, far faster than sum(axis=1))."""
    total = a @ np.ones(a.shape[-1])
    a /= total[..., None] if a.ndim > 1 else total
    return a
