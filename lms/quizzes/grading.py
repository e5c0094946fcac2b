"""Grading one answer: the share of the question's point earned, from 0 to 1.

Multiple choice adds the weights of the chosen options (wrong options may carry negative weights:
the penalty) and clamps the sum to 0..100 %. Matching gives an equal share per correct pair.
Essays return None: a trainer grades them by hand.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from lms.quizzes.content import normalise_text
from lms.quizzes.models import QuestionKind

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)


def grade(kind: QuestionKind, spec: dict[str, Any], response: Any) -> Decimal | None:
    if kind is QuestionKind.ESSAY:
        return None
    if response is None:
        return ZERO
    return _GRADERS[kind](spec, response)


def _clamp(value: Decimal) -> Decimal:
    return max(ZERO, min(ONE, value))


def _weights(spec: dict[str, Any]) -> dict[str, Decimal]:
    return {option["id"]: Decimal(option["weight"]) for option in spec["options"]}


def _single(spec: dict[str, Any], response: Any) -> Decimal:
    return _clamp(_weights(spec).get(response, ZERO) / HUNDRED)


def _multiple(spec: dict[str, Any], response: Any) -> Decimal:
    weights = _weights(spec)
    chosen = set(response) if isinstance(response, list) else set()
    return _clamp(sum((weights.get(option, ZERO) for option in chosen), ZERO) / HUNDRED)


def _true_false(spec: dict[str, Any], response: Any) -> Decimal:
    return ONE if response == spec["truth"] else ZERO


def _short(spec: dict[str, Any], response: Any) -> Decimal:
    given = normalise_text(str(response))
    best = max((Decimal(a["weight"]) for a in spec["accepted"] if short_matches(a["text"], given)), default=ZERO)
    return _clamp(best / HUNDRED)


def short_matches(accepted: str, given: str) -> bool:
    """As Moodle's short answer: `*` in an accepted answer stands for any text, `\\*` for a star."""
    if "*" not in accepted:
        return accepted == given
    parts = re.split(r"(?<!\\)\*", accepted)
    pattern = ".*".join(re.escape(part.replace("\\*", "*")) for part in parts)
    return re.fullmatch(pattern, given, re.DOTALL) is not None


def parse_number(text: str) -> Decimal | None:
    """A number as people write it: '1,5', '1.5', '1 500', '-3'."""
    cleaned = re.sub(r"[\s\u00a0]", "", str(text)).replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _numeric(spec: dict[str, Any], response: Any) -> Decimal:
    value = parse_number(response)
    if value is None:
        return ZERO
    best = max((Decimal(r["weight"]) for r in spec["ranges"]
                if Decimal(r["low"]) <= value <= Decimal(r["high"])), default=ZERO)
    return _clamp(best / HUNDRED)


def _matching(spec: dict[str, Any], response: Any) -> Decimal:
    if not isinstance(response, dict):
        return ZERO
    pairs = spec["pairs"]
    right = sum(1 for pair in pairs if response.get(pair["id"]) == pair["answer"])
    return Decimal(right) / Decimal(len(pairs))


_GRADERS = {
    QuestionKind.SINGLE: _single,
    QuestionKind.MULTIPLE: _multiple,
    QuestionKind.TRUE_FALSE: _true_false,
    QuestionKind.SHORT: _short,
    QuestionKind.NUMERIC: _numeric,
    QuestionKind.MATCHING: _matching,
}


def answer_feedback(kind: QuestionKind, spec: dict[str, Any], response: Any) -> str:
    """The feedback HTML written for the answer given to a short-answer or numeric question.

    The best-weighted accepted answer or range that matches wins, as it does for the grade; a
    numeric answer outside every range gets the question's `~#` feedback for any other number.
    """
    if response is None or kind not in (QuestionKind.SHORT, QuestionKind.NUMERIC):
        return ""
    if kind is QuestionKind.SHORT:
        given = normalise_text(str(response))
        matches = [a for a in spec["accepted"] if short_matches(a["text"], given)]
    else:
        value = parse_number(response)
        matches = [] if value is None else [
            r for r in spec["ranges"] if Decimal(r["low"]) <= value <= Decimal(r["high"])]
    if not matches:
        return str(spec.get("other_feedback_html", ""))
    return str(max(matches, key=lambda m: Decimal(m["weight"])).get("feedback_html", ""))
