"""Calls in progress: a supervisor listens to one (double écoute), or finds its recording.

Every listening request is audited: ``listen.start`` when the engine dials the supervisor's
phone, ``listen.end`` when the session is over (hang-up, end of the call, phone unreachable),
``listen.refused`` when the call cannot be listened to.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, status

from monitoring.deps import EngineDep, Supervisor
from monitoring.engine import ListenError
from monitoring.schemas import ListenIn, ListenOut, Message, RecordingOut
from store.state import AuditEntry

router = APIRouter(prefix="/api/calls", tags=["calls"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": Message, "description": "No such call in progress"},
    409: {"model": Message,
          "description": "The call is not connected to an agent, or this engine has no "
                         "telephony (accueil demo)"},
    422: {"model": Message, "description": "Bad target URI"},
}


@router.post("/{call_id:path}/listen", response_model=ListenOut,
             status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def listen(call_id: str, body: ListenIn, user: Supervisor,
                 engine: EngineDep) -> dict[str, Any]:
    """Dial ``target`` and let it hear the call, listen-only (the mix of both sides).

    It ends when the supervisor hangs up or the call ends. Audited.
    """
    try:
        session = engine.listen(call_id, body.target, user)
    except ListenError as exc:
        if exc.status in (404, 409):  # a real attempt at a call: audited
            await engine.store.audit(AuditEntry(
                engine.now(), user.name, user.role, "listen.refused", call_id, body.reason,
                {"target": body.target, "status": exc.status, "message": exc.message}))
        raise HTTPException(exc.status, exc.message) from None
    await engine.store.audit(AuditEntry(session.requested_at, user.name, user.role,
                                        "listen.start", call_id, body.reason, asdict(session)))
    return asdict(session)


@router.get("/{call_id:path}/recording", response_model=RecordingOut,
            responses={404: {"model": Message, "description": "Not recorded"},
                       409: {"model": Message, "description": "This engine has no telephony"}})
def recording(call_id: str, _user: Supervisor, engine: EngineDep) -> dict[str, Any]:
    """Where the call's recording is, how long, and whether it is finished."""
    try:
        meta = engine.recording(call_id)
    except ListenError as exc:
        raise HTTPException(exc.status, exc.message) from None
    if meta is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no recording of call {call_id!r} (not recorded, or too old to "
                            "be listed: look in the recordings folder)")
    return asdict(meta)
