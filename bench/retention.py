"""The retention sweep's and the deletion requests' rates, as ratios against raw
``cryptography`` AES-GCM in the same run.

Run:  .venv/bin/python -m bench.retention            (100,000 candidates)
      .venv/bin/python -m bench.retention --quick    (20,000 candidates)

Setup (not timed): a synthetic world of a few hundred candidates is generated and screened by
the real pipeline, and its screenings are written again and again through the screening
service's ``Recorder`` under fresh candidate and consent references until the database holds N
candidates. So every row is what the pipeline writes: a wrapped data key per candidate, sealed
client reference, name, ID document, birth date and claims (with their blind indexes), sealed
demographics, a consent, a check request, source queries, a sealed report, and one ledger entry
per state change. Each copy gets an ID number of its own (division 99xxxx, never a real
person's), so that one person is one record. Every candidate's retention has ended.

Timed: ``fairscreen.retention.sweep.sweep`` on SQLite (WAL, synchronous=FULL, the default), in
its default batches of 20,000, secure_delete on, the final WAL checkpoint (TRUNCATE) included.
Every row of each candidate is deleted, the data keys last.

Timed too, on another copy of the same database: deletion requests one after another, each as
the API resolves it: the identity check (``deletion.verify``: blind-index lookup, the sealed
name opened and compared) in its transaction, then ``deletion.process_request`` (destruction,
certificate, resolution, and the WAL checkpoint that makes it durable before it returns). The
request's receipt is not timed. Reported as requests per second and where the time goes.

Baseline, measured in the same run: raw ``AESGCM.encrypt`` calls on a 64-byte value, and
"raw sealing of one candidate": the same number and sizes of AES-GCM calls as a candidate's
sealed values, with a precomputed key schedule and nonce. The ratios say how many candidates the
sweep shreds in the time raw AES-GCM seals one (or makes one call).

Prints a table and writes ``bench/results/retention.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from fairscreen.retention.sweep import DEFAULT_BATCH

RESULTS = Path(__file__).parent / "results"
TEMPLATE_CANDIDATES = 400
SCREENED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
EXPIRED_ON = date(2026, 11, 1)  # set after the build: every candidate's retention has ended
TODAY = date(2026, 11, 29)


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


def build(workdir: Path, n: int, seed: int) -> tuple[Path, Path, dict[str, Any]]:
    """A database of ``n`` screened, expired candidates; returns (db, key file, stats)."""
    from sqlalchemy import func, select, update

    import fairscreen.models as m
    from fairscreen.kit.db import make_engine, session_factory, transaction, upgrade
    from fairscreen.pipeline import Screening
    from fairscreen.screening.run import prepare, screen_world
    from fairscreen.screening.service import Recorder, import_organisations
    from fairscreen.synth import generate_world
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile
    from fairscreen.world.load import load_world

    for stale in workdir.glob("*.db*"):
        stale.unlink()
    world_path = workdir / "world.jsonl"
    generate_world(world_path, candidates=TEMPLATE_CANDIDATES, seed=seed)
    keys = workdir / "kek.json"
    vault = Vault(LocalKeyFile(keys))
    scratch = make_engine(_sqlite(workdir / "template.db"), sqlite_synchronous="OFF")
    upgrade(scratch)
    templates: list[Screening] = []
    with load_world(world_path) as store:
        setup = prepare(store)
        list(
            screen_world(
                store,
                session_factory(scratch),
                vault,
                setup=setup,
                at=SCREENED_AT,
                on_batch=templates.extend,
            )
        )
        demographics = store.demographics_for([s.application.candidate.id for s in templates])
        organisations = store.organisations()
        positions = store.positions()
    scratch.dispose()

    db = workdir / "sweep.db"
    engine = make_engine(_sqlite(db), sqlite_synchronous="OFF")
    upgrade(engine)
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        directory = import_organisations(session, organisations, positions, SCREENED_AT)
    recorder = Recorder(vault, directory, setup.pack)

    def replica(i: int) -> tuple[Screening, Any]:
        t = templates[i % len(templates)]
        cand = t.application.candidate
        ref = f"B{i:08d}"
        consent = cand.consent.model_copy(update={"id": f"K{i:08d}"}) if cand.consent else None
        document = cand.id_document.model_copy(update={"number": identity_number(i, cand)})
        copy = cand.model_copy(update={"id": ref, "consent": consent, "id_document": document})
        app = dataclasses.replace(t.application, candidate=copy)
        demo = demographics.get(cand.id)
        return dataclasses.replace(t, application=app), (ref, demo)

    started = time.perf_counter()
    made = iter(replica(i) for i in range(n))
    while chunk := list(islice(made, 1000)):
        demo = {ref: d for _, (ref, d) in chunk if d is not None}
        with transaction(sessions) as session:
            recorder.write(session, [s for s, _ in chunk], now=SCREENED_AT, demographics=demo)
    built = time.perf_counter() - started
    with transaction(sessions) as session:
        session.execute(update(m.Candidate).values(retain_until=EXPIRED_ON))
    stats: dict[str, Any] = {"build_seconds": built, "rows": {}}
    with sessions() as s:
        for model in (
            m.Candidate,
            m.DataKey,
            m.CandidateDemographics,
            m.Consent,
            m.ConsentRevocation,
            m.CheckRequest,
            m.SourceQuery,
            m.Report,
        ):
            stats["rows"][model.__tablename__] = int(
                s.scalar(select(func.count()).select_from(model)) or 0
            )
        stats["sealed_sizes"] = _sealed_sizes(s)
        from fairscreen.ledger import log

        stats["ledger_entries"] = log.read_state(s).size
    from fairscreen.kit.db import checkpoint

    checkpoint(engine)  # the file is copied next: everything in the main file
    engine.dispose()
    vault.close()
    return db, keys, stats


def identity_number(i: int, candidate: Any) -> str:
    """Copy ``i``'s own ID number: the template's birth date, division 99xxxx by thousand."""
    from fairscreen.kit.cnid import make_cn_resident_id

    if candidate.id_document.kind != "cn_resident_id":
        return f"P{i:09d}"
    return make_cn_resident_id(f"99{i // 1000:04d}", candidate.birth_date, i % 1000)


def requesters(db: Path, count: int) -> list[tuple[str, str, str]]:
    """(kind, ID number, name) of ``count`` candidates spread over the database, opened from
    their sealed values with the key file (what a requester would type)."""
    import orjson
    from sqlalchemy import func, select

    from fairscreen.candidates.models import Candidate
    from fairscreen.kit.db import make_engine, session_factory
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile
    from fairscreen.vault.models import DataKey

    engine = make_engine(_sqlite(db), sqlite_synchronous="OFF")
    vault = Vault(LocalKeyFile(db.parent / "kek.json"))
    out = []
    with session_factory(engine)() as s:
        total = int(s.scalar(select(func.count()).select_from(Candidate)) or 0)
        step = max(total // count, 1)
        live = select(Candidate.id).order_by(Candidate.id)
        ids = list(s.scalars(live))[::step][:count]
        for cid in ids:
            c = s.get(Candidate, cid)
            assert c is not None and c.data_key_id and c.name_ct and c.id_document_ct
            key = s.get(DataKey, c.data_key_id)
            assert key is not None
            sealer = vault.sealer(key.id, key.kek_version, key.wrapped)
            doc = orjson.loads(sealer.open("candidates", "id_document_ct", c.id, c.id_document_ct))
            name = sealer.open("candidates", "name_ct", c.id, c.name_ct).decode()
            out.append((doc["kind"], doc["number"], name))
    engine.dispose()
    vault.close()
    return out


def timed_deletions(db: Path, keys: Path, people: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Deletion requests one after another: receipt (not timed), then identity check and
    processing with its checkpoint (timed), as ``POST .../verify`` and ``.../process`` do."""
    from fairscreen.kit.db import make_engine, session_factory, transaction
    from fairscreen.policy.pack import load_pack
    from fairscreen.retention import deletion, erasure
    from fairscreen.vault import Vault
    from fairscreen.vault.keys import LocalKeyFile

    engine = make_engine(_sqlite(db), sqlite_synchronous="FULL")
    sessions = session_factory(engine)
    vault = Vault(LocalKeyFile(keys))
    pack = load_pack()
    now = datetime.now(UTC)
    spent = {"verify": 0.0, "process": 0.0, "checkpoint": 0.0}
    make_durable = erasure._make_durable

    def timed_durable(conn: Any, wait: float) -> str:
        started = time.perf_counter()
        try:
            return make_durable(conn, wait)
        finally:
            spent["checkpoint"] += time.perf_counter() - started

    erasure._make_durable = timed_durable
    os.sync()
    states: dict[str, int] = {}
    try:
        for kind, number, name in people:
            with transaction(sessions) as session:
                rid = deletion.receive(session, now=now, pack=pack, channel="api").id
            started = time.perf_counter()
            with transaction(sessions) as session:
                ok = deletion.verify(
                    session, vault, rid, id_number=number, name=name, id_kind=kind, now=now
                )
            spent["verify"] += time.perf_counter() - started
            assert ok.verified, "the requester's identity matches their record"
            started = time.perf_counter()
            processed = deletion.process_request(sessions, rid, now=now, pack=pack)
            spent["process"] += time.perf_counter() - started
            done = processed.requests[0]
            assert done.status == deletion.DONE and done.certificate_id, done
            state = str(processed.durability)
            states[state] = states.get(state, 0) + 1
    finally:
        erasure._make_durable = make_durable
        engine.dispose()
        vault.close()
    seconds = spent["verify"] + spent["process"]
    return {
        "requests": len(people),
        "seconds": seconds,
        "requests_per_s": len(people) / seconds if seconds else 0.0,
        "verify_ms": 1e3 * spent["verify"] / len(people),
        "process_ms": 1e3 * (spent["process"] - spent["checkpoint"]) / len(people),
        "checkpoint_ms": 1e3 * spent["checkpoint"] / len(people),
        "durability": states,
    }


