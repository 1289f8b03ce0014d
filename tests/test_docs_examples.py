"""The Python examples in the README and the user guides run as written; the docs' links resolve."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# pages whose ```python blocks run offline in seconds (docs/guides/procurement.md is run, with checks on
# its results, by tests/test_whatif.py::test_docs_whatif_examples_run)
DOCS = [
    "README.md",
    "docs/getting-started.md",
    "docs/concepts/basis.md",
    "docs/guides/rd.md",
    "docs/guides/compliance.md",
]


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.mark.parametrize("doc", DOCS)
def test_python_examples_run(doc, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = _blocks(ROOT / doc)
    assert blocks, f"{doc} has no python example"
    namespace: dict = {}
    for code in blocks:  # blocks of one page share a namespace, like a reader following along
        exec(compile(code, f"{doc}:example", "exec"), namespace)


def test_readme_links_to_docs_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(((?:docs|datasets)/[^)#]+)", text)
    assert targets, "the README links no docs page"
    missing = [t for t in targets if not (ROOT / t).is_file()]
    assert not missing, f"README links to missing files: {missing}"


def _cards_hook():
    spec = importlib.util.spec_from_file_location(
        "build_docs_data_cards", ROOT / "scripts" / "build_docs_data_cards.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_data_card_is_published_once():
    cards = _cards_hook().cards()
    shipped = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "datasets").rglob("*.md"))
    assert sorted(c["source"] for c in cards) == shipped
    uris = [c["uri"] for c in cards]
    assert len(set(uris)) == len(uris)
    assert all(u.startswith("data/cards/") and u.endswith(".md") for u in uris)
    # a card page must not be shadowed by a hand-written copy in docs/
    assert not [u for u in uris if (ROOT / "docs" / u).exists()]


def test_card_page_names_its_source():
    hook = _cards_hook()
    card = next(c for c in hook.cards() if c["source"] == "datasets/rules/catalog.md")
    page = hook._page(card)
    assert page.startswith("# Data card: rule catalog")
    head = "\n".join(page.splitlines()[:5])
    assert "Data card shipped with the data" in head
    assert "`datasets/rules/catalog.md`" in head
    assert card["nav_title"] == "catalog.yaml"
