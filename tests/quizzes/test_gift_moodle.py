"""GIFT as Moodle reads it (question/format/gift/format.php and qformat_default::readquestions).

The fixtures are written in the shape Moodle's export writes: `// question: N  name: …` comments,
`$CATEGORY: $course$/top/…` switches, `[html]` texts with GIFT's escapes, tab-indented answers,
`=%100%answer#` for short answers and `~#feedback` for any other number. Each case states what a
learner is shown: the kind of question, the answers, which are right, and the feedback.
"""
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from lms.extensions import db
from lms.quizzes import service
from lms.quizzes.content import QuizSettings, question_spec, read_quiz_file, render_text
from lms.quizzes.gift import parse_gift
from lms.quizzes.grading import answer_feedback, grade
from lms.quizzes.kinds import QuestionKind
from tests.quizzes.factories import make_quiz, right_response
from tests.quizzes.test_pages import EN, answers_form, start

FIXTURES = Path(__file__).parent / "fixtures"
EXPORT = (FIXTURES / "moodle_export.gift").read_text("utf-8")


def parsed(text: str):
    questions, errors = parse_gift(text)
    assert errors == [], errors
    return questions


def one(text: str):
    [question] = parsed(text)
    return question


def by_title(title: str):
    return next(q for q in parsed(EXPORT) if q.title == title)


def shown(question) -> list[tuple[str, str, str]]:
    """(option as shown, its weight, its feedback) for a choice question."""
    return [(o["html"], o["weight"], o["feedback_html"]) for o in question_spec(question)["options"]]


# --- a question bank exported from Moodle ---------------------------------------------------------

def test_the_export_reads_whole_with_its_categories_and_lines():
    questions = parsed(EXPORT)
    assert [(q.line, q.title, q.kind) for q in questions] == [
        (7, "Valberedning", QuestionKind.SINGLE), (15, "Samtycke", QuestionKind.MULTIPLE),
        (22, "Skåne", QuestionKind.TRUE_FALSE), (25, "Tillsyn", QuestionKind.SHORT),
        (35, "Pi", QuestionKind.NUMERIC), (42, "Ljuset", QuestionKind.NUMERIC),
        (47, "Roller", QuestionKind.MATCHING), (56, "Reflektion", QuestionKind.ESSAY),
        (59, "Årsmötet kort", QuestionKind.SHORT), (65, "Specialtecken : test", QuestionKind.SINGLE),
    ]
    assert {q.category for q in questions[:4]} == {"Default for Styrelsearbete/Årsmötet"}
    assert {q.category for q in questions[4:]} == {"Default for Styrelsearbete/Ekonomi"}


def test_html_question_text_keeps_its_markup_with_the_escapes_resolved():
    question = by_title("Valberedning")
    assert question.text_format == "html"
    html = render_text(question.text, question.text_format)
    assert "<strong>ledamöter</strong>" in html and "\\" not in html and "[html]" not in html
    assert shown(question) == [
        ("Valberedningen", "100", "Rätt, valberedningen bereder valen."),
        ("Revisorerna", "0", "Nej, revisorerna granskar styrelsen."),
        ("Kassören", "0", ""),
    ]
    assert render_text(question.general_feedback, "html") == "<p>Se stadgarnas paragraf om val.</p>"


def test_weighted_answers_without_an_equals_sign_are_check_boxes_with_a_penalty():
    question = by_title("Samtycke")
    assert [(text, weight) for text, weight, _ in shown(question)] == [
        ("Frivilligt", "50"), ("Informerat", "50"), ("Skriftligt på papper", "-100")]
    spec = question_spec(question)
    assert grade(question.kind, spec, ["o1", "o2"]) == 1
    assert grade(question.kind, spec, ["o1", "o2", "o3"]) == 0


def test_true_false_feedback_wrong_then_right_and_general_feedback():
    question = by_title("Skåne")
    spec = question_spec(question)
    assert spec == {"truth": True, "feedback_wrong_html": "Fel: Malmö är Skånes största stad.",
                    "feedback_right_html": "Rätt."}
    assert question.general_feedback == "<p>Skåne är Sveriges sydligaste landskap.</p>"


