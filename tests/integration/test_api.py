"""The API over a real runtime and Redis: KPIs checked against the hand-computed event log,
agent states, file 0 with its audit, CDR exports, metrics, and a restart losing nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
import pytest

from ivr.file0 import Activation, File0
from tests.integration.harness import AppThread, auth
from tests.integration.redis_support import EmbeddedRedis
from tests.store.eventlog import (
    BILLING,
    FIRST_WINDOW,
    MIDNIGHT,
    OVERALL,
    OVERALL_MET,
    RECORDS,
    SUPPORT,
    T0,
    T_HNO,
)

DOWN_MINUTE = 8  # no record falls in it
NOW = T_HNO + 3600


def _file0() -> File0:
    return File0([Activation("f1", "dissuade", T0 + 30, "sup-1", "e-filing site down",
                             text="The e-filing site is down.")])


def _load(app: AppThread) -> None:
    """The fixed log, written as the engine would: minute by minute, the engine up every
    minute of the first quarter hour but one (GAP01), then the rest."""
    app.advance(T0 - 1)
    done = 0
    for minute in range(15):
        t = T0 + minute * 60 + 59
        if minute == DOWN_MINUTE:
            assert not [r for r in RECORDS if T0 + minute * 60 <= r.at <= t]
            continue  # the engine was down: the clock never sat in this minute
        app.advance(t)
        batch = [r for r in RECORDS[done:] if r.at <= t]
        app.append(batch)
        done += len(batch)
    app.advance(NOW)
    app.append(RECORDS[done:])


@pytest.fixture(scope="module")
def api(module_redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppThread]:
    with AppThread(module_redis_url, tmp_path_factory.mktemp("data"),
                   virtual_start=T0 - 3600, file0=_file0()) as app:
        _load(app)
        yield app


def _get(app: AppThread, path: str, role: str = "planner", **params: Any) -> Any:
    r = httpx.get(app.url + path, headers=auth(role), params=params, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def _by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in report["indicators"]}


def test_every_kpi_matches_the_hand_computed_log(api: AppThread) -> None:
    report = _get(api, "/api/kpis", **{"from": FIRST_WINDOW[0], "to": FIRST_WINDOW[1]})
    got = _by_id(report)
    for kpi_id, (num, den, value) in OVERALL.items():
        ind = got[kpi_id]
        assert (ind["numerator"], ind["denominator"]) == (num, den), kpi_id
        assert ind["value"] == pytest.approx(value), kpi_id
        assert ind["formula"] and ind["name"]
    for kpi_id, met in OVERALL_MET.items():
        assert got[kpi_id]["met"] is met and got[kpi_id]["status"] == ("met" if met else "missed")
    assert got["T2-IQ01"]["target"] == 0.8 and got["GAP02"]["target"] == 0.05
    # GVS01: f1 requested at T0+30, first call redirected (c4 informed) at T0+42
    assert got["GVS01"]["value"] == 12.0 and got["GVS01"]["met"] is True
    assert report["file0_activations"][0]["first_call_at"] == T0 + 42
    # GAP01: 15 opening-hours minutes, the engine wrote in all but one
    assert (got["GAP01"]["numerator"], got["GAP01"]["denominator"]) == (14 * 60, 15 * 60)
    assert got["GAP01"]["value"] == pytest.approx(14 / 15) and got["GAP01"]["met"] is False
    assert report["counts"]["received"] == 10 and "received" in report["definitions"]


@pytest.mark.parametrize(("queue", "expected"), [("support", SUPPORT), ("billing", BILLING)])
def test_per_queue_kpis_match_the_hand_computed_log(
    api: AppThread, queue: str, expected: dict[str, tuple[float, float, float]]
) -> None:
    got = _by_id(_get(api, "/api/kpis", queue=queue,
                      **{"from": FIRST_WINDOW[0], "to": FIRST_WINDOW[1]}))
    for kpi_id, (num, den, value) in expected.items():
        assert (got[kpi_id]["numerator"], got[kpi_id]["denominator"]) == (num, den), kpi_id
        assert got[kpi_id]["value"] == pytest.approx(value), kpi_id


def test_ho_and_hno_are_reported_apart(api: AppThread) -> None:
    day = {"from": "2025-03-03", "to": "2025-03-04"}
    ho = _get(api, "/api/kpis", hours="HO", **day)
    hno = _get(api, "/api/kpis", hours="HNO", **day)
    assert (ho["counts"]["received"], hno["counts"]["received"]) == (10, 1)
    hno_ids = _by_id(hno)
    assert hno_ids["T2-IQ01"]["value"] == 1.0  # c11 answered after 20 s
    assert hno_ids["GAP02"]["target"] == 0.10  # the HNO tolerance
    assert ho["window"] == [MIDNIGHT, MIDNIGHT + 86400]


def test_kpis_per_interval(api: AppThread) -> None:
    report = _get(api, "/api/kpis", interval=900,
                  **{"from": FIRST_WINDOW[0], "to": FIRST_WINDOW[0] + 1800})
    first, second = report["intervals"]
    assert first["window"] == list(FIRST_WINDOW)
    assert _by_id(first)["T2-IQ01"]["numerator"] == 2
    assert second["counts"]["received"] == 0


@pytest.mark.parametrize("params", [
    {"from": "yesterday"}, {"from": T0 + 10, "to": T0}, {"interval": 1},
    {"interval": 60, "from": 0, "to": 1e7}, {"hours": "night"}, {"queue": "nope"},
])
def test_bad_report_requests_are_refused_with_a_message(api: AppThread,
                                                        params: dict[str, Any]) -> None:
    r = httpx.get(api.url + "/api/kpis", headers=auth("planner"), params=params, timeout=10)
    assert r.status_code in (404, 422), r.text
    assert r.json()["detail"]


def test_queue_now_with_kpis_and_definitions(api: AppThread) -> None:
    queues = _get(api, "/api/queues", "wallboard")
    assert [q["name"] for q in queues] == ["support", "billing"]
    support = _get(api, "/api/queues/support", "wallboard")
    assert support["waiting"] == 0 and support["in_progress"] == 0
    since = _by_id(support["since_midnight"])
    assert since["T2-IQ01"]["numerator"] == 2 and since["T2-IQ01"]["denominator"] == 7
    assert "offered" in since["T2-IQ01"]["formula"]
    assert support["rolling"]["counts"]["received"] == 0  # nothing in the last 15 min
    assert set(support["agents"]) >= {"available", "paused", "logged_out"}


def test_cdr_export_csv_and_parquet(api: AppThread) -> None:
    params = {"from": "2025-03-03", "to": "2025-03-04"}
    r = httpx.get(api.url + "/api/cdr", headers=auth("planner"), params=params, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    calls = {row["call_id"]: row for row in rows if row["leg"] == "0"}
    assert sorted(calls, key=lambda c: int(c[1:])) == [f"c{i}" for i in range(1, 12)]
    assert (calls["c3"]["outcome"], calls["c3"]["caller"]) == ("abandoned", "0603")
    r = httpx.get(api.url + "/api/cdr", headers=auth("admin"),
                  params={**params, "format": "parquet"}, timeout=10)
    assert r.status_code == 200
    table = pq.read_table(io.BytesIO(r.content))
    assert table.num_rows == len(rows)
    assert sum(1 for leg in table.column("leg").to_pylist() if leg == 0) == 11


def test_metrics_for_prometheus(api: AppThread) -> None:
    r = httpx.get(api.url + "/metrics", headers=auth("wallboard"), timeout=10)
    assert r.status_code == 200
    assert 'accueil_queue_waiting_calls{queue="support"} 0' in r.text
    assert "# TYPE accueil_agents gauge" in r.text


def test_openapi_documents_every_endpoint(api: AppThread) -> None:
    spec = httpx.get(api.url + "/openapi.json", timeout=10).json()
    for path in ("/api/queues", "/api/queues/{name}", "/api/agents",
                 "/api/agents/{agent_id}/state", "/api/file0", "/api/file0/{activation_id}",
                 "/api/kpis", "/api/cdr", "/api/feed", "/metrics", "/api/audit"):
        assert path in spec["paths"], path


def test_restarted_app_and_redis_lose_no_event_cdr_or_counter(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    try:
        with AppThread(server.url, tmp_path / "data", virtual_start=T0 - 3600,
                       file0=_file0()) as app:
            _load(app)
            before = _get(app, "/api/kpis", **{"from": "2025-03-03", "to": "2025-03-04"})
            cdr_before = httpx.get(app.url + "/api/cdr", headers=auth("planner"), timeout=10,
                                   params={"from": "2025-03-03", "to": "2025-03-04"}).text
        server.restart()
        with AppThread(server.url, tmp_path / "data", virtual_start=NOW, file0=_file0(),
                       load=True) as app:
            assert app.loaded == len(RECORDS)
            after = _get(app, "/api/kpis", **{"from": "2025-03-03", "to": "2025-03-04"})
            cdr_after = httpx.get(app.url + "/api/cdr", headers=auth("planner"), timeout=10,
                                  params={"from": "2025-03-03", "to": "2025-03-04"}).text
        assert after == before
        assert cdr_after == cdr_before
    finally:
        server.stop()
