"""An OpenAPI-driven fuzz run (schemathesis) against the served app: no server error.

Driven through schemathesis's Python API with plain Hypothesis (one strategy per
operation), not its pytest plugin, which depends on pytest internals that change between
pytest releases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.integration.harness import AppThread, auth
from tests.store.eventlog import RECORDS, T0


@pytest.fixture(scope="module")
def fuzzed_app(module_redis_url: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppThread]:
    with AppThread(module_redis_url, tmp_path_factory.mktemp("data"),
                   virtual_start=T0 - 60) as app:
        app.append(RECORDS)
        yield app


def test_no_server_error(fuzzed_app: AppThread) -> None:
    # The live feed never ends: it is tested on its own (test_api_access).
    schema = schemathesis.openapi.from_url(fuzzed_app.url + "/openapi.json").exclude(
        path="/api/feed")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the schema lists the API's operations"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=auth("admin"), checks=[not_a_server_error],
                                   timeout=10)

        check()
