"""Commercial sintered NdFeB grades: names ⇄ property bands, classification, typical chemistry.

Data: ``datasets/physics/grade_energy_bands.csv`` (Br and (BH)max by energy number) and
``datasets/physics/grade_suffixes.csv`` (HcJ minimum, Tw and typical β by suffix). Entries that the
reference marks as from memory keep ``confidence = "memory"`` in the returned band.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, cast

import numpy as np
import pandas as pd

from substitute import data
from substitute.errors import InputError
from substitute.properties import _tables as tb

__all__ = ["classify", "grade", "parse_grade", "typical_chemistry"]

# matched on the stripped name; one separator class between the parts, so matching is linear
_NAME = re.compile(r"^N?[\s-]*(\d{2})[\s-]*(M|H|SH|UH|EH|AH|TH)?$", re.IGNORECASE)


@cache
def _bands() -> pd.DataFrame:
    return data.read_csv("physics/grade_energy_bands.csv").set_index("number")


@cache
def _suffixes() -> pd.DataFrame:
    return data.read_csv("physics/grade_suffixes.csv").set_index("suffix")


def parse_grade(name: str) -> tuple[int, str]:
    """Split a sintered NdFeB grade name into (energy number, suffix).

    Parameters
    ----------
    name : str
        e.g. ``"N42SH"``, ``"42SH"``, ``"N52"`` (suffix N), ``"N38TH"`` (TH = AH).

    Returns
    -------
    (int, str)
        Energy number and suffix (``"N"`` for none).

    Raises
    ------
    InputError
        Not a grade name, unknown number, or a number above the highest made for the suffix.
    """
    from substitute.properties.catalogues import check_grade_text

    name = check_grade_text(name)
    m = _NAME.match(name)
    if not m:
        msg = (
            f"cannot read grade name {name!r}: expected N<number><suffix>, e.g. 'N42SH', with number in "
            f"{', '.join(map(str, _bands().index))} and suffix one of (none), M, H, SH, UH, EH, AH/TH"
        )
        raise InputError(msg)
    number = int(m.group(1))
    suffix = (m.group(2) or "N").upper()
    suffix = "AH" if suffix == "TH" else suffix
    if number not in _bands().index:
        msg = f"grade {name!r}: energy number {number} is not in the grade table; valid numbers: {', '.join(map(str, _bands().index))}"
        raise InputError(msg)
    top = int(cast(int, _suffixes().loc[suffix, "highest_number"]))
    if number > top:
        msg = (
            f"grade {name!r}: no commercial {suffix} grade above {top} in the grade table "
            f"(confidence: {_suffixes().loc[suffix, 'highest_number_confidence']!s})"
        )
        raise InputError(msg)
    return number, suffix


def _name(number: int, suffix: str) -> str:
    return f"N{number}{'' if suffix == 'N' else suffix}"


def grade(name: str, family: str | None = None, *, vendor: str | None = None) -> dict[str, Any]:
    """Property band of a grade: a standard sintered NdFeB grade from the ladder tables, any other name
    (SmCo, bonded, ferrite, vendor codes, GBD grades beyond the ladder) from the vendor catalogues.

    Parameters
    ----------
    name : str
        Grade name, e.g. ``"N42SH"``, ``"YXG28H"``, ``"BNP-8"``, ``"Y30BH"``.
    family : str, optional
        Family of the vendor catalogues (:data:`substitute.properties.catalogues.FAMILIES`); needed only
        for a name listed under several families. ``"sintered_ndfeb"`` or None tries the ladder first.
    vendor : str, optional
        One vendor's datasheet (a case-insensitive part of its name: ``"arnold"``, ``"K&J"``): the fields
        it prints replace the consensus band's, the others stay (``basis`` says which came from where).

    Returns
    -------
    dict
        ``name``, ``family`` (``"sintered_ndfeb"``), ``route``, ``number``, ``suffix``, ``br_min_T``, ``br_max_T``, ``bhmax_min_kJ_per_m3``,
        ``bhmax_max_kJ_per_m3``, ``hcj_min_kA_per_m``, ``tw_C`` (at Pc ≈ 2) and its alias ``tmax_C``,
        ``br_T`` and ``bhmax_kJ_per_m3`` as (min, max) tuples,
        ``beta_hcj_typical_pct_per_K``, ``alpha_br_typical_pct_per_K``, ``confidence`` (per field:
        source / memory) and ``source``. A name found in the vendor catalogues instead returns
        :func:`substitute.properties.catalogues.catalogue_band` (``family``, ``route``, band, medians of
        the coefficients and Tw, ``vendors``, ``sources``, ``basis``).

    Raises
    ------
    InputError
        Neither a ladder grade nor a listed name (the nearest listed names are given), or a name listed
        under several families without ``family``.
    """
    from substitute.properties.catalogues import catalogue_band, check_grade_text, nearest_names

    if family not in (None, "sintered_ndfeb"):
        return catalogue_band(name, family, vendor)
    name = check_grade_text(name)
    try:
        number, suffix = parse_grade(name)
    except InputError as ladder_error:
        try:
            return catalogue_band(name, family, vendor)
        except InputError:
            if _NAME.match(name):
                raise ladder_error from None  # a ladder-shaped name: the ladder's reason is the useful one
            near = nearest_names(name, family)
            hint = f"; nearest names in the vendor catalogues: {', '.join(near)}" if near else ""
            msg = f"{ladder_error}; no vendor catalogue (datasets/grades/vendor_grades.csv) lists it either{hint}"
            raise InputError(msg) from None
    b = cast(pd.Series, _bands().loc[number])
    s = cast(pd.Series, _suffixes().loc[suffix])
    band = {
        "name": _name(number, suffix),
        "family": "sintered_ndfeb",
        "route": "sintered",
        "number": number,
        "suffix": suffix,
        "br_min_T": float(b["br_min_T"]),
        "br_max_T": float(b["br_max_T"]),
        "bhmax_min_kJ_per_m3": float(b["bhmax_min_kJ_per_m3"]),
        "bhmax_max_kJ_per_m3": float(b["bhmax_max_kJ_per_m3"]),
        "hcj_min_kA_per_m": float(s["hcj_min_kA_per_m"]),
        "tw_C": float(s["tw_C"]),
        "beta_hcj_typical_pct_per_K": float(s["beta_hcj_typical_pct_per_K"]),
        "alpha_br_typical_pct_per_K": float(s["alpha_br_typical_pct_per_K"]),
        "br_T": (float(b["br_min_T"]), float(b["br_max_T"])),
        "bhmax_kJ_per_m3": (float(b["bhmax_min_kJ_per_m3"]), float(b["bhmax_max_kJ_per_m3"])),
        "tmax_C": float(s["tw_C"]),
        "confidence": {
            "br_bhmax": "source",
            "hcj_min": s["hcj_min_confidence"],
            "tw": s["tw_confidence"],
            "beta": s["beta_confidence"],
            "hre": s["hre_confidence"],  # the suffix's usual bulk Dy (hre="typical")
        },
        "source": f"bands: {b['source']}; suffix: {s['source']}",
    }
    return band if vendor is None else _vendor_band(band, vendor)


#: band field → the vendor-table columns that set it (the first printed one wins)
_VENDOR_FIELDS = {
    "br_min_T": ("br_min_T",),
    "br_max_T": ("br_max_T",),
    "hcj_min_kA_per_m": ("hcj_min_kA_per_m",),
    "bhmax_min_kJ_per_m3": ("bhmax_min_kJ_per_m3",),
    "bhmax_max_kJ_per_m3": ("bhmax_max_kJ_per_m3",),
    "tw_C": ("tw_C",),
    "beta_hcj_typical_pct_per_K": ("beta_hcj_pct_per_K",),
    "alpha_br_typical_pct_per_K": ("alpha_br_pct_per_K",),
}


def _vendor_band(band: dict[str, Any], vendor: str) -> dict[str, Any]:
    """A ladder band with one vendor's printed values in place of the consensus ones."""
    from substitute.properties.catalogues import _table, normalise, vendor_rows

    t = _table()
    rows = vendor_rows(
        t[(t["key"] == normalise(band["name"])) & (t["family"] == "sintered_ndfeb")],
        band["name"],
        vendor,
    )
    out = dict(band)
    taken, kept = [], []
    for field, cols in _VENDOR_FIELDS.items():
        vals = [pd.to_numeric(rows[c], errors="coerce").dropna() for c in cols]
        v = next((x for x in vals if len(x)), None)
        if v is None:
            kept.append(field)
            continue
        out[field] = float(
            v.max() if field.endswith("max_T") or field.startswith("bhmax_max") else v.min()
        )
        taken.append(field)
    typ = pd.to_numeric(rows["br_typ_T"], errors="coerce").dropna()
    if len(typ):  # a printed typical Br outside the band widens it (a datasheet's typical is sold)
        out["br_min_T"] = min(out["br_min_T"], float(typ.min()))
        out["br_max_T"] = max(out["br_max_T"], float(typ.max()))
        taken.append(f"typical Br {float(typ.median()):g} T (kept inside the band)")
    out["br_T"] = (out["br_min_T"], out["br_max_T"])
    out["bhmax_kJ_per_m3"] = (out["bhmax_min_kJ_per_m3"], out["bhmax_max_kJ_per_m3"])
    out["tmax_C"] = out["tw_C"]
    who = str(rows["vendor"].iloc[0])
    out["vendor"] = who
    out["vendors"] = [who]
    out["sources"] = sorted(set(rows["source_url"].astype(str)))
    out["basis"] = f"{who}'s datasheet for {', '.join(taken) or 'no field'}" + (
        f"; the ladder tables for {', '.join(kept)} (not printed by {who})" if kept else ""
    )
    out["source"] = f"{who}: {', '.join(out['sources'])}; {band['source']}"
    return out


