"""My data (download, erase), the accessibility statement and feedback, and the admins' privacy tools."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from lms.audit.service import record_event
from lms.auth.models import Role, User
from lms.auth.passwords import verify_password
from lms.auth import limits
from lms.auth.permissions import role_required
from lms.core.rate_limits import keeps_form
from lms.core.unit_of_work import refusal_flashed
from lms.db_types import utcnow
from lms.extensions import db, limiter
from lms.privacy import export, readable, service
from lms.privacy.erasure import erase_user
from lms.privacy.forms import ActionForm, AdminEraseForm, DeclineForm, EraseMyselfForm, FeedbackForm
from lms.privacy.models import ErasureRequest, FeedbackMessage

bp = Blueprint("privacy", __name__)



@bp.app_template_test("reference_column")
def _is_reference_column(column: str) -> bool:
    """Internal numbers (ids) that a person reading their data has no use for; the download keeps them."""
    return column == "id" or column.endswith("_id")


@bp.context_processor
def _data_helpers() -> dict:
    import json

    from lms.privacy.models import ErasureStatus

    labels = {ErasureStatus.PENDING: _l("pending"), ErasureStatus.DONE: _l("erased"),
              ErasureStatus.DECLINED: _l("declined")}

    def show_value(value, column="", section=""):  # type: ignore[no-untyped-def]
        shown = readable.show_value(value, column, section, yes_no=lambda v: _("yes") if v else _("no"))
        if isinstance(shown, (dict, list)):
            return json.dumps(shown, ensure_ascii=False, default=export.plain)
        return shown

    return dict(column_label=readable.column_label, show_value=show_value,
                erasure_status=lambda status: str(labels[status]))


def _feedback_limit() -> str:
    return current_app.config.get("LMS_FEEDBACK_RATE_LIMIT", "5 per hour")


def _download(body: str, name: str) -> Response:
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- my own data -----------------------------------------------------------------------------

@bp.get("/my/data")
@login_required
def my_data():
    return render_template("privacy/my_data.html", sections=export.personal_data(current_user.id),
                           erase_form=EraseMyselfForm(), request_form=ActionForm(),
                           may_erase=service.may_erase_themselves(current_user),
                           pending=service.pending_request(current_user.id))


@bp.get("/my/data.json")
@login_required
def my_data_json():
    return _download(export.as_json(current_user.id, utcnow()), "mina-uppgifter.json")


@bp.post("/my/data/erase")
@login_required
def erase_me():
    form = EraseMyselfForm()
    if not form.validate_on_submit() or not verify_password(current_user.password_hash or "", form.password.data):
        flash(_("Your account was not erased: give your password and tick the box to confirm."), "error")
        return redirect(url_for("privacy.my_data"))
    with refusal_flashed(url_for("privacy.my_data")):
        service.erase_myself(current_user, now=utcnow())
    logout_user()
    session.clear()
    flash(_("Your account is erased. Thank you for taking part."), "success")
    return redirect(url_for("core.index"))


@bp.post("/my/data/erasure-request")
@login_required
def ask_for_erasure():
    if not ActionForm().validate_on_submit():
        abort(400)
    service.request_erasure(current_user.id, now=utcnow())
    flash(_("Your request is sent. An administrator erases your account or tells you why not."), "success")
    return redirect(url_for("privacy.my_data"))


# --- public pages ----------------------------------------------------------------------------

@bp.get("/accessibility")
def accessibility():
    return render_template("privacy/accessibility.html")


@bp.get("/privacy")
def privacy_notice():
    return render_template("privacy/notice.html",
                           inactive_days=current_app.config.get("LMS_RETENTION_INACTIVE_DAYS"),
                           outbox_days=current_app.config.get("LMS_RETENTION_OUTBOX_DAYS"),
                           request_days=current_app.config.get("LMS_RETENTION_REQUEST_DAYS"))


@bp.route("/feedback", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"], deduct_when=limits.count_real_attempt)
def feedback():
    form = FeedbackForm(page=request.args.get("page", "")[:500])
    if current_user.is_authenticated and request.method == "GET":
        form.name.data, form.email.data = current_user.name, current_user.email
    if form.validate_on_submit():
        limits.mark_attempt()  # a form with errors uses up no attempt
        service.send_feedback(message=form.message.data, name=form.name.data or "", email=form.email.data or "",
                              page=form.page.data or "", now=utcnow(),
                              user_id=current_user.id if current_user.is_authenticated else None)
        flash(_("Thank you. Your message has reached the administrators."), "success")
        return redirect(url_for("privacy.accessibility"))
    return render_template("privacy/feedback.html", form=form)


@keeps_form("privacy.feedback")
def _feedback_again(wait: str) -> str:
    """The feedback form with the message as it was typed."""
    return render_template("privacy/feedback.html", form=FeedbackForm())


# --- the admins' tools ------------------------------------------------------------------------

@bp.get("/admin/privacy")
@role_required(Role.ADMIN)
def admin_index():
    search = request.args.get("q", "").strip()
    return render_template("privacy/admin_index.html", requests=service.erasure_requests(), search=search,
                           people=service.find_person(search) if search else [], action_form=ActionForm(),
                           decline_form=DeclineForm())


@bp.get("/admin/privacy/users/<int:user_id>")
@role_required(Role.ADMIN)
def admin_person(user_id: int):
    person = db.get_or_404(User, user_id)
    sections = export.personal_data(person.id)
    record_event(current_user.id, "privacy.viewed", "user", person.id)
    return render_template("privacy/admin_person.html", person=person, sections=sections, form=AdminEraseForm())


@bp.get("/admin/privacy/users/<int:user_id>/data.json")
@role_required(Role.ADMIN)
def admin_export(user_id: int):
    person = db.get_or_404(User, user_id)
    body = export.as_json(person.id, utcnow())
    record_event(current_user.id, "privacy.exported", "user", person.id)
    return _download(body, f"personuppgifter-{person.id}.json")


@bp.post("/admin/privacy/users/<int:user_id>/erase")
@role_required(Role.ADMIN)
def admin_erase(user_id: int):
    person = db.get_or_404(User, user_id)
    form = AdminEraseForm()
    if person.id == current_user.id:
        flash(_("You cannot erase your own account here; ask another administrator."), "error")
    elif not form.validate_on_submit() or form.confirm_email.data.strip().lower() != person.email:
        flash(_("Type the account's e-mail address exactly to confirm the erasure."), "error")
    else:
        with refusal_flashed(url_for("privacy.admin_person", user_id=person.id)):
            erase_user(person.id, actor_id=current_user.id, now=utcnow(), why="admin")
        flash(_("The account is erased."), "success")
        return redirect(url_for("privacy.admin_index"))
    return redirect(url_for("privacy.admin_person", user_id=person.id))


@bp.post("/admin/privacy/requests/<int:request_id>/<decision>")
@role_required(Role.ADMIN)
def admin_decide(request_id: int, decision: str):
    erasure_request = db.get_or_404(ErasureRequest, request_id)
    if decision not in ("erase", "decline"):
        abort(404)
    form = DeclineForm() if decision == "decline" else ActionForm()
    if not form.validate_on_submit():
        flash(_("Say why the request is declined."), "error")
        return redirect(url_for("privacy.admin_index"))
    reason = form.reason.data if decision == "decline" else ""
    with refusal_flashed(url_for("privacy.admin_index")):
        service.decide_request(erasure_request, erase=decision == "erase", actor_id=current_user.id, now=utcnow(),
                               reason=reason)
    flash(_("The account is erased.") if decision == "erase" else _("The request is declined."), "success")
    return redirect(url_for("privacy.admin_index"))


@bp.get("/admin/feedback")
@role_required(Role.ADMIN)
def admin_feedback():
    return render_template("privacy/admin_feedback.html", messages=service.feedback_messages(), form=ActionForm())


@bp.post("/admin/feedback/<int:feedback_id>/handled")
@role_required(Role.ADMIN)
def feedback_handled(feedback_id: int):
    feedback = db.get_or_404(FeedbackMessage, feedback_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    service.mark_handled(feedback, actor_id=current_user.id, now=utcnow())
    return redirect(url_for("privacy.admin_feedback"))
