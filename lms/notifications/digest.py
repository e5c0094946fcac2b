"""The weekly digest: one e-mail on Monday morning (Europe/Stockholm, LMS_TIMEZONE) with the week
ahead, for each person who chose it in their notification preferences (`weekly_digest`, off by
default), in their language, once per person per week (the dedupe key
`weekly-digest:<user id>:<ISO week>`). A person with nothing in any section gets no e-mail.

The digest is a list of sections, each from a *section builder* registered per app, in order.
The sessions section (their sessions of the week, as a learner or as a trainer) is built here.

How a package adds its section
------------------------------
1. Write a builder in the package, e.g. ``lms/enrolment/digest.py``::

       from lms.core.digest_parts import DigestItem, DigestSection, Week

       def offers_section(people: list[User], week: Week) -> dict[int, DigestSection]:
           ...  # a fixed number of queries for the whole batch, never one per person
           return {user_id: DigestSection(_l("Offers waiting for your answer"), items), ...}

   It gets a batch of people (active accounts that chose the digest) and the week (`starts_at`
   and `ends_at` are UTC instants of local Monday midnights), and returns a section for each
   person it has something to say to; a person it leaves out gets no such section. Texts may be
   lazy strings (`lazy_gettext`): they are rendered in each recipient's language; `starts_at`
   and `ends_at` of an item are shown in the center's time zone; `link` is an absolute address
   (`lms.notifications.compose.absolute_url` from a view-free module, or built by the caller).
   The parts live in `lms.core.digest_parts`, so a package below notifications needs no upward
   import.
2. Register it in ``lms/__init__.py``, ``init_weekly_digest``::

       sections.register("offers", offers_section)

   The name is stable (logs, tests); the order of registration is the order in the e-mail.
   Nothing is registered by importing a module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Callable, Iterable

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.core.digest_parts import DigestItem, DigestSection, Week
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.compose import Notice, absolute_url, deliver
from lms.notifications.kinds import Kind
from lms.notifications.models import NotificationPreference, OutboxMessage
from lms.notifications.outbox import existing_keys
from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, SessionStatus
from lms.planning.service import local_zone

#: the digest goes out on Monday from this local time until noon (a scheduler down all morning skips a week)
SEND_FROM, SEND_UNTIL = time(7, 0), time(12, 0)
BATCH = 200

SectionBuilder = Callable[[list[User], Week], dict[int, DigestSection]]


@dataclass
class DigestSections:
    """The app's section builders, in the order the digest shows them."""

    builders: list[tuple[str, SectionBuilder]] = field(default_factory=list)

    def register(self, name: str, build: SectionBuilder) -> None:
        if any(existing == name for existing, _ in self.builders):
            raise ValueError(f"digest section {name!r} is registered twice")
        self.builders.append((name, build))

    def build(self, people: list[User], week: Week) -> dict[int, list[DigestSection]]:
        """Each person's non-empty sections, in order."""
        found: dict[int, list[DigestSection]] = {person.id: [] for person in people}
        for _name, build in self.builders:
            for user_id, section in build(people, week).items():
                if section.items and user_id in found:
                    found[user_id].append(section)
        return found


def init_digest(app: Flask) -> DigestSections:
    sections = app.extensions["digest_sections"] = DigestSections()
    return sections


def dedupe_key(user_id: int, week: Week) -> str:
    return f"weekly-digest:{user_id}:{week.label}"


def due_week(now: datetime) -> Week | None:
    """The week whose digest goes out now: on Monday morning local time, else None."""
    local = now.astimezone(local_zone())
    if local.weekday() != 0 or not SEND_FROM <= local.time() < SEND_UNTIL:
        return None
    return Week.of(local.date(), local_zone())


