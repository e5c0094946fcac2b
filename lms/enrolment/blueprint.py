"""The enrolment blueprint, shared by its two view modules (routes.py and members_routes.py).

Both modules add their views to `bp`, and `lms.register_blueprints` imports both before
registering it, so neither view module imports the other.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("enrolment", __name__)
