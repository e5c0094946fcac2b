"""A visitor reads the public home page and asks for an account; their organisation's contact approves it."""


def test_a_visitor_asks_for_an_account_and_the_contact_approves_it(browse, live_server, page):
    browse.goto("/")
    assert "Norra Grängesbergsgatan 26" in page.get_by_role("region", name="Besök Kompetenscentret").inner_text()
    upcoming = page.get_by_role("region", name="Snart startar")
    assert upcoming.get_by_role("link").count() >= 1
    browse.submit(lambda: page.get_by_role("link", name="Be om ett konto").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Skaffa konto"
    page.get_by_label("Ditt namn").fill("Sofia Signupsson")
    page.get_by_label("Din e-postadress").fill("sofia.signupsson@example.org")
    page.get_by_label("Organisation").select_option(label="Möllevångens Kulturförening")
    page.get_by_label("Meddelande (valfritt)").fill("Jag vill gå en kurs i styrelsearbete.")
    browse.submit(lambda: page.get_by_role("button", name="Skicka").click())
    assert "Tack" in page.get_by_role("status").first.inner_text()

    email, password = live_server.logins["organisation_contact"]
    browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Kontoförfrågningar").click())
    table = page.get_by_role("table", name="Väntar på beslut")
    assert table.get_by_role("rowheader", name="Leila Haddad").count() == 1
    assert table.get_by_role("rowheader", name="Johan Berglund").count() == 0, "not the contact's organisation"
    browse.submit(lambda: table.get_by_role("button", name="Godkänn Sofia Signupsson").click())
    assert "Sofia Signupsson" in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("rowheader", name="Sofia Signupsson").count() == 0
