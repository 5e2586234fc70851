"""Storing screenings: rows, sealed personal data and ledger entries, in one transaction.

``Recorder.write`` takes a batch of ``Screening``s (what ``fairscreen.pipeline.screen``
returned) and, inside the caller's transaction, seals every personal value and every fact found
about the person under the candidate's data key, builds the rows of every step, records one
ledger entry per state change through ``fairscreen.ledger.record`` (which commits to each row),
counts the reports into the regulator's tallies, and bulk-inserts the rows. Either the whole
batch, its ledger entries included, is in the database or none of it is.

What is in clear: ids, times, statuses, the items consented to, scoped and queried, and the
versions of the policy pack and rule set. What is sealed: who the person is (the client's
reference, name, ID document, birth date, claims, demographics) and everything the sources
answered (the report: light, reasons, findings, exclusions, record counts).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fairscreen.audit import registry
from fairscreen.audit.registry import Artefact
from fairscreen.candidates.models import Candidate, CandidateDemographics
from fairscreen.candidates.service import client_ref_index, ids_by_ref
from fairscreen.consent.models import Consent, ConsentRevocation
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.db import Base, bulk_insert, table_of
from fairscreen.kit.errors import InputError
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import Recording
from fairscreen.organisations.models import Organisation, Position
from fairscreen.pipeline import Screening
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating import tallies
from fairscreen.rating.engine import default_ruleset_for
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckQuery, CheckRequest
from fairscreen.screening.report import report_content, seal_content, unverified_rated
from fairscreen.sources.models import SourceQuery
from fairscreen.vault import Sealer, Vault
from fairscreen.vault.models import DataKey
from fairscreen.world import model


@dataclass(frozen=True, slots=True)
class Directory:
    """World references of organisations and positions mapped to their database ids."""

    organisations: dict[str, str]
    positions: dict[str, str]


def import_organisations(
    session: Session,
    organisations: Iterable[model.OrganisationRecord],
    positions: Iterable[model.PositionRecord],
    now: datetime,
) -> Directory:
    """Create (or find) the organisations and positions of a world by their references."""
    orgs = list(organisations)
    known = dict(
        session.execute(
            select(Organisation.external_ref, Organisation.id).where(
                Organisation.external_ref.in_([o.id for o in orgs])
            )
        ).all()
    )
    new_orgs = []
    for org in orgs:
        if org.id not in known:
            known[org.id] = new_id()
            new_orgs.append(
                {
                    "id": known[org.id],
                    "external_ref": org.id,
                    "kind": org.kind,
                    "name": org.name,
                    "jurisdiction": org.jurisdiction,
                    "created_at": now,
                }
            )
    if new_orgs:
        session.execute(insert(table_of(Organisation)), new_orgs)
    position_ids: dict[str, str] = {}
    new_positions = []
    existing = {
        (employer, ref): pid
        for employer, ref, pid in session.execute(
            select(Position.employer_id, Position.external_ref, Position.id)
        ).all()
    }
    for pos in positions:
        employer_id = known[pos.employer]
        pid = existing.get((employer_id, pos.id))
        if pid is None:
            pid = new_id()
            new_positions.append(
                {
                    "id": pid,
                    "external_ref": pos.id,
                    "employer_id": employer_id,
                    "title": pos.title,
                    "category": pos.category,
                    "created_at": now,
                }
            )
        position_ids[pos.id] = pid
    if new_positions:
        session.execute(insert(table_of(Position)), new_positions)
    return Directory(known, position_ids)


@dataclass
class _Batch:
    """Rows of one batch by table, in insertion order, the ledger entries that commit to them,
    and the batch's report tallies."""

    rows: dict[type[Base], list[dict[str, Any]]] = field(default_factory=dict)
    recording: Recording = field(default_factory=Recording)
    counts: Counter[tallies.TallyKey] = field(default_factory=Counter)
    opened: list[str] = field(default_factory=list)  # requests left in progress (jobs)

    def add(self, table: type[Base], row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(table, []).append(row)
        return row


_INSERT_ORDER: tuple[type[Base], ...] = (
    DataKey,
    Candidate,
    CandidateDemographics,
    Consent,
    ConsentRevocation,
    CheckRequest,
    CheckQuery,
    SourceQuery,
    Report,
)


def consent_digest(consent: model.ConsentRecord) -> str:
    """SHA-256 of the consent document as signed: canonical JSON of its fields, without its
    revocation (a revocation is a later act, not part of what was signed)."""
    signed = consent.model_dump(mode="json", exclude={"revoked_at"})
    return hashlib.sha256(canonical_json(signed)).hexdigest()


@dataclass(frozen=True, slots=True)
class _Written:
    first: int  # the first ledger index used (-1: none)
    opened: list[str]  # requests left in progress


def candidate_row(
    vault: Vault,
    sealer: Sealer,
    candidate_id: str,
    cand: model.CandidateRecord,
    *,
    now: datetime,
    retain: date,
    account_id: str | None = None,
) -> dict[str, Any]:
    """The ``candidates`` row of ``cand``: who they are, sealed under ``sealer``'s data key,
    with the blind indexes of the client's reference and the ID number (both under the one
    index secret the row names). The batch path and an invited candidate's own identity (the
    online path, ``fairscreen.consent.invitations``) store a person the same way."""
    seal = sealer.seal
    cid = candidate_id
    index_version = vault.index_version()
    return {
        "id": cid,
        "data_key_id": sealer.data_key_id,
        "external_ref_index": client_ref_index(vault, cand.id, version=index_version),
        "external_ref_ct": seal("candidates", "external_ref_ct", cid, cand.id.encode()),
        "id_number_index": vault.blind_index(
            cand.id_document.kind, cand.id_document.number, version=index_version
        ),
        "blind_index_version": index_version,
        "name_ct": seal("candidates", "name_ct", cid, cand.name.encode()),
        "id_document_ct": seal(
            "candidates",
            "id_document_ct",
            cid,
            canonical_json(cand.id_document.model_dump(mode="json")),
        ),
        "birth_date_ct": seal(
            "candidates", "birth_date_ct", cid, cand.birth_date.isoformat().encode()
        ),
        "claims_ct": seal(
            "candidates", "claims_ct", cid, canonical_json(cand.claims.model_dump(mode="json"))
        ),
        "created_at": now,
        "retain_until": retain,
        "account_id": account_id,
        # kept so erasure can list the pseudonym without unwrapping the key
        "subject_ref": sealer.subject_ref(cid),
    }


def consent_entry(consent: dict[str, Any]) -> dict[str, Any]:
    """The ``consent.signed`` entry's keywords for a consent row (``Recording.add``): the items,
    purpose, separate items and retention, which a regulator checks every query against."""
    return {
        "org": consent["recipient_id"],
        "items": consent["items"],
        "attrs": {
            "purpose": consent["purpose"],
            "separate_items": consent["separate_items"],
            "retention_days": consent["retention_days"],
        },
    }


class Recorder:
    """Writes batches of screenings with their ledger entries.

    ``models`` are the artefacts the screenings were made with (``fairscreen.audit.registry``;
    default: ``pack`` with its shipped rule set): the first batch under each is also its
    publication on the ledger, and every check request and report names them."""

    def __init__(
        self,
        vault: Vault,
        directory: Directory,
        pack: PolicyPack,
        models: Sequence[Artefact] | None = None,
    ) -> None:
        self.vault = vault
        self.directory = directory
        self.pack = pack
        self.models = tuple(models or registry.in_use(pack, default_ruleset_for(pack)))
        self.models_json = [a.as_json() for a in self.models]
        self._refs = {a.kind: a.ref for a in self.models}

    def _candidates(
        self,
        session: Session,
        batch: _Batch,
        screenings: Sequence[Screening],
        now: datetime,
        retain: date,
    ) -> dict[str, tuple[str, Sealer]]:
        """Database id and sealer for each candidate reference, creating new candidates."""
        known = ids_by_ref(session, self.vault, (s.application.candidate.id for s in screenings))
        found: dict[str, tuple[str, Sealer]] = {}
        if known:
            ref_of = {cid: ref for ref, cid in known.items()}
            rows = session.execute(
                select(Candidate.id, DataKey.id, DataKey.kek_version, DataKey.wrapped)
                .join(DataKey, DataKey.id == Candidate.data_key_id)
                .where(Candidate.id.in_(list(ref_of)))
            ).all()
            for cid, key_id, version, wrapped in rows:
                found[ref_of[cid]] = (cid, self.vault.sealer(key_id, version, bytes(wrapped)))
            session.execute(
                update(table_of(Candidate))
                .where(Candidate.id.in_(list(ref_of)), Candidate.retain_until < retain)
                .values(retain_until=retain)
            )
        for screening in screenings:
            cand = screening.application.candidate
            if cand.id in found:
                continue
            key = self.vault.new_data_key(now)
            batch.add(DataKey, key.row)
            cid = new_id()
            batch.add(
                Candidate, candidate_row(self.vault, key.sealer, cid, cand, now=now, retain=retain)
            )
            found[cand.id] = (cid, key.sealer)
        return found

    def write(
        self,
        session: Session,
        screenings: Sequence[Screening],
        *,
        now: datetime,
        demographics: Mapping[str, model.Demographics] | None = None,
    ) -> int:
        """Store ``screenings`` in ``session``'s transaction; return the first ledger index used."""
        return self._write(session, screenings, now, demographics, None).first

    def open(
        self,
        session: Session,
        screenings: Sequence[Screening],
        *,
        now: datetime,
        deadline: datetime,
        demographics: Mapping[str, model.Demographics] | None = None,
    ) -> list[str]:
        """Store checks whose sources are still to be asked (``pipeline.open_check``'s
        screenings): consent, scope and one pending ``CheckQuery`` per item and source, to be
        answered by ``deadline``. Returns the ids of the requests left in progress (a stopped
        check is complete at once)."""
        return self._write(session, screenings, now, demographics, deadline).opened

    def _write(
        self,
        session: Session,
        screenings: Sequence[Screening],
        now: datetime,
        demographics: Mapping[str, model.Demographics] | None,
        deadline: datetime | None,
    ) -> _Written:
        if not screenings:
            return _Written(-1, [])
        for screening in screenings:
            used = (screening.scope.policy, screening.rating.ruleset if screening.rating else None)
            if used[0] != self._refs["policy_pack"] or used[1] not in (
                None,
                self._refs["rule_set"],
            ):
                raise InputError(
                    "screening",
                    f"made under {used[0]} and {used[1]}, but this recorder publishes "
                    f"{self._refs['policy_pack']} and {self._refs['rule_set']}",
                )
        registry.ensure_published(session, self.models, now=now)
        batch = _Batch()
        retain = now.date() + timedelta(days=self.pack.periods.undecided_retention_days)
        people = self._candidates(session, batch, screenings, now, retain)
        new_candidate_ids = {row["id"] for row in batch.rows.get(Candidate, [])}
        consent_ids: dict[tuple[str, str], str] = {
            (cid, digest): consent_id
            for consent_id, cid, digest in session.execute(
                select(Consent.id, Consent.candidate_id, Consent.digest).where(
                    Consent.candidate_id.in_(
                        [cid for cid, _ in people.values() if cid not in new_candidate_ids]
                    )
                )
            )
        }
        for screening in screenings:
            cand = screening.application.candidate
            cid, sealer = people[cand.id]
            if demographics and cid in new_candidate_ids and cand.id in demographics:
                demo = demographics[cand.id]
                batch.add(
                    CandidateDemographics,
                    {
                        "candidate_id": cid,
                        "demographics_ct": sealer.seal(
                            "candidate_demographics",
                            "demographics_ct",
                            cid,
                            canonical_json(
                                demo.model_dump(
                                    mode="json", exclude={"type", "candidate", "audit_consent"}
                                )
                            ),
                        ),
                        "audit_consent": demo.audit_consent is True,
                    },
                )
            self._screening(batch, screening, cid, sealer, consent_ids, now, deadline)
        first = batch.recording.append(session)
        for table in _INSERT_ORDER:
            bulk_insert(session, table, batch.rows.get(table, []))
        tallies.add(session, batch.counts)
        return _Written(first, batch.opened)

    def _screening(
        self,
        batch: _Batch,
        screening: Screening,
        candidate_id: str,
        sealer: Sealer,
        consent_ids: dict[tuple[str, str], str],
        now: datetime,
        deadline: datetime | None = None,
    ) -> None:
        """The rows and entries of one screening; with a ``deadline``, of a check whose sources
        are asked later, as jobs: it stays ``in_progress`` with a pending ``CheckQuery`` per item
        and source."""
        app = screening.application
        cand = app.candidate
        subject = sealer.subject_ref(candidate_id)
        employer = self.directory.organisations[app.position.employer]
        agency = self.directory.organisations.get(app.agency) if app.agency else None
        actor = agency or employer
        policy = screening.scope.policy
        record = batch.recording.add

        # 1. consent: recorded once, however often the candidate is screened under it.
        consent_id = None
        if cand.consent is not None:
            c = cand.consent
            digest = consent_digest(c)
            consent_id = consent_ids.get((candidate_id, digest))
            if consent_id is None:
                consent_id = consent_ids[(candidate_id, digest)] = new_id()
                recipient = self.directory.organisations[c.recipient]
                row = batch.add(
                    Consent,
                    {
                        "id": consent_id,
                        "candidate_id": candidate_id,
                        "items": sorted(str(i) for i in c.items),
                        "separate_items": sorted(str(i) for i in c.separate_items),
                        "purpose": c.purpose,
                        "recipient_id": recipient,
                        "agency_id": self.directory.organisations.get(c.agency)
                        if c.agency
                        else None,
                        "retention_days": c.retention_days
                        or self.pack.periods.default_retention_days,
                        "signed_at": c.signed_at,
                        "digest": digest,
                    },
                )
                record(
                    EventType.CONSENT_SIGNED,
                    Consent,
                    row,
                    at=c.signed_at,
                    subject=subject,
                    **consent_entry(row),
                )
                if c.revoked_at is not None:
                    revocation = batch.add(
                        ConsentRevocation,
                        {"id": new_id(), "consent_id": consent_id, "revoked_at": c.revoked_at},
                    )
                    record(
                        EventType.CONSENT_REVOKED,
                        ConsentRevocation,
                        revocation,
                        at=c.revoked_at,
                        org=recipient,
                        subject=subject,
                    )

        # 2. scope, fixed and stored before any query (or the stop, and why).
        request_id = new_id()
        check = sealer.check_ref(request_id)
        stop = screening.consent.stop
        request = batch.add(
            CheckRequest,
            {
                "id": request_id,
                "candidate_id": candidate_id,
                "position_id": self.directory.positions[app.position.id],
                "employer_id": employer,
                "agency_id": agency,
                "consent_id": consent_id,
                "status": "stopped" if stop else "reported" if deadline is None else "in_progress",
                "stop_reason": str(stop) if stop else None,
                "policy": policy,
                "as_of": screening.as_of,
                "scope": screening.scope.as_json(),
                # the result's own list (built once per screening; nothing changes it)
                "not_checked": screening.result()["not_checked"],
                "scope_fixed_at": screening.at,
                "models": self.models_json,
            },
        )
        record(
            EventType.CHECK_STOPPED if stop else EventType.SCOPE_FIXED,
            CheckRequest,
            request,
            at=screening.at,
            org=actor,
            subject=subject,
            check=check,
            items=[str(i) for i in screening.scope.items],
            policy=policy,
            attrs={
                "employer": employer,
                "category": app.position.category,
                **({"reason": str(stop)} if stop else {}),
            },
        )
        if stop:
            return
        if deadline is not None:
            for item in screening.scope.items:
                for kind in self.pack.items[item].sources:
                    batch.add(
                        CheckQuery,
                        {
                            "id": new_id(),
                            "request_id": request_id,
                            "item": str(item),
                            "source": str(kind),
                            "status": "pending",
                            "created_at": now,
                            "deadline": deadline,
                            "attempts": 0,
                            "problem": None,
                            "next_try_at": now,
                            "done_at": None,
                            "records_ct": None,
                        },
                    )
            batch.opened.append(request_id)
            return

        # 3. the sources asked (the question only: what came back is in the sealed report).
        for query in screening.queries:
            row = batch.add(
                SourceQuery,
                {
                    "id": new_id(),
                    "request_id": request_id,
                    "item": str(query.item),
                    "source": str(query.source),
                    "queried_at": screening.at,
                },
            )
            record(
                EventType.SOURCE_QUERIED,
                SourceQuery,
                row,
                at=screening.at,
                org=actor,
                subject=subject,
                check=check,
                items=[str(query.item)],
                attrs={"source": str(query.source)},
            )

        # the report: everything found and concluded, sealed; the tallies count it.
        rating = screening.rating
        assert rating is not None
        report_id = new_id()
        content = report_content(screening, self.models_json)
        report = batch.add(
            Report,
            {
                "id": report_id,
                "request_id": request_id,
                "version": 1,
                "ruleset": rating.ruleset,
                "policy": policy,
                "issued_at": now,
                "content_ct": seal_content(sealer, report_id, content),
            },
        )
        record(
            EventType.REPORT_ISSUED,
            Report,
            report,
            at=now,
            org=actor,
            subject=subject,
            check=check,
            policy=policy,
            ruleset=rating.ruleset,
            attrs={"employer": employer, "unverified": unverified_rated(content)},
        )
        tallies.count_report(
            batch.counts,
            employer=employer,
            at=now,
            ruleset=rating.ruleset,
            light=str(rating.light),
            rules=[r.rule for r in rating.reasons],
        )


def receipt_index(session: Session, vault: Vault, candidate_ref: str, event: str) -> int:
    """The ledger index of a candidate's consent (``consent``) or latest report (``report``):
    the entries a candidate gets a receipt for. ``candidate_ref`` is the client's reference."""
    cid = ids_by_ref(session, vault, [candidate_ref]).get(candidate_ref)
    if cid is None:
        raise InputError("--candidate", f"no candidate {candidate_ref!r}")
    if event == "consent":
        query = (
            select(Consent.ledger_index)
            .where(Consent.candidate_id == cid)
            .order_by(Consent.signed_at.desc())
        )
    else:
        query = (
            select(Report.ledger_index)
            .join(CheckRequest, CheckRequest.id == Report.request_id)
            .where(CheckRequest.candidate_id == cid)
            .order_by(Report.issued_at.desc(), Report.version.desc())
        )
    index = session.scalars(query.limit(1)).first()
    if index is None:
        raise InputError("--candidate", f"candidate {candidate_ref!r} has no {event} on the ledger")
    return index


def candidate_receipt_index(session: Session, candidate_ref: str, event: str) -> int:
    """``receipt_index`` with the configured vault (for ``fairscreen receipt get``), opened to
    read only: it makes no key and records nothing (docs/vault.md)."""
    from fairscreen.kit.db import session_factory
    from fairscreen.kit.settings import get_settings
    from fairscreen.vault.providers import READ, open_vault

    sessions = session_factory(session.get_bind().engine)
    with open_vault(get_settings(), sessions, mode=READ) as vault:
        return receipt_index(session, vault, candidate_ref, event)
