"""The off-site checker: ledger entries in, findings out, with the little state the rules need
between entries kept as *facts* (plain JSON values under string keys) that the caller loads and
stores (``service``), so that a run reads only the entries appended since the last one.

What each detector reads (entries only; never a sealed row):

- ``query_without_consent``: a ``source.queried`` entry's subject, item and time against the
  subject's earlier ``consent.signed`` entries for the check's employer (the recipient, the
  consent entry's ``org``) and the ``consent.revoked`` entries of that recipient: the item
  must be among a consent's items and that consent not revoked at or before the query.
- ``query_outside_scope``: the item of a ``source.queried`` entry against the items of its
  check's ``scope.fixed`` entry (a query of a stopped check, or of a check with no fixed scope,
  is outside it too).
- ``unverified_rated``: ``report.issued`` ``attrs.unverified`` above 0 (the count of rated
  findings with neither an authoritative record nor corroboration; written by the platform).
- ``decision_flag``: ``decision.recorded`` ``attrs.flag`` / ``attrs.flags`` (the rules of
  ``feedback.rules`` a decision broke and the employer insisted on).
- ``dispute_overdue``: a ``dispute.opened`` entry's ``due_by`` and the check's next
  ``dispute.resolved`` entry; open past the deadline (plus grace) at a run, or resolved after it.
- ``deletion_overdue``: a ``deletion.requested`` entry's ``due_by`` (a date: the end of that
  day, UTC) and the ``deletion.resolved`` entry naming the same ``deletion_request``.
- ``witness_alarm``: not an entry: the regulator's witness state (``ledger.witness``).

Facts (``service`` keeps them in ``supervision_facts``): ``consent:<subject>``,
``scope:<check>``, ``dispute:<check>``, ``deletion:<request>``; a fact with a deadline carries it
as ``due`` (deadline plus grace), which ``service`` indexes to find what fell due.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fairscreen.supervision.offsite.ruleset import DETECTORS, Rule, RuleSet

Fact = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Found:
    """One rule broken by one organisation: ``key`` identifies it across runs (a later run may
    close it, adding evidence)."""

    key: str
    rule: Rule
    org: str
    opened_at: datetime
    closed_at: datetime | None
    evidence: tuple[int, ...]
    detail: Mapping[str, Any] | None = None


def parse_time(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _later(a: str, b: str) -> bool:
    """Whether entry time ``a`` is after ``b``: the log writes every time alike
    (``2026-11-29T03:00:00.412Z``), which then compare as text; anything else is parsed."""
    if len(a) == len(b) == 24 and a[-1] == b[-1] == "Z":
        return a > b
    return parse_time(a) > parse_time(b)


def _day_end(text: str) -> datetime:
    return datetime.combine(date.fromisoformat(text[:10]) + timedelta(days=1), time(0), UTC)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def fact_keys(entry: Mapping[str, Any]) -> list[str]:
    """The facts ``Checker.feed`` reads or writes for ``entry``: load them first."""
    kind = entry.get("type")
    subject, check = entry.get("subject"), entry.get("check")
    attrs = entry.get("attrs") or {}
    if kind in ("consent.signed", "consent.revoked") and subject:
        return [f"consent:{subject}"]
    if kind in ("scope.fixed", "check.stopped") and check:
        return [f"scope:{check}"]
    if kind == "source.queried":
        return [
            k
            for k in (f"scope:{check}" if check else "", f"consent:{subject}" if subject else "")
            if k
        ]
    if kind in ("dispute.opened", "dispute.resolved") and check:
        return [f"dispute:{check}"]
    if kind in ("deletion.requested", "deletion.resolved") and attrs.get("deletion_request"):
        return [f"deletion:{attrs['deletion_request']}"]
    return []


class Checker:
    """Feeds entries in log order through the rule set's detectors. ``facts`` is the caller's
    store: every key ``fact_keys`` names for an entry must be loaded (absent: no fact yet);
    ``dirty`` lists the keys changed (a value of ``None``: delete it)."""

    def __init__(self, ruleset: RuleSet, facts: MutableMapping[str, Fact | None]) -> None:
        self.ruleset = ruleset
        self.facts = facts
        self.dirty: set[str] = set()
        self._on = {d: ruleset.by_detector.get(d, ()) for d in _DETECTORS_READING_ENTRIES}

    def _set(self, key: str, value: Fact | None) -> None:
        self.facts[key] = value
        self.dirty.add(key)

    def feed(self, index: int, entry: Mapping[str, Any]) -> list[Found]:
        kind = entry.get("type")
        handler = _HANDLERS.get(kind)  # type: ignore[arg-type]
        if handler is None:
            return []
        if kind not in _FREE and not fact_keys(entry):
            return []  # an entry without the reference its rule follows: nothing to follow
        return handler(self, index, entry)

    # -- consent and scope --------------------------------------------------------------------

    def _consent(self, index: int, e: Mapping[str, Any]) -> list[Found]:
        key = f"consent:{e['subject']}"
        fact = dict(self.facts.get(key) or {"consents": []})
        consents = [list(c) for c in fact["consents"]]
        if e["type"] == "consent.signed":
            consents.append([e.get("org"), list(e.get("items", [])), index, None])
        else:  # revoked: every consent to that recipient still in force
            for c in consents:
                if c[0] == e.get("org") and c[3] is None:
                    c[3] = e["at"]
        self._set(key, {"consents": consents})
        return []

    def _scope(self, index: int, e: Mapping[str, Any]) -> list[Found]:
        attrs = e.get("attrs") or {}
        self._set(
            f"scope:{e['check']}",
            {
                "items": list(e.get("items", [])),
                "employer": attrs.get("employer"),
                "stopped": e["type"] == "check.stopped",
                "index": index,
            },
        )
        return []

    def _query(self, index: int, e: Mapping[str, Any]) -> list[Found]:
        found: list[Found] = []
        check = e.get("check")
        scope = self.facts.get(f"scope:{check}") if check else None
        items = e.get("items") or ()
        outside_rules = self._on["query_outside_scope"]
        if outside_rules:
            if scope is None or scope["stopped"]:
                outside = list(items)
            else:
                scoped = scope["items"]
                outside = [i for i in items if i not in scoped]
            if outside:
                at = parse_time(e["at"])
                evidence = (index,) if scope is None else (scope["index"], index)
                org = str(e.get("org") or "unknown")
                found += [
                    Found(f"{r.id}:{index}", r, org, at, at, evidence, {"items": outside})
                    for r in outside_rules
                ]
        consent_rules = self._on["query_without_consent"]
        if consent_rules:
            employer = scope.get("employer") if scope else None
            consents = (self.facts.get(f"consent:{e.get('subject')}") or {}).get("consents", [])
            stamp = e["at"]
            missing = [
                item
                for item in items
                if not any(
                    (employer is None or c[0] == employer)
                    and item in c[1]
                    and (c[3] is None or _later(c[3], stamp))
                    for c in consents
                )
            ]
            if missing:
                at = parse_time(stamp)
                org = str(e.get("org") or "unknown")
                shown = sorted(c[2] for c in consents if employer is None or c[0] == employer)
                found += [
                    Found(
                        f"{r.id}:{index}", r, org, at, at, (*shown[-3:], index), {"items": missing}
                    )
                    for r in consent_rules
                ]
        return found

    # -- reports and decisions ------------------------------------------------------------------

    def _report(self, index: int, e: Mapping[str, Any]) -> list[Found]:
        unverified = (e.get("attrs") or {}).get("unverified")
        if not isinstance(unverified, int) or unverified <= 0:
            return []
        at = parse_time(e["at"])
        org = str(e.get("org") or "unknown")
        return [
            Found(f"{r.id}:{index}", r, org, at, at, (index,), {"unverified": unverified})
            for r in self._on["unverified_rated"]
        ]

    def _decision(self, index: int, e: Mapping[str, Any]) -> list[Found]:
        attrs = e.get("attrs") or {}
        flags = set(attrs.get("flags") or ())
        if attrs.get("flag"):
            flags.add(attrs["flag"])
        if not flags:
            return []
        at = parse_time(e["at"])
        org = str(attrs.get("employer") or e.get("org") or "unknown")
        return [
            Found(f"{r.id}:{index}", r, org, at, at, (index,), {"flags": sorted(flags & r.flags)})
            for r in self._on["decision_flag"]
            if flags & r.flags
        ]

    # -- deadlines --------------------------------------------------------------------------------

    def _grace(self, detector: str) -> timedelta | None:
        rules = self._on[detector]
        return timedelta(hours=min(r.grace_hours for r in rules)) if rules else None

    def _dispute(self, index: int, e: Mapping[str, Any]) -> list[Found]:
        grace = self._grace("dispute_overdue")
        if grace is None:
            return []
        key = f"dispute:{e['check']}"
        fact = self.facts.get(key) or {"open": []}
        open_ = [dict(d) for d in fact["open"]]
        org = str(e.get("org") or "unknown")
        if e["type"] == "dispute.opened":
            due = parse_time(str((e.get("attrs") or {}).get("due_by")))
            open_.append(
                {"index": index, "due": _stamp(due + grace), "org": org, "signalled": False}
            )
            self._store_deadlines(key, open_)
            return []
        if not open_:
            return []
        first = open_.pop(0)
        self._store_deadlines(key, open_)
        at = parse_time(e["at"])
        due = parse_time(first["due"])
        if at <= due and not first["signalled"]:
            return []
        return [
            Found(
                f"{r.id}:{first['index']}",
                r,
                first["org"],
                due,
                at,
                (first["index"], index),
            )
            for r in self._on["dispute_overdue"]
        ]

    def _deletion(self, index: int, e: Mapping[str, Any]) -> list[Found]:
        grace = self._grace("deletion_overdue")
        if grace is None:
            return []
        request = (e.get("attrs") or {})["deletion_request"]
        key = f"deletion:{request}"
        if e["type"] == "deletion.requested":
            due = _day_end(str((e.get("attrs") or {}).get("due_by")))
            self._set(
                key,
                {"index": index, "due": _stamp(due + grace), "org": "platform", "signalled": False},
            )
            return []
        fact = self.facts.get(key)
        if fact is None:
            return []
        self._set(key, None)
        at, due = parse_time(e["at"]), parse_time(fact["due"])
        if at <= due and not fact["signalled"]:
            return []
        return [
            Found(f"{r.id}:{fact['index']}", r, fact["org"], due, at, (fact["index"], index))
            for r in self._on["deletion_overdue"]
        ]

    def _store_deadlines(self, key: str, open_: list[dict[str, Any]]) -> None:
        self._set(key, {"open": open_} if open_ else None)

    def overdue(self, keys: Iterable[str], now: datetime) -> list[Found]:
        """Signals for deadlines (loaded facts ``keys``) passed at ``now`` and not yet signalled:
        open until the entry that ends them arrives."""
        found: list[Found] = []
        for key in keys:
            fact = self.facts.get(key)
            if fact is None:
                continue
            if key.startswith("dispute:"):
                changed = False
                for d in fact["open"]:
                    if not d["signalled"] and parse_time(d["due"]) < now:
                        d["signalled"] = changed = True
                        found += [
                            Found(
                                f"{r.id}:{d['index']}",
                                r,
                                d["org"],
                                parse_time(d["due"]),
                                None,
                                (d["index"],),
                            )
                            for r in self._on["dispute_overdue"]
                        ]
                if changed:
                    self._set(key, fact)
            elif (
                key.startswith("deletion:")
                and not fact["signalled"]
                and parse_time(fact["due"]) < now
            ):
                fact["signalled"] = True
                self._set(key, fact)
                found += [
                    Found(
                        f"{r.id}:{fact['index']}",
                        r,
                        fact["org"],
                        parse_time(fact["due"]),
                        None,
                        (fact["index"],),
                    )
                    for r in self._on["deletion_overdue"]
                ]
        return found


def next_due(fact: Fact | None) -> datetime | None:
    """The earliest deadline of a fact not yet signalled (what ``service`` indexes)."""
    if not fact:
        return None
    if "open" in fact:
        dues = [parse_time(d["due"]) for d in fact["open"] if not d["signalled"]]
        return min(dues) if dues else None
    if "due" in fact and not fact.get("signalled"):
        return parse_time(fact["due"])
    return None


_DETECTORS_READING_ENTRIES = tuple(d for d in DETECTORS if d != "witness_alarm")

_FREE = frozenset({"source.queried", "report.issued", "decision.recorded"})
"""Entry types whose rules work without a fact of their own (a query's missing scope is
itself a finding)."""

_HANDLERS = {
    "consent.signed": Checker._consent,
    "consent.revoked": Checker._consent,
    "scope.fixed": Checker._scope,
    "check.stopped": Checker._scope,
    "source.queried": Checker._query,
    "report.issued": Checker._report,
    "decision.recorded": Checker._decision,
    "dispute.opened": Checker._dispute,
    "dispute.resolved": Checker._dispute,
    "deletion.requested": Checker._deletion,
    "deletion.resolved": Checker._deletion,
}