@cache
def _n_floors() -> dict[int, float]:
    """Lowest HcJ minimum [kA/m] the vendor catalogues print for each plain N grade (N35, N52 …)."""
    v = data.read_csv("grades/vendor_grades.csv")
    n = v[(v["family"] == "sintered_ndfeb") & v["grade"].astype(str).str.fullmatch(r"N\d{2}")]
    floors = n.groupby("grade")["hcj_min_kA_per_m"].min().dropna()
    return {int(str(g)[1:]): float(x) for g, x in floors.items()}


def _classify_arrays(br: np.ndarray, hcj: np.ndarray, bh: np.ndarray) -> np.ndarray:
    bands = _bands()
    sufs = _suffixes().sort_values("order")
    numbers = bands.index.to_numpy()
    br_min = bands["br_min_T"].to_numpy()
    bh_min = bands["bhmax_min_kJ_per_m3"].to_numpy()
    # highest number whose Br and (BH)max minima the magnet reaches (bands overlap)
    ok_n = (br[:, None] >= br_min[None, :]) & (bh[:, None] >= bh_min[None, :] - 1e-9)
    idx_n = np.where(ok_n.any(1), ok_n.shape[1] - 1 - np.argmax(ok_n[:, ::-1], axis=1), -1)
    h_min = np.broadcast_to(sufs["hcj_min_kA_per_m"].to_numpy(), (len(br), len(sufs))).copy()
    # the plain-N floor of the high energy classes is what vendors sell: N48-N56 at HcJ >= 876 kA/m
    # (11 kOe), not the 955 kA/m of N30-N45 (datasets/grades/vendor_grades.csv)
    floors = _n_floors()
    n_col = int(np.flatnonzero(sufs.index.to_numpy() == "N")[0])
    row_floor = np.array(
        [floors.get(int(numbers[i]), h_min[0, n_col]) if i >= 0 else h_min[0, n_col] for i in idx_n]
    )
    h_min[:, n_col] = np.minimum(h_min[:, n_col], row_floor)
    ok_s = hcj[:, None] >= h_min
    idx_s = np.where(ok_s.any(1), ok_s.shape[1] - 1 - np.argmax(ok_s[:, ::-1], axis=1), -1)
    out = np.empty(len(br), dtype=object)
    tops = sufs["highest_number"].to_numpy()
    sfx = sufs.index.to_numpy()
    for k in range(len(br)):
        if idx_n[k] < 0 or idx_s[k] < 0:
            out[k] = None
            continue
        num = int(numbers[idx_n[k]])
        out[k] = _name(min(num, int(tops[idx_s[k]])), sfx[idx_s[k]])
    return out


