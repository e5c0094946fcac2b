"""The coordinator's dashboard, the organisation report with its exports, and the learner's transcript."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from babel import dates as babel_dates
from flask_babel import format_date, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.audit.service import record_event
from lms.core.i18n import known_locale
from lms.certificates.renewals import demand_by_course
from lms.auth.models import Organisation, Role
from lms.auth.permissions import has_any_role, role_required
from lms.core.exports import to_csv, to_xlsx
from lms.db_types import utcnow
from lms.enrolment.models import ENROLMENT_STATUS_LABELS
from lms.extensions import db
from lms.reports import charts, service, transcript as transcripts
from lms.reports.exports import report_sheets
from lms.reports.forms import PeriodForm
from lms.reports.roll_ups import RollUps
from lms.core.input import query_int

bp = Blueprint("reports", __name__)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _now():  # type: ignore[no-untyped-def]
    """The clock of these views (tests freeze it)."""
    return utcnow()


@bp.context_processor
def _chart_helpers() -> dict:
    """Turning report rows into chart bars, with the numbers as a reader sees them."""

    def shown(rate: float | None) -> str:
        return "—" if rate is None else f"{rate:.0f} %"

    def cycle_bars(lines):  # type: ignore[no-untyped-def]
        return [charts.Bar(f"{line.cycle.course.title}: {line.cycle.title}", line.rate, shown(line.rate))
                for line in lines]

    def lines_to_bars(lines):  # type: ignore[no-untyped-def]
        return [charts.Bar(line.label or _("No organisation"), line.rate, shown(line.rate)) for line in lines]

    def month_bars(months):  # type: ignore[no-untyped-def]
        return [charts.Bar(format_date(month, "MMM"), number, str(number)) for month, number in months]

    def demand_pairs(rows):  # type: ignore[no-untyped-def]
        return [(format_date(row.month, "MMM"), charts.Bar("", row.expiring, str(row.expiring)),
                 charts.Bar("", row.planned_seats, str(row.planned_seats))) for row in rows]

    labels: dict = {}

    def enrolment_status(status) -> str:  # type: ignore[no-untyped-def]
        """Translated once per page, not once per person of the report."""
        if status not in labels:
            labels[status] = str(ENROLMENT_STATUS_LABELS[status])
        return labels[status]

    def trend_text(trend) -> str:  # type: ignore[no-untyped-def]
        """Each point as "d MMM: rate", with the month names and the zone looked up once: a page
        has hundreds of points."""
        months = babel_dates.get_month_names("abbreviated", context="format", locale=get_locale())
        zone = get_timezone()
        return ", ".join(f"{day.day} {months[day.month]}: {shown(rate)}"
                         for day, rate in ((when.astimezone(zone).date(), rate) for when, rate in trend))

    return dict(cycle_bars=cycle_bars, lines_to_bars=lines_to_bars, month_bars=month_bars, demand_pairs=demand_pairs,
                trend_text=trend_text, enrolment_status=enrolment_status)


@bp.get("/reports")
@role_required(Role.COORDINATOR)
def dashboard():
    now = _now()
    board = service.dashboard(now, page=query_int("page", 1), figures=_key_figures(now),
                              kept=current_app.extensions["dashboard_roll_ups"])
    return render_template("reports/dashboard.html", board=board, charts=charts,
                           demand=demand_by_course(now))


@bp.record_once
def _keep_roll_ups(state) -> None:  # type: ignore[no-untyped-def]
    """Each web process keeps the roll-ups of the cycles its coordinators page through, each until
    the cycle changes (lms/reports/roll_ups.py)."""
    state.app.extensions["dashboard_roll_ups"] = RollUps(state.app.config["LMS_DASHBOARD_ROLL_UPS"])


def _key_figures(now):  # type: ignore[no-untyped-def]
    """The center-wide figures, counted at most once per LMS_DASHBOARD_FIGURES_SECONDS in a process:
    they read across every cycle, the rest of the page only the cycles shown."""
    seconds = current_app.config["LMS_DASHBOARD_FIGURES_SECONDS"]
    if not seconds:
        return service.key_figures(now)
    kept = current_app.extensions["page_cache"]
    key = ("dashboard-figures", service.week_start(now))
    figures = kept.get(key)
    if figures is None:
        figures = service.key_figures(now)
        kept.put(key, figures, seconds)
    return figures


# --- the organisation report -----------------------------------------------------------------

def _report_scope(form: PeriodForm) -> Organisation | None:
    """The organisation asked for: a contact gets their own (another one is 403), a coordinator any or all."""
    wanted = form.organisation.data or None
    if has_any_role(current_user, Role.COORDINATOR):
        return db.get_or_404(Organisation, wanted) if wanted else None
    if not current_user.has_role(Role.ORGANISATION_CONTACT) or current_user.organisation_id is None:
        abort(403)
    if wanted is not None and wanted != current_user.organisation_id:
        abort(403)
    return db.session.get(Organisation, current_user.organisation_id)


def _period_form() -> PeriodForm:
    form = PeriodForm(request.args)
    if has_any_role(current_user, Role.COORDINATOR):
        form.organisation.choices = [(0, _("All organisations"))] + [(o.id, o.name) for o in service.organisations()]
    else:
        own = current_user.organisation
        form.organisation.choices = [(own.id, own.name)] if own else []
    return form


def _report_for_request():  # type: ignore[no-untyped-def]
    form = _period_form()
    valid = form.validate()
    organisation = _report_scope(form)
    default = service.Period.year_of(_now())
    period = service.Period(form.first.data or default.first, form.last.data or default.last) if valid else default
    if form.first.data is None:
        form.first.data = period.first
    if form.last.data is None:
        form.last.data = period.last
    return form, service.organisation_report(organisation, period, _now())


def _audit_view(report: service.OrganisationReport, how: str) -> None:
    """Looking at, or exporting, many people's data at once is recorded (who, which scope, when)."""
    record_event(current_user.id, f"report.organisation.{how}", "organisation",
                 report.organisation.id if report.organisation else None,
                 first=report.period.first.isoformat(), last=report.period.last.isoformat(),
                 people=len(report.people))


