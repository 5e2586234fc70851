"""Step 3, 多源驗證 multi-source verification: from source records to findings, item by item.

Three rules hold for every item:
- identity is matched on the ID number with name and birth date; a name-only match is never
  reported, a namesake with another ID number is not the candidate and leaves no trace;
- an adverse finding needs an authoritative record or two independent sources
  (``finalise``), and everything outside the item's lookback window is excluded;
- every finding keeps its provenance (source, record, the keys it matched on).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from fairscreen.kit.clock import years_between
from fairscreen.kit.names import name_key
from fairscreen.policy.pack import CategoryPolicy, PolicyPack
from fairscreen.policy.vocabulary import ExclusionReason, FindingCode, Item, SourceKind
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
        elif (left := unmatched(rec.ref, item, rec.source, rec.authoritative, match)) is not None:
            dropped.append(left)
    return own, dropped


def verify_identity(ctx: Context, records: Records) -> list[Finding]:
    found = [r for r in records if isinstance(r.record, model.IdentityRecord)]
    if not found:
        return [
            Finding(
                f"{SourceKind.IDENTITY_REGISTRY}:no-record",
                Item.IDENTITY,
                SourceKind.IDENTITY_REGISTRY,
                True,
                FindingCode.IDENTITY_MISMATCH,
                "not_found",
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
                    rec.authoritative,
                    FindingCode.IDENTITY_MISMATCH,
                    subtype,
                    ongoing=True,
                    match=Match.STRONG if subtype == "cancelled" else Match.CONFLICT,
                    detail={"registry_status": body.status, "differs": subtype},
                )
            )
    return out


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
                    True,
                    FindingCode.EDUCATION_DISCREPANCY,
                    "not_found",
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
                    True,
                    FindingCode.EDUCATION_DISCREPANCY,
                    "degree_differs",
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
                    True,
                    FindingCode.EDUCATION_DISCREPANCY,
                    "year_differs",
                    ongoing=True,
                    match=Match.STRONG,
                    detail={"claim": claim_detail, "registry": {"graduated": rec.record.graduated}},
                )
            )
    return out


def verify_employment(ctx: Context, records: Records) -> list[Finding]:
    own, out = _person_records(ctx, Item.EMPLOYMENT, records, model.EmploymentRecord)
    now = _as_of_month(ctx)
    window = ctx.lookback(Item.EMPLOYMENT)
    for i, claim in enumerate(ctx.claims.employment):
        claim_end = _month(claim.end) if claim.end else now
        if window is not None and now - claim_end > window * 12:
            continue  # a period that ended before the lookback window is not checked
        periods = [
            r
            for r in own
            if isinstance(r.record, model.EmploymentRecord)
            and name_key(r.record.employer) == name_key(claim.employer)
        ]
        claim_detail = claim.model_dump(mode="json")
        if not periods:
            out.append(
                Finding(
                    f"{SourceKind.SOCIAL_INSURANCE}:claim/{i}",
                    Item.EMPLOYMENT,
                    SourceKind.SOCIAL_INSURANCE,
                    True,
                    FindingCode.EMPLOYMENT_DISCREPANCY,
                    "not_found",
                    ongoing=True,
                    detail={"claim": claim_detail},
                )
            )
            continue
        starts = []
        ends = []
        for r in periods:
            assert isinstance(r.record, model.EmploymentRecord)
            starts.append(_month(r.record.start))
            ends.append(_month(r.record.end) if r.record.end else now)
        start_gap = abs(_month(claim.start) - min(starts))
        end_gap = abs(claim_end - max(ends))
        if max(start_gap, end_gap) > EMPLOYMENT_SLACK_MONTHS:
            out.append(
                Finding(
                    periods[0].ref,
                    Item.EMPLOYMENT,
                    SourceKind.SOCIAL_INSURANCE,
                    True,
                    FindingCode.EMPLOYMENT_DISCREPANCY,
                    "dates_differ",
                    ongoing=True,
                    match=Match.STRONG,
                    count=max(start_gap, end_gap),
                    detail={"claim": claim_detail, "months_off": max(start_gap, end_gap)},
                )
            )
    return out


def _licence_finding(rec: SourceRecord, subtype: str, extra: Mapping[str, object]) -> Finding:
    body = rec.record
    assert isinstance(body, model.LicenceRecord)
    return Finding(
        rec.ref,
        Item.PROFESSIONAL_LICENCE,
        rec.source,
        True,
        FindingCode.LICENCE_PROBLEM,
        subtype,
        ongoing=True,
        match=Match.STRONG,
        detail={"kind": body.kind, "status": body.status, **extra},
    )


def _licence_state(body: model.LicenceRecord, as_of: date) -> str:
    if body.status == "valid" and body.expires is not None and body.expires < as_of:
        return "expired"
    return body.status


def verify_licences(ctx: Context, records: Records) -> list[Finding]:
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
                    True,
                    FindingCode.LICENCE_PROBLEM,
                    "not_found",
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
                    True,
                    FindingCode.LICENCE_PROBLEM,
                    "required_missing",
                    ongoing=True,
                    detail={"required_any_of": sorted(group)},
                )
            )
    return out


def _case_party(ctx: Context, case: model.CourtCase) -> tuple[Match, model.Party | None]:
    """The best match for the candidate among a case's parties."""
    best: tuple[Match, model.Party | None] = (Match.OTHER_PERSON, None)
    rank = {Match.STRONG: 3, Match.CONFLICT: 2, Match.NAME_ONLY: 1, Match.OTHER_PERSON: 0}
    for party in case.parties:
        match = match_identity(ctx.subject, party.name, party.id_number, party.birth_date)
        if rank[match] > rank[best[0]]:
            best = (match, party)
    return best


