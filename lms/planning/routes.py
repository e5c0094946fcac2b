"""Planning pages: the coordinator's cycles and sessions, rooms, and the trainer's sessions."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.models import Organisation, Role
from lms.auth.permissions import has_any_role, role_required
from lms.core.i18n import LANGUAGE_NAMES
from lms.core.unit_of_work import refusal_flashed, refusal_undone
from lms.db_types import utcnow
from lms.enrolment.queries import cycle_roster, waitlist_positions
from lms.enrolment.reservation_forms import ReserveSeatsForm
from lms.enrolment.reservations import cycle_reservations
from lms.extensions import db
from lms.needs import conditions
from lms.notifications.routes import personal_feed_url
from lms.planning import queries, service
from lms.enrolment.offers import cycle_offers
from lms.planning.forms import CycleForm, RoomForm, SessionForm
from lms.enrolment.models import ENROLMENT_STATUS_LABELS
from lms.planning.models import (
    CYCLE_STATUS_LABELS, ClassSession, Cycle, CycleStatus, PlanningError,
    RecurrenceKind, Room, session_status_label,
)
from lms.planning.recurrence import Recurrence, describe_rule, rule_parts
from lms.core.input import query_int

bp = Blueprint("planning", __name__)
staff_only = role_required(Role.COORDINATOR)


def _now() -> datetime:
    return utcnow()


def _language() -> str:
    return "sv" if current_user.locale == "sv" else "en"


# --- the coordinator's list and cycle page -----------------------------------------------

@bp.get("/planning/")
@staff_only
def index():
    status = request.args.get("status")
    chosen = CycleStatus(status) if status in {s.value for s in CycleStatus} else None
    rows = queries.planning_list(chosen)
    return render_template("planning/index.html", rows=rows, status=status,
                           statuses=CycleStatus, now=_now())


def _get_cycle(cycle_id: int) -> Cycle:
    cycle = queries.load_cycle(cycle_id)
    if cycle is None:
        abort(404)
    return cycle


@bp.get("/planning/cycles/<int:cycle_id>")
@staff_only
def cycle(cycle_id: int):
    cycle = _get_cycle(cycle_id)
    changeable = cycle.status in (CycleStatus.DRAFT, CycleStatus.PUBLISHED)
    return render_template(
        "planning/cycle.html", cycle=cycle, roster=cycle_roster(cycle.id),
        poor_fits=conditions.poor_fits(cycle, service.local_zone()) if changeable else [],
        conditions_stated=conditions.stated_count() if changeable else 0,
        day_part_labels=conditions.DAY_PARTS, language_names=LANGUAGE_NAMES,
        positions=waitlist_positions([cycle.id]), now=_now(), reserved=cycle_reservations(cycle.id),
        offers=cycle_offers(cycle.id),
        reserve_form=ReserveSeatsForm(organisations=_organisations(), default_day=cycle.first_date),
    )


def _organisations() -> list[Organisation]:
    return list(db.session.execute(db.select(Organisation).order_by(Organisation.name)).scalars())


# --- planning a cycle (with its preview) ---------------------------------------------------

def _with_choices(form: CycleForm, cycle: Cycle | None) -> CycleForm:
    form.course_id.choices = service.course_choices()
    form.room_id.choices = [(0, _("— no room yet —"))] + service.room_choices(
        cycle.room_id if cycle else None)
    form.trainer_ids.choices = service.trainer_choices()
    return form


def _spec_from(form: CycleForm) -> service.CycleSpec:
    """The form's values as a plan; raises PlanningError for a missing end or weekday."""
    kind = RecurrenceKind(form.recurrence_kind.data)
    end = form.end_kind.data
    if end == "count" and not form.session_count.data:
        raise PlanningError(_("Give the number of sessions."))
    if end == "until" and not form.until_date.data:
        raise PlanningError(_("Give the last date."))
    if end == "rule" and kind is not RecurrenceKind.RRULE:
        raise PlanningError(_("Only an RRULE can say itself when it ends."))
    weekdays = tuple(form.weekdays.data or ()) if kind is RecurrenceKind.WEEKLY else (
        form.monthly_weekday.data,)
    recurrence = Recurrence(
        kind=kind, first_date=form.first_date.data, start_time=form.start_time.data,
        duration_minutes=form.duration_minutes.data, weekdays=weekdays,
        interval=form.interval.data, nth=form.monthly_nth.data, raw_rule=form.rrule.data or "",
        count=form.session_count.data if end == "count" else None,
        until=form.until_date.data if end == "until" else None,
        skip_holidays=form.skip_holidays.data,
    )
    return service.CycleSpec(
        course_id=form.course_id.data, title=form.title.data, recurrence=recurrence,
        room_id=form.room_id.data or None, capacity=form.capacity.data,
        trainer_ids=tuple(sorted(form.trainer_ids.data or ())), opens_on=form.opens_on.data,
        closes_on=form.closes_on.data, approval_required=form.approval_required.data,
        min_attendance_percent=form.min_attendance_percent.data,
        offer_hours=form.offer_hours.data, cancellation_hours=form.cancellation_hours.data,
    )


