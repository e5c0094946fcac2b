"""Organisations' conditions for taking part, and which planned cycles suit them poorly.

A contact states when their members can come, the languages they can take a course in, how many
usually come together, and anything else in words. Before a cycle is published, the coordinator
sees which organisations it suits poorly, and why, so that the plan can still change. A condition
not stated is no condition: silence never counts against a cycle.

Functions flush but never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Iterable
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import Organisation
from lms.core.i18n import LANGUAGE_NAMES
from lms.core.unit_of_work import DomainError
from lms.extensions import db
from lms.needs.models import OrganisationConditions
from lms.planning.models import ClassSession, Cycle

#: where the evening begins: a session starting at or after it, on a weekday, is an evening session
EVENING_STARTS = time(17, 0)

DAY_PARTS = {
    "weekday_daytime": _l("weekdays, daytime (before 17:00)"),
    "weekday_evening": _l("weekday evenings (from 17:00)"),
    "weekend": _l("weekends"),
}

MEMBER_LANGUAGES = tuple(LANGUAGE_NAMES)
MAX_SEATS_NEEDED = 500


class ConditionsError(DomainError):
    """Conditions that cannot be saved as given; the message is for the contact."""


def conditions_of(organisation_id: int) -> OrganisationConditions | None:
    return db.session.get(OrganisationConditions, organisation_id)


def save_conditions(organisation_id: int, *, day_parts: Iterable[str], languages: Iterable[str],
                    seats_needed: int | None, note: str, actor_id: int, now: datetime) -> OrganisationConditions:
    parts, spoken = sorted(set(day_parts)), sorted(set(languages))
    if any(part not in DAY_PARTS for part in parts):
        raise ConditionsError(_l("Choose the times from the list."))
    if any(language not in MEMBER_LANGUAGES for language in spoken):
        raise ConditionsError(_l("Choose the languages from the list."))
    if seats_needed is not None and not 1 <= seats_needed <= MAX_SEATS_NEEDED:
        raise ConditionsError(_l("Say how many members usually come together (1 to %(most)d).",
                                 most=MAX_SEATS_NEEDED))
    conditions = conditions_of(organisation_id)
    if conditions is None:
        conditions = OrganisationConditions(organisation_id=organisation_id)
        db.session.add(conditions)
    conditions.day_parts, conditions.languages = parts, spoken
    conditions.seats_needed, conditions.note = seats_needed, note.strip()[:1000]
    conditions.updated_by_id, conditions.updated_at = actor_id, now
    db.session.flush()
    return conditions


# --- how well a cycle suits an organisation ------------------------------------------------------

def day_part(starts_at: datetime, zone: ZoneInfo) -> str:
    """The part of the week a session falls in, by its local start."""
    local = starts_at.astimezone(zone)
    if local.weekday() >= 5:
        return "weekend"
    return "weekday_evening" if local.time() >= EVENING_STARTS else "weekday_daytime"


@dataclass(frozen=True)
class PoorFit:
    """Why one organisation will find a cycle hard to take part in."""

    organisation: Organisation
    #: sessions at a time its members cannot come, of all the cycle's sessions
    sessions_outside: int
    sessions: int
    #: the parts of the week those sessions fall in
    parts_outside: tuple[str, ...]
    #: the course's language, when it is not one the members can take a course in
    language: str | None
    #: seats the members usually need, when the cycle has fewer
    seats_needed: int | None
    note: str

    @property
    def reasons(self) -> int:
        return (self.sessions_outside > 0) + (self.language is not None) + (self.seats_needed is not None)


def fit(cycle: Cycle, sessions: list[ClassSession], conditions: OrganisationConditions,
        zone: ZoneInfo) -> PoorFit | None:
    """How `cycle` (with its sessions) meets one organisation's conditions; None when it meets them all."""
    held = [s for s in sessions if not s.cancelled]
    outside = [s for s in held if conditions.day_parts and day_part(s.starts_at, zone) not in conditions.day_parts]
    language = (cycle.course.language if conditions.languages and cycle.course.language not in conditions.languages
                else None)
    seats = (conditions.seats_needed if conditions.seats_needed and cycle.capacity < conditions.seats_needed
             else None)
    result = PoorFit(
        organisation=conditions.organisation, sessions_outside=len(outside), sessions=len(held),
        parts_outside=tuple(p for p in DAY_PARTS if any(day_part(s.starts_at, zone) == p for s in outside)),
        language=language, seats_needed=seats, note=conditions.note,
    )
    return result if result.reasons else None


def poor_fits(cycle: Cycle, zone: ZoneInfo) -> list[PoorFit]:
    """The active organisations `cycle` suits poorly, most reasons first; `cycle.sessions` loaded."""
    stated = db.session.execute(
        select(OrganisationConditions).join(OrganisationConditions.organisation)
        .where(Organisation.active.is_(True))
        .options(joinedload(OrganisationConditions.organisation))
        .order_by(Organisation.name)
    ).scalars()
    found = [f for c in stated if (f := fit(cycle, list(cycle.sessions), c, zone)) is not None]
    return sorted(found, key=lambda f: -f.reasons)


def stated_count() -> int:
    """How many active organisations have stated their conditions."""
    return db.session.scalar(
        select(db.func.count()).select_from(OrganisationConditions).join(OrganisationConditions.organisation)
        .where(Organisation.active.is_(True))
    ) or 0
