"""The settings of notifications (``FAIRSCREEN_*``): which transport each channel uses and how
it is reached, the delivery worker's rhythm and retry schedule, and which networks webhooks may
reach. docs/notify.md lists them with their defaults."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fairscreen.kit.settings import read_settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class NotifySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAIRSCREEN_", extra="ignore")

    # -- links in messages: where people reach this site (no trailing slash) ----------------
    public_url: str = "http://127.0.0.1:8000"

    # -- e-mail ----------------------------------------------------------------------------
    email_transport: Literal["none", "smtp", "file"] = "none"
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "fairscreen <no-reply@fairscreen.invalid>"
    smtp_timeout: float = Field(default=20.0, gt=0, le=300)
    # A CA bundle to verify the server's certificate with (default: the system's).
    smtp_ca_file: Path | None = None

    # -- SMS -------------------------------------------------------------------------------
    # none, http, file, or the name of an installed transport (entry point group
    # fairscreen.sms_transports: a function of these settings returning a Transport)
    sms_transport: str = Field(default="none", pattern=r"^[a-z][a-z0-9_.-]{0,63}$")
    sms_url: str | None = None  # the gateway's endpoint (http transport)
    sms_token: SecretStr | None = None  # sent as Authorization: Bearer
    sms_timeout: float = Field(default=10.0, gt=0, le=120)

    # -- the file transport (development): one JSON line per message -----------------------
    notify_file: Path | None = None  # default: {FAIRSCREEN_DATA_DIR}/outbox.jsonl

    # -- webhooks --------------------------------------------------------------------------
    webhook_timeout: float = Field(default=10.0, gt=0, le=60)
    # Networks webhooks may reach although they are not public (comma-separated CIDR): none by
    # default; "127.0.0.0/8,::1/128" lets an endpoint on this machine receive over plain http.
    webhook_allow_networks: str = ""

    # -- the delivery worker ---------------------------------------------------------------
    notify_interval: float = Field(default=2.0, ge=0)  # seconds between polls; 0: no worker
    notify_batch: int = Field(default=5, ge=1, le=100)  # messages claimed at a time
    notify_lease: float = Field(default=120.0, ge=1)  # seconds a claim lasts
    notify_max_attempts: int = Field(default=8, ge=1, le=50)
    notify_backoff_base: float = Field(default=30.0, gt=0)  # seconds before the 2nd attempt
    notify_backoff_max: float = Field(default=3600.0, gt=0)  # the longest wait

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^/\s?#@]+(/[^\s?#]*[^/\s?#])?", value):
            raise ValueError(
                "the site's address for links, such as https://screening.example.com "
                "(http or https, no trailing slash)"
            )
        return value

    @field_validator("webhook_allow_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        networks(value)
        return value

    def allowed_networks(self) -> tuple[IPNetwork, ...]:
        return networks(self.webhook_allow_networks)

    def notify_path(self) -> Path:
        if self.notify_file is not None:
            return self.notify_file
        from fairscreen.kit.settings import get_settings

        return get_settings().data_dir / "outbox.jsonl"


def networks(value: str) -> tuple[IPNetwork, ...]:
    """Comma-separated CIDR networks (``127.0.0.0/8, ::1/128``)."""
    out = []
    for part in value.split(","):
        if part.strip():
            try:
                out.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(f"{part.strip()!r} is not a network such as 127.0.0.0/8") from None
    return tuple(out)


def load_notify_settings(**overrides: object) -> NotifySettings:
    return read_settings(NotifySettings, **overrides)


@lru_cache(maxsize=1)
def notify_settings() -> NotifySettings:
    return load_notify_settings()
