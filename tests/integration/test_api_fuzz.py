"""An OpenAPI-driven fuzz run (schemathesis) against the served app: no server error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
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


@pytest.fixture(scope="module")
def api_schema(fuzzed_app: AppThread) -> object:
    return schemathesis.openapi.from_url(fuzzed_app.url + "/openapi.json")


# The live feed never ends: it is tested on its own (test_api_access).
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path="/api/feed")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=auth("admin"), checks=[not_a_server_error], timeout=10)
