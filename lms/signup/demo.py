"""Demo data: account requests waiting on the sign-up requests page, and their notices to the deciders."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.auth.models import Organisation
from lms.db_types import utcnow
from lms.extensions import db
from lms.signup.models import AccountRequest
from lms.signup.notices import queue_account_request_notices

#: (name, e-mail, organisation or None, message, days ago)
REQUESTS = (
    ("Leila Haddad", "leila.haddad@example.org", "Möllevångens Kulturförening",
     "Jag är ny i styrelsen och vill gå kursen om föreningsekonomi.", 2),
    ("Johan Berglund", "johan.berglund@example.org", None,
     "Jag är volontär och vill veta mer om era kurser i projektledning.", 5),
)


def seed_signup_demo() -> None:
    """Two pending requests, one for Möllevångens Kulturförening so that its demo contact sees it; idempotent.

    The recent one is announced as the scheduler would, so the coordinators (and that contact) find
    it in their notifications even before the scheduler's first tick; the older one is past the
    notices' look-back.
    """
    now = utcnow()
    known = set(db.session.execute(select(AccountRequest.email)).scalars())
    organisations = {o.name: o.id for o in db.session.execute(select(Organisation)).scalars()}
    for name, email, organisation, message, days in REQUESTS:
        if email not in known:
            db.session.add(AccountRequest(name=name, email=email, organisation_id=organisations.get(organisation),
                                          message=message, locale="sv", requested_at=now - timedelta(days=days)))
    db.session.flush()
    queue_account_request_notices(now)