def test_short_answers_with_partial_credit_and_their_feedback():
    question = by_title("Tillsyn")
    spec = question_spec(question)
    assert [(a["shown"], a["weight"]) for a in spec["accepted"]] == [("IMY", "100"), ("Datainspektionen", "50")]
    assert grade(question.kind, spec, "imy") == 1 and grade(question.kind, spec, "datainspektionen") == Decimal("0.5")
    assert answer_feedback(question.kind, spec, "Datainspektionen") == "Det gamla namnet."


def test_numeric_alternatives_with_feedback_and_feedback_for_any_other_number():
    question = by_title("Pi")
    spec = question_spec(question)
    assert [(r["low"], r["high"], r["weight"]) for r in spec["ranges"]] == [
        ("3.135", "3.145", "100"), ("3.05", "3.15", "50")]
    assert grade(question.kind, spec, "3,14") == 1 and grade(question.kind, spec, "3.1") == Decimal("0.5")
    assert answer_feedback(question.kind, spec, "3,14") == "Rätt."
    assert answer_feedback(question.kind, spec, "3.1") == "Nästan: en decimal till."
    assert answer_feedback(question.kind, spec, "22") == "Nej, π är ungefär 3,14."
    assert grade(question.kind, spec, "22") == 0


def test_a_tolerance_in_php_float_notation_as_moodle_exports_it():
    [answer] = by_title("Ljuset").answers
    assert (answer.low, answer.high) == (Decimal("299792457.99999"), Decimal("299792458.00001"))


def test_matching_with_a_distractor_offers_it_as_a_choice_but_not_as_an_item():
    question = by_title("Roller")
    spec = question_spec(question)
    assert [p["html"] for p in spec["pairs"]] == ["Ordförande", "Kassör", "Sekreterare"]
    assert [c["html"] for c in spec["choices"]] == [
        "leder styrelsens möten", "sköter ekonomin", "skriver protokoll", "granskar räkenskaperna"]
    assert question.general_feedback == "<p>Revisorn sitter inte i styrelsen.</p>"


def test_essay_with_general_feedback_and_escapes_in_names_and_texts():
    assert by_title("Reflektion").kind == QuestionKind.ESSAY
    assert by_title("Reflektion").general_feedback == "<p>Tänk på kallelse, handlingar och val.</p>"
    special = by_title("Specialtecken : test")
    assert special.text == "<p>Vad blir 2 + 2 = ? Skriv svaret utan {klamrar}, ~ eller #.</p>"
    assert shown(special)[0] == ("4", "100", "Ja, 2 + 2 = 4.")


@pytest.mark.parametrize("encode", [
    pytest.param(lambda text: text, id="unix"),
    pytest.param(lambda text: text.replace("\n", "\r\n"), id="windows"),
    pytest.param(lambda text: "\ufeff" + text.replace("\n", "\r\n"), id="windows-with-bom"),
    pytest.param(lambda text: text.replace("\n", "\r"), id="old-mac"),
])
def test_line_endings_and_a_byte_order_mark_change_nothing(encode):
    questions, errors = parse_gift(encode(EXPORT))
    assert errors == []
    assert [(q.line, q.kind, q.text) for q in questions] == [(q.line, q.kind, q.text) for q in parsed(EXPORT)]


def test_a_description_item_is_refused_at_its_line_naming_the_construct():
    questions, errors = parse_gift((FIXTURES / "moodle_export_with_description.gift").read_text("utf-8"))
    assert [q.title for q in questions] == ["Justerare"]
    [error] = errors
    assert error.line == 6 and error.message.startswith("A description (text without an answer block")


def test_a_file_that_is_not_utf8_is_refused_at_the_line_of_the_first_bad_byte(tmp_path):
    path = tmp_path / "quiz.gift"
    path.write_bytes("Fråga ett{T}\n\nVad kostar en kaffe i Malmö? {=20 kr}\n\nBröd{F}\n".encode("cp1252"))
    source, [error] = read_quiz_file(path, QuizSettings())
    assert source is None and error.line == 1 and "not UTF-8" in error.message


# --- constructs from Moodle's GIFT documentation ----------------------------------------------------

