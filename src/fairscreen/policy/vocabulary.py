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
