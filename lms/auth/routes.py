"""Log-in, log-out, invitations, password reset and the user's own account page."""
from __future__ import annotations

from flask import (
    Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import mail as account_mail
from lms.auth import limits, service
from lms.auth.forms import (
    ChangePasswordForm, ForgotPasswordForm, LanguageForm, LoginForm, NewPasswordForm, ProfileForm,
)
from lms.auth.passwords import WeakPassword, verify_password
from lms.auth.urls import safe_next_url
from lms.core.rate_limits import keeps_form
from lms.core.unit_of_work import refusal_undone
from lms.extensions import limiter

bp = Blueprint("auth", __name__)


def _reset_limit() -> str:
    return current_app.config["LMS_RESET_RATE_LIMIT"]


def _reset_address_limit() -> str:
    return current_app.config["LMS_RESET_ADDRESS_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(limits.login_pair_limit, methods=["POST"], key_func=limits.submitted_account_and_client,
               deduct_when=limits.count_failed_login)
@limiter.limit(limits.login_client_limit, methods=["POST"], deduct_when=limits.count_failed_login)
@limiter.limit(limits.login_account_limit, methods=["POST"], key_func=limits.submitted_account,
               deduct_when=limits.count_failed_login, exempt_when=limits.is_known_device)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is None:
            limits.mark_failed_login()
            flash(_("The e-mail address or the password is wrong."), "error")
        else:
            _log_in(user)
            return limits.remember_device(
                redirect(safe_next_url(form.next.data, url_for("core.index"))), user)
    return render_template("auth/login.html", form=form)


def _log_in(user) -> None:  # type: ignore[no-untyped-def]
    """Start a fresh log-in session for `user` (a new session id: no fixation)."""
    session.clear()
    service.start_login_session(user, request.headers.get("User-Agent"))
    login_user(user)
    session["locale"] = user.locale


@keeps_form("auth.login")
def _login_again(wait: str) -> str:
    """The log-in form with the address typed (never the password) and the way in by e-mail."""
    flash(_("You can also choose a new password through a link sent by e-mail: “Forgot your "
            "password?” below."), "info")
    return render_template("auth/login.html", form=LoginForm())


@bp.post("/logout")
@login_required
def logout():
    login_session = current_user.current_login_session
    if login_session is not None:
        service.end_login_session(login_session)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    response = redirect(url_for("auth.login"))
    # nothing of this person stays in the browser: the roll call's kept pages and queued marks
    # (Cache Storage, IndexedDB, the service worker) go too (docs/attendance.md)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"], deduct_when=limits.count_real_attempt)
@limiter.limit(_reset_address_limit, methods=["POST"], key_func=limits.submitted_account,
               deduct_when=limits.count_real_attempt)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        limits.mark_attempt()
        user = service.find_user_by_email(form.email.data)
        if user is not None and user.is_active:
            account_mail.send_password_reset(user, service.make_token(user, service.PASSWORD_RESET))
        flash(
            _("If an account exists for that address, we have sent it a link to choose a new "
              "password. The link works once, for a limited time."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@keeps_form("auth.forgot_password")
def _forgot_again(wait: str) -> str:
    return render_template("auth/forgot_password.html", form=ForgotPasswordForm())


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"], deduct_when=limits.count_real_attempt)
def reset_password(token: str):
    return _choose_password(token, service.PASSWORD_RESET, "auth/reset_password.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"], deduct_when=limits.count_real_attempt)
def accept_invitation(token: str):
    return _choose_password(token, service.INVITATION, "auth/accept_invitation.html")


def _choose_password(token: str, purpose: str, template: str):
    try:
        user = service.read_token(token, purpose)
    except service.InvalidToken:
        return render_template("auth/invalid_link.html", purpose=purpose), 400
    form = NewPasswordForm()
    if form.validate_on_submit():
        limits.mark_attempt()
        try:
            with refusal_undone():
                service.set_password(user, form.password.data, actor_id=user.id)
        except WeakPassword as error:
            form.password.errors.append(str(error))
        else:
            if current_user.is_authenticated:
                logout_user()
            if not user.is_active:
                session.clear()
                return redirect(url_for("auth.login"))
            _log_in(user)  # the link proved who they are: no second log-in with an empty form
            flash(_("Your password is set and you are logged in."), "success")
            # the link proved the mailbox: this device is known, whatever throttles the account
            return limits.remember_device(redirect(url_for("core.index")), user)
    return render_template(template, form=form, user=user)


@bp.get("/account")
@login_required
def account():
    return _render_account(ProfileForm(obj=current_user), ChangePasswordForm())


def _render_account(profile: ProfileForm, password_form: ChangePasswordForm):
    return render_template("auth/account.html", profile=profile, password_form=password_form)


@bp.post("/account/profile")
@login_required
def update_profile():
    profile = ProfileForm()
    if not profile.validate_on_submit():
        return _render_account(profile, ChangePasswordForm(formdata=None)), 422
    current_user.name = profile.name.data.strip()
    current_user.locale = profile.locale.data
    session["locale"] = profile.locale.data
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/password")
@login_required
@limiter.limit(_reset_limit)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            try:
                with refusal_undone():
                    service.set_password(current_user, form.password.data, actor_id=current_user.id)
            except WeakPassword as error:
                form.password.errors.append(str(error))
            else:
                logout_user()
                session.clear()
                flash(_("Your password is changed and you are logged out everywhere. "
                        "Log in with the new password."), "success")
                return redirect(url_for("auth.login"))
    return _render_account(ProfileForm(formdata=None, obj=current_user), form), 422


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["locale"] = form.locale.data
    if current_user.is_authenticated:
        current_user.locale = form.locale.data
    return redirect(safe_next_url(form.next.data, url_for("core.index")))
