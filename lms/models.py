"""Every model, imported in one place so that Alembic and the tests see the whole schema."""
from lms.audit.models import AuditEvent
from lms.auth.models import LoginSession, Organisation, Role, Sector, User, UserRole
from lms.catalog.models import (
    ContentVersion, Course, CourseCompetenceArea, CourseSdg, Module, ModuleProgress,
)
from lms.enrollment.models import Enrolment
from lms.notifications.models import CalendarFeed
from lms.quizzes.models import AttemptAnswer, Question, Quiz, QuizAttempt
from lms.planning.models import ClassSession, Cycle, CycleTrainer, Room, SessionChange

__all__ = [
    "AttemptAnswer", "Question", "Quiz", "QuizAttempt",
    "AuditEvent", "ContentVersion", "Course", "CourseCompetenceArea", "CourseSdg", "LoginSession",
    "Module", "ModuleProgress", "Organisation", "Role", "Sector", "User", "UserRole",
    "CalendarFeed", "ClassSession", "Cycle", "CycleTrainer", "Enrolment", "Room", "SessionChange",
]
