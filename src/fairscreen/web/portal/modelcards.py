"""Links from a report to the model cards of what made it (``fairscreen.audit``, served
publicly under ``/models``): the policy pack, the rule set, the reference screener and identity
matching, each at the version the report names, in the reader's language. A version no longer
served (an older pack) has no link; its card is in the registry's archive and its digest on the
ledger."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from fairscreen.web.portal.i18n import N_

KINDS: Mapping[str, str] = {
    "policy_pack": N_("Policy pack"),
    "rule_set": N_("Rule set"),
    "reference_screener": N_("Reference screener"),
    "identity_matching": N_("Identity matching"),
}


@dataclass(frozen=True, slots=True)
class CardLink:
    kind: str
    ref: str
    href: str | None


@cache
def _served() -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, ref) -> (jurisdiction, slug) of every card the server serves (those of the
    artefacts each shipped pack screens with, as ``audit.routes`` serves them)."""
    from fairscreen.audit import cards, registry

    return {
        (a.kind, a.ref): (jurisdiction.lower(), a.kind.replace("_", "-"))
        for jurisdiction, (pack, ruleset) in cards.shipped().items()
        for a in registry.in_use(pack, ruleset)
    }


def links(version: Mapping[str, Any], language: str) -> list[CardLink]:
    """The cards of a report version: its recorded models, else its pack and rule set."""
    models: Sequence[Mapping[str, str]] = version.get("models") or [
        {"kind": "policy_pack", "ref": str(version["policy"])},
        {"kind": "rule_set", "ref": str(version["ruleset"])},
    ]
    out = []
    for m in models:
        kind, ref = str(m.get("kind", "")), str(m.get("ref", ""))
        if kind not in KINDS:
            continue
        where = _served().get((kind, ref))
        href = f"/models/{where[0]}/{where[1]}/card.{language}.html" if where else None
        out.append(CardLink(kind, ref, href))
    return out
