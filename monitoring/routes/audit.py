"""The audit log: who did what, when and why."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from monitoring.deps import Auditor, StoreDep
from monitoring.schemas import AuditOut

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("", response_model=list[AuditOut])
async def audit_log(
    _user: Auditor, store: StoreDep, count: Annotated[int, Query(ge=1, le=10_000)] = 100
) -> list[dict[str, Any]]:
    """The latest audited actions, newest first."""
    return [entry.to_dict() for entry in await store.audit_log(count)]
