"""Study files (TOML): baseline, requirements, design space and prices for :func:`rank_substitutes`.

A study has the tables ``[study]``, ``[baseline]``, ``[requirements]`` (with ``[[requirements.compliance]]``),
``[space]`` and ``[prices]``; see ``datasets/examples/default-study.toml``. Unknown tables or keys, values of
the wrong type and quantities of the wrong dimension are errors that name the file, the line, the table and
the key: ``study.toml line 27 [requirements] min_br_T: expected a number in T (or a quantity such as
"1.1 T" or "11 kG"), got 'high' (a string)``. Keys whose name carries a unit (``temperature_C``,
``min_hcj_kA_per_m``, ``grain_size_um`` …) also take a quantity string such as ``"12 kOe"``.
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from substitute.composition import Alloy
from substitute.errors import DataError, InputError, SubstituteError
from substitute.locate import Where
from substitute.ranking.evaluate import ORIGIN_CATS
from substitute.ranking.rank import (
    DEFAULT_OBJECTIVES,
    OBJECTIVES,
    RankResult,
    rank_substitutes,
)
from substitute.ranking.requirements import Requirements
from substitute.ranking.space import (
    CATEGORICAL,
    LEVERS,
    ROUTES,
    DesignSpace,
    default_space,
)
from substitute.userfiles import check_choice, check_keys, check_value, relocate, type_name

__all__ = ["DEFAULT_STUDY", "Study", "load_study", "run_study"]

DEFAULT_STUDY = "examples/default-study.toml"


@dataclass
class Study:
    """A ranking study: everything :func:`rank_substitutes` needs, read from a TOML file or built in code."""

    name: str
    baseline: Alloy
    requirements: Requirements
    space: DesignSpace
    route: str = "sintered"
    prices: str = "ex_china_2025"
    baseline_origin: dict[str, str] = field(
        default_factory=lambda: {"Dy": "CN", "Tb": "CN", "Ho": "CN"}
    )
    origin_premium: dict[str, float] = field(default_factory=dict)
    objectives: tuple[str, ...] = DEFAULT_OBJECTIVES
    grain_size_um: float = 5.0
    thickness_mm: float = 5.0
    br_factor: float | None = None
    """Density × alignment of the sintered magnets (``[baseline] br_factor``; a grade's own by default)."""
    top: int = 10
    source: str = "<code>"
    processing_costs: str | None = None
    """A processing-cost file replacing ``datasets/costs/processing_adders.csv`` (``[prices]``)."""
    assumed: tuple[str, ...] = ()
    """Requirements the study file did not give and that took their default (``magnet_mass_kg``,
    ``assembly_value_usd``): the value share rests on them, so reports call them assumed."""
    model: Any = None
    """Property model (:func:`substitute.calibrate`): from ``[baseline] measured_br_T`` and
    ``measured_hcj_kA_per_m`` the study calibrates the model to the measured baseline magnet; ``None``
    is the shipped fit."""


_TABLES = ("study", "baseline", "requirements", "space", "prices")
#: requirements a value share rests on: when a study file omits them they take the Requirements default
_VALUE_SHARE_INPUTS = ("magnet_mass_kg", "assembly_value_usd")


def _table_types() -> dict[str, dict[str, Any]]:
    """Key → expected type of ``[study]``, ``[baseline]`` and ``[prices]``, from :class:`Study` fields."""
    h = typing.get_type_hints(Study)
    return {
        "study": {
            "name": str,
            "description": str,
            "prices": h["prices"],
            "objectives": h["objectives"],
            "top": h["top"],
        },
        "baseline": {
            "name": str,
            "composition": str,
            "basis": str,
            "grade": str,
            "vendor": str,
            "route": h["route"],
            "grain_size_um": h["grain_size_um"],
            "thickness_mm": h["thickness_mm"],
            "br_factor": float,
            "origin": h["baseline_origin"],
            "measured_br_T": float,
            "measured_hcj_kA_per_m": float,
            "measured_temperature_C": float,
        },
        "prices": {"origin_premium": h["origin_premium"], "processing_costs": str},
    }


def _read(path: str | Path | None) -> tuple[dict[str, Any], Where]:
    from substitute import data

    if path is None:
        p, label = data.path(DEFAULT_STUDY), f"default study ({DEFAULT_STUDY})"
    else:
        p, label = Path(path), str(path)
    raw, lines = data.read_user_file(
        p,
        what="study file",
        fmt="toml",
        missing_error=InputError,
        parse_error=DataError,
        with_lines=True,
    )
    return raw, Where(label, lines)


def _table(raw: Mapping[str, Any], name: str, where: Where) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, Mapping):
        msg = f"{where(name)}: expected a table [{name}], got {type_name(value)}"
        raise InputError(msg)
    return dict(value)


