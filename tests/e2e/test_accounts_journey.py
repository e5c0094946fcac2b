"""First journeys: every role logs in and sees its navigation; languages; log-out is final."""
import pytest

NAVIGATION = {
    "admin": {"Användare", "Organisationer", "Mitt konto"},
    "coordinator": {"Mitt konto"},
    "trainer": {"Mitt konto"},
    "organisation_contact": {"Mitt konto"},
    "learner": {"Mitt konto"},
}
ADMIN_ONLY = {"Användare", "Organisationer"}


@pytest.mark.parametrize("role", sorted(NAVIGATION))
def test_each_role_logs_in_and_sees_its_navigation(browse, live_server, role):
    email, password = live_server.logins[role]
    page = browse.log_in(email, password)
    nav = page.get_by_role("navigation", name="Huvudmeny")
    links = {text.strip() for text in nav.locator("a").all_text_contents()}  # in closed groups too
    assert NAVIGATION[role] <= links
    if role != "admin":
        assert not (ADMIN_ONLY & links)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Välkommen")
    if role == "admin":
        browse.submit(lambda: browse.menu_link("Användare").click())
        assert page.get_by_role("heading", level=1).inner_text() == "Användare"
        browse.submit(lambda: page.get_by_role("link", name="Organisationer").first.click())
        assert "Möllevångens Kulturförening" in page.content()


def test_a_learner_switches_the_language_and_it_is_remembered(browse, live_server):
    email, password = live_server.logins["learner"]
    page = browse.log_in(email, password)
    browse.submit(lambda: page.get_by_role("button", name="English").click())
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Log out").is_visible()
    browse.goto("/account")
    assert page.get_by_role("heading", level=1).inner_text() == "My account"
    browse.submit(lambda: page.get_by_role("button", name="Svenska").click())
    assert page.locator("html").get_attribute("lang") == "sv"


def test_after_logging_out_going_back_shows_no_private_page(browse, live_server):
    email, password = live_server.logins["admin"]
    page = browse.log_in(email, password)
    browse.goto("/admin/users")
    assert "admin@kompetenscentret.example" in page.content()
    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())
    assert "/login" in page.url
    page.go_back()
    page.wait_for_load_state()
    assert "admin@kompetenscentret.example" not in page.content()
    assert "/login" in page.url
