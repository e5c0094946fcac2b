"""A learner finds a course, reads a module, marks it done and sees the progress."""
import re

from playwright.sync_api import expect


def test_a_learner_searches_reads_and_marks_a_module_done(browse, live_server):
    email, password = live_server.logins["learner"]
    page = browse.log_in(email, password)

    browse.goto("/courses")
    page.get_by_label("Sök").fill("bokföring")
    browse.submit(lambda: page.get_by_role("button", name="Sök").click())
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\d+ kurs"))
    browse.submit(lambda: page.get_by_role("link", name="Föreningens ekonomi och bokföring").click())
    expect(page.get_by_role("heading", level=1)).to_have_text("Föreningens ekonomi och bokföring")

    browse.submit(lambda: page.get_by_role("link", name=re.compile("Börja läsa|Fortsätt")).click())
    expect(page.get_by_role("link", name="Gör quizet")).to_be_visible()
    browse.submit(lambda: page.get_by_role("navigation", name="Brödsmulor")
                  .get_by_role("link", name="Föreningens ekonomi och bokföring").click())
    browse.submit(lambda: page.get_by_role("link", name="Löpande bokföring och kassörens arbete").click())
    first_title = page.get_by_role("heading", level=1).inner_text()
    expect(page.locator(".prose table").first).to_be_visible()
    browse.submit(lambda: page.get_by_role("button", name="Markera som klar").click())
    expect(page.get_by_role("status").first).to_contain_text(f"”{first_title}” är markerad som klar.")

    browse.submit(lambda: page.get_by_role("navigation", name="Brödsmulor")
                  .get_by_role("link", name="Föreningens ekonomi och bokföring").click())
    expect(page.locator(".progress").first).to_contain_text("1 av 5 obligatoriska moduler klara")
    browse.submit(lambda: browse.menu_link("Mina kurser").click())
    expect(page.get_by_role("link", name="Föreningens ekonomi och bokföring")).to_be_visible()


def test_the_catalogue_filters_work_without_log_in(browse):
    page = browse.goto("/courses")
    browse.submit(lambda: page.get_by_label("Globalt mål för hållbar utveckling").select_option("13"))
    assert "sdg=13" in page.url
    expect(page.get_by_role("status")).to_have_text("1 kurs")
    browse.submit(lambda: page.get_by_role("link", name=re.compile("Agenda 2030")).first.click())
    expect(page.get_by_role("link", name="Logga in för att läsa modulerna")).to_be_visible()
