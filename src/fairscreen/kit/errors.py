"""The errors fairscreen raises on purpose; each names the place that is wrong.

Every command exits through one path (``fairscreen.kit.failure``, used by ``fairscreen.cli``):
an error below becomes one line on stderr and the exit status of its class. The statuses are
documented in the README ("Exit status") and do not change meaning between commands.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """The exit statuses of the ``fairscreen`` command."""

    OK = 0
    INVALID = 1  # bad input (a file, a value) or an operation refused or failed verification
    USAGE = 2  # the command line itself: unknown option, missing argument (Click's own)
    ALARM = 3  # the witness saw a fork, a rollback or a bad signature
    CONFIG = 4  # a setting or the environment: FAIRSCREEN_*, the database, the key provider
    UNREACHABLE = 5  # a remote log could not be reached (witness --once)
    PENDING = 6  # done and certified, but not yet out of every file (a destruction in the WAL)
    BAD_DATA = 7  # a remote log served data its own signed checkpoint contradicts (witness --once)
    INTERNAL = 70  # a bug: an error fairscreen did not expect (EX_SOFTWARE of sysexits.h)


class FairscreenError(Exception):
    """Base class for errors a user can act on (bad input, refused operation).

    ``http_status`` is what the HTTP API answers with it (as RFC 9457 problem details, see
    ``fairscreen.web.problems``); ``exit_code`` what the command line exits with."""

    exit_code: ClassVar[ExitCode] = ExitCode.INVALID
    http_status: ClassVar[int] = 409
    title: ClassVar[str] = "refused"


class InputError(FairscreenError):
    """Bad input: ``where`` names the file, line and JSON path (or the field) that is wrong."""

    http_status: ClassVar[int] = 422
    title: ClassVar[str] = "invalid input"

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class PolicyError(FairscreenError):
    """A policy pack or rule set that does not load or contradicts itself."""


class ConsentError(FairscreenError):
    """An operation the candidate's consent does not cover."""


class ConfigError(FairscreenError):
    """A setting (``FAIRSCREEN_*``) or the environment it points at is wrong: a malformed or
    unreachable database, an unknown key provider, a data directory that cannot be created.
    The message names the setting and says how to fix it."""

    exit_code: ClassVar[ExitCode] = ExitCode.CONFIG


class NotFoundError(FairscreenError):
    """No such thing, as far as the caller may know: also what another tenant's resource looks
    like, so that an identifier cannot be probed for existence."""

    http_status: ClassVar[int] = 404
    title: ClassVar[str] = "not found"


class UnauthenticatedError(FairscreenError):
    """No valid session or token."""

    http_status: ClassVar[int] = 401
    title: ClassVar[str] = "authentication required"


class ForbiddenError(FairscreenError):
    """Authenticated, but the role does not allow the action."""

    http_status: ClassVar[int] = 403
    title: ClassVar[str] = "forbidden"


class ConflictError(FairscreenError):
    """The resource is not in a state that allows the operation (or the rule it would break)."""

    http_status: ClassVar[int] = 409
    title: ClassVar[str] = "conflict"


class RateLimitedError(FairscreenError):
    """Too many attempts; ``retry_after`` seconds until the next one may succeed."""

    http_status: ClassVar[int] = 429
    title: ClassVar[str] = "too many requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
