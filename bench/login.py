"""What a log-in and an authenticated page view cost, in-process with the Flask test client.

    python -m bench.login [--requests N]

Reports requests per second for: the public start page, an authenticated page (one server-side
session lookup), and a log-in (dominated by argon2id at the production parameters).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from lms import create_app
from lms.extensions import db


def _rate(label: str, count: int, action) -> float:
    started = time.perf_counter()
    for _ in range(count):
        action()
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(f"{label:<34} {rate:9.1f} req/s  ({count} in {elapsed:.2f} s)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args([] if __name__ != "__main__" else None)
    folder = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    app = create_app({
        "LMS_MODE": "test", "SECRET_KEY": "bench" * 10, "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
        "LMS_OUTBOX_DIR": str(folder / "outbox"),
    })
    with app.app_context():
        db.create_all()
        from lms.auth.service import create_user

        create_user("bench@example.org", "Bench", password="en lång och ovanlig fras")
        db.session.commit()
    client = app.test_client()
    anonymous = _rate("GET / (anonymous)", args.requests, lambda: client.get("/"))
    client.post("/login", data={"email": "bench@example.org", "password": "en lång och ovanlig fras"})
    authenticated = _rate("GET /account (logged in)", args.requests, lambda: client.get("/account"))
    logins = _rate("POST /login (argon2id)", max(10, args.requests // 20), lambda: app.test_client().post(
        "/login", data={"email": "bench@example.org", "password": "en lång och ovanlig fras"}))
    print(f"logged-in page / anonymous page: {authenticated / anonymous:.2f}; "
          f"log-in / anonymous page: {logins / anonymous:.3f}")


if __name__ == "__main__":
    main()
