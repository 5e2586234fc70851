"""Step 3, 多源驗證 multi-source verification: from source records to findings, item by item.

Three rules hold for every item:
- identity is matched on the ID number with name and birth date; a name-only match is never
  reported, a namesake with another ID number is not the candidate and leaves no trace;
- an adverse finding needs an authoritative record or two independent sources
  (``finalise``); the law's own limits come first (a sealed or expired record is never used),
  and a finding older than the item's lookback is marked so that only a statutory bar can rate it;
- every finding keeps its provenance (source, record, the keys it matched on).

What a finding says is read off the record as the statutes distinguish it: a crime intentional
or negligent, the kind of punishment, when the sentence or the probation ended; a public-security
penalty apart from a crime; a non-prosecution decision, which is not a conviction. Which of these
matter for which position is the rule set's business, not this module's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

from fairscreen.kit.clock import years_between
from fairscreen.kit.names import name_key
from fairscreen.policy.pack import CategoryPolicy, PolicyPack
from fairscreen.policy.vocabulary import (
    Culpability,
    ExclusionReason,
    FindingCode,
    Item,
    Penalty,
    SourceKind,
)
from fairscreen.sources.base import SourceRecord, Subject
from fairscreen.verify.findings import Finding, Match, excluded, match_identity, unmatched
from fairscreen.world import model

# Months of slack between a claimed employment period and the social-insurance record.
EMPLOYMENT_SLACK_MONTHS = 3


@dataclass(frozen=True, slots=True)
class Context:
    subject: Subject
    claims: model.Claims
    category: CategoryPolicy
    pack: PolicyPack
    as_of: date

    def lookback(self, item: Item) -> int | None:
        return self.pack.lookback_years(self.category.name, item)


Records = Sequence[SourceRecord]


def _month(text: str) -> int:
    year, month = text.split("-")
    return int(year) * 12 + int(month) - 1


def _as_of_month(ctx: Context) -> int:
    return ctx.as_of.year * 12 + ctx.as_of.month - 1


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month if needed)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _person_records(
    ctx: Context, item: Item, records: Records, kind: type[model._Record]
) -> tuple[list[SourceRecord], list[Finding]]:
    """Split register records into the candidate's own and exclusions (name-only, conflicts)."""
    own: list[SourceRecord] = []
    dropped: list[Finding] = []
    for rec in records:
        body = rec.record
        if not isinstance(body, kind):
            continue
        subject = getattr(body, "subject", None)
        if subject is None:
            continue
        match = match_identity(ctx.subject, subject.name, subject.id_number, subject.birth_date)
        if match is Match.STRONG:
            own.append(rec)
        elif (
            left := unmatched(rec.ref, item, rec.source, match, authoritative=rec.authoritative)
        ) is not None:
            dropped.append(left)
    return own, dropped


# --- identity ------------------------------------------------------------------------------------


def verify_identity(ctx: Context, records: Records) -> list[Finding]:
    found = [r for r in records if isinstance(r.record, model.IdentityRecord)]
    if not found:
        return [
            Finding(
                f"{SourceKind.IDENTITY_REGISTRY}:no-record",
                Item.IDENTITY,
                SourceKind.IDENTITY_REGISTRY,
                authoritative=True,
                code=FindingCode.IDENTITY_MISMATCH,
                subtype="not_found",
                ongoing=True,
                detail={"id_number_checked": True},
            )
        ]
    out = []
    for rec in found:
        body = rec.record
        assert isinstance(body, model.IdentityRecord)
        subtype = None
        if name_key(body.subject.name) != ctx.subject.name_key:
            subtype = "name_differs"
        elif (
            body.subject.birth_date is not None
            and body.subject.birth_date != ctx.subject.birth_date
        ):
            subtype = "birth_date_differs"
        elif body.status == "cancelled":
            subtype = "cancelled"
        if subtype:
            out.append(
                Finding(
                    rec.ref,
                    Item.IDENTITY,
                    rec.source,
                    authoritative=rec.authoritative,
                    code=FindingCode.IDENTITY_MISMATCH,
                    subtype=subtype,
                    ongoing=True,
                    match=Match.STRONG if subtype == "cancelled" else Match.CONFLICT,
                    detail={"registry_status": body.status, "differs": subtype},
                )
            )
    return out


# --- education -----------------------------------------------------------------------------------


def verify_education(ctx: Context, records: Records) -> list[Finding]:
    own, out = _person_records(ctx, Item.EDUCATION, records, model.EducationRecord)
    for i, claim in enumerate(ctx.claims.education):
        claim_detail = claim.model_dump(mode="json")
        same_place = [
            r
            for r in own
            if isinstance(r.record, model.EducationRecord)
            and name_key(r.record.institution) == name_key(claim.institution)
        ]
        if not same_place:
            out.append(
                Finding(
                    f"{SourceKind.EDUCATION_REGISTRY}:claim/{i}",
                    Item.EDUCATION,
                    SourceKind.EDUCATION_REGISTRY,
                    authoritative=True,
                    code=FindingCode.EDUCATION_DISCREPANCY,
                    subtype="not_found",
                    ongoing=True,
                    detail={"claim": claim_detail},
                )
            )
            continue
        exact = [
            r
            for r in same_place
            if isinstance(r.record, model.EducationRecord)
            and r.record.degree == claim.degree
            and r.record.status != "withdrawn"
        ]
        if not exact:
            rec = same_place[0]
            assert isinstance(rec.record, model.EducationRecord)
            out.append(
                Finding(
                    rec.ref,
                    Item.EDUCATION,
                    rec.source,
                    authoritative=True,
                    code=FindingCode.EDUCATION_DISCREPANCY,
                    subtype="degree_differs",
                    ongoing=True,
                    match=Match.STRONG,
                    detail={
                        "claim": claim_detail,
                        "registry": {"degree": rec.record.degree, "status": rec.record.status},
                    },
                )
            )
            continue
        rec = exact[0]
        assert isinstance(rec.record, model.EducationRecord)
        if rec.record.graduated is not None and rec.record.graduated != claim.graduated:
            out.append(
                Finding(
                    rec.ref,
                    Item.EDUCATION,
                    rec.source,
                    authoritative=True,
                    code=FindingCode.EDUCATION_DISCREPANCY,
                    subtype="year_differs",
                    ongoing=True,
                    match=Match.STRONG,
                    detail={"claim": claim_detail, "registry": {"graduated": rec.record.graduated}},
                )
            )
    return out


