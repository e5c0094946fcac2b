"""Enrolment rules: seats taken race-safely, the wait-list in order, approval, bulk enrolment.

A seat is taken by one conditional UPDATE (`seats_taken < capacity`, checked by its row count),
so the last seat goes to exactly one of many concurrent requests on SQLite and PostgreSQL alike;
UNIQUE(user_id, cycle_id) stops the same person twice. Functions flush but never commit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms import events
from lms.events import EventKind
from lms.audit.service import record_event
from lms.auth.models import Role, User
from lms.auth.permissions import can_manage_user, has_any_role
from lms.auth.service import find_user_by_email
from lms.enrolment.models import (
    ENDED, ENROLMENT_STATUS_LABELS, HOLDS_SEAT, Enrolment, EnrolmentError, EnrolmentStatus,
    check_transition,
)
from lms.enrolment.reserved_seats import back_to_block
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus


#: statuses one may withdraw from
WITHDRAWABLE = frozenset({EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED})
#: how often a status change is re-read and tried again when another request changed the row first
TRANSITION_TRIES = 3


# --- seats -----------------------------------------------------------------------------------

def take_seat(cycle: Cycle) -> bool:
    """Take one seat if one is free; the database decides, so two requests never get the last one."""
    result = db.session.execute(
        update(Cycle)
        .where(Cycle.id == cycle.id, Cycle.seats_taken < Cycle.capacity)
        .values(seats_taken=Cycle.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cycle, ["seats_taken"])
    return result.rowcount == 1


def lock_cycle(cycle_id: int) -> None:
    """Hold the cycle's row until commit (SELECT ... FOR UPDATE; nothing on SQLite)."""
    db.session.execute(select(Cycle.id).where(Cycle.id == cycle_id).with_for_update())


