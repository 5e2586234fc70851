"""Private files and directories: created for their owner only, refused when opened to others."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairscreen.kit.files import (
    FilePermissionError,
    check_private,
    create_private_file,
    private_dir,
)


def test_a_private_directory_is_made_0700_and_refused_when_loosened(tmp_path: Path) -> None:
    data = private_dir(tmp_path / "a" / "data")
    assert data.stat().st_mode & 0o777 == 0o700
    assert private_dir(data) == data  # there already: checked, fine
    data.chmod(0o750)
    with pytest.raises(FilePermissionError) as info:
        private_dir(data)
    assert str(info.value) == (
        f"{data}: the data directory is open to group or others (mode 750); it must be private "
        f"to the user fairscreen runs as: run `chmod 700 {data}`"
    )


def test_a_private_file_is_made_0600_once(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    assert create_private_file(path) is True
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_bytes(b"kept")
    assert create_private_file(path) is False and path.read_bytes() == b"kept"
    check_private(path, "database file")
    check_private(tmp_path / "missing", "database file")  # nothing to refuse
    path.chmod(0o604)
    with pytest.raises(FilePermissionError, match=r"mode 604\).*chmod 600"):
        check_private(path, "database file")
