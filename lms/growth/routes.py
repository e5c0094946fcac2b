"""Self-assessment pages: the learner's own growth and form, the contact's and the coordinator's figures."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.models import Organisation, Role
from lms.auth.permissions import require, role_required
from lms.core.exports import to_csv
from lms.core.unit_of_work import refusal_undone
from lms.db_types import utcnow
from lms.extensions import db
from lms.growth import service, stats
from lms.growth.exports import growth_sheet
from lms.growth.forms import DONT_KNOW, LEVEL_LABELS, PHASE_LABELS, ActionForm, field_name, read_levels
from lms.reports.charts import Bar, bar_chart

bp = Blueprint("growth", __name__)


def _language() -> str:
    return "sv" if str(get_locale()) == "sv" else "en"


def signed(value: float) -> str:
    """A change on the scale with its sign and two decimals, in the page's locale ("+0,54", "−0,20")."""
    return format_decimal(value, "+#,##0.00;-#,##0.00")


@bp.get("/growth")
@role_required(Role.LEARNER)
def mine():
    return render_template("growth/mine.html", cycles=service.my_cycles(current_user.id, utcnow()),
                           phase_labels=PHASE_LABELS, language=_language(), level_labels=LEVEL_LABELS)


@bp.route("/growth/cycles/<int:cycle_id>", methods=["GET", "POST"])
@role_required(Role.LEARNER)
def answer(cycle_id: int):
    now = utcnow()
    mine = service.my_cycle(current_user.id, cycle_id, now) or abort(404)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        levels = read_levels(request.form, [c.id for c in mine.competences])
        try:
            with refusal_undone():
                service.save_assessment(current_user.id, cycle_id, levels or {}, now)
        except service.GrowthError as error:
            flash(str(error), "error")
        else:
            flash(_("Thank you! Your self-assessment is saved."), "success")
            return redirect(url_for("growth.mine"))
    return render_template("growth/answer.html", mine=mine, form=form, level_labels=LEVEL_LABELS, dont_know=DONT_KNOW,
                           field_name=field_name, phase_labels=PHASE_LABELS, language=_language(),
                           given=request.form if request.method == "POST" else {})


@bp.get("/growth/organisation")
@role_required(Role.ORGANISATION_CONTACT)
def organisation():
    require(current_user.organisation_id is not None)
    organisation = db.session.get(Organisation, current_user.organisation_id) or abort(404)
    return render_template("growth/organisation.html", organisation=organisation,
                           lines=stats.organisation_growth(organisation.id), k=stats.K_ANONYMITY,
                           language=_language(), signed=signed)


def _filters() -> dict:
    year = request.args.get("year", type=int)
    organisation_id = request.args.get("organisation", type=int)
    return {"year": year, "organisation_id": organisation_id}


@bp.get("/growth/report")
@role_required(Role.COORDINATOR)
def report():
    filters, language = _filters(), _language()
    lines = stats.course_growth(**filters)
    bars = [Bar(f"{line.competence.name(language)} · {line.course_title}", max(line.growth.change, 0.0),
                signed(line.growth.change)) for line in lines]
    chart = bar_chart(bars, title=_("Mean change per course and competence"), maximum=4, label_width=300,
                      description=_("The mean change on the five-step scale, after minus before; the table below has the figures."))
    organisations = db.session.execute(db.select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return render_template("growth/report.html", lines=lines, chart=chart, filters=filters, years=stats.cycle_years(),
                           organisations=organisations, few=stats.FEW_PAIRS, language=language, signed=signed)


@bp.get("/growth/report.csv")
@role_required(Role.COORDINATOR)
def report_csv():
    sheet = growth_sheet(stats.course_growth(**_filters()), _language())
    return Response(to_csv([sheet], str(get_locale())), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="kompetensutveckling.csv"'})
