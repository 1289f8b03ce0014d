"""The dated rule catalog: loading (``datasets/rules/catalog.yaml``), overlays, and the :class:`Catalog`
object with its per-date status table. The status logic itself is :mod:`substitute.compliance.status`."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from substitute import data
from substitute.compliance.schema import (
    CatalogMeta,
    Event,
    Limb,
    RuleSet,
    format_validation_error,
    validate_rule_set,
)
from substitute.compliance.status import (
    StatusEvidence,
    Window,
    check_assume,
    own_windows,
    parse_date,
    status_evidence,
    treat_status,
)
from substitute.errors import InputError, RuleSetError, UnknownRuleError

__all__ = ["CATALOG_FILE", "Catalog", "load_catalog"]

CATALOG_FILE = "rules/catalog.yaml"


# --------------------------------------------------------------------------------------------- overlays
def _is_id_list(x: Any) -> bool:
    return isinstance(x, list) and all(
        isinstance(i, dict) and isinstance(i.get("id"), str | int | float) for i in x
    )


def _merge(base: Any, over: Any, where: str) -> Any:
    """Deep-merge ``over`` into ``base``: mappings recurse; lists of mappings with ``id`` merge by id;
    a key ending in ``+`` appends to the list under the key without the ``+``; anything else replaces."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return copy.deepcopy(over)
    out = copy.deepcopy(base)
    for key, val in over.items():
        if isinstance(key, str) and key.endswith("+"):
            name = key[:-1]
            cur = out.get(name, [])
            if not isinstance(cur, list) or not isinstance(val, list):
                msg = f"{where}: '{key}' appends to a list, but {name!r} or the value is not a list"
                raise RuleSetError(msg)
            out[name] = cur + copy.deepcopy(val)
        elif key in out and isinstance(out[key], dict) and isinstance(val, dict):
            out[key] = _merge(out[key], val, f"{where}.{key}")
        elif key in out and _is_id_list(out[key]) and _is_id_list(val):
            merged = {i["id"]: i for i in copy.deepcopy(out[key])}
            for i in val:
                merged[i["id"]] = _merge(merged.get(i["id"], {}), i, f"{where}.{key}")
            out[key] = list(merged.values())
        else:
            out[key] = copy.deepcopy(val)
    return out


def _read_user_yaml(p: Path, what: str) -> Any:
    from substitute import data

    return data.read_user_file(
        p, what=f"{what} file", missing_error=RuleSetError, parse_error=RuleSetError
    )


def _overlay_rule_sets(overlay: Any, where: str) -> tuple[list[dict], str | None]:
    if not isinstance(overlay, dict):
        msg = f"{where}: an overlay must be a mapping with key 'rule_sets', got {type(overlay).__name__}"
        raise RuleSetError(msg)
    unknown = sorted(set(overlay) - {"overlay", "rule_sets"}, key=str)  # YAML keys need not be str
    if unknown:
        msg = f"{where}: unknown top-level key(s) {', '.join(map(repr, unknown))}; valid: 'overlay', 'rule_sets'"
        raise RuleSetError(msg)
    entries = overlay.get("rule_sets")
    if not isinstance(entries, list) or not entries:
        msg = f"{where}: field 'rule_sets' must be a non-empty list of rule-set entries"
        raise RuleSetError(msg)
    meta = overlay.get("overlay") or {}
    name = meta.get("name") if isinstance(meta, dict) else None
    return entries, name