def classify(properties: pd.DataFrame) -> pd.Series:
    """The grade a magnet would be sold as, from its room-temperature Br and HcJ.

    Parameters
    ----------
    properties : pandas.DataFrame
        Needs ``br_T`` [T] and ``hcj_kA_per_m`` [kA/m]; ``bhmax_kJ_per_m3`` [kJ/m³] if present
        (otherwise the linear-loop estimate Br²/(4μ0·1.05)); if ``temperature_C`` is present only
        rows at 20 °C are classified (others get None).

    Returns
    -------
    pandas.Series
        Grade name per row (``None`` if below N30 or below the N suffix's HcJ minimum); energy number
        = highest band whose Br and (BH)max minima the magnet reaches, capped at the highest number made with
        that suffix; suffix = highest whose HcJ minimum it meets.
    """
    missing = {"br_T", "hcj_kA_per_m"} - set(properties.columns)
    if missing:
        msg = f"classify needs columns br_T [T] and hcj_kA_per_m [kA/m]; missing {sorted(missing)}"
        raise InputError(msg)
    br = properties["br_T"].to_numpy(float)
    hcj = properties["hcj_kA_per_m"].to_numpy(float)
    if "bhmax_kJ_per_m3" in properties.columns:
        bh = properties["bhmax_kJ_per_m3"].to_numpy(float)
    else:  # linear-loop estimate Br²/(4 μ0 μrec), μrec = 1.05 (magnet-physics.md §2.3)
        bh = br * br / (4.0 * 4e-7 * np.pi * 1.05) / 1e3
    res = _classify_arrays(br, hcj, bh)
    if "temperature_C" in properties.columns:
        at20 = np.isclose(properties["temperature_C"].to_numpy(float), 20.0)
        res = np.where(at20, res, np.array(None, dtype=object))
    return pd.Series(res, index=properties.index, name="grade", dtype=object)


