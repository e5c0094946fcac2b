"""A learner who completed downloads the certificate; a logged-out visitor verifies it by code."""
import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader


def test_download_then_verify_as_a_visitor(browse, live_server):
    email, password = live_server.logins["learner"]
    page = browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Mina intyg").click())
    card = page.locator(".card").filter(has_text="Styrelsearbete i ideella föreningar").first
    expect(card).to_be_visible()
    code = card.locator("strong").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-.", code)

    with page.expect_download() as download_info:
        card.get_by_role("link", name="Ladda ner PDF").click()
    pdf = download_info.value.path().read_bytes()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert code in text and "Styrelsearbete i ideella föreningar" in text

    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())
    browse.goto("/verify")
    page.get_by_label("Kontrollkod").fill(code.lower().replace("-", " "))
    browse.submit(lambda: page.get_by_role("button", name="Kontrollera").click())
    expect(page.get_by_role("status")).to_contain_text("Giltigt")
    expect(page.locator(".facts")).to_contain_text("Styrelsearbete i ideella föreningar")
