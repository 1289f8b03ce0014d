"""The Python examples in the README and the user guides run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ["README.md", "docs/getting-started.md", "docs/ranking.md"]


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
