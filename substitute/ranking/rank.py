"""Rank lower-Dy / lower-Tb substitutes: evaluate a candidate batch, apply constraints, sort by Pareto fronts.

Flow (all vectorised over the candidate batch):

1. the design space gives a lever table; levers become base alloys (:func:`space.build_alloys`) and route
   parameters (GBD amount, grain size);
2. properties at the operating temperature with intervals (:func:`substitute.properties.predict_arrays`),
   one call per route group;
3. compliance per condition: content rules (No. 18, No. 57) on the magnet as exported from China, and the
   value-share rule (No. 61 limb 1(1)) on the chosen BOM level, one call per feedstock-origin group;
4. raw-material cost from the price vector (non-China and recycled heavy rare earths can carry a premium);
5. constraints (conservative side of the interval by default), then non-dominated sorting over the
   objectives, then an order inside each front (the sum of range-normalised objectives);
6. one plain sentence per ranked candidate.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from substitute._version import __version__
from substitute.composition import Alloy, AlloyBatch, as_batch
from substitute.errors import DataError, InputError
from substitute.properties.routes import FAMILY_FORMULAS
from substitute.ranking import explain as _ex
from substitute.ranking import space as sp
from substitute.ranking.combinations import combination_evidence
from substitute.ranking.evaluate import (
    GBD_CATS,
    as_price_vector,
    diffused,
    evaluate,
    head_labels,
    label_array,
    route_groups,
    take,
)
from substitute.ranking.explain import (
    baseline_message,
    elimination_table,
    nothing_message,
    strategy_masks,
)
from substitute.ranking.maturity import maturity_columns
from substitute.ranking.pareto import non_dominated_sort
from substitute.ranking.requirements import Requirements

__all__ = ["OBJECTIVES", "RankResult", "rank_substitutes"]

#: objective name → (column, sense) where sense +1 minimises and −1 maximises
OBJECTIVES: dict[str, tuple[str, int]] = {
    "value_share": ("controlled_value_share", +1),
    "controlled_mass": ("controlled_mass_cn_kg", +1),
    "cost": ("cost_usd_per_part", +1),
    "hcj_margin": ("hcj_margin_kA_per_m", -1),
    "br": ("br_T", -1),
    "bhmax": ("bhmax_kJ_per_m3", -1),
}
DEFAULT_OBJECTIVES = ("value_share", "cost", "hcj_margin", "br")


@dataclass
class RankResult:
    """Ranked candidates and what was done to get them.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per candidate, best first (``pareto_rank``, ``order``).
    baseline : pandas.Series
        The baseline evaluated like a candidate.
    eliminated : pandas.DataFrame
        Per constraint: how many candidates it eliminated (alone and in sequence).
    messages : list of str
        Plain-language notes (baseline failing its own requirement, nothing qualifying …).
    timings : dict
        Seconds per stage.
    """

    table: pd.DataFrame
    baseline: pd.Series
    eliminated: pd.DataFrame
    messages: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    baseline_alloy: Alloy | None = None
    baseline_levers: dict[str, Any] = field(default_factory=dict)
    requirements: Requirements | None = None
    thickness_mm: float = 5.0
    br_factor: float | None = None
    """Density × alignment the sintered candidates were evaluated at (None: the route's)."""

    @property
    def qualifying(self) -> pd.DataFrame:
        """Candidates that meet every requirement and threshold."""
        return self.table[self.table["meets_requirements"] & self.table["below_thresholds"]]

    def by_strategy(self) -> pd.DataFrame:
        """The best candidate of each substitution strategy, with its cost and licence status.

        A candidate can belong to several strategies (e.g. Tb GBD *and* grain refinement). For each
        strategy the first row of :attr:`table` (best order) that qualifies is reported; if none qualifies,
        the closest candidate is reported with ``qualifies = False``.

        Returns
        -------
        pandas.DataFrame
            One row per strategy present in the table: ``strategy``, ``n_candidates``, ``n_qualifying``,
            ``order`` (row in :attr:`table`), ``qualifies``, ``hcj_kA_per_m``, ``br_T``, ``tmax_C`` (central)
            and ``hcj_kA_per_m_q``, ``br_T_q``, ``tmax_C_q`` (at the requirements' quantile, the values that
            decide ``qualifies``), ``cost_usd_per_part``, ``cost_vs_baseline``, ``controlled_value_share``,
            ``changed_levers``.
        """
        t = self.table
        masks = strategy_masks(t, self.baseline_levers)
        base_cost = float(self.baseline["cost_usd_per_part"])
        q = t["qualifies"].to_numpy()
        picked: list[tuple[str, int, int, int]] = []
        for name, m in masks.items():
            if m.any():
                hit = np.flatnonzero(m & q)
                picked.append(
                    (
                        name,
                        int(hit[0]) if hit.size else int(np.flatnonzero(m)[0]),
                        int(m.sum()),
                        int((m & q).sum()),
                    )
                )
        sel = t.iloc[[i for _, i, _, _ in picked]]
        lever_cols = [c for c in t.columns if c.startswith("lever_")]
        changed = sp.changed_levers(
            sel[lever_cols].rename(columns=lambda c: c[len("lever_") :]), self.baseline_levers
        ).to_numpy(dtype=object)
        rows = []
        for (name, i, n_all, n_q), change in zip(picked, changed, strict=True):
            r = t.iloc[i]
            expl = r["explanation"]
            if not expl and self.requirements is not None:
                expl = _ex.explain(
                    r.rename({"changed_levers": "_"})
                    .to_frame()
                    .T.assign(changed_levers=change)
                    .iloc[0],
                    self.baseline,
                    self.requirements,
                )
            rows.append(
                {
                    "strategy": name,
                    "n_candidates": n_all,
                    "n_qualifying": n_q,
                    "order": int(r["order"]),
                    "qualifies": bool(r["qualifies"]),
                    "hcj_kA_per_m": float(r["hcj_kA_per_m"]),
                    "br_T": float(r["br_T"]),
                    "tmax_C": float(r["tmax_C"]),
                    **{
                        f"{c}_q": float(r.get(f"{c}_q", r[c]))
                        for c in ("br_T", "hcj_kA_per_m", "tmax_C")
                    },
                    "cost_usd_per_part": float(r["cost_usd_per_part"]),
                    "cost_vs_baseline": float(r["cost_usd_per_part"]) / base_cost - 1.0
                    if base_cost
                    else np.nan,
                    "controlled_value_share": float(r["controlled_value_share"]),
                    "controlled_content_fraction": float(r.get("controlled_content_fraction", 0.0)),
                    "changed_levers": change,
                    "explanation": expl,
                }
            )
        out = pd.DataFrame(rows)
        if len(out):
            out = out.sort_values(
                ["qualifies", "cost_usd_per_part"], ascending=[False, True], kind="stable"
            ).reset_index(drop=True)
        return out

    def candidate(self, i: int = 0) -> dict[str, Any]:
        """The magnet of the ``i``-th row of :attr:`table`, ready for :func:`substitute.predict` and
        :class:`substitute.Part`.

        Returns
        -------
        dict
            ``alloy`` (whole-magnet composition, including any diffused Tb/Dy), ``route``,
            ``route_params`` (keyword arguments of ``predict``: grain size, GBD element/amount/thickness,
            the Br factor of a grade baseline)
            and ``origin`` (feedstock origin of Dy, Tb, Ho).
        """
        row = self.table.iloc[int(i)]
        route = str(row["route"])
        if route in FAMILY_FORMULAS or self.baseline_alloy is None:
            formula = FAMILY_FORMULAS.get(route, (None,))[0]
            if formula is None:
                msg = "this result does not carry its baseline alloy; rebuild it with rank_substitutes"
                raise InputError(msg)
            return {
                "alloy": Alloy.from_formula(formula),
                "route": route,
                "route_params": {},
                "origin": {},
            }
        lev = {c[len("lever_") :]: row[c] for c in self.table.columns if c.startswith("lever_")}
        levers = pd.DataFrame([{k: v for k, v in lev.items() if k in sp.LEVERS}])
        tb, dy = (float(lev.get(f"gbd_{e}_mass_percent", 0.0) or 0.0) for e in ("tb", "dy"))
        g_el, g_amt = ("Tb", tb) if tb > 0 else ("Dy", dy) if dy > 0 else ("", 0.0)
        base = sp.build_alloys(levers, self.baseline_alloy)
        element = pd.Categorical([g_el], categories=pd.Index(GBD_CATS, dtype=object))
        magnet = diffused(base, element, np.array([g_amt])).take([0])
        params: dict[str, Any] = {}
        if "grain_size_um" in lev and pd.notna(lev["grain_size_um"]):
            params["grain_size_um"] = float(lev["grain_size_um"])
        if route == "sintered_gbd":
            params.update(
                gbd_element=g_el,
                gbd_mass_percent=g_amt,
                thickness_mm=float(lev.get("thickness_mm", self.thickness_mm)),
            )
        if self.br_factor is not None and route in ("sintered", "sintered_gbd"):
            params["br_factor"] = self.br_factor
        origin = {
            e: str(row[f"{e.lower()}_origin"])
            for e in ("Dy", "Tb", "Ho")
            if magnet.get_mass_fraction(e)[0] > 0
        }
        name = f"candidate {row['candidate']}: {row.get('changed_levers') or 'baseline recipe'}"
        return {
            "alloy": Alloy(magnet.mass_array[0], magnet.elements, name=name),
            "route": route,
            "route_params": params,
            "origin": origin,
        }


# ----------------------------------------------------------------------------------------- ranking
def check_objectives(objectives: Any) -> tuple[str, ...]:
    """The ranking objectives as a tuple: a non-empty list of distinct names of :data:`OBJECTIVES`."""
    valid = ", ".join(OBJECTIVES)
    if isinstance(objectives, str) or not isinstance(objectives, Sequence):
        msg = f"objectives must be a list of names ({valid}), got {objectives!r}"
        raise InputError(msg)
    if not objectives:
        msg = f"objectives is empty; give at least one of {valid}"
        raise InputError(msg)
    for name in objectives:
        if not isinstance(name, str) or name not in OBJECTIVES:
            msg = f"unknown objective {name!r}; valid: {valid}"
            raise InputError(msg)
    if len(set(objectives)) < len(objectives):
        msg = f"objectives lists a name twice: {list(objectives)}"
        raise InputError(msg)
    return tuple(objectives)


def _objective_matrix(df: pd.DataFrame, objectives: Sequence[str]) -> np.ndarray:
    cols = []
    for name in objectives:
        col, sense = OBJECTIVES[name]
        cols.append(sense * df[col].to_numpy(dtype=float))
    return np.column_stack(cols)


def _baseline_inputs(baseline: Any, route: str | None) -> tuple[Alloy, str, float | None]:
    """The baseline as one Alloy (from an Alloy, a one-row batch, a composition string or a grade name),
    its route, and for a grade name the Br factor that puts the grade's Br inside its band."""
    route = route or "sintered"
    if isinstance(baseline, str):
        from substitute.composition import looks_like_grade

        if looks_like_grade(baseline):
            from substitute.properties.grades import typical_chemistry

            alloy, info = typical_chemistry(baseline, route=route, return_info=True)
            if "br_factor" not in info:  # a SmCo, bonded or ferrite grade: the family's envelope
                return alloy, route, None
            return alloy, route, float(info["br_factor"])
        return as_batch(baseline)[0], route, None
    if isinstance(baseline, AlloyBatch):
        if len(baseline) != 1:
            msg = f"the baseline must be one alloy, got a batch of {len(baseline)}"
            raise InputError(msg)
        return baseline[0], route, None
    msg = f"baseline must be an Alloy, a composition string or a grade name, got {type(baseline).__name__}"
    raise InputError(msg)


def rank_substitutes(
    baseline: Alloy | str,
    requirements: Requirements | None = None,
    *,
    route: str = "sintered",
    space: sp.DesignSpace | None = None,
    prices: Any = "ex_china_2025",
    baseline_origin: Mapping[str, str] | None = None,
    origin_premium: Mapping[str, float] | None = None,
    objectives: Sequence[str] = DEFAULT_OBJECTIVES,
    grain_size_um: float = 5.0,
    thickness_mm: float = 5.0,
    br_factor: float | None = None,
    max_fronts: int = 50,
    min_ranked: int = 2000,
    explain: int = 1000,
    catalog: Any = None,
    progress: bool | None = None,
    model: Any = None,
    max_candidates: int = 5_000_000,
    processing_costs: Any = None,
    backend: str = "local",
    scheduler: Any = None,
    block_size: int | None = None,
) -> RankResult:
    """Rank substitutes for a baseline magnet under requirements and licence thresholds.

    Parameters
    ----------
    baseline : Alloy, str
        The magnet in the design: an alloy, a composition string with ``wt%``/``at%``, or a grade name
        (``"N42SH"`` → :meth:`Alloy.from_grade`).
    requirements : Requirements, optional
        Default: ``Requirements()`` (150 °C, Pc 2, no irreversible loss, No. 18/57/61 as of today).
    route : str
        Route of the baseline.
    space : DesignSpace, optional
        Levers and families; default :func:`space.default_space`.
    prices : str or PriceVector
        Price vector for cost and value shares (default ``"ex_china_2025"``).
    baseline_origin : mapping, optional
        Feedstock origin of the baseline's heavy rare earths (default ``"CN"`` for Dy, Tb, Ho).
    origin_premium : mapping, optional
        Price multiplier for ``"non-CN"`` and ``"recycled"`` heavy rare earths (default 1.0 each).
    objectives : sequence of str
        From :data:`OBJECTIVES`; default value share ↓, cost per part ↓, HcJ margin ↑, Br ↑.
    grain_size_um, thickness_mm : float
        Defaults for candidates whose levers do not set them.
    br_factor : float, optional
        Density × alignment of the production line, for the baseline and every sintered candidate
        (Br = Js·f(2:14:1)·br_factor; evidence 0.79–0.97). Default: the route's 0.965, or for a grade
        name the factor that puts the grade's Br inside its band (:func:`~substitute.properties.grades.
        typical_chemistry`).
    max_fronts, min_ranked : int
        Pareto fronts are peeled until ``min_ranked`` qualifying candidates have a rank or ``max_fronts``
        fronts exist; the rest get ``pareto_rank = max_fronts + 1`` (reported as not ranked).
    explain : int, default 1000
        How many rows from the top get ``changed_levers`` and an ``explanation`` sentence (the rest keep
        their lever columns; explanations cost ≈ 0.1 ms per row).
    catalog : Catalog, optional
    progress : bool, optional
        Show a progress bar (default: when the space has more than 50,000 candidates).
    model : Model, optional
        Property model from :func:`substitute.calibrate` (your magnets); default the shipped fit. Its name
        is in the audit stamp.
    backend : {"local", "dask"}, default "local"
        Where the candidates are evaluated: in this process, or in blocks on a Dask cluster
        (:mod:`substitute.backends`); the Pareto ranking runs here on the evaluated table.
    scheduler : None, str or distributed.Client, optional
        With ``backend="dask"``: ``None`` starts a two-worker local cluster; an address such as
        ``"tcp://host:8786"`` or a ``Client`` uses a running one.
    block_size : int, optional
        Candidates per block (default: one piece locally, 200,000 with Dask). The same ``block_size``
        gives the same table to the last bit on both backends.
    processing_costs : path or DataFrame, optional
        Processing adders per route and step replacing ``datasets/costs/processing_adders.csv``
        (:mod:`substitute.ranking.costs`); ``cost_usd_per_part`` = material + processing.
    max_candidates : int, default 5,000,000
        Refuse a design space larger than this before any work (about :data:`BYTES_PER_CANDIDATE` of
        memory each, measured by ``benchmarks/bench_rank.py``); raise it when the machine has the memory.

    Returns
    -------
    RankResult
        ``.table`` (ranked DataFrame; ``attrs["audit"]``), ``.baseline``, ``.eliminated``, ``.messages``.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    req = requirements if requirements is not None else Requirements()
    objectives = check_objectives(objectives)
    alloy, base_route, grade_factor = _baseline_inputs(baseline, route)
    br_factor = br_factor if br_factor is not None else grade_factor
    space = space if space is not None else sp.default_space(alloy, base_route)
    check_size(space.size, max_candidates)
    b_origin = {"Dy": "CN", "Tb": "CN", "Ho": "CN", **(baseline_origin or {})}
    show = progress if progress is not None else space.size > 50_000
    bar = tqdm(total=5, desc="rank", disable=not show, leave=False)

    # ---- candidates
    levers = space.lever_table()
    routes = route_groups(levers, base_route)
    keep = routes["valid"].to_numpy()
    levers = levers[keep].reset_index(drop=True)
    routes = routes[keep].reset_index(drop=True)
    magnets = diffused(
        sp.build_alloys(levers, alloy),  # released at once: its memory serves what follows
        routes["gbd_element"].array,
        routes["gbd_mass_percent"].to_numpy(),
    )
    # the origin of an element the magnet does not contain changes nothing: canonicalise, drop duplicates
    dup_cols = []
    for el in ("Dy", "Tb", "Ho"):
        col = f"{el.lower()}_origin"
        if col in levers:
            absent = magnets.get_mass_fraction(el) <= 0
            lev = levers[col]
            if (
                isinstance(lev.dtype, pd.CategoricalDtype)
                and b_origin[el] not in lev.cat.categories
            ):
                lev = lev.cat.add_categories([b_origin[el]])  # e.g. a baseline of unknown origin
            levers[col] = lev.where(~absent, b_origin[el])
            dup_cols.append(col)
    # grain size is a lever of the sintered routes; hot-deformed and bonded magnets have their own
    # microstructure (hot-deformed grains 0.1–1 µm): they take their route's grain size, not the
    # sintered lever values, and candidates differing only by that lever are one candidate
    if "grain_size_um" in levers:
        from substitute.properties.routes import microstructure

        route_eff = label_array(routes["route_eff"])
        own = np.isin(route_eff, ["hot_deformed", "bonded_isotropic"])
        if own.any():
            g = levers["grain_size_um"].to_numpy(dtype=float).copy()
            for r in ("hot_deformed", "bonded_isotropic"):
                g[route_eff == r] = float(microstructure(r)["grain_size_um"])
            levers["grain_size_um"] = g
            dup_cols.append("grain_size_um")
    if dup_cols:
        keep = ~levers.duplicated().to_numpy()
        if not keep.all():
            levers, routes = (
                levers[keep].reset_index(drop=True),
                routes[keep].reset_index(drop=True),
            )
            magnets = take(magnets, np.flatnonzero(keep))
    n = len(magnets)
    origin = {
        el: (
            levers[f"{el.lower()}_origin"].array
            if f"{el.lower()}_origin" in levers
            else b_origin[el]
        )
        for el in ("Dy", "Tb", "Ho")
    }
    grain = (
        levers["grain_size_um"].to_numpy(float)
        if "grain_size_um" in levers
        else np.full(n, grain_size_um)
    )
    thick = (
        levers["thickness_mm"].to_numpy(float)
        if "thickness_mm" in levers
        else np.full(n, thickness_mm)
    )
    timings["generate_s"] = time.perf_counter() - t0
    bar.update()

    # ---- baseline first
    t1 = time.perf_counter()
    base_eval = evaluate(
        alloy,
        req,
        route=base_route,
        route_params={
            "grain_size_um": grain_size_um,
            **({"br_factor": br_factor} if br_factor is not None else {}),
        },
        origin={e: [o] for e, o in b_origin.items()},
        prices=prices,
        origin_premium=origin_premium,
        catalog=catalog,
        model=model,
        processing_costs=processing_costs,
    )
    base_br = float(base_eval["br_T"].iloc[0])
    base_eval["volume_factor"] = 1.0
    base_row = base_eval.iloc[0]
    messages = [baseline_message(base_row, req)]

    # ---- evaluate candidates (in one piece, or in blocks of the same plan on either backend)
    payload = {
        "magnets": magnets,
        "req": req,
        "route": routes["route_eff"].array,
        "route_params": {
            "grain_size_um": grain,
            "gbd_element": routes["gbd_element"].array,
            "gbd_mass_percent": routes["gbd_mass_percent"].to_numpy(),
            "thickness_mm": thick,
            **({"br_factor": np.full(n, br_factor)} if br_factor is not None else {}),
        },
        "origin": origin,
        "prices": prices,
        "origin_premium": origin_premium,
        "catalog": catalog,
        "baseline_br_T": base_br,
        "model": model,
        "processing_costs": processing_costs,
        "physics_key": physics_key(levers),
    }
    if block_size is None and backend == "local":
        cand = _evaluate_block(payload, (0, n))
    else:
        cand = _evaluate_in_blocks(payload, n, block_size, backend, scheduler)
    cand = pd.concat([levers.add_prefix("lever_"), cand], axis=1)
    cand.insert(0, "candidate", np.arange(n, dtype=np.int64))
    bar.update()

    fam_rows = _family_candidates(
        space.families, req, prices, origin_premium, catalog, base_br, processing_costs
    )
    if fam_rows is not None:
        fam_rows["candidate"] = np.arange(n, n + len(fam_rows), dtype=np.int64)
        cand = pd.concat([cand, fam_rows], ignore_index=True)
    timings["evaluate_s"] = time.perf_counter() - t1
    bar.update()

    # ---- lever maturity (a constraint like the others: margin_maturity ≥ 0 passes)
    maturity_columns(cand, req.max_maturity)
    # ---- has the combination of its levers been made? (information, not a constraint)
    combo = combination_evidence(cand)
    for col in combo.columns:
        cand[col] = combo[col].array
    cand["meets_requirements"] = cand["meets_requirements"].to_numpy() & (
        cand["margin_maturity"].to_numpy() >= 0
    )

    # ---- constraints and elimination report
    t2 = time.perf_counter()
    eliminated = elimination_table(cand, req)
    ok = (
        cand["meets_requirements"] & (cand["below_thresholds"] | (not req.require_below_thresholds))
    ).to_numpy()
    if not ok.any():
        messages.append(nothing_message(cand, eliminated, req))
    # ---- Pareto over qualifying candidates, then the rest
    obj = _objective_matrix(cand, objectives)
    rank = np.full(len(cand), max_fronts + 1, dtype=int)
    order_score = np.full(len(cand), np.inf)
    if ok.any():
        q = np.flatnonzero(ok)
        rq = _ranks_until(obj[q], max_fronts, min_ranked)
        rank[q] = rq
        lo, hi = obj[q].min(axis=0), obj[q].max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        order_score[q] = ((obj[q] - lo) / span).sum(axis=1)
    cand["pareto_rank"] = rank
    cand["qualifies"] = ok
    # best first: qualifying, then Pareto rank, then the order score; ties keep the candidate order
    # (one np.lexsort on the arrays: a DataFrame sort on three float keys factorises each of them)
    order = np.lexsort((order_score, rank, ~ok))
    cols, attrs = split_columns(cand), dict(cand.attrs)
    del cand  # the table's memory is released column by column as the sorted copy is built
    cand = reorder_columns(cols, order, attrs)
    cand.insert(1, "order", np.arange(1, len(cand) + 1))
    timings["rank_s"] = time.perf_counter() - t2
    bar.update()

    # ---- explanations for the head of the table (qualifying rows first, else the closest candidates)
    t3 = time.perf_counter()
    n_expl = min(len(cand), max(int(explain), 1))
    head = cand.iloc[:n_expl]
    base_levers: dict[str, Any] = dict(sp.baseline_levers(alloy))
    base_levers.update(
        {
            "route": base_route,
            **{f"{e.lower()}_origin": o for e, o in b_origin.items()},
            "grain_size_um": grain_size_um,
            "thickness_mm": thickness_mm,
        }
    )
    lever_cols = [c for c in cand.columns if c.startswith("lever_")]
    changed = sp.changed_levers(
        head[lever_cols].rename(columns=lambda c: c[len("lever_") :]), base_levers
    )
    cand["changed_levers"] = head_labels(list(changed.to_numpy(dtype=object)), len(cand))
    cand["explanation"] = head_labels(
        [
            # records keep the column names (itertuples renames "status_CN-…@assembly" to _12, which
            # made the licence verdict invisible to the explanation)
            _ex.explain(r, base_row, req)
            for r in cand.iloc[:n_expl].to_dict(orient="records")
        ],
        len(cand),
    )
    timings["explain_s"] = time.perf_counter() - t3
    bar.update()
    bar.close()
    timings["total_s"] = time.perf_counter() - t0

    cand.attrs["audit"] = _audit(req, prices, catalog, objectives, model)
    cand.attrs["audit"]["br_factor"] = (
        br_factor if br_factor is not None else "route default (sintered 0.965)"
    )
    return RankResult(
        baseline_alloy=alloy,
        baseline_levers=base_levers,
        requirements=req,
        thickness_mm=thickness_mm,
        br_factor=br_factor,
        table=cand,
        baseline=base_row,
        eliminated=eliminated,
        messages=messages,
        timings=timings,
    )


def split_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """The columns of a frame as arrays (NumPy arrays or pandas extension arrays), by name."""
    return {
        str(name): (s.to_numpy() if isinstance(s.dtype, np.dtype) else s.array)
        for name, s in frame.items()
    }


def reorder_columns(cols: dict[str, Any], order: np.ndarray, attrs: dict) -> pd.DataFrame:
    """A frame of ``cols`` taken at ``order`` (``frame.take(order)`` with a fresh index, column by column
    with NumPy indexing: pandas' take on a 10^6-row table of ~100 columns is several times slower;
    categorical columns move their codes). Each column is released from ``cols`` as soon as its
    reordered copy exists, so a 10^6-row table is reordered in the memory of one extra column, which
    the allocator reuses (no fresh pages for a second copy of the whole table)."""
    out: dict[str, Any] = {}
    for name in list(cols):
        a = cols.pop(name)
        if isinstance(a, pd.Categorical):
            out[name] = pd.Categorical.from_codes(
                np.asarray(a.codes)[order], dtype=a.dtype, validate=False
            )
        elif isinstance(a, np.ndarray):
            out[name] = a[order]
        else:
            out[name] = a.take(order)
        del a
    frame = pd.DataFrame(out, copy=False)
    frame.attrs = attrs
    return frame


def physics_key(levers: pd.DataFrame) -> np.ndarray:
    """One integer per candidate, equal for candidates whose levers differ only in feedstock origin
    (same composition, route and microstructure: the same predicted properties)."""
    cols = [c for c in levers.columns if not c.endswith("_origin")]
    key = np.zeros(len(levers), dtype=np.int64)
    radix = 1
    for c in cols:
        codes, uniq = pd.factorize(levers[c], use_na_sentinel=False)
        if radix * max(len(uniq), 1) >= 2**62:  # too many combinations for one int64: group instead
            return levers[cols].groupby(cols, sort=False, observed=True).ngroup().to_numpy(np.int64)
        key += codes.astype(np.int64) * radix
        radix *= max(len(uniq), 1)
    return key


def _ranks_until(obj: np.ndarray, max_fronts: int, min_ranked: int) -> np.ndarray:
    """Peel fronts until at least ``min_ranked`` points have a rank (or ``max_fronts`` fronts)."""
    from substitute.ranking.pareto import dense_ranks, first_front

    n = len(obj)
    obj = dense_ranks(obj)
    if n <= min_ranked:
        return non_dominated_sort(obj, max_fronts=max_fronts)
    rank = np.full(n, max_fronts + 1, dtype=int)
    remaining = np.arange(n)
    ranked = 0
    for r in range(1, max_fronts + 1):
        f = remaining[first_front(obj[remaining])]
        rank[f] = r
        ranked += len(f)
        mask = np.ones(n, dtype=bool)
        mask[f] = False
        remaining = remaining[mask[remaining]]
        if ranked >= min_ranked or not len(remaining):
            break
    return rank


def _evaluate_block(payload: dict[str, Any], span: tuple[int, int]) -> pd.DataFrame:
    """:func:`evaluate` on the candidates ``start:stop`` of a ranking (runs on a worker with Dask)."""
    start, stop = span
    n = len(payload["magnets"])

    def cut(v: Any) -> Any:
        return (
            v[start:stop] if hasattr(v, "__len__") and not isinstance(v, str) and len(v) == n else v
        )

    frame = evaluate(
        take(payload["magnets"], np.arange(start, stop)),
        payload["req"],
        route=cut(payload["route"]),
        route_params={k: cut(v) for k, v in payload["route_params"].items()},
        origin={k: cut(v) for k, v in payload["origin"].items()},
        prices=payload["prices"],
        origin_premium=payload["origin_premium"],
        catalog=payload["catalog"],
        baseline_br_T=payload["baseline_br_T"],
        model=payload["model"],
        processing_costs=payload["processing_costs"],
        physics_key=cut(payload["physics_key"]),
    )
    return frame.reset_index(drop=True)


def _evaluate_in_blocks(
    payload: dict[str, Any], n: int, block_size: int | None, backend: str, scheduler: Any
) -> pd.DataFrame:
    """Evaluate in blocks of ``block_size`` candidates, in this process or on a Dask cluster; the block
    plan depends only on ``block_size``, so both backends return the same frame to the last bit."""
    from pandas.api.types import union_categoricals

    from substitute.backends import make_backend

    size = int(block_size) if block_size is not None else DEFAULT_BLOCK
    if isinstance(block_size, bool) or size < 1:
        msg = f"block_size must be a positive integer (candidates per block), got {block_size!r}"
        raise InputError(msg)
    spans = [(a, min(a + size, n)) for a in range(0, n, size)] or [(0, 0)]
    be = make_backend(backend, scheduler)
    try:
        frames = list(be.map_ordered(_evaluate_block, payload, spans))
    finally:
        be.close()
    out = pd.concat(frames, ignore_index=True)
    for col in frames[
        0
    ].columns:  # blocks may hold different categories of a column: keep one dtype
        if isinstance(frames[0][col].dtype, pd.CategoricalDtype) and not isinstance(
            out[col].dtype, pd.CategoricalDtype
        ):
            out[col] = union_categoricals([f[col].array for f in frames])
    return out


DEFAULT_BLOCK = 200_000
"""Candidates per block when a ranking runs in blocks (``backend="dask"`` without ``block_size``)."""


def _family_candidates(
    families: Sequence[str],
    req: Requirements,
    prices: Any,
    premium: Any,
    catalog: Any,
    base_br: float,
    processing_costs: Any = None,
) -> pd.DataFrame | None:
    rows = []
    for fam in families:
        if fam not in FAMILY_FORMULAS:
            msg = f"unknown magnet family {fam!r}; valid: {', '.join(FAMILY_FORMULAS)}"
            raise InputError(msg)
        formula, note = FAMILY_FORMULAS[fam]
        a = Alloy.from_formula(formula, name=f"{fam}: {note}")
        ev = evaluate(
            a,
            req,
            route=fam,
            origin={"Sm": ["unknown"]},
            prices=prices,
            origin_premium=premium,
            catalog=catalog,
            baseline_br_T=base_br,
            processing_costs=processing_costs,
        )
        ev.insert(0, "candidate", -1)
        ev["lever_route"] = fam
        rows.append(ev)
    return pd.concat(rows, ignore_index=True) if rows else None


BYTES_PER_CANDIDATE = 1200
"""Peak memory per ranked candidate [bytes] (1.23 GB for 1,019,520 candidates, benchmarks/bench_rank.py)."""


def check_size(n: int, max_candidates: int) -> None:
    """Refuse a design space of more than ``max_candidates`` candidates, with its memory estimate."""
    if (
        isinstance(max_candidates, bool)
        or not isinstance(max_candidates, int)
        or max_candidates < 1
    ):
        msg = f"max_candidates must be a positive integer, got {max_candidates!r}"
        raise InputError(msg)
    if n > max_candidates:
        gb = n * BYTES_PER_CANDIDATE / 1e9
        msg = (
            f"the design space has {n:,} candidates (about {gb:,.1f} GB of memory to rank), more than "
            f"max_candidates={max_candidates:,}; narrow the levers or raise max_candidates if the machine "
            "has the memory"
        )
        raise InputError(msg)


def _audit(
    req: Requirements, prices: Any, catalog: Any, objectives: Sequence[str], model: Any = None
) -> dict[str, Any]:
    from substitute import data
    from substitute.compliance import load_catalog

    cat = catalog if catalog is not None else load_catalog()
    pv = as_price_vector(prices)
    out = {
        "substitute_version": __version__,
        "evaluated_on": dt.date.today().isoformat(),
        "objectives": list(objectives),
        "requirements": req.describe(),
        **cat.audit(as_of=req.as_of, assume=req.assume),
        **pv.audit(),
    }
    try:
        out["physics_params_hash"] = data.file_hash("models/physics_params.json")
    except DataError:  # the model file is written by `make calibrate`
        out["physics_params_hash"] = None
    if model is not None:
        from substitute.properties._tables import audit_stamp

        stamp = audit_stamp(model.params)
        out["property_model"] = stamp["model_name"]
        out["property_model_calibration_hash"] = stamp["calibration_data_hash"]
    return out
