"""Checks started online: an invited candidate signed their consent (``consent.invitations``),
and the check runs against the sandbox's records through the same pipeline (``pipeline.screen``)
and the same ``Recorder`` as a world file's batch, so its rows, sealing and ledger entries are
the same.

``run_invited_check`` runs one check in the caller's transaction: it is what the consent route
calls right after the signature is committed, and what a job runner calls for a consent whose
check has not run yet (``feedback.jobs.run_pending_checks``; the server's scheduler does).
``open_invited_check`` opens the same check as jobs instead (``fairscreen.jobs``: PostgreSQL
with ``FAIRSCREEN_CHECK_WORKERS``), its sources asked later by ``fairscreen worker``.

The sandbox (``FAIRSCREEN_SANDBOX_WORLD``) is a world file whose source records stand in for the
registers: identity, education, social insurance, courts, ... are found by the ID number and
name the candidate gave, and references are filed under the client's reference for the
candidate (the reference the invitation carries), as an agency files what referees told it.
The world's own candidate lines are not used on this path.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import orjson
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.candidates.models import Candidate
from fairscreen.consent.models import Consent, ConsentRevocation, Invitation
from fairscreen.kit.errors import ConfigError, ConflictError, NotFoundError, PolicyError
from fairscreen.organisations.models import Organisation, Position
from fairscreen.pipeline import Application, open_check, screen
from fairscreen.policy.pack import PolicyPack, load_pack
from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.rating.engine import RuleSet, default_ruleset_for, load_ruleset
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.service import Directory, Recorder
from fairscreen.sources.base import Referees, Source, SourceRecord, SourceSet, Subject
from fairscreen.sources.world import world_sources
from fairscreen.vault import Sealer, Vault
from fairscreen.vault.models import DataKey
from fairscreen.world import model
from fairscreen.world.load import WorldError, WorldStore, load_world

SANDBOX_SETTING = "FAIRSCREEN_SANDBOX_WORLD"


# -- the sandbox -------------------------------------------------------------------------------


class _FiledUnder(Referees):
    """The sandbox's referees, asked under the client's reference for the candidate (where the
    sandbox world files what referees told the agency), and answering for the candidate record
    being screened (which verification checks a reference against)."""

    kind = SourceKind.REFEREES

    def __init__(self, inner: Source, client_ref: str) -> None:
        self.inner = inner
        self.authoritative = inner.authoritative
        self.client_ref = client_ref

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]:
        found = self.inner.query(replace(subject, candidate=self.client_ref), item)
        return [
            SourceRecord(
                r.source,
                r.authoritative,
                r.record.model_copy(update={"candidate": subject.candidate})
                if isinstance(r.record, model.Reference)
                else r.record,
            )
            for r in found
        ]


class Sandbox:
    """A loaded sandbox world and its sources. Checks run one at a time over it (the store is
    one SQLite connection)."""

    def __init__(self, store: WorldStore) -> None:
        self.store = store
        self.sources = world_sources(store)
        self.lock = threading.Lock()

    def sources_for(self, client_ref: str) -> SourceSet:
        kinds = [self.sources.for_kind(k) for k in SourceKind if k is not SourceKind.REFEREES]
        referees = _FiledUnder(self.sources.for_kind(SourceKind.REFEREES), client_ref)
        return SourceSet([*kinds, referees])


_loaded: dict[tuple[str, float], Sandbox] = {}
_loading = threading.Lock()


def sandbox(path: Path | None = None) -> Sandbox:
    """The sandbox of ``path`` (default: ``FAIRSCREEN_SANDBOX_WORLD``), loaded once per process
    and again when the file changes. A missing setting or a file that does not load is a
    ``ConfigError`` naming the setting."""
    if path is None:
        from fairscreen.kit.settings import get_settings

        path = get_settings().sandbox_world
    if path is None:
        raise ConfigError(
            f"{SANDBOX_SETTING}: not set; point it at a world file whose records the sandbox "
            "serves (docs/feedback.md) for checks started online"
        )
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise ConfigError(f"{SANDBOX_SETTING}={str(path)!r}: {exc.strerror}") from None
    key = (str(path.resolve()), mtime)
    with _loading:
        found = _loaded.get(key)
        if found is None:
            try:
                store = load_world(path)
            except WorldError as exc:
                raise ConfigError(f"{SANDBOX_SETTING}: {exc}") from None
            for stale in list(_loaded):
                if stale[0] == key[0]:
                    _loaded.pop(stale).store.close()
            found = _loaded[key] = Sandbox(store)
        return found


# -- the law a check runs under ----------------------------------------------------------------


@cache
def shipped_pack(ref: str) -> PolicyPack:
    """The shipped policy pack whose ``id@version`` is ``ref`` (what an invitation and a report
    record)."""
    for entry in (resources.files("fairscreen.policy") / "packs").iterdir():
        if entry.name.endswith(".toml"):
            pack = load_pack(entry.name.removesuffix(".toml"))
            if pack.ref == ref:
                return pack
    raise PolicyError(
        f"policy pack {ref}: not shipped with this version of fairscreen; a check keeps the pack "
        "it was made under (its periods, its rule set), so checks made under it cannot be "
        "continued by this version"
    )


def shipped_ruleset(pack: PolicyPack, ref: str | None = None) -> RuleSet:
    """The shipped rule set ``ref`` for ``pack`` (None: the pack's current one). A report is
    re-rated with the rule set it was rated with; one made with a rule set of an organisation's
    own (``screen --rules``) cannot be re-rated here."""
    if ref is None:
        return default_ruleset_for(pack)
    for entry in (resources.files("fairscreen.rating") / "rulesets").iterdir():
        if not entry.name.endswith(".toml"):
            continue
        try:
            found = load_ruleset(entry.name.removesuffix(".toml"), pack)
        except PolicyError:
            continue  # a rule set for another pack
        if found.ref == ref:
            return found
    raise PolicyError(f"rule set {ref!r} for {pack.ref}: not shipped with fairscreen")


def pack_for(jurisdiction: str) -> PolicyPack:
    """The pack an organisation of ``jurisdiction`` (``CN``, ``CN-31``, ...) screens under."""
    from fairscreen.policy.pack import default_pack_for

    return default_pack_for(jurisdiction.split("-", 1)[0])


# -- one check ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckRun:
    request_id: str
    status: str  # reported | stopped | in_progress (queued as jobs)
    report_id: str | None


def candidate_ref(invitation_id: str) -> str:
    """The reference an invited candidate's record is stored under (``candidates`` finds a
    person by it); the client's own reference for them stays on the invitation."""
    return f"inv:{invitation_id}"


