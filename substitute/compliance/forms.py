"""Item forms: what a BOM part *is* (a magnet of a family, a metal, an alloy, a compound …), because export
rules list items, not elements.

No. 18/2025 lists, per element, "metal, alloys and related products", "oxide and its mixtures" and
"compounds and their mixtures", and names magnet items only for Sm (SmCo), Tb and Dy (NdFeB); Gd, Lu, Sc
and Y have no magnet item. Whether a part is caught therefore depends on its form, and a Gd-substituted NdFeB
magnet is not a Gd item while Gd metal is. Every catalog item carries the forms it covers (``covers``, data);
this module infers a part's form from its composition when the user does not declare it, and says how.

Forms: ``magnet`` (with a family: ``NdFeB``, ``SmCo``, ``SmFeN``, ``ferrite``, ``AlNiCo``, ``other``),
``metal`` (one element, ≥ 99 wt%), ``alloy`` (metallic, not a magnet family: master alloys such as Al-Sc,
Dy-Fe), ``compound`` (oxides, fluorides, chlorides, sulphides: ≥ 5 wt% of O, F, Cl, S), ``magnetostrictive``
(Tb-Dy-Fe such as Terfenol-D, Fe-Ga such as Galfenol), ``target`` (sputtering targets; never inferred: declare
it), ``other`` (e.g. graphite, carbon ≥ 99 wt%). The inference rules are composition windows written out in
:func:`infer_forms`; they are deliberately coarse, and every inferred form is reported as an assumption so
that a user can override it (``Part(form=..., family=...)`` or ``form:``/``family:`` in a BOM file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from substitute.composition import AlloyBatch
from substitute.errors import InputError

__all__ = ["FAMILIES", "FORMS", "Form", "check_form", "covers", "infer_form", "infer_forms"]

FORMS = ("magnet", "metal", "alloy", "compound", "magnetostrictive", "target", "other")
FAMILIES = ("NdFeB", "SmCo", "SmFeN", "ferrite", "AlNiCo", "other")

_RE = (
    "Sc",
    "Y",
    "La",
    "Ce",
    "Pr",
    "Nd",
    "Pm",
    "Sm",
    "Eu",
    "Gd",
    "Tb",
    "Dy",
    "Ho",
    "Er",
    "Tm",
    "Yb",
    "Lu",
)
_ANIONS = ("O", "F", "Cl", "S", "Br", "I")
_NONMETALS = ("C",)  # pure carbon (graphite, diamond) is 'other', not a metal


@dataclass(frozen=True)
class Form:
    """A part's form and, for magnets, its family; ``inferred`` says the tool chose it from the composition."""

    form: str
    family: str = ""
    inferred: bool = False
    reason: str = ""

    @property
    def label(self) -> str:
        """``"magnet (NdFeB)"``, ``"alloy"`` …"""
        return (
            f"{self.form} ({self.family})" if self.form == "magnet" and self.family else self.form
        )


def check_form(form: str | None, family: str | None, where: str) -> tuple[str | None, str | None]:
    """Validate a declared form/family (``None`` means: infer it)."""
    if form is not None and form not in FORMS:
        msg = f"{where}: form {form!r} is not valid; use one of {', '.join(FORMS)}"
        raise InputError(msg)
    if family is not None:
        if family not in FAMILIES:
            msg = f"{where}: family {family!r} is not valid; use one of {', '.join(FAMILIES)}"
            raise InputError(msg)
        if form not in (None, "magnet"):
            msg = f"{where}: a family ({family!r}) belongs to form 'magnet', not {form!r}"
            raise InputError(msg)
    return form, family


def _col(batch: AlloyBatch, symbols: tuple[str, ...]) -> np.ndarray:
    out = np.zeros(len(batch))
    for s in symbols:
        out += batch.get_mass_fraction(s)
    return out


