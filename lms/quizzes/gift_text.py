"""What GIFT's parts are made of: the parsed values, escapes, unescaped search and format markers.

Shared by the question reader (lms.quizzes.gift) and the answer reader (lms.quizzes.gift_answers).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from lms.quizzes.kinds import QuestionKind

SPECIAL = "~=#{}:"
FORMATS = ("moodle", "markdown", "html", "plain")


@dataclass
class Answer:
    text: str = ""
    weight: Decimal = Decimal(0)
    feedback: str = ""
    match: str = ""
    low: Decimal | None = None
    high: Decimal | None = None
    #: a [format] marker on the answer or on its feedback; "" = the question's format
    text_format: str = ""
    feedback_format: str = ""


@dataclass
class ParsedQuestion:
    line: int
    kind: QuestionKind
    text: str
    title: str = ""
    category: str = ""
    text_format: str = "moodle"
    answers: list[Answer] = field(default_factory=list)
    general_feedback: str = ""
    truth: bool | None = None
    feedback_wrong: str = ""
    feedback_right: str = ""
    #: numeric: Moodle's `~#feedback`, shown for an answer outside every accepted range
    feedback_other: str = ""
    general_feedback_format: str = ""


#: fields added after questions were first stored: left out of the fingerprint while empty
LATER_FIELDS = ("feedback_other", "general_feedback_format")
LATER_ANSWER_FIELDS = ("text_format", "feedback_format")


class Failure(Exception):
    """A question that cannot be read; `offset` is where in its block the trouble is."""

    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message


def find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after `start`, or -1."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(target, index):
            return index
        index += 1
    return -1


def rfind(text: str, target: str) -> int:
    """Index of the last unescaped `target`, or -1."""
    found, index = -1, find(text, target)
    while index >= 0:
        found, index = index, find(text, target, index + len(target))
    return found


def split_unescaped(text: str, separator: str, limit: int = -1) -> list[str]:
    """`text` cut at unescaped `separator`s (at most `limit` cuts), like PHP's explode."""
    parts, start = [], 0
    while limit != 0:
        index = find(text, separator, start)
        if index < 0:
            break
        parts.append(text[start:index])
        start = index + len(separator)
        limit -= 1
    parts.append(text[start:])
    return parts


def unescape(text: str) -> str:
    result, index = [], 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in SPECIAL + "n\\":
            following = text[index + 1]
            result.append("\n" if following == "n" else following)
            index += 2
            continue
        result.append(char)
        index += 1
    return "".join(result).strip()


def with_format(raw: str, default: str = "") -> tuple[str, str]:
    """(text, format) of a part that may start with [html], [moodle], [plain] or [markdown].

    As in Moodle, any other bracketed word at the start is text, not a marker.
    """
    stripped = raw.strip()
    match = re.match(r"\[([a-z]+)\]", stripped)
    if match and match.group(1) in FORMATS:
        return stripped[match.end():], match.group(1)
    return stripped, default
