"""Dated price vectors: USD per kg of contained element, with basis, source and confidence per row.

A *price vector* gives, for each element, the price of one kilogram of the element **as contained** in the
form that was quoted (metal, oxide, master alloy). Oxide and alloy quotes are converted from the form's
stoichiometry with pymatgen atomic masses (``Dy2O3 → Dy``: divide by the Dy mass fraction of Dy2O3, 0.8713)
— never with a hard-coded factor. Master alloys that are not stoichiometric (DyFe 80 % Dy, ferroboron)
carry their contained fraction in the data, with its source.

Shipped vectors (``datasets/prices/``, one card per file): ``china_domestic_2025`` and ``ex_china_2025``.
Users may pass their own as a dict ``{"Dy": 900.0, ...}`` (USD/kg of contained element) or a CSV.

A missing price for an element that matters raises :class:`~substitute.errors.PriceError` naming the
element; it is never a silent zero. Every row carries a ``confidence``: ``source`` (USD figure read from
the cited source), ``computed`` (derived from sourced numbers, e.g. CNY at an assumed rate), ``user``,
``low`` (sourced but stale, secondary, a bound, or carried over from another basis), ``memory`` (marked
[M] in the reference: not verified), ``missing`` (no price; the row documents the gap).

Size: one idea (a dated price vector: reading, validating, converting and applying it) in ~700 lines; the
readers and the checks of a vector's rows are kept beside the object they build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from substitute import data
from substitute.arrays import number
from substitute.errors import DataError, InputError, PriceError, UnknownElementError

__all__ = [
    "CONFIDENCE_LEVELS",
    "PriceVector",
    "alloy_cost",
    "alloy_cost_per_kg",
    "available_price_vectors",
    "contained_mass_fraction",
    "price_vector",
    "to_form_price",
    "to_metal_price",
]

CONFIDENCE_LEVELS = ("source", "computed", "user", "low", "memory", "missing")
_VECTORS_FILE = "prices/vectors.yaml"
_REQUIRED_COLUMNS = ("element",)
MAX_PRICE_FILE_BYTES = 1_000_000
"""Largest user price CSV read [bytes] (one row per element and quote: a few kB)."""
_ALL_COLUMNS = (
    "element",
    "form",
    "role",
    "contained_mass_fraction",
    "price_usd_per_kg",
    "price_lo_usd_per_kg",
    "price_hi_usd_per_kg",
    "price_lo_cny_per_t",
    "price_hi_cny_per_t",
    "cny_per_usd",
    "basis",
    "quote_date",
    "confidence",
    "source",
    "note",
)
Prefer = Literal["primary", "metal", "oxide"]


# --------------------------------------------------------------------------------------------- stoichiometry
@cache
def contained_mass_fraction(form: str, element: str) -> float:
    """Mass fraction of ``element`` in a stoichiometric ``form`` (``"Dy2O3"``, ``"Tb4O7"``, ``"Dy"``).

    Parameters
    ----------
    form : str
        Chemical formula of the quoted form, e.g. ``"Tb4O7"``; a bare symbol means the metal.
    element : str
        The element priced.

    Returns
    -------
    float
        Mass fraction [–] (basis mass), from pymatgen standard atomic weights.

    Raises
    ------
    PriceError
        If the formula cannot be parsed or does not contain the element.

    Examples
    --------
    >>> round(contained_mass_fraction("Dy2O3", "Dy"), 5)   # 2·162.500 / (2·162.500 + 3·15.9994)
    0.87132
    """
    from substitute.composition import Alloy
    from substitute.errors import CompositionError

    if form == element:
        return 1.0
    try:
        frac = Alloy.from_formula(form).mass_fraction
    except (CompositionError, UnknownElementError) as exc:
        msg = (
            f"form {form!r} is not a chemical formula ({exc}); give contained_mass_fraction for it"
        )
        raise PriceError(msg) from None
    if element not in frac.index:
        msg = f"form {form!r} does not contain {element!r}"
        raise PriceError(msg)
    return float(frac[element])


def to_metal_price(price_usd_per_kg: Any, form: str, element: str) -> Any:
    """Price per kg of contained ``element`` from a price per kg of ``form`` (oxide → metal basis).

    ``to_metal_price(226.39, "Dy2O3", "Dy")`` = 226.39 / 0.87132 = 259.83 USD/kg of Dy. This is the value
    of the element contained in the oxide; it excludes the cost of reducing the oxide to metal.
    """
    return np.asarray(price_usd_per_kg, dtype=float) / contained_mass_fraction(form, element) + 0.0


def to_form_price(price_usd_per_kg_element: Any, form: str, element: str) -> Any:
    """Inverse of :func:`to_metal_price`: price per kg of ``form`` from a contained-element price."""
    return (
        np.asarray(price_usd_per_kg_element, dtype=float) * contained_mass_fraction(form, element)
        + 0.0
    )


# --------------------------------------------------------------------------------------------- vector
@dataclass(frozen=True)
class PriceVector:
    """A dated price vector: per element, USD per kg of contained element, with its provenance.

    Build it with :func:`price_vector`. Attributes are read-only; :meth:`shock` and :meth:`with_prices`
    return new vectors.

    Attributes
    ----------
    id : str
        Name of the vector (``"ex_china_2025"``, a file stem, ``"user"`` …).
    date : str
        Representative date of the quotes (ISO, possibly year-month).
    basis : str
        What the prices are (market, Incoterm, oxide/metal), in words.
    table : pandas.DataFrame
        One row per element: ``element, price_usd_per_kg, price_lo_usd_per_kg, price_hi_usd_per_kg,
        form, form_price_usd_per_kg, contained_mass_fraction, confidence, basis, quote_date, source,
        note``. ``price_usd_per_kg`` is per kg of contained element; NaN for rows marked missing.
    quotes : pandas.DataFrame
        Every row of the source file (primary and alternative quotes), for transparency.
    data_hash : str
        Hash of the data the vector came from.
    derived_from : str
        Description of shocks/overrides applied, empty for a plain vector.
    """

    id: str
    date: str
    basis: str
    table: pd.DataFrame = field(repr=False)
    quotes: pd.DataFrame = field(repr=False)
    data_hash: str = ""
    derived_from: str = ""

    def __post_init__(self) -> None:
        t = self.table.set_index("element", drop=False)
        object.__setattr__(self, "table", t)
        # element → finite price, for the per-part lookups of a BOM (a pandas .loc per part is ~0.4 ms)
        usable = {
            str(e): float(v)
            for e, v in zip(t.index, t["price_usd_per_kg"].to_numpy(dtype=float), strict=True)
            if np.isfinite(v)
        }
        object.__setattr__(self, "_usable", usable)

    # ---- access
    @property
    def elements(self) -> tuple[str, ...]:
        """Elements that have a row (including rows marked missing)."""
        return tuple(self.table.index)

    @property
    def series(self) -> pd.Series:
        """``price_usd_per_kg`` by element (NaN where missing)."""
        return self.table["price_usd_per_kg"].rename("price_usd_per_kg")

    def has_price(self, element: str) -> bool:
        """Whether the vector has a usable (finite) price for ``element``."""
        return element in self._usable  # type: ignore[attr-defined]

    def price(self, element: str) -> float:
        """USD per kg of contained ``element``.

        Raises
        ------
        PriceError
            If the vector has no price for it (the message names the element and how to supply one).
        """
        return float(self.prices([element])[0])

    def prices(self, elements: Sequence[str]) -> np.ndarray:
        """Prices (USD/kg contained) for several elements; any missing one raises :class:`PriceError`."""
        missing = [e for e in elements if not self.has_price(e)]
        if missing:
            raise PriceError(self._missing_message(missing))
        usable = self._usable  # type: ignore[attr-defined]
        return np.array([usable[e] for e in elements], dtype=float)

    def prices_or_nan(self, elements: Sequence[str]) -> np.ndarray:
        """Prices for several elements with NaN where missing (caller decides whether that matters)."""
        usable = self._usable  # type: ignore[attr-defined]
        return np.array([usable.get(e, np.nan) for e in elements], dtype=float)

    def confidence(self, element: str) -> str:
        """Confidence label of an element's price (``"missing"`` if there is no row)."""
        if element not in self.table.index:
            return "missing"
        return str(self.table.at[element, "confidence"])

    def _missing_message(self, missing: Sequence[str]) -> str:
        parts = []
        for e in missing:
            if e in self.table.index:
                note = str(self.table.at[e, "note"] or "").strip()
                parts.append(f"{e!r} (row marked missing: {note})" if note else repr(e))
            else:
                parts.append(repr(e))
        listed = ", ".join(p for p in parts)
        return (
            f"price vector {self.id!r} has no price for {listed}; supply one with "
            f"price_vector({self.id!r}, overrides={{'{missing[0]}': usd_per_kg}}) or a dict/CSV of "
            f"prices (USD per kg of contained element)"
        )

    # ---- derived vectors
    def shock(self, multipliers: Mapping[str, float], *, name: str | None = None) -> PriceVector:
        """A new vector with some prices multiplied, e.g. ``shock({"Tb": 2.0})``.

        Raises
        ------
        PriceError
            A multiplier that is negative or not finite, or for an element without a price.
        """
        t = self.table.copy()
        desc = []
        for e, m in multipliers.items():
            if not self.has_price(e):
                msg = (
                    f"shock: multiplier for {e!r} but price vector {self.id!r} has no price for it; "
                    f"elements with prices: {', '.join(x for x in self.elements if self.has_price(x))}"
                )
                raise PriceError(msg)
            m = number(
                f"shock: multiplier for {e!r}", m, "dimensionless multiplier", error=PriceError
            )
            for c in (
                "price_usd_per_kg",
                "price_lo_usd_per_kg",
                "price_hi_usd_per_kg",
                "form_price_usd_per_kg",
            ):
                t.loc[e, c] = cast(float, t.loc[e, c]) * float(m)
            desc.append(f"{e}×{m:g}")
        return PriceVector(
            id=name or f"{self.id}[{', '.join(desc)}]",
            date=self.date,
            basis=self.basis,
            table=t.reset_index(drop=True),
            quotes=self.quotes,
            data_hash=self.data_hash,
            derived_from=(self.derived_from + "; " if self.derived_from else "")
            + "shock "
            + ", ".join(desc),
        )

    def with_prices(
        self, prices: Mapping[str, float], *, name: str | None = None, source: str = "user"
    ) -> PriceVector:
        """A new vector with some prices set (USD/kg contained element), confidence ``"user"``."""
        t = self.table.copy()
        for e, p in _check_user_prices(prices).items():
            row: dict[str, str | float] = {
                "element": e,
                "price_usd_per_kg": p,
                "price_lo_usd_per_kg": p,
                "price_hi_usd_per_kg": p,
                "form": e,
                "form_price_usd_per_kg": p,
                "contained_mass_fraction": 1.0,
                "confidence": "user",
                "basis": "user-supplied",
                "quote_date": "",
                "source": source,
                "note": "user override",
            }
            if e in t.index:
                for k, v in row.items():
                    t.loc[e, k] = v
            else:
                t = pd.concat([t, pd.DataFrame([row]).set_index("element", drop=False)])
        keys = ", ".join(f"{e}={v:g}" for e, v in prices.items())
        return PriceVector(
            id=name or f"{self.id}[{keys}]",
            date=self.date,
            basis=self.basis,
            table=t.reset_index(drop=True),
            quotes=self.quotes,
            data_hash=self.data_hash,
            derived_from=(self.derived_from + "; " if self.derived_from else "")
            + "overrides "
            + keys,
        )

    def to_frame(self) -> pd.DataFrame:
        """The per-element table (a copy), with the audit stamp in ``attrs``."""
        df = self.table.reset_index(drop=True).copy()
        df.attrs["audit"] = self.audit()
        return df

    def audit(self) -> dict[str, Any]:
        """Audit stamp: vector id, date, basis, data hash, derivation."""
        return {
            "price_vector": self.id,
            "price_vector_date": self.date,
            "price_basis": self.basis,
            "price_hash": self.data_hash,
            "price_derived_from": self.derived_from,
        }


