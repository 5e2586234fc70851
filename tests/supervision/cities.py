"""Small synthetic cities for the supervision tests, and firms built by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fairscreen.supervision import plan as planning
from fairscreen.supervision.register import Firm, Register, parse_dicts, register_from
from fairscreen.supervision.tiers import TierRules, shipped_rules
from fairscreen.synth.city import generate_city

AS_OF = date(2026, 12, 31)
YEAR = 2027


def city(
    firms: int,
    seed: int,
    *,
    inspectors: int | None = None,
    edit: Callable[[dict[str, Any]], None] | None = None,
) -> Register:
    records = list(generate_city(firms, seed, AS_OF, inspectors))
    if edit is not None:
        for record in records:
            edit(record)
    register = register_from(parse_dicts(records, "city"))
    rules = shipped_rules()
    register.check(rules.scenarios, rules.skills, "city")
    return register


def statuses(rules: TierRules, register: Register) -> dict[tuple[str, str], planning.Status]:
    return {
        key: planning.Status(st.result.tier, st.exempt_until if st.exempt else None)
        for key, st in planning.standings(rules, register, AS_OF).items()
    }


def build(
    register: Register, seed: bytes = b"\x01" * 32
) -> tuple[planning.Plan, dict[tuple[str, str], planning.Status]]:
    """The plan for YEAR, made as the CLI makes it, without a database."""
    rules = shipped_rules()
    status = statuses(rules, register)
    tasks = planning.due_tasks(rules, YEAR, status)
    teams, _ = planning.form_teams(register, planning.demand_of(register, tasks))
    offices = {f.id: f.office for f in register.firms.values()}
    given = planning.draw_input(YEAR, rules, planning.population(status, YEAR), teams, offices)
    draws = planning.draw(seed, given)
    return planning.make_plan(rules, register, YEAR, status, draws, teams), status


def firm(scenario: str = "hair_beauty", **history: Any) -> Firm:
    """A firm under one scenario (hair salons: sector prior 4), with the history given."""
    return Firm(
        id="F1",
        name="test firm",
        x=1000,
        y=1000,
        office="O-N",
        scenarios=(scenario,),
        **history,
    )
