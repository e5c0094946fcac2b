"""Stating needs, registering interest in a course, and demand against supply for coordinators."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.models import Organisation, Role
from lms.auth.permissions import require, role_required
from lms.catalog.content import COMPETENCE_AREAS
from lms.catalog.models import Course
from lms.core.i18n import LANGUAGE_NAMES
from lms.core.unit_of_work import refusal_flashed
from lms.db_types import utcnow
from lms.extensions import db
from lms.needs import conditions, demand, service
from lms.needs.forms import ActionForm, ConditionsForm, NeedForm
from lms.needs.models import CompetenceNeed

bp = Blueprint("needs", __name__)


def _contact_organisation() -> Organisation | None:
    """The organisation this person states needs for, if they are its contact."""
    if current_user.has_role(Role.ORGANISATION_CONTACT) and current_user.organisation_id:
        return db.session.get(Organisation, current_user.organisation_id)
    return None


def _checked() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.get("/needs")
@login_required
def index():
    organisation = _contact_organisation()
    return render_template(
        "needs/index.html", organisation=organisation,
        organisation_needs=service.needs_of(organisation_id=organisation.id) if organisation else [],
        own_needs=service.needs_of(user_id=current_user.id), interests=service.interests_of(current_user.id),
        conditions=conditions.conditions_of(organisation.id) if organisation else None,
        day_part_labels=conditions.DAY_PARTS, language_names=LANGUAGE_NAMES, form=ActionForm(),
    )


def _owner(whom: str) -> dict:
    if whom == "organisation":
        organisation = _contact_organisation()
        require(organisation is not None)
        return {"organisation_id": organisation.id}  # type: ignore[union-attr]
    require(current_user.has_role(Role.LEARNER))
    return {"user_id": current_user.id}


@bp.route("/needs/new/<any(organisation, me):whom>", methods=["GET", "POST"])
@login_required
def new(whom: str):
    owner = _owner(whom)
    form = NeedForm()
    if form.validate_on_submit():
        return _save(None, form, owner)
    return render_template("needs/form.html", form=form, need=None, personal=whom == "me",
                           organisation=_contact_organisation() if whom == "organisation" else None)


def _editable(need_id: int) -> CompetenceNeed:
    need = db.session.get(CompetenceNeed, need_id) or abort(404)
    require(service.can_edit_need(current_user, need))
    return need


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id: int):
    need = _editable(need_id)
    form = NeedForm(obj=None if request.method == "POST" else need)
    if request.method == "GET":
        form.sdgs.data = need.sdgs
    if form.validate_on_submit():
        return _save(need, form, {})
    return render_template("needs/form.html", form=form, need=need, personal=need.user_id is not None,
                           organisation=need.organisation)


def _save(need: CompetenceNeed | None, form: NeedForm, owner: dict):  # type: ignore[no-untyped-def]
    with refusal_flashed(request.url):
        service.save_need(need, area=form.area.data, people=form.people.data or 1, sdgs=form.sdgs.data or [],
                          note=form.note.data or "", actor_id=current_user.id, now=utcnow(), **owner)
    flash(_("The need is saved. Thank you: it helps us plan the next term."), "success")
    return redirect(url_for("needs.index"))


@bp.post("/needs/<int:need_id>/delete")
@login_required
def delete(need_id: int):
    need = _editable(need_id)
    _checked()
    service.delete_need(need)
    flash(_("The need is removed."), "success")
    return redirect(url_for("needs.index"))


# --- interest in a course -----------------------------------------------------------------------

@bp.get("/interests")
@login_required
def interests():
    mine = {i.course_id: i for i in service.interests_of(current_user.id)}
    return render_template("needs/interests.html", courses=service.courses_without_cycle(utcnow()),
                           mine=mine, form=ActionForm())


def _course(slug: str) -> Course:
    course = db.session.execute(select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None or not course.published:
        abort(404)
    return course


@bp.post("/courses/<slug>/interest")
@role_required(Role.LEARNER)
def register_interest(slug: str):
    course = _course(slug)
    _checked()
    back = url_for("needs.interests")
    with refusal_flashed(back):
        service.register_interest(current_user.id, course, now=utcnow())
    flash(_("Noted: we will tell you when a cycle of %(course)s opens.", course=course.title), "success")
    return redirect(back)


@bp.post("/courses/<slug>/interest/withdraw")
@login_required
def withdraw_interest(slug: str):
    course = _course(slug)
    _checked()
    if service.withdraw_interest(current_user.id, course.id):
        flash(_("Your interest in %(course)s is withdrawn.", course=course.title), "success")
    return redirect(url_for("needs.interests"))


# --- the organisation's conditions for taking part --------------------------------------------

@bp.route("/needs/conditions", methods=["GET", "POST"])
@login_required
def conditions_page():
    organisation = _contact_organisation()
    require(organisation is not None)
    stated = conditions.conditions_of(organisation.id)  # type: ignore[union-attr]
    form = ConditionsForm(obj=stated if request.method == "GET" else None)
    if form.validate_on_submit():
        with refusal_flashed(request.url):
            conditions.save_conditions(
                organisation.id, day_parts=form.day_parts.data or [],  # type: ignore[union-attr]
                languages=form.languages.data or [], seats_needed=form.seats_needed.data,
                note=form.note.data or "", actor_id=current_user.id, now=utcnow())
        flash(_("The conditions are saved. Coordinators see them when they plan a cycle."), "success")
        return redirect(url_for("needs.index"))
    return render_template("needs/conditions.html", form=form, organisation=organisation, stated=stated)


# --- for coordinators -----------------------------------------------------------------------------

@bp.get("/needs/demand")
@role_required(Role.COORDINATOR)
def demand_page():
    courses = demand.course_demand(utcnow())
    return render_template("needs/demand.html", courses=courses, areas=demand.area_demand(courses),
                           sdgs=demand.sdg_demand(), needs=service.all_needs(), known_areas=COMPETENCE_AREAS)