def queue_weekly_digests(now: datetime, *, after_each: Callable[[], None] | None = None) -> int:
    """The scheduler's tick: queue the week's digest of everyone who chose it and has none yet."""
    week = due_week(now)
    if week is None:
        return 0
    queued, last_id = 0, 0
    while people := _subscribers(after=last_id):
        last_id = people[-1].id
        queued += queue_for(people, week, now=now)
        if after_each is not None:
            after_each()
    return queued


def _subscribers(after: int) -> list[User]:
    return list(db.session.execute(
        select(User).join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(NotificationPreference.weekly_digest.is_(True), User.active.is_(True),
               User.anonymised_at.is_(None), User.id > after)
        .order_by(User.id).limit(BATCH)
    ).scalars())


def queue_for(people: list[User], week: Week, *, now: datetime) -> int:
    """Queue the digest of each of `people` for `week` who has something in it (once: the dedupe key)."""
    sent = existing_keys(OutboxMessage, [dedupe_key(p.id, week) for p in people])
    people = [p for p in people if dedupe_key(p.id, week) not in sent]
    sections = current_app.extensions["digest_sections"].build(people, week)
    queued = 0
    for person in people:
        if not sections[person.id]:
            continue
        notice = Notice(kind=Kind.WEEKLY_DIGEST, dedupe_key=dedupe_key(person.id, week), template="weekly_digest",
                        context={"sections": sections[person.id], "week": week},
                        link=absolute_url("enrolment.my_schedule"))
        queued += deliver(person, notice, now=now, in_app=False)
    return queued


# --- the sessions section ------------------------------------------------------------------------

def sessions_section(people: list[User], week: Week) -> dict[int, DigestSection]:
    """Each person's sessions of the week: of the cycles they are enrolled in and those they teach."""
    ids = [p.id for p in people]
    if not ids:
        return {}
    found: dict[int, list[ClassSession]] = {}
    for user_id, session in _week_sessions(ids, week, _learning(ids)) + _week_sessions(ids, week, _teaching(ids)):
        found.setdefault(user_id, []).append(session)
    return {user_id: DigestSection(_l("Your sessions this week"), [_item(s) for s in _in_order(sessions)])
            for user_id, sessions in found.items()}


def _learning(ids: list[int]):  # type: ignore[no-untyped-def]
    return select(Enrolment.user_id, Enrolment.cycle_id).where(
        Enrolment.user_id.in_(ids), Enrolment.status == EnrolmentStatus.ENROLLED).subquery()


def _teaching(ids: list[int]):  # type: ignore[no-untyped-def]
    return select(CycleTrainer.user_id, CycleTrainer.cycle_id).where(CycleTrainer.user_id.in_(ids)).subquery()


def _week_sessions(ids: list[int], week: Week, whose) -> list[tuple[int, ClassSession]]:  # type: ignore[no-untyped-def]
    rows = db.session.execute(
        select(whose.c.user_id, ClassSession)
        .join(ClassSession, ClassSession.cycle_id == whose.c.cycle_id)
        .join(Cycle, Cycle.id == ClassSession.cycle_id)
        .where(Cycle.status == CycleStatus.PUBLISHED, ClassSession.status != SessionStatus.CANCELLED,
               ClassSession.starts_at >= week.starts_at, ClassSession.starts_at < week.ends_at)
        .options(joinedload(ClassSession.cycle).joinedload(Cycle.course), joinedload(ClassSession.room),
                 joinedload(ClassSession.cycle).joinedload(Cycle.room))
    ).all()
    return [(user_id, session) for user_id, session in rows]


def _in_order(sessions: Iterable[ClassSession]) -> list[ClassSession]:
    unique = {s.id: s for s in sessions}
    return sorted(unique.values(), key=lambda s: (s.starts_at, s.id))


def _item(session: ClassSession) -> DigestItem:
    room = session.room or session.cycle.room
    return DigestItem(text=f"{session.cycle.course.title}: {session.cycle.title}", starts_at=session.starts_at,
                      ends_at=session.ends_at, detail=room.location if room else "",
                      link=absolute_url("enrolment.cycle", cycle_id=session.cycle_id))
