"""Translatable names of roles and sectors, for pages and forms."""
from flask_babel import lazy_gettext as _l

from lms.auth.models import Role, Sector

ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.TRAINER: _l("Trainer"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.ORGANISATION_CONTACT: _l("Organisation contact"),
    Role.ADMIN: _l("Administrator"),
}

SECTOR_LABELS = {
    Sector.NON_PROFIT: _l("Non-profit"),
    Sector.PUBLIC_SECTOR: _l("Public sector"),
    Sector.COMPANY: _l("Company"),
    Sector.ACADEMIA: _l("Academia"),
}
