"""Enrolment pages through the test client: the public cycle page, enrolling, approval, bulk."""
from datetime import date

import pytest
from sqlalchemy import select

from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.enrolment.service import enrol
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_cycle, make_organisation, make_user

EN = {"Accept-Language": "en"}


def test_anyone_sees_a_published_cycle_but_not_a_draft(app, client, coordinator_client):
    published = make_cycle(first_date=date(2030, 3, 5), title="Våren 2030")
    draft = make_cycle(first_date=date(2030, 3, 5), published=False)
    db.session.commit()
    page = client.get(f"/cycles/{published.id}").text
    assert "Våren 2030" in page and f"/login?next=/cycles/{published.id}" in page
    assert client.get(f"/cycles/{draft.id}").status_code == 404
    assert client.get(f"/cycles/{draft.id}/calendar.ics").status_code == 404
    assert coordinator_client.get(f"/cycles/{draft.id}").status_code == 200
    assert client.get("/cycles/999").status_code == 404


def test_enrolling_needs_a_log_in_and_the_learner_role(app, client, trainer_client):
    cycle = make_cycle(first_date=date(2030, 3, 5))
    db.session.commit()
    assert client.post(f"/cycles/{cycle.id}/enrol").headers["Location"].startswith("/login")
    assert trainer_client.post(f"/cycles/{cycle.id}/enrol").status_code == 403