def release_seat(cycle: Cycle) -> None:
    db.session.execute(
        update(Cycle)
        .where(Cycle.id == cycle.id, Cycle.seats_taken > 0)
        .values(seats_taken=Cycle.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(cycle, ["seats_taken"])


# --- enrolling -------------------------------------------------------------------------------

def enrolment_open(cycle: Cycle, now: datetime) -> bool:
    """Published, inside the enrolment window, and with a session still ahead."""
    if cycle.status is not CycleStatus.PUBLISHED:
        return False
    if cycle.enrolment_opens_at and now < cycle.enrolment_opens_at:
        return False
    if cycle.enrolment_closes_at and now >= cycle.enrolment_closes_at:
        return False
    return _has_session_ahead(cycle.id, now)


def _has_session_ahead(cycle_id: int, now: datetime) -> bool:
    return db.session.execute(
        select(ClassSession.id).where(
            ClassSession.cycle_id == cycle_id, ClassSession.starts_at > now,
            ClassSession.status != SessionStatus.CANCELLED,
        ).limit(1)
    ).first() is not None


def _check_can_enrol(cycle: Cycle, now: datetime, check_window: bool) -> None:
    if cycle.status is not CycleStatus.PUBLISHED or not _has_session_ahead(cycle.id, now):
        raise EnrolmentError(_l("This cycle does not take enrolments."))
    if check_window and not enrolment_open(cycle, now):
        raise EnrolmentError(_l("Enrolment for this cycle is not open."))


def find_enrolment(user_id: int, cycle_id: int) -> Enrolment | None:
    return db.session.execute(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.cycle_id == cycle_id)
    ).scalar_one_or_none()


def enrol(user_id: int, cycle: Cycle, *, now: datetime, actor_id: int | None = None,
          check_window: bool = True, decided: bool = False) -> Enrolment:
    """Give the person a seat (pending approval where required), or a place on the wait-list.

    `decided` is for someone who may approve (a coordinator or the person's organisation
    contact enrolling them): no approval is then asked for.
    """
    from lms.enrolment.no_show import needs_approval

    _check_can_enrol(cycle, now, check_window)
    enrolment = find_enrolment(user_id, cycle.id)
    if enrolment is not None and enrolment.status not in ENDED:
        raise EnrolmentError(_l("Already signed up for this cycle (%(status)s).",
                                status=_status_label(enrolment.status)))
    seated = take_seat(cycle)
    status = _placed_status(cycle, seated, decided=decided and actor_id is not None,
                            flagged=seated and needs_approval(user_id, now))
    values = _placed_values(status, now, actor_id if decided else None)
    if enrolment is None:
        enrolment = _insert(user_id, cycle, status, values, created_by_id=actor_id, seated=seated)
    elif not transition(enrolment, enrolment.status, status, **values):
        if seated:  # asked again at the same moment from another request: that one stands
            release_seat(cycle)
        raise EnrolmentError(_l("Already signed up for this cycle."))
    _decided(PLACED[enrolment.status], enrolment, actor_id or user_id)
    return enrolment


#: the event of each place `enrol` gives
PLACED = {EnrolmentStatus.ENROLLED: EventKind.ENROLLED, EnrolmentStatus.PENDING: EventKind.ENROLMENT_REQUESTED,
          EnrolmentStatus.WAITLISTED: EventKind.WAITLISTED}


def _decided(kind: EventKind, enrolment: Enrolment, actor_id: int | None) -> None:
    """Keep the decision in the audit log and tell its consumers (lms/events), in this transaction."""
    record_event(actor_id, kind.value, "enrolment", enrolment.id,
                 user_id=enrolment.user_id, cycle_id=enrolment.cycle_id)
    events.record(kind, enrolment_id=enrolment.id)


#: for the other enrolment modules (offers.py): a decision audited and told, as `enrol` does
record_decision = _decided


def _insert(user_id: int, cycle: Cycle, status: EnrolmentStatus, values: dict, *,
            created_by_id: int | None, seated: bool) -> Enrolment:
    """A first request: one new row, UNIQUE(user, cycle) refusing a second one at the same moment."""
    enrolment = Enrolment(user_id=user_id, cycle_id=cycle.id, status=status,
                          created_by_id=created_by_id, **values)
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:
        if seated:
            release_seat(cycle)
        raise EnrolmentError(_l("Already signed up for this cycle.")) from None
    return enrolment


def _placed_status(cycle: Cycle, seated: bool, *, decided: bool, flagged: bool = False) -> EnrolmentStatus:
    """The status a (re)quest gets: enrolled, pending approval, or wait-listed.

    `flagged`: the person is under the no-show rule (lms/enrolment/no_show.py), so asks for approval.
    """
    if not seated:
        return EnrolmentStatus.WAITLISTED
    if (cycle.approval_required or flagged) and not decided:
        return EnrolmentStatus.PENDING
    return EnrolmentStatus.ENROLLED


def _placed_values(status: EnrolmentStatus, now: datetime, decider_id: int | None) -> dict:
    """The columns set with a (re)quest's status; those of an earlier request are cleared."""
    values = {"requested_at": now, "withdrawn_at": None, "waitlisted_at": None, "enrolled_at": None,
              "decided_by_id": None, "decided_at": None}
    if status is EnrolmentStatus.WAITLISTED:
        values["waitlisted_at"] = now
    elif status is EnrolmentStatus.ENROLLED:
        values["enrolled_at"] = now
        if decider_id is not None:
            values["decided_by_id"], values["decided_at"] = decider_id, now
    return values


# --- status changes ----------------------------------------------------------------------------

def transition(enrolment: Enrolment, expected: EnrolmentStatus, new: EnrolmentStatus,
               **values) -> bool:
    """Change the status only if it still is `expected`, as the database sees it now.

    One `UPDATE enrolments SET status=:new ... WHERE id=:id AND status=:expected`, checked by its
    row count: True when this request made the change, False when another one changed the row
    first (the enrolment is then reloaded, so the caller sees what it became). A transition the
    rules do not allow raises EnrolmentError.

    The cycle's row is locked first (PostgreSQL; SQLite has one writer anyway), as taking a seat
    does: every transaction that changes enrolments then waits for the cycle in the same order,
    and a withdrawal cannot deadlock with the promotion it races (the attendance-version trigger
    also updates the cycle at commit).
    """
    check_transition(expected, new)
    lock_cycle(enrolment.cycle_id)
    result = db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.status == expected)
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(enrolment)
    return result.rowcount == 1


