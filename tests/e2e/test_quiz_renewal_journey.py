"""A learner whose "Leda volontärer" certificate is in its renewal window opens the reminder's
link, passes the refresher quiz, and sees the new "giltigt till" on their certificate and on the
public verification page (renewal by a quiz alone: no cycle, the same certificate)."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.test_quiz_journey import _answer_right


def _quiz_link(app, email: str) -> str:
    from lms.extensions import db
    from lms.notifications.models import OutboxMessage

    with app.app_context():
        messages = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.recipient == email, OutboxMessage.kind == "renewal_reminder")).scalars()
        found = [re.search(r"http://127\.0\.0\.1(/my/certificates/\d+/renew-by-quiz)", m.body_text)
                 for m in messages]
        return next(match.group(1) for match in found if match)


def test_reminded_pass_the_refresher_quiz_and_renewed(browse, live_server):
    email, password = live_server.logins["learner"]
    page = browse.log_in(email, password)
    browse.goto("/my/certificates")
    card = page.locator(".card", has_text="Leda volontärer").first
    expect(card).to_contain_text("Går snart ut")
    old_day = re.search(r"giltigt till (\d+ \S+ \d{4})", card.inner_text()).group(1)
    expect(card.get_by_role("link", name="Förnya med ett quiz")).to_be_visible()

    browse.goto(_quiz_link(live_server.app, email))
    expect(page.get_by_role("heading", name="Förnya ditt intyg med ett quiz")).to_be_visible()
    browse.submit(lambda: page.get_by_role("link", name="Gör förnyelsequizet").click())
    browse.submit(lambda: page.get_by_role("button", name="Starta quizet").click())
    _answer_right(page, live_server)
    browse.submit(lambda: page.get_by_role("button", name="Lämna in").click())
    renewed = page.locator("#quiz-renewal")
    expect(renewed).to_contain_text("Ditt intyg är förnyat: giltigt till och med")
    new_day = re.search(r"giltigt till och med (\d+ \S+ \d{4})", renewed.inner_text()).group(1)
    assert new_day != old_day

    browse.submit(lambda: renewed.get_by_role("link", name="Mina intyg").click())
    card = page.locator(".card", has_text="Leda volontärer").first
    expect(card).to_contain_text(f"Giltigt till {new_day}")
    expect(card).to_contain_text("med ett repetitionsquiz")
    verify = card.locator("a[href^='/verify/']").get_attribute("href")

    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())
    browse.goto(verify)
    expect(page.get_by_role("status").first).to_contain_text(f"giltigt till {new_day}")
    expect(page.get_by_text("med ett repetitionsquiz")).to_be_visible()
