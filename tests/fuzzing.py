"""Fuzz targets for every parser of user input (issue 17), shared by ``tests/test_fuzz.py`` (a short run
inside ``make test``) and ``scripts/fuzz.py`` (``make fuzz``: ≥ 10,000 inputs per parser).

Each target pairs a hypothesis strategy with the call that parses the input. Inputs are either built from
the input's grammar or schema (element symbols and amounts; the shipped study, what-if, BOM, overlay and
price files) and then mutated — values replaced by hostile ones, keys deleted or invented, characters
inserted, deleted or replaced in the text — or are arbitrary text. The property checked by
:func:`run_one`: the call returns, or raises :class:`substitute.SubstituteError`, within the target's time
bound; any other exception, or a call that has to be stopped, is a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import signal
import time
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

import substitute as sb
from substitute import data

# ------------------------------------------------------------------------------------------ building blocks
SYMBOLS = [
    "Nd",
    "Pr",
    "Dy",
    "Tb",
    "Ho",
    "Ce",
    "La",
    "Fe",
    "B",
    "Co",
    "Cu",
    "Ga",
    "Al",
    "Sm",
    "Y",
    "Zr",
]
JUNK_SYMBOLS = ["Xx", "nd", "ND", "Fe2", "D", "", "Ü", "Nd-", "bal", "rest", "Fe(", "Nd\x00"]
HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "\ufeff",
    "\u202e",
    "💥",
    "nan",
    "inf",
    "-inf",
    "1e309",
    "-0",
    "9" * 5000,
    "1" + "0" * 400,
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "../../../etc/passwd",
    "%s%n%x",
    "{{7*7}}",
    "\r\n",
    "\t",
    " " * 3000,
    ",,,,",
    "12 kOe",
    "150 °C",
    "true",
]
NUMBERS = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e-300, 1e300, 10**30, 0.1, 100, 99.9999]),
)
NUMBER_TEXT = st.one_of(
    NUMBERS.map(str),
    st.from_regex(r"-?[0-9]{0,4}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
)
TEXT = st.one_of(
    st.text(max_size=200),
    st.sampled_from(HOSTILE_TEXT),
    st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
)


@st.composite
def mutated(draw: st.DrawFn, base: str, max_edits: int = 4) -> str:
    """``base`` with a few random edits: insert, delete or replace a span with hostile or random text."""
    text = base
    for _ in range(draw(st.integers(min_value=1, max_value=max_edits))):
        i = draw(st.integers(min_value=0, max_value=len(text)))
        j = draw(st.integers(min_value=i, max_value=min(len(text), i + 20)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        payload = draw(st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=12), NUMBER_TEXT))
        if kind == "insert":
            text = text[:i] + payload + text[i:]
        elif kind == "delete":
            text = text[:i] + text[j:]
        else:
            text = text[:i] + payload + text[j:]
    return text


# ------------------------------------------------------------------------------------------ compositions
@st.composite
def composition_text(draw: st.DrawFn) -> str:
    n = draw(st.integers(min_value=0, max_value=8))
    symbols = st.one_of(st.sampled_from(SYMBOLS), st.sampled_from(JUNK_SYMBOLS))
    parts = [
        f"{draw(symbols)}{draw(st.sampled_from(['', ' ', '  ']))}{draw(NUMBER_TEXT)}"
        for _ in range(n)
    ]
    if draw(st.booleans()):
        parts.append(f"{draw(symbols)} bal")
    text = draw(st.sampled_from([", ", ",", " ", "; ", "-"])).join(parts)
    return text + draw(st.sampled_from(["", " wt%", " at%", " (wt%)", " wt.%", " %", " mass"]))


@st.composite
def valid_composition_text(draw: st.DrawFn) -> str:
    """A composition that should parse: a few elements with small amounts and a balance element."""
    syms = draw(st.lists(st.sampled_from(SYMBOLS[:-4]), min_size=1, max_size=7, unique=True))
    amounts = [draw(st.floats(min_value=0, max_value=12)) for _ in syms[1:]]
    body = ", ".join(f"{s} {a:.3g}" for s, a in zip(syms[1:], amounts, strict=True))
    return (
        (body + ", " if body else "") + f"{syms[0]} bal" + draw(st.sampled_from([" wt%", " at%"]))
    )


COMPOSITIONS = st.one_of(
    valid_composition_text(),
    valid_composition_text().flatmap(mutated),
    composition_text(),
    composition_text().flatmap(mutated),
    TEXT,
)


def _parse_composition(x: tuple[str, str | None]) -> Any:
    text, basis = x
    return sb.Alloy.parse(text, basis=basis)


@st.composite
def composition_frame(draw: st.DrawFn) -> Any:
    import pandas as pd

    cols = draw(
        st.lists(
            st.one_of(st.sampled_from(SYMBOLS), st.sampled_from(JUNK_SYMBOLS), st.text(max_size=4)),
            max_size=6,
        )
    )
    n = draw(st.integers(min_value=0, max_value=4))
    values = st.one_of(NUMBERS, st.sampled_from(HOSTILE_TEXT), st.none(), st.booleans())
    frame = pd.DataFrame({c: [draw(values) for _ in range(n)] for c in cols})
    basis = draw(st.sampled_from(["mass_percent", "mass_fraction", "atomic_percent", "x"]))
    return frame, basis


def _from_frame(x: tuple[Any, str]) -> Any:
    frame, basis = x
    return sb.AlloyBatch.from_frame(frame, basis=basis)


@st.composite
def formula_text(draw: st.DrawFn) -> str:
    n = draw(st.integers(min_value=1, max_value=5))
    out = ""
    for _ in range(n):
        out += draw(st.one_of(st.sampled_from(SYMBOLS), st.sampled_from(JUNK_SYMBOLS)))
        out += draw(st.one_of(st.just(""), NUMBER_TEXT))
    return out


# ------------------------------------------------------------------------------------------ names, dates, units
GRADE_SUFFIXES = ["", "M", "H", "SH", "UH", "EH", "AH", "TH", "X", "h", " SH", "-SH"]


@st.composite
def grade_text(draw: st.DrawFn) -> str:
    prefix = draw(
        st.sampled_from(["N", "n", "YX", "YXG", "XGS", "BNP-", "Y", "C", "MQP-", "", "NN"])
    )
    number = draw(
        st.one_of(
            st.integers(min_value=20, max_value=60).map(str),
            st.integers(min_value=-5, max_value=120).map(str),
            NUMBER_TEXT,
        )
    )
    return prefix + number + draw(st.sampled_from(GRADE_SUFFIXES))


def _grade(x: tuple[str, str | None]) -> Any:
    name, family = x
    return sb.grade(name, family=family)


DATES = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.datetimes(timezones=st.timezones()).map(dt.datetime.isoformat),
    st.datetimes().map(dt.datetime.isoformat),
    st.dates(),
    st.datetimes(timezones=st.timezones()),
    st.sampled_from(["today", "2026-11-10", "2026-11-10T23:30-08:00", "2026-02-30", "26-11-10"]),
    st.dates().map(dt.date.isoformat).flatmap(mutated),
    TEXT,
)


def _date(x: Any) -> Any:
    from substitute.compliance.status import parse_date

    return parse_date(x)


UNIT_NAMES = ["T", "kG", "G", "mT", "kA/m", "kOe", "Oe", "A/m", "kJ/m^3", "MGOe", "K", "°C", "degC",
              "emu/g", "kg", "g", "mm", "m", "MG*Oe", "kJ/m³", "%", "1/K", "s"]  # fmt: skip
UNIT_STRINGS = st.one_of(
    st.tuples(NUMBER_TEXT, st.sampled_from(["", " ", "  "]), st.sampled_from(UNIT_NAMES)).map(
        "".join
    ),
    st.tuples(NUMBER_TEXT, st.sampled_from(UNIT_NAMES)).map(" ".join).flatmap(mutated),
    TEXT,
)


def _units(x: tuple[str, str]) -> Any:
    from substitute import units

    text, kind = x
    return units.to_si(text, kind)


# ------------------------------------------------------------------------------------------ documents
JSONISH = st.recursive(
    st.one_of(
        NUMBERS,
        st.booleans(),
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=30),
        st.dates(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.extend(_paths(v, (*prefix, i)))
    return out


@st.composite
def mutated_tree(draw: st.DrawFn, base: Any) -> Any:
    """A deep copy of ``base`` with a few values replaced, keys deleted or invented."""
    doc = json.loads(json.dumps(base, default=str))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        key = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "delete", "invent"]))
        if action == "replace":
            parent[key] = draw(JSONISH)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10))] = draw(JSONISH)
        else:
            parent.append(draw(JSONISH))
    return doc


def _toml_key(k: str) -> str:
    return k if k and all(c.isalnum() or c in "_-" for c in k) else json.dumps(k)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return (
            "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        )
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        items = ", ".join(
            f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items() if x is not None
        )
        return "{" + items + "}"
    return json.dumps(str(v))


def to_toml(doc: dict) -> str:
    """A small TOML writer for the fuzzer (top-level tables and arrays of tables; the rest inline)."""
    lines: list[str] = []
    tables = []
    for k, v in doc.items():
        if isinstance(v, dict):
            tables.append((k, v, False))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            tables.append((k, v, True))
        elif v is not None:
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v, many in tables:
        for t in v if many else [v]:
            lines.append(f"[[{_toml_key(k)}]]" if many else f"[{_toml_key(k)}]")
            lines.extend(
                f"{_toml_key(a)} = {_toml_value(b)}" for a, b in t.items() if b is not None
            )
    return "\n".join(lines) + "\n"


def _shipped(path: str) -> str:
    return data.path(path).read_text(encoding="utf-8")


def document(
    text: str, parse: Callable[[str], Any], dump: Callable[[Any], str]
) -> st.SearchStrategy:
    """Documents built from a shipped file: its tree mutated and written back, or its text mutated."""
    tree = parse(text)
    return st.one_of(
        mutated_tree(tree).map(dump),
        mutated(text, max_edits=3),
        st.just(text),
    ).map(lambda s: s.encode("utf-8", "surrogatepass"))


def _bytes(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly the document's text; sometimes re-encoded (UTF-16) or with raw bytes inserted."""
    return st.one_of(
        strategy,
        strategy.map(lambda b: b.decode("utf-8", "replace").encode("utf-16")),
        st.tuples(strategy, st.binary(min_size=1, max_size=8)).map(lambda t: t[1] + t[0]),
    )


