"""A learner looks at what the center keeps about them, downloads it, and their transcript;
anyone reads the accessibility statement and sends feedback."""
import json

from pypdf import PdfReader


def test_a_learner_downloads_their_data_and_transcript(browse, live_server, page):
    email, password = live_server.logins["learner"]
    browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Mina uppgifter").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Mina uppgifter"
    assert page.get_by_role("region", name="Anmälningar").get_by_role("row").count() > 1
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner alla mina uppgifter (JSON)").click()
    data = json.loads(download.value.path().read_text("utf-8"))
    assert data["account"][0]["email"] == email
    assert data["enrolments"] and "password_hash" not in data["account"][0]

    browse.submit(lambda: browse.menu_link("Mitt kursutdrag").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Mitt kursutdrag"
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner som PDF").click()
    text = PdfReader(download.value.path()).pages[0].extract_text()
    assert "Kursutdrag" in text


def test_a_visitor_reads_the_accessibility_statement_and_sends_feedback(browse, page):
    browse.goto("/")
    browse.submit(lambda: page.get_by_role("link", name="Tillgänglighetsredogörelse").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Tillgänglighetsredogörelse"
    browse.submit(lambda: page.get_by_role("link", name="Lämna synpunkter").first.click())
    page.get_by_label("Ditt meddelande").fill("Kontrasten på knapparna är för svag för mig.")
    browse.submit(lambda: page.get_by_role("button", name="Skicka").click())
    assert "Tack" in page.get_by_role("status").first.inner_text()
