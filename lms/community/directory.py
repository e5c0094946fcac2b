"""The opt-in directory: people and organisations appear only after consenting, and can withdraw.

Withdrawing unlists at once and erases what the profile said; only the times of consent and
withdrawal remain, as a record that the consent was given and taken back. Functions flush but
never commit.
"""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.core.search import any_contains_text
from lms.audit.service import record_event
from lms.auth.models import Organisation, User
from lms.community.models import DirectoryOrganisation, DirectoryProfile
from lms.extensions import db
from lms.core.unit_of_work import DomainError

ABOUT_LIMIT = 1000


class DirectoryError(DomainError):
    """A directory request that breaks a rule; the message is for the person."""


def profile_of(user_id: int) -> DirectoryProfile | None:
    return db.session.get(DirectoryProfile, user_id)


def save_profile(user_id: int, *, about: str, topics: str, show_email: bool, consent: bool,
                 now: datetime) -> DirectoryProfile:
    """List the person with this profile; `consent` must be given (ticked) every time it is saved."""
    if not consent:
        raise DirectoryError(_l("Tick the box to agree to be listed, or you will not appear."))
    profile = profile_of(user_id)
    if profile is None:
        profile = DirectoryProfile(user_id=user_id)
        db.session.add(profile)
    if not profile.listed:
        profile.consented_at, profile.withdrawn_at = now, None
        record_event(user_id, "directory.consented", "user", user_id)
    profile.listed = True
    profile.about, profile.topics = about.strip()[:ABOUT_LIMIT], " ".join(topics.split())[:300]
    profile.show_email, profile.updated_at = show_email, now
    db.session.flush()
    return profile


def withdraw_profile(user_id: int, *, now: datetime) -> bool:
    """Leave the directory at once; what the profile said is erased."""
    profile = profile_of(user_id)
    if profile is None or not profile.listed:
        return False
    profile.listed, profile.about, profile.topics, profile.show_email = False, "", "", False
    profile.withdrawn_at = profile.updated_at = now
    db.session.flush()
    record_event(user_id, "directory.withdrawn", "user", user_id)
    return True


def organisation_profile_of(organisation_id: int) -> DirectoryOrganisation | None:
    return db.session.get(DirectoryOrganisation, organisation_id)


def _website(value: str) -> str:
    value = value.strip()
    if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
        raise DirectoryError(_l("Give the website as an address starting with https://."))
    return value[:300]


def save_organisation_profile(organisation_id: int, *, actor_id: int, about: str, website: str,
                              consent: bool, now: datetime) -> DirectoryOrganisation:
    """List the organisation, with its contact's consent."""
    if not consent:
        raise DirectoryError(_l("Tick the box to agree to list the organisation."))
    site = _website(website)
    profile = organisation_profile_of(organisation_id)
    if profile is None:
        profile = DirectoryOrganisation(organisation_id=organisation_id)
        db.session.add(profile)
    if not profile.listed:
        profile.consented_at, profile.withdrawn_at, profile.consented_by_id = now, None, actor_id
        record_event(actor_id, "directory.organisation_consented", "organisation", organisation_id)
    profile.listed, profile.about, profile.website = True, about.strip()[:ABOUT_LIMIT], site
    profile.updated_at = now
    db.session.flush()
    return profile


def withdraw_organisation_profile(organisation_id: int, *, actor_id: int, now: datetime) -> bool:
    profile = organisation_profile_of(organisation_id)
    if profile is None or not profile.listed:
        return False
    profile.listed, profile.about, profile.website = False, "", ""
    profile.withdrawn_at = profile.updated_at = now
    db.session.flush()
    record_event(actor_id, "directory.organisation_withdrawn", "organisation", organisation_id)
    return True


def _matches(text: str, *columns):  # type: ignore[no-untyped-def]
    return any_contains_text(text, *columns)


def listed_people(text: str = "") -> list[DirectoryProfile]:
    """People who consented, with their organisations, by name; `text` searches what they wrote."""
    query = (select(DirectoryProfile).join(User, User.id == DirectoryProfile.user_id)
             .outerjoin(Organisation, Organisation.id == User.organisation_id)
             .options(joinedload(DirectoryProfile.user).joinedload(User.organisation))
             .where(DirectoryProfile.listed.is_(True), User.active.is_(True), User.anonymised_at.is_(None))
             .order_by(User.name, User.id))
    if text:
        query = query.where(_matches(text, User.name, DirectoryProfile.about, DirectoryProfile.topics,
                                     Organisation.name))
    return list(db.session.execute(query).scalars())


def listed_organisations(text: str = "") -> list[DirectoryOrganisation]:
    query = (select(DirectoryOrganisation)
             .join(Organisation, Organisation.id == DirectoryOrganisation.organisation_id)
             .options(joinedload(DirectoryOrganisation.organisation))
             .where(DirectoryOrganisation.listed.is_(True), Organisation.active.is_(True))
             .order_by(Organisation.name))
    if text:
        query = query.where(_matches(text, Organisation.name, DirectoryOrganisation.about))
    return list(db.session.execute(query).scalars())
