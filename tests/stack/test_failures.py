"""What goes wrong on a stack: a second scheduler started by mistake, Redis stopped and started."""
from __future__ import annotations

import secrets

from lms.extensions import db
from tests.factories import make_user
from tests.processes_support import BIN
from tests.stack.support import Browser, extra_process, wait_until


def test_a_second_scheduler_started_by_mistake_stands_by(stack):
    with extra_process(stack, "scheduler-2", [str(BIN / "lms"), "scheduler"], LMS_SCHEDULER="inprocess",
                       LMS_INSTANCE_PATH=str(stack.folder / "scheduler")) as second:
        wait_until(lambda: "waiting to take over" in stack.log("scheduler-2"), 60, "the second scheduler to wait")
        assert second.poll() is None, "it waits, it does not exit"
        assert "Scheduler running" not in stack.log("scheduler-2")
    assert "Scheduler running" in stack.log("scheduler"), "the first one leads on"


def _fail_log_in(browser: Browser, email: str, base: str):  # type: ignore[no-untyped-def]
    return browser.post("/login", {"email": email, "password": "not the password"}, base)


def test_without_redis_the_limits_fall_back_per_node_and_logged_and_come_back_with_it(stack, seeding):
    email = f"dana.{secrets.token_hex(3)}@example.org"
    with seeding.app_context():
        make_user(email, name="Dana Nilsson")
        db.session.commit()
    browser = Browser(stack.url)
    first = stack.nodes[0]
    stack.stop_redis()
    try:
        answers = [_fail_log_in(browser, email, first) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200] * 3, "the log-in form, as usual"
        assert all("E-postadressen eller lösenordet är fel." in answer.text for answer in answers)
        assert browser.log_in(email, base=first).status_code == 302, "and the right password still logs in"
        log = stack.log("node1")
        assert "Rate limit storage unreachable - falling back to in-memory storage" in log
        assert "Traceback" not in log
    finally:
        stack.start_redis()

    def recovered() -> bool:  # each request lets the node's worker that serves it look at Redis again
        _fail_log_in(Browser(stack.url), f"someone.{secrets.token_hex(3)}@example.org", first)
        return "Rate limit storage recovered" in stack.log("node1")
    wait_until(recovered, 90, "the node to count in Redis again", every=0.5)
    assert stack.redis().keys("*LIMITER*"), "counted in Redis again"
    assert "Traceback" not in stack.log("node1")
