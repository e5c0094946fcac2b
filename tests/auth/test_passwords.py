"""Password rules and hashing."""
import pytest
from flask_babel import force_locale

from lms.auth import service
from lms.auth.passwords import WeakPassword, check_password_rules, hash_password
from lms.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.mark.parametrize(
    "password, message",
    [
        ("kort-ord", "at least 10"),
        ("x" * 100 + "y" * 29, "at most 128"),
        ("password123", "too common"),
        ("Lösenord123", "too common"),
        ("aaaaaaaaaaaa", "too common"),
        ("annaberg-2026", "name or e-mail"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, password, message):
    with force_locale("en"), pytest.raises(WeakPassword, match=message):
        check_password_rules(password, email="annaberg@example.org", name="Anna Berg")


def test_a_long_uncommon_password_is_accepted(app):
    check_password_rules("cykel under kastanjerna", email="anna@example.org", name="Anna")


def test_hashes_are_argon2id(app):
    assert hash_password("cykel under kastanjerna").startswith("$argon2id$")


def test_login_rehashes_when_the_parameters_change(app):
    user = make_user("rehash@example.org")
    db.session.commit()
    old_hash = user.password_hash
    app.config["LMS_ARGON2_TIME_COST"] = 2
    assert service.authenticate("rehash@example.org", DEFAULT_PASSWORD) is user
    assert user.password_hash != old_hash and "t=2" in user.password_hash
    assert service.authenticate("REHASH@example.org", DEFAULT_PASSWORD) is user
