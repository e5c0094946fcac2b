"""Who sees a quiz's results: coordinators all, trainers those of courses they teach."""
from __future__ import annotations

from sqlalchemy import Select, false, select

from lms.auth.models import Role, User
from lms.catalog.models import Module
from lms.extensions import db
from lms.quizzes.models import Quiz


def _taught_cycles(user: User, course_id: int):  # type: ignore[no-untyped-def]
    from lms.planning.models import Cycle, CycleTrainer

    return list(db.session.execute(
        select(Cycle).join(CycleTrainer, CycleTrainer.cycle_id == Cycle.id)
        .where(CycleTrainer.user_id == user.id, Cycle.course_id == course_id)
        .order_by(Cycle.first_date.desc())
    ).scalars())


def _all_cycles(course_id: int):  # type: ignore[no-untyped-def]
    from lms.planning.models import Cycle

    return list(db.session.execute(
        select(Cycle).where(Cycle.course_id == course_id).order_by(Cycle.first_date.desc())
    ).scalars())


def can_see_results(user: User, quiz: Quiz) -> bool:
    if user.has_role(Role.ADMIN, Role.COORDINATOR):
        return True
    return user.has_role(Role.TRAINER) and bool(_taught_cycles(user, quiz.module.course_id))


def quizzes_with_visible_results(user: User) -> Select:
    """The ids of the quizzes whose results this person sees: `can_see_results` for a whole list,
    as a subquery for the list's one query."""
    from lms.planning.models import Cycle, CycleTrainer

    query = select(Quiz.id).join(Quiz.module)
    if user.has_role(Role.ADMIN, Role.COORDINATOR):
        return query
    if not user.has_role(Role.TRAINER):
        return query.where(false())
    taught_courses = (select(Cycle.course_id).join(CycleTrainer, CycleTrainer.cycle_id == Cycle.id)
                      .where(CycleTrainer.user_id == user.id))
    return query.where(Module.course_id.in_(taught_courses))


def results_scope(user: User, quiz: Quiz, cycle_id: int | None):  # type: ignore[no-untyped-def]
    """The cycles this person may filter by, the learners in scope (None: everyone), the cycle chosen.

    Trainers see only learners of the cycles they teach; coordinators see everyone, or one cycle.
    """
    from lms.enrolment.models import Enrolment

    staff = user.has_role(Role.ADMIN, Role.COORDINATOR)
    cycles = _all_cycles(quiz.module.course_id) if staff else _taught_cycles(user, quiz.module.course_id)
    allowed = {cycle.id for cycle in cycles}
    chosen = cycle_id if cycle_id in allowed else None
    if staff and chosen is None:
        return cycles, None, None
    scope = [chosen] if chosen else list(allowed)
    user_ids = set(db.session.execute(
        select(Enrolment.user_id).where(Enrolment.cycle_id.in_(scope))).scalars())
    return cycles, user_ids, chosen
