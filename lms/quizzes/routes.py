"""Taking quizzes, and results, statistics and essay grading for trainers and coordinators."""
from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import Role
from lms.auth.permissions import has_any_role, role_required
from lms.catalog import service as catalog
from lms.catalog.models import Module
from lms.catalog.routes import load_course
from lms.core.unit_of_work import refusal_undone
from lms.db_types import utcnow
from lms.extensions import db
from lms.quizzes import service, statistics
from lms.quizzes.forms import ActionForm, EssayGradeForm
from lms.quizzes.grading import answer_feedback
from lms.quizzes.models import AttemptAnswer, AttemptStatus, Quiz, QuizAttempt
from lms.quizzes.permissions import can_see_results, quizzes_with_visible_results, results_scope
from lms.core.input import query_int

bp = Blueprint("quizzes", __name__)
FIELD = re.compile(r"^q(\d{1,9})(\[\]|\.(p\d{1,4}))?$")
MAX_FIELDS = 400


def _module_quiz(slug: str, module_slug: str):  # type: ignore[no-untyped-def]
    course = load_course(slug)
    module = catalog.module_by_slug(course, module_slug) or abort(404)
    quiz = service.quiz_for_module(module.id) if module.quiz_file else None
    return course, module, quiz or abort(404)


def _own_attempt(attempt_id: int) -> QuizAttempt:
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/courses/<slug>/modules/<module_slug>/quiz", methods=["GET", "POST"])
@login_required
def overview(slug: str, module_slug: str):
    course, module, quiz = _module_quiz(slug, module_slug)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            attempt = service.start_attempt(quiz, current_user.id, utcnow())
        except service.QuizError as error:
            # refused before writing anything of its own; an expired attempt it handed in first
            # is kept (the unit of work commits it)
            flash(str(error), "error")
            return redirect(url_for("quizzes.overview", slug=slug, module_slug=module_slug))
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    attempts = service.attempts_of(current_user.id, quiz.id)
    return render_template(
        "quizzes/overview.html", course=course, module=module, quiz=quiz, attempts=attempts,
        attempts_left=service.attempts_left(quiz, attempts), form=form,
        question_count=min(len(quiz.current_questions), quiz.draw_count or 10**6),
    )


def parse_responses(form) -> dict[int, Any]:  # type: ignore[no-untyped-def]
    """Answers from a posted form: q<ID>, q<ID>[] (several choices), q<ID>.<PAIR> (matching)."""
    keys = [key for key in form.keys() if key.startswith("q")]
    if len(keys) > MAX_FIELDS:
        abort(413)
    responses: dict[int, Any] = {}
    for key in keys:
        match = FIELD.match(key)
        if not match:
            continue
        question_id = int(match.group(1))
        if match.group(2) == "[]":
            responses[question_id] = [value for value in form.getlist(key) if value]
        elif match.group(3):
            pairs = responses.setdefault(question_id, {})
            if isinstance(pairs, dict):
                pairs[match.group(3)] = form.get(key, "")
        else:
            values = form.getlist(key)
            responses[question_id] = values[0] if len(values) == 1 else values
    return responses


