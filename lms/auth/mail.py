"""The account e-mails: invitations and password-reset links."""
from __future__ import annotations

from flask import current_app, url_for

from lms.auth.models import User
from lms.notifications.mail import render_email, send_email


def _absolute(endpoint: str, **values) -> str:
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)


def send_invitation(user: User, token: str) -> None:
    link = _absolute("auth.accept_invitation", token=token)
    days = current_app.config["LMS_INVITATION_DAYS"]
    subject, text, html = render_email("invitation", user.locale, user=user, link=link, days=days)
    send_email(user.email, subject, text, html, kind="invitation", secret=token, user_id=user.id,
               locale=user.locale)


def send_password_reset(user: User, token: str) -> None:
    link = _absolute("auth.reset_password", token=token)
    minutes = current_app.config["LMS_PASSWORD_RESET_MINUTES"]
    subject, text, html = render_email(
        "password_reset", user.locale, user=user, link=link, minutes=minutes
    )
    send_email(user.email, subject, text, html, kind="password_reset", secret=token,
               user_id=user.id, locale=user.locale)
