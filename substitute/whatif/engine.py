"""The what-if engine: designs × scenarios × price draws, evaluated in vectorised blocks.

Every quantity is linear in the prices, so a block evaluates, for ``Db`` designs × ``Sb`` scenarios ×
``Kb`` draws at once (numpy broadcasting; a Python loop only over the ~10 elements, never over rows):

- magnet raw-material cost, USD per kg of magnet: Σₑ wₑ · pₑ · (1 + Σₒ shareₑₒ · (premiumₒ − 1));
- China-origin Part I value per kg of magnet for a value-share rule: Σₑ∈Part I wₑ · sₑ · pₑ, where sₑ is
  the China share of the element (CN + unknown, + recycled if ``recycled_counts_as="CN"``), as in
  :func:`substitute.compliance.bom.value_share_batch`;
- value share = magnet mass × that ÷ item value (the assembly's, the part's, or the magnet's own
  raw-material value at the same prices);
- verdict: licence required when the rule is (treated as) in force, the magnet holds a Part II trigger
  element, the item is foreign-made (value-share rules) and the share reaches the threshold; content
  rules (No. 18, No. 57) from :func:`substitute.compliance.licence_flags` for magnets made in China.

Each block is reduced at once to per-cell numbers (central values; mean, percentiles and probabilities
over the draws) and per-(scenario, draw) fleet totals, so the full grid is never held in memory. Elements
are summed in a fixed order with elementwise operations only (no BLAS), so a cell's numbers do not depend
on which other cells share its block: local and Dask runs of the same plan are bit-identical.

Size: ~800 lines kept in one module on purpose: the block kernel and its reduction share the fixed
summation order that makes local and Dask results bit-identical.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, SupportsInt, cast

import numpy as np

from substitute.arrays import number_array
from substitute.compliance.evaluation import REL_TOL
from substitute.errors import InputError, PriceError
from substitute.whatif import montecarlo as mc
from substitute.whatif.designs import Design
from substitute.whatif.scenarios import Scenario

__all__ = [
    "ORIGINS",
    "STATUSES",
    "Aggregate",
    "Cond",
    "Plan",
    "Prepared",
    "cell_central",
    "check_grid",
    "execute",
    "make_plan",
    "prepare",
    "resolve_conditions",
    "run_block",
    "with_price",
]

ORIGINS = ("CN", "non-CN", "recycled", "unknown")
STATUSES = ("licence_required", "below_threshold", "not_controlled", "not_applicable")
_MADE = ("CN", "non-CN", "unknown")
DEFAULT_BLOCK_SIZE = 2**19
#: fleet per-draw totals are kept (for exact fleet percentiles) up to this many scenario × draw values
FLEET_LIMIT = 20_000_000
#: designs × scenarios × draws refused above this: about 10 minutes at the benchmark's ≈ 1.8e7 evaluations/s
#: on two cores (make bench, bench_whatif.py); a grid larger than that is a typing error, not a study, and
#: its block list alone would not fit in memory
MAX_EVALUATIONS = 10**10


def check_grid(n_designs: int, n_scenarios: int, draws: int) -> None:
    """Raise when the grid is above :data:`MAX_EVALUATIONS` (the message says how large it is)."""
    total = n_designs * n_scenarios * max(draws, 1)
    if total > MAX_EVALUATIONS:
        msg = (
            f"draws: {n_designs} design(s) × {n_scenarios} scenario(s) × {draws:,} draws = {total:.3g} "
            f"evaluations, above the limit of {MAX_EVALUATIONS:.0e} (about 10 minutes on two cores); "
            "lower draws"
        )
        raise InputError(msg)


# --------------------------------------------------------------------------------------------- conditions
@dataclass(frozen=True)
class Cond:
    """A licence condition resolved for the engine (one per output ``status_<key>`` column)."""

    key: str
    rule: str
    limb: str | None
    level: str
    basis: str
    threshold: float | None


def resolve_conditions(rules: Any, requirements: Any = None) -> list[Cond]:
    """Conditions from ``rules`` (ComplianceCondition objects or dicts) or the requirements' defaults."""
    from substitute.ranking.requirements import ComplianceCondition, Requirements

    if rules is None:
        req = requirements if requirements is not None else Requirements(as_of="2026-01-01")
        conds = list(req.compliance)
    else:
        if isinstance(rules, ComplianceCondition | Mapping):
            rules = [rules]
        conds = []
        for i, c in enumerate(rules):
            if isinstance(c, ComplianceCondition):
                conds.append(c)
            elif isinstance(c, Mapping):
                bad = sorted(map(str, set(c) - set(ComplianceCondition.__dataclass_fields__)))
                if bad:
                    msg = (
                        f"rules[{i}]: unknown key(s) {', '.join(bad)}; valid: "
                        f"{', '.join(ComplianceCondition.__dataclass_fields__)}"
                    )
                    raise InputError(msg)
                conds.append(ComplianceCondition(**c))
            elif isinstance(c, str):
                conds.append(ComplianceCondition(c, level="magnet", basis="any_content"))
            else:
                msg = f"rules[{i}]: expected a ComplianceCondition or a mapping, got {type(c).__name__}"
                raise InputError(msg)
    if not conds:
        msg = "rules: give at least one licence condition"
        raise InputError(msg)
    out = [Cond(c.key, c.rule, c.limb, c.level, c.basis, c.threshold) for c in conds]
    keys = [c.key for c in out]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        msg = f"rules: condition(s) {', '.join(dup)} given twice"
        raise InputError(msg)
    return out