def _change(enrolment: Enrolment, new: EnrolmentStatus, allowed_from: Iterable[EnrolmentStatus],
            **values) -> EnrolmentStatus:
    """Move the enrolment to `new` from whatever status it has now; returns the status it left.

    Another request may change the row between reading and writing; the read is then repeated
    (a few times), and a status `new` may not follow raises EnrolmentError.
    """
    allowed_from = frozenset(allowed_from)
    for _ in range(TRANSITION_TRIES):
        old = enrolment.status
        if old not in allowed_from:
            check_transition(old, new)  # raises with the person's words
            raise EnrolmentError(_l("This enrolment cannot change from %(old)s to %(new)s.",
                                    old=_status_label(old), new=_status_label(new)))
        if transition(enrolment, old, new, **values):
            return old
    raise EnrolmentError(_l("The enrolment was changed at the same moment. Try again."))


def _status_label(status: EnrolmentStatus) -> str:
    return str(ENROLMENT_STATUS_LABELS[status])


# --- leaving and the wait-list ---------------------------------------------------------------

def withdraw(enrolment: Enrolment, *, actor_id: int | None, now: datetime) -> list:
    """Leave the cycle or the wait-list; a freed seat is offered to the first on the wait-list (a
    seat given from an organisation's reserved block goes back to the block until its deadline).

    Whether a seat is freed is decided by the status the database changed, not the one loaded:
    a wait-listed person who accepted an offer meanwhile leaves a seat behind, which is offered on;
    one who leaves with an offer open gives up the seat the offer held. A seat given up after the
    cycle's cancellation deadline is recorded as a late cancellation (lms/enrolment/no_show.py).
    Returns the offers made.
    """
    from lms.enrolment.no_show import note_withdrawal
    from lms.enrolment.offers import close_offer_of_leaver

    if enrolment.cycle.status is not CycleStatus.PUBLISHED:
        raise EnrolmentError(_l("This cycle is over; nothing to withdraw from."))
    left = _change(enrolment, EnrolmentStatus.WITHDRAWN, WITHDRAWABLE, withdrawn_at=now)
    _decided(EventKind.ENROLMENT_WITHDRAWN, enrolment, actor_id)
    if left not in HOLDS_SEAT:
        return close_offer_of_leaver(enrolment, now=now, actor_id=actor_id)
    note_withdrawal(enrolment, actor_id=actor_id, now=now)
    if back_to_block(enrolment, actor_id=actor_id, now=now):
        return []  # a reserved seat, back in its block (lms/enrolment/reserved_seats.py)
    release_seat(enrolment.cycle)
    return fill_free_seats(enrolment.cycle, now=now, actor_id=actor_id)


def fill_free_seats(cycle: Cycle, *, now: datetime, actor_id: int | None = None) -> list:
    """Offer the free seats to the wait-list, in its order (lms/enrolment/offers.py); the offers made."""
    from lms.enrolment.offers import offer_free_seats

    return offer_free_seats(cycle, now=now, actor_id=actor_id)


# --- approval --------------------------------------------------------------------------------

def can_decide(actor: User, enrolment: Enrolment) -> bool:
    """Coordinators decide every request; an organisation contact those of their own members."""
    if has_any_role(actor, Role.COORDINATOR):
        return True
    return actor.id != enrolment.user_id and can_manage_user(actor, enrolment.user)


def approve(enrolment: Enrolment, *, actor_id: int, now: datetime) -> None:
    """Say yes to a pending request (which already holds its seat)."""
    if not transition(enrolment, EnrolmentStatus.PENDING, EnrolmentStatus.ENROLLED, enrolled_at=now,
                      decided_by_id=actor_id, decided_at=now):
        raise _no_longer_pending(enrolment)
    _decided(EventKind.ENROLMENT_APPROVED, enrolment, actor_id)


def decline(enrolment: Enrolment, *, actor_id: int, now: datetime) -> list:
    """Say no to a request; its seat is offered to the first on the wait-list (the offers made)."""
    if not transition(enrolment, EnrolmentStatus.PENDING, EnrolmentStatus.DECLINED,
                      decided_by_id=actor_id, decided_at=now):
        raise _no_longer_pending(enrolment)
    _decided(EventKind.ENROLMENT_DECLINED, enrolment, actor_id)
    release_seat(enrolment.cycle)
    return fill_free_seats(enrolment.cycle, now=now, actor_id=actor_id)


def complete(enrolment: Enrolment) -> bool:
    """Mark an enrolled person's enrolment completed (it keeps its seat); False if no longer enrolled."""
    return transition(enrolment, EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED)


