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
from typing import TYPE_CHECKING, Literal

from substitute.errors import InputError, UnknownRuleError

if TYPE_CHECKING:  # pragma: no cover
    from substitute.compliance.schema import Limb, RuleSet

__all__ = ["ASSUMPTIONS", "STATUSES", "check_assume", "parse_date", "status_at", "treat_status"]

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
def _find_limb(rs: RuleSet, limb: str | None) -> Limb | None:
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


def status_at(rs: RuleSet, as_of: dt.date | str, limb: str | None = None) -> str:
    """Raw status of a rule set (or one of its limbs/clauses) on a date.

    Parameters
    ----------
    rs : RuleSet
        A validated rule set.
    as_of : datetime.date or str
        The date (ISO string accepted).
    limb : str, optional
        A limb (No. 61: ``"1(1)"``, ``"1(2)"``, ``"1(3)"``) or clause (No. 46: ``"clause2"``) id. Its
        own effective date and suspension window replace the rule set's.

    Returns
    -------
    str
        One of :data:`STATUSES`.
    """
    d = parse_date(as_of)
    lb = _find_limb(rs, limb)
    pub = rs.dates.published
    eff = None
    if lb is not None and lb.effective is not None:
        eff = lb.effective
    elif lb is not None and rs.dates.effective_by_limb and lb.id in rs.dates.effective_by_limb:
        eff = rs.dates.effective_by_limb[lb.id]
    else:
        eff = rs.dates.effective or pub
    if lb is not None and lb.suspended_from is not None:
        s_from, s_until = lb.suspended_from, lb.suspended_until
    elif lb is not None and lb.status == "in_force":
        s_from, s_until = None, None  # a clause recorded as not suspended (No. 46 clause 1)
    else:
        s_from, s_until = rs.dates.suspended_from, rs.dates.suspended_until

    if pub is not None and d < pub:
        return "not_yet_published"
    # (date, priority, status): later records (status_history) win ties over computed windows
    events: list[tuple[dt.date, int, str]] = []
    if s_from is not None and s_until is not None:
        events.append((s_from, 0, "suspended"))
        events.append((s_until + dt.timedelta(days=1), 0, "status_unknown"))
    if rs.kind == "suspension" and rs.suspends is not None:
        events.append((rs.suspends.until + dt.timedelta(days=1), 0, "status_unknown"))
    if rs.dates.superseded_on is not None:
        events.append((rs.dates.superseded_on, 0, "superseded"))
    events.extend((h.from_, 1, h.status) for h in rs.status_history)
    past = [e for e in events if e[0] <= d]
    if past:
        status = max(past, key=lambda e: (e[0], e[1]))[2]
        if status == "in_force" and eff is not None and d < eff:
            return "not_yet_effective"
        return status
    if eff is not None and d < eff:
        return "not_yet_effective"
    return "in_force"


def treat_status(raw: str, assume: str) -> str:
    """The status used for verdicts: ``status_unknown`` becomes ``assume``; others are unchanged."""
    check_assume(assume)
    return assume if raw == "status_unknown" else raw
