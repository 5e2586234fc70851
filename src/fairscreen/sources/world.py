"""Sandbox sources: every source kind implemented over a loaded world file.

They behave as the real registers would: registers keyed by ID number answer only for that
number; the court register and the dishonest-debtor list are searched by name *or* number, so
they bring namesakes and name-only parties, which verification must then sort out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, get_args

from fairscreen.kit.names import name_key
from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.sources.base import (
    CourtRecords,
    CreditBureau,
    CriminalCertificates,
    EducationRegistry,
    EmployerVerification,
    EnforcementList,
    HealthCertificates,
    HRRecords,
    IdentityRegistry,
    LabourArbitrationRecords,
    LicenceRegistry,
    Procuratorate,
    PublicSecurityRecords,
    Referees,
    SocialInsurance,
    Source,
    SourceRecord,
    SourceSet,
    Subject,
    TrafficRecords,
)
from fairscreen.world import model
from fairscreen.world.load import WorldStore, arbitration_key, court_key

_VALIDATORS: dict[str, Any] = {
    get_args(cls.model_fields["type"].annotation)[0]: cls.__pydantic_validator__
    for cls in get_args(model.ExternalRecord)
}


def read_record(kind: str, body: bytes) -> Any:
    """A stored record of type ``kind`` (validated when the world was loaded) read back through
    its own model's validator, as trusted (``model.TRUSTED``): the same object
    ``model.RECORD.validate_json`` gives, without the tagged union's dispatch and the adapter
    around it, nor the checks already passed (about a fifth of a screening's time was reading
    records)."""
    return _VALIDATORS[kind].validate_json(body, context=model.TRUSTED)


class _ByNumber:
    """A register keyed by ID number, holding records of one type."""

    kind: SourceKind
    record_type: str
    authoritative = True

    def __init__(self, store: WorldStore) -> None:
        self.store = store

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]:
        bodies = self.store.by_number(subject.id_number, (self.record_type,))
        return [
            SourceRecord(self.kind, self.authoritative, read_record(self.record_type, b))
            for b in bodies
        ]


class WorldIdentityRegistry(_ByNumber, IdentityRegistry):
    kind = SourceKind.IDENTITY_REGISTRY
    record_type = "identity_record"


class WorldEducationRegistry(_ByNumber, EducationRegistry):
    kind = SourceKind.EDUCATION_REGISTRY
    record_type = "education_record"


class WorldSocialInsurance(_ByNumber, SocialInsurance):
    kind = SourceKind.SOCIAL_INSURANCE
    record_type = "employment_record"


class WorldCriminalCertificates(_ByNumber, CriminalCertificates):
    kind = SourceKind.CRIMINAL_CERTIFICATE
    record_type = "criminal_certificate"


class WorldLicenceRegistry(_ByNumber, LicenceRegistry):
    kind = SourceKind.LICENCE_REGISTRY
    record_type = "licence_record"


class WorldCreditBureau(_ByNumber, CreditBureau):
    kind = SourceKind.CREDIT_BUREAU
    record_type = "credit_report"


class WorldTrafficRecords(_ByNumber, TrafficRecords):
    kind = SourceKind.TRAFFIC_RECORDS
    record_type = "driving_record"


class WorldHealthCertificates(_ByNumber, HealthCertificates):
    kind = SourceKind.HEALTH_CERTIFICATES
    record_type = "health_certificate"


class WorldPublicSecurityRecords(_ByNumber, PublicSecurityRecords):
    kind = SourceKind.PUBLIC_SECURITY
    record_type = "administrative_penalty"


class WorldProcuratorate(_ByNumber, Procuratorate):
    kind = SourceKind.PROCURATORATE
    record_type = "prosecution_decision"


class WorldHRRecords(_ByNumber, HRRecords):
    """A former employer's own record of its own formal act: authoritative for the fact that the
    warning was given (the candidate may dispute what it was given for)."""

    kind = SourceKind.HR_RECORDS
    record_type = "disciplinary_record"


class WorldLabourArbitration(LabourArbitrationRecords):
    """Arbitration cases searched by name or number; only those where the searched person is a
    respondent come back (an applicant's own claim is never collected)."""

    kind = SourceKind.LABOUR_ARBITRATION
    authoritative = True

    def __init__(self, store: WorldStore) -> None:
        self.store = store

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]:
        if item is not Item.CIVIL_LITIGATION:
            return []
        out = []
        wanted = (arbitration_key("respondent"),)
        for body in self.store.by_name_or_number(subject.name, subject.id_number, wanted):
            case = read_record("labour_arbitration", body)
            assert isinstance(case, model.LabourArbitration)
            searched = [
                p
                for p in case.parties
                if p.id_number == subject.id_number or name_key(p.name) == subject.name_key
            ]
            if any(p.role == "respondent" for p in searched):
                out.append(SourceRecord(self.kind, True, case))
        return out