def data_key_sealer(session: Session, vault: Vault, data_key_id: str) -> Sealer:
    return key_sealer(vault, session.get(DataKey, data_key_id), data_key_id)


def key_sealer(vault: Vault, row: DataKey | None, data_key_id: str) -> Sealer:
    """The sealer of the data key ``row`` (read by the caller, with what else it needs)."""
    if row is None:
        raise NotFoundError(f"data key {data_key_id}: no such key (the data was destroyed)")
    return vault.sealer(row.id, row.kek_version, bytes(row.wrapped))


def consent_record(
    consent: Consent, *, recipient: str, agency: str | None, revoked_at: datetime | None
) -> model.ConsentRecord:
    """A stored consent as the pipeline reads it (world references for the organisations). Its
    digest (``screening.service.consent_digest``) is the stored one, so the Recorder finds it
    instead of recording it again."""
    return model.ConsentRecord(
        id=consent.id,
        items=[Item(i) for i in consent.items],
        separate_items=[Item(i) for i in consent.separate_items],
        purpose="pre_employment_screening",
        recipient=recipient,
        agency=agency,
        retention_days=consent.retention_days,
        signed_at=consent.signed_at,
        revoked_at=revoked_at,
    )


def position_record(position: Position, employer: Organisation) -> model.PositionRecord:
    return model.PositionRecord(
        type="position",
        id=position.external_ref,
        employer=employer.external_ref,
        title=position.title,
        category=position.category,
    )


def stored_candidate(
    session: Session,
    sealer: Sealer,
    candidate: Candidate,
    *,
    applies_to: str,
    consent: model.ConsentRecord | None,
) -> model.CandidateRecord:
    """A candidate row opened back into the record the pipeline screens."""

    def opened(column: str) -> bytes:
        return sealer.open("candidates", column, candidate.id, bytes(getattr(candidate, column)))

    try:
        return model.CandidateRecord(
            type="candidate",
            id=opened("external_ref_ct").decode(),
            name=opened("name_ct").decode(),
            id_document=model.IdDocument.model_validate(orjson.loads(opened("id_document_ct"))),
            birth_date=date.fromisoformat(opened("birth_date_ct").decode()),
            applies_to=applies_to,
            claims=model.Claims.model_validate(orjson.loads(opened("claims_ct"))),
            consent=consent,
        )
    except ValidationError as exc:  # stored by us, so a bug rather than bad input
        raise ConflictError(f"candidate {candidate.id}: stored identity does not load") from exc


@dataclass(frozen=True, slots=True)
class _Invited:
    """An invitation's signed consent, opened into what the pipeline screens."""

    invitation: Invitation
    consent: Consent
    candidate: Candidate
    application: Application
    client_ref: str
    pack: PolicyPack
    directory: Directory


