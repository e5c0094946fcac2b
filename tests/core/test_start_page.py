"""The start page after log-in: what needs each person now, by role, and what it says when nothing does."""
from datetime import date, datetime, time, timezone

import pytest

from lms.attendance.codes import CheckinSettings
from lms.core.start import learner_start, next_session_of
from lms.db_types import utcnow
from lms.enrolment.service import enrol
from lms.extensions import db
from tests.conftest import log_in
from tests.factories import (make_cycle, make_finished_cycle, make_organisation, make_participants, make_room,
                             make_user)

#: Monday 7 January 2030, 17:45 in Malmö (CET): a quarter of an hour before the 18:00 session
BEFORE_SESSION = datetime(2030, 1, 7, 16, 45, tzinfo=timezone.utc)
PLANNED = datetime(2029, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def at(monkeypatch):
    """Freeze the start page's clock."""
    def freeze(moment):
        monkeypatch.setattr("lms.core.routes._now", lambda: moment)
    return freeze


def page_of(app, user) -> str:
    client = app.test_client()
    assert log_in(client, user.email).status_code == 302
    response = client.get("/")
    assert response.status_code == 200
    return response.text


def learner_in_a_running_cycle(sessions: int = 10):
    room = make_room("Stora salen", address="Norra Grängesbergsgatan 26, Malmö")
    trainer = make_user(roles=("trainer",), name="Tina Tränare")
    cycle = make_cycle(first_date=date(2030, 1, 7), weekdays=(0,), sessions=sessions, room=room, trainers=[trainer],
                       now=PLANNED)
    learner, = make_participants(cycle, 1, now=PLANNED)
    db.session.commit()
    return cycle, learner, trainer


def test_a_learner_sees_the_next_session_with_check_in_while_the_window_is_open(app, at):
    cycle, learner, _trainer = learner_in_a_running_cycle()
    at(BEFORE_SESSION)
    page = page_of(app, learner)
    assert cycle.course.title in page
    assert "18:00" in page  # local time, not 17:00 UTC
    assert "Stora salen" in page and "Norra Grängesbergsgatan 26, Malmö" in page
    assert 'class="button" href="/checkin"' in page and "Checka in" in page
    assert f'href="/cycles/{cycle.id}/calendar.ics"' in page
    assert "Du kan missa 2 pass till." in page  # 10 sessions, 80 %: 8 needed
    assert "2 moduler kvar" in page


def test_no_check_in_button_before_the_window_opens(app, at):
    _cycle, learner, _trainer = learner_in_a_running_cycle()
    at(datetime(2030, 1, 7, 12, 0, tzinfo=timezone.utc))
    page = page_of(app, learner)
    assert "Ditt nästa pass" in page
    assert 'class="button" href="/checkin"' not in page


def test_a_learner_with_nothing_is_told_so(app, at):
    learner = make_user()
    db.session.commit()
    at(BEFORE_SESSION)
    page = page_of(app, learner)
    assert "Du har inga kommande pass." in page
    assert "Du har inget intyg än." in page


def test_a_learner_sees_a_waiting_evaluation(app, at):
    cycle, (learner, *_rest) = make_finished_cycle()
    db.session.commit()
    at(datetime(2027, 3, 2, 12, 0, tzinfo=timezone.utc))
    page = page_of(app, learner)
    assert "Tyck till" in page and f"/evaluations/cycles/{cycle.id}" in page


def test_the_rules_next_session_and_what_can_still_be_missed(app):
    cycle, learner, _trainer = learner_in_a_running_cycle(sessions=5)
    settings = CheckinSettings()
    start = learner_start(learner.id, BEFORE_SESSION, settings)
    assert start.next_session.session.starts_at == datetime(2030, 1, 7, 17, 0, tzinfo=timezone.utc)
    assert start.next_session.window == "open" and not start.next_session.checked_in
    assert start.cycles[0].can_miss == 1  # 5 sessions at 80 %: 4 needed
    # an hour and a quarter after the start the window has closed: the next one is a week later
    later = learner_start(learner.id, datetime(2030, 1, 7, 18, 15, tzinfo=timezone.utc), settings)
    assert later.next_session.session.starts_at.date() == date(2030, 1, 14)
    assert later.next_session.window == "not_open"
    assert next_session_of([], BEFORE_SESSION, settings) is None


def test_a_trainer_sees_todays_session_with_roll_call_and_check_in_screen(app, at):
    cycle, _learner, trainer = learner_in_a_running_cycle()
    at(datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc))
    page = page_of(app, trainer)
    session = cycle.sessions[0]
    assert f'href="/attendance/sessions/{session.id}"' in page
    assert f'href="/attendance/sessions/{session.id}/checkin"' in page
    assert "Upprop" in page and "Incheckningsskärm" in page
    assert "Inga essäsvar väntar på bedömning." in page


