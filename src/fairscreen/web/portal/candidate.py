"""The candidate's portal (候選人): the invitation signed item by item, the checks and their
progress, the report with every finding, source and rule and what was excluded and why, disputes
with text and documents, who read my data, revoking a consent, asking for deletion, and the
ledger receipts, verified in the page (server-side, with the log's public key).

Every page calls the same service functions as the API, under the same permission checks."""

from __future__ import annotations

import json
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from fairscreen.accounts.policy import Actor
from fairscreen.accounts.service import accesses
from fairscreen.candidates.models import Candidate
from fairscreen.consent import invitations
from fairscreen.feedback import service as feedback
from fairscreen.jobs.status import CheckStatus, check_status
from fairscreen.kit.clock import today, utcnow
from fairscreen.kit.errors import FairscreenError, InputError
from fairscreen.ledger import checkpoints, receipts
from fairscreen.ledger.log import LedgerError
from fairscreen.policy.pack import load_pack
from fairscreen.retention import deletion
from fairscreen.vault.lazy import app_vault
from fairscreen.web.portal.base import Page, as_list, form_of, render, see_other, sessions_of

router = APIRouter(include_in_schema=False)
Candidate_ = Annotated[Actor, Depends(Page(None, kind="candidate"))]
DEGREES = ("associate", "bachelor", "master", "doctorate")
EMPLOYMENT_ROWS = 3


@router.get("/me")
def home(request: Request, actor: Candidate_) -> Response:
    vault = app_vault(request)
    with sessions_of(request)() as session:
        mine = invitations.list_invitations(
            session, vault, actor, client_reference=None, now=utcnow()
        )
        checks = feedback.list_checks(session, actor)
        consents = invitations.list_consents(session, actor)
        requests = [v.as_json(today()) for v in deletion.account_requests(session, actor.id)]
    return render(
        request,
        "me/home.html",
        invitations=mine,
        checks=checks,
        consents=consents,
        requests=requests,
        done=request.query_params.get("done"),
    )


# -- signing, item by item ---------------------------------------------------------------------


@router.get("/me/invitations/{invitation_id}")
def invitation(invitation_id: str, request: Request, actor: Candidate_) -> Response:
    with sessions_of(request)() as session:
        found = invitations.get_for(session, actor, invitation_id, "invitation.read")
        view = invitations.candidate_view(session, found, now=utcnow())
    if view["check_id"]:
        return see_other(f"/me/checks/{view['check_id']}")
    return render(
        request,
        "me/sign.html",
        view=view,
        error=None,
        values={},
        degrees=DEGREES,
        rows=range(EMPLOYMENT_ROWS),
    )


def _claims(form: dict[str, Any]) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if str(form.get("edu_institution", "")).strip():
        year = str(form.get("edu_graduated", "")).strip()
        if not year.isdigit():
            raise InputError("edu_graduated", "the year you graduated, such as 2010")
        claims["education"] = [
            {
                "institution": str(form["edu_institution"]).strip(),
                "degree": str(form.get("edu_degree", "bachelor")),
                "field": str(form.get("edu_field", "")).strip(),
                "graduated": int(year),
            }
        ]
    jobs = []
    for n in range(EMPLOYMENT_ROWS):
        employer = str(form.get(f"job{n}_employer", "")).strip()
        if not employer:
            continue
        job = {
            "employer": employer,
            "title": str(form.get(f"job{n}_title", "")).strip(),
            "start": str(form.get(f"job{n}_start", "")).strip(),
        }
        if end := str(form.get(f"job{n}_end", "")).strip():
            job["end"] = end
        jobs.append(job)
    if jobs:
        claims["employment"] = jobs
    return claims


