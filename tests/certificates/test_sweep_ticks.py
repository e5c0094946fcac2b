"""The sweep's tick looks only at what changed since the last tick: each kind of change that can
complete a learner is picked up by the next tick (without the event consumer), a change nothing
watches waits for the nightly full sweep, and a certificate is issued once whoever issues it."""
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select

from lms.attendance.models import Attendance, AttendanceMethod, AttendanceStatus, ExcusedPolicy
from lms.attendance.service import record_attendance, set_excused_policy
from lms.catalog.models import Module, ModuleProgress
from lms.catalog.service import mark_module_done
from lms.certificates import service
from lms.certificates import sweep as sweeping
from lms.certificates.models import Certificate
from lms.certificates.sweep import (
    PROGRESS_OVERLAP, changes_since_last_tick, completed_seats, full_sweep, sweep,
)
from lms.enrolment.models import Enrolment, EnrolmentStatus
from lms.extensions import db
from lms.notifications.scheduler import JOBS, run_job
from lms.planning.models import CycleStatus
from lms.privacy.erasure import erase_user
from lms.quizzes import service as quizzes
from tests.certificates.conftest import AFTER_THE_CYCLE, PLANNED_AT
from tests.factories import consume_events, make_cycle
from tests.quizzes.factories import make_quiz, right_response

START = AFTER_THE_CYCLE
#: the first tick after `settled()`
LATER = START + 2 * PROGRESS_OVERLAP + timedelta(minutes=15)


def tick(now=LATER) -> int:
    """One tick as the scheduler runs it: the tick, then the commit."""
    issued = sweep(now, after_each=db.session.commit)
    db.session.commit()
    return issued


def settled() -> int:
    """Ticks until the next one would look at nothing: what is looked at after this is only what
    changed. (The first tick counts every seat, and the progress of the first hour is looked at
    until the progress mark has moved past it.)"""
    issued = tick(START) + tick(START + PROGRESS_OVERLAP) + tick(START + 2 * PROGRESS_OVERLAP)
    assert changes_since_last_tick(LATER).nothing
    return issued


def certificates_of(user_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Certificate)
                              .where(Certificate.user_id == user_id)).scalar_one()


def _sessions(cycle):
    return sorted(cycle.sessions, key=lambda s: s.starts_at)


def test_a_record_taken_is_picked_up_by_the_next_tick(setting):
    learner = setting.enrol("Sen Närvaro", attended=3)
    db.session.commit()
    assert settled() == 0, "three of five: not 80 %"
    record_attendance(_sessions(setting.cycle)[3], learner.id, AttendanceStatus.PRESENT,
                      method=AttendanceMethod.PAPER, actor_id=setting.trainer.id, now=AFTER_THE_CYCLE)
    db.session.commit()  # the event is not consumed: the tick alone issues it
    assert setting.cycle.id in changes_since_last_tick(LATER).cycle_ids
    assert tick() == 1 and certificates_of(learner.id) == 1
    assert tick(LATER + timedelta(minutes=15)) == 0 and certificates_of(learner.id) == 1


def test_a_module_done_is_picked_up_by_the_next_tick(setting):
    learner = setting.enrol("Sista Modulen", attended=5, modules_done=1)
    db.session.commit()
    assert settled() == 0
    mark_module_done(learner.id, setting.course.modules[1])
    db.session.commit()
    assert setting.cycle.id not in changes_since_last_tick(LATER).cycle_ids, "the cycle did not change"
    assert tick() == 1 and certificates_of(learner.id) == 1


def test_progress_is_looked_at_by_id_long_after_the_first_tick(setting):
    """Past the first hour, only the progress above the mark is looked at, and a row that becomes
    visible after a larger one (its transaction committed later) is still above it."""
    learner = setting.enrol("Sent Sparad", attended=5, modules_done=1)
    other = setting.enrol("Någon Annan", attended=0, modules_done=0)
    db.session.commit()
    start = AFTER_THE_CYCLE
    assert tick(start) == 0
    # two rows are given ids; the first one's transaction commits later (here: it is written later)
    db.session.execute(insert(ModuleProgress).values(user_id=other.id, module_id=setting.course.modules[0].id,
                                                     completed_at=start))
    db.session.execute(insert(ModuleProgress).values(user_id=other.id, module_id=setting.course.modules[1].id,
                                                     completed_at=start))
    db.session.commit()
    late_id = db.session.execute(select(func.min(ModuleProgress.id))
                                 .where(ModuleProgress.user_id == other.id)).scalar_one()
    db.session.execute(delete(ModuleProgress).where(ModuleProgress.id == late_id))
    db.session.commit()
    assert tick(start + PROGRESS_OVERLAP) == 0  # moves the progress mark to what the first tick saw
    db.session.execute(insert(ModuleProgress).values(id=late_id, user_id=learner.id,
                                                     module_id=setting.course.modules[1].id, completed_at=start))
    db.session.commit()
    changes = changes_since_last_tick(start + PROGRESS_OVERLAP + timedelta(minutes=15))
    assert changes.progress_after is not None and 0 < changes.progress_after < late_id
    assert changes.cycle_ids == set()
    assert tick(start + PROGRESS_OVERLAP + timedelta(minutes=15)) == 1 and certificates_of(learner.id) == 1
    far = start + 4 * PROGRESS_OVERLAP
    tick(far)
    tick(far + PROGRESS_OVERLAP)
    assert changes_since_last_tick(far + PROGRESS_OVERLAP + timedelta(minutes=15)).nothing, \
        "progress seen long enough ago is left behind"


