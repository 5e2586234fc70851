"""Signed notes, checkpoints and cosignatures, including byte-exact known answers from Go's
golang.org/x/mod/sumdb/note and key IDs from transparency-dev/tessera."""

from __future__ import annotations

import base64

import pytest

from fairscreen.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    add_signature,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_note,
    sign_note,
)

# golang.org/x/mod/sumdb/note, note_test.go / example_test.go
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    b"If you think cryptography is the answer to your problem,\n"
    b"then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT.decode()
    + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_go_sumdb_note_known_answer() -> None:
    signer = Signer.parse(GO_SKEY)
    assert signer.verifier.text() == GO_VKEY
    assert sign_note(GO_TEXT, [signer]) == GO_NOTE  # Ed25519 is deterministic: byte for byte
    note, good = open_note(GO_NOTE, [Verifier.parse(GO_VKEY)])
    assert note.text == GO_TEXT and good[0].name == "PeterNeumann"
    assert signer.secret_text() == GO_SKEY


@pytest.mark.parametrize(
    "vkey",
    [
        "Test-Betty+df84580a+AQQASqPUZoIHcJAF5mBOryctwFdTV1E0GRY4kEAtTzwB",  # tessera
        "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6",  # formats, '+' in base64
        "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2",  # cosigner 0x04
    ],
)
def test_key_ids_of_published_keys(vkey: str) -> None:
    assert Verifier.parse(vkey).text() == vkey


def test_mangled_keys_are_refused() -> None:
    for bad in [
        GO_VKEY.replace("c74f20a3", "c74f20a4"),
        GO_VKEY[:-2],
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "rekor.sigstore.dev+12345678+AwEB",
    ]:
        with pytest.raises(NoteError):
            Verifier.parse(bad)
    with pytest.raises(NoteError):
        Signer.parse(GO_SKEY.replace("PRIVATE", "PUBLIC"))
    with pytest.raises(NoteError):
        Signer.parse(GO_SKEY.replace("c74f20a3", "00000000"))


def test_signer_never_shows_its_secret() -> None:
    signer = Signer.parse(GO_SKEY)
    assert GO_SKEY.split("+", 4)[4] not in repr(signer) + str(signer)


def test_tampered_or_foreign_notes() -> None:
    verifier = Verifier.parse(GO_VKEY)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), [verifier])
    other = Signer.generate("PeterNeumann")  # same name, another key: ignored, so no known sig
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(sign_note(GO_TEXT, [other]), [verifier])
    # An unknown extra signature is ignored.
    both = add_signature(GO_NOTE, Signer.generate("someone.else"))
    assert open_note(both, [verifier])[0].text == GO_TEXT
    for bad in [
        "no blank line\n",
        GO_TEXT.decode() + "\n",
        GO_NOTE.replace("\u2014", "-"),
        "a\x01\n\n",
    ]:
        with pytest.raises(NoteError):
            parse_note(bad)


def test_checkpoints() -> None:
    signer = Signer.generate("example.com/log")
    cp = Checkpoint("example.com/log", 20852163, bytes(range(32)))
    assert cp.text() == (
        b"example.com/log\n20852163\n" + base64.b64encode(bytes(range(32))) + b"\n"
    )
    note = sign_note(cp.text(), [signer])
    got, _ = open_checkpoint(note, signer.verifier)
    assert got == cp
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(note, signer.verifier, origin="example.com/other")
    extended = Checkpoint("example.com/log", 5, bytes(32), ("ext line",))
    assert parse_checkpoint(extended.text()) == extended
    root = base64.b64encode(bytes(32)).decode()
    for bad in [
        f"o\n05\n{root}\n",  # leading zero
        f"o\n-5\n{root}\n",
        f"o\n5\n{root[:-4]}\n",  # not 32 bytes
        f"o\n5\n{root}",  # no final newline
        f"\n5\n{root}\n",  # empty origin
        "o\n5\n",
    ]:
        with pytest.raises(NoteError):
            parse_checkpoint(bad.encode())


def test_cosignatures() -> None:
    log = Signer.generate("example.com/log")
    witness = Signer.generate("witness.example/w1", ALG_COSIGNATURE_V1)
    note = sign_note(Checkpoint("example.com/log", 7, bytes(32)).text(), [log])
    cosigned = add_signature(note, witness, timestamp=1_795_920_000)
    parsed, good = open_note(cosigned, [log.verifier, witness.verifier])
    assert {v.name for v in good} == {"example.com/log", "witness.example/w1"}
    assert parsed.signatures[1].timestamp == 1_795_920_000
    # The timestamp is signed: change it and the cosignature fails.
    sig = parsed.signatures[1]
    blob = sig.key_id.to_bytes(4, "big") + (1_795_920_001).to_bytes(8, "big") + sig.signature[8:]
    forged = note + f"\u2014 witness.example/w1 {base64.b64encode(blob).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(forged, [witness.verifier])
    # A cosigner key is not a note key: different key IDs for the same Ed25519 key.
    same_key_as_note_signer = Signer.parse(witness.secret_text(), alg=ALG_ED25519)
    assert same_key_as_note_signer.verifier.id != witness.verifier.id
    with pytest.raises(NoteError, match="timestamp"):
        witness.sign(b"a\nb\nc\n")
    with pytest.raises(NoteError, match="checkpoint"):
        witness.sign(b"one line\n", timestamp=1)
