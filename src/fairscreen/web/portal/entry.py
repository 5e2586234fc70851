"""The ways in: the start page, signing in (staff: e-mail and password, then a TOTP code when
their organisation asks for one; candidates: a one-time code to their contact), signing out,
choosing the language, and an invitation's link (public: what will be checked, why, for whom,
for how long; then a one-time code to the invited contact and the candidate's own account)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select, update

from fairscreen.accounts import service as accounts
from fairscreen.accounts import throttle
from fairscreen.accounts.auth import (
    clear_session_cookie,
    client_address,
    set_session_cookie,
)
from fairscreen.accounts.models import CandidateAccount, StaffAccount
from fairscreen.accounts.policy import Actor
from fairscreen.consent import invitations
from fairscreen.kit.clock import utcnow
from fairscreen.kit.errors import FairscreenError, ForbiddenError
from fairscreen.vault.lazy import app_vault
from fairscreen.web.portal import i18n
from fairscreen.web.portal.base import (
    Page,
    caller_of,
    form_of,
    render,
    safe_next,
    see_other,
    sessions_of,
)

router = APIRouter(include_in_schema=False)


def home_of(actor: Actor) -> str:
    if actor.kind == "candidate":
        return "/me"
    if actor.role == "regulator_inspector":
        return "/regulator"
    return "/staff"


@router.get("/")
def start(request: Request) -> Response:
    caller = caller_of(request)
    if caller is not None and not caller.second_factor_pending:
        return see_other(home_of(caller.actor))
    return render(request, "home.html")


# -- staff -------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=safe_next(next, ""), error=None, email="")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await form_of(request)
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")), "")
    sessions = sessions_of(request)
    try:
        throttle.hit(throttle.LOGIN_PER_ADDRESS, "login-ip", client_address(request))
        throttle.hit(throttle.LOGIN_PER_ACCOUNT, "login-email", email.strip().lower())
        with sessions() as session:
            made = accounts.committed(
                session,
                lambda: accounts.login(session, email=email, password=password, now=utcnow()),
            )
    except FairscreenError as exc:
        return render(
            request, "login.html", http_status=exc.http_status, next=target, error=exc, email=email
        )
    with sessions.begin() as session:
        staff = session.scalars(
            select(StaffAccount).where(StaffAccount.email == email.strip().lower())
        ).one()
        remembered = _remember(request, staff)
    response = see_other("/login/totp" if made.second_factor_required else (target or "/"))
    set_session_cookie(response, made.token)
    if remembered:
        _language_cookie(response, remembered)
    return response


def _remember(request: Request, account: StaffAccount | CandidateAccount) -> str | None:
    """At sign-in: a language chosen before (the cookie) becomes the account's; else the
    account's is returned, for the cookie."""
    chosen = i18n.valid(request.cookies.get(i18n.COOKIE))
    if chosen:
        account.locale = chosen
        return None
    return i18n.valid(account.locale)


@router.get("/login/totp")
def totp_page(request: Request) -> Response:
    return render(request, "totp.html", error=None)


@router.post("/login/totp")
async def totp(request: Request) -> Response:
    caller = caller_of(request)
    if caller is None or caller.actor.kind != "staff":
        return see_other("/login")
    form = await form_of(request)
    if form.get("csrf") != caller.csrf_token:
        raise ForbiddenError("CSRF check failed: reload the page and send the form again")
    resolved = accounts.Resolved(
        caller.actor, caller.csrf_token or "", caller.second_factor_pending
    )
    vault = app_vault(request)
    try:
        throttle.hit(throttle.LOGIN_PER_ACCOUNT, "totp", caller.actor.id)
        with sessions_of(request)() as session:
            accounts.committed(
                session,
                lambda: accounts.pass_second_factor(
                    session, vault, resolved, str(form.get("code", "")), now=utcnow()
                ),
            )
    except FairscreenError as exc:
        return render(request, "totp.html", http_status=exc.http_status, error=exc)
    return see_other(home_of(caller.actor))


@router.post("/logout")
async def logout(request: Request, actor: Annotated[Actor, Depends(Page(None))]) -> Response:
    if actor.session_id is not None:
        with sessions_of(request).begin() as session:
            accounts.logout(session, actor.session_id)
    response = see_other("/")
    clear_session_cookie(response)
    return response


# -- candidates --------------------------------------------------------------------------------


@router.get("/login/candidate")
def candidate_login_page(request: Request, next: str | None = None) -> Response:
    return render(
        request, "candidate_login.html", step="contact", contact="", error=None, next=next or ""
    )


@router.post("/login/candidate/code")
async def candidate_code(request: Request) -> Response:
    form = await form_of(request)
    contact = str(form.get("contact", ""))
    try:
        throttle.hit(throttle.CODES_PER_ADDRESS, "code-ip", client_address(request))
        vault = app_vault(request)
        _, normal = accounts.normal_contact(contact)
        throttle.hit(throttle.CODES_PER_CONTACT, "code", normal)
        with sessions_of(request).begin() as session:
            known = accounts.find_candidate_account(session, vault, normal)
            if known is not None:
                accounts.send_code(
                    session, normal, vault=vault, purpose=f"login:{known}", now=utcnow()
                )
    except FairscreenError as exc:
        return render(
            request,
            "candidate_login.html",
            http_status=exc.http_status,
            step="contact",
            contact=contact,
            error=exc,
            next=str(form.get("next", "")),
        )
    return render(
        request,
        "candidate_login.html",
        step="code",
        contact=contact,
        error=None,
        next=str(form.get("next", "")),
    )


