"""The rule pack: the shipped file loads, every rule cites its law, and a bad file is refused
with an error naming the rule and the field."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.monitors.livestream.pack import RULES, load_pack, parse_pack, shipped_pack

SHIPPED = (resources.files("fairscreen.monitors.livestream") / "rules.toml").read_text("utf-8")


def test_the_shipped_pack_has_every_rule_with_its_legal_basis() -> None:
    pack = shipped_pack()
    assert pack.ref == "livestream@2026.12.1" and len(pack.digest) == 64
    assert sorted(r.id for r in pack.rules) == sorted(RULES)
    assert all("第" in r.legal_basis and "条" in r.legal_basis for r in pack.rules)
    assert pack.rule("absolute_terms") is not None
    assert pack.rule("absolute_terms").legal_basis == "广告法 第九条第(三)项"  # type: ignore[union-attr]
    assert pack.escalation.repeat_count >= 2


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'severity = "medium"\nscope = "segment"\nterms = ["国家级"',
            'severity = "dire"\nscope = "segment"\nterms = ["国家级"',
            r"rules\[absolute_terms\]\.severity",
        ),
        ("patterns = ['(仅剩", "patterns = ['((仅剩", r"rules\[fake_scarcity\]\.patterns"),
        ("repeat_count = 3", "repeat_count = 0", r"escalation\.repeat_count"),
        (
            'id = "ad_disclosure"',
            'id = "ad_disclosure"\ncolour = "red"',
            r"rules\[ad_disclosure\]\.colour",
        ),
        (
            'title_zh = "广告使用绝对化用语"\n',
            "",
            r"my\.toml: rules\[absolute_terms\]\.title_zh: Field required",
        ),
        ('id = "livestream"', 'id = "Live Stream"', r"my\.toml: pack\.id: 'Live Stream'"),
        (
            'id = "guarantees"',
            'id = "absolute_terms"',
            r"rules\[absolute_terms\]: the rule is defined twice",
        ),
    ],
)
def test_a_bad_pack_names_the_rule_and_the_field(old: str, new: str, message: str) -> None:
    assert old in SHIPPED
    with pytest.raises(PolicyError, match=message):
        parse_pack(SHIPPED.replace(old, new, 1).encode(), "my.toml")


def test_a_file_that_is_not_toml_or_missing(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"my\.toml: not a TOML file"):
        parse_pack(b"[pack\n", "my.toml")
    with pytest.raises(PolicyError, match=r"none\.toml: cannot read the livestream rule pack"):
        load_pack(tmp_path / "none.toml")
    mine = tmp_path / "mine.toml"
    mine.write_text(SHIPPED.replace('version = "2026.12.1"', 'version = "local.1"'), "utf-8")
    assert load_pack(mine).ref == "livestream@local.1"
