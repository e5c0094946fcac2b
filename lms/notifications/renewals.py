"""Reminders before a certificate expires: when its recertification window opens, and again
LMS_RENEWAL_REMINDER_DAYS before its end (30 and 7 days), each step once, to the holder and to their
organisation's contacts, in each one's language, by e-mail only if they want it.

A tick of the scheduler (`renewal-sweep`). One query finds the current periods (not revoked, not
renewed) with a step due that is not done yet (`renewal_reminders` holds the steps done, one row per
period and step, UNIQUE); with nothing due that is all it costs. When several steps are due at once
(the scheduler was down), the nearest one is sent and the earlier ones are marked done. Each message
has a dedupe key naming the step, the period and the recipient, so a second scheduler or a retry
never sends it twice.

Each reminder names the next open cycles of the renewing course, with a one-step enrolment link
for the holder (signed for that purpose, LMS_RENEWAL_LINK_DAYS); when none is planned it says so,
and the coordinators see the demand on their dashboard (lms/certificates/renewals.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.auth.models import User
from lms.catalog.models import Course
from lms.catalog.validity import renewed_by_quiz
from lms.certificates.models import CertificateValidityPeriod, RenewalReminder
from lms.certificates.renewals import (contacts_of, current_periods, open_cycles, renewal_link_token, renewing_course_ids,
                                      standing_of_users)
from lms.certificates.validity import Status, last_valid_day
from lms.core.digest_parts import DigestItem, DigestSection, Week
from lms.db_types import utcnow
from lms.extensions import db
from lms.notifications.compose import Notice, absolute_url, queue_rendered, render_for
from lms.notifications.kinds import Kind
from lms.notifications.service import preferences_of, wants_email

Period = CertificateValidityPeriod
WINDOW = "window"
#: periods handled between two calls of the tick's `after_each` (a commit)
BATCH = 200


def reminder_days() -> list[int]:
    return sorted({int(d) for d in current_app.config["LMS_RENEWAL_REMINDER_DAYS"]}, reverse=True)


def _steps_due(period: Period, now: datetime) -> list[str]:
    """The steps of a period due at `now`, earliest first (the window may open after 30 days left)."""
    moments = [(period.window_opens_at, WINDOW)] if period.window_opens_at is not None else []
    moments += [(period.valid_until - timedelta(days=d), f"{d}d") for d in reminder_days()]
    return [step for moment, step in sorted(moments) if moment <= now]


def _not_done(step: str):  # type: ignore[no-untyped-def]
    """No `renewal_reminders` row for this step of the period (a probe of its unique index)."""
    return ~select(RenewalReminder.id).where(RenewalReminder.period_id == Period.id,
                                             RenewalReminder.step == step).correlate(Period).exists()


def _due_query(now: datetime):  # type: ignore[no-untyped-def]
    """The current periods still running with a step due and not done. The range on the index
    (`valid_until`, `window_opens_at`) narrows them to those in their window or near their end;
    each due step is then one probe of UNIQUE(period_id, step). (Counting the steps done per period
    instead made PostgreSQL estimate the query so costly that it compiled it with JIT on every
    tick: 100 ms of the 146 at ×30, docs/PERFORMANCE.md.)"""
    days = reminder_days()
    reach = now + timedelta(days=max(days, default=0))
    step_due = [(Period.window_opens_at <= now) & _not_done(WINDOW)]
    step_due += [(Period.valid_until <= now + timedelta(days=d)) & _not_done(f"{d}d") for d in days]
    return (current_periods()
            .where(Period.valid_until > now, (Period.window_opens_at <= now) | (Period.valid_until <= reach),
                   or_(*step_due))
            .order_by(Period.valid_until, Period.id))


@dataclass(frozen=True)
class _Due:
    period: Period
    step: str  # the step whose message goes out
    steps: list[str]  # every step to mark done


def due_renewal_reminders(now: datetime) -> list[_Due]:
    periods = db.session.execute(_due_query(now)).scalars().all()
    if not periods:
        return []
    done: dict[int, set[str]] = {}
    for period_id, step in db.session.execute(select(RenewalReminder.period_id, RenewalReminder.step)
                                              .where(RenewalReminder.period_id.in_([p.id for p in periods]))):
        done.setdefault(period_id, set()).add(step)
    due = []
    for period in periods:
        steps = [s for s in _steps_due(period, now) if s not in done.get(period.id, set())]
        if steps:
            due.append(_Due(period, steps[-1], steps))
    return due


def queue_renewal_reminders(now: datetime, *, after_each: Callable[[], None] | None = None) -> int:
    """The tick: queue every renewal reminder that is due and not done yet. Safe to run twice."""
    due = due_renewal_reminders(now)
    queued = 0
    for start in range(0, len(due), BATCH):
        queued += _queue_batch(due[start:start + BATCH], now)
        if after_each is not None:
            after_each()
    return queued


def _mark_done(period_id: int, step: str, now: datetime) -> bool:
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = (insert(RenewalReminder).values(period_id=period_id, step=step, queued_at=now)
                 .on_conflict_do_nothing(index_elements=["period_id", "step"]).returning(RenewalReminder.id))
    return db.session.execute(statement).scalar_one_or_none() is not None


def _queue_batch(batch: list[_Due], now: datetime) -> int:
    holders = {u.id: u for u in db.session.execute(
        select(User).where(User.id.in_({d.period.user_id for d in batch}))).scalars()}
    courses = {c.id: c for c in db.session.execute(
        select(Course).where(Course.id.in_({d.period.course_id for d in batch}))).scalars()}
    renewing = renewing_course_ids(set(courses))
    cycles = open_cycles(set(renewing.values()), now)
    contacts = contacts_of({u.organisation_id for u in holders.values() if u.organisation_id is not None})
    people = [*holders.values(), *(c for group in contacts.values() for c in group)]
    preferences = preferences_of(u.id for u in people)
    queued = 0
    for item in batch:
        if not _mark_done(item.period.id, item.step, now):
            continue  # another scheduler took this step
        for step in item.steps[:-1]:
            _mark_done(item.period.id, step, now)
        holder = holders[item.period.user_id]
        offered = cycles.get(renewing[item.period.course_id], [])
        recipients = [(holder, None)] if holder.is_active else []
        recipients += [(contact, holder) for contact in contacts.get(holder.organisation_id, [])
                       if contact.id != holder.id]
        for person, member in recipients:
            notice = renewal_notice(item, person, member, courses[item.period.course_id], offered)
            wanted = wants_email(preferences.get(person.id), Kind.RENEWAL_REMINDER)
            queued += queue_rendered(render_for(person, notice, now=now, email=wanted), now=now)
    return queued


def renewal_key(step: str, period_id: int, user_id: int) -> str:
    return f"renewal:{step}:period:{period_id}:user:{user_id}"


def renewal_notice(item: _Due, person: User, member: User | None, course: Course,
                   offered: list) -> Notice:  # type: ignore[type-arg]
    """The holder's reminder (links that enrol them in one step, and the renewal quiz when a quiz
    alone renews the course) or a contact's (about a member)."""
    quiz = renewed_by_quiz(course.validity)
    quiz_link = absolute_url("certificates.renew_by_quiz", certificate_id=item.period.certificate_id) \
        if quiz and member is None else None
    if member is None:
        cycles = [(cycle, starts_at, absolute_url("certificates.renew", token=renewal_link_token(person.id, cycle.id)))
                  for cycle, starts_at in offered]
        link = absolute_url("certificates.mine")
    else:
        cycles = [(cycle, starts_at, absolute_url("enrolment.cycle", cycle_id=cycle.id)) for cycle, starts_at in offered]
        link = absolute_url("reports.organisation_report")
    return Notice(
        kind=Kind.RENEWAL_REMINDER, dedupe_key=renewal_key(item.step, item.period.id, person.id),
        template="renewal_reminder", link=link,
        context={"course": course, "member": member, "last_day": last_valid_day(item.period.valid_until),
                 "window": item.step == WINDOW, "cycles": cycles, "quiz": quiz, "quiz_link": quiz_link,
                 "catalogue": absolute_url("catalog.course", slug=course.slug)},
    )


#: the weekly digest names the certificates of one's own that end within this many days
DIGEST_HORIZON_DAYS = 90


def renewals_section(people: list[User], week: Week) -> dict[int, DigestSection]:
    """The weekly digest's section: each person's own certificates that expire soon or have expired
    (in the last year, as `renewals_due` counts them), soonest first, with the page to renew from."""
    now = max(utcnow(), week.starts_at)
    standing = standing_of_users([p.id for p in people], now, within_days=DIGEST_HORIZON_DAYS)
    link = absolute_url("certificates.mine")
    sections = {}
    for user_id, periods in standing.items():
        due = sorted((d for d in periods if d.status in (Status.EXPIRING_SOON, Status.EXPIRED)
                      and d.valid_until > now - timedelta(days=365)), key=lambda d: d.valid_until)
        if due:
            sections[user_id] = DigestSection(_l("Certificates to renew"), [DigestItem(
                text=d.course_title, deadline=d.valid_until,
                deadline_label=_l("Expired on") if d.status is Status.EXPIRED else _l("Valid until"),
                link=link) for d in due])
    return sections