@router.post("/login/candidate")
async def candidate_login(request: Request) -> Response:
    form = await form_of(request)
    contact, code = str(form.get("contact", "")), str(form.get("code", "")).strip()
    vault = app_vault(request)
    try:
        throttle.hit(throttle.LOGIN_PER_ADDRESS, "login-ip", client_address(request))
        with sessions_of(request)() as session:

            def work() -> tuple[str, accounts.NewSession]:
                account = accounts.find_candidate_account(session, vault, contact)
                accounts.use_code(session, code, purpose=f"login:{account or '-'}", now=utcnow())
                assert account is not None
                return account, accounts.candidate_session(session, account, now=utcnow())

            account, made = accounts.committed(session, work)
            with session.begin():
                row = session.get(CandidateAccount, account)
                remembered = _remember(request, row) if row is not None else None
    except FairscreenError as exc:
        return render(
            request,
            "candidate_login.html",
            http_status=exc.http_status,
            step="code",
            contact=contact,
            error=exc,
            next=str(form.get("next", "")),
        )
    response = see_other(safe_next(str(form.get("next", "")), "/me"))
    set_session_cookie(response, made.token)
    if remembered:
        _language_cookie(response, remembered)
    return response


# -- the language ------------------------------------------------------------------------------


def _language_cookie(response: Response, language: str) -> None:
    response.set_cookie(
        i18n.COOKIE, language, max_age=400 * 24 * 3600, httponly=True, samesite="lax", path="/"
    )


@router.post("/lang")
async def choose_language(request: Request) -> Response:
    """Remember the person's language: in a cookie, and on their account when signed in (the
    form's CSRF token must then match)."""
    form = await form_of(request)
    chosen = i18n.valid(str(form.get("to", "")))
    back = safe_next(str(form.get("next", "")), "/")
    if chosen is None:
        return see_other(back)
    caller = caller_of(request)
    if caller is not None and caller.csrf_token is not None:
        if form.get("csrf") != caller.csrf_token:
            raise ForbiddenError("CSRF check failed: reload the page and choose again")
        model = StaffAccount if caller.actor.kind == "staff" else CandidateAccount
        if caller.actor.kind in ("staff", "candidate"):
            with sessions_of(request).begin() as session:
                session.execute(
                    update(model).where(model.id == caller.actor.id).values(locale=chosen)
                )
    response = see_other(back)
    _language_cookie(response, chosen)
    return response


# -- an invitation's link (public) -------------------------------------------------------------


@router.get("/invite/{token}")
def invitation_page(token: str, request: Request) -> Response:
    with sessions_of(request)() as session:
        view = invitations.public_view(session, token, now=utcnow())
    return render(request, "invitation.html", token=token, view=view, step="read", error=None)


@router.post("/invite/{token}/code")
def invitation_code(token: str, request: Request) -> Response:
    """A one-time code to the contact the invitation was sent to (only there). No session yet,
    so no CSRF token: the code only ever reaches the invited contact."""
    with sessions_of(request)() as session:
        view = invitations.public_view(session, token, now=utcnow())
    try:
        throttle.hit(throttle.CODES_PER_ADDRESS, "code-ip", client_address(request))
        throttle.hit(throttle.CODES_PER_CONTACT, "invitation-code", token[:64])
        with sessions_of(request).begin() as session:
            invitations.send_invitation_code(session, app_vault(request), token, now=utcnow())
    except FairscreenError as exc:
        return render(
            request,
            "invitation.html",
            http_status=exc.http_status,
            token=token,
            view=view,
            step="read",
            error=exc,
        )
    return render(request, "invitation.html", token=token, view=view, step="code", error=None)


@router.post("/invite/{token}/accept")
async def invitation_accept(token: str, request: Request) -> Response:
    form = await form_of(request)
    vault = app_vault(request)
    now = utcnow()
    try:
        throttle.hit(throttle.LOGIN_PER_ADDRESS, "login-ip", client_address(request))
        with sessions_of(request)() as session:

            def work() -> tuple[str, str, accounts.NewSession]:
                account, invitation_id = invitations.accept(
                    session, vault, token, str(form.get("code", "")).strip(), now=now
                )
                return account, invitation_id, accounts.candidate_session(session, account, now=now)

            account, invitation_id, made = accounts.committed(session, work)
            language = i18n.valid(request.cookies.get(i18n.COOKIE))
            if language:  # the language chosen on the link is the account's from now on
                with session.begin():
                    session.execute(
                        update(CandidateAccount)
                        .where(CandidateAccount.id == account)
                        .values(locale=language)
                    )
    except FairscreenError as exc:
        with sessions_of(request)() as session:
            view = invitations.public_view(session, token, now=utcnow())
        return render(
            request,
            "invitation.html",
            http_status=exc.http_status,
            token=token,
            view=view,
            step="code",
            error=exc,
        )
    response = see_other(f"/me/invitations/{invitation_id}")
    set_session_cookie(response, made.token)
    return response
