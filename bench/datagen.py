"""A data generator for the benchmarks: the center today, ×10 and ×30.

    python -m bench.datagen --scale 1 --database sqlite:////tmp/lms-bench-1.sqlite3
    python -m bench.datagen --scale 30 --database postgresql://postgres@127.0.0.1:5432/lms_bench

At scale 1: 80 organisations, 3,300 people, 40 courses, 150 cycles in a year, ~4,000 sessions and
~60,000 attendance rows; ×30 gives 100,000 people and ~1.8 million attendance rows. Rows are
written with bulk inserts through the models' column types (UTC-aware datetimes included).
The schema is created by the migrations (`lms init-db`) when the database is empty.
"""
from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, time as clock, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PASSWORD = "bench-lösenord-2026"
BATCH = 5000


@dataclass(frozen=True)
class Size:
    organisations: int
    people: int
    courses: int
    cycles: int
    sessions_per_cycle: int
    enrolled_per_cycle: int
    big_cycle_every: int = 10  # every tenth cycle fills a room of 40 (the roll call benchmark's case)
    big_cycle_seats: int = 40
    timeline_slots: int = 150  # cycles start in this many evenly spaced weeks; more cycles share them

    @classmethod
    def at(cls, scale: int) -> Size:
        return cls(organisations=80 * scale, people=3300 * scale, courses=40 * scale, cycles=150 * scale,
                   sessions_per_cycle=27, enrolled_per_cycle=17)  # 19.3 a cycle with the big ones