def test_a_quiz_passed_is_picked_up_by_the_next_tick(app):
    quiz = make_quiz(course_slug="quiz-kurs")
    course = db.session.get(Module, quiz.module_id).course
    cycle = make_cycle(course, first_date=date(2027, 1, 11), sessions=2, now=PLANNED_AT)
    from tests.factories import make_user

    learner = make_user(name="Quiz Klarad")
    db.session.add(Enrolment(user_id=learner.id, cycle_id=cycle.id, status=EnrolmentStatus.ENROLLED,
                             requested_at=PLANNED_AT, enrolled_at=PLANNED_AT))
    for session in cycle.sessions:
        db.session.add(Attendance(session_id=session.id, user_id=learner.id, status=AttendanceStatus.PRESENT,
                                  method=AttendanceMethod.ROLL_CALL, recorded_at=session.starts_at))
    db.session.commit()
    assert settled() == 0, "the quiz is not passed"
    attempt = quizzes.start_attempt(quiz, learner.id, AFTER_THE_CYCLE)
    quizzes.save_answers(attempt, {q.id: right_response(q) for q in quizzes.attempt_questions(attempt)},
                         AFTER_THE_CYCLE)
    assert quizzes.submit_attempt(attempt, AFTER_THE_CYCLE + timedelta(minutes=5)) and attempt.passed
    db.session.commit()
    assert tick() == 1 and certificates_of(learner.id) == 1


def test_a_lower_minimum_is_picked_up_by_the_next_tick(setting):
    learner = setting.enrol("Tre Av Fem", attended=3)
    db.session.commit()
    assert settled() == 0
    setting.cycle.min_attendance_percent = 60
    db.session.commit()
    assert setting.cycle.id in changes_since_last_tick(LATER).cycle_ids
    assert tick() == 1 and certificates_of(learner.id) == 1


def test_a_new_excused_absence_policy_is_picked_up_by_the_next_tick(setting):
    learner = setting.enrol("Ursäktad Frånvaro", attended=3)
    record = db.session.execute(select(Attendance).where(
        Attendance.user_id == learner.id, Attendance.session_id == _sessions(setting.cycle)[3].id)).scalar_one()
    record.status = AttendanceStatus.EXCUSED
    db.session.commit()
    assert settled() == 0, "excused not counted: three of four, 75 %"
    set_excused_policy(setting.cycle, ExcusedPolicy.ATTENDED, actor_id=None, now=AFTER_THE_CYCLE)
    db.session.commit()
    assert tick() == 1 and certificates_of(learner.id) == 1


def test_a_module_no_longer_required_is_picked_up_by_the_next_tick(setting):
    """New content comes with a new content version (lms/catalog/service.py import_content)."""
    learner = setting.enrol("Valfri Modul", attended=5, modules_done=1)
    db.session.commit()
    assert settled() == 0
    setting.course.modules[1].required = False
    setting.course.content_version = "v2-optional"
    db.session.commit()
    assert tick() == 1 and certificates_of(learner.id) == 1


def test_a_cycle_whose_session_ended_is_looked_at_again(setting):
    """Time alone completes no one (a record counts from when it is taken, ended or not), but a
    tick looks again at the cycles whose sessions ended since the last one."""
    sessions = _sessions(setting.cycle)
    early = setting.enrol("Incheckad Tidigt", attended=0)
    for session in sessions[:4]:
        db.session.execute(delete(Attendance).where(Attendance.session_id == session.id,
                                                    Attendance.user_id == early.id))
        db.session.add(Attendance(session_id=session.id, user_id=early.id, status=AttendanceStatus.PRESENT,
                                  method=AttendanceMethod.CODE, recorded_at=session.starts_at))
    db.session.execute(delete(Attendance).where(Attendance.session_id == sessions[4].id))
    db.session.commit()
    during = sessions[3].starts_at + timedelta(minutes=30)
    assert tick(during) == 1, "checked in at the fourth of five: 80 % whatever comes"
    tick(during + timedelta(minutes=5))  # looks again at the cycle it issued in (the seat completed)
    assert changes_since_last_tick(sessions[3].ends_at - timedelta(minutes=1)).cycle_ids == set()
    assert changes_since_last_tick(sessions[3].ends_at + timedelta(minutes=1)).cycle_ids == {setting.cycle.id}
    waiting = setting.enrol("Utan Intyg", attended=3)
    db.session.commit()
    tick(sessions[3].ends_at + timedelta(minutes=1))
    expected = {user for user, cycle in completed_seats(sessions[4].ends_at) if cycle == setting.cycle.id}
    assert expected == set() and certificates_of(waiting.id) == 0, "the end of a session completed no one"
    assert changes_since_last_tick(sessions[4].ends_at + timedelta(minutes=1)).cycle_ids == {setting.cycle.id}


