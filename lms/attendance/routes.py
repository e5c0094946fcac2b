"""Attendance pages for trainers and coordinators: roll call, reports, exports, the rule per cycle.

The check-in pages (screen, learners' check-in, personal codes) are in checkin_routes.py, on the
same blueprint (blueprint.py).
"""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.attendance import export, queries, service
from lms.attendance.blueprint import (
    bp, checkin_settings, kept_at_risk, load_session, readers, recordable_session, recorders,
)
from lms.attendance.forms import ActionForm, PolicyForm, RollCallRowForm
from lms.attendance.models import (
    METHOD_LABELS, POLICY_LABELS, STATUS_LABELS, AttendanceMethod, AttendanceStatus, ExcusedPolicy,
)
from lms.attendance.permissions import (
    can_read_cycle, can_read_learner, can_record, is_contact, reading_scope,
)
from lms.attendance.service import AttendanceError
from lms.attendance.sync import overridden_marks
from lms.auth.models import Role, User
from lms.auth.permissions import has_any_role, require, role_required
from lms.core.unit_of_work import refusal_flashed, refusal_undone
from lms.db_types import utcnow
from lms.extensions import db
from lms.planning.models import ClassSession, Cycle, CycleStatus
from lms.planning.queries import cycle_heading


def _now() -> datetime:
    return utcnow()


def wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


# --- the list of cycles ----------------------------------------------------------------------

@bp.get("/attendance/")
@readers
def index():
    if is_contact(current_user) and not has_any_role(current_user, Role.COORDINATOR, Role.TRAINER):
        cycles = queries.organisation_cycles(current_user.organisation_id)
    else:
        cycles = queries.attendance_cycles(current_user, all_cycles=has_any_role(current_user, Role.COORDINATOR))
    return render_template("attendance/index.html", cycles=cycles,
                           sessions=queries.sessions_today(cycles, _now(), days=2), now=_now())


# --- roll call -------------------------------------------------------------------------------

@bp.get("/attendance/sessions/<int:session_id>")
@readers
def session_page(session_id: int):
    """The roll call for those who record; a read-only list of their members for contacts."""
    session = load_session(session_id)
    require(can_read_cycle(current_user, session.cycle))
    scope = reading_scope(current_user, session.cycle)
    roster = [u for u in service.session_roster(session) if scope is None or u.organisation_id == scope]
    records = service.records_of(session.id)
    paper = request.args.get("source") == "paper"
    names = {u.id: u.name for u in roster}
    history = [e for e in queries.session_history(session.id) if e.details.get("user_id") in names]
    return render_template(
        "attendance/session.html", session=session, roster=roster, records=records,
        editable=scope is None, paper=paper, names=names,
        overridden=overridden_marks(history, current_user.id),
        choices=[(status, str(STATUS_LABELS[status])) for status in AttendanceStatus],  # translated once, not per row
        history=history[:50], form=ActionForm(), now=_now(),
        window=service.window_state(session, _now(), checkin_settings()),
    )


@bp.post("/attendance/sessions/<int:session_id>/learners/<int:user_id>")
@recorders
def record(session_id: int, user_id: int):
    """Save one learner's row: called by the page's script on each tap, or by the row's button."""
    session = recordable_session(session_id)
    form = RollCallRowForm()
    if not form.validate_on_submit():
        return _row_failed(session, _("Choose a status."), 400)
    method = AttendanceMethod.PAPER if form.source.data == "paper" else AttendanceMethod.ROLL_CALL
    try:
        with refusal_undone():
            saved = service.record_attendance(
                session, user_id, AttendanceStatus(form.status.data), method=method,
                actor_id=current_user.id, now=_now(), note=form.note.data or "", settings=checkin_settings())
    except AttendanceError as error:
        return _row_failed(session, str(error), 409)
    if wants_json():
        return jsonify(status=saved.attendance.status.value, changed=saved.changed,
                       label=str(STATUS_LABELS[saved.attendance.status]),
                       saved_at=saved.attendance.recorded_at.isoformat())
    flash(_("Saved: %(name)s is %(status)s.", name=saved.attendance.user.name,
            status=STATUS_LABELS[saved.attendance.status]), "success")
    return _back_to(session, user_id)


def _row_failed(session: ClassSession, message: str, code: int):
    if wants_json():
        return jsonify(error=message), code
    flash(message, "error")
    return _back_to(session)


def _back_to(session: ClassSession, user_id: int | None = None):
    return redirect(_roll_call_url(session, user_id))


def _roll_call_url(session: ClassSession, user_id: int | None = None) -> str:
    """The roll call the form was sent from (its paper mode kept), at the learner's row."""
    source = request.form.get("source")
    anchor = f"learner-{user_id}" if user_id else None
    return url_for("attendance.session_page", session_id=session.id,
                   source="paper" if source == "paper" else None, _anchor=anchor)