def _sealed_sizes(session: Any) -> list[int]:
    """The plaintext sizes of one candidate's sealed values, on average, as a list of calls."""
    from sqlalchemy import text

    def avg(sql: str) -> tuple[float, float]:
        count, total = session.execute(text(sql)).one()
        return float(count or 0), float(total or 0)

    overhead = 1 + 12 + 16
    candidates, _ = avg("SELECT count(*), 0 FROM candidates")
    calls: list[int] = []
    for sql in (
        "SELECT count(name_ct), sum(length(name_ct)) FROM candidates",
        "SELECT count(id_document_ct), sum(length(id_document_ct)) FROM candidates",
        "SELECT count(birth_date_ct), sum(length(birth_date_ct)) FROM candidates",
        "SELECT count(claims_ct), sum(length(claims_ct)) FROM candidates",
        "SELECT count(external_ref_ct), sum(length(external_ref_ct)) FROM candidates",
        "SELECT count(*), sum(length(demographics_ct)) FROM candidate_demographics",
        "SELECT count(content_ct), sum(length(content_ct)) FROM reports",
    ):
        count, total = avg(sql)
        if count:
            per_candidate = count / candidates
            size = int(total / count) - overhead
            # whole calls per candidate, the fraction rounded to the nearest 1/10 candidate
            calls.extend([size] * round(per_candidate * 10))
    return calls  # sizes for 10 candidates


