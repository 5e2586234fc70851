"""The world-file records, as Pydantic models: the one definition the loader, the generator, the
sources and the shipped JSON Schema (``world.schema.json``) all come from.

A world file is JSON Lines: a header line, then one record per line, each with a ``type``.
Records about the candidate's application (organisations, positions, candidates with their
claims and consent, self-identified demographics) are what the platform knows; the rest are the
external records that the sandbox sources read, keyed by the person they are about
(``subject``), exactly as a registry would hold them: namesakes included.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema

from fairscreen.kit.cnid import check_cn_resident_id
from fairscreen.policy.vocabulary import Item

FORMAT = "fairscreen-world"
VERSION = "1.1"  # what this version of fairscreen writes
# 1.1 added record types and optional fields only; so did 1.2 (employers' decisions, the audit
# consent: a world with decision lines says 1.2)
DECISIONS_VERSION = "1.2"
READABLE_VERSIONS = ("1.0", "1.1", "1.2")

Ref = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Year = Annotated[int, Field(ge=1900, le=2100)]


class _Trusted:
    """The type of ``TRUSTED``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "TRUSTED"


TRUSTED = _Trusted()
"""Validation context for reading back a line that passed every check when its world was loaded
(``WorldStore``, the sandbox sources): the types are parsed as always, the checks written in
Python (an ID number's check character, a consent's consistency, a sentence's terms...) are not
run again. They cost a third of reading a candidate, and a screening reads a candidate and a
dozen records. ``tests/world/test_model.py`` shows both reads give equal objects."""


def _trusted(info: ValidationInfo) -> bool:
    return info.context is TRUSTED


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a time zone is required (e.g. 2026-11-20T10:00:00+08:00)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- header ---------------------------------------------------------------------------------


class Header(_Record):
    """The first line of every world file."""

    type: Literal["world"]
    format: Literal["fairscreen-world"]
    version: Literal["1.0", "1.1", "1.2"]
    jurisdiction: Literal["CN", "US"] = Field(description="chooses the policy pack")
    as_of: date = Field(description="the date screenings in this world are made on")
    seed: int | None = None
    generator: str | None = None
    description: str | None = None


# --- what the platform knows ------------------------------------------------------------------


class OrganisationRecord(_Record, title="Organisation"):
    type: Literal["organisation"]
    id: Ref
    kind: Literal["employer", "agency"]
    name: Name
    jurisdiction: Literal["CN", "US"] = "CN"


class PositionRecord(_Record, title="Position"):
    type: Literal["position"]
    id: Ref
    employer: Ref = Field(description="id of an organisation of kind employer")
    title: Name
    category: str = Field(description="a position category of the policy pack")


class IdDocument(_Record):
    kind: Literal["cn_resident_id", "passport", "us_ssn"]
    number: Annotated[str, Field(min_length=5, max_length=32)]

    @model_validator(mode="after")
    def _ssn(self, info: ValidationInfo) -> IdDocument:
        if _trusted(info):
            return self
        if self.kind == "us_ssn" and not _SSN.fullmatch(self.number):
            raise ValueError("number: a US social security number is written NNN-NN-NNNN")
        return self


_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")


class EducationClaim(_Record):
    institution: Name
    degree: Literal["vocational", "associate", "bachelor", "master", "doctorate"]
    field: Name | None = None
    graduated: Year


class EmploymentClaim(_Record):
    employer: Name
    title: Name
    start: Month
    end: Month | None = None


class LicenceClaim(_Record):
    kind: Annotated[str, Field(min_length=1, max_length=40)]
    number: Annotated[str, Field(min_length=1, max_length=40)]


class Claims(_Record):
    education: list[EducationClaim] = Field(default_factory=list, max_length=10)
    employment: list[EmploymentClaim] = Field(default_factory=list, max_length=20)
    licences: list[LicenceClaim] = Field(default_factory=list, max_length=10)