def _value_unit(cat: Any, c: Cond):
    """The catalog's evaluation unit for a value/mass-share condition (wraps a private helper)."""
    from substitute.compliance import evaluation_units
    from substitute.errors import UnknownRuleError

    units = evaluation_units(cat, [c.rule])  # unknown rule id → UnknownRuleError naming it
    for u in units:
        if u.evaluation.test == "value_share" and (c.limb is None or u.limb_id == c.limb):
            return u
    msg = (
        f"condition {c.key}: rule {c.rule!r}{f' limb {c.limb!r}' if c.limb else ''} has no value-share "
        "test in the catalog"
    )
    raise UnknownRuleError(msg)


def _content_unit(cat: Any, c: Cond):
    from substitute.compliance import evaluation_units

    for u in evaluation_units(cat, [c.rule]):
        if (
            u.evaluation.test == "any_content"
            and u.evaluation.origin_condition == "exported_from_china"
        ):
            return u
    have = [
        u.rule_id
        for u in evaluation_units(cat)
        if u.evaluation.test == "any_content"
        and u.evaluation.origin_condition == "exported_from_china"
    ]
    msg = (
        f"condition {c.key}: rule {c.rule!r} has no any-content test on exports from China; rules with "
        f"one: {', '.join(have)}"
    )
    raise InputError(msg)


# --------------------------------------------------------------------------------------------- plan
@dataclass(frozen=True)
class Plan:
    """How the design × scenario × draw grid is cut into blocks.

    ``blocks`` are ``(d0, d1, s0, s1, k0, k1)`` half-open ranges, designs outermost, draws innermost.
    ``exact`` is True when every cell's draws fit in one block (exact percentiles); otherwise each block
    holds one cell and percentiles come from merged log-ratio histograms.
    """

    n_designs: int
    n_scenarios: int
    draws: int
    block_size: int
    blocks: tuple[tuple[int, int, int, int, int, int], ...]
    exact: bool

    @property
    def evaluations(self) -> int:
        return self.n_designs * self.n_scenarios * max(self.draws, 1)


