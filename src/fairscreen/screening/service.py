"""Storing screenings: rows, sealed personal data and ledger entries, in one transaction.

``Recorder.write`` takes a batch of ``Screening``s (what ``fairscreen.pipeline.screen``
returned) and, inside the caller's transaction, seals every personal value under the
candidate's data key, builds the rows of every step, commits to each off-log record with a salted
hash, appends one ledger entry per state change, and bulk-inserts the rows. Either the whole
batch, its ledger entries included, is in the database or none of it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from fairscreen.candidates.models import Candidate, CandidateDemographics
from fairscreen.consent.models import Consent, ConsentRevocation
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.commitment import commit, new_salt
from fairscreen.kit.db import Base, Committed, bulk_insert, table_of
from fairscreen.kit.ids import new_id
from fairscreen.ledger import log as ledger_log
from fairscreen.ledger.entry import Event, EventType
from fairscreen.organisations.models import Organisation, Position
from fairscreen.pipeline import Screening
from fairscreen.policy.pack import PolicyPack
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.sources.models import SourceQuery
from fairscreen.vault import Sealer, Vault
from fairscreen.vault.models import DataKey
from fairscreen.verify.models import Finding
from fairscreen.world import model


@dataclass(frozen=True, slots=True)
class Directory:
    """World references of organisations and positions mapped to their database ids."""

    organisations: dict[str, str]
    positions: dict[str, str]


def import_organisations(
    session: Session,
    organisations: Iterable[model.Organisation],
    positions: Iterable[model.Position],
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
    """Rows and ledger events of one batch, in insertion order."""

    rows: dict[type[Base], list[dict[str, Any]]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    indexed: list[tuple[dict[str, Any], int]] = field(default_factory=list)  # row, event position

    def add(self, table: type[Base], row: dict[str, Any]) -> dict[str, Any]:
        self.rows.setdefault(table, []).append(row)
        return row

    def committed(self, table: type[Committed], row: dict[str, Any]) -> str:
        """Salt ``row`` and return its commitment."""
        salt = new_salt()
        row["commitment_salt"] = salt
        return commit(salt, table.committed_fields_of(row))

    def event(self, event: Event, *, index_into: dict[str, Any] | None = None) -> None:
        if index_into is not None:
            self.indexed.append((index_into, len(self.events)))
        self.events.append(event)


_INSERT_ORDER: tuple[type[Base], ...] = (
    DataKey,
    Candidate,
    CandidateDemographics,
    Consent,
    ConsentRevocation,
    CheckRequest,
    SourceQuery,
    Finding,
    Report,
)


def consent_digest(consent: model.Consent) -> str:
    """SHA-256 of the consent document as signed (canonical JSON of its fields)."""
    return hashlib.sha256(canonical_json(consent.model_dump(mode="json"))).hexdigest()


class Recorder:
    """Writes batches of screenings with their ledger entries."""

    def __init__(self, vault: Vault, directory: Directory, pack: PolicyPack) -> None:
        self.vault = vault
        self.directory = directory
        self.pack = pack

    def _candidates(
        self,
        session: Session,
        batch: _Batch,
        screenings: Sequence[Screening],
        now: datetime,
        retain: date,
    ) -> dict[str, tuple[str, Sealer]]:
        """Database id and sealer for each candidate reference, creating new candidates."""
        refs = list({s.application.candidate.id for s in screenings})
        found: dict[str, tuple[str, Sealer]] = {}
        rows = session.execute(
            select(
                Candidate.external_ref,
                Candidate.id,
                DataKey.id,
                DataKey.kek_version,
                DataKey.wrapped,
            )
            .join(DataKey, DataKey.id == Candidate.data_key_id)
            .where(Candidate.external_ref.in_(refs))
        ).all()
        for ref, cid, key_id, version, wrapped in rows:
            found[ref] = (cid, self.vault.sealer(key_id, version, wrapped))
        if found:
            session.execute(
                update(table_of(Candidate))
                .where(
                    Candidate.id.in_([cid for cid, _ in found.values()]),
                    Candidate.retain_until < retain,
                )
                .values(retain_until=retain)
            )
        for screening in screenings:
            cand = screening.application.candidate
            if cand.id in found:
                continue
            key = self.vault.new_data_key(now)
            batch.add(DataKey, key.row)
            cid = new_id()
            seal = key.sealer.seal
            index_version, id_number_index = self.vault.versioned_blind_index(
                cand.id_document.kind, cand.id_document.number
            )
            batch.add(
                Candidate,
                {
                    "id": cid,
                    "external_ref": cand.id,
                    "data_key_id": key.sealer.data_key_id,
                    "id_number_index": id_number_index,
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
                        "candidates",
                        "claims_ct",
                        cid,
                        canonical_json(cand.claims.model_dump(mode="json")),
                    ),
                    "created_at": now,
                    "retain_until": retain,
                    "erased_at": None,
                    # kept so erasure can list the pseudonym without unwrapping the key
                    "subject_ref": key.sealer.subject_ref(cid),
                },
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
        if not screenings:
            return -1
        batch = _Batch()
        retain = now.date() + timedelta(days=self.pack.periods.undecided_retention_days)
        people = self._candidates(session, batch, screenings, now, retain)
        new_candidate_ids = {row["id"] for row in batch.rows.get(Candidate, [])}
        known_consents = set(
            session.scalars(
                select(Consent.external_ref).where(
                    Consent.external_ref.in_(
                        [
                            s.application.candidate.consent.id
                            for s in screenings
                            if s.application.candidate.consent
                        ]
                    )
                )
            )
        )
        consent_ids = dict(
            session.execute(
                select(Consent.external_ref, Consent.id).where(
                    Consent.external_ref.in_(known_consents)
                )
            ).all()
        )
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
                                demo.model_dump(mode="json", exclude={"type", "candidate"})
                            ),
                        ),
                    },
                )
            self._screening(batch, screening, cid, sealer, consent_ids, now)
        entries = [event.encode() for event in batch.events]
        first = ledger_log.append(session, entries)
        for row, position in batch.indexed:
            row["ledger_index"] = first + position
        for table in _INSERT_ORDER:
            bulk_insert(session, table, batch.rows.get(table, []))
        return first

    def _screening(
        self,
        batch: _Batch,
        screening: Screening,
        candidate_id: str,
        sealer: Sealer,
        consent_ids: dict[str, str],
        now: datetime,
    ) -> None:
        app = screening.application
        cand = app.candidate
        subject = sealer.subject_ref(candidate_id)
        employer = self.directory.organisations[app.position.employer]
        agency = self.directory.organisations.get(app.agency) if app.agency else None
        actor = agency or employer
        policy = screening.scope.policy

        # 1. consent: recorded once, however often the candidate is screened under it.
        consent_id = None
        if cand.consent is not None:
            c = cand.consent
            consent_id = consent_ids.get(c.id)
            if consent_id is None:
                consent_id = consent_ids[c.id] = new_id()
                recipient = self.directory.organisations[c.recipient]
                row = batch.add(
                    Consent,
                    {
                        "id": consent_id,
                        "external_ref": c.id,
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
                        "revoked_at": c.revoked_at,
                        "digest": consent_digest(c),
                        "ledger_index": None,
                    },
                )
                batch.event(
                    Event(
                        EventType.CONSENT_SIGNED,
                        c.signed_at,
                        org=recipient,
                        subject=subject,
                        record=f"consents/{consent_id}",
                        commitment=batch.committed(Consent, row),
                        items=tuple(row["items"]),
                        attrs={
                            "purpose": c.purpose,
                            "separate_items": row["separate_items"],
                            "retention_days": row["retention_days"],
                        },
                    ),
                    index_into=row,
                )
                if c.revoked_at is not None:
                    revocation = batch.add(
                        ConsentRevocation,
                        {"id": new_id(), "consent_id": consent_id, "revoked_at": c.revoked_at},
                    )
                    batch.event(
                        Event(
                            EventType.CONSENT_REVOKED,
                            c.revoked_at,
                            org=recipient,
                            subject=subject,
                            record=f"consent_revocations/{revocation['id']}",
                            commitment=batch.committed(ConsentRevocation, revocation),
                        )
                    )

        # 2. scope, fixed and stored before any query (or the stop, and why).
        request_id = new_id()
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
                "status": "stopped" if stop else "reported",
                "stop_reason": str(stop) if stop else None,
                "policy": policy,
                "as_of": screening.as_of,
                "scope": screening.scope.as_json(),
                "not_checked": screening.scope.not_checked_json(),
                "scope_fixed_at": screening.at,
            },
        )
        batch.event(
            Event(
                EventType.CHECK_STOPPED if stop else EventType.SCOPE_FIXED,
                screening.at,
                org=actor,
                subject=subject,
                request=request_id,
                record=f"check_requests/{request_id}",
                commitment=batch.committed(CheckRequest, request),
                items=tuple(str(i) for i in screening.scope.items),
                policy=policy,
                attrs={
                    "employer": employer,
                    "category": app.position.category,
                    **({"reason": str(stop)} if stop else {}),
                },
            )
        )
        if stop:
            return

        # 3. the sources asked.
        for query in screening.queries:
            row = batch.add(
                SourceQuery,
                {
                    "id": new_id(),
                    "request_id": request_id,
                    "item": str(query.item),
                    "source": str(query.source),
                    "queried_at": screening.at,
                    "records": query.records,
                },
            )
            batch.event(
                Event(
                    EventType.SOURCE_QUERIED,
                    screening.at,
                    org=actor,
                    subject=subject,
                    request=request_id,
                    record=f"source_queries/{row['id']}",
                    commitment=batch.committed(SourceQuery, row),
                    items=(str(query.item),),
                    attrs={"source": str(query.source), "records": query.records},
                )
            )

        # verification: every finding, verified or excluded, with its provenance.
        for finding in screening.findings:
            fid = new_id()
            detail = (
                sealer.seal("findings", "detail_ct", fid, canonical_json(finding.detail))
                if finding.detail is not None
                else None
            )
            row = batch.add(
                Finding,
                {
                    "id": fid,
                    "request_id": request_id,
                    "ref": finding.ref,
                    "item": str(finding.item),
                    "status": finding.status,
                    "code": str(finding.code) if finding.code else None,
                    "subtype": finding.subtype,
                    "occurred_on": finding.occurred_on,
                    "ongoing": finding.ongoing,
                    "count": finding.count,
                    "authoritative": finding.authoritative,
                    "exclusion": str(finding.exclusion) if finding.exclusion else None,
                    "provenance": finding.provenance(),
                    "detail_ct": detail,
                },
            )
            batch.event(
                Event(
                    EventType.FINDING_EXCLUDED if finding.exclusion else EventType.FINDING_VERIFIED,
                    screening.at,
                    org=actor,
                    subject=subject,
                    request=request_id,
                    record=f"findings/{fid}",
                    commitment=batch.committed(Finding, row),
                    items=(str(finding.item),),
                    attrs={
                        "source": str(finding.source),
                        **({"exclusion": str(finding.exclusion)} if finding.exclusion else {}),
                    },
                )
            )

        # the report.
        rating = screening.rating
        assert rating is not None
        result = screening.result()
        report = batch.add(
            Report,
            {
                "id": new_id(),
                "request_id": request_id,
                "light": str(rating.light),
                "reasons": result["reasons"],
                "excluded": result["excluded"],
                "not_checked": result["not_checked"],
                "ruleset": rating.ruleset,
                "policy": policy,
                "issued_at": now,
                "ledger_index": None,
            },
        )
        batch.event(
            Event(
                EventType.REPORT_ISSUED,
                now,
                org=actor,
                subject=subject,
                request=request_id,
                record=f"reports/{report['id']}",
                commitment=batch.committed(Report, report),
                policy=policy,
                ruleset=rating.ruleset,
                attrs={
                    "employer": employer,
                    "light": str(rating.light),
                    "rules": [r.rule for r in rating.reasons],
                    "excluded": len(result["excluded"]),
                    "not_checked": len(result["not_checked"]),
                },
            ),
            index_into=report,
        )


def receipt_index(session: Session, candidate_ref: str, event: str) -> int:
    """The ledger index of a candidate's consent (``consent``) or latest report (``report``):
    the entries a candidate gets a receipt for."""
    from fairscreen.kit.errors import InputError

    cid = session.scalar(select(Candidate.id).where(Candidate.external_ref == candidate_ref))
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
            .order_by(Report.issued_at.desc())
        )
    index = session.scalars(query.limit(1)).first()
    if index is None:
        raise InputError("--candidate", f"candidate {candidate_ref!r} has no {event} on the ledger")
    return index