@router.post("/me/invitations/{invitation_id}/sign")
async def sign(invitation_id: str, request: Request, actor: Candidate_) -> Response:
    from fairscreen.feedback.jobs import run_check

    form = await form_of(request)
    vault = app_vault(request)
    sessions = sessions_of(request)
    try:
        identity = {
            "name": str(form.get("name", "")).strip(),
            "id_document": {
                "kind": str(form.get("id_kind", "cn_resident_id")),
                "number": str(form.get("id_number", "")).strip(),
            },
            "birth_date": str(form.get("birth_date", "")).strip(),
        }
        with sessions.begin() as session:
            invitations.sign(
                session,
                vault,
                actor,
                invitation_id,
                identity=identity,
                claims=_claims(form),
                items=as_list(form.get("items")),
                separate_items=as_list(form.get("separate_items")),
                now=utcnow(),
            )
    except FairscreenError as exc:
        with sessions() as session:
            found = invitations.get_for(session, actor, invitation_id, "invitation.read")
            view = invitations.candidate_view(session, found, now=utcnow())
        return render(
            request,
            "me/sign.html",
            http_status=exc.http_status,
            view=view,
            error=exc,
            values={**form, "items": as_list(form.get("items"))},
            degrees=DEGREES,
            rows=range(EMPLOYMENT_ROWS),
        )
    try:
        run = run_check(sessions, vault, invitation_id, now=utcnow())
    except FairscreenError:
        return see_other("/me?done=signed")  # the server's scheduler runs it when it can
    return see_other(f"/me/checks/{run.request_id}")


# -- the report --------------------------------------------------------------------------------


def _report(request: Request, actor: Actor, check_id: str) -> dict[str, Any]:
    with sessions_of(request).begin() as session:
        return feedback.read_report(
            session, app_vault(request), actor, check_id, purpose=None, now=utcnow()
        )


def _my_disputes(request: Request, actor: Actor, check_id: str) -> list[dict[str, Any]]:
    with sessions_of(request)() as session:
        every = feedback.list_disputes(session, app_vault(request), actor, status=None)
    return [d for d in every if d["check_id"] == check_id]


def _status(request: Request, check_id: str) -> CheckStatus:
    """Where the check stands (after ``_report`` found it the candidate's own)."""
    with sessions_of(request)() as session:
        return check_status(session, check_id, now=utcnow())


@router.get("/me/checks/{check_id}")
def check(check_id: str, request: Request, actor: Candidate_) -> Response:
    report = _report(request, actor, check_id)
    return render(
        request,
        "me/report.html",
        report=report,
        status=_status(request, check_id),
        disputes=_my_disputes(request, actor, check_id),
        error=None,
    )


@router.post("/me/checks/{check_id}/disputes")
async def open_dispute(check_id: str, request: Request, actor: Candidate_) -> Response:
    form = await form_of(request)
    try:
        with sessions_of(request).begin() as session:
            made = feedback.open_dispute(
                session,
                app_vault(request),
                actor,
                check_id,
                finding=str(form.get("finding", "")),
                text=str(form.get("text", "")).strip(),
                now=utcnow(),
            )
    except FairscreenError as exc:
        return render(
            request,
            "me/report.html",
            http_status=exc.http_status,
            report=_report(request, actor, check_id),
            status=_status(request, check_id),
            disputes=_my_disputes(request, actor, check_id),
            error=exc,
        )
    return see_other(f"/me/disputes/{made['id']}")


@router.get("/me/disputes/{dispute_id}")
def dispute(dispute_id: str, request: Request, actor: Candidate_) -> Response:
    with sessions_of(request).begin() as session:
        view = feedback.read_dispute(session, app_vault(request), actor, dispute_id, now=utcnow())
    return render(request, "me/dispute.html", dispute=view, error=None)