def _criminal_class(ctx: Context, cause: str) -> str:
    cls = ctx.pack.cause_class("criminal", cause)
    return cls.cls if cls is not None and cls.cls is not None else "other"


def verify_criminal(ctx: Context, records: Records) -> list[Finding]:
    certs, out = _person_records(ctx, Item.CRIMINAL_RECORD, records, model.CriminalCertificate)
    convictions: list[Finding] = []
    for rec in certs:
        body = rec.record
        assert isinstance(body, model.CriminalCertificate)
        for j, offence in enumerate(body.offences):
            convictions.append(
                Finding(
                    f"{rec.ref}#{j}",
                    Item.CRIMINAL_RECORD,
                    rec.source,
                    True,
                    FindingCode.CRIMINAL_CONVICTION,
                    _criminal_class(ctx, offence.cause),
                    occurred_on=offence.sentence_completed or offence.convicted,
                    match=Match.STRONG,
                    detail={
                        "cause": offence.cause,
                        "convicted": offence.convicted.isoformat(),
                        "sentence_completed": offence.sentence_completed.isoformat()
                        if offence.sentence_completed
                        else None,
                        "certificate_issued": body.issued.isoformat(),
                    },
                )
            )
    for rec in records:
        case = rec.record
        if not isinstance(case, model.CourtCase) or case.kind != "criminal":
            continue
        match, party = _case_party(ctx, case)
        if match is Match.OTHER_PERSON or party is None or party.role != "defendant":
            continue
        if match is not Match.STRONG:
            left = unmatched(rec.ref, Item.CRIMINAL_RECORD, rec.source, True, match)
            if left is not None:
                out.append(left)
            continue
        cls = _criminal_class(ctx, case.cause)
        detail = {
            "cause": case.cause,
            "court": case.court,
            "case_number": case.case_number,
            "outcome": case.outcome,
            "decided": case.decided.isoformat() if case.decided else None,
        }
        if case.outcome != "convicted":
            out.append(
                Finding(
                    rec.ref,
                    Item.CRIMINAL_RECORD,
                    rec.source,
                    True,
                    FindingCode.CRIMINAL_CONVICTION,
                    cls,
                    match=match,
                    exclusion=ExclusionReason.NO_ADVERSE_OUTCOME,
                )
            )
            continue
        occurred = case.sentence_completed or case.decided or case.filed
        twin = next(
            (
                f
                for f in convictions
                if f.subtype == cls
                and f.detail is not None
                and case.decided is not None
                and f.detail["convicted"] == case.decided.isoformat()
            ),
            None,
        )
        if twin is not None:  # the court judgment behind a certificate's offence: one finding
            twin.corroborated_by = (*twin.corroborated_by, rec.ref)
            continue
        convictions.append(
            Finding(
                rec.ref,
                Item.CRIMINAL_RECORD,
                rec.source,
                True,
                FindingCode.CRIMINAL_CONVICTION,
                cls,
                occurred_on=occurred,
                match=match,
                detail=detail,
            )
        )
    return convictions + out


