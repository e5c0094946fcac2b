"""Where people see renewals: the learner's certificates and start page, the organisation's report
(and its CSV) and members page, the coordinator's dashboard; each only for those allowed."""
from datetime import timedelta

import pytest

from lms.certificates import service
from lms.db_types import utcnow
from lms.extensions import db
from tests.certificates.test_pages import client_for
from tests.factories import make_user


@pytest.fixture
def expiring(setting):
    """Anna's certificate of a yearly course, issued 330 days ago: it expires within 90 days."""
    setting.course.validity = {"months": 12, "window_days": 60, "expiry_from": "completion", "renewed_by": "course"}
    learner = setting.enrol("Anna Berg", attended=5)
    certificate = service.issue_certificate(learner.id, setting.cycle.id, utcnow() - timedelta(days=330))
    db.session.commit()
    return certificate


def test_the_learner_sees_it_is_time_to_renew(app, expiring):
    owner = client_for(app, expiring.user)
    mine = owner.get("/my/certificates").text
    assert "Går snart ut" in mine and "Förnya" in mine and "/courses/styrelsearbete" in mine
    start = owner.get("/").text
    assert "Att förnya" in start and "Styrelsearbete i ideella föreningar" in start


def test_the_organisation_contact_sees_members_to_renew_in_the_report_and_on_the_members_page(app, setting, expiring):
    contact = make_user(roles=["organisation_contact"], organisation=setting.organisation)
    db.session.commit()
    client = client_for(app, contact)
    report = client.get("/reports/organisation").text
    assert "Intyg att förnya" in report and "Anna Berg" in report and "Går ut inom 90 dagar" in report
    csv = client.get("/reports/organisation.csv").get_data(as_text=True)
    assert "Förnyelser" in csv and "går ut inom 90 dagar" in csv
    members = client.get("/organisation/members").text
    assert "Går ut inom 90 dagar" in members


def test_another_organisation_does_not_see_them(app, expiring):
    from tests.factories import make_organisation

    stranger = make_user(roles=["organisation_contact"], organisation=make_organisation("Annan förening"))
    db.session.commit()
    report = client_for(app, stranger).get("/reports/organisation").text
    assert "Anna Berg" not in report


def test_the_coordinator_sees_the_demand_against_the_seats_planned(app, setting, expiring):
    from lms.planning.models import CycleStatus

    coordinator = make_user(roles=["coordinator"])
    db.session.commit()
    client = client_for(app, coordinator)
    page = client.get("/reports").text
    assert "Behov av förnyelse" in page and "<svg" in page and "ingen omgång är planerad" not in page, \
        "the course's next cycle has 10 free seats"
    setting.cycle.status = CycleStatus.CANCELLED
    db.session.commit()
    assert "1 intyg i Styrelsearbete i ideella föreningar går ut i" in client.get("/reports").text
    assert client_for(app, expiring.user).get("/reports").status_code == 403
