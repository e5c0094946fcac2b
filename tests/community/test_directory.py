"""The directory lists only people and organisations who consented, and forgets them when they withdraw."""
import pytest

from lms.community import directory
from lms.extensions import db
from tests.community.conftest import NOW
from tests.factories import make_organisation, make_user


def test_a_person_appears_only_after_consenting(app):
    organisation = make_organisation("Språkvänner")
    anna = make_user(name="Anna Ek", organisation=organisation)
    make_user(name="Bert Berg")  # has not consented
    assert directory.listed_people() == []
    with pytest.raises(directory.DirectoryError):
        directory.save_profile(anna.id, about="Läxhjälp", topics="", show_email=False, consent=False, now=NOW)
    assert directory.listed_people() == []
    directory.save_profile(anna.id, about="Läxhjälp för nyanlända", topics="rekrytering", show_email=True,
                           consent=True, now=NOW)
    listed = directory.listed_people()
    assert [p.user_id for p in listed] == [anna.id], "Bert has not consented"
    assert listed[0].consented_at == NOW
    assert [p.user_id for p in directory.listed_people("språkvän")] == [anna.id], "found by organisation"
    assert [p.user_id for p in directory.listed_people("REKRYT")] == [anna.id]
    assert directory.listed_people("100%_") == []


def test_withdrawing_unlists_and_erases_the_profile(app):
    anna = make_user()
    directory.save_profile(anna.id, about="Om mig", topics="Ämnen", show_email=True, consent=True, now=NOW)
    assert directory.withdraw_profile(anna.id, now=NOW)
    profile = directory.profile_of(anna.id)
    assert directory.listed_people() == []
    assert (profile.listed, profile.about, profile.topics, profile.show_email) == (False, "", "", False)
    assert profile.withdrawn_at == NOW and not directory.withdraw_profile(anna.id, now=NOW)


def test_deactivated_people_are_not_listed(app):
    anna = make_user()
    directory.save_profile(anna.id, about="", topics="", show_email=False, consent=True, now=NOW)
    anna.active = False
    db.session.flush()
    assert directory.listed_people() == []


def test_an_organisation_is_listed_by_its_contacts_consent_and_withdrawn(app):
    organisation = make_organisation("Kirsebergs Grannsamverkan")
    contact = make_user(roles=["organisation_contact"], organisation=organisation)
    with pytest.raises(directory.DirectoryError, match="https"):
        directory.save_organisation_profile(organisation.id, actor_id=contact.id, about="", website="javascript:x",
                                            consent=True, now=NOW)
    directory.save_organisation_profile(organisation.id, actor_id=contact.id, about="Grannar hjälps åt",
                                        website="https://kirseberg.example", consent=True, now=NOW)
    assert [p.organisation for p in directory.listed_organisations("granna")] == [organisation]
    directory.withdraw_organisation_profile(organisation.id, actor_id=contact.id, now=NOW)
    assert directory.listed_organisations() == []