def _is_count(x: Any) -> bool:
    """An integer (or an integral float such as 2000.0), not a bool, text or NaN."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return False
    return math.isfinite(float(x)) and int(cast(SupportsInt, x)) == x


def make_plan(n_designs: int, n_scenarios: int, draws: int, block_size: int) -> Plan:
    """Cut the grid into blocks of at most ``block_size`` evaluations (design × scenario × draw)."""
    if not _is_count(block_size) or block_size < 1:
        msg = f"block_size must be a positive integer (evaluations per block), got {block_size!r}"
        raise InputError(msg)
    block_size = int(block_size)
    D, S, K = n_designs, n_scenarios, draws
    check_grid(D, S, K)
    blocks: list[tuple[int, int, int, int, int, int]] = []
    if max(K, 1) <= block_size:
        cells = max(1, block_size // max(K, 1))
        db = min(D, cells)
        sb = max(1, min(S, cells // db))
        for d0 in range(0, D, db):
            for s0 in range(0, S, sb):
                blocks.append((d0, min(D, d0 + db), s0, min(S, s0 + sb), 0, K))
        return Plan(D, S, K, block_size, tuple(blocks), True)
    kb = max(mc.RNG_CHUNK, (block_size // mc.RNG_CHUNK) * mc.RNG_CHUNK)
    for d in range(D):
        for s in range(S):
            for k0 in range(0, K, kb):
                blocks.append((d, d + 1, s, s + 1, k0, min(K, k0 + kb)))
    return Plan(D, S, K, block_size, tuple(blocks), False)


# --------------------------------------------------------------------------------------------- prepare
@dataclass
class Prepared:
    """Everything the blocks need (numpy arrays; shipped once to every worker) and its provenance."""

    payload: dict[str, Any]
    designs: list[Design]
    scenarios: list[Scenario]
    conds: list[Cond]
    price_vectors: list[Any]
    catalogs: list[Any]
    rule_index: np.ndarray
    rule_settings: list[tuple[str, str, tuple]]
    audit: dict[str, Any] = field(default_factory=dict)


def _shares_row(spec: Mapping[str, float]) -> list[float]:
    return [float(spec[o]) for o in ORIGINS]


def prepare(
    designs: Sequence[Design],
    scenarios: Sequence[Scenario],
    conds: Sequence[Cond],
    *,
    draws: int = 0,
    seed: int | None = None,
    volatility: Any = None,
    distributions: Mapping[str, Any] | None = None,
    percentiles: Sequence[float] = (5, 50, 95),
    recycled_counts_as: str = "non-CN",
    catalog_cache: dict | None = None,
) -> Prepared:
    """Resolve scenarios (price vectors, catalogs) and build the block payload.

    Raises
    ------
    PriceError
        A design holds an element the scenario's vector has no price for (names element and scenario).
    UnknownRuleError, InputError
        Bad conditions, overlays, volumes or Monte Carlo settings.
    """
    from substitute.compliance import licence_flags, load_catalog
    from substitute.compliance.bom import normalise_origin
    from substitute.compliance.status import treat_status
    from substitute.composition import AlloyBatch

    D, S = len(designs), len(scenarios)
    if recycled_counts_as not in ("non-CN", "CN"):
        msg = f"recycled_counts_as: {recycled_counts_as!r}; valid: 'non-CN', 'CN'"
        raise InputError(msg)
    batch = AlloyBatch.concat([d.magnet for d in designs])
    batch = AlloyBatch(batch.mass_array, batch.elements, [d.name for d in designs])
    present = np.asarray((batch.mass_array > 0).any(axis=0))
    elements = tuple(e for e, p in zip(batch.elements, present, strict=True) if p)
    E = len(elements)
    W = np.ascontiguousarray(batch.mass_array[:, present])

    # ---- designs
    m = np.array([d.magnet_mass_kg for d in designs])
    v_asm = np.array([d.assembly_value_usd for d in designs])
    v_part = np.array([np.nan if d.part_value_usd is None else d.part_value_usd for d in designs])
    made = np.array([_MADE.index(d.made_in) for d in designs], dtype=np.int8)
    dsh = np.zeros((D, E, 4))
    for i, d in enumerate(designs):
        org = normalise_origin(d.origin, f"design {d.name!r}: origin")
        for j, e in enumerate(elements):
            dsh[i, j] = _shares_row(org.get(e, org["default"]))
    vol_base = np.array([d.annual_volume_units_per_year for d in designs])
    names = {d.name: i for i, d in enumerate(designs)}

    # ---- scenarios: prices, origins, premiums, volumes
    pvs = []
    P0 = np.zeros((S, E))
    for i, s in enumerate(scenarios):
        pv = s.price_vector()
        try:
            P0[i] = pv.prices(list(elements))
        except PriceError as exc:
            msg = f"scenario {s.name!r}: {exc}"
            raise PriceError(msg) from None
        pvs.append(pv)
    sc_ovr = np.zeros((S, E), dtype=bool)
    sc_sh = np.zeros((S, E, 4))
    prem = np.ones((S, 2))
    vol_factor = np.ones(S)
    over: list[tuple[int, int, float]] = []
    for i, s in enumerate(scenarios):
        if s.origin:
            org = normalise_origin(s.origin, f"scenario {s.name!r}: origin")
            for j, e in enumerate(elements):
                if e in s.origin:
                    sc_ovr[i, j] = True
                    sc_sh[i, j] = _shares_row(org[e])
        prem[i] = [s.origin_premium.get("non-CN", 1.0), s.origin_premium.get("recycled", 1.0)]
        vol_factor[i] = s.volume_factor
        for dn, v in s.volumes.items():
            if dn not in names:
                msg = f"scenario {s.name!r}: volumes: unknown design {dn!r}; designs: {', '.join(names)}"
                raise InputError(msg)
            over.append((i, names[dn], float(v)))
    vol_over = np.array(over, dtype=float).reshape(-1, 3)

    # ---- rule settings: one catalog per distinct (as_of, assume, overlays)
    cache = catalog_cache if catalog_cache is not None else {}
    settings: dict[str, int] = {}
    rule_index = np.zeros(S, dtype=np.int64)
    rs_list: list[tuple[str, str, tuple]] = []
    cats: list[Any] = []
    for i, s in enumerate(scenarios):
        key = s.rule_key()
        if key not in settings:
            okey = json_overlays(s)
            if okey not in cache:
                cache[okey] = (
                    load_catalog(overlays=list(s.overlays)) if s.overlays else load_catalog()
                )
            settings[key] = len(rs_list)
            rs_list.append((cast(dt.date, s.as_of).isoformat(), s.assume, s.overlays))
            cats.append(cache[okey])
        rule_index[i] = settings[key]
    R = len(rs_list)
    cond_data: list[dict[str, Any]] = []
    el_idx = {e: j for j, e in enumerate(elements)}
    ctrl: dict[str, None] = {}
    for c in conds:
        cd: dict[str, Any] = {"key": c.key, "basis": c.basis, "level": c.level}
        if c.level == "part" and c.basis == "value_share" and np.isnan(v_part).any():
            bad = [d.name for d in designs if d.part_value_usd is None]
            msg = f"condition {c.key} tests the part's value share: give part_value_usd for {', '.join(map(repr, bad))}"
            raise InputError(msg)
        if c.basis == "any_content":
            flags = np.zeros((R, D), dtype=bool)
            in_force = np.zeros(R, dtype=bool)
            for r, (asof, assume, _) in enumerate(rs_list):
                u = _content_unit(cats[r], c)
                ctrl.update(dict.fromkeys(u.trigger))
                lf = licence_flags(batch, as_of=asof, catalog=cats[r], assume=assume)
                flags[r] = lf[c.rule].to_numpy(dtype=bool)
                in_force[r] = (
                    treat_status(u.raw_status(dt.date.fromisoformat(asof)), assume) == "in_force"
                )
            cd.update(flags=flags, in_force=in_force)
        else:
            counted = np.zeros((R, E), dtype=bool)
            trigger = np.zeros((R, E), dtype=bool)
            T = np.zeros(R)
            ge = np.ones(R, dtype=bool)
            in_force = np.zeros(R, dtype=bool)
            raw = []
            for r, (asof, assume, _) in enumerate(rs_list):
                u = _value_unit(cats[r], c)
                ctrl.update(dict.fromkeys((*u.counted, *u.trigger)))
                for e in u.counted:
                    if e in el_idx:
                        counted[r, el_idx[e]] = True
                for e in u.trigger:
                    if e in el_idx:
                        trigger[r, el_idx[e]] = True
                if c.threshold is not None:
                    T[r] = c.threshold
                elif c.basis == "value_share":
                    T[r] = float(u.threshold.value)
                else:
                    T[r] = 0.001 if u.threshold is None else float(u.threshold.value)
                comp = (u.threshold.comparator if u.threshold else None) or ">="
                ge[r] = comp == ">="
                st = u.raw_status(dt.date.fromisoformat(asof))
                raw.append(st)
                in_force[r] = treat_status(st, assume) == "in_force"
            cd.update(counted=counted, trigger=trigger, T=T, ge=ge, in_force=in_force, raw=raw)
        cond_data.append(cd)
    ctrl_idx = np.array([el_idx[e] for e in elements if e in ctrl], dtype=np.int64)

    # ---- Monte Carlo settings
    if not _is_count(draws) or draws < 0:
        msg = f"draws must be a non-negative integer, got {draws!r}"
        raise InputError(msg)
    draws = int(draws)
    check_grid(len(designs), len(scenarios), draws)
    if isinstance(volatility, str):
        if volatility != "quote_range":
            msg = f"volatility: {volatility!r}; give a mapping element → σ or 'quote_range'"
            raise InputError(msg)
        volatility = mc.quote_range_volatility(pvs[0], elements)
    if isinstance(volatility, int | float) and not isinstance(volatility, bool):
        volatility = dict.fromkeys(elements, float(volatility))
    vol, user = mc.check_volatility(volatility, distributions)
    if draws > 0 and not vol and not user:
        msg = (
            "draws > 0 needs price uncertainty: give volatility={element: σ of ln price} (e.g. "
            "{'Tb': 0.35, 'Dy': 0.3}), volatility='quote_range', or distributions={element: f}"
        )
        raise InputError(msg)
    ln_idx = np.array([el_idx.get(e, -1) for e in vol], dtype=np.int64)
    us_idx = np.array([el_idx.get(e, -1) for e, _ in user], dtype=np.int64)
    vary = np.zeros(E, dtype=bool)
    vary[ln_idx[ln_idx >= 0]] = True
    vary[us_idx[us_idx >= 0]] = True
    if seed is None:
        seed = int(cast(int, np.random.SeedSequence().entropy) % (2**63))
    if not _is_count(seed) or seed < 0:
        msg = f"seed must be a non-negative integer, got {seed!r}"
        raise InputError(msg)
    q = number_array("percentiles", percentiles, "%", lo=0.0, hi=100.0).tolist()
    sig_max = max(vol.values(), default=0.0)
    half_width = 8.0 * sig_max if not user else max(8.0 * sig_max, math.log(1000.0))
    primary = next(
        (i for i, c in enumerate(conds) if c.basis in ("value_share", "mass_share")), None
    )
    payload = {
        "elements": elements,
        "W": W,
        "m": m,
        "v_asm": v_asm,
        "v_part": v_part,
        "made": made,
        "dsh": dsh,
        "vol_base": vol_base,
        "P0": P0,
        "sc_ovr": sc_ovr,
        "sc_sh": sc_sh,
        "prem": prem,
        "vol_factor": vol_factor,
        "vol_over": vol_over,
        "rule_index": rule_index,
        "conds": cond_data,
        "primary": primary,
        "recycled_cn": recycled_counts_as == "CN",
        "ctrl_idx": ctrl_idx,
        "seed": int(seed),
        "draws": draws,
        "sigma": np.array(list(vol.values())),
        "ln_idx": ln_idx,
        "user": user,
        "us_idx": us_idx,
        "vary": vary,
        "q": q,
        "half_width": max(half_width, 1e-3),
        "fleet": S * max(draws, 1) <= FLEET_LIMIT,
    }
    return Prepared(
        payload=payload,
        designs=list(designs),
        scenarios=list(scenarios),
        conds=list(conds),
        price_vectors=pvs,
        catalogs=cats,
        rule_index=rule_index,
        rule_settings=rs_list,
        audit={"volatility": vol, "distributions": [e for e, _ in user], "seed": int(seed)},
    )


def json_overlays(s: Scenario) -> str:
    """Cache key of a scenario's overlays (catalogs depend only on them, not on the date)."""
    from substitute.whatif.scenarios import _overlay_key

    return "|".join(_overlay_key(o) for o in s.overlays)


