"""Settings come in layers: defaults < instance/config.py < environment < test mapping."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lms import create_app
from lms.config import ConfigError

STRONG_KEY = "k" * 40


@pytest.fixture
def instance(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(folder))
    for name in ("LMS_MODE", "SECRET_KEY", "DATABASE_URL", "LMS_SITE_NAME"):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_defaults_use_sqlite_in_the_instance_folder(instance):
    app = create_app()
    assert app.config["LMS_MODE"] == "demo"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'lms.sqlite3'}"
    assert app.config["LMS_OUTBOX_DIR"] == str(instance / "outbox")


def test_each_layer_overrides_the_one_before(instance, monkeypatch):
    (instance / "config.py").write_text(
        "LMS_SITE_NAME = 'From instance'\nLMS_LOGIN_SESSION_HOURS = 5\nLMS_INVITATION_DAYS = 3\n"
    )
    assert create_app().config["LMS_SITE_NAME"] == "From instance"

    monkeypatch.setenv("LMS_SITE_NAME", "From environment")
    monkeypatch.setenv("LMS_LOGIN_SESSION_HOURS", "8")
    app = create_app()
    assert app.config["LMS_SITE_NAME"] == "From environment"
    assert app.config["LMS_LOGIN_SESSION_HOURS"] == 8, "numbers in the environment are parsed"
    assert app.config["LMS_INVITATION_DAYS"] == 3, "untouched settings keep the instance value"

    app = create_app({"LMS_SITE_NAME": "From test"})
    assert app.config["LMS_SITE_NAME"] == "From test"


def test_lms_prefixed_variables_reach_extension_settings(instance, monkeypatch):
    monkeypatch.setenv("LMS_RATELIMIT_STORAGE_URI", "redis://localhost:6379/0")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://localhost:6379/0"


def test_database_url_is_read_and_uses_psycopg(instance, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://lms:pw@db.example:5432/lms")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://lms:pw@db.example:5432/lms"


@pytest.mark.parametrize("key", [None, "", "change-me", "short-key"])
def test_production_refuses_a_missing_default_or_weak_secret_key(instance, monkeypatch, key):
    monkeypatch.setenv("LMS_MODE", "production")
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_a_strong_secret_key_and_secure_cookies(instance, monkeypatch):
    monkeypatch.setenv("LMS_MODE", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    app = create_app()
    assert app.config["SECRET_KEY"] == STRONG_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (instance / "secret_key").exists()


def test_demo_generates_its_secret_key_once_and_keeps_it_private(instance):
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0


def test_unknown_mode_is_refused(instance, monkeypatch):
    monkeypatch.setenv("LMS_MODE", "staging")
    with pytest.raises(ConfigError, match="LMS_MODE"):
        create_app()


def test_proxy_fix_is_applied_only_when_configured(instance, monkeypatch):
    from werkzeug.middleware.proxy_fix import ProxyFix

    assert not isinstance(create_app().wsgi_app, ProxyFix)
    monkeypatch.setenv("LMS_PROXY_FIX_X_FOR", "1")
    app = create_app()
    assert isinstance(app.wsgi_app, ProxyFix)

    @app.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.text == "203.0.113.9"


def test_the_wsgi_entry_point_freezes_what_start_up_made(tmp_path):
    """Left to the collector, the app's tens of thousands of start-up objects are walked by every
    full collection: a request stalls 100 ms or more every few requests (docs/PERFORMANCE.md)."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "LMS_MODE": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite3'}"}
    frozen = subprocess.run([sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
                            cwd=root, env=env, capture_output=True, text=True, check=True).stdout
    assert int(frozen) > 10_000


def _documented_settings() -> set[str]:
    """The names in the first column of docs/configuration.md's table of settings."""
    import re

    text = (Path(__file__).parents[1] / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = [line.split("|")[1] for line in text.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def test_every_setting_of_lms_config_is_documented_in_docs_configuration():
    from lms.config import Defaults

    documented = _documented_settings()
    settings = {name for name in vars(Defaults) if name.isupper()}
    missing = settings - documented - {"SQLALCHEMY_DATABASE_URI"}  # documented as DATABASE_URL
    assert "DATABASE_URL" in documented
    assert not missing, f"settings of lms/config.py missing in docs/configuration.md: {sorted(missing)}"


def test_docs_configuration_names_no_setting_that_lms_config_lacks():
    from lms.config import Defaults

    passed_through = {"LMS_RATELIMIT_STORAGE_URI", "LMS_SESSION_COOKIE_SECURE", "LMS_SECURE_COOKIES",
                      "DATABASE_URL"}  # read from the environment, or any Flask setting with LMS_
    unknown = _documented_settings() - set(vars(Defaults)) - passed_through
    assert not unknown, f"docs/configuration.md documents settings lms/config.py lacks: {sorted(unknown)}"
