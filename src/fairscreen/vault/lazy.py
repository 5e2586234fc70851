"""A vault opened on first use: for the web app and the deletion commands, which need one only
to verify a requester's identity or to find a candidate by the client's reference."""

from __future__ import annotations

import threading
from collections.abc import Callable

from fairscreen.vault import Vault


def _configured() -> Vault:
    from fairscreen.kit.settings import get_settings
    from fairscreen.vault.providers import open_vault

    return open_vault(get_settings())


class LazyVault:
    """Call it to get the vault; it is opened once (thread-safe) and closed by ``close``."""

    def __init__(self, opener: Callable[[], Vault] = _configured) -> None:
        self._opener = opener
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
