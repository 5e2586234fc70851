"""The rule pack is data: the shipped one loads with every rule citing its basis, and a broken
one is refused naming the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from fairscreen.kit.errors import PolicyError
from fairscreen.monitors.elevators.rules import RULES, SHIPPED, load_pack


def test_the_shipped_pack_loads_every_rule_with_its_basis() -> None:
    pack = load_pack()
    assert pack.ref == "elevators@2026.12.1" and len(pack.digest) == 64
    assert set(pack.rules) == set(RULES)
    assert pack.setting("maintenance_overdue", "days") == 15
    assert pack.setting("entrapment_unanswered", "minutes") == 30
    assert pack.rules["inspection_overdue"].to == "user_unit"
    assert pack.rules["maintenance_overdue"].to == "maintainer"
    assert "第三十一条" in pack.rules["maintenance_overdue"].legal_basis
    assert "alarm_button" not in pack.faults and "overspeed" in pack.faults


def _shipped() -> str:
    from importlib import resources

    return (resources.files("fairscreen.monitors.elevators") / SHIPPED).read_text()


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (("days = 15", "days = 0"), "rules.maintenance_overdue.days"),
        (("minutes = 30", "# minutes"), "rules.entrapment_unanswered.minutes"),
        (('severity = "medium"', 'severity = "grave"'), "rules.repeated_faults.severity"),
        (('    "power_loss",', '    "power_cut",'), "faults.kinds"),
        (("[rules.impossible_maintenance]", "[rules.impossible]"), "rules.impossible"),
        (('to = "user_unit"\n', ""), "pack.toml: rules.inspection_overdue.to: Field required"),
        (('version = "2026.12.1"', "# version"), "pack.toml: pack.version: missing"),
    ],
)
def test_a_broken_pack_names_the_rule_and_field(
    tmp_path: Path, edit: tuple[str, str], named: str
) -> None:
    text = _shipped()
    assert edit[0] in text
    path = tmp_path / "pack.toml"
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(PolicyError) as raised:
        load_pack(path)
    assert named in str(raised.value)