# --------------------------------------------------------------------------------------------- kernel
def _lin(coef: np.ndarray, P0: np.ndarray, mult: np.ndarray | None, vary: np.ndarray) -> np.ndarray:
    """Σₑ coef[..., e] · P0[s, e] · mult[k, e] in a fixed element order (no BLAS: order-stable).

    ``coef`` (Db, Sb, E), ``P0`` (Sb, E), ``mult`` (Kb, E) or None (central prices) → (Db, Sb[, Kb]).
    """
    base = coef * P0[None, :, :]
    Db, Sb, E = base.shape
    fixed = np.zeros((Db, Sb))
    for e in range(E):
        if not vary[e]:
            fixed += base[:, :, e]
    if mult is None:
        for e in range(E):
            if vary[e]:
                fixed += base[:, :, e]
        return fixed
    out = np.repeat(fixed[:, :, None], mult.shape[0], axis=2)
    for e in range(E):
        if vary[e] and np.any(base[:, :, e]):
            out += base[:, :, e, None] * mult[None, None, :, e]
    return out


def _block_inputs(pl: dict[str, Any], d0: int, d1: int, s0: int, s1: int) -> dict[str, Any]:
    W = pl["W"][d0:d1]
    ovr = pl["sc_ovr"][s0:s1]
    sh = np.where(ovr[None, :, :, None], pl["sc_sh"][None, s0:s1], pl["dsh"][d0:d1, None])
    cn = sh[..., 0] + sh[..., 3]
    if pl["recycled_cn"]:
        cn = cn + sh[..., 2]
    prem = pl["prem"][s0:s1]
    pf = (
        1.0
        + sh[..., 1] * (prem[None, :, None, 0] - 1.0)
        + sh[..., 2] * (prem[None, :, None, 1] - 1.0)
    )
    vol = pl["vol_base"][d0:d1, None] * np.ones((1, s1 - s0))
    for s, d, v in pl["vol_over"]:
        if s0 <= s < s1 and d0 <= d < d1:
            vol[int(d) - d0, int(s) - s0] = v
    vol = vol * pl["vol_factor"][None, s0:s1]
    return {
        "W": W,
        "Wb": np.broadcast_to(W[:, None, :], sh.shape[:3]),
        "sh": sh,
        "cn": cn,
        "pf": pf,
        "P0": pl["P0"][s0:s1],
        "r": pl["rule_index"][s0:s1],
        "m": pl["m"][d0:d1],
        "made": pl["made"][d0:d1],
        "vol": vol,
        "d0": d0,
    }


