"""Putting a rule set on the ledger the first time it is used: every rule set that judges firms
(the off-site checks' rules, each monitor's rule pack) is recorded in ``supervision_rulesets``
with a ``ruleset.published`` entry naming its kind, ``id@version`` and SHA-256, so that everyone
can see which rules judged which data. A different file under a published version is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairscreen.kit.errors import PolicyError
from fairscreen.kit.ids import new_id
from fairscreen.ledger.entry import EventType
from fairscreen.ledger.record import record
from fairscreen.supervision.offsite.models import OffsiteRuleset


def publish_ruleset(
    session: Session, *, kind: str, ref: str, digest: str, now: datetime, what: str
) -> bool:
    """Record rule set ``ref`` (SHA-256 ``digest``) and put it on the ledger, unless it already
    is; True when this call published it. ``what`` names the rule set in the refusal."""
    published = session.scalar(select(OffsiteRuleset.digest).where(OffsiteRuleset.ref == ref))
    if published is not None:
        if published != digest:
            raise PolicyError(
                f"{what} {ref}: this file (SHA-256 {digest[:12]}…) is not the one published "
                f"under that version ({published[:12]}…): a changed rule set needs a new "
                "[ruleset] version"
            )
        return False
    row: dict[str, Any] = {"id": new_id(), "ref": ref, "digest": digest, "first_used_at": now}
    record(
        session,
        EventType.RULESET_PUBLISHED,
        OffsiteRuleset,
        row,
        at=now,
        ruleset=ref,
        attrs={"kind": kind, "ref": ref, "digest": digest},
    )
    return True
