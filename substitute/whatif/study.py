"""What-if study files (TOML): designs, a base scenario, grid axes, named overlays and run settings.

See ``notebooks/fleet-whatif.toml`` and ``docs/guides/procurement.md``. Tables:

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from substitute.errors import DataError, InputError, SubstituteError
from substitute.locate import Where
from substitute.userfiles import check_keys, check_value, relocate, type_name
from substitute.whatif.designs import Design
from substitute.whatif.engine import check_grid
from substitute.whatif.scenarios import Scenario, scenario_grid

__all__ = ["WhatifStudy", "load_whatif_study", "run_whatif_study"]

_TOP = {"whatif", "base", "designs", "overlays", "axes", "scenarios"}
#: [whatif] keys and the types their values must have (checked with the file's line before any work)
_RUN_TYPES: dict[str, Any] = {
    "name": str,
    "description": str,
    "ranking_study": str,
    "substitutes": bool,
    "draws": int,
    "seed": int,
    "volatility": dict[str, float] | float | str,
    "percentiles": list[float],
    "recycled_counts_as": str,
    "backend": str,
    "scheduler": str,
    "block_size": int,
    "rules": list[str] | str,
}
_RUN = set(_RUN_TYPES)


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
        ovl = list(ovl) if isinstance(ovl, list | tuple) else [ovl]
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


def _located(
    build: Callable[[Mapping[str, Any], str], Any], spec: Mapping[str, Any], w: Where
) -> Any:
    """``build(spec, where)`` with errors pointing at the line of the key they name (else the table's)."""
    try:
        return build(spec, w.head())
    except SubstituteError as exc:
        raise relocate(exc, w, spec, prefix=w.head()) from exc


def _table(raw: Mapping[str, Any], key: str, w: Where) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        msg = f"{w.head(key)}: expected a table [{key}], got {type_name(value)}"
        raise InputError(msg)
    return value


def _tables(raw: Mapping[str, Any], key: str, w: Where) -> list[Mapping[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        msg = f"{w.head(key)}: expected tables [[{key}]], got {type_name(value)}"
        raise InputError(msg)
    return value


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
    raw, lines = data.read_user_file(
        p,
        what="what-if study file",
        fmt="toml",
        missing_error=InputError,
        parse_error=DataError,
        with_lines=True,
    )
    where = str(p)
    w = Where(where, lines)
    root = p.parent
    check_keys(raw, _TOP, w, what="table")
    run = dict(_table(raw, "whatif", w))
    check_keys(run, _RUN, w.at("whatif"))
    run = {k: check_value(v, _RUN_TYPES[k], w.at("whatif"), k) for k, v in run.items()}
    named = raw.get("overlays", {})
    if not isinstance(named, Mapping):
        msg = f"{w.at('overlays').head()}: expected tables [overlays.<name>]"
        raise InputError(msg)
    designs_raw = _tables(raw, "designs", w)
    if not designs_raw:
        msg = f"{where}: no [[designs]]; give at least one design"
        raise InputError(msg)
    designs = [
        _located(Design.from_mapping, d, w.at("designs", i)) for i, d in enumerate(designs_raw)
    ]
    wb = w.at("base")
    base = _resolve_overlays(_table(raw, "base", w), named, root, wb.head())
    if "name" in base:
        msg = f"{wb.head('name')}: 'name' is not used (scenario names come from axis labels)"
        raise InputError(msg)
    _located(Scenario.from_mapping, {**base, "name": "base"}, wb)
    scenarios: list[Scenario] = []
    axes = _table(raw, "axes", w)
    if axes:
        axes = {
            a: [
                _resolve_overlays(lv, named, root, w.at("axes")(a))
                if isinstance(lv, Mapping)
                else lv
                for lv in levels
            ]
            if isinstance(levels, list)
            else levels
            for a, levels in axes.items()
        }
        scenarios.extend(scenario_grid(axes, base=base))
    for i, s in enumerate(_tables(raw, "scenarios", w)):
        ws = w.at("scenarios", i)
        spec = _resolve_overlays(s, named, root, ws.head())
        merged = dict(base)
        for k, v in spec.items():
            if k == "overlays":
                merged[k] = [*base.get("overlays", []), *v]
            elif isinstance(v, Mapping) and isinstance(merged.get(k), Mapping):
                merged[k] = {**merged[k], **v}
            else:
                merged[k] = v
        if "name" not in merged:
            msg = f"{ws.head()}: 'name' is required"
            raise InputError(msg)
        scenarios.append(_located(Scenario.from_mapping, merged, ws))
    if not scenarios:
        scenarios = [_located(Scenario.from_mapping, {**base, "name": "base"}, wb)]
    opts: dict[str, Any] = {}
    rs = run.get("ranking_study", "default")
    if not isinstance(rs, str):
        msg = f'{w.at("whatif").head("ranking_study")}: ranking_study: expected "default", "none" or a study file path, got {rs!r}'
        raise InputError(msg)
    opts["study"] = (
        None if rs in ("none", "") else (rs if rs == "default" else _resolve_path(rs, root))
    )
    for k in sorted(_RUN - {"name", "description", "ranking_study"}):
        if k in run:
            opts[k] = run[k]
    if isinstance(
        opts.get("draws"), int
    ):  # a grid too large to run is said at its key, before any work
        try:
            check_grid(len(designs), len(scenarios), opts["draws"])
        except InputError as exc:
            raise relocate(exc, w.at("whatif"), ["draws"], default="draws") from exc
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