class ConsentRecord(_Record, title="Consent"):
    """The candidate's signed authorisation (籤署授權), item by item."""

    id: Ref
    items: list[Item] = Field(min_length=1)
    separate_items: list[Item] = Field(
        default_factory=list,
        description="sensitive items the candidate signed a separate consent for (PIPL art. 29)",
    )
    purpose: Literal["pre_employment_screening"]
    recipient: Ref = Field(description="the employer that may receive the report")
    agency: Ref | None = Field(default=None, description="the agency that may run the check")
    retention_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    signed_at: AwareDatetime
    revoked_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ConsentRecord:
        if _trusted(info):
            return self
        items = {str(i) for i in self.items}  # plain strings hash in C, enum members do not
        if len(items) != len(self.items):
            raise ValueError("items: an item is listed twice")
        extra = {str(i) for i in self.separate_items} - items
        if extra:
            raise ValueError(f"separate_items: {sorted(extra)} not among items")
        if self.revoked_at is not None and self.revoked_at < self.signed_at:
            raise ValueError("revoked_at: before signed_at")
        return self


class CandidateRecord(_Record, title="Candidate"):
    type: Literal["candidate"]
    id: Ref
    name: Name
    id_document: IdDocument
    birth_date: date
    applies_to: Ref = Field(description="id of the position applied for")
    claims: Claims = Field(default_factory=Claims)
    consent: ConsentRecord | None = Field(default=None, description="absent: the candidate refused")

    @model_validator(mode="after")
    def _id_matches(self, info: ValidationInfo) -> CandidateRecord:
        if _trusted(info):
            return self
        if self.id_document.kind == "cn_resident_id":
            problem = check_cn_resident_id(self.id_document.number, self.birth_date)
            if problem:
                raise ValueError(f"id_document.number: {problem}")
        return self


class Demographics(_Record):
    """Self-identified, optional; read by the bias audit only, never by the rating."""

    type: Literal["demographics"]
    candidate: Ref
    sex: Literal["female", "male", "other"] | None = None
    birth_year: Year | None = None
    ethnicity: Annotated[str, Field(max_length=40)] | None = None
    region: Annotated[str, Field(max_length=40)] | None = Field(
        default=None,
        description="self-identified region of household registration (province level)",
    )
    audit_consent: bool | None = Field(
        default=None,
        description="the candidate's separate consent to the bias audit using these values; "
        "absent or null: no",
    )


class DecisionRecord(_Record, title="Decision"):
    """The employer's hiring decision on the candidate's application (what the bias audit
    compares with the light). Synthetic worlds carry one per candidate when asked for."""

    type: Literal["decision"]
    id: Ref
    candidate: Ref = Field(description="id of the candidate whose application was decided")
    outcome: Literal["hired", "rejected"]
    decided: date


# --- the external records the sources read ------------------------------------------------------


class SubjectRecord(_Record, title="Subject"):
    """Who a record is about, as the registry wrote it down (the ID number may be missing)."""

    name: Name
    id_number: Annotated[str, Field(min_length=5, max_length=32)] | None = None
    birth_date: date | None = None


class IdentityRecord(_Record):
    type: Literal["identity_record"]
    id: Ref
    subject: SubjectRecord
    status: Literal["valid", "cancelled"] = "valid"


class EducationRecord(_Record):
    type: Literal["education_record"]
    id: Ref
    subject: SubjectRecord
    institution: Name
    degree: Literal["vocational", "associate", "bachelor", "master", "doctorate"]
    field: Name | None = None
    graduated: Year | None = None
    status: Literal["graduated", "completed", "withdrawn"] = "graduated"


class EmploymentRecord(_Record):
    """A social-insurance contribution period: employer and months, nothing about conduct."""

    type: Literal["employment_record"]
    id: Ref
    subject: SubjectRecord
    employer: Name
    start: Month
    end: Month | None = None


Culpability = Literal["intentional", "negligent"]
SentenceKind = Literal[
    "exempted", "fine", "control", "criminal_detention", "fixed_term", "life", "death"
]
_TERMS = ("control", "criminal_detention", "fixed_term")


