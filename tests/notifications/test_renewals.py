"""The renewal loop with frozen time: a reminder per step exactly once, to the holder and their
organisation contact in each one's language, the one-step link enrols, completing renews, the old
period stays in the history and verification shows the new validity."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
from lms.catalog.models import ModuleProgress
from lms.certificates import service
from lms.certificates.sweep import sweep
from lms.certificates.models import CertificateValidityPeriod, RenewalReminder
from lms.certificates.renewals import renewal_demand, renewals_due
from lms.certificates.validity import Status, validities_of
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.models import Notification, OutboxMessage
from lms.notifications.renewals import queue_renewal_reminders
from lms.notifications.service import save_preferences
from tests.conftest import log_in
from tests.factories import make_course, make_cycle, make_organisation, make_user

GDPR = {"months": 12, "window_days": 60, "expiry_from": "previous_expiry", "renewed_by": "course"}
COMPLETED = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)  # valid until 1 March 2028


def at(y, m, d, h=13):
    return datetime(y, m, d, h, 0, tzinfo=timezone.utc)


def _attend(cycle, learner):
    for session in cycle.sessions:
        db.session.add(Attendance(session_id=session.id, user_id=learner.id, status=AttendanceStatus.PRESENT,
                                  method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))


@pytest.fixture
def holder(app):
    """Anna, of Möllans kulturförening (contact Karl, in English), certified in GDPR on 1 March 2027."""
    organisation = make_organisation("Möllans kulturförening")
    course = make_course("gdpr-for-foreningar", title="GDPR för föreningar", modules=1)
    course.validity = dict(GDPR)
    anna = make_user("anna@example.org", name="Anna Berg", organisation=organisation)
    make_user("karl@example.org", name="Karl Kontakt", roles=["organisation_contact"], organisation=organisation,
              locale="en")
    first = make_cycle(course, title="Våren 2027", first_date=date(2027, 1, 11), sessions=2,
                       now=datetime(2026, 12, 1, tzinfo=timezone.utc))
    db.session.add(Enrolment(user_id=anna.id, cycle_id=first.id, status=EnrolmentStatus.ENROLLED,
                             requested_at=datetime(2026, 12, 2, tzinfo=timezone.utc),
                             enrolled_at=datetime(2026, 12, 2, tzinfo=timezone.utc)))
    _attend(first, anna)
    db.session.add(ModuleProgress(user_id=anna.id, module_id=course.modules[0].id, completed_at=COMPLETED))
    db.session.flush()
    certificate = service.issue_certificate(anna.id, first.id, COMPLETED)
    db.session.commit()
    return certificate


def _mail(recipient):
    return db.session.execute(select(OutboxMessage).where(
        OutboxMessage.recipient == recipient, OutboxMessage.kind == "renewal_reminder")
        .order_by(OutboxMessage.id)).scalars().all()


def test_the_whole_loop(app, holder):
    course = holder.cycle.course
    renewal = make_cycle(course, title="Februari 2028", first_date=date(2028, 2, 7), sessions=3,
                         now=at(2027, 11, 1))
    db.session.commit()
    assert queue_renewal_reminders(at(2027, 12, 20)) == 0, "the window opens on 31 December"

    # the window opens: one message each, in their own language; a second tick sends nothing
    assert queue_renewal_reminders(at(2028, 1, 1)) == 2
    assert queue_renewal_reminders(at(2028, 1, 1, 14)) == 0
    [to_anna] = _mail("anna@example.org")
    [to_karl] = _mail("karl@example.org")
    assert "GDPR för föreningar" in to_anna.subject and "1 mars 2028" in to_anna.subject and to_anna.locale == "sv"
    assert "Anna Berg" in to_karl.subject and "1 March 2028" in to_karl.subject and to_karl.locale == "en"
    assert "Februari 2028" in to_anna.body_text and "Februari 2028" in to_karl.body_text
    link = re.search(r"http://localhost(/renew/\S+)", to_anna.body_text).group(1)
    assert "/renew/" not in to_karl.body_text, "the one-step link is the holder's own"

    # 30 and 7 days before: once each
    assert queue_renewal_reminders(at(2028, 1, 31)) == 2
    assert queue_renewal_reminders(at(2028, 2, 1)) == 0
    assert queue_renewal_reminders(at(2028, 2, 23)) == 2
    assert queue_renewal_reminders(at(2028, 2, 24)) == 0
    assert len(_mail("anna@example.org")) == 3 and len(_mail("karl@example.org")) == 3
    steps = db.session.execute(select(RenewalReminder.step).order_by(RenewalReminder.id)).scalars().all()
    assert steps == ["window", "30d", "7d"]

    # enrol from the link, in one step
    client = app.test_client()
    assert log_in(client, "anna@example.org").status_code == 302
    page = client.get(link)
    assert page.status_code == 200 and "Februari 2028" in page.text
    token = re.search(r'name="csrf_token" [^>]*value="([^"]+)"', page.text).group(1)
    assert client.post(link, data={"csrf_token": token}).status_code == 302
    enrolment = db.session.execute(select(Enrolment).where(Enrolment.cycle_id == renewal.id)).scalar_one()
    assert enrolment.user_id == holder.user_id and enrolment.status is EnrolmentStatus.ENROLLED

    # complete the cycle: the renewed certificate, from the previous expiry
    _attend(renewal, holder.user)
    db.session.commit()
    completed_again = at(2028, 2, 25)
    assert sweep(completed_again) == 1
    new = service.existing_certificate(holder.user_id, renewal.id)
    old_period, new_period = db.session.execute(
        select(CertificateValidityPeriod).order_by(CertificateValidityPeriod.id)).scalars().all()
    assert old_period.valid_until == COMPLETED.replace(year=2028), "the old period stays as it was"
    assert new_period.renews_period_id == old_period.id
    assert new_period.valid_until == COMPLETED.replace(year=2029)
    standing = validities_of([holder, new], completed_again)
    assert standing[holder.id].status is Status.RENEWED and standing[holder.id].renewed_by_code == new.code
    assert standing[new.id].status is Status.VALID and standing[new.id].last_day == date(2029, 3, 1)
    db.session.commit()
    assert queue_renewal_reminders(at(2028, 2, 28)) == 0, "a renewed period is not reminded of"

    # the verification pages say so, without log-in
    public = app.test_client()
    old_page = public.get(f"/verify/{holder.code}", headers={"Accept-Language": "en"}).text
    assert "Renewed" in old_page
    new_page = public.get(f"/verify/{new.code}", headers={"Accept-Language": "en"}).text
    assert "valid until 1 Mar 2029" in new_page


def test_a_late_scheduler_sends_only_the_nearest_step(app, holder):
    assert queue_renewal_reminders(at(2028, 2, 25)) == 2, "one message each, for the 7-day step"
    assert set(db.session.execute(select(RenewalReminder.step)).scalars()) == {"window", "30d", "7d"}
    assert queue_renewal_reminders(at(2028, 2, 26)) == 0
    [message] = _mail("anna@example.org")
    assert "Inget" in message.body_text or "ingen" in message.body_text.lower(), "no cycle is planned: it says so"


def test_preferences_are_respected_and_the_app_list_still_tells(app, holder):
    save_preferences(holder.user_id, email_reminders=True, reminder_hours=None, now=at(2027, 6, 1),
                     email_renewals=False)
    db.session.commit()
    queue_renewal_reminders(at(2028, 1, 1))
    assert _mail("anna@example.org") == [] and len(_mail("karl@example.org")) == 1
    assert db.session.execute(select(Notification).where(Notification.user_id == holder.user_id,
                                                         Notification.kind == "renewal_reminder")).scalar_one()


def test_a_revoked_certificate_gets_no_reminders(app, holder):
    service.revoke_certificate(holder, "Fel person.", None, at(2027, 6, 1))
    db.session.commit()
    assert queue_renewal_reminders(at(2028, 2, 25)) == 0


def test_a_link_works_only_for_its_holder(app, holder):
    from lms.certificates.renewals import renewal_link_token

    cycle = make_cycle(holder.cycle.course, title="Februari 2028", first_date=date(2028, 2, 7), now=at(2027, 11, 1))
    other = make_user("other@example.org")
    db.session.commit()
    token = renewal_link_token(holder.user_id, cycle.id)
    client = app.test_client()
    assert client.get(f"/renew/{token}").status_code == 302, "log in first"
    assert log_in(client, other.email).status_code == 302
    assert client.get(f"/renew/{token}").status_code == 404
    assert client.post(f"/renew/{token}").status_code in (400, 404)
    assert client.get("/renew/not-a-token").status_code == 404


def test_renewals_due_and_the_demand(app, holder):
    contact = db.session.execute(select(OutboxMessage)).first()  # nothing queued yet
    assert contact is None
    karl = make_user("karl2@example.org", roles=["organisation_contact"], organisation=holder.user.organisation)
    [due] = renewals_due(karl.id, at(2028, 1, 15), 60)
    assert due.user_name == "Anna Berg" and due.status is Status.EXPIRING_SOON and due.last_day == date(2028, 3, 1)
    assert renewals_due(holder.user_id, at(2027, 6, 1), 60) == []
    [month] = renewal_demand(at(2028, 1, 15))
    assert month.month == date(2028, 3, 1) and month.expiring == 1 and month.uncovered


def _holders(cycle, count: int, now):
    """`count` more holders of a period inside its window, every step already done."""
    from lms.certificates.codes import new_code
    from lms.certificates.models import Certificate, ExpiryBasis, IssueOrigin

    for _ in range(count):
        person = make_user()
        certificate = Certificate(user_id=person.id, cycle_id=cycle.id, code=new_code(), origin=IssueOrigin.AUTOMATIC,
                                  issued_at=now, design="standard", snapshot={})
        db.session.add(certificate)
        db.session.flush()
        period = CertificateValidityPeriod(
            certificate_id=certificate.id, user_id=person.id, course_id=cycle.course_id, valid_from=now - timedelta(days=360),
            valid_until=now + timedelta(days=5), window_opens_at=now - timedelta(days=55), basis=ExpiryBasis.COMPLETION)
        db.session.add(period)
        db.session.flush()
        db.session.add_all([RenewalReminder(period_id=period.id, step=step, queued_at=now) for step in ("window", "30d", "7d")])
    db.session.commit()


def _queries(work) -> int:
    from sqlalchemy import event

    count = [0]

    def counted(*_args):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count[0]


def test_with_nothing_due_the_sweep_costs_the_same_queries_with_three_times_the_periods(app, holder):
    now = at(2028, 2, 25)
    queue_renewal_reminders(now)  # the holder's steps
    db.session.commit()
    _holders(holder.cycle, 5, now)
    small = _queries(lambda: queue_renewal_reminders(now))
    _holders(holder.cycle, 10, now)
    assert _queries(lambda: queue_renewal_reminders(now)) == small == 1


def test_the_weekly_digest_names_a_certificate_to_renew(holder):
    from lms.notifications.digest import queue_weekly_digests
    from lms.notifications.kinds import Kind

    monday_morning = datetime(2028, 2, 7, 7, 30, tzinfo=timezone.utc)  # 08:30 in Stockholm
    save_preferences(holder.user_id, email_reminders=True, reminder_hours=None, now=monday_morning,
                     weekly_digest=True)
    db.session.commit()
    assert queue_weekly_digests(monday_morning) == 1
    row = db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == Kind.WEEKLY_DIGEST.value)).scalar_one()
    assert "Intyg att förnya" in row.body_text and "GDPR för föreningar" in row.body_text
    assert "Giltigt till" in row.body_text and "/certificates" in row.body_text