def test_a_trainer_without_sessions_today_is_told_so(app, at):
    _cycle, _learner, trainer = learner_in_a_running_cycle()
    at(datetime(2030, 1, 8, 9, 0, tzinfo=timezone.utc))
    page = page_of(app, trainer)
    assert "Du har inga pass i dag." in page
    assert "Ingen deltagare i dina omgångar riskerar" in page


def test_a_coordinator_sees_what_waits_for_a_decision_and_this_weeks_sessions(app, at):
    cycle = make_cycle(first_date=date(2030, 1, 7), approval_required=True, now=PLANNED)
    person = make_user(name="Petra Väntar")
    enrol(person.id, cycle, now=PLANNED, check_window=False)
    coordinator = make_user(roles=("coordinator",))
    db.session.commit()
    at(datetime(2030, 1, 6, 9, 0, tzinfo=timezone.utc))
    page = page_of(app, coordinator)
    assert "1 anmälningsförfrågan" in page and 'href="/enrolment/requests"' in page
    assert "saknar utbildare eller lokal" in page  # no trainer, no room
    assert cycle.course.title in page.split("Den här veckan")[1]


def test_a_coordinator_with_nothing_waiting_is_told_so(app, at):
    coordinator = make_user(roles=("coordinator",))
    db.session.commit()
    at(datetime(2030, 1, 6, 9, 0, tzinfo=timezone.utc))
    page = page_of(app, coordinator)
    assert "Inget väntar på ditt beslut." in page
    assert "Det finns inga pass den här veckan." in page
    assert "Ingen omgång som börjar snart saknar deltagare." in page


def test_an_organisation_contact_sees_members_requests_and_where_to_enrol(app, at):
    organisation = make_organisation("Föreningen Gläntan")
    contact = make_user(roles=("organisation_contact",), organisation=organisation)
    member = make_user(name="Maja Medlem", organisation=organisation)
    cycle = make_cycle(first_date=date(2030, 1, 7), approval_required=True, now=PLANNED)
    enrol(member.id, cycle, now=PLANNED, check_window=False)
    db.session.commit()
    at(datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc))
    page = page_of(app, contact)
    assert "Maja Medlem" in page
    assert f'href="/cycles/{cycle.id}/bulk"' in page and "Anmäl medlemmar" in page


def test_an_organisation_contact_with_nothing_is_told_so(app, at):
    contact = make_user(roles=("organisation_contact",), organisation=make_organisation())
    db.session.commit()
    at(datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc))
    page = page_of(app, contact)
    assert "Inga förfrågningar från era medlemmar väntar." in page
    assert "Ingen av era medlemmar är anmäld just nu." in page
    assert "Era medlemmar har inga kommande pass." in page


def test_an_admin_sees_failed_emails(app, at):
    from lms.notifications.models import MessageStatus, OutboxMessage

    admin = make_user(roles=("admin",))
    db.session.commit()
    at(utcnow())
    page = page_of(app, admin)
    assert "All e-post är skickad och schemaläggaren hänger med." in page
    assert "Inga kontoförfrågningar väntar." in page
    db.session.add(OutboxMessage(recipient="a@example.org", kind="reminder", dedupe_key="start-failed",
                                 subject="Påminnelse", body_text="Text", status=MessageStatus.FAILED))
    db.session.commit()
    page = page_of(app, admin)
    assert "1 e-postmeddelande kunde inte skickas" in page and 'href="/notifications/outbox"' in page


def test_a_contact_on_no_course_sees_one_line_of_learning_above_the_organisation(app, at):
    contact = make_user(roles=("organisation_contact", "learner"), organisation=make_organisation())
    db.session.commit()
    at(datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc))
    page = page_of(app, contact)
    assert "Du är inte anmäld till någon kursomgång ännu." in page
    assert "Ditt nästa pass" not in page and "Du har inget intyg än." not in page
    assert page.index("Mitt lärande</h2>") < page.index("Min organisation")


