"""Names and titles keep no bidi overrides or control characters (display spoofing)."""
import pytest
from sqlalchemy import select

from lms.auth.models import Organisation, User
from lms.core.display_text import clean_display_text
from lms.extensions import db
from lms.signup.models import AccountRequest
from tests.conftest import log_in
from tests.factories import make_user

RLO = "\u202e"


@pytest.mark.parametrize("typed, kept", [
    (f"Anna{RLO}gpj.exe", "Annagpj.exe"),
    ("Bo\u2066 Ek\u2069", "Bo Ek"),
    ("Lina\u200fNord", "LinaNord"),
    ("Rad\nett\ttvå\x00", "Rad ett två"),
    ("  Zoë Al-Amin \u200d👩\u200d💻 ", "Zoë Al-Amin \u200d👩\u200d💻"),  # joiners in text stay
])
def test_clean_display_text(typed, kept):
    assert clean_display_text(typed) == kept


def test_a_profile_name_is_stored_without_an_override(app):
    user = make_user("anna@example.org", name="Anna Berg")
    db.session.commit()
    client = app.test_client()
    log_in(client, user.email)
    client.post("/account/profile", data={"name": f"Anna {RLO}greB", "locale": "sv"})
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "Anna greB"


def test_a_sign_up_name_is_stored_without_an_override(client):
    client.post("/signup", data={"name": f"Nina{RLO} Ny", "email": "nina@example.org", "organisation": 0})
    assert db.session.execute(select(AccountRequest.name)).scalar_one() == "Nina Ny"


def test_an_organisation_name_is_stored_without_an_override(admin_client):
    admin_client.post("/admin/organisations/new", data={
        "name": f"Fosie{RLO} Matkasse", "sector": "non_profit", "organisation_number": "8025196620",
        "contact_email": "info@fosie.example", "active": "y"})
    assert db.session.execute(select(Organisation.name)).scalar_one() == "Fosie Matkasse"

