"""Courses and their cycles, as the public catalogue shows them (no token needed)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from lms.api import schemas
from lms.api.auth import has_scope
from lms.api.blueprint import bp
from lms.api.common import found, now
from lms.api.models import TokenScope
from lms.api.pagination import paginate
from lms.api.spec import operation
from lms.catalog.models import Course
from lms.catalog.service import get_course, search_catalogue
from lms.enrolment.service import enrolment_open
from lms.planning.models import ClassSession, Cycle, CycleStatus
from lms.planning.queries import load_cycle, upcoming_cycles_for_courses

CourseQuery = schemas.paged_query(
    "CourseQuery",
    q=fields.String(load_default="", validate=validate.Length(max=200),
                    metadata={"description": "Words in the title, summary or description."}),
    area=fields.String(load_default=None, validate=validate.Length(max=200)),
    sdg=fields.Integer(load_default=None, validate=validate.Range(min=1, max=17)),
    language=fields.String(load_default=None, validate=validate.Length(max=10)),
)
PageQuery = schemas.paged_query("PageQuery")


def session_key(session: ClassSession) -> tuple:
    """Sessions are listed by start, then id (the cursor keeps both)."""
    return (session.starts_at.isoformat(timespec="microseconds"), session.id)


def session_dict(session: ClassSession) -> dict[str, Any]:
    return {"id": session.id, "cycle_id": session.cycle_id, "starts_at": session.starts_at,
            "ends_at": session.ends_at, "status": session.status,
            "room": session.room.name if session.room else None, "revision": session.revision}


def cycle_dict(cycle: Cycle, moment: datetime) -> dict[str, Any]:
    """A cycle with its plan; expects course, room and trainers loaded."""
    return {
        "id": cycle.id, "title": cycle.title, "status": cycle.status,
        "course": {"id": cycle.course.id, "slug": cycle.course.slug, "title": cycle.course.title},
        "recurrence": {
            "kind": cycle.recurrence_kind, "rrule": cycle.rrule, "first_date": cycle.first_date,
            "start_time": cycle.start_time, "duration_minutes": cycle.duration_minutes,
            "count": cycle.session_count, "until": cycle.until_date, "skip_holidays": cycle.skip_holidays,
        },
        "room": cycle.room.name if cycle.room else None, "capacity": cycle.capacity,
        "free_seats": cycle.free_seats,
        "trainers": [{"id": link.user.id, "name": link.user.name} for link in cycle.trainer_links],
        "approval_required": cycle.approval_required,
        "min_attendance_percent": cycle.min_attendance_percent,
        "enrolment_opens_at": cycle.enrolment_opens_at, "enrolment_closes_at": cycle.enrolment_closes_at,
        "enrolment_open": enrolment_open(cycle, moment), "published_at": cycle.published_at,
    }


def visible_cycle(cycle_id: int) -> Cycle:
    """A cycle anyone may see (published, finished, cancelled); drafts need the admin scope."""
    cycle = found(load_cycle(cycle_id), _l("There is no cycle with this id."))
    if cycle.status is CycleStatus.DRAFT and not has_scope(TokenScope.ADMIN):
        found(None, _l("There is no cycle with this id."))
    return cycle


def _course_dict(course: Course) -> dict[str, Any]:
    return {"id": course.id, "slug": course.slug, "title": course.title, "summary": course.summary,
            "language": course.language, "estimated_hours": course.estimated_hours,
            "area_names": course.area_names, "sdgs": course.sdgs}


@bp.get("/courses")
@operation(summary="List published courses", tags=("courses",), query=CourseQuery,
           response=schemas.page_schema(schemas.CourseSchema, "CoursePage"))
def courses(query: dict):
    found_courses = search_catalogue(query["q"], query["area"], query["sdg"], query["language"])
    page = paginate(found_courses, limit=query["limit"], cursor=query["cursor"])
    return {"items": [_course_dict(c) for c in page.items], "next_cursor": page.next_cursor}


@bp.get("/courses/<slug>")
@operation(summary="A published course with its modules and upcoming cycles", tags=("courses",),
           response=schemas.CourseDetailSchema)
def course(slug: str):
    found_course = get_course(slug)
    found_course = found(found_course if found_course and found_course.published else None,
                         _l("There is no published course with this slug."))
    offers = upcoming_cycles_for_courses([found_course.id], now())[found_course.id]
    return _course_dict(found_course) | {
        "description": found_course.description, "learning_outcomes": found_course.learning_outcomes,
        "modules": found_course.modules, "upcoming_cycles": offers,
    }


@bp.get("/cycles/<int:cycle_id>")
@operation(summary="A cycle: its plan, seats and enrolment window", tags=("cycles",),
           optional_token=True, response=schemas.CycleSchema,
           description="Drafts are visible only with a token with the `admin` scope.")
def cycle(cycle_id: int):
    return cycle_dict(visible_cycle(cycle_id), now())


@bp.get("/cycles/<int:cycle_id>/sessions")
@operation(summary="The sessions of a cycle (cancelled ones too), by start", tags=("cycles",),
           optional_token=True, query=PageQuery,
           response=schemas.page_schema(schemas.SessionSchema, "SessionPage"))
def cycle_sessions(cycle_id: int, query: dict):
    found_cycle = visible_cycle(cycle_id)
    page = paginate(found_cycle.sessions, limit=query["limit"], cursor=query["cursor"], key=session_key)
    return {"items": [session_dict(s) for s in page.items], "next_cursor": page.next_cursor}
