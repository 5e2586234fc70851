"""The scope of a check: the position category's allowed items, narrowed by the consent.

Forbidden categories are not items at all, so no scope can contain them. The scope records, for
every item of the vocabulary, either its lookback window or why it is not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from fairscreen.consent.rules import consent_covers
from fairscreen.policy.pack import PolicyPack
from fairscreen.policy.vocabulary import Item, NotCheckedReason
from fairscreen.world.model import ConsentRecord


@dataclass(frozen=True, slots=True)
class Scope:
    policy: str  # pack id@version
    category: str
    items: dict[Item, int | None]  # item -> lookback years (None: no limit), in vocabulary order
    not_checked: tuple[tuple[Item, NotCheckedReason], ...]

    def as_json(self) -> dict[str, object]:
        return {
            "category": self.category,
            "items": {str(item): years for item, years in self.items.items()},
        }

    def not_checked_json(self) -> list[dict[str, str]]:
        """What the report and the stored request say was not checked (a fresh list each call)."""
        return [dict(entry) for entry in _not_checked_json(self.not_checked)]


@lru_cache(maxsize=4096)
def _not_checked_json(
    not_checked: tuple[tuple[Item, NotCheckedReason], ...],
) -> tuple[dict[str, str], ...]:
    # few distinct scopes exist (category x consent pattern): build each one's JSON once
    return tuple({"item": str(item), "why": str(why)} for item, why in not_checked)


def fix_scope(
    pack: PolicyPack, category: str, consent: ConsentRecord | None, stop: NotCheckedReason | None
) -> Scope:
    """The items to check. With ``stop`` (a consent that does not let the check go ahead) the
    scope is empty and every item is recorded as not checked for that reason."""
    cat = pack.category(category)
    items: dict[Item, int | None] = {}
    not_checked: list[tuple[Item, NotCheckedReason]] = []
    for item in Item:
        if item not in cat.items:
            not_checked.append((item, NotCheckedReason.NOT_ALLOWED_FOR_POSITION))
        elif stop is not None or consent is None:
            not_checked.append((item, stop or NotCheckedReason.NO_CONSENT))
        elif (why := consent_covers(consent, item, pack)) is not None:
            not_checked.append((item, why))
        else:
            items[item] = pack.lookback_years(category, item)
    return Scope(pack.ref, category, items, tuple(not_checked))