def timed_sweep(db: Path) -> dict[str, Any]:
    from sqlalchemy import func, select

    from fairscreen.candidates.models import Candidate
    from fairscreen.kit.db import make_engine, session_factory
    from fairscreen.retention.sweep import sweep

    engine = make_engine(_sqlite(db), sqlite_synchronous="FULL")
    sessions = session_factory(engine)
    os.sync()  # the setup's writes reach the disk now, not during the timed sweep
    result = sweep(sessions, today=TODAY)
    with sessions() as s:
        live = int(s.scalar(select(func.count()).select_from(Candidate)) or 0)
    engine.dispose()
    wal = Path(f"{db}-wal")
    return {
        "destroyed": result.destroyed,
        "batches": len(result.certificates),
        "seconds": result.seconds,
        "candidates_per_s": result.rate,
        "left_live": live,
        "wal_checkpoint": result.wal_checkpoint,
        "wal_bytes_after": wal.stat().st_size if wal.exists() else 0,
    }


def raw_aesgcm(sizes: list[int], repeat: int = 5) -> dict[str, float]:
    """Raw AES-GCM: one 64-byte encrypt, and the calls that seal one candidate's values."""
    aead, nonce, ad = AESGCM(os.urandom(32)), os.urandom(12), b"fairscreen-seal\x01" + b"x" * 60
    payloads = [os.urandom(size) for size in sizes]
    one = os.urandom(64)

    def single(n: int = 200_000) -> float:
        encrypt = aead.encrypt
        started = time.perf_counter()
        for _ in range(n):
            encrypt(nonce, one, ad)
        return (time.perf_counter() - started) / n

    def candidate(n: int = 20_000) -> float:
        encrypt = aead.encrypt
        started = time.perf_counter()
        for _ in range(n):
            for data in payloads:
                encrypt(nonce, data, ad)
        return (time.perf_counter() - started) / n / 10  # payloads hold 10 candidates' calls

    per_call = min(single() for _ in range(repeat))
    per_candidate = min(candidate() for _ in range(repeat))
    return {
        "calls_per_candidate": len(sizes) / 10,
        "raw_call_us": per_call * 1e6,
        "raw_calls_per_s": 1 / per_call,
        "raw_seal_candidate_us": per_candidate * 1e6,
        "raw_candidates_sealed_per_s": 1 / per_candidate,
    }