@dataclass
class Workdir:
    """Where document targets write their inputs (one file per target, overwritten per input)."""

    root: Path

    def write(self, name: str, content: bytes) -> Path:
        p = self.root / name
        p.write_bytes(content)
        return p


def _study(work: Workdir, content: bytes) -> Any:
    from substitute.ranking.study import load_study

    return load_study(work.write("study.toml", content))


def _whatif(work: Workdir, content: bytes) -> Any:
    from substitute.whatif import load_whatif_study

    return load_whatif_study(work.write("whatif.toml", content))


def _bom(work: Workdir, content: bytes) -> Any:
    item, settings = sb.load_bom(work.write("bom.yaml", content))
    return sb.assess(item, as_of=settings.get("as_of", "2026-11-22"))


def _overlay(work: Workdir, content: bytes) -> Any:
    return sb.load_catalog(overlays=[work.write("overlay.yaml", content)])


def _prices(work: Workdir, content: bytes) -> Any:
    return sb.price_vector(work.write("prices.csv", content))


def _measured(work: Workdir, content: bytes) -> Any:
    from substitute.cli.predict import _measured_model

    return _measured_model(str(work.write("measured.csv", content)))


MEASURED = """composition,route,br_T,hcj_kA_per_m,composition_basis,temperature_C,grain_size_um,thickness_mm,gbd_element,gbd_mass_percent,beta_hcj_pct_per_K,coefficient_range_C
"Nd 23, Pr 7.5, Dy 1, B 0.95, Co 1, Cu 0.15, Ga 0.2, Fe bal",sintered,1.33,1900,mass,20,5,,,,-0.55,20-150
"Nd 24, Pr 8, Tb 0.4, B 0.95, Cu 0.1, Ga 0.2, Fe bal",sintered_gbd,1.36,1800,mass,,4,5,Tb,0.4,,
"Nd 13.5, Fe 80.5, B 6",hot_deformed,1.30,1200,atomic,20,0.3,,,,,
"""