# --------------------------------------------------------------------------------------------- catalog
class Catalog:
    """A validated, immutable rule catalog (shipped catalog plus any overlays).

    Build it with :func:`load_catalog`. Index it by rule-set id: ``catalog["CN-MOFCOM-2025-61"]``.

    Attributes
    ----------
    meta : CatalogMeta
        id, version, compiled date of the base file.
    version : str
        Catalog version; ``"+overlay.<hash>"`` is appended when overlays were applied.
    data_hash : str
        SHA-256 (16 hex) over the catalog file and the overlays.
    overlays : tuple of str
        Names/paths of the overlays applied, in order.
    """

    def __init__(
        self,
        meta: CatalogMeta,
        rule_sets: Sequence[RuleSet],
        events: Sequence[Event],
        *,
        source: str,
        data_hash: str,
        overlays: Sequence[str] = (),
        overlay_hashes: Mapping[str, str] | None = None,
    ) -> None:
        self.meta = meta
        self._rules = {r.id: r for r in rule_sets}
        self.events = tuple(events)
        self.source = source
        self.data_hash = data_hash
        self.overlays = tuple(overlays)
        #: overlay name → SHA-256 of its file (or of its canonical JSON, for a mapping)
        self.overlay_hashes = dict(overlay_hashes or {})
        self.version = meta.version + (f"+overlay.{data_hash[:8]}" if overlays else "")

    # ---- mapping protocol
    def __getitem__(self, rule_id: str) -> RuleSet:
        try:
            return self._rules[rule_id]
        except KeyError:
            msg = f"unknown rule id {rule_id!r}; available: {', '.join(self._rules)}"
            raise UnknownRuleError(msg) from None

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __repr__(self) -> str:
        return f"Catalog({self.meta.id!r}, version={self.version!r}, {len(self)} rule sets)"

    @property
    def ids(self) -> tuple[str, ...]:
        """Rule-set ids in file order."""
        return tuple(self._rules)

    def select(self, rule_ids: Iterable[str] | None) -> list[RuleSet]:
        """Rule sets by id (all when ``None``); an unknown id raises :class:`UnknownRuleError`."""
        if rule_ids is None:
            return list(self)
        if isinstance(rule_ids, str):
            rule_ids = [rule_ids]
        return [self[r] for r in rule_ids]

    # ---- status
    def windows(self, rule_id: str, limb: str | None = None) -> tuple[Window, ...]:
        """Suspension windows that other rule sets of the catalog set on ``rule_id`` (or on its limb).

        A suspension instrument (``kind: suspension``) names its targets in ``suspends.targets``: a rule
        id suspends the whole rule set, ``"<id>#<limb>"`` one limb or clause. An instrument counts only
        once it is published. Overlays add instruments (a new suspension, an extension), so the targets'
        status follows without editing them.
        """
        out: list[Window] = []
        for rs in self:
            sp = rs.suspends
            if rs.kind != "suspension" or sp is None:
                continue
            for t in sp.targets:
                rid, _, lid = t.partition("#")
                if rid != rule_id or (lid and lid != limb):
                    continue
                out.append(
                    Window(
                        sp.from_,
                        sp.until,
                        rs.id,
                        "limb" if lid else "rule",
                        rs.primary_source,
                        rs.hypothetical,
                        rs.verified,
                    )
                )
        return tuple(out)

    def status_evidence(
        self, rule_id: str, as_of: dt.date | str, limb: str | None = None
    ) -> StatusEvidence:
        """Raw status of one rule set (or limb/clause) on a date and the record that decided it, with
        the suspension instruments of the catalog applied (see :func:`status_evidence`)."""
        rs = self[rule_id]
        d = parse_date(as_of)
        wins = tuple(
            w
            for w in self.windows(rule_id, limb)
            if (pub := self[w.by].dates.published) is None or pub <= d
        )
        return status_evidence(rs, d, limb, wins)

    def status_at(self, rule_id: str, as_of: dt.date | str, limb: str | None = None) -> str:
        """Raw status of one rule set (or limb/clause) on a date; see :meth:`status_evidence`."""
        return self.status_evidence(rule_id, as_of, limb).status

    def listed_elements(self, rule_id: str) -> tuple[str, ...]:
        """Elements a rule set lists, including those of a list it includes (``also_includes``)."""
        rs = self[rule_id]
        out: dict[str, None] = dict.fromkeys(rs.controlled_elements)
        if rs.annex1 is not None:
            out.update(dict.fromkeys(rs.annex1.part_i_elements))
        seen = {rule_id}
        inc = rs.also_includes
        while inc and inc not in seen and inc in self:
            seen.add(inc)
            out.update(dict.fromkeys(self[inc].controlled_elements))
            inc = self[inc].also_includes
        return tuple(out)

    def status_table(self, as_of: dt.date | str, assume: str = "in_force") -> pd.DataFrame:
        """One row per rule set and per limb/clause: raw status on ``as_of``, how it is treated, dates.

        Parameters
        ----------
        as_of : datetime.date or str
            Date of the evaluation (ISO string accepted).
        assume : {"in_force", "suspended"}
            How ``status_unknown`` is treated.

        Returns
        -------
        pandas.DataFrame
            Columns ``rule_id, limb, short_name, kind, status, treated_as, assumption, as_of, published,
            effective, suspended_from, suspended_until, recorded_status, recorded_status_as_of,
            status_since, status_decided_by, hypothetical, unverified_fields, n_sources, title``;
            ``attrs["audit"]`` carries the audit stamp.
        """
        d = parse_date(as_of)
        check_assume(assume)
        rows = []
        for rs in self:
            subs: list[Limb | None] = [None, *rs.limbs, *rs.clauses]
            for lb in subs:
                ev = self.status_evidence(rs.id, d, lb.id if lb else None)
                raw = ev.status
                eff = rs.dates.effective
                if lb is not None:
                    eff = lb.effective or (rs.dates.effective_by_limb or {}).get(lb.id) or eff
                wins = [
                    *own_windows(rs, lb.id if lb else None),
                    *self.windows(rs.id, lb.id if lb else None),
                ]
                started = [w for w in wins if w.start <= d] or wins
                last = max(started, key=lambda w: w.start) if started else None
                s_from = last.start if last else None
                s_until = last.until if last else None
                rows.append(
                    {
                        "rule_id": rs.id,
                        "limb": lb.id if lb else "",
                        "short_name": rs.short_name or rs.id,
                        "kind": rs.kind,
                        "status": raw,
                        "treated_as": _treated_for_table(rs, raw, assume),
                        "assumption": assume,
                        "as_of": d.isoformat(),
                        "published": _iso(rs.dates.published),
                        "effective": _iso(eff),
                        "suspended_from": _iso(s_from),
                        "suspended_until": _iso(s_until),
                        "recorded_status": rs.status.value if rs.status else "",
                        "recorded_status_as_of": _iso(rs.status.as_of) if rs.status else "",
                        "status_since": _iso(ev.since),
                        "status_decided_by": ev.by,
                        "hypothetical": ev.hypothetical,
                        "unverified_fields": _count_unverified(rs),
                        "n_sources": len(rs.sources),
                        "title": rs.title,
                    }
                )
        df = pd.DataFrame(rows)
        df.attrs["audit"] = self.audit(as_of=d, assume=assume)
        return df

    def audit(self, **extra: Any) -> dict[str, Any]:
        """Audit stamp: package version, catalog id/version/compile date, data hash, overlays."""
        from substitute._version import __version__

        stamp: dict[str, Any] = {
            "substitute_version": __version__,
            "catalog_id": self.meta.id,
            "catalog_version": self.version,
            "catalog_compiled_on": self.meta.compiled_on.isoformat(),
            "catalog_hash": self.data_hash,
            "catalog_overlays": list(self.overlays),
        }
        for k, v in extra.items():
            stamp[k] = v.isoformat() if isinstance(v, dt.date) else v
        return stamp


