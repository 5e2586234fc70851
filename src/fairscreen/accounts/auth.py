"""Who is asking, for every HTTP request: a staff member's or a candidate's session (a cookie),
or an organisation's API token (``Authorization: Bearer``).

``Require(action)`` is the dependency every non-public route declares: it resolves the actor
(401 without one), checks the CSRF token of a cookie session on every state-changing method,
holds a staff member whose organisation requires a second factor to the second-factor routes,
counts the request against the account's rate limit (``FAIRSCREEN_RATE_LIMIT_PER_ACCOUNT``),
and applies the role check of the permission policy (403). The resource check comes later, in
the service, through ``fairscreen.accounts.policy.authorize``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.accounts import service, throttle
from fairscreen.accounts.policy import Actor, authorize
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import each_statement_commits
from fairscreen.kit.errors import ForbiddenError, RateLimitedError, UnauthenticatedError
from fairscreen.kit.settings import get_settings

COOKIE = "fs_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Caller:
    """The resolved caller of a request (cached on ``request.state``)."""

    actor: Actor
    csrf_token: str | None  # None for bearer tokens, which carry no CSRF risk
    second_factor_pending: bool


def _sessions(request: Request) -> sessionmaker[Session]:
    found: sessionmaker[Session] = request.app.state.sessions
    return found


def resolve(request: Request) -> Caller | None:
    """The caller of ``request``, or None; resolved once per request, with statements of its
    own that each commit (it may touch the session's last-seen time or the token's last use,
    at most once a minute; on PostgreSQL no BEGIN and COMMIT round trips: this runs on every
    request)."""
    if hasattr(request.state, "caller"):
        cached: Caller | None = request.state.caller
        return cached
    caller: Caller | None = None
    header = request.headers.get("authorization", "")
    now = utcnow()
    with each_statement_commits(_sessions(request)) as session:
        if header:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise UnauthenticatedError("Authorization: expected 'Bearer <token>'")
            actor = service.resolve_token(session, token.strip(), now=now)
            if actor is None:
                raise UnauthenticatedError("the API token is unknown, expired or revoked")
            caller = Caller(actor, None, second_factor_pending=False)
        elif cookie := request.cookies.get(COOKIE):
            resolved = service.resolve_session(session, cookie, now=now)
            if resolved is not None:
                caller = Caller(resolved.actor, resolved.csrf_token, resolved.second_factor_pending)
    request.state.caller = caller
    return caller


class Require:
    """A route's access rule: ``Require("report.read")``; ``Require(None)`` for any signed-in
    caller; ``pending_ok`` lets a staff member who still owes the second factor through (only
    the second-factor routes use it)."""

    def __init__(self, action: str | None, *, pending_ok: bool = False) -> None:
        self.action = action
        self.pending_ok = pending_ok

    def __repr__(self) -> str:
        return f"Require({self.action!r})"

    def __call__(self, request: Request) -> Actor:
        caller = resolve(request)
        if caller is None:
            raise UnauthenticatedError("sign in first (a session cookie or an API token)")
        if caller.csrf_token is not None and request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER)
            if not sent or sent != caller.csrf_token:
                raise ForbiddenError(f"CSRF check failed: send the session's {CSRF_HEADER}")
        if caller.second_factor_pending and not self.pending_ok:
            raise UnauthenticatedError("second factor required (POST /api/v1/auth/totp)")
        wait = throttle.hit_api(
            throttle.api_limits(get_settings().rate_limit_per_account),
            "api-account",
            caller.actor.label,
        )
        if wait is not None:
            raise RateLimitedError("too many requests from this account; try again later", wait)
        if self.action is not None:
            authorize(caller.actor, self.action)
        return caller.actor


def set_session_cookie(response: Response, token: str) -> None:
    """HttpOnly, Secure (browsers accept it on http://localhost too), SameSite=Lax, whole site,
    for the session's maximum life."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(service.SESSION_MAX.total_seconds()),
        httponly=True,
        secure=True,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
