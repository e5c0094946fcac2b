"""Grading each kind of question, with its edge cases."""
from decimal import Decimal

import pytest

from lms.quizzes.content import question_spec
from lms.quizzes.gift import parse_gift
from lms.quizzes.grading import grade, parse_number
from lms.quizzes.models import QuestionKind


def spec_of(gift: str):
    [question], errors = parse_gift(gift)
    assert not errors
    return QuestionKind(question.kind), question_spec(question)


def fraction(gift: str, response) -> Decimal:
    kind, spec = spec_of(gift)
    return grade(kind, spec, response)


def test_single_choice():
    gift = "Q{=rätt ~fel1 ~fel2}"
    assert fraction(gift, "o1") == 1
    assert fraction(gift, "o2") == 0
    assert fraction(gift, "o99") == 0
    assert fraction(gift, None) == 0


def test_single_choice_with_partial_weight():
    assert fraction("Q{=rätt ~%50%nästan ~fel}", "o2") == Decimal("0.5")


@pytest.mark.parametrize("chosen, expected", [
    (["o1", "o2"], "1"),
    (["o1"], "0.5"),
    (["o1", "o3"], "0"),
    (["o1", "o2", "o3"], "0"),
    ([], "0"),
    (["o3"], "0"),
    (["o1", "o1"], "0.5"),
])
def test_multiple_choice_partial_credit_and_penalty(chosen, expected):
    assert fraction("Q{~%50%a ~%50%b ~%-100%c}", chosen) == Decimal(expected)


def test_multiple_choice_penalty_of_half():
    assert fraction("Q{~%50%a ~%50%b ~%-50%c ~%-50%d}", ["o1", "o2", "o3"]) == Decimal("0.5")


def test_true_false():
    assert fraction("Q{T}", True) == 1
    assert fraction("Q{T}", False) == 0
    assert fraction("Q{F}", False) == 1


@pytest.mark.parametrize("answer, expected", [
    ("Mötesordförande", "1"), ("  mötes ordförande ", "0"), ("MÖTESORDFÖRANDE  ", "1"),
    ("ordförande   för\tmötet", "1"), ("ordförande", "0.5"), ("kassör", "0"), ("", "0"),
])
def test_short_answer_is_case_and_whitespace_insensitive(answer, expected):
    gift = "Q{=mötesordförande =ordförande för mötet =%50%ordförande}"
    assert fraction(gift, answer) == Decimal(expected)


@pytest.mark.parametrize("answer, expected", [
    ("1.5", "1"), ("1,5", "1"), (" 1,50 ", "1"), ("1,6", "0"), ("abc", "0"), ("", "0"), ("1e3", "0"),
])
def test_numeric_exact_with_decimal_comma(answer, expected):
    assert fraction("Q{#1.5:0}", answer) == Decimal(expected)


@pytest.mark.parametrize("answer, expected", [("3.13", "1"), ("3.15", "1"), ("3.16", "0"), ("3.1", "0")])
def test_numeric_tolerance_edges(answer, expected):
    assert fraction("Q{#3.14:0.01}", answer) == Decimal(expected)


@pytest.mark.parametrize("answer, expected", [("1", "1"), ("5", "1"), ("0,99", "0"), ("1 500", "0")])
def test_numeric_range(answer, expected):
    assert fraction("Q{#1..5}", answer) == Decimal(expected)


def test_numeric_partial_credit_takes_the_best_range():
    gift = "Q{#=1822:0 =%50%1822:2}"
    assert fraction(gift, "1822") == 1
    assert fraction(gift, "1821") == Decimal("0.5")
    assert fraction(gift, "1830") == 0


def test_matching_gives_a_share_per_right_pair():
    kind, spec = spec_of("Q{=a -> 1 =b -> 2 =c -> 3 =d -> 3}")
    right = {p["id"]: p["answer"] for p in spec["pairs"]}
    assert grade(kind, spec, right) == 1
    half = dict(right, p1=right["p2"], p2=right["p1"])
    assert grade(kind, spec, half) == Decimal("0.5")
    assert grade(kind, spec, {}) == 0
    assert grade(kind, spec, "nonsense") == 0
    assert len(spec["choices"]) == 3, "a right side used twice is one choice"


def test_essays_wait_for_a_trainer():
    assert fraction("Q{}", "Ett svar") is None


@pytest.mark.parametrize("text, value", [("1 500", "1500"), ("-3", "-3"), ("2,75", "2.75"), ("1.2.3", None), ("", None)])
def test_numbers_as_people_write_them(text, value):
    assert parse_number(text) == (Decimal(value) if value else None)