def _evaluate(pl: dict[str, Any], bi: dict[str, Any], mult: np.ndarray | None) -> dict[str, Any]:
    """Cost, shares, verdicts for the block's cells at central prices (mult None) or per draw."""
    vary = pl["vary"]
    Wb, P0, r, m = bi["Wb"], bi["P0"], bi["r"], bi["m"]
    ex = (slice(None), slice(None)) + ((None,) if mult is not None else ())
    cost_kg = _lin(Wb * bi["pf"], P0, mult, vary)
    raw_kg = None
    Db, Sb = Wb.shape[:2]
    licence = np.zeros(cost_kg.shape, dtype=bool)
    shares: list[np.ndarray | None] = []
    caught_raw: list[np.ndarray | None] = []
    status: list[np.ndarray] = []
    for cd in pl["conds"]:
        if cd["basis"] == "any_content":
            flags = cd["flags"][r][:, bi["d0"] : bi["d0"] + Db].T  # (Db, Sb)
            applicable = bi["made"] != 1  # made in China or unknown: exports from China
            hit = flags & applicable[:, None]
            st = np.where(applicable[:, None], np.where(hit, 0, 2), 3).astype(np.int8)
            licence |= hit[ex]
            shares.append(None)
            caught_raw.append(None)
            status.append(st)
            continue
        counted = cd["counted"][r]  # (Sb, E)
        coef = Wb * bi["cn"] * counted[None, :, :]
        if cd["basis"] == "mass_share":
            share = coef.sum(axis=2)
            share = share[ex] if mult is None else np.repeat(share[:, :, None], mult.shape[0], 2)
        else:
            vcn_kg = _lin(coef, P0, mult, vary)
            if cd["level"] == "magnet":
                if raw_kg is None:
                    raw_kg = _lin(np.ascontiguousarray(Wb), P0, mult, vary)
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(raw_kg > 0, vcn_kg / raw_kg, 0.0)
            else:
                V = pl["v_asm"] if cd["level"] == "assembly" else pl["v_part"]
                V = V[bi["d0"] : bi["d0"] + Db]
                share = (
                    vcn_kg * (m / V)[(slice(None), None) + ((None,) if mult is not None else ())]
                )
        T = cd["T"][r][None, :]
        T = T[..., None] if mult is not None else T
        # the one comparator rule (compliance.evaluation.reaches): a tie within REL_TOL goes to the rule,
        # for '>=' and '>' alike
        caught = share >= T - REL_TOL * np.abs(T)
        trig = np.zeros((Db, Sb), dtype=bool)
        tr = cd["trigger"][r]  # (Sb, E)
        for e in range(tr.shape[1]):
            if tr[:, e].any():
                trig |= (bi["W"][:, e, None] > 0) & tr[None, :, e]
        applicable = bi["made"] != 0  # foreign-made (or unknown, conservative)
        in_force = cd["in_force"][r][None, :]
        active = (applicable[:, None] & trig & in_force)[ex]
        licence |= active & caught
        if mult is None:
            st = np.where(
                ~applicable[:, None],
                3,
                np.where(~(trig & in_force), 2, np.where(caught, 0, 1)),
            ).astype(np.int8)
            status.append(st)
        shares.append(share)
        caught_raw.append(caught)
    return {
        "cost_kg": cost_kg,
        "shares": shares,
        "caught": caught_raw,
        "status": status,
        "licence": licence,
    }