# --- employment ----------------------------------------------------------------------------------


def _answers(ctx: Context, records: Records) -> dict[str, list[SourceRecord]]:
    """The former employers' answers about this candidate, by employer name key."""
    out: dict[str, list[SourceRecord]] = {}
    for rec in records:
        body = rec.record
        if isinstance(body, model.EmploymentVerification) and body.candidate == (
            ctx.subject.candidate
        ):
            out.setdefault(name_key(body.employer), []).append(rec)
    for answers in out.values():
        answers.sort(
            key=lambda r: (
                r.record.answered
                if isinstance(r.record, model.EmploymentVerification)
                else date.min
            )
        )
    return out


def _answer_gap(
    answer: model.EmploymentVerification, claim: model.EmploymentClaim, now: int
) -> int | None:
    """Months between the claimed period and the one the employer confirms (None: no dates)."""
    if answer.start is None:
        return None
    claim_end = _month(claim.end) if claim.end else now
    answer_end = _month(answer.end) if answer.end else now
    return max(abs(_month(claim.start) - _month(answer.start)), abs(claim_end - answer_end))


def verify_employment(ctx: Context, records: Records) -> list[Finding]:
    """Each claim of the CV against the social-insurance register and, where the former employer
    answered the agency, its own answer. The employer's confirmation settles a claim the register
    does not show (not every employer paid contributions); its denial of a period the register
    shows is one unofficial voice against a register, and is never rated alone."""
    own, out = _person_records(ctx, Item.EMPLOYMENT, records, model.EmploymentRecord)
    answers = _answers(ctx, records)
    by_employer: dict[str, list[SourceRecord]] = {}
    for r in own:
        assert isinstance(r.record, model.EmploymentRecord)
        by_employer.setdefault(name_key(r.record.employer), []).append(r)
    now = _as_of_month(ctx)
    window = ctx.lookback(Item.EMPLOYMENT)
    for i, claim in enumerate(ctx.claims.employment):
        claim_end = _month(claim.end) if claim.end else now
        if window is not None and now - claim_end > window * 12:
            continue  # a period that ended before the lookback window is not checked
        employer = name_key(claim.employer)
        periods = by_employer.get(employer, [])
        claim_detail = partial(claim.model_dump, mode="json")  # dumped only for a finding
        answered = answers.get(employer, [])
        latest = answered[-1] if answered else None
        said = latest.record if latest is not None else None
        assert said is None or isinstance(said, model.EmploymentVerification)
        confirmed = said is not None and said.answer == "confirmed"
        against = said is not None and said.answer in ("denied", "no_record")
        if not periods:
            if confirmed:
                assert latest is not None and said is not None
                gap = _answer_gap(said, claim, now)
                if gap is not None and gap > EMPLOYMENT_SLACK_MONTHS:
                    out.append(
                        Finding(
                            latest.ref,
                            Item.EMPLOYMENT,
                            latest.source,
                            authoritative=latest.authoritative,
                            code=FindingCode.EMPLOYMENT_DISCREPANCY,
                            subtype="dates_differ",
                            ongoing=True,
                            count=gap,
                            detail={"claim": claim_detail(), "months_off": gap},
                        )
                    )
                continue  # the employer itself confirms the job
            out.append(
                Finding(
                    f"{SourceKind.SOCIAL_INSURANCE}:claim/{i}",
                    Item.EMPLOYMENT,
                    SourceKind.SOCIAL_INSURANCE,
                    authoritative=True,
                    code=FindingCode.EMPLOYMENT_DISCREPANCY,
                    subtype="not_found",
                    ongoing=True,
                    corroborated_by=(latest.ref,) if against and latest is not None else (),
                    detail={"claim": claim_detail()},
                )
            )
            continue
        if against:
            assert latest is not None
            out.append(
                Finding(
                    latest.ref,
                    Item.EMPLOYMENT,
                    latest.source,
                    authoritative=latest.authoritative,
                    code=FindingCode.EMPLOYMENT_DISCREPANCY,
                    subtype="employer_denies",
                    ongoing=True,
                    detail={"claim": claim_detail(), "answer": said.answer if said else None},
                )
            )
        starts = []
        ends = []
        for r in periods:
            assert isinstance(r.record, model.EmploymentRecord)
            starts.append(_month(r.record.start))
            ends.append(_month(r.record.end) if r.record.end else now)
        start_gap = abs(_month(claim.start) - min(starts))
        end_gap = abs(claim_end - max(ends))
        gap = max(start_gap, end_gap)
        if gap <= EMPLOYMENT_SLACK_MONTHS:
            continue
        employer_gap = _answer_gap(said, claim, now) if confirmed and said is not None else None
        if employer_gap is not None and employer_gap <= EMPLOYMENT_SLACK_MONTHS:
            continue  # the employer confirms the dates the candidate gave
        out.append(
            Finding(
                periods[0].ref,
                Item.EMPLOYMENT,
                SourceKind.SOCIAL_INSURANCE,
                authoritative=True,
                code=FindingCode.EMPLOYMENT_DISCREPANCY,
                subtype="dates_differ",
                ongoing=True,
                match=Match.STRONG,
                count=gap,
                corroborated_by=(latest.ref,) if employer_gap is not None and latest else (),
                detail={"claim": claim_detail(), "months_off": gap},
            )
        )
    return out


