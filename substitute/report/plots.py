"""Plots of the design review: Pareto front, Br–HcJ map, demagnetisation curves, content and cost.

Every function takes plain inputs (a :class:`~substitute.ranking.rank.RankResult`, alloys, or a small
DataFrame), draws on the ``ax`` it is given (or on a new figure), never shows or saves anything, and
returns the :class:`matplotlib.axes.Axes`. The same calls therefore work in a notebook and in the HTML
report::

    import substitute as sb

    res = sb.run_study(sb.load_study(None))
    sb.plot.pareto(res)
    sb.plot.br_hcj_map(res)
    sb.plot.demag([res.candidate(0), "Nd22.5 Pr6.5 Dy2 Co1 B0.95 Fe bal"], temperatures_C=(20, 150),
                  permeance=2.0)

Colour scheme shared by all plots: the baseline is a black star (black bars), qualifying candidates are
in colour, candidates that do not qualify are light grey, thresholds and requirement limits are red dashed
lines. Styles are applied with :func:`matplotlib.rc_context`, so global ``rcParams`` are never changed.
Results of a million candidates are subsampled deterministically before drawing (see ``max_points``).

:func:`to_svg` turns a figure into an inline SVG string for the self-contained HTML report; text is drawn
as paths, so the page does not depend on installed fonts.

Size: eight figure functions (five of the review, three of what-if studies: :func:`whatif_costs`,
:func:`crossing_prices`, :func:`fleet_exposure`) sharing one style, one subsampling rule and one SVG writer.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import CenteredNorm, to_rgb
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory

from substitute.errors import InputError

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "br_hcj_map",
    "content",
    "cost_breakdown",
    "crossing_prices",
    "demag",
    "fleet_exposure",
    "pareto",
    "to_svg",
    "whatif_costs",
]

MU0 = 4e-7 * np.pi  #: vacuum permeability, T·m/A
OTHER = "0.82"  #: light grey: candidates that do not qualify, the "other" cost slice


class _MarkerStyle(TypedDict):
    marker: str
    color: str
    s: float
    edgecolors: str
    linewidths: float


class _LineStyle(TypedDict):
    color: str
    linestyle: str
    linewidth: float


BASELINE: _MarkerStyle = {
    "marker": "*",
    "color": "black",
    "s": 260,
    "edgecolors": "white",
    "linewidths": 0.6,
}
THRESHOLD: _LineStyle = {"color": "red", "linestyle": "--", "linewidth": 1.2}
GRADE_EDGE = "0.35"
#: one colour per magnet (red is reserved for thresholds); "baseline" is always black
PALETTE = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown", "tab:pink", "tab:olive",
           "tab:cyan", "tab:gray")  # fmt: skip
ROUTE_COLORS = {"sintered": "tab:blue", "sintered_gbd": "tab:green", "hot_deformed": "tab:purple",
                "sm2co17": "tab:brown", "smco5": "tab:orange", "ferrite": "tab:olive",
                "smfen_bonded": "tab:cyan"}  # fmt: skip
ELEMENT_COLORS = {"Nd": "tab:blue", "Pr": "#9ecae1", "Dy": "tab:orange", "Tb": "tab:purple",
                  "Ho": "tab:pink", "Fe": "tab:brown", "Co": "tab:green", "B": "tab:olive",
                  "Ce": "#fdd0a2", "La": "#c7e9c0", "Sm": "tab:cyan", "Ga": "#dadaeb",
                  "Cu": "#d9a066", "Al": "#bcbddc", "other": OTHER, "processing": "0.45"}  # fmt: skip
_RC: dict[RcKeyType, Any] = {"font.size": 9, "axes.titlesize": 9.5, "axes.labelsize": 9, "legend.fontsize": 7.5,
       "legend.framealpha": 0.85, "svg.hashsalt": "substitute"}  # fmt: skip
_TOP = 50  # best rows (by ``order``) always drawn
_RASTER = 3000  # scatter layers with more points are rasterised in vector output
_UNITS = (("_kA_per_m", "kA/m"), ("_kJ_per_m3", "kJ/m³"), ("_usd_per_part", "USD"),
          ("_usd_per_kg", "USD/kg"), ("_kg", "kg"), ("_T", "T"), ("_C", "°C"))  # fmt: skip


# ------------------------------------------------------------------------------------------ helpers
def _require(frame: Any, required: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        msg = f"{what} must be a pandas DataFrame, got {type(frame).__name__}"
        raise InputError(msg)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = (
            f"{what} has no column {', '.join(map(repr, missing))}; "
            f"required columns: {', '.join(required)}"
        )
        raise InputError(msg)
    return frame


def _table(result: Any, required: Sequence[str]) -> pd.DataFrame:
    table = getattr(result, "table", None)
    if not isinstance(table, pd.DataFrame):
        msg = f"result must be a RankResult (with a .table DataFrame), got {type(result).__name__}"
        raise InputError(msg)
    return _require(table, list(dict.fromkeys(required)), "result.table")


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    elif not isinstance(ax, Axes):
        msg = f"ax must be a matplotlib Axes or None, got {type(ax).__name__}"
        raise InputError(msg)
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.set_axisbelow(True)
    return ax


def _is_share(col: str) -> bool:
    return (
        col in ("controlled_value_share", "controlled_content_fraction")
        or col.startswith("share_")
        or col.endswith("_share")
    )


def _licence_column(result: Any) -> str:
    """The licence quantity that applies to a ranking (value share, or any-content for China-made)."""
    from substitute.ranking.explain import licence_measure

    table, req = getattr(result, "table", None), getattr(result, "requirements", None)
    if not isinstance(table, pd.DataFrame) or req is None:
        return "controlled_value_share"
    return licence_measure(table, req)[0]


def _label(col: str, result: Any) -> str:
    """Axis label with unit for a column of ``RankResult.table``."""
    req = getattr(result, "requirements", None)
    at = f" at {req.temperature_C:g} °C" if req is not None else ""
    levels = {c.level for c in getattr(req, "compliance", ()) if c.basis != "any_content"}
    known = {
        "cost_usd_per_part": "raw-material cost per part (USD)",
        "cost_usd_per_kg": "raw-material cost (USD per kg of magnet)",
        "controlled_value_share": "controlled value share of the "
        f"{levels.pop() if len(levels) == 1 else 'item'} (%)",
        "hcj_margin_kA_per_m": f"HcJ margin{at} (kA/m)",
        "hcj_kA_per_m": f"HcJ{at} (kA/m)",
        "br_T": f"Br{at} (T)",
        "bhmax_kJ_per_m3": f"(BH)max{at} (kJ/m³)",
        "tmax_C": "maximum working temperature (°C)",
        "controlled_mass_cn_kg": "China-origin controlled heavy-RE mass per part (kg)",
        "controlled_content_fraction": "content of the elements the rules list, % by mass "
        "(made in China: any deliberate content needs a licence)",
    }
    if col in known:
        return known[col]
    if col.endswith("_q") and col[:-2] in known and req is not None:
        return (
            f"{known[col[:-2]][:-1]}, {req.decision_value})"  # "HcJ at 150 °C (kA/m, 10% quantile)"
        )
    for c in getattr(req, "compliance", ()):
        if col == f"share_{c.key}":
            limb = f" {c.limb}" if c.limb else ""
            return f"{c.rule}{limb}: {c.basis.replace('_', ' ')} of the {c.level} (%)"
    if _is_share(col):
        return f"{col} (%)"
    for suffix, unit in _UNITS:
        if col.endswith(suffix):
            return f"{col[: -len(suffix)].replace('_', ' ')}{at} ({unit})"
    return f"{col.replace('_', ' ')} (–)"


def _front1(table: pd.DataFrame) -> np.ndarray:
    return table["qualifies"].to_numpy(bool) & (table["pareto_rank"].to_numpy() == 1)


def _subsample(table: pd.DataFrame, max_points: int) -> np.ndarray:
    """Row positions to draw: all rows, or above ``max_points`` every k-th row plus the first Pareto
    front and the 50 best rows by ``order`` (deterministic)."""
    if (
        isinstance(max_points, bool)
        or not isinstance(max_points, int | np.integer)
        or max_points < 1
    ):
        msg = f"max_points must be a positive integer, got {max_points!r}"
        raise InputError(msg)
    n = len(table)
    if n <= max_points:
        return np.arange(n)
    keep = _front1(table)
    order = table["order"].to_numpy() if "order" in table.columns else np.arange(n)
    keep[np.argpartition(order, min(_TOP, n) - 1)[:_TOP]] = True
    rest = np.flatnonzero(~keep)
    step = math.ceil(rest.size / max(max_points - int(keep.sum()), 1))
    keep[rest[::step]] = True
    return np.flatnonzero(keep)


def _pct(v: float) -> str:
    return f"{v * 100:.3g} %"


def _rule_label(rule: str) -> str:
    m = re.search(r"(\d+)$", rule)
    return f"No. {m.group(1)}" if m else rule


def _share_thresholds(result: Any, y: str) -> list[tuple[str, float]]:
    """(label, threshold as a fraction) of the share conditions plotted on ``y``."""
    req = getattr(result, "requirements", None)
    out: list[tuple[str, float]] = []
    for c in getattr(req, "compliance", ()):
        if c.basis == "any_content" or y not in ("controlled_value_share", f"share_{c.key}"):
            continue
        col = result.table.get(f"threshold_{c.key}")
        values = pd.unique(col.dropna()) if col is not None else []
        if not len(values) and c.threshold is not None:
            values = [c.threshold]
        basis = "" if c.basis == "value_share" else " (mass share)"
        out += [(f"{_rule_label(c.rule)} threshold {_pct(v)}{basis}", float(v)) for v in values]
    return out


def _shown_note(ax: Axes, shown: int, total: int) -> None:
    if shown < total:
        ax.text(0.99, 0.01, f"{shown:,} of {total:,} candidates drawn (front 1 and top {_TOP} all)",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="0.35")  # fmt: skip


def _baseline(result: Any, cols: Sequence[str]) -> tuple[float, ...] | None:
    base = getattr(result, "baseline", None)
    if not isinstance(base, pd.Series) or any(c not in base.index for c in cols):
        return None
    return tuple(float(base[c]) for c in cols)


# -------------------------------------------------------------------------------------------- plots
def pareto(
    result: Any,
    *,
    x: str = "cost_usd_per_part",
    y: str | None = None,
    color: str | None = "hcj_margin_kA_per_m",
    ax: Axes | None = None,
    max_points: int = 20000,
) -> Axes:
    """Scatter of the ranked candidates with the first Pareto front, the baseline and the thresholds.

    Parameters
    ----------
    result : RankResult
        Output of :func:`substitute.rank_substitutes` / :func:`substitute.run_study`; values in its table
        are at the operating temperature ``result.requirements.temperature_C``.
    x : str, default "cost_usd_per_part"
        Column of ``result.table`` on the x axis.
    y : str, optional
        Column of ``result.table`` on the y axis. Default: the quantity of the licence condition that
        applies — ``controlled_value_share``, or for a magnet made in China (where only the any-content
        rules apply) ``controlled_content_fraction``, the content of the elements they list. Share columns (``controlled_value_share``, ``share_<key>``,
        fractions) are drawn in percent; ``y`` turns logarithmic when it has no negative values and
        its positive values span more than two decades, with zeros clipped to a stated floor.
    color : str or None
        Column colouring the qualifying candidates on a diverging map centred at 0 (default: HcJ margin,
        kA/m); None draws them in one colour.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    max_points : int
        Above this many rows, every k-th row is drawn, plus every first-front row and the 50 best rows.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InputError
        ``result`` is not a ranking result, a named column is missing, or ``max_points`` < 1.
    """
    if y is None:
        y = _licence_column(result)
    cols = [x, y, "qualifies", "pareto_rank"] + ([color] if color else [])
    table = _table(result, cols)
    idx = _subsample(table, max_points)
    xs = table[x].to_numpy(float)[idx]
    scale = 100.0 if _is_share(y) else 1.0
    ys = table[y].to_numpy(float)[idx] * scale
    q = table["qualifies"].to_numpy(bool)[idx]
    front = q & (table["pareto_rank"].to_numpy()[idx] == 1)
    thresholds = [(lab, v * scale) for lab, v in _share_thresholds(result, y)] if scale != 1 else []
    base = _baseline(result, (x, y))
    finite = ys[np.isfinite(ys)]
    pos = finite[finite > 0]
    log = pos.size > 0 and pos.max() > 100 * pos.min() and bool((finite >= 0).all())
    floor = pos.min() / 2 if log else None
    if log:
        ys = np.where(ys <= 0, floor, ys)
    n_q, n = int(table["qualifies"].sum()), len(table)
    with mpl.rc_context(_RC):
        ax = _axes(ax, (7.5, 5.0))
        ax.scatter(xs[~q], ys[~q], s=5, c=OTHER, linewidths=0, zorder=1, rasterized=(~q).sum() > _RASTER,
                   label=f"does not qualify ({n - n_q:,})")  # fmt: skip
        kw: dict[str, Any] = {"c": "tab:blue"}
        if color:
            kw = {
                "c": table[color].to_numpy(float)[idx][q],
                "cmap": "RdBu",
                "norm": CenteredNorm(0),
            }
        sc = ax.scatter(xs[q], ys[q], s=14, linewidths=0.3, edgecolors="0.3", zorder=3,
                        rasterized=q.sum() > _RASTER, label=f"qualifies ({n_q:,})", **kw)  # fmt: skip
        if color and q.any():
            ax.figure.colorbar(sc, ax=ax, label=_label(color, result), pad=0.01)
        o = np.argsort(xs[front], kind="stable")
        ax.step(xs[front][o], ys[front][o], where="post", color="black", linewidth=1.1, zorder=4,
                gid="pareto_front", label=f"first Pareto front ({int(front.sum())})")  # fmt: skip
        if base is not None:
            by = base[1] * scale
            by = cast(float, floor) if log and by <= 0 else by
            ax.scatter([base[0]], [by], zorder=6, label="baseline", **BASELINE)
        for lab, v in thresholds:
            if v > 0 or not log:
                ax.axhline(v, zorder=5, label=lab, gid="threshold", **THRESHOLD)
        if log:
            ax.set_yscale("log")
            ax.text(0.01, 0.01, f"log axis: zeros drawn at {floor:.2g}{' %' if scale != 1 else ''}", transform=ax.transAxes,
                    fontsize=7, color="0.35", va="bottom")  # fmt: skip
        elif _is_share(y):
            ax.set_ylim(bottom=0.0)  # shares are never negative
        _shown_note(ax, len(idx), n)
        ax.set_xlabel(_label(x, result))
        ax.set_ylabel(_label(y, result))
        ax.legend(loc="best")
    return ax


def br_hcj_map(
    result: Any,
    *,
    grades: Sequence[str] = ("N42SH", "N45SH", "N40UH", "N38EH", "N35AH", "N48H"),
    ax: Axes | None = None,
    max_points: int = 20000,
) -> Axes:
    """Br against HcJ at the operating temperature, with requirement lines and commercial grade boxes.

    Points are at the quantile the requirements test (``br_T_q``, ``hcj_kA_per_m_q``; central when the
    table has no such columns), the values that decide ``qualifies``: a qualifying point never lies below
    a requirement line.

    Grade boxes are the 20 °C minimums of :func:`substitute.properties.grades.grade` carried to the operating
    temperature T with the typical linear coefficients, Br(T) = Br20·(1 + α(T − 20)/100) and
    HcJ(T) = HcJ20·(1 + β(T − 20)/100) (α, β in %/K); each box runs from (HcJ_min(T), Br_min(T)) to
    the right edge of the plot at Br_max(T). The linear carry is an approximation, worst for low-HcJ
    grades far from 20 °C.

    Parameters
    ----------
    result : RankResult
        Ranking result with ``requirements`` set (its ``temperature_C``, ``min_br_T``,
        ``min_hcj_kA_per_m`` are drawn).
    grades : sequence of str
        Grade names, e.g. ``"N42SH"``; an unknown name raises.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.
    max_points : int
        Subsampling limit, as in :func:`pareto`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InputError
        Not a ranking result, missing column, no requirements, unknown grade name, ``max_points`` < 1.
    """
    from substitute.properties.grades import grade

    table = _table(result, ["hcj_kA_per_m", "br_T", "qualifies", "pareto_rank", "route"])
    req = getattr(result, "requirements", None)
    if req is None:
        msg = (
            "result.requirements is None: the operating temperature is needed to place grade boxes"
        )
        raise InputError(msg)
    t_c = float(req.temperature_C)
    boxes = []
    for name in (grades,) if isinstance(grades, str) else grades:
        g = grade(name)
        k_br, k_h = (
            1 + g[f"{c}_typical_pct_per_K"] * (t_c - 20.0) / 100 for c in ("alpha_br", "beta_hcj")
        )
        boxes.append(
            (g["name"], g["hcj_min_kA_per_m"] * k_h, g["br_min_T"] * k_br, g["br_max_T"] * k_br)
        )
    s = "_q" if {"hcj_kA_per_m_q", "br_T_q"} <= set(table.columns) else ""
    idx = _subsample(table, max_points)
    h = table[f"hcj_kA_per_m{s}"].to_numpy(float)[idx]
    br = table[f"br_T{s}"].to_numpy(float)[idx]
    q = table["qualifies"].to_numpy(bool)[idx]
    route = table["route"].to_numpy()[idx]
    base = _baseline(result, (f"hcj_kA_per_m{s}", f"br_T{s}"))
    hs = [*h, *(b[1] for b in boxes), *([base[0]] if base else []), req.min_hcj_kA_per_m or 0]
    brs = [*br, *(v for b in boxes for v in b[2:]), *([base[1]] if base else [])]
    x_hi = np.nanmax(hs) * 1.08
    y_lo, y_hi = np.nanmin(brs), np.nanmax(brs)
    pad = 0.04 * (y_hi - y_lo) + 0.01
    with mpl.rc_context(_RC):
        ax = _axes(ax, (7.5, 5.0))
        ax.scatter(h[~q], br[~q], s=5, c=OTHER, linewidths=0, zorder=1, rasterized=(~q).sum() > _RASTER,
                   label="does not qualify")  # fmt: skip
        for i, r in enumerate(pd.unique(route[q])):
            m = q & (route == r)
            ax.scatter(h[m], br[m], s=12, linewidths=0, zorder=3, rasterized=m.sum() > _RASTER,
                       color=ROUTE_COLORS.get(r, PALETTE[i % len(PALETTE)]), label=f"qualifies: {r}")  # fmt: skip
        if base is not None:
            ax.scatter([base[0]], [base[1]], zorder=6, label="baseline", **BASELINE)
        if req.min_br_T is not None:
            ax.axhline(req.min_br_T, label=f"min Br {req.min_br_T:g} T", zorder=5, **THRESHOLD)
        if req.min_hcj_kA_per_m is not None:
            ax.axvline(req.min_hcj_kA_per_m, label=f"min HcJ {req.min_hcj_kA_per_m:g} kA/m", zorder=5,
                       **THRESHOLD)  # fmt: skip
        for name, h0, b0, b1 in boxes:
            ax.add_patch(Rectangle((h0, b0), x_hi - h0, b1 - b0, fill=False, edgecolor=GRADE_EDGE,
                                   linewidth=0.9, zorder=2, gid=f"grade:{name}"))  # fmt: skip
            ax.text(h0, b1, f" {name}", ha="left", va="bottom", fontsize=7, color=GRADE_EDGE,
                    clip_on=True, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.6,
                                        "pad": 0.3})  # fmt: skip
        ax.set_xlim(0, x_hi)
        ax.set_ylim(y_lo - pad, y_hi + pad)
        _shown_note(ax, len(idx), len(table))
        ax.set_title(f"Br and HcJ at {t_c:g} °C; grade boxes: 20 °C minimums carried to {t_c:g} °C "
                     "with typical α, β", fontsize=8.5)  # fmt: skip
        ax.set_xlabel(_label(f"hcj_kA_per_m{s}", result))
        ax.set_ylabel(_label(f"br_T{s}", result))
        ax.legend(loc="lower left")
    return ax


def _magnets(magnets: Any) -> list[tuple[Any, str, dict[str, Any]]]:
    from substitute.composition import Alloy

    try:
        items = [magnets] if isinstance(magnets, Alloy | str | Mapping) else list(magnets)
    except TypeError:
        items = [magnets]  # reported below as an unsupported entry
    if not items:
        msg = (
            "magnets is empty: give an Alloy, a composition string or a RankResult.candidate() dict"
        )
        raise InputError(msg)
    out = []
    for i, m in enumerate(items):
        route, params = "sintered", {}
        if isinstance(m, Mapping):
            if "alloy" not in m:
                msg = f"magnets[{i}]: a dict needs the key 'alloy' (optional 'route', 'route_params'); got {', '.join(map(str, m))}"
                raise InputError(msg)
            route, params = str(m.get("route", route)), dict(m.get("route_params") or {})
            m = m["alloy"]
        if isinstance(m, str):
            m = Alloy.parse(m, basis="mass")
        if not isinstance(m, Alloy):
            msg = f"magnets[{i}]: expected an Alloy, a composition string (mass basis) or a dict, got {type(m).__name__}"
            raise InputError(msg)
        out.append((m, route, params))
    return out


def _short(name: str | None, i: int) -> str:
    name = str(name or f"magnet {i + 1}")
    return name if len(name) <= 32 else name.split(":")[0][:32]


def _lighten(color: Any, f: float) -> tuple[float, float, float]:
    return tuple(c + (1 - c) * f for c in to_rgb(color))  # type: ignore[return-value]


def _working_point(h: np.ndarray, b: np.ndarray, pc: float) -> tuple[float, float] | None:
    f = b + pc * MU0 * h * 1e3  # B − load line, with H from 0 towards −HcJ
    cross = np.flatnonzero((f[:-1] > 0) & (f[1:] <= 0))
    if not cross.size:
        return None
    i = cross[0]
    t = f[i] / (f[i] - f[i + 1])
    return h[i] + t * (h[i + 1] - h[i]), b[i] + t * (b[i + 1] - b[i])


def demag(
    magnets: Any,
    *,
    temperatures_C: Sequence[float] = (20.0, 150.0),
    permeance: float | None = None,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Second-quadrant demagnetisation curves, J (dashed) and B (solid) against H, with the load line.

    Parameters
    ----------
    magnets : Alloy, str, dict or a list of them
        An :class:`~substitute.Alloy` (sintered route), a composition string (mass basis, sintered) or a
        dict as :meth:`RankResult.candidate` returns (``alloy``, ``route``, ``route_params``).
    temperatures_C : sequence of float
        Temperatures, °C; later temperatures are drawn lighter.
    permeance : float, optional
        Permeance coefficient Pc > 0: draws the load line B = −Pc·μ0·H and marks the working point of
        each B curve on it.
    labels : sequence of str, optional
        One legend label per magnet (default: the alloy names, shortened).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        H in kA/m from −HcJ (largest) to 0, J and B in T from 0 to 1.05·Br (largest).

    Raises
    ------
    InputError
        Bad magnet entry, label count, temperature list or permeance.
    """
    from substitute.properties.magnet import demag_curve

    mags = _magnets(magnets)
    temps = [float(t) for t in np.atleast_1d(temperatures_C)]
    if not temps or not np.isfinite(temps).all():
        msg = f"temperatures_C must be a non-empty sequence of finite °C values, got {temperatures_C!r}"
        raise InputError(msg)
    if permeance is not None and not (
        isinstance(permeance, int | float | np.number) and np.isfinite(permeance) and permeance > 0
    ):
        msg = f"permeance must be a positive number (Pc, e.g. 2.0) or None, got {permeance!r}"
        raise InputError(msg)
    if labels is not None and len(labels) != len(mags):
        msg = f"labels has {len(labels)} entries for {len(mags)} magnets; give one label per magnet"
        raise InputError(msg)
    labels = (
        [str(s) for s in labels]
        if labels is not None
        else [_short(m[0].name, i) for i, m in enumerate(mags)]
    )
    curves = [[demag_curve(a, r, t, **p) for t in temps] for a, r, p in mags]
    h_min = min(c["h_kA_per_m"].min() for cs in curves for c in cs)
    j_max = max(c["j_T"].max() for cs in curves for c in cs)
    with mpl.rc_context(_RC):
        ax = _axes(ax, (7.0, 4.8))
        for i, (cs, lab) in enumerate(zip(curves, labels, strict=True)):
            base_c = PALETTE[i % len(PALETTE)]
            for k, (t, c) in enumerate(zip(temps, cs, strict=True)):
                col = _lighten(base_c, 0.5 * k / max(len(temps) - 1, 1))
                h, b = c["h_kA_per_m"].to_numpy(), c["b_T"].to_numpy()
                ax.plot(h, c["j_T"], color=col, linestyle="--", linewidth=1.2)
                ax.plot(h, b, color=col, linewidth=1.6, label=f"{lab} @ {t:g} °C", gid="b_curve")
                wp = _working_point(h, b, permeance) if permeance is not None else None
                if wp is not None:
                    ax.plot(*wp, marker="o", color=col, markeredgecolor="black", zorder=5,
                            linestyle="none", gid="working_point")  # fmt: skip
        if permeance is not None:
            hl = np.array([min(h_min, -1.0), 0.0])
            ax.plot(hl, -permeance * MU0 * hl * 1e3, color="0.25", linewidth=1.0, linestyle="-.",
                    gid="load_line", label=f"load line Pc = {permeance:g}")  # fmt: skip
        ax.set_xlim(min(h_min, -1.0), 0.0)
        ax.set_ylim(0.0, max(j_max, 0.01) * 1.05)
        handles, names = ax.get_legend_handles_labels()
        proxies = {
            "B (flux density)": Line2D([], [], color="black"),
            "J (polarisation)": Line2D([], [], color="black", linestyle="--"),
        }
        if permeance is not None:
            proxies["working point"] = Line2D(
                [], [], marker="o", color="white", markeredgecolor="k"
            )
        ax.legend([*handles, *proxies.values()], [*names, *proxies], loc="lower left")
        ax.set_xlabel("applied field H (kA/m)")
        ax.set_ylabel("J, B (T)")
        ax.set_title("Demagnetisation curves, second quadrant")
    return ax


