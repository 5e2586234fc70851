"""The feedback step's work that no request triggers, each item in its own transaction:

- ``expire_disputes``: a dispute still open past its reinvestigation deadline is resolved as
  ``deleted`` (the finding goes, FCRA §1681i(a)(5)(A) and PIPL art. 46), the report is re-rated
  as a new version and everyone is told;
- ``run_pending_checks``: a signed consent whose check has not run yet (the sandbox was not
  set, or the server stopped in between) gets its check (``screening.online``);
- ``purge_invitations``: an invitation nobody accepted is deleted when it expires, with the
  data key its contact and reference are sealed under.

``fairscreen serve`` runs them every ``FAIRSCREEN_FEEDBACK_INTERVAL`` seconds (a daemon thread,
like the retention scheduler; 0 turns it off); ``fairscreen feedback deadlines`` runs them by
hand. Each run is idempotent: work done by someone else meanwhile is skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import FastAPI
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from fairscreen.candidates.models import Candidate
from fairscreen.consent.models import Invitation
from fairscreen.feedback import notify
from fairscreen.feedback.models import Dispute
from fairscreen.feedback.rerate import DELETED
from fairscreen.feedback.service import Loaded, conclude
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import table_of, transaction
from fairscreen.kit.errors import ConflictError, FairscreenError
from fairscreen.kit.periodic import Periodic, alongside
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.online import (
    CheckRun,
    Sandbox,
    data_key_sealer,
    open_invited_check,
    run_invited_check,
)
from fairscreen.vault import Vault
from fairscreen.vault.models import DataKey

log = logging.getLogger(__name__)


def run_check(
    sessions: sessionmaker[Session],
    vault: Vault,
    invitation_id: str,
    *,
    now: datetime,
    sandbox_world: Sandbox | None = None,
) -> CheckRun:
    """Run one invited check in a transaction of its own and, once its report is issued, tell
    the candidate and the organisations at the same time (in the same transaction).

    On PostgreSQL with ``FAIRSCREEN_CHECK_WORKERS`` set, the check is opened as jobs instead
    (consent and scope fixed, one pending query per item and source) and its queries queued
    for ``fairscreen worker`` once that is committed; the workers tell the people when the
    report is issued (``jobs.graph.run_rating``)."""
    from fairscreen.kit.settings import get_settings

    settings = get_settings()
    if settings.check_workers:
        from fairscreen.jobs.engine import queue, workers_configured

        if workers_configured(settings):
            with transaction(sessions) as session:
                run, queries = open_invited_check(
                    session,
                    vault,
                    invitation_id,
                    now=now,
                    deadline=now + timedelta(seconds=settings.check_deadline),
                )
            # After the commit: a job names rows that must exist. Should this fail, the
            # queries wait, pending, for `fairscreen checks resume` (docs/jobs.md).
            try:
                queue(settings.resolved_database_url(), queries=queries)
            except Exception as exc:  # the queue unreachable: nothing is lost, only later
                log.warning(
                    "check %s: its %d queries wait to be queued (%s): fairscreen checks resume",
                    run.request_id,
                    len(queries),
                    type(exc).__name__,
                )
            return run
    with transaction(sessions) as session:
        run = run_invited_check(session, vault, invitation_id, now=now, sandbox_world=sandbox_world)
        request = session.get(CheckRequest, run.request_id)
        assert request is not None
        if run.report_id is not None:
            notify.tell(session, vault, request, notify.REPORT_ISSUED, {"version": 1}, now=now)
    return run


def run_pending_checks(
    sessions: sessionmaker[Session],
    vault: Vault,
    *,
    now: datetime,
    settle: timedelta = timedelta(minutes=1),
    sandbox_world: Sandbox | None = None,
) -> list[CheckRun]:
    """The checks of consents signed more than ``settle`` ago that have not run (the route
    that took the signature runs its check at once; this catches what it could not)."""
    from fairscreen.consent.models import Consent

    with sessions() as session:
        pending = list(
            session.scalars(
                select(Invitation.id)
                .join(Consent, Consent.id == Invitation.consent_id)
                .where(Invitation.request_id.is_(None), Consent.signed_at <= now - settle)
                .order_by(Consent.signed_at)
            )
        )
    done = []
    for invitation_id in pending:
        try:
            done.append(
                run_check(sessions, vault, invitation_id, now=now, sandbox_world=sandbox_world)
            )
        except ConflictError:
            continue  # run meanwhile by someone else
    return done


def expire_disputes(sessions: sessionmaker[Session], vault: Vault, *, now: datetime) -> list[str]:
    """Resolve every dispute still open past its deadline as ``deleted``, re-rating its report;
    returns their ids."""
    with sessions() as session:
        overdue = list(
            session.scalars(
                select(Dispute.id)
                .where(Dispute.status == "open", Dispute.due_at <= now)
                .order_by(Dispute.due_at, Dispute.id)
            )
        )
    done = []
    for dispute_id in overdue:
        with transaction(sessions) as session:
            dispute = session.get(Dispute, dispute_id, with_for_update=True)
            if dispute is None or dispute.status != "open":
                continue
            request = session.get(CheckRequest, dispute.request_id)
            candidate = session.get(Candidate, request.candidate_id) if request else None
            if request is None or candidate is None:
                continue
            check = Loaded(
                request, candidate, data_key_sealer(session, vault, candidate.data_key_id)
            )
            conclude(
                session,
                vault,
                dispute,
                check,
                outcome=DELETED,
                correction=None,
                note=None,
                by="deadline",
                actor=None,
                now=now,
            )
        done.append(dispute_id)
    return done


def purge_invitations(sessions: sessionmaker[Session], *, now: datetime) -> int:
    """Delete invitations that expired without being accepted, with their data keys (their
    contact and reference, sealed under them, go too). They have no ledger entry."""
    with transaction(sessions) as session:
        rows = session.execute(
            select(Invitation.id, Invitation.data_key_id).where(
                Invitation.account_id.is_(None),
                Invitation.candidate_id.is_(None),
                Invitation.expires_at <= now,
            )
        ).all()
        if rows:
            session.execute(
                delete(table_of(Invitation)).where(Invitation.id.in_([r.id for r in rows]))
            )
            session.execute(
                delete(table_of(DataKey)).where(DataKey.id.in_([r.data_key_id for r in rows]))
            )
    return len(rows)


@dataclass
class Run:
    """What one run did."""

    at: datetime
    disputes: list[str] = field(default_factory=list)
    checks: list[CheckRun] = field(default_factory=list)
    invitations: int = 0
    errors: list[str] = field(default_factory=list)


def run_due(
    sessions: sessionmaker[Session],
    vault: Callable[[], Vault],
    *,
    now: datetime,
    checks: bool = True,
) -> Run:
    """Everything due at ``now``; each part's failure is reported and the others still run."""
    run = Run(now)
    try:
        run.disputes = expire_disputes(sessions, vault(), now=now)
    except FairscreenError as exc:
        run.errors.append(f"disputes: {exc}")
    if checks:
        try:
            run.checks = run_pending_checks(sessions, vault(), now=now)
        except FairscreenError as exc:
            run.errors.append(f"checks: {exc}")
    run.invitations = purge_invitations(sessions, now=now)
    return run


