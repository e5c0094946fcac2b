"""Fixtures of the needs tests: an organisation contact, logged in."""
import pytest

from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_organisation, make_user


@pytest.fixture
def contact(app):
    """(a logged-in client, the contact) of "Fosie Matkasse", in English."""
    organisation = make_organisation("Fosie Matkasse")
    user = make_user(roles=["organisation_contact"], organisation=organisation, locale="en")
    db.session.commit()
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    return client, user
