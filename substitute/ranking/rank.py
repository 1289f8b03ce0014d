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
from tqdm import tqdm

from substitute import __version__
from substitute.composition import Alloy, AlloyBatch, as_batch
from substitute.errors import DataError, InputError
from substitute.ranking import space as sp
from substitute.ranking.pareto import non_dominated_sort
from substitute.ranking.requirements import ComplianceCondition, Requirements

__all__ = [
    "OBJECTIVES",
    "STRATEGIES",
    "RankResult",
    "evaluate",
    "rank_substitutes",
    "strategy_masks",
]

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

# representative chemistries of the other magnet families (formula → composition, atomic basis)
FAMILY_FORMULAS = {
    "smco5": ("SmCo5", "stoichiometric SmCo5"),
    "sm2co17": ("Sm2Co17", "stoichiometric Sm2Co17 (commercial Sm(Co,Fe,Cu,Zr)z differs)"),
    "ferrite": ("SrFe12O19", "strontium hexaferrite"),
    "smfen_bonded": ("Sm2Fe17N3", "Sm2Fe17N3 powder (binder not counted)"),
}


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
            ``order`` (row in :attr:`table`), ``qualifies``, ``hcj_kA_per_m``, ``br_T``, ``tmax_C``,
            ``cost_usd_per_part``, ``cost_vs_baseline``, ``controlled_value_share``, ``changed_levers``.
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
                expl = _explain(
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
                    "cost_usd_per_part": float(r["cost_usd_per_part"]),
                    "cost_vs_baseline": float(r["cost_usd_per_part"]) / base_cost - 1.0
                    if base_cost
                    else np.nan,
                    "controlled_value_share": float(r["controlled_value_share"]),
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
            ``route_params`` (keyword arguments of ``predict``: grain size, GBD element/amount/thickness)
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
        magnet = _diffused(base, element, np.array([g_amt])).take([0])
        params: dict[str, Any] = {}
        if "grain_size_um" in lev and pd.notna(lev["grain_size_um"]):
            params["grain_size_um"] = float(lev["grain_size_um"])
        if route == "sintered_gbd":
            params.update(
                gbd_element=g_el,
                gbd_mass_percent=g_amt,
                thickness_mm=float(lev.get("thickness_mm", self.thickness_mm)),
            )
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


# ----------------------------------------------------------------------------------------- evaluation
ORIGIN_CATS = ("CN", "non-CN", "recycled", "unknown")
STATUS_CATS = ("licence_required", "below_threshold", "not_controlled", "not_applicable")
GBD_CATS = ("", "Tb", "Dy")


def _as_cat(values: Any, n: int, categories: Sequence[str] | None = None) -> pd.Categorical:
    """A length-``n`` Categorical from a scalar, a sequence or a Categorical (no per-row string objects).

    Categories stay plain Python strings (object dtype) to avoid costly string-array conversions.
    """
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        values = values.array
    if isinstance(values, pd.Categorical):
        cats = [str(c) for c in values.categories]
        codes = values.codes.astype(np.int64)
        if categories is not None:
            bad = [
                c
                for c, k in zip(
                    cats, np.bincount(codes[codes >= 0], minlength=len(cats)), strict=True
                )
                if k and c not in categories
            ]
            if bad:
                msg = f"value {bad[0]!r} is not one of {', '.join(categories)}"
                raise InputError(msg)
            remap = np.array(
                [list(categories).index(c) if c in categories else -1 for c in cats] or [-1]
            )
            codes = remap[codes]
            cats = list(categories)
        return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))
    arr = np.asarray(values, dtype=object)
    if arr.ndim == 0 or arr.size == 1:
        v = str(arr.reshape(-1)[0])
        cats = list(categories) if categories is not None else [v]
        if v not in cats:
            msg = f"value {v!r} is not one of {', '.join(cats)}"
            raise InputError(msg)
        return pd.Categorical.from_codes(
            np.full(n, cats.index(v)), categories=pd.Index(cats, dtype=object)
        )
    codes, uniq = pd.factorize(arr)
    cat = pd.Categorical.from_codes(
        codes, categories=pd.Index([str(u) for u in uniq], dtype=object)
    )
    return _as_cat(cat, n, categories) if categories is not None else cat


