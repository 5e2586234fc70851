"""The shipped pack loads and cites its articles; a broken pack names the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.monitors.kitchens.pack import load_pack, parse_pack, shipped_pack
from fairscreen.supervision.signals import Severity

GOOD = b"""
[pack]
id = "k"
version = "1"
scenario = "catering"
[cameras]
window_days = 30
min_reviewed = 20
max_dismissed_permille = 700
[[rules]]
id = "rodents"
title = "Rodents"
kinds = ["rodent"]
count = 1
window_days = 1
severity = "serious"
legal_basis = "x"
"""


def test_the_shipped_pack_cites_food_safety_law_for_every_rule() -> None:
    pack = shipped_pack()
    assert pack.ref == "kitchens@2026.12" and pack.scenario == "catering"
    assert all("食品安全法 第三十三条" in r.legal_basis for r in pack.rules)
    rodents = pack.rule("kitchens.rodents")
    assert rodents is not None and rodents.count == 1 and rodents.severity is Severity.SERIOUS
    covered = set().union(*(r.kinds for r in pack.rules))
    assert covered == {
        "no_mask", "no_hat", "no_work_clothes", "smoking", "phone", "rodent",
        "bin_uncovered", "raw_cooked_mixed",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (b'kinds = ["rodent"]', b'kinds = ["rat"]', "rule 'rodents'.kinds: 'rat'"),
        (b"count = 1", b"count = 0", "rule 'rodents'.count: a whole number from 1"),
        (b'severity = "serious"', b'severity = "grave"', "rule 'rodents'.severity"),
        (b'legal_basis = "x"', b'legal_basis = "x"\nwhy = 1', "rule 'rodents': unknown key"),
        (b"max_dismissed_permille = 700", b"max_dismissed_permille = 1000", "cameras.max_dis"),
        (b'version = "1"', b"version = 1", "pack.version: expected a str"),
        (b'title = "Rodents"\n', b"", "p.toml: rule 'rodents'.title: missing"),
        (b'scenario = "catering"\n', b"", "p.toml: pack.scenario: missing"),
    ],
)
def test_a_broken_pack_names_the_rule_and_the_field(old: bytes, new: bytes, message: str) -> None:
    assert parse_pack(GOOD, "p.toml").rules[0].id == "rodents"
    with pytest.raises(PolicyError, match=message.replace("(", r"\(")):
        parse_pack(GOOD.replace(old, new), "p.toml")


def test_a_pack_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nope\.toml: cannot read"):
        load_pack(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_text("[pack", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.toml: not a TOML file"):
        load_pack(tmp_path / "bad.toml")
