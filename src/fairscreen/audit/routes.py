"""The model registry and cards over HTTP (mounted at ``/models``), public by design:

- ``GET /models``: the artefacts the server screens with (kind, id@version, digest, card links)
  and every version this database has recorded in use (with when it was first used);
- ``GET /models/{kind}/card.{language}.{md|html}``: the card of an artefact in use, ``kind``
  being ``policy-pack``, ``rule-set``, ``reference-screener`` or ``identity-matching`` and
  ``language`` ``zh-Hant``, ``zh-Hans`` or ``en``.

Nothing here is personal: the same versions and digests are on the public ledger.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, HTTPException, Response

from fairscreen.audit import cards, registry
from fairscreen.kit.http import SessionDep
from fairscreen.policy.pack import default_pack_for
from fairscreen.rating.engine import default_ruleset_for

router = APIRouter(tags=["models"])
FORMATS = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


@cache
def _cards() -> dict[tuple[str, str], cards.Card]:
    pack = default_pack_for("CN")
    found = cards.cards(pack, default_ruleset_for(pack))
    return {(c.slug, c.language): c for c in found}


def _links(slug: str) -> dict[str, str]:
    return {lang: f"/models/{slug}/card.{lang}.html" for lang in cards.LANGUAGES}


@router.get("")
def list_models(session: SessionDep) -> dict[str, Any]:
    """The artefacts that shape a light, with their cards, and the versions recorded in use."""
    in_use = []
    seen = set()
    for card in _cards().values():
        if card.slug in seen:
            continue
        seen.add(card.slug)
        in_use.append(
            {
                **card.artefact.as_json(),
                "cards": {
                    fmt: {lang: f"/models/{card.slug}/card.{lang}.{fmt}" for lang in cards.LANGUAGES}
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


@router.get("/{kind}/card.{language}.{fmt}", response_class=Response)
def get_card(kind: str, language: str, fmt: str) -> Response:
    """One model card, in one language, as Markdown or HTML."""
    card = _cards().get((kind, language))
    if card is None or fmt not in FORMATS:
        raise HTTPException(404, "no such card (see /models)")
    text = cards.to_markdown(card) if fmt == "md" else cards.to_html(card, links=_links(kind))
    return Response(text, media_type=FORMATS[fmt], headers={"Cache-Control": "no-cache"})