@bp.get("/quiz/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    if attempt.status is AttemptStatus.IN_PROGRESS and service.is_expired(attempt, now):
        service.submit_attempt(attempt, now)
        flash(_("The time was up, so your attempt was submitted with the answers saved in time."), "info")
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    answers = {a.question_id: a.response for a in attempt.answers}
    return render_template("quizzes/attempt.html", attempt=attempt, quiz=attempt.quiz,
                           questions=service.attempt_questions(attempt), answers=answers,
                           layout={e["question"]: e for e in attempt.layout}, form=ActionForm(), now=now,
                           unanswered=service.unanswered_count(attempt),
                           confirming=request.args.get("confirm") == "1")


@bp.post("/quiz/attempts/<int:attempt_id>")
@login_required
def save(attempt_id: int):
    """Save the answers; with `submit` in the form, also hand the attempt in."""
    attempt = _own_attempt(attempt_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    now = utcnow()
    wants_json = request.headers.get("X-Requested-With") == "fetch"
    result = None
    try:
        with refusal_undone():
            result = service.save_answers(attempt, parse_responses(request.form), now)
    except service.QuizError as error:
        if wants_json:
            return jsonify(error=str(error)), 409
        if "submit" not in request.form:
            flash(str(error), "error")
        # a Submit that finds the attempt handed in already (a double click): its result; one
        # after the time limit: handed in with the answers saved in time
    if "submit" in request.form and attempt.status is AttemptStatus.IN_PROGRESS \
            and "confirm_unanswered" not in request.form and service.unanswered_count(attempt):
        # the answers given are kept; the person confirms handing in the rest blank
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id, confirm=1, _anchor="quiz-confirm"))
    if "submit" in request.form:
        service.submit_attempt(attempt, now)
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    if wants_json:
        return jsonify(saved=result.saved if result else [], refused={str(k): v for k, v in (result.refused if result else {}).items()})
    if result and result.refused:
        flash(_("Some answers could not be saved: they do not fit their questions."), "warning")
    elif result:
        flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.get("/quiz/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status is AttemptStatus.IN_PROGRESS:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    attempts = service.attempts_of(current_user.id, attempt.quiz_id)
    module = attempt.quiz.module
    return render_template(
        "quizzes/result.html", attempt=attempt, quiz=attempt.quiz, module=module, course=module.course,
        questions=service.attempt_questions(attempt),
        answers={a.question_id: a for a in attempt.answers},
        layout={e["question"]: e for e in attempt.layout},
        show_feedback=service.feedback_visible(attempt, attempts),
        attempts_left=service.attempts_left(attempt.quiz, attempts), form=ActionForm(),
        answer_feedback=answer_feedback,
        renewed_until=_renewed_until(attempt),
    )


def _renewed_until(attempt: QuizAttempt):  # type: ignore[no-untyped-def]
    """The new last valid day of a certificate this attempt renewed (a refresher quiz), or None."""
    from lms.certificates.quiz_renewals import renewal_by_attempt
    from lms.certificates.validity import last_valid_day

    period = renewal_by_attempt(attempt.id) if attempt.passed else None
    return last_valid_day(period.valid_until) if period is not None else None


# --- trainers and coordinators ----------------------------------------------------------------

def _staff_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.get(Quiz, quiz_id) or abort(404)
    if not can_see_results(current_user, quiz):
        abort(403)
    return quiz


@bp.get("/quizzes/<int:quiz_id>/results")
@role_required(Role.TRAINER, Role.COORDINATOR)
def results(quiz_id: int):
    quiz = _staff_quiz(quiz_id)
    cycles, user_ids, cycle_id = results_scope(current_user, quiz, query_int("cycle"))
    return render_template(
        "quizzes/results.html", quiz=quiz, cycles=cycles, cycle_id=cycle_id,
        learners=statistics.learner_results(quiz, user_ids),
        stats=statistics.question_statistics(quiz, user_ids),
    )


@bp.get("/quizzes/<int:quiz_id>/results.csv")
@role_required(Role.TRAINER, Role.COORDINATOR)
def results_csv(quiz_id: int):
    quiz = _staff_quiz(quiz_id)
    _, user_ids, cycle_id = results_scope(current_user, quiz, query_int("cycle"))
    name = f"quiz-{quiz.id}" + (f"-cycle-{cycle_id}" if cycle_id else "") + ".csv"
    return Response(statistics.results_csv(quiz, user_ids, str(get_locale())), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/quizzes")
@role_required(Role.TRAINER, Role.COORDINATOR)
def index():
    visible = quizzes_with_visible_results(current_user)
    quizzes = list(db.session.execute(
        select(Quiz).where(Quiz.id.in_(visible)).options(joinedload(Quiz.module).joinedload(Module.course))
    ).scalars())
    quizzes.sort(key=lambda q: (q.module.course.title, q.module.position))
    essays = service.essays_awaiting_grading(visible)
    return render_template("quizzes/index.html", quizzes=quizzes, essays=essays)


@bp.route("/quizzes/answers/<int:answer_id>/grade", methods=["GET", "POST"])
@role_required(Role.TRAINER, Role.COORDINATOR)
def grade_essay(answer_id: int):
    answer = db.session.get(AttemptAnswer, answer_id) or abort(404)
    if not can_see_results(current_user, answer.question.quiz):
        abort(403)
    form = EssayGradeForm(obj=None)
    if form.validate_on_submit():
        try:
            with refusal_undone():
                service.grade_essay(answer, form.points.data, form.feedback.data or "", current_user.id, utcnow())
        except service.QuizError as error:
            flash(str(error), "error")
        else:
            flash(_("The essay is graded."), "success")
            return redirect(url_for("quizzes.index"))
    return render_template("quizzes/grade_essay.html", answer=answer, form=form)


def is_quiz_staff() -> bool:
    return has_any_role(current_user, Role.TRAINER, Role.COORDINATOR)
