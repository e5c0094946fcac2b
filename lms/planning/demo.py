"""Demo data for planning and enrolment: rooms, and cycles in the past, this week and next term.

Everything is found by a natural key (room name; course and cycle title) before it is made, so
running it twice changes nothing. Dates are relative to today.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from flask import current_app
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.service import find_user_by_email
from lms.catalog.models import Course
from lms.db_types import utcnow
from lms.enrolment.service import enrol
from lms.extensions import db
from lms.planning import service
from lms.planning.models import Cycle, RecurrenceKind, Room
from lms.planning.recurrence import Recurrence

ADDRESS = "Norra Grängesbergsgatan 26, 214 50 Malmö"
ROOMS = [
    ("Stora salen", 40, "Entré i gatuplan, hörslinga, tillgänglig toalett."),
    ("Verkstaden", 16, "Entré i gatuplan. Höj- och sänkbara bord."),
    ("Lilla rummet", 10, "Plan 2, hiss finns. Hörslinga saknas."),
    ("Studion", 24, "Plan 2, hiss finns. Hörslinga och skrivtolk kan bokas."),
]
COORDINATOR = "samordnare@kompetenscentret.example"


@dataclass(frozen=True)
class DemoCycle:
    slug: str
    when: str  # past, running, soon (within three weeks, few enrolled), next or draft (next term, unpublished)
    weekdays: tuple[int, ...]
    start: time
    sessions: int
    room: str
    capacity: int
    trainers: tuple[str, ...]
    learners: range  # demo learner indexes to enrol
    approval_required: bool = False
    requests: tuple[int, ...] = ()  # demo learner indexes who ask (approval) or queue (full)
    monthly: bool = False


CYCLES = [
    DemoCycle("styrelsearbete", "past", (1,), time(18, 0), 6, "Stora salen", 24,
              ("utbildare@kompetenscentret.example",), range(0, 18)),
    DemoCycle("foreningsekonomi", "running", (1, 3), time(18, 0), 8, "Verkstaden", 16,
              ("utbildare@kompetenscentret.example",), range(0, 12)),
    DemoCycle("gdpr-for-foreningar", "running", (0, 2), time(17, 30), 6, "Studion", 20,
              ("utbildare@kompetenscentret.example", "utbildare2@kompetenscentret.example"), range(10, 24)),
    DemoCycle("styrelsearbete", "next", (1,), time(18, 0), 8, "Stora salen", 30,
              ("utbildare2@kompetenscentret.example",), range(20, 32)),
    DemoCycle("agenda-2030", "next", (2,), time(18, 0), 6, "Lilla rummet", 6,
              ("utbildare3@kompetenscentret.example",), range(30, 36), requests=(36, 37, 38, 39)),
    DemoCycle("projektledning-och-ansokan", "next", (3,), time(17, 30), 6, "Verkstaden", 14,
              ("utbildare4@kompetenscentret.example",), range(40, 44), approval_required=True,
              requests=(0, 10, 5, 15, 50)),
    DemoCycle("leda-volontarer", "next", (5,), time(10, 0), 5, "Studion", 20,
              ("utbildare@kompetenscentret.example",), range(44, 50), monthly=True),
    DemoCycle("leda-volontarer", "soon", (3,), time(18, 0), 3, "Lilla rummet", 10,
              ("utbildare2@kompetenscentret.example",), range(50, 52)),
    # a daytime plan not yet published: several organisations' conditions say it suits them poorly
    DemoCycle("agenda-2030", "draft", (1,), time(13, 0), 4, "Verkstaden", 12,
              ("utbildare3@kompetenscentret.example",), range(0)),
]


def seed_planning_demo() -> None:
    """Rooms and cycles of the demo center, with learners enrolled, waiting and asking."""
    now = utcnow()
    rooms = _seed_rooms()
    coordinator = find_user_by_email(COORDINATOR)
    for demo in CYCLES:
        course = _ensure_course(demo.slug)
        first = _first_date(demo, now)
        title = _title(demo.when, first)
        exists = db.session.execute(
            select(Cycle.id).where(Cycle.course_id == course.id, Cycle.title == title)
        ).scalar_one_or_none()
        if exists is None:
            _seed_cycle(demo, course, title, first, rooms, coordinator, now)
    db.session.flush()


def _seed_rooms() -> dict[str, Room]:
    existing = {room.name: room for room in db.session.execute(select(Room)).scalars()}
    for name, capacity, notes in ROOMS:
        if name not in existing:
            existing[name] = service.save_room(None, name=name, capacity=capacity, address=ADDRESS,
                                               accessibility_notes=notes, active=True, actor_id=None)
    return existing


def _ensure_course(slug: str) -> Course:
    """The course by slug; a minimal one from course.yaml if the content import has not run yet."""
    course = db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is not None:
        return course
    meta = _course_yaml(slug)
    course = Course(
        slug=slug, title=meta.get("title", slug), summary=meta.get("summary", "")[:400],
        description=meta.get("summary", ""), description_html="", language=meta.get("language", "sv"),
        estimated_hours=Decimal(str(meta.get("estimated_hours", 0))),
        certificate_design=meta.get("certificate_design", "standard"), content_version="",
        validity=_validity(meta),
    )
    db.session.add(course)
    db.session.flush()
    return course


def _validity(meta: dict) -> dict | None:
    from lms.catalog.validity import read_validity

    validity = read_validity(meta, lambda name: 1, lambda line, message: None)
    return validity.as_dict() if validity else None


def _course_yaml(slug: str) -> dict:
    folder = Path(current_app.config.get("LMS_CONTENT_DIR") or Path(current_app.root_path).parent / "courses_content")
    try:
        return yaml.safe_load((folder / slug / "course.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _first_date(demo: DemoCycle, now: datetime) -> date:
    this_monday = _monday(now.astimezone(service.local_zone()).date())
    if demo.when == "past":
        return this_monday - timedelta(weeks=12)
    if demo.when == "running":
        return this_monday - timedelta(weeks=2)
    if demo.when == "soon":
        return this_monday + timedelta(weeks=2)
    if demo.when == "draft":
        return this_monday + timedelta(weeks=10)
    return this_monday + timedelta(weeks=8)


def _title(when: str, first: date) -> str:
    if when == "running":
        return _running_title(first)
    if when == "soon":
        return f"Intensivkurs {_term_title(first).lower()}"
    if when == "draft":
        return f"Dagtid {_term_title(first).lower()}"
    return _term_title(first)


def _term_title(first: date) -> str:
    return f"{'Våren' if first.month <= 6 else 'Hösten'} {first.year}"


def _running_title(first: date) -> str:
    return f"Kvällar {_term_title(first).lower()}"


def _seed_cycle(demo: DemoCycle, course: Course, title: str, first: date, rooms: dict[str, Room],
                coordinator: User | None, now: datetime) -> None:
    trainers = [u for u in (find_user_by_email(e) for e in demo.trainers) if u is not None]
    recurrence = Recurrence(
        kind=RecurrenceKind.MONTHLY if demo.monthly else RecurrenceKind.WEEKLY, first_date=first,
        start_time=demo.start, duration_minutes=150, weekdays=demo.weekdays, count=demo.sessions,
        skip_holidays=True,
    )
    spec = service.CycleSpec(
        course_id=course.id, title=title, recurrence=recurrence, room_id=rooms[demo.room].id,
        capacity=demo.capacity, trainer_ids=tuple(t.id for t in trainers), opens_on=None,
        closes_on=None, approval_required=demo.approval_required, min_attendance_percent=80,
    )
    actor_id = coordinator.id if coordinator else None
    cycle = service.save_cycle(None, spec, actor_id=actor_id, now=now)
    if demo.when == "draft":
        return
    # published a while ago (never "now"), so that the people's requests that follow it are in
    # the past too: the demo never shows a request made later than the moment it is seen
    published_at = min(now - timedelta(days=2), cycle.sessions[0].starts_at - timedelta(days=21))
    service.publish_cycle(cycle, actor_id=actor_id, now=published_at)
    _seed_people(cycle, demo, actor_id, min(now, published_at + timedelta(days=1)), now)
    if demo.when == "past":
        service.finish_ended_cycles(now)


def _seed_people(cycle: Cycle, demo: DemoCycle, actor_id: int | None, when: datetime,
                 now: datetime) -> None:
    from lms.demo import learner_email

    for index in demo.learners:
        learner = find_user_by_email(learner_email(index))
        if learner is not None:
            enrol(learner.id, cycle, now=when, actor_id=actor_id, check_window=False, decided=True)
    for offset, index in enumerate(demo.requests):
        learner = find_user_by_email(learner_email(index))
        if learner is not None:
            asked = min(when + timedelta(hours=offset + 1), now - timedelta(minutes=10 * (offset + 1)))
            enrol(learner.id, cycle, now=asked, check_window=False)
