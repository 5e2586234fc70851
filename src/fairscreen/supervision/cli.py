"""``fairscreen supervision ...``: the synthetic city, firms' tiers, the year's plan and the
re-draw of its random share (docs/supervision.md)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import ExitCode, FairscreenError, InputError

supervision_app = typer.Typer(
    help="Supervision: off-site checks over the ledger, signals and their evidence, risk tiers "
    "of firms, the inspection plan, the random draw, inspection codes.",
    no_args_is_help=True,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

CityOption = Annotated[
    Path, typer.Option("--city", dir_okay=False, help="a register file (JSON Lines)")
]
RulesOption = Annotated[
    Path | None, typer.Option("--rules", dir_okay=False, help="a tier rules file instead")
]


@supervision_app.command("city")
def city_command(
    path: Annotated[Path, typer.Option("--out", "-o", dir_okay=False, help="file to write")],
    firms: Annotated[int, typer.Option(min=1, max=1_000_000, help="how many firms")] = 13_000,
    seed: Annotated[int, typer.Option(help="the generator's seed")] = 2026,
    as_of: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="the last day of the histories")
    ] = datetime(2026, 12, 31),
    inspectors: Annotated[
        int | None, typer.Option(min=4, help="roster size (default: one per 100 firms)")
    ] = None,
) -> None:
    """Write a synthetic district: offices, inspectors and firms with three years of history.
    Refuses to overwrite an existing file."""
    from fairscreen.synth.city import generate_city, write_city

    if path.exists():
        raise InputError(str(path), "exists already: give another --out (nothing was written)")
    if not path.parent.is_dir():
        raise InputError(str(path), f"no folder {path.parent}")
    count = write_city(path, generate_city(firms, seed, as_of.date(), inspectors))
    out.print(f"{count} records ({firms} firms) written to {path}")


@supervision_app.command("tiers")
def tiers_command(
    city: CityOption,
    as_of: Annotated[
        datetime, typer.Option(formats=["%Y-%m-%d"], help="the day the tiers stand on")
    ],
    rules: RulesOption = None,
) -> None:
    """Compute every firm's tier under each of its scenarios on --as-of, with the explanation
    of every score, and store them (the rules go on the ledger the first time)."""
    from fairscreen.kit.db import open_database
    from fairscreen.supervision.register import load_register
    from fairscreen.supervision.service import store_tiers
    from fairscreen.supervision.tiers import load_rules

    tier_rules = load_rules(rules)
    register = load_register(city)
    register.check(tier_rules.scenarios, tier_rules.skills, str(city))
    _, sessions = open_database()
    with sessions.begin() as session:
        counts = store_tiers(session, tier_rules, register, as_of.date(), now=utcnow())
    pairs = sum(v for k, v in counts.items() if k != "exempt")
    out.print(f"{pairs} firm-scenario tiers as of {as_of.date()} under {tier_rules.ref}:")
    for name, n in counts.items():
        out.print(f"  {name:9} {n:7}")


@supervision_app.command("plan")
def plan_command(
    city: CityOption,
    year: Annotated[int, typer.Option(min=2000, max=2100, help="the year to plan")],
    rules: RulesOption = None,
) -> None:
    """Plan --year from the tiers stored as of the day before it: due tasks, the random draw
    (its seed on the ledger first), merged visits, teams, days and routes. Exit 1 when a
    promise of the plan does not hold (every due task covered, capacity, high risk above the
    baseline); the plan is stored either way, with its figures."""
    from fairscreen.kit.db import open_database
    from fairscreen.supervision.register import load_register
    from fairscreen.supervision.service import make_and_store_plan
    from fairscreen.supervision.tiers import load_rules

    tier_rules = load_rules(rules)
    register = load_register(city)
    register.check(tier_rules.scenarios, tier_rules.skills, str(city))
    _, sessions = open_database()
    stored, made, broken = make_and_store_plan(sessions, tier_rules, register, year, now=utcnow())
    summary = made.summary()
    out.print(f"plan {stored.id} for {year} (ledger entry {stored.ledger_index}):")
    for key, value in summary.items():
        out.print(f"  {key:22} {value}")
    if broken:
        for line in broken[:20]:
            err.print(f"broken: {line}")
        raise typer.Exit(ExitCode.INVALID)


@supervision_app.command("redraw")
def redraw_command(
    plan: Annotated[str, typer.Argument(help="the plan's id")],
) -> None:
    """Draw a plan's random share again from its seed on the ledger and compare with what the
    plan drew. Exit 1 when anything differs."""
    from fairscreen.kit.db import open_database
    from fairscreen.supervision.service import redraw

    _, sessions = open_database(readonly=True)
    with sessions() as session:
        result = redraw(session, plan)
    if result.seeds_for_year > 1:
        err.print(
            f"note: {result.seeds_for_year} seeds were put on the ledger for this plan's year "
            "(a plan was drawn again, or a planning run stopped after its seed)"
        )
    if result.reproduced:
        out.print(
            f"plan {plan}: {result.draws} draws reproduced from the seed in ledger entry "
            f"{result.seed_index}"
        )
        return
    for problem in result.problems:
        err.print(f"plan {plan}: {problem}")
    raise FairscreenError(f"plan {plan}: the draw was not reproduced")


@supervision_app.command("plans")
def plans_command() -> None:
    """List the stored plans and their figures."""
    from sqlalchemy import select

    from fairscreen.kit.db import open_database
    from fairscreen.supervision.models import InspectionPlan

    _, sessions = open_database(readonly=True)
    with sessions() as session:
        for p in session.scalars(select(InspectionPlan).order_by(InspectionPlan.created_at)):
            s = p.summary
            out.print(
                f"{p.id}  {p.year}  visits {s.get('visits_merged')} (separately "
                f"{s.get('visits_by_matter')})  entry {p.ledger_index}"
            )