def test_an_erased_learner_is_issued_nothing_and_the_erasure_is_picked_up(setting):
    setting.cycle.status = CycleStatus.FINISHED
    erased = setting.enrol("Glömd Person", attended=5, modules_done=1)
    kept = setting.enrol("Kvar Person", attended=5, modules_done=1)
    db.session.commit()
    assert settled() == 0
    for learner in (erased, kept):
        mark_module_done(learner.id, setting.course.modules[1])
    erase_user(erased.id, actor_id=None, now=AFTER_THE_CYCLE)
    db.session.commit()
    assert setting.cycle.id in changes_since_last_tick(LATER).cycle_ids, "the erasure cleared the notes"
    assert tick() == 1
    assert certificates_of(kept.id) == 1 and certificates_of(erased.id) == 0
    assert full_sweep(LATER + timedelta(hours=1)) == 0, "not by the full sweep either"


def test_what_no_mark_sees_waits_for_the_full_sweep(setting):
    """A module made optional by hand (psql, no new content version) leaves every mark as it was:
    the tick does not even count the seats, the nightly full sweep issues the certificate."""
    learner = setting.enrol("Ändrat För Hand", attended=5, modules_done=1)
    db.session.commit()
    assert settled() == 0
    _required_by_hand(setting.course.modules[1])
    now = LATER
    assert changes_since_last_tick(now).nothing
    assert tick(now) == 0 and certificates_of(learner.id) == 0
    assert full_sweep(now + timedelta(minutes=15), after_each=db.session.commit) == 1
    db.session.commit()
    assert certificates_of(learner.id) == 1
    assert tick(now + timedelta(minutes=30)) == 0 and certificates_of(learner.id) == 1


def test_the_tick_and_the_event_consumer_issue_once_between_them(setting):
    """The tick has counted the seat; the consumer of the event issues first; the tick then finds
    the certificate and issues nothing (UNIQUE(user_id, cycle_id) if they meet on the insert)."""
    learner = setting.enrol("Båda Samtidigt", attended=5, modules_done=1)
    db.session.commit()
    assert settled() == 0
    mark_module_done(learner.id, setting.course.modules[1])
    db.session.commit()
    seats = completed_seats(LATER, None)
    assert (learner.id, setting.cycle.id) in seats
    consume_events()
    assert certificates_of(learner.id) == 1, "the consumer issued it"
    assert sweeping._issue(seats, LATER, None, 100) == 0, "the tick's seats, counted before"
    assert tick() == 0 and certificates_of(learner.id) == 1
    assert service.issue_certificate(learner.id, setting.cycle.id, LATER).user_id == learner.id
    db.session.commit()
    assert certificates_of(learner.id) == 1


def test_a_tick_stopped_half_way_writes_no_marks_and_the_next_looks_again(setting):
    from tests.interruptions import killed_after_commits
    import pytest

    for n in range(3):
        setting.enrol(f"Klar {n}", attended=5)
    db.session.commit()
    with pytest.raises(KeyboardInterrupt):
        sweep(AFTER_THE_CYCLE, after_each=killed_after_commits(1), batch=2)
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Certificate)).scalar_one() == 2
    assert setting.cycle.id in changes_since_last_tick(LATER).cycle_ids
    assert tick() == 1


def _required_by_hand(module) -> None:
    db.session.execute(Module.__table__.update().where(Module.id == module.id).values(required=False))
    db.session.commit()


def test_the_scheduler_sweeps_every_seat_at_night(app, setting):
    jobs = {job.id: job for job in JOBS}
    nightly = jobs["certificate-full-sweep"]
    assert nightly.trigger == "cron" and 3 <= nightly.every["hour"] < 6, "at night, out of the DST hour"
    assert jobs["certificate-sweep"].every == {"minutes": 15}
    learner = setting.enrol("Natt Svepet", attended=5, modules_done=1)
    db.session.commit()
    assert settled() == 0
    _required_by_hand(setting.course.modules[1])
    assert run_job(app, jobs["certificate-sweep"], LATER) == 0
    assert run_job(app, nightly, LATER + timedelta(minutes=5)) == 1
    assert certificates_of(learner.id) == 1


def test_the_command_sweeps_what_changed_or_with_full_every_seat(setting, runner):
    setting.enrol("Kommando Raden", attended=5, modules_done=1)
    db.session.commit()
    assert settled() == 0
    _required_by_hand(setting.course.modules[1])
    result = runner.invoke(args=["lms", "certificates", "sweep"])
    assert result.exit_code == 0 and "0 certificate(s) issued." in result.output
    result = runner.invoke(args=["lms", "certificates", "sweep", "--full"])
    assert result.exit_code == 0 and "1 certificate(s) issued." in result.output
