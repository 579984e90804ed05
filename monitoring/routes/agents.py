"""Agents: their states, and changes (login, pause, available, logout, more wrap-up time)
by a supervisor, or by agents for themselves (role ``agent``, token named after the agent)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from acd import events as ev
from monitoring.deps import DeskUser, EngineDep, StoreDep, Supervisor
from monitoring.engine import AgentInfo
from monitoring.schemas import AgentOut, AgentStateIn
from store.state import AuditEntry

router = APIRouter(prefix="/api/agents", tags=["agents"])


def _out(agent: AgentInfo) -> dict[str, Any]:
    return {
        "agent_id": agent.agent_id, "state": agent.state, "reason": agent.reason,
        "since": agent.since, "skills": dict(agent.skills), "queues": list(agent.queues),
        "call_id": agent.call_id, "queue": agent.queue,
    }


@router.get("", response_model=list[AgentOut])
def list_agents(_user: Supervisor, engine: EngineDep) -> list[dict[str, Any]]:
    """Every agent now."""
    return [_out(a) for a in engine.agents()]


def _event(agent_id: str, change: AgentStateIn) -> ev.Event:
    if change.state == "login":
        return ev.AgentLoggedIn(agent_id, change.skills)
    if change.state == "pause":
        return ev.AgentPaused(agent_id, change.reason or "supervisor")
    if change.state == "available":
        return ev.AgentResumed(agent_id)
    if change.state == "wrapup":
        return ev.WrapUpExtended(agent_id, change.extra_s)
    return ev.AgentLoggedOut(agent_id)


@router.post(
    "/{agent_id}/state",
    response_model=AgentOut,
    responses={404: {"description": "No such agent"}, 409: {"description": "Refused"},
               422: {"description": "Bad request"}},
)
async def change_state(
    agent_id: str, change: AgentStateIn, user: DeskUser, engine: EngineDep, store: StoreDep
) -> dict[str, Any]:
    """Change an agent's state (audited). A pause or log-out of a busy agent applies after
    the current call; ``wrapup`` adds ``extra_s`` to a wrap-up in progress. An agent may
    change only their own state, and not their skills."""
    if user.role == "agent" and (user.name != agent_id or change.skills is not None):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "an agent may change only their own state, not skills")
    known = {a.agent_id: a for a in engine.agents()}
    if agent_id not in known and not (change.state == "login" and change.skills):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no agent {agent_id!r}")
    if change.skills is not None and any(
        isinstance(v, bool) or not 1 <= v <= 10 for v in change.skills.values()
    ):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "skill levels run 1 to 10")
    if not engine.submit(_event(agent_id, change)):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the engine refused {change.state!r} for agent {agent_id!r} in its current state",
        )
    await store.audit(AuditEntry(
        at=engine.now(), who=user.name, role=user.role, action=f"agent.{change.state}",
        target=agent_id, reason=change.reason, detail=change.model_dump(exclude_none=True),
    ))
    agent = next(a for a in engine.agents() if a.agent_id == agent_id)
    return _out(agent)
