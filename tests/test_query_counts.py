"""The number of SQL queries a page makes does not grow with the data (no query per row)."""
from datetime import datetime, timezone

import pytest

from bench.datagen import Size, generate
from bench.pages import QueryCounter, pages, people_and_things
from lms.extensions import db
from lms.reports.roll_ups import RollUps

NOW = datetime.now(timezone.utc)
SMALL = Size(organisations=3, people=90, courses=3, cycles=10, sessions_per_cycle=6, enrolled_per_cycle=6,
             timeline_slots=10, big_cycle_seats=12)
LARGER = Size(organisations=9, people=270, courses=9, cycles=30, sessions_per_cycle=6, enrolled_per_cycle=18,
              timeline_slots=10, big_cycle_seats=36)


def _query_counts(app) -> dict[str, int]:
    things = people_and_things(NOW)
    clients = {"anonymous": app.test_client()}
    for who, email in things["emails"].items():
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": "bench-lösenord-2026"}).status_code == 302
        clients[who] = client
    counts = {}
    for page in pages(things):
        client = clients[page.who]
        send = client.post if page.method == "POST" else client.get
        send(page.path, data=page.data)
        if page.before_each:
            page.before_each()
        db.session.remove()  # as in production, where each request starts with an empty session
        with QueryCounter(db.engine) as counter:
            response = send(page.path, data=page.data)
        assert response.status_code < 400, (page.name, response.status_code)
        counts[page.name] = counter.count
    return counts


@pytest.mark.config(LMS_ARGON2_TIME_COST=1)
def test_pages_make_as_many_queries_with_three_times_the_data(app):
    generate(SMALL, NOW)
    small = _query_counts(app)
    db.session.remove()
    from tests.conftest import _empty_all_tables

    _empty_all_tables()
    app.extensions["dashboard_roll_ups"] = RollUps(app.config["LMS_DASHBOARD_ROLL_UPS"])  # new data, new process
    generate(LARGER, NOW)
    larger = _query_counts(app)
    assert larger == small
    assert small["coordinator dashboard"] < small["coordinator dashboard, 1 changed"], "roll-ups are kept"