def run_block(pl: dict[str, Any], spec: tuple[int, int, int, int, int, int]) -> dict[str, Any]:
    """Evaluate one block and reduce it to per-cell statistics (module-level: picklable for Dask)."""
    d0, d1, s0, s1, k0, k1 = spec
    bi = _block_inputs(pl, d0, d1, s0, s1)
    out: dict[str, Any] = {"spec": spec}
    m = bi["m"]
    if k0 == 0:  # central values (once per cell)
        ev = _evaluate(pl, bi, None)
        cen: dict[str, Any] = {"cost_kg": ev["cost_kg"], "licence": ev["licence"], "vol": bi["vol"]}
        for j, _cd in enumerate(pl["conds"]):
            cen[f"status{j}"] = ev["status"][j]
            if ev["shares"][j] is not None:
                cen[f"share{j}"] = ev["shares"][j]
        ci = pl["ctrl_idx"]
        if ci.size:
            mass = bi["W"][:, None, ci, None] * bi["sh"][:, :, ci, :] * m[:, None, None, None]
            cen["ctrl_mass"] = mass  # kg per unit, (Db, Sb, n_ctrl, 4)
        out["central"] = cen
    if k1 > k0:
        K = pl["draws"]
        ln, us = mc.multipliers(pl["seed"], k0, k1, K, pl["sigma"], pl["user"])
        E = pl["W"].shape[1]
        mult = np.ones((k1 - k0, E))
        for j, e in enumerate(pl["ln_idx"]):
            if e >= 0:
                mult[:, e] = ln[:, j]
        for j, e in enumerate(pl["us_idx"]):
            if e >= 0:
                mult[:, e] = us[:, j]
        ev = _evaluate(pl, bi, mult)
        cost_unit = ev["cost_kg"] * m[:, None, None]
        p = pl["primary"]
        share_p = ev["shares"][p] if p is not None else None
        lic = ev["licence"]
        vol = bi["vol"]
        res: dict[str, Any] = {}
        if k0 == 0 and k1 == K:  # the cell's draws are all here: exact statistics
            res["cost_mean"] = cost_unit.mean(axis=2)
            res["cost_q"] = np.percentile(cost_unit, pl["q"], axis=2)
            if share_p is not None:
                res["share_mean"] = share_p.mean(axis=2)
                res["share_q"] = np.percentile(share_p, pl["q"], axis=2)
            for j, c in enumerate(ev["caught"]):
                if c is not None:
                    res[f"p_ge{j}"] = c.mean(axis=2)
            res["p_lic"] = lic.mean(axis=2)
        else:  # partial sums and histograms, merged in block order
            res["n"] = k1 - k0
            res["cost_sum"] = cost_unit.sum(axis=2)
            res["cost_min"] = cost_unit.min(axis=2)
            res["cost_max"] = cost_unit.max(axis=2)
            c0 = _lin(bi["Wb"] * bi["pf"], bi["P0"], None, pl["vary"]) * m[:, None]
            res["cost_hist"] = _hist(cost_unit, c0, pl["half_width"])
            if share_p is not None:
                s0_ = _evaluate(pl, bi, None)["shares"][p]
                res["share_sum"] = share_p.sum(axis=2)
                res["share_min"] = share_p.min(axis=2)
                res["share_max"] = share_p.max(axis=2)
                res["share_hist"] = _hist(share_p, s0_, pl["half_width"])
            for j, c in enumerate(ev["caught"]):
                if c is not None:
                    res[f"n_ge{j}"] = c.sum(axis=2)
            res["n_lic"] = lic.sum(axis=2)
        out["mc"] = res
        if pl["fleet"]:
            out["fleet_cost"] = (cost_unit * vol[:, :, None]).sum(axis=0)  # (Sb, Kb) USD/year
            out["fleet_lic"] = (lic * vol[:, :, None]).sum(axis=0)  # units/year
    return out


