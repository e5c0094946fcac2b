"""The public sign-up form and the page where coordinators and organisation contacts decide requests."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth import limits
from lms.auth import service as accounts
from lms.auth.mail import send_invitation
from lms.auth.models import Role
from lms.auth.permissions import role_required
from lms.core.rate_limits import keeps_form
from lms.core.unit_of_work import refusal_flashed
from lms.db_types import utcnow
from lms.extensions import db, limiter
from lms.signup import service
from lms.signup.forms import NO_ORGANISATION, ActionForm, SignupForm
from lms.signup.models import AccountRequest

bp = Blueprint("signup", __name__)



def _signup_limit() -> str:
    return current_app.config["LMS_SIGNUP_RATE_LIMIT"]


def _signup_address_limit() -> str:
    return current_app.config["LMS_SIGNUP_ADDRESS_RATE_LIMIT"]


def _invite(user) -> None:  # type: ignore[no-untyped-def]
    send_invitation(user, accounts.make_token(user, accounts.INVITATION))


def _signup_form() -> SignupForm:
    form = SignupForm()
    form.organisation.choices = [(NO_ORGANISATION, _("None"))] + [
        (organisation.id, organisation.name) for organisation in service.active_organisations()]
    return form


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"], deduct_when=limits.count_real_attempt)
@limiter.limit(_signup_address_limit, methods=["POST"], key_func=limits.submitted_account,
               deduct_when=limits.count_real_attempt)
def signup():
    mode = service.signup_mode()
    if mode == "off":
        return render_template("signup/closed.html")
    form = _signup_form()
    if not form.validate_on_submit():
        return render_template("signup/signup.html", form=form, mode=mode)
    limits.mark_attempt()  # a form with errors uses up no attempt
    values = dict(name=form.name.data, email=form.email.data, organisation_id=form.organisation.data or None,
                  locale=str(get_locale() or "sv"))
    if mode == "open":
        user = service.register_openly(**values)
        if user is not None:
            _invite(user)
        flash(_("Thank you. If the address can be registered, an e-mail with a link to choose your password "
                "is on its way to %(email)s.", email=form.email.data), "success")
    else:
        service.request_account(**values, message=form.message.data or "", now=utcnow())
        flash(_("Thank you. Your request has been sent; you will receive an e-mail at %(email)s when it "
                "has been approved.", email=form.email.data), "success")
    return redirect(url_for("core.index"))


@keeps_form("signup.signup")
def _signup_again(wait: str) -> str:
    """The sign-up form as the person filled it in."""
    return render_template("signup/signup.html", form=_signup_form(), mode=service.signup_mode())


@bp.get("/signup/requests")
@role_required(Role.COORDINATOR, Role.ORGANISATION_CONTACT)
def requests():
    return render_template("signup/requests.html", requests=service.pending_requests_for(current_user),
                           form=ActionForm())


def _decidable(request_id: int) -> AccountRequest:
    """The request, or 404 for those who may not decide it (they need not know it exists)."""
    request = db.get_or_404(AccountRequest, request_id)
    if not service.can_decide(current_user, request):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return request


@bp.post("/signup/requests/<int:request_id>/approve")
@role_required(Role.COORDINATOR, Role.ORGANISATION_CONTACT)
def approve(request_id: int):
    request = _decidable(request_id)
    with refusal_flashed(url_for("signup.requests")):
        user = service.approve(request, actor_id=current_user.id, now=utcnow())
    _invite(user)  # sent once the approval is committed
    flash(_("%(name)s now has an account and has been sent an invitation.", name=user.name), "success")
    return redirect(url_for("signup.requests"))


@bp.post("/signup/requests/<int:request_id>/decline")
@role_required(Role.COORDINATOR, Role.ORGANISATION_CONTACT)
def decline(request_id: int):
    request = _decidable(request_id)
    with refusal_flashed(url_for("signup.requests")):
        service.decline(request, actor_id=current_user.id, now=utcnow())
    flash(_("The request from %(name)s has been declined.", name=request.name), "success")
    return redirect(url_for("signup.requests"))
