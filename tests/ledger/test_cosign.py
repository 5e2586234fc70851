"""Witnessing from the log's side, against real witnesses (``fairscreen witness --listen``
processes on loopback): the policy, pushing over C2SP add-checkpoint, the cosigned checkpoint
served and put in receipts, a quorum of two, and a split view caught by the candidate's receipt
check and by the witness."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fairscreen.kit.errors import ConfigError
from fairscreen.ledger import checkpoints, cosign, log, proofs, receipts
from fairscreen.ledger.cosign import Collector, load_policy
from fairscreen.ledger.note import ALG_COSIGNATURE_V1, Signer, parse_note, sign_note
from fairscreen.ledger.receipts import QuorumError
from fairscreen.ledger.witness import load_state
from fairscreen.web.app import create_app
from tests.conftest import Database
from tests.ledger.conftest import ORIGIN, AsgiClient, plain_entries
from tests.ledger.test_witness import rewrite_history

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveWitness:
    """``fairscreen witness --listen`` in its own process, with its own key and state."""

    def __init__(self, directory: Path, name: str, log_key: str) -> None:
        self.directory = directory
        self.key = directory / "witness.key"
        self.signer = Signer.generate(name, ALG_COSIGNATURE_V1)
        directory.mkdir(parents=True)
        self.key.write_text(self.signer.secret_text() + "\n")
        self.key.chmod(0o600)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fairscreen",
                "witness",
                "--listen",
                f"127.0.0.1:{self.port}",
                "--log",
                f"{ORIGIN}={log_key}",
                "--state-dir",
                str(directory),
                "--name",
                name,
            ],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.post(f"{self.url}/add-checkpoint", content=b"", timeout=2)
                return
            except httpx.HTTPError:
                if self.process.poll() is not None:
                    raise AssertionError(self.process.communicate()[1]) from None
                time.sleep(0.1)
        raise AssertionError("the witness did not start listening")

    def stop(self) -> str:
        self.process.terminate()
        return self.process.communicate(timeout=30)[1]

    def policy_entry(self) -> str:
        return f'[[witness]]\nkey = "{self.signer.verifier.text()}"\nurl = "{self.url}"\n'


@pytest.fixture
def witnesses(tmp_path: Path, signer: Signer) -> Iterator[list[LiveWitness]]:
    started = [
        LiveWitness(tmp_path / f"w{i}", f"witness.test/w{i}", signer.verifier.text())
        for i in (1, 2)
    ]
    yield started
    for witness in started:
        if witness.process.poll() is None:
            witness.stop()


def _env(db: Database, tmp_path: Path, policy: Path, signer: Signer) -> dict[str, str]:
    data = tmp_path / "data"
    data.mkdir(mode=0o700, exist_ok=True)
    key = data / "ledger-signing.key"
    if not key.exists():
        key.write_text(signer.secret_text() + "\n")
        key.chmod(0o600)
    return {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_DATA_DIR": str(data),
        "FAIRSCREEN_LOG_ORIGIN": ORIGIN,
        "FAIRSCREEN_WITNESS_POLICY": str(policy),
    }


def _fairscreen(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fairscreen", *args],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_two_witnesses_with_a_quorum_of_two(
    db: Database, signer: Signer, tmp_path: Path, witnesses: list[LiveWitness]
) -> None:
    policy = tmp_path / "witnesses.toml"
    policy.write_text("quorum = 2\n" + "".join(w.policy_entry() for w in witnesses))
    env = _env(db, tmp_path, policy, signer)
    with db.sessions.begin() as session:
        log.append(session, plain_entries(700))

    done = _fairscreen(env, "ledger", "checkpoint")
    assert done.returncode == 0, done.stderr
    assert "cosigned by 2 of 2 witnesses (quorum 2)" in done.stderr
    note = parse_note(done.stdout)
    assert [s.name for s in note.signatures] == [ORIGIN, "witness.test/w1", "witness.test/w2"]
    for witness in witnesses:  # each witness persisted what it cosigned
        state = load_state(witness.directory / "state.json")["logs"][ORIGIN]
        assert state["size"] == 700 and state["alarm"] is None
    served = AsgiClient(create_app(db.sessions)).get("/ledger/checkpoint").text
    assert served == done.stdout

    keys = [a for w in witnesses for a in ("--witness", w.signer.verifier.text())]
    got = _fairscreen(env, "receipt", "get", "--index", "650", "--out", str(tmp_path / "r.json"))
    assert got.returncode == 0, got.stderr
    ok = _fairscreen(
        env, "receipt", "verify", str(tmp_path / "r.json"), "--key", signer.verifier.text(), *keys
    )
    assert ok.returncode == 0, ok.stderr
    assert "cosigned by 2 witnesses (witness.test/w1, witness.test/w2)" in ok.stdout

    # One witness goes away: the next checkpoint has one cosignature, and a receipt on it says
    # so instead of "valid"; receipts of entries the cosigned checkpoint covers still rest on it.
    witnesses[1].stop()
    with db.sessions.begin() as session:
        log.append(session, plain_entries(300, start=700))
    half = _fairscreen(env, "ledger", "checkpoint")
    assert half.returncode == 0, half.stderr
    assert "witness witness.test/w2 did not cosign" in half.stderr
    assert "cosigned by 1 of 2 witnesses (quorum 2: NOT MET)" in half.stderr
    got = _fairscreen(env, "receipt", "get", "--index", "900", "--out", str(tmp_path / "r2.json"))
    assert got.returncode == 0 and "1 of the 2 witness cosignatures" in got.stderr
    short = _fairscreen(
        env, "receipt", "verify", str(tmp_path / "r2.json"), "--key", signer.verifier.text(), *keys
    )
    assert short.returncode == 1 and "valid" not in short.stdout
    assert "cosigned by 1 of the 2 witnesses given (witness.test/w1)" in short.stderr
    one = _fairscreen(
        env,
        "receipt",
        "verify",
        str(tmp_path / "r2.json"),
        "--key",
        signer.verifier.text(),
        *keys,
        "--quorum",
        "1",
    )
    assert one.returncode == 0, one.stderr
    _fairscreen(env, "receipt", "get", "--index", "650", "--out", str(tmp_path / "r3.json"))
    assert json.loads((tmp_path / "r3.json").read_text())["tree_size"] == 700


def test_a_split_view_fails_the_candidates_check_and_alarms_the_witness(
    db: Database, signer: Signer, tmp_path: Path, witnesses: list[LiveWitness]
) -> None:
    witness = witnesses[0]
    policy = tmp_path / "witnesses.toml"
    policy.write_text("quorum = 1\n" + witness.policy_entry())
    honest = plain_entries(500)
    with db.sessions.begin() as session:
        log.append(session, honest)
    checkpoints.publish(db.sessions, signer)
    collector = Collector(db.sessions, load_policy(policy))
    try:
        outcome = collector.collect()
    finally:
        collector.close()
    assert outcome is not None and outcome.cosigned == ["witness.test/w1"]
    with db.sessions() as session:
        everyone = receipts.build_receipt(session, 42, policy=load_policy(policy))
    key, wkey = signer.verifier.text(), witness.signer.verifier.text()
    assert receipts.verify_receipt(everyone, key, [wkey], 1).cosigned_by == ("witness.test/w1",)

    # The log signs a second history of the same size and gives the candidate a receipt on it.
    rewrite_history(db.sessions, [*honest[:42], b"forged", *honest[43:]], signer)
    with db.sessions() as session:
        candidate = receipts.build_receipt(session, 42, policy=load_policy(policy))
    assert candidate["tree_size"] == 500 and candidate["checkpoint"] != everyone["checkpoint"]
    # The witness's line for the honest root is still in the table, but never served beside
    # the other root: the second checkpoint carries the log's signature alone.
    assert [s.name for s in parse_note(candidate["checkpoint"]).signatures] == [ORIGIN]
    assert receipts.verify_receipt(candidate, key).index == 42  # the log's word alone
    with pytest.raises(QuorumError, match="cosigned by 0 of the 1 witnesses given"):
        receipts.verify_receipt(candidate, key, [wkey], 1)

    # Whoever holds the second checkpoint (the log pushing it, or the candidate) shows it to the
    # witness: two roots for one size, signed by the log, is an alarm and a 409.
    body = f"old 500\n\n{candidate['checkpoint']}".encode()
    answer = httpx.post(f"{witness.url}/add-checkpoint", content=body)
    assert answer.status_code == 409
    stderr = witness.stop()
    assert f"ALARM fork log={ORIGIN}" in stderr and "old_size=500 new_size=500" in stderr
    state = load_state(witness.directory / "state.json")["logs"][ORIGIN]
    assert state["alarm"]["kind"] == "fork" and state["size"] == 500


def test_the_add_checkpoint_protocol(db: Database, signer: Signer, tmp_path: Path) -> None:
    """C2SP tlog-witness status codes, answered by ``Witness.add_checkpoint``."""
    from fairscreen.ledger.witness import SIZE_TYPE, LogConfig, Witness

    witness_key = Signer.generate("witness.test/w9", ALG_COSIGNATURE_V1)
    w = Witness([LogConfig(ORIGIN, signer.verifier)], witness_key, tmp_path / "state.json")
    with db.sessions.begin() as session:
        log.append(session, plain_entries(300))
    first = checkpoints.publish(db.sessions, signer)
    with db.sessions.begin() as session:
        log.append(session, plain_entries(100, start=300))
    second = checkpoints.publish(db.sessions, signer)
    with db.sessions() as session:
        proof = [base64.b64encode(h).decode() for h in proofs.consistency_proof(session, 300, 400)]

    def body(old: int, lines: list[str], note: str) -> bytes:
        return ("".join([f"old {old}\n", *(p + "\n" for p in lines), "\n", note])).encode()

    ok = w.add_checkpoint(body(0, [], first.note))
    assert ok.status == 200 and ok.body.startswith("\u2014 witness.test/w9 ")
    assert cosign.quorum_of(
        parse_note(first.note).text,
        parse_note(first.note + ok.body).signatures,
        [witness_key.verifier],
    ) == ["witness.test/w9"]
    stale = w.add_checkpoint(body(0, [], second.note))
    assert (stale.status, stale.body, stale.content_type) == (409, "300\n", SIZE_TYPE)
    assert w.add_checkpoint(body(500, [], second.note)).status == 400
    assert w.add_checkpoint(body(300, proof[:-1], second.note)).status == 422
    assert w.add_checkpoint(body(300, ["not base64!"], second.note)).status == 400
    assert w.add_checkpoint(b"old 300\n" + second.note.encode()).status == 400
    other = Signer.generate(ORIGIN)
    assert (
        w.add_checkpoint(body(300, proof, sign_note(parse_note(second.note).text, [other]))).status
        == 403
    )
    stranger = Signer.generate("another.example/log")
    strange = sign_note(
        b"another.example/log\n1\n" + base64.b64encode(bytes(32)) + b"\n", [stranger]
    )
    assert w.add_checkpoint(body(0, [], strange)).status == 404
    assert w.add_checkpoint(body(300, proof, second.note)).status == 200
    state = load_state(tmp_path / "state.json")["logs"][ORIGIN]
    assert state["size"] == 400 and state["alarm"] is None  # a 403 raises no alarm
    # The same size again is cosigned again; a smaller one signed by the log is a rollback.
    assert w.add_checkpoint(body(400, [], second.note)).status == 200
    assert w.add_checkpoint(body(400, [], first.note)).status == 400
    assert load_state(tmp_path / "state.json")["logs"][ORIGIN]["alarm"]["kind"] == "rollback"
    assert w.add_checkpoint(body(400, [], second.note)).status == 409  # under the alarm


def test_the_policy_file_is_checked(tmp_path: Path) -> None:
    policy = tmp_path / "p.toml"
    witness = Signer.generate("witness.test/w1", ALG_COSIGNATURE_V1).verifier.text()
    log_key = Signer.generate(ORIGIN).verifier.text()
    cases = {
        "quorum = [": "not TOML",
        f'[[witness]]\nkey = "{witness}"\n': "url: expected",
        f'[[witness]]\nkey = "{log_key}"\nurl = "http://x"\n': "not a witness key",
        f'quorum = 2\n[[witness]]\nkey = "{witness}"\nurl = "http://x"\n': "quorum: expected",
        f'[[witness]]\nkey = "{witness}"\nurl = "http://x"\n' * 2: "share a key name",
        "quorums = 1\n": "unknown key 'quorums'",
    }
    for text, message in cases.items():
        policy.write_text(text)
        with pytest.raises(ConfigError, match=message) as caught:
            load_policy(policy)
        assert str(policy) in str(caught.value)
    with pytest.raises(ConfigError, match="no such witness policy"):
        load_policy(tmp_path / "missing.toml")
    policy.write_text(f'[[witness]]\nkey = "{witness}"\nurl = "http://x/"\n')
    loaded = load_policy(policy)
    assert loaded.quorum == 1 and loaded.witnesses[0].url == "http://x"


def test_serve_pushes_its_checkpoints_and_serves_them_cosigned(
    db: Database, signer: Signer, tmp_path: Path, witnesses: list[LiveWitness]
) -> None:
    """``fairscreen serve`` with a witness policy: its publisher pushes every new checkpoint
    to the witnesses, and ``/ledger/checkpoint`` carries their cosignatures."""
    policy = tmp_path / "witnesses.toml"
    policy.write_text("".join(w.policy_entry() for w in witnesses))
    env = _env(db, tmp_path, policy, signer)
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fairscreen",
            "serve",
            "--port",
            str(port),
            "--publish-interval",
            "0.1",
        ],
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/ledger/checkpoint"
    try:
        with db.sessions.begin() as session:
            log.append(session, plain_entries(1234))
        deadline = time.monotonic() + 60
        names: list[str] = []
        while time.monotonic() < deadline:
            try:
                response = httpx.get(url, timeout=2)
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code == 200:
                note = parse_note(response.text)
                names = [s.name for s in note.signatures]
                if note.text.split(b"\n")[1] == b"1234" and len(names) == 3:
                    break
            time.sleep(0.1)
        assert names == [ORIGIN, "witness.test/w1", "witness.test/w2"]
        verifiers = [w.signer.verifier for w in witnesses]
        assert cosign.quorum_of(note.text, note.signatures, verifiers) == names[1:]
    finally:
        server.terminate()
        server.wait(timeout=30)
