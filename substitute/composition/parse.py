"""Composition text: percent strings (``"Nd 29.5, Dy 2, B 1, Fe bal"``), chemical formulas and grade names.

The scanner and the formula parser turn text into element amounts; :func:`looks_like_grade` refuses grade
names (``"N42SH"`` would read as nitrogen, sulphur and hydrogen). No array and no alloy object here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from substitute import elements as _el
from substitute.arrays import number
from substitute.errors import CompositionError

__all__ = ["looks_like_grade", "normalise_basis", "parse_formula", "scan_percent_string"]

SUM_TOL = 1e-9  # tolerance on a row sum of fractions (absolute, on the fraction scale)

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


def grade_error(text: str) -> CompositionError:
    msg = (
        f"{text.strip()!r} is a magnet grade name, not a composition; "
        f"use Alloy.from_grade({text.strip()!r}) for a typical chemistry of that grade"
    )
    return CompositionError(msg)


# --------------------------------------------------------------------------------------------- parsing
_TOKEN = re.compile(
    r"(?P<sym>PrNd|MM|[A-Z][a-z]?)"
    r"(?:\s*(?P<amt>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<bal>[\s_]*\(?\s*(?:bal|balance|rest)\b\s*\)?))?"
)
_SEP = re.compile(r"[\s,;]+")
_BASIS_MARK = re.compile(
    # no leading \s* outside the parenthesis: a run of blanks must not be rescanned from every position
    # (that made parsing quadratic in the length of a whitespace run)
    r"(?:\(\s*)?\b(?P<mark>wt\.?\s*%|mass\s*%|weight\s*%|at\.?\s*%|atomic\s*%|mol\s*%)(?:\s*\))?",
    re.I,
)
_BASIS_WORDS = {"mass": "mass", "atomic": "atomic", "wt": "mass", "at": "atomic"}


def _basis_from_mark(mark: str) -> str:
    m = mark.lower().replace(" ", "").replace(".", "")
    return "mass" if m.startswith(("wt", "mass", "weight")) else "atomic"


def normalise_basis(basis: str | None) -> str | None:
    if basis is None:
        return None
    b = str(basis).lower().replace("_percent", "").replace("_fraction", "").replace("%", "")
    b = _BASIS_WORDS.get(b, b)
    if b not in ("mass", "atomic"):
        msg = f"basis must be 'mass' (wt%) or 'atomic' (at%), got {basis!r}"
        raise CompositionError(msg)
    return b


def _shown(text: str, limit: int = 80) -> str:
    """The text for an error message: quoted, cut to ``limit`` characters (a message never echoes a
    megabyte of input, and building it stays cheap)."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def scan_percent_string(text: str) -> tuple[list[tuple[str, float | None, int]], str | None]:
    """Split ``"Nd22.5 Pr6.5 … Fe bal"`` into (symbol, amount or None for balance, position) triples.

    Linear in the length of ``text``; error messages show at most its first 80 characters."""
    marks = list(_BASIS_MARK.finditer(text))
    found = {_basis_from_mark(m.group("mark")) for m in marks}
    if len(found) > 1:
        msg = f"{_shown(text)} carries both a wt% and an at% marker"
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
            msg = f"unexpected text {word!r} at position {pos + 1} of {_shown(text)}{hint}"
            raise CompositionError(msg)
        sym = m.group("sym")
        if sym not in ("PrNd", "MM") and not _el.is_element(sym):
            _el.check_symbol(sym, where=f" at position {pos + 1} of {_shown(text)}")
        if m.group("bal") is not None:
            amount = None
        elif m.group("amt") is not None:
            amount = float(m.group("amt"))
            if amount < 0:
                msg = f"negative amount {amount:g} for {sym!r} at position {pos + 1}; amounts must be ≥ 0"
                raise CompositionError(msg)
        else:
            msg = (
                f"element {sym!r} at position {pos + 1} of {_shown(text)} has no amount; write e.g. "
                f"'{sym}1.0' or '{sym} bal' (for a stoichiometric formula use Alloy.from_formula)"
            )
            raise CompositionError(msg)
        tokens.append((sym, amount, pos + 1))
        pos = m.end()
    return tokens, mark


def parse_formula(text: str) -> dict[str, float]:
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


def check_amounts(amounts: Mapping[str, Any], what: str, unit: str) -> dict[str, float]:
    out: dict[str, float] = {}
    if not amounts:
        msg = f"empty composition ({what}); give at least one element"
        raise CompositionError(msg)
    for sym, val in amounts.items():
        _el.check_symbol(str(sym), where=f" in {what}")
        out[str(sym)] = number(f"amount of {sym!r} in {what}", val, unit, error=CompositionError)
    return out


def percent_to_fraction(
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
    if abs(total - 100.0) > 100.0 * SUM_TOL and not normalize:
        msg = (
            f"{what}: amounts sum to {total:.6g} {unit}, not 100; use a balance element "
            f"(e.g. 'Fe bal') or pass normalize=True to rescale explicitly"
        )
        raise CompositionError(msg)
    return {k: v / total for k, v in amounts.items()}