class WorldEmployerVerification(EmployerVerification):
    """Former employers' answers to the agency, filed under the candidate."""

    kind = SourceKind.EMPLOYER_VERIFICATION
    authoritative = False

    def __init__(self, store: WorldStore) -> None:
        self.store = store

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]:
        bodies = self.store.by_candidate(subject.candidate, ("employment_verification",))
        return [
            SourceRecord(self.kind, False, read_record("employment_verification", b))
            for b in bodies
        ]


class WorldEnforcementList(EnforcementList):
    kind = SourceKind.ENFORCEMENT_LIST
    authoritative = True

    def __init__(self, store: WorldStore) -> None:
        self.store = store

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]:
        bodies = self.store.by_name_or_number(
            subject.name, subject.id_number, ("enforcement_record",)
        )
        return [SourceRecord(self.kind, True, read_record("enforcement_record", b)) for b in bodies]


class WorldCourtRecords(CourtRecords):
    """Judgments searched by name or number; only cases where the searched person is a defendant
    in a case of the kind the item covers come back."""

    kind = SourceKind.COURT_RECORDS
    authoritative = True
    _CASE_KIND: ClassVar[dict[Item, str]] = {
        Item.CRIMINAL_RECORD: "criminal",
        Item.CIVIL_LITIGATION: "civil",
    }

    def __init__(self, store: WorldStore) -> None:
        self.store = store

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]:
        case_kind = self._CASE_KIND.get(item)
        if case_kind is None:
            return []
        out = []
        wanted = (court_key(case_kind, "defendant"),)
        for body in self.store.by_name_or_number(subject.name, subject.id_number, wanted):
            case = read_record("court_case", body)
            assert isinstance(case, model.CourtCase)
            if case.kind != case_kind:
                continue
            searched = [
                p
                for p in case.parties
                if p.id_number == subject.id_number or name_key(p.name) == subject.name_key
            ]
            if any(p.role == "defendant" for p in searched):
                out.append(SourceRecord(self.kind, True, case))
        return out


class WorldReferees(Referees):
    """References are what referees told the agency: not an official register."""

    kind = SourceKind.REFEREES
    authoritative = False

    def __init__(self, store: WorldStore) -> None:
        self.store = store

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]:
        bodies = self.store.by_candidate(subject.candidate, ("reference",))
        return [SourceRecord(self.kind, False, read_record("reference", b)) for b in bodies]


def world_sources(store: WorldStore) -> SourceSet:
    """Every sandbox source over ``store``, one per source kind."""
    sources: list[Source] = [
        WorldIdentityRegistry(store),
        WorldEducationRegistry(store),
        WorldSocialInsurance(store),
        WorldCourtRecords(store),
        WorldEnforcementList(store),
        WorldCriminalCertificates(store),
        WorldLicenceRegistry(store),
        WorldCreditBureau(store),
        WorldTrafficRecords(store),
        WorldHealthCertificates(store),
        WorldReferees(store),
        WorldPublicSecurityRecords(store),
        WorldProcuratorate(store),
        WorldLabourArbitration(store),
        WorldEmployerVerification(store),
        WorldHRRecords(store),
    ]
    return SourceSet(sources)
