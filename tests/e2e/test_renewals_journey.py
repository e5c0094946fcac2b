"""A learner whose GDPR certificate expires soon sees it on the start page and among the
certificates, follows the reminder's link, enrols in one step, completes, and the verification
pages show the renewal: the old certificate renewed, the new one valid until a year later."""
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select


def _reminder_link(app, email: str) -> str:
    from lms.extensions import db
    from lms.notifications.models import OutboxMessage

    with app.app_context():
        message = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.recipient == email, OutboxMessage.kind == "renewal_reminder")).scalars().first()
        return re.search(r"http://127\.0\.0\.1(/renew/\S+)", message.body_text).group(1)


def _complete(app, email: str, cycle_title: str):
    """What the cycle's sessions and the roll calls would do: attended, then the sweep issues."""
    from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
    from lms.auth.service import find_user_by_email
    from lms.certificates import service
    from lms.certificates.models import Certificate
    from lms.db_types import utcnow
    from lms.enrolment.models import Enrolment
    from lms.extensions import db
    from lms.planning.models import Cycle

    with app.app_context():
        learner = find_user_by_email(email)
        cycle = db.session.execute(  # the cycle just joined: titles repeat from one term to the next
            select(Cycle).join(Enrolment, Enrolment.cycle_id == Cycle.id)
            .where(Cycle.title == cycle_title, Enrolment.user_id == learner.id)
            .order_by(Enrolment.enrolled_at.desc().nulls_last()).limit(1)).scalar_one()
        for session in cycle.sessions:
            db.session.merge(Attendance(session_id=session.id, user_id=learner.id, status=AttendanceStatus.PRESENT,
                                        method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
        new = service.issue_certificate(learner.id, cycle.id, utcnow() + timedelta(days=1))
        old = db.session.execute(select(Certificate).where(
            Certificate.user_id == learner.id, Certificate.id != new.id,
            Certificate.snapshot["course_slug"].as_string() == "gdpr-for-foreningar")).scalars().first()
        db.session.commit()
        return old.code, new.code


def test_reminded_enrol_complete_and_renewed(browse, live_server):
    email, password = live_server.logins["learner"]
    page = browse.log_in(email, password)
    renewals = page.locator(".start-card", has_text="Att förnya")
    expect(renewals).to_contain_text("GDPR för föreningar")

    browse.submit(lambda: renewals.get_by_role("link", name=re.compile("^Förnya")).first.click())
    card = page.locator(".card", has_text="GDPR för föreningar").first
    expect(card).to_contain_text("Går snart ut")

    browse.goto(_reminder_link(live_server.app, email))
    expect(page.get_by_role("heading", name="Förnya ditt intyg")).to_be_visible()
    button = page.get_by_role("button", name=re.compile("^Anmäl mig till"))
    cycle_title = button.inner_text().removeprefix("Anmäl mig till ").strip()
    browse.submit(lambda: button.click())
    expect(page.locator(".flash").first).to_contain_text("Du är antagen")

    old_code, new_code = _complete(live_server.app, email, cycle_title)
    browse.submit(lambda: page.get_by_role("button", name="Logga ut").click())
    browse.goto(f"/verify/{old_code}")
    expect(page.get_by_role("status")).to_contain_text("Förnyat")
    browse.submit(lambda: page.get_by_role("status").get_by_role("link").click())
    expect(page.get_by_role("status")).to_contain_text("Giltigt")
    expect(page.get_by_role("status")).to_contain_text("giltigt till")
    assert new_code.replace("-", "") in page.url.replace("-", "")
