"""Settings read from the environment (``FAIRSCREEN_*``) with defaults for a laptop."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fairscreen.kit.errors import ConfigError


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fairscreen"


class Settings(BaseSettings):
    """Where fairscreen keeps its state.

    ``FAIRSCREEN_DATABASE_URL`` chooses the database (SQLite by default, PostgreSQL with a
    ``postgresql+psycopg://`` URL); ``FAIRSCREEN_DATA_DIR`` holds the SQLite file, the local
    key-encryption key and the ledger's signing key.
    """

    model_config = SettingsConfigDict(env_prefix="FAIRSCREEN_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    sqlite_synchronous: str = "FULL"
    # Seconds a WAL checkpoint after a destruction waits for open readers (then: "busy"), and
    # seconds between the server's tries of such a checkpoint until it completes.
    sqlite_checkpoint_wait: float = Field(default=10.0, ge=0)
    sqlite_checkpoint_retry: float = Field(default=10.0, gt=0)
    log_origin: str = "fairscreen.invalid/ledger"
    # The ledger's witness policy (docs/ledger.md, "Witnesses"): a TOML file naming the
    # witnesses the log pushes its checkpoints to and how many must cosign. Unset: none.
    witness_policy: Path | None = None
    # Who holds the key-encryption keys (see docs/vault.md): ``local`` is ``{data_dir}/kek.json``,
    # ``pkcs11`` an HSM token. The PIN is a SecretStr so it never shows in a repr or a log.
    key_provider: Literal["local", "pkcs11"] = "local"
    pkcs11_module: Path = Path("/usr/lib/softhsm/libsofthsm2.so")
    pkcs11_token: str | None = None
    pkcs11_pin: SecretStr | None = None
    # The Host names the web server answers to (comma-separated); any other Host header is
    # refused, so DNS rebinding cannot reach the API from a browser. `serve` adds its --host.
    allowed_hosts: str = "localhost,127.0.0.1,::1,[::1]"
    # The sandbox's records for checks started online (an invited candidate's signed consent):
    # a world file whose source records the sandbox serves (docs/feedback.md). Unset: such
    # checks wait, their consent signed, until it is set.
    sandbox_world: Path | None = None
    # Checks run as jobs (docs/jobs.md): the provider asked over HTTP (unset: the in-process
    # sandbox over a world file), the seconds a check's sources have to answer before an item is
    # reported not checked (source_unavailable), and the backoff between tries of a failing one.
    provider_url: str | None = None
    check_deadline: float = Field(default=7 * 86400.0, gt=0)
    job_retry_base: float = Field(default=2.0, gt=0)
    job_retry_max: float = Field(default=3600.0, gt=0)
    # The provider's signed callbacks (docs/provider-api.md): the secret they are signed with
    # (the sandbox provider signs with the same variable) and the URL the provider is asked to
    # call, this server's ``/api/v1/provider/callbacks``. Unset: no callbacks, the jobs poll.
    provider_callback_secret: SecretStr | None = None
    provider_callback_url: str | None = None
    # Checks started online (a candidate's signed consent) queued for ``fairscreen worker``
    # instead of run in the request (PostgreSQL only: docs/jobs.md).
    check_workers: bool = False
    # Rate limits on every API route (docs/api.md, "Rate limits"), in the ``limits`` library's
    # notation ("1200/minute", "50/second;1000/hour"), or "none": per network address (counted
    # before the caller is known, so guessing tokens is throttled too) and per signed-in account
    # or API token. 429 with Retry-After beyond them.
    rate_limit_per_address: str = "1200/minute"
    rate_limit_per_account: str = "600/minute"

    @field_validator("rate_limit_per_address", "rate_limit_per_account")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        if value.strip().lower() != "none":
            try:
                parse_many(value)
            except ValueError:
                raise ValueError(
                    "a rate limit such as '1200/minute' or '20/second;1000/hour', or 'none'"
                ) from None
        return value

    def host_names(self) -> list[str]:
        return [h.strip() for h in self.allowed_hosts.split(",") if h.strip()]

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'fairscreen.db'}"


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment (with ``overrides``); a bad value is a ``ConfigError``
    that names the variable, the value and what it should be."""
    return read_settings(Settings, **overrides)


S = TypeVar("S", bound=BaseSettings)
_SECRET_WORDS = ("pin", "password", "token", "secret")


def read_settings(cls: type[S], **overrides: Any) -> S:
    """``cls`` (a ``BaseSettings`` with the ``FAIRSCREEN_`` prefix, or one longer) read from the
    environment; a bad value is a ``ConfigError`` naming the variable, the value (never for a
    secret) and what it should be."""
    prefix = str(cls.model_config.get("env_prefix") or "FAIRSCREEN_")
    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            field = ".".join(str(part) for part in error["loc"])
            variable = f"{prefix}{field.upper()}"
            value = os.environ.get(variable)
            secret = any(word in field for word in _SECRET_WORDS)
            shown = f"={value!r}" if value is not None and not secret else ""
            problems.append(f"{variable}{shown}: {error['msg']}")
        raise ConfigError("; ".join(problems) + " (fix or unset the variable)") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