# --- professional licences -------------------------------------------------------------------------


def _licence_finding(
    rec: SourceRecord,
    subtype: str,
    extra: Mapping[str, object],
    *,
    ongoing: bool = True,
) -> Finding:
    body = rec.record
    assert isinstance(body, model.LicenceRecord)
    return Finding(
        rec.ref,
        Item.PROFESSIONAL_LICENCE,
        rec.source,
        authoritative=True,
        code=FindingCode.LICENCE_PROBLEM,
        subtype=subtype,
        occurred_on=body.status_since,
        ongoing=ongoing,
        match=Match.STRONG,
        detail={"kind": body.kind, "status": body.status, **extra},
    )


def _licence_state(body: model.LicenceRecord, as_of: date) -> str:
    if body.status == "valid" and body.expires is not None and body.expires < as_of:
        return "expired"
    return body.status


def verify_licences(ctx: Context, records: Records) -> list[Finding]:
    """Claimed licences against the register, and the licences the category requires. A licence
    of a required kind that was revoked in the past is reported even when a valid one is held now
    (``revoked_before``, dated when it was revoked): 保安服務管理條例 第17條 bars a guard whose
    certificate was revoked less than three years ago, or twice."""
    own, out = _person_records(ctx, Item.PROFESSIONAL_LICENCE, records, model.LicenceRecord)
    reported: set[str] = set()
    for i, claim in enumerate(ctx.claims.licences):
        same = [
            r
            for r in own
            if isinstance(r.record, model.LicenceRecord)
            and r.record.kind == claim.kind
            and r.record.number == claim.number
        ]
        if not same:
            out.append(
                Finding(
                    f"{SourceKind.LICENCE_REGISTRY}:claim/{i}",
                    Item.PROFESSIONAL_LICENCE,
                    SourceKind.LICENCE_REGISTRY,
                    authoritative=True,
                    code=FindingCode.LICENCE_PROBLEM,
                    subtype="not_found",
                    ongoing=True,
                    detail={"claim": claim.model_dump(mode="json")},
                )
            )
            continue
        body = same[0].record
        assert isinstance(body, model.LicenceRecord)
        state = _licence_state(body, ctx.as_of)
        if state != "valid":
            out.append(_licence_finding(same[0], state, {"claimed": True}))
            reported.add(same[0].ref)
    for group in ctx.category.required_licences:
        in_group = [
            r for r in own if isinstance(r.record, model.LicenceRecord) and r.record.kind in group
        ]
        valid = [
            r
            for r in in_group
            if isinstance(r.record, model.LicenceRecord)
            and _licence_state(r.record, ctx.as_of) == "valid"
        ]
        if valid:
            for rec in in_group:
                assert isinstance(rec.record, model.LicenceRecord)
                if rec.record.status == "revoked" and rec.ref not in reported:
                    out.append(
                        _licence_finding(rec, "revoked_before", {"required": True}, ongoing=False)
                    )
                    reported.add(rec.ref)
            continue
        bad = [r for r in in_group if r.ref not in reported]
        for rec in bad:
            assert isinstance(rec.record, model.LicenceRecord)
            out.append(
                _licence_finding(rec, _licence_state(rec.record, ctx.as_of), {"required": True})
            )
            reported.add(rec.ref)
        if not in_group:
            out.append(
                Finding(
                    f"{SourceKind.LICENCE_REGISTRY}:required/{'+'.join(sorted(group))}",
                    Item.PROFESSIONAL_LICENCE,
                    SourceKind.LICENCE_REGISTRY,
                    authoritative=True,
                    code=FindingCode.LICENCE_PROBLEM,
                    subtype="required_missing",
                    ongoing=True,
                    detail={"required_any_of": sorted(group)},
                )
            )
    return out


# --- criminal record -----------------------------------------------------------------------------


def _case_party(ctx: Context, parties: Iterable[model.Party]) -> tuple[Match, model.Party | None]:
    """The best match for the candidate among a case's parties."""
    best: tuple[Match, model.Party | None] = (Match.OTHER_PERSON, None)
    rank = {Match.STRONG: 3, Match.CONFLICT: 2, Match.NAME_ONLY: 1, Match.OTHER_PERSON: 0}
    for party in parties:
        match = match_identity(ctx.subject, party.name, party.id_number, party.birth_date)
        if rank[match] > rank[best[0]]:
            best = (match, party)
    return best


def _criminal_cause(ctx: Context, cause: str) -> tuple[str, Culpability | None]:
    cls = ctx.pack.cause_class("criminal", cause)
    if cls is None or cls.cls is None:
        return "other", None
    return cls.cls, cls.culpability


@dataclass(frozen=True, slots=True)
class Conviction:
    """One conviction as a certificate or a judgment states it, before the law reads it."""

    cause: str
    convicted: date
    completed: date | None  # the day the punishment was fully executed, if the record says
    committed: date | None
    culpability: str | None  # as the record states it (the pack's cause gives it otherwise)
    sentence: model.Sentence | None


@dataclass(frozen=True, slots=True)
class SentenceEnd:
    """When a conviction's time limits start: the end of the punishment, or of the probation."""

    on: date
    ongoing: bool  # still being served (or on probation) on the screening date
    probation: bool  # a suspended sentence whose probation is what ended (or runs)
    estimated: bool  # the record gave no date: the end of the term the judgment set


