"""Headroom and crossing prices: how much more controlled content, or how high a price, an item can take
before a value-share threshold is reached (No. 61 limb 1(1) style rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np
import pandas as pd

from substitute.compliance.bom import (
    Assembly,
    NodeSums,
    Part,
    check_choice,
    cn_share,
    counted_value,
    walk,
)
from substitute.compliance.catalog import Catalog, load_catalog
from substitute.compliance.evaluation import value_unit
from substitute.compliance.status import check_assume, parse_date, treat_status
from substitute.errors import InputError
from substitute.prices import price_vector

__all__ = ["crossing_price", "headroom"]


# --------------------------------------------------------------------------------------------- headroom
def _find(item: Part | Assembly, key: Any, what: str) -> tuple[str, Part | Assembly]:
    nodes = walk(item)
    for level, path, node in nodes:
        if node is key or (isinstance(key, str) and key in (node.name, path)):
            return level, node
    names = ", ".join(repr(p) for _, p, _ in nodes)
    msg = f"{what}: {getattr(key, 'name', key)!r} is not in {item.name!r}; items: {names}"
    raise InputError(msg)


def _threshold_value(u: Any, threshold: float | None) -> float:
    """The threshold tested: the caller's, else the rule's (the schema requires a value on a value-share
    threshold)."""
    if threshold is not None:
        return float(threshold)
    assert u.threshold is not None
    assert u.threshold.value is not None
    return float(u.threshold.value)


def headroom(
    item: Part | Assembly,
    part: Part | str,
    element: str,
    as_of: dt.date | str = "today",
    prices: Any = "ex_china_2025",
    *,
    level: Part | Assembly | str | None = None,
    rule: str = "CN-MOFCOM-2025-61",
    limb: str | None = "1(1)",
    threshold: float | None = None,
    share_basis: Literal["value_share", "mass_share"] = "value_share",
    recycled_counts_as: Literal["non-CN", "CN"] = "non-CN",
    catalog: Catalog | None = None,
    assume: str = "in_force",
) -> pd.DataFrame:
    """Largest content of ``element`` in ``part`` that keeps an item under a value-share threshold.

    With everything else fixed, the item's share is linear in the part's mass fraction *w* of the
    element: share(w) = (A + m·w·s·p) / V, where A is the China-origin Part I value from everything else,
    m the part mass, s the China share of the element, p its price (USD/kg contained) and V the item
    value. The headroom is w* = (T·V − A) / (m·s·p); at w* share ÷ threshold is exactly 1 (the comparator is
    ≥, so content must stay *below* w*). The crossing price is the price p* at which the current design
    reaches T.

    Parameters
    ----------
    item : Part or Assembly
        The BOM.
    part : Part or str
        The part whose content varies (object or name/path).
    element : str
        The element (must be a Part I element of the rule, e.g. ``"Dy"``, ``"Tb"``).
    as_of : datetime.date or str, default "today"
        As for :func:`assess`.
    prices : str, mapping, path or PriceVector, default "ex_china_2025"
        As for :func:`assess`.
    level : Part, Assembly or str, optional
        The item whose share is tested (default the root ``item``); it needs a value (a part needs
        ``value_usd``).
    rule : str, default "CN-MOFCOM-2025-61"
        Rule set with a value-share test (default No. 61).
    limb : str or None, default "1(1)"
        Limb of ``rule`` with the value-share test.
    threshold : float, optional
        Override the threshold (fraction; 0.001 = 0.1 %).
    share_basis : {"value_share", "mass_share"}, default "value_share"
        ``"mass_share"`` gives the headroom under the alternative mass reading.
    recycled_counts_as : {"non-CN", "CN"}, default "non-CN"
        As for :func:`assess`.
    catalog : Catalog, optional
        As for :func:`assess`.
    assume : {"in_force", "suspended"}, default "in_force"
        As for :func:`assess`.

    Returns
    -------
    pandas.DataFrame
        One row: ``item, part, element, rule_id, limb, threshold, share_basis, price_usd_per_kg,
        cn_share, part_mass_kg, item_value_usd, item_mass_kg, current_mass_fraction, current_share,
        current_margin, max_mass_fraction, max_mass_percent, max_grams, headroom_grams,
        crossing_price_usd_per_kg, limited_by, rule_status, treated_as, assumption, as_of, note``.
        Mass fractions are basis mass; grams are of the element in the part. Other elements' mass
        fractions are held fixed (the balance element absorbs the change).
    """
    cat = catalog if catalog is not None else load_catalog()
    d = parse_date(as_of)
    check_assume(assume)
    check_choice(share_basis, ("value_share", "mass_share"), "share_basis")
    check_choice(recycled_counts_as, ("non-CN", "CN"), "recycled_counts_as")
    u = value_unit(cat, rule, limb)
    if element not in u.counted:
        msg = f"element {element!r} is not counted by {u.label} (Part I elements: {', '.join(u.counted)})"
        raise InputError(msg)
    _, top = _find(item, item if level is None else level, "level")
    _, p = _find(top, part, "part")
    if not isinstance(p, Part):
        msg = f"part: {p.name!r} is an assembly, not a part"
        raise InputError(msg)
    if top.value_usd is None and share_basis == "value_share":
        msg = f"headroom at {top.name!r} needs its value_usd (a part's value would change with its content)"
        raise InputError(msg)
    pv = price_vector(prices)
    T = _threshold_value(u, threshold)
    if not (np.isfinite(T) and T > 0):
        msg = f"threshold must be > 0, got {threshold!r}"
        raise InputError(msg)
    nd = NodeSums(top, "", top.name, recycled_counts_as, None)
    s = cn_share(p.shares(element), recycled_counts_as)
    m = p.mass_kg
    w0 = p.mass_fraction(element)
    price = pv.price(element)
    own_cn_mass = m * w0 * s
    if share_basis == "value_share":
        V = float(top.value_usd)  # type: ignore[arg-type]
        total = counted_value(nd, u.counted, pv, "cn")
        A = total - own_cn_mass * price
        slope = m * s * price
        current = total / V
        target = T * V
        cross = (target - A) / own_cn_mass if own_cn_mass > 0 else np.inf
    else:
        V = np.nan
        M = nd.mass_kg
        total = nd.mass(u.counted, "cn")
        A = total - own_cn_mass
        slope = m * s
        current = total / M
        target = T * M
        cross = np.nan
    note = "other elements' mass fractions held fixed; the balance element absorbs the change"
    if slope <= 0:
        w_star, limited = (
            1.0,
            "no China-origin share of this element: the threshold is never reached",
        )
    else:
        w_raw = (target - A) / slope
        if w_raw <= 0:
            w_star, limited = 0.0, "other China-origin content already reaches the threshold"
        elif w_raw >= 1:
            w_star, limited = 1.0, "physical limit (100 wt%)"
        else:
            w_star, limited = w_raw, "threshold"
    raw = u.raw_status(d)
    df = pd.DataFrame(
        [
            {
                "item": top.name,
                "part": p.name,
                "element": element,
                "rule_id": u.rule_id,
                "limb": u.limb_id,
                "threshold": T,
                "share_basis": share_basis,
                "price_usd_per_kg": price,
                "cn_share": s,
                "part_mass_kg": m,
                "item_value_usd": V,
                "item_mass_kg": nd.mass_kg,
                "current_mass_fraction": w0,
                "current_share": current,
                "current_margin": current / T,
                "max_mass_fraction": w_star,
                "max_mass_percent": 100 * w_star,
                "max_grams": 1000 * w_star * m,
                "headroom_grams": 1000 * (w_star - w0) * m,
                "crossing_price_usd_per_kg": max(cross, 0.0) if np.isfinite(cross) else cross,
                "limited_by": limited,
                "rule_status": raw,
                "treated_as": treat_status(raw, assume),
                "assumption": assume,
                "as_of": d.isoformat(),
                "note": note,
            }
        ]
    )
    df.attrs["audit"] = {**cat.audit(as_of=d, assume=assume), **pv.audit()}
    return df


def crossing_price(
    item: Part | Assembly,
    element: str,
    as_of: dt.date | str = "today",
    prices: Any = "ex_china_2025",
    *,
    rule: str = "CN-MOFCOM-2025-61",
    limb: str | None = "1(1)",
    threshold: float | None = None,
    recycled_counts_as: Literal["non-CN", "CN"] = "non-CN",
    catalog: Catalog | None = None,
    assume: str = "in_force",
) -> pd.DataFrame:
    """Price of ``element`` (USD/kg contained) at which each BOM level reaches the value-share threshold.

    share(p) = (A + M·p) / (V₀ + M_v·p), with A the China-origin Part I value from other elements, M the
    China-origin mass of ``element`` in the item, V₀ the item value without the element's contribution
    and M_v the element mass that enters an *estimated* part value (zero when the value is given). The
    crossing price is p* = (T·V₀ − A) / (M − T·M_v); ``inf`` when the item never crosses, 0 when it is
    already over at any price.

    Returns
    -------
    pandas.DataFrame
        One row per level holding the element: ``level, item, path, element, price_usd_per_kg,
        crossing_price_usd_per_kg, price_ratio`` (crossing ÷ current), ``threshold, current_share,
        value_basis``.
    """
    cat = catalog if catalog is not None else load_catalog()
    d = parse_date(as_of)
    check_assume(assume)
    u = value_unit(cat, rule, limb)
    if element not in u.counted:
        msg = f"element {element!r} is not counted by {u.label} (Part I elements: {', '.join(u.counted)})"
        raise InputError(msg)
    pv = price_vector(prices)
    T = _threshold_value(u, threshold)
    p0 = pv.price(element)
    rows = []
    for level, path, node in walk(item):
        nd = NodeSums(node, level, path, recycled_counts_as, None)
        M = nd.mass([element], "cn")
        if nd.mass([element], "all") <= 0:
            continue
        total = counted_value(nd, u.counted, pv, "cn")
        A = total - M * p0
        if nd.value_given:
            V0, Mv = float(node.value_usd), 0.0  # type: ignore[arg-type]
        else:
            Mv = nd.mass([element], "all")
            V0 = nd.value(pv) - Mv * p0
        denom = M - T * Mv
        num = T * V0 - A
        if num <= 0:
            pstar = 0.0
        elif denom <= 0:
            pstar = np.inf
        else:
            pstar = num / denom
        V = nd.value(pv)
        rows.append(
            {
                "level": level,
                "item": node.name,
                "path": path,
                "element": element,
                "price_usd_per_kg": p0,
                "crossing_price_usd_per_kg": pstar,
                "price_ratio": pstar / p0 if p0 > 0 else np.inf,
                "threshold": T,
                "current_share": total / V,
                "value_basis": "given" if nd.value_given else "raw_material_estimate",
            }
        )
    df = pd.DataFrame(rows)
    df.attrs["audit"] = {**cat.audit(as_of=d, assume=assume), **pv.audit()}
    return df
