"""A scheduler process killed in the middle of a batched job, for the tests that it loses nothing."""
from typing import Callable

from lms.extensions import db


def killed_after_commits(commits: int) -> Callable[[], None]:
    """An `after_each` for a batched job: it commits like the scheduler, and after the `commits`-th
    commit the process dies (KeyboardInterrupt stands for SIGKILL: nothing after it runs)."""
    done = []

    def commit_then_die() -> None:
        db.session.commit()
        done.append(1)
        if len(done) == commits:
            raise KeyboardInterrupt("the scheduler is killed")

    return commit_then_die