@pytest.mark.parametrize("text, kind, answers", [
    ("Vem är begravd i Grants grav?{~Grant ~Jefferson =ingen}", QuestionKind.SINGLE,
     [("Grant", 0), ("Jefferson", 0), ("ingen", 100)]),
    ("Grant är {~begravd =gravsatt ~levande} i Grants grav.", QuestionKind.SINGLE,
     [("begravd", 0), ("gravsatt", 100), ("levande", 0)]),
    ("Två rätt.{=a =b ~c}", QuestionKind.SINGLE, [("a", 100), ("b", 100), ("c", 0)]),
    ("Vem är begravd i Grants grav?{=ingen =ingen alls}", QuestionKind.SHORT, [("ingen", 100), ("ingen alls", 100)]),
    ("Huvudstad?{Paris}", QuestionKind.SHORT, [("Paris", 100)]),
    ("Två plus två{=fyra =4}", QuestionKind.SHORT, [("fyra", 100), ("4", 100)]),
])
def test_choices_and_short_answers_as_moodle_tells_them_apart(text, kind, answers):
    question = one(text)
    assert question.kind == kind
    assert [(a.text, a.weight) for a in question.answers] == answers


def test_the_missing_word_format_marks_the_gap():
    assert one("Grant är {~begravd =gravsatt ~levande} i Grants grav.").text == "Grant är _____ i Grants grav."


@pytest.mark.parametrize("block, ranges", [
    ("{#3.14:0.01}", [("3.13", "3.15", 100)]),
    ("{#1..5}", [("1", "5", 100)]),
    ("{#2}", [("2", "2", 100)]),
    ("{#-3.5}", [("-3.5", "-3.5", 100)]),
    ("{# =1.5:0.1 =%50%1.5:0.5}", [("1.4", "1.6", 100), ("1.0", "2.0", 50)]),
    ("{#\n=1822:0 #Rätt\n=%50%1822:2 #Nästan\n}", [("1822", "1822", 100), ("1820", "1824", 50)]),
])
def test_numeric_answers_tolerances_ranges_and_alternatives(block, ranges):
    question = one(f"När?{block}")
    assert question.kind == QuestionKind.NUMERIC
    assert [(a.low, a.high, a.weight) for a in question.answers] == [
        (Decimal(low), Decimal(high), weight) for low, high, weight in ranges]


def test_matching_needs_no_equals_before_the_first_pair_as_in_moodle():
    question = one("Länder och huvudstäder.{Kanada -> Ottawa =Italien -> Rom =Japan -> Tokyo}")
    assert [(a.text, a.match) for a in question.answers] == [("Kanada", "Ottawa"), ("Italien", "Rom"), ("Japan", "Tokyo")]


def test_format_markers_on_the_question_its_answers_feedback_and_general_feedback():
    question = one("::Format::[markdown]Vad är **fet** text?{\n=[html]<strong>fet</strong>#[plain]Rätt *så*\n~kursiv\n"
                   "####[html]<p>Se <em>stilguiden</em>.</p>\n}")
    assert question.text_format == "markdown" and question.text == "Vad är **fet** text?"
    right = question.answers[0]
    assert (right.text, right.text_format, right.feedback, right.feedback_format) == ("<strong>fet</strong>", "html", "Rätt *så*", "plain")
    assert question.answers[1].text_format == ""
    assert (question.general_feedback_format, question.general_feedback) == ("html", "<p>Se <em>stilguiden</em>.</p>")
    assert shown(question)[0] == ("<strong>fet</strong>", "100", "Rätt *så*")


def test_comment_lines_inside_a_question_are_left_out_as_moodle_does():
    question = one("// före\nFråga{\n=rätt\n// ett svar som tagits bort\n~fel\n}\n// efter")
    assert [a.text for a in question.answers] == ["rätt", "fel"]


def test_escapes_a_double_backslash_and_a_newline():
    question = one(r"Rad ett\nrad två med \\ och C:\temp{=a\\ ~b}")
    assert question.text == "Rad ett\nrad två med \\ och C:\\temp"
    assert [a.text for a in question.answers] == ["a\\", "b"]


