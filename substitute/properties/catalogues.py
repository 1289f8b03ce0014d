"""Grade names as vendors print them, for every magnet family: lookup in the vendor catalogues.

The table is ``datasets/grades/vendor_grades.csv`` (342 datasheet rows, 29 vendors: sintered NdFeB, bonded
NdFeB, SmCo5, Sm2Co17, hard ferrite, SmFeN), with ``datasets/grades/aliases.csv`` for vendor codes that a
page itself equates to a standard name ("Y30 (= C5)", Dura "4212" = N42). A name is matched exactly after
normalisation (case, spaces, hyphens); nothing is guessed. The band of a name is the envelope of what the
vendors that list it print (lowest minimum, highest maximum), with the vendors and pages.

:func:`substitute.properties.grades.grade` falls back to this lookup for every name that is not a standard
sintered NdFeB grade (and for sintered names beyond the standard ladder that vendors do list, e.g.
GBD grades).
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any, cast

import pandas as pd

from substitute import data
from substitute.errors import InputError

__all__ = ["FAMILIES", "catalogue_band", "catalogue_names", "nearest_names", "normalise"]

GRADES_FILE = "grades/vendor_grades.csv"
ALIASES_FILE = "grades/aliases.csv"
FAMILIES: tuple[str, ...] = (
    "sintered_ndfeb",
    "bonded_ndfeb_isotropic",
    "smco5",
    "sm2co17",
    "ferrite",
    "smfen",
)
"""Families of the vendor catalogues (``family`` column)."""

ROUTE_OF_FAMILY: dict[str, str] = {
    "sintered_ndfeb": "sintered",
    "bonded_ndfeb_isotropic": "bonded_isotropic",
    "smco5": "smco5",
    "sm2co17": "sm2co17",
    "ferrite": "ferrite",
    "smfen": "smfen_bonded",
}
"""Property-model route of each family."""


MAX_GRADE_NAME = 40
"""Longest grade name accepted (catalogue names are at most 16 characters)."""


def check_grade_text(name: Any) -> str:
    """A grade name stripped of surrounding space; refuse non-strings, empty and over-long text."""
    if not isinstance(name, str):
        msg = f"grade name must be a string like 'N42SH', got {type(name).__name__}"
        raise InputError(msg)
    if not name.strip():
        msg = "grade name is empty; give a name like 'N42SH'"
        raise InputError(msg)
    name = name.strip()
    if len(name) > MAX_GRADE_NAME:
        msg = f"grade name {name[:20]!r}... is {len(name)} characters long; grade names have at most {MAX_GRADE_NAME}"
        raise InputError(msg)
    return name


def normalise(name: Any) -> str:
    """Upper case without spaces, hyphens, underscores or slashes: ``"BNP-8"`` → ``"BNP8"``."""
    return re.sub(r"[\s\-_/]+", "", str(name)).upper()


@cache
def _table() -> pd.DataFrame:
    g = data.read_csv(GRADES_FILE)
    g["key"] = g["grade"].map(normalise)
    ali = data.read_csv(ALIASES_FILE)
    ali = ali[~ali["vendor_grade"].astype(str).str.contains(r"\.\.\.|series", regex=True)]
    rows = []
    for a in ali.itertuples():
        std = g[g["key"] == normalise(a.standard_grade)]
        for r in std.itertuples(index=False):
            d = cast(Any, r)._asdict()  # a namedtuple; the stub types only its fields
            d["key"] = normalise(a.vendor_grade)
            d["notes"] = f"alias of {a.standard_grade} printed by {a.vendor} ({a.source_url})"
            rows.append(d)
    return pd.concat([g, pd.DataFrame(rows)], ignore_index=True) if rows else g


def catalogue_names(family: str | None = None) -> list[str]:
    """Every grade name the vendor catalogues list (of one family when given), sorted."""
    t = _table()
    if family is not None:
        t = t[t["family"] == _family(family)]
    return sorted(set(t["grade"].astype(str)))


def _family(family: str) -> str:
    if family not in FAMILIES:
        msg = f"unknown magnet family {family!r}; valid: {', '.join(FAMILIES)}"
        raise InputError(msg)
    return family


def _lo(s: pd.Series) -> float:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return float(v.min()) if len(v) else float("nan")


def _hi(s: pd.Series) -> float:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return float(v.max()) if len(v) else float("nan")


def _med(s: pd.Series) -> float:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return float(v.median()) if len(v) else float("nan")


def nearest_names(name: str, family: str | None = None, n: int = 5) -> list[str]:
    """Listed grade names closest to ``name`` (of one family when given)."""
    t = _table()
    if family is not None:
        t = t[t["family"] == _family(family)]
    first = t.drop_duplicates("key").set_index("key")["grade"]
    near = difflib.get_close_matches(normalise(name), list(first.index), n=n, cutoff=0.5)
    return [str(first[k]) for k in near]


def vendor_rows(rows: pd.DataFrame, name: str, vendor: Any) -> pd.DataFrame:
    """The rows of one vendor (case-insensitive part of its name, e.g. ``"arnold"``) among a grade's rows;
    an error names the vendors that do list the grade."""
    if not isinstance(vendor, str) or not vendor.strip():
        msg = f"vendor must be a non-empty name like 'Arnold', got {vendor!r}"
        raise InputError(msg)
    want = vendor.strip().lower()
    names = rows["vendor"].astype(str)
    mine = rows[names.str.lower().str.contains(want, regex=False)]
    matched = sorted(set(mine["vendor"].astype(str)))
    if len(matched) > 1:
        msg = f"vendor {vendor!r} matches several vendors listing {name}: {'; '.join(matched)}; give more of the name"
        raise InputError(msg)
    if mine.empty:
        listing = sorted(set(names))
        msg = (
            f"vendor {vendor!r} lists no grade {name} in {GRADES_FILE}; vendors that list it: "
            f"{'; '.join(listing) if listing else 'none'}"
        )
        raise InputError(msg)
    return mine


def catalogue_band(
    name: str, family: str | None = None, vendor: str | None = None
) -> dict[str, Any]:
    """The band of a grade name as the vendor catalogues print it.

    Parameters
    ----------
    name : str
        Grade as printed, e.g. ``"YXG28H"``, ``"BNP-8"``, ``"Y30BH"``, ``"C8"``, ``"4212"`` (Dura's code).
    family : str, optional
        One of :data:`FAMILIES`; needed when the name is listed under more than one family.
    vendor : str, optional
        Only this vendor's datasheet rows (a case-insensitive part of its name, e.g. ``"arnold"``,
        ``"K&J"``); default the envelope of every vendor listing the name.

    Returns
    -------
    dict
        ``name`` (as printed), ``family``, ``route`` (of the property model), ``br_min_T``,
        ``br_max_T`` (typical values widen the band when no min/max is printed), ``hcj_min_kA_per_m``,
        ``hcb_min_kA_per_m``, ``bhmax_min_kJ_per_m3``, ``bhmax_max_kJ_per_m3``, ``alpha_br_pct_per_K``,
        ``beta_hcj_pct_per_K`` (medians), ``tw_C`` (median), ``vendors``, ``sources`` (pages) and
        ``basis`` (how the band was formed).

    Raises
    ------
    InputError
        The name is not listed (the nearest listed names are given), or it is listed under several
        families and ``family`` was not given.
    """
    name = check_grade_text(name)
    t = _table()
    if family is not None:
        t = t[t["family"] == _family(family)]
    key = normalise(name)
    rows = t[t["key"] == key]
    if rows.empty:
        names = nearest_names(name, family)
        where = f" of family {family}" if family else ""
        hint = f"; nearest listed names{where}: {', '.join(names)}" if names else ""
        msg = f"grade {name!r}: no vendor catalogue in {GRADES_FILE} lists it{hint}"
        raise InputError(msg)
    fams = sorted(set(rows["family"]))
    if len(fams) > 1:
        msg = f"grade {name!r} is listed under several families ({', '.join(fams)}): pass family= one of them"
        raise InputError(msg)
    fam = fams[0]
    if vendor is not None:
        rows = vendor_rows(rows, str(rows["grade"].iloc[0]), vendor)
    br_lo = _lo(pd.concat([rows["br_min_T"], rows["br_typ_T"]]))
    br_hi = _hi(pd.concat([rows["br_max_T"], rows["br_typ_T"]]))
    return {
        "name": str(rows["grade"].iloc[0]),
        "family": fam,
        "route": ROUTE_OF_FAMILY[fam],
        "br_min_T": float(br_lo),
        "br_max_T": float(br_hi),
        "hcj_min_kA_per_m": _lo(rows["hcj_min_kA_per_m"]),
        "hcb_min_kA_per_m": _lo(rows["hcb_min_kA_per_m"]),
        "bhmax_min_kJ_per_m3": _lo(rows["bhmax_min_kJ_per_m3"]),
        "bhmax_max_kJ_per_m3": _hi(rows["bhmax_max_kJ_per_m3"]),
        "alpha_br_pct_per_K": _med(rows["alpha_br_pct_per_K"]),
        "beta_hcj_pct_per_K": _med(rows["beta_hcj_pct_per_K"]),
        "tw_C": _med(rows["tw_C"]),
        "vendors": sorted(set(rows["vendor"].astype(str))),
        "sources": sorted(set(rows["source_url"].astype(str))),
        "basis": (
            f"envelope of {len(rows)} datasheet row(s) from {rows['vendor'].nunique()} vendor(s) in "
            f"{GRADES_FILE}: lowest minimum, highest maximum (typical values widen the Br band); "
            "coefficients and Tw are medians"
        ),
    }
