"""SIGTERM ends fairscreen the way Ctrl-C does: by an exception, so that every ``finally`` block
and context manager runs (an open transaction rolls back, the world store is closed, a server
checkpoints its database) instead of the process vanishing mid-write."""

from __future__ import annotations

import signal
import threading
from types import FrameType


class Terminated(SystemExit):
    """Raised in the main thread when the process receives SIGTERM (exit status 143)."""

    def __init__(self) -> None:
        super().__init__(128 + signal.SIGTERM)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def exit_on_sigterm() -> None:
    """Turn SIGTERM into ``Terminated`` (from the main thread only, where signals are handled)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
