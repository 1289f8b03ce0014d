"""Evaluate a batch of candidate magnets: properties at temperature, compliance per condition, cost.

All vectorised over the candidate batch: one property call per route group, one compliance call per
feedstock-origin group; categorical columns instead of per-row strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from substitute.compliance.evaluation import reaches
from substitute.composition import AlloyBatch
from substitute.errors import InputError
from substitute.ranking.requirements import ComplianceCondition, Requirements, apply_constraints

__all__ = [
    "GBD_CATS",
    "ORIGIN_CATS",
    "STATUS_CATS",
    "as_price_vector",
    "diffused",
    "distinct_rows",
    "evaluate",
    "head_labels",
    "label_array",
    "route_groups",
    "take",
]

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


def label_array(values: Any) -> np.ndarray:
    """The labels of a column as an object array. A categorical column maps its codes through its few
    categories instead of converting 10^6 values to strings one by one (``.astype(str)``)."""
    arr = values.array if isinstance(values, pd.Series) else values
    if isinstance(arr, pd.Categorical):
        cats = np.asarray(arr.categories, dtype=object)
        codes = np.asarray(arr.codes)
        out = cats[np.maximum(codes, 0)] if len(cats) else np.full(len(codes), "", dtype=object)
        return np.where(codes >= 0, out, "nan") if (codes < 0).any() else out
    return np.asarray(values, dtype=object).astype(str).astype(object)


def head_labels(head: Sequence[str], n: int) -> pd.Categorical:
    """A length-``n`` text column holding ``head`` in its first rows and ``""`` after, as a Categorical
    (the explanations of the top rows of a 10^6-row table, without 10^6 string objects)."""
    cats, pos = np.unique(np.asarray(["", *head], dtype=object).astype(str), return_inverse=True)
    codes = np.full(n, pos[0], dtype=np.int32)
    codes[: len(head)] = pos[1:]
    return pd.Categorical.from_codes(codes, pd.Index(cats), validate=False)


def route_groups(levers: pd.DataFrame, base_route: str) -> pd.DataFrame:
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


def diffused(batch: AlloyBatch, element: pd.Categorical, amount_pct: np.ndarray) -> AlloyBatch:
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


def as_price_vector(prices: Any):
    from substitute.prices import price_vector

    return prices if hasattr(prices, "price") else price_vector(prices)


def check_premium(premium: Mapping[str, float]) -> None:
    """Origin premiums are price multipliers of non-China and recycled feedstock: finite and > 0 (a
    negative one would make a candidate's cost negative and rank it first), with a hint when a percent
    was typed."""
    if not isinstance(premium, Mapping):
        msg = f"origin_premium must be a mapping like {{'non-CN': 1.3}}, got {premium!r}"
        raise InputError(msg)
    for kind, v in premium.items():
        if kind not in ("non-CN", "recycled"):
            msg = f"origin_premium: unknown origin {kind!r}; valid: 'non-CN', 'recycled'"
            raise InputError(msg)
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v <= 0:
            msg = f"origin_premium[{kind!r}] must be a positive multiplier (1.3 = +30 %), got {v!r}"
            raise InputError(msg)
        if v > 20:
            msg = f"origin_premium[{kind!r}] = {v:g} is a multiplier above 20; for +{v:g} % write {1 + v / 100:g}"
            raise InputError(msg)


def _origin_premium_cost(
    batch: AlloyBatch, origin: Mapping[str, pd.Categorical], premium: Mapping[str, float], pv: Any
) -> np.ndarray:
    """Extra cost (USD/kg of magnet) of heavy rare earths bought non-China or recycled."""
    extra = np.zeros(len(batch))
    check_premium(premium)
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
    model: Any = None,
    processing_costs: Any = None,
    physics_key: np.ndarray | None = None,
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
        ``gbd_mass_percent``, ``thickness_mm``, ``br_factor`` (sintered routes only).
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
    model : Model, optional
        Property model from :func:`substitute.calibrate` (default: the shipped fit).
    processing_costs : path or DataFrame, optional
        Processing adders replacing ``datasets/costs/processing_adders.csv``
        (:func:`substitute.ranking.costs.processing_table`).
    physics_key : array of int, optional
        Candidates with equal keys have the same composition and route parameters (they differ only in
        feedstock origin), so their properties are predicted once. Without it, identical rows are found
        by :func:`distinct_rows`.

    Returns
    -------
    pandas.DataFrame
        One row per candidate with property columns at ``requirements.temperature_C`` (with ``_lo``/``_hi``),
        ``in_domain``, ``material_cost_usd_per_kg``, ``processing_cost_usd_per_kg``, ``cost_usd_per_kg``
        (their sum), the same ``…_per_part``, per-condition ``status_<key>``,
        ``if_in_force_<key>`` (the status were the rule in force: it differs where a ``status_unknown``
        rule is treated as suspended) and ``share_<key>``, ``controlled_value_share``, ``controlled_mass_cn_kg``, margins, ``volume_factor``.
    """
    from substitute.compliance import licence_flags, load_catalog
    from substitute.compliance.valueshare import value_share_batch
    from substitute.prices import alloy_cost_per_kg
    from substitute.properties import FAMILY_ROUTES, predict_arrays

    req = requirements
    n = len(batch)
    cat = catalog if catalog is not None else load_catalog()
    pv = as_price_vector(prices)
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
            if r not in FAMILY_ROUTES:
                for k, v in rp.items():
                    if (
                        k == "grain_size_um"
                        or (r == "sintered_gbd" and k in ("gbd_mass_percent", "thickness_mm"))
                        or (k == "br_factor" and r in ("sintered", "sintered_gbd"))
                    ):
                        kw[k] = np.broadcast_to(np.asarray(v, dtype=float), (n,))[idx]
                if r == "sintered_gbd":
                    kw["gbd_element"] = g
            # candidates differing only in feedstock origin share their physics: predict each
            # distinct (composition, route parameters) once and scatter the result back
            first: np.ndarray | None
            inv: np.ndarray | None
            if physics_key is not None:
                _, first, inv = np.unique(
                    np.asarray(physics_key)[idx], return_index=True, return_inverse=True
                )
            elif len(idx) > 1:
                first, inv = distinct_rows(batch.mass_array[idx], *kw.values())
            else:
                first, inv = None, None
            if first is not None and len(first) < len(idx):
                sub = take(batch, idx[first])  # one gather of the distinct rows
                kw = {
                    k: (v[first] if isinstance(v, np.ndarray) and v.shape == (len(idx),) else v)
                    for k, v in kw.items()
                }
            else:
                inv = None
                sub = take(batch, idx)
            out = predict_arrays(
                sub,
                route=r,
                temperature_C=T,
                permeance=req.permeance,
                external_field_kA_per_m=req.external_field_kA_per_m,
                model=model,
                **kw,
            )
            for k, v in out.items():
                if k.startswith("_"):
                    continue
                arr = np.asarray(v)
                arr = arr[:, 0] if arr.ndim == 2 else arr
                if inv is not None:
                    arr = arr[inv]
                if k not in prop:
                    prop[k] = np.zeros(n, dtype=arr.dtype)
                prop[k][idx] = arr
    df = pd.DataFrame(prop, copy=False)  # no consolidation copy of ~70 float columns
    df.insert(0, "route", routes)  # type: ignore[arg-type]  # stub omits ExtensionArray column values

    # ---- origins (categorical codes over ORIGIN_CATS; elements not given are "unknown")
    org_cols: dict[str, pd.Categorical] = {
        el: _as_cat(v, n, ORIGIN_CATS) for el, v in (origin or {}).items()
    }
    unknown = _as_cat("unknown", n, ORIGIN_CATS)
    for el in ("Dy", "Tb", "Ho"):
        df[f"{el.lower()}_origin"] = org_cols.get(el, unknown)

    # ---- cost: raw material (non-China premium optional) + processing (route, GBD step, fine grains)
    from substitute.ranking.costs import processing_cost_per_kg, processing_table

    prem = dict(origin_premium or {})
    material_kg = alloy_cost_per_kg(batch, pv) + _origin_premium_cost(batch, org_cols, prem, pv)
    grain_arr = np.broadcast_to(
        np.asarray(route_params.get("grain_size_um", 5.0) if route_params else 5.0, dtype=float),
        (n,),
    )
    process_kg = processing_cost_per_kg(routes, grain_arr, processing_table(processing_costs))
    cost_kg = material_kg + process_kg
    df["material_cost_usd_per_kg"] = material_kg
    df["processing_cost_usd_per_kg"] = process_kg
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
    mass = df["magnet_mass_kg"].to_numpy()
    df["material_cost_usd_per_part"] = material_kg * mass
    df["processing_cost_usd_per_part"] = process_kg * mass
    df["cost_usd_per_part"] = cost_kg * mass

    # ---- compliance per condition
    made_in = req.made_in
    worst_share = np.zeros(n)
    any_content = np.zeros(
        n
    )  # largest listed-element content over the applicable any-content rules
    below = np.ones(n, dtype=bool)
    flags = None
    flags_in_force = None
    combo_els = ("Dy", "Tb", "Ho", "Sm")
    okey = np.zeros(n, dtype=np.int64)
    for pos, e in enumerate(combo_els):
        okey += org_cols.get(e, unknown).codes.astype(np.int64) * len(ORIGIN_CATS) ** pos
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
        if_in_force = status.copy()  # the verdict were the rule in force (for unknown statuses)
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
                # the quantity the rule looks at: the mass fraction of the elements it lists (any
                # deliberate content of a trigger element counts; the verdict comes from the flags)
                share = np.zeros(n)
                for el in cat.listed_elements(c.rule):
                    if el in batch.elements:
                        share += batch.get_mass_fraction(el)
                any_content = np.maximum(any_content, share)
                if_in_force = status
                if _treated(cat, c, req) != "in_force":
                    if flags_in_force is None:
                        flags_in_force = licence_flags(
                            batch, as_of=req.as_of, catalog=cat, assume="in_force"
                        )
                    if_in_force = np.where(flags_in_force[c.rule].to_numpy(), 0, 1).astype(np.int8)
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
                    sub = take(batch, idx)
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
                            labels=False,
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
                        part_ii = np.asarray((w > 0).any(axis=1))
                        treated = _treated(cat, c, req)
                    share[idx] = s
                    thr_used = thr
                    caught = part_ii & reaches(s, thr, ">=")
                    st = np.where(caught, 0, np.where(part_ii, 1, 2)).astype(np.int8)
                    if_in_force[idx] = st
                    if treated != "in_force":
                        st[:] = STATUS_CATS.index("not_controlled")
                    status[idx] = st
                worst_share = np.maximum(worst_share, share)
        df[f"status_{key}"] = pd.Categorical.from_codes(
            status, categories=pd.Index(STATUS_CATS, dtype=object)
        )
        df[f"if_in_force_{key}"] = pd.Categorical.from_codes(
            if_in_force, categories=pd.Index(STATUS_CATS, dtype=object)
        )
        df[f"share_{key}"] = share
        df[f"threshold_{key}"] = thr_used if c.basis != "any_content" else np.nan
        below &= status != 0
    df["controlled_value_share"] = worst_share
    df["controlled_content_fraction"] = any_content
    # supply-risk figure: China-origin (or unknown) controlled heavy-RE mass per part
    cn_mass = np.zeros(n)
    for el in ("Dy", "Tb", "Ho", "Sm", "Gd", "Y"):
        o = org_cols.get(el, unknown).codes
        cn = (o == ORIGIN_CATS.index("CN")) | (o == ORIGIN_CATS.index("unknown"))
        cn_mass += np.where(cn, batch.get_mass_fraction(el), 0.0)
    df["controlled_mass_cn_kg"] = cn_mass * df["magnet_mass_kg"].to_numpy()
    df["below_thresholds"] = below
    apply_constraints(df, req)
    return df


def _treated(cat: Any, c: ComplianceCondition, req: Requirements) -> str:
    from substitute.compliance.status import treat_status

    return treat_status(cat.status_at(c.rule, req.as_of, limb=c.limb), req.assume)


def distinct_rows(
    matrix: np.ndarray, *columns: Any
) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """Exact de-duplication of candidate rows: ``(first, inverse)`` with ``rows[first][inverse] == rows``.

    The rows are ``matrix`` (n × k floats) with any per-row ``columns`` (length-n arrays; scalars and
    strings are the same for every row and ignored). Rows are keyed by a random projection (one sort of
    n floats instead of a lexicographic sort of n × k), then checked for exact equality with their
    representative; on any mismatch (a projection collision) ``(None, None)`` is returned and the caller
    works on all rows.
    """
    n = len(matrix)
    m = np.asarray(matrix, dtype=float).reshape(n, -1)
    cols = [
        np.asarray(c, dtype=float)
        for c in columns
        if np.shape(c) == (n,) and np.asarray(c).dtype.kind in "fiub"
    ]
    rng = np.random.default_rng(12345)
    key = m @ rng.uniform(0.5, 1.5, m.shape[1])
    for c in cols:
        key += c * rng.uniform(0.5, 1.5)
    if not np.all(np.isfinite(key)):
        return None, None
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    rep = first[inv]
    if not (np.array_equal(m[rep], m) and all(np.array_equal(c[rep], c) for c in cols)):
        return None, None
    return first, inv


def take(batch: AlloyBatch, idx: np.ndarray) -> AlloyBatch:
    if len(idx) == len(batch) and np.array_equal(idx, np.arange(len(batch))):
        return batch
    return batch.take(idx)


def _densities(routes: pd.Categorical[Any] | np.ndarray) -> np.ndarray:
    """Magnet density (g/cm³) per candidate route, from ``physics/magnet_families.csv``."""
    from substitute import data

    fam = data.read_csv("physics/magnet_families.csv").set_index("route")["density_g_per_cm3"]
    table = {**fam.astype(float).to_dict(), "sintered_gbd": float(fam["sintered"])}
    routes = _as_cat(routes, len(routes))
    lut = np.array([table.get(str(r), float(fam["sintered"])) for r in routes.categories])
    return lut[routes.codes]
