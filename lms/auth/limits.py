"""The log-in limits and the known-device cookie (docs/security.md).

Three limits count *failed* log-ins (a wrong password, an unknown address), never a form with
errors or a successful log-in:

- per client address and account (`LMS_LOGIN_RATE_LIMIT`): refuses that pair, so one address
  cannot go on guessing one person's password;
- per client address (`LMS_LOGIN_CLIENT_RATE_LIMIT`, higher, because the center's wifi is shared):
  refuses that address, so one address cannot guess many people's passwords;
- per account from every address (`LMS_LOGIN_ACCOUNT_RATE_LIMIT`, much higher): throttles the
  account against guessing spread over many addresses, but does not apply on a known device (one
  where this person logged in before, or chose a password through an e-mailed link), so that
  nobody can lock the owner out; the password-reset link keeps working in any case.

Every account key is `email_key`, the address normalised as the account is looked up.
"""
from __future__ import annotations

from flask import Response, current_app, g, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from lms.auth import service
from lms.auth.models import User

DEVICE_COOKIE = "lms_device"
DEVICE_DAYS = 180
DEVICE_ACCOUNTS = 10  # accounts remembered per device (a shared computer at the center)


def login_pair_limit() -> str:
    return current_app.config["LMS_LOGIN_RATE_LIMIT"]


def login_client_limit() -> str:
    return current_app.config["LMS_LOGIN_CLIENT_RATE_LIMIT"]


def login_account_limit() -> str:
    return current_app.config["LMS_LOGIN_ACCOUNT_RATE_LIMIT"]


def submitted_account() -> str:
    """Limit key: the account named by the form's e-mail field, normalised."""
    return "account:" + service.email_key(request.form.get("email"))


def submitted_account_and_client() -> str:
    """Limit key: the account named by the form, from this client address."""
    return f"{submitted_account()}|client:{get_remote_address()}"


def count_failed_login(response: Response) -> bool:
    """deduct_when: only a log-in the view marked as failed counts."""
    return bool(g.get("login_failed"))


def mark_failed_login() -> None:
    g.login_failed = True


def count_real_attempt(response: Response) -> bool:
    """deduct_when: only a submission that passed the form's checks counts (see `mark_attempt`)."""
    return bool(g.get("real_attempt"))


def mark_attempt() -> None:
    """Called by a view once its form is valid, so that a form with errors uses up no attempt."""
    g.real_attempt = True


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms.known-device")


def _device_entries() -> list[list]:
    try:
        entries = _serializer().loads(request.cookies.get(DEVICE_COOKIE, ""), max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, list) and len(entry) == 2]


def is_known_device() -> bool:
    """exempt_when: the device holds a signed mark for the account named by the form.

    The mark is bound to the password (its fingerprint), so a new password forgets every device.
    """
    user = service.find_user_by_email(request.form.get("email") or "")
    if user is None:
        return False
    return [user.id, service.password_fingerprint(user)] in _device_entries()


def remember_device(response: Response, user: User) -> Response:
    """Mark this device as known for `user` (after a log-in or a password chosen from a link)."""
    entries = [entry for entry in _device_entries() if entry[0] != user.id]
    entries.insert(0, [user.id, service.password_fingerprint(user)])
    response.set_cookie(
        DEVICE_COOKIE, _serializer().dumps(entries[:DEVICE_ACCOUNTS]), max_age=DEVICE_DAYS * 86400,
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
    return response
