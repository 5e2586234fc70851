"""The source adapter interfaces: one per source kind, so that a real provider (a court database,
an education registry, a credit bureau) plugs in without touching the pipeline.

Every source answers the same question, ``query(subject, item)``: the records it holds that may
concern ``subject`` for ``item``. A source returns records as the registry holds them (a name
search brings namesakes); deciding whether a record is really the candidate's is verification's
job (``fairscreen.verify``), never the source's. What a source must never return is what the
item does not cover: the court source, asked about civil litigation, returns cases where the
searched person is a defendant, never those where they are the plaintiff (suing is a right, and
litigation as plaintiff is never collected).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

from fairscreen.kit.errors import PolicyError
from fairscreen.kit.names import name_key
from fairscreen.policy.pack import PolicyPack
from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.world import model


@dataclass(frozen=True, slots=True)
class Subject:
    """What the agency knows of the candidate and may use to ask: the strong keys."""

    candidate: str  # the employer's reference for the candidate (references are filed under it)
    name: str
    id_number: str
    birth_date: date
    name_key: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name_key", name_key(self.name))


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record a source returned, with where it came from."""

    source: SourceKind
    authoritative: bool
    record: model.ExternalRecord

    @property
    def ref(self) -> str:
        return f"{self.source}:{self.record.id}"


@runtime_checkable
class Source(Protocol):
    """A source of records. ``authoritative`` sources are official registers (a court, a police
    certificate, a registry); an adverse finding from a non-authoritative source needs a second,
    independent source before it can be rated."""

    kind: SourceKind
    authoritative: bool

    def query(self, subject: Subject, item: Item) -> Sequence[SourceRecord]: ...


class IdentityRegistry(Source, Protocol):
    """Identity records held under the subject's ID number (身份核驗)."""


class EducationRegistry(Source, Protocol):
    """Degrees registered under the subject's ID number (學信網-style registry)."""


class SocialInsurance(Source, Protocol):
    """Social-insurance contribution periods under the subject's ID number: employer and months."""


class CourtRecords(Source, Protocol):
    """Published judgments where a party has the subject's name or ID number as a defendant.
    For ``criminal_record``: criminal cases; for ``civil_litigation``: civil cases. Never cases
    where the searched person is only a plaintiff."""


class EnforcementList(Source, Protocol):
    """The public dishonest-debtor list (失信被執行人名單), searched by name or ID number."""


class CriminalCertificates(Source, Protocol):
    """Police criminal-record certificates issued for the subject's ID number."""


class LicenceRegistry(Source, Protocol):
    """Professional licences registered under the subject's ID number."""


class CreditBureau(Source, Protocol):
    """Credit reports under the subject's ID number."""


class TrafficRecords(Source, Protocol):
    """Driving licence status and serious violations under the subject's ID number."""


class HealthCertificates(Source, Protocol):
    """Fitness-for-duty certificates under the subject's ID number (no diagnoses, ever)."""


class Referees(Source, Protocol):
    """References given by the referees the candidate named, filed under the candidate."""


class PublicSecurityRecords(Source, Protocol):
    """Public-security administrative penalties under the subject's ID number (sealed by
    治安管理處罰法 第136條: asked only for the items a regulation lets the category query)."""


class Procuratorate(Source, Protocol):
    """A procuratorate's decisions not to prosecute under the subject's ID number."""


class LabourArbitrationRecords(Source, Protocol):
    """Labour-arbitration cases where the searched person is the respondent, searched by name or
    ID number. Never cases where the searched person only brought the claim (the applicant)."""


class EmployerVerification(Source, Protocol):
    """Former employers' own answers to the agency's employment questions, filed under the
    candidate. Not an official register: what it says against a claim needs a second source."""


class HRRecords(Source, Protocol):
    """Former employers' formal disciplinary records under the subject's ID number."""


class SourceSet:
    """The sources a screening may ask, one per kind."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self._by_kind: dict[SourceKind, Source] = {}
        for source in sources:
            if source.kind in self._by_kind:
                raise ValueError(f"two sources of kind {source.kind}")
            self._by_kind[source.kind] = source

    def for_kind(self, kind: SourceKind) -> Source:
        try:
            return self._by_kind[kind]
        except KeyError:
            raise LookupError(f"no source of kind {kind} is configured") from None

    def check_covers(self, pack: PolicyPack) -> None:
        """Fail early if the pack names a source kind this set cannot serve."""
        missing = {kind for policy in pack.items.values() for kind in policy.sources} - set(
            self._by_kind
        )
        if missing:
            raise PolicyError(
                f"policy pack {pack.ref}: no source is configured for {', '.join(sorted(missing))}"
            )