def test_an_admin_retries_failed_mail_from_the_start_page(app, at):
    from lms.notifications.models import MessageStatus, OutboxMessage

    admin = make_user(roles=("admin",))
    message = OutboxMessage(recipient="a@example.org", kind="enrolment", dedupe_key="start-retry",
                            subject="Bekräftelse", body_text="Text", status=MessageStatus.FAILED)
    db.session.add(message)
    db.session.commit()
    at(utcnow())
    client = app.test_client()
    log_in(client, admin.email)
    page = client.get("/").text
    assert 'id="failed-mail-heading"' in page and "1 e-postmeddelande kunde inte levereras" in page
    assert 'action="/notifications/outbox/retry-failed"' in page
    response = client.post("/notifications/outbox/retry-failed", data={"next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status is MessageStatus.PENDING
    assert 'id="failed-mail-heading"' not in client.get("/").text


def test_a_learner_never_sees_the_failed_mail_panel(app, at):
    from lms.notifications.models import MessageStatus, OutboxMessage

    learner = make_user()
    db.session.add(OutboxMessage(recipient="a@example.org", kind="enrolment", dedupe_key="start-hidden",
                                 subject="Bekräftelse", body_text="Text", status=MessageStatus.FAILED))
    db.session.commit()
    at(utcnow())
    assert 'id="failed-mail-heading"' not in page_of(app, learner)


def test_a_learner_sees_the_quizzes_left_to_pass_until_passed(app, at):
    from lms.quizzes.service import start_attempt
    from tests.quizzes.factories import make_quiz

    quiz = make_quiz(course_slug="quizkurs")
    cycle = make_cycle(quiz.module.course, first_date=date(2030, 1, 7), now=PLANNED)
    learner, = make_participants(cycle, 1, now=PLANNED)
    db.session.commit()
    at(BEFORE_SESSION)
    assert "1 quiz kvar att klara" in page_of(app, learner)
    attempt = start_attempt(quiz, learner.id, BEFORE_SESSION)
    attempt.passed = True
    db.session.commit()
    assert "quiz kvar att klara" not in page_of(app, learner)


def test_a_contact_is_not_offered_a_cycle_whose_sessions_have_all_begun(app, at):
    contact = make_user(roles=("organisation_contact",), organisation=make_organisation())
    started = make_cycle(title="Redan igång", first_date=date(2030, 1, 7), weekdays=(0,), sessions=1, now=PLANNED)
    later = make_cycle(title="Senare i vår", first_date=date(2030, 3, 4), weekdays=(0,), sessions=1, now=PLANNED)
    db.session.commit()
    at(datetime(2030, 1, 7, 17, 30, tzinfo=timezone.utc))  # 18:30 in Malmö: the only session has begun
    page = page_of(app, contact)
    assert "Senare i vår" in page and "Redan igång" not in page


def test_a_trainer_is_told_only_of_the_essays_they_may_grade(app, at):
    """The count matches the list behind "Grade essays": the essays of the courses the trainer teaches."""
    from lms.quizzes import service as quizzes
    from tests.quizzes.factories import make_quiz

    _cycle, learner, trainer = learner_in_a_running_cycle()
    taught, other = make_quiz("Beskriv ert årsmöte.{}"), make_quiz("Beskriv er budget.{}")
    make_cycle(taught.module.course, trainers=[trainer], now=PLANNED)
    for quiz in (taught, other):
        attempt = quizzes.start_attempt(quiz, learner.id, utcnow())
        [essay] = quizzes.attempt_questions(attempt)
        quizzes.save_answers(attempt, {essay.id: "Så här."}, utcnow())
        quizzes.submit_attempt(attempt, utcnow())
    db.session.commit()
    at(datetime(2030, 1, 8, 9, 0, tzinfo=timezone.utc))
    assert "1 essäsvar väntar på bedömning." in page_of(app, trainer)


def test_a_reminder_queued_for_next_week_does_not_make_the_scheduler_look_late(app, at):
    from datetime import timedelta

    from lms.notifications.models import OutboxMessage

    admin = make_user(roles=("admin",))
    now = utcnow()
    db.session.add(OutboxMessage(recipient="a@example.org", kind="reminder", dedupe_key="start-later",
                                 subject="Påminnelse", body_text="Text", created_at=now - timedelta(hours=1),
                                 next_attempt_at=now + timedelta(days=4)))
    db.session.commit()
    at(now)
    assert "Schemaläggaren verkar ligga efter" not in page_of(app, admin)
    at(now + timedelta(days=4, minutes=20))
    assert "Schemaläggaren verkar ligga efter" in page_of(app, admin)