def _hist(values: np.ndarray, centre: np.ndarray, half_width: float) -> np.ndarray:
    Db, Sb, Kb = values.shape
    counts = np.zeros((Db * Sb, mc.HIST_BINS), dtype=np.int64)
    mc.hist_add(counts, values.reshape(Db * Sb, Kb), centre.reshape(-1), half_width)
    return counts.reshape(Db, Sb, mc.HIST_BINS)


# --------------------------------------------------------------------------------------------- aggregate
class Aggregate:
    """Collect block results (in block order) into (designs, scenarios) arrays and fleet totals."""

    def __init__(self, prep: Prepared, plan: Plan) -> None:
        self.prep, self.plan = prep, plan
        self.D, self.S, self.K = plan.n_designs, plan.n_scenarios, plan.draws
        self.arrays: dict[str, np.ndarray] = {}
        pl = prep.payload
        self.fleet_cost = np.zeros((self.S, self.K)) if pl["fleet"] and self.K else None
        self.fleet_lic = np.zeros((self.S, self.K)) if pl["fleet"] and self.K else None

    def _put(self, name: str, value: np.ndarray, d0: int, d1: int, s0: int, s1: int) -> None:
        arr = self.arrays.get(name)
        if arr is None:
            shape = (self.D, self.S, *value.shape[2:])
            arr = np.zeros(shape, dtype=value.dtype)
            self.arrays[name] = arr
        arr[d0:d1, s0:s1] = value

    def _acc(self, name: str, value: np.ndarray, d0: int, s0: int, op: str) -> None:
        arr = self.arrays.get(name)
        if arr is None:
            init = {"sum": 0, "min": np.inf, "max": -np.inf}[op]
            arr = np.full((self.D, self.S, *value.shape[2:]), init, dtype=value.dtype)
            self.arrays[name] = arr
        sl = (slice(d0, d0 + value.shape[0]), slice(s0, s0 + value.shape[1]))
        if op == "sum":
            arr[sl] += value
        elif op == "min":
            arr[sl] = np.minimum(arr[sl], value)
        else:
            arr[sl] = np.maximum(arr[sl], value)

    def add(self, res: dict[str, Any]) -> None:
        d0, d1, s0, s1, k0, k1 = res["spec"]
        for k, v in res.get("central", {}).items():
            self._put(k, v, d0, d1, s0, s1)
        mcr = res.get("mc")
        if mcr is not None:
            for k, v in mcr.items():
                if k == "n":
                    continue
                if k in ("cost_q", "share_q"):
                    self._put(k, np.moveaxis(v, 0, -1), d0, d1, s0, s1)
                elif k.endswith("_min"):
                    self._acc(k, v, d0, s0, "min")
                elif k.endswith("_max"):
                    self._acc(k, v, d0, s0, "max")
                elif k.startswith(("n_", "cost_sum", "share_sum")) or k.endswith("_hist"):
                    self._acc(k, v, d0, s0, "sum")
                else:
                    self._put(k, v, d0, d1, s0, s1)
        if self.fleet_cost is not None and "fleet_cost" in res:
            self.fleet_cost[s0:s1, k0:k1] += res["fleet_cost"]
            self.fleet_lic[s0:s1, k0:k1] += res["fleet_lic"]  # type: ignore[index]

    def finish(self) -> dict[str, np.ndarray]:
        """Turn sketch-mode sums and histograms into means, probabilities and quantiles."""
        a = self.arrays
        if self.K and not self.plan.exact:
            pl = self.prep.payload
            K = float(self.K)
            a["cost_mean"] = a.pop("cost_sum") / K
            centre = (a["cost_kg"] * pl["m"][:, None]).reshape(-1)
            a["cost_q"] = mc.hist_quantiles(
                a.pop("cost_hist").reshape(-1, mc.HIST_BINS),
                centre,
                pl["half_width"],
                pl["q"],
                a.pop("cost_min").reshape(-1),
                a.pop("cost_max").reshape(-1),
            ).T.reshape(self.D, self.S, -1)
            p = pl["primary"]
            if p is not None:
                a["share_mean"] = a.pop("share_sum") / K
                a["share_q"] = mc.hist_quantiles(
                    a.pop("share_hist").reshape(-1, mc.HIST_BINS),
                    a[f"share{p}"].reshape(-1),
                    pl["half_width"],
                    pl["q"],
                    a.pop("share_min").reshape(-1),
                    a.pop("share_max").reshape(-1),
                ).T.reshape(self.D, self.S, -1)
            for k in [k for k in a if k.startswith("n_ge")]:
                a["p_ge" + k[len("n_ge") :]] = a.pop(k) / K
            a["p_lic"] = a.pop("n_lic") / K
        return a


