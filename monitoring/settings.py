"""Settings of the supervision app, from the environment (prefix ``ACCUEIL_``) and ``REDIS_URL``.

Tokens are never stored in clear: each is given by the SHA-256 hex digest of the token
(``python -m monitoring.auth TOKEN`` prints it), with a name (who is audited) and a role. Inline::

    ACCUEIL_TOKENS='[{"name": "wall-1", "role": "wallboard", "sha256": "5e88..."}]'

or in a JSON file named by ``ACCUEIL_TOKENS_FILE`` holding the same list.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["wallboard", "agent", "supervisor", "planner", "admin"]
ROLES: tuple[Role, ...] = ("wallboard", "agent", "supervisor", "planner", "admin")


class TokenConfig(BaseModel):
    """One API token: who holds it, their role, and the token's SHA-256 hex digest."""

    name: str = Field(min_length=1)
    role: Role
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Settings(BaseSettings):
    """Everything the app and the store need to start."""

    model_config = SettingsConfigDict(env_prefix="ACCUEIL_", extra="ignore")

    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "ACCUEIL_REDIS_URL")
    )
    """Redis to use; none: the embedded Redis in ``data_dir``."""
    data_dir: Path = Path("accueil-data")
    """Embedded Redis files, audio messages, daily CDR exports."""
    redis_fsync: Literal["always", "everysec", "no"] = "always"
    """``appendfsync`` of the embedded Redis (``always``: an acknowledged write is on disk)."""
    tokens: list[TokenConfig] = Field(default_factory=list)
    tokens_file: Path | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    timezone: str = "Europe/Paris"
    """Time zone of "since midnight" and of the daily exports."""
    rolling_window_s: float = Field(default=900.0, gt=0)
    queue_groups: dict[str, list[str]] = Field(default_factory=dict)
    """Dashboard screens: group name -> queues (none: one screen with every queue)."""
    export_daily: bool = True
    """Write yesterday's CDRs as CSV and Parquet into ``data_dir/exports`` after midnight."""
    retention_days: float = Field(default=400, ge=397)
    """Days of events, CDRs and counters kept (at least 13 months)."""

    @field_validator("tokens_file")
    @classmethod
    def _file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"tokens file {value} does not exist")
        return value

    def all_tokens(self) -> list[TokenConfig]:
        """Inline tokens and those of ``tokens_file``."""
        out = list(self.tokens)
        if self.tokens_file is not None:
            data = json.loads(self.tokens_file.read_text())
            out += [TokenConfig.model_validate(item) for item in data]
        return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment, read once."""
    return Settings()
