"""Quiz files in courses_content/: settings from front matter, GIFT to stored questions."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from markupsafe import escape

from lms.catalog.markdown import render_markdown, sanitise_html
from lms.quizzes.gift import GiftError, ParsedQuestion, parse_gift
from lms.quizzes.kinds import QuestionKind
from lms.quizzes.models import FeedbackPolicy

SETTING_FIELDS = ("pass_mark", "attempts", "time_limit", "shuffle", "draw", "feedback")


@dataclass
class QuizSettings:
    pass_mark: int = 70
    attempts: int = 0
    time_limit: int | None = None
    shuffle: bool = True
    draw: int | None = None
    feedback: FeedbackPolicy = FeedbackPolicy.AFTER_SUBMIT


@dataclass
class QuizSource:
    file: str
    hash: str
    settings: QuizSettings
    questions: list[ParsedQuestion]


def read_settings(value: Any, line_of, report) -> QuizSettings:  # type: ignore[no-untyped-def]
    """Quiz settings from the `quiz_settings` mapping; `report(line, message)` collects errors."""
    settings = QuizSettings()
    if value is None:
        return settings
    if not isinstance(value, dict):
        report(line_of("quiz_settings"), "quiz_settings must be a mapping of settings")
        return settings
    for name in value:
        if name not in SETTING_FIELDS:
            report(line_of("quiz_settings"), f"unknown quiz setting {name!r} (known: {', '.join(SETTING_FIELDS)})")

    def number(name: str, low: int, high: int) -> int | None:
        raw = value.get(name)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            report(line_of("quiz_settings"), f"quiz setting {name} must be a whole number from {low} to {high}, not {raw!r}")
            return None
        return raw

    settings.pass_mark = number("pass_mark", 0, 100) if "pass_mark" in value else 70
    settings.pass_mark = 70 if settings.pass_mark is None else settings.pass_mark
    settings.attempts = number("attempts", 0, 100) or 0
    settings.time_limit = number("time_limit", 1, 600)
    settings.draw = number("draw", 1, 500)
    shuffle = value.get("shuffle", True)
    if not isinstance(shuffle, bool):
        report(line_of("quiz_settings"), f"quiz setting shuffle must be true or false, not {shuffle!r}")
    settings.shuffle = shuffle if isinstance(shuffle, bool) else True
    feedback = value.get("feedback", FeedbackPolicy.AFTER_SUBMIT.value)
    try:
        settings.feedback = FeedbackPolicy(feedback)
    except ValueError:
        known = ", ".join(policy.value for policy in FeedbackPolicy)
        report(line_of("quiz_settings"), f"quiz setting feedback must be one of {known}, not {feedback!r}")
    return settings


def read_quiz_file(path: Path, settings: QuizSettings) -> tuple[QuizSource | None, list[GiftError]]:
    text = path.read_text("utf-8")
    questions, errors = parse_gift(text)
    if settings.draw is not None and settings.draw > len(questions) and not errors:
        errors.append(GiftError(1, f"quiz_settings draw is {settings.draw} but the file has only {len(questions)} questions"))
    if errors:
        return None, errors
    digest = hashlib.sha256(text.encode()).hexdigest()
    return QuizSource(file=path.name, hash=digest, settings=settings, questions=questions), []


# --- from parsed questions to stored specs -----------------------------------------------------

def render_text(text: str, text_format: str) -> str:
    if text_format == "plain":
        return "<p>" + str(escape(text)).replace("\n", "<br>") + "</p>"
    if text_format == "html":
        return sanitise_html(text)
    return render_markdown(text)


def render_inline(text: str, text_format: str) -> str:
    html = render_text(text, text_format).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def question_spec(question: ParsedQuestion) -> dict[str, Any]:
    fmt = question.text_format
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return {"options": [
            {"id": f"o{i}", "html": render_inline(a.text, fmt), "weight": str(a.weight),
             "feedback_html": render_inline(a.feedback, fmt) if a.feedback else ""}
            for i, a in enumerate(question.answers, start=1)
        ]}
    if question.kind == QuestionKind.TRUE_FALSE:
        return {"truth": question.truth,
                "feedback_wrong_html": render_inline(question.feedback_wrong, fmt) if question.feedback_wrong else "",
                "feedback_right_html": render_inline(question.feedback_right, fmt) if question.feedback_right else ""}
    if question.kind == QuestionKind.SHORT:
        return {"accepted": [
            {"text": normalise_text(a.text), "shown": a.text, "weight": str(a.weight),
             "feedback_html": render_inline(a.feedback, fmt) if a.feedback else ""}
            for a in question.answers
        ]}
    if question.kind == QuestionKind.NUMERIC:
        return {"ranges": [
            {"low": str(a.low), "high": str(a.high), "shown": a.text, "weight": str(a.weight),
             "feedback_html": render_inline(a.feedback, fmt) if a.feedback else ""}
            for a in question.answers
        ]}
    if question.kind == QuestionKind.MATCHING:
        rights = list(dict.fromkeys(a.match for a in question.answers))
        choices = {text: f"c{i}" for i, text in enumerate(rights, start=1)}
        return {
            "pairs": [{"id": f"p{i}", "html": render_inline(a.text, fmt), "answer": choices[a.match]}
                      for i, a in enumerate(question.answers, start=1)],
            "choices": [{"id": choices[text], "html": render_inline(text, fmt)} for text in rights],
        }
    return {}


def normalise_text(text: str) -> str:
    """Short answers compare case- and whitespace-insensitively."""
    return " ".join(text.casefold().split())


def fingerprint(question: ParsedQuestion) -> str:
    data = asdict(question)
    data.pop("line")
    return hashlib.sha256(json.dumps(data, default=_json_default, sort_keys=True).encode()).hexdigest()


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)
