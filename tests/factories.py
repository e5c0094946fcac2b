"""Small factories for test data; each flushes and leaves the commit to the test."""
from __future__ import annotations

import itertools

from lms.auth.models import Organisation, Role, Sector, User
from lms.auth.service import create_user
from lms.extensions import db

DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_organisation(name: str | None = None, sector: Sector = Sector.NON_PROFIT) -> Organisation:
    organisation = Organisation(name=name or f"Föreningen nummer {next(_counter)}", sector=sector)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_user(
    email: str | None = None,
    *,
    name: str | None = None,
    roles=("learner",),
    password: str | None = DEFAULT_PASSWORD,
    organisation: Organisation | None = None,
    locale: str = "sv",
) -> User:
    number = next(_counter)
    return create_user(
        email or f"person{number}@example.org",
        name or f"Person {number}",
        roles=[Role(r) for r in roles],
        organisation_id=organisation.id if organisation else None,
        password=password,
        locale=locale,
    )
