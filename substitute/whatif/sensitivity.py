"""One-at-a-time sensitivity: which price or assumption flips a design's verdict, and at what value.

For a value-share condition the share is linear in each price and each China share, so the value at
which the verdict flips is computed analytically:

- **crossing price** of element *e*: share(p) = (A + M·p) / (V₀ + M_v·p) with A the China-origin Part I
  value of the other elements, M = m·wₑ·sₑ the China-origin mass of *e* per unit, V₀ the item value
  without *e*'s contribution and M_v = m·wₑ when the item is the magnet itself (its value is its
  raw-material cost), else 0. p* = (T·V₀ − A) / (M − T·M_v): ``0`` when the item is over the threshold
  at any price, ``inf`` when it never gets there — the formula of
  :func:`substitute.compliance.crossing_price`;
- **crossing China share** of *e*: s* = (T·V − A′) / (m·wₑ·pₑ) (reported when it lies in 0…1);
- **crossing threshold**: the current share; **crossing item value**: China-origin value ÷ T;
- **assumption**: the verdict with ``status_unknown`` treated the other way.

Every crossing price is checked by bisection on the engine itself (``crossing_price_bisection_usd_per_kg``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, cast

import numpy as np
import pandas as pd

from substitute.errors import InputError
from substitute.whatif import engine as eng
from substitute.whatif.core import _designs, _scenarios, load_ranking_study
from substitute.whatif.scenarios import Scenario

__all__ = ["crossing_prices", "sensitivity"]

_STATUS = eng.STATUSES


def _bisect(f, lo: float, hi: float, target: float, iters: int = 200) -> float:
    """Smallest x in [lo, hi] with f(x) ≥ target (f non-decreasing), to machine precision."""
    if f(hi) < target:
        return math.inf
    if f(lo) >= target:
        return lo
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if f(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def sensitivity(
    designs: Any,
    scenarios: Scenario | Sequence[Scenario] | None = None,
    *,
    rules: Any = None,
    study: Any = "default",
    recycled_counts_as: str = "non-CN",
    check: bool = True,
) -> pd.DataFrame:
    """One-at-a-time sensitivity of each design's verdict under each scenario.

    Parameters
    ----------
    designs : Design or list of Design
    scenarios : Scenario or list of Scenario, optional
        Default: the base scenario.
    rules : optional
        Conditions as for :func:`whatif`; every value-share condition is analysed.
    study : "default", path, Study or None
        Source of the default conditions (as for :func:`whatif`).
    recycled_counts_as : {"non-CN", "CN"}
    check : bool, default True
        Check every crossing price by bisection on the engine.

    Returns
    -------
    pandas.DataFrame
        One row per (design, scenario, condition, input): ``design, scenario, condition, input, kind``
        (``price`` | ``origin_share`` | ``threshold`` | ``item_value`` | ``assumption``), ``unit,
        current_value, crossing_value, ratio_to_current`` (crossing ÷ current), ``direction`` (what the
        input must do to flip the verdict), ``verdict_now, verdict_beyond, note`` and, for prices,
        ``crossing_price_bisection_usd_per_kg`` and ``bisection_rel_diff``. Crossing prices are USD per kg of
        contained element. ``attrs["audit"]`` as for :func:`whatif`.
    """
    from substitute._version import __version__

    ds = _designs(designs)
    ss = _scenarios(scenarios)
    st = load_ranking_study(study)
    conds = [
        c
        for c in eng.resolve_conditions(rules, st.requirements if st is not None else None)
        if c.basis == "value_share"
    ]
    if not conds:
        msg = "sensitivity: no value-share condition among the rules"
        raise InputError(msg)
    prep = eng.prepare(ds, ss, conds, recycled_counts_as=recycled_counts_as)
    pl = prep.payload
    els = list(pl["elements"])
    rows: list[dict[str, Any]] = []
    for si, s in enumerate(ss):
        r = int(prep.rule_index[si])
        for di, d in enumerate(ds):
            bi = eng._block_inputs(pl, di, di + 1, si, si + 1)
            w = bi["W"][0]
            cn = bi["cn"][0, 0]
            p0 = pl["P0"][si]
            m = float(pl["m"][di])
            cen = eng.cell_central(prep, di, si)
            for j, (c, cd) in enumerate(zip(conds, pl["conds"], strict=True)):
                T = float(cd["T"][r])
                counted = cd["counted"][r]
                share = float(cen[f"share{j}"])
                status = _STATUS[int(cen[f"status{j}"])]
                vcn = m * float(np.sum(w * cn * counted * p0))
                if c.level == "magnet":
                    V = m * float(np.sum(w * p0))
                elif c.level == "assembly":
                    V = float(pl["v_asm"][di])
                else:
                    V = float(pl["v_part"][di])
                applicable = status not in ("not_applicable", "not_controlled")
                base = {"design": d.name, "scenario": s.name, "condition": c.key}

                def beyond(now: str, applicable: bool = applicable) -> str:
                    if not applicable:
                        return now
                    return "below_threshold" if now == "licence_required" else "licence_required"

                for e_i, e in enumerate(els):
                    if not counted[e_i] or w[e_i] <= 0:
                        continue
                    pe = float(p0[e_i])
                    M = m * w[e_i] * cn[e_i]
                    A = vcn - M * pe
                    if c.level == "magnet":
                        Mv = m * w[e_i]
                        V0 = V - Mv * pe
                    else:
                        Mv, V0 = 0.0, V
                    num, den = T * V0 - A, M - T * Mv
                    pstar = 0.0 if num <= 0 else (math.inf if den <= 0 else num / den)
                    row = {
                        **base,
                        "input": f"price of {e}",
                        "kind": "price",
                        "unit": "USD/kg",
                        "current_value": pe,
                        "crossing_value": pstar,
                        "ratio_to_current": pstar / pe if pe > 0 else math.inf,
                        "direction": "rise above" if share < T else "fall below",
                        "verdict_now": status,
                        "verdict_beyond": beyond(status)
                        if math.isfinite(pstar) and pstar > 0
                        else status,
                        "note": "never crosses: no China-origin share of this element"
                        if not math.isfinite(pstar)
                        else ("over the threshold at any price" if pstar == 0 else ""),
                        "crossing_price_bisection_usd_per_kg": np.nan,
                        "bisection_rel_diff": np.nan,
                    }
                    if check and math.isfinite(pstar) and pstar > 0:

                        def f(
                            p: float, e: str = e, di: int = di, si: int = si, j: int = j
                        ) -> float:
                            return float(
                                eng.cell_central(eng.with_price(prep, si, e, p), di, si)[
                                    f"share{j}"
                                ]
                            )

                        hi = max(4 * pstar, 4 * pe, 1.0)
                        pb = _bisect(f, 0.0, hi, T)
                        row["crossing_price_bisection_usd_per_kg"] = pb
                        row["bisection_rel_diff"] = abs(pb - pstar) / pstar
                    rows.append(row)
                    # China share of e at which the share reaches T (the value V does not depend on it)
                    other = vcn - M * pe
                    unit_val = m * w[e_i] * pe
                    s_star = (T * V - other) / unit_val if unit_val > 0 else math.inf
                    inside = 0.0 <= s_star <= 1.0
                    rows.append(
                        {
                            **base,
                            "input": f"China share of {e}",
                            "kind": "origin_share",
                            "unit": "fraction",
                            "current_value": float(cn[e_i]),
                            "crossing_value": s_star if inside else np.nan,
                            "ratio_to_current": s_star / cn[e_i]
                            if inside and cn[e_i] > 0
                            else np.nan,
                            "direction": "rise above" if share < T else "fall below",
                            "verdict_now": status,
                            "verdict_beyond": beyond(status) if inside else status,
                            "note": ""
                            if inside
                            else "no China share of this element alone flips the verdict",
                            "crossing_price_bisection_usd_per_kg": np.nan,
                            "bisection_rel_diff": np.nan,
                        }
                    )
                rows.append(
                    {
                        **base,
                        "input": "threshold",
                        "kind": "threshold",
                        "unit": "fraction",
                        "current_value": T,
                        "crossing_value": share,
                        "ratio_to_current": share / T if T > 0 else np.nan,
                        "direction": "fall below" if share < T else "rise above",
                        "verdict_now": status,
                        "verdict_beyond": beyond(status) if share > 0 else status,
                        "note": "",
                        "crossing_price_bisection_usd_per_kg": np.nan,
                        "bisection_rel_diff": np.nan,
                    }
                )
                if c.level != "magnet" and vcn > 0:
                    rows.append(
                        {
                            **base,
                            "input": f"{c.level} value",
                            "kind": "item_value",
                            "unit": "USD",
                            "current_value": V,
                            "crossing_value": vcn / T,
                            "ratio_to_current": vcn / T / V,
                            "direction": "fall below" if share < T else "rise above",
                            "verdict_now": status,
                            "verdict_beyond": beyond(status),
                            "note": "",
                            "crossing_price_bisection_usd_per_kg": np.nan,
                            "bisection_rel_diff": np.nan,
                        }
                    )
                raw = cd["raw"][r]
                if raw == "status_unknown":
                    other = "suspended" if s.assume == "in_force" else "in_force"
                    alt = replace(s, assume=other, name=f"{s.name} [{other}]")
                    p2 = eng.prepare([d], [alt], [c], recycled_counts_as=recycled_counts_as)
                    st2 = _STATUS[int(eng.cell_central(p2, 0, 0)["status0"])]
                    rows.append(
                        {
                            **base,
                            "input": "assume (status_unknown)",
                            "kind": "assumption",
                            "unit": "",
                            "current_value": np.nan,
                            "crossing_value": np.nan,
                            "ratio_to_current": np.nan,
                            "direction": f"{s.assume} → {other}",
                            "verdict_now": status,
                            "verdict_beyond": st2,
                            "note": f"{c.rule} is status_unknown on {cast(dt.date, s.as_of).isoformat()}",
                            "crossing_price_bisection_usd_per_kg": np.nan,
                            "bisection_rel_diff": np.nan,
                        }
                    )
    df = pd.DataFrame(rows)
    df.attrs["audit"] = {
        "substitute_version": __version__,
        "conditions": [c.key for c in conds],
        "scenarios": [
            {**s.describe(), **pv.audit()} for s, pv in zip(ss, prep.price_vectors, strict=True)
        ],
        "rule_settings": [
            prep.catalogs[i].audit(as_of=a, assume=b)
            for i, (a, b, _) in enumerate(prep.rule_settings)
        ],
        "recycled_counts_as": recycled_counts_as,
        "method": "analytical (linear share), checked by bisection on the engine"
        if check
        else "analytical",
    }
    return df


def crossing_prices(
    designs: Any,
    scenarios: Scenario | Sequence[Scenario] | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """The crossing-price rows of :func:`sensitivity`: one row per (design, scenario, condition, element).

    Returns
    -------
    pandas.DataFrame
        ``design, scenario, condition, element, price_usd_per_kg, crossing_price_usd_per_kg,
        price_ratio`` (crossing ÷ current), ``verdict_now, verdict_beyond, crossing_price_bisection_usd_per_kg,
        bisection_rel_diff, note``.
    """
    s = sensitivity(designs, scenarios, **kwargs)
    p = s[s["kind"] == "price"].copy()
    out = pd.DataFrame(
        {
            "design": p["design"].to_numpy(),
            "scenario": p["scenario"].to_numpy(),
            "condition": p["condition"].to_numpy(),
            "element": p["input"].str.replace("price of ", "", regex=False).to_numpy(),
            "price_usd_per_kg": p["current_value"].to_numpy(dtype=float),
            "crossing_price_usd_per_kg": p["crossing_value"].to_numpy(dtype=float),
            "price_ratio": p["ratio_to_current"].to_numpy(dtype=float),
            "verdict_now": p["verdict_now"].to_numpy(),
            "verdict_beyond": p["verdict_beyond"].to_numpy(),
            "crossing_price_bisection_usd_per_kg": p[
                "crossing_price_bisection_usd_per_kg"
            ].to_numpy(dtype=float),
            "bisection_rel_diff": p["bisection_rel_diff"].to_numpy(dtype=float),
            "note": p["note"].to_numpy(),
        }
    )
    out.attrs["audit"] = s.attrs["audit"]
    return out
