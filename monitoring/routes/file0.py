"""File 0: switch the incident message on and off in one action; every change is audited."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status

from ivr.file0 import Activation, File0Error
from monitoring.deps import EngineDep, FeedDep, File0User, LiveUser, SettingsDep
from monitoring.engine import EngineView
from monitoring.schemas import File0In, File0Out, File0State
from store import state
from store.state import AuditEntry

router = APIRouter(prefix="/api/file0", tags=["file 0"])
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def _out(a: Activation, now: float, first: dict[str, float]) -> dict[str, Any]:
    data = a.to_dict()
    data["active"] = a.is_active(now)
    data["first_call_at"] = first.get(a.id)
    return data


async def _state(engine: EngineView) -> dict[str, Any]:
    now = engine.now()
    first = await state.file0_first(engine.store.redis)
    return {
        "active": [_out(a, now, first) for a in engine.file0.active(now)],
        "activations": [_out(a, now, first) for a in engine.file0.all()],
    }


@router.get("", response_model=File0State)
async def get_file0(_user: LiveUser, engine: EngineDep) -> dict[str, Any]:
    """What is switched on now, and every activation (reason, start, end, first call)."""
    return await _state(engine)


@router.post("", response_model=File0Out, status_code=status.HTTP_201_CREATED,
             responses={422: {"description": "Bad activation"}})
async def activate(
    body: File0In, user: File0User, engine: EngineDep, settings: SettingsDep, feed: FeedDep
) -> dict[str, Any]:
    """Switch the file 0 message on (text or recorded audio; for all entry points or some)."""
    now = engine.now()
    activation_id = uuid.uuid4().hex[:12]
    audio = _audio(body, activation_id, settings.data_dir)
    expires_at = body.expires_at
    if body.duration_s is not None:
        expires_at = now + body.duration_s
    try:
        activation = Activation(
            id=activation_id, mode=body.mode, requested_at=now, requested_by=user.name,
            reason=body.reason, text=body.text, audio=audio,
            entries=None if body.entries is None else frozenset(body.entries),
            expires_at=expires_at,
        )
        engine.file0.activate(activation)
    except File0Error as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    await engine.store.save_file0(engine.file0.to_dict())
    detail = activation.to_dict()
    await engine.store.audit(AuditEntry(now, user.name, user.role, "file0.on", activation_id,
                                        body.reason, detail))
    feed.publish()
    return _out(activation, now, {})


def _audio(body: File0In, activation_id: str, data_dir: Any) -> str:
    folder = data_dir / "file0"
    if body.audio_base64:
        try:
            raw = base64.b64decode(body.audio_base64, validate=True)
        except (binascii.Error, ValueError):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                "audio_base64 is not valid base64") from None
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{activation_id}.wav"
        path.write_bytes(raw)
        return str(path)
    if body.audio_path:
        if not _SAFE_NAME.match(body.audio_path) or not (folder / body.audio_path).is_file():
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                f"no recorded message {body.audio_path!r} in {folder}")
        return str(folder / body.audio_path)
    return ""


@router.delete("/{activation_id}", response_model=File0Out,
               responses={404: {"description": "No such activation"}})
async def deactivate(
    activation_id: str,
    user: File0User,
    engine: EngineDep,
    feed: FeedDep,
    reason: Annotated[str, Query(max_length=500, description="Why (audited)")] = "",
) -> dict[str, Any]:
    """Switch an activation off."""
    now = engine.now()
    try:
        ended = engine.file0.deactivate(activation_id, now, user.name)
    except File0Error as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    await engine.store.save_file0(engine.file0.to_dict())
    await engine.store.audit(AuditEntry(now, user.name, user.role, "file0.off", activation_id,
                                        reason, {"ended_at": ended.ended_at}))
    feed.publish()
    first = await state.file0_first(engine.store.redis)
    return _out(ended, now, first)
