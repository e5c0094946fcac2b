"""Who may do what: a decorator for role gates and helpers for object-level checks."""
from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

from flask import abort
from flask_login import current_user, login_required

from lms.auth.models import Role, User

F = TypeVar("F", bound=Callable)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Let a view through only for a logged-in user holding one of `roles` (admins hold them all)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
            if not has_any_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def has_any_role(user: User, *roles: Role) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(Role.ADMIN, *roles)


def can_manage_user(actor: User, user: User) -> bool:
    """Admins manage every account; organisation contacts see the members of their own organisation."""
    if actor.has_role(Role.ADMIN):
        return True
    return (
        actor.has_role(Role.ORGANISATION_CONTACT)
        and actor.organisation_id is not None
        and actor.organisation_id == user.organisation_id
    )


def require(allowed: bool) -> None:
    """Stop the request with 403 unless the check passed."""
    if not allowed:
        abort(403)
