"""Production mode: no tracebacks on error pages, secure cookies, strong password hashing."""
from lms import create_app
from tests.conftest import base_config


def production_app(tmp_path):
    config = base_config(f"sqlite:///{tmp_path / 'prod.sqlite3'}", tmp_path)
    config.update(TESTING=False, LMS_MODE="production", SESSION_COOKIE_SECURE=True)
    for key in ("LMS_ARGON2_TIME_COST", "LMS_ARGON2_MEMORY_COST", "LMS_ARGON2_PARALLELISM"):
        config.pop(key)
    return create_app(config)


def test_an_unexpected_error_shows_our_page_and_no_traceback(tmp_path):
    app = production_app(tmp_path)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    response = app.test_client().get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Traceback" not in response.text and "hunter2" not in response.text
    assert "RuntimeError" not in response.text


def test_production_defaults_are_the_safe_ones(tmp_path):
    app = production_app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug
    assert (app.config["LMS_ARGON2_TIME_COST"], app.config["LMS_ARGON2_MEMORY_COST"]) == (3, 65536)
    with app.app_context():
        from lms.auth.passwords import hash_password

        assert hash_password("en lång och ovanlig fras").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
