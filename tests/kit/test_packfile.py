"""The one reader of rule-pack files: every error names the file and the key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field

from fairscreen.kit import packfile
from fairscreen.kit.errors import PolicyError


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    count: int = Field(ge=1)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[_Rule]


def test_a_pack_file_is_read_with_its_head_and_digest(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes(b'[pack]\nid = "p"\nversion = "1.2"\nscenario = "catering"\n')
    file = packfile.parse(*packfile.read(path, "fairscreen.kit", "x.toml", "test pack"))
    head = packfile.head(file, scenario=True)
    assert (file.where, head.ref, head.scenario) == (str(path), "p@1.2", "catering")
    assert len(file.digest) == 64


def test_a_file_that_cannot_be_read_or_parsed_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"none\.toml: cannot read the test pack"):
        packfile.read(tmp_path / "none.toml", "fairscreen.kit", "x.toml", "test pack")
    with pytest.raises(PolicyError, match=r"^p\.toml: not a TOML file"):
        packfile.parse(b"[pack", "p.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[rules]\n", r"^p\.toml: no \[pack\] table$"),
        ('[pack]\nversion = "1"\n', r"^p\.toml: pack\.id: missing$"),
        ('[pack]\nid = "p"\nversion = 1\n', r"^p\.toml: pack\.version: expected a str, got 1$"),
        ('[pack]\nid = "p"\nversion = " "\n', r"^p\.toml: pack\.version: must not be empty$"),
        ('[pack]\nid = "P!"\nversion = "1"\n', r"^p\.toml: pack\.id: 'P!' is not"),
    ],
)
def test_a_bad_head_names_the_file_and_the_field(text: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        packfile.head(packfile.parse(text.encode(), "p.toml"))


def test_fields_are_checked_by_type_choice_and_known_keys() -> None:
    spec = {"on": True, "kind": "b", "x": 1}
    with pytest.raises(PolicyError, match=r"^f: r\.on: expected a int, got True$"):
        packfile.need(spec, "on", "f: r", int)
    with pytest.raises(PolicyError, match=r"^f: r\.kind: 'b' is not one of a, c$"):
        packfile.one_of(spec, "kind", "f: r", ("a", "c"))
    with pytest.raises(PolicyError, match=r"^f: r: unknown key\(s\) x$"):
        packfile.unknown_keys(spec, {"on", "kind"}, "f: r")


def test_a_pydantic_error_names_a_list_item_by_its_id() -> None:
    doc = {"rules": [{"id": "a", "count": 1}, {"id": "b", "count": 0}, {"count": 0}]}
    with pytest.raises(PolicyError, match=r"^p\.toml: rules\[b\]\.count: Input should be"):
        packfile.validated(_Body, doc, "p.toml")
    doc["rules"] = doc["rules"][2:]
    with pytest.raises(PolicyError, match=r"^p\.toml: rules\[#1\]\.id: Field required$"):
        packfile.validated(_Body, doc, "p.toml")
