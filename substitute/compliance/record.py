"""The audit record of a compliance run: what a broker archives with a verdict.

Every ``assess``, ``content`` and ``review`` output carries it (``DataFrame.attrs["audit"]``, the JSON
``audit`` object, the HTML audit stamp): the run time (UTC), the package version, the rule catalog (id,
version, compile date, SHA-256 of the catalog file and of each overlay), the price vector (id, date, basis,
hash) where prices were used, the evaluation date and how ``status_unknown`` was treated, the SHA-256 of
every input file (BOM, study, overlays), and what the public record holds about the rules' status after
the end of their suspension windows. Per row, the outputs carry the control code, the rule's source URL,
the date of the record that decides its status and its ``verified`` flag.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from substitute.compliance.catalog import Catalog

__all__ = ["audit_record", "file_sha256", "known_and_unknown"]


def file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def known_and_unknown(catalog: Catalog, as_of: dt.date, assume: str) -> str:
    """One sentence: what the public record holds on a date, what it does not, and how the run treats it."""
    unknown = []
    for rs in catalog:
        if rs.kind == "suspension":  # its expiry is what makes its targets unknown
            continue
        name = rs.short_name or rs.id
        ev = catalog.status_evidence(rs.id, as_of)
        if ev.status == "status_unknown":
            unknown.append((name, ev.since))
            continue
        for c in (*rs.limbs, *rs.clauses):  # a limb or clause of unknown status in a known rule set
            ev = catalog.status_evidence(rs.id, as_of, c.id)
            if ev.status == "status_unknown":
                unknown.append((f"{name} {c.id}", ev.since))
    if not unknown:
        return (
            f"On {as_of} every rule set's status follows from a dated public record "
            f"(latest status evidence: {catalog.meta.latest_status_evidence_date})."
        )
    names = list(dict.fromkeys(n for n, _ in unknown))
    ends = sorted({e for _, e in unknown if e is not None})
    since = ", ".join((e - dt.timedelta(days=1)).isoformat() for e in ends)
    return (
        f"On {as_of}: {', '.join(names)} are status_unknown — their suspension windows ended ({since}) and "
        f"no later public record was found (latest status evidence "
        f"{catalog.meta.latest_status_evidence_date}); this run treats them as {assume!r} "
        f"(--assume in_force|suspended; a gate fails on an unknown unless --accept-unknown)."
    )


def audit_record(
    catalog: Catalog,
    *,
    as_of: dt.date,
    assume: str,
    prices: Any = None,
    inputs: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The audit record of one run (a JSON-ready dict).

    Parameters
    ----------
    catalog : Catalog
        The rule catalog used (its ``audit()`` stamp is included: version, compile date, hash, overlays).
    as_of : datetime.date
        Evaluation date.
    assume : str
        How ``status_unknown`` was treated.
    prices : PriceVector, optional
        The price vector used (its ``audit()`` stamp: id, date, basis, hash).
    inputs : mapping, optional
        Label → path (or ``None``) of the run's input files; each gets ``{"path", "sha256"}``.
    **extra
        Further fields (dates are written ISO).
    """
    rec: dict[str, Any] = {
        "run_utc": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        **catalog.audit(as_of=as_of, assume=assume),
        "catalog_overlay_sha256": dict(catalog.overlay_hashes),
        "status_after_windows": known_and_unknown(catalog, as_of, assume),
    }
    if prices is not None:
        rec.update(prices.audit())
    files = {}
    for label, path in (inputs or {}).items():
        if path is None:
            continue
        p = Path(path)
        files[label] = {"path": str(p), "sha256": file_sha256(p) if p.is_file() else None}
    rec["inputs"] = files
    for k, v in extra.items():
        rec[k] = v.isoformat() if isinstance(v, dt.date) else v
    return rec
