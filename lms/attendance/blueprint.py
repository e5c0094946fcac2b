"""The attendance blueprint and what its two view modules share.

The roll call, reports and exports are in routes.py, the check-in pages in checkin_routes.py;
both add their views to this blueprint, and `register_blueprints` imports both.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_login import current_user
from sqlalchemy.orm import joinedload

from lms.attendance.codes import CheckinSettings
from lms.attendance.kept import KeptPerCycle
from lms.attendance.permissions import can_record
from lms.auth.models import Role
from lms.auth.permissions import require, role_required
from lms.extensions import db
from lms.planning.models import ClassSession
from lms.planning.queries import cycle_heading

bp = Blueprint("attendance", __name__)
recorders = role_required(Role.TRAINER, Role.COORDINATOR)
readers = role_required(Role.TRAINER, Role.COORDINATOR, Role.ORGANISATION_CONTACT)


@bp.record_once
def _keep_at_risk(state) -> None:  # type: ignore[no-untyped-def]
    """Each web process keeps the learners at risk of each running cycle until the cycle changes
    (lms/attendance/kept.py): the list of learners at risk then counts only the cycles that did."""
    state.app.extensions["at_risk_kept"] = KeptPerCycle(state.app.config["LMS_AT_RISK_KEPT"])


def kept_at_risk() -> KeptPerCycle:
    return current_app.extensions["at_risk_kept"]


def checkin_settings() -> CheckinSettings:
    return CheckinSettings.from_config(current_app.config)


def load_session(session_id: int) -> ClassSession:
    session = db.session.execute(
        db.select(ClassSession).where(ClassSession.id == session_id)
        .options(*cycle_heading(joinedload(ClassSession.cycle)), joinedload(ClassSession.room))
    ).scalar_one_or_none()
    if session is None:
        abort(404)
    return session


def recordable_session(session_id: int) -> ClassSession:
    """The session, if the current user may record its attendance (403 for another's cycle)."""
    session = load_session(session_id)
    require(can_record(current_user, session.cycle))
    return session
