"""The model registry and cards over HTTP (mounted at ``/models``), public by design:

- ``GET /models``: per jurisdiction, the artefacts the server screens with (kind, id@version,
  digest, card links), and every version this database has recorded in use (when it was first
  used, and its ledger entry);
- ``GET /models/{jurisdiction}/{kind}/card.{language}.{md|html}``: the card of an artefact in
  use, ``kind`` being ``policy-pack``, ``rule-set``, ``reference-screener`` or
  ``identity-matching`` and ``language`` ``zh-Hant``, ``zh-Hans`` or ``en``.

Nothing here is personal: the same versions and digests are on the public ledger.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, HTTPException, Response

from fairscreen.audit import cards, registry
from fairscreen.kit.http import SessionDep

router = APIRouter(tags=["models"])
FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


@cache
def _cards() -> dict[tuple[str, str, str], cards.Card]:
    found: dict[tuple[str, str, str], cards.Card] = {}
    for jurisdiction, (pack, ruleset) in cards.shipped().items():
        previous = cards.archived_previous(pack, ruleset)
        for card in cards.cards(pack, ruleset, previous=previous):
            found[(jurisdiction.lower(), card.slug, card.language)] = card
    return found


def _href(jurisdiction: str, slug: str, language: str, fmt: str) -> str:
    return f"/models/{jurisdiction}/{slug}/card.{language}.{fmt}"


@router.get("")
def list_models(session: SessionDep) -> dict[str, Any]:
    """The artefacts that shape a light, with their cards, and the versions recorded in use."""
    in_use: dict[str, list[dict[str, Any]]] = {}
    for (jurisdiction, slug, language), card in _cards().items():
        if language != cards.LANGUAGES[0]:
            continue
        in_use.setdefault(jurisdiction.upper(), []).append(
            {
                **card.artefact.as_json(),
                "cards": {
                    fmt: {lang: _href(jurisdiction, slug, lang, fmt) for lang in cards.LANGUAGES}
                    for fmt in FORMATS
                },
            }
        )
    recorded = [
        {
            "kind": v.kind,
            "ref": v.ref,
            "digest": v.digest,
            "first_used_at": v.first_used_at.isoformat(),
            "ledger_index": v.ledger_index,
        }
        for v in registry.versions(session)
    ]
    return {"in_use": in_use, "recorded": recorded}


@router.get("/{jurisdiction}/{kind}/card.{language}.{fmt}", response_class=Response)
def get_card(jurisdiction: str, kind: str, language: str, fmt: str) -> Response:
    """One model card, in one language, as Markdown or HTML."""
    card = _cards().get((jurisdiction.lower(), kind, language))
    if card is None or fmt not in FORMATS:
        raise HTTPException(404, "no such card (see /models)")
    if fmt == "md":
        text = cards.to_markdown(card)
    else:
        links = {lang: _href(jurisdiction.lower(), kind, lang, "html") for lang in cards.LANGUAGES}
        text = cards.to_html(card, links=links)
    return Response(text, media_type=FORMATS[fmt], headers={"Cache-Control": "no-cache"})
