"""The model registry and its cards over HTTP: public (no session, no token), in the three
languages, as Markdown and HTML, with the versions this database recorded in use."""

from __future__ import annotations

from pathlib import Path

from fairscreen.audit import cards, registry
from fairscreen.policy.pack import load_pack
from fairscreen.rating.engine import default_ruleset_for
from fairscreen.screening.run import screen_world
from fairscreen.vault import Vault
from fairscreen.web.app import create_app
from tests.conftest import Database
from tests.ledger.conftest import AsgiClient
from tests.worlds import WorldBuilder

PACK = load_pack()


def test_the_registry_is_public_and_lists_what_is_in_use_and_recorded(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    client = AsgiClient(create_app(db.sessions))
    response = client.get("/models")
    assert response.status_code == 200
    body = response.json()
    expected = [a.as_json() for a in registry.in_use(PACK, default_ruleset_for(PACK))]
    assert [{k: a[k] for k in ("kind", "ref", "digest")} for a in body["in_use"]["CN"]] == expected
    assert body["recorded"] == []  # nothing screened yet

    w = WorldBuilder()
    w.candidate("general_office")
    with w.load(tmp_path) as store:
        list(screen_world(store, db.sessions, vault))
    recorded = client.get("/models").json()["recorded"]
    assert [{k: a[k] for k in ("kind", "ref", "digest")} for a in recorded] == expected
    assert all(isinstance(a["ledger_index"], int) for a in recorded)


def test_every_card_is_served_without_login(db: Database) -> None:
    client = AsgiClient(create_app(db.sessions))
    links = client.get("/models").json()["in_use"]["CN"]
    served = 0
    for artefact in links:
        for fmt, by_language in artefact["cards"].items():
            assert set(by_language) == set(cards.LANGUAGES)
            for language, href in by_language.items():
                response = client.get(href)
                assert response.status_code == 200, href
                assert artefact["digest"] in response.text
                if fmt == "html":
                    assert response.headers["content-type"] == "text/html; charset=utf-8"
                    assert f'<html lang="{language}">' in response.text
                    assert "<script" not in response.text
                else:
                    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
                served += 1
    assert served == 4 * 3 * 2


def test_an_unknown_card_is_a_404(db: Database) -> None:
    client = AsgiClient(create_app(db.sessions))
    for path in (
        "/models/cn/rule-set/card.fr.html",
        "/models/cn/weights/card.en.html",
        "/models/xx/rule-set/card.en.html",
        "/models/cn/rule-set/card.en.pdf",
    ):
        assert client.get(path).status_code == 404, path