def run(n: int, seed: int, workdir: Path, requests: int = 200) -> dict[str, Any]:
    print(f"building {n:,} screened candidates ...", file=sys.stderr)
    db, keys, stats = build(workdir, n, seed)
    deletion_db = workdir / "deletion.db"
    shutil.copy2(db, deletion_db)
    people = requesters(deletion_db, requests)
    baseline = raw_aesgcm(stats["sealed_sizes"])
    print(f"deletion requests ({len(people)}) ...", file=sys.stderr)
    deletions = timed_deletions(deletion_db, keys, people)
    rate = deletions["requests_per_s"]
    deletions["vs_raw_candidate_seal"] = rate / baseline["raw_candidates_sealed_per_s"]
    deletions["vs_raw_call"] = rate / baseline["raw_calls_per_s"]
    cases = []
    for name, path in (("sweep", db),):
        print(f"sweeping ({name}) ...", file=sys.stderr)
        timing = timed_sweep(path)
        rate = timing["candidates_per_s"]
        cases.append(
            {
                "case": name,
                **timing,
                "per_candidate_us": 1e6 / rate if rate else None,
                "vs_raw_candidate_seal": rate / baseline["raw_candidates_sealed_per_s"],
                "vs_raw_call": rate / baseline["raw_calls_per_s"],
                "meets_50k": rate >= 50_000,
            }
        )
        baseline_again = raw_aesgcm(stats["sealed_sizes"], repeat=3)
        cases[-1]["raw_calls_per_s_after"] = baseline_again["raw_calls_per_s"]
    stats.pop("sealed_sizes")
    return {
        "benchmark": "retention",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "candidates": n,
        "batch": DEFAULT_BATCH,
        "setup": stats,
        "baseline": baseline,
        "results": cases,
        "deletion_requests": deletions,
    }


def table(report: dict[str, Any]) -> str:
    b = report["baseline"]
    head = (
        f"{'case':<20} {'candidates':>10} {'batches':>7} {'seconds':>8} {'cand/s':>9} "
        f"{'µs/cand':>8} {'÷ raw seal/cand':>15} {'÷ raw calls':>11} {'≥50k/s':>7}"
    )
    lines = [
        f"baseline: raw AESGCM.encrypt 64 B {b['raw_calls_per_s']:,.0f} calls/s "
        f"({b['raw_call_us']:.2f} µs); raw sealing of one candidate's values "
        f"({b['calls_per_candidate']:.1f} calls) {b['raw_candidates_sealed_per_s']:,.0f}/s",
        head,
        "-" * len(head),
    ]
    for r in report["results"]:
        lines.append(
            f"{r['case']:<20} {r['destroyed']:>10,} {r['batches']:>7} {r['seconds']:>8.2f} "
            f"{r['candidates_per_s']:>9,.0f} {r['per_candidate_us']:>8.1f} "
            f"{r['vs_raw_candidate_seal']:>15.3f} {r['vs_raw_call']:>11.4f} "
            f"{'yes' if r['meets_50k'] else 'NO':>7}"
        )
    d = report["deletion_requests"]
    lines.append(
        f"deletion requests (verify + process + checkpoint, one at a time): {d['requests']} in "
        f"{d['seconds']:.2f} s, {d['requests_per_s']:,.1f}/s; per request: verify "
        f"{d['verify_ms']:.1f} ms, process {d['process_ms']:.1f} ms, checkpoint "
        f"{d['checkpoint_ms']:.1f} ms; ÷ raw seal/cand {d['vs_raw_candidate_seal']:.5f}, "
        f"÷ raw calls {d['vs_raw_call']:.6f}; durability {d['durability']}"
    )
    rows = report["setup"]["rows"]
    lines.append(
        "rows per run: "
        + ", ".join(f"{k} {v:,}" for k, v in rows.items())
        + f", ledger entries {report['setup']['ledger_entries']:,}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 candidates")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--requests", type=int, default=200, help="deletion requests timed")
    args = parser.parse_args(argv)
    n = 20_000 if args.quick else args.candidates
    with tempfile.TemporaryDirectory(prefix="fairscreen-bench-retention-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = run(n, args.seed, workdir, args.requests)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "retention.json").write_text(json.dumps(report, indent=2))
    print(table(report))
    print(f"\nwritten: {RESULTS / 'retention.json'}")


if __name__ == "__main__":
    main()
