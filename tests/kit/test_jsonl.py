"""The one JSON Lines reader: blank lines skipped, each value with its file and line, a line
that is not JSON named."""

from __future__ import annotations

import pytest

from fairscreen.kit.errors import InputError
from fairscreen.kit.jsonl import json_lines


def test_values_come_with_their_line_and_blank_lines_are_skipped() -> None:
    lines: list[bytes | str] = [b'{"a": 1}\n', b"\n", "  \n", '[2, "x"]\n']
    assert list(json_lines(lines, "f.jsonl")) == [("f.jsonl:1", {"a": 1}), ("f.jsonl:4", [2, "x"])]


def test_a_line_that_is_not_json_is_named() -> None:
    with pytest.raises(InputError, match=r"f.jsonl:2.*not JSON"):
        list(json_lines([b"{}\n", b"{oops\n"], "f.jsonl"))
