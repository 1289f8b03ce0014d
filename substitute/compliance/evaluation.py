"""Evaluation units (a rule set, or one limb of it), the one threshold comparator, the verdict order, and
the end-use screens: what :mod:`~substitute.compliance.content`, :mod:`~substitute.compliance.assess`,
:mod:`~substitute.compliance.valueshare` and the ranking and what-if engines share.

Everything a unit knows comes from the catalog data.

**Thresholds compare in one place**, :func:`reaches`: a share reaches a threshold when it is at or above
it, with a relative tolerance of :data:`REL_TOL` that resolves a tie in the rule's favour, so a share that
is exactly the threshold in decimal arithmetic (0.3 kg × 1.2 wt% × 3,000 USD/kg = 10.80 USD in a
10,800 USD unit) is never lost to binary rounding (0.0009999999999999998). For a ``>`` comparator a share
within the tolerance of the threshold is also treated as reaching it (conservative: the text's strict
inequality cannot be told from rounding).

**Verdict order** (:data:`VERDICT_ORDER`, worst first) for roll-ups and exit codes: ``prohibited`` >
``licence_required`` > ``exempt_report_required`` > ``unknown_status`` > ``below_threshold`` >
``not_controlled``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from substitute.compliance.catalog import Catalog
from substitute.compliance.schema import EndUseRule, Evaluation, Limb, RuleSet, Threshold
from substitute.compliance.status import StatusEvidence, treat_status
from substitute.errors import InputError, UnknownRuleError

EFFECT_ORDER = ("prohibited", "presumption_of_denial", "case_by_case", "exempt_with_report")

#: verdicts, worst first (roll-ups take the first that occurs; exit codes follow it)
VERDICT_ORDER = (
    "prohibited",
    "licence_required",
    "exempt_report_required",
    "unknown_status",
    "below_threshold",
    "not_controlled",
)
#: verdicts that fail a compliance gate (``assess --check``, ``review --fail-on compliance``);
#: ``unknown_status`` fails too unless the user accepts unknowns explicitly
GATE_FAILS = ("prohibited", "licence_required", "exempt_report_required")

#: relative tolerance of :func:`reaches`: a tie within it goes to the rule (licence)
REL_TOL = 1e-9


def reaches(share: Any, threshold: float, comparator: str | None = ">=") -> Any:
    """Whether ``share`` reaches ``threshold`` under the rule's comparator (scalar or numpy array).

    ``">="`` ("达到…及以上", reaches or exceeds) and ``">"`` (exceeds) both count a share within
    ``REL_TOL × threshold`` below the threshold as reaching it: a tie goes to the rule.
    """
    if comparator not in (">=", ">", None):
        msg = f"comparator must be '>=' or '>', got {comparator!r}"
        raise InputError(msg)
    tol = REL_TOL * abs(float(threshold))
    if np.ndim(share):
        return np.asarray(share, dtype=float) >= float(threshold) - tol
    return bool(float(share) >= float(threshold) - tol)


PRICE_FLOOR_USD_PER_KG = 0.1
"""Lowest price accepted for a counted (controlled) element [USD/kg contained]: the cheapest controlled rare
earth trades well above it (Y, Sm oxides: a few USD/kg in the shipped vectors), and a zero price would make
its value share vanish — a false "below threshold"."""


def counted_prices(pv: Any, elements: Iterable[str]) -> np.ndarray:
    """Prices [USD/kg] of counted elements for a value share; a missing, zero or near-zero one raises.

    Raises
    ------
    PriceError
        An element without a price (from the price vector) or priced below :data:`PRICE_FLOOR_USD_PER_KG`.
    """
    from substitute.errors import PriceError

    els = list(elements)
    p = np.asarray(pv.prices(els), dtype=float) if els else np.zeros(0)
    low = [(e, v) for e, v in zip(els, p, strict=True) if not v >= PRICE_FLOOR_USD_PER_KG]
    if low:
        shown = ", ".join(f"{e} {v:g}" for e, v in low)
        msg = (
            f"price vector {getattr(pv, 'id', '?')!r}: {shown} USD/kg for controlled element(s) counted in a "
            f"value share; below {PRICE_FLOOR_USD_PER_KG} USD/kg the share vanishes and the verdict would read "
            "'below threshold' falsely — give the element's market price"
        )
        raise PriceError(msg)
    return p


_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}
"""Codes in common use that ISO 3166 spells otherwise (UK → GB; EL, the EU's code for Greece → GR)."""


def check_destination(destination: Any) -> str | None:
    """The ISO 3166-1 alpha-2 code of a destination given as a code (``"US"``, ``"USA"``, ``"840"``), a
    common alias (``"UK"``) or a country name (``"United States"``); None stays None.

    Raises
    ------
    InputError
        Not a country (the verdict of a destination-specific rule must never rest on an unread
        destination: "USA" once weakened an end-use verdict by not matching "US").
    """
    import pycountry

    if destination is None:
        return None
    if not isinstance(destination, str) or not destination.strip():
        msg = f"destination must be a country code or name (e.g. 'US', 'JP', 'Germany'), got {destination!r}"
        raise InputError(msg)
    text = destination.strip()
    text = _COUNTRY_ALIASES.get(text.upper(), text)
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        msg = (
            f"destination {destination!r} is not a country: give an ISO 3166 code (US, JP, DE …) or a "
            "country name"
        )
        raise InputError(msg) from None


def worst(statuses: Iterable[str]) -> str:
    """The worst verdict of a set (:data:`VERDICT_ORDER`); ``not_controlled`` for none."""
    present = set(statuses)
    return next((v for v in VERDICT_ORDER if v in present), "not_controlled")


@dataclass(frozen=True)
class Unit:
    """One thing the engine tests: a rule set, or one limb of it that has its own evaluation."""

    rule: RuleSet
    limb: Limb | None
    evaluation: Evaluation
    threshold: Threshold | None
    listed: tuple[str, ...]  # every element the rule set lists (criticality: incl. also_includes)
    trigger: tuple[str, ...]  # content that makes a material a controlled item / a Part II item
    counted: tuple[str, ...]  # value-share numerator elements (No. 61 Part I)
    catalog: Catalog | None = field(default=None, compare=False, repr=False)

    @property
    def rule_id(self) -> str:
        return self.rule.id

    @property
    def limb_id(self) -> str:
        return self.limb.id if self.limb else ""

    @property
    def label(self) -> str:
        name = self.rule.short_name or self.rule.id
        return f"{name} limb {self.limb.id}" if self.limb else name

    def status_evidence(self, d: dt.date) -> StatusEvidence:
        """Raw status on a date and the record that decided it (catalog suspension instruments applied)."""
        limb = self.limb.id if self.limb else None
        if self.catalog is not None:
            return self.catalog.status_evidence(self.rule_id, d, limb)
        from substitute.compliance.status import status_evidence

        return status_evidence(self.rule, d, limb)

    def raw_status(self, d: dt.date) -> str:
        return self.status_evidence(d).status

    def part_ii_families(self) -> dict[str, tuple[str, ...]]:
        """Annex 1 Part II magnet materials: family → the elements whose content makes one."""
        out: dict[str, tuple[str, ...]] = {}
        if self.rule.annex1 is None:
            return out
        for it in self.rule.annex1.part_II_items:
            if it.kind == "magnet_material" and it.magnet_family:
                out[it.magnet_family] = (*out.get(it.magnet_family, ()), *it.elements)
        return out

    def end_use_rules(self) -> list[EndUseRule]:
        extra = list(self.limb.end_use_rules) if self.limb else []
        return [*self.rule.end_use_rules, *extra, *self.rule.exemptions]

    def element_verified(self, element: str) -> bool:
        """False when any item for the element, or the annex/rule, is flagged unverified."""
        flags = [it.verified for it in self.rule.items if it.element == element]
        if self.rule.annex1 is not None and element in (*self.counted, *self.trigger):
            flags.append(self.rule.annex1.verified)
        flags.append(self.rule.verified)
        return all(f is not False for f in flags)


def evaluation_units(catalog: Catalog, rule_ids: Iterable[str] | None = None) -> list[Unit]:
    """Units for the selected rule sets; limbs with their own evaluation become separate units."""
    units: list[Unit] = []
    for rs in catalog.select(rule_ids):
        listed = catalog.listed_elements(rs.id)
        magnet = tuple(
            dict.fromkeys(it.element for it in rs.items if it.magnet_item and it.element)
        )
        counted: tuple[str, ...] = ()
        if rs.annex1 is not None:
            counted = rs.annex1.part_i_elements
            magnet = rs.annex1.part_ii_material_elements
        sub = [lb for lb in rs.limbs if lb.evaluation is not None]
        if sub:
            for lb in sub:
                assert lb.evaluation is not None
                units.append(
                    Unit(
                        rs,
                        lb,
                        lb.evaluation,
                        lb.threshold or rs.threshold,
                        listed,
                        magnet,
                        counted,
                        catalog,
                    )
                )
        else:
            units.append(
                Unit(rs, None, rs.evaluation, rs.threshold, listed, magnet, counted, catalog)
            )
    return units


def end_use_vocabulary(catalog: Catalog) -> tuple[str, ...]:
    """Every end-use tag the catalog knows, plus ``civil`` (``civil_*`` is accepted as civil)."""
    tags: dict[str, None] = {"civil": None}
    for rs in catalog:
        for r in (*rs.end_use_rules, *rs.exemptions):
            tags.update(dict.fromkeys(r.end_uses))
        for c in (*rs.limbs, *rs.clauses):
            for r in c.end_use_rules:
                tags.update(dict.fromkeys(r.end_uses))
    return tuple(tags)


def check_end_use(end_use: str | None, catalog: Catalog) -> str | None:
    if end_use is None:
        return None
    vocab = end_use_vocabulary(catalog)
    if end_use in vocab or end_use.startswith("civil"):
        return end_use
    msg = (
        f"end_use: {end_use!r} is not known; valid: {', '.join(vocab)} "
        "(any 'civil_…' tag, e.g. 'civil_automotive', counts as civil)"
    )
    raise InputError(msg)


def end_use_effects(
    unit: Unit,
    catalog: Catalog,
    end_use: str | None,
    destination: str | None,
    d: dt.date,
    assume: str,
) -> tuple[str, str]:
    """(strongest effect, note) of the end-use rules that apply to a controlled item of this unit."""
    if end_use is None:
        return "", ""
    hits: list[tuple[str, str]] = []
    for r in unit.end_use_rules():
        if end_use in r.end_uses:
            art = f" Art. {r.article}" if r.article else ""
            cond = f"; {r.condition}" if r.condition else ""
            hits.append(
                (
                    r.effect,
                    f"{unit.rule.short_name or unit.rule_id}{art}: {r.effect} ({r.scope}{cond})",
                )
            )
    for rs in catalog:
        if rs.evaluation.test != "end_use_only" or not rs.destination:
            continue
        if destination is None or destination.upper() != rs.destination.upper():
            continue
        parts: list[tuple[Limb | None, list[EndUseRule]]] = [(None, list(rs.end_use_rules))]
        parts += [(c, list(c.end_use_rules)) for c in rs.clauses]
        for c, rules in parts:
            raw = catalog.status_at(rs.id, d, c.id if c else None)
            if treat_status(raw, assume) != "in_force":
                continue
            for r in rules:
                if end_use in r.end_uses:
                    where = f" {c.id}" if c else ""
                    hits.append(
                        (
                            r.effect,
                            f"{rs.short_name or rs.id}{where} (destination {rs.destination}): {r.effect} ({r.scope})",
                        )
                    )
    if not hits:
        return "", f"no end-use rule of {unit.label} covers {end_use!r}"
    hits.sort(key=lambda h: EFFECT_ORDER.index(h[0]))
    return hits[0][0], "; ".join(h[1] for h in hits)


def fmt_pct(x: float) -> str:
    """A fraction as a percent with sensible digits (0.013991 → '1.399 %')."""
    return f"{x * 100:.4g} %"


def join(els: Iterable[str]) -> str:
    els = list(els)
    if not els:
        return ""
    if len(els) == 1:
        return els[0]
    return ", ".join(els[:-1]) + " or " + els[-1]


def value_unit(cat: Catalog, rule: str, limb: str | None) -> Unit:
    for u in evaluation_units(cat, [rule]):
        if u.evaluation.test == "value_share" and (limb is None or u.limb_id == limb):
            return u
    msg = f"rule {rule!r}{f' limb {limb!r}' if limb else ''} has no value-share test"
    raise UnknownRuleError(msg)