def verify_civil(ctx: Context, records: Records) -> list[Finding]:
    out: list[Finding] = []
    for rec in records:
        case = rec.record
        if not isinstance(case, model.CourtCase) or case.kind != "civil":
            continue
        match, party = _case_party(ctx, case)
        if match is Match.OTHER_PERSON or party is None:
            continue
        if party.role != "defendant":
            continue  # litigation as plaintiff (or as third party) is never collected
        if match is not Match.STRONG:
            left = unmatched(rec.ref, Item.CIVIL_LITIGATION, rec.source, True, match)
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
                    True,
                    ExclusionReason.FORBIDDEN_CATEGORY,
                    match,
                )
            )
            continue
        cls = cause.cls if cause is not None and cause.cls is not None else "other"
        finding = Finding(
            rec.ref,
            Item.CIVIL_LITIGATION,
            rec.source,
            True,
            FindingCode.CIVIL_DEFENDANT,
            cls,
            occurred_on=case.decided or case.filed,
            ongoing=case.outcome == "pending",
            count=len([p for p in case.parties if p.role == "defendant"]),
            match=match,
            detail={
                "cause": case.cause,
                "court": case.court,
                "case_number": case.case_number,
                "outcome": case.outcome,
                "defendants": len([p for p in case.parties if p.role == "defendant"]),
            },
        )
        if case.outcome in ("judgment_for_defendant", "withdrawn", "dismissed"):
            finding.exclude(ExclusionReason.NO_ADVERSE_OUTCOME, keep_detail=False)
        out.append(finding)
    return out


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
                True,
                FindingCode.DISHONEST_DEBTOR,
                "active" if active else "removed",
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


def verify_credit(ctx: Context, records: Records) -> list[Finding]:
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
                True,
                FindingCode.CREDIT_DELINQUENCY,
                "serious",
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
                True,
                FindingCode.CREDIT_DELINQUENCY,
                "default",
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


SERIOUS_VIOLATIONS = frozenset({"drunk_driving", "dui", "hit_and_run", "speeding_serious"})


