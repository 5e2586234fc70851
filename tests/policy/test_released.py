"""Every policy pack and rule set fairscreen ever shipped still loads: a check keeps the pack
and rule set it was made under, so its notices, disputes and re-ratings need them for as long
as the check's data lives. The shipped history is the git history of the data files; each
version found there must parse under today's vocabulary and be shipped under its ``id@version``.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from fairscreen.policy.pack import PolicyPack, parse_pack
from fairscreen.rating.engine import default_ruleset_for, parse_ruleset
from fairscreen.screening.online import shipped_pack, shipped_ruleset

ROOT = Path(__file__).parents[2]
PACKS = "src/fairscreen/policy/packs"
RULES = "src/fairscreen/rating/rulesets"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
    ).stdout


def _history() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the shipped history is read from git")
    commits = _git("log", "--all", "--format=%H", "--", PACKS, RULES).split()
    assert commits, "no history of the pack files"
    return commits


def _files_at(commit: str, folder: str) -> dict[str, str]:
    names = [
        n.rsplit("/", 1)[-1] for n in _git("ls-tree", "--name-only", commit, f"{folder}/").split()
    ]
    return {n: _git("show", f"{commit}:{folder}/{n}") for n in names if n.endswith(".toml")}


def test_every_pack_and_rule_set_ever_shipped_loads_and_is_still_shipped() -> None:
    seen_packs: set[str] = set()
    seen_rules: set[str] = set()
    for commit in _history():
        packs: dict[str, dict[str, PolicyPack]] = {}
        for name, text in _files_at(commit, PACKS).items():
            pack = parse_pack(text, origin=f"{commit[:7]}:{name}")
            packs.setdefault(pack.id, {})[pack.version] = pack
            seen_packs.add(pack.ref)
            assert shipped_pack(pack.ref).ref == pack.ref
        for name, text in _files_at(commit, RULES).items():
            head = tomllib.loads(text)["ruleset"]
            # as released: against the pack shipped beside it (its own version, or the latest
            # of its id there), and against that pack as shipped today
            versions = packs[head["pack"]]
            pack = versions.get(head["version"]) or versions[max(versions)]
            released = parse_ruleset(text, pack, origin=f"{commit[:7]}:{name}")
            seen_rules.add(released.ref)
            today = shipped_ruleset(shipped_pack(pack.ref), released.ref)
            assert today.ref == released.ref
            assert [r.id for r in today.rules] == [r.id for r in released.rules]
    assert {"cn@2026.1", "cn@2026.2", "us@2026.1"} <= seen_packs
    assert {"cn-rules@2026.1", "cn-rules@2026.2", "us-rules@2026.1"} <= seen_rules


def test_a_released_pack_keeps_the_rule_set_released_with_it() -> None:
    old = shipped_pack("cn@2026.1")
    assert default_ruleset_for(old).ref == "cn-rules@2026.1"
    assert default_ruleset_for(shipped_pack("cn@2026.2")).ref == "cn-rules@2026.2"


def test_an_old_pack_never_covers_an_item_it_predates() -> None:
    old = shipped_pack("cn@2026.1")
    assert "public_security_record" not in {str(i) for i in old.items}
    for category in old.categories.values():
        assert set(category.items) <= set(old.items)