def _digest(spec: service.CycleSpec) -> str:
    return hashlib.sha256(repr(spec).encode()).hexdigest()


def _plan_cycle(form: CycleForm, cycle: Cycle | None):
    """Preview on the first submit; save only the exact plan that was previewed."""
    preview = error = None
    if form.validate_on_submit():
        try:
            spec = _spec_from(form)
            digest = _digest(spec)
            if request.form.get("action") == "save" and form.preview_digest.data == digest:
                with refusal_undone():
                    saved = service.save_cycle(cycle, spec, actor_id=current_user.id, now=_now())
                flash(_("The cycle %(title)s is saved.", title=saved.title), "success")
                return redirect(url_for("planning.cycle", cycle_id=saved.id))
            if request.form.get("action") == "save":
                flash(_("The plan changed after the preview: check the new preview and save again."), "warning")
            preview = service.preview_cycle(spec, cycle, now=_now(), language=_language())
            form.preview_digest.data = digest
        except PlanningError as problem:
            error = str(problem)
    return render_template("planning/cycle_form.html", form=form, cycle=cycle,
                           preview=preview, error=error)


@bp.route("/planning/cycles/new", methods=["GET", "POST"])
@staff_only
def new_cycle():
    form = _with_choices(CycleForm(), None)
    if request.method == "GET":
        course = query_int("course_id")
        form.course_id.data = course
        form.trainer_ids.data = []
        form.weekdays.data = []
    return _plan_cycle(form, None)


@bp.route("/planning/cycles/<int:cycle_id>/edit", methods=["GET", "POST"])
@staff_only
def edit_cycle(cycle_id: int):
    cycle = _get_cycle(cycle_id)
    if cycle.status not in (CycleStatus.DRAFT, CycleStatus.PUBLISHED):
        abort(404)
    form = _with_choices(CycleForm(data=_form_data(cycle) if request.method == "GET" else None), cycle)
    return _plan_cycle(form, cycle)


