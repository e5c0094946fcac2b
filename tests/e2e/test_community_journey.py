"""A learner starts a thread on the board of a running cycle, another replies, the trainer pins it."""
import re

from playwright.sync_api import expect

from lms.demo import DEMO_PASSWORD, learner_email

TRAINER = "utbildare@kompetenscentret.example"
TITLE = "Bokföringsprogram för små föreningar?"


def test_a_thread_is_started_answered_and_pinned(browse, live_server):
    page = browse.log_in(learner_email(8), DEMO_PASSWORD)
    browse.goto("/community")
    # the running evening cycle's board (not the demo's extra roll-call cycle of the same course)
    board = re.compile(r"^Föreningens ekonomi och bokföring · (?!Extra träffar)")
    browse.submit(lambda: page.get_by_role("link", name=board).first.click())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Anslagstavla: Föreningens ekonomi")
    expect(page.get_by_text("Välkomna – läs detta först")).to_be_visible()
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label("Meddelande").fill("Vi funderar på att sluta med **pärmar**. Vad använder ni?")
    browse.submit(lambda: page.get_by_role("button", name="Starta tråden").click())
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".post__body strong")).to_have_text("pärmar")
    thread_path = page.url.replace(live_server.url, "")

    page.context.clear_cookies()
    page = browse.log_in(learner_email(10), DEMO_PASSWORD)
    browse.goto(thread_path)
    page.get_by_label("Ditt svar").fill("Vi kör Visma eEkonomi, det fungerar bra för oss.")
    browse.submit(lambda: page.get_by_role("button", name="Skicka svaret").click())
    expect(page.get_by_text("Vi kör Visma eEkonomi")).to_be_visible()
    expect(page.get_by_role("button", name="Fäst högst upp")).to_have_count(0)

    page.context.clear_cookies()
    page = browse.log_in(TRAINER, DEMO_PASSWORD)
    browse.goto(thread_path)
    browse.submit(lambda: page.get_by_role("button", name="Fäst högst upp").click())
    expect(page.get_by_role("status").first).to_contain_text("Tråden är fäst högst upp")

    page.context.clear_cookies()
    page = browse.log_in(learner_email(8), DEMO_PASSWORD)
    browse.goto("/notifications")
    expect(page.get_by_role("link", name=f"Nytt svar i ”{TITLE}”")).to_be_visible()
    browse.goto("/community")
    # the running evening cycle's board (not the demo's extra roll-call cycle of the same course)
    board = re.compile(r"^Föreningens ekonomi och bokföring · (?!Extra träffar)")
    browse.submit(lambda: page.get_by_role("link", name=board).first.click())
    pinned = page.locator(".thread-item--pinned")
    expect(pinned.get_by_role("link", name=TITLE)).to_be_visible()


def test_the_other_pages_of_needs_and_the_meeting_place_are_accessible(browse, live_server):
    """Every page of the three packages, visited as the roles that see it, passes axe-core."""
    page = browse.log_in(learner_email(1), DEMO_PASSWORD)
    for path in ("/needs", "/needs/new/me", "/interests", "/directory", "/directory/me", "/community/settings",
                 "/evaluations"):
        browse.goto(path)
    page.context.clear_cookies()
    page = browse.log_in("kontakt@mollankultur.example", DEMO_PASSWORD)
    browse.goto("/needs")
    expect(page.get_by_text("Ny kassör och två revisorer efter årsmötet i mars.")).to_be_visible()
    browse.goto("/needs/new/organisation")
    browse.goto("/directory/organisation")
    page.context.clear_cookies()
    page = browse.log_in("samordnare@kompetenscentret.example", DEMO_PASSWORD)
    browse.goto("/needs/demand")
    browse.goto("/community/reports")
    expect(page.get_by_text("Nedlåtande mot en ny styrelseledamot.")).to_be_visible()
    browse.goto("/evaluations/questions")
    browse.submit(lambda: page.get_by_role("link", name="Styrelsearbete i ideella föreningar").click())