def sentence_end(conviction: Conviction, as_of: date) -> SentenceEnd:
    """The day a conviction's time limits count from (公司法 第178條: 執行期滿, or 緩刑考驗期滿)."""
    sentence = conviction.sentence
    done = conviction.completed or (sentence.completed if sentence is not None else None)
    if done is not None:
        return SentenceEnd(done, done > as_of, probation=False, estimated=False)
    if sentence is None or sentence.kind in ("exempted", "fine"):
        return SentenceEnd(conviction.convicted, False, probation=False, estimated=False)
    if sentence.probation_months is not None:
        end = sentence.probation_ended or add_months(
            conviction.convicted, sentence.probation_months
        )
        return SentenceEnd(
            end, end > as_of, probation=True, estimated=sentence.probation_ended is None
        )
    if sentence.kind in ("life", "death") or sentence.months is None:
        return SentenceEnd(conviction.convicted, True, probation=False, estimated=True)
    end = add_months(conviction.convicted, sentence.months)
    return SentenceEnd(end, end > as_of, probation=False, estimated=True)


def coming_of_age(birth: date, years: int) -> date:
    """The first day someone is ``years`` 周歲 old in law: the day *after* that birthday
    (最高人民法院《關於審理未成年人刑事案件具體應用法律若干問題的解釋》第2條: 從周歲生日的第二天
    起算). A 29 February birthday falls on 1 March in a common year."""
    try:
        birthday = birth.replace(year=birth.year + years)
    except ValueError:
        birthday = date(birth.year + years, 3, 1)
    return date.fromordinal(birthday.toordinal() + 1)


def juvenile_sealed(ctx: Context, conviction: Conviction) -> bool:
    """刑事訴訟法 第286條: committed before the age of 18 and sentenced to at most five years'
    fixed-term imprisonment (or less). When the offence date is missing, a conviction before the
    18th birthday shows the offence was committed before it too. A juvenile record whose
    sentence is not stated is treated as sealed: the record is the minor's, and the law's
    protection is the default."""
    rule = ctx.pack.juvenile_sealing
    if rule is None:
        return False
    when = conviction.committed or conviction.convicted
    if when >= coming_of_age(ctx.subject.birth_date, rule.age_below):
        return False
    sentence = conviction.sentence
    if sentence is None:
        return True
    if sentence.kind in ("life", "death"):
        return False
    if sentence.kind == "fixed_term":
        return sentence.months is None or sentence.months <= rule.max_fixed_term_years * 12
    return True


def _penalty(conviction: Conviction) -> Penalty | None:
    """The punishment imposed; a record with no sentence but a completion date shows that some
    punishment was executed (``unspecified``); with neither, it is unknown."""
    if conviction.sentence is not None:
        return Penalty(conviction.sentence.kind)
    return Penalty.UNSPECIFIED if conviction.completed is not None else None


def _conviction_findings(
    ctx: Context,
    rec: SourceRecord,
    ref: str,
    conviction: Conviction,
    match: Match,
    detail: dict[str, object],
) -> list[Finding]:
    """The findings one conviction makes: the conviction, dated from the end of its sentence
    or probation, and the deprivation of political rights it added (剝奪政治權利, dated from
    its own end); or a single sealed exclusion for a juvenile record."""
    if juvenile_sealed(ctx, conviction):
        return [
            excluded(
                ref,
                Item.CRIMINAL_RECORD,
                rec.source,
                ExclusionReason.SEALED_BY_LAW,
                authoritative=rec.authoritative,
                match=match,
            )
        ]
    cls, by_cause = _criminal_cause(ctx, conviction.cause)
    culpability = Culpability(conviction.culpability) if conviction.culpability else by_cause
    sentence = conviction.sentence
    end = sentence_end(conviction, ctx.as_of)
    full = {
        **detail,
        "cause": conviction.cause,
        "convicted": conviction.convicted.isoformat(),
        "culpability": str(culpability) if culpability else None,
        "sentence": sentence.model_dump(mode="json", exclude_none=True) if sentence else None,
        "ended": end.on.isoformat(),
        "end_estimated": end.estimated,
    }
    out = [
        Finding(
            ref,
            Item.CRIMINAL_RECORD,
            rec.source,
            authoritative=rec.authoritative,
            code=FindingCode.CRIMINAL_CONVICTION,
            subtype=cls,
            occurred_on=end.on,
            ongoing=end.ongoing,
            culpability=culpability,
            penalty=_penalty(conviction),
            probation=end.probation,
            match=match,
            detail=full,
        )
    ]
    if sentence is not None and sentence.political_rights_months is not None:
        until = sentence.political_rights_until or add_months(
            end.on, sentence.political_rights_months
        )
        out.append(
            Finding(
                f"{ref}#political_rights",
                Item.CRIMINAL_RECORD,
                rec.source,
                authoritative=rec.authoritative,
                code=FindingCode.CRIMINAL_CONVICTION,
                subtype=cls,
                occurred_on=until,
                ongoing=until > ctx.as_of,
                culpability=culpability,
                penalty=Penalty.DEPRIVATION_OF_POLITICAL_RIGHTS,
                match=match,
                detail={**full, "political_rights_until": until.isoformat()},
            )
        )
    return out


