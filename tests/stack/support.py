"""Talking to the stack of scripts/with-stack over HTTP: its addresses, its settings, a browser-like
client (cookies, CSRF tokens from the forms), Redis, and data added with the test factories.

Shared by tests/stack/ and the burst benchmarks (bench/bursts.py).
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import requests

from tests.factories import DEFAULT_PASSWORD as PASSWORD
from tests.processes_support import wait_until

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Stack:
    url: str
    nodes: list[str]
    folder: Path
    settings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> "Stack | None":
        if not os.environ.get("LMS_STACK_URL"):
            return None
        folder = Path(os.environ["LMS_STACK_DIR"])
        return cls(os.environ["LMS_STACK_URL"], os.environ["LMS_STACK_NODE_URLS"].split(), folder,
                   read_settings(folder / "env"))

    @property
    def redis_port(self) -> int:
        return int(self.settings["LMS_RATELIMIT_STORAGE_URI"].rsplit(":", 1)[1].split("/")[0])

    def redis(self):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis.from_url(self.settings["LMS_RATELIMIT_STORAGE_URI"], socket_timeout=2)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def process_environment(self, **extra: str) -> dict[str, str]:
        """The environment of one more app process on the stack (a scheduler started by mistake)."""
        return {**os.environ, **self.settings, **extra}

    def seeding_app(self):  # type: ignore[no-untyped-def]
        """An app in this process on the stack's database, to add data with the factories."""
        from lms import create_app

        return create_app({"SQLALCHEMY_DATABASE_URI": self.settings["DATABASE_URL"], "LMS_MODE": "test",
                           "SECRET_KEY": self.settings["SECRET_KEY"], "LMS_ARGON2_TIME_COST": 1,
                           "LMS_ARGON2_MEMORY_COST": 8, "LMS_ARGON2_PARALLELISM": 1})

    def stop_redis(self) -> None:
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "shutdown", "nosave"], check=False,
                       capture_output=True)
        wait_until(lambda: not (self.folder / "redis.pid").exists(), 10, "Redis to stop")

    def start_redis(self) -> None:
        subprocess.run(["redis-server", str(self.folder / "redis.conf")], check=True)
        wait_until(self._redis_answers, 10, "Redis to answer")

    def _redis_answers(self) -> bool:
        try:
            return bool(self.redis().ping())
        except Exception:  # noqa: BLE001  (not up yet)
            return False


def read_settings(path: Path) -> dict[str, str]:
    settings = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            settings[name] = shlex.split(value)[0] if value else ""
    return settings


class Browser:
    """One person's browser: a cookie jar shared by every address of the stack (cookies name the
    host, not the port), the CSRF token of the last form seen."""

    def __init__(self, base: str, *, source: str | None = None):
        self.base = base
        self.http = requests.Session()
        if source:
            self.http.mount("http://", SourceAddressAdapter(source))

    def get(self, path: str, base: str | None = None, **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
        return self.http.get((base or self.base) + path, allow_redirects=False, timeout=30, **kwargs)

    def csrf(self, path: str, base: str | None = None) -> str:
        page = self.get(path, base)
        assert page.status_code == 200, f"{path}: {page.status_code}"
        return self.csrf_in(page.text)

    @staticmethod
    def csrf_in(html: str) -> str:
        found = CSRF.search(html)
        assert found, "no CSRF token on the page"
        return found.group(1)

    def post(self, path: str, data: dict, base: str | None = None, token_from: str | None = None,
             **kwargs) -> requests.Response:  # type: ignore[no-untyped-def]
        token = self.csrf(token_from or path, base)
        return self.http.post((base or self.base) + path, data={**data, "csrf_token": token},
                              allow_redirects=False, timeout=30, **kwargs)

    def log_in(self, email: str, password: str = PASSWORD, base: str | None = None) -> requests.Response:
        answer = self.post("/login", {"email": email, "password": password}, base)
        assert answer.status_code == 302, f"log-in of {email}: {answer.status_code}"
        return answer


class SourceAddressAdapter(requests.adapters.HTTPAdapter):
    """Connect from another loopback address (127.0.0.2…): a client nginx sees as someone else."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


@contextmanager
def extra_process(stack: Stack, name: str, command: list[str], **extra: str) -> Iterator[subprocess.Popen]:
    """A process started beside the stack, its pid in the stack's folder so that with-stack stops
    it too should the test be interrupted; stopped (SIGTERM) after the block."""
    log = open(stack.folder / f"{name}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=ROOT, env=stack.process_environment(**extra), stdout=log,
                               stderr=subprocess.STDOUT)
    log.close()
    pid_file = stack.folder / f"extra-{name}.pid"
    pid_file.write_text(str(process.pid))
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        pid_file.unlink(missing_ok=True)
