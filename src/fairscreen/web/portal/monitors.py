"""The monitors' index (``/regulator/monitors``): the three monitors of issue 16, each with a
one-line live state and a link to its page.

Each monitor's page module adds itself to ``REGISTRY`` when it is imported (``register``): its
name, title, page and a state function (a session and the caller's organisation, ``None`` for
the regulator's view of every firm, to a few labelled counts). A monitor whose package is not
in this build is listed as such, so the index never reads a table that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fairscreen.accounts.policy import Actor, reach
from fairscreen.web.portal.base import Page, render, sessions_of
from fairscreen.web.portal.i18n import N_

router = APIRouter(include_in_schema=False)
Readers = Annotated[Actor, Depends(Page("monitor.read", kind="staff"))]

# (labelled count, ...): each label a message marked with N_, translated where it is shown
State = Callable[[Session, str | None], Sequence[tuple[str, int]]]


@dataclass(frozen=True, slots=True)
class Monitor:
    name: str  # livestream, elevators, kitchens
    title: str  # marked with N_
    url: str
    state: State


# the three monitors of issue 16, in the order the index lists them
KNOWN: dict[str, str] = {
    "livestream": N_("Livestream commerce"),
    "elevators": N_("Smart elevators"),
    "kitchens": N_("Bright kitchens"),
}
REGISTRY: dict[str, Monitor] = {}


def register(monitor: Monitor) -> None:
    """Called by each monitor's page module when it is imported."""
    REGISTRY[monitor.name] = monitor


def own(actor: Actor) -> str | None:
    """None for the regulator (every firm), else the caller's own organisation."""
    scope = reach(actor, "monitor.read")
    return None if scope.reach == "all" else (scope.organisation_id or "-")


@router.get("/regulator/monitors")
def monitors_index(request: Request, actor: Readers) -> Response:
    org = own(actor)
    rows: list[dict[str, Any]] = []
    with sessions_of(request)() as session:
        for name in [*KNOWN, *sorted(set(REGISTRY) - set(KNOWN))]:
            monitor = REGISTRY.get(name)
            if monitor is None:
                rows.append({"name": name, "title": KNOWN[name], "url": None, "state": None})
            else:
                rows.append(
                    {
                        "name": name,
                        "title": monitor.title,
                        "url": monitor.url,
                        "state": list(monitor.state(session, org)),
                    }
                )
    return render(request, "regulator/monitors.html", monitors=rows, firm_view=org is not None)
