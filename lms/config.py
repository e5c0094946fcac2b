"""Settings, layered: defaults, then instance/config.py, then the environment, then a test mapping.

Every setting is documented in docs/configuration.md.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

DEFAULT_SECRET_KEY = "change-me"
MODES = ("demo", "production", "test")


class ConfigError(RuntimeError):
    """The settings are not safe or not complete enough to start."""


class Defaults:
    LMS_MODE = "demo"
    SECRET_KEY = None
    SQLALCHEMY_DATABASE_URI = None  # filled in with a SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    LMS_SITE_NAME = "Kompetenscentret"
    LMS_TIMEZONE = "Europe/Stockholm"
    LMS_DEFAULT_LOCALE = "sv"
    LMS_LOCALES = ("sv", "en", "ar")
    LMS_BASE_URL = "http://127.0.0.1:5000"
    LMS_MAIL_FROM = "Kompetenscentret <no-reply@kompetenscentret.example>"
    LMS_OUTBOX_DIR = None  # instance/outbox
    # notifications: the outbox, its transports, reminders and the scheduler (docs/configuration.md)
    LMS_MAIL_TRANSPORT = "file"  # or "smtp"
    LMS_SMTP_HOST = "localhost"
    LMS_SMTP_PORT = 587
    LMS_SMTP_SECURITY = "starttls"  # "starttls", "tls" or "none"
    LMS_SMTP_USERNAME = ""
    LMS_SMTP_PASSWORD = ""
    LMS_SMTP_TIMEOUT = 30
    LMS_OUTBOX_MAX_ATTEMPTS = 8
    LMS_OUTBOX_RETRY_SECONDS = 60
    LMS_OUTBOX_STUCK_MINUTES = 15
    LMS_OUTBOX_HEARTBEAT_SECONDS = 90  # a claim whose claimer has been silent this long is taken for dead
    LMS_OUTBOX_BATCH = 100
    LMS_OUTBOX_RETENTION_DAYS = 90
    LMS_REMINDER_OFFSETS = (24, 2)  # hours before each session
    LMS_RENEWAL_REMINDER_DAYS = (30, 7)  # days before a certificate expires (besides when its window opens)
    LMS_RENEWAL_LINK_DAYS = 60  # how long the enrolment link of a renewal reminder works
    LMS_CHANGE_NOTICE_DELAY_MINUTES = 5
    LMS_NOTICE_LOOKBACK_HOURS = 72
    LMS_EVENT_MAX_ATTEMPTS = 5  # tries of one domain event's consumer before it is left with its error
    LMS_EVENT_RETENTION_DAYS = 30  # consumed domain events are deleted after this many days; 0: kept
    LMS_OFFER_HOURS = 24  # a new cycle's time to answer a seat offered from the wait-list
    LMS_CANCELLATION_HOURS = 48  # a new cycle's cancellation deadline, in hours before the first session
    LMS_NO_SHOW_LIMIT = 2  # no-shows and late cancellations that make enrolments need approval; 0: off
    LMS_NO_SHOW_MONTHS = 12  # how far back they count, and how long late cancellations are kept
    LMS_SCHEDULER = None  # "inprocess" or "off"; None: in-process in the demo, off otherwise
    LMS_SCHEDULER_INTERVALS: dict[str, float] = {}  # seconds between runs, by job id, e.g. {"outbox-dispatch": 10}
    LMS_CONTENT_DIR = None  # courses_content/ beside the lms package
    LMS_CERTIFICATE_DESIGNS_DIR = None  # certificates/ beside the lms package
    LMS_CERTIFICATE_CACHE_DIR = None  # instance/certificates
    LMS_CERTIFICATE_DESIGN = "standard"
    LMS_CERTIFICATE_ISSUER = "Kompetenscentret"
    LMS_CREDENTIAL_KEY_FILE = None  # instance/credential-keys.json
    LMS_VERIFY_RATE_LIMIT = "30 per minute"
    LMS_API_RATE_LIMIT = "120 per minute;3000 per hour"  # per token (per address without one)
    LMS_API_FAILED_TOKEN_RATE_LIMIT = "10 per minute;100 per hour"  # unknown tokens per client address
    LMS_LOGIN_SESSION_HOURS = 12
    LMS_PAGE_CACHE_SECONDS = 15  # the catalogue and a learner's dashboard; 0: off (lms/core/page_cache.py)
    LMS_DASHBOARD_FIGURES_SECONDS = 60  # the coordinator dashboard's center-wide key figures; 0: always afresh
    LMS_DASHBOARD_ROLL_UPS = 500  # cycles whose dashboard roll-up a process keeps until they change; 0: none
    LMS_AT_RISK_KEPT = 10000  # running cycles whose learners at risk a process keeps until they change; 0: none
    LMS_INVITATION_DAYS = 7
    LMS_PASSWORD_RESET_MINUTES = 60
    # failed log-ins, see docs/security.md: per account and client address (refused), per client
    # address (the center's wifi is shared), per account from anywhere (not on a known device)
    LMS_LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    LMS_LOGIN_CLIENT_RATE_LIMIT = "30 per minute;300 per hour"
    LMS_LOGIN_ACCOUNT_RATE_LIMIT = "100 per hour"
    LMS_RESET_RATE_LIMIT = "5 per minute;20 per hour"  # per client address
    LMS_RESET_ADDRESS_RATE_LIMIT = "3 per 10 minutes;10 per day"  # reset e-mails asked for one address
    LMS_PROXY_FIX_X_FOR = 0
    LMS_PROXY_FIX_X_PROTO = 0
    LMS_PROXY_FIX_X_HOST = 0
    # reports and personal data (docs/privacy.md); 0 turns a retention rule off
    LMS_RETENTION_INACTIVE_DAYS = 1095
    LMS_RETENTION_OUTBOX_DAYS = 30
    LMS_RETENTION_SIGNATURE_DAYS = 1095  # drawn attendance signatures of sessions this old are deleted; 0: kept
    LMS_RETENTION_REQUEST_DAYS = 90  # account requests decided (or left undecided) this long ago are deleted
    LMS_FEEDBACK_RATE_LIMIT = "5 per hour;20 per day"
    LMS_CHECKIN_OPENS_MINUTES_BEFORE = 30
    LMS_CHECKIN_CLOSES_MINUTES_AFTER = 60
    LMS_CHECKIN_LATE_AFTER_MINUTES = 10
    LMS_CHECKIN_CODE_SECONDS = 30
    LMS_CHECKIN_GRACE_SECONDS = 10
    LMS_CHECKIN_TICKET_MINUTES = 5
    LMS_CHECKIN_RATE_LIMIT = "10 per minute;60 per hour"
    LMS_CHECKIN_SCAN_RATE_LIMIT = "60 per minute"
    LMS_EVALUATION_DAYS = 90  # answers accepted until this many days after a cycle's last session
    LMS_EVALUATION_MIN_RESPONSES = 3  # fewest answer sheets whose results are shown
    LMS_COMMUNITY_RATE_LIMIT = "6 per minute;60 per hour"  # new threads, replies and reports, per person
    # the public home page and sign-up (docs/configuration.md)
    LMS_CENTER_ADDRESS = "Norra Grängesbergsgatan 26, 214 50 Malmö"
    LMS_OPENING_HOURS = "Måndag–torsdag 9–21, fredag 9–16"
    LMS_SIGNUP = "approval"  # "approval", "open" or "off"
    LMS_SIGNUP_RATE_LIMIT = "30 per hour"  # per client address; the center's wifi is shared
    LMS_SIGNUP_ADDRESS_RATE_LIMIT = "3 per hour"  # per e-mail address signed up
    LMS_ARGON2_TIME_COST = 3
    LMS_ARGON2_MEMORY_COST = 65536
    LMS_ARGON2_PARALLELISM = 4
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # the shared store (Redis) unreachable: every process counts in its own memory, logged, until it is back
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS: dict[str, Any] = {}  # e.g. {"socket_timeout": 1} for Redis
    SESSION_COOKIE_NAME = "lms_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    BABEL_DEFAULT_LOCALE = "sv"
    BABEL_DEFAULT_TIMEZONE = "Europe/Stockholm"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


def load_config(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    """Fill app.config from the four layers, then derive what depends on them."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    _load_environment(app)
    if test_config:
        app.config.update(test_config)
    _derive(app)
    _check(app)


