"""Signed attendance: the trainer's device passed round, the learner's own phone, the signed PDF,
and the cycle's setting. The rules are in signatures.py; the views are on the attendance blueprint
(blueprint.py)."""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.attendance import service, signatures
from lms.attendance.blueprint import bp, checkin_settings, load_session, recordable_session, recorders
from lms.attendance.forms import SignatureForm, SignaturesSettingForm
from lms.attendance.service import AttendanceError
from lms.attendance.signature_models import DEVICE_LABELS, SignatureDevice
from lms.attendance.signature_svg import data_url
from lms.auth.models import Role, User
from lms.auth.permissions import require, role_required
from lms.core.unit_of_work import refusal_undone
from lms.db_types import utcnow
from lms.extensions import db, limiter
from lms.planning.models import ClassSession, Cycle

learners = role_required(Role.LEARNER)


def _now() -> datetime:
    return utcnow()


def _limit() -> str:
    """A learner's own signing counts like check-in attempts (LMS_CHECKIN_RATE_LIMIT), per person."""
    return current_app.config["LMS_CHECKIN_RATE_LIMIT"]


def _person() -> str:
    return f"user:{current_user.id}"


@bp.get("/attendance/sessions/<int:session_id>/signatures")
@recorders
def signatures_page(session_id: int):
    """The trainer's device, passed round: the present learners, each tapping their name to sign."""
    session = recordable_session(session_id)
    settings = checkin_settings()
    return render_template(
        "attendance/signatures.html", session=session, learners=signatures.present_learners(session),
        signed=signatures.signatures_of(session.id), state=signatures.signing_state(session, _now(), settings),
        window=signatures.signing_window(session, settings))


@bp.route("/attendance/sessions/<int:session_id>/signatures/<int:user_id>", methods=["GET", "POST"])
@recorders
def sign_for(session_id: int, user_id: int):
    session = recordable_session(session_id)
    learner = db.get_or_404(User, user_id)
    if not service.expected_at(session, learner.id):
        abort(404)
    return _signing(session, learner, SignatureDevice.TRAINER,
                    url_for("attendance.signatures_page", session_id=session.id))


@bp.route("/attendance/sessions/<int:session_id>/sign", methods=["GET", "POST"])
@learners
@limiter.limit(_limit, methods=["POST"], key_func=_person)
def sign_own(session_id: int):
    """The learner's own phone, after checking in."""
    session = load_session(session_id)
    require(service.expected_at(session, current_user.id))
    return _signing(session, current_user, SignatureDevice.LEARNER, url_for("attendance.mine"))


def _signing(session: ClassSession, learner: User, device: SignatureDevice, back: str):  # type: ignore[no-untyped-def]
    """The canvas page and its post, for either device."""
    form = SignatureForm()
    if form.validate_on_submit():
        try:
            with refusal_undone():
                signatures.sign(session, learner.id, form.drawing.data, captured_by_id=current_user.id,
                                device=device, now=_now(), settings=checkin_settings())
        except AttendanceError as error:
            form.drawing.errors.append(str(error))
        else:
            flash(_("Thank you, %(name)s: the signature is saved.", name=learner.name), "success")
            return redirect(back)
    elif request.method == "POST":
        form.drawing.errors.append(_("Draw your signature in the box first."))
    refusal = signatures.why_not(session, learner.id, _now(), checkin_settings())
    return render_template("attendance/sign.html", session=session, learner=learner, form=form,
                           refusal=refusal, back=back, own=device is SignatureDevice.LEARNER
                           ), 422 if form.errors else 200


@bp.get("/attendance/sessions/<int:session_id>/signed-attendance.pdf")
@recorders
def signed_attendance_pdf(session_id: int):
    """The session's records with each learner's signature."""
    from lms.attendance.pdf import render_signed_attendance

    session = recordable_session(session_id)
    pdf = render_signed_attendance(session, service.session_roster(session), service.records_of(session.id),
                                   signatures.signatures_of(session.id))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="signerad-narvaro-{session.id}.pdf"'})


@bp.post("/attendance/cycles/<int:cycle_id>/signatures")
@role_required(Role.COORDINATOR)
def set_signatures(cycle_id: int):
    cycle = db.get_or_404(Cycle, cycle_id)
    form = SignaturesSettingForm()
    if not form.validate_on_submit():
        abort(400)
    signatures.set_signatures_required(cycle, bool(form.signatures_required.data), actor_id=current_user.id,
                                       now=_now())
    flash(_("Signed attendance is on for %(title)s.", title=cycle.title) if form.signatures_required.data
          else _("Signed attendance is off for %(title)s.", title=cycle.title), "success")
    return redirect(url_for("attendance.cycle_page", cycle_id=cycle.id))


@bp.app_context_processor
def _signature_helpers() -> dict:
    def signatures_setting_form(cycle_id: int) -> SignaturesSettingForm:
        return SignaturesSettingForm(signatures_required=signatures.signatures_required(cycle_id))

    return dict(signature_image=data_url, signature_device_label=DEVICE_LABELS.get,
                signing_on=signatures.signatures_required, signatures_setting_form=signatures_setting_form)