def test_a_learner_enrols_sees_the_schedule_and_withdraws(app, learner_client):
    cycle = make_cycle(first_date=date(2030, 3, 5), title="Våren 2030", capacity=1)
    db.session.commit()
    response = learner_client.post(f"/cycles/{cycle.id}/enrol")
    assert response.status_code == 302
    assert "You are enrolled" in learner_client.get(f"/cycles/{cycle.id}").text
    schedule = learner_client.get("/my/schedule").text
    assert "Våren 2030" in schedule and "Next sessions" in schedule
    enrolment = db.session.execute(select(Enrolment)).scalar_one()
    assert learner_client.post(f"/enrolments/{enrolment.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert enrolment.status is EnrolmentStatus.WITHDRAWN


def test_a_full_cycle_offers_the_wait_list_and_shows_the_place(app, learner_client):
    cycle = make_cycle(first_date=date(2030, 3, 5), capacity=1)
    enrol(make_user().id, cycle, now=cycle.sessions[0].starts_at.replace(year=2029))
    db.session.commit()
    assert "Join the wait-list" in learner_client.get(f"/cycles/{cycle.id}").text
    learner_client.post(f"/cycles/{cycle.id}/enrol")
    assert "place 1 on the wait-list" in learner_client.get(f"/cycles/{cycle.id}").text
    assert "place 1 on the wait-list" in learner_client.get("/my/schedule").text


def test_nobody_withdraws_someone_else(app, learner_client):
    cycle = make_cycle(first_date=date(2030, 3, 5))
    other = enrol(make_user().id, cycle, now=cycle.sessions[0].starts_at.replace(year=2029))
    db.session.commit()
    assert learner_client.post(f"/enrolments/{other.id}/withdraw").status_code == 404
    db.session.expire_all()
    assert other.status is EnrolmentStatus.ENROLLED


def test_enrolling_twice_is_refused_on_the_cycle_page_and_keeps_one_enrolment(app, learner_client):
    cycle = make_cycle(first_date=date(2030, 3, 5), capacity=5)
    db.session.commit()
    learner_client.post(f"/cycles/{cycle.id}/enrol")
    response = learner_client.post(f"/cycles/{cycle.id}/enrol")
    assert response.headers["Location"] == f"/cycles/{cycle.id}"
    assert "Already signed up for this cycle" in learner_client.get(f"/cycles/{cycle.id}", headers=EN).text
    assert len(db.session.execute(select(Enrolment)).scalars().all()) == 1
    db.session.expire_all()
    assert cycle.seats_taken == 1


def test_withdrawing_twice_is_refused_on_the_page_it_was_sent_from(app, learner_client):
    cycle = make_cycle(first_date=date(2030, 3, 5))
    db.session.commit()
    learner_client.post(f"/cycles/{cycle.id}/enrol")
    enrolment = db.session.execute(select(Enrolment)).scalar_one()
    learner_client.post(f"/enrolments/{enrolment.id}/withdraw")
    response = learner_client.post(f"/enrolments/{enrolment.id}/withdraw", data={"next": f"/cycles/{cycle.id}"})
    assert response.headers["Location"] == f"/cycles/{cycle.id}"
    assert "cannot change from" in learner_client.get(f"/cycles/{cycle.id}", headers=EN).text
    db.session.expire_all()
    assert enrolment.status is EnrolmentStatus.WITHDRAWN


@pytest.fixture
def approval_setup(app):
    own, other = make_organisation(), make_organisation()
    member = make_user(organisation=own, name="Medlem Egen")
    contact = make_user(roles=["organisation_contact"], organisation=own)
    other_contact = make_user(roles=["organisation_contact"], organisation=other)
    cycle = make_cycle(first_date=date(2030, 3, 5), approval_required=True)
    request = enrol(member.id, cycle, now=cycle.sessions[0].starts_at.replace(year=2029))
    db.session.commit()
    return request, contact, other_contact


def test_the_contact_approves_their_members_request(app, approval_setup):
    request, contact, _ = approval_setup
    client = app.test_client()
    log_in(client, contact.email)
    assert "Medlem Egen" in client.get("/enrolment/requests").text
    assert client.post(f"/enrolments/{request.id}/approve").status_code == 302
    db.session.expire_all()
    assert request.status is EnrolmentStatus.ENROLLED and request.decided_by_id == contact.id


def test_another_organisations_contact_gets_404_and_a_learner_403(app, approval_setup, learner_client):
    request, _, other_contact = approval_setup
    client = app.test_client()
    log_in(client, other_contact.email)
    assert "Medlem Egen" not in client.get("/enrolment/requests").text
    assert client.post(f"/enrolments/{request.id}/approve").status_code == 404
    assert client.post(f"/enrolments/{request.id}/decline").status_code == 404
    assert learner_client.post(f"/enrolments/{request.id}/approve").status_code == 403
    assert learner_client.get("/enrolment/requests").status_code == 403
    db.session.expire_all()
    assert request.status is EnrolmentStatus.PENDING


def test_deciding_a_request_already_decided_is_refused_and_changes_nothing(app, approval_setup, coordinator_client):
    request, _, _ = approval_setup
    back = f"/planning/cycles/{request.cycle_id}"
    coordinator_client.post(f"/enrolments/{request.id}/approve")
    response = coordinator_client.post(f"/enrolments/{request.id}/decline", data={"next": back})
    assert response.headers["Location"] == back
    assert "no longer" in coordinator_client.get(back, headers=EN).text.lower()
    db.session.expire_all()
    assert request.status is EnrolmentStatus.ENROLLED


def test_a_coordinator_declines_from_the_cycle_page(app, approval_setup, coordinator_client):
    request, _, _ = approval_setup
    page = coordinator_client.get(f"/planning/cycles/{request.cycle_id}").text
    assert "Medlem Egen" in page and "Awaiting approval" in page
    response = coordinator_client.post(f"/enrolments/{request.id}/decline",
                                       data={"next": f"/planning/cycles/{request.cycle_id}"})
    assert response.headers["Location"] == f"/planning/cycles/{request.cycle_id}"
    db.session.expire_all()
    assert request.status is EnrolmentStatus.DECLINED


def test_bulk_enrolment_page_reports_each_person(app, coordinator_client):
    organisation = make_organisation("Möllans förening")
    member = make_user("medlem@example.org", organisation=organisation, name="Medlem Ett")
    cycle = make_cycle(first_date=date(2030, 3, 5), capacity=5)
    db.session.commit()
    page = coordinator_client.get(f"/cycles/{cycle.id}/bulk?organisation_id={organisation.id}").text
    assert "Medlem Ett (medlem@example.org)" in page
    page = coordinator_client.post(f"/cycles/{cycle.id}/bulk?organisation_id={organisation.id}", data={
        "user_ids": [member.id], "emails": "okand@example.org"}).text
    assert "What happened" in page and "okand@example.org" in page and "No account has this e-mail address." in page
    assert db.session.execute(select(Enrolment.status)).scalar_one() is EnrolmentStatus.ENROLLED


def test_a_contact_only_picks_from_their_own_organisation(app):
    own, other = make_organisation(), make_organisation()
    contact = make_user(roles=["organisation_contact"], organisation=own)
    make_user("egen@example.org", organisation=own)
    make_user("annan@example.org", organisation=other)
    cycle = make_cycle(first_date=date(2030, 3, 5))
    db.session.commit()
    client = app.test_client()
    log_in(client, contact.email)
    page = client.get(f"/cycles/{cycle.id}/bulk?organisation_id={other.id}").text
    assert "egen@example.org" in page and "annan@example.org" not in page


def test_learners_cannot_bulk_enrol(app, learner_client):
    cycle = make_cycle(first_date=date(2030, 3, 5))
    db.session.commit()
    assert learner_client.get(f"/cycles/{cycle.id}/bulk").status_code == 403
    assert learner_client.post(f"/cycles/{cycle.id}/bulk", data={"emails": "x@example.org"}).status_code == 403


def test_the_enrol_button_says_who_is_enrolled(app, coordinator_client, learner_client):
    """A coordinator or contact enrols others ("Anmäl de valda"); a learner enrols themselves."""
    cycle = make_cycle(first_date=date(2030, 3, 5), capacity=5)
    db.session.commit()
    coordinator_client.user.locale = learner_client.user.locale = "sv"
    db.session.commit()
    bulk = coordinator_client.get(f"/cycles/{cycle.id}/bulk").text
    assert "Anmäl mig" not in bulk and "Anmäl de valda" in bulk
    assert "Anmäl mig" in learner_client.get(f"/cycles/{cycle.id}").text


@pytest.mark.parametrize("mode, offer", [("open", "Skapa ett konto"), ("approval", "Be om ett konto"), ("off", None)])
def test_a_visitor_on_a_cycle_page_can_log_in_create_an_account_or_go_back(app, client, mode, offer):
    app.config["LMS_SIGNUP"] = mode
    cycle = make_cycle(first_date=date(2030, 3, 5), title="Våren 2030")
    db.session.commit()
    page = client.get(f"/cycles/{cycle.id}").text
    assert "Logga in för att anmäla dig" in page
    assert f'href="/courses/{cycle.course.slug}"' in page, "a way back to the course"
    if offer:
        assert offer in page and 'href="/signup"' in page
    else:
        assert 'href="/signup"' not in page.split('id="my-place-heading"')[1].split("</section>")[0]


def test_the_bulk_page_lists_who_is_signed_up_and_reports_a_bad_entry_once(app, coordinator_client):
    cycle = make_cycle(first_date=date(2030, 3, 5), capacity=5)
    member = make_user("medlem@example.org", name="Medlem Ett")
    enrol(member.id, cycle, now=cycle.sessions[0].starts_at.replace(year=2029), check_window=False)
    db.session.commit()
    page = coordinator_client.get(f"/cycles/{cycle.id}/bulk").text
    signed_up = page.split('id="signed-up-heading"')[1].split("</section>")[0]
    assert "(1)" in signed_up and "Medlem Ett" in signed_up
    page = coordinator_client.post(f"/cycles/{cycle.id}/bulk", data={"emails": "not an email\nmedlem@example.org"}).text
    report = page.split('id="report-heading"')[1].split("</table>")[0]
    assert report.count("<tr class=\"outcome-") == 2, report
    assert "not an email" in report and "This is not an e-mail address." in report
    assert "outcome-already" in report and "already signed up" in report