def _route_groups(levers: pd.DataFrame, base_route: str) -> pd.DataFrame:
    """Resolve route and GBD settings per candidate; drop combinations the models cannot represent."""
    from substitute.properties import ROUTES

    n = len(levers)
    route = _as_cat(levers.get("route", base_route), n, ROUTES)
    tb = (
        levers["gbd_tb_mass_percent"].to_numpy(float)
        if "gbd_tb_mass_percent" in levers
        else np.zeros(n)
    )
    dy = (
        levers["gbd_dy_mass_percent"].to_numpy(float)
        if "gbd_dy_mass_percent" in levers
        else np.zeros(n)
    )
    gbd = (tb > 0) | (dy > 0)
    sintered = route.codes == ROUTES.index("sintered")
    ok = ~((tb > 0) & (dy > 0)) & ~(gbd & ~sintered)
    eff = np.where(gbd, ROUTES.index("sintered_gbd"), route.codes)
    gbd_code = np.where(tb > 0, 1, np.where(dy > 0, 2, 0))
    return pd.DataFrame(
        {
            "route_eff": pd.Categorical.from_codes(eff, categories=pd.Index(ROUTES, dtype=object)),
            "gbd_element": pd.Categorical.from_codes(
                gbd_code, categories=pd.Index(GBD_CATS, dtype=object)
            ),
            "gbd_mass_percent": np.where(tb > 0, tb, dy),
            "valid": ok,
        }
    )


def _diffused(batch: AlloyBatch, element: pd.Categorical, amount_pct: np.ndarray) -> AlloyBatch:
    """Whole-magnet composition after diffusion.

    ``amount_pct`` is the diffused heavy rare earth in wt% *of the finished magnet* (the property model's
    convention): the base alloy is scaled by ``1 − g`` and the element gets ``+g``.
    """
    el = _as_cat(element, len(batch), GBD_CATS).codes
    g = np.where(el > 0, amount_pct / 100.0, 0.0)
    if not np.any(g > 0):
        return batch
    els = list(batch.elements) + [e for e in ("Tb", "Dy") if e not in batch.elements]
    w = np.zeros((len(batch), len(els)))
    w[:, : len(batch.elements)] = batch.mass_array * (1.0 - g)[:, None]
    for code, e in ((1, "Tb"), (2, "Dy")):
        w[:, els.index(e)] += np.where(el == code, g, 0.0)
    return AlloyBatch(w, els)


def _price(prices: Any):
    from substitute.prices import price_vector

    return prices if hasattr(prices, "price") else price_vector(prices)


def _origin_premium_cost(
    batch: AlloyBatch, origin: Mapping[str, pd.Categorical], premium: Mapping[str, float], pv: Any
) -> np.ndarray:
    """Extra cost (USD/kg of magnet) of heavy rare earths bought non-China or recycled."""
    extra = np.zeros(len(batch))
    for el, org in origin.items():
        w = batch.get_mass_fraction(el)
        if not np.any(w > 0):
            continue
        p = pv.price(el)
        for kind in ("non-CN", "recycled"):
            f = float(premium.get(kind, 1.0)) - 1.0
            if f:
                extra += np.where(org.codes == ORIGIN_CATS.index(kind), w * p * f, 0.0)
    return extra


