"""Finding candidates by the client's reference for them, which is stored only sealed and as a
keyed blind index (``Candidate.external_ref_index``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.candidates.models import CLIENT_REF, Candidate
from fairscreen.vault import Vault

__all__ = ["CLIENT_REF", "client_ref_index", "client_ref_indexes", "ids_by_ref"]


def client_ref_index(vault: Vault, ref: str, *, version: int | None = None) -> bytes:
    """The blind index of a client's reference, exactly as given (``A1`` is not ``a1``), under
    the current index secret (or ``version``), for a row to store."""
    return vault.blind_index(CLIENT_REF, ref, canonical=False, version=version)


def client_ref_indexes(vault: Vault, ref: str) -> list[bytes]:
    """Its blind index under every index secret in use, for a lookup (during a rotation a row is
    under the old secret or the new one)."""
    return vault.lookup_indexes(CLIENT_REF, ref, canonical=False)


def ids_by_ref(session: Session, vault: Vault, refs: Iterable[str]) -> dict[str, str]:
    """Candidate ids of the given client references that exist (under any index secret in use)."""
    versions = vault.lookup_versions()
    by_index = {
        vault.blind_index(CLIENT_REF, ref, canonical=False, version=v): ref
        for ref in set(refs)
        for v in versions
    }
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