TRE_WINDOW = (29.0, 32.5)
"""Total rare earth of commercial sintered magnets, wt% (couragemagnet.com/faq/324.html; issue 13)."""


RATED_CONFIDENCE = 0.9
"""``hre="rated"``: P(Tmax ≥ Tw) required of a grade's chemistry (``Requirements(confidence=0.9)``)."""
RATED_PERMEANCE = 2.0
"""Permeance coefficient at which vendors rate Tw (magnet-physics.md §7 check 16)."""


def _br_factors(batch, route: str, kw: dict, band: dict, f0: float, bounds: tuple[float, float]):
    """Per grid chemistry, the Br factor (density × alignment) a magnet of this grade is made at, and the
    predictions at 20 °C with it.

    The route's ``f0`` where that puts Br inside the band; else the factor that puts Br mid-band (low grades
    are made with lower alignment and density than the industrial 0.965 — composition alone cannot lower
    an HRE-free magnet to N30-N40); where Br is in the band but (BH)max short of its floor (N54M: 412 of
    414 kJ/m³), the factor that reaches the floor ((BH)max ∝ Br²) under the band's Br ceiling. Always
    inside ``bounds``, the sintered evidence."""
    from substitute.properties.magnet import predict_arrays

    f_lo, f_hi = bounds
    br0 = predict_arrays(batch, route, [20.0], **kw)["br_T"][:, 0]
    mid = 0.5 * (band["br_min_T"] + band["br_max_T"])
    inside = (br0 >= band["br_min_T"]) & (br0 <= band["br_max_T"])
    factor = np.where(inside, f0, np.clip(f0 * mid / np.maximum(br0, 1e-6), f_lo, f_hi))
    arr = predict_arrays(batch, route, [20.0], **kw, br_factor=factor)
    br, bh = arr["br_T"][:, 0], arr["bhmax_kJ_per_m3"][:, 0]
    short = (br <= band["br_max_T"]) & (bh < band["bhmax_min_kJ_per_m3"]) & (bh > 0)
    if short.any():
        need = factor * np.sqrt(band["bhmax_min_kJ_per_m3"] / np.maximum(bh, 1e-9)) * 1.001
        room = factor * band["br_max_T"] / np.maximum(br, 1e-9)
        factor = np.where(short, np.minimum(np.minimum(need, room), f_hi), factor)
        arr = predict_arrays(batch, route, [20.0], **kw, br_factor=factor)
    return factor, arr


