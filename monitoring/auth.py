"""Bearer tokens and roles: who may call what (pure; the HTTP answers are in ``deps``).

| permission | wallboard | agent | supervisor | planner | admin |
|---|---|---|---|---|---|
| ``live``: queues, file 0 state, live feed, metrics | yes | yes | yes | yes | yes |
| ``desk``: one's own agent state (pause, wrap-up, log in/out) | | yes | yes | | yes |
| ``agents``: agent list and any agent's state changes | | | yes | | yes |
| ``file0``: switch file 0 on and off | | | yes | | yes |
| ``reports``: KPI reports | | | yes | yes | yes |
| ``cdr``: call detail records (caller numbers) | | | | yes | yes |
| ``audit``: the audit log | | | yes | | yes |

An ``agent`` token's name is the agent id it acts for.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from monitoring.settings import Role, TokenConfig

Permission = Literal["live", "desk", "agents", "file0", "reports", "cdr", "audit"]

PERMISSIONS: Mapping[Permission, frozenset[Role]] = {
    "live": frozenset({"wallboard", "agent", "supervisor", "planner", "admin"}),
    "desk": frozenset({"agent", "supervisor", "admin"}),
    "agents": frozenset({"supervisor", "admin"}),
    "file0": frozenset({"supervisor", "admin"}),
    "reports": frozenset({"supervisor", "planner", "admin"}),
    "cdr": frozenset({"planner", "admin"}),
    "audit": frozenset({"supervisor", "admin"}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Whoever holds a valid token: their name (audited) and role."""

    name: str
    role: Role

    def may(self, permission: Permission) -> bool:
        """Whether the role grants ``permission``."""
        return self.role in PERMISSIONS[permission]


def hash_token(token: str) -> str:
    """SHA-256 hex digest of a token, as written in the settings."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenTable:
    """Looks tokens up by their hash, in constant time per configured token."""

    def __init__(self, tokens: Iterable[TokenConfig]) -> None:
        self._tokens = [(t.sha256, Principal(t.name, t.role)) for t in tokens]

    def lookup(self, token: str) -> Principal | None:
        """The holder of ``token``, or ``None`` if it is not configured."""
        digest = hash_token(token)
        found = None
        for known, principal in self._tokens:
            if hmac.compare_digest(known, digest):
                found = principal
        return found

    def __len__(self) -> int:
        return len(self._tokens)


if __name__ == "__main__":  # python -m monitoring.auth TOKEN: the digest for the settings
    import sys

    for arg in sys.argv[1:]:
        print(hash_token(arg))
