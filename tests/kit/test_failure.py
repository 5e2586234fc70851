"""How the command line fails: each kind of error becomes one message and a documented status."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from fairscreen.kit.errors import ConfigError, ExitCode, InputError
from fairscreen.kit.failure import explain
from fairscreen.kit.settings import get_settings


def test_domain_errors_keep_their_message_and_status() -> None:
    failure = explain(InputError("w.jsonl: line 3", "$.id: missing"))
    assert (failure.message, failure.code) == ("w.jsonl: line 3: $.id: missing", ExitCode.INVALID)
    assert explain(ConfigError("FAIRSCREEN_X: bad")).code == ExitCode.CONFIG


def test_os_errors_name_the_file_and_the_fix(tmp_path: Path) -> None:
    for path, code, words in (
        (tmp_path / "nothing.toml", errno.ENOENT, "no such file or directory (check the path)"),
        (
            tmp_path / "no" / "folder" / "x",
            errno.ENOENT,
            f"the folder {tmp_path / 'no' / 'folder'}",
        ),
        (tmp_path, errno.EISDIR, "is a directory (give a file)"),
        (tmp_path / "x", errno.EACCES, "permission denied"),
    ):
        failure = explain(OSError(code, "system words", str(path)))
        assert failure.message.startswith(f"{path}: ") and words in failure.message
        assert failure.code == ExitCode.INVALID


def test_an_os_error_in_the_data_dir_names_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIRSCREEN_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        failure = explain(
            PermissionError(errno.EACCES, "denied", str(tmp_path / "data" / "kek.json"))
        )
    finally:
        get_settings.cache_clear()
    assert failure.code == ExitCode.CONFIG
    assert failure.message.startswith(f"FAIRSCREEN_DATA_DIR={tmp_path / 'data'}: ")


def test_anything_else_is_an_internal_error_with_a_hint() -> None:
    failure = explain(KeyError("surprise"))
    assert failure.code == ExitCode.INTERNAL and int(failure.code) == 70
    assert "KeyError" in failure.message and "FAIRSCREEN_DEBUG=1" in failure.message
