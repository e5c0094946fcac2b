"""The pages of fair seats: answering an offer by its link, who may, CSRF; the cancellation
deadline on the cycle's page; the standing on the learner's schedule; lifting it."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
from lms.audit.models import AuditEvent
from lms.db_types import utcnow
from lms.enrolment import offers, service
from lms.enrolment.models import EnrolmentStatus
from lms.enrolment.policy_models import OfferStatus
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_cycle, make_user

EN = {"Accept-Language": "en"}


def _offer_to(user):
    """A cycle ahead whose one seat was freed and is offered to `user`, first on the wait-list."""
    now = utcnow()
    cycle = make_cycle(first_date=date(2030, 3, 5), capacity=1, title="Våren 2030", now=now)
    seated = service.enrol(make_user().id, cycle, now=now)
    waiting = service.enrol(user.id, cycle, now=now)
    later = service.enrol(make_user().id, cycle, now=now + timedelta(seconds=1))
    [offer] = service.withdraw(seated, actor_id=None, now=now)
    db.session.commit()
    return offer, waiting, later


def test_the_learner_answers_yes_through_the_link(app, learner_client):
    offer, waiting, _later = _offer_to(learner_client.user)
    token = offers.offer_token(offer)
    page = learner_client.get(f"/offers/{token}", headers=EN).text
    assert "Take the seat" in page and "Våren 2030" in page
    assert "A seat is held for you" in learner_client.get(f"/cycles/{offer.cycle_id}", headers=EN).text
    assert "Answer the offer" in learner_client.get("/my/schedule", headers=EN).text
    response = learner_client.post(f"/offers/{token}/accept", headers=EN)
    assert response.headers["Location"] == f"/cycles/{offer.cycle_id}"
    db.session.expire_all()
    assert waiting.status is EnrolmentStatus.ENROLLED
    assert "no longer open" in learner_client.get(f"/offers/{token}", headers=EN).text
    again = learner_client.post(f"/offers/{token}/accept", headers=EN, follow_redirects=True).text
    assert "This offer is no longer open." in again


def test_saying_no_passes_the_seat_on(app, learner_client):
    offer, waiting, later = _offer_to(learner_client.user)
    learner_client.post(f"/offers/{offers.offer_token(offer)}/decline", headers=EN)
    db.session.expire_all()
    assert waiting.status is EnrolmentStatus.WITHDRAWN and offers.open_offer_of(later.id) is not None


def test_the_e_mailed_link_works_without_a_log_in(app, client):
    offer, waiting, _later = _offer_to(make_user())
    token = offers.offer_token(offer)
    assert client.get(f"/offers/{token}", headers=EN).status_code == 200
    assert client.post(f"/offers/{token}/accept").status_code == 302
    db.session.expire_all()
    assert waiting.status is EnrolmentStatus.ENROLLED


def test_someone_elses_offer_and_a_forged_link_are_not_found(app, learner_client):
    offer, waiting, _later = _offer_to(make_user())
    token = offers.offer_token(offer)
    assert learner_client.get(f"/offers/{token}").status_code == 404
    assert learner_client.post(f"/offers/{token}/accept").status_code == 404
    assert learner_client.post(f"/offers/{token}/decline").status_code == 404
    assert learner_client.get(f"/offers/{token[:-3]}abc").status_code == 404
    db.session.expire_all()
    assert offer.status is OfferStatus.OPEN and waiting.status is EnrolmentStatus.WAITLISTED


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_answering_needs_the_forms_csrf_token(app, client):
    offer, _waiting, _later = _offer_to(make_user())
    token = offers.offer_token(offer)
    assert client.post(f"/offers/{token}/accept").status_code == 400
    assert client.post(f"/offers/{token}/decline").status_code == 400
    db.session.expire_all()
    assert offer.status is OfferStatus.OPEN


def test_the_cycle_page_says_the_cancellation_deadline(app, client):
    cycle = make_cycle(first_date=date(2030, 3, 5), now=utcnow())  # Tuesday 5 March 2030, 18:00
    cycle.cancellation_hours = 48
    db.session.commit()
    page = client.get(f"/cycles/{cycle.id}", headers=EN).text
    assert "Cancellation deadline" in page and "Sun 3 Mar 2030, 18:00" in page
    assert "sön 3 mars 2030, 18:00" in client.get(f"/cycles/{cycle.id}").text


def test_the_coordinator_sees_the_queue_and_every_offer(app, coordinator_client):
    offer, _waiting, _later = _offer_to(make_user(name="Vera Väntar"))
    page = coordinator_client.get(f"/planning/cycles/{offer.cycle_id}", headers=EN).text
    assert "Seats offered from the wait-list (1)" in page and "Vera Väntar" in page
    assert "waiting for an answer" in page and "seat offered until" in page


def _two_absences(user):
    """Absent without excuse from two sessions, a month and two weeks ago."""
    for days_ago in (30, 14):
        first = (utcnow() - timedelta(days=days_ago)).date()
        cycle = make_cycle(first_date=first, sessions=1, now=utcnow() - timedelta(days=60))
        db.session.add(Attendance(session_id=cycle.sessions[0].id, user_id=user.id, status=AttendanceStatus.ABSENT,
                                  method=AttendanceMethod.ROLL_CALL))
    db.session.commit()


def test_the_learner_sees_their_standing_and_why(app, learner_client):
    _two_absences(learner_client.user)
    page = learner_client.get("/my/schedule", headers=EN).text
    assert "Your enrolments now need approval." in page and "absent without excuse" in page


def test_only_a_coordinator_lifts_the_rule_with_a_reason(app, learner_client, coordinator_client):
    person = make_user(name="Nils Nej")
    _two_absences(person)
    url = f"/enrolment/people/{person.id}/standing"
    assert learner_client.get(url).status_code == 403
    assert learner_client.post(url, data={"reason": "x"}).status_code == 403
    assert "Enrolments of this person now need approval." in coordinator_client.get(url, headers=EN).text
    assert coordinator_client.post(url, data={"reason": ""}, headers=EN).status_code == 200
    assert coordinator_client.post(url, data={"reason": "Talade med Nils"}, headers=EN).status_code == 302
    assert db.session.execute(select(AuditEvent.actor_id).where(AuditEvent.action == "no_show.lifted")
                              ).scalar_one() == coordinator_client.user.id
    assert "Nothing counts now." in coordinator_client.get(url, headers=EN).text
    assert coordinator_client.get("/enrolment/people/999999/standing").status_code == 404


def test_a_coordinator_removes_someone_and_the_seat_is_offered_on(app, coordinator_client, learner_client):
    now = utcnow()
    cycle = make_cycle(first_date=date(2030, 3, 5), capacity=1, now=now)
    seated = service.enrol(make_user(name="Sara Sitter").id, cycle, now=now)
    waiting = service.enrol(make_user().id, cycle, now=now)
    db.session.commit()
    assert learner_client.post(f"/enrolments/{seated.id}/remove").status_code == 403
    page = coordinator_client.get(f"/planning/cycles/{cycle.id}", headers=EN).text
    assert f"/enrolments/{seated.id}/remove" in page
    response = coordinator_client.post(f"/enrolments/{seated.id}/remove", headers=EN)
    assert response.headers["Location"] == f"/planning/cycles/{cycle.id}"
    db.session.expire_all()
    assert seated.status is EnrolmentStatus.WITHDRAWN and offers.open_offer_of(waiting.id) is not None
    assert coordinator_client.post("/enrolments/999999/remove").status_code == 404
