"""MkDocs hook: publish every data card ``datasets/**/*.md`` on the docs site, at build time.

The cards live beside the data they describe (one ``<name>.md`` per table, enforced by a test); mkdocs
only reads ``docs/``. Rather than copying them by hand (and letting the copies drift), this hook, named
in ``mkdocs.yml`` under ``hooks:``, does three things on every ``mkdocs build`` / ``mkdocs serve``:

- ``on_config``: appends one nav section per ``datasets/`` sub-folder to the "Data cards" section, one
  entry per card, titled by the data file(s) it documents;
- ``on_files``: adds each card as a virtual page ``data/cards/<folder>/<name>.md`` (content read from
  ``datasets/``, with a note naming the source file), plus ``data/cards/index.md``, a generated table
  of every card;
- nothing is written into ``docs/``: the site cannot hold a stale copy, and git has nothing to ignore.

Run as a script (``python scripts/build_docs_data_cards.py``) it prints the cards it would publish.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"
PREFIX = "data/cards"
NAV_SECTION = "Data cards"
DATA_SUFFIXES = (".csv", ".yaml", ".yml", ".json", ".toml")


def cards() -> list[dict[str, Any]]:
    """Every card under ``datasets/``: folder, source path, page path, nav title, page title."""
    out = []
    for path in sorted(DATASETS.rglob("*.md")):
        rel = path.relative_to(DATASETS)
        folder = rel.parent.as_posix()
        described = sorted(
            p.name for p in path.parent.glob(f"{path.stem}.*") if p.suffix in DATA_SUFFIXES
        )
        text = path.read_text(encoding="utf-8")
        h1 = re.search(r"^# (.+)$", text, flags=re.MULTILINE)
        out.append(
            {
                "folder": folder,
                "source": f"datasets/{rel.as_posix()}",
                "uri": f"{PREFIX}/{rel.as_posix()}",
                "nav_title": " / ".join(described) if described else f"{folder}/{path.name}",
                "title": h1.group(1).strip() if h1 else path.stem,
                "described": described,
                "text": text,
            }
        )
    return out


def _page(card: dict[str, Any]) -> str:
    """The card's text with a note, under its first heading, naming the file it comes from."""
    note = (
        f'!!! info "Data card shipped with the data"\n'
        f"    This page is `{card['source']}`, published as is at build time. Edit that file, not "
        f"this page; the card describes "
        + (
            ", ".join(f"`{d}`" for d in card["described"])
            or f"the files in `datasets/{card['folder']}/`"
        )
        + ".\n\n"
    )
    lines = card["text"].splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("# "):
            return "".join([*lines[: i + 1], "\n", note, *lines[i + 1 :]])
    return note + card["text"]


def _index(all_cards: list[dict[str, Any]]) -> str:
    rows = [
        f"| `datasets/{c['folder']}/` | "
        + (", ".join(f"`{d}`" for d in c["described"]) or "—")
        + f" | [{c['title'].replace('|', '∣')}]({Path(c['uri']).relative_to(PREFIX).as_posix()}) |"
        for c in all_cards
    ]
    return (
        "# All data cards\n\n"
        "Every file under `datasets/` (shipped inside the package as `substitute.datasets`) has a card "
        "beside it: what it is, its columns with units, its sources, how it was built, its known gaps "
        "and its date. This page and the card pages are generated from those files when the site is "
        "built (`scripts/build_docs_data_cards.py`), so they are never out of date.\n\n"
        "| folder | data file | card |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    )


# ------------------------------------------------------------------------------------ mkdocs events
def on_config(config: Any) -> Any:
    """Append the card pages to the "Data cards" section of the nav."""
    nav = config.nav or []
    section = next((e[NAV_SECTION] for e in nav if isinstance(e, dict) and NAV_SECTION in e), None)
    if section is None:
        section = []
        nav.append({NAV_SECTION: section})
    section.append({"All data cards": f"{PREFIX}/index.md"})
    by_folder: dict[str, list[dict[str, str]]] = {}
    for c in cards():
        by_folder.setdefault(c["folder"], []).append({c["nav_title"]: c["uri"]})
    for folder, entries in by_folder.items():
        section.append({f"datasets/{folder}/": entries})
    config.nav = nav
    return config


def on_files(files: Any, config: Any) -> Any:
    """Add every card (and the index of cards) as a virtual page."""
    from mkdocs.structure.files import File

    all_cards = cards()
    files.append(File.generated(config, f"{PREFIX}/index.md", content=_index(all_cards)))
    for c in all_cards:
        files.append(File.generated(config, c["uri"], content=_page(c)))
    return files


if __name__ == "__main__":
    for c in cards():
        print(f"{c['source']:<45} -> {c['uri']:<50} {c['nav_title']}")
