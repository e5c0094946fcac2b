"""Certificate PDFs and Open Badges: from the frozen snapshot, cached under instance/.

A cached PDF is keyed by the certificate's code and the design's version; a missing file is
rendered again, so several web servers need no shared disk.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app
from flask_babel import force_locale, gettext as _, ngettext

from lms.certificates.codes import display
from lms.certificates.models import Certificate
from lms.certificates.rendering import Design, render_pdf
from lms.certificates.validity import last_valid_day, period_of
from lms.certificates.service import sdg_entries
from lms.core.i18n import text_direction

log = logging.getLogger(__name__)


def verify_url(code: str) -> str:
    """The public verification page (the path of `certificates.verify_code`; a test keeps them equal).

    Written out so that PDFs can be rendered without a request, e.g. by the CLI or a job.
    """
    return f"{current_app.config['LMS_BASE_URL'].rstrip('/')}/verify/{code}"


def template_values(certificate: Certificate) -> dict[str, Any]:
    """Everything the design shows, as plain values, in the certificate's language."""
    snapshot = certificate.snapshot
    language = snapshot["language"]
    with force_locale(language):
        first = datetime.fromisoformat(snapshot["first_date"])
        last = datetime.fromisoformat(snapshot["last_date"])
        issued = datetime.fromisoformat(snapshot["issued_at"])
        texts = {
            "title": _("Course certificate"),
            "has_completed": _("has completed the course"),
            "modules": _("Modules"),
            "competence_areas": _("Competence areas"),
            "goals": _("Sustainable development goals"),
            "trainers": _("Trainers"),
            "verify_at": _("Check this certificate at"),
            "content_version": _("Content version"),
            "hours": _hours_text(snapshot["hours_attended"], language),
            "valid_until": _valid_until_text(certificate, language),
        }
        values = dict(snapshot)
        values.update(
            period=f"{format_date(first, 'd MMMM y', locale=language)} – {format_date(last, 'd MMMM y', locale=language)}",
            issued_on=format_date(issued, "d MMMM y", locale=language),
            sdgs=sdg_entries(snapshot["sdgs"]),
        )
    return {"c": values, "t": texts, "code": display(certificate.code), "verify_url": verify_url(certificate.code),
            "dir": text_direction(language)}


def _valid_until_text(certificate: Certificate, language: str) -> str:
    """"Giltigt till 30 juni 2028" when the certificate's period ends; nothing when it has no end."""
    period = period_of(certificate)
    day = last_valid_day(period.valid_until) if period is not None else None
    if day is None:
        return ""
    return _("Valid until %(date)s", date=format_date(day, "d MMMM y", locale=language))


def _hours_text(hours: str, language: str) -> str:
    amount = Decimal(hours)
    shown = format_decimal(amount.normalize() if amount == amount.to_integral() else amount, locale=language)
    return ngettext("%(hours)s hour at the center", "%(hours)s hours at the center",
                    int(amount) if amount == amount.to_integral() else 2, hours=shown)


def _design(certificate: Certificate) -> Design:
    return Design.load(Path(current_app.config["LMS_CERTIFICATE_DESIGNS_DIR"]), certificate.design)


def cache_path(certificate: Certificate, design: Design) -> Path:
    """One file per certificate and design; a certificate renewed by a quiz states a new "valid
    until", so its PDF is cached anew per period."""
    folder = Path(current_app.config["LMS_CERTIFICATE_CACHE_DIR"])
    period = period_of(certificate)
    renewal = f"-r{period.id}" if period is not None and period.quiz_attempt_id is not None else ""
    return folder / f"{certificate.code}{renewal}-{design.name}-v{design.version}.pdf"


def certificate_pdf(certificate: Certificate) -> bytes:
    """The PDF, from the cache when it is there; a render is written atomically or not at all."""
    design = _design(certificate)
    path = cache_path(certificate, design)
    if path.is_file():
        return path.read_bytes()
    pdf = render_pdf(design, template_values(certificate))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".render-", suffix=".pdf")
        with os.fdopen(handle, "wb") as output:
            output.write(pdf)
        os.replace(temporary, path)
    except OSError as error:
        log.error("Certificate cache %s is not writable (%s); serving the PDF without caching it",
                  path.parent, error)
    return pdf


def file_name(certificate: Certificate) -> str:
    slug = certificate.snapshot.get("course_slug", "kurs")
    return f"intyg-{slug}-{certificate.code}.pdf"


def open_badge(certificate: Certificate) -> dict[str, Any]:
    """An Open Badges 3.0 OpenBadgeCredential (unsigned: verify it at its verification URL)."""
    snapshot = certificate.snapshot
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    url = verify_url(certificate.code)
    issuer = {"id": base + "/", "type": ["Profile"], "name": snapshot["issuer"]}
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": snapshot["course_title"],
        "issuer": issuer,
        "validFrom": certificate.issued_at.isoformat(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": snapshot["learner_name"],
            "activityStartDate": snapshot["first_date"][:10],
            "activityEndDate": snapshot["last_date"][:10],
            "achievement": {
                "id": f"{base}/courses/{snapshot['course_slug']}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": snapshot["course_title"],
                "description": f"{snapshot['cycle_title']}: {snapshot['course_title']}",
                "criteria": {"narrative": "Every required module done and the cycle's attendance minimum reached."},
                "tag": snapshot["competence_areas"] + [f"SDG {goal}" for goal in snapshot["sdgs"]],
            },
        },
    }


def open_badge_json(certificate: Certificate) -> str:
    return json.dumps(open_badge(certificate), ensure_ascii=False, indent=2)