def infer_forms(batch: AlloyBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Form, family and the rule that decided, for every alloy of a batch (vectorised).

    Rules, first match wins (mass fractions w):

    1. **ferrite magnet**: w(Fe) ≥ 0.5, w(O) ≥ 0.2 and Sr + Ba > 0;
    2. **compound**: O + F + Cl + S (+ Br, I) ≥ 0.05;
    3. **metal**: one element ≥ 0.99 (carbon: ``other``);
    4. **NdFeB magnet**: rare earths 0.20–0.45, B 0.005–0.02, Fe + Co ≥ 0.5;
    5. **SmCo magnet**: Sm ≥ 0.15 and Co ≥ 0.40;
    6. **SmFeN magnet**: Sm 0.15–0.35, N 0.01–0.06, Fe ≥ 0.55;
    7. **AlNiCo magnet**: Al 0.05–0.15, Ni 0.10–0.30, Co ≥ 0.02, Fe ≥ 0.25;
    8. **magnetostrictive**: Tb and Dy both present, Tb + Dy 0.45–0.70, Fe ≥ 0.30 and B < 0.005
       (Terfenol-D), or Fe ≥ 0.7 with Ga 0.10–0.30 (Galfenol);
    9. **alloy**: anything else (metallic, two or more elements).

    Returns
    -------
    (form, family, rule) : three object arrays of length ``len(batch)``.
    """
    n = len(batch)
    w = batch.mass_array
    present = set(batch.elements)
    zero = np.zeros(n)  # one shared column for every absent element (read only here)

    def g(symbol: str) -> np.ndarray:
        return batch.get_mass_fraction(symbol) if symbol in present else zero

    re = _col(batch, tuple(e for e in _RE if e in present))
    anion = _col(batch, tuple(e for e in _ANIONS if e in present))
    fe, co, b = g("Fe"), g("Co"), g("B")
    # one small-integer rule index per alloy (first match wins); the three label arrays are looked up
    # at the end — 10^6 alloys in a ranking, so no per-row strings until then
    rules: list[tuple[str, str, str]] = [("alloy", "", "metallic, not a magnet family: alloy")]
    which = np.zeros(n, dtype=np.int16)

    def assign(mask: np.ndarray, f: str, fam: str, why: str) -> None:
        rules.append((f, fam, why))
        which[mask & (which == 0)] = len(rules) - 1

    assign(
        (fe >= 0.5) & (g("O") >= 0.2) & ((g("Sr") + g("Ba")) > 0),
        "magnet",
        "ferrite",
        "Fe ≥ 50 wt%, O ≥ 20 wt% with Sr/Ba: hard ferrite",
    )
    assign(anion >= 0.05, "compound", "", "O+F+Cl+S ≥ 5 wt%: compound (oxide, fluoride …)")
    top = w.max(axis=1) if w.shape[1] else np.zeros(n)
    nonmetal = [i for i, e in enumerate(batch.elements) if e in _NONMETALS]
    carbon = np.isin(w.argmax(axis=1), nonmetal) if w.shape[1] else np.zeros(n, bool)
    assign((top >= 0.99) & carbon, "other", "", "C ≥ 99 wt%: carbon (graphite or diamond)")
    assign(top >= 0.99, "metal", "", "one element ≥ 99 wt%: metal")
    assign(
        (re >= 0.20) & (re <= 0.45) & (b >= 0.005) & (b <= 0.02) & (fe + co >= 0.5),
        "magnet",
        "NdFeB",
        "RE 20-45 wt%, B 0.5-2 wt%, Fe+Co ≥ 50 wt%: NdFeB magnet",
    )
    assign(
        (g("Sm") >= 0.15) & (co >= 0.40), "magnet", "SmCo", "Sm ≥ 15 wt%, Co ≥ 40 wt%: SmCo magnet"
    )
    assign(
        (g("Sm") >= 0.15) & (g("Sm") <= 0.35) & (g("N") >= 0.01) & (g("N") <= 0.06) & (fe >= 0.55),
        "magnet",
        "SmFeN",
        "Sm 15-35 wt%, N 1-6 wt%, Fe ≥ 55 wt%: Sm-Fe-N magnet",
    )
    assign(
        (g("Al") >= 0.05)
        & (g("Al") <= 0.15)
        & (g("Ni") >= 0.10)
        & (g("Ni") <= 0.30)
        & (co >= 0.02)
        & (fe >= 0.25),
        "magnet",
        "AlNiCo",
        "Al 5-15, Ni 10-30, Co ≥ 2, Fe ≥ 25 wt%: AlNiCo magnet",
    )
    assign(
        (
            (g("Tb") > 0)
            & (g("Dy") > 0)
            & (g("Tb") + g("Dy") >= 0.45)
            & (g("Tb") + g("Dy") <= 0.70)
            & (fe >= 0.30)
            & (b < 0.005)
        )
        | ((fe >= 0.7) & (g("Ga") >= 0.10) & (g("Ga") <= 0.30)),
        "magnetostrictive",
        "",
        "Tb and Dy 45-70 wt% with Fe ≥ 30 wt% and no B (Terfenol-D type), or Fe ≥ 70 wt% with Ga "
        "10-30 wt% (Galfenol type): magnetostrictive",
    )
    lut = np.empty((len(rules), 3), dtype=object)
    lut[:] = rules
    picked = lut[which]
    return picked[:, 0].copy(), picked[:, 1].copy(), picked[:, 2].copy()


def infer_form(alloy: AlloyBatch) -> Form:
    """The inferred :class:`Form` of one alloy."""
    f, fam, why = infer_forms(alloy)
    return Form(str(f[0]), str(fam[0]), True, str(why[0]))


def covers(coverage: Sequence[str], form: str, family: str) -> bool:
    """Whether an item covering ``coverage`` (catalog ``covers``) includes a part of ``form``/``family``.

    ``magnet:any`` covers every magnet family; ``magnet:<family>`` one family; other entries are forms.
    """
    if form == "magnet":
        return "magnet:any" in coverage or f"magnet:{family}" in coverage
    return form in coverage
