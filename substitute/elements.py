"""Element data: atomic masses (from pymatgen, read once), rare-earth groups and feedstock shorthands.

Groups and feedstocks are data (``datasets/elements/``), each with its source.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

import numpy as np

from substitute import data
from substitute.errors import DataError, UnknownElementError

__all__ = [
    "all_symbols",
    "atomic_masses",
    "check_symbol",
    "feedstock",
    "feedstocks",
    "group",
    "group_names",
    "is_element",
    "rare_earths",
]


@cache
def _mass_table() -> dict[str, float]:
    """Standard atomic weights (g/mol) for Z = 1…103, taken once from pymatgen."""
    from pymatgen.core.periodic_table import Element

    return {el.symbol: float(el.atomic_mass) for el in Element if el.Z <= 103}


def all_symbols() -> tuple[str, ...]:
    """Every chemical symbol substitute accepts (H … Lr), in order of atomic number."""
    return tuple(_mass_table())


def is_element(symbol: str) -> bool:
    """Whether ``symbol`` is a chemical element symbol (case-sensitive, e.g. ``"Dy"``)."""
    return symbol in _mass_table()


def check_symbol(symbol: str, where: str = "") -> str:
    """Return ``symbol`` if it is an element, else raise with the nearest valid symbols.

    Raises
    ------
    UnknownElementError
        With up to three suggestions, e.g. ``'Dz' … did you mean 'Dy', 'Db', 'Ds'?``.
    """
    if is_element(symbol):
        return symbol
    table = _mass_table()
    near = difflib.get_close_matches(symbol, table, n=3, cutoff=0.3)
    if not near:
        near = [s for s in table if s[0].lower() == symbol[:1].lower()][:3]
    hint = f"; did you mean {', '.join(repr(s) for s in near)}?" if near else ""
    msg = f"unknown element {symbol!r}{where}{hint}"
    raise UnknownElementError(msg)


def atomic_masses(symbols: Iterable[str]) -> np.ndarray:
    """Atomic masses in g/mol for a sequence of symbols (pymatgen standard atomic weights).

    Parameters
    ----------
    symbols : iterable of str
        Element symbols.

    Returns
    -------
    numpy.ndarray
        Float array, g/mol, one entry per symbol.
    """
    table = _mass_table()
    out = []
    for s in symbols:
        check_symbol(s)
        out.append(table[s])
    return np.asarray(out, dtype=float)


@cache
def _groups() -> dict[str, dict]:
    raw = data.read_yaml("elements/groups.yaml")
    groups = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(groups, dict):
        msg = "elements/groups.yaml: missing mapping 'groups'"
        raise DataError(msg)
    for name, g in groups.items():
        for key in ("members", "source"):
            if key not in g:
                msg = f"elements/groups.yaml: group {name!r} lacks field {key!r}"
                raise DataError(msg)
        for s in g["members"]:
            check_symbol(s, where=f" in elements/groups.yaml group {name!r}")
    return groups


def group_names() -> tuple[str, ...]:
    """Names of the element groups shipped in ``datasets/elements/groups.yaml``."""
    return tuple(_groups())


def group(name: str) -> tuple[str, ...]:
    """Members of an element group, e.g. ``group("HRE")``.

    Parameters
    ----------
    name : str
        One of :func:`group_names` (``"REE"``, ``"LRE"``, ``"HRE"``, ``"HRE_MAGNET"``, ``"MAIN_PHASE_RE"``).

    Raises
    ------
    KeyError
        For an unknown group name, listing the valid ones.
    """
    groups = _groups()
    if name not in groups:
        msg = f"unknown element group {name!r}; valid groups: {', '.join(groups)}"
        raise KeyError(msg)
    return tuple(groups[name]["members"])


def rare_earths() -> tuple[str, ...]:
    """The seventeen rare-earth elements (Sc, Y, La–Lu)."""
    return group("REE")


@cache
def feedstocks() -> dict[str, dict]:
    """Feedstock shorthands (``PrNd``, ``MM``): split by mass fraction of metal, with source."""
    raw = data.read_yaml("elements/feedstocks.yaml")["feedstocks"]
    for name, f in raw.items():
        split = f.get("split_mass_fraction")
        if not split or abs(sum(split.values()) - 1.0) > 1e-9:
            msg = f"elements/feedstocks.yaml: feedstock {name!r}: split_mass_fraction must sum to 1"
            raise DataError(msg)
        for s in split:
            check_symbol(s, where=f" in elements/feedstocks.yaml feedstock {name!r}")
    return raw


def feedstock(name: str) -> dict[str, float]:
    """Mass split of a feedstock shorthand, e.g. ``feedstock("PrNd") == {"Pr": 0.25, "Nd": 0.75}``."""
    fs = feedstocks()
    if name not in fs:
        msg = f"unknown feedstock {name!r}; valid: {', '.join(fs)}"
        raise KeyError(msg)
    return dict(fs[name]["split_mass_fraction"])
