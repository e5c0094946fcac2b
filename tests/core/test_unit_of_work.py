"""One unit of work per request: committed once after the view, or nothing kept at all."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy import select

from lms.auth.models import Organisation
from lms.core.unit_of_work import DomainError, after_commit, in_unit_of_work, refusal_flashed
from lms.enrolment.models import EnrolmentError
from lms.extensions import db


class Full(DomainError):
    pass


def _organisations() -> list[str]:
    db.session.rollback()
    return list(db.session.execute(select(Organisation.name).order_by(Organisation.name)).scalars())


@pytest.fixture
def views(app):
    """Views that write one organisation and then succeed, fail or are refused."""
    sent: list[str] = []

    def write(name: str) -> None:
        db.session.add(Organisation(name=name))
        db.session.flush()
        after_commit(lambda: sent.append(name))

    def kept():
        write("Kept")
        return "ok"

    def crashed():
        write("Crashed")
        raise RuntimeError("boom")

    def refused():
        write("Refused")
        raise Full("The cycle is full.")

    def refused_and_flashed():
        with refusal_flashed("/elsewhere"):
            write("Flashed")
            raise Full("The cycle is full.")
        return "not reached"

    def flashed_messages():
        return " | ".join(get_flashed_messages())

    for view in (kept, crashed, refused, refused_and_flashed, flashed_messages):
        app.add_url_rule(f"/test/{view.__name__}", view.__name__, in_unit_of_work(view), methods=["GET", "POST"])
    app.add_url_rule("/api/v1/test/refused", "api_refused", in_unit_of_work(refused), methods=["POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return sent


def test_every_view_of_the_app_runs_in_a_unit_of_work(app):
    unwrapped = [endpoint for endpoint, view in app.view_functions.items()
                 if endpoint != "static" and not getattr(view, "runs_in_unit_of_work", False)]
    assert unwrapped == []


def test_a_view_that_returns_is_committed_and_then_sends(app, client, views):
    assert client.get("/test/kept").status_code == 200
    assert _organisations() == ["Kept"]
    assert views == ["Kept"]


def test_a_view_that_fails_keeps_nothing_and_sends_nothing(app, client, views):
    assert client.get("/test/crashed").status_code == 500
    assert _organisations() == []
    assert views == []


def test_a_refusal_nobody_catches_is_answered_with_its_message_and_status(app, client, views):
    response = client.get("/test/refused")
    assert response.status_code == 409
    assert "The cycle is full." in response.get_data(as_text=True)
    assert _organisations() == [] and views == []


def test_a_refused_form_goes_back_to_the_page_that_sent_it_with_the_message(app, client, views):
    response = client.post("/test/refused", headers={"Referer": "http://localhost/courses?page=2"})
    assert response.status_code == 302 and response.location == "/courses?page=2"
    assert client.get("/test/flashed_messages").get_data(as_text=True) == "The cycle is full."
    assert _organisations() == []


def test_a_refusal_from_another_site_is_not_followed_back(app, client, views):
    response = client.post("/test/refused", headers={"Referer": "https://evil.example/x"})
    assert response.status_code == 409


def test_a_refusal_under_the_api_is_a_problem(app, client, views):
    response = client.post("/api/v1/test/refused")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "The cycle is full."


def test_a_view_may_catch_a_refusal_to_flash_it_and_send_the_person_back(app, client, views):
    response = client.post("/test/refused_and_flashed")
    assert response.status_code == 302 and response.location == "/elsewhere"
    assert client.get("/test/flashed_messages").get_data(as_text=True) == "The cycle is full."
    assert _organisations() == [] and views == []


def test_every_error_a_service_refuses_with_is_a_domain_error(app):
    """So that no refusal escapes the one mapping to the person's message and status."""
    refusals = [cls for cls in _subclasses(ValueError) if cls.__module__.startswith("lms.")]
    assert EnrolmentError in refusals
    assert [cls.__qualname__ for cls in refusals if not issubclass(cls, DomainError)] == []


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_a_refusal_undone_keeps_what_the_request_did_before_it(app):
    from lms.auth.models import User
    from lms.core.unit_of_work import refusal_undone, unit_of_work
    from tests.factories import make_user

    with app.test_request_context():
        with unit_of_work():
            make_user("kept@example.org")
            db.session.flush()
            with pytest.raises(DomainError):
                with refusal_undone():
                    make_user("undone@example.org")
                    db.session.flush()
                    raise DomainError("refused")
        db.session.expunge_all()
        emails = set(db.session.execute(select(User.email)).scalars())
    assert "kept@example.org" in emails and "undone@example.org" not in emails


def test_a_block_kept_by_refusal_undone_is_still_undone_with_its_request(app):
    """Before any write (pysqlite begins only then), releasing the savepoint must not commit."""
    from lms.auth.models import User
    from lms.core.unit_of_work import refusal_undone, unit_of_work
    from tests.factories import make_user

    with app.test_request_context():
        db.session.execute(select(User.id)).first()
        with pytest.raises(RuntimeError):
            with unit_of_work():
                with refusal_undone():
                    make_user("released@example.org")
                    db.session.flush()
                raise RuntimeError("the view failed after the block")
        db.session.expunge_all()
        emails = set(db.session.execute(select(User.email)).scalars())
    assert "released@example.org" not in emails