def _treated_for_table(rs: RuleSet, raw: str, assume: str) -> str:
    # a suspension instrument whose window ended: its targets are treated as `assume`, so the
    # instrument itself is treated as lapsed (targets in force) or still running (targets suspended)
    if rs.kind == "suspension" and raw == "status_unknown":
        return "lapsed" if assume == "in_force" else "in_force"
    return treat_status(raw, assume)


def _iso(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def _count_unverified(rs: RuleSet) -> int:
    def walk(o: Any) -> int:
        if isinstance(o, dict):
            return sum(
                (1 if (("verified" in str(k)) and v is False) else 0) + walk(v)
                for k, v in o.items()
            )
        if isinstance(o, list):
            return sum(walk(v) for v in o)
        return 0

    return walk(rs.model_dump(by_alias=True))


# --------------------------------------------------------------------------------------------- loading
def _build(
    raw: Any, where: str, overlays: Sequence[tuple[Any, str]]
) -> tuple[CatalogMeta, list, list, list]:
    if not isinstance(raw, dict) or "rule_sets" not in raw or "catalog" not in raw:
        msg = f"{where}: a catalog file needs top-level keys 'catalog' and 'rule_sets'"
        raise RuleSetError(msg)
    try:
        meta = CatalogMeta.model_validate(raw["catalog"])
    except ValidationError as exc:
        raise RuleSetError(format_validation_error(exc, where, "catalog header")) from None
    entries = raw["rule_sets"]
    if not isinstance(entries, list):
        msg = f"{where}: field 'rule_sets' must be a list"
        raise RuleSetError(msg)
    by_id: dict[str, tuple[dict, str]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
            msg = f"{where}: rule set #{i + 1}: field 'id': required (a non-empty string)"
            raise RuleSetError(msg)
        if entry["id"] in by_id:
            msg = f"{where}: rule set {entry['id']!r}: field 'id': duplicated"
            raise RuleSetError(msg)
        by_id[entry["id"]] = (entry, where)
    names = []
    for overlay, owhere in overlays:
        o_entries, name = _overlay_rule_sets(overlay, owhere)
        names.append(name or owhere)
        for i, entry in enumerate(o_entries):
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("id"), str)
                or not entry["id"]
            ):
                msg = f"{owhere}: rule set #{i + 1}: field 'id': required (a non-empty string)"
                raise RuleSetError(msg)
            entry = dict(entry)
            replace = bool(entry.pop("replace", False))
            rid = entry["id"]
            if rid in by_id and not replace:
                by_id[rid] = (_merge(by_id[rid][0], entry, owhere), owhere)
            else:
                by_id[rid] = (entry, owhere)
    rule_sets = [validate_rule_set(e, w) for e, w in by_id.values()]
    _check_references(rule_sets, {rid: w for rid, (_, w) in by_id.items()})
    try:
        events = [Event.model_validate(e) for e in raw.get("events", [])]
    except ValidationError as exc:
        raise RuleSetError(format_validation_error(exc, where, "events")) from None
    return meta, rule_sets, events, names


