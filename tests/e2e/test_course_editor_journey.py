"""A coordinator writes a module in the browser: a table and a picture, a preview, a GIFT quiz with an
error fixed from the line shown; publishes; and a learner reads the new text."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.course_files import course_files

SLUG = "lagakafeet"


@pytest.fixture
def own_course(live_server, content_copy):
    """A course of this test's own, imported from its files, so that no other journey sees it change."""
    from lms.catalog.content import load_content
    from lms.catalog.service import import_content
    from lms.core.unit_of_work import unit_of_work
    from lms.extensions import db

    folder = content_copy / SLUG
    folder.mkdir()
    for name, text in course_files(SLUG, "Lagakaféet").items():
        (folder / name).write_text(text, encoding="utf-8")
    report = load_content(content_copy)
    with live_server.app.app_context():
        with unit_of_work():
            import_content([c for c in report.courses if c.slug == SLUG], report.errors)
        db.session.remove()
    return folder


def test_a_coordinator_writes_previews_and_publishes_a_module(browse, live_server, own_course):
    email, password = live_server.logins["coordinator"]
    page = browse.log_in(email, password)
    browse.goto(f"/courses/{SLUG}/versions")
    browse.submit(lambda: page.get_by_role("link", name="Redigera i webbläsaren").click())
    browse.submit(lambda: page.get_by_role("link", name="Låna och laga").click())

    page.get_by_label("Text (Markdown)").fill(
        "## Lagakafé\n\n| Vad | Vem |\n| --- | --- |\n| Cyklar | Volontärer med verktyg |\n"
        "| Kläder | Syföreningen |\n\n![Kretsloppet](kretslopp.svg)\n")
    live = page.get_by_role("region", name="Förhandsgranskning")
    expect(live.get_by_role("cell", name="Syföreningen")).to_be_visible()  # the preview follows the typing
    page.get_by_label("Quiz (GIFT, frivilligt)").fill(
        "::Cyklar::Vem lagar cyklarna?{=Volontärer med verktyg ~Kommunen}\n\n"
        "::Kläder::Vem lagar kläderna?{=Syföreningen ~Ingen\n")
    browse.submit(lambda: page.get_by_role("button", name="Spara utkastet och förhandsgranska").click())
    preview = page.get_by_role("region", name="Förhandsgranskning")
    expect(preview.get_by_role("cell", name="Volontärer med verktyg")).to_be_visible()
    assert preview.get_by_role("img", name="Kretsloppet").evaluate("img => img.complete && img.naturalWidth > 0")

    page.get_by_role("link", name="Quiz, rad 3").click()
    quiz = page.get_by_label("Quiz (GIFT, frivilligt)")
    expect(quiz).to_be_focused()
    selected = quiz.evaluate("field => field.value.slice(field.selectionStart, field.selectionEnd)")
    assert selected == "::Kläder::Vem lagar kläderna?{=Syföreningen ~Ingen"
    quiz.fill(quiz.input_value().replace("~Ingen\n", "~Ingen}\n"))
    browse.submit(lambda: page.get_by_role("button", name="Spara utkastet och förhandsgranska").click())
    assert "Utkastet är sparat. Deltagarna ser det när du publicerar kursen." in page.locator(".flash").first.inner_text()

    browse.goto(f"/courses/{SLUG}/edit")
    browse.submit(lambda: page.get_by_role("button", name="Publicera utkastet").click())
    assert "”Lagakaféet” är publicerad" in page.locator(".flash").first.inner_text()
    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())

    email, password = live_server.logins["learner"]
    browse.log_in(email, password)
    browse.goto(f"/courses/{SLUG}/modules/01-lana-och-laga")
    expect(page.get_by_role("cell", name="Syföreningen")).to_be_visible()
    browse.submit(lambda: page.get_by_role("link", name=re.compile("quiz", re.I)).first.click())
    assert page.get_by_role("heading", level=1).inner_text() == "Quiz: Låna och laga"
    assert "2 frågor" in page.locator("main").inner_text()


def test_a_coordinator_starts_a_course_in_the_browser_and_a_learner_finds_it(browse, live_server, content_copy):
    email, password = live_server.logins["coordinator"]
    page = browse.log_in(email, password)
    browse.goto("/courses/manage")
    browse.submit(lambda: page.get_by_role("link", name="Skriv en ny kurs i webbläsaren").click())
    page.get_by_label("Adressnamn").fill("bytesdagar")
    page.get_by_label("Titel").fill("Bytesdagar i föreningen")
    page.get_by_label("Sammanfattning").fill("Att ordna en bytesdag med grannarna.")
    page.get_by_label("Beskrivning (Markdown)").fill("En kort kurs.\n\nMed **exempel** från Malmö.")
    page.get_by_role("checkbox", name="Hållbar utveckling").check()
    page.get_by_role("checkbox", name=re.compile(r"^12\. ")).check()
    page.get_by_label("Ungefär hur många timmar den tar").fill("1.5")
    page.get_by_label("Lärandemål, ett per rad").fill("Efter kursen kan du ordna en bytesdag.")
    browse.submit(lambda: page.get_by_role("button", name="Påbörja kursen").click())
    assert "Kursen är påbörjad som ett utkast" in page.locator(".flash").first.inner_text()
    page.get_by_label("Den nya modulens titel").fill("Planera dagen")
    browse.submit(lambda: page.get_by_role("button", name="Lägg till modulen").click())
    page.get_by_label("Text (Markdown)").fill("## Planera dagen\n\nBestäm datum och lokal.\n")
    browse.submit(lambda: page.get_by_role("button", name="Spara utkastet och förhandsgranska").click())
    browse.goto("/courses/bytesdagar/edit")
    browse.submit(lambda: page.get_by_role("button", name="Publicera utkastet").click())
    assert "”Bytesdagar i föreningen” är publicerad" in page.locator(".flash").first.inner_text()
    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())

    email, password = live_server.logins["learner"]
    browse.log_in(email, password)
    browse.goto("/courses/bytesdagar")
    assert page.get_by_role("heading", level=1).inner_text() == "Bytesdagar i föreningen"
    expect(page.get_by_role("link", name="Planera dagen")).to_be_visible()
