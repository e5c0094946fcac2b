"""What the endpoint modules share: loading objects or answering 404, time, the language."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from lms.api.problems import ApiProblem
from lms.db_types import utcnow
from lms.extensions import db


def now() -> datetime:
    return utcnow()


def found(thing: Any, what: Any = None) -> Any:
    """`thing`, or a 404 problem when it is None."""
    if thing is None:
        raise ApiProblem("not-found", what or _l("There is nothing at this address."))
    return thing


def get_or_404(model: type, object_id: int, what: Any = None) -> Any:
    return found(db.session.get(model, object_id), what)


def forbid_unless(allowed: bool, detail: Any = None) -> None:
    if not allowed:
        raise ApiProblem("forbidden", detail or _l("Your roles do not allow this on this object."))


def created(data: Any, endpoint: str, **values: Any) -> tuple[Any, int, dict[str, str]]:
    """A 201 answer with the new object's address in Location."""
    return data, 201, {"Location": url_for(endpoint, **values)}
