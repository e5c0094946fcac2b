"""Every model, imported in one place so that Alembic and the tests see the whole schema."""
from lms.audit.models import AuditEvent
from lms.auth.models import LoginSession, Organisation, Role, Sector, User, UserRole

__all__ = ["AuditEvent", "LoginSession", "Organisation", "Role", "Sector", "User", "UserRole"]
