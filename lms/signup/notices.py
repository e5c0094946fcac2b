"""Telling the people who decide account requests that one is waiting.

`request_account` only stores the request (and its audit event) in the transaction of the public
form; this tick, run by the scheduler every minute, turns each new request into a message to
every person who may decide it. Rendering a mail per decider inside the anonymous form's request
would make a stored request measurably slower than a silently refused one (an address that has
an account), and would let the public page's cost grow with the number of staff.

Safe to run twice: one dedupe key per request and person, and the ones already told are left out
in SQL.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import Role, User, UserRole
from lms.extensions import db
from lms.notifications.compose import Notice, absolute_url, deliver
from lms.notifications.kinds import Kind
from lms.notifications.models import Notification
from lms.signup import service
from lms.signup.models import AccountRequest, AccountRequestStatus

KEY = "account_request:"


def notice_key(request_id: int, user_id: int) -> str:
    return f"{KEY}{request_id}:user:{user_id}"


def untold(now: datetime, since: datetime) -> list[tuple[AccountRequest, User]]:
    """Pending requests of [since, now] and the active people who may decide them, not yet told.

    Four queries whatever the numbers: the requests (nothing more when there are none), the people
    who may decide some of them with their roles, and the pairs not yet told (the deciders are
    found first, so the dedupe keys are probed for them only, not for every user).
    """
    pending = (AccountRequest.status == AccountRequestStatus.PENDING, AccountRequest.requested_at >= since,
               AccountRequest.requested_at <= now)
    requests = db.session.execute(
        select(AccountRequest).where(*pending).options(joinedload(AccountRequest.organisation))
        .order_by(AccountRequest.id)
    ).scalars().all()
    if not requests:
        return []
    deciders = _deciders(sorted({r.organisation_id for r in requests if r.organisation_id is not None}))
    if not deciders:
        return []
    key = (sa.literal(KEY) + sa.cast(AccountRequest.id, sa.String) + sa.literal(":user:")
           + sa.cast(User.id, sa.String))
    told = select(Notification.id).where(Notification.dedupe_key == key).exists()
    untold_pairs = {(request_id, user_id) for request_id, user_id in db.session.execute(
        select(AccountRequest.id, User.id).join_from(AccountRequest, User, User.id.in_([u.id for u in deciders]))
        .where(*pending, ~told))}
    return [(request, user) for request in requests for user in deciders
            if (request.id, user.id) in untold_pairs and service.can_decide(user, request)]


def _deciders(organisation_ids: list[int]) -> list[User]:
    """Active admins and coordinators, and the contacts of these organisations."""
    everything = select(UserRole.user_id).where(UserRole.role.in_([Role.ADMIN, Role.COORDINATOR]))
    contacts = select(UserRole.user_id).where(UserRole.role == Role.ORGANISATION_CONTACT)
    return list(db.session.execute(
        select(User).where(User.active.is_(True), User.anonymised_at.is_(None),
                           sa.or_(User.id.in_(everything),
                                  sa.and_(User.organisation_id.in_(organisation_ids), User.id.in_(contacts))))
        .options(selectinload(User.role_grants))  # can_decide reads each one's roles
        .order_by(User.id)
    ).scalars())


def account_request_notice(request: AccountRequest, user_id: int, link: str) -> Notice:
    """Only what the decider sees on the requests page: name, e-mail, organisation and message."""
    context = {"requester": " ".join(request.name.split()), "email": request.email,
               "organisation": request.organisation.name if request.organisation else None,
               "message": request.message}
    return Notice(Kind.ACCOUNT_REQUEST, notice_key(request.id, user_id), "signup/account_request", context, link)


def queue_account_request_notices(now: datetime, *, since: datetime | None = None) -> int:
    """The tick: a message to each decider of each new pending request; the number queued.

    Requests older than LMS_NOTICE_LOOKBACK_HOURS (or `since`) are left alone: after a long
    scheduler outage they are on the requests page, and a person given a role later is not told
    of old ones.
    """
    if since is None:
        since = now - timedelta(hours=current_app.config["LMS_NOTICE_LOOKBACK_HOURS"])
    pairs = untold(now, since)
    if not pairs:
        return 0
    link = absolute_url("signup.requests")
    return sum(deliver(user, account_request_notice(request, user.id, link), now=now) for request, user in pairs)
