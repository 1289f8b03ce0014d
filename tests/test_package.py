"""Package-wide checks: no file read at import, public names documented, data cards present."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import substitute as sb

ROOT = Path(__file__).resolve().parents[1]


def test_import_reads_no_data_file():
    # Import in a fresh interpreter with open() traced: nothing under datasets/ may be opened.
    code = (
        "import builtins, io\n"
        "opened = []\n"
        "orig = io.open\n"
        "def spy(f, *a, **k):\n"
        "    opened.append(str(f)); return orig(f, *a, **k)\n"
        "builtins.open = spy; io.open = spy\n"
        "import substitute\n"
        "bad = [p for p in opened if 'datasets' in p]\n"
        "print(len(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_every_public_callable_has_a_docstring():
    missing = []
    for name in sb.__all__:
        obj = getattr(sb, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
            missing.append(name)
    assert missing == []


def test_public_classes_document_their_methods():
    missing = []
    for cls in (sb.Alloy, sb.AlloyBatch):
        for name, member in inspect.getmembers(cls):
            if name.startswith("_"):
                continue
            if (inspect.isfunction(member) or isinstance(member, property)) and not inspect.getdoc(
                member
            ):
                missing.append(f"{cls.__name__}.{name}")
    assert missing == []


def test_every_shipped_table_has_a_card():
    data = ROOT / "datasets"
    tables = [p for p in data.rglob("*") if p.suffix in {".csv", ".yaml", ".json"}]
    assert tables
    orphans = []
    for p in tables:
        cards = list(p.parent.glob("*.md"))
        if not cards:
            orphans.append(str(p.relative_to(ROOT)))
    assert orphans == []


def test_every_subpackage_is_shipped():
    # the wheel ships only packages listed in pyproject.toml; an editable install would hide a gap
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "substitute").rglob("__init__.py")
    }
    assert found - listed == set()
    assert "substitute.datasets" in listed
    # every data folder (datasets/<name>/) is a listed package too, or a wheel ships without it
    folders = {
        "substitute.datasets." + p.name
        for p in (ROOT / "datasets").iterdir()
        if p.is_dir() and not p.name.startswith(("_", "."))
    }
    assert folders - listed == set()
