"""Sealed candidate rows made directly (the screening pipeline is not needed to test the vault)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from fairscreen.candidates.models import Candidate
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.ids import new_id
from fairscreen.vault.core import Vault
from fairscreen.vault.models import DataKey
from tests.conftest import Database

KIND = "cn_resident_id"


@dataclass(frozen=True)
class Sealed:
    candidate_id: str
    data_key_id: str
    name: str
    id_number: str
    name_ct: bytes
    id_document_ct: bytes
    subject: str
    ref: str = ""  # the client's reference (blind-indexed too)


def make_candidates(db: Database, vault: Vault, count: int, *, start: int = 0) -> list[Sealed]:
    now = datetime.now(UTC)
    made: list[Sealed] = []
    key_rows, cand_rows = [], []
    for i in range(start, start + count):
        key = vault.new_data_key(now)
        cid = new_id()
        name = f"測試者{i:05d}"
        ref = f"cand-{i:06d}"
        version = vault.index_version()
        id_number = f"99010119900101{i % 10000:04d}"
        name_ct = key.sealer.seal("candidates", "name_ct", cid, name.encode())
        document = canonical_json({"kind": KIND, "number": id_number})
        doc_ct = key.sealer.seal("candidates", "id_document_ct", cid, document)
        key_rows.append(key.row)
        seal = key.sealer.seal
        cand_rows.append(
            {
                "id": cid,
                "data_key_id": key.row["id"],
                "external_ref_index": vault.blind_index(
                    "client_ref", ref, canonical=False, version=version
                ),
                "external_ref_ct": seal("candidates", "external_ref_ct", cid, ref.encode()),
                "id_number_index": vault.blind_index(KIND, id_number, version=version),
                "blind_index_version": version,
                "name_ct": name_ct,
                "id_document_ct": doc_ct,
                "birth_date_ct": seal("candidates", "birth_date_ct", cid, b"1990-01-01"),
                "claims_ct": seal("candidates", "claims_ct", cid, b"{}"),
                "subject_ref": key.sealer.subject_ref(cid),
                "created_at": now,
                "retain_until": date(2027, 12, 31),
            }
        )
        made.append(
            Sealed(
                cid,
                key.row["id"],
                name,
                id_number,
                name_ct,
                doc_ct,
                key.sealer.subject_ref(cid),
                ref,
            )
        )
    with db.sessions() as session, session.begin():
        session.execute(insert(DataKey), key_rows)
        session.execute(insert(Candidate), cand_rows)
    return made


def data_keys(db: Database) -> dict[str, tuple[str, str, bytes]]:
    """Every data key row: id -> (provider, version, wrapped)."""
    with db.sessions() as session:
        rows = session.execute(
            select(DataKey.id, DataKey.provider, DataKey.kek_version, DataKey.wrapped)
        ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def assert_all_open(db: Database, vault: Vault, sealed: list[Sealed]) -> None:
    """Every candidate's fields open under its data key as stored now, byte for byte unchanged."""
    with db.sessions() as session:
        rows = session.execute(
            select(
                Candidate.id,
                Candidate.name_ct,
                Candidate.id_document_ct,
                Candidate.id_number_index,
                DataKey.id,
                DataKey.kek_version,
                DataKey.wrapped,
            ).join(DataKey, DataKey.id == Candidate.data_key_id)
        ).all()
    by_id = {r[0]: r for r in rows}
    assert len(by_id) == len(sealed)
    for s in sealed:
        cid, name_ct, doc_ct, index, key_id, version, wrapped = by_id[s.candidate_id]
        assert (name_ct, doc_ct) == (s.name_ct, s.id_document_ct)  # never rewritten
        sealer = vault.sealer(key_id, version, wrapped)
        assert sealer.open("candidates", "name_ct", cid, name_ct).decode() == s.name
        document = sealer.open("candidates", "id_document_ct", cid, doc_ct)
        assert document == canonical_json({"kind": KIND, "number": s.id_number})
        assert sealer.subject_ref(cid) == s.subject
        assert index == vault.blind_index(KIND, s.id_number)
