"""Numeric arguments of the public API, checked once: a number or a 1-D array (one value per alloy).

Python callers pass lists, NumPy arrays, pandas Series or scalars; a string with a unit (``"150 C"``), a
bool, a nested list or an array of the wrong length is refused with one line naming the argument, its unit
and what was given, instead of a NumPy broadcasting error or a silent 1.0 for ``True``.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from substitute.errors import InputError

__all__ = ["number", "number_array", "per_alloy"]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def number(
    name: str,
    value: Any,
    unit: str,
    *,
    lo: float | None = 0.0,
    lo_open: bool = False,
    hi: float | None = None,
    error: type[Exception] = InputError,
) -> float:
    """One number given by a user (a file's field, a keyword argument), checked the one way.

    Every parser that turns a user's value into a float calls this, so a bool, text, ``None``, an integer
    beyond any float, NaN, infinity or a value out of bounds gets the same one-line message, naming
    ``name`` and ``unit`` and showing the value cut to 60 characters.

    Parameters
    ----------
    name : str
        What the value is, with its place (``"part 'm': mass_kg"``).
    value : Any
        The value as given.
    unit : str
        Its unit, for the message (``"kg"``, ``"USD per kg of contained element"``).
    lo, hi : float, optional
        Bounds (default ``lo = 0``, no upper bound; ``lo=None`` allows any finite number); ``lo_open``
        makes the lower bound strict (``> lo``).
    error : type of Exception
        The error class raised (an :class:`InputError` subclass such as ``PriceError``).

    Returns
    -------
    float

    Raises
    ------
    error
        With one line: ``"<name> must be a number (<unit>), got <value>"`` or
        ``"<name> must be > 0 (<unit>), got <value>"`` and the like.
    """
    if isinstance(value, (bool, np.bool_)):
        msg = f"{name} must be a number ({unit}), got {value!r} (a bool is not a number)"
        raise error(msg)
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer beyond any float
        msg = f"{name} must be a number ({unit}), got {_show(value)}"
        raise error(msg) from None
    if not math.isfinite(x):
        msg = f"{name} must be a finite number ({unit}), got {_show(value)}"
        raise error(msg)
    if lo is not None and (x <= lo if lo_open else x < lo):
        msg = f"{name} must be {'>' if lo_open else '>='} {lo:g} ({unit}), got {_show(value)}"
        raise error(msg)
    if hi is not None and x > hi:
        msg = f"{name} must be <= {hi:g} ({unit}), got {_show(value)}"
        raise error(msg)
    return x


def _numeric(name: str, value: Any, unit: str) -> np.ndarray:
    hint = f"{name} must be a number [{unit}] or an array of numbers"
    if isinstance(value, (str, bytes)):
        msg = (
            f"{hint}, got the text {_show(value)}; give the number in {unit} "
            "(convert units with substitute.units.convert)"
        )
        raise InputError(msg)
    if isinstance(value, (bool, np.bool_)):
        msg = f"{hint}, got {value!r} (a bool is not a number)"
        raise InputError(msg)
    if value is None:
        msg = f"{hint}, got None"
        raise InputError(msg)
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nested lists
        msg = f"{hint}, got a ragged nested sequence {_show(value)}"
        raise InputError(msg) from None
    if arr.dtype == bool or (
        arr.dtype.kind in "OUS"
        and any(isinstance(v, (bool, np.bool_, str, bytes)) for v in arr.reshape(-1)[:1000])
    ):
        msg = f"{hint}, got {_show(value)} (bools and text are not numbers)"
        raise InputError(msg)
    if arr.dtype.kind not in "iuf":
        if arr.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in arr.reshape(-1)):
            return arr.astype(float)
        msg = f"{hint}, got {_show(value)} (dtype {arr.dtype})"
        raise InputError(msg)
    return arr.astype(float, copy=False)


def _check_range(
    name: str, arr: np.ndarray, unit: str, lo: float | None, hi: float | None, lo_open: bool
) -> None:
    if not np.all(np.isfinite(arr)):
        msg = (
            f"{name} must be finite [{unit}], got {int((~np.isfinite(arr)).sum())} NaN/inf value(s)"
        )
        raise InputError(msg)
    if lo is not None and (np.any(arr <= lo) if lo_open else np.any(arr < lo)):
        op = ">" if lo_open else "≥"
        msg = f"{name} must be {op} {lo:g} {unit}, got min {float(arr.min()):g}"
        raise InputError(msg)
    if hi is not None and np.any(arr > hi):
        msg = f"{name} must be ≤ {hi:g} {unit}, got max {float(arr.max()):g}"
        raise InputError(msg)


def per_alloy(
    name: str,
    value: Any,
    n: int,
    unit: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> np.ndarray:
    """A number or one value per alloy, as a float array of shape ``(n,)``.

    Parameters
    ----------
    name : str
        Argument name, for the message (``"mass_kg"``).
    value : number or array-like
        The argument.
    n : int
        Number of alloys.
    unit : str
        Unit of the argument, for the message (``"kg"``).
    lo, hi : float, optional
        Bounds; ``lo_open`` makes the lower bound strict (``> lo``).

    Raises
    ------
    InputError
        Text, bool, None, a nested or wrong-length array, NaN/inf or a value out of bounds.
    """
    arr = _numeric(name, value, unit)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        msg = (
            f"{name} must be a number or an array of length {n} (one per alloy) [{unit}], "
            f"got shape {arr.shape}"
        )
        raise InputError(msg)
    _check_range(name, arr, unit, lo, hi, lo_open)
    return arr


def number_array(
    name: str,
    value: Any,
    unit: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
) -> np.ndarray:
    """A number or a non-empty 1-D list of numbers (e.g. temperatures), as a float array.

    Raises
    ------
    InputError
        As for :func:`per_alloy`, or an empty or multi-dimensional array.
    """
    arr = np.atleast_1d(_numeric(name, value, unit))
    if arr.ndim != 1 or arr.size == 0:
        msg = f"{name} must be a number or a non-empty 1-D list of numbers [{unit}], got {_show(value)}"
        raise InputError(msg)
    _check_range(name, arr, unit, lo, hi, lo_open)
    return arr
