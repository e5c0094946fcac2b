"""Where a rendered page's time goes: cProfile over N requests with the Flask test client.

    python -m bench.profile_page --database sqlite:////tmp/lms-throughput-5077/lms.sqlite3 \
        --who learner /my/learning [--requests 200] [--sort tottime] [--limit 40]

The app is built as wsgi.py builds it (production mode, page cache off unless --page-cache), on a
database holding the demo data (`bench/throughput.sh` leaves one). `--who` logs in as the demo
learner or trainer through the log-in form (one argon2 hash), keeping the cookie as a browser does.
It prints the time per request of the page and of /healthz in the same process, then the profile.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import re
import statistics
import time

PEOPLE = {"learner": "anna.andersson1@mollankultur.example", "trainer": "utbildare@kompetenscentret.example"}


def logged_in_client(app, who: str | None):  # type: ignore[no-untyped-def]
    client = app.test_client()
    if who:
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        answer = client.post("/login", data={"email": PEOPLE[who], "password": "kompetens-demo-2026",
                                             "csrf_token": token})
        assert answer.status_code == 302, answer.status_code
    return client


def per_request_ms(client, path: str, requests: int) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(requests):
        client.get(path)
    return (time.perf_counter() - started) * 1000 / requests


def interleaved(first, second, rounds: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """The median of each over rounds taken in turn: this machine's speed drifts from minute to minute."""
    firsts, seconds = [], []
    for _ in range(rounds):
        firsts.append(first())
        seconds.append(second())
    return statistics.median(firsts), statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--database", required=True)
    parser.add_argument("--who", choices=sorted(PEOPLE))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--page-cache", type=int, default=0)
    args = parser.parse_args()
    os.environ.update(LMS_MODE="production", LMS_SCHEDULER="off", LMS_RATELIMIT_ENABLED="false",
                      LMS_SESSION_COOKIE_SECURE="false", LMS_PAGE_CACHE_SECONDS=str(args.page_cache),
                      DATABASE_URL=args.database)
    os.environ.setdefault("SECRET_KEY", "profile-" * 8)
    from lms import create_app

    app = create_app()
    client = logged_in_client(app, args.who)
    status = client.get(args.path).status_code
    assert status == 200, f"{args.path} answers {status}"
    gc.freeze()
    per_request_ms(client, args.path, 20)
    anonymous = app.test_client()
    bare, page = interleaved(lambda: per_request_ms(anonymous, "/healthz", 20),
                             lambda: per_request_ms(client, args.path, 20), max(1, args.requests // 20))
    print(f"/healthz {bare:.2f} ms, {args.path} {page:.2f} ms a request: {bare / page:.2f}x")
    profile = cProfile.Profile()
    profile.enable()
    per_request_ms(client, args.path, args.requests)
    profile.disable()
    pstats.Stats(profile).strip_dirs().sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