def verify_criminal(ctx: Context, records: Records) -> list[Finding]:
    """Convictions from certificates and judgments (one finding for the judgment behind a
    certificate's offence); acquittals and a procuratorate's decisions not to prosecute never
    count (不起訴 is not a conviction); a sealed juvenile record is never used."""
    certs, out = _person_records(ctx, Item.CRIMINAL_RECORD, records, model.CriminalCertificate)
    convictions: list[Finding] = []
    for rec in certs:
        body = rec.record
        assert isinstance(body, model.CriminalCertificate)
        for j, offence in enumerate(body.offences):
            convictions.extend(
                _conviction_findings(
                    ctx,
                    rec,
                    f"{rec.ref}#{j}",
                    Conviction(
                        offence.cause,
                        offence.convicted,
                        offence.sentence_completed,
                        offence.committed,
                        offence.culpability,
                        offence.sentence,
                    ),
                    Match.STRONG,
                    {"certificate_issued": body.issued.isoformat()},
                )
            )
    decisions, dropped = _person_records(
        ctx, Item.CRIMINAL_RECORD, records, model.ProsecutionDecision
    )
    out.extend(dropped)
    for rec in decisions:
        out.append(
            excluded(
                rec.ref,
                Item.CRIMINAL_RECORD,
                rec.source,
                ExclusionReason.NO_ADVERSE_OUTCOME,
                authoritative=rec.authoritative,
                match=Match.STRONG,
            )
        )
    for rec in records:
        case = rec.record
        if not isinstance(case, model.CourtCase) or case.kind != "criminal":
            continue
        match, party = _case_party(ctx, case.parties)
        if match is Match.OTHER_PERSON or party is None or party.role != "defendant":
            continue
        if match is not Match.STRONG:
            left = unmatched(rec.ref, Item.CRIMINAL_RECORD, rec.source, match, authoritative=True)
            if left is not None:
                out.append(left)
            continue
        cls, _ = _criminal_cause(ctx, case.cause)
        if case.outcome != "convicted":
            out.append(
                Finding(
                    rec.ref,
                    Item.CRIMINAL_RECORD,
                    rec.source,
                    authoritative=True,
                    code=FindingCode.CRIMINAL_CONVICTION,
                    subtype=cls,
                    match=match,
                    exclusion=ExclusionReason.NO_ADVERSE_OUTCOME,
                )
            )
            continue
        convicted = case.decided or case.filed
        twin = next(
            (
                f
                for f in convictions
                if f.subtype == cls
                and f.detail is not None
                and case.decided is not None
                and f.detail.get("convicted") == case.decided.isoformat()
            ),
            None,
        )
        if twin is not None:  # the court judgment behind a certificate's offence: one finding
            twin.corroborated_by = (*twin.corroborated_by, rec.ref)
            continue
        convictions.extend(
            _conviction_findings(
                ctx,
                rec,
                rec.ref,
                Conviction(
                    case.cause,
                    convicted,
                    case.sentence_completed,
                    party.committed,
                    party.culpability,
                    party.sentence,
                ),
                match,
                {"court": case.court, "case_number": case.case_number, "outcome": case.outcome},
            )
        )
    return convictions + out


# --- public-security administrative records ---------------------------------------------------------


def verify_public_security(ctx: Context, records: Records) -> list[Finding]:
    """Public-security administrative penalties and measures (行政拘留, 強制隔離戒毒, ...): not
    crimes, each a finding of its own so that rules can count them (三次以上行政拘留). One set
    aside on review or in court never counts."""
    own, out = _person_records(
        ctx, Item.PUBLIC_SECURITY_RECORD, records, model.AdministrativePenalty
    )
    for rec in own:
        body = rec.record
        assert isinstance(body, model.AdministrativePenalty)
        conduct = ctx.pack.cause_class("administrative", body.conduct)
        if conduct is not None and conduct.forbidden is not None:
            out.append(
                excluded(
                    rec.ref,
                    Item.PUBLIC_SECURITY_RECORD,
                    rec.source,
                    ExclusionReason.FORBIDDEN_CATEGORY,
                    authoritative=rec.authoritative,
                    match=Match.STRONG,
                )
            )
            continue
        cls = conduct.cls if conduct is not None and conduct.cls is not None else "other"
        end = body.ended or (
            date.fromordinal(body.decided.toordinal() + body.days) if body.days else body.decided
        )
        finding = Finding(
            rec.ref,
            Item.PUBLIC_SECURITY_RECORD,
            rec.source,
            authoritative=rec.authoritative,
            code=FindingCode.ADMINISTRATIVE_PENALTY,
            subtype=cls,
            occurred_on=end,
            ongoing=end > ctx.as_of,
            penalty=Penalty(body.penalty),
            match=Match.STRONG,
            detail={
                "authority": body.authority,
                "decision_number": body.decision_number,
                "conduct": body.conduct,
                "penalty": body.penalty,
                "days": body.days,
                "decided": body.decided.isoformat(),
            },
        )
        if body.status == "revoked":
            finding.exclude(ExclusionReason.NO_ADVERSE_OUTCOME, keep_detail=False)
        out.append(finding)
    return out


# --- civil litigation and labour arbitration --------------------------------------------------------

_NO_ADVERSE_CIVIL = frozenset({"judgment_for_defendant", "withdrawn", "dismissed"})
_NO_ADVERSE_ARBITRATION = frozenset({"award_for_respondent", "withdrawn", "dismissed"})


def _arbitration_party(
    ctx: Context, case: model.LabourArbitration
) -> tuple[Match, model.ArbitrationParty | None]:
    best: tuple[Match, model.ArbitrationParty | None] = (Match.OTHER_PERSON, None)
    rank = {Match.STRONG: 3, Match.CONFLICT: 2, Match.NAME_ONLY: 1, Match.OTHER_PERSON: 0}
    for party in case.parties:
        match = match_identity(ctx.subject, party.name, party.id_number, party.birth_date)
        if rank[match] > rank[best[0]]:
            best = (match, party)
    return best


