"""Words for the codes the domain records (items, sources, lights, reasons, rules, states), as
English message ids marked for the catalogs; ``label(kind, code)`` shows one in the reader's
language. A code without a word here is shown as recorded."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fairscreen.web.portal.i18n import N_

LABELS: Mapping[str, Mapping[str, str]] = {
    "light": {
        "green": N_("Green"),
        "blue": N_("Blue"),
        "yellow": N_("Yellow"),
        "red": N_("Red"),
        "stopped": N_("Stopped"),
    },
    "item": {
        "identity": N_("Identity"),
        "education": N_("Education"),
        "employment": N_("Employment history"),
        "professional_licence": N_("Professional licence"),
        "criminal_record": N_("Criminal record"),
        "civil_litigation": N_("Civil litigation as defendant"),
        "enforcement_list": N_("Dishonest-debtor list"),
        "credit": N_("Credit report"),
        "driving_record": N_("Driving record"),
        "health_fitness": N_("Fitness-for-duty certificate (no diagnoses)"),
        "reference": N_("References"),
        "public_security_record": N_("Public security record"),
    },
    "source": {
        "identity_registry": N_("Identity registry"),
        "education_registry": N_("Education registry"),
        "social_insurance": N_("Social insurance records"),
        "court_records": N_("Court records"),
        "enforcement_list": N_("Dishonest-debtor list"),
        "criminal_certificate": N_("Certificate of no criminal record"),
        "licence_registry": N_("Licence registry"),
        "credit_bureau": N_("Credit bureau"),
        "traffic_records": N_("Traffic records"),
        "health_certificates": N_("Health certificates"),
        "referees": N_("Referees"),
        "public_security": N_("Public security records"),
        "procuratorate": N_("Procuratorate records"),
        "labour_arbitration": N_("Labour arbitration records"),
        "employer_verification": N_("Former employer's verification"),
        "hr_records": N_("Former employer's HR records"),
    },
    "category": {
        "general_office": N_("General office"),
        "software_engineering": N_("Software and engineering"),
        "finance_accounting": N_("Finance and accounting"),
        "executive_legal_rep": N_("Executive or legal representative"),
        "driver": N_("Driver"),
        "childcare_education": N_("Childcare and education"),
        "security_guard": N_("Security guard"),
        "healthcare": N_("Healthcare"),
        "ca_post_offer": N_("California, after a conditional offer"),
        "ca_pre_offer": N_("California, before an offer"),
        "childcare": N_("Childcare"),
        "commercial_driver": N_("Commercial driver"),
        "financial_institution": N_("Financial institution"),
        "general": N_("General"),
        "general_75k": N_("General, salary of 75,000 USD or more"),
    },
    "forbidden": {
        "marriage_romance": N_("Marriage and relationships"),
        "pregnancy": N_("Pregnancy"),
        "health_condition": N_("Health conditions"),
        "religion": N_("Religion"),
        "ethnicity": N_("Ethnicity"),
        "household_registration": N_("Household registration"),
        "union_political": N_("Union or political activity"),
        "sexual_orientation": N_("Sexual orientation"),
        "litigation_as_plaintiff": N_("Lawsuits you brought"),
        "private_life": N_("Private life"),
    },
    "exclusion": {
        "name_only_match": N_("Matched on a name only, not on your ID number"),
        "identity_conflict": N_("The record's identity conflicts with yours"),
        "forbidden_category": N_("A category the law forbids to use"),
        "private_life_hearsay": N_("Hearsay about private life, never used"),
        "unverified_single_source": N_("One unconfirmed source only"),
        "no_adverse_outcome": N_("No adverse outcome"),
        "outside_lookback": N_("Older than the period the position may look back"),
        "not_job_relevant": N_("Not relevant to the position"),
        "sealed_by_law": N_("Sealed by law, may not be used"),
        "expired_by_law": N_("Too old to be used, by law"),
    },
    "not_checked": {
        "not_allowed_for_position": N_("Not allowed for this position"),
        "no_consent": N_("You did not consent to it"),
        "separate_consent_missing": N_("Needs your separate consent, not given"),
        "consent_revoked": N_("You revoked your consent"),
        "consent_invalid": N_("The consent was not valid"),
    },
    "finding_status": {
        "verified": N_("Verified"),
        "excluded": N_("Excluded"),
        "corrected": N_("Corrected"),
        "deleted": N_("Deleted"),
    },
    "check_status": {
        "pending": N_("Waiting for the sources"),
        "reported": N_("Report issued"),
        "stopped": N_("Stopped"),
        "decided": N_("Decided"),
    },
    # jobs.status: where a check stands, item by item (the portals' status card)
    "check_state": {
        "waiting_for_candidate": N_("Waiting for the candidate"),
        "in_progress": N_("In progress"),
        "complete": N_("Complete"),
        "stopped": N_("Stopped"),
    },
    "item_state": {
        "waiting": N_("Waiting for the sources"),
        "done": N_("Done"),
        "not_checked": N_("Not checked: a source was unavailable"),
    },
    "source_state": {
        "pending": N_("Pending"),
        "answered": N_("Answered"),
        "unavailable": N_("Unavailable"),
    },
    "late_reason": {
        "waiting": N_("the source has not answered yet"),
        "throttled": N_("the source is busy and asked us to wait"),
        "outage": N_("the source is down"),
        "failed": N_("the source answered with an error"),
        "unreachable": N_("the source could not be reached"),
        "deadline": N_("past the time the source was given to answer"),
    },
    "invitation_status": {
        "sent": N_("Sent"),
        "accepted": N_("Accepted"),
        "signed": N_("Signed"),
        "checked": N_("Checked"),
        "revoked": N_("Revoked"),
        "expired": N_("Expired"),
    },
    "dispute_status": {"open": N_("Open"), "resolved": N_("Resolved")},
    "webhook_event": {
        "webhook.test": N_("A test delivery"),
        "invitation.accepted": N_("A candidate accepted an invitation"),
        "consent.signed": N_("A candidate signed a consent"),
        "consent.revoked": N_("A candidate revoked a consent"),
        "report.issued": N_("A report or a new version of it was issued"),
        "notice.sent": N_("A pre-adverse notice was sent"),
        "dispute.opened": N_("A candidate disputed a finding"),
        "dispute.resolved": N_("A dispute was resolved"),
        "decision.recorded": N_("A hiring decision was recorded"),
    },
    # a webhook delivery's state and each attempt's outcome
    "delivery_status": {
        "pending": N_("waiting"),
        "sending": N_("sending"),
        "sent": N_("delivered"),
        "failed": N_("failed"),
        "retry": N_("to be retried"),
        "interrupted": N_("interrupted"),
    },
    "outcome": {
        "corrected": N_("Corrected"),
        "confirmed": N_("Confirmed"),
        "deleted": N_("Deleted"),
        "hire": N_("Hire"),
        "not_hire": N_("Not hire"),
    },
    "purpose": {
        "hiring_decision": N_("Hiring decision"),
        "pre_adverse_notice": N_("Pre-adverse notice"),
        "dispute_reinvestigation": N_("Dispute reinvestigation"),
        "compliance_review": N_("Compliance review"),
        "candidate_support": N_("Candidate support"),
    },
    "role": {
        "platform_admin": N_("Platform administrator"),
        "employer_admin": N_("Employer administrator"),
        "recruiter": N_("Recruiter"),
        "hiring_manager": N_("Hiring manager"),
        "agency_admin": N_("Agency administrator"),
        "agency_analyst": N_("Agency analyst"),
        "agency_reviewer": N_("Agency reviewer"),
        "regulator_inspector": N_("Labour inspector"),
        "candidate": N_("Candidate"),
    },
    "action": {
        "report.read": N_("read the report"),
        "decision.read": N_("read the decision"),
        "dispute.read": N_("read a dispute"),
        "document.read": N_("read a dispute document"),
        "invitation.read": N_("read the invitation"),
        "check.light": N_("saw the light in a list of checks"),
    },
    "rule": {
        "decision.open_dispute": N_(
            "A dispute of this check is open: no decision until it is resolved."
        ),
        "decision.favourable_light": N_(
            "The report is green or blue: it gives no reason for a not-hire."
        ),
        "decision.forbidden_reason": N_(
            "A reason cites a forbidden category, which may never be used."
        ),
        "decision.excluded_reason": N_(
            "A reason cites something the report did not cover or left out."
        ),
        "decision.reason_not_in_report": N_(
            "A not-hire must cite reasons of the latest report version, and only those."
        ),
        "decision.no_notice": N_(
            "A not-hire needs a pre-adverse notice on the latest report version first."
        ),
        "decision.waiting_period": N_("The pre-adverse notice's waiting period has not ended."),
        "decision.already_recorded": N_("A decision was already recorded for this check."),
        "notice.favourable_light": N_(
            "The report is green or blue: there is no adverse reason to notify."
        ),
        "notice.no_reasons": N_("A notice cites at least one of the report's reasons."),
        "notice.reason_not_in_report": N_(
            "A notice cites only reasons of the latest report version."
        ),
        "notice.already_sent": N_("A notice was sent on this report version already."),
    },
    "reason": {
        "offence_bars_work_with_minors": N_("An offence that bars work with minors"),
        "criminal_punishment_bars_security_work": N_(
            "A criminal punishment that bars security work"
        ),
        "economic_crime_bars_executive_office": N_("An economic crime that bars executive office"),
        "dishonest_debtor_bars_executive_office": N_(
            "A dishonest-debtor listing that bars executive office"
        ),
        "accounting_crime_bars_accounting_work": N_(
            "An accounting offence that bars accounting work"
        ),
        "drunk_driving_bars_professional_driving": N_(
            "Drunk driving that bars professional driving"
        ),
        "no_valid_driving_licence": N_("No valid driving licence"),
        "traffic_crime_bars_professional_driving": N_(
            "A traffic crime that bars professional driving"
        ),
        "no_valid_practising_licence": N_("No valid practising licence"),
        "no_valid_security_guard_licence": N_("No valid security guard licence"),
        "conviction_needs_individual_assessment": N_(
            "A conviction that needs an individual assessment"
        ),
        "identity_not_confirmed": N_("Identity not confirmed"),
        "education_claim_not_confirmed": N_("An education claim not confirmed"),
        "employment_claim_not_confirmed": N_("An employment claim not confirmed"),
        "employment_dates_misstated": N_("Employment dates misstated"),
        "licence_claim_not_confirmed": N_("A licence claim not confirmed"),
        "licence_expired": N_("A licence expired"),
        "serious_traffic_violation": N_("A serious traffic violation"),
        "fitness_certificate_not_current": N_("Fitness certificate not current"),
        "dishonest_debtor_in_finance_role": N_("A dishonest-debtor listing, for a finance role"),
        "corroborated_workplace_misconduct": N_("Corroborated workplace misconduct"),
        "graduation_year_differs": N_("The graduation year differs"),
        "employment_dates_differ": N_("Employment dates differ"),
        "credit_delinquency_on_file": N_("A credit delinquency on file"),
        "past_dishonest_debtor_listing": N_("A past dishonest-debtor listing"),
        "commercial_litigation_as_defendant": N_("Commercial litigation as defendant"),
        "administrative_custody_bars_security_work": N_(
            "Administrative detention that bars security work"
        ),
        "administrative_offence_bars_work_with_minors": N_(
            "An administrative offence that bars work with minors"
        ),
        "arbitration_award_on_restrictive_covenant": N_(
            "An arbitration award on a non-compete covenant"
        ),
        "civil_judgment_as_defendant": N_("A civil judgment as defendant"),
        "conviction_needs_individualized_assessment": N_(
            "A conviction that needs an individualized assessment"
        ),
        "conviction_needs_individualized_assessment_ca": N_(
            "A conviction that needs an individualized assessment (California)"
        ),
        "corroborated_attendance_or_discipline_problem": N_(
            "A corroborated attendance or discipline problem"
        ),
        "criminal_punishment_within_two_years_bars_physician_registration": N_(
            "A criminal punishment within two years that bars physician registration"
        ),
        "deprivation_of_political_rights_bars_executive_office": N_(
            "Deprivation of political rights that bars executive office"
        ),
        "deprivation_of_political_rights_bars_teaching": N_(
            "Deprivation of political rights that bars teaching"
        ),
        "dishonesty_conviction_needs_fdic_consent": N_(
            "A dishonesty conviction that needs the FDIC's consent"
        ),
        "dismissed_for_workplace_misconduct": N_("Dismissed for workplace misconduct"),
        "drink_driving_bars_passenger_driving": N_("Drink driving that bars passenger driving"),
        "driving_licence_suspended": N_("Driving licence suspended"),
        "drug_use_record_bars_passenger_driving": N_(
            "A drug-use record that bars passenger driving"
        ),
        "economic_crime_on_probation_bars_executive_office": N_(
            "An economic crime on probation that bars executive office"
        ),
        "guard_certificate_revoked_twice": N_("Security guard certificate revoked twice"),
        "guard_certificate_revoked_within_three_years": N_(
            "Security guard certificate revoked within three years"
        ),
        "hit_and_run_bars_driving_for_life": N_("A hit-and-run that bars driving for life"),
        "intentional_crime_bars_security_work": N_("An intentional crime that bars security work"),
        "licence_not_valid": N_("The licence is not valid"),
        "listed_offense_bars_child_care": N_("A listed offence that bars child care"),
        "major_offense_disqualifies_for_a_year": N_("A major offence that disqualifies for a year"),
        "medical_certificate_not_current": N_("Medical certificate not current"),
        "no_valid_commercial_licence": N_("No valid commercial driving licence"),
        "possible_accounting_related_crime": N_("A possibly accounting-related crime"),
        "prison_sentence_for_intentional_crime_bars_teaching": N_(
            "A prison sentence for an intentional crime that bars teaching"
        ),
        "recent_drug_offense_bars_child_care": N_("A recent drug offence that bars child care"),
        "repeated_formal_warnings": N_("Repeated formal warnings"),
        "repeated_serious_traffic_violations": N_("Repeated serious traffic violations"),
        "repeated_speeding_bars_passenger_driving": N_(
            "Repeated speeding that bars passenger driving"
        ),
        "second_major_offense_disqualifies_for_life": N_(
            "A second major offence that disqualifies for life"
        ),
        "serious_speeding_within_three_years_bars_passenger_driving": N_(
            "Serious speeding within three years that bars passenger driving"
        ),
        "three_administrative_detentions_bar_security_work": N_(
            "Three administrative detentions that bar security work"
        ),
        "traffic_or_violent_crime_bars_passenger_driving": N_(
            "A traffic or violent crime that bars passenger driving"
        ),
    },
    "severity": {
        "low": N_("Low"),
        "medium": N_("Medium"),
        "high": N_("High"),
        "serious": N_("Serious"),
    },
    "tier": {
        "low": N_("Low risk"),
        "medium": N_("Medium risk"),
        "high": N_("High risk"),
        "critical": N_("Critical"),
    },
    "appeal": {"open": N_("Open"), "upheld": N_("Upheld"), "dismissed": N_("Dismissed")},
}


def labeller(gettext: Callable[[str], str]) -> Callable[[str, object], str]:
    """``label(kind, code)`` in the language of ``gettext``."""

    def label(kind: str, code: object) -> str:
        text = LABELS.get(kind, {}).get(str(code))
        return gettext(text) if text is not None else str(code)

    return label
