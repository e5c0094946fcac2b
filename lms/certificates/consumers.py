"""Completion is checked as soon as something that can complete a cycle happened."""
from __future__ import annotations

from lms.events import DomainEvent, EventConsumers, EventKind


def register_consumers(events: EventConsumers) -> None:
    events.register(EventKind.PROGRESS_MADE, "certificates.check-completion", check_completion)
    events.register(EventKind.QUIZ_PASSED, "certificates.renew-by-quiz", renew_by_quiz)


def check_completion(event: DomainEvent) -> None:
    """Idempotent: a certificate already issued for a cycle is not issued again."""
    from lms.certificates.service import check_learner

    check_learner(event.payload["user_id"], event.moment("now"))


def renew_by_quiz(event: DomainEvent) -> None:
    """Idempotent: an attempt renews at most once, a period is renewed once (UNIQUE)."""
    from lms.certificates.quiz_renewals import renew_after_pass

    renew_after_pass(event.payload["attempt_id"], event.moment("now"))
