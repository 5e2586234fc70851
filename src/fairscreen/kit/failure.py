"""How the command line fails: one red line naming what is wrong and the fix, and an exit status.

``fairscreen.cli`` sends every exception a command lets through here (and nowhere else does a
command print its own error): ``explain`` turns it into a message and an ``ExitCode``,
``report`` prints it. A domain error (``FairscreenError``) carries its message and status; an
OS error on a file names the file and what to do; a database the settings point at that does
not answer names the setting. Anything else is a bug: its type and message, and a hint to rerun
with ``FAIRSCREEN_DEBUG=1``, which also prints the traceback.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from fairscreen.kit.errors import ExitCode, FairscreenError

DEBUG_VARIABLE = "FAIRSCREEN_DEBUG"

# What to do about an OS error on a file, by errno; the default is the system's own words.
_FIXES = {
    errno.ENOENT: "no such file or directory (check the path)",
    errno.EISDIR: "is a directory (give a file)",
    errno.ENOTDIR: "a part of the path is not a directory (check the path)",
    errno.EACCES: "permission denied (choose a path you may use, or change its permissions)",
    errno.EPERM: "operation not permitted (choose a path you may use)",
    errno.EROFS: "read-only file system (choose a writable place)",
    errno.ENOSPC: "no space left on the device (free some space or choose another place)",
    errno.EEXIST: "exists already, where a new file or folder is needed (choose another path)",
    errno.ENAMETOOLONG: "the name is too long (choose a shorter path)",
}


@dataclass(frozen=True, slots=True)
class Failure:
    message: str
    code: ExitCode


def debugging() -> bool:
    return os.environ.get(DEBUG_VARIABLE, "").strip().lower() not in {"", "0", "false", "no"}


def explain(exc: BaseException) -> Failure:
    """The message and exit status for ``exc``."""
    if isinstance(exc, FairscreenError):
        return Failure(str(exc), exc.exit_code)
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, UnicodeDecodeError):
        return Failure(
            f"not UTF-8 text: byte {exc.start} is 0x{exc.object[exc.start]:02x} "
            "(save the file as UTF-8)",
            ExitCode.INVALID,
        )
    database = _database_error(exc)
    if database is not None:
        return database
    return Failure(
        f"internal error: {type(exc).__name__}: {exc} (a bug in fairscreen; rerun with "
        f"{DEBUG_VARIABLE}=1 to see where, and report it)",
        ExitCode.INTERNAL,
    )


def _os_error(exc: OSError) -> Failure:
    what = _FIXES.get(exc.errno or 0) or (exc.strerror or str(exc))
    if exc.filename is None:
        return Failure(f"{what}", ExitCode.CONFIG)
    path = Path(os.fsdecode(exc.filename))
    setting = _data_dir_setting(path)
    if setting is not None:
        return Failure(
            f"FAIRSCREEN_DATA_DIR={setting}: cannot use {path}: {what}; set FAIRSCREEN_DATA_DIR "
            "to a folder you can write",
            ExitCode.CONFIG,
        )
    if exc.errno == errno.ENOENT and not path.parent.exists():
        what = f"the folder {path.parent} does not exist (create it, or check the path)"
    target = f" -> {os.fsdecode(exc.filename2)}" if exc.filename2 is not None else ""
    return Failure(f"{path}{target}: {what}", ExitCode.INVALID)


def _data_dir_setting(path: Path) -> Path | None:
    """The configured data directory if ``path`` is in it, or is one of the folders it would be
    created in (the user named it by a setting)."""
    from fairscreen.kit.settings import get_settings

    try:
        data_dir = get_settings().data_dir
    except FairscreenError:
        return None
    here, there = path.absolute(), data_dir.absolute()
    if here == there or there in here.parents or here in there.parents:
        return data_dir
    return None


def _database_error(exc: BaseException) -> Failure | None:
    """A database that failed under us (it went away, the disk filled): the setting to check."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import ArgumentError, DBAPIError

    if isinstance(exc, DBAPIError):
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        return Failure(
            f"the database failed: {detail} (check FAIRSCREEN_DATABASE_URL and that the "
            "database server is running and has space)",
            ExitCode.CONFIG,
        )
    if isinstance(exc, ArgumentError):
        return Failure(
            f"the database URL is not valid: {exc} (check FAIRSCREEN_DATABASE_URL)",
            ExitCode.CONFIG,
        )
    return None


def report(exc: BaseException, console: Console | None = None) -> ExitCode:
    """Print ``exc`` as one red ``error`` line on stderr (and its traceback when debugging);
    return the exit status to leave with."""
    failure = explain(exc)
    console = console or Console(stderr=True, highlight=False, soft_wrap=True)
    console.print(f"[bold red]error[/bold red] {escape(failure.message)}")
    if debugging():
        traceback.print_exception(exc, file=sys.stderr)
    return failure.code
