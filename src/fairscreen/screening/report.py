"""What a report says, sealed: the content of ``reports.content_ct``.

One JSON document per report version, sealed under the candidate's data key: the light and its
reasons, every finding (verified or excluded, with its provenance and, where it may be kept, its
detail), what was excluded and why, what was not checked and why, and how many records each
source returned. Nothing of it is in clear anywhere, so destroying the data key destroys all of
it, in every copy of the database (a WAL, a backup).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from fairscreen.kit.canonical import canonical_json
from fairscreen.pipeline import Query, Screening
from fairscreen.vault import Sealer
from fairscreen.verify.findings import Finding

# 2: findings carry culpability, penalty, probation, outside_lookback; 3: names the artefacts it
# was made with ("models": fairscreen.audit.registry)
CONTENT_VERSION = 3
_TABLE, _COLUMN = "reports", "content_ct"


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "ref": finding.ref,
        "item": str(finding.item),
        "source": str(finding.source),
        "status": finding.status,
        "code": str(finding.code) if finding.code else None,
        "subtype": finding.subtype,
        "occurred_on": finding.occurred_on.isoformat() if finding.occurred_on else None,
        "ongoing": finding.ongoing,
        "count": finding.count,
        "culpability": str(finding.culpability) if finding.culpability else None,
        "penalty": str(finding.penalty) if finding.penalty else None,
        "probation": finding.probation,
        "outside_lookback": finding.outside_lookback,
        "authoritative": finding.authoritative,
        "exclusion": str(finding.exclusion) if finding.exclusion else None,
        "provenance": finding.provenance(),
        "detail": finding.detail,
    }


def report_content(
    screening: Screening, models: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The sealed content of the report of a completed (not stopped) screening; ``models`` are
    the artefacts it was made with (kind, id@version, digest: ``fairscreen.audit.registry``)."""
    return content_of(screening.result(), screening.findings, screening.queries, models)


def content_of(
    outcome: dict[str, Any],
    findings: Sequence[Finding],
    queries: Sequence[Query],
    models: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The sealed content from a screening's outcome (``pipeline.outcome_json``), its findings,
    the queries asked (with how many records each returned) and the artefacts it was made with."""
    return {
        "v": CONTENT_VERSION,
        "models": models or [],
        "light": outcome["light"],
        "reasons": outcome["reasons"],
        "excluded": outcome["excluded"],
        "not_checked": outcome["not_checked"],
        "findings": [finding_json(f) for f in findings],
        "queries": [
            {"item": str(q.item), "source": str(q.source), "records": q.records} for q in queries
        ],
    }


def unverified_rated(content: dict[str, Any]) -> int:
    """How many findings a report's reasons rate that are not verified: excluded, or neither
    from an authoritative record nor corroborated by a second independent source. A process
    fact for the ledger (``report.issued`` ``attrs.unverified``, docs/ledger.md): 0 whatever
    the light, so it tells nothing of the outcome; the regulator's off-site rule
    ``report.unverified_rated`` fires on anything else."""
    findings = {f["ref"]: f for f in content.get("findings", [])}
    count = 0
    for reason in content.get("reasons", []):
        for ref in reason.get("findings", []):
            f = findings.get(ref)
            if (
                f is None
                or f.get("status") != "verified"
                or not (f.get("authoritative") or f.get("provenance", {}).get("corroborated_by"))
            ):
                count += 1
    return count


def seal_content(sealer: Sealer, report_id: str, content: dict[str, Any]) -> bytes:
    return sealer.seal(_TABLE, _COLUMN, report_id, canonical_json(content))


def open_content(sealer: Sealer, report_id: str, sealed: bytes) -> dict[str, Any]:
    content: dict[str, Any] = orjson.loads(sealer.open(_TABLE, _COLUMN, report_id, sealed))
    return content
