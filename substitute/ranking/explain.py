"""Plain-language explanations of a ranking: one sentence per candidate, the baseline's verdict, why
nothing qualified (the elimination table), and the substitution strategy each candidate follows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from substitute.properties.routes import FAMILY_FORMULAS
from substitute.ranking.evaluate import label_array
from substitute.ranking.requirements import Requirements

__all__ = [
    "STRATEGIES",
    "baseline_message",
    "elimination_table",
    "explain",
    "licence_measure",
    "nothing_message",
    "strategy_masks",
]

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

    route = label_array(table["route"])
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
        e: label_array(table[f"{e.lower()}_origin"])
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


def elimination_table(df: pd.DataFrame, req: Requirements) -> pd.DataFrame:
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


def baseline_message(row: pd.Series, req: Requirements) -> str:
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


def nothing_message(df: pd.DataFrame, elim: pd.DataFrame, req: Requirements) -> str:
    worst = elim.sort_values("eliminated_in_sequence", ascending=False).head(3)
    parts = [f"{r.constraint} eliminated {r.eliminated_in_sequence:,}" for r in worst.itertuples()]
    return (
        f"No candidate meets every requirement and threshold ({len(df):,} evaluated): "
        + "; ".join(parts)
        + ". The table lists the closest candidates first."
    )


def licence_measure(table: pd.DataFrame, req: Requirements) -> tuple[str, str, str]:
    """The quantity that decides the licence question for these candidates, for tables and plots.

    A value-share (or mass-share) condition that applies to some candidate → ``controlled_value_share``;
    otherwise an applicable any-content condition (a magnet made in China: No. 18/57 count any deliberate
    Dy/Tb content) → ``controlled_content_fraction``, the mass fraction of the elements the rule lists.

    Returns
    -------
    (column, short label, long label)
    """
    applies = {
        basis: any(
            f"status_{c.key}" in table
            and bool((table[f"status_{c.key}"].astype(str) != "not_applicable").any())
            for c in req.compliance
            if (c.basis == "any_content") == (basis == "any_content")
        )
        for basis in ("share", "any_content")
    }
    if applies["any_content"] and not applies["share"]:
        return (
            "controlled_content_fraction",
            "ctrl content",
            "content of the elements the applicable rules list (any deliberate content counts)",
        )
    return "controlled_value_share", "value share", "controlled value share"


def _cost_split(d: dict[str, Any]) -> str:
    """``; material 58.7 + processing 8.2`` (and the fine-grain gap) when the split is known."""
    if "processing_cost_usd_per_part" not in d:
        return ""
    text = (
        f"; material {float(d['material_cost_usd_per_part']):.1f} + processing "
        f"{float(d['processing_cost_usd_per_part']):.1f}"
    )
    grain = d.get("lever_grain_size_um")
    if grain is not None and float(grain) < 3.0 and str(d.get("route", "")).startswith("sintered"):
        text += ", fine-grain milling not costed (no source)"
    return text


def _combination_text(d: dict[str, Any]) -> str:
    """The combination evidence sentence (empty for fewer than two combined levers)."""
    combo = str(d.get("combination") or "")
    if not combo:
        return ""
    n = int(d.get("combination_sources", 0))
    if n <= 0:
        return f" Combination {combo}: not demonstrated in any calibration source."
    example = str(d.get("combination_example") or "")
    return f" Combination {combo}: {n} source(s), e.g. {example}."


def _fmt_pct(x: float) -> str:
    return f"{100 * x:.3g} %"


def explain(r: Any, base: pd.Series, req: Requirements) -> str:
    if isinstance(r, dict):
        d = r
    elif isinstance(r, pd.Series):
        d = cast(dict[str, Any], r.to_dict())
    else:
        msg = "explain: give a row as a dict or a pandas Series (column names are needed)"
        raise TypeError(msg)
    side = req.decision_value
    s = "_q" if "hcj_kA_per_m_q" in d else ""
    p_txt = f", P(meets) {float(d['p_meets']):.2f}" if "p_meets" in d else ""
    route = str(d.get("route", ""))
    what = d.get("changed_levers") or "the baseline recipe"
    what = what if route in FAMILY_FORMULAS else f"{what} ({route.replace('_', ' ')})"
    if route in FAMILY_FORMULAS:
        what = f"switches to {route}"
        if d.get("needs_redesign"):
            what += f" (needs ≈{d['volume_factor']:.1f}× magnet volume for the same flux)"
    share_applies = any(
        str(d.get(f"status_{c.key}", "")) != "not_applicable"
        for c in req.compliance
        if c.basis != "any_content"
    )
    measure_txt = (
        f"controlled value share {_fmt_pct(d['controlled_value_share'])}"
        if share_applies or "controlled_content_fraction" not in d
        else f"listed-element content {_fmt_pct(d['controlled_content_fraction'])} by mass; made in "
        "China, any deliberate content counts"
    )
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
    ev_txt = ""
    if "in_domain" in d and "evidence" in d:
        if d["in_domain"]:
            ev_txt = (
                f" Evidence: {int(d['evidence'])} calibration source(s) for its least-supported composition "
                "or GBD lever at this level (grain size and thickness are not counted)."
            )
        elif route not in FAMILY_FORMULAS:
            from substitute.properties.domain import reasons

            ev_txt = f" Outside the model's evidence: {reasons([int(d.get('domain_mask', 0))], route)[0]}."
    mat = d.get("maturity")
    mat_txt = (
        f" Maturity {mat}: {d.get('maturity_basis', '')}."
        if mat is not None and str(mat) != "industrial"
        else ""
    )
    return (
        f"{head}: {what}; at {req.temperature_C:g} °C HcJ {d['hcj_kA_per_m' + s]:.0f} kA/m and "
        f"Br {d['br_T' + s]:.3f} T ({side}), Tmax {d['tmax_C' + s]:.0f} °C{p_txt}; {lic_txt} "
        f"({measure_txt}); "
        f"cost {d['cost_usd_per_part']:.1f} USD per part ({cost_delta:+.0%} vs baseline{_cost_split(d)})."
        f"{mat_txt}{ev_txt}"
        f"{_combination_text(d)}"
    )
