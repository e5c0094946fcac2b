"""An organisation contact states when its members can come; the coordinator sees a draft cycle suits it poorly."""
from sqlalchemy import select


def _draft_cycle_id(live_server) -> int:
    from lms.extensions import db
    from lms.planning.models import Cycle, CycleStatus

    with live_server.app.app_context():
        cycle_id = db.session.execute(
            select(Cycle.id).where(Cycle.status == CycleStatus.DRAFT, Cycle.title.startswith("Dagtid"))
        ).scalars().first()
        db.session.remove()
    assert cycle_id is not None, "the demo plans a daytime draft cycle"
    return cycle_id


def test_a_contacts_conditions_show_on_the_coordinators_draft(browse, live_server):
    email, password = live_server.logins["organisation_contact"]
    page = browse.log_in(email, password)
    browse.submit(lambda: browse.menu_link("Behov och önskemål").click())
    browse.submit(lambda: page.get_by_role("link", name="Ändra förutsättningarna").click())
    page.get_by_role("checkbox", name="vardagskvällar (från 17.00)").uncheck()
    page.get_by_role("checkbox", name="helger").check()
    page.get_by_role("checkbox", name="Svenska").check()
    page.get_by_label("Hur många medlemmar som brukar gå samma kursomgång tillsammans (frivilligt)").fill("14")
    page.get_by_label("Annat som avgör om medlemmarna kan komma (frivilligt)").fill("Vi är lediga på lördagar.")
    browse.submit(lambda: page.get_by_role("button", name="Spara").click())
    assert "Förutsättningarna är sparade" in page.locator(".flash").first.inner_text()
    facts = page.get_by_role("region", name="Förutsättningar för att delta").inner_text()
    assert "helger" in facts and "vardagskvällar" not in facts and "14" in facts
    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())

    email, password = live_server.logins["coordinator"]
    browse.log_in(email, password)
    browse.goto(f"/planning/cycles/{_draft_cycle_id(live_server)}")
    fits = page.get_by_role("region", name="Organisationernas förutsättningar")
    ours = fits.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Möllevångens Kulturförening"))
    reasons = ours.first.inner_text()
    assert "4 av 4 träffar är på en tid då medlemmarna inte kan komma: vardagar, dagtid (före 17.00)." in reasons
    assert "14 medlemmar brukar komma tillsammans; kursomgången har 12 platser." in reasons
    assert "Vi är lediga på lördagar." in reasons
