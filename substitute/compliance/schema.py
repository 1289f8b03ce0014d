"""Pydantic (v2) schema of the rule catalog ``datasets/rules/catalog.yaml`` and of user overlays.

The schema is strict (``extra="forbid"``): a misspelt key is an error, not a silently ignored field. Each
rule set is validated on its own so that an error names the file, the rule id and the field
(:func:`validate_rule_set`). Free-text fields that the engine never reads (licensing notes, procedural
notes, …) are typed loosely; every field the engine reads is typed tightly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from substitute.compliance.status import status_at
from substitute.errors import RuleSetError

__all__ = [
    "BOM_LEVELS",
    "END_USE_EFFECTS",
    "EVALUATION_TESTS",
    "RULE_KINDS",
    "CatalogMeta",
    "Evaluation",
    "Item",
    "Limb",
    "RuleSet",
    "Source",
    "Threshold",
    "format_validation_error",
    "validate_rule_set",
]

RULE_KINDS = (
    "export_control",
    "extraterritorial_export_control",
    "technology_export_control",
    "destination_specific_control",
    "suspension",
    "methodology_reference",
    "criticality_list",
)
EVALUATION_TESTS = (
    "any_content",
    "value_share",
    "technology_flag",
    "information_only",
    "end_use_only",
    "not_evaluated",
)
BOM_LEVELS = ("part", "subassembly", "assembly")
END_USE_EFFECTS = ("prohibited", "presumption_of_denial", "case_by_case", "exempt_with_report")

Kind = Literal[
    "export_control",
    "extraterritorial_export_control",
    "technology_export_control",
    "destination_specific_control",
    "suspension",
    "methodology_reference",
    "criticality_list",
]
Basis = Literal["value_share", "mass_share", "any_content", "none"]
Level = Literal["part", "subassembly", "assembly"]
HistoryStatus = Literal["in_force", "suspended", "revoked", "superseded", "status_unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_element(symbol: str) -> str:
    from substitute import elements
    from substitute.errors import UnknownElementError

    try:
        return elements.check_symbol(str(symbol))
    except UnknownElementError as exc:  # pydantic reports ValueError on the right field
        raise ValueError(str(exc)) from None


def _check_elements(values: list[str]) -> list[str]:
    return [_check_element(s) for s in values]


class Source(_Model):
    """One source of a rule set: a URL and what kind of document it is."""

    url: str | None = None
    kind: Literal[
        "official_as_quoted",
        "reprint",
        "translation",
        "law_firm",
        "news",
        "industry",
        "third_party_dataset",
        "hypothetical",
        "user",
    ]
    supports: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _url_needed(self) -> Source:
        if not self.url and self.kind not in ("hypothetical", "user"):
            msg = "a source needs a url unless its kind is 'hypothetical' or 'user'"
            raise ValueError(msg)
        return self


class PracticeParameter(_Model):
    """A figure reported from practice (e.g. the 0.1 wt% Dy+Tb customs floor); never a legal threshold."""

    name: str
    value: float = Field(ge=0, le=1)
    basis: Basis
    elements: list[str] = Field(default_factory=list)
    legal_status: Literal["unofficial", "official"]
    source: str
    note: str | None = None

    @field_validator("elements")
    @classmethod
    def _v_elements(cls, v: list[str]) -> list[str]:
        return _check_elements(v)


class Threshold(_Model):
    """A content threshold: value (fraction, 0.001 = 0.1 %), basis and comparator."""

    value: float | None = Field(default=None, ge=0, le=1)
    basis: Basis
    comparator: Literal[">=", ">"] | None = None
    applies_to: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    value_definition: str | None = None
    text_zh: str | None = None
    practice_parameters: list[PracticeParameter] = Field(default_factory=list)

    @model_validator(mode="after")
    def _share_needs_value(self) -> Threshold:
        if self.basis in ("value_share", "mass_share") and (
            self.value is None or self.comparator is None
        ):
            msg = f"a {self.basis} threshold needs both 'value' and 'comparator'"
            raise ValueError(msg)
        return self


Coverage = Literal[
    "metal",
    "alloy",
    "compound",
    "target",
    "magnetostrictive",
    "other",
    "magnet:any",
    "magnet:NdFeB",
    "magnet:SmCo",
    "magnet:SmFeN",
    "magnet:ferrite",
    "magnet:AlNiCo",
]


class OtherLevels(_Model):
    """Why the rule set does not apply at the BOM levels it does not test (a recorded 'no')."""

    reason: str
    source: str | None = None
    verified: bool | None = None


class Evaluation(_Model):
    """How the engine tests a BOM item against this rule set (data, so an overlay can change it)."""

    test: Literal[
        "any_content",
        "value_share",
        "technology_flag",
        "information_only",
        "end_use_only",
        "not_evaluated",
    ]
    levels: list[Level] = Field(default_factory=list)
    origin_condition: Literal[
        "exported_from_china",
        "china_origin_inputs",
        "china_origin_item",
        "china_origin_technology",
        "none",
    ] = "none"
    always_report: bool = False
    relevant_elements: list[str] = Field(default_factory=list)
    other_levels: OtherLevels | None = None
    note: str | None = None
    note_source: str | None = None

    @field_validator("relevant_elements")
    @classmethod
    def _v_relevant_elements(cls, v: list[str]) -> list[str]:
        return _check_elements(v)


class EndUseRule(_Model):
    """What a rule says about an end use or end user (presumption of denial, case-by-case, …)."""

    effect: Literal["prohibited", "presumption_of_denial", "case_by_case", "exempt_with_report"]
    scope: str
    end_uses: list[str] = Field(min_length=1)
    article: int | None = None
    rule: str | None = None
    condition: str | None = None


class Item(_Model):
    """One controlled item: control code, element, the forms the text lists (``forms``, words) and the
    part forms they cover (``covers``, see :mod:`substitute.compliance.forms`), magnet item if any, and
    ``parameters`` when the item is defined by parameters a composition cannot show (purity, size …)."""

    control_code: str | None = None
    element: str | None = None
    forms: list[str] = Field(default_factory=list)
    covers: list[Coverage] = Field(default_factory=list)
    parameters: str | None = None
    magnet_item: str | None = None
    magnet_family: Literal["NdFeB", "SmCo", "any"] | None = None
    hs_reference: list[str] = Field(default_factory=list)
    hs_reference_probable: list[str] = Field(default_factory=list)
    verified: bool | None = None
    note: str | None = None

    @field_validator("element")
    @classmethod
    def _el(cls, v: str | None) -> str | None:
        return None if v is None else _check_element(v)

    @model_validator(mode="after")
    def _magnet_item_covers(self) -> Item:
        # an item naming a magnet material and no forms covers that magnet family (overlays written
        # before 'covers' existed keep their meaning)
        if self.magnet_item and not self.covers:
            object.__setattr__(self, "covers", [f"magnet:{self.magnet_family or 'any'}"])
        return self


class Dates(_Model):
    """Dates of a rule set. ``suspended_from``/``suspended_until`` are inclusive."""

    published: dt.date | None = None
    effective: dt.date | None = None
    effective_by_limb: dict[str, dt.date] | None = None
    suspended_from: dt.date | None = None
    suspended_until: dt.date | None = None
    adopted: dt.date | None = None
    draft_published: dt.date | None = None
    superseded_on: dt.date | None = None
    published_note: str | None = None

    @model_validator(mode="after")
    def _window(self) -> Dates:
        if (self.suspended_from is None) != (self.suspended_until is None):
            msg = "suspended_from and suspended_until must be given together"
            raise ValueError(msg)
        if (
            self.suspended_from
            and self.suspended_until
            and self.suspended_until < self.suspended_from
        ):
            msg = "suspended_until is before suspended_from"
            raise ValueError(msg)
        if self.published and self.effective and self.effective < self.published:
            msg = "effective date is before the published date"
            raise ValueError(msg)
        return self


class StatusRecord(_Model):
    """The status the newest public evidence supports, and that evidence's date."""

    value: Literal[
        "in_force",
        "suspended",
        "never_effective_then_suspended",
        "status_unknown",
        "informational",
        "superseded",
        "revoked",
    ]
    as_of: dt.date
    note: str | None = None
    evidence: list[str] = Field(default_factory=list)
    after_suspended_until: Literal["status_unknown"] = "status_unknown"
    superseded_by: str | None = None


