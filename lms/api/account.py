"""The token section of the account page: create (shown once) and revoke personal access tokens.

A blueprint of its own, apart from `api`, because these are ordinary cookie-authenticated pages
with CSRF protection.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.api import tokens
from lms.api.forms import NewTokenForm, RevokeTokenForm
from lms.api.models import SCOPE_LABELS, ApiToken, TokenScope
from lms.auth.forms import ChangePasswordForm, ProfileForm
from lms.core.unit_of_work import refusal_flashed, refusal_undone
from lms.db_types import utcnow
from lms.extensions import db

bp = Blueprint("api_tokens", __name__)


def new_token_form() -> NewTokenForm:
    """The form, prefixed: the account page's profile form has a `name` field too."""
    form = NewTokenForm(prefix="token")
    form.scopes.choices = [(scope.value, SCOPE_LABELS[scope]) for scope in tokens.allowed_scopes(current_user)]
    return form


@bp.app_context_processor
def _token_section():
    """What the account page's token section shows (lms/templates/api/_account_tokens.html)."""

    def api_token_section(form: NewTokenForm | None = None) -> dict:
        return {"tokens": tokens.tokens_of(current_user.id), "form": form or new_token_form(),
                "revoke_form": RevokeTokenForm(), "labels": SCOPE_LABELS, "now": utcnow()}

    return {"api_token_section": api_token_section}


@bp.post("/account/tokens")
@login_required
def create():
    form = new_token_form()
    if not form.validate_on_submit():
        return _account_with(form), 422
    now = utcnow()
    days = form.expires_in_days.data
    try:
        with refusal_undone():
            token, secret = tokens.create_token(
                current_user, name=form.name.data, scopes=[TokenScope(s) for s in form.scopes.data],
                expires_at=now + timedelta(days=days) if days else None, now=now)
    except tokens.TokenError as error:
        form.name.errors.append(str(error))
        return _account_with(form), 422
    return render_template("api/token_created.html", token=token, secret=secret, labels=SCOPE_LABELS), 201


def _account_with(form: NewTokenForm):
    """The account page again, with the token form's errors (the other forms empty)."""
    return render_template("auth/account.html", profile=ProfileForm(formdata=None, obj=current_user),
                           password_form=ChangePasswordForm(formdata=None), token_form=form)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    back = url_for("auth.account", _anchor="api-tokens-heading")
    with refusal_flashed(back):
        tokens.revoke_token(token, actor_id=current_user.id, now=utcnow())
    flash(_("The token %(name)s is revoked: it no longer works.", name=token.name), "success")
    return redirect(back)