def _checked(raw: Mapping[str, Any], name: str, where: Where) -> dict[str, Any]:
    """Table ``name`` with its keys and the type of its values checked (quantities converted)."""
    types_ = _table_types()[name]
    w = where.at(name)
    table = _table(raw, name, where)
    check_keys(table, types_, w)
    return {k: check_value(v, types_[k], w, k) for k, v in table.items()}


def _baseline(bl: Mapping[str, Any], route: str, where: Where) -> tuple[Alloy, float | None]:
    """The baseline alloy of ``[baseline]`` (a composition with its basis, or a grade) and, for a grade,
    the Br factor that puts its Br inside the band."""
    if "grade" in bl and "composition" in bl:
        msg = f"{where.head('grade')}: give either 'composition' or 'grade', not both"
        raise InputError(msg)
    if "composition" in bl and "basis" not in bl:
        msg = (
            f"{where.head('composition')}: 'basis' is required with 'composition' "
            "('mass' for wt%, 'atomic' for at%)"
        )
        raise InputError(msg)
    if "grade" not in bl and "composition" not in bl:
        msg = f"{where.head()}: needs 'composition' (with 'basis') or 'grade'"
        raise InputError(msg)
    key = "grade" if "grade" in bl else "composition"
    if "vendor" in bl and key != "grade":
        msg = f"{where.head('vendor')}: 'vendor' goes with 'grade' (whose datasheet band to meet)"
        raise InputError(msg)
    try:
        if key == "grade":
            from substitute.properties.grades import typical_chemistry

            g, info = typical_chemistry(
                bl["grade"], route=route, return_info=True, vendor=bl.get("vendor")
            )
            g = Alloy(g.mass_array[0], g.elements, name=bl["name"]) if "name" in bl else g
            return g, info.get("br_factor")
        return Alloy.parse(bl["composition"], basis=bl["basis"], name=bl.get("name")), None
    except SubstituteError as exc:
        raise relocate(exc, where, ("basis", "route"), default=key) from exc


_MEASURED = ("measured_br_T", "measured_hcj_kA_per_m")


def _measured_model(bl: Mapping[str, Any], baseline: Alloy, route: str, where: Where) -> Any:
    """The property model calibrated to the measured baseline magnet (``None`` when none is given).

    Its route factors move so that the model reproduces the measured Br and HcJ of the baseline, and its
    intervals become those of a lever's effect on a measured magnet (the held-out paired effects): the
    candidates are then predicted relative to a magnet you know, not as magnets of unknown processing."""
    given = [k for k in (*_MEASURED, "measured_temperature_C") if k in bl]
    if not given:
        return None
    missing = [k for k in _MEASURED if k not in bl]
    if missing:
        msg = f"{where(given[0])}: give both measured_br_T and measured_hcj_kA_per_m (missing {missing[0]})"
        raise InputError(msg)
    import pandas as pd

    from substitute.properties.calibration import calibrate

    comp = ", ".join(f"{el} {w:.6g}" for el, w in baseline.mass_percent.items() if w > 0)
    row = {
        "composition": comp,
        "composition_basis": "mass",
        "route": route,
        "br_T": bl["measured_br_T"],
        "hcj_kA_per_m": bl["measured_hcj_kA_per_m"],
        "temperature_C": bl.get("measured_temperature_C", 20.0),
        "grain_size_um": bl.get("grain_size_um", 5.0),
    }
    name = (
        f"calibrated to the measured baseline (Br {bl['measured_br_T']:.3g} T, "
        f"HcJ {bl['measured_hcj_kA_per_m']:.0f} kA/m)"
    )
    try:
        if route == "sintered_gbd":
            msg = "route sintered_gbd: give the measured magnet before diffusion as a sintered baseline"
            raise InputError(msg)
        return calibrate(pd.DataFrame([row]), name=name)
    except SubstituteError as exc:
        raise relocate(exc, where, (), default="measured_br_T") from exc


