"""The local key file: created 0600, refused when others can read it, never shown in logs."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fairscreen.vault.core import Vault
from fairscreen.vault.keys import KeyProviderError, LocalKeyFile, derive_index_key

NOW = datetime(2026, 11, 29, tzinfo=UTC)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _secrets(path: Path) -> list[bytes]:
    doc = json.loads(path.read_text())
    raw = [base64.b64decode(k["key"]) for k in doc["keks"].values() if k["key"]]
    raw += [base64.b64decode(i["secret"]) for i in doc["index"]["secrets"].values() if i["secret"]]
    return raw


def test_created_on_first_use_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "kek.json"
    provider = LocalKeyFile(path)
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert provider.current_version() == "local-1"
    assert provider.versions() == ["local-1"]
    assert [len(s) for s in _secrets(path)] == [32, 32]
    assert sorted(p.name for p in path.parent.iterdir()) == ["kek.json"]  # no temporary left
    again = LocalKeyFile(path)  # opening again reads the same keys
    assert again.index_key() == provider.index_key()


def test_not_created_when_told_not_to(tmp_path: Path) -> None:
    with pytest.raises(KeyProviderError, match="no key file"):
        LocalKeyFile(tmp_path / "kek.json", create=False)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o620])
def test_refused_when_group_or_world_can_reach_it(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "kek.json"
    LocalKeyFile(path)
    path.chmod(mode)
    with pytest.raises(KeyProviderError, match=f"mode {mode:o}.*chmod 600"):
        LocalKeyFile(path)


def test_a_running_process_notices_a_loosened_file(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    provider = LocalKeyFile(path)
    other = LocalKeyFile(path)
    other.new_version()
    path.chmod(0o644)
    with pytest.raises(KeyProviderError, match="chmod 600"):
        provider.current_version()


def test_a_file_that_is_not_a_key_file_is_refused_without_quoting_it(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b'{"format": "fairscreen-local-keys/2", "current": "SECRET-LOOKING"}')
    os.close(fd)
    with pytest.raises(KeyProviderError) as caught:
        LocalKeyFile(path)
    assert "not a fairscreen key file" in str(caught.value)
    assert "SECRET-LOOKING" not in str(caught.value)


def test_a_development_format_1_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, json.dumps({"format": "fairscreen-local-keys/1"}).encode())
    os.close(fd)
    with pytest.raises(KeyProviderError, match="format 1"):
        LocalKeyFile(path)


def test_a_format_2_file_is_read_as_index_secret_1_and_upgraded_on_change(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kek.json"
    kek, secret = os.urandom(32), os.urandom(32)
    doc = {
        "format": "fairscreen-local-keys/2",
        "current": "local-1",
        "keks": {"local-1": {"key": base64.b64encode(kek).decode(), "created": "x"}},
        "index_secret": base64.b64encode(secret).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, json.dumps(doc).encode())
    os.close(fd)
    before = path.read_bytes()
    provider = LocalKeyFile(path, create=False)
    assert provider.index_versions() == [1] and provider.current_index_version() == 1
    assert provider.index_key(1) == derive_index_key(secret)
    assert path.read_bytes() == before  # reading never rewrites it
    provider.new_version()
    upgraded = json.loads(path.read_text())
    assert upgraded["format"] == "fairscreen-local-keys/3"
    assert base64.b64decode(upgraded["index"]["secrets"]["1"]["secret"]) == secret


def test_index_secrets_are_versioned_and_retired_to_a_tombstone(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    provider = LocalKeyFile(path)
    first = provider.index_key()
    other = LocalKeyFile(path)
    assert other.new_index_version() == 2
    assert provider.current_index_version() == 2  # seen without a restart
    assert provider.index_versions() == [1, 2]
    assert provider.index_key(1) == first != provider.index_key(2)
    with pytest.raises(KeyProviderError, match="current"):
        provider.retire_index(2)
    provider.retire_index(1)
    provider.retire_index(1)  # again: nothing to do (a resumed rotation)
    assert other.index_versions() == [2]
    with pytest.raises(KeyProviderError, match="index secret 1 is retired"):
        other.index_key(1)
    assert derive_index_key(provider.export_index_secret()) == provider.index_key(2)
    assert len(_secrets(path)) == 2  # local-1 and index secret 2: secret 1 is gone
    assert LocalKeyFile(path).new_index_version() == 3  # numbers are never reused


def test_a_different_key_file_put_in_place_is_refused_by_a_running_process(
    tmp_path: Path,
) -> None:
    path = tmp_path / "kek.json"
    provider = LocalKeyFile(path)
    provider.wrap("local-1", os.urandom(32))
    elsewhere = tmp_path / "other" / "kek.json"
    LocalKeyFile(elsewhere)
    os.replace(elsewhere, path)  # someone restores the wrong backup while the server runs
    with pytest.raises(KeyProviderError, match="replaced by a different one"):
        provider.wrap("local-1", os.urandom(32))


def test_index_key_is_derived_from_the_stored_secret(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    provider = LocalKeyFile(path)
    secret = provider.export_index_secret()
    assert secret == _secrets(path)[-1]
    assert provider.index_key() == derive_index_key(secret) != secret


def test_new_version_is_seen_by_other_processes_without_restart(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    server = LocalKeyFile(path)
    wrapped_v1 = server.wrap("local-1", b"k" * 32)
    operator = LocalKeyFile(path)
    assert operator.new_version() == "local-2"
    # The server wraps new data keys under the new version and can unwrap under it at once.
    assert server.current_version() == "local-2"
    wrapped_v2 = operator.rewrap(wrapped_v1, "local-1", "local-2")
    assert server.unwrap("local-2", wrapped_v2) == b"k" * 32
    assert server.index_key() == operator.index_key()  # the index key does not rotate


def test_concurrent_new_versions_from_two_processes_are_both_kept(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    LocalKeyFile(path)
    script = (
        "import sys; from pathlib import Path; from fairscreen.vault.keys import LocalKeyFile\n"
        "p = LocalKeyFile(Path(sys.argv[1]))\n"
        "print(*(p.new_version() for _ in range(10)))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE)
        for _ in range(3)
    ]
    made = []
    for proc in procs:
        stdout, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        made.extend(stdout.decode().split())
    assert len(made) == len(set(made)) == 30
    assert LocalKeyFile(path).versions() == [f"local-{n}" for n in range(1, 32)]


def test_concurrent_first_use_creates_one_file(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    script = (
        "import sys; from pathlib import Path; from fairscreen.vault.keys import LocalKeyFile\n"
        "print(LocalKeyFile(Path(sys.argv[1])).index_key().hex())\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    seen = {proc.communicate(timeout=120)[0] for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert len(seen) == 1  # everyone loaded the one file that won


def test_retire_destroys_the_key_and_remembers_the_name(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    provider = LocalKeyFile(path)
    wrapped = provider.wrap("local-1", b"d" * 32)
    with pytest.raises(KeyProviderError, match="current"):
        provider.retire("local-1")
    provider.new_version()
    old_kek = _secrets(path)[0]
    provider.retire("local-1")
    assert provider.versions() == ["local-2"]
    assert provider.retired_versions() == ["local-1"]
    assert old_kek not in path.read_bytes()
    assert base64.b64encode(old_kek) not in path.read_bytes()
    with pytest.raises(KeyProviderError, match="'local-1' is retired"):
        provider.unwrap("local-1", wrapped)
    with pytest.raises(KeyProviderError, match="already retired"):
        provider.retire("local-1")
    assert provider.new_version() == "local-3"  # a retired name is never reused
    with pytest.raises(KeyProviderError, match="unknown"):
        provider.retire("local-9")


def test_tampered_wrapped_key_fails_clearly(tmp_path: Path) -> None:
    provider = LocalKeyFile(tmp_path / "kek.json")
    wrapped = bytearray(provider.wrap("local-1", b"d" * 32))
    wrapped[5] ^= 1
    with pytest.raises(KeyProviderError, match="does not unwrap under KEK 'local-1'"):
        provider.unwrap("local-1", bytes(wrapped))


def test_keys_never_reach_logs_or_exceptions(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "kek.json"
    messages: list[str] = []
    vault = Vault(LocalKeyFile(path))
    key = vault.new_data_key(NOW)
    vault.provider.new_version()
    secrets = _secrets(path)  # both KEKs and the index key, before one is destroyed
    dek = vault.provider.unwrap(key.row["kek_version"], key.row["wrapped"])
    vault.provider.retire("local-1")
    for attempt in (
        lambda: vault.sealer(key.row["id"], "local-1", key.row["wrapped"]),
        lambda: vault.provider.unwrap("local-2", key.row["wrapped"]),
        lambda: key.sealer.open("candidates", "name_ct", "r", b"\x01" + b"\x00" * 40),
        lambda: vault.provider.retire("local-2"),
    ):
        with pytest.raises(Exception) as caught:
            attempt()
        messages.append(str(caught.value))
        messages.append(repr(caught.value))
    secrets += [dek, vault.provider.index_key()]
    text = "\n".join([caplog.text, *messages, repr(vault), repr(vault.provider), repr(key)])
    assert "local-1" in caplog.text  # the log does say what happened
    for secret in secrets:
        for form in (secret.hex(), base64.b64encode(secret).decode(), repr(secret)):
            assert form not in text
