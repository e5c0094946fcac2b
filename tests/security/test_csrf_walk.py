"""Every state-changing endpoint refuses a request without a CSRF token (the API: without a token).

Walks the whole url_map, so a new endpoint is covered the day it is added.
"""
import pytest
from werkzeug.routing import Rule

from lms import create_app
from lms.extensions import db
from tests.conftest import base_config, log_in
from tests.factories import make_user

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SAMPLE_VALUES = {"int": "1", "path": "x", "default": "x", "any": None}


def _path(rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__.replace("Converter", "").lower()
        if kind == "any":
            values[name] = sorted(converter.items)[0] if hasattr(converter, "items") else "x"
        elif kind in ("integer", "int", "boundedint"):
            values[name] = 1
        else:
            values[name] = "x"
    return rule.build(values, append_unknown=False)[1]


def _state_changing_rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            yield rule, method


def test_the_walk_finds_the_forms(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'walk.sqlite3'}", tmp_path))
    endpoints = {rule.endpoint for rule, _ in _state_changing_rules(app)}
    assert {"auth.login", "auth.logout", "admin.invite_user", "catalog.mark_done"} <= endpoints


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_every_state_changing_endpoint_needs_a_csrf_token_or_an_api_token(app):
    admin = make_user(roles=["admin", "coordinator", "trainer", "learner"])
    db.session.commit()
    client = app.test_client()
    login_page = client.get("/login").text
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"email": admin.email, "password": "correct horse battery",
                                       "csrf_token": token}).status_code == 302
    failures = []
    for rule, method in _state_changing_rules(app):
        path = _path(rule)
        response = client.open(path, method=method, data={"anything": "1"})
        expected = {401} if rule.endpoint.startswith("api.") else {400}
        if response.status_code not in expected:
            failures.append(f"{method} {path} ({rule.endpoint}): {response.status_code}")
    assert failures == []
