"""Kompetenscentret: a learning management system for periodic education."""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None, *, serve: bool = False) -> Flask:
    """Build the application; reads settings, binds extensions, registers the domain packages.

    `serve`: this process serves requests (wsgi.py says so; `flask run` is recognised), so the
    in-process scheduler starts here when LMS_SCHEDULER asks for it.
    """
    app = Flask(
        __name__,
        instance_path=os.environ.get("LMS_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    init_config(app, config)
    init_proxy(app)
    init_extensions(app)
    register_blueprints(app)
    init_unit_of_work(app)
    init_navigation(app)
    init_domain_events(app)
    init_weekly_digest(app)
    register_cli(app)
    init_scheduler(app, serve or served_by_flask_run())
    return app


def init_config(app: Flask, config: Mapping[str, Any] | None) -> None:
    from lms.config import load_config

    load_config(app, config)


def init_proxy(app: Flask) -> None:
    """Trust X-Forwarded-* headers only when told how many proxies stand in front."""
    hops = {key: app.config[f"LMS_PROXY_FIX_X_{key.upper()}"] for key in ("for", "proto", "host")}
    if any(hops.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops["for"], x_proto=hops["proto"], x_host=hops["host"]
        )


def init_extensions(app: Flask) -> None:
    from lms import models  # noqa: F401  (every model known before the first query)
    from lms.auth.session import init_login
    from lms.core.i18n import init_babel
    from lms.core.input import init_input_checks
    from lms.core.page_cache import init_page_cache
    from lms.core.rate_limits import init_rate_limit_answers
    from lms.core.security import init_security_headers
    from lms.core.templating import init_templating
    from lms.db_setup import init_database
    from lms.extensions import csrf, limiter

    init_database(app)
    init_login(app)
    init_babel(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_rate_limit_answers(app)
    init_security_headers(app)
    init_templating(app)
    init_page_cache(app)
    init_input_checks(app)  # before the blueprints: their `<int:...>` are bounded


def init_unit_of_work(app: Flask) -> None:
    """Every request commits once, after its view, or rolls back (lms/core/unit_of_work.py)."""
    from lms.core.unit_of_work import init_unit_of_work as wrap_every_view

    wrap_every_view(app)


def init_navigation(app: Flask) -> None:
    """The main menu, built once for this app from every blueprint's pages."""
    from lms.core.navigation import init_navigation as build

    build(app)


def register_blueprints(app: Flask) -> None:
    from lms.admin.routes import bp as admin_bp
    from lms.api.account import bp as api_tokens_bp
    from lms.api.routes import bp as api_bp
    from lms.attendance import checkin_routes, offline_routes, routes, signature_routes  # noqa: F401  (add their views to attendance_bp)
    from lms.attendance.blueprint import bp as attendance_bp
    from lms.auth.routes import bp as auth_bp
    from lms.catalog import editor_routes  # noqa: F401  (adds the course editor's views to catalog_bp)
    from lms.catalog.routes import bp as catalog_bp
    from lms.certificates import credential_routes  # noqa: F401  (adds its views to certificates_bp)
    from lms.certificates.routes import bp as certificates_bp
    from lms.quizzes.routes import bp as quizzes_bp
    from lms.core.errors import register_error_handlers
    from lms.core.routes import bp as core_bp
    from lms.enrolment import members_routes, offer_routes, reservation_routes, routes as enrolment_routes  # noqa: F401  (views of enrolment_bp)
    from lms.enrolment.blueprint import bp as enrolment_bp
    from lms.notifications.pages import bp as notifications_bp  # with the views of notifications.routes
    from lms.planning.routes import bp as planning_bp
    from lms.community.routes import bp as community_bp
    from lms.evaluations.routes import bp as evaluations_bp
    from lms.growth.routes import bp as growth_bp
    from lms.needs.routes import bp as needs_bp
    from lms.privacy.routes import bp as privacy_bp
    from lms.reports.routes import bp as reports_bp
    from lms.signup.routes import bp as signup_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(planning_bp)
    app.register_blueprint(enrolment_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(attendance_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(api_tokens_bp)
    app.register_blueprint(evaluations_bp)
    app.register_blueprint(needs_bp)
    app.register_blueprint(growth_bp)
    app.register_blueprint(community_bp)
    app.register_blueprint(signup_bp)
    register_error_handlers(app)


def init_domain_events(app: Flask) -> None:
    """Who consumes which domain event, for this app (lms/events: one path from a change to its effects)."""
    from lms.certificates.consumers import register_consumers as certificates
    from lms.events import init_domain_events as start
    from lms.needs.consumers import register_consumers as needs
    from lms.notifications.consumers import register_consumers as notifications

    consumers = start(app)
    for register_consumers in (certificates, needs, notifications):
        register_consumers(consumers)


def init_weekly_digest(app: Flask) -> None:
    """The sections of the weekly digest, in the order it shows them (lms/notifications/digest.py
    says how a package adds one)."""
    from lms.notifications.offer_notices import offers_section
    from lms.notifications.renewals import renewals_section
    from lms.notifications.digest import init_digest, sessions_section

    sections = init_digest(app)
    sections.register("sessions", sessions_section)
    sections.register("offers", offers_section)
    sections.register("renewals", renewals_section)


def register_cli(app: Flask) -> None:
    from lms.cli import commands

    app.cli.add_command(commands())


def init_scheduler(app: Flask, serving: bool) -> None:
    """Start the in-process scheduler when LMS_SCHEDULER says so and this process serves requests.

    Never for a CLI command other than `flask run` (`lms scheduler` runs its own), nor in tests
    unless they ask (`serve=True`), nor in the reloader's watching process.
    """
    from lms.notifications.scheduler import start_in_process

    if serving:
        start_in_process(app)


def served_by_flask_run() -> bool:
    """True in the serving process of `flask run` (not in its reloader's watcher)."""
    import click
    from flask.helpers import get_debug_flag

    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run":
        return False
    reloading = context.params.get("reload")
    if reloading is None:
        reloading = get_debug_flag()
    return not reloading or os.environ.get("WERKZEUG_RUN_MAIN") == "true"