def test_categories_keep_the_path_below_moodles_top():
    questions = parsed("$CATEGORY: $course$/top/Styrelse/Årsmöte\n\nA{T}\n\n$CATEGORY: Ekonomi\n\nB{F}\n\n"
                       "$CATEGORY: $system$/top\n\nC{T}")
    assert [q.category for q in questions] == ["Styrelse/Årsmöte", "Ekonomi", ""]


def test_true_false_with_general_feedback_and_an_essay_with_only_general_feedback():
    question = one("Jorden är platt.{FALSE#Nej, den är rund.#Rätt.####Se Eratosthenes.}")
    assert (question.truth, question.feedback_wrong, question.feedback_right, question.general_feedback) == (
        False, "Nej, den är rund.", "Rätt.", "Se Eratosthenes.")
    assert one("Beskriv.{####Tänk efter.}").kind == QuestionKind.ESSAY


# --- what Moodle refuses, and what we refuse rather than misread ------------------------------------

@pytest.mark.parametrize("text, line, message", [
    # Moodle refuses these too
    ("Para ihop.{\n=a -> 1\n=b 2\n=c -> 3\n}", 3, "A matching pair needs -> between the item and its match: b 2"),
    ("OK{T}\n\nFråga{\n=a\n~b\n", 3, "is not closed with }"),
    ("Fråga{\n=a\n\n~b\n}\n\nNästa{T}", 1, "a blank line ends a question in GIFT"),
    ("Fråga =a ~b}", 1, "A } without the {"),
    ("Para.{=a -> 1}", 1, "at least two pairs"),
    ("Välj.{~%100%a}", 1, "at least two answers"),
    ("Välj.{=a ~b ~%35%c}", 1, "The weight %35% is not one Moodle offers"),
    ("Välj.{\n=a\n~%150%b\n}", 3, "The weight %150% is not one Moodle offers"),
    ("Tal?{#5:x}", 1, "is not a number, a number:tolerance or a low..high range"),
    ("Tal?{#}", 1, "needs at least one number after #"),
    ("Par.{=a -> 1 =b -> }", 1, "The item b has nothing to match after ->"),
    # Moodle imports these but a learner would meet a broken question: refused, named
    ("Tal?{#5..1}", 1, "The range 5..1 runs backwards: write the lower number first (1..5)"),
    ("Tal?{#fem}", 1, "'fem' is not a number"),
    ("Välj.{~a ~b}", 1, "No answer is right"),
    ("Välj.{~%50%a ~%25%b ~c}", 1, "add up to 75%, not 100%"),
    ("Välj.{a ~b =c}", 1, "there is text before the first one"),
    ("Välj.{=%50%a ~b}", 1, "In a choice question = always means full marks"),
    ("Ord?{=%50%nästan}", 1, "No answer gives full marks"),
    ("Tal?{#5 ~fel}", 1, "Feedback for any other number is written ~#feedback"),
    ("Jorden är platt.{false}", 1, "{false}: true/false is written in capitals"),
    ("Par.{=a -> 1#bra =b -> 2}", 1, "A matching pair has no feedback"),
    ("Par.{= -> 1 = -> 2}", 1, "at least one pair with an item before ->"),
    ("Fråga{=a {=b}}", 1, "cannot contain an unescaped {"),
    ("Fråga{=a} och {=b}", 1, "Only one answer block"),
    ("::Namn utan slut Fråga{T}", 1, "does not end with ::"),
    ("$CATEGORY: Ekonomi\nFråga{T}", 2, "$CATEGORY stands on a line of its own"),
    ("::Inledning::Läs texten först.", 1, "A description (text without an answer block"),
    ("// bara kommentarer\n// [id:1]\n", 1, "The file holds no question."),
    # the line is where the trouble is, inside a question that starts earlier
    ("Först{T}\n\n::Lång::Fråga\növer flera\nrader{\n=a\n~%33%b\n}", 7, "The weight %33% is not one Moodle offers"),
])
def test_malformed_questions_are_refused_with_their_line(text, line, message):
    questions, errors = parse_gift(text)
    assert errors, f"no error for {text!r}"
    assert errors[-1].line == line, errors
    assert message in errors[-1].message, errors


