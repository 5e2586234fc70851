"""Findings: what verification makes of source records, and the identity match it rests on."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from fairscreen.kit.names import name_key
from fairscreen.policy.vocabulary import (
    Culpability,
    ExclusionReason,
    FindingCode,
    Item,
    Penalty,
    SourceKind,
)
from fairscreen.sources.base import Subject

# The identity-matching rules as a declared, versioned artefact (the model registry publishes
# its digest, ``fairscreen.audit.registry``): bump the version whenever ``match_identity`` or
# the name comparison it relies on (``kit.names.name_key``) changes what it decides.
MATCHING_VERSION = "1"
MATCHING_SPEC: dict[str, Any] = {
    "id": "identity-match",
    "version": MATCHING_VERSION,
    "keys": ["id_number", "name", "birth_date"],
    "name_comparison": "NFKC+opencc:t2s+casefold",
    "outcomes": {
        "id_number+name+birth_date": "same ID number and name, birth date absent or equal",
        "name_only": "same name, the record has no ID number: never reported",
        "id_number_name_conflict": "same ID number, another name or birth date",
        "other_person": "another ID number, or another name without an ID number",
    },
    "reads_of_id_number": "equality only (no digit, region, birth date or sex is read from it)",
}


class Match(StrEnum):
    """How a record's person relates to the candidate."""

    STRONG = "id_number+name+birth_date"  # same ID number and name, birth date consistent
    NAME_ONLY = "name_only"  # same name, the record has no ID number: never enough
    CONFLICT = "id_number_name_conflict"  # same ID number, another name or birth date
    OTHER_PERSON = "other_person"  # a namesake with another ID number, or nobody related


def match_identity(
    subject: Subject, name: str, id_number: str | None, birth_date: date | None
) -> Match:
    """Identity is matched on the ID number with name and birth date, never on a name alone."""
    same_name = name_key(name) == subject.name_key
    if id_number is None:
        return Match.NAME_ONLY if same_name else Match.OTHER_PERSON
    if id_number != subject.id_number:
        return Match.OTHER_PERSON
    if not same_name or (birth_date is not None and birth_date != subject.birth_date):
        return Match.CONFLICT
    return Match.STRONG


@dataclass(slots=True)
class Finding:
    """One finding of one check request.

    A finding is *verified* (it may be rated) or *excluded* (``exclusion`` says why; it is never
    rated). ``detail`` is the personal content a candidate or analyst needs to understand it;
    it is sealed at rest and is ``None`` for exclusions whose content must not be kept (forbidden
    categories, name-only matches, private-life hearsay, sealed records).

    Everything after ``source`` is passed by keyword: a bare ``True`` says nothing.

    ``occurred_on`` is the day a time limit counts from: for a conviction, the end of the
    sentence or of the probation; ``ongoing`` means it has not ended (a sentence being served).
    ``culpability``, ``penalty`` and ``probation`` carry what the statutes distinguish (故意 or
    過失, the kind of punishment, 緩刑). ``outside_lookback`` marks a verified finding older than
    the item's lookback: only a statutory bar (a rule with ``bar = true``) may still rate it."""

    ref: str
    item: Item
    source: SourceKind
    _: KW_ONLY
    authoritative: bool
    code: FindingCode | None = None
    subtype: str | None = None
    occurred_on: date | None = None
    ongoing: bool = False
    count: int | None = None
    culpability: Culpability | None = None
    penalty: Penalty | None = None
    probation: bool = False
    outside_lookback: bool = False
    exclusion: ExclusionReason | None = None
    match: Match | None = None
    corroborated_by: tuple[str, ...] = ()
    detail: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def status(self) -> str:
        return "excluded" if self.exclusion is not None else "verified"

    def exclude(self, reason: ExclusionReason, *, keep_detail: bool = True) -> None:
        self.exclusion = reason
        if not keep_detail:
            self.detail = None

    def provenance(self) -> dict[str, Any]:
        """Where the finding came from: no personal data, only kinds, ids and keys used."""
        out: dict[str, Any] = {
            "source": str(self.source),
            "record": self.ref.split(":", 1)[1],
            "authoritative": self.authoritative,
        }
        if self.match is not None:
            out["match"] = str(self.match)
        if self.corroborated_by:
            out["corroborated_by"] = list(self.corroborated_by)
        return out


def excluded(
    ref: str,
    item: Item,
    source: SourceKind,
    reason: ExclusionReason,
    *,
    authoritative: bool,
    match: Match | None = None,
) -> Finding:
    """A record that is dropped and whose content is not kept."""
    return Finding(ref, item, source, authoritative=authoritative, exclusion=reason, match=match)


_WEAK = {
    Match.NAME_ONLY: ExclusionReason.NAME_ONLY_MATCH,
    Match.CONFLICT: ExclusionReason.IDENTITY_CONFLICT,
}


def unmatched(
    ref: str, item: Item, source: SourceKind, match: Match, *, authoritative: bool
) -> Finding | None:
    """What a record that is not a strong match leaves behind: an exclusion for a name-only
    match or an identity conflict (content not kept), nothing at all for another person."""
    reason = _WEAK.get(match)
    if reason is None:
        return None
    return excluded(ref, item, source, reason, authoritative=authoritative, match=match)