@router.post("/me/disputes/{dispute_id}/documents")
async def add_document(dispute_id: str, request: Request, actor: Candidate_) -> Response:
    form = await request.form()
    upload = form.get("document")
    error: FairscreenError | None = None
    if not isinstance(upload, UploadFile) or not upload.filename:
        error = InputError("document", "choose a file: a PDF, PNG, JPEG or plain text")
    else:
        content = await upload.read(feedback.MAX_DOCUMENT_BYTES + 1)
        try:
            with sessions_of(request).begin() as session:
                feedback.add_document(
                    session,
                    app_vault(request),
                    actor,
                    dispute_id,
                    name=upload.filename,
                    content=content,
                    now=utcnow(),
                )
        except FairscreenError as exc:
            error = exc
    if error is None:
        return see_other(f"/me/disputes/{dispute_id}")
    with sessions_of(request).begin() as session:
        view = feedback.read_dispute(session, app_vault(request), actor, dispute_id, now=utcnow())
    return render(
        request, "me/dispute.html", http_status=error.http_status, dispute=view, error=error
    )


# -- who read my data, consents, deletion ------------------------------------------------------


@router.get("/me/access")
def access_log(request: Request, actor: Candidate_) -> Response:
    with sessions_of(request)() as session:
        mine = list(session.scalars(select(Candidate.id).where(Candidate.account_id == actor.id)))
        reads = accesses(session, mine) if mine else []
    return render(request, "me/access.html", reads=reads)


@router.post("/me/consents/{consent_id}/revoke")
async def revoke(consent_id: str, request: Request, actor: Candidate_) -> Response:
    with sessions_of(request).begin() as session:
        invitations.revoke(session, actor, consent_id, now=utcnow())
    return see_other("/me?done=revoked")


@router.get("/me/deletion")
def deletion_page(request: Request, actor: Candidate_) -> Response:
    with sessions_of(request)() as session:
        requests = [v.as_json(today()) for v in deletion.account_requests(session, actor.id)]
    return render(request, "me/deletion.html", requests=requests)


@router.post("/me/deletion")
async def ask_deletion(
    request: Request, actor: Annotated[Actor, Depends(Page("deletion.request", kind="candidate"))]
) -> Response:
    with sessions_of(request).begin() as session:
        deletion.receive_own(session, actor.id, now=utcnow(), pack=load_pack())
    return see_other("/me/deletion")


# -- receipts ----------------------------------------------------------------------------------


def _own_receipt(request: Request, actor: Actor, index: int) -> dict[str, Any]:
    """The receipt of one of the candidate's own consents (else 404, as for anyone else's)."""
    with sessions_of(request)() as session:
        mine = {c["receipt"]["ledger_index"] for c in invitations.list_consents(session, actor)}
        if index not in mine:
            from fairscreen.kit.errors import NotFoundError

            raise NotFoundError(f"receipt {index}: no such resource")
        try:
            return receipts.build_receipt(session, index)
        except LedgerError as exc:
            raise _NotYetError(str(exc)) from None


class _NotYetError(FairscreenError):
    http_status = 409
    title = "not yet"


@router.get("/me/receipts/{index}")
def receipt_page(index: int, request: Request, actor: Candidate_) -> Response:
    try:
        receipt = _own_receipt(request, actor, index)
    except _NotYetError as exc:
        return render(
            request,
            "me/receipt.html",
            index=index,
            receipt=None,
            verdict=None,
            entry=None,
            problem=str(exc),
        )
    verdict: dict[str, Any]
    entry: Any = None
    try:
        verified = receipts.verify_receipt(receipt, checkpoints.verifier_key())
        verdict = {"ok": True, "tree_size": verified.tree_size, "origin": verified.origin}
        if verified.entry is not None:
            entry = json.dumps(orjson.loads(verified.entry), ensure_ascii=False, indent=2)
    except FairscreenError as exc:
        verdict = {"ok": False, "why": str(exc)}
    return render(
        request,
        "me/receipt.html",
        index=index,
        receipt=receipt,
        verdict=verdict,
        entry=entry,
        problem=None,
    )


@router.get("/me/receipts/{index}/receipt.json")
def receipt_download(index: int, request: Request, actor: Candidate_) -> Response:
    receipt = _own_receipt(request, actor, index)
    return Response(
        json.dumps(receipt, ensure_ascii=False, indent=2).encode(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="fairscreen-receipt-{index}.json"',
            "Cache-Control": "no-store",
        },
    )