class StatusHistoryEntry(_Model):
    """A later record (e.g. from an overlay): from this date the rule set (or limb) has this status."""

    from_: dt.date = Field(alias="from")
    status: HistoryStatus
    source: str
    note: str | None = None
    verified: bool | None = None
    hypothetical: bool = False


class Limb(_Model):
    """A limb (No. 61 §1(1)–(3)) or clause (No. 46 clause 1/2) with its own dates and test."""

    id: str
    name: str | None = None
    rule: str | None = None
    threshold: Threshold | None = None
    effective: dt.date | None = None
    status: str | None = None
    suspended_from: dt.date | None = None
    suspended_until: dt.date | None = None
    suspended_by: str | None = None
    status_history: list[StatusHistoryEntry] = Field(default_factory=list)
    evaluation: Evaluation | None = None
    end_use_rules: list[EndUseRule] = Field(default_factory=list)
    note: str | None = None


class PartIInput(_Model):
    """An Annex 1 Part I input of No. 61 (counted in the numerator when of China origin)."""

    item: str
    element: list[str]

    @field_validator("element", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("element")
    @classmethod
    def _v_element_list(cls, v: list[str]) -> list[str]:
        return _check_elements(v)


class PartIIItem(_Model):
    """An Annex 1 Part II item of No. 61 (the foreign-made item that can be caught)."""

    item: str
    kind: Literal["magnet_material", "assemblies", "target"]
    elements: list[str] = Field(default_factory=list)
    magnet_family: Literal["NdFeB", "SmCo", "any"] | None = None
    verified: bool | None = None
    note: str | None = None

    @field_validator("elements")
    @classmethod
    def _v_elements(cls, v: list[str]) -> list[str]:
        return _check_elements(v)


class Annex1(_Model):
    """No. 61 Annex 1: Part I inputs and Part II items."""

    verified: bool
    annex_pdf: str | None = None
    part_I_inputs: list[PartIInput] = Field(min_length=1)
    part_II_items: list[PartIIItem] = Field(min_length=1)
    not_in_part_I: list[str] = Field(default_factory=list)

    @property
    def part_i_elements(self) -> tuple[str, ...]:
        """Elements of the Part I inputs, in first-seen order."""
        seen: dict[str, None] = {}
        for inp in self.part_I_inputs:
            for e in inp.element:
                seen.setdefault(e, None)
        return tuple(seen)

    @property
    def part_ii_material_elements(self) -> tuple[str, ...]:
        """Elements whose content makes a magnet material a Part II item."""
        seen: dict[str, None] = {}
        for it in self.part_II_items:
            if it.kind == "magnet_material":
                for e in it.elements:
                    seen.setdefault(e, None)
        return tuple(seen)


class Suspends(_Model):
    """What a suspension instrument suspends, and for how long (inclusive)."""

    targets: list[str]
    from_: dt.date = Field(alias="from")
    until: dt.date
    does_not_suspend: list[str] = Field(default_factory=list)
    legal_effect: str | None = None


class ScopeClarification(_Model):
    statement: str
    source: str
    source_kind: str | None = None
    verified: bool | None = None


class RuleSet(_Model):
    """One rule set (an announcement, a list, a methodology reference) of the catalog."""

    id: str = Field(min_length=1)
    title: str
    title_zh: str | None = None
    short_name: str | None = None
    kind: Kind
    jurisdiction: str
    issuing_authority: list[str]
    announcement_number: str | None = None
    dates: Dates
    status: StatusRecord | None = None
    status_history: list[StatusHistoryEntry] = Field(default_factory=list)
    suspended_by: str | None = None
    destination_scope: str | None = None
    destination: str | None = None
    regulated_party: str | None = None
    controlled_elements: list[str] = Field(default_factory=list)
    controlled_elements_note: str | None = None
    items: list[Item] = Field(default_factory=list)
    threshold: Threshold | None = None
    thresholds: list[Threshold] = Field(default_factory=list)
    limbs: list[Limb] = Field(default_factory=list)
    clauses: list[Limb] = Field(default_factory=list)
    annex1: Annex1 | None = None
    end_use_rules: list[EndUseRule] = Field(default_factory=list)
    exemptions: list[EndUseRule] = Field(default_factory=list)
    evaluation: Evaluation
    sources: list[Source] = Field(min_length=1)
    verified: bool | None = None
    # free-text context the engine does not read
    scope_clarifications: list[ScopeClarification] = Field(default_factory=list)
    licensing: dict[str, Any] | None = None
    magnet_relevance: str | None = None
    procedural: list[str] = Field(default_factory=list)
    catch_all: str | None = None
    exclusions: list[str] = Field(default_factory=list)
    suspends: Suspends | None = None
    context: str | None = None
    extraterritorial: str | None = None
    control_codes_reported: list[str] = Field(default_factory=list)
    control_codes_verified: bool | None = None
    numerator: str | None = None
    numerator_price_basis: str | None = None
    denominator_price_basis: str | None = None
    direction: str | None = None
    verified_current_text: bool | None = None
    materials: list[str] = Field(default_factory=list)
    ree_groups: dict[str, Any] | None = None
    also_includes: str | None = None
    element_notes: dict[str, str] | None = None
    definition: str | None = None
    additions: list[str] = Field(default_factory=list)
    count: int | None = None

    @field_validator("controlled_elements")
    @classmethod
    def _v_controlled_elements(cls, v: list[str]) -> list[str]:
        return _check_elements(v)

    def status_at(self, as_of: dt.date | str, limb: str | None = None) -> str:
        """Raw status on a date from this rule set's own dates and records (see
        :func:`substitute.compliance.status.status_at`); :meth:`Catalog.status_at` adds the suspension
        instruments of the catalog that target it."""
        return status_at(self, as_of, limb)

    @property
    def hypothetical(self) -> bool:
        """True when the rule set rests on a hypothetical source (an overlay's what-if, not a record)."""
        return any(src.kind == "hypothetical" for src in self.sources)

    @property
    def primary_source(self) -> str:
        """The rule set's first source URL (the official one where the catalog has it), or ''."""
        return next((src.url for src in self.sources if src.url), "")

    @model_validator(mode="after")
    def _consistency(self) -> RuleSet:
        if self.kind == "criticality_list" and self.evaluation.test != "information_only":
            msg = "a criticality_list must have evaluation.test 'information_only' (it never gives a licence verdict)"
            raise ValueError(msg)
        if self.evaluation.test == "value_share" and self.annex1 is None:
            msg = "a value_share evaluation needs 'annex1' (Part I inputs and Part II items)"
            raise ValueError(msg)
        ids = [lb.id for lb in self.limbs] + [c.id for c in self.clauses]
        if len(set(ids)) != len(ids):
            msg = f"duplicate limb/clause ids {ids}"
            raise ValueError(msg)
        for lb in self.limbs:
            if (
                lb.evaluation is not None
                and lb.evaluation.test == "value_share"
                and (lb.threshold is None or lb.threshold.basis != "value_share")
            ):
                msg = f"limb {lb.id!r}: a value_share evaluation needs a value_share threshold"
                raise ValueError(msg)
        if self.kind == "suspension" and self.suspends is None:
            msg = "a suspension rule set needs 'suspends' (targets, from, until)"
            raise ValueError(msg)
        return self


class CatalogMeta(_Model):
    """Header of the catalog file: id, version, compile date."""

    id: str
    version: str
    schema_version: int = 1
    compiled_on: dt.date
    based_on: str | None = None
    latest_status_evidence_date: dt.date | None = None
    notes: list[str] = Field(default_factory=list)


class Event(_Model):
    """A dated public event bearing on the rules (context: it changes no status by itself)."""

    date: dt.date
    what: str
    kind: Literal[
        "statement",
        "entity_measures",
        "entity_listing",
        "licensing",
        "catalogue",
        "reporting",
        "status_record",
        "suspension_end",
        "other",
    ] = "other"
    quote: str | None = None
    effective: dt.date | None = None
    sources: list[str] = Field(default_factory=list)
    source: str | None = None
    verified: bool = False
    confidence: Literal["high", "medium", "low"] | None = None

    @property
    def urls(self) -> list[str]:
        """Every source URL of the event."""
        return [*self.sources, *([self.source] if self.source else [])]


def format_validation_error(exc: ValidationError, where: str, rule_id: str | None) -> str:
    """One readable message per first error: file, rule id, field, problem."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__") or "(rule set)"
    problem = err.get("msg", "invalid")
    ctx = err.get("input")
    got = ""
    if err.get("type") not in ("missing",) and not isinstance(ctx, dict | list):
        got = f" (got {ctx!r})"
    rid = f"rule set {rule_id!r}" if rule_id else "an entry without 'id'"
    more = f" [+{len(exc.errors()) - 1} more error(s)]" if len(exc.errors()) > 1 else ""
    return f"{where}: {rid}: field {loc!r}: {problem}{got}{more}"


def validate_rule_set(raw: Any, where: str) -> RuleSet:
    """Validate one rule-set mapping; raise :class:`RuleSetError` naming file, rule id and field."""
    if not isinstance(raw, dict):
        msg = f"{where}: each rule set must be a mapping, got {type(raw).__name__}"
        raise RuleSetError(msg)
    rid = raw.get("id")
    try:
        return RuleSet.model_validate(raw)
    except ValidationError as exc:
        raise RuleSetError(format_validation_error(exc, where, rid)) from None
