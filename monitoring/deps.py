"""Dependencies of the routes, as ``Annotated`` aliases (the FastAPI template's ``deps.py``).

Tests swap any of them with ``app.dependency_overrides``. Authentication: ``Authorization:
Bearer <token>``; the live feed also takes ``?access_token=`` (``EventSource`` cannot send
headers). A missing or unknown token is a 401, a role without the permission a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Query, Request, status

from monitoring.auth import Permission, Principal, TokenTable
from monitoring.engine import EngineView
from monitoring.feed import Feed
from monitoring.settings import Settings
from store.store import Store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> EngineView:
    engine: EngineView = request.app.state.engine
    return engine


def get_store(request: Request) -> Store:
    return get_engine(request).store


def get_feed(request: Request) -> Feed:
    feed: Feed = request.app.state.feed
    return feed


def get_zone(request: Request) -> ZoneInfo:
    zone: ZoneInfo = request.app.state.zone
    return zone


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[EngineView, Depends(get_engine)]
StoreDep = Annotated[Store, Depends(get_store)]
FeedDep = Annotated[Feed, Depends(get_feed)]
ZoneDep = Annotated[ZoneInfo, Depends(get_zone)]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


def _principal(request: Request, token: str | None) -> Principal:
    tokens: TokenTable = request.app.state.tokens
    if token is None:
        header = request.headers.get("authorization")
        if not header:
            raise _unauthorized("missing bearer token (Authorization: Bearer <token>)")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("malformed Authorization header: expected 'Bearer <token>'")
        token = token.strip()
    principal = tokens.lookup(token)
    if principal is None:
        raise _unauthorized("invalid token")
    return principal


def require(permission: Permission) -> Callable[[Request], Principal]:
    """A dependency giving the caller, who must hold ``permission``."""

    def check(request: Request) -> Principal:
        principal = _principal(request, None)
        _check(principal, permission)
        return principal

    return check


def _check(principal: Principal, permission: Permission) -> None:
    if not principal.may(permission):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"role {principal.role!r} may not use this endpoint ({permission} permission)",
        )


def feed_principal(
    request: Request,
    access_token: Annotated[str | None, Query(description="Token, for EventSource")] = None,
) -> Principal:
    """The caller of the live feed (header or ``access_token``), with the ``live`` permission."""
    principal = _principal(request, access_token)
    _check(principal, "live")
    return principal


LiveUser = Annotated[Principal, Depends(require("live"))]
Supervisor = Annotated[Principal, Depends(require("agents"))]
DeskUser = Annotated[Principal, Depends(require("desk"))]
File0User = Annotated[Principal, Depends(require("file0"))]
Planner = Annotated[Principal, Depends(require("reports"))]
CdrUser = Annotated[Principal, Depends(require("cdr"))]
Auditor = Annotated[Principal, Depends(require("audit"))]
FeedUser = Annotated[Principal, Depends(feed_principal)]

JsonDict = dict[str, Any]
