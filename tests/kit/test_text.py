"""Text files from users: UTF-8, a byte-order mark accepted, bad bytes named by line and offset."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairscreen.kit.errors import InputError
from fairscreen.kit.text import read_text


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "pack.toml"
    path.write_bytes(b'\xef\xbb\xbf[pack]\nid = "x"\n')
    assert read_text(path) == '[pack]\nid = "x"\n'


def test_bytes_that_are_not_utf8_are_named(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(b'[ruleset]\ntitle = "caf\xe9"\n')  # Latin-1, not UTF-8
    with pytest.raises(InputError) as info:
        read_text(path)
    assert str(info.value) == (
        f"{path}: line 2: not UTF-8: byte 13 of the line is 0xe9 (byte offset 22 in the file); "
        "save the file as UTF-8"
    )


def test_os_errors_propagate_with_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as info:
        read_text(tmp_path)
    assert info.value.filename == str(tmp_path)
