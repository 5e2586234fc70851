"""A check as a job graph: one query job per item and source, then one rating job.

``open_checks`` stores checks (consent, scope, one pending ``CheckQuery`` per item and source)
and returns the query ids to run. ``run_query`` asks the provider once and either moves its
query out of ``pending`` (answered, or ``unavailable`` once its deadline has passed) or says
when to try again (``Retry``): the provider's ``Retry-After``, else exponential backoff.
``run_rating`` issues the report once every query of the check is out of ``pending``.
``deliver_answer`` takes an answer the provider pushed (a signed callback, ``jobs.callbacks``)
the way ``run_query`` takes one it fetched.

The people are told in the transactions of these effects (``feedback.notify``, the outbox): the
candidate once per item given up (``check.item_unavailable``), and, for a check started online,
the candidate and the organisations when the report is issued, as the synchronous path tells
them.

These are the effects of the jobs, whatever runs them (``jobs.engine`` on PostgreSQL,
``jobs.inprocess`` on SQLite). Each effect is one transaction and happens once however often a
job runs: a query moves out of ``pending`` by an ``UPDATE ... WHERE status = 'pending'``, and
only the run whose update took writes the ``SourceQuery`` row and its ledger entry; the report
is issued only from ``in_progress`` with the request row locked, and ``reports`` is unique on
(request, version). A job killed before its commit left nothing; run again, it does the work.
Job arguments are ids only: no personal data sits in the engine's tables.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.candidates.models import Candidate
from fairscreen.consent.models import Invitation
from fairscreen.kit.canonical import canonical_json
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import table_of, transaction
from fairscreen.kit.errors import NotFoundError, PolicyError
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.pipeline import Application, Query, conclude, open_check, outcome_json
from fairscreen.policy.pack import PolicyPack
from fairscreen.policy.vocabulary import Item, NotCheckedReason, SourceKind
from fairscreen.rating import tallies
from fairscreen.rating.engine import RuleSet
from fairscreen.rating.models import Report
from fairscreen.scope.rules import Scope
from fairscreen.screening.models import CheckQuery, CheckRequest
from fairscreen.screening.report import content_of, seal_content
from fairscreen.screening.service import Recorder, import_organisations
from fairscreen.sources.base import SourceRecord, Subject
from fairscreen.sources.http import Later, Provider, ProviderRefusedError, parse_records
from fairscreen.sources.models import SourceQuery
from fairscreen.vault import Sealer, Vault
from fairscreen.vault.models import DataKey
from fairscreen.verify.checks import Context
from fairscreen.world import model
from fairscreen.world.load import WorldStore

log = logging.getLogger(__name__)

_QUERIES = table_of(CheckQuery)
_REQUESTS = table_of(CheckRequest)


@dataclass(frozen=True, slots=True)
class Done:
    """The query is out of ``pending``; ``ready``: every query of its check is, so rate it."""

    request_id: str
    ready: bool


@dataclass(frozen=True, slots=True)
class Retry:
    """Ask again in ``seconds``."""

    seconds: float


@dataclass
class JobContext:
    """What the jobs of one process share: the database, the vault, the provider, the policy."""

    sessions: sessionmaker[Session]
    vault: Vault
    provider: Provider
    packs: dict[str, tuple[PolicyPack, RuleSet]]  # by pack ref (id@version)
    retry_base: float = 2.0
    retry_max: float = 3600.0
    clock: Callable[[], datetime] = field(default=utcnow)

    def policy(self, ref: str) -> tuple[PolicyPack, RuleSet]:
        """The pack a check was scoped under and the rule set to rate it with: one given to
        this process (``--pack``, ``--rules``), else the shipped pack of that version with its
        rule set (what the synchronous online path rates with)."""
        found = self.packs.get(ref)
        if found is None:
            from fairscreen.screening.online import shipped_pack, shipped_ruleset

            try:
                pack = shipped_pack(ref)
            except PolicyError:
                known = ", ".join(sorted(self.packs)) or "none"
                raise ProviderRefusedError(
                    f"check under policy pack {ref}: not shipped, and this process has {known} "
                    "(start it with --pack)"
                ) from None
            found = self.packs[ref] = (pack, shipped_ruleset(pack))
        return found


def open_checks(
    world: WorldStore,
    sessions: sessionmaker[Session],
    vault: Vault,
    pack: PolicyPack,
    *,
    deadline: timedelta,
    at: datetime | None = None,
    batch_size: int = 500,
) -> list[str]:
    """Open a check for every candidate of ``world`` (consent and scope, fixed and on the
    ledger; a stopped check is complete at once); return the ids of the queries to run."""
    from itertools import islice

    at = at or utcnow()
    positions = {p.id: p for p in world.positions()}
    organisations = world.organisations()
    agencies = [o.id for o in organisations if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    with transaction(sessions) as session:
        directory = import_organisations(session, organisations, positions.values(), at)
    recorder = Recorder(vault, directory, pack)
    candidates = world.candidates()
    query_ids: list[str] = []
    while batch := list(islice(candidates, batch_size)):
        screenings = [
            open_check(
                Application(
                    c,
                    positions[c.applies_to],
                    c.consent.agency if c.consent and c.consent.agency else default_agency,
                ),
                pack=pack,
                as_of=world.header.as_of,
                at=at,
            )
            for c in batch
        ]
        demographics = world.demographics_for([c.id for c in batch])
        with transaction(sessions) as session:
            opened = recorder.open(
                session, screenings, now=at, deadline=at + deadline, demographics=demographics
            )
            query_ids.extend(
                session.scalars(
                    select(CheckQuery.id)
                    .where(CheckQuery.request_id.in_(opened))
                    .order_by(CheckQuery.request_id, CheckQuery.id)
                )
            )
    return query_ids


def _sealer(session: Session, vault: Vault, candidate_id: str) -> Sealer:
    key_id, version, wrapped = session.execute(
        select(DataKey.id, DataKey.kek_version, DataKey.wrapped)
        .join(Candidate, Candidate.data_key_id == DataKey.id)
        .where(Candidate.id == candidate_id)
    ).one()
    return vault.sealer(key_id, version, bytes(wrapped))


def _subject(
    session: Session, sealer: Sealer, candidate_id: str, request_id: str
) -> tuple[Subject, model.Claims]:
    """The candidate's strong keys and claims, unsealed (only in this process's memory). The
    reference is the client's: for a candidate who signed online, the one their invitation
    carries (where the sandbox files what referees said, as ``screening.online`` asks it)."""
    row = session.execute(
        select(
            Candidate.external_ref_ct,
            Candidate.name_ct,
            Candidate.id_document_ct,
            Candidate.birth_date_ct,
            Candidate.claims_ct,
        ).where(Candidate.id == candidate_id)
    ).one()

    def unseal(column: str, value: bytes) -> bytes:
        return sealer.open("candidates", column, candidate_id, bytes(value))

    invited = session.execute(
        select(Invitation.id, Invitation.client_ref_ct).where(Invitation.request_id == request_id)
    ).first()
    reference = (
        sealer.open("invitations", "client_ref_ct", invited.id, bytes(invited.client_ref_ct))
        if invited is not None
        else unseal("external_ref_ct", row.external_ref_ct)
    ).decode()
    document = orjson.loads(unseal("id_document_ct", row.id_document_ct))
    subject = Subject(
        reference,
        unseal("name_ct", row.name_ct).decode(),
        document["number"],
        date.fromisoformat(unseal("birth_date_ct", row.birth_date_ct).decode()),
    )
    claims = model.Claims.model_validate_json(unseal("claims_ct", row.claims_ct))
    return subject, claims


def _invited(session: Session, request_id: str) -> bool:
    """Whether the check was started online, by a candidate who signed an invitation: its
    people are told as the synchronous online path tells them (``feedback.jobs.run_check``)."""
    found = session.scalar(select(Invitation.id).where(Invitation.request_id == request_id))
    return found is not None


def _all_in(session: Session, request_id: str) -> bool:
    pending = session.scalar(
        select(func.count())
        .select_from(_QUERIES)
        .where(_QUERIES.c.request_id == request_id, _QUERIES.c.status == "pending")
    )
    return not pending


def run_query(ctx: JobContext, query_id: str) -> Done | Retry:
    """One try of one query (see the module's docstring)."""
    now = ctx.clock()
    with ctx.sessions() as session:
        query = session.get(CheckQuery, query_id)
        if query is None:  # the check was erased meanwhile
            return Done("", False)
        request_id = query.request_id
        if query.status != "pending":
            return Done(request_id, _all_in(session, request_id))
        request = session.get(CheckRequest, request_id)
        assert request is not None
        sealer = _sealer(session, ctx.vault, request.candidate_id)
        subject, _ = _subject(session, sealer, request.candidate_id, request_id)
        item, kind = Item(query.item), SourceKind(query.source)
        deadline, attempts = query.deadline, query.attempts
        consent = request.consent_id or ""

    answer: list[SourceRecord] | Later
    if now >= deadline:
        answer = Later("waiting", None, "deadline passed")
    else:
        try:
            answer = ctx.provider.ask(
                key=query_id, kind=kind, item=item, subject=subject, consent=consent
            )
        except ProviderRefusedError as exc:
            log.warning("query %s given up: %s", query_id, exc)
            answer = Later("failed", None, "refused")
            deadline = now  # not worth asking again

    if isinstance(answer, list):
        with transaction(ctx.sessions) as session:
            _record_answer(session, sealer, query_id, answer, attempts=attempts + 1, now=now)
            return Done(request_id, _all_in(session, request_id))

    if now >= deadline:
        with transaction(ctx.sessions) as session:
            # The check's row locked: its queries giving up one after another tell the
            # candidate once per item, and never after the report.
            locked = session.execute(
                select(CheckRequest).where(CheckRequest.id == request_id).with_for_update()
            ).scalar_one_or_none()
            moved = session.execute(
                update(_QUERIES)
                .where(_QUERIES.c.id == query_id, _QUERIES.c.status == "pending")
                .values(
                    status="unavailable",
                    attempts=attempts + 1,
                    problem=answer.problem,
                    next_try_at=None,
                    done_at=now,
                )
            )
            if locked is not None and cast(CursorResult[Any], moved).rowcount == 1:
                _tell_unavailable(ctx, session, locked, item, query_id, now)
            return Done(request_id, _all_in(session, request_id))

    backoff = min(ctx.retry_max, ctx.retry_base * 2.0**attempts)
    wait = answer.seconds if answer.seconds is not None else backoff
    wait = max(0.05, min(wait, (deadline - now).total_seconds()))
    with transaction(ctx.sessions) as session:
        session.execute(
            update(_QUERIES)
            .where(_QUERIES.c.id == query_id, _QUERIES.c.status == "pending")
            .values(
                attempts=attempts + 1,
                problem=answer.problem,
                next_try_at=now + timedelta(seconds=wait),
            )
        )
    return Retry(wait)


def _record_answer(
    session: Session,
    sealer: Sealer,
    query_id: str,
    answer: Sequence[SourceRecord],
    *,
    attempts: int | None,
    now: datetime,
) -> bool:
    """Move a pending query to ``answered`` with ``answer`` sealed, and record that the source
    was queried (the ``SourceQuery`` row and its ledger entry), in ``session``'s transaction.
    Only the first caller's update takes (``WHERE status = 'pending'``); True if it was this
    one. ``attempts``: the count to store (None: leave it)."""
    query = session.get(CheckQuery, query_id)
    request = session.get(CheckRequest, query.request_id) if query is not None else None
    if query is None or request is None:
        return False
    records = canonical_json(
        [
            {
                "source": str(r.source),
                "authoritative": r.authoritative,
                "record": r.record.model_dump(mode="json"),
            }
            for r in answer
        ]
    )
    values: dict[str, Any] = {
        "status": "answered",
        "records_ct": sealer.seal("check_queries", "records_ct", query_id, records),
        "problem": None,
        "next_try_at": None,
        "done_at": now,
    }
    if attempts is not None:
        values["attempts"] = attempts
    moved = session.execute(
        update(_QUERIES)
        .where(_QUERIES.c.id == query_id, _QUERIES.c.status == "pending")
        .values(**values)
    )
    if cast(CursorResult[Any], moved).rowcount != 1:
        return False
    # this run, and only this one, records the query
    record(
        session,
        EventType.SOURCE_QUERIED,
        SourceQuery,
        {
            "id": new_id(),
            "request_id": request.id,
            "item": query.item,
            "source": query.source,
            "queried_at": now,
        },
        at=now,
        org=request.agency_id or request.employer_id,
        subject=sealer.subject_ref(request.candidate_id),
        check=sealer.check_ref(request.id),
        items=[query.item],
        attrs={"source": query.source},
    )
    return True


@dataclass(frozen=True, slots=True)
class Delivered:
    """What a provider's callback did: ``recorded`` if it completed its query (False: the
    query was already out of ``pending``); ``ready``: every query of the check is in."""

    request_id: str
    recorded: bool
    ready: bool


def deliver_answer(
    sessions: sessionmaker[Session],
    vault: Vault,
    query_id: str,
    *,
    source: SourceKind,
    item: Item,
    answer: Sequence[SourceRecord],
    now: datetime,
) -> Delivered:
    """A provider's answer pushed to us (a signed callback, ``jobs.callbacks``): completes the
    query as the job that asks would, once, whoever comes first; the job, when it runs, finds
    it answered. Refused (``NotFoundError``) for an unknown query or one asked of another
    source or item: a callback answers the question it was asked under (its idempotency key,
    our query id), nothing else."""
    with transaction(sessions) as session:
        query = session.get(CheckQuery, query_id)
        request = session.get(CheckRequest, query.request_id) if query is not None else None
        if (
            query is None
            or request is None
            or (query.source, query.item)
            != (
                str(source),
                str(item),
            )
        ):
            raise NotFoundError(f"idempotency_key: no query {query_id} of {source} for {item}")
        sealer = _sealer(session, vault, request.candidate_id)
        recorded = _record_answer(session, sealer, query_id, answer, attempts=None, now=now)
        return Delivered(request.id, recorded, _all_in(session, request.id))


def _tell_unavailable(
    ctx: JobContext,
    session: Session,
    request: CheckRequest,
    item: Item,
    query_id: str,
    now: datetime,
) -> None:
    """Tell the candidate (through the outbox, in this transaction) that ``item`` of their check
    will not be checked: its source did not answer by the deadline. Once per item: a second
    source of the same item giving up says nothing new. Candidates without an account (a batch
    from a world file) have no contact, and are told nothing."""
    earlier = session.scalar(
        select(func.count())
        .select_from(_QUERIES)
        .where(
            _QUERIES.c.request_id == request.id,
            _QUERIES.c.item == str(item),
            _QUERIES.c.status == "unavailable",
            _QUERIES.c.id != query_id,
        )
    )
    if earlier:
        return
    from fairscreen.feedback import notify

    notify.tell(
        session, ctx.vault, request, notify.ITEM_UNAVAILABLE, {}, now=now, organisations=False
    )


def run_rating(ctx: JobContext, request_id: str) -> bool:
    """Issue the report of a check whose queries are all out of ``pending``; True if this run
    issued it (False: not ready, already issued, or erased)."""
    now = ctx.clock()
    with transaction(ctx.sessions) as session:
        request = session.execute(
            select(CheckRequest).where(CheckRequest.id == request_id).with_for_update()
        ).scalar_one_or_none()
        if request is None or request.status != "in_progress":
            return False
        queries = session.scalars(
            select(CheckQuery).where(CheckQuery.request_id == request_id).order_by(CheckQuery.id)
        ).all()
        if any(q.status == "pending" for q in queries):
            return False
        pack, ruleset = ctx.policy(request.policy)
        sealer = _sealer(session, ctx.vault, request.candidate_id)
        subject, claims = _subject(session, sealer, request.candidate_id, request_id)
        category = str(request.scope["category"])

        unavailable = {Item(q.item) for q in queries if q.status != "answered"}
        results: dict[Item, list[SourceRecord]] = {}
        asked: list[Query] = []
        order = {item: i for i, item in enumerate(Item)}
        for q in sorted(queries, key=lambda q: order[Item(q.item)]):
            if q.status != "answered" or q.records_ct is None:
                continue
            got = parse_records(
                orjson.loads(sealer.open("check_queries", "records_ct", q.id, bytes(q.records_ct)))
            )
            asked.append(Query(Item(q.item), SourceKind(q.source), len(got)))
            if Item(q.item) not in unavailable:
                results.setdefault(Item(q.item), []).extend(got)
        items = dict(
            sorted(
                ((Item(k), v) for k, v in request.scope["items"].items()),
                key=lambda pair: order[pair[0]],
            )
        )
        scope = Scope(
            request.policy,
            category,
            {item: years for item, years in items.items() if item not in unavailable},
            tuple(
                (Item(entry["item"]), NotCheckedReason(entry["why"]))
                for entry in request.not_checked
            )
            + tuple(
                (item, NotCheckedReason.SOURCE_UNAVAILABLE) for item in items if item in unavailable
            ),
        )
        context = Context(subject, claims, pack.category(category), pack, request.as_of)
        findings, rating = conclude(context, results, ruleset)
        content = content_of(
            outcome_json(rating, findings, scope), findings, asked, request.models or []
        )

        report_id = new_id()
        row: dict[str, Any] = {
            "id": report_id,
            "request_id": request_id,
            "version": 1,
            "ruleset": rating.ruleset,
            "policy": request.policy,
            "issued_at": now,
            "content_ct": seal_content(sealer, report_id, content),
        }
        record(
            session,
            EventType.REPORT_ISSUED,
            Report,
            row,
            at=now,
            org=request.agency_id or request.employer_id,
            subject=sealer.subject_ref(request.candidate_id),
            check=sealer.check_ref(request_id),
            policy=request.policy,
            ruleset=rating.ruleset,
            attrs={"employer": request.employer_id},
        )
        counts: Counter[tallies.TallyKey] = Counter()
        tallies.count_report(
            counts,
            employer=request.employer_id,
            at=now,
            ruleset=rating.ruleset,
            light=str(rating.light),
            rules=[r.rule for r in rating.reasons],
        )
        tallies.add(session, counts)
        session.execute(
            update(_REQUESTS).where(_REQUESTS.c.id == request_id).values(status="reported")
        )
        # What the sources answered is in the sealed report now; the raw answers go.
        session.execute(
            update(_QUERIES).where(_QUERIES.c.request_id == request_id).values(records_ct=None)
        )
        if _invited(session, request_id):
            from fairscreen.feedback import notify

            notify.tell(session, ctx.vault, request, notify.REPORT_ISSUED, {"version": 1}, now=now)
        return True


def pending_queries(session: Session, request_ids: Iterable[str] | None = None) -> list[str]:
    """Ids of the queries still pending (of ``request_ids``, or of every check)."""
    statement = select(CheckQuery.id).where(CheckQuery.status == "pending")
    if request_ids is not None:
        statement = statement.where(CheckQuery.request_id.in_(list(request_ids)))
    return list(session.scalars(statement.order_by(CheckQuery.id)))


def ready_checks(session: Session) -> list[str]:
    """Ids of the checks in progress with no query pending: due a rating."""
    pending = select(CheckQuery.request_id).where(CheckQuery.status == "pending")
    return list(
        session.scalars(
            select(CheckRequest.id)
            .where(CheckRequest.status == "in_progress", CheckRequest.id.not_in(pending))
            .order_by(CheckRequest.id)
        )
    )
