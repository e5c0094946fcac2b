"""Every page of the url_map, visited by every kind of person, against a table of who may see it.

A new GET route without an entry in EXPECTED fails the test: its permission decision has to be
written down here. Outcomes: "ok" (shown), "login" (sent to log in), "denied" (403 or 404).
Walking every page also proves that GET changes nothing: every table's row count is the same
before and after.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from tests.conftest import log_in
from tests.factories import make_course, make_cycle, make_organisation, make_user

VISITORS = ("anonymous", "learner", "other_learner", "trainer", "other_trainer", "contact",
            "other_contact", "coordinator", "admin")
LOGGED_IN = VISITORS[1:]


def public():
    return {v: "ok" for v in VISITORS}


def logged_in():
    return {"anonymous": "login", **{v: "ok" for v in LOGGED_IN}}


def only(*allowed):
    table = {"anonymous": "login"}
    table.update({v: ("ok" if v in allowed else "denied") for v in LOGGED_IN})
    return table


ADMIN = only("admin")
COORDINATORS = only("coordinator", "admin")
STAFF = only("trainer", "other_trainer", "coordinator", "admin")
CYCLE_STAFF = only("trainer", "coordinator", "admin")
LEARNERS = only("learner", "other_learner", "contact", "other_contact", "admin")
#: organisation contacts see the pages of a cycle limited to their own organisation's members
CYCLE_STAFF_AND_CONTACTS = only("trainer", "contact", "other_contact", "coordinator", "admin")


class Skip:
    def __init__(self, reason: str):
        self.reason = reason


EXPECTED = {
    # core, accounts, administration
    "core.index": public(), "core.healthz": public(),
    "signup.signup": public(), "signup.requests": only("contact", "other_contact", "coordinator", "admin"),
    "auth.login": public(), "auth.forgot_password": public(), "auth.account": logged_in(),
    "auth.accept_invitation": Skip("needs an e-mailed token: tests/auth/test_links.py"),
    "auth.reset_password": Skip("needs an e-mailed token: tests/auth/test_links.py"),
    "admin.index": ADMIN, "admin.users": ADMIN, "admin.edit_user": ADMIN, "admin.invite_user": ADMIN,
    "admin.organisations": ADMIN, "admin.edit_organisation": ADMIN,
    # catalogue and quizzes
    "catalog.catalogue": public(), "catalog.course": public(), "catalog.module": logged_in(),
    "catalog.attachment": Skip("needs a file in courses_content/: tests/catalog/test_pages.py"),
    "catalog.download_package": Skip("needs a course folder in courses_content/: tests/catalog/test_packages.py"),
    "catalog.editor": Skip("needs a course folder in courses_content/: tests/catalog/test_drafts.py"),
    "catalog.edit_module": Skip("needs a course folder in courses_content/: tests/catalog/test_drafts.py"),
    "catalog.edit_course_fields": Skip("needs a course folder in courses_content/: tests/catalog/test_drafts.py"),
    "catalog.new_course": COORDINATORS,
    "catalog.draft_file": Skip("needs a file in a course folder: tests/catalog/test_drafts.py"),
    "catalog.version_changes": Skip("needs an imported content version: tests/catalog/test_history.py"),
    "catalog.my_learning": logged_in(), "catalog.manage": COORDINATORS, "catalog.versions": COORDINATORS,
    "quizzes.overview": logged_in(), "quizzes.attempt": only("learner"), "quizzes.result": only("learner"),
    "quizzes.index": STAFF, "quizzes.results": CYCLE_STAFF, "quizzes.results_csv": CYCLE_STAFF,
    "quizzes.grade_essay": CYCLE_STAFF,
    # planning, enrolment, calendars
    "planning.index": COORDINATORS, "planning.rooms": COORDINATORS, "planning.edit_room": COORDINATORS,
    "planning.new_cycle": COORDINATORS, "planning.cycle": COORDINATORS, "planning.edit_cycle": COORDINATORS,
    "planning.add_session": COORDINATORS, "planning.move_session": COORDINATORS,
    "planning.my_sessions": only("trainer", "other_trainer", "admin"), "planning.my_session": CYCLE_STAFF,
    "enrolment.cycle": public(), "enrolment.my_schedule": LEARNERS,
    "enrolment.requests": only("contact", "other_contact", "coordinator", "admin"),
    "enrolment.members_page": only("contact", "other_contact", "coordinator", "admin"),
    "enrolment.member_page": only("contact", "coordinator", "admin"),
    "enrolment.bulk": only("contact", "other_contact", "coordinator", "admin"),
    "certificates.renew": Skip("needs a signed renewal link: tests/notifications/test_renewals.py"),
    "enrolment.offer": Skip("needs a signed offer token: tests/enrolment/test_offer_routes.py"),
    "enrolment.standing": COORDINATORS,
    "notifications.cycle_calendar": public(),
    "notifications.feed": Skip("needs a personal secret token: tests/notifications/test_calendar.py"),
    # attendance
    "attendance.index": only("trainer", "other_trainer", "contact", "other_contact", "coordinator", "admin"),
    "attendance.at_risk": STAFF, "attendance.session_page": CYCLE_STAFF_AND_CONTACTS,
    "attendance.screen": CYCLE_STAFF, "attendance.screen_state": CYCLE_STAFF,
    "attendance.qr": Skip("served only while check-in is open: tests/attendance/test_routes.py"),
    "attendance.sign_in_sheet": CYCLE_STAFF, "attendance.cycle_page": CYCLE_STAFF_AND_CONTACTS,
    "attendance.cycle_csv": CYCLE_STAFF_AND_CONTACTS,
    "attendance.learner_page": only("trainer", "contact", "coordinator", "admin"),
    "attendance.service_worker": public(), "attendance.manifest": public(),
    "attendance.offline_list": STAFF, "attendance.sync_token": STAFF,
    "attendance.signatures_page": CYCLE_STAFF, "attendance.sign_for": CYCLE_STAFF,
    "attendance.signed_attendance_pdf": CYCLE_STAFF, "attendance.sign_own": only("learner", "other_learner"),  # learners of the session only
    "attendance.mine": logged_in(), "attendance.personal_qr": LEARNERS, "attendance.checkin": LEARNERS,
    "attendance.scan": Skip("needs the rotating code of the moment: tests/attendance/test_routes.py"),
    "attendance.confirm": Skip("needs a signed ticket: tests/attendance/test_routes.py"),
    "attendance.personal_scan": Skip("needs a learner's personal code: tests/attendance/test_routes.py"),
    # certificates
    "certificates.mine": logged_in(), "certificates.renew_by_quiz": only("learner"), "certificates.pdf": only("learner", "contact", "coordinator", "admin"),
    "certificates.badge": only("learner", "contact", "coordinator", "admin"),
    "certificates.badge_jwt": only("learner", "contact", "coordinator", "admin"),
    "certificates.jwks": public(), "certificates.did_document": public(), "certificates.status_list": public(),
    "certificates.verify": public(), "certificates.verify_code": public(),
    "certificates.cycle_certificates": COORDINATORS, "certificates.cycle_zip": COORDINATORS,
    # notifications
    "notifications.inbox": logged_in(), "notifications.preferences": logged_in(),
    "notifications.outbox_page": ADMIN, "notifications.cycle_reminders": COORDINATORS,
    "notifications.unsubscribe": Skip("needs a signed token: tests/notifications/"),
    # reports and personal data
    "reports.dashboard": COORDINATORS,
    # a contact's own organisation by default; another organisation's is refused (tests/reports/)
    "reports.organisation_report": only("contact", "other_contact", "coordinator", "admin"),
    "reports.organisation_export": only("contact", "other_contact", "coordinator", "admin"),
    "reports.my_transcript": logged_in(), "reports.my_transcript_pdf": logged_in(),
    "privacy.accessibility": public(), "privacy.privacy_notice": public(), "privacy.feedback": public(),
    "privacy.my_data": logged_in(), "privacy.my_data_json": logged_in(),
    "privacy.admin_index": ADMIN, "privacy.admin_person": ADMIN, "privacy.admin_export": ADMIN,
    "privacy.admin_feedback": ADMIN,
    # evaluations, needs, meeting place
    "evaluations.mine": logged_in(),
    "evaluations.answer": only("learner", "other_learner"),
    "evaluations.results_index": STAFF,
    "evaluations.cycle_results": CYCLE_STAFF,
    "evaluations.course_results": COORDINATORS,
    "evaluations.trainer_results": only("trainer", "coordinator", "admin"),
    "evaluations.standard_questions": COORDINATORS, "evaluations.course_questions": COORDINATORS,
    "needs.index": logged_in(), "needs.interests": logged_in(),
    "needs.new": only("learner", "other_learner", "contact", "other_contact"),
    "needs.edit": Skip("needs a need of one's own: tests/needs/"),
    "needs.demand_page": COORDINATORS,
    "needs.conditions_page": only("contact", "other_contact"),
    "growth.mine": LEARNERS, "growth.answer": Skip("needs a cycle one takes part in: tests/growth/"),
    "growth.organisation": only("contact", "other_contact"),
    "growth.report": COORDINATORS, "growth.report_csv": COORDINATORS,
    "community.index": logged_in(), "community.directory_page": logged_in(),
    "community.my_profile": logged_in(), "community.organisation_profile": only("contact", "other_contact"),
    "community.settings": logged_in(), "community.reports": COORDINATORS,
    "community.cycle_board": only("learner", "other_learner", "trainer", "coordinator", "admin"),
    "community.thread": Skip("needs a thread: tests/community/"),
    "community.report": Skip("needs a post: tests/community/"),
    # the API authenticates with tokens, never with the session: tests/api/
    **{endpoint: Skip("token authentication: tests/api/") for endpoint in (
        "api.course", "api.courses", "api.cycle", "api.cycle_attendance", "api.cycle_enrolments",
        "api.cycle_sessions", "api.cycles", "api.docs", "api.me", "api.my_certificates", "api.my_enrolments",
        "api.my_schedule", "api.openapi", "api.roll_call", "api.verify")},
}


@pytest.fixture
def world(app):
    from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus
    from lms.certificates.service import issue_certificate
    from lms.enrolment.models import Enrolment, EnrolmentStatus
    from lms.quizzes import service as quizzes
    from tests.quizzes.factories import make_quiz

    own, other = make_organisation("Egna föreningen"), make_organisation("Andra föreningen")
    people = {
        "learner": make_user("learner@example.org", name="Lärande Egensson", organisation=own),
        "other_learner": make_user("other.learner@example.org", name="Lärande Annansson", organisation=other),
        "trainer": make_user("trainer@example.org", roles=["trainer"]),
        "other_trainer": make_user("other.trainer@example.org", roles=["trainer"]),
        "contact": make_user("contact@example.org", roles=["organisation_contact", "learner"], organisation=own),
        "other_contact": make_user("other.contact@example.org", roles=["organisation_contact", "learner"],
                                   organisation=other),
        "coordinator": make_user("coordinator@example.org", roles=["coordinator"]),
        "admin": make_user("admin@example.org", roles=["admin"]),
    }
    quiz = make_quiz("Fråga?{=ja ~nej}", course_slug="styrelsearbete")
    course = quiz.module.course
    planned = datetime(2030, 1, 1, tzinfo=timezone.utc)
    cycle = make_cycle(course, first_date=date(2030, 1, 8), trainers=[people["trainer"]], now=planned)
    make_cycle(make_course("annan-kurs"), trainers=[people["other_trainer"]], now=planned)
    enrolments = {}
    for who in ("learner", "other_learner"):
        enrolments[who] = Enrolment(user_id=people[who].id, cycle_id=cycle.id, status=EnrolmentStatus.ENROLLED,
                                    requested_at=planned, enrolled_at=planned)
        db.session.add(enrolments[who])
    session = cycle.sessions[0]
    db.session.add(Attendance(session_id=session.id, user_id=people["learner"].id, status=AttendanceStatus.PRESENT,
                              method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
    attempt = quizzes.start_attempt(quiz, people["learner"].id, planned)
    certificate = issue_certificate(people["learner"].id, cycle.id, planned, reason="Matrisens intyg")
    db.session.commit()
    values = {
        "organisation_id": own.id, "user_id": people["learner"].id, "slug": course.slug,
        "module_slug": quiz.module.slug, "attempt_id": attempt.id, "quiz_id": quiz.id, "answer_id": None,
        "cycle_id": cycle.id, "session_id": session.id, "room_id": cycle.room_id,
        "certificate_id": certificate.id, "code": certificate.code, "course_id": course.id,
        "fmt": "csv", "whom": "me", "trainer_id": people["trainer"].id, "list_number": 1,
    }
    return people, values


#: routes whose parameter means someone else than the learner
OVERRIDES = {"evaluations.trainer_results": {"user_id": "trainer_id"}}


def _path(rule, values):
    arguments = {}
    for name in rule.arguments:
        name_in_values = OVERRIDES.get(rule.endpoint, {}).get(name, name)
        if values.get(name_in_values) is None:
            return None
        arguments[name] = values[name_in_values]
    return rule.build(arguments, append_unknown=False)[1]


def _outcome(response) -> str:
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code in (403, 404):
        return "denied"
    if response.status_code < 400:
        return "ok"
    return f"error {response.status_code}"


def _row_counts() -> dict[str, int]:
    return {table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in db.metadata.sorted_tables if table.name not in ("login_sessions", "audit_events")}


def test_every_get_route_has_a_permission_decision(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()
                      if "GET" in rule.methods and rule.endpoint != "static" and rule.endpoint not in EXPECTED})
    assert missing == [], "add these endpoints to EXPECTED"


def test_the_authorization_matrix(app, world):
    people, values = world
    clients = {"anonymous": app.test_client()}
    for who, person in people.items():
        client = app.test_client()
        assert log_in(client, person.email).status_code == 302
        clients[who] = client
    before = _row_counts()
    surprises = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        expected = EXPECTED.get(rule.endpoint)
        if "GET" not in rule.methods or rule.endpoint == "static" or isinstance(expected, Skip) or expected is None:
            continue
        path = _path(rule, values)
        if path is None:
            continue
        for who in VISITORS:
            got = _outcome(clients[who].get(path))
            if got != expected[who]:
                surprises.append(f"{path} as {who}: expected {expected[who]}, got {got}")
    assert surprises == [], "\n".join(surprises)
    db.session.expire_all()
    assert _row_counts() == before, "a GET changed the database"


def test_a_contact_sees_only_their_own_members_in_a_cycle(app, world):
    people, values = world
    client = app.test_client()
    log_in(client, people["other_contact"].email)
    for path in (f"/attendance/cycles/{values['cycle_id']}", f"/attendance/sessions/{values['session_id']}"):
        html = client.get(path).text
        assert "Lärande Annansson" in html and "Lärande Egensson" not in html, path
