"""Sealing and opening: a ciphertext opens only under its data key, in its table, column and row."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairscreen.vault.core import (
    Sealer,
    SealError,
    Vault,
    associated_data,
    canonical_index_value,
)
from fairscreen.vault.keys import KeyProviderError, LocalKeyFile

NOW = datetime(2026, 11, 29, tzinfo=UTC)
KEY = bytes(range(32))


def test_round_trip_and_layout(vault: Vault) -> None:
    sealer = vault.new_data_key(NOW).sealer
    sealed = sealer.seal("candidates", "name_ct", "row-1", "羅女士".encode())
    assert sealed[0] == 1  # format version
    assert len(sealed) == 1 + 12 + len("羅女士".encode()) + 16
    assert sealer.open("candidates", "name_ct", "row-1", sealed).decode() == "羅女士"


def test_each_seal_uses_a_fresh_nonce() -> None:
    sealer = Sealer("k", KEY)
    a = sealer.seal("t", "c", "r", b"same")
    b = sealer.seal("t", "c", "r", b"same")
    assert a[1:13] != b[1:13] and a != b


@pytest.mark.parametrize(
    "place",
    [
        ("candidates", "name_ct", "row-2"),  # another row
        ("candidates", "id_document_ct", "row-1"),  # another column
        ("findings", "name_ct", "row-1"),  # another table
    ],
)
def test_moved_ciphertext_does_not_open(place: tuple[str, str, str]) -> None:
    sealer = Sealer("k", KEY)
    sealed = sealer.seal("candidates", "name_ct", "row-1", b"Zhang San")
    with pytest.raises(SealError, match="does not open"):
        sealer.open(*place, sealed)


def test_swapping_two_rows_ciphertexts_fails_both_ways(vault: Vault) -> None:
    sealer = vault.new_data_key(NOW).sealer
    a = sealer.seal("candidates", "name_ct", "a", b"Alice")
    b = sealer.seal("candidates", "name_ct", "b", b"Bob")
    with pytest.raises(SealError):
        sealer.open("candidates", "name_ct", "a", b)
    with pytest.raises(SealError):
        sealer.open("candidates", "name_ct", "b", a)


def test_another_candidates_key_does_not_open(vault: Vault) -> None:
    mine, theirs = vault.new_data_key(NOW).sealer, vault.new_data_key(NOW).sealer
    sealed = mine.seal("candidates", "name_ct", "r", b"Wang")
    with pytest.raises(SealError):
        theirs.open("candidates", "name_ct", "r", sealed)


def test_every_tampered_byte_fails() -> None:
    sealer = Sealer("k", KEY)
    sealed = sealer.seal("candidates", "claims_ct", "r", b'{"degree":"BSc"}')
    for i in range(len(sealed)):
        tampered = bytearray(sealed)
        tampered[i] ^= 0x01
        with pytest.raises(SealError):
            sealer.open("candidates", "claims_ct", "r", bytes(tampered))
    for cut in (0, 1, 13, 28, len(sealed) - 1):
        with pytest.raises(SealError):
            sealer.open("candidates", "claims_ct", "r", sealed[:cut])
    with pytest.raises(SealError):
        sealer.open("candidates", "claims_ct", "r", sealed + b"\x00")


def test_associated_data_is_unambiguous() -> None:
    assert associated_data("ab", "c", "r") != associated_data("a", "bc", "r")
    assert associated_data("t", "c\x00r", "") != associated_data("t", "c", "r")
    assert associated_data("t", "c", "r").startswith(b"fairscreen-seal\x01")


@given(
    table=st.text(min_size=1, max_size=20),
    column=st.text(min_size=1, max_size=20),
    row=st.text(max_size=40),
    plaintext=st.binary(max_size=300),
)
def test_round_trip_anywhere(table: str, column: str, row: str, plaintext: bytes) -> None:
    sealer = Sealer("k", KEY)
    assert sealer.open(table, column, row, sealer.seal(table, column, row, plaintext)) == plaintext


def test_blind_index_is_keyed_canonical_and_kind_separated(tmp_path: Path) -> None:
    vault = Vault(LocalKeyFile(tmp_path / "a" / "kek.json"))
    other = Vault(LocalKeyFile(tmp_path / "b" / "kek.json"))
    number = "99010119900101123X"
    index = vault.blind_index("cn-resident-id", number)
    assert len(index) == 32
    # Full-width digits, a lower-case check character and stray spaces are the same number.
    assert vault.blind_index("cn-resident-id", " ９９０１０１１９９００１０１１２３x ") == index
    assert vault.blind_index("passport", number) != index
    assert vault.blind_index("cn-resident-id", "99010119900101124X") != index
    assert other.blind_index("cn-resident-id", number) != index  # keyed: another key, no match
    assert canonical_index_value("ＡＢＣ １２") == "abc 12"


def test_unwrap_under_the_wrong_kek_fails_clearly(tmp_path: Path) -> None:
    ours = Vault(LocalKeyFile(tmp_path / "ours" / "kek.json"))
    theirs = Vault(LocalKeyFile(tmp_path / "theirs" / "kek.json"))
    row = ours.new_data_key(NOW).row
    with pytest.raises(KeyProviderError) as caught:
        theirs.sealer(row["id"], row["kek_version"], row["wrapped"])
    message = str(caught.value)
    assert row["id"] in message and "does not unwrap under KEK 'local-1'" in message
    with pytest.raises(KeyProviderError, match="unknown"):
        ours.sealer(row["id"], "local-9", row["wrapped"])


def test_new_data_key_row_names_its_provider_and_version(vault: Vault) -> None:
    key = vault.new_data_key(NOW)
    assert key.row["provider"] == "local"
    assert key.row["kek_version"] == vault.provider.current_version()
    assert key.row["created_at"] == NOW
    reopened = vault.sealer(key.row["id"], key.row["kek_version"], key.row["wrapped"])
    sealed = key.sealer.seal("t", "c", "r", b"x")
    assert reopened.open("t", "c", "r", sealed) == b"x"
    assert reopened.subject_ref("cand") == key.sealer.subject_ref("cand")


def test_readers_unwrap_the_versions_they_hold(tmp_path: Path) -> None:
    old = LocalKeyFile(tmp_path / "old" / "kek.json")
    row = Vault(old).new_data_key(NOW).row
    new = LocalKeyFile(tmp_path / "new" / "kek.json")
    new.new_version()  # local-2 here, so the versions do not collide
    vault = Vault(new, readers=[LocalKeyFile(tmp_path / "old" / "kek.json", create=False)])
    assert vault.sealer(row["id"], row["kek_version"], row["wrapped"]).data_key_id == row["id"]
    assert vault.new_data_key(NOW).row["kek_version"] == "local-2"


def test_reprs_show_no_key_material(vault: Vault) -> None:
    key = vault.new_data_key(NOW)
    assert repr(key.sealer) == f"Sealer(data_key_id={key.row['id']!r})"
    assert "kek.json" in repr(vault) and "key=" not in repr(vault)
