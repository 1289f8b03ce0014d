"""Griffe extension for the docs site: Sphinx roles in docstrings become API cross-references.

The numpydoc docstrings of ``substitute`` use Sphinx roles (``:func:`assess```, ``:class:`~x.Y```),
which mkdocstrings would print literally. Loaded by ``mkdocs.yml`` (mkdocstrings ``extensions:``),
this rewrites each role into an optional autorefs link, ``<autoref identifier="substitute.x.Y"
optional><code>Y</code></autoref>``: a link when the target is on an API page, plain code otherwise
(never a build warning). The docstrings in the source are not changed.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const|type):`(?P<body>[^`]+)`"
)


def _target(obj: Any, name: str) -> str:
    """Full path of ``name`` as seen from ``obj`` (the name itself when it cannot be resolved)."""
    name = name.lstrip(".")
    if name.startswith("substitute."):
        return name
    head, _, rest = name.partition(".")
    scope = obj
    while scope is not None:
        try:
            path = scope.resolve(head)
        except (griffe.NameResolutionError, AttributeError, KeyError):
            scope = scope.parent
            continue
        return f"{path}.{rest}" if rest else path
    return name


def _rewrite(obj: Any, text: str) -> str:
    def one(m: re.Match[str]) -> str:
        body = m["body"].strip()
        explicit = re.fullmatch(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>", body)
        if explicit:
            title, target = explicit["title"], explicit["target"]
        else:
            target = body.lstrip("~")
            title = target.rsplit(".", 1)[-1] if body.startswith("~") else target
        ident = _target(obj, target.lstrip("~"))
        return f'<autoref identifier="{ident}" optional><code>{title}</code></autoref>'

    return ROLE.sub(one, text)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring of a loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Called once the whole package is loaded (names can be resolved)."""
        stack: list[Any] = [pkg]
        while stack:
            obj = stack.pop()
            if obj.is_alias:
                continue
            if obj.docstring is not None and ":`" in obj.docstring.value:
                obj.docstring.value = _rewrite(obj, obj.docstring.value)
            stack.extend(obj.members.values())