def _verify_arbitration(
    ctx: Context, rec: SourceRecord, case: model.LabourArbitration
) -> Finding | None:
    match, party = _arbitration_party(ctx, case)
    if match is Match.OTHER_PERSON or party is None or party.role != "respondent":
        return None  # an applicant's own claim is never collected
    if match is not Match.STRONG:
        return unmatched(rec.ref, Item.CIVIL_LITIGATION, rec.source, match, authoritative=True)
    cause = ctx.pack.cause_class("arbitration", case.cause)
    if cause is not None and cause.forbidden is not None:
        return excluded(
            rec.ref,
            Item.CIVIL_LITIGATION,
            rec.source,
            ExclusionReason.FORBIDDEN_CATEGORY,
            authoritative=True,
            match=match,
        )
    finding = Finding(
        rec.ref,
        Item.CIVIL_LITIGATION,
        rec.source,
        authoritative=True,
        code=FindingCode.ARBITRATION_RESPONDENT,
        subtype=cause.cls if cause is not None and cause.cls is not None else "other",
        occurred_on=case.decided or case.filed,
        ongoing=case.outcome == "pending",
        match=match,
        detail={
            "cause": case.cause,
            "commission": case.commission,
            "case_number": case.case_number,
            "outcome": case.outcome,
        },
    )
    if case.outcome in _NO_ADVERSE_ARBITRATION:
        finding.exclude(ExclusionReason.NO_ADVERSE_OUTCOME, keep_detail=False)
    return finding


def verify_civil(ctx: Context, records: Records) -> list[Finding]:
    """Civil cases as defendant and labour arbitrations as respondent. As plaintiff or applicant
    nothing is collected: suing is a right (the Zhang case)."""
    out: list[Finding] = []
    for rec in records:
        case = rec.record
        if isinstance(case, model.LabourArbitration):
            if (found := _verify_arbitration(ctx, rec, case)) is not None:
                out.append(found)
            continue
        if not isinstance(case, model.CourtCase) or case.kind != "civil":
            continue
        match, party = _case_party(ctx, case.parties)
        if match is Match.OTHER_PERSON or party is None:
            continue
        if party.role != "defendant":
            continue  # litigation as plaintiff (or as third party) is never collected
        if match is not Match.STRONG:
            left = unmatched(rec.ref, Item.CIVIL_LITIGATION, rec.source, match, authoritative=True)
            if left is not None:
                out.append(left)
            continue
        cause = ctx.pack.cause_class("civil", case.cause)
        if cause is not None and cause.forbidden is not None:
            out.append(
                excluded(
                    rec.ref,
                    Item.CIVIL_LITIGATION,
                    rec.source,
                    ExclusionReason.FORBIDDEN_CATEGORY,
                    authoritative=True,
                    match=match,
                )
            )
            continue
        cls = cause.cls if cause is not None and cause.cls is not None else "other"
        defendants = len([p for p in case.parties if p.role == "defendant"])
        finding = Finding(
            rec.ref,
            Item.CIVIL_LITIGATION,
            rec.source,
            authoritative=True,
            code=FindingCode.CIVIL_DEFENDANT,
            subtype=cls,
            occurred_on=case.decided or case.filed,
            ongoing=case.outcome == "pending",
            count=defendants,
            match=match,
            detail={
                "cause": case.cause,
                "court": case.court,
                "case_number": case.case_number,
                "outcome": case.outcome,
                "defendants": defendants,
            },
        )
        if case.outcome in _NO_ADVERSE_CIVIL:
            finding.exclude(ExclusionReason.NO_ADVERSE_OUTCOME, keep_detail=False)
        out.append(finding)
    return out


# --- dishonest-debtor list -----------------------------------------------------------------------


def verify_enforcement(ctx: Context, records: Records) -> list[Finding]:
    own, out = _person_records(ctx, Item.ENFORCEMENT_LIST, records, model.EnforcementRecord)
    for rec in own:
        body = rec.record
        assert isinstance(body, model.EnforcementRecord)
        active = body.removed is None or body.removed > ctx.as_of
        out.append(
            Finding(
                rec.ref,
                Item.ENFORCEMENT_LIST,
                rec.source,
                authoritative=True,
                code=FindingCode.DISHONEST_DEBTOR,
                subtype="active" if active else "removed",
                occurred_on=body.listed if active else body.removed,
                ongoing=active,
                match=Match.STRONG,
                detail={
                    "court": body.court,
                    "case_number": body.case_number,
                    "listed": body.listed.isoformat(),
                    "removed": body.removed.isoformat() if body.removed else None,
                },
            )
        )
    return out


# --- credit -------------------------------------------------------------------------------------------


def verify_credit(ctx: Context, records: Records) -> list[Finding]:
    """The latest credit report's negative information. How old it may be is the law's limit
    (征信業管理條例 第16條), applied by ``finalise`` to the day the conduct ended."""
    own, out = _person_records(ctx, Item.CREDIT, records, model.CreditReport)
    if not own:
        return out
    latest = max(
        own, key=lambda r: r.record.as_of if isinstance(r.record, model.CreditReport) else date.min
    )
    body = latest.record
    assert isinstance(body, model.CreditReport)
    if body.serious_delinquencies:
        out.append(
            Finding(
                f"{latest.ref}#serious",
                Item.CREDIT,
                latest.source,
                authoritative=True,
                code=FindingCode.CREDIT_DELINQUENCY,
                subtype="serious",
                occurred_on=body.last_delinquency or body.as_of,
                count=body.serious_delinquencies,
                match=Match.STRONG,
                detail={
                    "serious_delinquencies": body.serious_delinquencies,
                    "as_of": body.as_of.isoformat(),
                },
            )
        )
    if body.accounts_in_default:
        out.append(
            Finding(
                f"{latest.ref}#default",
                Item.CREDIT,
                latest.source,
                authoritative=True,
                code=FindingCode.CREDIT_DELINQUENCY,
                subtype="default",
                occurred_on=body.as_of,
                ongoing=True,
                count=body.accounts_in_default,
                match=Match.STRONG,
                detail={
                    "accounts_in_default": body.accounts_in_default,
                    "as_of": body.as_of.isoformat(),
                },
            )
        )
    return out


