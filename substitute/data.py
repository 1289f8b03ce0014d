"""The one loader of shipped data.

Shipped tables live in the repository folder ``datasets/``, installed as the package
``substitute.datasets``. Files are read on first use (never at import), cached, and handed out as copies
so a caller cannot change the cache.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from substitute.errors import DataError

__all__ = [
    "file_hash",
    "path",
    "read_csv",
    "read_json",
    "read_user_file",
    "read_yaml",
    "write_json",
]


def _root() -> Path:
    return Path(str(resources.files("substitute.datasets")))


def path(relpath: str) -> Path:
    """Absolute path of a shipped data file.

    Parameters
    ----------
    relpath : str
        Path relative to ``datasets/``, e.g. ``"rules/catalog.yaml"``.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataError
        If the file does not exist.
    """
    p = _root() / relpath
    if not p.is_file():
        msg = f"shipped data file {relpath!r} not found under {_root()}"
        raise DataError(msg)
    return p


@cache
def _read_csv(relpath: str) -> pd.DataFrame:
    return pd.read_csv(path(relpath), comment=None, skipinitialspace=True)


def read_csv(relpath: str) -> pd.DataFrame:
    """Read a shipped CSV table (cached; a copy is returned).

    Parameters
    ----------
    relpath : str
        Path relative to ``datasets/``.

    Returns
    -------
    pandas.DataFrame
    """
    return _read_csv(relpath).copy()


@cache
def _read_yaml(relpath: str) -> Any:
    p = path(relpath)
    try:
        with p.open(encoding="utf-8") as fh:
            # libyaml's C parser when present (the rule catalogue parses ~5x faster); same safe subset
            return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        msg = f"{p}: not valid YAML: {exc}"
        raise DataError(msg) from exc


def read_yaml(relpath: str) -> Any:
    """Read a shipped YAML file (cached; a deep copy is returned)."""
    return copy.deepcopy(_read_yaml(relpath))


@cache
def _read_json(relpath: str) -> Any:
    p = path(relpath)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        msg = f"{p}: not valid JSON: {exc}"
        raise DataError(msg) from exc


def read_json(relpath: str) -> Any:
    """Read a shipped JSON file (cached; a deep copy is returned)."""
    return copy.deepcopy(_read_json(relpath))


def write_json(relpath: str, obj: Any) -> Path:
    """Write a JSON file under ``datasets/`` (used only by ``make calibrate``) and clear the cache."""
    p = _root() / relpath
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _read_json.cache_clear()
    return p


def write_csv(relpath: str, frame: pd.DataFrame) -> Path:
    """Write a CSV file under ``datasets/`` (used only by ``make calibrate``) and clear the cache."""
    p = _root() / relpath
    p.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(p, index=False, float_format="%.6g")
    _read_csv.cache_clear()
    return p


def read_user_table(file: str | Path, *, what: str) -> pd.DataFrame:
    """Read a user's table (``.csv`` or ``.parquet``), e.g. what-if results written by ``substitute whatif``.

    Raises
    ------
    InputError
        The file is missing, has another suffix, or does not parse (the message names the file).
    """
    from substitute.errors import InputError

    p = Path(file)
    if not p.is_file():
        msg = f"{what} {str(p)!r} not found"
        raise InputError(msg)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        msg = f"{what} {str(p)!r}: expected a .csv or .parquet file, got {suffix or 'no suffix'!r}"
        raise InputError(msg)
    try:
        return pd.read_csv(p) if suffix == ".csv" else pd.read_parquet(p)
    except (ValueError, OSError, ImportError) as exc:
        msg = f"{what} {str(p)!r} could not be read as {suffix[1:]}: {exc}"
        raise InputError(msg) from exc


MAX_YAML_ALIASES = 100
"""Most alias references a user's YAML file may use (a few hundred bytes of nested aliases otherwise expand
to gigabytes: a "billion laughs" document)."""

MAX_YAML_VALUES = 1_000_000
"""Most values (mappings, lists and scalars) a user's YAML document may hold once its aliases are
expanded: fewer than :data:`MAX_YAML_ALIASES` aliases nested eight deep already stand for 10⁸ values."""

MAX_NESTING = 64
"""Deepest nesting of mappings and lists accepted in a user's YAML (a BOM of assemblies in assemblies)."""


