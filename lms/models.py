"""Every model, imported in one place so that Alembic and the tests see the whole schema."""
from lms.audit.models import AuditEvent
from lms.auth.models import LoginSession, Organisation, Role, Sector, User, UserRole
from lms.catalog.models import (
    ContentVersion, Course, CourseCompetenceArea, CourseSdg, Module, ModuleProgress,
)

__all__ = [
    "AuditEvent", "ContentVersion", "Course", "CourseCompetenceArea", "CourseSdg", "LoginSession",
    "Module", "ModuleProgress", "Organisation", "Role", "Sector", "User", "UserRole",
]