# --- driving record ------------------------------------------------------------------------------------


def verify_driving(ctx: Context, records: Records) -> list[Finding]:
    """The licence's status and every violation on the record, each its own finding: which
    matter, alone or as a pattern, is the rule set's to say (a parking ticket never does)."""
    own, out = _person_records(ctx, Item.DRIVING_RECORD, records, model.DrivingRecord)
    if not own:
        out.append(
            Finding(
                f"{SourceKind.TRAFFIC_RECORDS}:no-record",
                Item.DRIVING_RECORD,
                SourceKind.TRAFFIC_RECORDS,
                authoritative=True,
                code=FindingCode.DRIVING_VIOLATION,
                subtype="no_licence",
                ongoing=True,
                detail={"licence_found": False},
            )
        )
        return out
    for rec in own:
        body = rec.record
        assert isinstance(body, model.DrivingRecord)
        if body.licence_status != "valid":
            out.append(
                Finding(
                    f"{rec.ref}#status",
                    Item.DRIVING_RECORD,
                    rec.source,
                    authoritative=True,
                    code=FindingCode.DRIVING_VIOLATION,
                    subtype=f"licence_{body.licence_status}",
                    occurred_on=body.status_since,
                    ongoing=True,
                    match=Match.STRONG,
                    detail={
                        "licence_class": body.licence_class,
                        "licence_status": body.licence_status,
                    },
                )
            )
        for j, violation in enumerate(body.violations):
            out.append(
                Finding(
                    f"{rec.ref}#{j}",
                    Item.DRIVING_RECORD,
                    rec.source,
                    authoritative=True,
                    code=FindingCode.DRIVING_VIOLATION,
                    subtype=violation.kind,
                    occurred_on=violation.date,
                    count=violation.points,
                    match=Match.STRONG,
                    detail={
                        "kind": violation.kind,
                        "date": violation.date.isoformat(),
                        "points": violation.points,
                    },
                )
            )
    return out


# --- fitness for duty ------------------------------------------------------------------------------------


def verify_fitness(ctx: Context, records: Records) -> list[Finding]:
    purpose = ctx.category.fitness_certificate
    own, out = _person_records(ctx, Item.HEALTH_FITNESS, records, model.HealthCertificate)
    if purpose is None:
        return out
    certs = [
        r
        for r in own
        if isinstance(r.record, model.HealthCertificate) and r.record.purpose == purpose
    ]
    if not certs:
        out.append(
            Finding(
                f"{SourceKind.HEALTH_CERTIFICATES}:required/{purpose}",
                Item.HEALTH_FITNESS,
                SourceKind.HEALTH_CERTIFICATES,
                authoritative=True,
                code=FindingCode.NOT_FIT_FOR_DUTY,
                subtype="certificate_missing",
                ongoing=True,
                detail={"purpose": purpose},
            )
        )
        return out
    latest = max(
        certs,
        key=lambda r: (
            r.record.issued if isinstance(r.record, model.HealthCertificate) else date.min
        ),
    )
    body = latest.record
    assert isinstance(body, model.HealthCertificate)
    subtype = None
    if not body.fit_for_duty:
        subtype = "unfit"
    elif body.expires is not None and body.expires < ctx.as_of:
        subtype = "expired"
    if subtype:
        out.append(
            Finding(
                latest.ref,
                Item.HEALTH_FITNESS,
                latest.source,
                authoritative=True,
                code=FindingCode.NOT_FIT_FOR_DUTY,
                subtype=subtype,
                ongoing=True,
                match=Match.STRONG,
                detail={
                    "purpose": body.purpose,
                    "issued": body.issued.isoformat(),
                    "expires": body.expires.isoformat() if body.expires else None,
                    "fit_for_duty": body.fit_for_duty,
                },
            )
        )
    return out


# --- references and disciplinary records ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferenceRemark:
    """One screened sentence of one reference, as ``verify.references.screen_reference`` reads
    it (kind, category, hearsay), with where it came from."""

    record: SourceRecord
    index: int
    kind: str
    category: str | None
    hearsay: bool


def verify_references(ctx: Context, records: Records) -> list[Finding]:
    """Screen each reference sentence, then weigh what is left (``weigh_references``)."""
    remarks: list[ReferenceRemark] = []
    references = [
        r
        for r in records
        if isinstance(r.record, model.Reference) and r.record.candidate == ctx.subject.candidate
    ]
    if references:
        from fairscreen.verify.references import screen_reference

        for rec in references:
            body = rec.record
            assert isinstance(body, model.Reference)
            remarks.extend(
                ReferenceRemark(rec, remark.index, remark.kind, remark.category, remark.hearsay)
                for remark in screen_reference(body.text, body.language)
                if remark.kind != "neutral"
            )
    return weigh_references(ctx, remarks, records)


