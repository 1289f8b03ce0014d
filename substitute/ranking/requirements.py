"""What a substitute must do: performance at temperature, cost limits, and licence conditions."""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from substitute.errors import InputError

if TYPE_CHECKING:
    from substitute.locate import Where

__all__ = ["ComplianceCondition", "Requirements", "apply_constraints", "quantile_label"]


def quantile_label(confidence: float | None) -> str:
    """Which value of a prediction a verdict at this confidence is taken on, in words: ``"central"``
    (confidence 0.5) or e.g. ``"10% quantile"`` (0.9, the default when None)."""
    c = float(confidence or 0.9)
    return "central" if abs(c - 0.5) < 1e-12 else f"{1 - c:.0%} quantile"


LEVELS = ("magnet", "part", "assembly")
BASES = ("value_share", "mass_share", "any_content")


@dataclass(frozen=True)
class ComplianceCondition:
    """One licence condition: a rule set (or limb) tested at a BOM level on a basis.

    Parameters
    ----------
    rule : str
        Rule-set id in the catalog, e.g. ``"CN-MOFCOM-2025-61"``.
    limb : str, optional
        Limb id, e.g. ``"1(1)"`` for No. 61's value-share test.
    level : {"assembly", "part", "magnet"}, default "assembly"
        BOM level whose value (or mass) is the denominator.
    basis : {"value_share", "mass_share", "any_content"}
        ``value_share`` as the rule states it; ``mass_share`` is the labelled alternative reading;
        ``any_content`` tests any deliberate content (No. 18 / No. 57 magnet items).
    threshold : float, optional
        Override of the catalog threshold (fraction, e.g. 0.001 for 0.1 %).
    """

    rule: str
    limb: str | None = None
    level: str = "assembly"
    basis: str = "value_share"
    threshold: float | None = None

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            msg = f"compliance level {self.level!r} is not one of {', '.join(LEVELS)}"
            raise InputError(msg)
        if self.basis not in BASES:
            msg = f"compliance basis {self.basis!r} is not one of {', '.join(BASES)}"
            raise InputError(msg)
        if self.threshold is not None and not (0 <= self.threshold < 1):
            msg = f"threshold must be a fraction in [0, 1) (0.001 = 0.1 %), got {self.threshold}"
            raise InputError(msg)

    @property
    def key(self) -> str:
        """Column-safe id, e.g. ``CN-MOFCOM-2025-61_1(1)@assembly``."""
        return f"{self.rule}{'_' + self.limb if self.limb else ''}@{self.level}"


def _default_conditions() -> tuple[ComplianceCondition, ...]:
    return (
        ComplianceCondition("CN-MOFCOM-GAC-2025-18", level="magnet", basis="any_content"),
        ComplianceCondition("CN-MOFCOM-GAC-2025-57", level="magnet", basis="any_content"),
        ComplianceCondition(
            "CN-MOFCOM-2025-61", limb="1(1)", level="assembly", basis="value_share"
        ),
    )


