"""Personal calendar feeds: creating, revoking and finding them by their secret token."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from lms.auth.models import User
from lms.extensions import db
from lms.notifications.models import CalendarFeed


def feed_token(feed: CalendarFeed) -> str:
    """The secret in the feed's address, derived from its nonce and the app's secret key."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"calendar-feed:{feed.nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_feed(user_id: int) -> CalendarFeed | None:
    return db.session.execute(
        select(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc()).limit(1)
    ).scalar_one_or_none()


def revoke_feeds(user_id: int, *, now: datetime) -> None:
    """Every address given out so far stops working at once."""
    db.session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def new_feed(user_id: int, *, now: datetime) -> CalendarFeed:
    """A fresh address; the previous one, if any, is revoked."""
    revoke_feeds(user_id, now=now)
    feed = CalendarFeed(user_id=user_id, nonce=secrets.token_urlsafe(24), created_at=now)
    feed.token_hash = _hash(feed_token(feed))
    db.session.add(feed)
    db.session.flush()
    return feed


def user_for_token(token: str) -> User | None:
    """The active person behind a live feed token, or None."""
    feed = db.session.execute(
        select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token),
                                   CalendarFeed.revoked_at.is_(None))
    ).scalar_one_or_none()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user