class Sentence(_Record):
    """The punishment a criminal court imposed (刑罰), as the judgment states it.

    ``kind`` is the principal punishment: ``exempted`` (免予刑事處罰: convicted, not punished),
    ``fine`` (罰金 alone), ``control`` (管制), ``criminal_detention`` (拘役), ``fixed_term``
    (有期徒刑), ``life``, ``death``. A suspended sentence (緩刑) has ``probation_months``, and
    ``probation_ended`` once the probation is over. ``completed`` is the day the punishment was
    fully executed (刑罰執行完畢)."""

    kind: SentenceKind
    months: Annotated[int, Field(ge=1, le=600)] | None = Field(
        default=None, description="the term of control, criminal detention or imprisonment"
    )
    probation_months: Annotated[int, Field(ge=1, le=120)] | None = Field(
        default=None, description="緩刑考驗期: present if the sentence was suspended"
    )
    probation_ended: date | None = None
    political_rights_months: Annotated[int, Field(ge=1, le=600)] | None = Field(
        default=None, description="剝奪政治權利: its term (a supplementary punishment)"
    )
    political_rights_until: date | None = None
    completed: date | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Sentence:
        if _trusted(info):
            return self
        if self.months is not None and self.kind not in _TERMS:
            raise ValueError(f"months: a {self.kind} sentence has no term")
        if self.probation_months is not None and self.kind not in (
            "criminal_detention",
            "fixed_term",
        ):
            raise ValueError(
                "probation_months: only criminal detention or imprisonment is suspended"
            )
        if self.probation_ended is not None and self.probation_months is None:
            raise ValueError("probation_ended: the sentence was not suspended")
        if self.political_rights_until is not None and self.political_rights_months is None:
            raise ValueError("political_rights_until: no deprivation of political rights")
        return self


class Party(_Record):
    name: Name
    id_number: Annotated[str, Field(min_length=5, max_length=32)] | None = None
    birth_date: date | None = None
    role: Literal["plaintiff", "defendant", "third_party"]
    # a defendant of a criminal case: when the offence was committed, the mental element the
    # judgment found (故意 or 過失), and the sentence
    committed: date | None = None
    culpability: Culpability | None = None
    sentence: Sentence | None = None


class CourtCase(_Record):
    type: Literal["court_case"]
    id: Ref
    court: Name
    case_number: Text
    kind: Literal["civil", "criminal", "administrative"]
    cause: Annotated[str, Field(min_length=1, max_length=60, description="案由, as a cause code")]
    filed: date
    decided: date | None = None
    outcome: Literal[
        "pending",
        "convicted",
        "acquitted",
        "judgment_for_plaintiff",
        "judgment_for_defendant",
        "settled",
        "withdrawn",
        "dismissed",
    ]
    sentence_completed: date | None = None
    parties: list[Party] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _criminal_details(self, info: ValidationInfo) -> CourtCase:
        if _trusted(info):
            return self
        for i, party in enumerate(self.parties):
            details = party.committed or party.culpability or party.sentence
            if details is not None and (self.kind != "criminal" or party.role != "defendant"):
                raise ValueError(
                    f"parties.{i}: committed, culpability and sentence are for a criminal "
                    "case's defendants"
                )
        return self


class EnforcementRecord(_Record):
    """An entry on the dishonest-debtor list (失信被執行人名單)."""

    type: Literal["enforcement_record"]
    id: Ref
    subject: SubjectRecord
    court: Name
    case_number: Text
    listed: date
    removed: date | None = None


class Offence(_Record):
    cause: Annotated[str, Field(min_length=1, max_length=60)]
    convicted: date
    sentence_completed: date | None = None
    committed: date | None = None
    culpability: Culpability | None = None
    sentence: Sentence | None = None

    @model_validator(mode="after")
    def _one_completion(self, info: ValidationInfo) -> Offence:
        if _trusted(info):
            return self
        done = self.sentence.completed if self.sentence is not None else None
        if done is not None and self.sentence_completed not in (None, done):
            raise ValueError("sentence_completed: differs from sentence.completed")
        return self


class CriminalCertificate(_Record):
    """A police criminal-record certificate (無犯罪記錄證明 or its negative)."""

    type: Literal["criminal_certificate"]
    id: Ref
    subject: SubjectRecord
    issued: date
    result: Literal["no_record", "record"]
    offences: list[Offence] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> CriminalCertificate:
        if _trusted(info):
            return self
        if self.result == "no_record" and self.offences:
            raise ValueError("offences: listed on a no_record certificate")
        if self.result == "record" and not self.offences:
            raise ValueError("offences: a record certificate lists at least one offence")
        return self


class LicenceRecord(_Record):
    type: Literal["licence_record"]
    id: Ref
    subject: SubjectRecord
    kind: Annotated[str, Field(min_length=1, max_length=40)]
    number: Annotated[str, Field(min_length=1, max_length=40)]
    status: Literal["valid", "expired", "revoked", "suspended"]
    issued: date
    expires: date | None = None
    status_since: date | None = Field(
        default=None, description="when a revoked or suspended licence was revoked or suspended"
    )


