"""The self-assessment pages over HTTP: answering, who sees what (403s), CSRF, the CSV and constant queries."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bench.pages import QueryCounter
from lms.extensions import db
from lms.growth.models import SelfAssessment
from tests.conftest import log_in
from tests.factories import make_assessment, make_organisation, make_user

BEFORE = datetime(2027, 1, 1, 12, 0, tzinfo=timezone.utc)
AFTER = datetime(2027, 1, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    """Set the pages' clock: clock(moment)."""
    import lms.growth.routes as routes

    def set_to(moment):
        monkeypatch.setattr(routes, "utcnow", lambda: moment)

    return set_to


def _client(app, user):
    user.locale = "en"
    db.session.commit()
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    return client


def _answers(setting, first="3", second="dk"):
    return {f"c{setting.first.id}": first, f"c{setting.second.id}": second}


def test_a_learner_rates_themselves_before_and_after_and_sees_both(app, setting, clock):
    anna = setting.people[0]
    client = _client(app, anna)
    clock(BEFORE)
    page = client.get(f"/growth/cycles/{setting.cycle.id}").text
    assert "I can systems-thinking." in page and "Confidently – I can help others with it" in page
    assert "know</span>" in page and 'value="dk"' in page
    response = client.post(f"/growth/cycles/{setting.cycle.id}", data=_answers(setting, "2", "dk"))
    assert response.status_code == 302 and response.headers["Location"] == "/growth"
    clock(AFTER)
    assert "Rate yourself (After)" in client.get("/growth").text
    client.post(f"/growth/cycles/{setting.cycle.id}", data=_answers(setting, "4", "3"))
    page = client.get("/growth").text
    assert "Change my answers (After)" in page
    row = page.split("Skill systems-thinking")[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in row.split('<td class="num">')[1:]] == ["2", "4"]  # no later column before that phase
    phases = db.session.execute(select(SelfAssessment.phase).where(SelfAssessment.user_id == anna.id)).scalars()
    assert sorted(phases) == ["after", "before"]


def test_an_unanswered_statement_is_refused_with_the_answers_kept(app, setting, clock):
    client = _client(app, setting.people[0])
    clock(BEFORE)
    response = client.post(f"/growth/cycles/{setting.cycle.id}", data={f"c{setting.first.id}": "5"})
    assert response.status_code == 200 and "Answer every statement" in response.text
    assert 'value="5" checked' in response.text
    assert db.session.execute(select(SelfAssessment)).first() is None


def test_a_learner_cannot_see_or_answer_another_cycle(app, setting, clock):
    clock(BEFORE)
    outsider = _client(app, make_user(roles=["learner"]))
    assert outsider.get(f"/growth/cycles/{setting.cycle.id}").status_code == 404
    assert outsider.post(f"/growth/cycles/{setting.cycle.id}", data=_answers(setting)).status_code == 404
    make_assessment(setting.people[1], setting.cycle, "before", {setting.first: 5, setting.second: 5})
    db.session.commit()
    assert "Skill systems-thinking" not in outsider.get("/growth").text


def test_the_form_needs_its_csrf_token(app, setting, clock):
    clock(BEFORE)
    client = _client(app, setting.people[0])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert client.post(f"/growth/cycles/{setting.cycle.id}", data=_answers(setting)).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert db.session.execute(select(SelfAssessment)).first() is None


def _pairs(setting, organisation, people):
    members = [make_user(organisation=organisation) for _ in range(people)]
    for person in members:
        make_assessment(person, setting.cycle, "before", {setting.first: 1, setting.second: 2})
        make_assessment(person, setting.cycle, "after", {setting.first: 3, setting.second: 2})
    return members


def test_a_contact_sees_only_their_own_organisations_groups_of_five(app, setting):
    own, other = make_organisation("Egen förening"), make_organisation("Annan förening")
    _pairs(setting, own, 5)
    _pairs(setting, other, 4)
    contact = make_user(roles=["organisation_contact"], organisation=own)
    other_contact = make_user(roles=["organisation_contact"], organisation=other)
    db.session.commit()
    page = _client(app, contact).get("/growth/organisation").text
    assert "Competence growth of <bdi>Egen förening</bdi>" in page and "+2" in page and "Withheld" not in page
    page = _client(app, other_contact).get("/growth/organisation").text
    assert "Withheld: fewer than 5 people" in page and "+2" not in page and "Egen förening" not in page
    assert "at least 5 of your members" in page


@pytest.mark.parametrize("path", ["/growth/report", "/growth/report.csv", "/growth/organisation"])
def test_learners_are_refused_the_figures(app, setting, path):
    assert _client(app, setting.people[0]).get(path).status_code == 403


def test_the_coordinator_sees_pairs_intervals_a_warning_chart_and_csv(app, setting, coordinator_client):
    _pairs(setting, make_organisation(), 3)
    db.session.commit()
    page = coordinator_client.get("/growth/report").text
    assert "<svg" in page and 'class="table-wrap" tabindex="0"' in page
    assert "Too few pairs to say much" in page and "+2" in page
    csv = coordinator_client.get("/growth/report.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Course,Framework area,Competence,Paired answers")
    assert lines[1].split(",")[1:4] == ["Area", "Skill systems-thinking", "3"]


def test_the_report_pages_ask_as_many_queries_for_many_answers(app, setting, coordinator_client):
    from lms.auth.models import Organisation, User
    from lms.catalog.framework_models import Competence
    from lms.planning.models import Cycle

    organisation = make_organisation()
    contact_client = _client(app, make_user(roles=["organisation_contact"], organisation=organisation))
    learner_client = _client(app, setting.people[0])
    ids = (organisation.id, setting.people[0].id, setting.cycle.id, setting.first.id, setting.second.id)

    def again():
        """The objects of the setting, in the session of now (each page ends the session)."""
        org_id, learner_id, cycle_id, first_id, second_id = ids
        setting.cycle, setting.first, setting.second = (
            db.session.get(Cycle, cycle_id), db.session.get(Competence, first_id), db.session.get(Competence, second_id))
        return db.session.get(Organisation, org_id), db.session.get(User, learner_id)

    def count() -> tuple[int, ...]:
        counts = []
        for client, path in ((coordinator_client, "/growth/report"), (contact_client, "/growth/organisation"),
                             (learner_client, "/growth")):
            db.session.remove()
            with QueryCounter(db.engine) as counter:
                assert client.get(path).status_code == 200
            counts.append(counter.count)
        return tuple(counts)

    organisation, learner = again()
    _pairs(setting, organisation, 1)
    make_assessment(learner, setting.cycle, "before", {setting.first: 1, setting.second: 2})
    db.session.commit()
    few = count()
    organisation, learner = again()
    _pairs(setting, organisation, 12)
    make_assessment(learner, setting.cycle, "after", {setting.first: 3, setting.second: 2})
    db.session.commit()
    assert count() == few
