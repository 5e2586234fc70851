"""The closed vocabulary every step shares: check items, source kinds, forbidden categories.

One name per concept: a consent lists items, a scope fixes items, a source serves items, a
finding belongs to an item, a rule matches an item. Policy packs (data files) say which items a
position category allows; they cannot invent items, because each item needs code that verifies it.
"""

from __future__ import annotations

from enum import StrEnum


class Item(StrEnum):
    """What a check may cover (the unit of consent and of scope)."""

    IDENTITY = "identity"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    PROFESSIONAL_LICENCE = "professional_licence"
    CRIMINAL_RECORD = "criminal_record"
    PUBLIC_SECURITY_RECORD = "public_security_record"
    CIVIL_LITIGATION = "civil_litigation"
    ENFORCEMENT_LIST = "enforcement_list"
    CREDIT = "credit"
    DRIVING_RECORD = "driving_record"
    HEALTH_FITNESS = "health_fitness"
    REFERENCE = "reference"


class SourceKind(StrEnum):
    """Where records come from; each kind has one adapter interface in ``fairscreen.sources``."""

    IDENTITY_REGISTRY = "identity_registry"
    EDUCATION_REGISTRY = "education_registry"
    SOCIAL_INSURANCE = "social_insurance"
    COURT_RECORDS = "court_records"
    ENFORCEMENT_LIST = "enforcement_list"
    CRIMINAL_CERTIFICATE = "criminal_certificate"
    LICENCE_REGISTRY = "licence_registry"
    CREDIT_BUREAU = "credit_bureau"
    TRAFFIC_RECORDS = "traffic_records"
    HEALTH_CERTIFICATES = "health_certificates"
    REFEREES = "referees"
    PUBLIC_SECURITY = "public_security"  # the police register of administrative penalties
    PROCURATORATE = "procuratorate"  # decisions of a people's procuratorate (不起訴)
    LABOUR_ARBITRATION = "labour_arbitration"  # labour-dispute arbitration commissions
    EMPLOYER_VERIFICATION = "employer_verification"  # a former employer's own answer
    HR_RECORDS = "hr_records"  # a former employer's disciplinary records


class ForbiddenCategory(StrEnum):
    """Never collected, never reported, never rated, whatever the consent says."""

    MARRIAGE_ROMANCE = "marriage_romance"
    PREGNANCY = "pregnancy"
    HEALTH_CONDITION = "health_condition"
    RELIGION = "religion"
    ETHNICITY = "ethnicity"
    HOUSEHOLD_REGISTRATION = "household_registration"
    UNION_POLITICAL = "union_political"
    SEXUAL_ORIENTATION = "sexual_orientation"
    LITIGATION_AS_PLAINTIFF = "litigation_as_plaintiff"
    PRIVATE_LIFE = "private_life"


class FindingCode(StrEnum):
    """What a verified finding says, in words the rating rules match on."""

    IDENTITY_MISMATCH = "identity_mismatch"
    EDUCATION_DISCREPANCY = "education_discrepancy"
    EMPLOYMENT_DISCREPANCY = "employment_discrepancy"
    LICENCE_PROBLEM = "licence_problem"
    CRIMINAL_CONVICTION = "criminal_conviction"
    CIVIL_DEFENDANT = "civil_defendant"
    DISHONEST_DEBTOR = "dishonest_debtor"
    CREDIT_DELINQUENCY = "credit_delinquency"
    DRIVING_VIOLATION = "driving_violation"
    NOT_FIT_FOR_DUTY = "not_fit_for_duty"
    REFERENCE_MISCONDUCT = "reference_misconduct"
    ADMINISTRATIVE_PENALTY = "administrative_penalty"
    ARBITRATION_RESPONDENT = "arbitration_respondent"
    DISCIPLINARY_ACTION = "disciplinary_action"


class ExclusionReason(StrEnum):
    """Why a record that a source returned is not rated. Stable: the JSON output carries these."""

    NAME_ONLY_MATCH = "name_only_match"
    IDENTITY_CONFLICT = "identity_conflict"
    FORBIDDEN_CATEGORY = "forbidden_category"
    PRIVATE_LIFE_HEARSAY = "private_life_hearsay"
    UNVERIFIED_SINGLE_SOURCE = "unverified_single_source"
    NO_ADVERSE_OUTCOME = "no_adverse_outcome"
    OUTSIDE_LOOKBACK = "outside_lookback"
    NOT_JOB_RELEVANT = "not_job_relevant"
    SEALED_BY_LAW = "sealed_by_law"
    EXPIRED_BY_LAW = "expired_by_law"


class Culpability(StrEnum):
    """The mental element of an offence (刑法 第14條 故意, 第15條 過失)."""

    INTENTIONAL = "intentional"
    NEGLIGENT = "negligent"


class Penalty(StrEnum):
    """What was imposed: a criminal sentence (刑法 第33-35條), an administrative penalty or
    measure (治安管理處罰法, 禁毒法), or an employer's disciplinary action. Rules match on these."""

    # criminal (主刑, and 免予刑事處罰 for a conviction without punishment)
    EXEMPTED = "exempted"  # 免予刑事處罰 (刑法 第37條): convicted, not punished
    FINE = "fine"  # 罰金 imposed alone
    CONTROL = "control"  # 管制
    CRIMINAL_DETENTION = "criminal_detention"  # 拘役
    FIXED_TERM = "fixed_term"  # 有期徒刑
    LIFE = "life"  # 無期徒刑
    DEATH = "death"  # 死刑
    DEPRIVATION_OF_POLITICAL_RIGHTS = "deprivation_of_political_rights"  # 剝奪政治權利 (附加刑)
    # a punishment the record does not name, but shows was executed (it has a completion date)
    UNSPECIFIED = "unspecified"
    # administrative (public security)
    WARNING = "warning"  # 警告
    ADMINISTRATIVE_FINE = "administrative_fine"  # 罰款
    DETENTION = "detention"  # 行政拘留
    COMPULSORY_ISOLATION_REHAB = "compulsory_isolation_rehab"  # 強制隔離戒毒
    CUSTODY_EDUCATION = "custody_education"  # 收容教育 (abolished 2019)
    REEDUCATION_THROUGH_LABOUR = "reeducation_through_labour"  # 勞動教養 (abolished 2013)
    # disciplinary (an employer's own action)
    VERBAL_WARNING = "verbal_warning"
    WRITTEN_WARNING = "written_warning"
    DEMERIT = "demerit"  # 記過
    FINAL_WARNING = "final_warning"
    SUSPENSION = "suspension"
    DISMISSAL = "dismissal"


class NotCheckedReason(StrEnum):
    """Why an item was not checked. Stable: the JSON output carries these."""

    NOT_ALLOWED_FOR_POSITION = "not_allowed_for_position"
    NO_CONSENT = "no_consent"
    SEPARATE_CONSENT_MISSING = "separate_consent_missing"
    CONSENT_REVOKED = "consent_revoked"
    CONSENT_INVALID = "consent_invalid"
    # the source did not answer before the check's deadline (outage, throttling, failures):
    # the item is reported as not checked, never rated on what was not seen
    SOURCE_UNAVAILABLE = "source_unavailable"