def _form_data(cycle: Cycle) -> dict:
    """The form's fields from a saved cycle (the RRULE is read back for the guided kinds)."""
    zone = service.local_zone()
    parts = rule_parts(cycle.rrule)
    days = [code[-2:] for code in parts.get("BYDAY", "").split(",") if code]
    codes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    nth = parts.get("BYDAY", "+1MO")[:-2] or "1"
    closes = cycle.enrolment_closes_at
    return dict(
        course_id=cycle.course_id, title=cycle.title, first_date=cycle.first_date,
        start_time=cycle.start_time, duration_minutes=cycle.duration_minutes,
        recurrence_kind=cycle.recurrence_kind.value,
        weekdays=[codes.index(d) for d in days if d in codes],
        interval=int(parts.get("INTERVAL", 1)) if cycle.recurrence_kind is not RecurrenceKind.RRULE else 1,
        monthly_nth=int(nth) if cycle.recurrence_kind is RecurrenceKind.MONTHLY else 1,
        monthly_weekday=codes.index(days[0]) if days and days[0] in codes else 0,
        rrule=cycle.rrule if cycle.recurrence_kind is RecurrenceKind.RRULE else "",
        end_kind="count" if cycle.session_count else "until" if cycle.until_date else "rule",
        session_count=cycle.session_count, until_date=cycle.until_date,
        skip_holidays=cycle.skip_holidays, room_id=cycle.room_id or 0, capacity=cycle.capacity,
        trainer_ids=cycle.trainer_ids,
        opens_on=cycle.enrolment_opens_at.astimezone(zone).date() if cycle.enrolment_opens_at else None,
        closes_on=(closes.astimezone(zone) - timedelta(days=1)).date() if closes else None,
        approval_required=cycle.approval_required,
        min_attendance_percent=cycle.min_attendance_percent,
        offer_hours=cycle.offer_hours, cancellation_hours=cycle.cancellation_hours,
    )


# --- the life of a cycle ---------------------------------------------------------------------

def _act(cycle_id: int, action, message: str):
    """Run one service call on a cycle and go back to its page."""
    cycle = _get_cycle(cycle_id)
    back = url_for("planning.cycle", cycle_id=cycle.id)
    with refusal_flashed(back):
        action(cycle)
    flash(message, "success")
    return redirect(back)


@bp.post("/planning/cycles/<int:cycle_id>/publish")
@staff_only
def publish_cycle(cycle_id: int):
    return _act(cycle_id, lambda c: service.publish_cycle(c, actor_id=current_user.id, now=_now()),
                _("The cycle is published: learners can now find it and enrol."))


@bp.post("/planning/cycles/<int:cycle_id>/cancel")
@staff_only
def cancel_cycle(cycle_id: int):
    return _act(cycle_id, lambda c: service.cancel_cycle(c, actor_id=current_user.id, now=_now()),
                _("The cycle is cancelled. The enrolled learners will be told."))


# --- one session -------------------------------------------------------------------------

def _get_session(session_id: int) -> ClassSession:
    return db.get_or_404(ClassSession, session_id)


def _session_form(current_room_id: int | None, **data) -> SessionForm:
    form = SessionForm(data=data or None)
    form.room_id.choices = [(0, _("— no room —"))] + service.room_choices(current_room_id)
    return form


def _flash_conflicts(starts_at, ends_at, room_id, cycle: Cycle) -> None:
    for conflict in service.session_conflicts((starts_at, ends_at, room_id), cycle):
        flash(_("Double booking: %(other)s uses the same %(what)s at that time.",
                other=conflict.other_cycle,
                what=_("room") if conflict.reason == "room" else _("trainer")), "warning")


@bp.route("/planning/sessions/<int:session_id>/move", methods=["GET", "POST"])
@staff_only
def move_session(session_id: int):
    session = _get_session(session_id)
    local = session.starts_at.astimezone(service.local_zone())
    minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    form = _session_form(session.room_id, **({} if request.method == "POST" else dict(
        day=local.date(), start_time=local.time(), duration_minutes=minutes, room_id=session.room_id or 0)))
    if form.validate_on_submit():
        try:
            with refusal_undone():
                service.move_session(session, day=form.day.data, start=form.start_time.data,
                                     duration_minutes=form.duration_minutes.data,
                                     room_id=form.room_id.data or None, actor_id=current_user.id, now=_now())
        except PlanningError as problem:
            flash(str(problem), "error")
        else:
            flash(_("The session is moved. The enrolled learners will be told."), "success")
            _flash_conflicts(session.starts_at, session.ends_at, session.room_id, session.cycle)
            return redirect(url_for("planning.cycle", cycle_id=session.cycle_id))
    return render_template("planning/session_form.html", form=form, cycle=session.cycle, session=session)