def weigh_references(
    ctx: Context, remarks: Sequence[ReferenceRemark], records: Records
) -> list[Finding]:
    """Forbidden-category and private-life remarks are excluded unkept; a misconduct claim of any
    category (attendance and discipline included) is rated only when corroborated: by another
    referee stating the same kind of misconduct, or by a disciplinary record of the referee's
    own organisation on the same ground. A lone claim is excluded as unverified, never dropped.
    Every disciplinary record in force is a finding of its own (``disciplinary_action``)."""
    discipline, out = _person_records(ctx, Item.REFERENCE, records, model.DisciplinaryRecord)
    in_force: list[SourceRecord] = []
    for rec in discipline:
        body = rec.record
        assert isinstance(body, model.DisciplinaryRecord)
        finding = Finding(
            rec.ref,
            Item.REFERENCE,
            rec.source,
            authoritative=rec.authoritative,
            code=FindingCode.DISCIPLINARY_ACTION,
            subtype=body.ground,
            occurred_on=body.date,
            penalty=Penalty(body.action),
            match=Match.STRONG,
            detail={
                "employer": body.employer,
                "action": body.action,
                "ground": body.ground,
                "date": body.date.isoformat(),
            },
        )
        if body.status == "rescinded":
            finding.exclude(ExclusionReason.NO_ADVERSE_OUTCOME, keep_detail=False)
        else:
            in_force.append(rec)
        out.append(finding)

    claims: list[tuple[Finding, str, str]] = []
    for remark in remarks:
        rec = remark.record
        body = rec.record
        assert isinstance(body, model.Reference)
        ref = f"{rec.ref}#{remark.index}"
        reason = {
            "forbidden": ExclusionReason.FORBIDDEN_CATEGORY,
            "private_life": ExclusionReason.PRIVATE_LIFE_HEARSAY,
        }.get(remark.kind)
        if remark.kind == "misconduct" and remark.hearsay:
            # second-hand ("I heard...") is not a source: it can neither stand nor corroborate
            reason = ExclusionReason.UNVERIFIED_SINGLE_SOURCE
        if reason is not None:
            out.append(excluded(ref, Item.REFERENCE, rec.source, reason, authoritative=False))
        elif remark.kind == "misconduct":
            finding = Finding(
                ref,
                Item.REFERENCE,
                rec.source,
                authoritative=False,
                code=FindingCode.REFERENCE_MISCONDUCT,
                subtype=remark.category,
                occurred_on=body.given,
                detail={
                    "referee_relationship": body.referee.relationship,
                    "referee_organisation": body.referee.organisation,
                    "category": remark.category,
                    "hearsay": remark.hearsay,
                },
            )
            claims.append(
                (finding, name_key(body.referee.name), name_key(body.referee.organisation))
            )
    # Two different referees stating the same kind of misconduct corroborate each other: one
    # finding, the other claims listed as its corroboration. A disciplinary record of the same
    # ground from the referee's organisation is an independent source too.
    by_category: dict[str | None, list[tuple[Finding, str, str]]] = {}
    for claim in claims:
        by_category.setdefault(claim[0].subtype, []).append(claim)
    for category, group in by_category.items():
        first, first_referee, _ = group[0]
        others = [f.ref for f, referee, _ in group[1:] if referee != first_referee]
        organisations = {org for _, _, org in group}
        records_of = [
            r.ref
            for r in in_force
            if isinstance(r.record, model.DisciplinaryRecord)
            and r.record.ground == category
            and name_key(r.record.employer) in organisations
        ]
        if others or records_of:
            first.corroborated_by = (*others, *records_of)
            out.append(first)
            out.extend(
                excluded(
                    f.ref,
                    Item.REFERENCE,
                    f.source,
                    ExclusionReason.UNVERIFIED_SINGLE_SOURCE,
                    authoritative=False,
                )
                for f, referee, _ in group[1:]
                if referee == first_referee
            )
        else:
            out.extend(
                excluded(
                    f.ref,
                    Item.REFERENCE,
                    f.source,
                    ExclusionReason.UNVERIFIED_SINGLE_SOURCE,
                    authoritative=False,
                )
                for f, _, _ in group
            )
    return out


VERIFIERS: Mapping[Item, Callable[[Context, Records], list[Finding]]] = {
    Item.IDENTITY: verify_identity,
    Item.EDUCATION: verify_education,
    Item.EMPLOYMENT: verify_employment,
    Item.PROFESSIONAL_LICENCE: verify_licences,
    Item.CRIMINAL_RECORD: verify_criminal,
    Item.PUBLIC_SECURITY_RECORD: verify_public_security,
    Item.CIVIL_LITIGATION: verify_civil,
    Item.ENFORCEMENT_LIST: verify_enforcement,
    Item.CREDIT: verify_credit,
    Item.DRIVING_RECORD: verify_driving,
    Item.HEALTH_FITNESS: verify_fitness,
    Item.REFERENCE: verify_references,
}


def finalise(ctx: Context, findings: Iterable[Finding]) -> list[Finding]:
    """The rules every finding obeys, whatever its item, in this order: corroboration; the law's
    own limit (a record older than it is expired, whatever a rule says); the lookback (an older
    finding stays verified but is marked, and only a statutory bar may rate it)."""
    out = []
    for finding in findings:
        if finding.exclusion is None and not finding.authoritative and not finding.corroborated_by:
            finding.exclude(ExclusionReason.UNVERIFIED_SINGLE_SOURCE, keep_detail=False)
        if finding.exclusion is None and not finding.ongoing and finding.occurred_on is not None:
            age = years_between(finding.occurred_on, ctx.as_of)
            limit = ctx.pack.legal_limit(ctx.category.name, finding.item)
            window = ctx.lookback(finding.item)
            if limit is not None and age > limit.years:
                finding.exclude(ExclusionReason.EXPIRED_BY_LAW, keep_detail=False)
            elif window is not None and age > window:
                finding.outside_lookback = True
        out.append(finding)
    return out


def verify(ctx: Context, results: Mapping[Item, Records]) -> list[Finding]:
    """All findings of one check request, in scope order."""
    findings: list[Finding] = []
    for item, records in results.items():
        findings.extend(VERIFIERS[item](ctx, records))
    return finalise(ctx, findings)