OVERLAY = """overlay: {name: "hypothetical: Nd and Pr in Part I, threshold 0.01 %"}
rule_sets:
  - id: CN-MOFCOM-2025-61
    annex1:
      part_I_inputs+:
        - {item: "Nd metal (hypothetical)", element: Nd}
    limbs:
      - {id: "1(1)", threshold: {value: 0.0001}}
    status_history:
      - {from: "2026-12-01", status: in_force, source: "hypothetical scenario"}
"""


def _yaml_dump(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _csv_parse(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text)))


def _csv_dump(rows: Any) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    for r in rows if isinstance(rows, list) else [rows]:
        w.writerow(r if isinstance(r, list) else [r])
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ targets
@dataclass
class Target:
    """One parser under fuzzing: the inputs, the call, and the time one input may take [s]."""

    name: str
    strategy: st.SearchStrategy
    call: Callable[..., Any]
    bound_s: float
    needs_workdir: bool = False
    warm: Any = None  # a valid input, run once before counting (one-time table loads are not timed)
    tally: dict[str, int] = field(default_factory=lambda: {"accepted": 0, "refused": 0})

    def warm_up(self, work: Workdir | None) -> None:
        """Run the valid input once; the tally is not changed."""
        if self.warm is None:
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.call(work, self.warm) if self.needs_workdir else self.call(self.warm)


