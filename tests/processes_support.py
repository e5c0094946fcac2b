"""Running the app as real processes in tests: ports, process environments, PostgreSQL servers.

Shared by tests/test_processes.py (several processes on one database) and tests/test_faults.py
(a database restarted and a scheduler killed under them).
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def wait_until(condition, seconds: float, what: str, every: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll `condition()` until it returns something true (returned), or fail naming `what`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"gave up after {seconds} s waiting for {what}")


def process_environment(database_url: str, tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a production-mode process on `database_url`, with cheap password hashing."""
    return {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32), "LMS_MODE": "production",
            "LMS_SESSION_COOKIE_SECURE": "false", "LMS_WTF_CSRF_ENABLED": "false", "LMS_RATELIMIT_ENABLED": "false",
            "LMS_OUTBOX_DIR": str(tmp_path / "outbox"), "LMS_MAIL_TRANSPORT": "file", "LMS_SCHEDULER": "off",
            "LMS_INSTANCE_PATH": str(tmp_path / "instance"), "LMS_ARGON2_TIME_COST": "1",
            "LMS_ARGON2_MEMORY_COST": "8", "LMS_ARGON2_PARALLELISM": "1", "PYTHONPATH": str(ROOT), **settings}


def seeding_app(environment: dict[str, str]):  # type: ignore[no-untyped-def]
    """An app in this process on the processes' database, to add test data with the factories."""
    from lms import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": environment["DATABASE_URL"], "LMS_MODE": "test",
                       "SECRET_KEY": environment["SECRET_KEY"], "LMS_ARGON2_TIME_COST": 1,
                       "LMS_ARGON2_MEMORY_COST": 8, "LMS_ARGON2_PARALLELISM": 1})


def init_db(environment: dict[str, str]) -> None:
    """`lms init-db`: the schema by the migrations, as an installation gets it."""
    subprocess.run([str(BIN / "lms"), "init-db"], cwd=ROOT, env=environment, check=True, capture_output=True)


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "ab")  # noqa: SIM115  (the child keeps it open as its stdout)
    try:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    finally:
        handle.close()


def start_web(env: dict, port: int, log: Path) -> subprocess.Popen:
    """gunicorn as in docs/deployment.md (one worker of four threads here), on loopback."""
    return start([str(BIN / "gunicorn"), "--workers", "1", "--threads", "4", "--worker-class", "gthread",
                  "--bind", f"127.0.0.1:{port}", "wsgi:app"], env, log)


def start_scheduler(env: dict, log: Path) -> subprocess.Popen:
    return start([str(BIN / "lms"), "scheduler"], env, log)


def stop(*processes: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL what has not stopped after 15 s."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the PostgreSQL server of `server_url`, dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- a PostgreSQL server of the test's own --------------------------------------------------

def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian's layout), or None."""
    found = [path for path in Path("/usr/lib/postgresql").glob("*/bin") if (path / "initdb").exists()]
    return max(found, key=lambda path: int(path.parent.name), default=None) if found else None


class PostgresCluster:
    """A throwaway PostgreSQL server (initdb + pg_ctl, as scripts/with-postgres starts one) that a
    test may stop, start and restart. As root it runs as the `postgres` user, in a folder of its
    own under /tmp (pytest's tmp_path is not reachable for that user)."""

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="lms-test-pg."))
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off -c full_page_writes=off"
        self._ctl("start", "-o", options, "-l", str(self.folder / "log"))

    def stop(self) -> None:
        """`-m fast`: open transactions are rolled back and every connection is closed."""
        self._ctl("stop", "-m", "fast")

    def restart(self) -> None:
        # the log file keeps the server's output off pg_ctl's pipe, which would never reach EOF
        self._ctl("restart", "-m", "fast", "-l", str(self.folder / "log"))

    def destroy(self) -> None:
        try:
            self._ctl("stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)

    def _ctl(self, *arguments: str) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-w", *arguments)

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.binaries / program), *arguments]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)
