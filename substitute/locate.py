"""Where a key of a user's TOML file is: :func:`key_lines` maps every key path of a TOML text to its 1-based line
with a small line scanner (values are always read by :mod:`tomllib`), and :class:`Where` formats a key's
location for error messages: ``study.toml line 27 [requirements] min_br_T``."""

from __future__ import annotations

import bisect
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

__all__ = ["KeyPath", "Where", "key_lines"]

#: A key path: table and key names, with the 0-based index of an array element (array of tables).
KeyPath = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(r"[^,\]}#\n]*")


class _Stop(Exception):
    """The scanner met text it does not understand (cannot happen for text that tomllib accepted)."""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0
        self.n = len(text)
        self.newlines = [m.start() for m in re.finditer("\n", text)]
        self.out: dict[KeyPath, int] = {}

    def line(self) -> int:
        return bisect.bisect_left(self.newlines, self.i) + 1

    def peek(self, s: str) -> bool:
        return self.t.startswith(s, self.i)

    def expect(self, s: str) -> None:
        if not self.peek(s):
            raise _Stop
        self.i += len(s)

    def skip(self, newlines: bool) -> None:
        """Skip blanks and comments; also line breaks if ``newlines``."""
        t = self.t
        while self.i < self.n:
            c = t[self.i]
            if c in " \t\r" or (c == "\n" and newlines):
                self.i += 1
            elif c == "#":
                j = t.find("\n", self.i)
                self.i = self.n if j < 0 else j
            else:
                return

    def basic_string(self) -> str:
        t, j = self.t, self.i + 1
        while j < self.n and t[j] not in '"\n':
            j += 2 if t[j] == "\\" else 1
        if j >= self.n or t[j] != '"':
            raise _Stop
        raw, self.i = t[self.i : j + 1], j + 1
        return raw

    def multiline(self, quote: str) -> None:
        t, j = self.t, self.i + 3
        while j < self.n:
            if quote == '"' and t[j] == "\\":
                j += 2
            elif t.startswith(quote * 3, j):
                end = j + 3
                while end < self.n and t[end] == quote and end - j < 5:  # up to 2 quotes of content
                    end += 1
                self.i = end
                return
            else:
                j += 1
        raise _Stop

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip(newlines=False)
            if self.peek('"'):
                raw = self.basic_string()
                try:
                    parts.append(tomllib.loads(f"k = {raw}")["k"])
                except tomllib.TOMLDecodeError:
                    parts.append(raw[1:-1])
            elif self.peek("'"):
                j = self.t.find("'", self.i + 1)
                if j < 0:
                    raise _Stop
                parts.append(self.t[self.i + 1 : j])
                self.i = j + 1
            else:
                m = _BARE.match(self.t, self.i)
                if not m:
                    raise _Stop
                parts.append(m.group())
                self.i = m.end()
            self.skip(newlines=False)
            if not self.peek("."):
                return parts
            self.i += 1

    def record(self, base: KeyPath, keys: list[str], line: int) -> None:
        for j in range(1, len(keys)):
            self.out.setdefault(base + tuple(keys[:j]), line)
        self.out[base + tuple(keys)] = line

    def value(self, path: KeyPath) -> None:
        if self.peek('"""') or self.peek("'''"):
            self.multiline(self.t[self.i])
        elif self.peek('"'):
            self.basic_string()
        elif self.peek("'"):
            j = self.t.find("'", self.i + 1)
            if j < 0:
                raise _Stop
            self.i = j + 1
        elif self.peek("["):
            self.i += 1
            idx = 0
            while True:
                self.skip(newlines=True)
                if self.peek("]"):
                    self.i += 1
                    return
                self.out.setdefault((*path, idx), self.line())
                self.value((*path, idx))
                idx += 1
                self.skip(newlines=True)
                if self.peek(","):
                    self.i += 1
        elif self.peek("{"):
            self.i += 1
            while True:
                self.skip(newlines=True)
                if self.peek("}"):
                    self.i += 1
                    return
                line = self.line()
                keys = self.key()
                self.expect("=")
                self.skip(newlines=False)
                self.record(path, keys, line)
                self.value(path + tuple(keys))
                self.skip(newlines=True)
                if self.peek(","):
                    self.i += 1
        else:
            m = _SCALAR.match(self.t, self.i)
            if m is None or m.end() == self.i:
                raise _Stop
            self.i = m.end()

    def run(self) -> dict[KeyPath, int]:
        table: KeyPath = ()
        arrays: dict[KeyPath, int] = {}
        while True:
            self.skip(newlines=True)
            if self.i >= self.n:
                return self.out
            line = self.line()
            if self.peek("["):
                is_array = self.peek("[[")
                self.i += 2 if is_array else 1
                keys = self.key()
                self.expect("]]" if is_array else "]")
                path: list[str | int] = []
                for k in keys[:-1]:
                    path.append(k)
                    self.out.setdefault(tuple(path), line)
                    if (
                        tuple(path) in arrays
                    ):  # a sub-table of the last element of an array of tables
                        path.append(arrays[tuple(path)] - 1)
                path.append(keys[-1])
                self.out.setdefault(tuple(path), line)
                if is_array:
                    arrays[tuple(path)] = arrays.get(tuple(path), 0) + 1
                    path.append(arrays[tuple(path)] - 1)
                self.out[tuple(path)] = line
                table = tuple(path)
            else:
                keys = self.key()
                self.expect("=")
                self.skip(newlines=False)
                self.record(table, keys, line)
                self.value(table + tuple(keys))