def _check_user_prices(prices: Mapping[str, Any]) -> dict[str, float]:
    from substitute import elements

    out = {}
    for e, p in prices.items():
        elements.check_symbol(str(e), where=" in user prices")
        out[str(e)] = number(
            f"price for {e!r}", p, "USD per kg of contained element", error=PriceError
        )
    return out


# --------------------------------------------------------------------------------------------- loading
@cache
def _vectors_meta() -> dict[str, dict]:
    raw = data.read_yaml(_VECTORS_FILE)
    vecs = raw.get("vectors") if isinstance(raw, dict) else None
    if not isinstance(vecs, dict) or not vecs:
        msg = f"{_VECTORS_FILE}: missing mapping 'vectors'"
        raise DataError(msg)
    for name, v in vecs.items():
        for k in ("file", "date", "basis", "source"):
            if k not in v:
                msg = f"{_VECTORS_FILE}: vector {name!r}: field {k!r} is required"
                raise DataError(msg)
    return vecs


def available_price_vectors() -> tuple[str, ...]:
    """Names of the shipped price vectors (``datasets/prices/vectors.yaml``)."""
    return tuple(_vectors_meta())


def _num(row: pd.Series, col: str, line: str) -> float:
    """The number in ``col`` (NaN when the cell is empty); anything else there is an error naming it."""
    v = row.get(col, np.nan)
    if (
        v is None
        or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and not v.strip())
    ):
        return np.nan
    try:
        x = float(v)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an integer beyond any float
        x = np.nan
    if not np.isfinite(x):
        shown = repr(v) if len(repr(v)) <= 40 else repr(v)[:37] + "..."
        msg = f"{line}: field {col!r}: {shown} is not a finite number; leave it empty or give a number"
        raise DataError(msg)
    return x


