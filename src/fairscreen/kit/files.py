"""Files fairscreen writes: small state files that a crash leaves old or new, never a mix; and
private files and directories (personal data, keys) that only their owner may open."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from fairscreen.kit.errors import FairscreenError


def fsync_dir(directory: Path) -> None:
    """Make a rename or link in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data``: written whole under a private name with ``mode``, synced,
    renamed into place, and the directory synced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


class FilePermissionError(FairscreenError):
    """A file or directory that holds personal data or keys is open to group or others."""


def check_private(path: Path, what: str) -> None:
    """Refuse ``path`` (if it exists) when its group or others bits are set: ``what`` says what
    it is in the message, which names the path and the ``chmod`` that fixes it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    mode = st.st_mode & 0o777
    if mode & 0o077:
        private = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
        raise FilePermissionError(
            f"{path}: the {what} is open to group or others (mode {mode:03o}); it must be "
            f"private to the user fairscreen runs as: run `chmod {private:o} {path}`"
        )


def private_dir(path: Path, what: str = "data directory") -> Path:
    """Create ``path`` (and missing parents) with mode 0700 if it does not exist; refuse it if
    it does and is open to group or others (``check_private``)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # The umask can only take bits away; made meanwhile by another process: checked below.
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
    check_private(path, what)
    return path


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True if this call created it.

    SQLite creates a database with mode 0644 (less the umask) and gives its ``-wal`` and
    ``-shm`` files the mode of the database: a database created empty here first stays 0600,
    and so do they."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True
