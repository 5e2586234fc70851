"""Worlds to check as jobs, what the synchronous pass says of them, and what the jobs reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.candidates.models import Candidate
from fairscreen.jobs.graph import JobContext, _sealer
from fairscreen.kit.clock import utcnow
from fairscreen.pipeline import Application, screen
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.report import open_content
from fairscreen.screening.run import prepare
from fairscreen.sources.http import Provider
from fairscreen.synth.writer import write_world
from fairscreen.vault import Vault
from fairscreen.world.load import WorldStore

COMPARED = ("light", "reasons", "excluded", "not_checked")


def make_world(path: Path, candidates: int, seed: int = 7) -> Path:
    with path.open("wb") as out:
        write_world(out, candidates=candidates, seed=seed)
    return path


def synchronous_results(store: WorldStore) -> dict[str, dict[str, Any]]:
    """What `fairscreen screen` says of every candidate of ``store``, by reference."""
    setup = prepare(store)
    positions = {p.id: p for p in store.positions()}
    agencies = [o.id for o in store.organisations() if o.kind == "agency"]
    default_agency = agencies[0] if len(agencies) == 1 else None
    at = utcnow()
    out = {}
    for c in store.candidates():
        agency = c.consent.agency if c.consent and c.consent.agency else default_agency
        result = screen(
            Application(c, positions[c.applies_to], agency),
            sources=setup.sources,
            pack=setup.pack,
            ruleset=setup.ruleset,
            as_of=setup.as_of,
            at=at,
        ).result()
        out[c.id] = result
    return out


def reports_by_candidate(session: Session, vault: Vault) -> dict[str, list[dict[str, Any]]]:
    """Every issued report's sealed content, opened, by the candidate's reference."""
    out: dict[str, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(Report.id, Report.content_ct, CheckRequest.candidate_id, Candidate.external_ref_ct)
        .join(CheckRequest, CheckRequest.id == Report.request_id)
        .join(Candidate, Candidate.id == CheckRequest.candidate_id)
    ).all()
    for report_id, content, candidate_id, ref_ct in rows:
        sealer = _sealer(session, vault, candidate_id)
        ref = sealer.open("candidates", "external_ref_ct", candidate_id, bytes(ref_ct)).decode()
        out.setdefault(ref, []).append(open_content(sealer, report_id, bytes(content)))
    return out


def context(
    sessions: Any, vault: Vault, provider: Provider, store: WorldStore, **kw: Any
) -> JobContext:
    setup = prepare(store)
    return JobContext(
        sessions, vault, provider, {setup.pack.ref: (setup.pack, setup.ruleset)}, **kw
    )


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
