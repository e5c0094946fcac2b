"""Feedback from visitors, and erasure: who may erase themselves, requests for the rest."""
from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.core.search import any_contains_text
from lms.audit.service import record_event
from lms.auth.models import Role, User, UserRole
from lms.extensions import db
from lms.privacy.erasure import ErasureError, erase_user
from lms.privacy.models import ErasureRequest, ErasureStatus, FeedbackMessage

#: accounts with these roles are erased by an admin, after a request: the center may need to hand
#: over their work first (cycles they plan or teach, accounts they administer)
STAFF_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER})


def may_erase_themselves(user: User) -> bool:
    return not user.roles & STAFF_ROLES


def erase_myself(user: User, *, now: datetime) -> None:
    if not may_erase_themselves(user):
        raise ErasureError(_l("Accounts of staff are erased by an administrator: ask for it below."))
    erase_user(user.id, actor_id=user.id, now=now, why="self")


def pending_request(user_id: int) -> ErasureRequest | None:
    return db.session.execute(select(ErasureRequest).where(
        ErasureRequest.user_id == user_id, ErasureRequest.status == ErasureStatus.PENDING)).scalar_one_or_none()


def request_erasure(user_id: int, *, now: datetime) -> ErasureRequest:
    """Ask the admins to erase the account (once: a second request finds the first)."""
    found = pending_request(user_id)
    if found is not None:
        return found
    request = ErasureRequest(user_id=user_id, requested_at=now)
    db.session.add(request)
    db.session.flush()
    record_event(user_id, "privacy.erasure_requested", "erasure_request", request.id)
    return request


def decide_request(request: ErasureRequest, *, erase: bool, actor_id: int, now: datetime, reason: str = "") -> None:
    if request.status is not ErasureStatus.PENDING:
        raise ErasureError(_l("This request is already decided."))
    if erase:
        erase_user(request.user_id, actor_id=actor_id, now=now, why="request")  # closes the request
        return
    if not reason.strip():
        raise ErasureError(_l("Say why the request is declined."))
    request.change_status(ErasureStatus.DECLINED)
    request.decided_at, request.decided_by_id, request.reason = now, actor_id, reason.strip()[:2000]
    record_event(actor_id, "privacy.erasure_declined", "erasure_request", request.id)


def erasure_requests() -> list[ErasureRequest]:
    """Pending first, then the decided ones, newest first."""
    return list(db.session.execute(
        select(ErasureRequest).options(joinedload(ErasureRequest.user))
        .order_by(ErasureRequest.status != ErasureStatus.PENDING, ErasureRequest.requested_at.desc())
        .limit(200)
    ).scalars())


def find_person(text: str) -> list[User]:
    """Accounts whose e-mail or name contains `text` (for the admin's search)."""
    return list(db.session.execute(
        select(User).where(any_contains_text(text.strip(), User.email, User.name))
        .options(joinedload(User.organisation)).order_by(User.name, User.id).limit(50)
    ).scalars())


# --- feedback ------------------------------------------------------------------------------------

def send_feedback(*, message: str, name: str, email: str, page: str, user_id: int | None,
                  now: datetime) -> FeedbackMessage:
    """Store the message and queue one e-mail to each active admin (sent after the commit)."""
    feedback = FeedbackMessage(message=message.strip(), name=name.strip()[:200], email=email.strip().lower()[:254],
                               page=page.strip()[:500], user_id=user_id, created_at=now)
    db.session.add(feedback)
    db.session.flush()
    _mail_admins(feedback, now)
    return feedback


def _mail_admins(feedback: FeedbackMessage, now: datetime) -> None:
    from lms.notifications.outbox import Email, queue_email

    admins = db.session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN, User.active.is_(True), User.anonymised_at.is_(None))
    ).scalars().all()
    for admin in admins:
        locale = admin.locale if admin.locale in current_app.config["LMS_LOCALES"] else "sv"
        with force_locale(locale):
            subject = str(_l("Feedback about the website"))
            text = render_template("privacy/feedback_email.txt", feedback=feedback)
        queue_email(Email(recipient=admin.email, subject=subject, text=text, locale=locale),
                    kind="feedback", dedupe_key=f"feedback:{feedback.id}:admin:{admin.id}",
                    user_id=admin.id, now=now)


def feedback_messages(limit: int = 200) -> list[FeedbackMessage]:
    return list(db.session.execute(
        select(FeedbackMessage).order_by(FeedbackMessage.handled_at.is_not(None), FeedbackMessage.created_at.desc())
        .limit(limit)
    ).scalars())


def mark_handled(feedback: FeedbackMessage, *, actor_id: int, now: datetime) -> None:
    if feedback.handled_at is None:
        feedback.handled_at, feedback.handled_by_id = now, actor_id