@dataclass(frozen=True)
class Requirements:
    """Requirements a substitute must meet, and the conditions it is tested under.

    Parameters
    ----------
    temperature_C : float
        Operating temperature, °C, at which the performance limits apply.
    min_br_T : float, optional
        Minimum remanence at ``temperature_C``, T.
    min_hcj_kA_per_m : float, optional
        Minimum intrinsic coercivity at ``temperature_C``, kA/m.
    no_irreversible_loss : bool, default True
        Require no irreversible loss at ``temperature_C`` for the working point set by ``permeance`` and
        ``external_field_kA_per_m`` (i.e. ``tmax_C ≥ temperature_C``).
    permeance : float, default 2.0
        Permeance coefficient Pc of the working point (vendors quote Tw at Pc ≈ 2).
    external_field_kA_per_m : float, default 0
        Opposing external (armature) field at the working point, kA/m.
    min_bhmax_kJ_per_m3 : float, optional
        Minimum energy product at ``temperature_C``, kJ/m³.
    max_cost_usd_per_kg, max_cost_usd_per_part : float, optional
        Raw-material cost limits, USD per kg of magnet and USD per part.
    magnet_mass_kg : float, default 1.6
        Magnet mass in the part, kg (one traction motor rotor carries ≈ 1–2 kg of NdFeB).
    part_value_usd, assembly_value_usd : float, optional
        Values of the part and of the assembly it sits in, USD (denominators of value shares).
    as_of : str or date, default today
        Date the rules are evaluated for.
    assume : {"in_force", "suspended"}
        How a rule whose suspension ended with no later record (``status_unknown``) is treated.
    compliance : sequence of ComplianceCondition
        Licence conditions tested (default: No. 18 and No. 57 on the magnet by content, No. 61 limb 1(1)
        on the assembly by value share).
    require_below_thresholds : bool, default True
        Make "no licence required" a hard constraint; if False, compliance is only an objective.
    confidence : float, default 0.9
        A performance requirement is met when the probability of meeting it, from the model's predictive
        distribution (:mod:`substitute.properties.predictive`), is at least this: the value tested is the
        ``1 − confidence`` quantile of the prediction. 0.5 tests central predictions; 0.95 the lower end
        of the 90 % interval (``_lo``).
    conservative : bool, optional
        The older switch: ``True`` is ``confidence=0.95``, ``False`` is ``confidence=0.5``. Give one of
        the two.
    made_in : {"non-CN", "CN", "unknown"}, default "non-CN"
        Where the magnet is made: No. 18/57 control exports *from China*; No. 61 catches foreign-made items.
    max_maturity : {"industrial", "pilot", "laboratory"}, default "pilot"
        Least mature lever level a substitute may use (``datasets/levers/maturity.csv``): ``"pilot"`` keeps
        levels shown at least on a pilot line; ``"industrial"`` only what is sold today.
    """

    temperature_C: float = 150.0
    min_br_T: float | None = None
    min_hcj_kA_per_m: float | None = None
    no_irreversible_loss: bool = True
    permeance: float = 2.0
    external_field_kA_per_m: float = 0.0
    min_bhmax_kJ_per_m3: float | None = None
    max_cost_usd_per_kg: float | None = None
    max_cost_usd_per_part: float | None = None
    magnet_mass_kg: float = 1.6
    part_value_usd: float | None = None
    assembly_value_usd: float | None = 4200.0
    as_of: str | dt.date = field(default_factory=dt.date.today)
    assume: str = "in_force"
    compliance: tuple[ComplianceCondition, ...] = field(default_factory=_default_conditions)
    require_below_thresholds: bool = True
    confidence: float | None = None
    conservative: bool | None = None
    made_in: str = "non-CN"
    max_maturity: str = "pilot"

    def __post_init__(self) -> None:
        def number(name: str) -> None:
            v = getattr(self, name)
            if v is None:
                return
            if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
                msg = f"{name} must be a number (its unit is in the name), got {v!r}"
                raise InputError(msg)
            if not np.isfinite(v):
                msg = f"{name} must be finite, got {v!r}"
                raise InputError(msg)

        for name in (
            "temperature_C",
            "min_br_T",
            "min_hcj_kA_per_m",
            "min_bhmax_kJ_per_m3",
            "max_cost_usd_per_kg",
            "max_cost_usd_per_part",
            "magnet_mass_kg",
            "part_value_usd",
            "assembly_value_usd",
            "permeance",
            "external_field_kA_per_m",
        ):
            number(name)

        def positive(name: str, allow_zero: bool = False) -> None:
            v = getattr(self, name)
            if v is None:
                return
            ok = v >= 0 if allow_zero else v > 0
            if not ok:
                msg = f"{name} must be {'≥' if allow_zero else '>'} 0, got {v}"
                raise InputError(msg)

        for name in (
            "min_br_T",
            "min_hcj_kA_per_m",
            "min_bhmax_kJ_per_m3",
            "max_cost_usd_per_kg",
            "max_cost_usd_per_part",
            "magnet_mass_kg",
            "part_value_usd",
            "assembly_value_usd",
            "permeance",
        ):
            positive(name)
        positive("external_field_kA_per_m", allow_zero=True)
        if not -60 <= self.temperature_C <= 400:
            msg = f"temperature_C {self.temperature_C} °C is outside −60…400 °C"
            raise InputError(msg)
        if self.min_br_T is not None and self.min_br_T > 1.6:
            msg = (
                f"min_br_T = {self.min_br_T} T exceeds the saturation polarisation of Nd2Fe14B "
                "(≈1.61 T at room temperature): no magnet can meet it"
            )
            raise InputError(msg)
        self._resolve_confidence()
        if self.assume not in ("in_force", "suspended"):
            msg = f"assume must be 'in_force' or 'suspended', got {self.assume!r}"
            raise InputError(msg)
        if self.max_maturity not in ("industrial", "pilot", "laboratory"):
            msg = f"max_maturity must be 'industrial', 'pilot' or 'laboratory', got {self.max_maturity!r}"
            raise InputError(msg)
        if self.made_in not in ("CN", "non-CN", "unknown"):
            msg = f"made_in must be 'CN', 'non-CN' or 'unknown', got {self.made_in!r}"
            raise InputError(msg)
        if (
            self.part_value_usd
            and self.assembly_value_usd
            and self.part_value_usd > self.assembly_value_usd
        ):
            msg = (
                f"part_value_usd ({self.part_value_usd:g}) exceeds assembly_value_usd "
                f"({self.assembly_value_usd:g}): a part cannot be worth more than its assembly"
            )
            raise InputError(msg)
        conds = tuple(
            c if isinstance(c, ComplianceCondition) else ComplianceCondition(**c)
            for c in self.compliance
        )
        object.__setattr__(self, "compliance", conds)
        for c in conds:
            if c.level == "part" and self.part_value_usd is None and c.basis == "value_share":
                msg = f"condition {c.key} tests the part's value share: give part_value_usd"
                raise InputError(msg)
            if (
                c.level == "assembly"
                and self.assembly_value_usd is None
                and c.basis == "value_share"
            ):
                msg = f"condition {c.key} tests the assembly's value share: give assembly_value_usd"
                raise InputError(msg)

    def _resolve_confidence(self) -> None:
        """``confidence`` from itself or from the older ``conservative`` switch; checked."""
        conf, cons = self.confidence, self.conservative
        if cons is not None and not isinstance(cons, bool | np.bool_):
            msg = f"conservative must be true or false, got {cons!r}"
            raise InputError(msg)
        if conf is not None and (
            isinstance(conf, bool) or not isinstance(conf, int | float | np.integer | np.floating)
        ):
            msg = f"confidence must be a probability in (0, 1), got {conf!r}"
            raise InputError(msg)
        if conf is not None and cons is not None and bool(cons) != (float(conf) > 0.5):
            msg = (
                f"give confidence or conservative, not both (confidence={conf!r} contradicts "
                f"conservative={cons!r})"
            )
            raise InputError(msg)
        if conf is None:
            conf = 0.9 if cons is None else (0.95 if cons else 0.5)
        if not 0 < float(conf) < 1:
            hint = " (a percent? give 0.9 for 90 %)" if 1 < float(conf) <= 100 else ""
            msg = f"confidence must be a probability in (0, 1), got {conf!r}{hint}"
            raise InputError(msg)
        object.__setattr__(self, "confidence", float(conf))
        object.__setattr__(self, "conservative", float(conf) > 0.5)

    @property
    def decision_value(self) -> str:
        """The value of a prediction the limits are tested on: ``"central"`` or e.g. ``"10% quantile"``."""
        return quantile_label(self.confidence)

    @property
    def decision_basis(self) -> str:
        """How performance limits are tested, in words (for reports)."""
        c = float(self.confidence or 0.9)
        if abs(c - 0.5) < 1e-12:
            return "central predictions (P(meets) ≥ 0.5)"
        return f"P(meets) ≥ {c:g}: the {1 - c:.0%} quantile of the prediction"

    @classmethod
    def from_mapping(
        cls, spec: Mapping[str, Any], where: str | Where = "requirements"
    ) -> Requirements:
        """Build from a study-file table, checking its keys, the type of every value and units.

        Parameters
        ----------
        spec : mapping
            Field → value as read from TOML. The expected type of each field is its annotation above:
            ``true``/``false`` only for bool fields, numbers for float fields (a TOML boolean is not a number).
            A field whose name carries a unit takes a number in that unit or a quantity string converted to
            it: ``temperature_C = "423.15 K"`` (→ 150 °C), ``min_br_T = "11.5 kG"`` (→ 1.15 T),
            ``min_hcj_kA_per_m = "12 kOe"`` (→ 954.9 kA/m), ``min_bhmax_kJ_per_m3 = "40 MGOe"``
            (→ 318.3 kJ/m³), ``external_field_kA_per_m``, ``magnet_mass_kg`` likewise. USD values and
            ``permeance`` (dimensionless) take plain numbers. ``compliance`` is a list of tables with the
            fields of :class:`ComplianceCondition`.
        where : str or substitute.locate.Where, default "requirements"
            Location of the table for messages: a label (``"study.toml [requirements]"``) or a ``Where``
            that knows the line of every key.

        Returns
        -------
        Requirements

        Raises
        ------
        InputError
            Unknown keys, a value of the wrong type, a quantity of the wrong dimension or with an unknown
            unit, a date that is not ``YYYY-MM-DD``, a compliance condition without ``rule`` or with a
            level/basis outside the allowed sets, and every check of the class itself. The message starts
            with the location (``study.toml line 27 [requirements] min_br_T: …``).
        """
        from substitute.compliance.status import parse_date
        from substitute.locate import Where
        from substitute.userfiles import check_keys, check_value, relocate

        w = where if isinstance(where, Where) else Where(where)
        check_keys(spec, cls.__dataclass_fields__, w)
        hints = typing.get_type_hints(cls)
        args: dict[str, Any] = {}
        for k, v in spec.items():
            args[k] = _conditions(v, w) if k == "compliance" else check_value(v, hints[k], w, k)
        if "as_of" in args:
            parse_date(args["as_of"], field=w("as_of"))
        try:
            return cls(**args)
        except InputError as exc:
            raise relocate(exc, w, args) from exc

    def describe(self) -> dict[str, Any]:
        """Plain dict of every setting (for audit stamps and reports)."""
        d = asdict(self)
        d["as_of"] = str(self.as_of)
        return d


