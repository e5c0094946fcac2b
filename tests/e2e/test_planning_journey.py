"""A coordinator plans a weekly cycle that skips a holiday, previews it and publishes it."""
import re


def test_a_coordinator_plans_and_publishes_a_cycle_that_skips_ascension_day(browse, live_server):
    email, password = live_server.logins["coordinator"]
    page = browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Planering").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Planering"
    browse.submit(lambda: page.get_by_role("link", name="Planera en kursomgång").click())

    page.get_by_label("Kurs", exact=True).select_option(index=1)
    page.get_by_label("Titel").fill("Torsdagar i maj 2027")
    page.get_by_label("Första datum").fill("2027-05-03")
    page.get_by_label("Börjar klockan (svensk tid)").fill("18:00")
    page.get_by_role("checkbox", name="torsdag").check()
    page.get_by_role("spinbutton", name="Antal pass").fill("4")
    page.get_by_label("Lokal", exact=True).select_option(label="Verkstaden")
    page.get_by_role("checkbox", name="Tove Utbildare").check()
    browse.submit(lambda: page.get_by_role("button", name="Visa förhandsvisning").click())

    preview = page.get_by_role("region", name=re.compile("Förhandsvisning: 4 pass"))
    assert "Kristi himmelsfärdsdag" in preview.inner_text()
    rows = preview.get_by_role("row").all_inner_texts()
    assert len(rows) == 5 and all("18:00–20:00" in row for row in rows[1:])
    assert "6 maj" not in " ".join(rows)
    browse.submit(lambda: page.get_by_role("button", name="Spara kursomgången").click())
    assert "Torsdagar i maj 2027" in page.get_by_role("heading", level=1).inner_text()
    assert "utkast" in page.get_by_role("heading", level=1).inner_text()

    browse.submit(lambda: page.get_by_role("button", name="Publicera").click())
    assert "publicerad" in page.get_by_role("heading", level=1).inner_text()
    sessions = page.get_by_role("region", name="Pass").get_by_role("row").all_inner_texts()
    assert len(sessions) == 5
    browse.submit(lambda: page.get_by_role("link", name="Publik sida").click())
    assert page.get_by_role("button", name="Anmäl mig").count() == 0  # a coordinator is no learner
    assert "Torsdagar i maj 2027" in page.get_by_role("heading", level=1).inner_text()
