"""Every table fairscreen has, imported in one place so that Alembic and the tests see them all."""

from fairscreen.candidates.models import Candidate, CandidateDemographics
from fairscreen.consent.models import Consent, ConsentRevocation
from fairscreen.ledger.models import LedgerBundle, LedgerCheckpoint, LedgerState, LedgerTile
from fairscreen.organisations.models import Organisation, Position
from fairscreen.rating.models import Report
from fairscreen.retention.models import (
    DeletionRequest,
    DeletionRequestCandidate,
    DeletionResolution,
    DestroyedSubject,
    DestructionCertificate,
    LegalHold,
)
from fairscreen.screening.models import CheckRequest
from fairscreen.sources.models import SourceQuery
from fairscreen.vault.models import DataKey
from fairscreen.verify.models import Finding

__all__ = [
    "Candidate",
    "CandidateDemographics",
    "CheckRequest",
    "Consent",
    "ConsentRevocation",
    "DataKey",
    "DeletionRequest",
    "DeletionRequestCandidate",
    "DeletionResolution",
    "DestroyedSubject",
    "DestructionCertificate",
    "Finding",
    "LedgerBundle",
    "LedgerCheckpoint",
    "LedgerState",
    "LedgerTile",
    "LegalHold",
    "Organisation",
    "Position",
    "Report",
    "SourceQuery",
]