def _conditions(value: Any, where: Where) -> tuple[ComplianceCondition, ...]:
    """Compliance conditions from a list of tables (``[[requirements.compliance]]``), each checked."""
    from substitute.userfiles import check_choice, check_keys, check_value, relocate, type_name

    if not isinstance(value, list | tuple):
        msg = (
            f"{where('compliance')}: expected an array of tables ([[requirements.compliance]] with "
            f"rule, limb, level, basis, threshold), got {type_name(value)}"
        )
        raise InputError(msg)
    hints = typing.get_type_hints(ComplianceCondition)
    out = []
    for i, c in enumerate(value):
        if isinstance(c, ComplianceCondition):
            out.append(c)
            continue
        cw = where.at("compliance", i)
        if not isinstance(c, Mapping):
            msg = f"{cw()}: expected a table (rule, limb, level, basis, threshold), got {type_name(c)}"
            raise InputError(msg)
        check_keys(c, hints, cw)
        if "rule" not in c:
            msg = f"{cw()}: 'rule' is required (a rule-set id of the catalog, e.g. 'CN-MOFCOM-2025-61')"
            raise InputError(msg)
        args = {k: check_value(v, hints[k], cw, k) for k, v in c.items()}
        if "level" in args:
            check_choice(args["level"], LEVELS, cw, "level")
        if "basis" in args:
            check_choice(args["basis"], BASES, cw, "basis")
        try:
            out.append(ComplianceCondition(**args))
        except InputError as exc:
            raise relocate(exc, cw, args) from exc
    return tuple(out)


