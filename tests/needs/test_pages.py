"""Needs and interest pages: who may state what, 403/404, CSRF, and the demand page."""
import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.needs import service
from lms.needs.models import CompetenceNeed, CourseInterest
from tests.factories import make_course, make_cycle, make_organisation, make_user


def test_a_contact_states_changes_and_removes_a_need(app, contact):
    client, user = contact
    assert "Needs of <bdi>Fosie Matkasse</bdi>" in client.get("/needs").text
    response = client.post("/needs/new/organisation", data={"area": "Ekonomi", "people": "8", "sdgs": ["1", "2"],
                                                            "note": "Nya i styrelsen"})
    assert response.status_code == 302
    need = db.session.execute(select(CompetenceNeed)).scalar_one()
    assert (need.organisation_id, need.people, need.sdgs) == (user.organisation_id, 8, [1, 2])
    assert "Nya i styrelsen" in client.get("/needs").text
    client.post(f"/needs/{need.id}/edit", data={"area": "Juridik och dataskydd", "people": "3"})
    db.session.expire_all()
    assert (need.area, need.people, need.sdgs) == ("Juridik och dataskydd", 3, [])
    client.post(f"/needs/{need.id}/delete")
    assert db.session.execute(select(CompetenceNeed)).first() is None


def test_an_unknown_area_is_refused(app, contact):
    client, _user = contact
    page = client.post("/needs/new/organisation", data={"area": "Astrologi", "people": "2"}).text
    assert "Not a valid choice" in page
    assert db.session.execute(select(CompetenceNeed)).first() is None


def test_others_cannot_touch_an_organisations_need(app, contact, learner_client):
    _client_, user = contact
    need = service.save_need(None, area="Ekonomi", people=2, sdgs=[], note="", actor_id=user.id,
                             now=user.created_at, organisation_id=user.organisation_id)
    db.session.commit()
    assert learner_client.get(f"/needs/{need.id}/edit").status_code == 403
    assert learner_client.post(f"/needs/{need.id}/delete").status_code == 403
    assert learner_client.get("/needs/new/organisation").status_code == 403
    assert learner_client.get("/needs/99999/edit").status_code == 404
    assert db.session.get(CompetenceNeed, need.id) is not None


def test_a_learner_states_a_need_of_their_own(app, learner_client):
    learner_client.post("/needs/new/me", data={"area": "Kommunikation", "people": "50"})
    need = db.session.execute(select(CompetenceNeed)).scalar_one()
    assert need.user_id == learner_client.user.id and need.people == 1


def test_a_learner_registers_and_withdraws_interest(app, learner_client):
    course = make_course(title="Leda volontärer", slug="leda-volontarer")
    db.session.commit()
    assert "Leda volontärer" in learner_client.get("/interests").text
    response = learner_client.post("/courses/leda-volontarer/interest", follow_redirects=True)
    assert "we will tell you when a cycle of Leda volontärer opens" in response.text
    assert service.interest_of(learner_client.user.id, course.id) is not None
    assert "You are waiting for this course" in learner_client.get("/interests").text
    learner_client.post("/courses/leda-volontarer/interest/withdraw")
    assert service.interest_of(learner_client.user.id, course.id) is None
    assert learner_client.post("/courses/no-such-course/interest").status_code == 404


def test_interest_is_refused_while_a_cycle_is_open(app, learner_client):
    course = make_course(slug="styrelse")
    make_cycle(course)
    db.session.commit()
    response = learner_client.post("/courses/styrelse/interest", follow_redirects=True)
    assert "enrol there" in response.text
    assert db.session.execute(select(CourseInterest)).first() is None


def test_the_demand_page_is_for_coordinators(app, coordinator_client, trainer_client, learner_client):
    make_course(title="Agenda 2030 i praktiken", areas=("Hållbar utveckling",))
    organisation = make_organisation("Hyllie IA")
    service.save_need(None, area="Hållbar utveckling", people=7, sdgs=[13], note="Klimatvecka", actor_id=None,
                      now=organisation.created_at, organisation_id=organisation.id)
    db.session.commit()
    page = coordinator_client.get("/needs/demand").text
    assert "Agenda 2030 i praktiken" in page and "Klimatvecka" in page and "Hyllie IA" in page
    assert "13. Climate action" in page
    for client in (trainer_client, learner_client):
        assert client.get("/needs/demand").status_code == 403


def test_anonymous_visitors_log_in_first(client):
    for path in ("/needs", "/interests", "/needs/new/me", "/needs/demand"):
        assert client.get(path).status_code == 302


@pytest.mark.config(WTF_CSRF_ENABLED=True)
@pytest.mark.parametrize("path", ["/needs/new/me", "/courses/kurs/interest", "/courses/kurs/interest/withdraw"])
def test_posts_without_a_csrf_token_are_rejected(app, path):
    make_course(slug="kurs")
    learner = make_user()
    db.session.commit()
    client = app.test_client()
    token = client.get("/login").text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": learner.email, "password": "correct horse battery", "csrf_token": token})
    assert client.post(path, data={"area": "Ekonomi"}).status_code == 400
    assert db.session.execute(select(CourseInterest)).first() is None
    assert db.session.execute(select(CompetenceNeed)).first() is None