def _build_table(raw: pd.DataFrame, where: str, prefer: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    from substitute import elements

    missing_cols = [c for c in _REQUIRED_COLUMNS if c not in raw.columns]
    if missing_cols or not (
        "price_usd_per_kg" in raw.columns
        or {"price_lo_usd_per_kg", "price_hi_usd_per_kg"} <= set(raw.columns)
        or {"price_lo_cny_per_t", "price_hi_cny_per_t", "cny_per_usd"} <= set(raw.columns)
    ):
        msg = (
            f"{where}: needs columns 'element' and a price ('price_usd_per_kg', or "
            f"'price_lo_usd_per_kg'+'price_hi_usd_per_kg', or 'price_lo_cny_per_t'+'price_hi_cny_per_t'"
            f"+'cny_per_usd'); got {', '.join(map(str, raw.columns))}"
        )
        raise DataError(msg)
    unknown = [c for c in raw.columns if c not in _ALL_COLUMNS]
    if unknown:
        msg = f"{where}: unknown column(s) {', '.join(map(repr, unknown))}; valid: {', '.join(_ALL_COLUMNS)}"
        raise DataError(msg)
    raw = raw.copy()
    for c in _ALL_COLUMNS:
        if c not in raw.columns:
            raw[c] = np.nan
    rows = []
    for n, (_, r) in enumerate(raw.iterrows()):  # small tables (tens of rows), loaded once, cached
        line = f"{where}: row {n + 2}"
        el = str(r["element"]).strip()
        try:
            elements.check_symbol(el)
        except UnknownElementError as exc:
            msg = f"{line}: field 'element': {exc}"
            raise DataError(msg) from None
        form = str(r["form"]).strip() if isinstance(r["form"], str) and r["form"].strip() else el
        role = str(r["role"]).strip() if isinstance(r["role"], str) else "primary"
        if role not in ("primary", "alternative"):
            msg = f"{line} ({el}): field 'role': {role!r}; valid: 'primary', 'alternative'"
            raise DataError(msg)
        conf = str(r["confidence"]).strip() if isinstance(r["confidence"], str) else "user"
        if conf not in CONFIDENCE_LEVELS:
            msg = f"{line} ({el}): field 'confidence': {conf!r}; valid: {', '.join(CONFIDENCE_LEVELS)}"
            raise DataError(msg)
        p, lo, hi = (
            _num(r, c, f"{line} ({el})")
            for c in ("price_usd_per_kg", "price_lo_usd_per_kg", "price_hi_usd_per_kg")
        )
        clo, chi, rate = (
            _num(r, c, f"{line} ({el})")
            for c in ("price_lo_cny_per_t", "price_hi_cny_per_t", "cny_per_usd")
        )
        if np.isfinite(clo) and np.isfinite(chi):
            if not (np.isfinite(rate) and rate > 0):
                msg = f"{line} ({el}): field 'cny_per_usd': needed (> 0) to convert the CNY quote"
                raise DataError(msg)
            if conf == "source":
                msg = f"{line} ({el}): field 'confidence': a CNY quote converted here is 'computed' or lower, not 'source'"
                raise DataError(msg)
            lo, hi = clo / 1000.0 / rate, chi / 1000.0 / rate  # CNY/t → CNY/kg → USD/kg
        if np.isfinite(lo) and np.isfinite(hi):
            if hi < lo:
                msg = f"{line} ({el}): price_hi ({hi:g}) is below price_lo ({lo:g})"
                raise DataError(msg)
            if not np.isfinite(p):
                p = 0.5 * (lo + hi)
        elif np.isfinite(p):
            lo = hi = p
        if conf == "missing":
            p = lo = hi = np.nan
        elif not np.isfinite(p):
            msg = (
                f"{line} ({el}): no price; give one, or mark the row confidence 'missing' to document "
                "the gap"
            )
            raise PriceError(msg)
        for name, v in (("price", p), ("price_lo", lo), ("price_hi", hi)):
            if np.isfinite(v) and v < 0:
                msg = f"{line} ({el}): field '{name}_usd_per_kg' is negative ({v:g})"
                raise PriceError(msg)
        cmf = _num(r, "contained_mass_fraction", f"{line} ({el})")
        if np.isfinite(cmf):
            if not 0 < cmf <= 1:
                msg = (
                    f"{line} ({el}): field 'contained_mass_fraction' must be in (0, 1], got {cmf:g}"
                )
                raise DataError(msg)
        else:
            try:
                cmf = contained_mass_fraction(form, el)
            except PriceError as exc:
                msg = f"{line}: field 'form': {exc}"
                raise DataError(msg) from None
        rows.append(
            {
                "element": el,
                "form": form,
                "role": role,
                "contained_mass_fraction": cmf,
                "form_price_usd_per_kg": p,
                "price_usd_per_kg": p / cmf,
                "price_lo_usd_per_kg": lo / cmf,
                "price_hi_usd_per_kg": hi / cmf,
                "confidence": conf,
                "basis": _text(r["basis"]),
                "quote_date": _text(r["quote_date"]),
                "source": _text(r["source"]),
                "note": _text(r["note"]),
            }
        )
    quotes = pd.DataFrame(rows)
    prim = quotes[quotes["role"] == "primary"]
    dup = prim["element"][prim["element"].duplicated()].unique()
    if len(dup):
        msg = f"{where}: more than one primary row for {', '.join(dup)}; mark the others 'alternative'"
        raise DataError(msg)
    picked = []
    for el in dict.fromkeys(quotes["element"]):
        cand = quotes[quotes["element"] == el]
        row = cand[cand["role"] == "primary"]
        if prefer != "primary":
            is_metal = cand["form"] == el
            want = (
                cand[is_metal]
                if prefer == "metal"
                else cand[~is_metal & cand["form"].str.contains("O")]
            )
            want = want[want["confidence"] != "missing"]
            if len(want):
                row = want.iloc[[0]]
        if not len(row):
            row = cand.iloc[[0]]
        picked.append(row)
    table = pd.concat(picked, ignore_index=True)
    return table, quotes


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


@cache
def _shipped(name: str, prefer: str) -> PriceVector:
    meta = _vectors_meta()[name]
    rel = f"prices/{meta['file']}"
    table, quotes = _build_table(data.read_csv(rel), str(data.path(rel)), prefer)
    return PriceVector(
        id=name,
        date=str(meta["date"]),
        basis=str(meta["basis"]),
        table=table,
        quotes=quotes,
        data_hash=data.file_hash(rel, _VECTORS_FILE),
    )


def price_vector(
    spec: str | Path | Mapping[str, float] | PriceVector = "ex_china_2025",
    *,
    prefer: Prefer = "primary",
    overrides: Mapping[str, float] | None = None,
    date: str | dt.date | None = None,
) -> PriceVector:
    """Get a price vector: a shipped one by name, a user CSV, a dict, or a :class:`PriceVector`.

    Parameters
    ----------
    spec : str, path, mapping or PriceVector, default "ex_china_2025"
        ``"china_domestic_2025"`` or ``"ex_china_2025"`` (see :func:`available_price_vectors`); a path to
        a CSV with at least ``element`` and ``price_usd_per_kg`` (USD per kg of contained element, or the
        price of ``form`` with ``form`` given, e.g. ``Dy2O3``); or a dict ``{"Dy": 918.0, ...}`` in USD per
        kg of contained element.
    prefer : {"primary", "metal", "oxide"}, default "primary"
        Which quote to use where a file holds several for an element: the row marked primary, a metal
        quote, or an oxide quote (regulations ambiguity 4: which Part I form is valued).
    overrides : mapping, optional
        Prices set on top (USD/kg contained element), confidence ``"user"``.
    date : str or datetime.date, optional
        Date stamped on a user vector (dict/CSV); ignored for shipped vectors.

    Returns
    -------
    PriceVector

    Raises
    ------
    PriceError
        Unknown vector name (lists the shipped ones), negative or non-numeric prices.
    DataError
        A CSV with missing/unknown columns or bad rows (names the file, row and field).
    """
    if prefer not in ("primary", "metal", "oxide"):
        msg = f"prefer: {prefer!r}; valid: 'primary', 'metal', 'oxide'"
        raise InputError(msg)
    if isinstance(spec, PriceVector):
        pv = spec
    elif isinstance(spec, Mapping):
        checked = _check_user_prices(spec)
        table = pd.DataFrame(
            {
                "element": list(checked),
                "price_usd_per_kg": list(checked.values()),
                "price_lo_usd_per_kg": list(checked.values()),
                "price_hi_usd_per_kg": list(checked.values()),
                "form": list(checked),
                "form_price_usd_per_kg": list(checked.values()),
                "contained_mass_fraction": 1.0,
                "confidence": "user",
                "basis": "user-supplied",
                "quote_date": str(date or ""),
                "source": "user",
                "note": "",
            }
        )
        digest = hashlib.sha256(json.dumps(checked, sort_keys=True).encode()).hexdigest()[:16]
        pv = PriceVector(
            id="user",
            date=str(date or ""),
            basis="user-supplied",
            table=table,
            quotes=table,
            data_hash=digest,
        )
    elif isinstance(spec, Path) or (isinstance(spec, str) and spec.lower().endswith(".csv")):
        p = Path(spec)
        if not p.is_file():
            msg = f"price file {str(p)!r} not found"
            raise PriceError(msg)
        size = p.stat().st_size
        if size > MAX_PRICE_FILE_BYTES:
            msg = f"price file {str(p)!r} is {size:,} bytes; a price vector is one row per element (limit {MAX_PRICE_FILE_BYTES:,} bytes)"
            raise PriceError(msg)
        try:
            raw = pd.read_csv(p, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            msg = f"{p}: empty; a price CSV needs a header (element, price_usd_per_kg …) and one row per element"
            raise DataError(msg) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            msg = f"{p}: not a readable CSV: {exc}"
            raise DataError(msg) from None
        if raw.empty:
            msg = f"{p}: a header and no rows; give one row per element with its price"
            raise DataError(msg)
        table, quotes = _build_table(raw, str(p), prefer)
        pv = PriceVector(
            id=p.stem,
            date=str(date or ""),
            basis="user CSV",
            table=table,
            quotes=quotes,
            data_hash=hashlib.sha256(p.read_bytes()).hexdigest()[:16],
        )
    elif isinstance(spec, str):
        names = available_price_vectors()
        if spec not in names:
            msg = (
                f"unknown price vector {spec!r}; shipped: {', '.join(names)} "
                "(or pass a dict of USD/kg or a path to a CSV)"
            )
            raise PriceError(msg)
        cached = _shipped(spec, prefer)  # hand out a copy: callers cannot alter the cache
        pv = replace(cached, table=cached.table.copy(), quotes=cached.quotes.copy())
    else:
        msg = f"prices: expected a vector name, a CSV path, a dict or a PriceVector, got {type(spec).__name__}"
        raise PriceError(msg)
    if overrides:
        pv = pv.with_prices(overrides)
    return pv


# --------------------------------------------------------------------------------------------- cost
def alloy_cost_per_kg(batch: Any, prices: Any = "ex_china_2025") -> np.ndarray:
    """Raw-material cost of alloys, USD per kg of alloy: Σ_i w_i · p_i (vectorised over the batch).

    Parameters
    ----------
    batch : Alloy, AlloyBatch or str
        The alloys (mass fractions, basis mass).
    prices : str, mapping, path or PriceVector, default "ex_china_2025"
        Anything :func:`price_vector` accepts.

    Returns
    -------
    numpy.ndarray, shape (n,)
        USD per kg of alloy, contained-element basis (excludes melting, processing, yield losses, margin).

    Raises
    ------
    PriceError
        If an element present in any alloy (mass fraction > 0) has no price; the message names it.
    """
    from substitute.composition import as_batch

    b = as_batch(batch)
    pv = price_vector(prices)
    w = b.mass_array
    present = np.asarray((w > 0).any(axis=0))
    els = [e for e, keep in zip(b.elements, present, strict=True) if keep]
    p = np.zeros(len(b.elements))  # elements absent from every alloy need no price
    p[present] = pv.prices(els)
    return w @ p


def alloy_cost(batch: Any, prices: Any = "ex_china_2025") -> pd.DataFrame:
    """:func:`alloy_cost_per_kg` as a table, with the weakest price confidence used per alloy.

    Returns
    -------
    pandas.DataFrame
        Columns ``alloy, cost_usd_per_kg, weakest_confidence, low_confidence_elements``; the audit stamp
        (price vector id, date, hash) in ``attrs["audit"]``.
    """
    from substitute._version import __version__
    from substitute.composition import as_batch

    b = as_batch(batch)
    pv = price_vector(prices)
    cost = alloy_cost_per_kg(b, pv)
    w = b.mass_array
    rank = {c: i for i, c in enumerate(CONFIDENCE_LEVELS)}
    conf = np.array([rank[pv.confidence(e)] for e in b.elements])
    present = w > 0
    weakest_idx = np.where(present, conf[None, :], -1).max(axis=1)
    weak_cols = conf >= rank["low"]
    weak_lists = [
        ", ".join(e for e, on in zip(b.elements, row & weak_cols, strict=True) if on)
        for row in present
    ]
    df = pd.DataFrame(
        {
            "alloy": list(b.names),
            "cost_usd_per_kg": cost,
            "weakest_confidence": [CONFIDENCE_LEVELS[i] if i >= 0 else "" for i in weakest_idx],
            "low_confidence_elements": weak_lists,
        }
    )
    df.attrs["audit"] = {"substitute_version": __version__, **pv.audit()}
    return df
