"""A learner answers the evaluation of a finished cycle; the coordinator reads it without a name."""
import re

from playwright.sync_api import expect

from lms.demo import DEMO_PASSWORD, learner_email

COORDINATOR = "samordnare@kompetenscentret.example"


def test_a_learner_answers_the_evaluation_and_the_coordinator_reads_it(browse, live_server):
    page = browse.log_in(learner_email(2), DEMO_PASSWORD)
    browse.goto("/evaluations")
    expect(page.get_by_role("heading", name="Väntar på dina svar")).to_be_visible()
    browse.submit(lambda: page.get_by_role("link", name=re.compile("Utvärdera Styrelsearbete")).click())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Utvärdering: Styrelsearbete")
    expect(page.get_by_text("Dina svar sparas utan ditt namn")).to_be_visible()

    page.get_by_role("group", name="På det hela taget motsvarade kursen mina förväntningar.") \
        .get_by_label("5 · Instämmer helt").check()
    page.get_by_role("group", name="Innehållet var relevant för mitt arbete i min organisation.") \
        .get_by_label("4 · Instämmer", exact=True).check()
    page.get_by_label("Vad var bäst med kursen?").fill("Övningen där vi skrev ett riktigt protokoll.")
    browse.submit(lambda: page.get_by_role("button", name="Skicka mina svar").click())
    expect(page.get_by_role("status").first).to_contain_text("Tack! Dina svar är sparade, utan ditt namn.")
    expect(page.get_by_text("Ingen utvärdering väntar på dig.")).to_be_visible()

    page.context.clear_cookies()
    page = browse.log_in(COORDINATOR, DEMO_PASSWORD)
    browse.goto("/evaluations/results")
    answered = page.get_by_role("row").filter(has_text="Styrelsearbete")
    browse.submit(lambda: answered.get_by_role("link", name=re.compile("^Våren|^Hösten")).first.click())
    expect(page.get_by_text("Övningen där vi skrev ett riktigt protokoll.")).to_be_visible()
    expect(page.get_by_text("Anna Andersson")).to_have_count(0)
