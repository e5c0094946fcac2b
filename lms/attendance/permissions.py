"""Who may record and who may read attendance.

Trainers of the cycle and coordinators record; organisation contacts read their own members'
attendance; a learner reads their own and checks only themselves in.
"""
from __future__ import annotations

from lms.auth.models import Role, User
from lms.auth.permissions import can_manage_user, has_any_role
from lms.planning.models import Cycle
from lms.planning.queries import teaches


def can_record(user: User, cycle: Cycle) -> bool:
    return has_any_role(user, Role.COORDINATOR) or (
        user.has_role(Role.TRAINER) and teaches(user.id, cycle.id))


def is_contact(user: User) -> bool:
    return user.has_role(Role.ORGANISATION_CONTACT) and user.organisation_id is not None


def can_read_cycle(user: User, cycle: Cycle) -> bool:
    """Recorders read everything of the cycle; a contact reads their own members' rows."""
    return can_record(user, cycle) or is_contact(user)


def reading_scope(user: User, cycle: Cycle) -> int | None:
    """None: every learner of the cycle; otherwise the organisation whose members may be read."""
    return None if can_record(user, cycle) else user.organisation_id


def can_read_learner(user: User, learner: User) -> bool:
    """Staff and the learner's organisation contact (trainers: narrowed to their cycles later)."""
    if user.id == learner.id or has_any_role(user, Role.COORDINATOR, Role.TRAINER):
        return True
    return can_manage_user(user, learner) and user.has_role(Role.ORGANISATION_CONTACT)
