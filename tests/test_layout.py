"""The package layout stays true: imports point one way between layers, no module imports a circle, nothing
imports through the package root, and importing one part does not import the others.

Layers (DESIGN.md): core ← composition ← {prices, properties} ; prices ← compliance ; {compliance, properties}
← ranking ← whatif ← report ← cli. Every import counts, also those inside functions (a lazy import is still a
dependency); imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "substitute"

#: layer of each top-level part of the package (a module may import its own layer's part or lower layers)
LAYERS: dict[str, int] = {
    "_version": 0,
    "errors": 0,
    "units": 0,
    "backends": 0,
    "arrays": 0,
    "elements": 0,
    "data": 0,
    "outputs": 0,
    "userfiles": 0,
    "locate": 0,
    "composition": 1,
    "prices": 2,
    "properties": 2,
    "compliance": 3,
    "ranking": 4,
    "whatif": 5,
    "report": 6,
    "cli": 7,
    "__main__": 8,  # python -m substitute: the command line, above everything
}
#: parts that must not import each other even where the layers would allow it
SIBLINGS = [("compliance", "properties"), ("prices", "properties")]
#: the documented upward arrows: (importer, imported) → where it is explained
ALLOWED_UP = {
    ("substitute.composition.alloy", "substitute.properties.grades"): "Alloy.from_grade docstring",
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PKG.rglob("*.py"):
        parts = p.relative_to(PKG.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def _imports(name: str) -> set[str]:
    """Modules of the package that ``name`` imports (at run time)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            skip |= {id(n) for b in node.body for n in ast.walk(b)}
    is_pkg = MODULES[name].name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".") if is_pkg else name.split(".")[:-1]
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for a in node.names:
                full = f"{base}.{a.name}"
                out.add(full if full in MODULES else base)
    return {m for m in out if m.split(".")[0] == "substitute" and m != name}


GRAPH = {m: _imports(m) for m in MODULES}


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_part_has_a_layer():
    parts = {_part(m) for m in MODULES} - {None}
    assert parts <= set(LAYERS), f"parts without a layer: {sorted(parts - set(LAYERS))}"


def test_no_module_imports_the_package_root():
    offenders = sorted(m for m, deps in GRAPH.items() if "substitute" in deps and m != "substitute")
    assert offenders == [], "import from the defining module, not through `substitute`"


def test_imports_point_down_the_layers():
    bad = []
    for m, deps in GRAPH.items():
        pm = _part(m)
        if pm is None:
            continue
        for d in deps:
            pd_ = _part(d)
            if pd_ is None or pd_ == pm:
                continue
            if LAYERS[pd_] > LAYERS[pm] and (m, d) not in ALLOWED_UP:
                bad.append(f"{m} → {d} (layer {LAYERS[pm]} imports layer {LAYERS[pd_]})")
            if LAYERS[pd_] == LAYERS[pm] and LAYERS[pm] > 0:
                bad.append(f"{m} → {d} (two parts of one layer)")
    assert bad == []


@pytest.mark.parametrize(("a", "b"), SIBLINGS)
def test_siblings_never_import_each_other(a, b):
    pairs = [(m, d) for m, deps in GRAPH.items() for d in deps if {_part(m), _part(d)} == {a, b}]
    assert pairs == []


def test_no_import_circles():
    """No cycle among modules (lazy imports included), except through the documented upward arrows."""
    graph = {
        m: {d for d in deps if d in MODULES and (m, d) not in ALLOWED_UP}
        for m, deps in GRAPH.items()
    }
    # a package's __init__ re-exports its modules; an edge module → own package __init__ is a re-export
    # look-up, so package nodes are dropped from the cycle search
    for m in graph:
        graph[m] = {d for d in graph[m] if MODULES[d].name != "__init__.py"}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(n: str) -> None:
        state[n] = 1
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            if state.get(d) == 1:
                cycles.append([*stack[stack.index(d) :], d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    assert cycles == []


def test_modules_import_names_from_the_module_that_defines_them():
    """``from substitute.x.y import name`` names the module where ``name`` is defined (package
    ``__init__`` re-exports are for users outside the package)."""
    defined: dict[str, set[str]] = {}
    for m, p in MODULES.items():
        tree = ast.parse(p.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        defined[m] = names
    bad = []
    for m, p in MODULES.items():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                continue
            src = node.module
            if src not in MODULES or src == "substitute" or MODULES[src].name == "__init__.py":
                continue
            for a in node.names:
                if a.name not in defined[src] and f"{src}.{a.name}" not in MODULES:
                    bad.append(f"{m}: {a.name} is not defined in {src}")
    assert bad == []


@pytest.mark.parametrize(
    ("module", "must_not_load"),
    [
        ("substitute", ["pandas", "substitute.compliance", "substitute.properties", "matplotlib"]),
        ("substitute.compliance", ["substitute.properties", "substitute.ranking", "matplotlib"]),
        ("substitute.properties", ["substitute.compliance", "substitute.ranking", "matplotlib"]),
        ("substitute.composition", ["substitute.properties", "substitute.compliance"]),
    ],
)
def test_importing_one_part_does_not_import_the_others(module, must_not_load):
    code = (
        f"import sys, {module}; print(' '.join(m for m in {must_not_load!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
