"""The main menu in a browser: one line on a laptop, a menu button on a phone and a tablet, used
with the keyboard alone (disclosure buttons, Escape, focus given back)."""
import pytest
from playwright.sync_api import expect

ROLES = ["admin", "coordinator", "trainer", "organisation_contact", "learner"]


def focused(page) -> str:
    return page.evaluate("document.activeElement.textContent.trim()")


def tab_to(page, text: str, limit: int = 15) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page).startswith(text):
            return
    raise AssertionError(f"Tab never reached {text!r} (stopped at {focused(page)!r})")


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_is_one_line_on_a_laptop(browse, live_server, page, role):
    page.set_viewport_size({"width": 1280, "height": 800})
    browse.log_in(*live_server.logins[role])
    assert not page.get_by_role("button", name="Meny").is_visible()
    entries = page.locator("#main-nav .nav-list > li")
    assert 2 <= entries.count() <= 7
    tops = {round(box["y"]) for box in (entries.nth(i).bounding_box() for i in range(entries.count()))}
    assert len(tops) == 1, f"{role}'s menu wraps onto {len(tops)} lines"
    header = page.locator(".site-header").bounding_box()
    assert header["height"] < 80
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
    # A group opens with the keyboard, its links readable and on screen; Escape closes it.
    group = page.locator(".nav-group__toggle").first
    group.focus()
    page.keyboard.press("Enter")
    assert group.get_attribute("aria-expanded") == "true"
    links = page.locator("#" + group.get_attribute("aria-controls")).get_by_role("link")
    expect(links.first).to_be_visible()
    box = links.last.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
    page.keyboard.press("Escape")
    assert group.get_attribute("aria-expanded") == "false"
    expect(links.first).to_be_hidden()
    assert focused(page) == group.inner_text().strip()


@pytest.mark.parametrize("width", [390, 768])
def test_a_coordinator_uses_the_menu_button_with_the_keyboard(browse, live_server, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    browse.log_in(*live_server.logins["coordinator"])
    menu = page.get_by_role("button", name="Meny")
    expect(menu).to_be_visible()
    assert menu.get_attribute("aria-controls") == "main-nav"
    planning = page.locator("#main-nav").get_by_role("button", name="Planera")
    expect(planning).to_be_hidden()

    tab_to(page, "Meny")
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    expect(planning).to_be_visible()
    assert planning.get_attribute("aria-expanded") == "false"
    tab_to(page, "Planera")
    page.keyboard.press("Space")
    assert planning.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")
    assert focused(page) == "Översikt", "Tab goes from the group's button into its links"
    page.keyboard.press("Escape")
    assert planning.get_attribute("aria-expanded") == "false"
    assert focused(page) == "Planera"
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert focused(page).startswith("Meny")
    expect(planning).to_be_hidden()

    page.keyboard.press("Enter")
    tab_to(page, "Planera")
    page.keyboard.press("Enter")
    tab_to(page, "Planering")
    browse.submit(lambda: page.keyboard.press("Enter"))
    assert page.get_by_role("heading", level=1).inner_text() == "Planering"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    menu.click()
    expect(planning).to_have_attribute("aria-current", "true")
    planning.click()
    current = page.locator("#main-nav a[aria-current='page']")
    expect(current).to_have_text("Planering")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width


def test_a_learner_finds_her_transcript_and_account_on_a_phone(browse, live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    browse.log_in(*live_server.logins["learner"])
    for name in ("Mitt kursutdrag", "Mitt konto", "Mina intyg", "Checka in"):
        link = browse.menu_link(name)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] + box["width"] <= 390, f"{name} runs off the screen"
    browse.submit(lambda: browse.menu_link("Mitt konto").click())
    assert page.get_by_role("heading", level=1).inner_text() == "Mitt konto"
