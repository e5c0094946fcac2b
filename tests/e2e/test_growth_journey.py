"""A learner rates herself; the contact sees the members' growth with small groups withheld; the
coordinator reads growth by course and competence for one organisation."""
import re


def test_self_assessment_and_what_it_shows(browse, live_server):
    email, password = live_server.logins["learner"]
    page = browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Min kompetensutveckling").click())
    assert "Varför, och vem ser mina svar?" in page.locator("main").inner_text()
    browse.submit(lambda: page.locator("main").get_by_role("link", name=re.compile(r"\(Före\)")).first.click())
    first = page.locator("fieldset.likert").first
    first.get_by_label("4 · På egen hand – jag klarar det själv").check()
    page.locator("fieldset.likert").nth(1).get_by_label("Vet inte").check()
    browse.submit(lambda: page.get_by_role("button", name="Spara min självskattning").click())
    assert "Din självskattning är sparad" in page.locator(".flash").first.inner_text()
    assert "Vet inte" in page.locator("table").first.inner_text()
    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())

    email, password = live_server.logins["organisation_contact"]
    browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Medlemmarnas kompetensutveckling").click())
    table = page.get_by_role("table", name="Medelsteg före och efter, per kompetens").inner_text()
    assert "Dataskydd" in table and "Visas inte: färre än 5 personer" in table
    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())

    email, password = live_server.logins["coordinator"]
    browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Kompetensutveckling").click())
    assert page.locator("svg.chart").count() == 1
    page.get_by_label("Organisation").select_option(label="Möllevångens Kulturförening")
    browse.submit(lambda: page.get_by_role("button", name="Visa").click())
    rows = page.locator("table.growth-table tbody tr")
    assert rows.count() >= 3
    assert "För få par för att säga mycket" in rows.first.inner_text()
    assert page.get_by_role("link", name="Ladda ner som CSV").get_attribute("href").startswith("/growth/report.csv?")
