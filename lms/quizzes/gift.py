"""A parser for the subset of Moodle's GIFT format documented in docs/content-format.md.

`parse_gift(text)` returns the questions and every error found, each with its line. Texts keep
their GIFT escapes resolved; rendering to HTML happens later (see lms.quizzes.content).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lms.quizzes.kinds import QuestionKind

SPECIAL = "~=#{}:"
FORMATS = ("moodle", "markdown", "html", "plain")
TRUE_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}


@dataclass(frozen=True)
class GiftError:
    line: int
    message: str


@dataclass
class Answer:
    text: str = ""
    weight: Decimal = Decimal(0)
    feedback: str = ""
    match: str = ""
    low: Decimal | None = None
    high: Decimal | None = None


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


class _Failure(Exception):
    def __init__(self, offset: int, message: str):
        super().__init__(message)
        self.offset = offset
        self.message = message


def parse_gift(text: str) -> tuple[list[ParsedQuestion], list[GiftError]]:
    """Every question in `text` and every error, each error with its 1-based line."""
    questions, errors = [], []
    category = ""
    for start_line, block in _blocks(text):
        stripped = block.strip()
        if stripped.startswith("$CATEGORY:"):
            category = stripped[len("$CATEGORY:"):].strip()
            continue
        try:
            question = _parse_question(block)
        except _Failure as failure:
            errors.append(GiftError(start_line + block[: failure.offset].count("\n"), failure.message))
            continue
        question.line = start_line
        question.category = category
        questions.append(question)
    if not questions and not errors:
        errors.append(GiftError(1, "the file holds no question"))
    return questions, errors


def _blocks(text: str):
    """(first line, text) of each question: runs of lines separated by blank lines outside braces."""
    block: list[str] = []
    start = 0
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if depth == 0 and line.lstrip().startswith("//"):
            continue
        if depth == 0 and not line.strip():
            if block:
                yield start, "\n".join(block)
                block = []
            continue
        if not block:
            start = number
        block.append(line)
        depth = max(0, depth + _brace_balance(line))
    if block:
        yield start, "\n".join(block)


def _brace_balance(line: str) -> int:
    balance, escaped = 0, False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            balance += 1
        elif char == "}":
            balance -= 1
    return balance


def _find(text: str, target: str, start: int = 0) -> int:
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


def _parse_question(block: str) -> ParsedQuestion:
    title, offset = _title(block)
    text_format, offset = _format(block, offset)
    opening = _find(block, "{", offset)
    if opening < 0:
        raise _Failure(offset, "no answer block: a question needs {…} with its answers")
    closing = _find(block, "}", opening + 1)
    if closing < 0:
        raise _Failure(opening, "the answer block is not closed with }")
    nested = _find(block, "{", opening + 1)
    if 0 <= nested < closing:
        raise _Failure(nested, "an answer block cannot contain an unescaped {")
    before, after = block[offset:opening], block[closing + 1:]
    if _find(after, "{") >= 0:
        raise _Failure(closing + 1, "only one answer block per question is supported")
    text = unescape(before) + (" _____ " + unescape(after) if after.strip() else "")
    text = re.sub(r"  +_____", " _____", text)
    if not text.strip():
        raise _Failure(offset, "the question has no text")
    question = ParsedQuestion(line=0, kind=QuestionKind.ESSAY, text=text.strip(), title=title,
                              text_format=text_format)
    _parse_answers(question, block[opening + 1:closing], opening + 1)
    return question


def _title(block: str) -> tuple[str, int]:
    stripped = len(block) - len(block.lstrip())
    if not block.startswith("::", stripped):
        return "", 0
    end = _find(block, "::", stripped + 2)
    if end < 0:
        raise _Failure(stripped, "the title starts with :: but does not end with ::")
    return unescape(block[stripped + 2:end]), end + 2


def _format(block: str, offset: int) -> tuple[str, int]:
    match = re.compile(r"\s*\[([a-z]+)\]").match(block, offset)
    if not match:
        return "moodle", offset
    if match.group(1) not in FORMATS:
        raise _Failure(offset, f"unknown text format [{match.group(1)}] (known: {', '.join(FORMATS)})")
    return match.group(1), match.end()


def _parse_answers(question: ParsedQuestion, body: str, offset: int) -> None:
    general = _find(body, "####")
    if general >= 0:
        question.general_feedback = unescape(body[general + 4:])
        body = body[:general]
    content = body.strip()
    lead = offset + len(body) - len(body.lstrip())
    if not content:
        question.kind = QuestionKind.ESSAY
    elif content.startswith("#"):
        _numeric(question, content[1:], lead)
    elif re.split(r"(?<!\\)#", content, maxsplit=1)[0].strip().upper() in TRUE_WORDS:
        _true_false(question, content)
    else:
        _choices(question, content, lead)


def _true_false(question: ParsedQuestion, content: str) -> None:
    parts = re.split(r"(?<!\\)#", content)
    question.kind = QuestionKind.TRUE_FALSE
    question.truth = TRUE_WORDS[parts[0].strip().upper()]
    question.feedback_wrong = unescape(parts[1]) if len(parts) > 1 else ""
    question.feedback_right = unescape(parts[2]) if len(parts) > 2 else ""


def _split_answers(content: str, offset: int) -> list[tuple[str, str, int]]:
    """(marker, text, offset) for each answer starting with an unescaped = or ~."""
    answers: list[tuple[str, str, int]] = []
    index, current, start, marker = 0, [], 0, ""
    while index < len(content):
        char = content[index]
        if char == "\\" and index + 1 < len(content):
            current.append(content[index:index + 2])
            index += 2
            continue
        if char in "=~":
            if marker or "".join(current).strip():
                if not marker:
                    raise _Failure(offset + start, "answers must start with = (right) or ~ (wrong)")
                answers.append((marker, "".join(current), offset + start))
            marker, current, start = char, [], index
        else:
            current.append(char)
        index += 1
    if not marker:
        raise _Failure(offset, "answers must start with = (right) or ~ (wrong)")
    answers.append((marker, "".join(current), offset + start))
    return answers


WEIGHT = re.compile(r"^\s*%(-?\d+(?:\.\d+)?)%")


def _answer(marker: str, raw: str, offset: int) -> Answer:
    weight = Decimal(100) if marker == "=" else Decimal(0)
    match = WEIGHT.match(raw)
    if match:
        weight = Decimal(match.group(1))
        if not Decimal(-100) <= weight <= Decimal(100):
            raise _Failure(offset, f"the weight %{match.group(1)}% is outside -100..100")
        raw = raw[match.end():]
    elif raw.lstrip().startswith("%"):
        raise _Failure(offset, "a weight must look like %50% or %-100%")
    text, _, feedback = _partition_unescaped(raw, "#")
    return Answer(text=text, weight=weight, feedback=unescape(feedback))


def _partition_unescaped(raw: str, separator: str) -> tuple[str, str, str]:
    index = _find(raw, separator)
    if index < 0:
        return raw, "", ""
    return raw[:index], separator, raw[index + len(separator):]


def _choices(question: ParsedQuestion, content: str, offset: int) -> None:
    raw_answers = _split_answers(content, offset)
    answers = []
    for marker, raw, position in raw_answers:
        answer = _answer(marker, raw, position)
        if not unescape(answer.text):
            raise _Failure(position, "an answer has no text")
        answers.append((marker, answer, position))
    markers = {marker for marker, _, _ in answers}
    if markers == {"="} and all(_find(a.text, "->") >= 0 for _, a, _ in answers):
        _matching(question, answers)
    elif markers == {"="}:
        question.kind = QuestionKind.SHORT
        question.answers = [_clean(a) for _, a, _ in answers]
    else:
        _single_or_multiple(question, answers, offset)


def _clean(answer: Answer) -> Answer:
    answer.text = unescape(answer.text)
    return answer


def _matching(question: ParsedQuestion, answers) -> None:  # type: ignore[no-untyped-def]
    question.kind = QuestionKind.MATCHING
    for _, answer, position in answers:
        left, _, right = _partition_unescaped(answer.text, "->")
        if not unescape(right):
            raise _Failure(position, "a matching pair needs text on both sides of ->")
        answer.text, answer.match = unescape(left), unescape(right)
        question.answers.append(answer)
    if len(question.answers) < 2:
        raise _Failure(answers[0][2], "a matching question needs at least two pairs")


def _single_or_multiple(question: ParsedQuestion, answers, offset: int) -> None:  # type: ignore[no-untyped-def]
    question.answers = [_clean(a) for _, a, _ in answers]
    positive = [a.weight for a in question.answers if a.weight > 0]
    if not positive:
        raise _Failure(offset, "no answer is right: mark one with = or give weights like ~%50%")
    full = [w for w in positive if w == 100]
    if len(full) == 1:
        question.kind = QuestionKind.SINGLE
        return
    question.kind = QuestionKind.MULTIPLE
    if abs(sum(positive) - 100) > Decimal("0.1"):
        total = format(sum(positive).normalize(), "f")
        raise _Failure(offset, f"the positive weights add up to {total}%, not 100%")
    if len(question.answers) < 2:
        raise _Failure(offset, "a choice question needs at least two answers")


NUMBER = r"-?\d+(?:[.,]\d+)?"


def _numeric(question: ParsedQuestion, content: str, offset: int) -> None:
    question.kind = QuestionKind.NUMERIC
    content = content.strip()
    if content.startswith("="):
        parts = _split_answers(content, offset)
        for marker, raw, position in parts:
            if marker != "=":
                raise _Failure(position, "numeric answers use = for each accepted value")
            answer = _answer(marker, raw, position)
            _numeric_value(answer, answer.text, position)
            question.answers.append(answer)
    else:
        text, _, feedback = _partition_unescaped(content, "#")
        answer = Answer(weight=Decimal(100), feedback=unescape(feedback))
        _numeric_value(answer, text, offset)
        question.answers.append(answer)


def _numeric_value(answer: Answer, raw: str, offset: int) -> None:
    text = unescape(raw).replace(" ", "")
    try:
        if re.fullmatch(rf"{NUMBER}\.\.{NUMBER}", text):
            low, high = (Decimal(p.replace(",", ".")) for p in text.split(".."))
        elif re.fullmatch(rf"{NUMBER}:{NUMBER}", text):
            value, tolerance = (Decimal(p.replace(",", ".")) for p in text.split(":"))
            low, high = value - abs(tolerance), value + abs(tolerance)
        elif re.fullmatch(NUMBER, text):
            low = high = Decimal(text.replace(",", "."))
        else:
            raise InvalidOperation
    except InvalidOperation:
        raise _Failure(offset, f"{text!r} is not a number, a number:tolerance or a low..high range") from None
    if low > high:
        raise _Failure(offset, f"the range {text} runs backwards")
    answer.low, answer.high = low, high
    answer.text = text
