"""Coordinators' planning: cycles (created with a recurrence, published) and a cycle's enrolments.

The rules are lms.planning.service's; a plan it refuses (no sessions, a bad RRULE, a non-trainer)
is answered with 422 and its message.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.api import schemas
from lms.api.auth import api_user
from lms.api.blueprint import bp
from lms.api.common import created, found, now
from lms.api.courses import cycle_dict
from lms.api.models import TokenScope
from lms.api.pagination import paginate
from lms.api.problems import ApiProblem
from lms.api.spec import operation
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.queries import cycle_roster, waitlist_positions
from lms.extensions import db
from lms.planning import service
from lms.planning.models import Cycle, CycleStatus, PlanningError, RecurrenceKind
from lms.planning.queries import load_cycle, with_trainers
from lms.planning.recurrence import Recurrence

CycleQuery = schemas.paged_query(
    "CycleQuery",
    status=fields.Enum(CycleStatus, by_value=True, load_default=None),
    course_id=fields.Integer(load_default=None, validate=schemas.ID),
)
CycleEnrolmentQuery = schemas.paged_query(
    "CycleEnrolmentQuery", status=fields.Enum(EnrolmentStatus, by_value=True, load_default=None))


def _spec(body: dict) -> service.CycleSpec:
    rec = body["recurrence"]
    kind = rec["kind"]
    weekdays = tuple(rec["weekdays"]) if kind is RecurrenceKind.WEEKLY else tuple(rec["weekdays"][:1])
    recurrence = Recurrence(
        kind=kind, first_date=rec["first_date"], start_time=rec["start_time"].replace(tzinfo=None),
        duration_minutes=rec["duration_minutes"], weekdays=weekdays, interval=rec["interval"],
        nth=rec["nth"], raw_rule=rec["rrule"], count=rec["count"], until=rec["until"],
        skip_holidays=rec["skip_holidays"],
    )
    return service.CycleSpec(
        course_id=body["course_id"], title=body["title"], recurrence=recurrence, room_id=body["room_id"],
        capacity=body["capacity"], trainer_ids=tuple(sorted(set(body["trainer_ids"]))),
        opens_on=body["enrolment_opens_on"], closes_on=body["enrolment_closes_on"],
        approval_required=body["approval_required"], min_attendance_percent=body["min_attendance_percent"],
    )


def _cycle(cycle_id: int) -> Cycle:
    return found(load_cycle(cycle_id), _l("There is no cycle with this id."))


@bp.get("/cycles")
@operation(summary="All cycles, drafts too", tags=("planning",), scope=TokenScope.ADMIN,
           query=CycleQuery, response=schemas.page_schema(schemas.CycleSchema, "CyclePage"))
def cycles(query: dict):
    statement = select(Cycle).options(joinedload(Cycle.course), joinedload(Cycle.room), with_trainers())
    if query["status"] is not None:
        statement = statement.where(Cycle.status == query["status"])
    if query["course_id"] is not None:
        statement = statement.where(Cycle.course_id == query["course_id"])
    page = paginate(db.session.execute(statement).scalars(), limit=query["limit"], cursor=query["cursor"])
    moment = now()
    return {"items": [cycle_dict(c, moment) for c in page.items], "next_cursor": page.next_cursor}


@bp.post("/cycles")
@operation(summary="Plan a cycle (a draft) from a recurrence", tags=("planning",),
           scope=TokenScope.ADMIN, body=schemas.CycleInSchema, response=schemas.CycleSchema, status=201,
           description="Sessions are planned in local time (Europe/Stockholm) and stored in UTC; "
                       "holidays are skipped unless `skip_holidays` is false. End the recurrence "
                       "with `count`, `until` or (for an RRULE) COUNT/UNTIL in the rule.")
def create_cycle(body: dict):
    try:
        cycle = service.save_cycle(None, _spec(body), actor_id=api_user().id, now=now())
    except PlanningError as error:  # a plan is refused as invalid values, with its message
        raise ApiProblem("validation", error, errors={"_schema": [str(error)]}) from None
    return created(cycle_dict(_cycle(cycle.id), now()), "api.cycle", cycle_id=cycle.id)


@bp.post("/cycles/<int:cycle_id>/publish")
@operation(summary="Publish a draft cycle: it opens for enrolment", tags=("planning",),
           scope=TokenScope.ADMIN, response=schemas.CycleSchema, problems=(409,))
def publish_cycle(cycle_id: int):
    cycle = _cycle(cycle_id)
    service.publish_cycle(cycle, actor_id=api_user().id, now=now())  # refused: 409 conflict
    return cycle_dict(_cycle(cycle_id), now())


@bp.get("/cycles/<int:cycle_id>/enrolments")
@operation(summary="Everyone who asked for a place in a cycle", tags=("enrolment",),
           scope=TokenScope.ADMIN, query=CycleEnrolmentQuery,
           response=schemas.page_schema(schemas.CycleEnrolmentSchema, "CycleEnrolmentPage"))
def cycle_enrolments(cycle_id: int, query: dict):
    cycle = _cycle(cycle_id)
    roster = cycle_roster(cycle.id)
    wanted = [query["status"]] if query["status"] is not None else list(roster)
    page = paginate([e for status in wanted for e in roster[status]],
                    limit=query["limit"], cursor=query["cursor"])
    positions = waitlist_positions([cycle.id])
    return {"items": [_roster_entry(e, positions) for e in page.items], "next_cursor": page.next_cursor}


def learner_dict(user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"id": user.id, "name": user.name, "email": user.email,
            "organisation": user.organisation.name if user.organisation else None}


def _roster_entry(enrolment: Enrolment, positions: dict[int, int]) -> dict[str, Any]:
    return {"id": enrolment.id, "learner": learner_dict(enrolment.user), "status": enrolment.status,
            "waitlist_position": positions.get(enrolment.id), "requested_at": enrolment.requested_at,
            "enrolled_at": enrolment.enrolled_at, "decided_at": enrolment.decided_at}
