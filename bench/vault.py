"""The vault's costs, each as a ratio against raw ``cryptography`` AES-GCM calls in the same run.

Run:  .venv/bin/python -m bench.vault            (full)
      .venv/bin/python -m bench.vault --quick    (fewer repetitions, smaller rotations)

Measured, every figure as "x raw": how many raw AES-GCM calls the operation costs.

- seal and open through the vault (``Sealer.seal``/``open``: fresh nonce, associated data for
  table, column and row, format byte) for typical field sizes, against ``AESGCM.encrypt`` and
  ``decrypt`` of the same size with the same associated data and a precomputed nonce;
- data-key creation (``Vault.new_data_key``) and opening a candidate (``Vault.sealer``: unwrap
  and key schedule) with the local key file and with SoftHSM2 through PKCS#11;
- a blind-index lookup computed in-process and, for comparison, as an HMAC on the token;
- rotation: data keys rewrapped per second on SQLite (WAL, synchronous=FULL), committed in
  batches, with the local key file and with SoftHSM2;
- blind-index secret rotation (``fairscreen keys rotate --index``) at 100,000 candidates on
  SQLite: each row's data key unwrapped, its ID document opened, its index recomputed and the
  row updated, against a bare loop that rewrites the same column of the same rows in the same
  batches without any cryptography (the floor the database sets), and against the same
  cryptography done in memory without the database.

Key operations are compared with one raw AES-GCM seal of a 64-byte value (an ID document).
Each timing is the best of several repetitions, since this machine is shared and noisy.

Prints a table and writes ``bench/results/vault.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RESULTS = Path(__file__).parent / "results"
SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
FIELD_SIZES = {"name": 16, "id document": 64, "claims": 512, "finding detail": 4096}
KEY_OP_SIZE = 64
PIN = "bench-1234"


@dataclass
class Row:
    group: str
    what: str
    per_op_us: float
    ops_per_s: float
    baseline_us: float
    ratio: float  # per_op / baseline: how many raw AES-GCM calls one operation costs


def best(run: Callable[[], float], repeat: int) -> float:
    """Seconds per operation, the best of ``repeat`` runs (each returns its own mean)."""
    return min(run() for _ in range(repeat))


def raw_encrypt(size: int, n: int, ad: bytes) -> Callable[[], float]:
    aead, nonce, data = AESGCM(os.urandom(32)), os.urandom(12), os.urandom(size)

    def run() -> float:
        encrypt = aead.encrypt
        started = time.perf_counter()
        for _ in range(n):
            encrypt(nonce, data, ad)
        return (time.perf_counter() - started) / n

    return run


def raw_decrypt(size: int, n: int, ad: bytes) -> Callable[[], float]:
    aead, nonce = AESGCM(os.urandom(32)), os.urandom(12)
    sealed = aead.encrypt(nonce, os.urandom(size), ad)

    def run() -> float:
        decrypt = aead.decrypt
        started = time.perf_counter()
        for _ in range(n):
            decrypt(nonce, sealed, ad)
        return (time.perf_counter() - started) / n

    return run


def vault_seal(sealer: Any, row_id: str, size: int, n: int) -> Callable[[], float]:
    data = os.urandom(size)

    def run() -> float:
        seal = sealer.seal
        started = time.perf_counter()
        for _ in range(n):
            seal("candidates", "name_ct", row_id, data)
        return (time.perf_counter() - started) / n

    return run


def vault_open(sealer: Any, row_id: str, size: int, n: int) -> Callable[[], float]:
    sealed = sealer.seal("candidates", "name_ct", row_id, os.urandom(size))

    def run() -> float:
        open_ = sealer.open
        started = time.perf_counter()
        for _ in range(n):
            open_("candidates", "name_ct", row_id, sealed)
        return (time.perf_counter() - started) / n

    return run


def timed(op: Callable[[], object], n: int) -> Callable[[], float]:
    def run() -> float:
        started = time.perf_counter()
        for _ in range(n):
            op()
        return (time.perf_counter() - started) / n

    return run


def make_token(root: Path) -> str | None:
    """A SoftHSM2 token in ``root`` (SOFTHSM2_CONF must point there before PKCS#11 loads)."""
    if shutil.which("softhsm2-util") is None or not SOFTHSM_MODULE.exists():
        return None
    (root / "tokens").mkdir(parents=True)
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    label = "fairscreen-bench"
    subprocess.run(
        [
            *("softhsm2-util", "--init-token", "--free", "--label", label),
            *("--pin", PIN, "--so-pin", "so-" + PIN),
        ],
        check=True,
        capture_output=True,
    )
    return label


def rotation_rate(provider: Any, data_keys: int, batch: int, workdir: Path) -> float:
    """Data keys rewrapped per second by ``fairscreen keys rotate``'s code on SQLite."""
    from sqlalchemy import insert

    from fairscreen.kit.db import make_engine, session_factory, upgrade
    from fairscreen.kit.ids import new_id
    from fairscreen.vault import rotation
    from fairscreen.vault.models import DataKey

    db = workdir / f"rotate-{provider.name}.db"
    engine = make_engine(f"sqlite:///{db}", sqlite_synchronous="FULL")
    upgrade(engine)
    sessions = session_factory(engine)
    version = provider.current_version()
    now = datetime.now(UTC)
    rows = [
        {
            "id": new_id(),
            "provider": provider.name,
            "kek_version": version,
            "wrapped": provider.generate_data_key(version)[1],
            "created_at": now,
        }
        for _ in range(data_keys)
    ]
    with sessions() as session, session.begin():
        session.execute(insert(DataKey), rows)
    started = time.perf_counter()
    result = rotation.rotate(sessions, provider, batch_size=batch)
    elapsed = time.perf_counter() - started
    engine.dispose()
    if result.rewrapped != data_keys:
        raise RuntimeError(f"rotation rewrapped {result.rewrapped} of {data_keys}")
    return data_keys / elapsed


def make_indexed_candidates(vault: Any, count: int, workdir: Path, name: str) -> Any:
    """A SQLite database (WAL, synchronous=FULL) with ``count`` candidates as the screening
    service writes them: a data key, the sealed ID document, the blind index and its version."""
    from fairscreen.candidates.models import Candidate
    from fairscreen.kit.canonical import canonical_json
    from fairscreen.kit.db import bulk_insert, make_engine, session_factory, upgrade
    from fairscreen.kit.ids import new_id
    from fairscreen.vault.models import DataKey

    engine = make_engine(f"sqlite:///{workdir / name}", sqlite_synchronous="FULL")
    upgrade(engine)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    for start in range(0, count, 10_000):
        keys, people = [], []
        for i in range(start, min(count, start + 10_000)):
            made = vault.new_data_key(now)
            cid = new_id()
            seal = made.sealer.seal
            number = f"99010119900101{i:06d}"[-18:]
            ref = f"C{i}"
            document = canonical_json({"kind": "cn_resident_id", "number": number})
            version = vault.index_version()
            keys.append(made.row)
            people.append(
                {
                    "id": cid,
                    "data_key_id": made.row["id"],
                    "external_ref_index": vault.blind_index(
                        "client_ref", ref, canonical=False, version=version
                    ),
                    "external_ref_ct": seal("candidates", "external_ref_ct", cid, ref.encode()),
                    "id_number_index": vault.blind_index("cn_resident_id", number, version=version),
                    "blind_index_version": version,
                    "name_ct": seal("candidates", "name_ct", cid, "測試者".encode()),
                    "id_document_ct": seal("candidates", "id_document_ct", cid, document),
                    "birth_date_ct": seal("candidates", "birth_date_ct", cid, b"1990-01-01"),
                    "claims_ct": seal("candidates", "claims_ct", cid, b"{}"),
                    "subject_ref": made.sealer.subject_ref(cid),
                    "created_at": now,
                    "retain_until": now.date(),
                }
            )
        with sessions() as session, session.begin():
            bulk_insert(session, DataKey, keys)
            bulk_insert(session, Candidate, people)
    return engine


def reindex_rates(vault: Any, count: int, batch: int, workdir: Path) -> dict[str, float]:
    """Rows per second: the index rotation, the bare column rewrite (same rows, batches and
    commits, no cryptography), and the cryptography alone in memory."""
    from sqlalchemy import bindparam, select, update

    from fairscreen.candidates.models import Candidate
    from fairscreen.kit.db import session_factory, table_of
    from fairscreen.vault import reindex
    from fairscreen.vault.models import DataKey

    engine = make_indexed_candidates(vault, count, workdir, f"reindex-{vault.provider.name}.db")
    sessions = session_factory(engine)
    candidates = table_of(Candidate)

    # The floor: read the same rows in the same batches and rewrite the same column.
    started = time.perf_counter()
    after = ""
    rewrite = (
        update(candidates)
        .where(candidates.c.id == bindparam("r_id"))
        .values(
            id_number_index=bindparam("r_index"),
            external_ref_index=bindparam("r_ref"),
            blind_index_version=bindparam("r_version"),
        )
    )
    while True:
        with sessions() as session:
            rows = session.execute(
                select(
                    candidates.c.id,
                    candidates.c.id_number_index,
                    candidates.c.external_ref_index,
                    candidates.c.blind_index_version,
                )
                .where(candidates.c.id > after)
                .order_by(candidates.c.id)
                .limit(batch)
            ).all()
        if not rows:
            break
        after = rows[-1].id
        with sessions() as session, session.begin():
            session.execute(
                rewrite,
                [
                    {
                        "r_id": r.id,
                        "r_index": r.id_number_index,
                        "r_ref": r.external_ref_index,
                        "r_version": r.blind_index_version,
                    }
                    for r in rows
                ],
            )
    floor = count / (time.perf_counter() - started)

    # The cryptography alone: unwrap, open, recompute, for rows already in memory.
    with sessions() as session:
        sample = session.execute(
            select(
                candidates.c.id,
                candidates.c.id_document_ct,
                candidates.c.external_ref_ct,
                DataKey.id,
                DataKey.kek_version,
                DataKey.wrapped,
            )
            .join(DataKey, DataKey.id == candidates.c.data_key_id)
            .limit(min(count, 20_000))
        ).all()
    import orjson

    started = time.perf_counter()
    for cid, document, ref, key_id, version, wrapped in sample:
        sealer = vault.sealer(key_id, version, wrapped)
        doc = orjson.loads(sealer.open("candidates", "id_document_ct", cid, document))
        vault.blind_index(doc["kind"], doc["number"], version=1)
        client_ref = sealer.open("candidates", "external_ref_ct", cid, ref).decode()
        vault.blind_index("client_ref", client_ref, canonical=False, version=1)
    crypto = len(sample) / (time.perf_counter() - started)

    started = time.perf_counter()
    result = reindex.rotate_index(sessions, vault, batch_size=batch)
    rotated = count / (time.perf_counter() - started)
    engine.dispose()
    if result.rebuilt != count or result.failed:
        raise RuntimeError(f"index rotation rebuilt {result.rebuilt} of {count}")
    return {"rotation": rotated, "floor": floor, "crypto": crypto}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    n_field = 5_000 if args.quick else 20_000
    n_key = 500 if args.quick else 2_000
    rotate_local = 5_000 if args.quick else 20_000
    rotate_hsm = 500 if args.quick else 3_000
    reindex_local = 20_000 if args.quick else 100_000
    reindex_hsm = 1_000 if args.quick else 10_000

    work = Path(tempfile.mkdtemp(prefix="fairscreen-bench-vault-"))
    token = make_token(work / "softhsm")  # before anything loads PKCS#11

    from fairscreen.vault.core import Vault, associated_data
    from fairscreen.vault.keys import LocalKeyFile

    rows: list[Row] = []
    row_id = "019ad1c2e3f4a5b6c7d8e9f0a1b2c3d4"
    ad = associated_data("candidates", "name_ct", row_id)
    raw64 = best(raw_encrypt(KEY_OP_SIZE, n_field, ad), repeat)

    def add(group: str, what: str, seconds: float, baseline: float) -> None:
        rows.append(
            Row(group, what, seconds * 1e6, 1 / seconds, baseline * 1e6, seconds / baseline)
        )

    local = Vault(LocalKeyFile(work / "data" / "kek.json"))
    sealer = local.new_data_key(datetime.now(UTC)).sealer
    for field, size in FIELD_SIZES.items():
        base_seal = best(raw_encrypt(size, n_field, ad), repeat)
        base_open = best(raw_decrypt(size, n_field, ad), repeat)
        seal = best(vault_seal(sealer, row_id, size, n_field), repeat)
        opened = best(vault_open(sealer, row_id, size, n_field), repeat)
        add("seal", f"{field} ({size} B)", seal, base_seal)
        add("open", f"{field} ({size} B)", opened, base_open)

    now = datetime.now(UTC)
    made = local.new_data_key(now).row
    add(
        "data key",
        "create, local key file",
        best(timed(lambda: local.new_data_key(now), n_key), repeat),
        raw64,
    )
    add(
        "data key",
        "open candidate (unwrap), local",
        best(
            timed(lambda: local.sealer(made["id"], made["kek_version"], made["wrapped"]), n_key),
            repeat,
        ),
        raw64,
    )
    add(
        "blind index",
        "in-process HMAC (index key read at start)",
        best(
            timed(lambda: local.blind_index("cn-resident-id", "99010119900101123X"), n_field),
            repeat,
        ),
        raw64,
    )

    hsm_note = "SoftHSM2 not installed: PKCS#11 rows skipped"
    hsm = None
    if token is not None:
        from pkcs11 import KeyType, Mechanism, ObjectClass

        from fairscreen.vault.pkcs11 import INDEX_LABEL, Pkcs11Provider

        hsm_note = f"SoftHSM2 token via {SOFTHSM_MODULE}"
        hsm = Pkcs11Provider(SOFTHSM_MODULE, token, PIN)
        vault = Vault(hsm)
        hsm_made = vault.new_data_key(now).row
        add(
            "data key",
            "create, PKCS#11 (SoftHSM2)",
            best(timed(lambda: vault.new_data_key(now), n_key), repeat),
            raw64,
        )
        add(
            "data key",
            "open candidate (unwrap), PKCS#11",
            best(
                timed(
                    lambda: vault.sealer(
                        hsm_made["id"], hsm_made["kek_version"], hsm_made["wrapped"]
                    ),
                    n_key,
                ),
                repeat,
            ),
            raw64,
        )
        secret = hsm._session.get_key(
            object_class=ObjectClass.SECRET_KEY,
            key_type=KeyType.GENERIC_SECRET,
            label=INDEX_LABEL + "1",
        )
        add(
            "blind index",
            "HMAC on the token per lookup (not used)",
            best(
                timed(
                    lambda: secret.sign(b"99010119900101123X", mechanism=Mechanism.SHA256_HMAC),
                    n_key,
                ),
                repeat,
            ),
            raw64,
        )

    rate = rotation_rate(local.provider, rotate_local, 500, work)
    add("rotation", f"rewrap, local, SQLite ({rotate_local} keys)", 1 / rate, raw64)
    if hsm is not None:
        rate = rotation_rate(hsm, rotate_hsm, 500, work)
        add("rotation", f"rewrap, PKCS#11, SQLite ({rotate_hsm} keys)", 1 / rate, raw64)
    rates = reindex_rates(
        Vault(LocalKeyFile(work / "reindex" / "kek.json")), reindex_local, 1000, work
    )
    floor, crypto = 1 / rates["floor"], 1 / rates["crypto"]
    what = f"index rotation, local, SQLite ({reindex_local:,} candidates)"
    add("index rotation", f"{what} vs bare column rewrite", 1 / rates["rotation"], floor)
    add("index rotation", f"{what} vs its crypto in memory", 1 / rates["rotation"], crypto)
    add("index rotation", "bare column rewrite, SQLite (the floor)", floor, raw64)
    if hsm is not None:
        rates = reindex_rates(Vault(hsm), reindex_hsm, 1000, work)
        what = f"index rotation, PKCS#11, SQLite ({reindex_hsm:,} candidates)"
        add(
            "index rotation",
            f"{what} vs bare column rewrite",
            1 / rates["rotation"],
            1 / rates["floor"],
        )
        hsm.close()
    shutil.rmtree(work, ignore_errors=True)

    from rich.console import Console
    from rich.table import Table

    table = Table(title="vault: cost per operation, as a multiple of one raw AES-GCM call")
    for column in ("group", "operation", "ops/s", "µs/op", "raw µs", "× raw"):
        table.add_column(column, justify="left" if column in {"group", "operation"} else "right")
    for r in rows:
        table.add_row(
            r.group,
            r.what,
            f"{r.ops_per_s:,.0f}",
            f"{r.per_op_us:.2f}",
            f"{r.baseline_us:.2f}",
            f"{r.ratio:.2f}",
        )
    console = Console(width=110)
    console.print(table)
    console.print(
        "raw = AESGCM.encrypt/decrypt of the same size (seal, open); "
        f"of {KEY_OP_SIZE} B for key operations. {hsm_note}.",
        highlight=False,
    )

    RESULTS.mkdir(exist_ok=True)
    out = {
        "benchmark": "vault",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "baseline": "cryptography AESGCM.encrypt/decrypt, same run",
        "pkcs11": hsm_note,
        "rows": [asdict(r) for r in rows],
    }
    (RESULTS / "vault.json").write_text(json.dumps(out, indent=2) + "\n")
    console.print(f"wrote {RESULTS / 'vault.json'}", highlight=False)


if __name__ == "__main__":
    main()
