"""Quiz files in courses_content/: settings from front matter, GIFT to stored questions."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from markupsafe import escape

from lms.catalog.markdown import render_markdown, sanitise_html
from lms.quizzes.gift import Answer, GiftError, ParsedQuestion, parse_gift
from lms.quizzes.gift_text import LATER_ANSWER_FIELDS, LATER_FIELDS
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
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [GiftError(line, _("The file is not UTF-8 text: save it as UTF-8 (as Moodle also requires)."))]
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

    def text(answer: Answer) -> str:
        return render_inline(answer.text, answer.text_format or fmt)

    def feedback(answer: Answer) -> str:
        return render_inline(answer.feedback, answer.feedback_format or fmt) if answer.feedback else ""

    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return {"options": [
            {"id": f"o{i}", "html": text(a), "weight": str(a.weight), "feedback_html": feedback(a)}
            for i, a in enumerate(question.answers, start=1)
        ]}
    if question.kind == QuestionKind.TRUE_FALSE:
        return {"truth": question.truth,
                "feedback_wrong_html": render_inline(question.feedback_wrong, fmt) if question.feedback_wrong else "",
                "feedback_right_html": render_inline(question.feedback_right, fmt) if question.feedback_right else ""}
    if question.kind == QuestionKind.SHORT:
        return {"accepted": [
            {"text": normalise_text(a.text), "shown": a.text, "weight": str(a.weight), "feedback_html": feedback(a)}
            for a in question.answers
        ]}
    if question.kind == QuestionKind.NUMERIC:
        spec: dict[str, Any] = {"ranges": [
            {"low": str(a.low), "high": str(a.high), "shown": _shown_range(a), "weight": str(a.weight),
             "feedback_html": feedback(a)}
            for a in question.answers
        ]}
        if question.feedback_other:
            spec["other_feedback_html"] = render_inline(question.feedback_other, fmt)
        return spec
    if question.kind == QuestionKind.MATCHING:
        return _matching_spec(question, text)
    return {}


def _shown_range(answer: Answer) -> str:
    """What a learner is told was accepted: "17" or "3.135–3.145", not GIFT's "17:0" or "3.14:0.005"."""
    low, high = (format(value.normalize(), "f") for value in (answer.low, answer.high))  # type: ignore[union-attr]
    return low if low == high else f"{low}–{high}"


def _matching_spec(question: ParsedQuestion, text) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Items with a left side are the pairs; every right side (also a distractor's) is a choice."""
    rights = list(dict.fromkeys(a.match for a in question.answers))
    choices = {right: f"c{i}" for i, right in enumerate(rights, start=1)}
    stems = [a for a in question.answers if a.text]
    return {
        "pairs": [{"id": f"p{i}", "html": text(a), "answer": choices[a.match]} for i, a in enumerate(stems, start=1)],
        "choices": [{"id": choices[right], "html": render_inline(right, question.text_format)} for right in rights],
    }


def normalise_text(text: str) -> str:
    """Short answers compare case- and whitespace-insensitively."""
    return " ".join(text.casefold().split())


def fingerprint(question: ParsedQuestion) -> str:
    """A question's identity across imports; fields added later count only once they are used."""
    data = asdict(question)
    data.pop("line")
    for name in LATER_FIELDS:
        if not data[name]:
            data.pop(name)
    for answer in data["answers"]:
        for name in LATER_ANSWER_FIELDS:
            if not answer[name]:
                answer.pop(name)
    return hashlib.sha256(json.dumps(data, default=_json_default, sort_keys=True).encode()).hexdigest()


def _json_default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)
