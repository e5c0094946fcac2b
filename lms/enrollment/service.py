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

from lms.audit.service import record_event
from lms.auth.models import Role, User
from lms.auth.permissions import can_manage_user, has_any_role
from lms.auth.service import find_user_by_email
from lms.enrollment.models import (
    ENDED, ENROLMENT_STATUS_LABELS, Enrolment, EnrolmentError, EnrolmentStatus,
)
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus, SessionStatus


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
    _check_can_enrol(cycle, now, check_window)
    enrolment = find_enrolment(user_id, cycle.id)
    if enrolment is not None and enrolment.status not in ENDED:
        raise EnrolmentError(_l("Already signed up for this cycle (%(status)s).",
                                status=_status_label(enrolment.status)))
    seated = take_seat(cycle)
    if enrolment is None:  # a first request starts from "withdrawn", like one asking again
        enrolment = Enrolment(user_id=user_id, cycle_id=cycle.id, requested_at=now,
                              status=EnrolmentStatus.WITHDRAWN, created_by_id=actor_id)
    _place(enrolment, cycle, seated, now=now, actor_id=actor_id if decided else None)
    enrolment.requested_at, enrolment.withdrawn_at = now, None
    try:
        with db.session.begin_nested():
            db.session.add(enrolment)
    except IntegrityError:
        if seated:
            release_seat(cycle)
        raise EnrolmentError(_l("Already signed up for this cycle.")) from None
    record_event(actor_id or user_id, "enrolment." + enrolment.status.value, "enrolment",
                 enrolment.id, user_id=user_id, cycle_id=cycle.id)
    return enrolment


def _place(enrolment: Enrolment, cycle: Cycle, seated: bool, *, now: datetime,
           actor_id: int | None) -> None:
    """Set the status a (re)quest gets: enrolled, pending approval, or wait-listed."""
    if not seated:
        enrolment.waitlisted_at = now
        enrolment.change_status(EnrolmentStatus.WAITLISTED)
    elif cycle.approval_required and actor_id is None:
        enrolment.change_status(EnrolmentStatus.PENDING)
    else:
        enrolment.change_status(EnrolmentStatus.ENROLLED)
        enrolment.enrolled_at = now
        if actor_id is not None:
            enrolment.decided_by_id, enrolment.decided_at = actor_id, now


def _status_label(status: EnrolmentStatus) -> str:
    return str(ENROLMENT_STATUS_LABELS[status])


# --- leaving and the wait-list ---------------------------------------------------------------

def withdraw(enrolment: Enrolment, *, actor_id: int | None, now: datetime) -> list[Enrolment]:
    """Leave the cycle or the wait-list; a freed seat goes to the first on the wait-list."""
    if enrolment.cycle.status is not CycleStatus.PUBLISHED:
        raise EnrolmentError(_l("This cycle is over; nothing to withdraw from."))
    had_seat = enrolment.holds_seat
    enrolment.change_status(EnrolmentStatus.WITHDRAWN)
    enrolment.withdrawn_at = now
    db.session.flush()
    record_event(actor_id, "enrolment.withdrawn", "enrolment", enrolment.id,
                 user_id=enrolment.user_id, cycle_id=enrolment.cycle_id)
    if not had_seat:
        return []
    release_seat(enrolment.cycle)
    return fill_free_seats(enrolment.cycle, now=now, actor_id=actor_id)


def first_on_waitlist(cycle_id: int, skip: Iterable[int] = ()) -> Enrolment | None:
    return db.session.execute(
        select(Enrolment)
        .where(Enrolment.cycle_id == cycle_id, Enrolment.status == EnrolmentStatus.WAITLISTED,
               Enrolment.id.not_in(list(skip)))
        .order_by(Enrolment.waitlisted_at, Enrolment.id)
        .limit(1)
    ).scalar_one_or_none()