def apply_constraints(df: pd.DataFrame, req: Requirements) -> None:
    """Decide each performance requirement on the predictive distribution.

    Adds, per requirement, ``p_meets_<name>`` (probability that the magnet meets it) and
    ``margin_<name>`` (the value at the ``1 − confidence`` quantile minus the limit, in the property's unit:
    ≥ 0 exactly when P(meets) ≥ confidence), ``p_meets`` (the smallest over the requirements), the
    decision values ``<name>_q`` and ``meets_requirements``. Cost limits are certain (P 0 or 1).
    """
    from substitute.properties.predictive import prob_at_least, quantile

    conf = float(req.confidence or 0.9)
    limits = {
        "br_T": req.min_br_T,
        "hcj_kA_per_m": req.min_hcj_kA_per_m,
        "tmax_C": req.temperature_C if req.no_irreversible_loss else None,
        "bhmax_kJ_per_m3": req.min_bhmax_kJ_per_m3,
    }
    ok = np.ones(len(df), dtype=bool)
    p_all = np.ones(len(df))
    for name in ("br_T", "hcj_kA_per_m", "tmax_C", "bhmax_kJ_per_m3"):
        if name not in df:
            continue
        c, lo, hi = (df[name + s].to_numpy(dtype=float) for s in ("", "_lo", "_hi"))
        q = c if abs(conf - 0.5) < 1e-12 else quantile(name, c, lo, hi, 1.0 - conf)
        df[f"{name}_q"] = q
        limit = limits[name]
        if limit is None:
            continue
        p = prob_at_least(name, c, lo, hi, float(limit))
        df[f"p_meets_{name}"] = p
        margin = np.nan_to_num(q, nan=-np.inf) - float(limit)
        df[f"margin_{name}"] = margin
        ok &= margin >= 0
        p_all = np.minimum(p_all, p)
    if req.max_cost_usd_per_kg is not None:
        m = req.max_cost_usd_per_kg - df["cost_usd_per_kg"].to_numpy()
        df["margin_cost_usd_per_kg"] = m
        ok &= m >= 0
        p_all = np.where(m >= 0, p_all, 0.0)
    if req.max_cost_usd_per_part is not None:
        m = req.max_cost_usd_per_part - df["cost_usd_per_part"].to_numpy()
        df["margin_cost_usd_per_part"] = m
        ok &= m >= 0
        p_all = np.where(m >= 0, p_all, 0.0)
    # HcJ margin objective: the coercivity left above what the working point needs, at the decision quantile
    need = req.min_hcj_kA_per_m or 0.0
    df["hcj_margin_kA_per_m"] = df["hcj_kA_per_m_q"].to_numpy() - need
    df["p_meets"] = p_all
    df["meets_requirements"] = ok
