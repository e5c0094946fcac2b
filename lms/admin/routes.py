"""Administration pages: thin views over lms.admin.service and lms.auth.service."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.core.search import any_contains_text
from lms.admin import service
from lms.admin.forms import EditUserForm, InviteUserForm, OrganisationForm
from lms.auth import mail as account_mail
from lms.auth import service as accounts
from lms.auth.models import Organisation, Role, Sector, User, UserRole
from lms.auth.permissions import role_required
from lms.core.unit_of_work import refusal_undone
from lms.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")
USERS_PER_PAGE = 50


@bp.before_request
@role_required(Role.ADMIN)
def _admins_only():
    """Every page here is for administrators."""


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
def users():
    query = (select(User).options(joinedload(User.organisation), selectinload(User.role_grants))
             .order_by(User.name, User.id))
    search = request.args.get("q", "").strip()
    if search:
        query = query.where(any_contains_text(search, User.email, User.name))
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role_grants.any(UserRole.role == Role(role)))
    page = db.paginate(query, per_page=USERS_PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, search=search, role=role, roles=Role)


def _with_choices(form):
    form.organisation_id.choices = [(0, _("— no organisation —"))] + service.organisation_choices()
    return form


@bp.route("/users/invite", methods=["GET", "POST"])
def invite_user():
    form = _with_choices(InviteUserForm(roles=[Role.LEARNER.value]))
    if form.validate_on_submit():
        try:
            with refusal_undone():
                user = accounts.create_user(
                    form.email.data, form.name.data,
                    roles=[Role(value) for value in form.roles.data],
                    organisation_id=form.organisation_id.data or None,
                    locale=form.locale.data, actor_id=current_user.id,
                )
        except accounts.AccountError as error:
            form.email.errors.append(str(error))
        else:
            account_mail.send_invitation(user, accounts.make_token(user, accounts.INVITATION))
            flash(_("An invitation is on its way to %(email)s.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/invite_user.html", form=form)


def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = _get_user(user_id)
    form = _with_choices(EditUserForm(obj=user))
    if request.method == "GET":
        form.roles.data = [role.value for role in user.roles]
        form.organisation_id.data = user.organisation_id or 0
    if form.validate_on_submit():
        try:
            with refusal_undone():
                service.update_user(
                    user, name=form.name.data, organisation_id=form.organisation_id.data or None,
                    roles=[Role(value) for value in form.roles.data], locale=form.locale.data,
                    active=form.active.data, actor=current_user,
                )
        except service.AdminError as error:
            flash(str(error), "error")
        else:
            flash(_("The account of %(name)s is saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/edit_user.html", form=form, user=user)


@bp.post("/users/<int:user_id>/invitation")
def resend_invitation(user_id: int):
    user = _get_user(user_id)
    if user.password_hash:
        flash(_("%(name)s has already chosen a password.", name=user.name), "info")
    else:
        account_mail.send_invitation(user, accounts.make_token(user, accounts.INVITATION))
        flash(_("An invitation is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.get("/organisations")
def organisations():
    rows = service.organisations_with_member_counts()
    return render_template("admin/organisations.html", rows=rows)


@bp.route("/organisations/new", methods=["GET", "POST"])
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
def edit_organisation(organisation_id: int | None = None):
    organisation = db.get_or_404(Organisation, organisation_id) if organisation_id else None
    form = OrganisationForm(obj=organisation)
    if request.method == "GET" and organisation is not None:
        form.sector.data = organisation.sector.value
    if form.validate_on_submit():
        try:
            with refusal_undone():
                organisation = service.save_organisation(
                    organisation, name=form.name.data, sector=Sector(form.sector.data),
                    organisation_number=form.organisation_number.data,
                    contact_email=form.contact_email.data, active=form.active.data,
                    actor_id=current_user.id,
                )
        except service.AdminError as error:
            getattr(form, error.field or "name", form.name).errors.append(str(error))
        else:
            flash(_("%(name)s is saved.", name=organisation.name), "success")
            return redirect(url_for("admin.organisations"))
    return render_template("admin/edit_organisation.html", form=form, organisation=organisation)
