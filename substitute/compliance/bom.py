"""Parts and assemblies (a BOM tree), the origin of their elements, and BOM files.

A :class:`Part` is an alloy with a mass, the origin of each element (``"CN"``, ``"non-CN"``,
``"recycled"``, ``"unknown"`` or a mix of shares), the origin of the magnet-making technology and where
the part is made. An :class:`Assembly` holds parts and sub-assemblies and has a value (USD).
:func:`load_bom` reads a BOM file (YAML or TOML) into that tree. Assessing the tree is
:mod:`substitute.compliance.assess`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from substitute.arrays import number
from substitute.compliance.evaluation import counted_prices
from substitute.compliance.forms import Form, check_form, infer_form
from substitute.errors import DataError, InputError

__all__ = ["ORIGINS", "Assembly", "Part", "load_bom", "normalise_origin", "walk"]

ORIGINS = ("CN", "non-CN", "recycled", "unknown")


# --------------------------------------------------------------------------------------------- origin
def check_choice(value: Any, valid: Sequence[str], what: str) -> str:
    if value not in valid:
        msg = f"{what}: {value!r} is not valid; use one of {', '.join(map(repr, valid))}"
        raise InputError(msg)
    return str(value)


def _shares(spec: Any, what: str) -> dict[str, float]:
    if isinstance(spec, str):
        check_choice(spec, ORIGINS, what)
        return {c: (1.0 if c == spec else 0.0) for c in ORIGINS}
    if isinstance(spec, Mapping):
        bad = [k for k in spec if k not in ORIGINS]
        if bad:
            msg = f"{what}: unknown origin {bad[0]!r}; valid: {', '.join(map(repr, ORIGINS))}"
            raise InputError(msg)
        out = dict.fromkeys(ORIGINS, 0.0)
        for k, v in spec.items():
            out[k] = number(f"{what}: share for {k!r}", v, "fraction of the value")
        total = sum(out.values())
        if abs(total - 1.0) > 1e-6:
            msg = f"{what}: origin shares sum to {total:.6g}, not 1 (got {dict(spec)})"
            raise InputError(msg)
        return out
    msg = (
        f"{what}: expected an origin ({', '.join(ORIGINS)}) or a mapping of shares summing to 1, "
        f"got {type(spec).__name__}"
    )
    raise InputError(msg)


def normalise_origin(origin: Any, where: str = "origin") -> dict[str, dict[str, float]]:
    """Origin spec → ``{element or "default": {CN, non-CN, recycled, unknown shares}}``.

    ``origin`` is one origin for every element (``"CN"``), or a mapping element → origin or shares, with
    an optional ``"default"`` (or ``"*"``) for unlisted elements (default ``"unknown"``).
    """
    from substitute import elements

    if isinstance(origin, str):
        return {"default": _shares(origin, where)}
    if not isinstance(origin, Mapping):
        msg = f"{where}: expected a string or a mapping, got {type(origin).__name__}"
        raise InputError(msg)
    out: dict[str, dict[str, float]] = {"default": _shares("unknown", where)}
    for key, spec in origin.items():
        k = "default" if key in ("default", "*") else str(key)
        if k != "default":
            elements.check_symbol(k, where=f" in {where}")
        out[k] = _shares(spec, f"{where} for {k!r}")
    return out


def cn_share(shares: Mapping[str, float], recycled_counts_as: str) -> float:
    s = shares["CN"] + shares["unknown"]
    if recycled_counts_as == "CN":
        s += shares["recycled"]
    return s


# --------------------------------------------------------------------------------------------- BOM
class Part:
    """A part: one alloy with a mass and the origin of its elements.

    Parameters
    ----------
    name : str
        Label, unique among its siblings.
    alloy : Alloy or str
        The material (a batch of one). A string is parsed as wt% (basis mass).
    mass_kg : float
        Mass of the part, kg (> 0).
    origin : str or mapping, default "unknown"
        Origin of the elements: ``"CN" | "non-CN" | "recycled" | "unknown"`` for all elements, or a
        mapping per element (``{"Dy": "CN", "Tb": {"CN": 0.5, "non-CN": 0.5}, "default": "unknown"}``);
        shares must sum to 1. Unknown counts as China-origin.
    technology_origin : {"unknown", "CN", "non-CN"}, default "unknown"
        Was the magnet made with China-origin magnet-making technology (process or equipment licensed
        from China)? Answers No. 61 limb 1(2), which no composition can answer.
    made_in : {"unknown", "CN", "non-CN"}, default "unknown"
        Where the part is made (exports from China: No. 18/57; China-origin items: No. 61 limb 1(3)).
    value_usd : float, optional
        Value of the part (e.g. ex-works price), USD (> 0). When absent, the part's value is its
        raw-material cost at the price vector used (a lower bound; flagged).
    form : {"magnet", "metal", "alloy", "compound", "magnetostrictive", "target", "other"}, optional
        What the part is, which decides the listed items it can be (see :mod:`substitute.compliance.forms`).
        Default: inferred from the composition, and the inference is printed as an assumption.
    family : {"NdFeB", "SmCo", "SmFeN", "ferrite", "AlNiCo", "other"}, optional
        Magnet family when ``form="magnet"`` (default: inferred).
    grade : str, optional
        The grade name the composition was derived from (a BOM part given as ``grade:``). A grade does not
        fix the heavy-rare-earth content, so a verdict that the derived composition alone decides (no Dy
        or Tb, or a value share below a threshold) is reported as ``unknown_status`` until the real
        composition is declared.

    Raises
    ------
    InputError
        Negative or zero mass or value, origin shares not summing to 1, unknown origin labels.
    """

    level = "part"

    def __init__(
        self,
        name: str,
        alloy: Any,
        mass_kg: float,
        *,
        origin: Any = "unknown",
        technology_origin: str = "unknown",
        made_in: str = "unknown",
        value_usd: float | None = None,
        form: str | None = None,
        family: str | None = None,
        grade: str | None = None,
    ) -> None:
        from substitute.composition import Alloy, AlloyBatch, as_batch

        if not isinstance(name, str) or not name.strip():
            msg = f"part name must be a non-empty string, got {name!r}"
            raise InputError(msg)
        self.name = name
        if isinstance(alloy, str):
            alloy = as_batch(alloy, basis="mass")
        if not isinstance(alloy, AlloyBatch):
            msg = (
                f"part {name!r}: alloy must be an Alloy or a wt% string, got {type(alloy).__name__}"
            )
            raise InputError(msg)
        if len(alloy) != 1:
            msg = f"part {name!r}: alloy must be one alloy, got a batch of {len(alloy)}"
            raise InputError(msg)
        self.alloy = alloy if isinstance(alloy, Alloy) else alloy[0]
        self.mass_kg = number(f"part {name!r}: mass_kg", mass_kg, "kg", lo_open=True)
        self.origin = normalise_origin(origin, f"part {name!r}: origin")
        self.technology_origin = check_choice(
            technology_origin, ("CN", "non-CN", "unknown"), f"part {name!r}: technology_origin"
        )
        self.made_in = check_choice(made_in, ("CN", "non-CN", "unknown"), f"part {name!r}: made_in")
        self.value_usd = (
            None
            if value_usd is None
            else number(f"part {name!r}: value_usd", value_usd, "USD", lo_open=True)
        )
        form, family = check_form(form, family, f"part {name!r}")
        self.form = _resolve_form(self.alloy, form, family)
        self.grade = None if grade is None else str(grade)

    def __repr__(self) -> str:
        return (
            f"Part({self.name!r}, {self.alloy.to_string(decimals=3)!r}, mass_kg={self.mass_kg:g})"
        )

    @property
    def children(self) -> tuple:
        return ()

    def shares(self, element: str) -> dict[str, float]:
        """Origin shares of one element in this part."""
        return self.origin.get(element, self.origin["default"])

    def mass_fraction(self, element: str, zero_below: float | None = None) -> float:
        w = float(self.alloy.get_mass_fraction(element)[0])
        return 0.0 if zero_below is not None and w < zero_below else w

    def parts(self) -> Iterator[Part]:
        yield self


class Assembly:
    """A BOM node: parts and sub-assemblies, with a value.

    Parameters
    ----------
    name : str
        Label, unique among its siblings.
    parts : sequence of Part or Assembly
        Children (an :class:`Assembly` among them is a sub-assembly).
    value_usd : float
        Value of the assembly (denominator of value shares), USD, > 0. No. 61 defines no basis; the EAR
        analogue is the normal selling price f.o.b. factory, excluding VAT.
    mass_kg : float, optional
        Total mass, kg; must be at least the children's mass.
    other_mass_kg : float, optional
        Mass of everything not listed as a child, kg (≥ 0). Give ``mass_kg`` or ``other_mass_kg``; with
        neither, the assembly weighs the sum of its children (flagged).
    made_in : {"unknown", "CN", "non-CN"}, default "unknown"
        Where the assembly is made.

    Raises
    ------
    InputError
        No children, duplicate child names, value ≤ 0, negative masses, children heavier than
        ``mass_kg``, inconsistent ``mass_kg`` and ``other_mass_kg``.
    """

    def __init__(
        self,
        name: str,
        parts: Sequence[Part | Assembly],
        *,
        value_usd: float,
        mass_kg: float | None = None,
        other_mass_kg: float | None = None,
        made_in: str = "unknown",
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            msg = f"assembly name must be a non-empty string, got {name!r}"
            raise InputError(msg)
        self.name = name
        kids = list(parts)
        if not kids:
            msg = f"assembly {name!r}: needs at least one part or sub-assembly"
            raise InputError(msg)
        for k in kids:
            if not isinstance(k, Part | Assembly):
                msg = (
                    f"assembly {name!r}: children must be Part or Assembly, got {type(k).__name__}"
                )
                raise InputError(msg)
        names = [k.name for k in kids]
        dup = sorted({x for x in names if names.count(x) > 1})
        if dup:
            msg = f"assembly {name!r}: duplicate child name(s) {', '.join(map(repr, dup))}; names must be unique"
            raise InputError(msg)
        self._children = tuple(kids)
        self.value_usd = number(f"assembly {name!r}: value_usd", value_usd, "USD", lo_open=True)
        self.made_in = check_choice(
            made_in, ("CN", "non-CN", "unknown"), f"assembly {name!r}: made_in"
        )
        kids_mass = sum(k.mass_kg for k in kids)
        self.mass_given = mass_kg is not None or other_mass_kg is not None
        if other_mass_kg is not None:
            other = number(f"assembly {name!r}: other_mass_kg", other_mass_kg, "kg")
        if mass_kg is not None:
            total = number(f"assembly {name!r}: mass_kg", mass_kg, "kg", lo_open=True)
            if kids_mass > total * (1 + 1e-9):
                msg = (
                    f"assembly {name!r}: its parts weigh {kids_mass:.6g} kg, more than the assembly's "
                    f"mass_kg {total:.6g} kg"
                )
                raise InputError(msg)
            if other_mass_kg is not None and abs(kids_mass + other - total) > 1e-6 * max(
                total, 1.0
            ):
                msg = (
                    f"assembly {name!r}: mass_kg {total:g} kg != parts {kids_mass:g} kg + other_mass_kg "
                    f"{other:g} kg; give one of mass_kg or other_mass_kg"
                )
                raise InputError(msg)
            self.mass_kg: float = total
            self.other_mass_kg = total - kids_mass
        else:
            self.other_mass_kg = other if other_mass_kg is not None else 0.0
            self.mass_kg = kids_mass + self.other_mass_kg

    def __repr__(self) -> str:
        return (
            f"Assembly({self.name!r}, {len(self._children)} children, value_usd={self.value_usd:g})"
        )

    @property
    def children(self) -> tuple[Part | Assembly, ...]:
        return self._children

    def parts(self) -> Iterator[Part]:
        """Every part below this node, depth first."""
        for k in self._children:
            yield from k.parts()


def _resolve_form(alloy: Any, form: str | None, family: str | None) -> Form:
    """The declared form (completed by inference where only ``form="magnet"`` is given), or the inferred one."""
    if form is None and family is None:
        return infer_form(alloy)
    if form is None:  # a family alone means a magnet
        form = "magnet"
    if form == "magnet" and family is None:
        guess = infer_form(alloy)
        fam = guess.family if guess.form == "magnet" else "other"
        return Form("magnet", fam, True, f"declared a magnet; family inferred: {guess.reason}")
    return Form(form, family or "", False, "declared")


def walk(item: Part | Assembly) -> list[tuple[str, str, Part | Assembly]]:
    out: list[tuple[str, str, Part | Assembly]] = []

    def rec(node: Part | Assembly, path: str, depth: int) -> None:
        level = "part" if isinstance(node, Part) else ("assembly" if depth == 0 else "subassembly")
        out.append((level, path, node))
        for k in node.children:
            rec(k, f"{path}/{k.name}", depth + 1)

    if not isinstance(item, Part | Assembly):
        msg = f"assess: expected a Part or an Assembly, got {type(item).__name__}"
        raise InputError(msg)
    rec(item, item.name, 0)
    return out


# --------------------------------------------------------------------------------------------- node sums
class NodeSums:
    """Element masses of a BOM node by origin (conservative and best case) and its value."""

    def __init__(
        self,
        node: Part | Assembly,
        level: str,
        path: str,
        recycled_counts_as: str,
        zero_below: float | None,
    ) -> None:
        self.node, self.level, self.path = node, level, path
        self.parts = list(node.parts())
        els: dict[str, None] = {}
        for p in self.parts:
            els.update(dict.fromkeys(p.alloy.elements))
        self.elements = tuple(els)
        self.m_all: dict[str, float] = {}
        self.m_cn: dict[str, float] = {}
        self.m_cn_best: dict[str, float] = {}
        self.unknown: dict[str, list[str]] = {}
        self.recycled: dict[str, list[str]] = {}
        for e in self.elements:
            a = c = cb = 0.0
            for p in self.parts:
                me = p.mass_kg * p.mass_fraction(e, zero_below)
                if me <= 0:
                    continue
                sh = p.shares(e)
                a += me
                c += me * cn_share(sh, recycled_counts_as)
                cb += me * sh["CN"]
                if sh["unknown"] > 0:
                    self.unknown.setdefault(e, []).append(p.name)
                if sh["recycled"] > 0:
                    self.recycled.setdefault(e, []).append(p.name)
            self.m_all[e], self.m_cn[e], self.m_cn_best[e] = a, c, cb
        self.mass_kg = node.mass_kg
        self.value_given = node.value_usd is not None
        self._value = node.value_usd

    def mass(self, els: Iterable[str], which: str = "all") -> float:
        d = {"all": self.m_all, "cn": self.m_cn, "best": self.m_cn_best}[which]
        return float(sum(d.get(e, 0.0) for e in els))

    def present(self, els: Iterable[str]) -> list[str]:
        return [e for e in els if self.m_all.get(e, 0.0) > 0]

    def value(self, pv: Any) -> float:
        """Item value, USD; a part without value_usd is valued at raw-material cost (may raise)."""
        if self._value is not None:
            return float(self._value)
        from substitute.prices import alloy_cost_per_kg

        assert isinstance(self.node, Part)
        return float(alloy_cost_per_kg(self.node.alloy, pv)[0]) * self.node.mass_kg

    def tech_origin(self, trigger: Sequence[str]) -> str:
        origins = [
            p.technology_origin for p in self.parts if any(p.mass_fraction(e) > 0 for e in trigger)
        ]
        if not origins:
            return ""
        if "CN" in origins:
            return "CN"
        return "unknown" if "unknown" in origins else "non-CN"


def counted_value(node: NodeSums, els: Sequence[str], pv: Any, which: str) -> float:
    """Σ China-origin mass × price over ``els``; a price is required only where that mass is > 0."""
    need = [e for e in els if node.mass([e], which) > 0]
    if not need:
        return 0.0
    p = counted_prices(pv, need)
    return float(sum(node.mass([e], which) * pi for e, pi in zip(need, p, strict=True)))


# --------------------------------------------------------------------------------------------- BOM file
class _BomModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BomPart(_BomModel):
    name: str
    composition_wt_pct: str | None = None
    composition_at_pct: str | None = None
    grade: str | None = None
    mass_kg: float
    origin: str | dict[str, Any] = "unknown"
    technology_origin: str = "unknown"
    made_in: str = "unknown"
    value_usd: float | None = None
    form: str | None = None
    family: str | None = None


class BomAssembly(_BomModel):
    name: str
    value_usd: float
    mass_kg: float | None = None
    other_mass_kg: float | None = None
    made_in: str = "unknown"
    parts: list[dict[str, Any]] = Field(min_length=1)


class BomFile(_BomModel):
    format: Literal["substitute-bom/1"]
    as_of: str | None = None
    prices: str | dict[str, float] | None = None
    assume: str | None = None
    end_use: str | None = None
    destination: str | None = None
    description: str | None = None
    item: dict[str, Any]


def _bom_error(where: str, path: str, exc: ValidationError | Exception) -> DataError:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err.get("loc", ()))
        return DataError(f"{where}: entry {path!r}: field {loc!r}: {err.get('msg')}")
    return DataError(f"{where}: entry {path!r}: {exc}")


def _bom_node(raw: Any, where: str, path: str) -> Part | Assembly:
    from substitute.composition import Alloy

    if not isinstance(raw, dict):
        msg = f"{where}: entry {path!r}: expected a mapping, got {type(raw).__name__}"
        raise DataError(msg)
    label = f"{path}/{raw.get('name', '?')}" if path else str(raw.get("name", "?"))
    try:
        if "parts" in raw:
            a = BomAssembly.model_validate(raw)
            kids = [_bom_node(k, where, label) for k in a.parts]
            return Assembly(
                a.name,
                kids,
                value_usd=a.value_usd,
                mass_kg=a.mass_kg,
                other_mass_kg=a.other_mass_kg,
                made_in=a.made_in,
            )
        p = BomPart.model_validate(raw)
        given = [k for k in ("composition_wt_pct", "composition_at_pct", "grade") if getattr(p, k)]
        if len(given) != 1:
            msg = (
                "give exactly one of 'composition_wt_pct', 'composition_at_pct' or 'grade' "
                f"(got {', '.join(given) or 'none'})"
            )
            raise DataError(msg)
        if p.composition_wt_pct:
            alloy = Alloy.parse(p.composition_wt_pct, basis="mass", name=p.name)
        elif p.composition_at_pct:
            alloy = Alloy.parse(p.composition_at_pct, basis="atomic", name=p.name)
        else:
            alloy = Alloy.from_grade(str(p.grade))  # its heavy RE is the model's, not the part's
        return Part(
            p.name,
            alloy,
            p.mass_kg,
            origin=p.origin,
            technology_origin=p.technology_origin,
            made_in=p.made_in,
            value_usd=p.value_usd,
            form=p.form,
            family=p.family,
            grade=p.grade,
        )
    except DataError as exc:
        if str(exc).startswith(where):
            raise
        raise _bom_error(where, label, exc) from None
    except ValidationError as exc:
        raise _bom_error(where, label, exc) from None
    except (InputError, ValueError, KeyError) as exc:
        raise _bom_error(where, label, exc) from None


def load_bom(path: str | Path) -> tuple[Part | Assembly, dict[str, Any]]:
    """Read a BOM file (YAML, format ``substitute-bom/1``).

    The file holds ``format: substitute-bom/1``, optional run settings (``as_of``, ``prices`` — a vector
    name, a CSV path relative to the file, or a mapping of USD/kg —, ``assume``, ``end_use``,
    ``destination``) and ``item``: an assembly (``name, value_usd, mass_kg | other_mass_kg, made_in,
    parts``) whose ``parts`` are parts (``name, composition_wt_pct | composition_at_pct | grade, mass_kg,
    origin, technology_origin, made_in, value_usd``) or nested assemblies (any entry with ``parts``).
    See ``datasets/examples/e-axle-bom.yaml`` and ``docs/guides/compliance.md``.

    Returns
    -------
    (Part or Assembly, dict)
        The BOM and its settings (only the keys the file sets).

    Raises
    ------
    DataError
        File missing or not YAML, unknown keys, bad values: the message names the file, the entry path
        and the field.
    """
    from substitute import data

    p = Path(path)
    raw = data.read_user_file(p, what="BOM file")
    where = str(p)
    try:
        f = BomFile.model_validate(raw)
    except ValidationError as exc:
        raise _bom_error(where, "(file)", exc) from None
    item = _bom_node(f.item, where, "")
    settings = {
        k: getattr(f, k)
        for k in ("as_of", "prices", "assume", "end_use", "destination")
        if getattr(f, k) is not None
    }
    pr = settings.get("prices")
    if isinstance(pr, str) and pr.lower().endswith(".csv") and not Path(pr).is_absolute():
        settings["prices"] = str(p.parent / pr)
    return item, settings
