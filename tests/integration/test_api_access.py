"""Access control on every endpoint for every role; agent states, file 0 and the audit log."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from acd import events as ev
from monitoring.auth import PERMISSIONS, Permission
from monitoring.settings import ROLES
from tests.integration.harness import TOKENS, AppThread, auth
from tests.store.eventlog import T0

# (method, path, body, permission); "{id}" is an activation made for the test.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, Permission]] = [
    ("GET", "/api/queues", None, "live"),
    ("GET", "/api/queues/support", None, "live"),
    ("GET", "/api/file0", None, "live"),
    ("GET", "/api/feed", None, "live"),
    ("GET", "/metrics", None, "live"),
    ("GET", "/api/agents", None, "agents"),
    ("POST", "/api/agents/a1/state", {"state": "login"}, "agents"),
    ("POST", "/api/file0", {"mode": "inform", "text": "incident", "reason": "test"}, "file0"),
    ("DELETE", "/api/file0/{id}", None, "file0"),
    ("GET", "/api/kpis", None, "reports"),
    ("GET", "/api/cdr", None, "cdr"),
    ("GET", "/api/audit", None, "audit"),
]


@pytest.fixture(scope="module")
def app(module_redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppThread]:
    with AppThread(module_redis_url, tmp_path_factory.mktemp("data"),
                   virtual_start=T0) as running:
        yield running


def _new_activation(app: AppThread) -> str:
    r = httpx.post(app.url + "/api/file0", headers=auth("admin"), timeout=10,
                   json={"mode": "inform", "text": "x", "reason": "setup"})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _call(app: AppThread, method: str, path: str, body: dict[str, Any] | None,
          headers: dict[str, str]) -> tuple[int, str]:
    if "{id}" in path:
        path = path.replace("{id}", _new_activation(app))
    url = app.url + path
    if path == "/api/feed":
        with httpx.stream("GET", url, headers=headers, timeout=10) as r:
            first = next(r.iter_text(), "") if r.status_code == 200 else r.read().decode()
            return r.status_code, first
    r = httpx.request(method, url, headers=headers, json=body, timeout=10)
    return r.status_code, r.text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "permission"), ENDPOINTS)
def test_each_role_on_each_endpoint(app: AppThread, role: str, method: str, path: str,
                                    body: dict[str, Any] | None, permission: Permission) -> None:
    code, text = _call(app, method, path, body, auth(role))
    if role in PERMISSIONS[permission]:
        assert 200 <= code < 300, (code, text)
    else:
        assert code == 403, (code, text)
        assert role in json.loads(text)["detail"]


@pytest.mark.parametrize(("method", "path", "body", "permission"), ENDPOINTS)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": "Basic abc"}])
def test_missing_or_wrong_token_is_401(app: AppThread, method: str, path: str,
                                       body: dict[str, Any] | None, permission: Permission,
                                       headers: dict[str, str]) -> None:
    code, text = _call(app, method, path.replace("{id}", "x"), body, headers)
    assert code == 401
    assert json.loads(text)["detail"]


def test_the_feed_takes_the_token_in_the_query(app: AppThread) -> None:
    with httpx.stream("GET", app.url + "/api/feed", timeout=10,
                      params={"access_token": TOKENS["wallboard"]}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")


def test_wallboard_never_sees_a_caller_number(app: AppThread) -> None:
    app.submit(ev.AgentLoggedOut("a1"))
    app.submit(ev.CallQueued("secret-call", "support", caller="0612345678"))
    for path in ("/api/queues", "/api/queues/support", "/api/file0", "/metrics"):
        text = httpx.get(app.url + path, headers=auth("wallboard"), timeout=10).text
        assert "0612345678" not in text, path
    with httpx.stream("GET", app.url + "/api/feed", headers=auth("wallboard"), timeout=10) as r:
        assert "0612345678" not in next(r.iter_text())
    app.submit(ev.CallerHungUp("secret-call"))


def test_agent_states_are_changed_and_audited(app: AppThread) -> None:
    def state(agent: str) -> dict[str, Any]:
        agents = httpx.get(app.url + "/api/agents", headers=auth("supervisor"), timeout=10).json()
        return next(a for a in agents if a["agent_id"] == agent)

    def post(agent: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(app.url + f"/api/agents/{agent}/state", headers=auth("supervisor"),
                          json=body, timeout=10)

    assert post("a2", {"state": "login"}).json()["state"] == "available"
    r = post("a2", {"state": "pause", "reason": "training"})
    assert (r.json()["state"], r.json()["reason"]) == ("paused", "training")
    assert post("a2", {"state": "available"}).json()["state"] == "available"
    assert post("a2", {"state": "logout", "reason": "end of shift"}).json()["state"] == (
        "logged_out")
    assert state("a2")["state"] == "logged_out"
    assert post("nobody", {"state": "pause"}).status_code == 404
    refused = post("a2", {"state": "pause"})
    assert refused.status_code == 409 and "refused" in refused.json()["detail"]
    assert post("a2", {"state": "dance"}).status_code == 422
    new = post("n1", {"state": "login", "skills": {"support": 2}})
    assert new.status_code == 200 and new.json()["queues"] == ["support"]
    log = httpx.get(app.url + "/api/audit", headers=auth("admin"), timeout=10).json()
    mine = [e for e in log if e["target"] == "a2"]
    assert [e["action"] for e in mine][:4] == ["agent.logout", "agent.available", "agent.pause",
                                               "agent.login"]
    assert mine[0]["who"] == "supervisor-1" and mine[0]["reason"] == "end of shift"


def test_file0_switch_on_and_off_is_audited_and_seen_by_the_ivr(app: AppThread) -> None:
    wav = base64.b64encode(b"RIFF....WAVEfmt ").decode()
    r = httpx.post(app.url + "/api/file0", headers=auth("supervisor"), timeout=10, json={
        "mode": "dissuade", "audio_base64": wav, "entries": ["3949"],
        "reason": "e-filing down", "duration_s": 3600})
    assert r.status_code == 201, r.text
    activation = r.json()
    assert activation["active"] and activation["audio"].endswith(".wav")
    assert activation["expires_at"] == activation["requested_at"] + 3600
    now = app.call(app.view.now)
    heard = app.call(lambda: app.view.file0.active_for("3949", now))
    assert heard is not None and heard.id == activation["id"]
    other = app.call(lambda: app.view.file0.active_for("0800", now))
    assert other is None or other.id != activation["id"]  # scoped to entry 3949 only
    state = httpx.get(app.url + "/api/file0", headers=auth("wallboard"), timeout=10).json()
    assert activation["id"] in [a["id"] for a in state["active"]]
    r = httpx.delete(app.url + f"/api/file0/{activation['id']}", headers=auth("supervisor"),
                     params={"reason": "site back"}, timeout=10)
    assert r.status_code == 200 and not r.json()["active"]
    assert httpx.delete(app.url + "/api/file0/nope", headers=auth("supervisor"),
                        timeout=10).status_code == 404
    bad = httpx.post(app.url + "/api/file0", headers=auth("supervisor"), timeout=10,
                     json={"mode": "inform", "reason": "no message"})
    assert bad.status_code == 422 and "text or an audio" in bad.json()["detail"]
    log = httpx.get(app.url + "/api/audit", headers=auth("supervisor"), timeout=10).json()
    entries = [e for e in log if e["target"] == activation["id"]]
    assert [(e["action"], e["who"], e["reason"]) for e in entries] == [
        ("file0.off", "supervisor-1", "site back"), ("file0.on", "supervisor-1", "e-filing down")]
    # persisted for a restart
    saved = app.run(app.view.store.load_file0)
    assert saved is not None and activation["id"] in json.dumps(saved)


def test_live_feed_pushes_a_change_within_one_second(app: AppThread) -> None:
    with httpx.stream("GET", app.url + "/api/feed", headers=auth("wallboard"), timeout=10) as r:
        lines = r.iter_lines()

        def next_state() -> dict[str, Any]:
            for line in lines:
                if line.startswith("data: "):
                    return dict(json.loads(line[6:]))
            raise AssertionError("feed ended")

        first = next_state()
        before = first["queues"]["billing"]["agents"]["available"]
        sent = time.monotonic()
        app.submit(ev.AgentLoggedIn("b1"))
        while True:
            state = next_state()
            if state["queues"]["billing"]["agents"]["available"] == before + 1:
                break
            assert time.monotonic() - sent < 1.0
        assert time.monotonic() - sent < 1.0


def test_an_agent_changes_only_their_own_state_and_extends_wrap_up(app: AppThread) -> None:
    """Role ``agent``: the token is named after the agent (``agent-1`` in the harness)."""
    def post(role: str, agent: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(app.url + f"/api/agents/{agent}/state", headers=auth(role),
                          json=body, timeout=10)

    assert post("supervisor", "agent-1", {"state": "login", "skills": {"support": 3}}
                ).status_code == 200
    r = post("agent", "agent-1", {"state": "pause", "reason": "break"})
    assert (r.status_code, r.json()["state"], r.json()["reason"]) == (200, "paused", "break")
    assert post("agent", "agent-1", {"state": "available"}).json()["state"] == "available"
    other = post("agent", "a1", {"state": "pause"})
    assert other.status_code == 403 and "own state" in other.json()["detail"]
    skills = post("agent", "agent-1", {"state": "login", "skills": {"support": 9}})
    assert skills.status_code == 403
    assert httpx.get(app.url + "/api/agents", headers=auth("agent"), timeout=10
                     ).status_code == 403  # the list of every agent is a supervisor's
    # more wrap-up time: only during a wrap-up (the engine refuses it otherwise)
    refused = post("agent", "agent-1", {"state": "wrapup", "extra_s": 30})
    assert refused.status_code == 409 and "'wrapup'" in refused.json()["detail"]
    assert post("agent", "agent-1", {"state": "wrapup", "extra_s": 0}).status_code == 422
    log = httpx.get(app.url + "/api/audit", headers=auth("admin"), timeout=10).json()
    assert any(e["who"] == "agent-1" and e["action"] == "agent.pause" for e in log)
