"""The HTTP source adapter against the sandbox provider served on loopback: it gets the records
the in-process sources give, asks again under its idempotency key, and turns a provider that
waits, throttles, is down, fails or cannot be reached into ``Later`` with the reason."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fairscreen.policy.vocabulary import Item, SourceKind
from fairscreen.provider.app import ProviderConfig
from fairscreen.sources.base import Subject
from fairscreen.sources.http import HttpProvider, Later, LocalProvider, ProviderRefusedError
from fairscreen.sources.world import world_sources
from fairscreen.world.load import WorldStore, load_world
from tests.jobs.checks import make_world
from tests.provider.served import provider_server


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldStore]:
    with load_world(make_world(tmp_path_factory.mktemp("w") / "w.jsonl", 12)) as world:
        yield world


def _subjects(store: WorldStore) -> list[Subject]:
    return [Subject(c.id, c.name, c.id_document.number, c.birth_date) for c in store.candidates()]


ASKED = [
    (SourceKind.IDENTITY_REGISTRY, Item.IDENTITY),
    (SourceKind.COURT_RECORDS, Item.CRIMINAL_RECORD),
    (SourceKind.SOCIAL_INSURANCE, Item.EMPLOYMENT),
    (SourceKind.REFEREES, Item.REFERENCE),
]


def test_over_http_the_records_are_those_of_the_in_process_sources(store: WorldStore) -> None:
    local = LocalProvider(world_sources(store))
    with provider_server(world_sources(store)) as served:
        remote = HttpProvider(served.url)
        for n, subject in enumerate(_subjects(store)):
            for kind, item in ASKED:
                key = f"{n}-{kind}"
                got = remote.ask(key=key, kind=kind, item=item, subject=subject, consent="c")
                want = local.ask(key=key, kind=kind, item=item, subject=subject, consent="c")
                assert isinstance(got, list) and isinstance(want, list)
                assert [(r.source, r.authoritative, r.record) for r in got] == [
                    (r.source, r.authoritative, r.record) for r in want
                ]
        remote.close()


def test_a_provider_that_is_not_ready_says_when_and_why(store: WorldStore) -> None:
    subject = _subjects(store)[0]
    ask = {"kind": SourceKind.IDENTITY_REGISTRY, "item": Item.IDENTITY, "subject": subject}
    with provider_server(world_sources(store), ProviderConfig(latency=600)) as served:
        remote = HttpProvider(served.url)
        later = remote.ask(key="a", consent="c", **ask)  # type: ignore[arg-type]
        assert isinstance(later, Later) and later.problem == "waiting"
        assert later.seconds is not None and later.seconds >= 590
        served.move_clock(600)
        assert isinstance(remote.ask(key="a", consent="c", **ask), list)  # type: ignore[arg-type]
        served.outage(120)
        down = remote.ask(key="b", consent="c", **ask)  # type: ignore[arg-type]
        assert isinstance(down, Later) and down.problem == "outage"
        served.outage(0)
        with pytest.raises(ProviderRefusedError, match="409"):
            # the same key for another question: refused, not asked again and again
            remote.ask(key="a", consent="c", **{**ask, "item": Item.EDUCATION})  # type: ignore[arg-type]
        remote.close()
    with provider_server(world_sources(store), ProviderConfig(failure_rate=1.0)) as served:
        failing = HttpProvider(served.url)
        failed = failing.ask(key="c", consent="c", **ask)  # type: ignore[arg-type]
        assert isinstance(failed, Later) and failed.problem == "failed" and failed.seconds is None
        failing.close()
    with provider_server(world_sources(store), ProviderConfig(rate=1)) as served:
        throttled = HttpProvider(served.url)
        answers = [throttled.ask(key=f"t{i}", consent="c", **ask) for i in range(3)]  # type: ignore[arg-type]
        assert any(isinstance(a, Later) and a.problem == "throttled" for a in answers)
        throttled.close()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    gone = HttpProvider(f"http://127.0.0.1:{port}")
    unreachable = gone.ask(key="d", consent="c", **ask)  # type: ignore[arg-type]
    assert isinstance(unreachable, Later) and unreachable.problem == "unreachable"
    gone.close()


def test_a_provider_url_that_is_not_http_names_the_setting(tmp_path: Path) -> None:
    from fairscreen.kit.errors import ConfigError

    with pytest.raises(ConfigError, match="FAIRSCREEN_PROVIDER_URL"):
        HttpProvider("ftp://example.invalid")
