"""The status of a rule set (or one of its limbs) on a date, and how an unknown status is treated.

The rules are data (``datasets/rules/catalog.yaml``, card ``datasets/rules/catalog.md``); this module only
reads them. A rule set's status on a date is computed from its dates:

``not_yet_published``
    the date is before publication;
``not_yet_effective``
    published, but the (limb's) effective date has not come;
``in_force``
    effective and not suspended;
``suspended``
    inside a suspension window (``suspended_from`` … ``suspended_until``, both inclusive);
``status_unknown``
    a suspension window has ended and no later record exists (the case for Nos. 55–58, 61, 62 after
    2026-11-10): the catalog does not know whether the rule came back, was extended or was revoked;
``superseded`` / ``revoked``
    a later list or record replaced it.

How ``status_unknown`` is *treated* is the caller's choice, ``assume="in_force"`` (default, conservative)
or ``assume="suspended"``; the raw status and the assumption are both reported in every result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from substitute.errors import InputError, UnknownRuleError

if TYPE_CHECKING:  # pragma: no cover
    from substitute.compliance.schema import Limb, RuleSet

__all__ = [
    "ASSUMPTIONS",
    "STATUSES",
    "StatusEvidence",
    "Window",
    "check_assume",
    "find_limb",
    "own_windows",
    "parse_date",
    "status_at",
    "status_evidence",
    "treat_status",
]

STATUSES = (
    "not_yet_published",
    "not_yet_effective",
    "in_force",
    "suspended",
    "status_unknown",
    "superseded",
    "revoked",
)
ASSUMPTIONS = ("in_force", "suspended")
_CHINA = dt.timezone(dt.timedelta(hours=8), "China Standard Time")
Assume = Literal["in_force", "suspended"]


# --------------------------------------------------------------------------------------------- dates
def parse_date(value: dt.date | str, field: str = "as_of") -> dt.date:
    """A date from a ``datetime.date``/``datetime.datetime`` or an ISO string ``YYYY-MM-DD``.

    Parameters
    ----------
    value : datetime.date or str
        The date. The string ``"today"`` gives today's date.
    field : str
        Name of the argument, used in the error message.

    Raises
    ------
    InputError
        If ``value`` is neither a date nor an ISO ``YYYY-MM-DD`` string.
    """
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # the rules run on China's calendar (UTC+8)
            return value.astimezone(_CHINA).date()
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "today":
            return dt.date.today()
        try:
            if len(text) != 10:
                raise ValueError(text)
            return dt.date.fromisoformat(text)
        except ValueError:
            msg = f"{field}: {value!r} is not a date; use ISO format YYYY-MM-DD, e.g. '2026-11-22'"
            raise InputError(msg) from None
    msg = f"{field}: expected a datetime.date or an ISO string 'YYYY-MM-DD', got {type(value).__name__}"
    raise InputError(msg)


def check_assume(assume: str) -> str:
    """Validate the ``assume`` argument (how ``status_unknown`` is treated)."""
    if assume not in ASSUMPTIONS:
        msg = (
            f"assume: {assume!r} is not valid; use 'in_force' (conservative default) or 'suspended' "
            "(how a rule whose suspension window has ended with no later record is treated)"
        )
        raise InputError(msg)
    return assume


# --------------------------------------------------------------------------------------------- status
@dataclass(frozen=True)
class Window:
    """A suspension window (both ends inclusive) and what set it.

    ``scope`` is ``"rule"`` (the whole rule set) or ``"limb"`` (one limb or clause: it keeps its window
    when its rule set returns); ``by`` is the rule set whose dates or ``suspends`` made the window.
    """

    start: dt.date
    until: dt.date
    by: str
    scope: str = "rule"
    source: str = ""
    hypothetical: bool = False
    verified: bool | None = None


@dataclass(frozen=True)
class StatusEvidence:
    """A raw status on a date and the record that decided it (for the audit record of every verdict).

    ``since`` is the date of the deciding event (publication, effective date, window start or end, or a
    status record); ``by`` names the rule set whose dates or record decided it; ``hypothetical`` is True
    when that record comes from a hypothetical overlay.
    """

    status: str
    since: dt.date | None
    by: str
    source: str = ""
    hypothetical: bool = False
    verified: bool | None = None


def find_limb(rs: RuleSet, limb: str | None) -> Limb | None:
    """The limb or clause ``limb`` of a rule set (``None`` for the rule set itself)."""
    if limb is None:
        return None
    for lb in (*rs.limbs, *rs.clauses):
        if lb.id == limb:
            return lb
    valid = [lb.id for lb in (*rs.limbs, *rs.clauses)]
    msg = (
        f"rule set {rs.id!r} has no limb or clause {limb!r}; "
        f"valid: {', '.join(valid) if valid else '(none)'}"
    )
    raise UnknownRuleError(msg)


def own_windows(rs: RuleSet, limb: str | None = None) -> list[Window]:
    """The suspension windows written in a rule set's (or limb's) own dates."""
    lb = find_limb(rs, limb)
    src = rs.primary_source
    out: list[Window] = []
    if lb is not None and lb.suspended_from is not None and lb.suspended_until is not None:
        out.append(
            Window(
                lb.suspended_from,
                lb.suspended_until,
                lb.suspended_by or rs.id,
                "limb",
                src,
                rs.hypothetical,
                rs.verified,
            )
        )
    pinned = lb is not None and (lb.status == "in_force" or lb.suspended_from is not None)
    if not pinned and rs.dates.suspended_from is not None and rs.dates.suspended_until is not None:
        out.append(
            Window(
                rs.dates.suspended_from,
                rs.dates.suspended_until,
                rs.suspended_by or rs.id,
                "rule",
                src,
                rs.hypothetical,
                rs.verified,
            )
        )
    return out


def _covered(day: dt.date, windows: list[Window], scope: str | None = None) -> bool:
    return any(w.start <= day <= w.until and (scope is None or w.scope == scope) for w in windows)


def status_evidence(
    rs: RuleSet,
    as_of: dt.date | str,
    limb: str | None = None,
    windows: tuple[Window, ...] | list[Window] = (),
) -> StatusEvidence:
    """Raw status of a rule set (or one of its limbs/clauses) on a date, with the record that decided it.

    Parameters
    ----------
    rs : RuleSet
        A validated rule set.
    as_of : datetime.date or str
        The date (ISO string accepted).
    limb : str, optional
        A limb (No. 61: ``"1(1)"``, ``"1(2)"``, ``"1(3)"``) or clause (No. 46: ``"clause2"``) id. Its own
        effective date and suspension window take precedence over the rule set's.
    windows : sequence of Window, optional
        Further suspension windows set by other rule sets of the catalog (suspension instruments whose
        ``suspends.targets`` name this rule set or ``"<id>#<limb>"``); see :meth:`Catalog.status_at`.

    Returns
    -------
    StatusEvidence
        ``status`` is one of :data:`STATUSES`.

    Notes
    -----
    The rules, in order:

    1. before publication: ``not_yet_published``;
    2. a limb's own window (or one targeting the limb) that covers the date: ``suspended`` — a limb keeps
       its window even when its rule set returns;
    3. otherwise the latest dated event wins: a window's start (``suspended``), the day after a window's
       end (``status_unknown``, unless another window covers that day or a later record exists), and the
       ``status_history`` records of the rule set and the limb (records win ties; limb records win over
       rule records);
    4. ``in_force`` before the (limb's) effective date is ``not_yet_effective``.
    """
    d = parse_date(as_of)
    lb = find_limb(rs, limb)
    pub = rs.dates.published
    eff: dt.date | None
    if lb is not None and lb.effective is not None:
        eff = lb.effective
    elif lb is not None and rs.dates.effective_by_limb and lb.id in rs.dates.effective_by_limb:
        eff = rs.dates.effective_by_limb[lb.id]
    else:
        eff = rs.dates.effective or pub
    src = rs.primary_source
    if pub is not None and d < pub:
        return StatusEvidence("not_yet_published", None, rs.id, src, rs.hypothetical, rs.verified)

    wins = [*own_windows(rs, limb), *windows]
    # the same window written in two records (a rule's dates and its suspension instrument) counts once
    wins = list({(w.start, w.until, w.scope): w for w in reversed(wins)}.values())[::-1]
    limb_wins = [w for w in wins if w.scope == "limb"]
    active_limb = [w for w in limb_wins if w.start <= d <= w.until]
    if active_limb:
        w = max(active_limb, key=lambda w: w.start)
        return StatusEvidence("suspended", w.start, w.by, w.source, w.hypothetical, w.verified)

    # (date, priority, status, evidence): priority orders same-day events
    events: list[tuple[dt.date, int, str, StatusEvidence]] = []
    for w in wins:
        events.append(
            (
                w.start,
                0,
                "suspended",
                StatusEvidence("suspended", w.start, w.by, w.source, w.hypothetical, w.verified),
            )
        )
        end = w.until + dt.timedelta(days=1)
        if not _covered(end, wins):
            events.append(
                (
                    end,
                    0,
                    "status_unknown",
                    StatusEvidence(
                        "status_unknown", end, w.by, w.source, w.hypothetical, w.verified
                    ),
                )
            )
    if rs.kind == "suspension" and rs.suspends is not None and lb is None:
        # a suspension instrument operates during its window; after it, what followed is unknown
        end = rs.suspends.until + dt.timedelta(days=1)
        events.append(
            (
                end,
                0,
                "status_unknown",
                StatusEvidence("status_unknown", end, rs.id, src, rs.hypothetical, rs.verified),
            )
        )
    if rs.dates.superseded_on is not None:
        events.append(
            (
                rs.dates.superseded_on,
                1,
                "superseded",
                StatusEvidence(
                    "superseded", rs.dates.superseded_on, rs.id, src, rs.hypothetical, rs.verified
                ),
            )
        )
    for prio, hist in ((2, rs.status_history), (3, lb.status_history if lb is not None else [])):
        for h in hist:
            hyp = h.hypothetical or rs.hypothetical
            events.append(
                (
                    h.from_,
                    prio,
                    h.status,
                    StatusEvidence(h.status, h.from_, rs.id, h.source, hyp, h.verified),
                )
            )
    past = [e for e in events if e[0] <= d]
    if past:
        _, _, status, ev = max(past, key=lambda e: (e[0], e[1]))
        if status == "in_force" and eff is not None and d < eff:
            return StatusEvidence(
                "not_yet_effective", ev.since, ev.by, ev.source, ev.hypothetical, ev.verified
            )
        return ev
    if eff is not None and d < eff:
        return StatusEvidence("not_yet_effective", pub, rs.id, src, rs.hypothetical, rs.verified)
    return StatusEvidence("in_force", eff, rs.id, src, rs.hypothetical, rs.verified)


def status_at(
    rs: RuleSet,
    as_of: dt.date | str,
    limb: str | None = None,
    windows: tuple[Window, ...] | list[Window] = (),
) -> str:
    """Raw status of a rule set (or one of its limbs/clauses) on a date: one of :data:`STATUSES`.

    See :func:`status_evidence` for the rules and the record that decides.
    """
    return status_evidence(rs, as_of, limb, windows).status


def treat_status(raw: str, assume: str) -> str:
    """The status used for verdicts: ``status_unknown`` becomes ``assume``; others are unchanged."""
    check_assume(assume)
    return assume if raw == "status_unknown" else raw
