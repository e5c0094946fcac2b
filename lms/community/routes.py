"""The meeting place: the boards of cycles, moderation, reports, and the directory."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.models import Organisation, Role
from lms.auth.permissions import require, role_required
from lms.community import board, directory
from lms.community.forms import (
    ActionForm, OrganisationProfileForm, ProfileForm, ReplyChoiceForm, ReplyForm, ReportForm,
    ResolveForm, ThreadForm,
)
from lms.community.models import BoardPost, BoardReport, BoardThread, ReplyChoice, ReportOutcome
from lms.core.unit_of_work import refusal_flashed, refusal_undone
from lms.db_types import utcnow
from lms.extensions import db, limiter
from lms.planning.models import Cycle
from lms.planning.queries import load_cycle

bp = Blueprint("community", __name__)


def _post_limit() -> str:
    return current_app.config["LMS_COMMUNITY_RATE_LIMIT"]


def _person() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else "anonymous"


def _checked(form=None) -> None:  # type: ignore[no-untyped-def]
    if not (form or ActionForm()).validate_on_submit():
        abort(400)


def _board(cycle_id: int) -> Cycle:
    cycle = load_cycle(cycle_id)
    if cycle is None or cycle.status not in board.BOARD_STATUSES:
        abort(404)
    require(board.can_read(current_user, cycle))
    return cycle


def _thread(thread_id: int) -> tuple[BoardThread, bool]:
    """The thread and whether this person moderates it; hidden threads are not there for others."""
    thread = db.session.get(BoardThread, thread_id) or abort(404)
    _board(thread.cycle_id)
    moderator = board.can_moderate(current_user, thread.cycle)
    if thread.hidden and not moderator:
        abort(404)
    return thread, moderator


def _post(post_id: int) -> tuple[BoardPost, bool]:
    post = db.session.get(BoardPost, post_id) or abort(404)
    _parent, moderator = _thread(post.thread_id)
    if post.hidden and not moderator:
        abort(404)
    return post, moderator


# --- boards -----------------------------------------------------------------------------------

@bp.get("/community")
@login_required
def index():
    return render_template("community/index.html", boards=board.boards_for(current_user))


@bp.get("/community/cycles/<int:cycle_id>")
@login_required
def cycle_board(cycle_id: int):
    cycle = _board(cycle_id)
    moderator = board.can_moderate(current_user, cycle)
    return render_template("community/board.html", cycle=cycle, moderator=moderator,
                           threads=board.threads_of(cycle.id, moderator=moderator), form=ThreadForm(),
                           open=cycle.status in board.BOARD_STATUSES)


@bp.post("/community/cycles/<int:cycle_id>/threads")
@login_required
@limiter.limit(_post_limit, key_func=_person)
def start_thread(cycle_id: int):
    cycle = _board(cycle_id)
    form = ThreadForm()
    back = url_for("community.cycle_board", cycle_id=cycle.id)
    if form.validate_on_submit():
        with refusal_flashed(back):
            thread = board.start_thread(cycle, author_id=current_user.id, title=form.title.data,
                                        body=form.body.data, now=utcnow())
        flash(_("Your thread is started."), "success")
        return redirect(url_for("community.thread", thread_id=thread.id))
    if "csrf_token" in form.errors:
        abort(400)
    flash(_("Give the thread a title and a message."), "error")
    return redirect(back)


@bp.get("/community/threads/<int:thread_id>")
@login_required
def thread(thread_id: int):
    thread, moderator = _thread(thread_id)
    return render_template("community/thread.html", thread=thread, cycle=thread.cycle, moderator=moderator,
                           posts=board.posts_of(thread, moderator=moderator), form=ReplyForm(),
                           action=ActionForm())


@bp.post("/community/threads/<int:thread_id>/replies")
@login_required
@limiter.limit(_post_limit, key_func=_person)
def reply(thread_id: int):
    thread, _moderator = _thread(thread_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Write something first."), "error")
        return redirect(url_for("community.thread", thread_id=thread.id))
    with refusal_flashed(url_for("community.thread", thread_id=thread.id)):
        post = board.reply(thread, author_id=current_user.id, body=form.body.data, now=utcnow())
    return redirect(url_for("community.thread", thread_id=thread.id, _anchor=f"post-{post.id}"))


@bp.post("/community/threads/<int:thread_id>/<any(pin, unpin):change>")
@login_required
def pin(thread_id: int, change: str):
    thread, moderator = _thread(thread_id)
    require(moderator)
    _checked()
    board.set_pinned(thread, change == "pin", actor_id=current_user.id)
    flash(_("The thread is pinned to the top of the board.") if change == "pin"
          else _("The thread is no longer pinned."), "success")
    return redirect(url_for("community.thread", thread_id=thread.id))


@bp.post("/community/posts/<int:post_id>/<any(hide, show):change>")
@login_required
def hide(post_id: int, change: str):
    post, moderator = _post(post_id)
    require(moderator)
    _checked()
    board.set_post_hidden(post, change == "hide", actor_id=current_user.id, now=utcnow())
    flash(_("The post is hidden: only trainers and coordinators see it.") if change == "hide"
          else _("The post is shown again."), "success")
    return redirect(url_for("community.thread", thread_id=post.thread_id))


@bp.route("/community/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
@limiter.limit(_post_limit, methods=["POST"], key_func=_person)
def report(post_id: int):
    post, _moderator = _post(post_id)
    form = ReportForm()
    if form.validate_on_submit():
        back = url_for("community.thread", thread_id=post.thread_id)
        with refusal_flashed(back):
            board.report_post(post, reporter_id=current_user.id, reason=form.reason.data, now=utcnow())
        flash(_("Thank you. The coordinators will look at the post."), "success")
        return redirect(back)
    return render_template("community/report.html", post=post, thread=post.thread, form=form)


@bp.get("/community/reports")
@role_required(Role.COORDINATOR)
def reports():
    return render_template("community/reports.html", reports=board.open_reports(), form=ResolveForm())


@bp.post("/community/reports/<int:report_id>")
@role_required(Role.COORDINATOR)
def resolve(report_id: int):
    item = db.session.get(BoardReport, report_id) or abort(404)
    form = ResolveForm()
    if not form.validate_on_submit():
        abort(400)
    with refusal_flashed(url_for("community.reports")):
        board.resolve_report(item, ReportOutcome(form.outcome.data), actor_id=current_user.id, now=utcnow())
    flash(_("The report is handled."), "success")
    return redirect(url_for("community.reports"))


@bp.route("/community/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = ReplyChoiceForm()
    if form.validate_on_submit():
        board.save_reply_choice(current_user.id, ReplyChoice(form.replies.data), now=utcnow())
        flash(_("Your choice is saved."), "success")
        return redirect(url_for("community.settings"))
    if not form.is_submitted():
        form.replies.data = board.reply_choices([current_user.id])[current_user.id].value
    return render_template("community/settings.html", form=form)


# --- the directory ------------------------------------------------------------------------------

@bp.get("/directory")
@login_required
def directory_page():
    text = request.args.get("q", "").strip()[:100]
    return render_template("community/directory.html", text=text, people=directory.listed_people(text),
                           organisations=directory.listed_organisations(text),
                           me=directory.profile_of(current_user.id))


@bp.route("/directory/me", methods=["GET", "POST"])
@login_required
def my_profile():
    profile = directory.profile_of(current_user.id)
    form = ProfileForm(obj=profile if request.method == "GET" and profile and profile.listed else None)
    if form.validate_on_submit():
        try:
            with refusal_undone():
                directory.save_profile(current_user.id, about=form.about.data or "", topics=form.topics.data or "",
                                       show_email=form.show_email.data, consent=form.consent.data, now=utcnow())
        except directory.DirectoryError as error:
            flash(str(error), "error")
        else:
            flash(_("You are listed in the directory."), "success")
            return redirect(url_for("community.directory_page"))
    if request.method == "GET" and profile and profile.listed:
        form.consent.data = True
    return render_template("community/profile.html", form=form, profile=profile, action=ActionForm())


@bp.post("/directory/me/withdraw")
@login_required
def withdraw_profile():
    _checked()
    if directory.withdraw_profile(current_user.id, now=utcnow()):
        flash(_("You are no longer in the directory, and what your profile said is erased."), "success")
    return redirect(url_for("community.my_profile"))


def _own_organisation() -> Organisation:
    require(current_user.has_role(Role.ORGANISATION_CONTACT) and current_user.organisation_id is not None)
    return db.session.get(Organisation, current_user.organisation_id) or abort(404)


@bp.route("/directory/organisation", methods=["GET", "POST"])
@login_required
def organisation_profile():
    organisation = _own_organisation()
    profile = directory.organisation_profile_of(organisation.id)
    listed = profile is not None and profile.listed
    form = OrganisationProfileForm(obj=profile if request.method == "GET" and listed else None)
    if form.validate_on_submit():
        try:
            with refusal_undone():
                directory.save_organisation_profile(organisation.id, actor_id=current_user.id,
                                                    about=form.about.data or "", website=form.website.data or "",
                                                    consent=form.consent.data, now=utcnow())
        except directory.DirectoryError as error:
            flash(str(error), "error")
        else:
            flash(_("%(organisation)s is listed in the directory.", organisation=organisation.name), "success")
            return redirect(url_for("community.directory_page"))
    if request.method == "GET" and listed:
        form.consent.data = True
    return render_template("community/organisation_profile.html", form=form, organisation=organisation,
                           profile=profile, action=ActionForm())


@bp.post("/directory/organisation/withdraw")
@login_required
def withdraw_organisation():
    organisation = _own_organisation()
    _checked()
    if directory.withdraw_organisation_profile(organisation.id, actor_id=current_user.id, now=utcnow()):
        flash(_("%(organisation)s is no longer in the directory.", organisation=organisation.name), "success")
    return redirect(url_for("community.organisation_profile"))

