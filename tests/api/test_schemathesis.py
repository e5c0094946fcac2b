"""Schemathesis against the live OpenAPI document: no server errors, no answer that breaks the schema.

The app is served on 127.0.0.1 (like the browser tests) with a small center and an administrator's
token holding every scope, so every operation is reachable; requests that the document says are
invalid must be refused with a 4xx. SQLite only: the live server keeps its own database file.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, negative_data_rejection, response_headers_conformance,
    response_schema_conformance, status_code_conformance,
)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_its_document(live_api, mode):
    """Every operation of the live document, with valid and with invalid requests."""
    schema = schemathesis.openapi.from_url(f"{live_api.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {live_api.secrets['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    failures = []
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(base_url=f"{live_api.url}/api/v1", headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as error:  # noqa: BLE001  (collected, so every operation is reported)
            failures.append(f"{operation.label}: {error}")
    assert failures == [], "\n\n".join(failures)