@bp.post("/planning/sessions/<int:session_id>/cancel")
@staff_only
def cancel_session(session_id: int):
    session = _get_session(session_id)
    back = url_for("planning.cycle", cycle_id=session.cycle_id)
    with refusal_flashed(back):
        service.cancel_session(session, actor_id=current_user.id, now=_now())
    flash(_("The session is cancelled. The enrolled learners will be told."), "success")
    return redirect(back)


@bp.route("/planning/cycles/<int:cycle_id>/sessions/new", methods=["GET", "POST"])
@staff_only
def add_session(cycle_id: int):
    cycle = _get_cycle(cycle_id)
    form = _session_form(cycle.room_id, **({} if request.method == "POST" else dict(
        start_time=cycle.start_time, duration_minutes=cycle.duration_minutes, room_id=cycle.room_id or 0)))
    if form.validate_on_submit():
        try:
            with refusal_undone():
                session = service.add_session(
                    cycle, day=form.day.data, start=form.start_time.data,
                    duration_minutes=form.duration_minutes.data, room_id=form.room_id.data or None,
                    actor_id=current_user.id, now=_now())
        except PlanningError as problem:
            flash(str(problem), "error")
        else:
            flash(_("The extra session is added."), "success")
            _flash_conflicts(session.starts_at, session.ends_at, session.room_id, cycle)
            return redirect(url_for("planning.cycle", cycle_id=cycle.id))
    return render_template("planning/session_form.html", form=form, cycle=cycle, session=None)


# --- rooms -------------------------------------------------------------------------------

@bp.get("/planning/rooms")
@role_required(Role.COORDINATOR)
def rooms():
    all_rooms = db.session.execute(db.select(Room).order_by(Room.name)).scalars().all()
    return render_template("planning/rooms.html", rooms=all_rooms)


@bp.route("/planning/rooms/new", methods=["GET", "POST"])
@bp.route("/planning/rooms/<int:room_id>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit_room(room_id: int | None = None):
    room = db.get_or_404(Room, room_id) if room_id else None
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        try:
            with refusal_undone():
                room = service.save_room(
                    room, name=form.name.data, capacity=form.capacity.data, address=form.address.data,
                    accessibility_notes=form.accessibility_notes.data or "", active=form.active.data,
                    actor_id=current_user.id)
        except PlanningError as problem:
            form.name.errors.append(str(problem))
        else:
            flash(_("%(name)s is saved.", name=room.name), "success")
            return redirect(url_for("planning.rooms"))
    return render_template("planning/room_form.html", form=form, room=room)


# --- the trainer's sessions ------------------------------------------------------------------

@bp.get("/my/sessions")
@role_required(Role.TRAINER)
def my_sessions():
    since = _now() - timedelta(days=1)
    return render_template("planning/my_sessions.html", sessions=queries.trainer_sessions(current_user.id, since),
                           feed_url=personal_feed_url(current_user.id))


@bp.get("/my/sessions/<int:session_id>")
@role_required(Role.TRAINER, Role.COORDINATOR)
def my_session(session_id: int):
    session = _get_session(session_id)
    if not (has_any_role(current_user, Role.COORDINATOR) or queries.teaches(current_user.id, session.cycle_id)):
        abort(404)
    roster = cycle_roster(session.cycle_id)
    return render_template("planning/my_session.html", session=session, roster=roster)


@bp.app_context_processor
def _labels() -> dict:
    """Status names for the planning and enrolment templates."""
    return dict(cycle_status_label=CYCLE_STATUS_LABELS.get, session_status_label=session_status_label,
                enrolment_status_label=ENROLMENT_STATUS_LABELS.get, describe_rule=describe_rule)