def _check_references(rule_sets: Sequence[RuleSet], where: Mapping[str, str]) -> None:
    ids = {r.id for r in rule_sets}

    def need(rid: str | None, rs: RuleSet, field: str) -> None:
        if rid and rid.split("#")[0] not in ids:
            msg = (
                f"{where[rs.id]}: rule set {rs.id!r}: field {field!r}: refers to unknown rule id "
                f"{rid!r}"
            )
            raise RuleSetError(msg)

    for rs in rule_sets:
        need(rs.suspended_by, rs, "suspended_by")
        need(rs.also_includes, rs, "also_includes")
        for c in (*rs.limbs, *rs.clauses):
            need(c.suspended_by, rs, f"limbs/clauses.{c.id}.suspended_by")
        if rs.suspends is not None:
            for t in rs.suspends.targets:
                need(t, rs, "suspends.targets")


def _hash_bytes(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for c in chunks:
        h.update(c)
    return h.hexdigest()[:16]


@cache
def _default_catalog() -> Catalog:
    raw = data.read_yaml(CATALOG_FILE)
    where = str(data.path(CATALOG_FILE))
    meta, rule_sets, events, _ = _build(raw, where, ())
    return Catalog(
        meta, rule_sets, events, source=where, data_hash=data.file_hash(CATALOG_FILE), overlays=()
    )


def load_catalog(
    path: str | Path | None = None,
    *,
    overlays: Sequence[str | Path | Mapping[str, Any]] | None = None,
) -> Catalog:
    """Load and validate the rule catalog, optionally with overlays.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A catalog file to use instead of the shipped ``datasets/rules/catalog.yaml``.
    overlays : sequence of path or mapping, optional
        User overlays applied in order. Each is a YAML file (or the equivalent dict) with a
        ``rule_sets`` list and an optional ``overlay: {name: ...}`` header. An entry whose ``id`` exists
        is deep-merged into it (mappings recurse; lists of mappings with ``id`` — limbs, clauses — merge
        by id; a key ending in ``+`` appends to a list, e.g. ``part_I_inputs+``); ``replace: true``
        replaces the entry whole; a new id adds a rule set. Every merged entry is validated like the
        shipped file, and must carry sources (kind ``hypothetical`` needs no url).

    Returns
    -------
    Catalog

    Raises
    ------
    RuleSetError
        A file is missing or not YAML, or an entry does not match the schema: the message names the
        file, the rule id and the field.

    Examples
    --------
    >>> cat = load_catalog(overlays=[{"rule_sets": [{"id": "CN-MOFCOM-2025-61",
    ...     "limbs": [{"id": "1(1)", "threshold": {"value": 0.0001}}]}]}])
    >>> [lb.threshold.value for lb in cat["CN-MOFCOM-2025-61"].limbs][0]
    0.0001
    """
    if path is None and not overlays:
        return _default_catalog()
    if path is None:
        raw = data.read_yaml(CATALOG_FILE)
        where = str(data.path(CATALOG_FILE))
        chunks = [data.path(CATALOG_FILE).read_bytes()]
    else:
        p = Path(path)
        raw = _read_user_yaml(p, "catalog")
        where = str(p)
        chunks = [p.read_bytes()]
    loaded: list[tuple[Any, str]] = []
    # a file's bytes; None for a mapping, serialised once _build has checked its keys
    read: list[bytes | None] = []
    for i, ov in enumerate(overlays or ()):
        if isinstance(ov, str | Path):
            op = Path(ov)
            loaded.append((_read_user_yaml(op, "overlay"), str(op)))
            read.append(op.read_bytes())
        elif isinstance(ov, Mapping):
            loaded.append((dict(ov), f"<overlay #{i + 1}>"))
            read.append(None)
        else:
            msg = f"overlays[{i}]: expected a path or a mapping, got {type(ov).__name__}"
            raise InputError(msg)
    meta, rule_sets, events, names = _build(raw, where, loaded)
    hashes: dict[str, str] = {}
    for (ov, name), got in zip(loaded, read, strict=True):
        chunk = json.dumps(ov, sort_keys=True, default=str).encode() if got is None else got
        chunks.append(chunk)
        hashes[name] = hashlib.sha256(chunk).hexdigest()
    return Catalog(
        meta,
        rule_sets,
        events,
        source=where,
        data_hash=_hash_bytes(*chunks),
        overlays=names,
        overlay_hashes=hashes,
    )
