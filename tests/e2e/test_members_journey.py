"""An organisation contact finds a member on the members page, opens them and enrols them."""
from lms.demo import DEMO_PASSWORD


def test_a_contact_searches_opens_and_enrols_a_member(browse, live_server, page):
    email, password = live_server.logins["organisation_contact"]
    browse.log_in(email, DEMO_PASSWORD if password is None else password)
    assert page.locator("a[href='/organisation/members']").count() >= 1  # linked from the menu
    browse.goto("/organisation/members")
    assert page.get_by_role("heading", name="Medlemmar: Möllevångens Kulturförening").is_visible()

    page.get_by_label("Sök på namn eller e-post").fill("omar")
    browse.submit(lambda: page.get_by_role("button", name="Sök").click())
    assert "1 medlem matchar" in page.get_by_role("status").first.inner_text()
    browse.submit(lambda: page.get_by_role("link", name="Omar Haddad").click())
    assert page.get_by_role("heading", name="Omar Haddad", exact=True).is_visible()
    assert page.get_by_text("Inte anmäld någonstans.").is_visible()

    chosen = page.get_by_label("Kursomgång").locator("option").first.inner_text()
    browse.submit(lambda: page.get_by_role("button", name="Anmäl Omar Haddad").click())
    message = page.get_by_role("status").first.inner_text()
    assert "Omar Haddad" in message and ("är anmäld till" in message or "väntelistan" in message)
    enrolments = page.get_by_role("region", name="Anmälningar")
    assert chosen.split(" (")[0] in enrolments.inner_text()
    assert page.get_by_text("Inte anmäld någonstans.").count() == 0
