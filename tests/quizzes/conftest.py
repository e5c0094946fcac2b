from tests.catalog.conftest import content  # noqa: F401  (a breakable copy of shipped courses)