def verify_driving(ctx: Context, records: Records) -> list[Finding]:
    own, out = _person_records(ctx, Item.DRIVING_RECORD, records, model.DrivingRecord)
    if not own:
        out.append(
            Finding(
                f"{SourceKind.TRAFFIC_RECORDS}:no-record",
                Item.DRIVING_RECORD,
                SourceKind.TRAFFIC_RECORDS,
                True,
                FindingCode.DRIVING_VIOLATION,
                "no_licence",
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
                    True,
                    FindingCode.DRIVING_VIOLATION,
                    f"licence_{body.licence_status}",
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
            if violation.kind not in SERIOUS_VIOLATIONS:
                continue
            out.append(
                Finding(
                    f"{rec.ref}#{j}",
                    Item.DRIVING_RECORD,
                    rec.source,
                    True,
                    FindingCode.DRIVING_VIOLATION,
                    violation.kind,
                    occurred_on=violation.date,
                    match=Match.STRONG,
                    detail={"kind": violation.kind, "date": violation.date.isoformat()},
                )
            )
    return out


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
                True,
                FindingCode.NOT_FIT_FOR_DUTY,
                "certificate_missing",
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
                True,
                FindingCode.NOT_FIT_FOR_DUTY,
                subtype,
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


def verify_references(ctx: Context, records: Records) -> list[Finding]:
    """Screen each reference sentence; keep only job-relevant misconduct claims, as candidates
    for corroboration. Forbidden-category and private-life remarks are dropped unkept."""
    if not records:
        return []
    from fairscreen.verify.references import screen_reference

    out: list[Finding] = []
    claims: list[tuple[Finding, str]] = []
    for rec in records:
        body = rec.record
        if not isinstance(body, model.Reference) or body.candidate != ctx.subject.candidate:
            continue
        for remark in screen_reference(body.text, body.language):
            ref = f"{rec.ref}#{remark.index}"
            if remark.kind == "forbidden":
                out.append(
                    excluded(
                        ref, Item.REFERENCE, rec.source, False, ExclusionReason.FORBIDDEN_CATEGORY
                    )
                )
            elif remark.kind == "private_life":
                out.append(
                    excluded(
                        ref, Item.REFERENCE, rec.source, False, ExclusionReason.PRIVATE_LIFE_HEARSAY
                    )
                )
            elif remark.kind == "misconduct" and remark.hearsay:
                # second-hand ("I heard...") is not a source: it can neither stand nor corroborate
                out.append(
                    excluded(
                        ref,
                        Item.REFERENCE,
                        rec.source,
                        False,
                        ExclusionReason.UNVERIFIED_SINGLE_SOURCE,
                    )
                )
            elif remark.kind == "misconduct":
                finding = Finding(
                    ref,
                    Item.REFERENCE,
                    rec.source,
                    False,
                    FindingCode.REFERENCE_MISCONDUCT,
                    remark.category,
                    occurred_on=body.given,
                    detail={
                        "referee_relationship": body.referee.relationship,
                        "referee_organisation": body.referee.organisation,
                        "category": remark.category,
                        "hearsay": remark.hearsay,
                    },
                )
                claims.append((finding, name_key(body.referee.name)))
    # Two different referees stating the same kind of misconduct corroborate each other: one
    # finding, the other claims listed as its corroboration. A lone claim stays uncorroborated.
    by_category: dict[str | None, list[tuple[Finding, str]]] = {}
    for finding, referee in claims:
        by_category.setdefault(finding.subtype, []).append((finding, referee))
    for group in by_category.values():
        first, first_referee = group[0]
        others = [f.ref for f, referee in group[1:] if referee != first_referee]
        if others:
            first.corroborated_by = tuple(others)
            out.append(first)
            out.extend(
                excluded(
                    f.ref, Item.REFERENCE, f.source, False, ExclusionReason.UNVERIFIED_SINGLE_SOURCE
                )
                for f, referee in group[1:]
                if referee == first_referee
            )
        else:
            out.extend(
                excluded(
                    f.ref, Item.REFERENCE, f.source, False, ExclusionReason.UNVERIFIED_SINGLE_SOURCE
                )
                for f, _ in group
            )
    return out


VERIFIERS: Mapping[Item, Callable[[Context, Records], list[Finding]]] = {
    Item.IDENTITY: verify_identity,
    Item.EDUCATION: verify_education,
    Item.EMPLOYMENT: verify_employment,
    Item.PROFESSIONAL_LICENCE: verify_licences,
    Item.CRIMINAL_RECORD: verify_criminal,
    Item.CIVIL_LITIGATION: verify_civil,
    Item.ENFORCEMENT_LIST: verify_enforcement,
    Item.CREDIT: verify_credit,
    Item.DRIVING_RECORD: verify_driving,
    Item.HEALTH_FITNESS: verify_fitness,
    Item.REFERENCE: verify_references,
}


def finalise(ctx: Context, findings: Iterable[Finding]) -> list[Finding]:
    """The rules every finding obeys, whatever its item: corroboration and lookback."""
    out = []
    for finding in findings:
        if finding.exclusion is None and not finding.authoritative and not finding.corroborated_by:
            finding.exclude(ExclusionReason.UNVERIFIED_SINGLE_SOURCE, keep_detail=False)
        if finding.exclusion is None and not finding.ongoing and finding.occurred_on is not None:
            window = ctx.lookback(finding.item)
            if window is not None and years_between(finding.occurred_on, ctx.as_of) > window:
                finding.exclude(ExclusionReason.OUTSIDE_LOOKBACK, keep_detail=False)
        out.append(finding)
    return out


def verify(ctx: Context, results: Mapping[Item, Records]) -> list[Finding]:
    """All findings of one check request, in scope order."""
    findings: list[Finding] = []
    for item, records in results.items():
        findings.extend(VERIFIERS[item](ctx, records))
    return finalise(ctx, findings)