# --------------------------------------------------------------------------------------------- run
def execute(
    prep: Prepared, plan: Plan, backend: Any, *, progress: bool | None = None
) -> tuple[Aggregate, float]:
    """Run every block of the plan on the backend, reducing results in block order."""
    from tqdm.auto import tqdm

    show = progress if progress is not None else len(plan.blocks) >= 50
    agg = Aggregate(prep, plan)
    t0 = time.perf_counter()
    with tqdm(
        total=len(plan.blocks),
        desc=f"whatif ({backend.name})",
        unit="block",
        disable=not show,
        leave=False,
    ) as bar:
        for res in backend.map_ordered(run_block, prep.payload, plan.blocks):
            agg.add(res)
            bar.update()
    agg.finish()
    return agg, time.perf_counter() - t0


def with_price(prep: Prepared, scenario: int, element: str, price: float) -> Prepared:
    """A copy of ``prep`` whose scenario ``scenario`` has ``element`` at ``price`` (USD/kg), no draws."""
    pl = dict(prep.payload)
    j = pl["elements"].index(element)
    P0 = pl["P0"].copy()
    P0[scenario, j] = price
    pl["P0"] = P0
    pl["draws"] = 0
    return replace(prep, payload=pl)


def cell_central(prep: Prepared, d: int, s: int) -> dict[str, Any]:
    """Central results of one cell (design ``d``, scenario ``s``)."""
    res = run_block(prep.payload, (d, d + 1, s, s + 1, 0, 0))["central"]
    return {k: (v[0, 0] if isinstance(v, np.ndarray) else v) for k, v in res.items()}