def _load_environment(app: Flask) -> None:
    """`LMS_*` variables (JSON-parsed where possible), plus the two conventional names.

    `LMS_MODE` sets the setting `LMS_MODE`; a variable naming no `LMS_` setting sets the Flask or
    extension setting after the prefix, e.g. `LMS_RATELIMIT_STORAGE_URI` sets `RATELIMIT_STORAGE_URI`.
    """
    for name, value in sorted(os.environ.items()):
        if not name.startswith("LMS_") or name == "LMS_":
            continue
        key = name if name in app.config else name[len("LMS_"):]
        app.config[key] = _loads(value)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]


def _loads(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _derive(app: Flask) -> None:
    instance = Path(app.instance_path)
    mode = app.config["LMS_MODE"]
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'lms.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("LMS_CONTENT_DIR"):
        app.config["LMS_CONTENT_DIR"] = str(Path(app.root_path).parent / "courses_content")
    if not app.config.get("LMS_CERTIFICATE_DESIGNS_DIR"):
        app.config["LMS_CERTIFICATE_DESIGNS_DIR"] = str(Path(app.root_path).parent / "certificates")
    if not app.config.get("LMS_CERTIFICATE_CACHE_DIR"):
        app.config["LMS_CERTIFICATE_CACHE_DIR"] = str(instance / "certificates")
    if not app.config.get("LMS_CREDENTIAL_KEY_FILE"):
        app.config["LMS_CREDENTIAL_KEY_FILE"] = str(instance / "credential-keys.json")
    if not app.config.get("LMS_OUTBOX_DIR"):
        app.config["LMS_OUTBOX_DIR"] = str(instance / "outbox")
    if mode == "demo" and not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _demo_secret_key(instance)
    if mode == "demo":
        app.config["SESSION_COOKIE_SECURE"] = app.config.get("LMS_SECURE_COOKIES", False)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["LMS_DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["LMS_TIMEZONE"]


def _normalise_database_url(url: str) -> str:
    """Accept the usual `postgres://` and `postgresql://` URLs and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _demo_secret_key(instance: Path) -> str:
    """Generate the demo's secret key once and keep it in instance/, readable by the owner only."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def _check(app: Flask) -> None:
    mode = app.config["LMS_MODE"]
    if mode not in MODES:
        raise ConfigError(f"LMS_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    key = app.config.get("SECRET_KEY")
    if mode == "production" and (not key or key == DEFAULT_SECRET_KEY or len(key) < 32):
        raise ConfigError(
            "SECRET_KEY is missing, the default or shorter than 32 characters; "
            "production refuses to start without a strong secret key "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
