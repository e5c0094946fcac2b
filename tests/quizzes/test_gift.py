"""The GIFT parser on snippets written from Moodle's format documentation."""
from decimal import Decimal

import pytest

from lms.quizzes.gift import parse_gift
from lms.quizzes.kinds import QuestionKind


def one(text: str):
    questions, errors = parse_gift(text)
    assert errors == [], errors
    [question] = questions
    return question


def test_single_choice_with_title_and_feedback():
    q = one("::Färg::Vilken färg har en klarblå himmel?{=blå#Rätt! ~grön#Nej. ~röd}")
    assert q.kind == QuestionKind.SINGLE and q.title == "Färg"
    assert q.text == "Vilken färg har en klarblå himmel?"
    assert [(a.text, a.weight, a.feedback) for a in q.answers] == [
        ("blå", 100, "Rätt!"), ("grön", 0, "Nej."), ("röd", 0, "")]


def test_multiple_choice_with_weights_and_penalties():
    q = one("Vilka är primärfärger?{\n~%50%röd\n~%50%blå\n~%-100%grön#Nej\n}")
    assert q.kind == QuestionKind.MULTIPLE
    assert [a.weight for a in q.answers] == [50, 50, -100]
    assert q.answers[2].feedback == "Nej"


def test_weights_with_decimals_add_up_to_100():
    q = one("Välj tre.{~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert q.kind == QuestionKind.MULTIPLE


def test_weights_without_an_equals_answer_make_check_boxes_as_in_moodle():
    assert one("Q{~%100%ja ~%0%nej ~nej igen}").kind == QuestionKind.MULTIPLE
    assert one("Q{=ja ~%0%nej ~nej igen}").kind == QuestionKind.SINGLE


@pytest.mark.parametrize("block, truth", [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False)])
def test_true_false(block, truth):
    q = one(f"Malmö ligger i Skåne.{block}")
    assert q.kind == QuestionKind.TRUE_FALSE and q.truth is truth


def test_true_false_feedback_wrong_then_right():
    q = one("Jorden är platt.{F#Nej, den är rund.#Rätt.}")
    assert (q.feedback_wrong, q.feedback_right) == ("Nej, den är rund.", "Rätt.")


def test_short_answer_with_several_accepted_answers():
    q = one("Vem leder årsmötet?{=mötesordförande =ordförande för mötet =%50%ordförande}")
    assert q.kind == QuestionKind.SHORT
    assert [(a.text, a.weight) for a in q.answers] == [
        ("mötesordförande", 100), ("ordförande för mötet", 100), ("ordförande", 50)]


@pytest.mark.parametrize("block, low, high", [
    ("{#1.5:0}", "1.5", "1.5"),
    ("{#3.14:0.01}", "3.13", "3.15"),
    ("{#1..5}", "1", "5"),
    ("{#7}", "7", "7"),
    ("{#1,5:0,5}", "1.0", "2.0"),
])
def test_numeric_with_tolerance_and_ranges(block, low, high):
    q = one(f"Ett tal?{block}")
    assert q.kind == QuestionKind.NUMERIC
    assert (q.answers[0].low, q.answers[0].high) == (Decimal(low), Decimal(high))


def test_numeric_with_several_answers_and_partial_credit():
    q = one("När föddes Ulysses S. Grant?{#\n=1822:0 #Rätt\n=%50%1822:2 #Nästan\n}")
    assert [(a.low, a.high, a.weight, a.feedback) for a in q.answers] == [
        (1822, 1822, 100, "Rätt"), (1820, 1824, 50, "Nästan")]


def test_matching_pairs():
    q = one("Para ihop.{\n=Ordförande -> leder styrelsen\n=Kassör -> sköter ekonomin\n=Sekreterare -> skriver protokoll\n}")
    assert q.kind == QuestionKind.MATCHING
    assert [(a.text, a.match) for a in q.answers][1] == ("Kassör", "sköter ekonomin")