def evaluate(
    batch: AlloyBatch,
    requirements: Requirements,
    *,
    route: str | np.ndarray = "sintered",
    route_params: Mapping[str, Any] | None = None,
    origin: Mapping[str, Any] | None = None,
    prices: Any = "ex_china_2025",
    origin_premium: Mapping[str, float] | None = None,
    catalog: Any = None,
    baseline_br_T: float | None = None,
) -> pd.DataFrame:
    """Evaluate candidate magnets: properties at temperature, licence tests, cost, constraint margins.

    Parameters
    ----------
    batch : AlloyBatch
        Whole-magnet compositions (after any diffusion), mass basis.
    requirements : Requirements
        Temperature, working point, limits and licence conditions.
    route : str or array of str
        Processing route per candidate (NdFeB routes or other families).
    route_params : mapping, optional
        Arrays per candidate: ``grain_size_um``, ``gbd_element`` (one value per route group),
        ``gbd_mass_percent``, ``thickness_mm``.
    origin : mapping, optional
        Element → origin per candidate (``"CN"``, ``"non-CN"``, ``"recycled"``, ``"unknown"``); elements not
        given are ``"unknown"`` (counted as China-origin).
    prices : str or PriceVector
        Price vector id (``"ex_china_2025"``) or object.
    origin_premium : mapping, optional
        Price multiplier of non-China and recycled heavy rare earths, e.g. ``{"non-CN": 1.3}``
        (default 1.0: the shipped vectors carry no separate non-China quote).
    catalog : Catalog, optional
        Rule catalog (default: the shipped one).
    baseline_br_T : float, optional
        Br of the baseline at temperature, for the magnet-volume factor.

    Returns
    -------
    pandas.DataFrame
        One row per candidate with property columns at ``requirements.temperature_C`` (with ``_lo``/``_hi``),
        ``in_domain``, ``cost_usd_per_kg``, ``cost_usd_per_part``, per-condition ``status_<key>`` and
        ``share_<key>``, ``controlled_value_share``, ``controlled_mass_cn_kg``, margins, ``volume_factor``.
    """
    from substitute.compliance import licence_flags, load_catalog
    from substitute.compliance.bom import value_share_batch
    from substitute.prices import alloy_cost_per_kg
    from substitute.properties import FAMILY_ROUTES, predict_arrays

    req = requirements
    n = len(batch)
    cat = catalog if catalog is not None else load_catalog()
    pv = _price(prices)
    rp = dict(route_params or {})
    routes = _as_cat(route, n)
    gbd_cat = _as_cat(rp.pop("gbd_element", ""), n, GBD_CATS)
    T = float(req.temperature_C)

    # ---- properties, one call per (route, gbd element) group
    prop: dict[str, np.ndarray] = {}
    rcodes, gcodes = routes.codes, gbd_cat.codes
    for ri, r in enumerate(routes.categories):
        in_r = rcodes == ri
        if not in_r.any():
            continue
        for gi, g in enumerate(GBD_CATS):
            idx = np.flatnonzero(in_r & (gcodes == gi))
            if not idx.size:
                continue
            kw: dict[str, Any] = {}
            sub = _take(batch, idx)
            if r not in FAMILY_ROUTES:
                for k, v in rp.items():
                    if k == "grain_size_um" or (
                        r == "sintered_gbd" and k in ("gbd_mass_percent", "thickness_mm")
                    ):
                        kw[k] = np.broadcast_to(np.asarray(v, dtype=float), (n,))[idx]
                if r == "sintered_gbd":
                    kw["gbd_element"] = g
            out = predict_arrays(
                sub,
                route=r,
                temperature_C=T,
                permeance=req.permeance,
                external_field_kA_per_m=req.external_field_kA_per_m,
                **kw,
            )
            for k, v in out.items():
                if k.startswith("_"):
                    continue
                arr = np.asarray(v)
                arr = arr[:, 0] if arr.ndim == 2 else arr
                if k not in prop:
                    prop[k] = np.zeros(n, dtype=arr.dtype)
                prop[k][idx] = arr
    df = pd.DataFrame(prop)
    df.insert(0, "route", routes)

    # ---- origins (categorical codes over ORIGIN_CATS; elements not given are "unknown")
    org_cols: dict[str, pd.Categorical] = {
        el: _as_cat(v, n, ORIGIN_CATS) for el, v in (origin or {}).items()
    }
    unknown = _as_cat("unknown", n, ORIGIN_CATS)
    for el in ("Dy", "Tb", "Ho"):
        df[f"{el.lower()}_origin"] = org_cols.get(el, unknown)

    # ---- cost (raw material; non-China premium optional)
    prem = dict(origin_premium or {})
    cost_kg = alloy_cost_per_kg(batch, pv) + _origin_premium_cost(batch, org_cols, prem, pv)
    df["cost_usd_per_kg"] = cost_kg

    # ---- volume factor for the same working-point energy (∝ Br² at equal permeance)
    ref_br = baseline_br_T if baseline_br_T is not None else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        vf = np.where(df["br_T"] > 0, (ref_br / df["br_T"].to_numpy()) ** 2, np.inf)
    df["volume_factor"] = vf
    fam_codes = [i for i, r in enumerate(routes.categories) if r in FAMILY_ROUTES]
    fam = np.isin(routes.codes, fam_codes)
    df["needs_redesign"] = fam & (vf > 1.05)
    density = _densities(routes)
    base_density = _densities(pd.Categorical(["sintered"]))[0]
    mass_scale = np.where(fam, np.maximum(vf, 1.0) * density / base_density, 1.0)
    df["magnet_mass_kg"] = req.magnet_mass_kg * mass_scale
    df["cost_usd_per_part"] = cost_kg * df["magnet_mass_kg"].to_numpy()

    # ---- compliance per condition
    made_in = req.made_in
    worst_share = np.zeros(n)
    below = np.ones(n, dtype=bool)
    flags = None
    combo_els = ("Dy", "Tb", "Ho", "Sm")
    okey = np.zeros(n, dtype=np.int64)
    for k, e in enumerate(combo_els):
        okey += org_cols.get(e, unknown).codes.astype(np.int64) * len(ORIGIN_CATS) ** k
    uniq_keys, inv = np.unique(okey, return_inverse=True)
    groups = {
        tuple(
            ORIGIN_CATS[(int(u) // len(ORIGIN_CATS) ** k) % len(ORIGIN_CATS)]
            for k in range(len(combo_els))
        ): np.flatnonzero(inv == j)
        for j, u in enumerate(uniq_keys)
    }
    for c in req.compliance:
        key = c.key
        status = np.full(n, STATUS_CATS.index("not_applicable"), dtype=np.int8)
        share = np.zeros(n)
        thr_used = c.threshold if c.threshold is not None else np.nan
        if c.basis == "any_content":
            if made_in in ("CN", "unknown"):
                if flags is None:
                    flags = licence_flags(batch, as_of=req.as_of, catalog=cat, assume=req.assume)
                if c.rule not in flags.columns:
                    msg = (
                        f"condition {key}: rule {c.rule!r} has no any-content test on exports from China; "
                        f"rules with one: {', '.join(flags.columns)}"
                    )
                    raise InputError(msg)
                hit = flags[c.rule].to_numpy()
                status = np.where(hit, 0, 1).astype(np.int8)
                share = hit.astype(float)
        else:
            if made_in in ("non-CN", "unknown"):
                item_value = {
                    "magnet": None,
                    "part": req.part_value_usd,
                    "assembly": req.assembly_value_usd,
                }[c.level]
                for combo, idx in groups.items():
                    org = dict(zip(combo_els, combo, strict=True))
                    org["default"] = "unknown"
                    sub = _take(batch, idx)
                    mk = df["magnet_mass_kg"].to_numpy()[idx]
                    if c.basis == "value_share":
                        iv = None if item_value is None else item_value
                        vs = value_share_batch(
                            sub,
                            mass_kg=mk,
                            item_value_usd=iv,
                            as_of=req.as_of,
                            prices=pv,
                            origin=org,
                            rule=c.rule,
                            limb=c.limb,
                            catalog=cat,
                            assume=req.assume,
                        )
                        s = vs["value_share"].to_numpy()
                        thr = (
                            c.threshold
                            if c.threshold is not None
                            else float(vs["threshold"].iloc[0])
                        )
                        part_ii = vs["part_ii_item"].to_numpy()
                        treated = str(vs["treated_as"].iloc[0])
                    else:  # mass_share: China-origin counted mass ÷ magnet mass (labelled alternative)
                        counted = cat.listed_elements(c.rule)
                        cn = np.array(
                            [
                                1.0 if org.get(e, "unknown") in ("CN", "unknown") else 0.0
                                for e in counted
                            ]
                        )
                        w = np.stack([sub.get_mass_fraction(e) for e in counted], axis=1)
                        s = w @ cn
                        thr = c.threshold if c.threshold is not None else 0.001
                        part_ii = (w > 0).any(axis=1)
                        treated = _treated(cat, c, req)
                    share[idx] = s
                    thr_used = thr
                    caught = part_ii & (s >= thr)
                    st = np.where(caught, 0, np.where(part_ii, 1, 2)).astype(np.int8)
                    if treated != "in_force":
                        st[:] = STATUS_CATS.index("not_controlled")
                    status[idx] = st
                worst_share = np.maximum(worst_share, share)
        df[f"status_{key}"] = pd.Categorical.from_codes(
            status, categories=pd.Index(STATUS_CATS, dtype=object)
        )
        df[f"share_{key}"] = share
        df[f"threshold_{key}"] = thr_used if c.basis != "any_content" else np.nan
        below &= status != 0
    df["controlled_value_share"] = worst_share
    # supply-risk figure: China-origin (or unknown) controlled heavy-RE mass per part
    cn_mass = np.zeros(n)
    for el in ("Dy", "Tb", "Ho", "Sm", "Gd", "Y"):
        o = org_cols.get(el, unknown).codes
        cn = (o == ORIGIN_CATS.index("CN")) | (o == ORIGIN_CATS.index("unknown"))
        cn_mass += np.where(cn, batch.get_mass_fraction(el), 0.0)
    df["controlled_mass_cn_kg"] = cn_mass * df["magnet_mass_kg"].to_numpy()
    df["below_thresholds"] = below
    _constraints(df, req)
    return df


def _treated(cat: Any, c: ComplianceCondition, req: Requirements) -> str:
    from substitute.compliance.catalog import treat_status

    return treat_status(cat.status_at(c.rule, req.as_of, limb=c.limb), req.assume)


def _take(batch: AlloyBatch, idx: np.ndarray) -> AlloyBatch:
    if len(idx) == len(batch) and np.array_equal(idx, np.arange(len(batch))):
        return batch
    return batch.take(idx)


def _densities(routes: np.ndarray) -> np.ndarray:
    """Magnet density (g/cm³) per candidate route, from ``physics/magnet_families.csv``."""
    from substitute import data

    fam = data.read_csv("physics/magnet_families.csv").set_index("route")["density_g_per_cm3"]
    table = {**fam.astype(float).to_dict(), "sintered_gbd": float(fam["sintered"])}
    routes = _as_cat(routes, len(routes))
    lut = np.array([table.get(str(r), float(fam["sintered"])) for r in routes.categories])
    return lut[routes.codes]


def _constraints(df: pd.DataFrame, req: Requirements) -> None:
    """Add ``margin_<name>`` columns (≥ 0 passes) and ``meets_requirements``."""
    side = "_lo" if req.conservative else ""
    margins: dict[str, np.ndarray] = {}
    if req.min_br_T is not None:
        margins["br_T"] = df["br_T" + side].to_numpy() - req.min_br_T
    if req.min_hcj_kA_per_m is not None:
        margins["hcj_kA_per_m"] = df["hcj_kA_per_m" + side].to_numpy() - req.min_hcj_kA_per_m
    if req.no_irreversible_loss:
        margins["tmax_C"] = (
            np.nan_to_num(df["tmax_C" + side].to_numpy(), nan=-np.inf) - req.temperature_C
        )
    if req.min_bhmax_kJ_per_m3 is not None:
        margins["bhmax_kJ_per_m3"] = (
            df["bhmax_kJ_per_m3" + side].to_numpy() - req.min_bhmax_kJ_per_m3
        )
    if req.max_cost_usd_per_kg is not None:
        margins["cost_usd_per_kg"] = req.max_cost_usd_per_kg - df["cost_usd_per_kg"].to_numpy()
    if req.max_cost_usd_per_part is not None:
        margins["cost_usd_per_part"] = (
            req.max_cost_usd_per_part - df["cost_usd_per_part"].to_numpy()
        )
    ok = np.ones(len(df), dtype=bool)
    for k, m in margins.items():
        df[f"margin_{k}"] = m
        ok &= m >= 0
    # HcJ margin objective: the coercivity left above what the working point needs
    need = req.min_hcj_kA_per_m or 0.0
    df["hcj_margin_kA_per_m"] = df["hcj_kA_per_m" + side].to_numpy() - need
    df["meets_requirements"] = ok


# ----------------------------------------------------------------------------------------- ranking
def _objective_matrix(df: pd.DataFrame, objectives: Sequence[str]) -> np.ndarray:
    cols = []
    for name in objectives:
        if name not in OBJECTIVES:
            msg = f"unknown objective {name!r}; valid: {', '.join(OBJECTIVES)}"
            raise InputError(msg)
        col, sense = OBJECTIVES[name]
        cols.append(sense * df[col].to_numpy(dtype=float))
    return np.column_stack(cols)


def _baseline_inputs(baseline: Any, route: str | None) -> tuple[Alloy, str]:
    """The baseline as one Alloy (from an Alloy, a one-row batch, a composition string or a grade name)."""
    route = route or "sintered"
    if isinstance(baseline, str):
        from substitute.composition import looks_like_grade

        if looks_like_grade(baseline):
            return Alloy.from_grade(baseline, route=route), route
        return as_batch(baseline)[0], route
    if isinstance(baseline, AlloyBatch):
        if len(baseline) != 1:
            msg = f"the baseline must be one alloy, got a batch of {len(baseline)}"
            raise InputError(msg)
        return baseline[0], route
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
    max_fronts: int = 50,
    min_ranked: int = 2000,
    explain: int = 1000,
    catalog: Any = None,
    progress: bool | None = None,
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
    max_fronts, min_ranked : int
        Pareto fronts are peeled until ``min_ranked`` qualifying candidates have a rank or ``max_fronts``
        fronts exist; the rest get ``pareto_rank = max_fronts + 1`` (reported as not ranked).
    explain : int, default 1000
        How many rows from the top get ``changed_levers`` and an ``explanation`` sentence (the rest keep
        their lever columns; explanations cost ≈ 0.1 ms per row).
    catalog : Catalog, optional
    progress : bool, optional
        Show a progress bar (default: when the space has more than 50,000 candidates).

    Returns
    -------
    RankResult
        ``.table`` (ranked DataFrame; ``attrs["audit"]``), ``.baseline``, ``.eliminated``, ``.messages``.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    req = requirements if requirements is not None else Requirements()
    alloy, base_route = _baseline_inputs(baseline, route)
    space = space if space is not None else sp.default_space(alloy, base_route)
    b_origin = {"Dy": "CN", "Tb": "CN", "Ho": "CN", **(baseline_origin or {})}
    show = progress if progress is not None else space.size > 50_000
    bar = tqdm(total=5, desc="rank", disable=not show, leave=False)

    # ---- candidates
    levers = space.lever_table()
    routes = _route_groups(levers, base_route)
    keep = routes["valid"].to_numpy()
    levers = levers[keep].reset_index(drop=True)
    routes = routes[keep].reset_index(drop=True)
    base_alloys = sp.build_alloys(levers, alloy)
    magnets = _diffused(
        base_alloys, routes["gbd_element"].array, routes["gbd_mass_percent"].to_numpy()
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
    if dup_cols:
        keep = ~levers.duplicated().to_numpy()
        if not keep.all():
            levers, routes = (
                levers[keep].reset_index(drop=True),
                routes[keep].reset_index(drop=True),
            )
            magnets = _take(magnets, np.flatnonzero(keep))
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
        route_params={"grain_size_um": grain_size_um},
        origin={e: [o] for e, o in b_origin.items()},
        prices=prices,
        origin_premium=origin_premium,
        catalog=catalog,
    )
    base_br = float(base_eval["br_T"].iloc[0])
    base_eval["volume_factor"] = 1.0
    base_row = base_eval.iloc[0]
    messages = [_baseline_message(base_row, req)]

    # ---- evaluate candidates
    cand = evaluate(
        magnets,
        req,
        route=routes["route_eff"].array,
        route_params={
            "grain_size_um": grain,
            "gbd_element": routes["gbd_element"].array,
            "gbd_mass_percent": routes["gbd_mass_percent"].to_numpy(),
            "thickness_mm": thick,
        },
        origin=origin,
        prices=prices,
        origin_premium=origin_premium,
        catalog=catalog,
        baseline_br_T=base_br,
    )
    cand = pd.concat([levers.add_prefix("lever_"), cand], axis=1)
    cand.insert(0, "candidate", np.arange(n, dtype=np.int64))
    bar.update()

    fam_rows = _family_candidates(space.families, req, prices, origin_premium, catalog, base_br)
    if fam_rows is not None:
        fam_rows["candidate"] = np.arange(n, n + len(fam_rows), dtype=np.int64)
        cand = pd.concat([cand, fam_rows], ignore_index=True)
    timings["evaluate_s"] = time.perf_counter() - t1
    bar.update()

    # ---- constraints and elimination report
    t2 = time.perf_counter()
    eliminated = _elimination_table(cand, req)
    ok = (
        cand["meets_requirements"] & (cand["below_thresholds"] | (not req.require_below_thresholds))
    ).to_numpy()
    if not ok.any():
        messages.append(_nothing_message(cand, eliminated, req))
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
    cand["_score"] = order_score
    cand = (
        cand.sort_values(
            ["qualifies", "pareto_rank", "_score"], ascending=[False, True, True], kind="stable"
        )
        .drop(columns="_score")
        .reset_index(drop=True)
    )
    cand.insert(1, "order", np.arange(1, len(cand) + 1))
    timings["rank_s"] = time.perf_counter() - t2
    bar.update()

    # ---- explanations for the head of the table (qualifying rows first, else the closest candidates)
    t3 = time.perf_counter()
    n_expl = min(len(cand), max(int(explain), 1))
    head = cand.iloc[:n_expl]
    base_levers = dict(sp.baseline_levers(alloy))
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
    changed_col = np.full(len(cand), "", dtype=object)
    changed_col[:n_expl] = changed.to_numpy(dtype=object)
    cand["changed_levers"] = changed_col
    explanation = np.full(len(cand), "", dtype=object)
    explanation[:n_expl] = [
        _explain(r, base_row, req) for r in cand.iloc[:n_expl].itertuples(index=False)
    ]
    cand["explanation"] = explanation
    timings["explain_s"] = time.perf_counter() - t3
    bar.update()
    bar.close()
    timings["total_s"] = time.perf_counter() - t0

    cand.attrs["audit"] = _audit(req, prices, catalog, objectives)
    return RankResult(
        baseline_alloy=alloy,
        baseline_levers=base_levers,
        requirements=req,
        thickness_mm=thickness_mm,
        table=cand,
        baseline=base_row,
        eliminated=eliminated,
        messages=messages,
        timings=timings,
    )


#: strategy name → description (what the tag means), in the order they are reported
STRATEGIES: dict[str, str] = {
    "Tb grain-boundary diffusion": "Tb added by GBD",
    "Dy grain-boundary diffusion": "Dy added by GBD",
    "less bulk Dy/Tb": "bulk Dy+Tb below the baseline's",
    "heavy-rare-earth free": "no Dy, Tb or Ho in the magnet",
    "Ho substitution": "bulk Ho added",
    "Ce/La/Y substitution": "Ce, La or Y replace part of Nd-Pr",
    "grain refinement": "grain size below the baseline's",
    "hot-deformed": "hot-deformed route",
    "bonded": "bonded isotropic route",
    "non-China feedstock": "a heavy rare earth it contains is bought non-CN or recycled",
    "China-origin feedstock only": "every heavy rare earth it contains is China-origin",
    "SmCo 2:17": "Sm2Co17 magnet (redesign)",
    "SmCo 1:5": "SmCo5 magnet (redesign)",
    "ferrite": "Sr ferrite magnet (redesign)",
    "SmFeN bonded": "bonded Sm2Fe17N3 magnet (redesign)",
}
_FAMILY_STRATEGY = {
    "sm2co17": "SmCo 2:17",
    "smco5": "SmCo 1:5",
    "ferrite": "ferrite",
    "smfen_bonded": "SmFeN bonded",
}


def strategy_masks(table: pd.DataFrame, base: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Boolean mask per substitution strategy (see :data:`STRATEGIES`) over the rows of a ranked table.

    ``base`` holds the baseline's lever values (:attr:`RankResult.baseline_levers`).
    """
    n = len(table)

    def lev(name: str, default: float = 0.0) -> np.ndarray:
        col = f"lever_{name}"
        if col in table:
            return table[col].to_numpy(dtype=float, na_value=np.nan)
        return np.full(n, base.get(name, default))

    route = table["route"].astype(str).to_numpy()
    ndfeb = ~np.isin(route, list(_FAMILY_STRATEGY))
    hre_bulk = np.nan_to_num(lev("dy_mass_percent") + lev("tb_mass_percent"), nan=np.inf)
    hre_all = (
        hre_bulk
        + np.nan_to_num(lev("ho_mass_percent"))
        + np.nan_to_num(lev("gbd_tb_mass_percent"))
        + np.nan_to_num(lev("gbd_dy_mass_percent"))
    )
    base_hre = base.get("dy_mass_percent", 0.0) + base.get("tb_mass_percent", 0.0)
    sub = np.nan_to_num(lev("ce_share_of_lre") + lev("la_share_of_lre") + lev("y_share_of_lre"))
    grain = lev("grain_size_um", np.nan)
    ref_grain = float(base.get("grain_size_um", np.nan))
    origins = {
        e: table[f"{e.lower()}_origin"].astype(str).to_numpy()
        if f"{e.lower()}_origin" in table
        else np.full(n, "unknown")
        for e in ("Dy", "Tb", "Ho")
    }
    present = {
        "Dy": (lev("dy_mass_percent") + lev("gbd_dy_mass_percent")) > 0,
        "Tb": (lev("tb_mass_percent") + lev("gbd_tb_mass_percent")) > 0,
        "Ho": lev("ho_mass_percent") > 0,
    }
    non_cn = np.zeros(n, dtype=bool)
    cn_only = np.ones(n, dtype=bool)
    for e in ("Dy", "Tb", "Ho"):
        alt = np.isin(origins[e], ["non-CN", "recycled"])
        non_cn |= present[e] & alt
        cn_only &= ~present[e] | ~alt
    masks = {
        "Tb grain-boundary diffusion": ndfeb & (np.nan_to_num(lev("gbd_tb_mass_percent")) > 0),
        "Dy grain-boundary diffusion": ndfeb & (np.nan_to_num(lev("gbd_dy_mass_percent")) > 0),
        "less bulk Dy/Tb": ndfeb & (hre_bulk < base_hre - 1e-9),
        "heavy-rare-earth free": ndfeb & (hre_all <= 0),
        "Ho substitution": ndfeb & (np.nan_to_num(lev("ho_mass_percent")) > 0),
        "Ce/La/Y substitution": ndfeb & (sub > 0),
        "grain refinement": ndfeb & np.isfinite(grain) & (grain < ref_grain - 1e-9),
        "hot-deformed": route == "hot_deformed",
        "bonded": route == "bonded_isotropic",
        "non-China feedstock": ndfeb & non_cn,
        "China-origin feedstock only": ndfeb & cn_only & (hre_all > 0),
    }
    for fam, name in _FAMILY_STRATEGY.items():
        masks[name] = route == fam
    return masks


def _ranks_until(obj: np.ndarray, max_fronts: int, min_ranked: int) -> np.ndarray:
    """Peel fronts until at least ``min_ranked`` points have a rank (or ``max_fronts`` fronts)."""
    from substitute.ranking.pareto import first_front

    n = len(obj)
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


def _family_candidates(
    families: Sequence[str],
    req: Requirements,
    prices: Any,
    premium: Any,
    catalog: Any,
    base_br: float,
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
        )
        ev.insert(0, "candidate", -1)
        ev["lever_route"] = fam
        rows.append(ev)
    return pd.concat(rows, ignore_index=True) if rows else None


def _elimination_table(df: pd.DataFrame, req: Requirements) -> pd.DataFrame:
    rows = []
    alive = np.ones(len(df), dtype=bool)
    checks = [
        (c[len("margin_") :], df[c].to_numpy() >= 0) for c in df.columns if c.startswith("margin_")
    ]
    if req.require_below_thresholds:
        for c in df.columns:
            if c.startswith("status_"):
                checks.append(
                    (f"licence {c[len('status_') :]}", df[c].to_numpy() != "licence_required")
                )
    for name, passed in checks:
        rows.append(
            {
                "constraint": name,
                "fails_alone": int((~passed).sum()),
                "eliminated_in_sequence": int((alive & ~passed).sum()),
            }
        )
        alive &= passed
    out = pd.DataFrame(rows, columns=["constraint", "fails_alone", "eliminated_in_sequence"])
    out.attrs["remaining"] = int(alive.sum())
    return out


def _baseline_message(row: pd.Series, req: Requirements) -> str:
    fails = [c[len("margin_") :] for c in row.index if c.startswith("margin_") and row[c] < 0]
    lic = [
        c[len("status_") :]
        for c in row.index
        if c.startswith("status_") and row[c] == "licence_required"
    ]
    parts = []
    if fails:
        parts.append("fails its own requirement on " + ", ".join(fails))
    if lic:
        parts.append("needs a licence under " + ", ".join(lic))
    if not parts:
        return "Baseline meets every requirement and stays below every licence threshold."
    return "Baseline " + " and ".join(parts) + "."


def _nothing_message(df: pd.DataFrame, elim: pd.DataFrame, req: Requirements) -> str:
    worst = elim.sort_values("eliminated_in_sequence", ascending=False).head(3)
    parts = [f"{r.constraint} eliminated {r.eliminated_in_sequence:,}" for r in worst.itertuples()]
    return (
        f"No candidate meets every requirement and threshold ({len(df):,} evaluated): "
        + "; ".join(parts)
        + ". The table lists the closest candidates first."
    )


def _fmt_pct(x: float) -> str:
    return f"{100 * x:.3g} %"


def _explain(r: Any, base: pd.Series, req: Requirements) -> str:
    d = r.to_dict() if isinstance(r, pd.Series) else r._asdict()
    side = "lower bound" if req.conservative else "central"
    s = "_lo" if req.conservative else ""
    route = str(d.get("route", ""))
    what = d.get("changed_levers") or "the baseline recipe"
    what = what if route in FAMILY_FORMULAS else f"{what} ({route.replace('_', ' ')})"
    if route in FAMILY_FORMULAS:
        what = f"switches to {route}"
        if d.get("needs_redesign"):
            what += f" (needs ≈{d['volume_factor']:.1f}× magnet volume for the same flux)"
    cost_delta = (
        (d["cost_usd_per_part"] / float(base["cost_usd_per_part"]) - 1)
        if base["cost_usd_per_part"]
        else 0
    )
    lic = [
        k[len("status_") :]
        for k, v in d.items()
        if k.startswith("status_") and v == "licence_required"
    ]
    lic_txt = (
        "no licence under the tested rules" if not lic else "licence needed under " + ", ".join(lic)
    )
    head = "Qualifies" if d.get("qualifies") else "Does not qualify"
    return (
        f"{head}: {what}; at {req.temperature_C:g} °C HcJ {d['hcj_kA_per_m' + s]:.0f} kA/m and "
        f"Br {d['br_T' + s]:.3f} T ({side}), Tmax {d['tmax_C' + s]:.0f} °C; {lic_txt} "
        f"(controlled value share {_fmt_pct(d['controlled_value_share'])}); "
        f"cost {d['cost_usd_per_part']:.1f} USD per part ({cost_delta:+.0%} vs baseline)."
    )


def _audit(
    req: Requirements, prices: Any, catalog: Any, objectives: Sequence[str]
) -> dict[str, Any]:
    from substitute import data
    from substitute.compliance import load_catalog

    cat = catalog if catalog is not None else load_catalog()
    pv = _price(prices)
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
    return out
