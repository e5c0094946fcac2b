"""The SQL statements one request of a page makes, in order (a look at where its queries go).

    python -m bench.page_queries --database URL --who learner /my/learning
"""
from __future__ import annotations

import argparse
import os

from sqlalchemy import event

from bench.profile_page import PEOPLE, logged_in_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--database", required=True)
    parser.add_argument("--who", choices=sorted(PEOPLE))
    args = parser.parse_args()
    os.environ.update(LMS_MODE="production", LMS_SCHEDULER="off", LMS_RATELIMIT_ENABLED="false",
                      LMS_SESSION_COOKIE_SECURE="false", LMS_PAGE_CACHE_SECONDS="0", DATABASE_URL=args.database)
    os.environ.setdefault("SECRET_KEY", "profile-" * 8)
    from lms import create_app
    from lms.extensions import db

    app = create_app()
    client = logged_in_client(app, args.who)
    client.get(args.path)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    client.get(args.path)
    event.remove(engine, "before_cursor_execute", listener)
    for number, statement in enumerate(statements, 1):
        print(f"{number:2d}. {' '.join(statement.split())[:300]}")


if __name__ == "__main__":
    main()
