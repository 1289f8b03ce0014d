"""``whatif``: the tidy design × scenario table, and its fleet roll-up."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from substitute.backends import make_backend
from substitute.errors import InputError
from substitute.whatif import engine as eng
from substitute.whatif import montecarlo as mc
from substitute.whatif.designs import Design
from substitute.whatif.scenarios import Scenario, _overlay_label

__all__ = ["fleet_rollup", "load_ranking_study", "qname", "whatif"]

DEFAULT_BLOCK_SIZE = eng.DEFAULT_BLOCK_SIZE
PRICE_MODEL = (
    "log-normal multiplier exp(σ·z), z ~ N(0,1), around each scenario price (median = scenario price); "
    "common random numbers: draw k is the same market state for every design and scenario; streams "
    f"SeedSequence(seed).spawn per chunk of {mc.RNG_CHUNK} draws"
)


def qname(q: float) -> str:
    """Column suffix of a percentile: 5 → ``p05``, 50 → ``p50``, 2.5 → ``p2.5``."""
    return f"p{q:02g}"


# --------------------------------------------------------------------------------------------- inputs
def _designs(designs: Any) -> list[Design]:
    if isinstance(designs, Design):
        designs = [designs]
    if hasattr(designs, "table") and hasattr(designs, "qualifying"):
        msg = (
            "designs: a RankResult holds levers, not compositions; turn its top rows into designs with "
            "substitute.whatif.designs_from_ranking(result, baseline, top=..., "
            "annual_volume_units_per_year=...)"
        )
        raise InputError(msg)
    if isinstance(designs, str | bytes) or not isinstance(designs, Sequence):
        msg = f"designs: expected a Design or a list of Design, got {type(designs).__name__}"
        raise InputError(msg)
    return _named_list(designs, Design, "designs")


def _scenarios(scenarios: Any) -> list[Scenario]:
    if scenarios is None:
        return [Scenario()]
    if isinstance(scenarios, Scenario):
        return [scenarios]
    if isinstance(scenarios, Mapping):
        msg = "scenarios: got a mapping; build a grid with scenario_grid(axes) and pass its list"
        raise InputError(msg)
    return _named_list(scenarios, Scenario, "scenarios")


def _named_list(items: Any, cls: type, what: str) -> list:
    """A non-empty list of ``cls`` instances with unique ``.name``; errors name the position."""
    out = list(items)
    if not out:
        msg = f"{what}: the list is empty; give at least one {cls.__name__}"
        raise InputError(msg)
    for i, x in enumerate(out):
        if not isinstance(x, cls):
            msg = f"{what}[{i}]: expected a {cls.__name__}, got {type(x).__name__}"
            raise InputError(msg)
    names = [x.name for x in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        msg = f"{what}: duplicate name(s) {', '.join(map(repr, dup))}; names must be unique"
        raise InputError(msg)
    return out


def load_ranking_study(study: Any):
    """``"default"`` → the shipped default study; a path → that study file; a Study → itself; None."""
    from substitute.ranking.study import Study, load_study

    if study is None or isinstance(study, Study):
        return study
    if isinstance(study, str) and study == "default":
        return load_study(None)
    if isinstance(study, str | Path):
        return load_study(study)
    msg = (
        f"study: expected 'default', a study file path, a Study or None, got {type(study).__name__}"
    )
    raise InputError(msg)


# --------------------------------------------------------------------------------------------- performance
def _performance(designs: list[Design], study: Any, pv: Any) -> pd.DataFrame:
    """Properties at the study's temperature and the verdict on its performance requirements."""
    from substitute.composition import AlloyBatch
    from substitute.properties.routes import microstructure
    from substitute.ranking.evaluate import evaluate

    req = replace(study.requirements, compliance=())
    batch = AlloyBatch.concat([d.magnet for d in designs])
    model = study.model  # a study's measured baseline calibrates the model
    # where a design gives no Br factor: the route's (your magnets' when calibrated)
    f0 = float(microstructure("sintered", None if model is None else model.params)["br_factor"])
    ev = evaluate(
        batch,
        req,
        route=np.array([d.route for d in designs], dtype=object),
        route_params={
            "grain_size_um": np.array([d.grain_size_um for d in designs]),
            "gbd_element": [d.gbd_element or "" for d in designs],
            "gbd_mass_percent": np.array([d.gbd_mass_percent for d in designs]),
            "thickness_mm": np.array([d.thickness_mm for d in designs]),
            "br_factor": np.array([f0 if d.br_factor is None else d.br_factor for d in designs]),
        },
        prices=pv,
        model=model,
    )
    margins = [c for c in ev.columns if c.startswith("margin_")]
    fails = [
        ", ".join(c[len("margin_") :] for c in margins if not (row[c] >= 0))
        for _, row in ev[margins].iterrows()  # one row per design (a handful to thousands)
    ]
    ok = ev["meets_requirements"].to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "temperature_C": float(req.temperature_C),
            "br_T": ev["br_T"].to_numpy(),
            "hcj_kA_per_m": ev["hcj_kA_per_m"].to_numpy(),
            "tmax_C": ev["tmax_C"].to_numpy(),
            # the values and probability the verdict is taken on (Requirements.confidence)
            "br_T_q": ev["br_T_q"].to_numpy(),
            "hcj_kA_per_m_q": ev["hcj_kA_per_m_q"].to_numpy(),
            "tmax_C_q": ev["tmax_C_q"].to_numpy(),
            "p_meets": ev["p_meets"].to_numpy(),
            "confidence": float(req.confidence or 0.9),
            "meets_requirements": ok,
            "performance_verdict": np.where(ok, "unchanged", "degraded"),
            "performance_failures": fails,
        }
    )