def _batches(rows: list[dict], size: int = BATCH):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _insert(db, model, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    for batch in _batches(rows):
        db.session.execute(insert(model), batch)


def generate(scale: int | Size, now: datetime, seed: int = 2026) -> dict[str, int]:
    """Fill an empty database (a scale, or an exact Size); returns the row counts written."""
    from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
    from lms.auth.models import Organisation, Role, Sector, User, UserRole
    from lms.auth.passwords import hash_password
    from lms.catalog.models import Course, CourseCompetenceArea, CourseSdg, Module, ModuleProgress
    from lms.certificates.codes import new_code
    from lms.certificates.models import Certificate, IssueOrigin
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.extensions import db
    from lms.planning.models import ClassSession, Cycle, CycleStatus, CycleTrainer, RecurrenceKind, Room

    rng = random.Random(seed)
    size = scale if isinstance(scale, Size) else Size.at(scale)
    scale = max(1, size.people // 3300)
    counts: dict[str, int] = {}
    password_hash = hash_password(PASSWORD)

    organisations = [{"id": i + 1, "name": f"Förening {i + 1:05d}", "sector": Sector.NON_PROFIT,
                      "organisation_number": None, "contact_email": f"info@forening{i + 1}.example",
                      "active": True, "created_at": now} for i in range(size.organisations)]
    _insert(db, Organisation, organisations)

    people, roles = [], []
    trainers = max(4, size.people // 200)
    coordinators = max(2, size.people // 1500)
    for i in range(size.people):
        person_id = i + 1
        people.append({"id": person_id, "email": f"person{person_id}@bench.example", "name": f"Person {person_id}",
                       "password_hash": password_hash, "organisation_id": (i % size.organisations) + 1,
                       "locale": "sv", "active": True, "created_at": now})
        if i < coordinators:
            role = Role.COORDINATOR
        elif i < coordinators + trainers:
            role = Role.TRAINER
        elif i < coordinators + trainers + size.organisations:
            role = Role.ORGANISATION_CONTACT
        else:
            role = Role.LEARNER
        roles.append({"user_id": person_id, "role": role})
        if role is Role.ORGANISATION_CONTACT:
            roles.append({"user_id": person_id, "role": Role.LEARNER})
    _insert(db, User, people)
    _insert(db, UserRole, roles)
    counts["users"] = len(people)
    trainer_ids = list(range(coordinators + 1, coordinators + trainers + 1))
    learner_ids = list(range(coordinators + trainers + 1, size.people + 1))

    areas = ["Föreningsstyrning", "Ekonomi", "Juridik och dataskydd", "Projektledning",
             "Ledarskap och volontärer", "Hållbar utveckling", "Kommunikation"]
    courses, modules, course_areas, sdgs = [], [], [], []
    for i in range(size.courses):
        course_id = i + 1
        courses.append({"id": course_id, "slug": f"kurs-{course_id}", "title": f"Kurs {course_id}: föreningskunskap",
                        "summary": "En kurs för föreningslivet.", "description": "Beskrivning.",
                        "description_html": "<p>Beskrivning.</p>", "language": "sv",
                        "estimated_hours": Decimal("6.0"), "certificate_design": "standard",
                        "learning_outcomes": ["Efter kursen kan du mer."], "content_version": "0" * 64,
                        "published": True, "created_at": now, "updated_at": now})
        course_areas.append({"course_id": course_id, "area": areas[i % len(areas)]})
        sdgs.append({"course_id": course_id, "sdg": (i % 17) + 1})
        for position in range(1, 6):
            modules.append({"course_id": course_id, "slug": f"{position:02d}-modul", "position": position,
                            "title": f"Modul {position}", "body": "Text.", "body_html": "<p>Text.</p>",
                            "minutes": 30, "required": position < 5,
                            "quiz_file": "quiz.gift" if position == 5 else None})
    _insert(db, Course, courses)
    _insert(db, CourseCompetenceArea, course_areas)
    _insert(db, CourseSdg, sdgs)
    _insert(db, Module, modules)
    module_ids = {}
    for module_id, course_id in db.session.execute(select(Module.id, Module.course_id)):
        module_ids.setdefault(course_id, []).append(module_id)

    rooms = [{"id": i + 1, "name": f"Rum {i + 1}", "capacity": 40, "address": "Malmö", "accessibility_notes": "",
              "active": True, "created_at": now} for i in range(max(4, scale * 4))]
    _insert(db, Room, rooms)

    cycles, cycle_trainers, sessions, enrolments, attendance, certificates = [], [], [], [], [], []
    progress: dict[tuple[int, int], dict] = {}
    session_id = 0
    today = now.astimezone(STOCKHOLM).date()
    for i in range(size.cycles):
        cycle_id = i + 1
        course_id = (i % size.courses) + 1
        # most cycles of the last year and a half are over, a few run now, a tenth are next term
        slot = i % size.timeline_slots
        first = today - timedelta(days=560) + timedelta(days=(slot * 620) // size.timeline_slots)
        weekday_first = first + timedelta(days=(1 - first.weekday()) % 7)
        last = weekday_first + timedelta(weeks=size.sessions_per_cycle - 1)
        finished = last < today
        seats = size.big_cycle_seats if i % size.big_cycle_every == 0 else size.enrolled_per_cycle
        cycles.append({"id": cycle_id, "course_id": course_id, "title": f"Omgång {cycle_id}",
                       "status": CycleStatus.FINISHED if finished else CycleStatus.PUBLISHED,
                       "recurrence_kind": RecurrenceKind.WEEKLY,
                       "rrule": f"FREQ=WEEKLY;BYDAY=TU;COUNT={size.sessions_per_cycle}",
                       "first_date": weekday_first, "start_time": clock(18, 0), "duration_minutes": 120,
                       "session_count": size.sessions_per_cycle, "until_date": None, "skip_holidays": False,
                       "room_id": (i % len(rooms)) + 1, "capacity": max(20, seats), "seats_taken": seats,
                       "enrolment_opens_at": None, "enrolment_closes_at": None, "approval_required": False,
                       "min_attendance_percent": 80, "created_by_id": 1, "created_at": now,
                       "published_at": now - timedelta(days=400), "cancelled_at": None})
        cycle_trainers.append({"cycle_id": cycle_id, "user_id": trainer_ids[i % len(trainer_ids)]})
        enrolled = rng.sample(learner_ids, seats)
        enrolled_at = datetime.combine(weekday_first - timedelta(days=14), clock(12), STOCKHOLM).astimezone(timezone.utc)
        cycle_sessions = []
        for week in range(size.sessions_per_cycle):
            day = weekday_first + timedelta(weeks=week)
            starts = datetime.combine(day, clock(18, 0), STOCKHOLM).astimezone(timezone.utc)
            session_id += 1
            cycle_sessions.append((session_id, starts))
            sessions.append({"id": session_id, "cycle_id": cycle_id, "starts_at": starts,
                             "ends_at": starts + timedelta(hours=2), "room_id": (i % len(rooms)) + 1,
                             "planned_date": day, "changed_individually": False, "revision": 0})
        for learner in enrolled:
            completes = finished and rng.random() < 0.6
            enrolments.append({"user_id": learner, "cycle_id": cycle_id,
                               "status": EnrolmentStatus.COMPLETED if completes else EnrolmentStatus.ENROLLED,
                               "requested_at": enrolled_at, "enrolled_at": enrolled_at, "decided_at": enrolled_at})
            for held_id, starts in cycle_sessions:
                if starts + timedelta(hours=2) <= now:
                    roll = rng.random()
                    status = (AttendanceStatus.PRESENT if roll < 0.82 or completes else
                              AttendanceStatus.LATE if roll < 0.88 else
                              AttendanceStatus.EXCUSED if roll < 0.93 else AttendanceStatus.ABSENT)
                    attendance.append({"session_id": held_id, "user_id": learner, "status": status,
                                       "method": AttendanceMethod.ROLL_CALL, "note": "",
                                       "recorded_by_id": cycle_trainers[-1]["user_id"], "recorded_at": starts})
            done = module_ids[course_id] if completes else module_ids[course_id][: rng.randint(0, 4)]
            for module_id in done:
                progress[(learner, module_id)] = {"user_id": learner, "module_id": module_id,
                                                  "completed_at": enrolled_at}
            if completes:
                certificates.append({"user_id": learner, "cycle_id": cycle_id, "code": new_code(),
                                     "origin": IssueOrigin.AUTOMATIC, "design": "standard",
                                     "issued_at": min(now, cycle_sessions[-1][1] + timedelta(days=1)),
                                     "snapshot": _snapshot(learner, course_id, cycle_id, weekday_first, last)})
    for model, rows, name in ((Cycle, cycles, "cycles"), (CycleTrainer, cycle_trainers, "cycle_trainers"),
                              (ClassSession, sessions, "sessions"), (Enrolment, enrolments, "enrolments"),
                              (Attendance, attendance, "attendance"), (ModuleProgress, list(progress.values()), "module_progress"),
                              (Certificate, certificates, "certificates")):
        _insert(db, model, rows)
        counts[name] = len(rows)
    counts.update(_quizzes(db, module_ids, cycles, enrolments, now))
    _move_sequences_past_the_ids(db)
    db.session.commit()
    return counts


def _quizzes(db, module_ids: dict[int, list[int]], cycles: list[dict], enrolments: list[dict],  # type: ignore[no-untyped-def]
             now: datetime) -> dict[str, int]:
    """A quiz with one essay question closing each course; in each cycle, its first learner's
    essay waits for grading (the quizzes list and its essays grow with the data)."""
    from lms.quizzes.models import AttemptAnswer, AttemptStatus, Question, QuestionKind, Quiz, QuizAttempt

    quizzes = [{"id": course_id, "module_id": modules[-1], "source_file": "quiz.gift", "source_hash": "0" * 64}
               for course_id, modules in module_ids.items()]
    questions = [{"id": quiz["id"], "quiz_id": quiz["id"], "position": 1, "kind": QuestionKind.ESSAY,
                  "text_html": "<p>Beskriv er förening.</p>", "spec": {}, "fingerprint": "0" * 64}
                 for quiz in quizzes]
    first_learner = {}
    for enrolment in enrolments:
        first_learner.setdefault(enrolment["cycle_id"], enrolment["user_id"])
    attempts, answers, taken = [], [], set()
    for cycle in cycles:
        learner = first_learner.get(cycle["id"])
        if learner is None or (cycle["course_id"], learner) in taken:
            continue
        taken.add((cycle["course_id"], learner))
        attempt_id = len(attempts) + 1
        attempts.append({"id": attempt_id, "quiz_id": cycle["course_id"], "user_id": learner, "number": 1,
                         "status": AttemptStatus.NEEDS_GRADING, "started_at": now - timedelta(days=2),
                         "submitted_at": now - timedelta(days=2, minutes=-attempt_id),
                         "layout": [{"question": cycle["course_id"]}]})
        answers.append({"attempt_id": attempt_id, "question_id": cycle["course_id"], "response": "Vi är många.",
                        "saved_at": now - timedelta(days=2)})
    for model, rows in ((Quiz, quizzes), (Question, questions), (QuizAttempt, attempts), (AttemptAnswer, answers)):
        _insert(db, model, rows)
    return {"quizzes": len(quizzes), "essays_to_grade": len(answers)}


def _move_sequences_past_the_ids(db) -> None:  # type: ignore[no-untyped-def]
    """Rows were written with their ids: on PostgreSQL, move each id sequence past the largest, so
    the app's own inserts (a new cycle, a session) get fresh ids."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        largest = db.session.execute(select(func.max(table.c.id))).scalar() or 0
        db.session.execute(text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :next, false) "
                                "WHERE pg_get_serial_sequence(:name, 'id') IS NOT NULL"),
                           {"name": table.name, "next": largest + 1})


def _snapshot(learner: int, course_id: int, cycle_id: int, first: date, last: date) -> dict:
    return {"learner_name": f"Person {learner}", "language": "sv", "course_title": f"Kurs {course_id}",
            "course_slug": f"kurs-{course_id}", "course_hours": "6.0", "cycle_title": f"Omgång {cycle_id}",
            "first_date": first.isoformat(), "last_date": last.isoformat(), "hours_attended": "50.0",
            "modules": [f"Modul {n}" for n in range(1, 5)], "competence_areas": ["Föreningsstyrning"],
            "sdgs": [16], "trainers": ["Utbildare"], "issuer": "Kompetenscentret",
            "content_version": "0" * 64, "issued_at": datetime.now(timezone.utc).isoformat()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="1 (the center today), 10 or 30")
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of an empty database")
    args = parser.parse_args()
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.models import User
    from lms.extensions import db

    app = create_app({"LMS_MODE": "test", "SECRET_KEY": "bench-" * 8, "SQLALCHEMY_DATABASE_URI": args.database,
                      "LMS_ARGON2_TIME_COST": 1, "LMS_ARGON2_MEMORY_COST": 8, "LMS_ARGON2_PARALLELISM": 1})
    with app.app_context():
        upgrade()
        if db.session.execute(select(func.count(User.id))).scalar_one():
            raise SystemExit("the database is not empty")
        started = time.perf_counter()
        counts = generate(args.scale, datetime.now(timezone.utc))
        print(f"scale {args.scale}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
              + f" in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