def key_lines(text: str) -> dict[KeyPath, int]:
    """The 1-based line of every key, table and array element of a TOML text.

    Parameters
    ----------
    text : str
        TOML text (meant for text that :mod:`tomllib` has accepted; on text it cannot follow, the keys
        found up to that point are returned).

    Returns
    -------
    dict
        Key path → line. A table header ``[a.b]`` gives ``("a", "b")`` (and ``("a",)`` if no header of its
        own), ``key = value`` under it gives ``("a", "b", "key")``; the n-th ``[[a.c]]`` gives
        ``("a", "c", n)`` (0-based) and its keys ``("a", "c", n, "key")``; dotted keys give every prefix;
        elements of arrays give ``(…, "key", i)`` at the line where the element starts; keys of inline tables
        give ``(…, "key", "inner")`` at the line where the inner key is written (for a one-line inline
        table, the line of the parent key).

    Examples
    --------
    >>> lines = key_lines('[a]\\nx = 1  # note\\n[[a.b]]\\ny = { z = 2 }\\n')
    >>> lines[("a", "x")], lines[("a", "b", 0)], lines[("a", "b", 0, "y", "z")]
    (2, 3, 4)
    """
    sc = _Scanner(text)
    try:
        return sc.run()
    except (_Stop, IndexError):
        return sc.out


# ---------------------------------------------------------------------------------------------- where
def _fmt_key(k: str | int) -> str:
    if isinstance(k, int):
        return f"[{k}]"
    return k if _BARE.fullmatch(k) else json.dumps(k, ensure_ascii=False)


def fmt_keys(keys: Iterable[str | int]) -> str:
    out = ""
    for k in keys:
        s = _fmt_key(k)
        out += s if (isinstance(k, int) or not out) else "." + s
    return out


def _fmt_table(table: KeyPath) -> str:
    if table and isinstance(table[-1], int):
        names = [k for k in table if isinstance(k, str)]
        return f"[[{fmt_keys(names)}]] #{table[-1] + 1}"
    return f"[{fmt_keys(table)}]"


@dataclass(frozen=True)
class Where:
    """Where keys of a user file are, for error messages.

    Parameters
    ----------
    label : str
        The file as the user named it (or a label such as ``"default study (…)"``).
    lines : mapping, optional
        Key path → 1-based line, from :func:`key_lines`; empty when unknown (values built in code).
    table : tuple, optional
        Path of the current table, e.g. ``("requirements",)`` or ``("requirements", "compliance", 0)``.
    options : frozenset of str, optional
        Keys of the current table whose value came from an option (``load_study(as_of=…)``, ``--as-of``)
        rather than the file: their location is ``option <key>``, without a line.

    Examples
    --------
    >>> w = Where("study.toml", {("requirements", "min_br_T"): 27}, ("requirements",))
    >>> w("min_br_T")
    'study.toml line 27 [requirements] min_br_T'
    """

    label: str
    lines: Mapping[KeyPath, int] = field(default_factory=dict)
    table: KeyPath = ()
    options: frozenset[str] = frozenset()

    def at(self, *table: str | int) -> Where:
        """The location of a sub-table (``where.at("compliance", 0)``); options apply to one table only."""
        return replace(self, table=self.table + table, options=frozenset())

    def line(self, *keys: str | int) -> int | None:
        """Line of a key of the current table (or of its nearest enclosing key or table), or None."""
        path = self.table + keys
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def head(self, *keys: str | int) -> str:
        """File, line of ``keys`` and table, without the key names: ``study.toml line 4 [study]``."""
        if keys and keys[0] in self.options:
            return f"option {_fmt_key(keys[0])}"
        parts = [self.label]
        n = self.line(*keys)
        if n is not None:
            parts.append(f"line {n}")
        if self.table:
            parts.append(_fmt_table(self.table))
        return " ".join(parts)

    def __call__(self, *keys: str | int) -> str:
        """File, line, table and key: ``study.toml line 27 [requirements] min_br_T``."""
        if keys and keys[0] in self.options:
            return f"option {fmt_keys(keys)}"
        return f"{self.head(*keys)} {fmt_keys(keys)}" if keys else self.head()
