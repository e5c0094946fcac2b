"""Completion is checked as soon as something that can complete a cycle happens."""
from __future__ import annotations

from datetime import datetime

from lms.events import progress_made


def connect() -> None:
    progress_made.connect(_check_completion, weak=False)


def _check_completion(user_id: int, now: datetime, **_extra) -> None:
    from lms.certificates.service import check_learner

    check_learner(user_id, now)
