"""Quizzes come in with the content import: checked, settings from front matter, history kept."""
from flask_babel import force_locale
from sqlalchemy import select

from lms.catalog.content import load_content
from lms.catalog.service import import_content
from lms.extensions import db
from lms.quizzes.models import FeedbackPolicy, Quiz
from tests.catalog.conftest import line_of, replace_in


def _import(root):
    report = load_content(root)
    assert report.errors == []
    import_content(report.courses, report.errors)
    db.session.commit()


def _quiz(slug: str) -> Quiz:
    return db.session.execute(select(Quiz).where(Quiz.source_file == f"{slug}.gift")).scalar_one()


def test_the_shipped_quizzes_import_with_their_settings(app, content):
    module = content / "styrelsearbete" / "04-arsmotet.md"
    replace_in(module, "quiz: 04-arsmotet.gift", "quiz: 04-arsmotet.gift\nquiz_settings:\n  pass_mark: 80\n"
               "  attempts: 3\n  time_limit: 15\n  draw: 4\n  feedback: after_last_attempt")
    _import(content)
    quiz = _quiz("04-arsmotet")
    assert (quiz.pass_mark, quiz.attempts_allowed, quiz.time_limit_minutes, quiz.draw_count) == (80, 3, 15, 4)
    assert quiz.feedback_policy is FeedbackPolicy.AFTER_LAST_ATTEMPT
    assert len(quiz.current_questions) == 5


def test_a_malformed_quiz_is_reported_with_its_file_and_line_and_blocks_the_import(app, content):
    path = content / "styrelsearbete" / "04-arsmotet.gift"
    replace_in(path, "{#2:0}", "{#två}")
    with force_locale("en"):
        errors = [str(e) for e in load_content(content).errors]
    assert errors == [f"courses_content/styrelsearbete/04-arsmotet.gift:{line_of(path, '{#två}')}: "
                      "'två' is not a number, a number:tolerance or a low..high range "
                      "(Moodle would accept any answer here)."]


def test_bad_quiz_settings_are_reported_at_their_line(app, content):
    module = content / "styrelsearbete" / "04-arsmotet.md"
    replace_in(module, "quiz: 04-arsmotet.gift", "quiz: 04-arsmotet.gift\nquiz_settings:\n  pass_mark: 120\n  colour: red")
    errors = [str(e) for e in load_content(content).errors]
    line = line_of(module, "quiz_settings:")
    assert errors == [
        f"courses_content/styrelsearbete/04-arsmotet.md:{line}: unknown quiz setting 'colour' (known: pass_mark, attempts, time_limit, shuffle, draw, feedback)",
        f"courses_content/styrelsearbete/04-arsmotet.md:{line}: quiz setting pass_mark must be a whole number from 0 to 100, not 120",
    ]


def test_drawing_more_questions_than_the_file_has_is_an_error(app, content):
    module = content / "styrelsearbete" / "04-arsmotet.md"
    replace_in(module, "quiz: 04-arsmotet.gift", "quiz: 04-arsmotet.gift\nquiz_settings:\n  draw: 9")
    [error] = load_content(content).errors
    assert "draw is 9 but the file has only 5 questions" in error.message


def test_a_changed_question_is_retired_and_a_new_one_added(app, content):
    _import(content)
    quiz = _quiz("04-arsmotet")
    kept = {q.fingerprint: q.id for q in quiz.current_questions}
    replace_in(content / "styrelsearbete" / "04-arsmotet.gift", "{#2:0}", "{#2..3}")
    _import(content)
    db.session.expire_all()
    quiz = _quiz("04-arsmotet")
    retired = [q for q in quiz.questions if q.retired]
    assert len(retired) == 1 and len(quiz.current_questions) == 5
    assert len(set(kept.values()) & {q.id for q in quiz.current_questions}) == 4