class CreditReport(_Record):
    type: Literal["credit_report"]
    id: Ref
    subject: SubjectRecord
    as_of: date
    serious_delinquencies: Annotated[int, Field(ge=0, le=1000)] = 0
    last_delinquency: date | None = None
    accounts_in_default: Annotated[int, Field(ge=0, le=1000)] = 0


class Violation(_Record):
    kind: Literal[
        "drunk_driving",
        "dui",
        "hit_and_run",
        "speeding_serious",
        "speeding",
        "red_light",
        "parking",
    ]
    date: date
    points: Annotated[int, Field(ge=0, le=12)] = 0


class DrivingRecord(_Record):
    type: Literal["driving_record"]
    id: Ref
    subject: SubjectRecord
    licence_class: Annotated[str, Field(min_length=1, max_length=8)]
    licence_status: Literal["valid", "suspended", "revoked"]
    status_since: date | None = None
    violations: list[Violation] = Field(default_factory=list, max_length=200)


class HealthCertificate(_Record):
    """A fitness-for-duty certificate. It has no field for a diagnosis, by design."""

    type: Literal["health_certificate"]
    id: Ref
    subject: SubjectRecord
    purpose: Literal["food_handler", "childcare", "driver_fitness", "healthcare_worker", "general"]
    issued: date
    expires: date | None = None
    fit_for_duty: bool


class Referee(_Record):
    name: Name
    relationship: Literal["manager", "colleague", "hr", "client", "subordinate", "other"]
    organisation: Name


class Reference(_Record):
    """Free text a former colleague or manager gave about the candidate, in its own language."""

    type: Literal["reference"]
    id: Ref
    candidate: Ref
    referee: Referee
    language: Literal["zh-Hant", "zh-Hans", "en"]
    given: date
    text: Annotated[str, Field(min_length=1, max_length=4000)]


class AdministrativePenalty(_Record):
    """A public-security administrative penalty or measure, one decision per record, as the
    police register holds it: 警告, 罰款, 行政拘留 (治安管理處罰法), 強制隔離戒毒 (禁毒法), and the
    abolished 收容教育 and 勞動教養 that old records still carry. Not a crime."""

    type: Literal["administrative_penalty"]
    id: Ref
    subject: SubjectRecord
    authority: Name
    decision_number: Text
    conduct: Annotated[
        str,
        Field(min_length=1, max_length=60, description="the conduct punished, as a conduct code"),
    ]
    penalty: Literal[
        "warning",
        "administrative_fine",
        "detention",
        "compulsory_isolation_rehab",
        "custody_education",
        "reeducation_through_labour",
    ]
    days: Annotated[int, Field(ge=1, le=1100)] | None = Field(
        default=None, description="days of detention, or of the measure"
    )
    decided: date
    ended: date | None = None
    status: Literal["in_force", "revoked"] = Field(
        default="in_force", description="revoked: set aside on review or in court"
    )


class ProsecutionDecision(_Record):
    """A people's procuratorate's decision not to prosecute (不起訴決定): not a conviction, and
    never counted. ``ground``: statutory (法定, 刑事訴訟法 第177條第1款), discretionary (酌定,
    第177條第2款), insufficient evidence (存疑, 第175條第4款), conditional for a minor (附條件,
    第282條)."""

    type: Literal["prosecution_decision"]
    id: Ref
    subject: SubjectRecord
    procuratorate: Name
    decision_number: Text
    cause: Annotated[str, Field(min_length=1, max_length=60)]
    decided: date
    ground: Literal["statutory", "discretionary", "insufficient_evidence", "conditional"]


class ArbitrationParty(_Record):
    name: Name
    id_number: Annotated[str, Field(min_length=5, max_length=32)] | None = None
    birth_date: date | None = None
    role: Literal["applicant", "respondent"]


class LabourArbitration(_Record):
    """A labour-dispute arbitration case (勞動爭議仲裁) with every party: the applicant who
    brought it and the respondent. An applicant, like a plaintiff, is never collected."""

    type: Literal["labour_arbitration"]
    id: Ref
    commission: Name
    case_number: Text
    cause: Annotated[str, Field(min_length=1, max_length=60)]
    filed: date
    decided: date | None = None
    outcome: Literal[
        "pending",
        "award_for_applicant",
        "award_for_respondent",
        "partial_award",
        "mediated",
        "withdrawn",
        "dismissed",
    ]
    parties: list[ArbitrationParty] = Field(min_length=1, max_length=50)


class Respondent(_Record):
    name: Name
    role: Literal["hr", "manager", "other"]


