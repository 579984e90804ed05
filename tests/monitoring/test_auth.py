"""Tokens, roles, settings and time parsing (no server needed)."""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from monitoring.auth import PERMISSIONS, Principal, TokenTable, hash_token
from monitoring.settings import Settings, TokenConfig
from monitoring.timeparse import parse_time

PARIS = ZoneInfo("Europe/Paris")


def test_tokens_are_looked_up_by_hash() -> None:
    table = TokenTable([TokenConfig(name="w", role="wallboard", sha256=hash_token("s3cret"))])
    assert table.lookup("s3cret") == Principal("w", "wallboard")
    assert table.lookup("S3cret") is None and table.lookup("") is None


def test_roles() -> None:
    wall, sup, plan, admin = (Principal("x", r) for r in  # type: ignore[arg-type]
                              ("wallboard", "supervisor", "planner", "admin"))
    assert not wall.may("desk") and sup.may("desk") and not plan.may("desk")
    assert wall.may("live") and not wall.may("cdr") and not wall.may("agents")
    assert sup.may("file0") and sup.may("agents") and not sup.may("cdr")
    assert plan.may("cdr") and plan.may("reports") and not plan.may("file0")
    assert all(admin.may(p) for p in PERMISSIONS)


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    file = tmp_path / "tokens.json"
    file.write_text(json.dumps([{"name": "p", "role": "planner", "sha256": hash_token("p")}]))
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/2")
    monkeypatch.setenv("ACCUEIL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACCUEIL_TOKENS_FILE", str(file))
    monkeypatch.setenv("ACCUEIL_TOKENS", json.dumps(
        [{"name": "a", "role": "admin", "sha256": hash_token("a")}]))
    settings = Settings()
    assert settings.redis_url == "redis://127.0.0.1:6390/2"
    assert settings.data_dir == tmp_path
    assert [t.name for t in settings.all_tokens()] == ["a", "p"]
    monkeypatch.setenv("ACCUEIL_TOKENS", '[{"name": "a", "role": "boss", "sha256": "00"}]')
    with pytest.raises(ValidationError):
        Settings()


def test_retention_is_at_least_13_months() -> None:
    with pytest.raises(ValidationError):
        Settings(retention_days=100)


@pytest.mark.parametrize(("text", "expected"), [
    ("1741000000", 1741000000.0),
    ("2025-03-03", 1740956400.0),  # local midnight (UTC+1)
    ("2025-03-03T08:00", 1740985200.0),
    ("2025-03-03T07:00:00+00:00", 1740985200.0),
])
def test_parse_time(text: str, expected: float) -> None:
    assert parse_time(text, PARIS) == expected


@pytest.mark.parametrize("text", ["yesterday", "nan", "1e300", "9999-99-99", ""])
def test_parse_time_refuses_with_a_message(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_time(text, PARIS)


def test_agent_role_and_desk_changes() -> None:
    from acd import events as ev
    from monitoring.routes.agents import _event
    from monitoring.schemas import AgentStateIn

    agent = Principal("a7", "agent")
    assert agent.may("desk") and agent.may("live")
    assert not agent.may("agents") and not agent.may("cdr") and not agent.may("file0")
    assert _event("a7", AgentStateIn(state="wrapup", extra_s=45)) == ev.WrapUpExtended("a7", 45)
    assert _event("a7", AgentStateIn(state="pause", reason="lunch")) == ev.AgentPaused(
        "a7", "lunch")