def targets() -> list[Target]:
    """Every fuzzed parser (strategies are built here, reading the shipped files once)."""
    basis = st.sampled_from([None, "mass", "atomic", "weight", ""])
    families = st.sampled_from([None, "NdFeB", "SmCo", "ferrite", "bonded", "x"])
    kinds = st.sampled_from(["field", "flux_density", "energy_density", "temperature", "mass", "x"])
    listed = sorted(set(data.read_csv("grades/vendor_grades.csv")["grade"].astype(str)))
    return [
        Target(
            "composition string",
            st.tuples(COMPOSITIONS, basis),
            _parse_composition,
            1.0,
            warm=("Nd 30, B 1, Fe bal wt%", None),
        ),
        Target("composition frame", composition_frame(), _from_frame, 1.0),
        Target(
            "formula",
            st.one_of(formula_text(), formula_text().flatmap(mutated), TEXT),
            sb.Alloy.from_formula,
            1.0,
        ),
        Target(
            "grade name",
            st.tuples(
                st.one_of(
                    st.sampled_from(listed),
                    st.sampled_from(listed).flatmap(mutated),
                    grade_text(),
                    grade_text().flatmap(mutated),
                    TEXT,
                ),
                families,
            ),
            _grade,
            1.0,
            warm=("N42SH", None),
        ),
        Target("date", DATES, _date, 1.0, warm="2026-11-10"),
        Target(
            "unit string", st.tuples(UNIT_STRINGS, kinds), _units, 1.0, warm=("12 kOe", "field")
        ),
        Target(
            "study document",
            _bytes(document(_shipped("examples/default-study.toml"), tomllib.loads, to_toml)),
            _study,
            5.0,
            needs_workdir=True,
            warm=_shipped("examples/default-study.toml").encode(),
        ),
        Target(
            "what-if document",
            _bytes(document(_whatif_text(), tomllib.loads, to_toml)),
            _whatif,
            5.0,
            needs_workdir=True,
            warm=_whatif_text().encode(),
        ),
        Target(
            "BOM document",
            _bytes(document(_shipped("examples/e-axle-bom.yaml"), yaml.safe_load, _yaml_dump)),
            _bom,
            5.0,
            needs_workdir=True,
            warm=_shipped("examples/e-axle-bom.yaml").encode(),
        ),
        Target(
            "overlay document",
            _bytes(document(OVERLAY, yaml.safe_load, _yaml_dump)),
            _overlay,
            5.0,
            needs_workdir=True,
            warm=OVERLAY.encode(),
        ),
        Target(
            "price document",
            _bytes(document(_shipped("prices/ex_china_2025.csv"), _csv_parse, _csv_dump)),
            _prices,
            5.0,
            needs_workdir=True,
            warm=_shipped("prices/ex_china_2025.csv").encode(),
        ),
        Target(
            "measured-magnets table",
            _bytes(document(MEASURED, _csv_parse, _csv_dump)),
            _measured,
            5.0,
            needs_workdir=True,
            warm=MEASURED.encode(),
        ),
    ]


def _whatif_text() -> str:
    text = (Path(__file__).parents[1] / "notebooks" / "fleet-whatif.toml").read_text(
        encoding="utf-8"
    )
    return text


# ------------------------------------------------------------------------------------------ the property
class Stopped(BaseException):
    """An input ran past the hard limit (several times its bound) and was stopped."""


@dataclass
class Failure:
    target: str
    input: Any
    kind: str  # "exception" | "slow" | "stopped"
    detail: str


def run_one(
    target: Target, value: Any, work: Workdir | None, retry_slow: bool = True
) -> Failure | None:
    """Call the target on one input; tally accepted/refused; return a failure or None.

    An input over its time bound is timed once more and fails only if it is slow again: a pause of the
    machine (garbage collection, another process) does not repeat, slowness in the parser does."""

    def stop(signum: int, frame: Any) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, target.bound_s * 4)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if target.needs_workdir:
                target.call(work, value)
            else:
                target.call(value)
        outcome = "accepted"
    except sb.SubstituteError:
        outcome = "refused"
    except Stopped:
        return Failure(target.name, value, "stopped", f"stopped after {target.bound_s * 4:g} s")
    except Exception as exc:  # the property: nothing but SubstituteError
        return Failure(target.name, value, "exception", f"{type(exc).__name__}: {exc}"[:300])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    elapsed = time.perf_counter() - t0
    if elapsed > target.bound_s and retry_slow:
        again = run_one(target, value, work, retry_slow=False)  # tallies the input, once
        if again is None or again.kind != "slow":
            return again
        return Failure(target.name, value, "slow", f"{elapsed:.2f} s, then {again.detail}")
    target.tally[outcome] += 1
    if elapsed > target.bound_s:
        return Failure(target.name, value, "slow", f"{elapsed:.2f} s > {target.bound_s:g} s")
    return None
