"""The kinds of question: what the GIFT parser recognises is what a stored question is."""
from __future__ import annotations

import enum


class QuestionKind(str, enum.Enum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    SHORT = "short"
    NUMERIC = "numeric"
    MATCHING = "matching"
    ESSAY = "essay"
