"""Interop with an independent implementation: Go's ``golang.org/x/mod/sumdb/note`` and
``tlog`` (Debian's golang-golang-x-mod-dev), driven by ``tests/ledger/go/interop.go``.

- the note parser agrees with Go's ``note.Open`` on a corpus of malformed notes (and on the
  well-formed ones it is built from);
- cosignatures made by the witness verify in Go (checked there from C2SP tlog-cosignature);
- a static export of the log is read by ``tlog.TileHashReader``, which authenticates every tile:
  the root of every signed size and inclusion proofs come out right, so the partial tiles of
  every checkpoint size are in the export.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fairscreen.ledger import checkpoints, cosign, log
from fairscreen.ledger.note import (
    ALG_COSIGNATURE_V1,
    NoteError,
    Signer,
    open_note,
    parse_note,
)
from fairscreen.ledger.witness import LogConfig, Witness
from tests.conftest import Database
from tests.ledger.conftest import ORIGIN, plain_entries

GO_SOURCE = Path(__file__).parent / "go" / "interop.go"
GOPATH = Path("/usr/share/gocode")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def go_verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        if os.environ.get("FAIRSCREEN_REQUIRE_GO") == "1":
            pytest.fail("FAIRSCREEN_REQUIRE_GO=1 but Go or golang-golang-x-mod-dev is missing")
        pytest.skip("Go's x/mod is not installed (scripts/test installs golang-go and x/mod)")
    out = tmp_path_factory.mktemp("go")
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(out / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run(
        [go, "build", "-o", str(out / "interop"), str(GO_SOURCE)],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out / "interop"


def ask(binary: Path, request: dict[str, Any]) -> Any:
    done = subprocess.run(
        [str(binary)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(done.stdout)


def _corpus(signer: Signer) -> list[bytes]:
    text = b"fairscreen.invalid/ledger\n42\n" + base64.b64encode(bytes(32)) + b"\n"
    good = (text.decode() + "\n" + signer.signature_line(text)).encode()
    line = signer.signature_line(text)
    name = signer.name
    blob = line.split(" ")[2].strip()
    other = Signer.generate(name)
    variants: list[bytes] = [
        good,
        good + b"\xe2\x80\x94 other.example/key AAAAAAA=\n",  # an unknown key is ignored
        good + line.encode(),  # the same signature twice
        text + b"\n" + other.signature_line(text).encode(),  # only an unknown key (same name)
    ]
    body = text.decode() + "\n"
    for bad_line in [
        f"\u2014 {name} {blob}\u2028\n",  # U+2028 after the signature
        f"\u2014 {name}\u2028 {blob}\n",  # U+2028 in the name
        f"\u2014 {name} {blob}\n\u2028\n",  # a line of U+2028
        f"\u2014 {name} {blob}\u0085\n",  # NEL
        f"\u2014 {name}\u00a0x {blob}\n",  # no-break space in the name
        f"\u2014 {name}\u3000 {blob}\n",  # ideographic space
        f"\u2014 {name}+x {blob}\n",  # plus in the name
        f"\u2014  {name} {blob}\n",  # two spaces
        f"\u2014 {name}  {blob}\n",
        f"\u2014 {name} {blob} \n",  # trailing space
        f"- {name} {blob}\n",  # hyphen, not em dash
        f"\u2014{name} {blob}\n",
        f"\u2014 {name} {blob[:-1]}\n",  # padding cut
        f"\u2014 {name} {blob}=\n",  # extra padding
        f"\u2014 {name} {blob}==\n",
        f"\u2014 {name} {blob[:4]} {blob[4:]}\n",  # a space in the base64
        f"\u2014 {name} \n",  # no base64
        f"\u2014 {name} AAAA\n",  # 3 bytes: shorter than a key ID and one byte
        f"\u2014 {name} AAAAAA==\n",  # 4 bytes: a key ID and no signature
        f"\u2014 {name} {blob}\n\n",  # an empty line among the signatures
        f"\u2014 {name} {blob[:-6]}AAAA==\n",  # a known key, a wrong signature
        f"\u2014 {name} {blob}",  # no final newline
        f"\u2014 {name} {blob}\r\n",  # CRLF
        f"\u2014 {name} {blob}\t\n",
        f"\u2014 {name} {blob.replace('+', '-').replace('/', '_')}\n",  # URL alphabet
    ]:
        if bad_line != line:  # the URL alphabet changes nothing in a blob with no + or /
            variants.append((body + bad_line).encode())
    variants += [
        text + line.encode(),  # no blank line
        text + b"\n",  # no signature block
        b"\n" + line.encode(),  # empty text
        text.replace(b"42", b"4\x002") + b"\n" + line.encode(),  # a NUL in the text
        text + b"\n" + line.encode().replace(b"\xe2\x80\x94", b"\xe2\x80"),  # bad UTF-8
        b"\xef\xbb\xbf" + good,  # a byte order mark changes the signed text
        text + b"\n" + (line * 101).encode(),  # too many signatures
        text + b"\n\n" + line.encode(),  # the last blank line splits: empty signature line
        text[:-1] + b"\xed\xa0\x80\n\n" + line.encode(),  # an encoded surrogate
    ]
    return variants


def test_the_note_parser_agrees_with_go(go_verifier: Path) -> None:
    signer = Signer.generate(ORIGIN)
    corpus = _corpus(signer)
    go = ask(
        go_verifier,
        {
            "op": "notes",
            "vkey": signer.verifier.text(),
            "notes": [base64.b64encode(n).decode() for n in corpus],
        },
    )["ok"]
    ours = []
    for note in corpus:
        try:
            open_note(note, [signer.verifier])
            ours.append(True)
        except NoteError:
            ours.append(False)
    disagree = [i for i, (a, b) in enumerate(zip(ours, go, strict=True)) if a != b]
    assert not disagree, [(i, corpus[i][-80:], ours[i], go[i]) for i in disagree]
    assert go[:3] == [True, True, True] and sum(go) == 3  # the corpus is mostly malformed
    assert len(corpus) > 35


def test_cosignatures_and_quorum_agree_with_go(go_verifier: Path, tmp_path: Path) -> None:
    signer = Signer.generate(ORIGIN)
    witnesses = [Signer.generate(f"witness.test/w{i}", ALG_COSIGNATURE_V1) for i in (1, 2, 3)]
    text = b"%s\n7\n%s\n" % (ORIGIN.encode(), base64.b64encode(bytes(range(32))))
    note = text.decode() + "\n" + signer.signature_line(text)
    for number, witness in enumerate(witnesses[:2]):
        state = tmp_path / f"w{number}.json"
        reply = Witness([LogConfig(ORIGIN, signer.verifier)], witness, state).add_checkpoint(
            b"old 0\n\n" + note.encode()
        )
        assert reply.status == 200, reply.body
        note += reply.body
    note += "\u2014 witness.test/w3 " + base64.b64encode(bytes(4 + 72)).decode() + "\n"  # bad
    keys = [w.verifier.text() for w in witnesses]
    go = ask(
        go_verifier,
        {"op": "cosigned", "vkey": signer.verifier.text(), "witnesses": keys, "note": note},
    )
    parsed = parse_note(note)
    ours = cosign.quorum_of(parsed.text, parsed.signatures, [w.verifier for w in witnesses])
    assert go == {"log": True, "cosigned": ["witness.test/w1", "witness.test/w2"]}
    assert ours == go["cosigned"]


def test_an_export_is_read_by_go_tlog(
    go_verifier: Path, db: Database, signer: Signer, tmp_path: Path
) -> None:
    entries = plain_entries(66_000)
    sizes = [1, 255, 256, 300, 65_536, 65_600, 66_000]
    done = 0
    for size in sizes:
        with db.sessions.begin() as session:
            log.append(session, entries[done:size])
        checkpoints.publish(db.sessions, signer)
        done = size
    env = {
        **os.environ,
        "FAIRSCREEN_DATABASE_URL": db.url,
        "FAIRSCREEN_DATA_DIR": str(tmp_path / "data"),
        "FAIRSCREEN_LOG_ORIGIN": ORIGIN,
    }
    out = tmp_path / "export"
    subprocess.run(
        [sys.executable, "-m", "fairscreen", "ledger", "export", "--out", str(out)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with db.sessions() as session:
        trees = [
            {"size": size, "root": base64.b64encode(root).decode()}
            for size, root in checkpoints.all_sizes(session)
        ]
    assert [t["size"] for t in trees] == sizes
    indexes = [0, 1, 254, 255, 256, 299, 65_535, 65_536, 65_599, 65_999]
    assert ask(
        go_verifier, {"op": "tiles", "dir": str(out), "trees": trees, "indexes": indexes}
    ) == {"ok": True}
    # Without the partial tiles of an older size, Go cannot read that tree.
    (out / "tile" / "0" / "001.p" / "44").unlink()
    answer = ask(go_verifier, {"op": "tiles", "dir": str(out), "trees": trees[3:4], "indexes": []})
    assert "001.p/44" in answer["error"]