def test_a_brace_left_open_by_a_blank_line_is_one_error_and_the_next_question_still_reads():
    questions, errors = parse_gift("Fråga{\n=a\n\n~b\n}\n\nNästa{T}")
    assert [e.line for e in errors] == [1]
    assert [q.text for q in questions] == ["Nästa"]


def test_the_messages_are_translated(app):
    with force_locale("sv"):
        [error] = parse_gift("Tal?{#5..1}")[1]
    assert error.line == 1 and "baklänges" in error.message


# --- a learner takes the exported quiz ------------------------------------------------------------

def test_a_learner_takes_the_exported_quiz_and_sees_what_moodle_would_show(learner_client):
    quiz = make_quiz(EXPORT, shuffle=False)
    db.session.commit()
    attempt = start(learner_client, quiz)
    page = learner_client.get(f"/quiz/attempts/{attempt.id}", headers=EN).text
    assert "<strong>ledamöter</strong>" in page and "[html]" not in page and "\\:" not in page
    assert "granskar räkenskaperna" in page, "the distractor is one of the choices"
    assert "Vad blir 2 + 2 = ? Skriv svaret utan {klamrar}, ~ eller #." in page

    def chooser(question):
        return {"Pi": "22", "Tillsyn": "Datainspektionen"}.get(question.title) or right_response(question)

    learner_client.post(f"/quiz/attempts/{attempt.id}", data={**answers_form(attempt, chooser), "submit": "1"})
    result = learner_client.get(f"/quiz/attempts/{attempt.id}/result", headers=EN).text
    assert "Nej, π är ungefär 3,14." in result, "the ~# feedback for any other number"
    assert "Det gamla namnet." in result, "the feedback of the short answer given"
    assert "Rätt, valberedningen bereder valen." in result and "Tänk på kallelse, handlingar och val." in result
    kinds = [q.kind for q in service.attempt_questions(attempt)]
    assert kinds.count(QuestionKind.NUMERIC) == 2 and QuestionKind.MATCHING in kinds


@pytest.mark.parametrize("block, shown", [
    ("{#17:0}", ["17"]), ("{#3.14:0.005}", ["3.135–3.145"]), ("{#1..5}", ["1–5"]), ("{#=1822 =%50%1822:2}", ["1822", "1820–1824"]),
])
def test_the_accepted_numbers_are_shown_as_numbers_not_as_gift(block, shown):
    assert [r["shown"] for r in question_spec(one(f"Tal?{block}"))["ranges"]] == shown


# --- the cases of Moodle's own import tests (question/format/gift/tests/giftformat_test.php) --------

MOODLE_MATCH = """// question: 2  name: Moodle activities
::Moodle activities::[html]Match the <b>activity</b> to the description.{
    =[html]An activity supporting asynchronous discussions. -> Forum
    =[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice
    =[plain]A bank of record entries which participants can add to. -> Database
    =[markdown]A collection of web pages that anyone can add to or edit. -> Wiki
    = -> Chat
}"""


def test_moodles_matching_case_with_a_format_per_item_and_a_distractor():
    question = one(MOODLE_MATCH)
    assert (question.kind, question.text_format) == (QuestionKind.MATCHING, "html")
    assert [(a.text_format, a.match) for a in question.answers] == [
        ("html", "Forum"), ("moodle", "Choice"), ("plain", "Database"), ("markdown", "Wiki"), ("", "Chat")]
    assert len(question_spec(question)["pairs"]) == 4 and len(question_spec(question)["choices"]) == 5


def test_moodles_multichoice_cases_with_formats_on_answers_and_feedback():
    single = one("::Q2:: What's between orange and green in the spectrum?\n{\n    =yellow # right; good!\n"
                 "    ~red # [html]wrong, it's yellow\n    ~[plain]blue # wrong, it's yellow\n}")
    assert single.kind == QuestionKind.SINGLE
    assert [(a.text, a.text_format, a.weight, a.feedback, a.feedback_format) for a in single.answers] == [
        ("yellow", "", 100, "right; good!", ""), ("red", "", 0, "wrong, it's yellow", "html"),
        ("blue", "plain", 0, "wrong, it's yellow", "")]
    multi = one("::colours:: What's between orange and green in the spectrum?\n{\n    ~%50%yellow # right; good!\n"
                "    ~%-100%red # [html]wrong\n    ~%50%off-beige # right; good!\n    ~%-100%[plain]blue # wrong\n}")
    assert multi.kind == QuestionKind.MULTIPLE
    assert [(a.text, a.weight) for a in multi.answers] == [("yellow", 50), ("red", -100), ("off-beige", 50), ("blue", -100)]


