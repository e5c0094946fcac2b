"""Who sees evaluation results: coordinators all of them, trainers their own cycles only."""
from __future__ import annotations

from lms.auth.models import Role, User
from lms.planning.models import Cycle
from lms.planning.queries import teaches


def is_coordinator(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.COORDINATOR)


def can_see_cycle_results(user: User, cycle: Cycle) -> bool:
    return is_coordinator(user) or (user.has_role(Role.TRAINER) and teaches(user.id, cycle.id))


def can_see_trainer_results(user: User, trainer_id: int) -> bool:
    return is_coordinator(user) or (user.has_role(Role.TRAINER) and user.id == trainer_id)
