"""What every page shares: the templates, the request's language, the signed-in caller, the
access rule of a page (the permission policy's ``authorize``, as the API's ``Require``), the
CSRF token of every form, and errors as pages.

A page answers HTML. Nobody signed in: a page that needs a session sends the browser to the
sign-in page (303, the page to come back to in ``next``); a signed-in caller whose role may not
do what the page does gets a 403 page, a resource outside their reach a 404 page, exactly as the
API answers. Every state-changing form carries the session's CSRF token in a hidden ``csrf``
field; a POST without it, or with another, is refused before anything is done.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from fairscreen.accounts.auth import SAFE_METHODS, Caller, resolve
from fairscreen.accounts.models import CandidateAccount, StaffAccount
from fairscreen.accounts.policy import Actor, authorize, policy
from fairscreen.kit.errors import FairscreenError, ForbiddenError
from fairscreen.web.portal import i18n, modelcards
from fairscreen.web.portal.labels import labeller

ENV = Environment(
    loader=PackageLoader("fairscreen.web.portal", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
LIGHTS = ("green", "blue", "yellow", "red")


def _pretty(value: Any) -> str:
    """Recorded data as JSON, its characters as recorded (never escaped to \\u)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


ENV.filters["pretty"] = _pretty


class LoginRequiredError(Exception):
    """Nobody (or a half-signed-in staff member) asked for a page that needs a session."""

    def __init__(self, to: str) -> None:
        super().__init__(to)
        self.to = to


def sessions_of(request: Request) -> sessionmaker[Session]:
    found: sessionmaker[Session] = request.app.state.sessions
    return found


def caller_of(request: Request) -> Caller | None:
    """The signed-in caller, or None (an unusable Authorization header counts as nobody on a
    page: pages are for browsers)."""
    try:
        return resolve(request)
    except FairscreenError:
        return None


def account_language(request: Request, caller: Caller | None) -> str | None:
    if caller is None or caller.actor.kind == "token":
        return None
    with sessions_of(request)() as session:
        row: StaffAccount | CandidateAccount | None = (
            session.get(StaffAccount, caller.actor.id)
            if caller.actor.kind == "staff"
            else session.get(CandidateAccount, caller.actor.id)
        )
        return i18n.valid(row.locale) if row is not None else None


def language_of(request: Request) -> str:
    """The person's language: their choice (cookie, then account), else their browser's first
    acceptable language, else 繁體中文."""
    cached: str | None = getattr(request.state, "language", None)
    if cached:
        return cached
    chosen = i18n.valid(request.cookies.get(i18n.COOKIE))
    chosen = chosen or account_language(request, caller_of(request))
    chosen = chosen or i18n.from_accept_language(request.headers.get("accept-language"))
    language = chosen or i18n.DEFAULT
    request.state.language = language
    return language


def grants(actor: Actor | None) -> Mapping[str, str]:
    if actor is None:
        return {}
    role = policy().roles.get(actor.role)
    return role.grants if role is not None else {}


def render(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    text = i18n.Text(language_of(request))
    caller = caller_of(request)
    actor = caller.actor if caller is not None else None
    body = ENV.get_template(template).render(
        **text.context(),
        label=labeller(text.gettext),
        lights=LIGHTS,
        languages=i18n.NATIVE_NAMES,
        me=actor,
        can=grants(actor),
        csrf=caller.csrf_token if caller is not None else "",
        here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        model_cards=partial(modelcards.links, language=text.language),
        model_kinds=modelcards.KINDS,
        **context,
    )
    response = HTMLResponse(body, status_code=http_status)
    response.headers["Cache-Control"] = "no-store"  # pages may hold personal data
    response.headers["Content-Language"] = text.language
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(url: str | None, default: str = "/") -> str:
    """A same-site path to come back to (never another site: no scheme, no //host)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    return url


class Page:
    """A page's access rule: ``Page("report.read")`` (the role check of the permission policy;
    the service then checks the resource), ``Page(None)`` for any signed-in person,
    ``kind="candidate"`` or ``"staff"`` for pages of one portal. On POST the form's ``csrf``
    field must be the session's token."""

    def __init__(self, action: str | None, *, kind: str | None = None) -> None:
        self.action = action
        self.kind = kind

    async def __call__(self, request: Request) -> Actor:
        caller = await run_in_threadpool(caller_of, request)
        if caller is None:
            login = "/login/candidate" if self.kind == "candidate" else "/login"
            raise LoginRequiredError(f"{login}?next={quote(request.url.path, safe='/')}")
        if caller.second_factor_pending:
            raise LoginRequiredError("/login/totp")
        if request.method not in SAFE_METHODS and caller.csrf_token is not None:
            form = await request.form()
            sent = form.get("csrf")
            if not isinstance(sent, str) or not hmac.compare_digest(sent, caller.csrf_token):
                raise ForbiddenError("CSRF check failed: reload the page and send the form again")
        if self.kind is not None and caller.actor.kind != self.kind:
            raise ForbiddenError(f"this page is for {self.kind} accounts")
        if self.action is not None:
            authorize(caller.actor, self.action)
        return caller.actor


async def form_of(request: Request) -> dict[str, Any]:
    """The submitted form's fields (lists for repeated names such as checkboxes)."""
    form = await request.form()
    out: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        out[key] = values if len(values) > 1 else values[0]
    return out


def as_list(value: Any) -> list[str]:
    """A form field as a list of its non-empty values (a checkbox group, a text box left
    empty)."""
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


# -- errors as pages ---------------------------------------------------------------------------

PAGE_PREFIXES = (
    "/login",
    "/logout",
    "/invite",
    "/me",
    "/staff",
    "/regulator",
    "/lang",
    "/inspection/",
)


def is_page(path: str) -> bool:
    return path == "/" or path.startswith(PAGE_PREFIXES)


def error_page(request: Request, status: int, detail: str, **extra: Any) -> Response:
    return render(
        request, "error.html", http_status=status, status_code=status, detail=detail, **extra
    )
