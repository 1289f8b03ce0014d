"""Study files (TOML): baseline, requirements, design space and prices for :func:`rank_substitutes`.

A study has the tables ``[study]``, ``[baseline]``, ``[requirements]`` (with ``[[requirements.compliance]]``),
``[space]`` and ``[prices]``; see ``datasets/examples/default-study.toml``. Unknown tables or keys are errors
that name them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from substitute.composition import Alloy
from substitute.errors import DataError, InputError
from substitute.ranking.rank import DEFAULT_OBJECTIVES, RankResult, rank_substitutes
from substitute.ranking.requirements import Requirements
from substitute.ranking.space import DesignSpace, default_space

__all__ = ["DEFAULT_STUDY", "Study", "load_study", "run_study"]

DEFAULT_STUDY = "examples/default-study.toml"

_TABLES = {
    "study": {"name", "prices", "objectives", "top", "description"},
    "baseline": {
        "name",
        "composition",
        "basis",
        "grade",
        "route",
        "grain_size_um",
        "thickness_mm",
        "origin",
    },
    "requirements": None,  # checked by Requirements.from_mapping
    "space": None,  # checked by DesignSpace
    "prices": {"origin_premium"},
}


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
    top: int = 10
    source: str = "<code>"


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        msg = f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(allowed))}"
        raise InputError(msg)


def _read(path: str | Path | None) -> tuple[dict[str, Any], str]:
    from substitute import data

    if path is None:
        p, label = data.path(DEFAULT_STUDY), f"default study ({DEFAULT_STUDY})"
    else:
        p, label = Path(path), str(path)
    raw = data.read_user_file(
        p, what="study file", fmt="toml", missing_error=InputError, parse_error=DataError
    )
    return raw, label


def load_study(path: str | Path | None = None, **overrides: Any) -> Study:
    """Read a study file (default: the shipped default study).

    Parameters
    ----------
    path : str or Path, optional
        TOML study file; ``None`` reads ``datasets/examples/default-study.toml``.
    **overrides
        Requirement fields to override (``as_of``, ``assume``, ``conservative`` …) and ``prices``.

    Raises
    ------
    InputError
        Unknown tables or keys (named), a baseline without composition or grade, bad lever values.
    DataError
        The file is not valid TOML.
    """
    raw, label = _read(path)
    _check_keys(raw, set(_TABLES), label)
    for t, allowed in _TABLES.items():
        if allowed is not None and t in raw:
            _check_keys(raw[t], allowed, f"{label} [{t}]")
    st, bl = raw.get("study", {}), raw.get("baseline", {})
    route = bl.get("route", "sintered")
    if "grade" in bl and "composition" in bl:
        msg = f"{label} [baseline]: give either 'composition' or 'grade', not both"
        raise InputError(msg)
    if "grade" in bl:
        baseline = Alloy.from_grade(bl["grade"], route=route)
    elif "composition" in bl:
        if "basis" not in bl:
            msg = f"{label} [baseline]: 'basis' is required with 'composition' ('mass' for wt%, 'atomic' for at%)"
            raise InputError(msg)
        baseline = Alloy.parse(bl["composition"], basis=bl["basis"], name=bl.get("name"))
    else:
        msg = f"{label} [baseline]: needs 'composition' (with 'basis') or 'grade'"
        raise InputError(msg)

    req_spec = dict(raw.get("requirements", {}))
    prices = overrides.pop("prices", None) or st.get("prices", "ex_china_2025")
    req_spec.update({k: v for k, v in overrides.items() if v is not None})
    if req_spec.get("as_of", "today") == "today":
        req_spec["as_of"] = dt.date.today()
    requirements = Requirements.from_mapping(req_spec, where=f"{label} [requirements]")

    sp_spec = dict(raw.get("space", {}))
    families = tuple(sp_spec.pop("families", ()))
    space = (
        DesignSpace(sp_spec, families) if sp_spec or families else default_space(baseline, route)
    )

    origin = {"Dy": "CN", "Tb": "CN", "Ho": "CN", **bl.get("origin", {})}
    premium = dict(raw.get("prices", {}).get("origin_premium", {}))
    bad = sorted(set(premium) - {"non-CN", "recycled"})
    if bad:
        msg = f"{label} [prices] origin_premium: unknown origin(s) {', '.join(bad)}; valid: non-CN, recycled"
        raise InputError(msg)
    top = int(st.get("top", 10))
    if top < 1:
        msg = f"{label} [study] top must be ≥ 1, got {top}"
        raise InputError(msg)
    return Study(
        name=str(st.get("name", label)),
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
        top=top,
        source=label,
    )


def run_study(study: Study, *, progress: bool | None = None) -> RankResult:
    """Run :func:`rank_substitutes` with the settings of a study."""
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
        progress=progress,
    )
    res.table.attrs["audit"]["study"] = study.source
    return res
