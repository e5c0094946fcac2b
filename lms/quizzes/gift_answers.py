"""The answer block of a GIFT question, read as Moodle's qformat_gift::readquestion reads it.

The kind comes from the block's text in Moodle's order: empty is an essay, `#` first is numeric,
any `~` is a choice, `=` with `->` is matching, a bare T/TRUE/F/FALSE is true/false, anything else
a short answer. A choice is single (radio buttons) when it has an `=` answer, multiple (check
boxes) otherwise. Weights must be among Moodle's grade options, as its import demands by default.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from lms.quizzes.gift_text import (
    Answer, Failure, ParsedQuestion, find, rfind, split_unescaped, unescape, with_format,
)
from lms.quizzes.kinds import QuestionKind

TRUE_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
#: Moodle's grade options in percent (question_bank::fraction_options_full), also below zero
_GRADES = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30",
           "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")
GRADES = tuple(Decimal(g) for g in _GRADES) + tuple(-Decimal(g) for g in _GRADES if g != "0")
WEIGHT = re.compile(r"%(-?\d+(?:\.\d*)?)%")
NUMBER = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
HUNDRED = Decimal(100)


def parse_answers(question: ParsedQuestion, body: str, offset: int) -> None:
    general = rfind(body, "####")
    if general >= 0:
        question.general_feedback, question.general_feedback_format = _formatted(body[general + 4:])
        body = body[:general]
    content = body.strip()
    lead = offset + len(body) - len(body.lstrip())
    if not content:
        question.kind = QuestionKind.ESSAY
    elif content.startswith("#"):
        _numeric(question, content[1:], lead + 1)
    elif find(content, "~") >= 0:
        _choices(question, content, lead)
    elif find(content, "=") >= 0 and find(content, "->") >= 0:
        _matching(question, content, lead)
    elif _true_false_word(content, lead) is not None:
        _true_false(question, content)
    else:
        _short(question, content, lead)


def _formatted(raw: str) -> tuple[str, str]:
    text, fmt = with_format(raw)
    return unescape(text), fmt


def _true_false_word(content: str, offset: int) -> str | None:
    word = split_unescaped(content, "#", 1)[0].strip()
    if word in TRUE_WORDS:
        return word
    if word.upper() in TRUE_WORDS:
        raise Failure(offset, _(
            "{%(word)s}: true/false is written in capitals, {T}, {TRUE}, {F} or {FALSE} "
            "(Moodle reads {%(word)s} as a short answer).", word=word))
    return None


def _true_false(question: ParsedQuestion, content: str) -> None:
    parts = split_unescaped(content, "#", 2)
    question.kind = QuestionKind.TRUE_FALSE
    question.truth = TRUE_WORDS[parts[0].strip()]
    question.feedback_wrong = unescape(with_format(parts[1])[0]) if len(parts) > 1 else ""
    question.feedback_right = unescape(with_format(parts[2])[0]) if len(parts) > 2 else ""


def _pieces(content: str, offset: int, markers: str) -> list[tuple[str, str, int]]:
    """(marker, raw text, offset) of each answer; text before the first marker has marker ""."""
    pieces: list[tuple[str, str, int]] = []
    start, marker, index = 0, "", 0
    while index < len(content):
        if content[index] == "\\":
            index += 2
            continue
        if content[index] in markers:
            if marker or content[start:index].strip():
                pieces.append((marker, content[start:index], offset + start))
            marker, start = content[index], index + 1
        index += 1
    if marker or content[start:].strip():
        pieces.append((marker, content[start:], offset + start))
    return pieces


def _weight(raw: str, offset: int, default: Decimal) -> tuple[Decimal, str]:
    """The `%50%` weight at the start of `raw` (checked against Moodle's grade options) and the rest."""
    stripped = raw.lstrip()
    if not stripped.startswith("%"):
        return default, raw
    match = WEIGHT.match(stripped)
    if not match:
        raise Failure(offset, _("A weight is written as %(example)s or %(negative)s, right after = or ~.",
                                  example="%50%", negative="%-100%"))
    weight = Decimal(match.group(1))
    if not any(abs(weight - grade) < Decimal("0.001") for grade in GRADES):
        raise Failure(offset, _(
            "The weight %(weight)s is not one Moodle offers: use 100, 90, 83.33333, 80, 75, 70, 66.66667, "
            "60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5 or 0 "
            "(also below zero).", weight="%" + match.group(1) + "%"))
    return weight, stripped[match.end():]


def _answer(raw: str, offset: int, weight: Decimal) -> Answer:
    text, _sep, feedback = _partition(raw, "#")
    text, text_format = with_format(text)
    feedback, feedback_format = with_format(feedback)
    answer = Answer(text=unescape(text), weight=weight, feedback=unescape(feedback),
                    text_format=text_format, feedback_format=feedback_format)
    return answer


def _partition(raw: str, separator: str) -> tuple[str, str, str]:
    index = find(raw, separator)
    if index < 0:
        return raw, "", ""
    return raw[:index], separator, raw[index + len(separator):]


def _choices(question: ParsedQuestion, content: str, offset: int) -> None:
    pieces = _pieces(content, offset, "=~")
    if pieces[0][0] == "":
        raise Failure(pieces[0][2], _("Each answer starts with = (right) or ~ (wrong): there is text before the first one."))
    if len(pieces) < 2:
        raise Failure(offset, _("A choice question needs at least two answers."))
    for marker, raw, position in pieces:
        if marker == "=" and raw.lstrip().startswith("%"):
            raise Failure(position, _(
                "In a choice question = always means full marks: write a weight after ~, as %(example)s.",
                example="~%50%"))
        weight, raw = _weight(raw, position, Decimal(100) if marker == "=" else Decimal(0))
        answer = _answer(raw, position, weight)
        if not answer.text:
            raise Failure(position, _("An answer has no text."))
        question.answers.append(answer)
    if "=" in {marker for marker, _r, _p in pieces}:
        question.kind = QuestionKind.SINGLE
        return
    question.kind = QuestionKind.MULTIPLE
    positive = sum((a.weight for a in question.answers if a.weight > 0), Decimal(0))
    if positive == 0:
        raise Failure(offset, _("No answer is right: mark one with = or give weights like %(example)s.", example="~%50%"))
    if abs(positive - HUNDRED) >= Decimal("0.5"):
        raise Failure(offset, _(
            "The positive weights add up to %(total)s%%, not 100%%: a learner could not get full marks "
            "(or could get more).", total=format(positive.normalize(), "f")))


def _matching(question: ParsedQuestion, content: str, offset: int) -> None:
    question.kind = QuestionKind.MATCHING
    pieces = _pieces(content, offset, "=")
    if len(pieces) < 2:
        raise Failure(offset, _("A matching question needs at least two pairs."))
    for _marker, raw, position in pieces:
        arrow = find(raw, "->")
        if arrow < 0:
            raise Failure(position, _(
                "A matching pair needs -> between the item and its match: %(pair)s", pair=unescape(raw)))
        if find(raw, "#") >= 0:
            raise Failure(position, _(
                "A matching pair has no feedback in GIFT: write \\# for the character #."))
        left, left_format = with_format(raw[:arrow])
        left, right = unescape(left), unescape(raw[arrow + 2:])
        if not left and not right:
            continue  # Moodle skips an empty pair
        if not right:
            raise Failure(position, _("The item %(item)s has nothing to match after ->.", item=left))
        question.answers.append(Answer(text=left, match=right, weight=Decimal(100), text_format=left_format))
    if not any(a.text for a in question.answers):
        raise Failure(offset, _("A matching question needs at least one pair with an item before ->."))


def _short(question: ParsedQuestion, content: str, offset: int) -> None:
    question.kind = QuestionKind.SHORT
    for _marker, raw, position in _pieces(content, offset, "="):
        weight, raw = _weight(raw, position, Decimal(100))
        answer = _answer(raw, position, weight)
        if not answer.text:
            raise Failure(position, _("An answer has no text."))
        question.answers.append(answer)
    _full_marks(question, offset)


def _full_marks(question: ParsedQuestion, offset: int) -> None:
    if not any(a.weight == HUNDRED for a in question.answers):
        raise Failure(offset, _(
            "No answer gives full marks: give one answer = without a weight, or %(example)s.", example="%100%"))


def _numeric(question: ParsedQuestion, content: str, offset: int) -> None:
    question.kind = QuestionKind.NUMERIC
    other = find(content, "~")
    if other >= 0:
        _other_feedback(question, content[other + 1:], offset + other)
        content = content[:other]
    pieces = _pieces(content, offset, "=")
    if not pieces:
        raise Failure(offset, _("A numeric question needs at least one number after #."))
    for _marker, raw, position in pieces:
        weight, raw = _weight(raw, position, Decimal(100))
        text, _sep, feedback = _partition(raw, "#")
        feedback, feedback_format = with_format(feedback)
        if unescape(text) == "*" and weight == 0:
            question.feedback_other = unescape(feedback)  # Moodle's "any other answer"
            continue
        answer = Answer(weight=weight, feedback=unescape(feedback), feedback_format=feedback_format)
        _numeric_value(answer, text, position)
        question.answers.append(answer)
    _full_marks(question, offset)


def _other_feedback(question: ParsedQuestion, raw: str, offset: int) -> None:
    text, sep, feedback = _partition(raw, "#")
    if not sep or text.strip():
        raise Failure(offset, _("Feedback for any other number is written ~#feedback, after the accepted numbers."))
    question.feedback_other = unescape(with_format(feedback)[0])


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _numeric_value(answer: Answer, raw: str, offset: int) -> None:
    text = unescape(raw).replace(" ", "")
    try:
        if re.fullmatch(rf"{NUMBER}\.\.{NUMBER}", text):
            low_text, high_text = text.split("..", 1)
            low, high = _decimal(low_text), _decimal(high_text)
            if low > high:
                raise Failure(offset, _(
                    "The range %(range)s runs backwards: write the lower number first (%(fixed)s).",
                    range=text, fixed=high_text + ".." + low_text))
        elif re.fullmatch(rf"{NUMBER}:{NUMBER}", text):
            value, tolerance = (_decimal(p) for p in text.split(":"))
            low, high = value - abs(tolerance), value + abs(tolerance)
        elif re.fullmatch(NUMBER, text):
            low = high = _decimal(text)
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise Failure(offset, _(
            "%(answer)s is not a number, a number:tolerance or a low..high range "
            "(Moodle would accept any answer here).", answer=repr(text))) from None
    answer.low, answer.high = low, high
    answer.text = text