def test_essay():
    q = one("Beskriv er förenings största utmaning.{}")
    assert q.kind == QuestionKind.ESSAY


def test_escaped_special_characters():
    q = one(r"Vad blir 2 + 2 \= ? Skriv \{svar\} \~ \# \: klart. C:\temp{=4 =fyra\#1#Ja \= rätt}")
    assert q.text == r"Vad blir 2 + 2 = ? Skriv {svar} ~ # : klart. C:\temp"
    assert [a.text for a in q.answers] == ["4", "fyra#1"]
    assert q.answers[1].feedback == "Ja = rätt"


def test_missing_word_format_keeps_the_text_after_the_block():
    q = one("Årsmötet väljer {=revisorer ~medlemmar} för nästa år.")
    assert q.text == "Årsmötet väljer _____ för nästa år."


def test_comments_categories_general_feedback_and_multi_line_text():
    questions, errors = parse_gift(
        "// en kommentar\n$CATEGORY: Styrelsearbete/Årsmöte\n\n"
        "::Lång::Den här frågan\nsträcker sig över\ntre rader.{\n=ja\n~nej\n####Läs stadgarna.\n}\n\n"
        "// ännu en kommentar\nKort fråga.{T}\n"
    )
    assert errors == []
    first, second = questions
    assert first.category == second.category == "Styrelsearbete/Årsmöte"
    assert first.text == "Den här frågan\nsträcker sig över\ntre rader."
    assert first.general_feedback == "Läs stadgarna."
    assert (first.line, second.line) == (4, 13)


def test_an_unknown_bracketed_word_stays_text_as_in_moodle():
    q = one("::T::[latex]Q{T}")
    assert (q.text_format, q.text) == ("moodle", "[latex]Q")


@pytest.mark.parametrize("fmt", ["markdown", "html", "plain", "moodle"])
def test_text_formats(fmt):
    q = one(f"::T::[{fmt}]Vad är **fet**?{{T}}")
    assert q.text_format == fmt and q.text == "Vad är **fet**?"


# --- malformed input: every error names its line ------------------------------------------------

@pytest.mark.parametrize("text, line, message", [
    ("Fråga utan svar\n", 1, "A description (text without an answer block"),
    ("OK.{T}\n\nEn fråga{=a ~b\n", 3, "not closed with }"),
    ("OK.{T}\n\n\n::Titel utan slut Fråga{T}", 4, "does not end with ::"),
    ("Q{=a ~b}\n\nQ2{~a ~b}", 3, "No answer is right"),
    ("Q{~%60%a ~%60%b ~c}", 1, "add up to 120%"),
    ("Q{~%150%a ~b}", 1, "The weight %150% is not one Moodle offers"),
    ("Q{#abc}", 1, "is not a number"),
    ("Q{#5..1}", 1, "runs backwards"),
    ("Q{=a -> 1}", 1, "at least two pairs"),
    ("Q{=a -> 1 =b -> }", 1, "The item b has nothing to match after ->"),
    ("Jorden är platt.{false}", 1, "true/false is written in capitals"),
    ("Q{=a {=b}}", 1, "cannot contain an unescaped {"),
    ("Q{=a} och {=b}", 1, "Only one answer block"),
    ("{T}", 1, "no text"),
    ("Q{\n=a\n~%x%b\n}", 3, "A weight is written as %50%"),
    ("// bara en kommentar\n", 1, "no question"),
])
def test_malformed_questions_are_reported_with_their_line(text, line, message):
    questions, errors = parse_gift(text)
    assert errors, f"no error for {text!r}"
    assert errors[-1].line == line, errors
    assert message in errors[-1].message, errors


def test_every_malformed_question_is_reported_and_good_ones_still_parse():
    questions, errors = parse_gift("Bra.{T}\n\nDålig.{#x}\n\nOckså bra.{F}\n\nDålig igen{=a ~b\n")
    assert len(questions) == 2
    assert [e.line for e in errors] == [3, 7]