def fill_free_seats(cycle: Cycle, *, now: datetime, actor_id: int | None = None) -> list[Enrolment]:
    """Promote from the wait-list, first come first served, while seats are free."""
    promoted: list[Enrolment] = []
    tried: list[int] = []
    while (candidate := first_on_waitlist(cycle.id, tried)) is not None:
        if not take_seat(cycle):
            break
        if _promote(candidate, cycle, now):
            promoted.append(candidate)
            record_event(actor_id, "enrolment.promoted", "enrolment", candidate.id,
                         user_id=candidate.user_id, cycle_id=cycle.id)
        else:
            release_seat(cycle)  # someone else promoted or withdrew them meanwhile
        tried.append(candidate.id)
    return promoted


def _promote(candidate: Enrolment, cycle: Cycle, now: datetime) -> bool:
    """Move one person off the wait-list, only if they are still on it (checked by the database)."""
    new = EnrolmentStatus.PENDING if cycle.approval_required else EnrolmentStatus.ENROLLED
    result = db.session.execute(
        update(Enrolment)
        .where(Enrolment.id == candidate.id, Enrolment.status == EnrolmentStatus.WAITLISTED)
        .values(status=new, enrolled_at=None if new is EnrolmentStatus.PENDING else now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(candidate)
    return result.rowcount == 1


# --- approval --------------------------------------------------------------------------------

def can_decide(actor: User, enrolment: Enrolment) -> bool:
    """Coordinators decide every request; an organisation contact those of their own members."""
    if has_any_role(actor, Role.COORDINATOR):
        return True
    return actor.id != enrolment.user_id and can_manage_user(actor, enrolment.user)


def approve(enrolment: Enrolment, *, actor_id: int, now: datetime) -> None:
    enrolment.change_status(EnrolmentStatus.ENROLLED)
    enrolment.enrolled_at = now
    enrolment.decided_by_id, enrolment.decided_at = actor_id, now
    db.session.flush()
    record_event(actor_id, "enrolment.approved", "enrolment", enrolment.id,
                 user_id=enrolment.user_id, cycle_id=enrolment.cycle_id)


def decline(enrolment: Enrolment, *, actor_id: int, now: datetime) -> list[Enrolment]:
    """Say no to a request; its seat goes to the first on the wait-list."""
    enrolment.change_status(EnrolmentStatus.DECLINED)
    enrolment.decided_by_id, enrolment.decided_at = actor_id, now
    db.session.flush()
    record_event(actor_id, "enrolment.declined", "enrolment", enrolment.id,
                 user_id=enrolment.user_id, cycle_id=enrolment.cycle_id)
    release_seat(enrolment.cycle)
    return fill_free_seats(enrolment.cycle, now=now, actor_id=actor_id)


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


def bulk_enrol(cycle: Cycle, *, actor: User, user_ids: Iterable[int] = (), emails: str = "",
               now: datetime) -> list[BulkOutcome]:
    """Enrol many people at once; each gets a line saying what happened and why."""
    as_coordinator = has_any_role(actor, Role.COORDINATOR)
    report: list[BulkOutcome] = []
    seen: set[int] = set()
    for label, user, typed in _people(user_ids, split_addresses(emails)):
        if user is None and typed and not _EMAIL.match(label):
            report.append(BulkOutcome(label, "refused", str(_l("This is not an e-mail address."))))
        elif user is None:
            report.append(BulkOutcome(label, "refused", str(_l("No account has this e-mail address."))))
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
    if not user.is_active:
        return BulkOutcome(user.email, "refused", str(_l("The account is not active.")))
    if not as_coordinator and not can_manage_user(actor, user):
        return BulkOutcome(user.email, "refused", str(_l("Not a member of your organisation.")))
    existing = find_enrolment(user.id, cycle.id)
    if existing is not None and existing.status not in ENDED:
        return BulkOutcome(user.email, "already", str(_status_label(existing.status)))
    try:
        enrolment = enrol(user.id, cycle, now=now, actor_id=actor.id,
                          check_window=not as_coordinator, decided=True)
    except EnrolmentError as error:
        return BulkOutcome(user.email, "refused", str(error))
    return BulkOutcome(user.email, enrolment.status.value)
