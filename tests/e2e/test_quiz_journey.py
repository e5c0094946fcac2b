"""A learner takes a quiz, fails, tries again, passes, and the module shows as done."""
from playwright.sync_api import expect

from lms.demo import DEMO_PASSWORD, learner_email
from lms.extensions import db
from lms.quizzes.demo import right_response
from lms.quizzes.models import Question

MODULE = "/courses/styrelsearbete/modules/04-arsmotet"


def _answer_right(page, live_server):
    with live_server.app.app_context():
        fieldsets = page.locator("fieldset.question")
        for index in range(fieldsets.count()):
            fieldset = fieldsets.nth(index)
            question_id = int(fieldset.get_attribute("id").split("-")[1])
            question = db.session.get(Question, question_id)
            response = right_response(question)
            name = f"q{question_id}"
            if question.kind.value in ("single", "true_false"):
                fieldset.locator(f'input[name="{name}"][value="{response}"]').check()
            elif question.kind.value == "multiple":
                for option in response:
                    fieldset.locator(f'input[name="{name}[]"][value="{option}"]').check()
            elif question.kind.value == "matching":
                for pair, choice in response.items():
                    fieldset.locator(f'select[name="{name}.{pair}"]').select_option(choice)
            else:
                fieldset.locator(f'[name="{name}"]').fill(str(response))


def test_fail_retry_pass_and_the_module_is_done(browse, live_server):
    page = browse.log_in(learner_email(20), DEMO_PASSWORD)
    browse.goto(MODULE)
    browse.submit(lambda: page.get_by_role("link", name="Gör quizet").click())
    expect(page.get_by_role("heading", level=1)).to_have_text("Quiz: Årsmötet")
    browse.submit(lambda: page.get_by_role("button", name="Starta quizet").click())

    browse.submit(lambda: page.get_by_role("button", name="Lämna in").click())
    expect(page.get_by_role("alert")).to_contain_text("frågor är inte besvarade")
    browse.submit(lambda: page.get_by_role("button", name="Lämna in ändå").click())
    expect(page.get_by_role("status").first).to_contain_text("Du fick 0 %")
    browse.submit(lambda: page.get_by_role("link", name="Försök igen").click())
    browse.submit(lambda: page.get_by_role("button", name="Fortsätt försöket").or_(
        page.get_by_role("button", name="Försök igen")).click())
    expect(page.get_by_text("Försök 2.")).to_be_visible()

    _answer_right(page, live_server)
    browse.submit(lambda: page.get_by_role("button", name="Lämna in").click())
    expect(page.get_by_role("status").first).to_contain_text("Du klarade quizet med 100 %")
    expect(page.get_by_text("Rätt", exact=True).first).to_be_visible()

    browse.submit(lambda: page.get_by_role("link", name="Tillbaka till modulen").click())
    expect(page.get_by_text("Du har klarat quizet: modulen är klar.")).to_be_visible()


def test_answers_survive_a_reload(browse, live_server):
    page = browse.log_in(learner_email(21), DEMO_PASSWORD)
    browse.goto(MODULE + "/quiz")
    browse.submit(lambda: page.get_by_role("button", name="Starta quizet").click())
    choice = page.locator("fieldset.question input[type=radio]").first
    choice_id = choice.get_attribute("name"), choice.get_attribute("value")
    choice.check()
    expect(page.locator(".autosave-status")).to_have_text("Sparat.")
    page.reload()
    expect(page.locator(f'input[name="{choice_id[0]}"][value="{choice_id[1]}"]')).to_be_checked()
