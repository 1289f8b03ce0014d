"""Value shares of many candidate magnets at once (vectorised), for the ranking and what-if engines."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import numpy as np
import pandas as pd

from substitute.arrays import per_alloy
from substitute.compliance.bom import cn_share, normalise_origin
from substitute.compliance.catalog import Catalog, load_catalog
from substitute.compliance.content import as_alloys, forms_of, part_ii_rows
from substitute.compliance.evaluation import counted_prices, reaches, value_unit
from substitute.compliance.status import check_assume, parse_date, treat_status
from substitute.prices import price_vector

__all__ = ["BATCH_STATUSES", "value_share_batch"]

#: statuses of :func:`value_share_batch` (categorical codes 0-3)
BATCH_STATUSES = ("licence_required", "below_threshold", "not_controlled", "unknown_status")


# --------------------------------------------------------------------------------------------- batch
def value_share_batch(
    alloys: Any,
    *,
    mass_kg: float | np.ndarray,
    item_value_usd: float | np.ndarray | None = None,
    as_of: dt.date | str = "today",
    prices: Any = "ex_china_2025",
    origin: Any = "unknown",
    recycled_counts_as: Literal["non-CN", "CN"] = "non-CN",
    rule: str = "CN-MOFCOM-2025-61",
    limb: str | None = "1(1)",
    catalog: Catalog | None = None,
    assume: str = "in_force",
    form: str | None = None,
    family: str | None = None,
    labels: bool = True,
) -> pd.DataFrame:
    """Vectorised value-share test for many candidate magnets placed in one item (for ranking).

    For alloy *i* of the batch used as a magnet of mass ``mass_kg`` inside an item of value
    ``item_value_usd``: share_i = mass_kg · Σ_e w_ie · s_e · p_e / V_i over the rule's Part I elements.

    Parameters
    ----------
    alloys : Alloy, AlloyBatch or str
        Candidate materials (mass fractions, basis mass).
    mass_kg : float or array (n,)
        Magnet mass per item, kg.
    item_value_usd : float or array (n,), optional
        Value of the item tested, USD. Default: the magnet's own raw-material value (magnet level).
    origin : str or mapping
        Origin of the elements, as for :class:`Part` (unknown counts as China-origin).
    as_of : datetime.date or str, default "today"
        As for :func:`assess`.
    prices : str, mapping, path or PriceVector, default "ex_china_2025"
        As for :func:`assess`.
    recycled_counts_as : {"non-CN", "CN"}, default "non-CN"
        As for :func:`assess`.
    rule : str, default "CN-MOFCOM-2025-61"
        Rule set with a value-share test.
    limb : str or None, default "1(1)"
        Limb of ``rule`` with the value-share test.
    catalog : Catalog, optional
        As for :func:`assess`.
    assume : {"in_force", "suspended"}, default "in_force"
        As for :func:`assess`.
    form, family : str, optional
        What the alloys are (as for :func:`~substitute.compliance.content.controlled_content`); default
        inferred per alloy. Only a magnet of a listed family holding its trigger element is a Part II item
        (an Sm2Fe17N3 magnet is not a SmCo magnet).
    labels : bool, default True
        Include the ``alloy`` column (the alloys' names). A ranking of 10^6 unnamed candidates leaves it
        out: building a million labels costs more than the test itself.

    Returns
    -------
    pandas.DataFrame
        n rows: ``alloy, part_ii_item, controlled_value_cn_usd, item_value_usd, value_share, threshold,
        share_over_threshold, status_if_in_force, status, rule_status, treated_as, assumption, as_of``. ``status`` is
        ``unknown_status`` where the rule is ``status_unknown``, treated as suspended, and the item would
        need a licence if it were in force.
    """
    from substitute.prices import alloy_cost_per_kg

    b = as_alloys(alloys)
    n = len(b)
    cat = catalog if catalog is not None else load_catalog()
    d = parse_date(as_of)
    check_assume(assume)
    u = value_unit(cat, rule, limb)
    pv = price_vector(prices)
    org = normalise_origin(origin, "origin")
    m = per_alloy("mass_kg", mass_kg, n, "kg", lo=0.0, lo_open=True)
    counted = [e for e in u.counted if e in b.elements]
    w = np.stack([b.get_mass_fraction(e) for e in counted], axis=1) if counted else np.zeros((n, 0))
    s = np.array([cn_share(org.get(e, org["default"]), recycled_counts_as) for e in counted])
    need = [e for e, col, si in zip(counted, w.T, s, strict=True) if si > 0 and (col > 0).any()]
    got = dict(zip(need, counted_prices(pv, need), strict=True))
    price = np.array([got.get(e, 0.0) for e in counted])
    v_cn = m * (w @ (s * price)) if counted else np.zeros(n)
    if item_value_usd is None:
        V = alloy_cost_per_kg(b, pv) * m
    else:
        V = per_alloy("item_value_usd", item_value_usd, n, "USD", lo=0.0, lo_open=True)
    forms, fams, _ = forms_of(b, form, family)
    part_ii = part_ii_rows(u, b, forms, fams, None)
    # the schema requires a value on a value-share threshold
    assert u.threshold is not None
    assert u.threshold.value is not None
    T = float(u.threshold.value)
    share = v_cn / V
    comp = u.threshold.comparator if u.threshold else ">="
    caught = reaches(share, T, comp)
    # categorical columns (no per-row string objects): codes into BATCH_STATUSES
    code = np.where(part_ii, np.where(caught, 0, 1), 2).astype(np.int8)
    if_in_force = pd.Categorical.from_codes(code, categories=pd.Index(list(BATCH_STATUSES)))
    raw = u.raw_status(d)
    treated = treat_status(raw, assume)
    if treated != "in_force":
        unknown = raw == "status_unknown"
        code = np.where(unknown & (code == 0), 3, 2).astype(np.int8)
    status = pd.Categorical.from_codes(code, categories=pd.Index(list(BATCH_STATUSES)))
    cols: dict[str, Any] = {}
    if labels:
        names = list(b.names)
        cols["alloy"] = (
            pd.Categorical.from_codes(np.arange(n), categories=pd.Index(names))
            if len(set(names)) == n
            else names
        )
    df = pd.DataFrame(
        {
            **cols,
            "part_ii_item": part_ii,
            "controlled_value_cn_usd": v_cn,
            "item_value_usd": V,
            "value_share": share,
            "threshold": T,
            "share_over_threshold": share / T,
            "status_if_in_force": if_in_force,
            "status": status,
            "rule_status": _const(raw, n),
            "treated_as": _const(treated, n),
            "assumption": _const(assume, n),
            "as_of": _const(d.isoformat(), n),
        },
        copy=False,
    )
    df.attrs["audit"] = {**cat.audit(as_of=d, assume=assume), **pv.audit()}
    return df


def _const(value: str, n: int) -> pd.Categorical[str]:
    return pd.Categorical.from_codes(np.zeros(n, np.int8), categories=pd.Index([value]))