def _colors(names: Sequence[str]) -> dict[str, Any]:
    others = iter(PALETTE * (len(names) // len(PALETTE) + 1))
    return {n: "0.15" if n == "baseline" else next(others) for n in names}


def content(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Controlled content per element against each licence threshold, one bar per magnet.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``magnet`` (label, e.g. ``"baseline"``, ``"#1"``), ``element`` (e.g. ``"Dy"``),
        ``condition`` (label of a licence condition), ``share`` (fraction the element contributes to that
        condition's share; basis as the condition states) and ``threshold`` (fraction; NaN for rules where
        any deliberate content counts). Shares are drawn in percent; the axis is logarithmic when they
        span more than two decades; a zero share is drawn as an explicit "0".
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InputError
        Missing column, empty frame, negative or non-finite share, or two thresholds for one condition.
    """
    cols = ("magnet", "element", "condition", "share", "threshold")
    f = _require(frame, cols, "content frame")[list(cols)].copy()
    f["share"] = pd.to_numeric(f["share"], errors="coerce")
    f["threshold"] = pd.to_numeric(f["threshold"], errors="coerce")
    if f.empty or not (np.isfinite(f["share"]) & (f["share"] >= 0)).all():
        msg = (
            "content frame: 'share' must hold finite fractions ≥ 0 (0.001 = 0.1 %), one row or more"
        )
        raise InputError(msg)
    # pandas-stubs want a scalar from agg's func; an array per group (object Series) is what we need
    thr = f.groupby("condition", sort=False)["threshold"].agg(lambda s: pd.unique(s.dropna()))  # type: ignore[type-var]
    if (thr.map(len) > 1).any():
        msg = f"content frame: several thresholds for condition(s) {', '.join(thr[thr.map(len) > 1].index)}"
        raise InputError(msg)
    # as_index=False: the sum is a DataFrame (pandas-stubs say Series)
    f = cast(
        pd.DataFrame,
        f.groupby(["condition", "element", "magnet"], sort=False, as_index=False)["share"].sum(),
    )
    mags = list(pd.unique(f["magnet"]))
    pct = f["share"].to_numpy() * 100
    thr_pct = {c: (v[0] * 100 if len(v) else np.nan) for c, v in thr.items()}
    pos = np.concatenate([pct[pct > 0], [v for v in thr_pct.values() if v > 0]])
    log = pos.size > 0 and pos.max() > 100 * pos.min()
    x0 = pos.min() / 3 if log else 0.0
    slots, y, headers, spans = {}, 0.0, [], {}
    for cond, elements in f.groupby("condition", sort=False)["element"]:
        headers.append((y, cond))
        first = y + 1
        for el in pd.unique(elements):
            y += 1
            slots[(cond, el)] = y
        spans[cond] = (first - 0.5, y + 0.5)
        y += 0.6
    height = 0.8 / len(mags)
    centre = np.array([slots[k] for k in zip(f["condition"], f["element"], strict=True)])
    offset = (
        f["magnet"].map({m: i for i, m in enumerate(mags)}).to_numpy() - (len(mags) - 1) / 2
    ) * height
    colors = _colors(mags)
    with mpl.rc_context(_RC):
        ax = _axes(ax, (7.5, 1.2 + 0.32 * y * max(1.0, len(mags) / 2.5)))
        for m in mags:
            s = (f["magnet"] == m).to_numpy() & (pct > 0)
            ax.barh(centre[s] + offset[s], pct[s] - x0, left=x0, height=height * 0.95, color=colors[m],
                    label=m, gid=f"bar:{m}")  # fmt: skip
        for yy, c in zip(centre[pct == 0] + offset[pct == 0], f["magnet"][pct == 0], strict=True):
            ax.plot([x0], [yy], marker="|", markersize=7, color=colors[c], gid="zero")
            ax.text(x0, yy, "  0", va="center", ha="left", fontsize=7, color=colors[c])
        trans = blended_transform_factory(ax.transAxes, ax.transData)
        for yy, cond in headers:
            v = thr_pct[cond]
            note = "any deliberate content counts" if np.isnan(v) else f"threshold {v:.3g} %"
            ax.text(0.005, yy + 0.2, f"{cond} — {note}", transform=trans, fontweight="bold",
                    fontsize=8, va="center")  # fmt: skip
            if not np.isnan(v) and (v > 0 or not log):
                ax.vlines(v, *spans[cond], gid="threshold", label="threshold", **THRESHOLD)
        ax.set_yticks(list(slots.values()), [el for _, el in slots])
        ax.set_ylim(y + 0.1, -0.6)
        if log:
            ax.set_xscale("log")
            ax.set_xlim(x0, pos.max() * 2.0)
        else:
            ax.set_xlim(0, max(pos.max() if pos.size else 1.0, 1e-9) * 1.15)
        ax.set_xlabel("element's contribution to the condition's share (%)")
        ax.set_ylabel("element")
        handles, names = ax.get_legend_handles_labels()
        keep = dict(zip(names, handles, strict=True))  # one "threshold" entry
        ax.legend(keep.values(), keep.keys(), loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def cost_breakdown(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Raw-material cost per part by element: one stacked horizontal bar per magnet, total at the end.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``magnet`` (label), ``element`` and ``cost_usd_per_part`` (USD per part, ≥ 0); repeated
        (magnet, element) rows are added. Magnets keep their order of first appearance; elements below
        2 % of every magnet's total are grouped as "other".
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InputError
        Missing column, empty frame, or a negative or non-finite cost.
    """
    cols = ("magnet", "element", "cost_usd_per_part")
    f = _require(frame, cols, "cost frame")[list(cols)].copy()
    f["cost_usd_per_part"] = pd.to_numeric(f["cost_usd_per_part"], errors="coerce")
    if f.empty or not (np.isfinite(f["cost_usd_per_part"]) & (f["cost_usd_per_part"] >= 0)).all():
        msg = "cost frame: 'cost_usd_per_part' must hold finite USD values ≥ 0, one row or more"
        raise InputError(msg)
    wide = f.pivot_table(
        "cost_usd_per_part", "magnet", "element", aggfunc="sum", fill_value=0.0, sort=False
    )
    wide = wide.reindex(pd.unique(f["magnet"]))
    total = wide.sum(axis=1)
    small = wide.div(total.where(total > 0, 1.0), axis=0).lt(0.02).all(axis=0)
    wide = wide.loc[:, ~small.to_numpy()].assign(
        **({"other": wide.loc[:, small.to_numpy()].sum(axis=1)} if small.any() else {})
    )
    order = (
        wide.drop(columns="other", errors="ignore")
        .sum()
        .sort_values(ascending=False, kind="stable")
        .index
    )
    wide = wide[[*order, *(["other"] if small.any() else [])]]
    ypos = np.arange(len(wide))
    extra = iter(PALETTE)
    with mpl.rc_context(_RC):
        ax = _axes(ax, (7.5, 1.4 + 0.45 * len(wide)))
        left = np.zeros(len(wide))
        for el in wide.columns:
            w = wide[el].to_numpy()
            ax.barh(ypos, w, left=left, height=0.6, label=el, gid=f"cost:{el}",
                    color=ELEMENT_COLORS.get(el) or next(extra, "0.5"))  # fmt: skip
            left += w
        for yy, (m, t) in zip(ypos, total.items(), strict=True):
            ax.text(
                t,
                float(yy),
                f" {t:,.2f} USD",
                va="center",
                ha="left",
                fontsize=7.5,
                gid=f"total:{m}",
            )
        ax.set_yticks(ypos, [str(m) for m in wide.index])
        ax.set_ylim(len(wide) - 0.4, -0.6)
        ax.set_xlim(0, max(float(total.max()), 1e-9) * 1.2)
        ax.set_xlabel("cost per part (USD): raw material by element, and processing")
        ax.set_ylabel("magnet")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="element")
    return ax


# ------------------------------------------------------------------------------------------ what-if
LICENCE_COLOR, FREE_COLOR = "tab:red", "tab:blue"


def _short_scenario(name: str, n: int = 60) -> str:
    """A long label cut in the middle (scenario names differ at both ends)."""
    if len(name) <= n:
        return name
    head = (n - 1) * 3 // 5
    return name[:head] + "…" + name[len(name) - (n - 1 - head) :]


def whatif_costs(df: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Cost per unit of each design across the scenarios of a what-if run, coloured by licence verdict.

    One row per design: a dot per scenario at its central cost (red where the scenario's rules require a
    licence, blue where none is needed) and, with Monte Carlo draws, a grey bar from the lowest 5th to
    the highest 95th percentile over the scenarios.

    Parameters
    ----------
    df : pandas.DataFrame
        A :func:`substitute.whatif` result (or the file ``substitute whatif -o`` wrote): columns
        ``design``, ``scenario``, ``cost_usd_per_unit``, ``licence_required``; optional
        ``cost_usd_per_unit_p05`` / ``_p95``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    f = _require(
        df, ("design", "scenario", "cost_usd_per_unit", "licence_required"), "what-if frame"
    )
    if f.empty:
        msg = "what-if frame: no rows"
        raise InputError(msg)
    designs = list(dict.fromkeys(f["design"].astype(str)))
    band = {"cost_usd_per_unit_p05", "cost_usd_per_unit_p95"} <= set(f.columns)
    with mpl.rc_context(_RC):
        ax = _axes(ax, (7.5, 1.3 + 0.5 * len(designs)))
        for y, d in enumerate(designs):
            g = f[f["design"].astype(str) == d]
            if band:
                lo, hi = (
                    float(g["cost_usd_per_unit_p05"].min()),
                    float(g["cost_usd_per_unit_p95"].max()),
                )
                ax.plot([lo, hi], [y, y], color="0.75", linewidth=6, solid_capstyle="butt",
                        gid=f"band:{d}", label="5–95 % over scenarios and draws" if y == 0 else None)  # fmt: skip
            lic = g["licence_required"].astype(bool).to_numpy()
            cost = g["cost_usd_per_unit"].to_numpy(dtype=float)
            jitter = (np.arange(len(g)) % 5 - 2) * 0.06
            for mask, color, label in (
                (lic, LICENCE_COLOR, "licence required"),
                (~lic, FREE_COLOR, "no licence needed"),
            ):
                if mask.any():
                    ax.scatter(cost[mask], y + jitter[mask], s=22, color=color, zorder=3,
                               edgecolors="white", linewidths=0.4, gid=f"cost:{d}:{label}",
                               label=label if label not in ax.get_legend_handles_labels()[1] else None)  # fmt: skip
        ax.set_yticks(range(len(designs)), [_short_scenario(d, 40) for d in designs])
        ax.set_ylim(len(designs) - 0.5, -0.5)
        ax.set_xlabel("magnet cost per unit (USD, central prices per scenario)")
        ax.set_title(f"cost per design over {f['scenario'].nunique():,} scenarios")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax


def crossing_prices(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """How far each element's price must move to flip a design's licence verdict.

    Parameters
    ----------
    frame : pandas.DataFrame
        The result of :func:`substitute.whatif.crossing_prices`: ``design``, ``element``,
        ``price_ratio`` (crossing price ÷ today's price; NaN or ≤ 0 where no price flips the verdict) and
        ``verdict_now``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Bars of the ratio on a logarithmic axis; the line at 1 is today's price. A ratio below 1 on a
        design that needs a licence is the price fall that would free it; rows without a crossing price
        are listed as "no price flips it".
    """
    f = _require(frame, ("design", "element", "price_ratio", "verdict_now"), "crossing-price frame")
    if f.empty:
        msg = "crossing-price frame: no rows"
        raise InputError(msg)
    labels = [
        f"{_short_scenario(str(d), 32)} · {e}"
        for d, e in zip(f["design"], f["element"], strict=True)
    ]
    ratio = pd.to_numeric(f["price_ratio"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(ratio) & (ratio > 0)
    lic = (f["verdict_now"].astype(str) == "licence_required").to_numpy()
    y = np.arange(len(f))
    with mpl.rc_context(_RC):
        ax = _axes(ax, (7.5, 1.3 + 0.4 * len(f)))
        ax.set_xscale("log")
        for yy, r, is_lic, good in zip(y, ratio, lic, ok, strict=True):
            if good:
                ax.barh(yy, abs(r - 1.0), left=min(r, 1.0), height=0.6, gid=f"ratio:{yy}",
                        color=LICENCE_COLOR if is_lic else FREE_COLOR)  # fmt: skip
                ax.text(
                    r,
                    float(yy),
                    f" ×{r:.3g}",
                    va="center",
                    ha="left" if r >= 1 else "right",
                    fontsize=7,
                )
            else:
                ax.text(
                    1.0,
                    float(yy),
                    "  no price flips it",
                    va="center",
                    ha="left",
                    fontsize=7,
                    color="0.3",
                )
        ax.axvline(1.0, color="black", linewidth=1, gid="today")
        ax.set_yticks(y, labels)
        ax.set_ylim(len(f) - 0.4, -0.6)
        finite = ratio[ok]
        lo = min(0.5, float(finite.min()) / 2) if finite.size else 0.5
        hi = max(2.0, float(finite.max()) * 2) if finite.size else 2.0
        ax.set_xlim(lo, hi)
        ax.set_xlabel("crossing price ÷ today's price (red: needs a licence now; blue: does not)")
        ax.set_title("price move that flips each verdict")
    return ax


def fleet_exposure(fleet: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Units a year that need a licence, and the fleet's annual magnet cost, per scenario.

    Parameters
    ----------
    fleet : pandas.DataFrame
        :func:`substitute.whatif.fleet_rollup` of a what-if run: ``scenario``,
        ``licence_exposure_units_per_year``, ``cost_usd_per_year`` (optional ``cost_usd_per_year_p05`` /
        ``_p95``).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Bars of the licence exposure (bottom axis) and the annual cost with its 5–95 % range as dots
        and lines (top axis, million USD).
    """
    f = _require(
        fleet, ("scenario", "licence_exposure_units_per_year", "cost_usd_per_year"), "fleet frame"
    )
    if f.empty:
        msg = "fleet frame: no rows"
        raise InputError(msg)
    y = np.arange(len(f))
    exp = f["licence_exposure_units_per_year"].to_numpy(dtype=float)
    with mpl.rc_context(_RC):
        ax = _axes(ax, (7.5, 1.5 + 0.28 * len(f)))
        ax.barh(y, exp, height=0.6, color=LICENCE_COLOR, alpha=0.7, gid="exposure",
                label="units a year needing a licence")  # fmt: skip
        ax.set_yticks(y, [_short_scenario(str(s)) for s in f["scenario"]])
        ax.set_ylim(len(f) - 0.4, -0.6)
        ax.set_xlabel("thousand units a year needing a licence")
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v / 1e3:g}"))
        top = ax.twiny()
        cost = f["cost_usd_per_year"].to_numpy(dtype=float) / 1e6
        if {"cost_usd_per_year_p05", "cost_usd_per_year_p95"} <= set(f.columns):
            top.hlines(y, f["cost_usd_per_year_p05"] / 1e6, f["cost_usd_per_year_p95"] / 1e6,
                       color="0.35", linewidth=1.2, gid="cost-band")  # fmt: skip
        top.plot(cost, y, "o", color="black", markersize=3.5, gid="cost", label="annual cost")
        top.set_xlabel("fleet magnet cost, million USD a year (dots; lines 5–95 %)")
        handles = [*ax.get_legend_handles_labels()[0], *top.get_legend_handles_labels()[0]]
        ax.legend(
            handles,
            [str(h.get_label()) for h in handles],
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
        )
    return ax


def to_svg(ax_or_fig: Axes | Figure) -> str:
    """The figure as an inline SVG string for embedding in HTML.

    Saved with ``bbox_inches="tight"``, no date in the metadata and fixed element ids (the same figure
    gives the same string), text as paths; the XML prolog and DOCTYPE are stripped. A figure created
    through pyplot (e.g. by the plot functions with ``ax=None``) is closed afterwards.

    Parameters
    ----------
    ax_or_fig : matplotlib.axes.Axes or matplotlib.figure.Figure

    Returns
    -------
    str
        Text starting with ``<svg``.

    Raises
    ------
    InputError
        Neither an Axes nor a Figure.
    """
    fig = ax_or_fig.figure if isinstance(ax_or_fig, Axes) else ax_or_fig
    while isinstance(fig, SubFigure):
        fig = fig.figure
    if not isinstance(fig, Figure):
        msg = f"to_svg needs a matplotlib Axes or Figure, got {type(ax_or_fig).__name__}"
        raise InputError(msg)
    buf = io.StringIO()
    with mpl.rc_context({"svg.hashsalt": "substitute", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", dpi=150, metadata={"Date": None})
    text = buf.getvalue()
    manager = fig.canvas.manager
    if manager is not None and plt.fignum_exists(manager.num):
        plt.close(fig)
    return text[text.find("<svg") :]