class FeedbackSettings(BaseSettings):
    """``FAIRSCREEN_FEEDBACK_INTERVAL``: seconds between runs in ``serve`` (0: none)."""

    model_config = SettingsConfigDict(env_prefix="FAIRSCREEN_FEEDBACK_", extra="ignore")

    interval: float = 300.0


class FeedbackScheduler:
    """``run_due`` every ``interval`` seconds on a daemon thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: Callable[[], Vault],
        *,
        interval: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval: a positive number of seconds, got {interval}")
        self.sessions = sessions
        self.vault = vault
        self.interval = interval
        self.clock = clock
        self.runs: list[Run] = []
        self._lock = threading.Lock()
        self._periodic = Periodic("feedback", self.run_once, interval=interval)

    def run_once(self) -> Run:
        """One run; never raises (a failed run is logged with ids only and tried again)."""
        with self._lock:
            try:
                run = run_due(self.sessions, self.vault, now=self.clock())
            except Exception as exc:  # a scheduler must survive a bad run
                log.exception("scheduled feedback run failed; retrying in %.0f s", self.interval)
                run = Run(self.clock(), errors=[f"{type(exc).__name__}: {exc}"])
            for error in run.errors:
                log.warning("feedback run: %s", error)
            self.runs = [*self.runs[-99:], run]
            return run

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()


def install(
    app: FastAPI, sessions: sessionmaker[Session], *, settings: FeedbackSettings | None = None
) -> FeedbackScheduler | None:
    """Run the scheduler for as long as ``app`` runs; None when the interval turns it off. It
    uses the app's vault (``vault.lazy.app_vault``'s: the one given to the app, or the
    configured one, opened on first use)."""
    settings = settings or FeedbackSettings()
    if settings.interval <= 0:
        return None
    from fairscreen.vault.lazy import LazyVault

    lazy = getattr(app.state, "lazy_vault", None)
    if not isinstance(lazy, LazyVault):  # the one app_vault opens on first use, shared
        lazy = app.state.lazy_vault = LazyVault(sessions)

    def vault() -> Vault:
        given = getattr(app.state, "vault", None)
        return given if isinstance(given, Vault) else lazy()

    scheduler = FeedbackScheduler(sessions, vault, interval=settings.interval)
    app.state.feedback_scheduler = scheduler
    alongside(app, scheduler, then=lazy.close)
    return scheduler