@tb.depends_on_params  # the chemistry follows the fitted parameters (set_override during a refit)
@cache
def _typical(name: str, route: str, hre: str = "rated", vendor: str | None = None):
    from substitute.composition import AlloyBatch
    from substitute.properties.domain import feature_bounds
    from substitute.properties.magnet import predict_arrays
    from substitute.properties.reference import reference_alloy
    from substitute.properties.routes import microstructure

    band = grade(name, vendor=vendor)
    if route not in ("sintered", "sintered_gbd"):
        msg = f"typical_chemistry covers route 'sintered' or 'sintered_gbd', got {route!r}"
        raise InputError(msg)
    base = reference_alloy("sintered").mass_fraction
    els = [*list(base.index), "Dy", "Tb"]
    tre_grid = np.arange(
        TRE_WINDOW[0], TRE_WINDOW[1] + 0.01, 0.25
    )  # wt% total RE, commercial window
    if route == "sintered":
        hre_grid = np.round(np.arange(0.0, 12.01, 0.1), 2)
    else:
        hre_grid = np.round(np.arange(0.0, 1.501, 0.05), 2)
    b_grid = np.array([0.90, 0.95, 1.00])  # wt% B, commercial window
    T, H, B = np.meshgrid(tre_grid, hre_grid, b_grid)
    T, H, B = T.ravel(), H.ravel(), B.ravel()
    ndpr0 = base["Nd"] + base["Pr"]
    rows = np.zeros((T.size, len(els)))
    for j, el in enumerate(els):
        if el in ("Nd", "Pr"):
            share = base[el] / ndpr0
            light = T / 100.0 - (H / 100.0 if route == "sintered" else 0.0)
            rows[:, j] = share * light
        elif el == "Dy":
            rows[:, j] = H / 100.0 if route == "sintered" else 0.0
        elif el == "Tb":
            rows[:, j] = 0.0 if route == "sintered" else H / 100.0
        elif el == "B":
            rows[:, j] = B / 100.0
        elif el != "Fe":
            rows[:, j] = base[el]
    fe = els.index("Fe")
    rows[:, fe] = 1.0 - rows.sum(axis=1)
    keep = (T - H) > 5.0 if route == "sintered" else np.ones(T.size, bool)
    rows, T, H, B = rows[keep], T[keep], H[keep], B[keep]
    batch = AlloyBatch(rows, els)
    kw = {}
    if route == "sintered_gbd":
        kw = {"gbd_element": "Tb", "gbd_mass_percent": H, "thickness_mm": 5.0}
    f0 = float(microstructure("sintered")["br_factor"])
    f_lo, f_hi = feature_bounds("br_factor", route)
    mid = 0.5 * (band["br_min_T"] + band["br_max_T"])
    factor, arr = _br_factors(batch, route, kw, band, f0, (f_lo, f_hi))
    kw["br_factor"] = factor
    br = arr["br_T"][:, 0]
    hcj = arr["hcj_kA_per_m"][:, 0]
    bh = arr["bhmax_kJ_per_m3"][:, 0]
    ok = (
        (br >= band["br_min_T"])
        & (hcj >= band["hcj_min_kA_per_m"])
        & (bh >= band["bhmax_min_kJ_per_m3"])
        & arr["in_domain"][:, 0]
    )
    # the grade's rating as a requirement: Tmax at Pc 2 (the vendors' Tw basis) reaches Tw with
    # P >= RATED_CONFIDENCE under the model's predictive distribution (the ranking's default rule)
    from substitute.properties.predictive import prob_at_least

    tw = float(band["tw_C"])
    at_tw = predict_arrays(batch, route, [tw], permeance=RATED_PERMEANCE, **kw)
    p_tw = prob_at_least(
        "tmax_C", at_tw["tmax_C"][:, 0], at_tw["tmax_C_lo"][:, 0], at_tw["tmax_C_hi"][:, 0], tw
    )
    rated_reached = bool((ok & (p_tw >= RATED_CONFIDENCE)).any())
    best = int(np.argmax(np.where(ok, p_tw, -1.0))) if ok.any() else -1  # the window's best rating
    if hre == "rated" and rated_reached:
        ok &= p_tw >= RATED_CONFIDENCE
    if hre == "typical":
        # the vendors' usual bulk heavy RE for the suffix (grade_suffixes.csv), not the least that works
        s = _suffixes().loc[band["suffix"]]
        target = 0.5 * (
            float(s["hre_bulk_min_mass_percent"]) + float(s["hre_bulk_max_mass_percent"])
        )
        at = np.isclose(H, H[np.argmin(np.abs(H - target))])
        # the vendors' content, whether or not the model says it reaches the grade: the info says which
        ok = at & (ok if (ok & at).any() else arr["in_domain"][:, 0])
    if not ok.any():
        # what would: the in-domain chemistry nearest the grade (the smallest worst relative shortfall)
        short = np.maximum.reduce(
            [
                1.0 - br / band["br_min_T"],
                1.0 - hcj / band["hcj_min_kA_per_m"],
                1.0 - bh / band["bhmax_min_kJ_per_m3"],
            ]
        )
        short = np.where(arr["in_domain"][:, 0], short, np.inf)
        near = ""
        if np.isfinite(short).any():
            j = int(np.argmin(short))
            gaps = [
                f"{what} {have:.4g} < {need:g} {unit} ({100 * (1 - have / need):.1f} % short)"
                for what, have, need, unit in (
                    ("Br", br[j], band["br_min_T"], "T"),
                    ("HcJ", hcj[j], band["hcj_min_kA_per_m"], "kA/m"),
                    ("(BH)max", bh[j], band["bhmax_min_kJ_per_m3"], "kJ/m³"),
                )
                if have < need
            ]
            near = (
                f"; nearest: {'Dy' if route == 'sintered' else 'Tb GBD'} {H[j]:g} wt%, TRE {T[j]:g} wt%, "
                f"B {B[j]:g} wt%, Br factor {factor[j]:.3f}: {'; '.join(gaps)}. It would take less heavy RE "
                "for the same HcJ (finer grains or more Ga/Cu, which the search holds at the reference "
                f"chemistry's) or a Br factor above the evidence's {f_hi:g}"
            )
        msg = (
            f"no chemistry on the search grid (TRE {TRE_WINDOW[0]:g}-{TRE_WINDOW[1]:g} wt%, B 0.90-1.00 wt%, {'Dy 0-12' if route == 'sintered' else 'Tb GBD 0-1.5'} wt%) "
            f"meets {band['name']} under the model (Br {band['br_min_T']}-{band['br_max_T']} T, "
            f"HcJ >= {band['hcj_min_kA_per_m']} kA/m, (BH)max >= {band['bhmax_min_kJ_per_m3']} kJ/m³)"
            f"{near}"
        )
        raise InputError(msg)
    # the least heavy RE that meets the grade; at that heavy-RE content, a Br inside the band (never more
    # Dy/Tb just to lower Br: real low grades have no heavy RE and lower alignment — the Br factor)
    in_band = ok & (br <= band["br_max_T"] + 1e-9) & (br >= band["br_min_T"] - 1e-9)
    least = H[ok].min()
    tier = ok & (least == H)
    cand = np.flatnonzero(tier & in_band) if (tier & in_band).any() else np.flatnonzero(tier)
    # the composition explains as much of the band as it can: the Br factor nearest the route's, then Br
    # nearest mid-band
    order = np.lexsort((np.abs(br[cand] - mid), np.round(np.abs(factor[cand] - f0), 4)))
    k = cand[order[0]]
    fk = float(factor[k])
    if not in_band[k]:
        br_note = (
            f"Br {br[k]:.3f} T is outside the band ({band['br_min_T']}-{band['br_max_T']} T) for every "
            f"chemistry in the window even at a Br factor (density × alignment) of {fk:.3f}, the end of "
            f"the sintered evidence ({f_lo:g}-{f_hi:g})"
        )
    elif abs(fk - f0) < 1e-9:
        br_note = f"Br inside the band at the route's Br factor (density × alignment) {f0:g}"
    else:
        br_note = (
            f"Br inside the band at a Br factor (density × alignment) of {fk:.3f} instead of the route's "
            f"{f0:g}: lower grades are made with lower alignment or density (the sintered evidence spans "
            f"{f_lo:g}-{f_hi:g}); predict this magnet with br_factor={fk:.3f}"
        )
    rating = (
        f"Tmax at Pc {RATED_PERMEANCE:g} reaches the grade's Tw ({band['tw_C']:g} °C) with "
        f"P >= {RATED_CONFIDENCE:g} under the model's predictive distribution"
    )
    how = {
        "typical": "the suffix's usual bulk Dy (middle of its range in physics/grade_suffixes.csv)",
        "least": "the least heavy RE whose Br, (BH)max and HcJ at 20 °C reach the grade minima under "
        "substitute.predict (inside the model domain)",
        "rated": "the least heavy RE whose Br, (BH)max and HcJ at 20 °C reach the grade minima and whose "
        f"{rating} (inside the model domain)"
        if rated_reached
        else f"no chemistry in the window meets the rating ({rating}): the best reaches P = "
        f"{p_tw[best]:.2f} at "
        f"{H[best]:g} wt% heavy RE, and more leaves the band or the evidence (the model's HcJ interval "
        "is wider than heavy RE can buy; a narrower one, from more evidence, or a lower confidence would "
        "meet it). Given instead: the least heavy RE whose Br, (BH)max and HcJ at 20 °C reach the grade "
        "minima, which does NOT meet the rating at that confidence",
    }[hre]
    hre = "Dy" if route == "sintered" else "Tb (GBD)"
    info = {
        "grade": band["name"],
        "route": route,
        "band": band.get(
            "basis", "the ladder tables (physics/grade_bands.csv, grade_suffixes.csv)"
        ),
        "method": (
            f"grid search over total RE ({TRE_WINDOW[0]:g}-{TRE_WINDOW[1]:g} wt%, the commercial window; "
            "Nd:Pr as in the reference base chemistry), B (0.90-1.00 wt%) and the heavy RE "
            f"({hre}); {how}, preferring Br inside the band, then the Br factor nearest the route's, then "
            f"Br closest to mid-band; {br_note}"
        ),
        "base_chemistry": "datasets/physics/reference_chemistries.csv: sintered_base",
        "tre_mass_percent": float(T[k]),
        "hre_mass_percent": float(H[k]),
        "hre_element": "Dy" if route == "sintered" else "Tb",
        "b_mass_percent": float(B[k]),
        "br_factor": fk,
        "br_factor_changed": abs(fk - f0) > 1e-9,
        "br_in_band": bool(in_band[k]),
        "meets_minima": bool(
            br[k] >= band["br_min_T"]
            and hcj[k] >= band["hcj_min_kA_per_m"]
            and bh[k] >= band["bhmax_min_kJ_per_m3"]
        ),
        "predicted_br_T": float(br[k]),
        "predicted_hcj_kA_per_m": float(hcj[k]),
        "predicted_bhmax_kJ_per_m3": float(bh[k]),
        "p_meets_tw": float(p_tw[k]),
        "meets_tw": bool(p_tw[k] >= RATED_CONFIDENCE),
    }
    return rows[k], tuple(els), info


