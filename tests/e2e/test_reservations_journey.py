"""An organisation contact gives one of the seats reserved for their organisation to a member;
the coordinator sees the block on the cycle's planning page."""
from lms.demo import DEMO_PASSWORD


def test_a_contact_gives_a_reserved_seat_to_a_member(browse, live_server, page):
    email, password = live_server.logins["organisation_contact"]
    browse.log_in(email, DEMO_PASSWORD if password is None else password)
    browse.goto("/organisation/members")
    reserved = page.get_by_role("region", name="Platser reserverade för er")
    assert "3 platser kvar att fördela" in reserved.inner_text()
    member = reserved.get_by_label("Medlem")
    chosen = member.locator("option").first.inner_text().split(" (")[0]
    member.select_option(index=0)
    browse.submit(lambda: reserved.get_by_role("button", name="Ge platsen").click())
    message = page.get_by_role("status").first.inner_text()
    assert chosen in message and "har fått en reserverad plats" in message
    reserved = page.get_by_role("region", name="Platser reserverade för er")
    assert "2 platser kvar att fördela" in reserved.inner_text() and chosen in reserved.inner_text()


def test_the_coordinator_sees_the_blocks_on_the_planning_page(browse, live_server, page):
    from lms.enrolment.reservation_models import SeatReservation
    from lms.extensions import db

    with live_server.app.app_context():
        cycle_id = db.session.execute(db.select(SeatReservation.cycle_id)).scalars().first()
    browse.log_in("samordnare@kompetenscentret.example", DEMO_PASSWORD)
    browse.goto(f"/planning/cycles/{cycle_id}")
    text = page.get_by_role("region", name="Reserverade platser").inner_text()
    assert "Möllevångens Kulturförening" in text and "Rosengårds Läxhjälp, Språkvänner i Malmö" in text
    assert "5 reserverade platser" in text and "4 fördelade" in text