def test_moodles_numerical_case_with_feedback_for_anything_else():
    question = one("// math range question\n::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    spec = question_spec(question)
    assert [(r["low"], r["high"]) for r in spec["ranges"]] == [("1", "5")]
    assert answer_feedback(question.kind, spec, "9") == "Completely wrong"


def test_moodles_short_answer_case_with_a_star_for_any_other_answer():
    question = one("// question: 666  name: Shortanswer\n::Shortanswer::Which is the best animal?{\n    =Frog#Good!\n"
                   "    =%50%Cat#What is it with Moodlers and cats?\n    =%0%*#Completely wrong\n"
                   "    ####[html]Here is some general feedback!\n}")
    spec = question_spec(question)
    assert (question.general_feedback, question.general_feedback_format) == ("Here is some general feedback!", "html")
    assert grade(question.kind, spec, "frog") == 1 and grade(question.kind, spec, "Cat") == Decimal("0.5")
    assert grade(question.kind, spec, "Dog") == 0
    assert answer_feedback(question.kind, spec, "Dog") == "Completely wrong"
    assert answer_feedback(question.kind, spec, "Frog") == "Good!", "the best-weighted match wins over *"


def test_a_star_inside_a_short_answer_stands_for_any_text_and_an_escaped_star_for_itself():
    spec = question_spec(one(r"Stad?{=Malm* =%50%5\*}"))
    assert grade(QuestionKind.SHORT, spec, "Malmö") == 1 and grade(QuestionKind.SHORT, spec, "Lund") == 0
    assert grade(QuestionKind.SHORT, spec, "5*") == Decimal("0.5") and grade(QuestionKind.SHORT, spec, "55") == 0


def test_moodles_numerical_star_answer_is_the_feedback_for_any_other_number():
    question = one("Tal?{#=5 =%0%*#Fel tal}")
    assert [a.low for a in question.answers] == [5] and question.feedback_other == "Fel tal"


@pytest.mark.parametrize("text, truth, wrong, right", [
    ("// true/false\n::Q1:: 42 is the Absolute Answer to everything.{\nFALSE#42 is the Ultimate Answer.#You gave the right answer.}",
     False, "42 is the Ultimate Answer.", "You gave the right answer."),
    ("// name 0-11\n::2-08 TSL::TSL is blablabla.{T}", True, "", ""),
    ("// name 0-11\n::2-08 TSL::TSL is blablabla.{TRUE}", True, "", ""),
    ("// [id:myid] [tag:tag1] [tag:tag2]\n::True/false question::[html]The answer is true.{TRUE#This is the wrong "
     "answer.#This is the right answer.####You should have selected true.}", True, "This is the wrong answer.",
     "This is the right answer."),
])
def test_moodles_true_false_cases(text, truth, wrong, right):
    question = one(text)
    assert (question.kind, question.truth, question.feedback_wrong, question.feedback_right) == (
        QuestionKind.TRUE_FALSE, truth, wrong, right)


def test_moodles_backslash_pre_and_tags_cases():
    assert one("// essay\n::double backslash:: A \\\\ B \\\\\\\\ C{}").text == "A \\ B \\\\ C"
    pre = one("::Q001::[html]<p>What would running the test method print?</p>\n<pre>\n    public void test() \\{\n"
              "        method1();\n    \\}\n</pre>\n{}")
    assert pre.text == "<p>What would running the test method print?</p>\n<pre>\npublic void test() {\nmethod1();\n}\n</pre>", \
        "lines are trimmed, as Moodle's import does before reading a question"
    tagged = one("// This question is to test importing tags: [tag:tag] [tag:other-tag].\n// And an idnumber: [id:myid].\n"
                 "::Question name:: How are you? {}")
    assert (tagged.title, tagged.text, tagged.kind) == ("Question name", "How are you?", QuestionKind.ESSAY)