def typical_chemistry(
    name: str,
    route: str = "sintered",
    return_info: bool = False,
    *,
    hre: str = "rated",
    vendor: str | None = None,
):
    """A chemistry that meets a grade under the property model (least heavy RE, or the suffix's usual).

    Parameters
    ----------
    name : str
        Grade, e.g. ``"N42SH"``.
    route : str, default "sintered"
        ``"sintered"`` (bulk Dy) or ``"sintered_gbd"`` (Tb by grain-boundary diffusion, 5 mm).
    return_info : bool, default False
        Also return a dict saying how the chemistry was derived.
    hre : {"rated", "least", "typical"}, default "rated"
        ``"rated"``: the least heavy RE that meets the grade's minima at 20 °C *and* its rating — Tmax at
        Pc 2 reaches the grade's Tw with P ≥ 0.9 under the model (the ranking's default confidence); with
        today's HcJ intervals that is more heavy RE than the least meeting the minima (how much, and for
        which grades, in the grade-ladder section of ``docs/validation.md``). Where no chemistry in the
        window meets the rating at that confidence, the least heavy RE meeting the minima, with
        ``meets_tw`` False and the reason in ``method``. ``"least"``: the least heavy RE that meets the
        minima at 20 °C only; ``"typical"``: the middle of the suffix's usual bulk heavy-RE range
        (``physics/grade_suffixes.csv``; route ``sintered``). The info's ``p_meets_tw`` is P(Tmax at Pc 2
        ≥ Tw) in every case.
    vendor : str, optional
        Meet one vendor's band for the grade (:func:`grade` with ``vendor=``) instead of the consensus.

    Returns
    -------
    Alloy or (Alloy, dict)
        Composition [mass basis]; its name states the grade and that it was derived by the model.

    Raises
    ------
    InputError
        Bad grade name, route, or no chemistry on the search grid meets the grade.
    """
    from substitute.composition import Alloy

    band = grade(name, vendor=vendor)
    if band["family"] != "sintered_ndfeb":
        return _family_chemistry(band, return_info)
    if hre not in ("least", "typical", "rated"):
        msg = f"hre must be 'least', 'typical' or 'rated', got {hre!r}"
        raise InputError(msg)
    if hre == "typical" and route != "sintered":
        msg = "hre='typical' is the suffix's usual bulk Dy: route 'sintered' only"
        raise InputError(msg)
    row, els, info = _typical(band["name"], route, hre, vendor)
    pct = {e: 100.0 * v for e, v in zip(els, row, strict=True) if v > 0}
    alloy = Alloy.from_mass_percent(
        pct,
        normalize=True,
        name=f"{band['name']}{' of ' + band['vendor'] if vendor else ''} typical ({route}, {hre} HRE under the substitute model"
        f"{', Br factor ' + format(info['br_factor'], '.3f') if info['br_factor_changed'] else ''})",
    )
    return (alloy, dict(info)) if return_info else alloy


def _family_chemistry(band: dict[str, Any], return_info: bool):
    """The representative chemistry of a non-NdFeB grade's family (properties are the family's envelope,
    not resolved by composition)."""
    from substitute.composition import Alloy
    from substitute.properties.reference import reference_alloy
    from substitute.properties.routes import FAMILY_FORMULAS

    route = band["route"]
    if route in FAMILY_FORMULAS:
        formula, note = FAMILY_FORMULAS[route]
        alloy = Alloy.from_formula(formula, name=f"{band['name']} ({band['family']}: {note})")
        how = f"the family's representative formula {formula} ({note})"
    else:
        alloy = reference_alloy(route).with_names(
            [f"{band['name']} ({band['family']}: route reference)"]
        )[0]
        how = f"the {route} reference chemistry (physics/reference_chemistries.csv)"
    info = {
        "grade": band["name"],
        "family": band["family"],
        "route": route,
        "method": f"{how}; the grade's band comes from the vendor catalogues ({', '.join(band['vendors'])})",
    }
    return (alloy, info) if return_info else alloy
