"""Sign-up rules: who gets an account at once, who waits for approval, and who decides.

Nothing here tells a visitor whether an e-mail already has an account: the callers give the same
answer either way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from lms.audit.service import record_event
from lms.auth.models import Organisation, Role, User
from lms.auth.service import create_user, find_user_by_email, normalise_email
from lms.catalog.models import Course
from lms.extensions import db
from lms.planning.queries import CycleOffer, upcoming_cycles_for_courses
from lms.signup.models import AccountRequest, AccountRequestStatus
from lms.core.unit_of_work import DomainError

MODES = ("approval", "open", "off")


class SignupError(DomainError):
    """A sign-up decision that cannot be made."""


@dataclass(frozen=True)
class PublicOffer:
    course_title: str
    offer: CycleOffer


def signup_mode() -> str:
    mode = current_app.config.get("LMS_SIGNUP", "approval")
    return mode if mode in MODES else "off"


def active_organisations() -> list[Organisation]:
    return list(db.session.execute(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)).scalars())


def _checked_organisation(organisation_id: int | None) -> int | None:
    """Only an active organisation may be chosen; anything else counts as none."""
    if not organisation_id:
        return None
    organisation = db.session.get(Organisation, organisation_id)
    return organisation.id if organisation is not None and organisation.active else None


def request_account(*, name: str, email: str, organisation_id: int | None, message: str, locale: str,
                    now: datetime) -> AccountRequest | None:
    """Store a request; None (silently) when the e-mail has an account or a pending request already."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None or _pending_for(email) is not None:
        return None
    request = AccountRequest(name=name.strip(), email=email, organisation_id=_checked_organisation(organisation_id),
                             message=message.strip(), locale=locale, requested_at=now)
    db.session.add(request)
    db.session.flush()
    record_event(None, "account_request.created", "account_request", request.id, email=email)
    return request


def _pending_for(email: str) -> AccountRequest | None:
    return db.session.execute(select(AccountRequest).where(
        AccountRequest.email == email, AccountRequest.status == AccountRequestStatus.PENDING)).scalars().first()


def register_openly(*, name: str, email: str, organisation_id: int | None, locale: str) -> User | None:
    """Open self-registration: a learner account without a password; None when the e-mail is taken."""
    if find_user_by_email(email) is not None:
        return None
    return create_user(email, name, roles=(Role.LEARNER,), organisation_id=_checked_organisation(organisation_id),
                       locale=locale)


def can_decide(user: User, request: AccountRequest) -> bool:
    """Coordinators decide every request; an organisation contact those naming their organisation."""
    if user.has_role(Role.ADMIN, Role.COORDINATOR):
        return True
    return (user.has_role(Role.ORGANISATION_CONTACT) and user.organisation_id is not None
            and request.organisation_id == user.organisation_id)


def pending_requests_for(user: User) -> list[AccountRequest]:
    query = (select(AccountRequest).options(joinedload(AccountRequest.organisation))
             .where(AccountRequest.status == AccountRequestStatus.PENDING)
             .order_by(AccountRequest.requested_at, AccountRequest.id))
    if not user.has_role(Role.ADMIN, Role.COORDINATOR):
        if user.organisation_id is None:
            return []
        query = query.where(AccountRequest.organisation_id == user.organisation_id)
    return list(db.session.execute(query).scalars())


def _decide(request: AccountRequest, status: AccountRequestStatus, *, actor_id: int, now: datetime) -> None:
    """Move a pending request on, once: a second decision (e.g. two people at once) is refused."""
    changed = db.session.execute(
        update(AccountRequest)
        .where(AccountRequest.id == request.id, AccountRequest.status == AccountRequestStatus.PENDING)
        .values(status=status, decided_at=now, decided_by_id=actor_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise SignupError(_l("This request has already been decided."))
    db.session.refresh(request)


def approve(request: AccountRequest, *, actor_id: int, now: datetime) -> User:
    """Create the learner account the request asked for; the caller sends the invitation after the commit."""
    if find_user_by_email(request.email) is not None:
        raise SignupError(_l("An account for %(email)s already exists.", email=request.email))
    _decide(request, AccountRequestStatus.APPROVED, actor_id=actor_id, now=now)
    user = create_user(request.email, request.name, roles=(Role.LEARNER,),
                       organisation_id=_checked_organisation(request.organisation_id),
                       locale=request.locale, actor_id=actor_id)
    request.user_id = user.id
    record_event(actor_id, "account_request.approved", "account_request", request.id, user_id=user.id)
    return user


def decline(request: AccountRequest, *, actor_id: int, now: datetime) -> None:
    _decide(request, AccountRequestStatus.DECLINED, actor_id=actor_id, now=now)
    record_event(actor_id, "account_request.declined", "account_request", request.id)


def upcoming_offers(now: datetime, limit: int = 6) -> list[PublicOffer]:
    """The cycles of published courses that start soonest, for the public home page."""
    titles = dict(db.session.execute(select(Course.id, Course.title).where(Course.published.is_(True))).all())
    if not titles:
        return []
    offers = [offer for course_offers in upcoming_cycles_for_courses(list(titles), now).values()
              for offer in course_offers if offer.first_starts_at is not None and offer.first_starts_at > now]
    offers.sort(key=lambda offer: (offer.first_starts_at, offer.id))
    return [PublicOffer(titles[offer.course_id], offer) for offer in offers[:limit]]
