"""The stack of scripts/with-stack (`make test` runs these tests inside it): skipped without it,
except under CI=true, where .ci/run installs redis-server and nginx and they must run."""
from __future__ import annotations

import pytest

from tests.conftest import need
from tests.stack.support import Stack


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/stack/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def stack() -> Stack:
    found = Stack.from_environment()
    need(found is not None, "no stack: run these tests through scripts/with-stack "
                            "(needs redis-server, nginx and the PostgreSQL server binaries)")
    assert found is not None
    return found


@pytest.fixture(autouse=True)
def fresh_limits(request):
    """Every test starts with no rate limit counted in Redis (all clients here are on loopback)."""
    if "stack" not in request.fixturenames:
        yield
        return
    stack = request.getfixturevalue("stack")
    stack.redis().flushdb()
    yield


@pytest.fixture(scope="session")
def seeding(stack):
    """The app of this process on the stack's database (the factories work inside its context)."""
    app = stack.seeding_app()
    yield app
    with app.app_context():
        from lms.extensions import db

        db.engine.dispose()
