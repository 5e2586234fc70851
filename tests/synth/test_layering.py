"""The sandbox stays a sandbox: in ``src``, only command-line modules import ``fairscreen.synth``,
and ``synth`` itself builds on the formats it writes (the world's, the supervision register's,
the monitors' input records), the policy packs and the kit, nothing else."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import fairscreen

SRC = Path(fairscreen.__file__).parent
ALLOWED_BELOW = (
    "fairscreen.synth",
    "fairscreen.world",
    "fairscreen.policy",
    "fairscreen.kit",
    # the formats the monitors' simulators write, and the register whose firms they take
    "fairscreen.supervision.register",
    "fairscreen.monitors.livestream.format",
    "fairscreen.monitors.kitchens.events",
)


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_only_the_command_line_imports_synth() -> None:
    importers = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "synth" not in path.relative_to(SRC).parts
        and any(m.startswith("fairscreen.synth") for m in _imports(path))
    )
    assert importers == [
        "audit/cli.py",
        "monitors/elevators/cli.py",
        "monitors/kitchens/cli.py",
        "monitors/livestream/cli.py",
        "screening/cli.py",
        "supervision/cli.py",
        "world/cli.py",
    ]


def test_synth_imports_only_the_format_the_packs_and_the_kit() -> None:
    for path in (SRC / "synth").rglob("*.py"):
        for module in _imports(path):
            if module.startswith("fairscreen"):
                assert module.startswith(ALLOWED_BELOW), (path.name, module)
