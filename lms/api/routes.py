"""The API blueprint with every endpoint module registered on it."""
from lms.api import attendance, certificates, courses, docs, enrolments, planning  # noqa: F401
from lms.api.blueprint import bp

__all__ = ["bp"]
