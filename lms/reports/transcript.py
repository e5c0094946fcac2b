"""A learner's transcript: every completed cycle and every certificate, as a page and a PDF.

The PDF is rendered like the certificates (lms/certificates/rendering.py): from plain values,
through the design folder `certificates/transcript/`, with the fetcher that refuses anything
outside that folder and the process's shared FontConfiguration.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.catalog.labels import sdg_name
from lms.catalog.queries import with_topics
from lms.certificates.codes import display
from lms.certificates.models import Certificate
from lms.core.formatting import number_text
from lms.core.i18n import text_direction
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.planning.models import Cycle
from lms.planning.queries import session_spans
from lms.planning.service import local_zone
from lms.reports.queries import enrolment_tallies

DESIGN = "transcript"


@dataclass(frozen=True)
class Entry:
    course_title: str
    cycle_title: str
    first_day: date | None
    last_day: date | None
    hours: float
    competence_areas: list[str]
    sdgs: list[int]
    completed: bool
    certificate_code: str | None  # as printed, grouped
    certificate_issued_on: date | None
    certificate_revoked: bool


@dataclass(frozen=True)
class Transcript:
    name: str
    entries: list[Entry]

    @property
    def total_hours(self) -> float:
        return round(sum(e.hours for e in self.entries if e.completed or e.certificate_code), 1)


def transcript(user: User, now: datetime) -> Transcript:
    """Completed cycles and certificates (revoked ones marked), most recent first."""
    enrolments = {e.cycle_id: e for e in db.session.execute(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.status == EnrolmentStatus.COMPLETED)
    ).scalars()}
    certificates = {c.cycle_id: c for c in db.session.execute(
        select(Certificate).where(Certificate.user_id == user.id)
    ).scalars()}
    cycle_ids = sorted(set(enrolments) | set(certificates))
    cycles = db.session.execute(
        select(Cycle).where(Cycle.id.in_(cycle_ids)).options(*with_topics(joinedload(Cycle.course)))
    ).scalars().all() if cycle_ids else []
    spans = session_spans(cycle_ids)
    tallies = enrolment_tallies([e.id for e in enrolments.values()], now, None, None)
    entries = [_entry(cycle, enrolments.get(cycle.id), certificates.get(cycle.id), spans[cycle.id], tallies)
               for cycle in cycles]
    entries.sort(key=lambda e: (e.last_day or date.min, e.course_title), reverse=True)
    return Transcript(name=user.name, entries=entries)


def _entry(cycle: Cycle, enrolment, certificate, span, tallies) -> Entry:  # type: ignore[no-untyped-def]
    zone = local_zone()
    if certificate is not None:  # what the certificate states is what was certified
        hours = float(certificate.snapshot.get("hours_attended", 0))
    else:
        hours = round(tallies[enrolment.id].minutes / 60, 1) if enrolment and enrolment.id in tallies else 0.0
    return Entry(
        course_title=cycle.course.title, cycle_title=cycle.title,
        first_day=span.first_starts_at.astimezone(zone).date() if span.first_starts_at else None,
        last_day=span.last_ends_at.astimezone(zone).date() if span.last_ends_at else None,
        hours=hours, competence_areas=cycle.course.area_names, sdgs=cycle.course.sdgs,
        completed=enrolment is not None,
        certificate_code=display(certificate.code) if certificate else None,
        certificate_issued_on=certificate.issued_at.astimezone(zone).date() if certificate else None,
        certificate_revoked=bool(certificate and certificate.revoked),
    )


def pdf_values(record: Transcript, now: datetime, locale: str) -> dict[str, Any]:
    """Plain values for the design: the entries, translated labels and dates as text."""
    with force_locale(locale):
        texts = {
            "title": _("Transcript"), "course": _("Course"), "cycle": _("Cycle"), "dates": _("Dates"),
            "hours": _("Hours"), "areas": _("Competence areas"), "goals": _("Sustainable development goals"),
            "certificate": _("Certificate"), "revoked": _("revoked"), "completed": _("completed"),
            "total": _("Hours in completed courses"), "issued": _("Issued on %(date)s",
                                                                 date=format_date(now, "long")),
            "none": _("No completed courses yet."), "verify": _("Certificates can be checked at"),
        }
        entries = [dict(asdict(e), dates=_dates(e), hours=number_text(e.hours),
                        sdgs=[f"{g}. {sdg_name(g)}" for g in e.sdgs]) for e in record.entries]
        total_hours = number_text(record.total_hours)
    return {"name": record.name, "entries": entries, "total_hours": total_hours, "t": texts,
            "lang": locale, "dir": text_direction(locale), "issuer": current_app.config["LMS_CERTIFICATE_ISSUER"],
            "verify_url": current_app.config["LMS_BASE_URL"].rstrip("/") + "/verify"}


def _dates(entry: Entry) -> str:
    if entry.first_day is None:
        return ""
    return f"{format_date(entry.first_day, 'medium')} – {format_date(entry.last_day, 'medium')}"


def transcript_pdf(record: Transcript, now: datetime, locale: str) -> bytes:
    from lms.certificates.rendering import Design, render_html, write_pdf

    design = Design.load(Path(current_app.config["LMS_CERTIFICATE_DESIGNS_DIR"]), DESIGN)
    return write_pdf(design, render_html(design, pdf_values(record, now, locale)))