def _yaml_loader() -> type:
    """SafeLoader (libyaml's C parser when installed: ~30× faster on a 1,000-part BOM) whose mappings
    refuse a repeated key."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[misc, valid-type]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    hash(key)
                except TypeError:
                    continue  # an unhashable key is reported by the base class
                if key in seen:
                    msg = (
                        f"key {key!r} appears twice in one mapping (lines {seen[key]} and "
                        f"{key_node.start_mark.line + 1}); remove one"
                    )
                    raise yaml.YAMLError(msg)
                seen[key] = key_node.start_mark.line + 1
            return super().construct_mapping(node, deep=deep)

    return _Loader


def load_user_yaml(text: str) -> Any:
    """Parse a user's YAML text safely: a key repeated in one mapping is an error (the last one would
    otherwise win silently — ``value_usd: 4200`` then ``value_usd: 100000`` flips a verdict); more than
    :data:`MAX_YAML_ALIASES` alias references are refused before anything is built; a document that
    contains itself, nests deeper than :data:`MAX_NESTING` or expands to more than
    :data:`MAX_YAML_VALUES` values is refused before any code walks it. Time and memory are linear in the
    text.

    Raises
    ------
    yaml.YAMLError
        Not valid YAML, a duplicated key (with its line), too many aliases, a self-reference, too deep or
        too large.
    """
    import yaml

    scan_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    aliases = 0
    for token in yaml.scan(text, Loader=scan_loader):
        if isinstance(token, yaml.AliasToken):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                line = token.start_mark.line + 1
                msg = f"more than {MAX_YAML_ALIASES} alias references (line {line}): refused"
                raise yaml.YAMLError(msg)
    content = yaml.load(text, Loader=_yaml_loader())  # a SafeLoader subclass
    _check_tree(content)
    return content


def _check_tree(obj: Any) -> None:
    """Refuse a YAML document that contains itself (an alias to an enclosing node), nests deeper than
    :data:`MAX_NESTING` or stands for more than :data:`MAX_YAML_VALUES` values with its aliases expanded.

    One depth-first pass over the distinct nodes (a node shared through aliases is visited once; its
    height and expanded size are remembered), iterative, so neither the recursion limit nor an alias
    bomb's expansion is ever reached.
    """
    import yaml

    def kids(node: Any) -> list[Any]:
        return list(node.values()) if isinstance(node, dict) else node

    height: dict[int, int] = {}
    size: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(obj, False)]
    while stack:
        node, finished = stack.pop()
        if not isinstance(node, dict | list):
            continue
        k = id(node)
        if finished:
            children = kids(node)
            inner = [c for c in children if isinstance(c, dict | list)]
            height[k] = 1 + max((height[id(c)] for c in inner), default=0)
            size[k] = 1 + len(children) - len(inner) + sum(size[id(c)] for c in inner)
            open_.discard(k)
            if height[k] > MAX_NESTING:
                msg = f"nested more than {MAX_NESTING} levels deep"
                raise yaml.YAMLError(msg)
            if size[k] > MAX_YAML_VALUES:
                msg = (
                    f"the document stands for more than {MAX_YAML_VALUES:,} values once its aliases are "
                    "expanded: refused"
                )
                raise yaml.YAMLError(msg)
            continue
        if k in open_:
            msg = "the document refers to itself (an alias inside the node it names); a BOM cannot contain itself"
            raise yaml.YAMLError(msg)
        if k in height:
            continue
        open_.add(k)
        stack.append((node, True))
        stack.extend((c, False) for c in kids(node))


MAX_USER_FILE_BYTES = 10_000_000
"""Largest study, BOM or overlay file read [bytes] (a real one is a few kB)."""

_BOMS = {
    b"\xff\xfe": "UTF-16 (little-endian)",
    b"\xfe\xff": "UTF-16 (big-endian)",
    b"\xef\xbb\xbf": "UTF-8 with BOM",
}


def user_text(p: Path, what: str, error: type[Exception]) -> str:
    """The text of a user's file: at most :data:`MAX_USER_FILE_BYTES`, UTF-8 (a UTF-8 byte-order mark is
    accepted); any other encoding is one clear error naming what was found."""
    size = p.stat().st_size
    if size > MAX_USER_FILE_BYTES:
        msg = f"{what} {str(p)!r} is {size:,} bytes; the limit is {MAX_USER_FILE_BYTES:,} bytes"
        raise error(msg)
    raw = p.read_bytes()
    for bom, name in _BOMS.items():
        if raw.startswith(bom) and name.startswith("UTF-16"):
            msg = f"{what} {str(p)!r} is encoded as {name}; save it as UTF-8"
            raise error(msg)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"{what} {str(p)!r} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line}); save it as UTF-8"
        raise error(msg) from None


def read_user_file(
    file: str | Path,
    *,
    what: str,
    fmt: str | None = None,
    missing_error: type[Exception] = DataError,
    parse_error: type[Exception] = DataError,
    with_lines: bool = False,
) -> Any:
    """Read a user's TOML or YAML file (study, BOM, rule overlay).

    Parameters
    ----------
    file : str or Path
        ``.toml``, ``.yaml`` or ``.yml`` file.
    what : str
        What the file is, for messages (``"study file"``, ``"BOM file"`` …).
    fmt : {"toml", "yaml"}, optional
        Format; default: TOML for a ``.toml`` suffix, YAML otherwise.
    missing_error, parse_error : exception classes
        Raised (with a one-line message naming the file) when the file is missing or does not parse.
    with_lines : bool, default False
        Also return the line of every key (:func:`substitute.locate.key_lines`, for error messages that
        point at a line); empty for YAML.

    Returns
    -------
    Any or tuple
        The parsed content; with ``with_lines``, ``(content, {key path: 1-based line})``.
    """
    import tomllib

    p = Path(file)
    if not p.is_file():
        msg = f"{what} {str(p)!r} not found"
        raise missing_error(msg)
    text = user_text(p, what, parse_error)
    if (fmt or ("toml" if p.suffix.lower() == ".toml" else "yaml")) == "toml":
        try:
            content = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg = f"{p}: not valid TOML: {exc}"
            raise parse_error(msg) from None
        except RecursionError:
            msg = f"{p}: not read: nested too deep for a {what}"
            raise parse_error(msg) from None
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            msg = f"{p}: not read: {exc}"
            raise parse_error(msg) from None
        if not with_lines:
            return content
        from substitute.locate import key_lines

        return content, key_lines(text)
    try:
        content = load_user_yaml(text)
    except yaml.YAMLError as exc:
        msg = f"{p}: not valid YAML: {exc}"
        raise parse_error(msg) from None
    except RecursionError:
        msg = f"{p}: not read: nested too deep for a {what}"
        raise parse_error(msg) from None
    return (content, {}) if with_lines else content


def file_hash(*relpaths: str) -> str:
    """SHA-256 over the bytes of one or more shipped files, first 16 hex characters."""
    h = hashlib.sha256()
    for rel in relpaths:
        h.update(rel.encode())
        h.update(path(rel).read_bytes())
    return h.hexdigest()[:16]
