"""A parser for GIFT as Moodle reads it (question/format/gift/format.php); docs/content-format.md
lists the subset and what is refused.

`parse_gift(text)` returns the questions and every error found, each error with its line and a
translated message. The file is cut into questions the way Moodle cuts it: at blank lines (also
inside braces), every line trimmed, comment lines dropped wherever they stand. Each question is
then read as Moodle's `readquestion` reads it. Where Moodle would import something a learner
here cannot answer as meant (a description item, a word it reads as "any number", weights that
do not add up), the question is refused with a message naming the construct instead of being
misread. Texts keep their GIFT escapes resolved; rendering to HTML happens later
(lms.quizzes.content). The answer block is read in lms.quizzes.gift_answers.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from flask_babel import gettext as _

from lms.quizzes.gift_answers import TRUE_WORDS, parse_answers
from lms.quizzes.gift_text import (
    FORMATS, SPECIAL, Answer, Failure, ParsedQuestion, find, unescape, with_format,
)
from lms.quizzes.kinds import QuestionKind

__all__ = ["FORMATS", "SPECIAL", "TRUE_WORDS", "Answer", "GiftError", "ParsedQuestion", "parse_gift", "unescape"]

LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class GiftError:
    line: int
    message: str


@dataclass
class _Block:
    """One question's text as Moodle joins it, with the file line of each kept line."""
    text: str
    starts: list[int]  # offset in `text` where each kept line starts
    numbers: list[int]  # that line's number in the file

    def line_at(self, offset: int) -> int:
        return self.numbers[max(0, bisect.bisect_right(self.starts, offset) - 1)]

    @property
    def unclosed(self) -> bool:
        opening = find(self.text, "{")
        return opening >= 0 and find(self.text, "}", opening) < 0


def parse_gift(text: str) -> tuple[list[ParsedQuestion], list[GiftError]]:
    """Every question in `text` and every error, each error with its 1-based line."""
    questions, errors = [], []
    category = ""
    after_unclosed = False
    for block in _blocks(text.removeprefix("\ufeff")):
        if after_unclosed and _closes_first(block.text):
            after_unclosed = block.unclosed
            continue  # the rest of a question cut by a blank line: reported with its start
        after_unclosed = block.unclosed
        try:
            if block.text.startswith("$CATEGORY:"):
                category = _category(block)
                continue
            question, body, body_offset = _parse_question(block.text)
            parse_answers(question, body, body_offset)
        except Failure as failure:
            errors.append(GiftError(block.line_at(failure.offset), failure.message))
            continue
        question.line = block.numbers[0]
        question.category = category
        questions.append(question)
    if not questions and not errors:
        errors.append(GiftError(1, _("The file holds no question.")))
    return questions, errors


def _blocks(text: str):
    """Runs of non-blank lines, each trimmed, comment lines (`//…`) left out, as Moodle reads them."""
    kept: list[tuple[int, str]] = []
    for number, raw in enumerate(LINE_BREAK.split(text), start=1):
        line = raw.strip()
        if not line:
            if kept:
                yield _joined(kept)
                kept = []
        elif not line.startswith("//"):
            kept.append((number, line))
    if kept:
        yield _joined(kept)


def _joined(kept: list[tuple[int, str]]) -> _Block:
    starts, offset = [], 0
    for _number, line in kept:
        starts.append(offset)
        offset += len(line) + 1
    return _Block("\n".join(line for _n, line in kept), starts, [number for number, _l in kept])


def _closes_first(text: str) -> bool:
    closing, opening = find(text, "}"), find(text, "{")
    return closing >= 0 and (opening < 0 or closing < opening)


def _category(block: _Block) -> str:
    """`$CATEGORY: $course$/top/Styrelse/Årsmöte` -> "Styrelse/Årsmöte": the path below Moodle's top."""
    if "\n" in block.text:
        raise Failure(block.starts[1], _(
            "$CATEGORY stands on a line of its own: leave a blank line before the next question."))
    path = block.text[len("$CATEGORY:"):].strip()
    path = re.sub(r"^\$[a-z]+\$(/|$)", "", path)
    return re.sub(r"^top(/|$)", "", path)


def _parse_question(block: str) -> tuple[ParsedQuestion, str, int]:
    """The question without its answers, and the answer block's text with its offset."""
    title, offset = _title(block)
    opening, closing = _braces(block, offset)
    before, after = block[offset:opening], block[closing + 1:]
    body_text, text_format = with_format(before, "moodle")
    text = unescape(body_text) + (" _____ " + unescape(after) if after.strip() else "")
    text = re.sub(r"  +_____", " _____", text).strip()
    if not text:
        raise Failure(offset, _("The question has no text before its answer block."))
    question = ParsedQuestion(line=0, kind=QuestionKind.ESSAY, text=text, title=title, text_format=text_format)
    return question, block[opening + 1:closing], opening + 1


def _title(block: str) -> tuple[str, int]:
    if not block.startswith("::"):
        return "", 0
    end = find(block, "::", 2)
    if end < 0:
        raise Failure(0, _("The question name starts with :: but does not end with ::."))
    rest = block[end + 2:]
    return unescape(block[2:end]), end + 2 + len(rest) - len(rest.lstrip())


def _braces(block: str, offset: int) -> tuple[int, int]:
    opening, closing = find(block, "{", offset), find(block, "}", offset)
    if opening < 0 and closing < 0:
        raise Failure(offset, _(
            "A description (text without an answer block {…}) is not supported: a quiz here holds "
            "questions only. Put the text in the module, or add {} to make it an essay."))
    if closing < 0:
        raise Failure(opening, _(
            "The answer block opened here is not closed with } before the question ends "
            "(a blank line ends a question in GIFT)."))
    if opening < 0 or closing < opening:
        raise Failure(closing, _("A } without the { that opens its answer block."))
    nested = find(block, "{", opening + 1)
    if 0 <= nested < closing:
        raise Failure(nested, _("An answer block cannot contain an unescaped { (write \\{ for the character)."))
    if find(block, "{", closing + 1) >= 0 or find(block, "}", closing + 1) >= 0:
        raise Failure(closing + 1, _(
            "Only one answer block per question is supported (Moodle would show the second one as text)."))
    return opening, closing
