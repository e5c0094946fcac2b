"""A thin adapter over lms.notifications for the evaluations, needs and community packages.

The notifications package queues an e-mail and an in-app notification under one dedupe key
(`lms.notifications.compose.deliver`). Its `Kind` enum does not (yet) name the kinds these
packages send, so they are named here; `deliver` only reads a kind's `.value`. Until the kinds
are added there, the list in the app shows these kinds by their value, and the person's
preference for them is kept by the community package (`CommunityPreference`).
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from lms.auth.models import User
from lms.notifications.compose import Notice, absolute_url, deliver


class MessageKind(str, enum.Enum):
    EVALUATION_INVITATION = "evaluation_invitation"
    COURSE_OPENED = "course_opened"
    BOARD_REPLY = "board_reply"
    BOARD_REPORT = "board_report"


def send(user: User, kind: MessageKind, dedupe_key: str, template: str, context: dict[str, Any],
         link: str, *, now: datetime, email: bool = True, in_app: bool = True) -> bool:
    """Queue the message once per dedupe key (e-mail and/or in-app); False if it was known already.

    `template` names `templates/emails/<template>.{subject.txt,txt,html}`.
    """
    notice = Notice(kind, dedupe_key, template, context, link)  # type: ignore[arg-type]
    return deliver(user, notice, now=now, email=email, in_app=in_app)


__all__ = ["MessageKind", "absolute_url", "send"]
