"""Demo data for the admins' privacy pages: feedback messages and one pending erasure request."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.auth.service import find_user_by_email
from lms.db_types import utcnow
from lms.extensions import db
from lms.privacy.models import ErasureRequest, FeedbackMessage

FEEDBACK = [
    ("Karin", "", "/checkin", "Jag använder skärmläsare och hittade inte fältet för koden på incheckningssidan "
     "förrän jag tabbat länge. Kan det ligga först?"),
    ("", "", "/courses", "Texten i kurskatalogen blir väldigt liten på min telefon när jag förstorar."),
    ("Omar Ek", "omar.ek@example.org", "/accessibility", "Finns tillgänglighetsredogörelsen på lättläst svenska?"),
]
REQUESTING_TRAINER = "utbildare3@kompetenscentret.example"


def seed_privacy_demo() -> None:
    now = utcnow()
    known = set(db.session.execute(select(FeedbackMessage.message)).scalars())
    for days, (name, email, page, message) in enumerate(FEEDBACK, start=1):
        if message not in known:
            db.session.add(FeedbackMessage(name=name, email=email, page=page, message=message,
                                           created_at=now - timedelta(days=3 * days),
                                           handled_at=now - timedelta(days=7) if days == 3 else None))
    trainer = find_user_by_email(REQUESTING_TRAINER)
    if trainer is not None and db.session.execute(
            select(ErasureRequest.id).where(ErasureRequest.user_id == trainer.id)).first() is None:
        db.session.add(ErasureRequest(user_id=trainer.id, requested_at=now - timedelta(days=2)))
    db.session.flush()
