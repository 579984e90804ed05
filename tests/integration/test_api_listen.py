"""The calls endpoints (listen, recording) over a fake telephony: roles, refusals, audit.

The real telephony is exercised in ``test_serve_recording.py``; here a fake one answers as
``live.listen.Taps`` would, so every refusal and the audit trail are checked quickly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from monitoring.engine import ListenError, ListenSession, RecordingMeta
from monitoring.settings import ROLES
from tests.integration.harness import AppThread, auth
from tests.store.eventlog import T0

TARGET = "sip:sup@127.0.0.1:5070"


class FakeTelephony:
    """Call ``c1`` is connected, ``q1`` queued; everything else unknown."""

    def __init__(self) -> None:
        self.sessions: list[tuple[ListenSession, Callable[[ListenSession], None]]] = []

    def listen(self, call_id: str, target: str, who: str,
               on_end: Callable[[ListenSession], None]) -> ListenSession:
        if call_id == "q1":
            raise ListenError(409, "call 'q1' is not connected to an agent (it is queued)")
        if call_id != "c1":
            raise ListenError(404, f"no call {call_id!r} in progress")
        if "example" in target:
            raise ListenError(422, f"{target!r}: give an IP address (the engine does no DNS)")
        session = ListenSession(f"s{len(self.sessions)}", call_id, target, who, "calling", T0)
        self.sessions.append((session, on_end))
        return session

    def recording(self, call_id: str) -> RecordingMeta | None:
        if call_id != "c1":
            return None
        return RecordingMeta("c1", "support", "/rec/c1.wav", T0, None, 1.5, 48_044)


@pytest.fixture(scope="module")
def app(module_redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppThread]:
    with AppThread(module_redis_url, tmp_path_factory.mktemp("data"),
                   virtual_start=T0) as running:
        yield running


@pytest.fixture
def telephony(app: AppThread) -> Iterator[FakeTelephony]:
    fake = FakeTelephony()
    app.view.telephony = fake
    yield fake
    app.view.telephony = None


def post(app: AppThread, call_id: str, body: dict[str, Any], role: str = "supervisor"
         ) -> httpx.Response:
    return httpx.post(f"{app.url}/api/calls/{call_id}/listen", json=body, headers=auth(role),
                      timeout=10)


def audit(app: AppThread) -> list[dict[str, Any]]:
    r = httpx.get(f"{app.url}/api/audit", headers=auth("admin"), timeout=10)
    return list(r.json())


@pytest.mark.parametrize("role", ROLES)
def test_only_supervisors_and_admins_listen(app: AppThread, telephony: FakeTelephony,
                                            role: str) -> None:
    r = post(app, "c1", {"target": TARGET}, role)
    r2 = httpx.get(f"{app.url}/api/calls/c1/recording", headers=auth(role), timeout=10)
    if role in ("supervisor", "admin"):
        assert (r.status_code, r2.status_code) == (201, 200), (r.text, r2.text)
    else:
        assert (r.status_code, r2.status_code) == (403, 403)
        assert role in r.json()["detail"]


def test_listening_is_audited_from_start_to_end(app: AppThread,
                                                telephony: FakeTelephony) -> None:
    r = post(app, "c1", {"target": TARGET, "reason": "coaching"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["state"], body["who"], body["target"]) == ("calling", "supervisor-1", TARGET)
    start = audit(app)[0]
    assert (start["action"], start["target"], start["who"], start["reason"]) == (
        "listen.start", "c1", "supervisor-1", "coaching")
    session, on_end = telephony.sessions[-1]
    ended = replace(session, state="ended", answered_at=T0 + 1, ended_at=T0 + 9,
                    reason="supervisor_hung_up")
    app.call(lambda: on_end(ended))  # the engine reports the end on its loop
    deadline = time.monotonic() + 5
    while audit(app)[0]["action"] != "listen.end" and time.monotonic() < deadline:
        time.sleep(0.05)
    end = audit(app)[0]
    assert (end["action"], end["who"], end["role"], end["reason"]) == (
        "listen.end", "supervisor-1", "supervisor", "supervisor_hung_up")
    assert (end["detail"]["answered_at"], end["detail"]["ended_at"]) == (T0 + 1, T0 + 9)


@pytest.mark.parametrize(("call_id", "body", "status", "words"), [
    ("nope", {"target": TARGET}, 404, "no call 'nope'"),
    ("q1", {"target": TARGET}, 409, "not connected"),
    ("c1", {"target": "sip:sup@pbx.example"}, 422, "IP address"),
    ("c1", {"target": "mailto:sup@example.com"}, 422, "target"),
    ("c1", {}, 422, "target"),
])
def test_refusals_are_clear(app: AppThread, telephony: FakeTelephony, call_id: str,
                            body: dict[str, Any], status: int, words: str) -> None:
    r = post(app, call_id, body)
    assert r.status_code == status, r.text
    assert words in r.text
    if status in (404, 409):
        last = audit(app)[0]
        assert (last["action"], last["target"]) == ("listen.refused", call_id)


def test_recording_metadata(app: AppThread, telephony: FakeTelephony) -> None:
    r = httpx.get(f"{app.url}/api/calls/c1/recording", headers=auth("supervisor"), timeout=10)
    assert r.json() == {"call_id": "c1", "queue": "support", "path": "/rec/c1.wav",
                        "started_at": T0, "ended_at": None, "seconds": 1.5, "bytes": 48_044,
                        "failed": None}
    r = httpx.get(f"{app.url}/api/calls/zz/recording", headers=auth("supervisor"), timeout=10)
    assert r.status_code == 404 and "no recording of call 'zz'" in r.json()["detail"]


def test_an_engine_without_telephony_says_so(app: AppThread) -> None:
    assert app.view.telephony is None
    r = post(app, "c1", {"target": TARGET})
    assert r.status_code == 409 and "accueil serve" in r.json()["detail"]
    r = httpx.get(f"{app.url}/api/calls/c1/recording", headers=auth("supervisor"), timeout=10)
    assert r.status_code == 409 and "no telephony" in r.json()["detail"]
