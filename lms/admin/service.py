"""Rules for managing accounts and organisations; callers commit."""
from __future__ import annotations

from typing import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.audit.service import record_event
from lms.auth import service as accounts
from lms.auth.models import Organisation, Role, Sector, User
from lms.extensions import db
from lms.core.unit_of_work import DomainError


class AdminError(DomainError):
    """A change an administrator asked for that would break a rule; the message says which.

    `field` names the form field the rule is about, so that the page reports it there.
    """

    def __init__(self, message: object, field: str | None = None):
        super().__init__(message)
        self.field = field


def update_user(
    user: User,
    *,
    name: str,
    organisation_id: int | None,
    roles: Iterable[Role],
    locale: str,
    active: bool,
    actor: User,
) -> None:
    roles = set(roles)
    if user.id == actor.id and Role.ADMIN in user.roles and Role.ADMIN not in roles:
        raise AdminError(_l("You cannot take the administrator role from yourself."))
    if user.id == actor.id and not active:
        raise AdminError(_l("You cannot deactivate your own account."))
    user.name = name.strip()
    user.organisation_id = organisation_id
    user.locale = locale
    accounts.set_roles(user, roles, actor_id=actor.id)
    accounts.set_active(user, active, actor_id=actor.id)


def organisation_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Organisation.id, Organisation.name).order_by(Organisation.name)
    ).all()
    return [(row.id, row.name) for row in rows]


def organisations_with_member_counts() -> list[tuple[Organisation, int]]:
    members = (
        select(User.organisation_id, func.count(User.id).label("members"))
        .group_by(User.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, func.coalesce(members.c.members, 0))
        .outerjoin(members, members.c.organisation_id == Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [(organisation, count) for organisation, count in rows]


def save_organisation(
    organisation: Organisation | None,
    *,
    name: str,
    sector: Sector,
    organisation_number: str | None,
    contact_email: str | None,
    active: bool,
    actor_id: int | None,
) -> Organisation:
    name = name.strip()
    clash = db.session.execute(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    ).scalar_one_or_none()
    if clash is not None and (organisation is None or clash != organisation.id):
        raise AdminError(_l("An organisation called %(name)s already exists.", name=name), field="name")
    number = _normalise_number(organisation_number)
    if number is not None:
        owner = db.session.execute(
            select(Organisation.id).where(Organisation.organisation_number == number)
        ).scalar_one_or_none()
        if owner is not None and (organisation is None or owner != organisation.id):
            raise AdminError(_l("Another organisation has the number %(number)s.", number=number),
                             field="organisation_number")
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
    organisation.name = name
    organisation.sector = sector
    organisation.organisation_number = number
    organisation.contact_email = (contact_email or "").strip().lower() or None
    organisation.active = active
    db.session.flush()
    record_event(actor_id, "organisation.saved", "organisation", organisation.id, name=name)
    return organisation


def _normalise_number(number: str | None) -> str | None:
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else None
