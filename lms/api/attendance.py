"""Roll call for trainers (a session's learners, recording a status) and attendance per cycle.

Trainers of the cycle and coordinators may record and read (lms.attendance.permissions);
a trainer of another cycle gets 403. Recording goes through lms.attendance.service, so the
audit trail, the warnings and the rules are those of the roll-call page.
"""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.api import schemas
from lms.api.auth import api_user
from lms.api.blueprint import bp
from lms.api.common import forbid_unless, found, get_or_404, now
from lms.api.courses import session_dict
from lms.api.models import TokenScope
from lms.api.planning import learner_dict
from lms.api.spec import operation
from lms.attendance import queries, service
from lms.attendance.codes import CheckinSettings
from lms.attendance.models import AttendanceMethod
from lms.attendance.permissions import can_record
from lms.auth.models import User
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle


def _recordable_session(session_id: int) -> ClassSession:
    session = found(db.session.execute(
        db.select(ClassSession).where(ClassSession.id == session_id)
        .options(joinedload(ClassSession.cycle), joinedload(ClassSession.room))
    ).scalar_one_or_none(), _l("There is no session with this id."))
    forbid_unless(can_record(api_user(), session.cycle),
                  _l("Only the cycle's trainers and coordinators take its roll call."))
    return session


@bp.get("/sessions/<int:session_id>/roll-call")
@operation(summary="A session's roll call: the learners expected and their status", tags=("attendance",),
           scope=TokenScope.ATTENDANCE, response=schemas.RollCallSchema)
def roll_call(session_id: int):
    session = _recordable_session(session_id)
    records = service.records_of(session.id)
    return {"session": session_dict(session), "cycle_title": session.cycle.title,
            "learners": [_entry(learner, records.get(learner.id)) for learner in service.session_roster(session)]}


def _entry(learner: User, record) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"learner": learner_dict(learner), "status": record.status if record else None,
            "note": record.note if record else "", "method": record.method if record else None,
            "recorded_at": record.recorded_at if record else None}


@bp.put("/sessions/<int:session_id>/roll-call/<int:user_id>")
@operation(summary="Record one learner's status at a session", tags=("attendance",),
           scope=TokenScope.ATTENDANCE, body=schemas.AttendanceInSchema,
           response=schemas.AttendanceRecordSchema, problems=(409,),
           description="Recording the same status again changes nothing (`changed`: false). "
                       "Before the session only `excused` can be recorded (409 otherwise).")
def record(session_id: int, user_id: int, body: dict):
    session = _recordable_session(session_id)
    get_or_404(User, user_id, _l("There is no learner with this id."))
    saved = service.record_attendance(  # a refusal (AttendanceError) is answered 409 conflict
        session, user_id, body["status"], method=AttendanceMethod.ROLL_CALL,
        actor_id=api_user().id, now=now(), note=body.get("note"),
        settings=CheckinSettings.from_config(current_app.config))
    row = saved.attendance
    return {"session_id": row.session_id, "user_id": row.user_id, "status": row.status, "note": row.note,
            "method": row.method, "recorded_at": row.recorded_at, "changed": saved.changed}


@bp.get("/cycles/<int:cycle_id>/attendance")
@operation(summary="Attendance per cycle: every learner's sessions and standing", tags=("attendance",),
           scope=TokenScope.ATTENDANCE, response=schemas.CycleAttendanceSchema,
           description="For the cycle's trainers and coordinators. `standing` is measured against "
                       "the cycle's minimum, with excused absences counted by its policy.")
def cycle_attendance(cycle_id: int):
    cycle = get_or_404(Cycle, cycle_id, _l("There is no cycle with this id."))
    forbid_unless(can_record(api_user(), cycle), _l("Only the cycle's trainers and coordinators see this."))
    matrix = queries.cycle_matrix(cycle, now())
    return {"cycle_id": cycle.id, "min_attendance_percent": cycle.min_attendance_percent,
            "excused_policy": service.excused_policy(cycle.id), "sessions": matrix.sessions,
            "learners": [_row(row) for row in matrix.rows]}


def _row(row: queries.MatrixRow) -> dict[str, Any]:
    summary = row.summary
    return {"learner": learner_dict(row.user),
            "sessions": [{"session_id": c.session.id, "status": c.status, "counted": c.counted}
                         for c in row.cells],
            "summary": {"percent": summary.percent, "attended": summary.attended, "excused": summary.excused,
                        "missed": summary.missed, "ahead": summary.ahead, "needed": summary.needed,
                        "standing": summary.standing}}