@bp.get("/reports/organisation")
@role_required(Role.COORDINATOR, Role.ORGANISATION_CONTACT)
def organisation_report():
    form, report = _report_for_request()
    query = {"organisation": report.organisation.id if report.organisation else 0,
             "first": report.period.first.isoformat(), "last": report.period.last.isoformat()}
    page = render_template("reports/organisation.html", form=form, report=report, charts=charts,
                           csv_url=url_for("reports.organisation_export", fmt="csv", **query),
                           xlsx_url=url_for("reports.organisation_export", fmt="xlsx", **query))
    _audit_view(report, "viewed")
    return page


@bp.get("/reports/organisation.<fmt>")
@role_required(Role.COORDINATOR, Role.ORGANISATION_CONTACT)
def organisation_export(fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    _form, report = _report_for_request()
    name = f"kompetensrapport-{report.period.first:%Y%m%d}-{report.period.last:%Y%m%d}.{fmt}"
    sheets = report_sheets(report)
    body, mimetype = (to_csv(sheets, str(get_locale())), "text/csv; charset=utf-8") if fmt == "csv" else (to_xlsx(sheets), XLSX)
    _audit_view(report, f"exported.{fmt}")
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- the transcript --------------------------------------------------------------------------

@bp.get("/my/transcript")
@login_required
def my_transcript():
    record = transcripts.transcript(current_user, _now())
    return render_template("reports/transcript.html", record=record)


@bp.get("/my/transcript.pdf")
@login_required
def my_transcript_pdf():
    now = _now()
    record = transcripts.transcript(current_user, now)
    locale = known_locale(current_user.locale)
    return Response(transcripts.transcript_pdf(record, now, locale), mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="studieintyg.pdf"'})
