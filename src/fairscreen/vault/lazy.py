"""A vault opened on first use: for the web app and the deletion commands, which need one only
to verify a requester's identity or to find a candidate by the client's reference."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from fairscreen.vault import Vault


def configured(sessions: sessionmaker[Session] | None) -> Callable[[], Vault]:
    """Opens the configured vault for ``sessions``' database: checked against the keys it
    recorded, and never making a key (a missing key file is an error, see docs/vault.md)."""

    def opener() -> Vault:
        from fairscreen.kit.settings import get_settings
        from fairscreen.vault.providers import USE, open_vault

        return open_vault(get_settings(), sessions, mode=USE)

    return opener


class LazyVault:
    """Call it to get the vault; it is opened once (thread-safe) and closed by ``close``."""

    def __init__(
        self,
        sessions: sessionmaker[Session] | None = None,
        *,
        opener: Callable[[], Vault] | None = None,
    ) -> None:
        self._opener = opener or configured(sessions)
        self._vault: Vault | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LazyVault(open={self._vault is not None})"

    def __call__(self) -> Vault:
        with self._lock:
            if self._vault is None:
                self._vault = self._opener()
            return self._vault

    def close(self) -> None:
        with self._lock:
            if self._vault is not None:
                self._vault.close()
                self._vault = None


_app_lock = threading.Lock()


def app_vault(request: Any) -> Vault:
    """The web application's vault: ``app.state.vault`` when the app was given one (tests),
    else opened on first use and kept on the app (``fairscreen serve``)."""
    state = request.app.state
    given = getattr(state, "vault", None)
    if isinstance(given, Vault):
        return given
    with _app_lock:
        lazy = getattr(state, "lazy_vault", None)
        if not isinstance(lazy, LazyVault):
            lazy = state.lazy_vault = LazyVault(state.sessions)
    return lazy()
