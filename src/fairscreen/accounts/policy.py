"""The one permission policy: which role may perform which action on which resources.

The policy is data (``permissions.toml``, beside this module): actions, and for each role the
actions it may perform and their reach (``own_org``, ``self``, ``all``). Two functions apply it,
and nothing else decides access:

- ``authorize(actor, action, target)``: may this actor do this to this resource? The role must
  grant the action (else ``ForbiddenError``, 403: the role may never do it); the resource must be
  within the grant's reach (else ``NotFoundError``, 404: another tenant's resource answers
  exactly like one that does not exist);
- ``reach(actor, action)``: the filter a listing applies (everything, one organisation's, one
  candidate's), after the same role check.

HTTP routes declare their action with ``fairscreen.accounts.auth.Require``; services call
``authorize`` once they have loaded the resource.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal, cast, get_args

from fairscreen.kit.errors import ForbiddenError, NotFoundError, PolicyError

Reach = Literal["own_org", "self", "all"]
ActorKind = Literal["staff", "candidate", "token"]
ORGANISATION_KINDS = ("platform", "employer", "agency", "regulator")
CANDIDATE_ROLE = "candidate"


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    organisation_kind: str  # "" for candidates, who belong to no organisation
    title: str
    grants: Mapping[str, Reach]


@dataclass(frozen=True, slots=True)
class Policy:
    actions: Mapping[str, str]  # action -> what it means
    roles: Mapping[str, Role]

    def grant(self, role: str, action: str) -> Reach | None:
        found = self.roles.get(role)
        return None if found is None else found.grants.get(action)

    def staff_roles(self, organisation_kind: str) -> list[str]:
        return sorted(
            r.name for r in self.roles.values() if r.organisation_kind == organisation_kind
        )


def _parse(data: Mapping[str, object]) -> Policy:
    actions = data.get("actions")
    roles = data.get("roles")
    if not isinstance(actions, dict) or not isinstance(roles, dict):
        raise PolicyError("permissions.toml: needs [actions] and [roles.*] tables")
    parsed: dict[str, Role] = {}
    for name, body in roles.items():
        where = f"permissions.toml [roles.{name}]"
        if not isinstance(body, dict):
            raise PolicyError(f"{where}: a table")
        kind = body.get("organisation_kind")
        if kind not in (*ORGANISATION_KINDS, ""):
            raise PolicyError(f"{where}.organisation_kind: one of {ORGANISATION_KINDS} or ''")
        if (kind == "") != (name == CANDIDATE_ROLE):
            raise PolicyError(f"{where}: only the {CANDIDATE_ROLE} role has no organisation")
        grants = body.get("grants", {})
        if not isinstance(grants, dict):
            raise PolicyError(f"{where}.grants: a table of action = reach")
        for action, reach in grants.items():
            if action not in actions:
                raise PolicyError(f"{where}.grants: unknown action {action!r}")
            if reach not in get_args(Reach):
                raise PolicyError(f"{where}.grants.{action}: one of {get_args(Reach)}")
            if (reach == "self") != (name == CANDIDATE_ROLE):
                raise PolicyError(f"{where}.grants.{action}: 'self' is for candidates only")
        parsed[name] = Role(
            name, str(kind), str(body.get("title", name)), cast(dict[str, Reach], grants)
        )
    if CANDIDATE_ROLE not in parsed:
        raise PolicyError(f"permissions.toml: the {CANDIDATE_ROLE} role is missing")
    return Policy({str(k): str(v) for k, v in actions.items()}, parsed)


@lru_cache(maxsize=1)
def policy() -> Policy:
    """The shipped policy (read once)."""
    text = (resources.files("fairscreen.accounts") / "permissions.toml").read_text("utf-8")
    return _parse(tomllib.loads(text))


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is asking: a staff member (by session), a candidate (by session) or an API token
    (acting for its organisation with its role, limited to its scopes)."""

    kind: ActorKind
    id: str  # staff account, candidate account or token id
    role: str
    organisation_id: str | None = None
    scopes: frozenset[str] | None = None  # tokens only: the actions it may perform
    session_id: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        """How the actor is named in an access log or a candidate's view of who read what."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True, slots=True)
class Target:
    """Who a resource belongs to: organisations (a check: its employer and its agency) and the
    candidate account it is about, if any."""

    organisations: frozenset[str] = frozenset()
    candidate_accounts: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *organisations: str | None, candidate_account: str | None = None) -> Target:
        return cls(
            frozenset(o for o in organisations if o),
            frozenset([candidate_account]) if candidate_account else frozenset(),
        )


@dataclass(frozen=True, slots=True)
class Scope:
    """What a listing may show: everything, one organisation's, or one candidate's."""

    reach: Reach
    organisation_id: str | None = None
    candidate_account_id: str | None = None


def _granted(actor: Actor, action: str) -> Reach:
    known = policy()
    if action not in known.actions:
        raise PolicyError(f"unknown action {action!r}: declare it in permissions.toml")
    grant = known.grant(actor.role, action)
    if grant is None or (actor.scopes is not None and action not in actor.scopes):
        raise ForbiddenError(f"a {actor.role} may not {known.actions[action]} ({action})")
    return grant


def authorize(actor: Actor, action: str, target: Target | None = None, *, what: str = "") -> Reach:
    """Allow or refuse ``action`` on ``target`` (None: the role check only). ``what`` names the
    resource in the 404 message ("check 0193…")."""
    grant = _granted(actor, action)
    if target is None or grant == "all":
        return grant
    if grant == "own_org" and actor.organisation_id in target.organisations:
        return grant
    if grant == "self" and actor.id in target.candidate_accounts:
        return grant
    raise NotFoundError(f"{what or 'resource'}: no such resource")


def reach(actor: Actor, action: str) -> Scope:
    """The filter for a listing of ``action``'s resources (after the role check)."""
    grant = _granted(actor, action)
    if grant == "all":
        return Scope("all")
    if grant == "own_org":
        return Scope("own_org", organisation_id=actor.organisation_id)
    return Scope("self", candidate_account_id=actor.id)