# --------------------------------------------------------------------------------------------- substitutes
def _cheapest(
    study: Any, prep: eng.Prepared, progress: bool | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The cheapest compliant substitute per scenario: one ranking per distinct (prices, rules), reused
    by every scenario with the same ranking input; a progress bar when there are more than three."""
    from tqdm.auto import tqdm

    from substitute.ranking import space as sp
    from substitute.ranking.rank import rank_substitutes

    n_keys = len({(s.price_key(), s.rule_key()) for s in prep.scenarios})
    bar = tqdm(
        total=n_keys,
        desc="rankings for the cheapest substitute",
        disable=not (progress if progress is not None else n_keys > 3),
        leave=False,
    )

    cache: dict[tuple[str, str], dict[str, Any]] = {}
    out = []
    base = dict(sp.baseline_levers(study.baseline))
    base.update(
        {
            "route": study.route,
            **{f"{e.lower()}_origin": o for e, o in study.baseline_origin.items()},
            "grain_size_um": study.grain_size_um,
            "thickness_mm": study.thickness_mm,
        }
    )
    for i, s in enumerate(prep.scenarios):
        key = (s.price_key(), s.rule_key())
        if key not in cache:
            req = replace(study.requirements, as_of=s.as_of, assume=s.assume)
            res = rank_substitutes(
                study.baseline,
                req,
                route=study.route,
                space=study.space,
                prices=prep.price_vectors[i],
                baseline_origin=study.baseline_origin,
                origin_premium=dict(s.origin_premium) or study.origin_premium,
                objectives=study.objectives,
                grain_size_um=study.grain_size_um,
                thickness_mm=study.thickness_mm,
                br_factor=study.br_factor,
                model=study.model,
                explain=1,
                catalog=prep.catalogs[int(prep.rule_index[i])],
                progress=False,
            )
            q = res.qualifying
            if q.empty:
                cache[key] = {"found": False}
            else:
                # the what-if costs designs by raw material (its scenarios move material prices): the
                # substitute is chosen and costed on the same basis
                row = q.loc[[q["material_cost_usd_per_part"].idxmin()]]
                lev = row[[c for c in row.columns if c.startswith("lever_")]]
                lev = lev.rename(columns=lambda c: c[len("lever_") :])
                text = str(sp.changed_levers(lev, base).iloc[0]) or "the baseline recipe"
                r = row.iloc[0]
                cache[key] = {
                    "found": True,
                    "text": f"{text} ({r['route']})",
                    "route": str(r["route"]),
                    "cost_usd_per_kg_magnet": float(r["material_cost_usd_per_part"])
                    / float(req.magnet_mass_kg),
                    "value_share": float(r["controlled_value_share"]),
                }
            bar.update()
        out.append(cache[key])
    bar.close()
    return out, len(cache)


# --------------------------------------------------------------------------------------------- frame
def _frame(
    prep: eng.Prepared,
    agg: eng.Aggregate,
    perf: pd.DataFrame | None,
    subs: list[dict[str, Any]] | None,
) -> pd.DataFrame:
    a = agg.arrays
    pl = prep.payload
    D, S = len(prep.designs), len(prep.scenarios)
    di = np.repeat(np.arange(D), S)
    si = np.tile(np.arange(S), D)
    cols: dict[str, Any] = {}
    cols["design"] = pd.Categorical.from_codes(
        di, categories=pd.Index([d.name for d in prep.designs])
    )
    cols["scenario"] = pd.Categorical.from_codes(
        si, categories=pd.Index([s.name for s in prep.scenarios])
    )
    tags: dict[str, None] = {}
    for s in prep.scenarios:
        tags.update(dict.fromkeys(s.tags))
    for t in tags:
        vals = [s.tags.get(t, "") for s in prep.scenarios]
        cats = list(dict.fromkeys(vals))
        cols[f"axis_{t}"] = pd.Categorical.from_codes(
            np.array([cats.index(v) for v in vals])[si], categories=pd.Index(cats)
        )

    def per_s(values: Sequence[Any]) -> pd.Categorical:
        cats = list(dict.fromkeys(values))
        return pd.Categorical.from_codes(
            np.array([cats.index(v) for v in values])[si], categories=pd.Index(cats)
        )

    cols["price_vector"] = per_s([pv.id for pv in prep.price_vectors])
    cols["price_date"] = per_s([str(pv.date) for pv in prep.price_vectors])
    cols["as_of"] = per_s([cast(dt.date, s.as_of).isoformat() for s in prep.scenarios])
    cols["assume"] = per_s([s.assume for s in prep.scenarios])
    cols["overlays"] = per_s(
        ["; ".join(_overlay_label(o) for o in s.overlays) for s in prep.scenarios]
    )
    vol = a["vol"].ravel()
    m = pl["m"][di]
    cols["annual_volume_units_per_year"] = vol
    cols["magnet_mass_kg"] = m
    cols["assembly_value_usd"] = pl["v_asm"][di]
    cost_kg = a["cost_kg"].ravel()
    cols["cost_usd_per_kg"] = cost_kg
    cols["cost_usd_per_unit"] = cost_kg * m
    cols["cost_usd_per_year"] = cost_kg * m * vol
    ci = pl["ctrl_idx"]
    if ci.size:
        cm = a["ctrl_mass"].reshape(D * S, ci.size, 4)  # kg per unit
        cn_cols = [0, 3] + ([2] if pl["recycled_cn"] else [])
        cols["controlled_mass_kg_per_unit"] = cm.sum(axis=(1, 2))
        cols["controlled_mass_kg_per_year"] = cm.sum(axis=(1, 2)) * vol
        cols["controlled_mass_cn_kg_per_year"] = cm[:, :, cn_cols].sum(axis=(1, 2)) * vol
        for j, e in enumerate(np.asarray(pl["elements"])[ci]):
            for o, origin in enumerate(eng.ORIGINS):
                cols[f"controlled_mass_kg_per_year_{e}_{origin}"] = cm[:, j, o] * vol
    else:
        cols["controlled_mass_kg_per_unit"] = np.zeros(D * S)
        cols["controlled_mass_kg_per_year"] = np.zeros(D * S)
        cols["controlled_mass_cn_kg_per_year"] = np.zeros(D * S)
    r_of_s = prep.rule_index[si]
    for j, (c, cd) in enumerate(zip(prep.conds, pl["conds"], strict=True)):
        if f"share{j}" in a:
            cols[f"value_share_{c.key}"] = a[f"share{j}"].ravel()
            cols[f"threshold_{c.key}"] = cd["T"][r_of_s]
        cols[f"status_{c.key}"] = pd.Categorical.from_codes(
            a[f"status{j}"].ravel(), categories=pd.Index(list(eng.STATUSES))
        )
    p = pl["primary"]
    if p is not None:
        key = prep.conds[p].key
        cols["value_share"] = cols[f"value_share_{key}"]
        cols["threshold"] = cols[f"threshold_{key}"]
    lic = a["licence"].ravel().astype(bool)
    cols["licence_required"] = lic
    cols["licence_exposure_units_per_year"] = np.where(lic, vol, 0.0)
    if perf is not None:
        for name in perf.columns:
            v = perf[name].to_numpy()
            cols[name] = v[di] if np.ndim(v) else v
    if subs is not None:
        found = np.array([x["found"] for x in subs])[si]
        cols["cheapest_substitute"] = per_s(
            [x["text"] if x["found"] else "none qualifies" for x in subs]
        )
        cols["cheapest_substitute_route"] = per_s([x.get("route", "") for x in subs])
        ckg = np.array([x.get("cost_usd_per_kg_magnet", np.nan) for x in subs])[si]
        cols["cheapest_substitute_cost_usd_per_unit"] = ckg * m
        cols["cheapest_substitute_value_share"] = np.array(
            [x.get("value_share", np.nan) for x in subs]
        )[si]
        cols["saving_vs_cheapest_substitute_usd_per_year"] = np.where(
            found, (cost_kg * m - ckg * m) * vol, np.nan
        )
    if prep.payload["draws"]:
        q = pl["q"]
        cols["draws"] = np.full(D * S, pl["draws"], dtype=np.int64)
        cols["cost_usd_per_unit_mean"] = a["cost_mean"].ravel()
        cq = a["cost_q"].reshape(D * S, len(q))
        for j, qq in enumerate(q):
            cols[f"cost_usd_per_unit_{qname(qq)}"] = cq[:, j]
        cols["cost_usd_per_year_mean"] = a["cost_mean"].ravel() * vol
        for j, qq in enumerate(q):
            cols[f"cost_usd_per_year_{qname(qq)}"] = cq[:, j] * vol
        if p is not None:
            cols["value_share_mean"] = a["share_mean"].ravel()
            sq = a["share_q"].reshape(D * S, len(q))
            for j, qq in enumerate(q):
                cols[f"value_share_{qname(qq)}"] = sq[:, j]
            cols["p_value_share_ge_threshold"] = a[f"p_ge{p}"].ravel()
        for j, c in enumerate(prep.conds):
            if f"p_ge{j}" in a:
                cols[f"p_value_share_ge_threshold_{c.key}"] = a[f"p_ge{j}"].ravel()
        cols["p_licence_required"] = a["p_lic"].ravel()
        cols["licence_exposure_units_per_year_mean"] = a["p_lic"].ravel() * vol
    return pd.DataFrame(cols)


def _fleet_quantiles(prep: eng.Prepared, agg: eng.Aggregate) -> dict[str, dict[str, float]]:
    if agg.fleet_cost is None:
        return {}
    q = prep.payload["q"]
    cq = np.percentile(agg.fleet_cost, q, axis=1)
    out = {}
    for i, s in enumerate(prep.scenarios):
        row = {"cost_usd_per_year_mean": float(agg.fleet_cost[i].mean())}
        for j, qq in enumerate(q):
            row[f"cost_usd_per_year_{qname(qq)}"] = float(cq[j, i])
        row["licence_exposure_units_per_year_mean"] = float(agg.fleet_lic[i].mean())  # type: ignore[index]
        out[s.name] = row
    return out


# --------------------------------------------------------------------------------------------- whatif
def whatif(
    designs: Design | Sequence[Design],
    scenarios: Scenario | Sequence[Scenario] | None = None,
    *,
    draws: int = 0,
    seed: int | None = None,
    volatility: Mapping[str, float] | float | str | None = None,
    distributions: Mapping[str, Any] | None = None,
    percentiles: Sequence[float] = (5, 50, 95),
    rules: Any = None,
    study: Any = "default",
    substitutes: bool = True,
    recycled_counts_as: str = "non-CN",
    backend: str = "local",
    scheduler: Any = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    connect_timeout: float = 5.0,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Procurement what-if: every design under every scenario, with an optional price Monte Carlo.

    Parameters
    ----------
    designs : Design or list of Design
        The magnets bought (alloy, route, magnet mass, assembly value, origin, annual volume). Use
        :func:`designs_from_ranking` for a ranking's top rows.
    scenarios : Scenario or list of Scenario, optional
        Price, rule, origin and volume scenarios (:func:`scenario_grid` builds grids). Default: one base
        scenario (``ex_china_2025`` prices, rules as of today, status_unknown treated as in force).
    draws : int, default 0
        Monte Carlo price draws per cell (0: central prices only).
    seed : int, optional
        Root seed of the draws (recorded in the audit; a fresh one is drawn and recorded when omitted).
    volatility : mapping element → σ, float, or "quote_range", optional
        σ of ln(price) per element over the horizon (e.g. ``{"Tb": 0.35, "Dy": 0.3}``); a float applies to
        every element; ``"quote_range"`` reads each element's quoted low–high range of the first
        scenario's vector as a 90 % interval. Elements without σ keep the scenario price.
    distributions : mapping element → distribution, optional
        User price-multiplier distributions (``f(rng, n)`` or an object with ``rvs``); picklable for Dask.
    percentiles : sequence of float, default (5, 50, 95)
        Percentiles (0–100) reported for cost and value share.
    rules : sequence of ComplianceCondition or dict, optional
        Licence conditions (rule, limb, level ``magnet|part|assembly``, basis ``value_share|mass_share|
        any_content``, threshold). Default: the study's conditions (No. 61 limb 1(1) on the assembly by
        value share, No. 18 on the magnet by content, for the default study).
    study : "default", path, Study or None, default "default"
        Ranking study giving the performance requirements (verdict columns) and the design space of the
        cheapest compliant substitute. ``None`` skips both.
    substitutes : bool, default True
        Run the ranking once per distinct (price vector, rule setting) for the cheapest compliant
        substitute (central prices; not per draw).
    recycled_counts_as : {"non-CN", "CN"}, default "non-CN"
        How recycled content counts in value shares (the rule does not define it).
    backend : {"local", "dask"}, default "local"
        Where blocks run; the Dask backend gives identical numbers.
    scheduler : None, str or distributed.Client
        Dask only: ``None`` starts a 2-worker LocalCluster; ``"tcp://host:8786"`` connects to a cluster.
    block_size : int, default 524288
        Evaluations (design × scenario × draw) per block: bounds memory per block.
    connect_timeout : float, default 5
        Seconds to wait for a scheduler.
    progress : bool, optional
        Progress bar (default: on for 50 blocks or more).

    Returns
    -------
    pandas.DataFrame
        One row per design × scenario (designs outer). Identification: ``design, scenario, axis_<name>,
        price_vector, price_date, as_of, assume, overlays``. Central prices: ``annual_volume_units_per_year,
        magnet_mass_kg, assembly_value_usd, cost_usd_per_kg`` (raw material per kg of magnet),
        ``cost_usd_per_unit, cost_usd_per_year, controlled_mass_kg_per_unit, controlled_mass_kg_per_year,
        controlled_mass_cn_kg_per_year`` (China + unknown origin), ``controlled_mass_kg_per_year_<El>_<origin>``,
        per condition ``value_share_<key>``, ``threshold_<key>``, ``status_<key>`` (``licence_required`` |
        ``below_threshold`` | ``not_controlled`` | ``not_applicable``), ``value_share`` and ``threshold``
        (first value-share condition), ``licence_required``, ``licence_exposure_units_per_year``. With a
        study: ``temperature_C, br_T, hcj_kA_per_m, tmax_C, meets_requirements, performance_verdict``
        (``unchanged`` = meets every performance requirement of the study, else ``degraded``),
        ``performance_failures``; with substitutes: ``cheapest_substitute, cheapest_substitute_route,
        cheapest_substitute_cost_usd_per_unit, cheapest_substitute_value_share,
        saving_vs_cheapest_substitute_usd_per_year``. With draws: ``draws, cost_usd_per_unit_mean,
        cost_usd_per_unit_p05 …, cost_usd_per_year_mean, cost_usd_per_year_p05 …, value_share_mean,
        value_share_p05 …, p_value_share_ge_threshold`` (and per condition), ``p_licence_required,
        licence_exposure_units_per_year_mean``. ``attrs["audit"]``: package version, catalog
        version/hash/overlays per rule setting, price vector id/date/hash per scenario, as_of, assume, seed,
        volatility, backend, block plan, quantile method; ``attrs["fleet_quantiles"]``: per scenario, the
        fleet's annual cost percentiles (sum over designs per draw).

    Raises
    ------
    InputError
        Empty or duplicate designs/scenarios, bad Monte Carlo settings, unknown backend, unreachable
        scheduler (within ``connect_timeout``, before anything is computed).
    PriceError
        A design element without a price in a scenario's vector; a multiplier on a missing price.
    UnknownElementError, UnknownRuleError
        Unknown symbols in scenarios or volatilities; rule ids not in the catalog.

    Examples
    --------
    >>> import substitute as sb
    >>> a = sb.Alloy.parse("Nd 21.75, Pr 7.25, Dy 3, Co 1, Cu 0.15, Ga 0.25, Al 0.2, B 0.95, Fe bal",
    ...                    basis="mass", name="baseline")
    >>> d = sb.Design("baseline", a, annual_volume_units_per_year=1000, origin={"Dy": "CN"})
    >>> df = sb.whatif([d], sb.Scenario("today", as_of="2026-11-22"), study=None)
    >>> round(float(df.value_share.iloc[0]), 5), str(df["status_CN-MOFCOM-2025-61_1(1)@assembly"].iloc[0])
    (0.01049, 'licence_required')
    """
    from substitute._version import __version__

    t0 = time.perf_counter()
    ds = _designs(designs)
    ss = _scenarios(scenarios)
    st = load_ranking_study(study)
    conds = eng.resolve_conditions(rules, st.requirements if st is not None else None)
    prep = eng.prepare(
        ds,
        ss,
        conds,
        draws=draws,
        seed=seed,
        volatility=volatility,
        distributions=distributions,
        percentiles=percentiles,
        recycled_counts_as=recycled_counts_as,
    )
    plan = eng.make_plan(len(ds), len(ss), prep.payload["draws"], block_size)
    be = make_backend(
        backend, scheduler, connect_timeout=connect_timeout
    )  # fails fast, before work
    try:
        t1 = time.perf_counter()
        perf = _performance(ds, st, prep.price_vectors[0]) if st is not None else None
        subs, n_rank = (
            _cheapest(st, prep, progress) if (st is not None and substitutes) else (None, 0)
        )
        t2 = time.perf_counter()
        agg, t_blocks = eng.execute(prep, plan, be, progress=progress)
        desc = be.describe()
    finally:
        be.close()
    df = _frame(prep, agg, perf, subs)
    fleet_q = _fleet_quantiles(prep, agg)
    cat_audits = []
    for r, (asof, assume, _ovl) in enumerate(prep.rule_settings):
        cat_audits.append(prep.catalogs[r].audit(as_of=asof, assume=assume))
    hw = prep.payload["half_width"]
    quant = (
        "none (draws = 0)"
        if not prep.payload["draws"]
        else "exact (numpy.percentile, linear, over every draw of the cell)"
        if plan.exact
        else (
            f"approximate: {mc.HIST_BINS}-bin histogram of ln(value / central value) on ±{hw:.3g}, "
            f"merged over blocks; relative error ≤ {np.expm1(2 * hw / mc.HIST_BINS):.2e}"
        )
    )
    df.attrs["audit"] = {
        "substitute_version": __version__,
        "evaluated_on": dt.date.today().isoformat(),
        "designs": [d.describe() for d in ds],
        "scenarios": [
            {**s.describe(), **pv.audit()} for s, pv in zip(ss, prep.price_vectors, strict=True)
        ],
        "price_vectors": sorted({pv.id for pv in prep.price_vectors}),
        "as_of": sorted({cast(dt.date, s.as_of).isoformat() for s in ss}),
        "assume": sorted({s.assume for s in ss}),
        "rule_settings": cat_audits,
        "catalog_version": sorted({c["catalog_version"] for c in cat_audits}),
        "catalog_overlays": sorted({o for c in cat_audits for o in c["catalog_overlays"]}),
        "conditions": [c.key for c in conds],
        "recycled_counts_as": recycled_counts_as,
        "study": getattr(st, "source", None),
        "requirements": st.requirements.describe() if st is not None else None,
        "draws": prep.payload["draws"],
        "seed": prep.audit["seed"],
        "volatility": prep.audit["volatility"],
        "distributions": prep.audit["distributions"],
        "price_model": PRICE_MODEL if prep.payload["draws"] else "central prices only",
        "percentiles": list(prep.payload["q"]),
        "quantiles": quant,
        **{f"backend_{k}" if k != "backend" else k: v for k, v in desc.items()},
        "block_size": plan.block_size,
        "n_blocks": len(plan.blocks),
        "evaluations": plan.evaluations,
        "rankings_run": n_rank,
        "timings_s": {
            "prepare": round(t1 - t0, 4),
            "performance_and_substitutes": round(t2 - t1, 4),
            "blocks": round(t_blocks, 4),
            "total": round(time.perf_counter() - t0, 4),
        },
    }
    df.attrs["fleet_quantiles"] = fleet_q
    return df


# --------------------------------------------------------------------------------------------- summary
def summary_pivot(df: pd.DataFrame) -> pd.DataFrame:
    """Designs × scenarios at a glance: one row per scenario, per design its cost and licence verdict.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`whatif` result.

    Returns
    -------
    pandas.DataFrame
        Index ``scenario`` (in run order); columns a two-level index (design, ``cost_usd_per_unit`` |
        ``licence_required`` | ``value_share_fraction``), designs in run order. ``licence_required`` is
        the verdict under the scenario's rules (a rule treated as suspended needs no licence, whatever the
        share); ``value_share_fraction`` is the No. 61 share (a fraction) that decides it when in force.
    """
    if not isinstance(df, pd.DataFrame) or not {"design", "scenario"} <= set(df.columns):
        msg = "summary_pivot: expected a DataFrame returned by whatif()"
        raise InputError(msg)
    cols = {"cost_usd_per_unit": "cost_usd_per_unit", "licence_required": "licence_required"}
    if "value_share" in df:
        cols["value_share"] = "value_share_fraction"
    wide = df.pivot_table(
        index="scenario", columns="design", values=list(cols), aggfunc="first", observed=True
    ).rename(columns=cols, level=0)
    designs = list(dict.fromkeys(df["design"].astype(str)))
    scenarios = list(dict.fromkeys(df["scenario"].astype(str)))
    wide = wide.swaplevel(0, 1, axis=1)
    order = [(d, c) for d in designs for c in cols.values() if (d, c) in wide.columns]
    wide = wide.reindex(index=scenarios, columns=pd.MultiIndex.from_tuples(order))
    wide.index.name = "scenario"
    if "licence_required" in cols.values():
        for d in designs:
            wide[(d, "licence_required")] = wide[(d, "licence_required")].astype(bool)
    return wide


# --------------------------------------------------------------------------------------------- fleet
def fleet_rollup(df: pd.DataFrame) -> pd.DataFrame:
    """Fleet totals per scenario: the sum over designs of annual cost, exposure and controlled mass.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`whatif` result.

    Returns
    -------
    pandas.DataFrame
        One row per scenario: ``scenario, designs, designs_needing_licence, cost_usd_per_year,
        licence_exposure_units_per_year, controlled_mass_kg_per_year, controlled_mass_cn_kg_per_year`` and,
        with draws, ``cost_usd_per_year_mean``, the fleet's annual-cost percentiles (from the per-draw sum
        over designs, common random numbers) and ``licence_exposure_units_per_year_mean``.
    """
    if not isinstance(df, pd.DataFrame) or "scenario" not in df or "cost_usd_per_year" not in df:
        msg = "fleet_rollup: expected a DataFrame returned by whatif()"
        raise InputError(msg)
    g = df.groupby("scenario", observed=True, sort=False)
    out = pd.DataFrame(
        {
            "designs": g.size(),
            "designs_needing_licence": g["licence_required"].sum().astype(int),
            "cost_usd_per_year": g["cost_usd_per_year"].sum(),
            "licence_exposure_units_per_year": g["licence_exposure_units_per_year"].sum(),
            "controlled_mass_kg_per_year": g["controlled_mass_kg_per_year"].sum(),
            "controlled_mass_cn_kg_per_year": g["controlled_mass_cn_kg_per_year"].sum(),
        }
    )
    fq = df.attrs.get("fleet_quantiles") or {}
    if fq:
        extra = pd.DataFrame.from_dict(fq, orient="index")
        out = out.join(extra)
    elif "cost_usd_per_year_mean" in df:
        out["cost_usd_per_year_mean"] = g["cost_usd_per_year_mean"].sum()
        out["licence_exposure_units_per_year_mean"] = g[
            "licence_exposure_units_per_year_mean"
        ].sum()
    out.index.name = "scenario"
    out = out.reset_index()
    out.attrs["audit"] = dict(df.attrs.get("audit", {}))
    return out
