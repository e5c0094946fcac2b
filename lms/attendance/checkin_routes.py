"""Self check-in at the center: the trainer's screen, the learner's code, personal QR codes."""
from __future__ import annotations

from datetime import datetime
from io import BytesIO

import segno
from flask import Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from lms.attendance import codes, queries, service, signatures
from lms.attendance.blueprint import bp, checkin_settings, load_session, recordable_session, recorders
from lms.attendance.forms import ActionForm, CheckinCodeForm, PersonalCodeForm
from lms.attendance.models import ATTENDED, STATUS_LABELS, AttendanceMethod
from lms.attendance.service import AttendanceError
from lms.auth.models import Role
from lms.auth.permissions import has_any_role, role_required
from lms.core.unit_of_work import refusal_flashed, refusal_undone
from lms.db_types import utcnow
from lms.extensions import limiter

learners = role_required(Role.LEARNER)


def _now() -> datetime:
    return utcnow()


def _limit() -> str:
    return current_app.config["LMS_CHECKIN_RATE_LIMIT"]


def _scan_limit() -> str:
    return current_app.config["LMS_CHECKIN_SCAN_RATE_LIMIT"]


def _person() -> str:
    """Count attempts per person: everyone at the center may share one address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "address:" + (get_remote_address() or "")


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


# --- the trainer's screen --------------------------------------------------------------------

@bp.get("/attendance/sessions/<int:session_id>/checkin")
@recorders
def screen(session_id: int):
    session = recordable_session(session_id)
    return render_template("attendance/checkin_screen.html", session=session,
                           state=_screen_state(session), personal_form=PersonalCodeForm())


@bp.get("/attendance/sessions/<int:session_id>/checkin/state")
@recorders
def screen_state(session_id: int):
    """What the screen shows, polled by checkin.js: the code, the window, who is in, who is not."""
    return jsonify(_screen_state(recordable_session(session_id)))


def _screen_state(session) -> dict:  # type: ignore[no-untyped-def]
    now, settings = _now(), checkin_settings()
    window = service.window_state(session, now, settings)
    opens, closes = service.checkin_window(session, settings)
    records = service.records_of(session.id)
    roster = service.session_roster(session)
    arrived = [u for u in roster if u.id in records and records[u.id].status in ATTENDED]
    arrived_ids = {u.id for u in arrived}
    state = {
        "window": window, "opens_at": opens.isoformat(), "closes_at": closes.isoformat(),
        "code": None, "rotates_at": None, "qr": None, "url": None,
        "message": _window_message(window, opens, closes),
        "checked_in": [{"name": u.name, "status": str(STATUS_LABELS[records[u.id].status])} for u in arrived],
        "waiting": [u.name for u in roster if u.id not in arrived_ids],
    }
    if window == "open":
        code, rotates_at = service.current_code(session, _secret(), now, settings)
        state.update(code=code, rotates_at=rotates_at.isoformat(),
                     url=url_for("attendance.scan", session_id=session.id, code=code, _external=True),
                     qr=url_for("attendance.qr", session_id=session.id, c=code))
    return state


def _window_message(window: str, opens, closes) -> str:  # type: ignore[no-untyped-def]
    if window == "not_open":
        return _("Check-in opens at %(time)s.", time=format_time(opens, "HH:mm"))
    if window == "closed":
        return _("Check-in closed at %(time)s.", time=format_time(closes, "HH:mm"))
    if window == "cancelled":
        return _("This session is cancelled.")
    return _("Scan the code or type it at %(address)s", address=url_for("attendance.checkin", _external=True))


@bp.get("/attendance/sessions/<int:session_id>/checkin/qr.svg")
@recorders
def qr(session_id: int):
    """The QR code of the current code, as SVG (the `c` parameter only defeats caches)."""
    session = recordable_session(session_id)
    settings = checkin_settings()
    if service.window_state(session, _now(), settings) != "open":
        abort(404)
    code, _rotates = service.current_code(session, _secret(), _now(), settings)
    target = url_for("attendance.scan", session_id=session.id, code=code, _external=True)
    buffer = BytesIO()
    segno.make(target, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False,
                                       title=_("Check-in code"))
    return Response(buffer.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


# --- personal codes, scanned or typed by the trainer -----------------------------------------

@bp.post("/attendance/sessions/<int:session_id>/personal")
@recorders
def personal_checkin(session_id: int):
    session = recordable_session(session_id)
    form = PersonalCodeForm()
    if not form.validate_on_submit():
        abort(400)
    back = "attendance.session_page" if request.form.get("back") == "session" else "attendance.screen"
    back_url = url_for(back, session_id=session.id)
    with refusal_flashed(back_url):
        learner, saved = service.check_in_by_personal_code(
            session, form.code.data, actor_id=current_user.id, secret_key=_secret(), now=_now(),
            settings=checkin_settings())
    flash(_("%(name)s is checked in (%(status)s).", name=learner.name,
            status=STATUS_LABELS[saved.attendance.status]), "success")
    return redirect(back_url)


@bp.get("/attendance/personal/<code>")
@recorders
def personal_scan(code: str):
    """Where a learner's personal QR code leads the trainer's phone: pick the session."""
    with refusal_flashed(url_for("attendance.index")):
        learner = service.learner_for_personal_code(code, _secret())
    sessions = queries.open_sessions_taught(current_user, has_any_role(current_user, Role.COORDINATOR),
                                            _now(), checkin_settings())
    return render_template("attendance/personal_scan.html", learner=learner, code=code,
                           sessions=sessions, form=PersonalCodeForm(code=code))


# --- the learner's side ----------------------------------------------------------------------

@bp.route("/checkin", methods=["GET", "POST"])
@learners
@limiter.limit(_limit, methods=["POST"], key_func=_person)
def checkin():
    """Type the code from the screen; the session is found from the code itself."""
    form = CheckinCodeForm()
    if form.validate_on_submit():
        now, settings = _now(), checkin_settings()
        try:
            with refusal_undone():
                session = service.find_session_by_code(form.code.data, secret_key=_secret(), now=now,
                                                       settings=settings)
                saved = service.check_in(session, current_user.id, method=AttendanceMethod.CODE,
                                         actor_id=current_user.id, now=now, settings=settings)
        except AttendanceError as error:
            form.code.errors.append(str(error))
        else:
            return _checked_in(session, saved)
    return render_template("attendance/checkin.html", form=form), 200 if not form.errors else 422


def _checked_in(session, saved):  # type: ignore[no-untyped-def]
    """Back to "My attendance", or on to signing when the cycle asks for signatures."""
    status = STATUS_LABELS[saved.attendance.status]
    signing = saved.attendance.status in ATTENDED and signatures.has_unsigned(session, current_user.id)
    if saved.overruled:
        flash(_("Your trainer has already marked you %(status)s at %(course)s. Talk to your trainer if "
                "that is not right.", course=session.cycle.course.title, status=status), "info")
    elif signing:
        flash(_("You are checked in to %(course)s: %(status)s. Now sign your attendance.",
                course=session.cycle.course.title, status=status), "success")
        return redirect(url_for("attendance.sign_own", session_id=session.id))
    elif saved.changed:
        flash(_("You are checked in to %(course)s: %(status)s.", course=session.cycle.course.title,
                status=status), "success")
    else:
        flash(_("You were already checked in to %(course)s (%(status)s).",
                course=session.cycle.course.title, status=status), "info")
    return redirect(url_for("attendance.mine"))


@bp.get("/checkin/<int:session_id>/<code>")
@limiter.limit(_scan_limit, key_func=_person)
def scan(session_id: int, code: str):
    """A scanned QR code: checked now, then carried through the log-in as a short-lived ticket."""
    session = load_session(session_id)
    with refusal_flashed(url_for("attendance.checkin")):
        service.verify_code(session, code, secret_key=_secret(), now=_now(), settings=checkin_settings())
    ticket = codes.make_ticket(_secret(), session.id, _now())
    return redirect(url_for("attendance.confirm", ticket=ticket))


@bp.route("/checkin/confirm/<ticket>", methods=["GET", "POST"])
@learners
@limiter.limit(_limit, methods=["POST"], key_func=_person)
def confirm(ticket: str):
    settings = checkin_settings()
    found = codes.read_ticket(_secret(), ticket, _now(), settings)
    if found is None:
        abort(404)
    session_id, fresh = found
    session = load_session(session_id)
    if not fresh:
        flash(_("The scanned code is too old. Scan the code on the screen again, or type it."), "error")
        return redirect(url_for("attendance.checkin"))
    form = ActionForm()
    if form.validate_on_submit():
        with refusal_flashed(url_for("attendance.checkin")):
            saved = service.check_in(session, current_user.id, method=AttendanceMethod.QR,
                                     actor_id=current_user.id, now=_now(), settings=settings)
        return _checked_in(session, saved)
    return render_template("attendance/confirm.html", session=session, form=form)


# --- the learner's personal code -------------------------------------------------------------

def _personal_url(user_id: int) -> str:
    return url_for("attendance.personal_scan", code=codes.personal_code(_secret(), user_id), _external=True)


@bp.get("/my/checkin-code.svg")
@learners
def personal_qr():
    """The learner's own QR code: it leads the trainer's phone to check them in."""
    buffer = BytesIO()
    segno.make(_personal_url(current_user.id), error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, title=_("My personal check-in code"))
    return Response(buffer.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})


@bp.app_context_processor
def _personal_code() -> dict:
    def personal_checkin_code() -> str | None:
        if not (current_user.is_authenticated and has_any_role(current_user, Role.LEARNER)):
            return None
        return codes.personal_code(_secret(), current_user.id)

    return dict(personal_checkin_code=personal_checkin_code)
