"""Bringing a module's quiz in line with its file; called by the content import."""
from __future__ import annotations

from sqlalchemy import select

from lms.catalog.models import Module
from lms.extensions import db
from lms.quizzes.content import QuizSource, fingerprint, question_spec, render_text
from lms.quizzes.models import Question, QuestionKind, Quiz


def sync_quiz(module: Module, source: QuizSource) -> Quiz:
    """Create or update the quiz; unchanged questions are kept, changed ones retired and re-added."""
    quiz = db.session.execute(select(Quiz).where(Quiz.module_id == module.id)).scalar_one_or_none()
    if quiz is None:
        quiz = Quiz(module_id=module.id, source_hash="")
        db.session.add(quiz)
    settings = source.settings
    quiz.source_file = source.file
    quiz.pass_mark = settings.pass_mark
    quiz.attempts_allowed = settings.attempts
    quiz.time_limit_minutes = settings.time_limit
    quiz.shuffle = settings.shuffle
    quiz.draw_count = settings.draw
    quiz.feedback_policy = settings.feedback
    if quiz.source_hash != source.hash:
        _sync_questions(quiz, source)
        quiz.source_hash = source.hash
    db.session.flush()
    return quiz


def _sync_questions(quiz: Quiz, source: QuizSource) -> None:
    current = {q.fingerprint: q for q in quiz.questions if not q.retired}
    for position, parsed in enumerate(source.questions, start=1):
        question = current.pop(fingerprint(parsed), None)
        if question is None:
            quiz.questions.append(Question(
                position=position, kind=parsed.kind, title=parsed.title[:200],
                category=parsed.category[:200], text_html=render_text(parsed.text, parsed.text_format),
                general_feedback_html=render_text(parsed.general_feedback, parsed.general_feedback_format or parsed.text_format)
                if parsed.general_feedback else "",
                spec=question_spec(parsed), fingerprint=fingerprint(parsed),
            ))
        else:
            question.position = position
    for question in current.values():
        question.retired = True
