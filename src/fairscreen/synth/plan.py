"""The plan of each candidate: how often each hard case is planted (``RATES``), which ones are
forced onto the first 200 candidates (``FORCED``), and the draw of one candidate's plan.

Every candidate first gets a plan (a position category and a set of hard-case tags); the record
families then write records that fit it, so the truth file is exactly what was planted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fairscreen.synth import phrases
from fairscreen.synth.base import Plan
from fairscreen.synth.licences import OPTIONAL_LICENCES

if TYPE_CHECKING:
    from fairscreen.synth.context import Context

GUARANTEE_WINDOW = 200  # every hard case is planted at least once among the first 200


@dataclass(frozen=True)
class Rates:
    """How often each thing is planted: per candidate unless the comment says otherwise."""

    english_name: float = 0.10
    hong_kong_of_english: float = 0.40  # of English-named: Hong Kong staff (resident ID)
    traditional_script: float = 0.08  # of Chinese-named: write their own name in Traditional
    demographics: float = 0.92
    # identity
    identity_missing: float = 0.004
    identity_conflict: float = 0.005
    # claims that do not match the registries (of candidates with such claims)
    degree_not_found: float = 0.035
    degree_inflated: float = 0.035
    degree_withdrawn: float = 0.005
    graduation_year: float = 0.06
    employer_not_found: float = 0.05
    employment_dates: float = 0.09
    # licences (of candidates whose position requires one / who hold one)
    licence_missing: float = 0.04
    licence_expired: float = 0.03
    licence_revoked: float = 0.012
    licence_suspended: float = 0.004
    licence_not_found: float = 0.015
    # criminal
    conviction: float = 0.035
    acquitted: float = 0.003
    # courts
    civil_defendant: float = 0.03
    plaintiff: float = 0.025
    multi_defendant: float = 0.015
    forbidden_cause: float = 0.015
    administrative_case: float = 0.005
    namesake: float = 0.03
    name_only_party: float = 0.015
    stranger_case: float = 0.03  # an unrelated case between strangers (noise in the register)
    debtor_active: float = 0.012
    debtor_removed: float = 0.012
    # credit: finance and executive candidates always have a report, others sometimes
    credit_report_other: float = 0.30
    credit_delinquency: float = 0.15  # of reports
    # driving: drivers always have a record (unless planted otherwise), others sometimes
    driving_record_other: float = 0.45
    no_driving_licence: float = 0.012
    drunk_driving: float = 0.03
    serious_violation: float = 0.04
    driving_licence_suspended: float = 0.01
    driving_licence_revoked: float = 0.005
    # fitness certificates (of candidates whose category needs one)
    fitness_missing: float = 0.025
    fitness_unfit: float = 0.01
    fitness_expired: float = 0.025
    # references
    uncorroborated_reference: float = 0.05
    corroborated_reference: float = 0.03
    private_life_remark: float = 0.03
    forbidden_remark: float = 0.07
    # consent (one state per candidate)
    consent_refused: float = 0.012
    consent_revoked: float = 0.012
    separate_consent_missing: float = 0.025  # of candidates whose position has a sensitive item
    consent_item_declined: float = 0.025
    # reference languages
    zh_hans: float = 0.50
    zh_hant: float = 0.25  # the rest is English
    # --- format 1.1 (drawn from the candidate's second stream) ---
    # public-security administrative records (the register holds them whatever the position)
    admin_penalty: float = 0.04  # one or two ordinary penalties (gambling, a fight, a theft)
    admin_detentions_three: float = 0.004  # three administrative detentions
    admin_detentions_two: float = 0.004  # two
    admin_custody: float = 0.002  # compulsory isolated drug rehabilitation, or older custody
    admin_minors_offence: float = 0.003  # indecency, maltreatment or assault, punished as such
    admin_drug_use: float = 0.004
    # criminal records the statutes tell apart
    not_prosecuted: float = 0.006  # a procuratorate's decision not to prosecute
    negligent_conviction: float = 0.004
    exempted_conviction: float = 0.002  # convicted, exempted from punishment
    probation_conviction: float = 0.004  # a suspended sentence for an economic crime
    juvenile_conviction: float = 0.003  # committed before 18, at most five years: sealed
    # labour arbitration
    arbitration_applicant: float = 0.012  # the candidate claims against an employer
    arbitration_respondent: float = 0.006  # a former employer claims against the candidate
    # former employers
    employer_answers: float = 0.35  # the agency has answers from the CV's employers
    employer_confirms_unregistered: float = 0.5  # of employer_not_found candidates with answers
    employer_denies: float = 0.01
    hr_warning_single: float = 0.03
    hr_warnings_pattern: float = 0.004  # three written warnings within twelve months
    hr_corroborated_reference: float = 0.3  # of first-hand uncorroborated misconduct remarks
    # driving and credit
    speeding_pattern: float = 0.03  # of drivers: three speeding violations in twelve months
    credit_expired: float = 0.03  # of credit reports: the delinquency ended over five years ago


RATES = Rates()

CATEGORY_WEIGHTS: dict[str, int] = {
    "general_office": 26,
    "software_engineering": 22,
    "finance_accounting": 10,
    "executive_legal_rep": 5,
    "driver": 9,
    "childcare_education": 9,
    "security_guard": 9,
    "healthcare": 10,
}

# The hard cases forced among the first 200 candidates: (tag, position category or None).
FORCED: tuple[tuple[str, str | None], ...] = (
    ("namesake", None),
    ("namesake", "finance_accounting"),
    ("name_only_party", None),
    ("plaintiff", "software_engineering"),
    ("multi_defendant", "general_office"),
    ("multi_defendant", "executive_legal_rep"),
    ("forbidden_cause", "executive_legal_rep"),
    ("administrative_case", None),
    ("civil_defendant", "executive_legal_rep"),
    ("old_conviction", "finance_accounting"),
    ("recent_conviction", "healthcare"),
    ("barring_conviction", "childcare_education"),
    ("barring_conviction", "security_guard"),
    ("barring_conviction", "executive_legal_rep"),
    ("barring_conviction", "finance_accounting"),
    ("barring_conviction", "driver"),
    ("acquitted", None),
    ("identity_conflict", None),
    ("identity_missing", None),
    ("claim_mismatch:degree_not_found", "software_engineering"),
    ("claim_mismatch:degree_inflated", "general_office"),
    ("claim_mismatch:degree_withdrawn", "finance_accounting"),
    ("claim_mismatch:graduation_year", "general_office"),
    ("claim_mismatch:employer_not_found", "general_office"),
    ("claim_mismatch:employment_dates", "software_engineering"),
    ("licence:missing", "security_guard"),
    ("licence:missing", "healthcare"),
    ("licence:expired", "healthcare"),
    ("licence:revoked", "security_guard"),
    ("licence:suspended", "healthcare"),
    ("licence:not_found", "childcare_education"),
    ("fitness:missing", "childcare_education"),
    ("fitness:unfit", "driver"),
    ("fitness:expired", "healthcare"),
    ("debtor_active", "executive_legal_rep"),
    ("debtor_removed", "finance_accounting"),
    ("credit_delinquency", "finance_accounting"),
    ("driving:drunk_driving", "driver"),
    ("driving:serious_violation", "driver"),
    ("driving:no_licence", "driver"),
    ("driving:licence_suspended", "driver"),
    ("driving:licence_revoked", "driver"),
    ("uncorroborated_reference", None),
    ("corroborated_reference", None),
    ("private_life_remark", None),
    *((f"forbidden_remark:{cat}", None) for cat in phrases.FORBIDDEN),
    ("consent_refused", None),
    ("consent_revoked", None),
    ("separate_consent_missing", "finance_accounting"),
    ("consent_item_declined", None),
)


# The hard cases format 1.1 added, forced among the first 200 candidates that carry none of the
# above (their own schedule, from the world's second stream).
FORCED_1_1: tuple[tuple[str, str | None], ...] = (
    ("admin_detentions:3", "security_guard"),
    ("admin_detentions:2", "security_guard"),
    ("admin_custody", "security_guard"),
    ("admin_minors_offence", "childcare_education"),
    ("admin_drug_use", "driver"),
    ("admin_penalty", "childcare_education"),
    ("not_prosecuted", "security_guard"),
    ("negligent_conviction", "security_guard"),
    ("exempted_conviction", "security_guard"),
    ("probation_conviction:recent", "executive_legal_rep"),
    ("probation_conviction:old", "executive_legal_rep"),
    ("juvenile_conviction", "security_guard"),
    ("arbitration_applicant", "executive_legal_rep"),
    ("arbitration_respondent", "executive_legal_rep"),
    ("employer_confirms_unregistered", "general_office"),
    ("employer_denies", "software_engineering"),
    ("hr_warnings_pattern", "general_office"),
    ("hr_warning_single", "driver"),
    ("speeding_pattern", "driver"),
    ("credit_expired", "finance_accounting"),
)


def schedule_1_1(
    rng: random.Random, candidates: int, *, taken: set[int]
) -> dict[int, tuple[str, str | None]]:
    """Which of the first 200 candidates (not already carrying a forced case) carries which of
    format 1.1's forced cases (a proportional share when the world is smaller)."""
    window = min(candidates, GUARANTEE_WINDOW)
    cases = list(FORCED_1_1)
    if candidates < GUARANTEE_WINDOW:
        rng.shuffle(cases)
        cases = cases[: len(FORCED_1_1) * candidates // GUARANTEE_WINDOW]
    free = [i for i in range(window) if i not in taken]
    cases = cases[: len(free)]
    slots = rng.sample(free, len(cases))
    return dict(zip(slots, cases, strict=True))


def draw_plan_1_1(ctx: Context, rng: random.Random, plan: Plan, index: int) -> None:
    """Format 1.1's hard cases, from the candidate's second stream, then its forced one."""
    r = RATES

    def maybe(tag: str, rate: float) -> None:
        if rng.random() < rate:
            plan.tags.add(tag)

    maybe("admin_penalty", r.admin_penalty)
    roll = rng.random()
    for tag, rate in (
        ("admin_detentions:3", r.admin_detentions_three),
        ("admin_detentions:2", r.admin_detentions_two),
        ("admin_custody", r.admin_custody),
        ("admin_minors_offence", r.admin_minors_offence),
        ("admin_drug_use", r.admin_drug_use),
    ):
        if roll < rate:
            plan.tags.add(tag)
            break
        roll -= rate
    maybe("not_prosecuted", r.not_prosecuted)
    roll = rng.random()
    for tag, rate in (
        ("negligent_conviction", r.negligent_conviction),
        ("exempted_conviction", r.exempted_conviction),
        ("probation_conviction", r.probation_conviction),
        ("juvenile_conviction", r.juvenile_conviction),
    ):
        if roll < rate:
            plan.tags.add(tag)
            break
        roll -= rate
    if "probation_conviction" in plan.tags:
        plan.tags.discard("probation_conviction")
        plan.tags.add(f"probation_conviction:{rng.choice(('recent', 'old'))}")
    maybe("arbitration_applicant", r.arbitration_applicant)
    maybe("arbitration_respondent", r.arbitration_respondent)
    maybe("employer_answers", r.employer_answers)
    if "claim_mismatch:employer_not_found" in plan.tags and "employer_answers" in plan.tags:
        maybe("employer_confirms_unregistered", r.employer_confirms_unregistered)
    maybe("employer_denies", r.employer_denies)
    roll = rng.random()
    if roll < r.hr_warnings_pattern:
        plan.tags.add("hr_warnings_pattern")
    elif roll < r.hr_warnings_pattern + r.hr_warning_single:
        plan.tags.add("hr_warning_single")
    maybe("hr_corroborated_reference", r.hr_corroborated_reference)
    if plan.category == "driver":
        maybe("speeding_pattern", r.speeding_pattern)
    maybe("credit_expired", r.credit_expired)
    late = ctx.forced_1_1.get(index)
    if late is not None:
        tag = late[0]
        for family in _FAMILIES_1_1:
            if tag.startswith(family):
                plan.tags = {t for t in plan.tags if not t.startswith(family)}
        if tag == "credit_expired":
            plan.tags -= {"credit_delinquency", "debtor_active"}
        if tag == "employer_confirms_unregistered":
            plan.tags |= {"claim_mismatch:employer_not_found", "employer_answers"}
            plan.tags.discard("claim_mismatch:employment_dates")
        # a forced case must bite: no consent departure stops the check or drops its item
        plan.tags -= {
            "consent_refused",
            "consent_revoked",
            "separate_consent_missing",
            "consent_item_declined",
        }
        plan.tags.add(tag)
        plan.forced = plan.forced or tag


_FAMILIES_1_1 = (
    ("admin_detentions", "admin_custody", "admin_minors_offence", "admin_drug_use"),
    ("negligent_conviction", "exempted_conviction", "probation_conviction", "juvenile_conviction"),
    ("hr_warning",),
)


def schedule(rng: random.Random, candidates: int) -> dict[int, tuple[str, str | None]]:
    """Which of the first 200 candidates carries which forced case (a proportional share of the
    cases when the world is smaller)."""
    window = min(candidates, GUARANTEE_WINDOW)
    cases = list(FORCED)
    if candidates < GUARANTEE_WINDOW:
        rng.shuffle(cases)
        cases = cases[: len(FORCED) * candidates // GUARANTEE_WINDOW]
    slots = rng.sample(range(window), len(cases))
    return dict(zip(slots, cases, strict=True))


def draw_plan(ctx: Context, rng: random.Random, index: int) -> Plan:
    """The candidate's position category and the hard cases to plant: each tag drawn at its rate,
    then the forced case of this index (if any) planted whatever the draw said."""
    forced = ctx.forced.get(index)
    category = forced[1] if forced and forced[1] else ctx.category(rng)
    late = ctx.forced_1_1.get(index)
    if late is not None and late[1] is not None:
        category = late[1]  # format 1.1's forced case (the draw above is still made)
    plan = Plan(category)
    r = RATES
    items = ctx.pack.categories[category].items

    def maybe(tag: str, rate: float) -> None:
        if rng.random() < rate:
            plan.tags.add(tag)

    def one_of(*table: tuple[str, float]) -> None:
        """At most one tag of ``table``, each at its rate, from a single draw."""
        roll = rng.random()
        for tag, rate in table:
            if roll < rate:
                plan.tags.add(tag)
                return
            roll -= rate

    maybe("identity_missing", r.identity_missing)
    if "identity_missing" not in plan.tags:
        maybe("identity_conflict", r.identity_conflict)
    for kind, rate in (
        ("degree_not_found", r.degree_not_found),
        ("degree_inflated", r.degree_inflated),
        ("degree_withdrawn", r.degree_withdrawn),
        ("graduation_year", r.graduation_year),
    ):
        maybe(f"claim_mismatch:{kind}", rate)
    maybe("claim_mismatch:employer_not_found", r.employer_not_found)
    maybe("claim_mismatch:employment_dates", r.employment_dates)
    maybe("conviction", r.conviction)
    maybe("acquitted", r.acquitted)
    maybe("civil_defendant", r.civil_defendant)
    maybe("plaintiff", r.plaintiff)
    maybe("multi_defendant", r.multi_defendant)
    maybe("forbidden_cause", r.forbidden_cause)
    maybe("administrative_case", r.administrative_case)
    maybe("namesake", r.namesake)
    maybe("name_only_party", r.name_only_party)
    maybe("debtor_active", r.debtor_active)
    if "debtor_active" not in plan.tags:
        maybe("debtor_removed", r.debtor_removed)
    maybe("credit_delinquency", r.credit_delinquency)
    if category == "driver":
        one_of(
            ("driving:no_licence", r.no_driving_licence),
            ("driving:drunk_driving", r.drunk_driving),
            ("driving:serious_violation", r.serious_violation),
            ("driving:licence_suspended", r.driving_licence_suspended),
            ("driving:licence_revoked", r.driving_licence_revoked),
        )
    if ctx.pack.categories[category].fitness_certificate:
        one_of(
            ("fitness:missing", r.fitness_missing),
            ("fitness:unfit", r.fitness_unfit),
            ("fitness:expired", r.fitness_expired),
        )
    if ctx.pack.categories[category].required_licences:
        one_of(
            ("licence:missing", r.licence_missing),
            ("licence:expired", r.licence_expired if category == "healthcare" else 0.0),
            ("licence:revoked", r.licence_revoked),
            ("licence:suspended", r.licence_suspended),
            ("licence:not_found", r.licence_not_found),
        )
    elif category in OPTIONAL_LICENCES:
        one_of(
            ("licence:expired", r.licence_expired),
            ("licence:revoked", r.licence_revoked),
            ("licence:not_found", r.licence_not_found),
        )
    maybe("uncorroborated_reference", r.uncorroborated_reference)
    maybe("corroborated_reference", r.corroborated_reference)
    maybe("private_life_remark", r.private_life_remark)
    if rng.random() < r.forbidden_remark:
        plan.tags.add(f"forbidden_remark:{rng.choice(phrases.FORBIDDEN)}")
        if rng.random() < 0.2:
            plan.tags.add(f"forbidden_remark:{rng.choice(phrases.FORBIDDEN)}")
    has_sensitive = bool(items & ctx.sensitive)
    one_of(
        ("consent_refused", r.consent_refused),
        ("consent_revoked", r.consent_revoked),
        ("separate_consent_missing", r.separate_consent_missing if has_sensitive else 0.0),
        ("consent_item_declined", r.consent_item_declined),
    )
    if forced:
        force(plan, forced[0])
    return plan


# Tags of one family exclude each other: forcing one drops the others.
_FAMILIES = (
    ("driving:",),
    ("fitness:",),
    ("licence:",),
    ("consent_refused", "consent_revoked", "separate_consent_missing", "consent_item_declined"),
    ("identity_missing", "identity_conflict"),
    ("debtor_active", "debtor_removed"),
    ("claim_mismatch:degree", "claim_mismatch:graduation_year"),
    ("claim_mismatch:employer_not_found", "claim_mismatch:employment_dates"),
)


def force(plan: Plan, tag: str) -> None:
    """Plant ``tag`` whatever the draw said, dropping what cannot go with it."""
    for family in _FAMILIES:
        if tag.startswith(family):
            plan.tags = {t for t in plan.tags if not t.startswith(family)}
    if tag in ("old_conviction", "recent_conviction", "barring_conviction"):
        plan.tags.add("conviction")
    plan.tags.add(tag)
    plan.forced = tag
