"""What-if study files (TOML): designs, a base scenario, grid axes, named overlays and run settings.

See ``notebooks/fleet-whatif.toml`` and ``docs/whatif.md``. Tables:

``[whatif]``
    ``name``, ``description``, ``ranking_study`` (``"default"``, a path relative to the file, or ``"none"``),
    ``substitutes`` (bool), ``draws``, ``seed``, ``volatility`` (table element → σ, or ``"quote_range"``),
    ``percentiles``, ``recycled_counts_as``, ``backend``, ``scheduler``, ``block_size``, and
    ``[[whatif.rules]]`` (``rule, limb, level, basis, threshold``).
``[base]``
    Scenario fields every scenario starts from.
``[[designs]]``
    :class:`~substitute.whatif.designs.Design` fields, with ``composition`` + ``basis`` or ``grade``.
``[overlays.<name>]``
    Catalog overlays referred to by name from ``overlays = ["<name>"]`` (or a YAML path).
``[axes]``
    Grid axes (see :func:`~substitute.whatif.scenarios.scenario_grid`).
``[[scenarios]]``
    Explicit scenarios (on top of ``[base]``), added after the grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from substitute.errors import DataError, InputError
from substitute.whatif.designs import Design
from substitute.whatif.scenarios import Scenario, scenario_grid

__all__ = ["WhatifStudy", "load_whatif_study", "run_whatif_study"]

_TOP = {"whatif", "base", "designs", "overlays", "axes", "scenarios"}
_RUN = {
    "name",
    "description",
    "ranking_study",
    "substitutes",
    "draws",
    "seed",
    "volatility",
    "percentiles",
    "recycled_counts_as",
    "backend",
    "scheduler",
    "block_size",
    "rules",
}


@dataclass
class WhatifStudy:
    """A what-if study read from TOML: designs, scenarios and the :func:`whatif` keyword arguments."""

    name: str
    designs: list[Design]
    scenarios: list[Scenario]
    options: dict[str, Any] = field(default_factory=dict)
    source: str = "<code>"


def _resolve_path(value: Any, root: Path) -> Any:
    if isinstance(value, str) and value.lower().endswith((".csv", ".yaml", ".yml", ".toml")):
        p = Path(value)
        return str(p if p.is_absolute() else root / p)
    return value


def _resolve_overlays(
    spec: Mapping[str, Any], named: Mapping[str, Any], root: Path, where: str
) -> dict:
    out = dict(spec)
    if "prices" in out:
        out["prices"] = _resolve_path(out["prices"], root)
    if "overlays" in out:
        ovl = out["overlays"]
        ovl = [ovl] if isinstance(ovl, str | Mapping) else list(ovl)
        res = []
        for o in ovl:
            if isinstance(o, str) and o in named:
                res.append(named[o])
            elif isinstance(o, str) and o.lower().endswith((".yaml", ".yml")):
                res.append(_resolve_path(o, root))
            elif isinstance(o, Mapping):
                res.append(dict(o))
            else:
                msg = (
                    f"{where}: overlay {o!r} is neither a name defined under [overlays] "
                    f"({', '.join(named) or 'none defined'}) nor a YAML file"
                )
                raise InputError(msg)
        out["overlays"] = res
    return out


def load_whatif_study(path: str | Path) -> WhatifStudy:
    """Read a what-if study file.

    Parameters
    ----------
    path : str or Path
        TOML file (see the module docstring and ``notebooks/fleet-whatif.toml``).

    Returns
    -------
    WhatifStudy

    Raises
    ------
    InputError
        Missing file, unknown tables or keys (named), no designs, bad designs or scenarios.
    DataError
        Not valid TOML.
    """
    from substitute import data

    p = Path(path)
    raw = data.read_user_file(
        p, what="what-if study file", fmt="toml", missing_error=InputError, parse_error=DataError
    )
    where = str(p)
    root = p.parent
    unknown = sorted(set(raw) - _TOP)
    if unknown:
        msg = f"{where}: unknown table(s) {', '.join(unknown)}; valid: {', '.join(sorted(_TOP))}"
        raise InputError(msg)
    run = dict(raw.get("whatif", {}))
    bad = sorted(set(run) - _RUN)
    if bad:
        msg = f"{where} [whatif]: unknown key(s) {', '.join(bad)}; valid keys: {', '.join(sorted(_RUN))}"
        raise InputError(msg)
    named = raw.get("overlays", {})
    if not isinstance(named, Mapping):
        msg = f"{where} [overlays]: expected tables [overlays.<name>]"
        raise InputError(msg)
    designs_raw = raw.get("designs")
    if not designs_raw:
        msg = f"{where}: no [[designs]]; give at least one design"
        raise InputError(msg)
    designs = [
        Design.from_mapping(d, f"{where} [[designs]] #{i + 1}") for i, d in enumerate(designs_raw)
    ]
    base = _resolve_overlays(raw.get("base", {}), named, root, f"{where} [base]")
    if "name" in base:
        msg = f"{where} [base]: 'name' is not used (scenario names come from axis labels)"
        raise InputError(msg)
    Scenario.from_mapping({**base, "name": "base"}, f"{where} [base]")
    scenarios: list[Scenario] = []
    axes = raw.get("axes", {})
    if axes:
        axes = {
            a: [
                _resolve_overlays(lv, named, root, f"{where} [axes] {a}")
                if isinstance(lv, Mapping)
                else lv
                for lv in levels
            ]
            if isinstance(levels, list)
            else levels
            for a, levels in axes.items()
        }
        scenarios.extend(scenario_grid(axes, base=base))
    for i, s in enumerate(raw.get("scenarios", [])):
        spec = _resolve_overlays(s, named, root, f"{where} [[scenarios]] #{i + 1}")
        merged = dict(base)
        for k, v in spec.items():
            if k == "overlays":
                merged[k] = [*base.get("overlays", []), *v]
            elif isinstance(v, Mapping) and isinstance(merged.get(k), Mapping):
                merged[k] = {**merged[k], **v}
            else:
                merged[k] = v
        if "name" not in merged:
            msg = f"{where} [[scenarios]] #{i + 1}: 'name' is required"
            raise InputError(msg)
        scenarios.append(Scenario.from_mapping(merged, f"{where} [[scenarios]] #{i + 1}"))
    if not scenarios:
        scenarios = [Scenario.from_mapping({**base, "name": "base"}, f"{where} [base]")]
    opts: dict[str, Any] = {}
    rs = run.get("ranking_study", "default")
    opts["study"] = (
        None if rs in ("none", "") else (rs if rs == "default" else _resolve_path(rs, root))
    )
    for k in sorted(_RUN - {"name", "description", "ranking_study"}):
        if k in run:
            opts[k] = run[k]
    return WhatifStudy(
        name=str(run.get("name", p.stem)),
        designs=designs,
        scenarios=scenarios,
        options=opts,
        source=where,
    )


def run_whatif_study(study: WhatifStudy | str | Path, **overrides: Any) -> pd.DataFrame:
    """Run :func:`~substitute.whatif.whatif` with a study's designs, scenarios and options.

    Parameters
    ----------
    study : WhatifStudy or path
    **overrides
        :func:`whatif` keyword arguments replacing the file's (``backend``, ``scheduler``, ``draws`` …);
        ``None`` values are ignored.
    """
    from substitute.whatif.core import whatif

    st = study if isinstance(study, WhatifStudy) else load_whatif_study(study)
    opts = {**st.options, **{k: v for k, v in overrides.items() if v is not None}}
    df = whatif(st.designs, st.scenarios, **opts)
    df.attrs["audit"]["whatif_study"] = st.source
    df.attrs["audit"]["whatif_study_name"] = st.name
    return df
