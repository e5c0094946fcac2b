#!/usr/bin/env python3
"""Plan a cycle, enrol people, take the roll call and verify a certificate through the API.

Standard library only. Run it with a coordinator's token (scopes admin, enrol, attendance):

    KC_TOKEN=kc_... python3 docs/api_example.py --base-url http://127.0.0.1:5000 \\
        --course styrelsearbete --trainer-id 3 --email anna@example.org --email ali@example.org \\
        [--certificate ABCD-EFGH-JKMN-P]

The first session is planned to start a few minutes from now, so that its roll call can be taken
at once (a roll call opens 30 minutes before a session; before that only `excused` is accepted).
tests/api/test_docs_example.py runs these same functions against a live server.
"""
from __future__ import annotations

import argparse
import json
import os
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class Api:
    def __init__(self, base_url: str, token: str | None = None):
        self.base_url, self.token = base_url.rstrip("/") + "/api/v1", token

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(self.base_url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Accept", "application/json")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:  # a problem: type, title, status, detail (, errors)
            problem = json.load(error)
            raise SystemExit(f"{method} {path}: {problem['status']} {problem['title']}: {problem['detail']}"
                             f" {problem.get('errors', '')}") from None


def plan_cycle(api: Api, course_slug: str, trainer_id: int, title: str) -> dict:
    """A weekly cycle of four sessions, the first a few minutes from now; published."""
    course = api.call("GET", f"/courses/{course_slug}")
    start = datetime.now(ZoneInfo("Europe/Stockholm")).replace(second=0, microsecond=0) + timedelta(minutes=5)
    cycle = api.call("POST", "/cycles", {
        "course_id": course["id"], "title": title, "capacity": 12, "trainer_ids": [trainer_id],
        "min_attendance_percent": 25,
        "recurrence": {"kind": "weekly", "first_date": start.date().isoformat(),
                       "start_time": start.strftime("%H:%M"), "duration_minutes": 90,
                       "weekdays": [start.weekday()], "count": 4, "skip_holidays": False},
    })
    return api.call("POST", f"/cycles/{cycle['id']}/publish")


def enrol_people(api: Api, cycle_id: int, emails: list[str]) -> list[dict]:
    """Each person gets a seat, or a wait-list place when the cycle is full."""
    return [api.call("POST", f"/cycles/{cycle_id}/enrolments", {"email": email}) for email in emails]


def take_roll_call(api: Api, cycle_id: int) -> list[dict]:
    """Everyone expected at the first session is marked present."""
    first = api.call("GET", f"/cycles/{cycle_id}/sessions?limit=1")["items"][0]
    roll_call = api.call("GET", f"/sessions/{first['id']}/roll-call")
    return [api.call("PUT", f"/sessions/{first['id']}/roll-call/{entry['learner']['id']}", {"status": "present"})
            for entry in roll_call["learners"]]


def verify_certificate(api: Api, code: str) -> dict:
    """Public: no token needed."""
    return Api(api.base_url[: -len("/api/v1")]).call("GET", f"/certificates/{code}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--course", required=True, help="the course's slug")
    parser.add_argument("--trainer-id", type=int, required=True)
    parser.add_argument("--email", action="append", default=[], help="a learner to enrol (repeat)")
    parser.add_argument("--title", default="Drop-in (API example)")
    parser.add_argument("--certificate", help="a certificate code to verify")
    args = parser.parse_args()
    api = Api(args.base_url, os.environ["KC_TOKEN"])
    cycle = plan_cycle(api, args.course, args.trainer_id, args.title)
    print(f"cycle {cycle['id']} {cycle['title']!r}: {cycle['status']}, {cycle['free_seats']} seats")
    for enrolment in enrol_people(api, cycle["id"], args.email):
        print(f"  enrolment {enrolment['id']}: {enrolment['status']}")
    for record in take_roll_call(api, cycle["id"]):
        print(f"  learner {record['user_id']}: {record['status']}")
    if args.certificate:
        verdict = verify_certificate(api, args.certificate)
        print(f"certificate {verdict['code']}: {verdict['status']} ({verdict['learner_name']}, {verdict['course_title']})")


if __name__ == "__main__":
    main()
