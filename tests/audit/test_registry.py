"""The model registry: every artefact that shapes a light is named by version and digest, put on
the ledger the first time a screening uses it (once), and named by every check request and
sealed report made with it."""

from __future__ import annotations

import hashlib
import inspect
from importlib import resources
from pathlib import Path

import orjson
from sqlalchemy import select

from fairscreen.audit import registry
from fairscreen.audit.models import ModelVersion
from fairscreen.candidates.models import Candidate
from fairscreen.kit import names
from fairscreen.kit.canonical import canonical_json
from fairscreen.ledger import log
from fairscreen.ledger.verify import verify_log
from fairscreen.policy.pack import load_pack
from fairscreen.rating.engine import default_ruleset_for, load_ruleset_file
from fairscreen.rating.models import Report
from fairscreen.screening.models import CheckRequest
from fairscreen.screening.report import open_content
from fairscreen.screening.run import prepare, screen_world
from fairscreen.vault import Vault
from fairscreen.vault.models import DataKey
from fairscreen.verify import findings
from tests.conftest import Database
from tests.worlds import WorldBuilder

PACK = load_pack()

# The source of identity matching at each declared version: change ``match_identity`` or the
# name comparison it relies on, and this fails until MATCHING_VERSION is bumped and pinned here.
MATCHING_SOURCES = {
    "1": "14e4e2217a9607e2b0e71969bcefe22239ef030f6669d90cdc646aae15b70ccd",
}


def _matching_source_digest() -> str:
    parts = [inspect.getsource(findings.match_identity), inspect.getsource(findings.Match)]
    parts.append(inspect.getsource(names.name_key))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def test_identity_matching_declares_a_version_that_moves_with_its_code() -> None:
    assert MATCHING_SOURCES[findings.MATCHING_VERSION] == _matching_source_digest()
    artefact = registry.identity_matching()
    assert artefact.ref == f"identity-match@{findings.MATCHING_VERSION}"
    assert artefact.digest == hashlib.sha256(canonical_json(findings.MATCHING_SPEC)).hexdigest()


def test_each_artefact_is_named_by_the_digest_of_what_was_loaded() -> None:
    ruleset = default_ruleset_for(PACK)
    kinds = {a.kind: a for a in registry.in_use(PACK, ruleset)}
    assert list(kinds) == list(registry.KINDS)
    packs = resources.files("fairscreen.policy") / "packs"
    rules = resources.files("fairscreen.rating") / "rulesets"
    lexicon = resources.files("fairscreen.verify") / "lexicon.toml"
    assert kinds["policy_pack"].ref == PACK.ref
    pack_file = packs / f"{PACK.id}-{PACK.version}.toml"
    assert kinds["policy_pack"].digest == hashlib.sha256(pack_file.read_bytes()).hexdigest()
    rule_file = rules / f"{PACK.id}-{PACK.version}.toml"
    assert kinds["rule_set"].digest == hashlib.sha256(rule_file.read_bytes()).hexdigest()
    assert kinds["reference_screener"].digest == hashlib.sha256(lexicon.read_bytes()).hexdigest()


def _world(n: int) -> WorldBuilder:
    w = WorldBuilder()
    for i in range(n):
        w.candidate("general_office", name=f"測試{i}")
    return w


def _dir(path: Path) -> Path:
    path.mkdir()
    return path


def _published(db: Database) -> list[dict[str, object]]:
    with db.sessions() as s:
        entries = [orjson.loads(e) for e in log.read_entries(s, 0, log.read_state(s).size)]
    return [e for e in entries if e["type"] == "model.published"]


def test_first_use_puts_each_artefact_on_the_ledger_once(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    expected = [a.as_json() for a in registry.in_use(PACK, default_ruleset_for(PACK))]
    with _world(3).load(_dir(tmp_path / "one")) as store:
        list(screen_world(store, db.sessions, vault, batch_size=2))  # two batches
    with _world(2).load(_dir(tmp_path / "two")) as store:
        list(screen_world(store, db.sessions, vault))  # another run, same artefacts
    published = _published(db)
    assert [e["attrs"] for e in published] == expected
    with db.sessions() as s:
        rows = s.scalars(select(ModelVersion).order_by(ModelVersion.ledger_index)).all()
        assert [{"kind": r.kind, "ref": r.ref, "digest": r.digest} for r in rows] == expected
        # every check request names them (committed: on the ledger through scope.fixed)
        requests = s.scalars(select(CheckRequest)).all()
        assert len(requests) == 5 and all(r.models == expected for r in requests)
    assert verify_log(db.sessions).ok


def test_every_sealed_report_names_its_artefacts(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    expected = [a.as_json() for a in registry.in_use(PACK, default_ruleset_for(PACK))]
    with _world(2).load(tmp_path) as store:
        list(screen_world(store, db.sessions, vault))
    with db.sessions() as s:
        for report in s.scalars(select(Report)):
            request = s.get(CheckRequest, report.request_id)
            assert request is not None
            candidate = s.get(Candidate, request.candidate_id)
            assert candidate is not None
            key = s.get(DataKey, candidate.data_key_id)
            assert key is not None
            sealer = vault.sealer(key.id, key.kek_version, key.wrapped)
            content = open_content(sealer, report.id, bytes(report.content_ct))
            assert content["models"] == expected


def test_a_new_rule_set_version_is_published_when_it_is_first_used(
    db: Database, vault: Vault, tmp_path: Path
) -> None:
    with _world(1).load(_dir(tmp_path / "one")) as store:
        list(screen_world(store, db.sessions, vault))
    name = f"{PACK.id}-{PACK.version}.toml"
    source = (resources.files("fairscreen.rating") / "rulesets" / name).read_text(encoding="utf-8")
    changed = tmp_path / "rules.toml"
    version = f'version = "{PACK.version}"'
    changed.write_text(source.replace(version, f'version = "{PACK.version}-local"', 1))
    ruleset = load_ruleset_file(changed, PACK)
    with _world(1).load(_dir(tmp_path / "two")) as store:
        setup = prepare(store, ruleset=ruleset)
        list(screen_world(store, db.sessions, vault, setup=setup))
    published = _published(db)
    assert [e["attrs"]["ref"] for e in published] == [  # type: ignore[index]
        PACK.ref,
        default_ruleset_for(PACK).ref,
        registry.reference_screener().ref,
        registry.identity_matching().ref,
        f"cn-rules@{PACK.version}-local",
    ]
    assert published[-1]["attrs"]["digest"] == hashlib.sha256(changed.read_bytes()).hexdigest()  # type: ignore[index]
