"""The organisation report as spreadsheet tables (CSV and XLSX through lms.core.exports)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.exports import Sheet
from lms.enrolment.models import ENROLMENT_STATUS_LABELS
from lms.reports.service import Line, OrganisationReport


def _line_header(first: str) -> list[str]:
    return [first, _("Enrolments"), _("Learners"), _("Sessions attended"), _("Sessions counted"),
            _("Attendance rate (%)"), _("Hours attended"), _("Completed"), _("Certificates")]


def _line_row(line: Line) -> list:
    return [line.label or _("No organisation"), len(line.enrolments), len(line.learners), line.attended,
            line.counted, line.rate, line.hours, line.completed, line.certificates]


def report_sheets(report: OrganisationReport) -> list[Sheet]:
    """Summary, per course, per competence area, per goal, (per organisation,) and per person."""
    sheets = [
        Sheet(_("Summary"), [_("Organisation"), _("From"), _("To"), _("Members")],
              [[report.organisation.name if report.organisation else _("All organisations"),
                report.period.first, report.period.last, report.members]]),
        Sheet(_("Courses"), _line_header(_("Course")), [_line_row(line) for line in report.by_course]),
        Sheet(_("Competence areas"), _line_header(_("Competence area")), [_line_row(line) for line in report.by_area]),
        Sheet(_("Sustainable development goals"), _line_header(_("Goal")), [_line_row(line) for line in report.by_sdg]),
    ]
    if report.organisation is None:
        sheets.append(Sheet(_("Organisations"), _line_header(_("Organisation")),
                            [_line_row(line) for line in report.by_organisation]))
    sheets.append(Sheet(_("People"), [
        _("Name"), _("E-mail"), _("Course"), _("Cycle"), _("Status"), _("Sessions attended"),
        _("Sessions counted"), _("Attendance rate (%)"), _("Hours attended"), _("Certificate"), _("Issued"),
    ], [[p.fact.user_name, p.fact.user_email, p.fact.course_title, p.fact.cycle_title,
         str(ENROLMENT_STATUS_LABELS[p.fact.status]), p.attended, p.counted, p.rate, p.hours,
         p.fact.certificate_code, p.fact.certificate_issued_at.date() if p.fact.certificate_issued_at else None]
        for p in report.people]))
    if report.organisation is not None:
        sheets.append(Sheet(_("Renewals"), [_("Name"), _("Course"), _("Status"), _("Valid until"), _("Certificate")],
                            [[due.user_name, due.course_title, str(VALIDITY_LABELS[due.status.value]), due.last_day,
                              due.certificate_code] for due in report.renewals]))
    return sheets


#: a certificate's standing, as the report's sheets say it
VALIDITY_LABELS = {"valid": _l("valid"), "expiring_soon": _l("expiring within 90 days"), "expired": _l("expired"),
                   "renewed": _l("renewed"), "revoked": _l("revoked")}