class EmploymentVerification(_Record):
    """A former employer's own answer to the agency, filed under the candidate: does it confirm
    that the candidate worked there, and from when to when."""

    type: Literal["employment_verification"]
    id: Ref
    candidate: Ref
    employer: Name
    answer: Literal["confirmed", "denied", "no_record", "declined"]
    start: Month | None = None
    end: Month | None = None
    title: Name | None = None
    answered: date
    respondent: Respondent

    @model_validator(mode="after")
    def _dates_only_when_confirmed(self, info: ValidationInfo) -> EmploymentVerification:
        if _trusted(info):
            return self
        if self.answer != "confirmed" and (self.start or self.end or self.title):
            raise ValueError("answer: start, end and title come only with a confirmed answer")
        return self


class DisciplinaryRecord(_Record):
    """A formal disciplinary action in a former employer's records (an HR register, not a
    remark): a written warning, a demerit, a suspension, a dismissal, with its date and ground."""

    type: Literal["disciplinary_record"]
    id: Ref
    subject: SubjectRecord
    employer: Name
    action: Literal[
        "verbal_warning",
        "written_warning",
        "demerit",
        "final_warning",
        "suspension",
        "dismissal",
    ]
    ground: Literal[
        "attendance",
        "discipline",
        "safety",
        "dishonesty",
        "confidentiality",
        "harassment",
        "violence",
    ]
    date: date
    status: Literal["in_force", "rescinded"] = "in_force"


ExternalRecord = (
    IdentityRecord
    | EducationRecord
    | EmploymentRecord
    | CourtCase
    | EnforcementRecord
    | CriminalCertificate
    | LicenceRecord
    | CreditReport
    | DrivingRecord
    | HealthCertificate
    | Reference
    | AdministrativePenalty
    | ProsecutionDecision
    | LabourArbitration
    | EmploymentVerification
    | DisciplinaryRecord
)

Line = Annotated[
    Header
    | OrganisationRecord
    | PositionRecord
    | CandidateRecord
    | Demographics
    | DecisionRecord
    | ExternalRecord,
    Field(discriminator="type"),
]

LINE = TypeAdapter[
    Header
    | OrganisationRecord
    | PositionRecord
    | CandidateRecord
    | Demographics
    | DecisionRecord
    | IdentityRecord
    | EducationRecord
    | EmploymentRecord
    | CourtCase
    | EnforcementRecord
    | CriminalCertificate
    | LicenceRecord
    | CreditReport
    | DrivingRecord
    | HealthCertificate
    | Reference
    | AdministrativePenalty
    | ProsecutionDecision
    | LabourArbitration
    | EmploymentVerification
    | DisciplinaryRecord
](Line)
RECORD = TypeAdapter[ExternalRecord](Annotated[ExternalRecord, Field(discriminator="type")])
CANDIDATE = TypeAdapter(CandidateRecord)

EXTERNAL_TYPES: frozenset[str] = frozenset(
    {
        "identity_record",
        "education_record",
        "employment_record",
        "court_case",
        "enforcement_record",
        "criminal_certificate",
        "licence_record",
        "credit_report",
        "driving_record",
        "health_certificate",
        "reference",
        "administrative_penalty",
        "prosecution_decision",
        "labour_arbitration",
        "employment_verification",
        "disciplinary_record",
    }
)


# The records whose classes carry a ``Record`` suffix, to tell them from the database tables and
# the source dataclass of the same concept (``organisations.models.Organisation``, ...,
# ``sources.base.Subject``), are named in the schema by their title: the names the shipped schema
# has always used.
_SCHEMA_NAMES: dict[str, str] = {
    cls.__name__: str(cls.model_config["title"])
    for cls in (
        OrganisationRecord,
        PositionRecord,
        ConsentRecord,
        CandidateRecord,
        SubjectRecord,
        DecisionRecord,
    )
}


class _SchemaNames(GenerateJsonSchema):
    def normalize_name(self, name: str) -> str:
        return super().normalize_name(_SCHEMA_NAMES.get(name, name))


def json_schema() -> dict[str, object]:
    """The JSON Schema of one world-file line, as shipped in ``world.schema.json``."""
    schema = LINE.json_schema(schema_generator=_SchemaNames)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://fairscreen.invalid/schemas/world-line-{VERSION}.json"
    schema["title"] = f"fairscreen world file line, format version {VERSION} (reads 1.0 too)"
    return schema