def _space(sp: dict[str, Any], where: Where) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Levers and families of ``[space]``, each checked alone so that an error points at its line."""
    check_keys(sp, [*LEVERS, *CATEGORICAL, "families"], where)
    levers: dict[str, Any] = {}
    families: tuple[str, ...] = ()
    for k, spec in sp.items():
        if k == "families":
            families = tuple(check_value(spec, list[str], where, k))
            continue
        if k in CATEGORICAL:
            value = check_value(spec, list[str], where, k)
        elif isinstance(spec, Mapping):  # a range {min, max, step}
            check_keys(spec, ("min", "max", "step"), where, k)
            value = {x: check_value(y, float, where, k, x) for x, y in spec.items()}
        else:
            value = check_value(spec, list[float], where, k)
        try:
            DesignSpace({k: value})
        except InputError as exc:
            raise relocate(exc, where, (), default=k) from exc
        levers[k] = value
    return levers, families


def load_study(path: str | Path | None = None, **overrides: Any) -> Study:
    """Read a study file (default: the shipped default study).

    Parameters
    ----------
    path : str or Path, optional
        TOML study file; ``None`` reads ``datasets/examples/default-study.toml``.
    **overrides
        Requirement fields to override (``as_of``, ``assume``, ``conservative`` …) and ``prices``;
        ``None`` values are ignored. Errors in them name the option (``option as_of: …``).

    Returns
    -------
    Study

    Raises
    ------
    InputError
        Unknown tables or keys, a value of the wrong type or a quantity of the wrong dimension
        (``study.toml line 27 [requirements] min_br_T: expected a number in T …``), a baseline without
        composition or grade, bad lever values. Every message about a key names the file, its line, the
        table and the key; errors raised while building the baseline, the requirements or the design
        space carry the line of the key they are about.
    DataError
        The file is not valid TOML.
    """
    raw, where = _read(path)
    unknown_opts = sorted(set(overrides) - set(Requirements.__dataclass_fields__) - {"prices"})
    if unknown_opts:
        msg = (
            f"load_study: unknown option(s) {', '.join(unknown_opts)}; valid: prices and the "
            "Requirements fields"
        )
        raise InputError(msg)
    check_keys(raw, _TABLES, where, what="table")
    st = _checked(raw, "study", where)
    bl = _checked(raw, "baseline", where)
    pr = _checked(raw, "prices", where)
    route = bl.get("route", "sintered")
    check_choice(route, ROUTES, where.at("baseline"), "route")
    for el, org in bl.get("origin", {}).items():
        # the baseline's feedstock may be of unknown origin (counted as China-origin)
        check_choice(org, ORIGIN_CATS, where.at("baseline"), "origin", el)
    for i, name in enumerate(st.get("objectives", ())):
        check_choice(name, OBJECTIVES, where.at("study"), "objectives", i)
    if "objectives" in st and not st["objectives"]:
        msg = f"{where.at('study')('objectives')}: empty; give at least one of {', '.join(OBJECTIVES)}"
        raise InputError(msg)
    baseline, grade_factor = _baseline(bl, route, where.at("baseline"))
    br_factor = bl.get("br_factor", grade_factor)
    if br_factor is not None and not 0.5 <= float(br_factor) <= 1.0:
        msg = (
            f"{where.at('baseline')('br_factor')}: density × alignment must be in 0.5-1 "
            f"(sintered evidence 0.79-0.97), got {br_factor}"
        )
        raise InputError(msg)

    model = _measured_model(bl, baseline, route, where.at("baseline"))
    if model is not None:
        if "br_factor" in bl:
            msg = (
                f"{where.at('baseline')('br_factor')}: give either br_factor or the measured Br "
                "(measured_br_T sets the density × alignment of your magnets)"
            )
            raise InputError(msg)
        br_factor = (
            None  # the calibrated route factor carries the measured Br (a grade's own is replaced)
        )

    req_spec = _table(raw, "requirements", where)
    prices = overrides.pop("prices", None) or st.get("prices", "ex_china_2025")
    given = {k: v for k, v in overrides.items() if v is not None}
    # a command-line --confidence or --conservative/--central replaces the file's setting of either
    for a, b in (("conservative", "confidence"), ("confidence", "conservative")):
        if a in given:
            req_spec.pop(b, None)
    req_spec.update(given)
    if req_spec.get("as_of", "today") == "today":
        req_spec["as_of"] = dt.date.today()
    assumed = tuple(k for k in _VALUE_SHARE_INPUTS if k not in req_spec)
    req_where = replace(where.at("requirements"), options=frozenset(given))
    requirements = Requirements.from_mapping(req_spec, where=req_where)

    levers, families = _space(_table(raw, "space", where), where.at("space"))
    space = DesignSpace(levers, families) if levers or families else default_space(baseline, route)

    origin = {"Dy": "CN", "Tb": "CN", "Ho": "CN", **bl.get("origin", {})}
    premium = dict(pr.get("origin_premium", {}))
    check_keys(premium, ("non-CN", "recycled"), where.at("prices"), "origin_premium", what="origin")
    processing = pr.get("processing_costs")
    if processing is not None:
        base_dir = Path(path).parent if path is not None else Path(".")
        processing = str(processing if Path(processing).is_absolute() else base_dir / processing)
        from substitute.ranking.costs import processing_table
        from substitute.userfiles import relocate

        try:
            processing_table(processing)
        except SubstituteError as exc:
            raise relocate(exc, where.at("prices"), {"processing_costs": processing}) from exc
    top = st.get("top", 10)
    if top < 1:
        msg = f"{where.at('study')('top')}: must be ≥ 1, got {top}"
        raise InputError(msg)
    return Study(
        name=str(st.get("name", where.label)),
        baseline=baseline,
        requirements=requirements,
        space=space,
        route=route,
        prices=prices,
        baseline_origin=origin,
        origin_premium=premium,
        objectives=tuple(st.get("objectives", DEFAULT_OBJECTIVES)),
        grain_size_um=float(bl.get("grain_size_um", 5.0)),
        thickness_mm=float(bl.get("thickness_mm", 5.0)),
        br_factor=None if br_factor is None else float(br_factor),
        top=top,
        source=where.label,
        processing_costs=processing,
        assumed=assumed,
        model=model,
    )


def run_study(
    study: Study,
    *,
    progress: bool | None = None,
    backend: str = "local",
    scheduler: Any = None,
    block_size: int | None = None,
) -> RankResult:
    """Run :func:`rank_substitutes` with the settings of a study (``backend``, ``scheduler`` and
    ``block_size`` as there: evaluate the candidates in blocks, here or on a Dask cluster)."""
    res = rank_substitutes(
        study.baseline,
        study.requirements,
        route=study.route,
        space=study.space,
        prices=study.prices,
        baseline_origin=study.baseline_origin,
        origin_premium=study.origin_premium,
        objectives=study.objectives,
        grain_size_um=study.grain_size_um,
        thickness_mm=study.thickness_mm,
        br_factor=study.br_factor,
        progress=progress,
        processing_costs=study.processing_costs,
        backend=backend,
        scheduler=scheduler,
        block_size=block_size,
        model=study.model,
    )
    res.table.attrs["audit"]["study"] = study.source
    res.table.attrs["audit"]["assumed"] = list(study.assumed)
    note = assumed_note(study)
    if note:
        res.messages.insert(0, note)
    if study.model is not None:
        res.messages.insert(0, model_note(study.model, study.route))
    return res


def model_note(model: Any, route: str) -> str:
    """One sentence on a study's calibrated property model and the interval it carries on ``route``."""
    from substitute.properties.calibration import group_of

    g = model.params["uncertainty"]["log_interval"][group_of(route)]
    return (
        f"Property model {model.name}: predictions are relative to that magnet; 90 % interval of HcJ "
        f"×{math.exp(g['hcj_kA_per_m'][0]):.2f}–×{math.exp(g['hcj_kA_per_m'][1]):.2f} and of Br "
        f"×{math.exp(g['br_T'][0]):.2f}–×{math.exp(g['br_T'][1]):.2f} (a lever's effect on a measured magnet, "
        "from the held-out paired effects, where narrower than the shipped model's for magnets of unknown "
        "processing)"
    )


def assumed_note(study: Study) -> str:
    """One sentence naming the requirements the study file did not give (empty when it gave them)."""
    req = study.requirements
    text = {
        "magnet_mass_kg": f"magnet mass {req.magnet_mass_kg:g} kg",
        "assembly_value_usd": f"assembly value USD {req.assembly_value_usd:,.0f}"
        if req.assembly_value_usd is not None
        else "assembly value (none)",
    }
    parts = [text[k] for k in study.assumed if k in text]
    if not parts:
        return ""
    return (
        f"ASSUMED, not in the study file: {' and '.join(parts)} (the defaults of Requirements); the value "
        "share rests on them — give them under [requirements]"
    )