def _invited(session: Session, vault: Vault, invitation_id: str) -> _Invited:
    invitation = session.get(Invitation, invitation_id, with_for_update=True)
    if invitation is None:
        raise NotFoundError(f"invitation {invitation_id}: no such resource")
    if invitation.consent_id is None or invitation.candidate_id is None:
        raise ConflictError(f"invitation {invitation_id}: no signed consent yet")
    if invitation.request_id is not None:
        raise ConflictError(f"invitation {invitation_id}: its check has run already")
    consent = session.get(Consent, invitation.consent_id)
    candidate = session.get(Candidate, invitation.candidate_id)
    position = session.get(Position, invitation.position_id)
    employer = session.get(Organisation, invitation.employer_id)
    agency = session.get(Organisation, invitation.agency_id) if invitation.agency_id else None
    assert consent and candidate and position and employer
    revoked_at = session.scalar(
        select(ConsentRevocation.revoked_at)
        .where(ConsentRevocation.consent_id == consent.id)
        .order_by(ConsentRevocation.revoked_at)
        .limit(1)
    )
    sealer = data_key_sealer(session, vault, candidate.data_key_id)
    client_ref = sealer.open(
        "invitations", "client_ref_ct", invitation.id, bytes(invitation.client_ref_ct)
    ).decode()
    position_rec = position_record(position, employer)
    record = stored_candidate(
        session,
        sealer,
        candidate,
        applies_to=position_rec.id,
        consent=consent_record(
            consent,
            recipient=employer.external_ref,
            agency=agency.external_ref if agency else None,
            revoked_at=revoked_at,
        ),
    )
    orgs = {employer.external_ref: employer.id}
    if agency is not None:
        orgs[agency.external_ref] = agency.id
    return _Invited(
        invitation,
        consent,
        candidate,
        Application(record, position_rec, agency.external_ref if agency else None),
        client_ref,
        shipped_pack(invitation.policy),
        Directory(orgs, {position_rec.id: position.id}),
    )


def _stored_request(session: Session, invited: _Invited) -> str:
    """The request the Recorder just stored for ``invited``, now named on its invitation."""
    request_id = session.scalars(
        select(CheckRequest.id)
        .where(
            CheckRequest.consent_id == invited.consent.id,
            CheckRequest.candidate_id == invited.candidate.id,
        )
        .order_by(CheckRequest.scope_fixed_at.desc(), CheckRequest.id.desc())
        .limit(1)
    ).one()
    invited.invitation.request_id = request_id
    return request_id


def run_invited_check(
    session: Session,
    vault: Vault,
    invitation_id: str,
    *,
    now: datetime,
    sandbox_world: Sandbox | None = None,
) -> CheckRun:
    """Run the check an invitation's signed consent allows, in ``session``'s transaction:
    screen the candidate against the sandbox with the pack the invitation offered and its
    current rule set, and store it all with the batch path's ``Recorder``. Refuses an
    invitation without a signed consent or whose check already ran (``ConflictError``)."""
    invited = _invited(session, vault, invitation_id)
    box = sandbox_world or sandbox()
    pack = invited.pack
    with box.lock:
        screening = screen(
            invited.application,
            sources=box.sources_for(invited.client_ref),
            pack=pack,
            ruleset=shipped_ruleset(pack),
            as_of=now.date(),
            at=now,
        )
    Recorder(vault, invited.directory, pack).write(session, [screening], now=now)
    request_id = _stored_request(session, invited)
    from fairscreen.rating.models import Report

    report_id = session.scalar(
        select(Report.id).where(Report.request_id == request_id, Report.version == 1)
    )
    return CheckRun(request_id, "stopped" if screening.stopped else "reported", report_id)


def open_invited_check(
    session: Session, vault: Vault, invitation_id: str, *, now: datetime, deadline: datetime
) -> tuple[CheckRun, list[str]]:
    """The same check opened as jobs (``fairscreen.jobs``), in ``session``'s transaction:
    consent and scope fixed and on the ledger as ``run_invited_check`` fixes them, one pending
    query per item and source to be answered by ``deadline``. Returns the check (``in_progress``,
    or ``stopped`` at once) and the ids of the queries for the caller to queue once this
    transaction is committed."""
    from fairscreen.screening.models import CheckQuery

    invited = _invited(session, vault, invitation_id)
    screening = open_check(invited.application, pack=invited.pack, as_of=now.date(), at=now)
    Recorder(vault, invited.directory, invited.pack).open(
        session, [screening], now=now, deadline=deadline
    )
    request_id = _stored_request(session, invited)
    queries = list(
        session.scalars(
            select(CheckQuery.id).where(CheckQuery.request_id == request_id).order_by(CheckQuery.id)
        )
    )
    return CheckRun(request_id, "stopped" if screening.stopped else "in_progress", None), queries