def _no_longer_pending(enrolment: Enrolment) -> EnrolmentError:
    return EnrolmentError(_l("The request is no longer waiting for a decision: it is %(status)s.",
                             status=_status_label(enrolment.status)))


# --- bulk ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BulkOutcome:
    """One line of the report after a bulk enrolment."""

    who: str
    outcome: str  # enrolled, pending, waitlisted or refused
    reason: str = ""


#: what an e-mail address looks like here: something@domain.tld, no spaces
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def split_addresses(text: str) -> list[str]:
    """The entries of a pasted list: one per line, or separated by commas or semicolons.

    "Name <address>" gives the address; a line of addresses separated by spaces gives each of
    them; anything else stays one entry, so that a mistyped one is reported as one line.
    """
    entries: list[str] = []
    for raw in re.split(r"[\n\r,;]+", text or ""):
        entry = raw.strip().strip("\"'")
        if not entry:
            continue
        bracketed = re.search(r"<([^<>]+)>", entry)
        words = entry.split()
        if bracketed:
            entries.append(bracketed.group(1).strip())
        elif len(words) > 1 and all(_EMAIL.match(word) for word in words):
            entries.extend(words)
        else:
            entries.append(entry)
    return entries


#: roles of the center's staff: an organisation contact does not enrol these accounts
STAFF_ROLES = (Role.TRAINER, Role.COORDINATOR, Role.ADMIN)
NO_SUCH_MEMBER = _l("No member of your organisation has this e-mail address.")
STAFF_ACCOUNT = _l("This is a staff account (trainer, coordinator or administrator): a coordinator enrols it.")


def contact_may_enrol(user: User) -> bool:
    """Whom an organisation contact may enrol (of their own members): learners, not staff accounts.

    A contact speaks for the organisation's participants; the center's trainers, coordinators and
    administrators take part only when a coordinator enrols them or they enrol themselves (their
    enrolments touch planning: a trainer enrolled in a cycle they teach, double bookings).
    """
    return user.has_role(Role.LEARNER) and not user.has_role(*STAFF_ROLES)


def bulk_enrol(cycle: Cycle, *, actor: User, user_ids: Iterable[int] = (), emails: str = "",
               now: datetime) -> list[BulkOutcome]:
    """Enrol many people at once; each gets a line saying what happened and why."""
    as_coordinator = has_any_role(actor, Role.COORDINATOR)
    report: list[BulkOutcome] = []
    seen: set[int] = set()
    for label, user, typed in _people(user_ids, split_addresses(emails)):
        if user is None and typed and not _EMAIL.match(label):
            report.append(BulkOutcome(label, "refused", str(_l("This is not an e-mail address."))))
        elif user is None:  # to a contact, an unknown address and another organisation's member look alike
            reason = _l("No account has this e-mail address.") if as_coordinator else NO_SUCH_MEMBER
            report.append(BulkOutcome(label, "refused", str(reason)))
        elif user.id in seen:
            continue
        else:
            seen.add(user.id)
            report.append(_enrol_one(cycle, user, actor, as_coordinator, now))
    return report


def _people(user_ids: Iterable[int], emails: list[str]):
    for user_id in user_ids:
        user = db.session.get(User, user_id)
        yield (user.email if user else str(user_id)), user, False
    for email in emails:
        yield email, find_user_by_email(email), True


def _enrol_one(cycle: Cycle, user: User, actor: User, as_coordinator: bool,
               now: datetime) -> BulkOutcome:
    if not as_coordinator and not can_manage_user(actor, user):
        return BulkOutcome(user.email, "refused", str(NO_SUCH_MEMBER))
    if not user.is_active:
        return BulkOutcome(user.email, "refused", str(_l("The account is not active.")))
    if not as_coordinator and not contact_may_enrol(user):
        return BulkOutcome(user.email, "refused", str(STAFF_ACCOUNT))
    existing = find_enrolment(user.id, cycle.id)
    if existing is not None and existing.status not in ENDED:
        return BulkOutcome(user.email, "already", str(_status_label(existing.status)))
    try:
        enrolment = enrol(user.id, cycle, now=now, actor_id=actor.id,
                          check_window=not as_coordinator, decided=True)
    except EnrolmentError as error:
        return BulkOutcome(user.email, "refused", str(error))
    return BulkOutcome(user.email, enrolment.status.value)
