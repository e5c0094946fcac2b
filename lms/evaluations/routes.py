"""Answering an evaluation, the results, and the questions coordinators keep."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.auth.permissions import require, role_required
from lms.catalog.models import Course
from lms.core.unit_of_work import refusal_flashed, refusal_undone
from lms.db_types import utcnow
from lms.evaluations import results, service
from lms.evaluations.forms import ActionForm, EditQuestionForm, NewQuestionForm
from lms.evaluations.models import KIND_LABELS, RATING_LABELS, EvaluationQuestion, QuestionKind
from lms.evaluations.permissions import can_see_cycle_results, can_see_trainer_results, is_coordinator
from lms.extensions import db
from lms.planning.models import Cycle, CycleStatus
from lms.planning.queries import load_cycle

bp = Blueprint("evaluations", __name__)
MAX_FIELDS = 100


def _cycle(cycle_id: int) -> Cycle:
    cycle = load_cycle(cycle_id)
    if cycle is None or cycle.status is CycleStatus.DRAFT:
        abort(404)
    return cycle


def _checked(form: ActionForm) -> None:
    if not form.validate_on_submit():
        abort(400)


# --- learners ---------------------------------------------------------------------------------

@bp.get("/evaluations")
@login_required
def mine():
    now = utcnow()
    return render_template("evaluations/mine.html",
                           open_evaluations=service.open_evaluations_for(current_user.id, now))


def _raw_answers() -> dict[int, str]:
    keys = [k for k in request.form if k.startswith("q")]
    if len(keys) > MAX_FIELDS:
        abort(413)
    return {int(k[1:]): request.form.get(k, "") for k in keys if k[1:].isdigit() and len(k) < 12}


@bp.route("/evaluations/cycles/<int:cycle_id>", methods=["GET", "POST"])
@login_required
def answer(cycle_id: int):
    cycle = _cycle(cycle_id)
    require(service.took_part(current_user.id, cycle.id))
    form, now = ActionForm(), utcnow()
    if request.method == "POST":
        _checked(form)
        try:
            with refusal_undone():
                service.submit_evaluation(current_user.id, cycle, _raw_answers(), now=now)
        except service.EvaluationError as error:
            flash(str(error), "error")  # the page again, with the answers as given
        else:
            flash(_("Thank you! Your answers are saved, without your name."), "success")
            return redirect(url_for("evaluations.mine"))
    return render_template(
        "evaluations/answer.html", cycle=cycle, form=form, questions=service.questionnaire(cycle.course_id),
        answered=service.has_answered(current_user.id, cycle.id), open=service.is_open(cycle, now),
        closes_at=service.closes_at(cycle), rating_labels=RATING_LABELS, QuestionKind=QuestionKind,
        given=request.form if request.method == "POST" else {},
    )


# --- results ----------------------------------------------------------------------------------

@bp.get("/evaluations/results")
@role_required(Role.TRAINER, Role.COORDINATOR)
def results_index():
    coordinator = is_coordinator(current_user)
    cycles = results.evaluated_cycles(trainer_id=None if coordinator else current_user.id)
    courses = sorted({c.course for c in cycles}, key=lambda c: c.title) if coordinator else []
    trainers = _trainers() if coordinator else []
    return render_template("evaluations/results_index.html", summaries=results.summaries(cycles),
                           courses=courses, trainers=trainers, coordinator=coordinator,
                           minimum=results.min_responses())


def _trainers() -> list[User]:
    from lms.planning.models import CycleTrainer

    return list(db.session.execute(
        select(User).where(User.id.in_(select(CycleTrainer.user_id))).order_by(User.name)
    ).scalars())


@bp.get("/evaluations/results/cycles/<int:cycle_id>")
@role_required(Role.TRAINER, Role.COORDINATOR)
def cycle_results(cycle_id: int):
    cycle = _cycle(cycle_id)
    require(can_see_cycle_results(current_user, cycle))
    return render_template("evaluations/results.html", heading=f"{cycle.course.title} · {cycle.title}",
                           results=results.results_for([cycle.id]), cycle=cycle,
                           answered=results.answered_count(cycle.id), minimum=results.min_responses(),
                           rating_labels=RATING_LABELS)


@bp.get("/evaluations/results/courses/<int:course_id>")
@role_required(Role.COORDINATOR)
def course_results(course_id: int):
    course = db.session.get(Course, course_id) or abort(404)
    cycles = results.evaluated_cycles(course_id=course.id)
    return render_template("evaluations/results.html", heading=course.title,
                           results=results.results_for([c.id for c in cycles]),
                           summaries=results.summaries(cycles), minimum=results.min_responses(),
                           rating_labels=RATING_LABELS)


@bp.get("/evaluations/results/trainers/<int:user_id>")
@role_required(Role.TRAINER, Role.COORDINATOR)
def trainer_results(user_id: int):
    trainer = db.session.get(User, user_id)
    if trainer is None or not trainer.has_role(Role.TRAINER):
        abort(404)
    require(can_see_trainer_results(current_user, trainer.id))
    cycles = results.evaluated_cycles(trainer_id=trainer.id)
    return render_template("evaluations/results.html", heading=trainer.name,
                           results=results.results_for([c.id for c in cycles]),
                           summaries=results.summaries(cycles), minimum=results.min_responses(),
                           rating_labels=RATING_LABELS)


# --- the questions (coordinators) ---------------------------------------------------------------

def _set_url(course_id: int | None) -> str:
    if course_id is None:
        return url_for("evaluations.standard_questions")
    return url_for("evaluations.course_questions", course_id=course_id)


@bp.route("/evaluations/questions", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def standard_questions():
    form = NewQuestionForm()
    if form.validate_on_submit():
        return _add(None, form)
    courses = db.session.execute(select(Course).order_by(Course.title)).scalars().all()
    return render_template("evaluations/questions.html", course=None, form=form, action=ActionForm(),
                           questions=service.standard_questions(include_retired=True), courses=courses,
                           kind_labels=KIND_LABELS, edit_form=EditQuestionForm())


@bp.route("/evaluations/courses/<int:course_id>/questions", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def course_questions(course_id: int):
    course = db.session.get(Course, course_id) or abort(404)
    form = NewQuestionForm()
    if form.validate_on_submit():
        return _add(course.id, form)
    return render_template(
        "evaluations/questions.html", course=course, form=form, action=ActionForm(),
        standard=service.standard_questions(), excluded=service.excluded_ids(course.id),
        questions=service.course_own_questions(course.id, include_retired=True),
        kind_labels=KIND_LABELS, edit_form=EditQuestionForm(),
    )


def _add(course_id: int | None, form: NewQuestionForm):  # type: ignore[no-untyped-def]
    with refusal_flashed(_set_url(course_id)):
        service.add_question(course_id, QuestionKind(form.kind.data), form.text.data)
    flash(_("The question is added."), "success")
    return redirect(_set_url(course_id))


def _question(question_id: int) -> EvaluationQuestion:
    return db.session.get(EvaluationQuestion, question_id) or abort(404)


@bp.post("/evaluations/questions/<int:question_id>/edit")
@role_required(Role.COORDINATOR)
def edit_question(question_id: int):
    question = _question(question_id)
    form = EditQuestionForm()
    if not form.validate_on_submit():
        abort(400)
    back = _set_url(question.course_id)
    with refusal_flashed(back):
        service.edit_question(question, form.text.data or "")
    flash(_("The question is saved."), "success")
    return redirect(back)


@bp.post("/evaluations/questions/<int:question_id>/<any(retire, restore, up, down):change>")
@role_required(Role.COORDINATOR)
def change_question(question_id: int, change: str):
    question = _question(question_id)
    _checked(ActionForm())
    if change in ("retire", "restore"):
        service.set_question_active(question, change == "restore")
    else:
        service.move_question(question, -1 if change == "up" else 1)
    return redirect(_set_url(question.course_id))


@bp.post("/evaluations/courses/<int:course_id>/questions/<int:question_id>/<any(ask, skip):choice>")
@role_required(Role.COORDINATOR)
def toggle_standard(course_id: int, question_id: int, choice: str):
    course = db.session.get(Course, course_id) or abort(404)
    question = _question(question_id)
    _checked(ActionForm())
    with refusal_flashed(_set_url(course.id)):
        service.set_standard_question_for_course(course.id, question, choice == "ask")
    return redirect(_set_url(course.id))
