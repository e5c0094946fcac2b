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
    best = max((Decimal(a["weight"]) for a in spec["accepted"] if a["text"] == given), default=ZERO)
    return _clamp(best / HUNDRED)


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
