"""My certificates, downloads, public verification, and issuing and revoking for coordinators."""
from __future__ import annotations

import io
import zipfile

from flask import (
    Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.models import Role, User
from lms.auth.permissions import has_any_role, role_required
from lms.certificates import credentials, documents, quiz_renewals, renewals, service
from lms.certificates.codes import display, normalise
from lms.certificates.forms import ActionForm, ManualIssueForm, RevokeForm, VerifyForm
from lms.certificates.models import Certificate
from lms.certificates.validity import history_of, last_valid_day, validities_of, validity_of
from lms.core.unit_of_work import refusal_flashed
from lms.db_types import utcnow
from lms.extensions import db, limiter
from lms.enrolment.routes import FLASH_AFTER_ENROL
from lms.enrolment.service import enrol, find_enrolment
from lms.planning.models import Cycle

bp = Blueprint("certificates", __name__)


def _verify_limit() -> str:
    return current_app.config["LMS_VERIFY_RATE_LIMIT"]


def can_download(user: User, certificate: Certificate) -> bool:
    """The owner and their organisation contact (while it is valid), coordinators always."""
    if has_any_role(user, Role.COORDINATOR):
        return True
    if certificate.revoked:
        return False
    if certificate.user_id == user.id:
        return True
    owner = certificate.user
    return (user.has_role(Role.ORGANISATION_CONTACT) and user.organisation_id is not None
            and user.organisation_id == owner.organisation_id)


def _downloadable(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not can_download(current_user, certificate):
        abort(404)
    return certificate


@bp.get("/my/certificates")
@login_required
def mine():
    certificates = service.certificates_of(current_user.id)
    return render_template("certificates/mine.html", certificates=certificates, display=display,
                           verify_url=documents.verify_url, validity=validities_of(certificates, utcnow()),
                           renew_slugs=renewals.renew_slugs(certificates),
                           renew_quizzes=quiz_renewals.quiz_renewals_of(current_user.id, utcnow()))


@bp.get("/my/certificates/<int:certificate_id>/renew-by-quiz")
@login_required
def renew_by_quiz(certificate_id: int):
    """Where the holder stands for a renewal by the refresher quiz, and the way to the quiz."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    now = utcnow()
    renewal = quiz_renewals.quiz_renewals_of(current_user.id, now).get(certificate.id)
    return render_template("certificates/renew_quiz.html", certificate=certificate, renewal=renewal,
                           refusal=quiz_renewals.refusal(renewal) if renewal else None,
                           next_day=quiz_renewals.next_last_day(renewal, now) if renewal else None,
                           validity=validity_of(certificate, now), display=display)


@bp.get("/certificates/<int:certificate_id>/pdf")
@login_required
def pdf(certificate_id: int):
    certificate = _downloadable(certificate_id)
    return Response(documents.certificate_pdf(certificate), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{documents.file_name(certificate)}"'})


@bp.get("/certificates/<int:certificate_id>/badge.json")
@login_required
def badge(certificate_id: int):
    certificate = _downloadable(certificate_id)
    name = documents.file_name(certificate).replace(".pdf", ".json")
    return Response(credentials.credential_json(certificate), mimetype="application/ld+json", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/verify")
@limiter.limit(_verify_limit)
def verify():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        typed = form.code.data.strip()
        code = normalise(typed)
        return redirect(url_for("certificates.verify_code", code=display(code) if code else typed))
    return render_template("certificates/verify.html", form=form)


@bp.get("/verify/<code>")
@limiter.limit(_verify_limit)
def verify_code(code: str):
    certificate = service.find_by_code(code)
    status = 404 if certificate is None else 200
    standing = validity_of(certificate, utcnow()) if certificate is not None else None
    earlier = [(period.valid_from, last_valid_day(period.valid_until))  # a quiz renewal's history
               for period in (history_of(certificate)[:-1] if certificate is not None else [])]
    return render_template("certificates/verified.html", certificate=certificate, code=code, validity=standing,
                           earlier=earlier, display=display, form=VerifyForm(formdata=None)), status


# --- renewing from the link in a reminder (one step: the button enrols) ------------------------------

def _renewal_cycle(token: str) -> Cycle:
    found = renewals.read_renewal_link(token)
    if found is None or found[0] != current_user.id:
        abort(404)
    return db.get_or_404(Cycle, found[1])


@bp.get("/renew/<token>")
@login_required
def renew(token: str):
    cycle = _renewal_cycle(token)
    return render_template("certificates/renew.html", cycle=cycle, token=token, form=ActionForm(),
                           enrolment=find_enrolment(current_user.id, cycle.id))


@bp.post("/renew/<token>")
@login_required
@limiter.limit("20 per hour")
def renew_enrol(token: str):
    cycle = _renewal_cycle(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    with refusal_flashed(url_for("certificates.renew", token=token)):
        enrolment = enrol(current_user.id, cycle, now=utcnow())
    flash(str(FLASH_AFTER_ENROL[enrolment.status]), "success")
    return redirect(url_for("enrolment.cycle", cycle_id=cycle.id))


# --- coordinators ---------------------------------------------------------------------------------

def _cycle(cycle_id: int) -> Cycle:
    return db.get_or_404(Cycle, cycle_id)


@bp.get("/cycles/<int:cycle_id>/certificates")
@role_required(Role.COORDINATOR)
def cycle_certificates(cycle_id: int):
    cycle = _cycle(cycle_id)
    rows = service.eligible_learners(cycle, utcnow())
    manual = ManualIssueForm()
    manual.user_id.choices = [(user.id, user.name) for user, _state, cert in rows if cert is None]
    return render_template("certificates/cycle.html", cycle=cycle, rows=rows, form=ActionForm(),
                           manual=manual, reason_form=RevokeForm(), display=display)


@bp.post("/cycles/<int:cycle_id>/certificates/issue-all")
@role_required(Role.COORDINATOR)
def issue_all(cycle_id: int):
    cycle = _cycle(cycle_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    issued = service.issue_all_eligible(cycle, utcnow(), current_user.id)
    flash(_("%(count)d certificates issued.", count=len(issued)), "success")
    return redirect(url_for("certificates.cycle_certificates", cycle_id=cycle.id))


@bp.post("/cycles/<int:cycle_id>/certificates/issue")
@role_required(Role.COORDINATOR)
def issue_by_hand(cycle_id: int):
    cycle = _cycle(cycle_id)
    form = ManualIssueForm()
    enrolled = {user.id for user, _state, cert in service.eligible_learners(cycle, utcnow()) if cert is None}
    form.user_id.choices = [(user_id, str(user_id)) for user_id in enrolled]
    if not form.validate_on_submit():
        flash(_("Choose a learner enrolled in the cycle and say why the certificate is issued."), "error")
    else:
        service.issue_certificate(form.user_id.data, cycle.id, utcnow(), actor_id=current_user.id,
                                  reason=form.reason.data.strip())
        flash(_("The certificate is issued."), "success")
    return redirect(url_for("certificates.cycle_certificates", cycle_id=cycle.id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@role_required(Role.COORDINATOR)
def revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeForm()
    back = url_for("certificates.cycle_certificates", cycle_id=certificate.cycle_id)
    if not form.validate_on_submit():
        flash(_("Say why the certificate is revoked."), "error")
    else:
        with refusal_flashed(back):
            service.revoke_certificate(certificate, form.reason.data, current_user.id, utcnow())
        flash(_("The certificate is revoked."), "success")
    return redirect(back)


@bp.get("/cycles/<int:cycle_id>/certificates.zip")
@role_required(Role.COORDINATOR)
def cycle_zip(cycle_id: int):
    cycle = _cycle(cycle_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in db.session.execute(
            db.select(Certificate).where(Certificate.cycle_id == cycle.id, Certificate.revoked_at.is_(None))
        ).scalars():
            archive.writestr(documents.file_name(certificate), documents.certificate_pdf(certificate))
    return Response(buffer.getvalue(), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="intyg-omgang-{cycle.id}.zip"'})
