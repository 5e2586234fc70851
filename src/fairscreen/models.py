"""Every table fairscreen has, imported in one place so that Alembic and the tests see them all,
and what the ledger's verifier is handed to check the records (``LEDGER_RECORDS``)."""

from fairscreen.accounts.models import (
    AccessLog,
    ApiToken,
    CandidateAccount,
    LoginSession,
    OneTimeCode,
    PasswordSetup,
    StaffAccount,
)
from fairscreen.audit.models import BiasAudit, ModelVersion
from fairscreen.candidates.models import Candidate, CandidateDemographics
from fairscreen.consent.models import Consent, ConsentRevocation, Invitation
from fairscreen.feedback.models import (
    Decision,
    DecisionTally,
    Dispute,
    DisputeDocument,
    DisputeResolution,
    Notice,
)
from fairscreen.ledger.models import (
    LedgerBundle,
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerState,
    LedgerTile,
)
from fairscreen.ledger.verify import Records
from fairscreen.monitors.elevators.models import (
    ElevatorAlert,
    ElevatorEvent,
    ElevatorInspection,
    ElevatorMaintenance,
    ElevatorStatus,
    ElevatorUnit,
)
from fairscreen.monitors.kitchens.models import CameraFlag, KitchenEvent
from fairscreen.monitors.livestream.models import LivestreamAlert, LivestreamRoom
from fairscreen.monitors.models import MonitorEvidence
from fairscreen.notify.models import DeliveryAttempt, NotifyKey, OutboxMessage, WebhookEndpoint
from fairscreen.organisations.models import Organisation, Position
from fairscreen.rating.models import Report, ReportTally
from fairscreen.retention.destroy import destroyed_subjects
from fairscreen.retention.models import (
    DeletionRequest,
    DeletionRequestCandidate,
    DeletionResolution,
    DestroyedSubject,
    DestructionCertificate,
    LegalHold,
)
from fairscreen.screening.models import CheckQuery, CheckRequest
from fairscreen.sources.models import SourceQuery
from fairscreen.supervision.codes.models import (
    InspectionFeedback,
    InspectionFinding,
    InspectionVisit,
)
from fairscreen.supervision.models import (
    DrawSeed,
    FirmTier,
    InspectionPlan,
    PlanVisit,
    PlanVisitInspector,
    TierAppeal,
    TierOverride,
)
from fairscreen.supervision.offsite.models import (
    OffsiteCursor,
    OffsiteFact,
    OffsiteRuleset,
    SignalRow,
)
from fairscreen.vault.models import DataKey
from fairscreen.web.models import IdempotencyRecord

LEDGER_RECORDS = Records(
    tables=(
        Consent,
        ConsentRevocation,
        CheckRequest,
        SourceQuery,
        Report,
        Notice,
        Dispute,
        DisputeResolution,
        Decision,
        DestructionCertificate,
        DeletionRequest,
        DeletionResolution,
        ModelVersion,
        BiasAudit,
        TierOverride,
        DrawSeed,
        InspectionPlan,
        OffsiteRuleset,
        MonitorEvidence,
    ),
    destroyed=destroyed_subjects,
)
"""Every committed table (a test keeps this list whole) and the lookup of destroyed subjects."""

__all__ = [
    "LEDGER_RECORDS",
    "AccessLog",
    "ApiToken",
    "BiasAudit",
    "CameraFlag",
    "Candidate",
    "CandidateAccount",
    "CandidateDemographics",
    "CheckQuery",
    "CheckRequest",
    "Consent",
    "ConsentRevocation",
    "DataKey",
    "Decision",
    "DecisionTally",
    "DeletionRequest",
    "DeletionRequestCandidate",
    "DeletionResolution",
    "DeliveryAttempt",
    "DestroyedSubject",
    "DestructionCertificate",
    "Dispute",
    "DisputeDocument",
    "DisputeResolution",
    "DrawSeed",
    "ElevatorAlert",
    "ElevatorEvent",
    "ElevatorInspection",
    "ElevatorMaintenance",
    "ElevatorStatus",
    "ElevatorUnit",
    "FirmTier",
    "IdempotencyRecord",
    "InspectionFeedback",
    "InspectionFinding",
    "InspectionPlan",
    "InspectionVisit",
    "Invitation",
    "KitchenEvent",
    "LedgerBundle",
    "LedgerCheckpoint",
    "LedgerCosignature",
    "LedgerState",
    "LedgerTile",
    "LegalHold",
    "LivestreamAlert",
    "LivestreamRoom",
    "LoginSession",
    "ModelVersion",
    "MonitorEvidence",
    "Notice",
    "NotifyKey",
    "OffsiteCursor",
    "OffsiteFact",
    "OffsiteRuleset",
    "OneTimeCode",
    "Organisation",
    "OutboxMessage",
    "PasswordSetup",
    "PlanVisit",
    "PlanVisitInspector",
    "Position",
    "Report",
    "ReportTally",
    "SignalRow",
    "SourceQuery",
    "StaffAccount",
    "TierAppeal",
    "TierOverride",
    "WebhookEndpoint",
]