@bp.post("/attendance/sessions/<int:session_id>/all-present")
@recorders
def all_present(session_id: int):
    session = recordable_session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    method = AttendanceMethod.PAPER if request.form.get("source") == "paper" else AttendanceMethod.ROLL_CALL
    with refusal_flashed(_roll_call_url(session)):
        count = service.mark_all_present(session, actor_id=current_user.id, now=_now(), method=method)
    flash(ngettext("%(num)d learner marked present.", "%(num)d learners marked present.", count) if count else
          _("Everyone already has a status."), "success")
    return _back_to(session)


@bp.get("/attendance/sessions/<int:session_id>/sign-in-sheet.pdf")
@recorders
def sign_in_sheet(session_id: int):
    """The paper fallback: a printable list to sign, entered afterwards on the roll-call page."""
    from lms.attendance.pdf import render_sign_in_sheet
    from lms.attendance.signatures import signatures_of

    session = recordable_session(session_id)
    pdf = render_sign_in_sheet(session, service.session_roster(session), signatures_of(session.id))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="narvarolista-{session.id}.pdf"'})


# --- a cycle: the matrix, the CSV, the excused policy ----------------------------------------

def readable_cycle(cycle_id: int) -> Cycle:
    cycle = db.session.execute(
        db.select(Cycle).where(Cycle.id == cycle_id).options(*cycle_heading())
    ).scalar_one_or_none()
    if cycle is None:
        abort(404)
    require(can_read_cycle(current_user, cycle))
    return cycle


@bp.get("/attendance/cycles/<int:cycle_id>")
@readers
def cycle_page(cycle_id: int):
    cycle = readable_cycle(cycle_id)
    matrix = queries.cycle_matrix(cycle, _now(), reading_scope(current_user, cycle))
    form = PolicyForm(excused_policy=matrix.policy.value)
    return render_template("attendance/cycle.html", cycle=cycle, matrix=matrix, policy=matrix.policy,
                           form=form, can_set_policy=has_any_role(current_user, Role.COORDINATOR),
                           can_record=can_record(current_user, cycle), now=_now())


@bp.get("/attendance/cycles/<int:cycle_id>.csv")
@readers
def cycle_csv(cycle_id: int):
    cycle = readable_cycle(cycle_id)
    matrix = queries.cycle_matrix(cycle, _now(), reading_scope(current_user, cycle))
    return Response(export.matrix_csv(matrix, str(get_locale())), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="narvaro-{cycle.id}.csv"'})


@bp.post("/attendance/cycles/<int:cycle_id>/policy")
@role_required(Role.COORDINATOR)
def set_policy(cycle_id: int):
    cycle = readable_cycle(cycle_id)
    form = PolicyForm()
    if not form.validate_on_submit():
        abort(400)
    service.set_excused_policy(cycle, ExcusedPolicy(form.excused_policy.data),
                               actor_id=current_user.id, now=_now())
    flash(_("The attendance rule of %(title)s is saved.", title=cycle.title), "success")
    return redirect(url_for("attendance.cycle_page", cycle_id=cycle.id))


# --- a learner --------------------------------------------------------------------------------

@bp.get("/my/attendance")
@login_required
def mine():
    return render_template("attendance/mine.html", rows=queries.learner_rows(current_user.id, _now()),
                           learner=current_user, own=True)


@bp.get("/attendance/learners/<int:user_id>")
@readers
def learner_page(user_id: int):
    learner = db.get_or_404(User, user_id)
    require(can_read_learner(current_user, learner))
    cycle_ids = None
    if not has_any_role(current_user, Role.COORDINATOR, Role.ORGANISATION_CONTACT):
        cycle_ids = [c.id for c in queries.attendance_cycles(current_user, all_cycles=False)]
    rows = queries.learner_rows(learner.id, _now(), cycle_ids)
    if cycle_ids is not None and not rows:
        abort(403)  # a trainer sees only learners of the cycles they teach
    return render_template("attendance/mine.html", rows=rows, learner=learner, own=False)


@bp.get("/attendance/at-risk")
@recorders
def at_risk():
    cycles = queries.attendance_cycles(current_user, all_cycles=has_any_role(current_user, Role.COORDINATOR),
                                       statuses=(CycleStatus.PUBLISHED,))
    return render_template("attendance/at_risk.html", found=queries.at_risk(cycles, _now(), kept_at_risk()))


@bp.app_context_processor
def _labels() -> dict:
    return dict(attendance_label=STATUS_LABELS.get, method_label=METHOD_LABELS.get,
                policy_label=POLICY_LABELS.get, attendance_label_of=_status_text,
                method_label_of=_method_text)


def _status_text(value: str | None) -> str:
    """A status as stored in an audit event; "—" for none (the first recording)."""
    if value not in {s.value for s in AttendanceStatus}:
        return "—"
    return str(STATUS_LABELS[AttendanceStatus(value)])


def _method_text(value: str | None) -> str:
    if value not in {m.value for m in AttendanceMethod}:
        return "—"
    return str(METHOD_LABELS[AttendanceMethod(value)])

