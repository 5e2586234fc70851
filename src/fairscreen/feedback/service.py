"""Step 4 as plain functions over a session: checks and their reports as each side sees them,
pre-adverse notices, disputes with documents, reinvestigation and re-rating, decisions with
their rules, and the decision tallies.

Every function loads the check it acts on and asks the permission policy whether the actor may
(``authorize``: another tenant's check, or another candidate's, is answered as not found). Staff
reads of a person's report, dispute or documents are written to the access log with their
purpose (PIPL art. 45: the candidate sees who read what). Every state change is one committed
row with its ledger entry (``ledger.record``), whose attributes are process facts only; the one
outcome-bearing fact on the ledger is a decision's compliance flag (docs/feedback.md).

Nothing here commits: callers own the transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import orjson
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fairscreen.accounts.policy import Actor, Target, authorize, reach
from fairscreen.accounts.service import log_access
from fairscreen.candidates.models import Candidate
from fairscreen.consent.models import Consent
from fairscreen.feedback import notify, rules
from fairscreen.feedback.models import (
    Decision,
    DecisionTally,
    Dispute,
    DisputeDocument,
    DisputeResolution,
    Notice,
)
from fairscreen.feedback.rerate import CORRECTABLE, CORRECTED, OUTCOMES, rerate
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import ConflictError, InputError, NotFoundError
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.organisations.models import Organisation, Position
from fairscreen.policy.periods import dispute_window_ends, reinvestigation_due, waiting_period_ends
from fairscreen.policy.vocabulary import Culpability, FindingCode, Penalty
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.online import (
    data_key_sealer,
    key_sealer,
    shipped_pack,
    shipped_ruleset,
)
from fairscreen.screening.report import open_content, seal_content, unverified_rated
from fairscreen.vault import Sealer, Vault
from fairscreen.vault.models import DataKey

PURPOSES = (
    "hiring_decision",
    "pre_adverse_notice",
    "dispute_reinvestigation",
    "compliance_review",
    "candidate_support",
)
MAX_DISPUTE_TEXT = 4000
MAX_DOCUMENTS = 5
MAX_DOCUMENT_BYTES = 1 << 20
# What a document may be, recognised by its first bytes (never by the name or the header the
# client sent): what is served back is one of these, as an attachment, never as HTML.
DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "text/plain")


class RuleBrokenError(ConflictError):
    """A notice or decision refused because it would break a rule; the problem details carry
    the rule (``rule``) and every rule broken (``rules``)."""

    title: ClassVar[str] = "rule broken"

    def __init__(self, broken: list[str]) -> None:
        super().__init__(f"{broken[0]}: {rules.EXPLAINED.get(broken[0], broken[0])}")
        self.extensions = {"rule": broken[0], "rules": broken}


@dataclass(frozen=True, slots=True)
class Loaded:
    """A check with what every operation on it needs."""

    request: CheckRequest
    candidate: Candidate
    sealer: Sealer

    @property
    def subject(self) -> str:
        return self.candidate.subject_ref

    @property
    def check_ref(self) -> str:
        return self.sealer.check_ref(self.request.id)


def _target(request: CheckRequest, candidate: Candidate | None) -> Target:
    return Target.of(
        request.employer_id,
        request.agency_id,
        candidate_account=candidate.account_id if candidate else None,
    )


def load_check(
    session: Session,
    vault: Vault,
    actor: Actor,
    request_id: str,
    action: str,
    *,
    lock: bool = False,
) -> Loaded:
    """The check ``request_id`` if ``actor`` may do ``action`` to it; else not found. The check,
    its candidate and the candidate's data key come in one query (``lock``: the check's row is
    locked, as before, and nothing else)."""
    stmt = (
        select(CheckRequest, Candidate, DataKey)
        .join(Candidate, Candidate.id == CheckRequest.candidate_id)
        .outerjoin(DataKey, DataKey.id == Candidate.data_key_id)
        .where(CheckRequest.id == request_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=CheckRequest)
    found = session.execute(stmt).first()
    if found is None:
        raise NotFoundError(f"check {request_id}: no such resource")
    request, candidate, key = found
    authorize(actor, action, _target(request, candidate), what=f"check {request_id}")
    return Loaded(request, candidate, key_sealer(vault, key, candidate.data_key_id))


def _versions(session: Session, request_id: str) -> list[Report]:
    return list(
        session.scalars(
            select(Report).where(Report.request_id == request_id).order_by(Report.version)
        )
    )


def _latest(session: Session, check: Loaded) -> tuple[Report, dict[str, Any]]:
    versions = _versions(session, check.request.id)
    if not versions:
        raise ConflictError(
            f"check {check.request.id}: no report ({check.request.stop_reason or 'stopped'})"
        )
    latest = versions[-1]
    return latest, open_content(check.sealer, latest.id, bytes(latest.content_ct))


def _facts(content: dict[str, Any]) -> rules.ReportFacts:
    return rules.ReportFacts(
        light=str(content["light"]), reasons=frozenset(r["rule"] for r in content["reasons"])
    )


def _open(sealer: Sealer, table: str, column: str, row_id: str, value: bytes) -> Any:
    return orjson.loads(sealer.open(table, column, row_id, bytes(value)))


def _seal(sealer: Sealer, table: str, column: str, row_id: str, value: Any) -> bytes:
    return sealer.seal(table, column, row_id, canonical_json(value))


def _org_of(actor: Actor, request: CheckRequest) -> str:
    return actor.organisation_id or request.agency_id or request.employer_id


def _is_agency(actor: Actor, request: CheckRequest) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == request.agency_id


# -- reading -----------------------------------------------------------------------------------


def check_summary(
    session: Session,
    request: CheckRequest,
    *,
    versions: list[Report] | None = None,
    notices: list[Notice] | None = None,
    decision: Decision | None = None,
) -> dict[str, Any]:
    """What a check is at, with nothing the sources found or anyone decided (those are in the
    report's answer, read with a purpose): states, versions, dates, deadlines. A caller that
    read the check's report versions, notices and decision already passes them (all three)."""
    position = session.get(Position, request.position_id)
    if versions is None or notices is None:
        notices = list(
            session.scalars(
                select(Notice).where(Notice.request_id == request.id).order_by(Notice.sent_at)
            )
        )
        decision = session.scalars(
            select(Decision).where(Decision.request_id == request.id)
        ).first()
        versions = _versions(session, request.id)
    disputes = session.scalars(
        select(Dispute).where(Dispute.request_id == request.id).order_by(Dispute.opened_at)
    )
    version_of = {r.id: r.version for r in versions}
    return {
        "id": request.id,
        "status": request.status,
        "stop_reason": request.stop_reason,
        "position": {"id": request.position_id, "title": position.title if position else None},
        "employer_id": request.employer_id,
        "agency_id": request.agency_id,
        "policy": request.policy,
        "as_of": request.as_of.isoformat(),
        "scope_fixed_at": request.scope_fixed_at.isoformat(),
        "versions": [
            {"version": v, "report_id": rid}
            for rid, v in sorted(version_of.items(), key=lambda x: x[1])
        ],
        "notices": [
            {
                "id": n.id,
                "version": version_of.get(n.report_id),
                "sent_at": n.sent_at.isoformat(),
                "waiting_until": n.waiting_until.isoformat(),
            }
            for n in notices
        ],
        "disputes": [
            {
                "id": d.id,
                "version": version_of.get(d.report_id),
                "status": d.status,
                "opened_at": d.opened_at.isoformat(),
                "due_at": d.due_at.isoformat(),
            }
            for d in disputes
        ],
        "decision": None
        if decision is None
        else {
            "id": decision.id,
            "decided_at": decision.decided_at.isoformat(),
            "version": version_of.get(decision.report_id),
            "flags": list(decision.flags),
        },
    }


def list_checks(
    session: Session, actor: Actor, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The checks the actor may see, newest first: an organisation's (as employer or agency),
    or a candidate's own."""
    scope = reach(actor, "check.read")
    stmt = select(CheckRequest).order_by(CheckRequest.scope_fixed_at.desc(), CheckRequest.id.desc())
    if scope.reach == "own_org":
        stmt = stmt.where(
            (CheckRequest.employer_id == scope.organisation_id)
            | (CheckRequest.agency_id == scope.organisation_id)
        )
    elif scope.reach == "self":
        stmt = stmt.join(Candidate, Candidate.id == CheckRequest.candidate_id).where(
            Candidate.account_id == scope.candidate_account_id
        )
    rows = session.scalars(stmt.limit(limit).offset(offset))
    return [check_summary(session, r) for r in rows]


def _finding_for_staff(f: dict[str, Any]) -> dict[str, Any]:
    return {
        key: f.get(key)
        for key in (
            "ref",
            "item",
            "source",
            "code",
            "subtype",
            "occurred_on",
            "ongoing",
            "count",
            "authoritative",
            "provenance",
            "detail",
        )
    }


def version_view(report: Report, content: dict[str, Any], *, candidate: bool) -> dict[str, Any]:
    """One report version as its reader may see it. The candidate: everything (every finding
    with its source and the rule it triggered, and what was excluded and why, without the
    excluded content, which is not kept). Staff: the light, the reasons with rule and legal
    basis, and the verified findings with their source; nothing excluded, not even that
    something was."""
    head = {
        "version": report.version,
        "report_id": report.id,
        "issued_at": report.issued_at.isoformat(),
        "ruleset": report.ruleset,
        "policy": report.policy,
        "light": content["light"],
        "reasons": content["reasons"],
        "not_checked": content["not_checked"],
        "changes": content.get("changes", []),
        # the artefacts that made it (kind, id@version, digest): public, cards under /models
        "models": content.get("models", []),
    }
    if candidate:
        rule_of = {ref: r["rule"] for r in content["reasons"] for ref in r["findings"]}
        return {
            **head,
            "findings": [{**f, "rule": rule_of.get(f["ref"])} for f in content["findings"]],
            "excluded": content["excluded"],
            "queries": content["queries"],
        }
    verified = [f for f in content["findings"] if f.get("exclusion") is None]
    rule_of = {ref: r["rule"] for r in content["reasons"] for ref in r["findings"]}
    return {
        **head,
        "findings": [{**_finding_for_staff(f), "rule": rule_of.get(f["ref"])} for f in verified],
    }


def read_report(
    session: Session,
    vault: Vault,
    actor: Actor,
    request_id: str,
    *,
    purpose: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Every version of a check's report, its notices (with their reasons) and its decision
    (with outcome and reasons), as the actor may see them. A staff read needs a purpose and is
    written to the access log."""
    check = load_check(session, vault, actor, request_id, "report.read")
    is_candidate = actor.kind == "candidate"
    if not is_candidate:
        if purpose not in PURPOSES:
            raise InputError("purpose", f"why you read it: one of {', '.join(PURPOSES)}")
        log_access(
            session,
            actor,
            candidate_id=check.candidate.id,
            request_id=request_id,
            action="report.read",
            purpose=purpose,
            now=now,
        )
    versions = _versions(session, request_id)
    version_of = {r.id: r.version for r in versions}
    notices = list(
        session.scalars(
            select(Notice).where(Notice.request_id == request_id).order_by(Notice.sent_at)
        )
    )
    decision = session.scalars(select(Decision).where(Decision.request_id == request_id)).first()
    return {
        "check": check_summary(
            session, check.request, versions=versions, notices=notices, decision=decision
        ),
        "versions": [
            version_view(
                r,
                open_content(check.sealer, r.id, bytes(r.content_ct)),
                candidate=is_candidate,
            )
            for r in versions
        ],
        "notices": [
            {
                "id": n.id,
                "version": version_of.get(n.report_id),
                "sent_at": n.sent_at.isoformat(),
                "waiting_until": n.waiting_until.isoformat(),
                "reasons": _open(check.sealer, "notices", "reasons_ct", n.id, n.reasons_ct),
            }
            for n in notices
        ],
        "decision": None
        if decision is None
        else _decision_view(check.sealer, decision, version_of),
    }


def read_decision(
    session: Session, vault: Vault, actor: Actor, request_id: str, *, now: datetime
) -> dict[str, Any] | None:
    """The check's decision with its outcome and reasons (a staff read is logged)."""
    check = load_check(session, vault, actor, request_id, "decision.read")
    decision = session.scalars(select(Decision).where(Decision.request_id == request_id)).first()
    if decision is None:
        return None
    if actor.kind != "candidate":
        log_access(
            session,
            actor,
            candidate_id=check.candidate.id,
            request_id=request_id,
            action="decision.read",
            purpose="hiring_decision",
            now=now,
        )
    version_of = {r.id: r.version for r in _versions(session, request_id)}
    return _decision_view(check.sealer, decision, version_of)


def _decision_view(
    sealer: Sealer, decision: Decision, version_of: dict[str, int]
) -> dict[str, Any]:
    content = _open(sealer, "decisions", "content_ct", decision.id, decision.content_ct)
    return {
        "id": decision.id,
        "version": version_of.get(decision.report_id),
        "decided_at": decision.decided_at.isoformat(),
        "outcome": content["outcome"],
        "reasons": content["reasons"],
        "flags": list(decision.flags),
        "insisted": decision.insisted,
        "ledger_index": decision.ledger_index,
    }


# -- pre-adverse notices -----------------------------------------------------------------------


def send_notice(
    session: Session,
    vault: Vault,
    actor: Actor,
    request_id: str,
    *,
    reasons: list[str],
    now: datetime,
) -> dict[str, Any]:
    """A pre-adverse notice on the latest report version, citing some of its reasons; the
    waiting period before an adverse decision runs from now (``policy.periods``)."""
    check = load_check(session, vault, actor, request_id, "notice.send", lock=True)
    latest, content = _latest(session, check)
    facts = _facts(content)
    already = session.scalar(
        select(Notice.id).where(Notice.request_id == request_id, Notice.report_id == latest.id)
    )
    broken = rules.notice_breaks(
        reasons=reasons, report=facts, already_on_latest=already is not None
    )
    if broken:
        raise RuleBrokenError(broken)
    pack = shipped_pack(check.request.policy)
    notice_id = new_id()
    waiting_until = waiting_period_ends(pack, now)
    row: dict[str, Any] = {
        "id": notice_id,
        "request_id": request_id,
        "report_id": latest.id,
        "sent_by": actor.label,
        "sent_at": now,
        "waiting_until": waiting_until,
        "reasons_ct": _seal(check.sealer, "notices", "reasons_ct", notice_id, sorted(set(reasons))),
    }
    index = record(
        session,
        EventType.NOTICE_SENT,
        Notice,
        row,
        at=now,
        org=_org_of(actor, check.request),
        subject=check.subject,
        check=check.check_ref,
        policy=check.request.policy,
        attrs={
            "employer": check.request.employer_id,
            "waiting_until": waiting_until.isoformat(),
        },
    )
    notify.tell(
        session,
        vault,
        check.request,
        notify.NOTICE_SENT,
        {
            "notice": notice_id,
            "version": latest.version,
            "waiting_until": waiting_until.isoformat(),
        },
        now=now,
    )
    return {
        "id": notice_id,
        "version": latest.version,
        "sent_at": now.isoformat(),
        "waiting_until": waiting_until.isoformat(),
        "reasons": sorted(set(reasons)),
        "ledger_index": index,
    }


# -- disputes ----------------------------------------------------------------------------------


def open_dispute(
    session: Session,
    vault: Vault,
    actor: Actor,
    request_id: str,
    *,
    finding: str,
    text: str,
    now: datetime,
) -> dict[str, Any]:
    """The candidate disputes a verified finding of the latest report version, within the
    dispute window (``dispute_days`` from the version's issue or the latest notice). The
    agency's reinvestigation is due ``reinvestigation_days`` later."""
    check = load_check(session, vault, actor, request_id, "dispute.create", lock=True)
    text = text.strip()
    if not text or len(text) > MAX_DISPUTE_TEXT:
        raise InputError("text", f"what is wrong and why, 1 to {MAX_DISPUTE_TEXT} characters")
    latest, content = _latest(session, check)
    found = next((f for f in content["findings"] if f["ref"] == finding), None)
    if found is None:
        raise InputError("finding", "the ref of a finding of the latest report version")
    if found.get("exclusion") is not None:
        raise ConflictError(
            f"finding {finding}: excluded ({found['exclusion']}): it is never rated or shown to "
            "the employer, and its content is not kept"
        )
    pack = shipped_pack(check.request.policy)
    last_notice = session.scalar(
        select(func.max(Notice.sent_at)).where(Notice.request_id == request_id)
    )
    seen = max(latest.issued_at, last_notice or latest.issued_at)
    if now > dispute_window_ends(pack, seen):
        raise RuleBrokenError(["dispute.window_closed"])
    open_disputes = session.scalars(
        select(Dispute).where(Dispute.request_id == request_id, Dispute.status == "open")
    )
    for other in open_disputes:
        opened = _open(check.sealer, "disputes", "content_ct", other.id, other.content_ct)
        if opened["finding"] == finding:
            raise RuleBrokenError(["dispute.already_open"])
    dispute_id = new_id()
    due_at = reinvestigation_due(pack, now)
    row: dict[str, Any] = {
        "id": dispute_id,
        "request_id": request_id,
        "report_id": latest.id,
        "opened_at": now,
        "due_at": due_at,
        "status": "open",
        "content_ct": _seal(
            check.sealer, "disputes", "content_ct", dispute_id, {"finding": finding, "text": text}
        ),
    }
    # Everything else first: the ledger entry is appended last, just before the commit, so the
    # ledger's lock (one appender at a time) is held for the append, the row and the commit only.
    notify.tell(
        session,
        vault,
        check.request,
        notify.DISPUTE_OPENED,
        {"dispute": dispute_id, "due_at": due_at.isoformat()},
        now=now,
    )
    index = record(
        session,
        EventType.DISPUTE_OPENED,
        Dispute,
        row,
        at=now,
        org=check.request.agency_id or check.request.employer_id,
        subject=check.subject,
        check=check.check_ref,
        policy=check.request.policy,
        attrs={"employer": check.request.employer_id, "due_by": due_at.isoformat()},
    )
    return {
        "id": dispute_id,
        "check_id": request_id,
        "version": latest.version,
        "finding": finding,
        "status": "open",
        "opened_at": now.isoformat(),
        "due_at": due_at.isoformat(),
        "ledger_index": index,
    }


def _load_dispute(
    session: Session,
    vault: Vault,
    actor: Actor,
    dispute_id: str,
    action: str,
    *,
    lock: bool = False,
) -> tuple[Dispute, Loaded]:
    dispute = session.get(Dispute, dispute_id, with_for_update=lock)
    if dispute is None:
        raise NotFoundError(f"dispute {dispute_id}: no such resource")
    request = session.get(CheckRequest, dispute.request_id)
    candidate = session.get(Candidate, request.candidate_id) if request else None
    if request is None or candidate is None:
        raise NotFoundError(f"dispute {dispute_id}: no such resource")
    target = _target(request, candidate)
    if action == "dispute.resolve":
        target = Target.of(request.agency_id)  # only the agency that ran the check answers
    authorize(actor, action, target, what=f"dispute {dispute_id}")
    return dispute, Loaded(
        request, candidate, data_key_sealer(session, vault, candidate.data_key_id)
    )


def _documents(session: Session, dispute_id: str) -> list[DisputeDocument]:
    return list(
        session.scalars(
            select(DisputeDocument)
            .where(DisputeDocument.dispute_id == dispute_id)
            .order_by(DisputeDocument.uploaded_at, DisputeDocument.id)
        )
    )


def dispute_view(
    session: Session, dispute: Dispute, check: Loaded, *, full: bool
) -> dict[str, Any]:
    """A dispute: its state, deadline and outcome for anyone who may read it; the candidate's
    text and the list of documents for the candidate and the agency (``full``)."""
    content = _open(check.sealer, "disputes", "content_ct", dispute.id, dispute.content_ct)
    resolution = session.scalars(
        select(DisputeResolution).where(DisputeResolution.dispute_id == dispute.id)
    ).first()
    versions = {r.id: r.version for r in _versions(session, dispute.request_id)}
    out: dict[str, Any] = {
        "id": dispute.id,
        "check_id": dispute.request_id,
        "version": versions.get(dispute.report_id),
        "finding": content["finding"],
        "status": dispute.status,
        "opened_at": dispute.opened_at.isoformat(),
        "due_at": dispute.due_at.isoformat(),
        "resolution": None,
    }
    if resolution is not None:
        out["resolution"] = {
            "outcome": resolution.outcome,
            "by": resolution.by,
            "resolved_at": resolution.resolved_at.isoformat(),
            "new_version": versions.get(resolution.report_id or ""),
        }
    if full:
        out["text"] = content["text"]
        out["documents"] = [
            {
                "id": d.id,
                "media_type": d.media_type,
                "size": d.size,
                "name": check.sealer.open(
                    "dispute_documents", "name_ct", d.id, bytes(d.name_ct)
                ).decode(),
                "uploaded_at": d.uploaded_at.isoformat(),
            }
            for d in _documents(session, dispute.id)
        ]
        if resolution is not None:
            sealed = _open(
                check.sealer,
                "dispute_resolutions",
                "content_ct",
                resolution.id,
                resolution.content_ct,
            )
            out["resolution"]["note"] = sealed.get("note")
            out["resolution"]["correction"] = sealed.get("correction")
    return out


def read_dispute(
    session: Session, vault: Vault, actor: Actor, dispute_id: str, *, now: datetime
) -> dict[str, Any]:
    dispute, check = _load_dispute(session, vault, actor, dispute_id, "dispute.read")
    full = actor.kind == "candidate" or _is_agency(actor, check.request)
    if full and actor.kind != "candidate":
        log_access(
            session,
            actor,
            candidate_id=check.candidate.id,
            request_id=check.request.id,
            action="dispute.read",
            purpose="dispute_reinvestigation",
            now=now,
        )
    return dispute_view(session, dispute, check, full=full)


def list_disputes(
    session: Session,
    vault: Vault,
    actor: Actor,
    *,
    status: str | None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Disputes the actor may read, by deadline: an organisation's (state and deadline), or a
    candidate's own (with their text)."""
    if status is not None and status not in ("open", "resolved"):
        raise InputError("status", "open or resolved")
    scope = reach(actor, "dispute.read")
    stmt = (
        select(Dispute, CheckRequest, Candidate)
        .join(CheckRequest, CheckRequest.id == Dispute.request_id)
        .join(Candidate, Candidate.id == CheckRequest.candidate_id)
        .order_by(Dispute.due_at, Dispute.id)
    )
    if scope.reach == "own_org":
        stmt = stmt.where(
            (CheckRequest.employer_id == scope.organisation_id)
            | (CheckRequest.agency_id == scope.organisation_id)
        )
    elif scope.reach == "self":
        stmt = stmt.where(Candidate.account_id == scope.candidate_account_id)
    if status is not None:
        stmt = stmt.where(Dispute.status == status)
    out = []
    for dispute, request, candidate in session.execute(stmt.limit(limit).offset(offset)):
        check = Loaded(request, candidate, data_key_sealer(session, vault, candidate.data_key_id))
        out.append(dispute_view(session, dispute, check, full=actor.kind == "candidate"))
    return out


def sniff(content: bytes) -> str | None:
    """The document type of ``content`` from its first bytes, or None if it is none of
    ``DOCUMENT_TYPES`` (text must be UTF-8 without control characters other than whitespace)."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text) or "\x7f" in text:
        return None
    head = text.lstrip()[:256].lower()
    if head.startswith(("<!doctype", "<html", "<script", "<svg", "<?xml")):
        return None  # markup is not a text document: it could run if opened as HTML
    return "text/plain"


def add_document(
    session: Session,
    vault: Vault,
    actor: Actor,
    dispute_id: str,
    *,
    name: str,
    content: bytes,
    now: datetime,
) -> dict[str, Any]:
    """A document for an open dispute of the candidate's own: at most ``MAX_DOCUMENTS`` of at
    most ``MAX_DOCUMENT_BYTES``, a PDF, PNG, JPEG or plain text by its content, sealed."""
    dispute, check = _load_dispute(session, vault, actor, dispute_id, "dispute.create", lock=True)
    if dispute.status != "open":
        raise ConflictError(f"dispute {dispute_id}: resolved; documents go with an open dispute")
    name = name.strip()
    if not name or len(name) > 200 or any(c in name for c in "/\\\x00"):
        raise InputError("name", "the file's name, 1 to 200 characters, no path")
    if not content:
        raise InputError("body", "the document's bytes")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise InputError("body", f"at most {MAX_DOCUMENT_BYTES} bytes")
    media_type = sniff(content)
    if media_type is None:
        raise InputError("body", f"a document of one of these types: {', '.join(DOCUMENT_TYPES)}")
    if len(_documents(session, dispute_id)) >= MAX_DOCUMENTS:
        raise ConflictError(f"dispute {dispute_id}: at most {MAX_DOCUMENTS} documents")
    document_id = new_id()
    row = {
        "id": document_id,
        "dispute_id": dispute_id,
        "media_type": media_type,
        "size": len(content),
        "name_ct": check.sealer.seal("dispute_documents", "name_ct", document_id, name.encode()),
        "content_ct": check.sealer.seal("dispute_documents", "content_ct", document_id, content),
        "uploaded_at": now,
    }
    session.execute(table_of(DisputeDocument).insert(), [row])
    return {
        "id": document_id,
        "media_type": media_type,
        "size": len(content),
        "name": name,
        "uploaded_at": now.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    media_type: str
    content: bytes


def read_document(
    session: Session,
    vault: Vault,
    actor: Actor,
    dispute_id: str,
    document_id: str,
    *,
    now: datetime,
) -> Document:
    """A dispute's document, for the candidate and the agency that reinvestigates (the
    employer sees that documents exist, not what they say)."""
    dispute, check = _load_dispute(session, vault, actor, dispute_id, "dispute.read")
    if actor.kind != "candidate" and not _is_agency(actor, check.request):
        raise NotFoundError(f"document {document_id}: no such resource")
    document = session.get(DisputeDocument, document_id)
    if document is None or document.dispute_id != dispute.id:
        raise NotFoundError(f"document {document_id}: no such resource")
    if actor.kind != "candidate":
        log_access(
            session,
            actor,
            candidate_id=check.candidate.id,
            request_id=check.request.id,
            action="dispute.read",
            purpose="dispute_reinvestigation",
            now=now,
        )
    sealer = check.sealer
    return Document(
        sealer.open("dispute_documents", "name_ct", document.id, bytes(document.name_ct)).decode(),
        document.media_type,
        sealer.open("dispute_documents", "content_ct", document.id, bytes(document.content_ct)),
    )


def _correction(correction: dict[str, Any] | None) -> dict[str, Any] | None:
    """A reviewer's correction, checked field by field."""
    if correction is None:
        return None
    out: dict[str, Any] = {}
    for key, value in correction.items():
        where = f"correction.{key}"
        if key not in CORRECTABLE:
            raise InputError(where, f"one of {', '.join(CORRECTABLE)}")
        if key == "code":
            if value is not None and value not in {str(c) for c in FindingCode}:
                raise InputError(where, "a finding code, or null for no adverse outcome")
        elif key == "subtype":
            if value is not None and (not isinstance(value, str) or len(value) > 60):
                raise InputError(where, "a subtype name (at most 60 characters) or null")
        elif key == "occurred_on":
            try:
                value = date.fromisoformat(value).isoformat() if value is not None else None
            except (TypeError, ValueError):
                raise InputError(where, "a date YYYY-MM-DD or null") from None
        elif key in ("ongoing", "probation"):
            if not isinstance(value, bool):
                raise InputError(where, "true or false")
        elif key in ("culpability", "penalty"):
            allowed = {str(v) for v in (Culpability if key == "culpability" else Penalty)}
            if value is not None and value not in allowed:
                raise InputError(where, f"one of {', '.join(sorted(allowed))}, or null")
        elif key == "count":
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise InputError(where, "a count from 0 up, or null")
        elif key == "detail" and value is not None and not isinstance(value, dict):
            raise InputError(where, "an object, or null")
        out[key] = value
    return out


def resolve_dispute(
    session: Session,
    vault: Vault,
    actor: Actor,
    dispute_id: str,
    *,
    outcome: str,
    correction: dict[str, Any] | None,
    note: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The agency's reinvestigation: the finding corrected, confirmed or deleted; the report is
    re-rated with the same rule set as a new version, and everyone is told."""
    if outcome not in OUTCOMES:
        raise InputError("outcome", f"one of {', '.join(OUTCOMES)}")
    correction = _correction(correction)
    if outcome == CORRECTED and not correction:
        raise InputError("correction", "what is corrected (a corrected finding needs one)")
    if note is not None and len(note) > 2000:
        raise InputError("note", "at most 2000 characters")
    dispute, check = _load_dispute(session, vault, actor, dispute_id, "dispute.resolve", lock=True)
    return conclude(
        session,
        vault,
        dispute,
        check,
        outcome=outcome,
        correction=correction if outcome == CORRECTED else None,
        note=note,
        by="reviewer",
        actor=actor,
        now=now,
    )


def conclude(
    session: Session,
    vault: Vault,
    dispute: Dispute,
    check: Loaded,
    *,
    outcome: str,
    correction: dict[str, Any] | None,
    note: str | None,
    by: str,
    actor: Actor | None,
    now: datetime,
) -> dict[str, Any]:
    """End an open dispute (by a reviewer, or by its deadline: ``deleted``): re-rate the report
    from the disputed version and issue it as the next version, record the resolution, and tell
    the candidate and the organisations."""
    if dispute.status != "open":
        raise ConflictError(f"dispute {dispute.id}: resolved already")
    request = check.request
    disputed = _open(check.sealer, "disputes", "content_ct", dispute.id, dispute.content_ct)
    latest, content = _latest(session, check)
    position = session.get(Position, request.position_id)
    assert position is not None
    pack = shipped_pack(request.policy)
    new_content = rerate(
        content,
        finding=disputed["finding"],
        outcome=outcome,
        correction=correction,
        ruleset=shipped_ruleset(pack, latest.ruleset),
        category=position.category,
        as_of=request.as_of,
        change={
            "dispute": dispute.id,
            "finding": disputed["finding"],
            "outcome": outcome,
            "by": by,
            "at": now.isoformat(),
        },
    )
    report_id = new_id()
    version = latest.version + 1
    org = (
        actor.organisation_id
        if actor and actor.organisation_id
        else (request.agency_id or request.employer_id)
    )
    report_row: dict[str, Any] = {
        "id": report_id,
        "request_id": request.id,
        "version": version,
        "ruleset": latest.ruleset,
        "policy": latest.policy,
        "issued_at": now,
        "content_ct": seal_content(check.sealer, report_id, new_content),
    }
    record(
        session,
        EventType.REPORT_ISSUED,
        Report,
        report_row,
        at=now,
        org=org,
        subject=check.subject,
        check=check.check_ref,
        policy=latest.policy,
        ruleset=latest.ruleset,
        attrs={
            "employer": request.employer_id,
            "version": version,
            "unverified": unverified_rated(new_content),
        },
    )
    resolution_id = new_id()
    resolution: dict[str, Any] = {
        "id": resolution_id,
        "dispute_id": dispute.id,
        "outcome": outcome,
        "by": by,
        "resolved_by": actor.label if actor else None,
        "resolved_at": now,
        "content_ct": _seal(
            check.sealer,
            "dispute_resolutions",
            "content_ct",
            resolution_id,
            {"correction": correction, "note": note},
        ),
        "report_id": report_id,
    }
    record(
        session,
        EventType.DISPUTE_RESOLVED,
        DisputeResolution,
        resolution,
        at=now,
        org=org,
        subject=check.subject,
        check=check.check_ref,
        policy=latest.policy,
        attrs={"employer": request.employer_id, "by": by},
    )
    session.execute(
        update(table_of(Dispute)).where(Dispute.id == dispute.id).values(status="resolved")
    )
    session.refresh(dispute)
    notify.tell(
        session,
        vault,
        request,
        notify.DISPUTE_RESOLVED,
        {"dispute": dispute.id, "version": version},
        now=now,
    )
    notify.tell(session, vault, request, notify.REPORT_ISSUED, {"version": version}, now=now)
    return dispute_view(session, dispute, check, full=True)


# -- decisions ---------------------------------------------------------------------------------


def record_decision(
    session: Session,
    vault: Vault,
    actor: Actor,
    request_id: str,
    *,
    outcome: str,
    reasons: list[str],
    insist: bool,
    now: datetime,
) -> dict[str, Any]:
    """A hiring decision, with reasons picked from the latest report version's reasons. One that
    breaks a rule (``feedback.rules``) is refused with the rule, unless the organisation
    insists (``insist``, a role with ``decision.insist``): then it is recorded with its
    compliance flags, on the ledger entry and in the regulator's tallies."""
    if outcome not in rules.OUTCOMES:
        raise InputError("outcome", f"one of {', '.join(rules.OUTCOMES)}")
    if insist:
        authorize(actor, "decision.insist")
    check = load_check(session, vault, actor, request_id, "decision.record", lock=True)
    if session.scalar(select(Decision.id).where(Decision.request_id == request_id)):
        raise RuleBrokenError(["decision.already_recorded"])
    latest, content = _latest(session, check)
    notices = [
        rules.NoticeFacts(n.waiting_until, n.report_id == latest.id)
        for n in session.scalars(select(Notice).where(Notice.request_id == request_id))
    ]
    open_disputes = int(
        session.scalar(
            select(func.count())
            .select_from(Dispute)
            .where(Dispute.request_id == request_id, Dispute.status == "open")
        )
        or 0
    )
    cited = list(dict.fromkeys(reasons))
    broken = rules.decision_breaks(
        outcome=outcome,
        reasons=cited,
        report=_facts(content),
        notices=notices,
        open_disputes=open_disputes,
        now=now,
    )
    if broken and not insist:
        raise RuleBrokenError(broken)
    decision_id = new_id()
    row: dict[str, Any] = {
        "id": decision_id,
        "request_id": request_id,
        "report_id": latest.id,
        "decided_by": actor.label,
        "decided_at": now,
        "content_ct": _seal(
            check.sealer,
            "decisions",
            "content_ct",
            decision_id,
            {"outcome": outcome, "reasons": cited},
        ),
        "flags": broken,
        "insisted": bool(insist and broken),
    }
    attrs: dict[str, Any] = {"employer": check.request.employer_id}
    if broken:
        attrs["flag"] = broken[0]
        if len(broken) > 1:
            attrs["flags"] = broken  # every rule broken (the regulator's off-site rules read them)
    # Everything else first, the ledger entry last, just before the commit: the ledger's lock
    # (one appender at a time) is then held for the append, the row and the commit only. The
    # tally's row lock (one per employer, month, outcome and light) is taken just before it.
    _retain_after_decision(session, check, now)
    notify.tell(
        session, vault, check.request, notify.DECISION_RECORDED, {"decision": decision_id}, now=now
    )
    count_decision(
        session,
        employer=check.request.employer_id,
        at=now,
        outcome=outcome,
        light=str(content["light"]),
        flags=broken,
    )
    index = record(
        session,
        EventType.DECISION_RECORDED,
        Decision,
        row,
        at=now,
        org=_org_of(actor, check.request),
        subject=check.subject,
        check=check.check_ref,
        policy=check.request.policy,
        attrs=attrs,
    )
    return {
        "id": decision_id,
        "check_id": request_id,
        "version": latest.version,
        "outcome": outcome,
        "reasons": cited,
        "decided_at": now.isoformat(),
        "flags": broken,
        "insisted": row["insisted"],
        "ledger_index": index,
    }


def _retain_after_decision(session: Session, check: Loaded, now: datetime) -> None:
    """After the decision, the candidate's data is kept for the consent's retention (the
    pack's ``default_retention_days`` unless the consent says otherwise), then destroyed. A
    candidate record with other checks keeps the latest of its deadlines."""
    consent = session.get(Consent, check.request.consent_id) if check.request.consent_id else None
    pack = shipped_pack(check.request.policy)
    days = consent.retention_days if consent else pack.periods.default_retention_days
    until = now.date() + timedelta(days=days)
    others = session.scalar(
        select(func.count())
        .select_from(CheckRequest)
        .where(CheckRequest.candidate_id == check.candidate.id, CheckRequest.id != check.request.id)
    )
    if others:
        until = max(until, check.candidate.retain_until)
    session.execute(
        update(table_of(Candidate))
        .where(Candidate.id == check.candidate.id)
        .values(retain_until=until)
    )


# -- decision tallies --------------------------------------------------------------------------

MIN_CELL = 5
_TALLIES = table_of(DecisionTally)


def count_decision(
    session: Session, *, employer: str, at: datetime, outcome: str, light: str, flags: list[str]
) -> None:
    """Count one decision: under flag "" and under each rule it broke."""
    month = at.strftime("%Y-%m")
    counts = Counter([(employer, month, outcome, light, f) for f in ["", *sorted(set(flags))]])
    rows = [
        {"employer_id": e, "month": m, "outcome": o, "light": lt, "flag": f, "count": n}
        for (e, m, o, lt, f), n in sorted(counts.items())
    ]
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_TALLIES)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["employer_id", "month", "outcome", "light", "flag"],
            set_={"count": _TALLIES.c.count + stmt.excluded.count},
        ),
        rows,
    )


def decision_tallies(
    session: Session, actor: Actor, *, employer: str | None, month: str | None
) -> list[dict[str, Any]]:
    """Decision counts per employer and month, by outcome, light and flag. Counts of all
    decisions below ``MIN_CELL`` are shown as ``<5`` (an employer with one candidate in a month
    could otherwise read that person's outcome off the table); flagged counts are exact: they
    are the employer's conduct, and the regulator must see each breach."""
    scope = reach(actor, "tally.read")
    stmt = select(_TALLIES, Organisation.name).join(
        Organisation, Organisation.id == _TALLIES.c.employer_id
    )
    if scope.reach == "own_org":
        stmt = stmt.where(_TALLIES.c.employer_id == scope.organisation_id)
    if employer is not None:
        stmt = stmt.where(_TALLIES.c.employer_id == employer)
    if month is not None:
        stmt = stmt.where(_TALLIES.c.month == month)
    stmt = stmt.order_by(
        _TALLIES.c.employer_id,
        _TALLIES.c.month,
        _TALLIES.c.outcome,
        _TALLIES.c.light,
        _TALLIES.c.flag,
    )
    out = []
    for row in session.execute(stmt):
        count = int(row._mapping["count"])
        shown = str(count) if row.flag or count >= MIN_CELL else f"<{MIN_CELL}"
        out.append(
            {
                "employer_id": row.employer_id,
                "employer": row.name,
                "month": row.month,
                "outcome": row.outcome,
                "light": row.light,
                "flag": row.flag or None,
                "count": shown,
            }
        )
    return out


def report_tallies(
    session: Session, actor: Actor, *, employer: str | None, month: str | None
) -> list[dict[str, Any]]:
    """The report tallies (``rating.tallies``) the actor may read, cells below the minimum
    suppressed."""
    from fairscreen.rating import tallies

    scope = reach(actor, "tally.read")
    if scope.reach == "own_org":
        if employer is not None and employer != scope.organisation_id:
            return []
        employer = scope.organisation_id
    return [
        {
            "employer_id": t.employer,
            "month": t.month,
            "ruleset": t.ruleset,
            "light": t.light,
            "rule": t.rule or None,
            "count": t.shown,
        }
        for t in tallies.read(session, employer=employer, month=month)
    ]
