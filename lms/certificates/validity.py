"""How long a certificate is valid: its period, worked out at issue and never rewritten.

`start_period` is called when a certificate is issued: it reads the course's `validity`
(course.yaml, lms/catalog/validity.py), finds the period this certificate renews (the learner's
latest one of the course it refreshes, inside its window or after its end, not renewed yet) and
adds the new period. `validity_of` and `validities_of` say where a certificate stands at a moment:
valid (until), expiring soon (its window is open), expired (on), renewed (by which certificate) or
revoked (why); what they return (`Validity`) is plain values, also for the Open Badges credential.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.catalog.models import Course
from lms.catalog.validity import renewing_slug
from lms.certificates.models import Certificate, CertificateValidityPeriod, ExpiryBasis
from lms.extensions import db
from lms.planning.service import local_zone


class Status(str, enum.Enum):
    VALID = "valid"
    EXPIRING_SOON = "expiring_soon"
    EXPIRED = "expired"
    RENEWED = "renewed"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Validity:
    certificate_id: int
    status: Status
    valid_from: datetime
    valid_until: datetime | None  # None: valid without end
    window_opens_at: datetime | None = None
    renewed_by_code: str | None = None
    revoke_reason: str | None = None
    revoked_at: datetime | None = None
    course_id: int | None = None
    renewed_by_quiz: bool = False  # its latest period was added by a passed renewal quiz

    @property
    def last_day(self) -> date | None:
        """The last day it is valid, in the center's time zone (what "valid until" shows)."""
        return last_valid_day(self.valid_until)

    @property
    def current(self) -> bool:
        return self.status in (Status.VALID, Status.EXPIRING_SOON)


def last_valid_day(valid_until: datetime | None) -> date | None:
    if valid_until is None:
        return None
    return (valid_until - timedelta(seconds=1)).astimezone(local_zone()).date()


# --- working out a new period ---------------------------------------------------------------------

def _start_of_day_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=local_zone())


def next_fixed_date(earliest: datetime, month_day: str) -> datetime:
    """The end of the first day MM-DD on or after `earliest` (local time)."""
    month, day = (int(part) for part in month_day.split("-"))
    local = earliest.astimezone(local_zone()).date()
    for year in (local.year, local.year + 1, local.year + 2):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 02-29 in a common year: the last day of February
            candidate = date(year, 3, 1) - timedelta(days=1)
        if candidate >= local:
            return _start_of_day_after(candidate)
    raise AssertionError("unreachable")


def period_end(rule: dict, start: datetime, previous: CertificateValidityPeriod | None) -> tuple[datetime, ExpiryBasis]:
    """The end of a period that starts at `start` under the course's rule, and the basis used."""
    months = int(rule["months"])
    basis = rule.get("expiry_from", "completion")
    if basis == "fixed_date":
        earliest = start + relativedelta(months=int(rule.get("minimum_months") or 0))
        return next_fixed_date(earliest, rule["fixed_date"]), ExpiryBasis.FIXED_DATE
    if basis == "previous_expiry" and previous is not None and previous.valid_until is not None \
            and previous.valid_until > start:
        return previous.valid_until + relativedelta(months=months), ExpiryBasis.PREVIOUS_EXPIRY
    return start + relativedelta(months=months), ExpiryBasis.COMPLETION


def start_period(certificate: Certificate, now: datetime) -> CertificateValidityPeriod | None:
    """The period of a certificate just issued, or None when its course sets no validity and renews
    nothing: such a certificate is valid from its issue, without end."""
    course = certificate.cycle.course
    previous = renewable_period(certificate.user_id, course, now)
    certified = db.session.get(Course, previous.course_id) if previous is not None else course
    rule = certified.validity
    if not rule:
        return None
    until, basis = period_end(rule, now, previous)
    period = CertificateValidityPeriod(
        certificate_id=certificate.id, user_id=certificate.user_id, course_id=certified.id, valid_from=now,
        valid_until=until, window_opens_at=until - timedelta(days=int(rule.get("window_days") or 0)),
        basis=basis, renews_period_id=previous.id if previous is not None else None, created_at=now)
    db.session.add(period)
    db.session.flush()
    return period


def courses_renewed_by(course: Course) -> list[Course]:
    """The courses whose certificates `course` renews: itself (when it has a validity) and those
    that name it as their refresher."""
    courses = db.session.execute(select(Course).where(Course.validity.is_not(None))).scalars().all()
    return [c for c in courses if renewing_slug(c.slug, c.validity) == course.slug]


