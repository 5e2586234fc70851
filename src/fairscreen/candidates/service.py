"""Finding candidates by the client's reference for them, which is stored only sealed and as a
keyed blind index (``Candidate.external_ref_index``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.candidates.models import Candidate
from fairscreen.vault import Vault

CLIENT_REF = "client_ref"  # the blind index's kind for a client's reference


def client_ref_index(vault: Vault, ref: str) -> bytes:
    """The blind index of a client's reference, exactly as given (``A1`` is not ``a1``)."""
    return vault.blind_index(CLIENT_REF, ref, canonical=False)


def ids_by_ref(session: Session, vault: Vault, refs: Iterable[str]) -> dict[str, str]:
    """Candidate ids of the given client references that exist."""
    by_index = {client_ref_index(vault, ref): ref for ref in set(refs)}
    found: dict[str, str] = {}
    keys = list(by_index)
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        for index, cid in session.execute(
            select(Candidate.external_ref_index, Candidate.id).where(
                Candidate.external_ref_index.in_(part)
            )
        ):
            found[by_index[bytes(index)]] = cid
    return found
