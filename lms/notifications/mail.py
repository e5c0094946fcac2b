"""Rendering an e-mail from `templates/emails/`, and sending one right away through the outbox.

Every e-mail goes one way: a row in the outbox, then a transport. Account e-mails (invitations,
password resets) should not wait for the next tick, so `send_email` queues the row in the caller's
unit of work and sends it as soon as that commits; if sending fails, the dispatcher retries it
like any other message, and if the work is rolled back, nothing is sent.
"""
from __future__ import annotations

import hashlib

from flask import current_app, render_template
from flask_babel import force_locale

from lms.core.unit_of_work import after_commit
from lms.db_types import utcnow


def render_email(template: str, locale: str, **context) -> tuple[str, str, str]:
    """Subject, text and HTML of `templates/emails/<template>.{subject,txt,html}` in `locale`."""
    with force_locale(locale):
        subject = render_template(f"emails/{template}.subject.txt", **context).strip()
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    return subject, text, html


def send_email(to: str, subject: str, text: str, html: str = "", *, kind: str, secret: str,
               user_id: int | None = None, locale: str = "sv") -> int | None:
    """Queue one e-mail, sent once the unit of work commits; `secret` (e.g. the link's token) makes its dedupe key.

    Returns the outbox row's id, or None when this very message was queued before.
    """
    from lms.notifications.outbox import Email, queue_email, send_now
    from lms.notifications.transports import transport_from_config

    now = utcnow()
    digest = hashlib.sha256(secret.encode()).hexdigest()[:32]
    message_id = queue_email(Email(recipient=to, subject=subject, text=text, html=html, locale=locale),
                             kind=kind, dedupe_key=f"{kind}:user:{user_id}:{digest}", user_id=user_id,
                             now=now)
    if message_id is not None:
        transport = transport_from_config(current_app.config)
        after_commit(lambda: send_now(message_id, transport, utcnow()))
    return message_id