def renewable_period(user_id: int, course: Course, now: datetime) -> CertificateValidityPeriod | None:
    """The learner's latest period that a certificate of `course` renews: of a course it renews,
    its window open (or already ended), not renewed yet, its certificate not revoked."""
    course_ids = [c.id for c in courses_renewed_by(course)]
    if not course_ids:
        return None
    later = aliased(CertificateValidityPeriod)
    return db.session.execute(
        select(CertificateValidityPeriod)
        .join(Certificate, Certificate.id == CertificateValidityPeriod.certificate_id)
        .where(CertificateValidityPeriod.user_id == user_id, CertificateValidityPeriod.course_id.in_(course_ids),
               Certificate.revoked_at.is_(None), CertificateValidityPeriod.window_opens_at <= now,
               ~select(later.id).where(later.renews_period_id == CertificateValidityPeriod.id).exists())
        .order_by(CertificateValidityPeriod.valid_until.desc()).limit(1)
    ).scalar_one_or_none()


def period_of(certificate: Certificate) -> CertificateValidityPeriod | None:
    """The certificate's validity: its latest period (a quiz renewal adds one to the same certificate)."""
    return db.session.execute(select(CertificateValidityPeriod).where(
        CertificateValidityPeriod.certificate_id == certificate.id)
        .order_by(CertificateValidityPeriod.valid_from.desc(), CertificateValidityPeriod.id.desc()).limit(1)
    ).scalar_one_or_none()


def history_of(certificate: Certificate) -> list[CertificateValidityPeriod]:
    """Every period of the certificate, the first first (the history, never rewritten)."""
    return list(db.session.execute(select(CertificateValidityPeriod).where(
        CertificateValidityPeriod.certificate_id == certificate.id)
        .order_by(CertificateValidityPeriod.valid_from, CertificateValidityPeriod.id)).scalars())


# --- where a certificate stands -------------------------------------------------------------------

def validity_of(certificate: Certificate, now: datetime) -> Validity:
    return validities_of([certificate], now)[certificate.id]


def validities_of(certificates: Iterable[Certificate], now: datetime) -> dict[int, Validity]:
    """Each certificate's standing, by id, in two queries however many there are (also none: a page
    makes as many queries whatever its data)."""
    certificates = list(certificates)
    ids = [c.id for c in certificates]
    periods = {p.certificate_id: p for p in db.session.execute(  # the latest of each certificate wins
        select(CertificateValidityPeriod).where(CertificateValidityPeriod.certificate_id.in_(ids))
        .order_by(CertificateValidityPeriod.valid_from, CertificateValidityPeriod.id)
    ).scalars()}
    renewals = _renewals_of([p.id for p in periods.values()])
    return {c.id: _standing(c, periods.get(c.id), renewals, now) for c in certificates}


def _renewals_of(period_ids: list[int]) -> dict[int, str]:
    """The code of the (not revoked) certificate that renewed each period, by the renewed period's id."""
    rows = db.session.execute(
        select(CertificateValidityPeriod.renews_period_id, Certificate.code)
        .join(Certificate, Certificate.id == CertificateValidityPeriod.certificate_id)
        .where(CertificateValidityPeriod.renews_period_id.in_(period_ids), Certificate.revoked_at.is_(None))
    ).all()
    return {period_id: code for period_id, code in rows}


def _standing(certificate: Certificate, period: CertificateValidityPeriod | None, renewals: dict[int, str],
              now: datetime) -> Validity:
    values = dict(certificate_id=certificate.id, valid_from=period.valid_from if period else certificate.issued_at,
                  valid_until=period.valid_until if period else None,
                  window_opens_at=period.window_opens_at if period else None,
                  course_id=period.course_id if period else None,
                  renewed_by_quiz=period is not None and period.quiz_attempt_id is not None)
    if certificate.revoked_at is not None:
        return Validity(status=Status.REVOKED, revoke_reason=certificate.revoke_reason,
                        revoked_at=certificate.revoked_at, **values)
    if period is not None and period.id in renewals:
        return Validity(status=Status.RENEWED, renewed_by_code=renewals[period.id], **values)
    return Validity(status=status_at(period, now), **values)


def status_at(period: CertificateValidityPeriod | None, now: datetime) -> Status:
    if period is None or period.valid_until is None:
        return Status.VALID
    if now >= period.valid_until:
        return Status.EXPIRED
    if period.window_opens_at is not None and now >= period.window_opens_at:
        return Status.EXPIRING_SOON
    return Status.VALID
