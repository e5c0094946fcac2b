"""Two gunicorn nodes behind nginx, one Redis: a log-in and its limits belong to the stack, not to a node."""
from __future__ import annotations

import secrets

from lms.extensions import db
from tests.factories import make_user
from tests.stack.support import Browser


def _person(seeding, name: str = "Anna Berg") -> str:
    email = f"{name.split()[0].lower()}.{secrets.token_hex(3)}@example.org"
    with seeding.app_context():
        make_user(email, name=name)
        db.session.commit()
    return email


def _fail_log_in(browser: Browser, email: str, base: str) -> int:
    return browser.post("/login", {"email": email, "password": "not the password"}, base).status_code


def test_failed_log_ins_spread_over_both_nodes_are_counted_together(stack, seeding):
    email = _person(seeding)
    browser = Browser(stack.url)
    first, second = stack.nodes
    answers = [_fail_log_in(browser, email, (first, second)[n % 2]) for n in range(10)]
    assert answers == [200] * 10, "ten wrong passwords, five on each node: the form again, with the error"
    assert _fail_log_in(browser, email, first) == 429, "the eleventh is refused, whichever node counts it"
    assert _fail_log_in(browser, email, second) == 429
    refused = browser.post("/login", {"email": email, "password": "correct horse battery"}, second)
    assert refused.status_code == 429, "even the right password waits: the pair is blocked for a minute"
    assert "Försök igen om" in refused.text
    assert any(email.encode() in key for key in stack.redis().keys("*LIMITER*")), "counted in Redis"


def test_a_log_in_made_through_one_node_is_valid_on_the_other_and_ends_on_both(stack, seeding):
    email = _person(seeding, "Bilal Haddad")
    browser = Browser(stack.url)
    first, second = stack.nodes
    browser.log_in(email, base=first)
    for node in (first, second):
        page = browser.get("/my/certificates", node)
        assert page.status_code == 200 and "Bilal Haddad" in page.text, node
    assert browser.post("/logout", {}, second, token_from="/my/certificates").status_code == 302
    for node in (first, second, stack.url):
        assert browser.get("/my/certificates", node).status_code == 302, f"logged out on {node} too"


def test_nginx_spreads_requests_over_both_nodes(stack):
    served_by = {Browser(stack.url).get("/healthz").headers["X-Stack-Node"] for _ in range(6)}
    assert served_by == {node.removeprefix("http://") for node in stack.nodes}


def _limiter_keys(stack) -> list[str]:
    return [key.decode() for key in stack.redis().keys("*LIMITER*")]


def test_the_limiter_counts_the_real_client_address_behind_nginx_and_ignores_a_forged_one(stack, seeding):
    email = _person(seeding, "Carmen Ruiz")
    # 127.0.0.2 is another client for nginx; nginx itself reaches the nodes from 127.0.0.1
    outsider = Browser(stack.url, source="127.0.0.2")
    _fail_log_in(outsider, email, stack.url)
    keys = _limiter_keys(stack)
    assert any("127.0.0.2" in key for key in keys), keys
    assert not any("127.0.0.1" in key for key in keys), "not nginx's address"

    stack.redis().flushdb()
    token = outsider.csrf("/login")
    outsider.http.post(stack.url + "/login", data={"email": email, "password": "wrong", "csrf_token": token},
                       headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30)
    keys = _limiter_keys(stack)
    assert any("127.0.0.2" in key for key in keys), keys
    assert not any("203.0.113.9" in key for key in keys), "a forged X-Forwarded-For changes nothing"
