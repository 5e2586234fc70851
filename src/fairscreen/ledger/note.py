"""Signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and witness
cosignatures (c2sp.org/tlog-cosignature, ``cosignature/v1``), with Ed25519 from ``cryptography``.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
``— <key name> <base64(4-byte key ID || signature)>``. Key IDs are
``SHA-256(name || 0x0A || type || public key)[:4]`` with type 0x01 for Ed25519 note signatures
and 0x04 for timestamped Ed25519 cosignatures. Keys travel in the Go ``sumdb/note`` text forms:

- verifier key ``<name>+<hex key ID>+<base64(type || 32-byte public key)>``,
- signer key ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || 32-byte seed)>`` (a secret: it is
  never logged or shown).

A checkpoint's text is the origin line, the tree size in decimal, the base64 root hash, then
optional extension lines. A cosignature signs ``cosignature/v1\\ntime <T>\\n`` followed by the
checkpoint text, and its signature is the 8-byte big-endian timestamp followed by the Ed25519
signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fairscreen.kit.errors import FairscreenError

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
_DASH = "\u2014"
MAX_SIGNATURES = 100
MAX_NOTE_SIZE = 1 << 20


class NoteError(FairscreenError):
    """A malformed note, key or checkpoint, or a signature that does not verify."""


# Unicode's White_Space property, which Go's unicode.IsSpace (and so note.Open) tests for.
_WHITE_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def _valid_name(name: str) -> bool:
    return bool(name) and not any(c in _WHITE_SPACE or c == "+" for c in name)


def key_id(name: str, alg: int, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what}: not valid base64") from None


# -- keys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verifier:
    """A public key that checks one kind of signature line (note signature or cosignature)."""

    name: str
    alg: int
    public_key: bytes
    id: int = field(init=False)

    def __post_init__(self) -> None:
        if not _valid_name(self.name):
            raise NoteError(f"key name {self.name!r} is empty or has spaces or '+'")
        if len(self.public_key) != 32:
            raise NoteError("an Ed25519 public key is 32 bytes")
        object.__setattr__(self, "id", key_id(self.name, self.alg, self.public_key))

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """A verifier from its text form ``name+hexid+base64(type||key)``."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise NoteError("verifier key: expected <name>+<8 hex digits>+<base64 key>")
        name, hex_id, material = parts
        raw = _b64decode(material, "verifier key")
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("verifier key: expected an Ed25519 key (type 0x01 or 0x04, 32 bytes)")
        verifier = cls(name, raw[0], raw[1:])
        if verifier.id != int(hex_id, 16):
            raise NoteError(f"verifier key: key ID {hex_id} does not match the key")
        return verifier

    def text(self) -> str:
        material = base64.b64encode(bytes([self.alg]) + self.public_key).decode()
        return f"{self.name}+{self.id:08x}+{material}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            key = Ed25519PublicKey.from_public_bytes(self.public_key)
        except ValueError:
            return False
        if self.alg == ALG_COSIGNATURE_V1:
            if len(signature) != 8 + 64:
                return False
            (timestamp,) = struct.unpack(">Q", signature[:8])
            message = cosignature_message(timestamp, text)
            signature = signature[8:]
        else:
            message = text
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class SigningKey(Protocol):
    """An Ed25519 private key: ``cryptography``'s, or one held by a token that signs inside it
    (``fairscreen.ledger.signing``)."""

    def sign(self, data: bytes) -> bytes: ...

    def public_key(self) -> Ed25519PublicKey: ...


class Signer:
    """An Ed25519 note signer (type 0x01) or witness cosigner (type 0x04). Holds a secret (or
    the means to use one kept in a token: ``holder`` is then ``pkcs11``)."""

    def __init__(self, name: str, private_key: SigningKey, alg: int = ALG_ED25519) -> None:
        if not _valid_name(name):
            raise NoteError(f"key name {name!r} is empty or has spaces or '+'")
        if alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError(f"unsupported signature type {alg:#04x}")
        self.name = name
        self.alg = alg
        self._key = private_key
        self.holder = "file" if isinstance(private_key, Ed25519PrivateKey) else "pkcs11"
        self.verifier = Verifier(name, alg, _raw_public(private_key.public_key()))

    def __repr__(self) -> str:  # never show the key
        return f"Signer({self.name!r}, alg={self.alg:#04x}, id={self.verifier.id:08x})"

    def close(self) -> None:
        """Release what holds the key (a token session); nothing for a key in memory."""
        close = getattr(self._key, "close", None)
        if callable(close):
            close()

    @classmethod
    def generate(cls, name: str, alg: int = ALG_ED25519) -> Signer:
        return cls(name, Ed25519PrivateKey.generate(), alg)

    @classmethod
    def parse(cls, skey: str, alg: int | None = None) -> Signer:
        """A signer from ``PRIVATE+KEY+name+hexid+base64(type||seed)``. A type 0x01 key may be
        used as a cosigner by passing ``alg=ALG_COSIGNATURE_V1`` (as Go's tooling does)."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("signer key: expected PRIVATE+KEY+<name>+<hex id>+<base64 key>")
        name, hex_id, material = parts[2], parts[3], parts[4]
        raw = _b64decode(material, "signer key")
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("signer key: expected an Ed25519 seed (type 0x01 or 0x04, 32 bytes)")
        stored_alg = raw[0]
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]), stored_alg)
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id) or signer.verifier.id != int(hex_id, 16):
            raise NoteError("signer key: key ID does not match the key")
        if alg is not None and alg != stored_alg:
            signer = cls(name, signer._key, alg)
        return signer

    def seed(self) -> bytes:
        """The 32-byte private key, only to move it into a token (``fairscreen.ledger.signing``)."""
        if not isinstance(self._key, Ed25519PrivateKey):
            raise NoteError(f"the key {self.name!r} is held by a token")
        return self._key.private_bytes_raw()

    def secret_text(self) -> str:
        """The signer key in text form. A secret: write it to a 0600 file, never to a log."""
        if not isinstance(self._key, Ed25519PrivateKey):
            raise NoteError(f"the key {self.name!r} is held by a token; it has no text form")
        seed = self._key.private_bytes_raw()
        material = base64.b64encode(bytes([self.alg]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.id:08x}+{material}"

    def sign(self, text: bytes, timestamp: int | None = None) -> bytes:
        """The signature bytes for a signature line (without the key ID)."""
        if self.alg == ALG_COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp < 1 << 63:
                raise NoteError("a cosignature needs a timestamp")
            return struct.pack(">Q", timestamp) + self._key.sign(
                cosignature_message(timestamp, text)
            )
        return self._key.sign(text)

    def signature_line(self, text: bytes, timestamp: int | None = None) -> str:
        blob = self.verifier.id.to_bytes(4, "big") + self.sign(text, timestamp)
        return f"{_DASH} {self.name} {base64.b64encode(blob).decode()}\n"


def cosignature_message(timestamp: int, text: bytes) -> bytes:
    if text.count(b"\n") < 3:
        raise NoteError("a cosigned note must be a checkpoint (at least three lines)")
    return b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text


# -- notes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: int
    signature: bytes  # after the key ID

    @property
    def timestamp(self) -> int | None:
        """The cosignature timestamp, if this is a cosignature/v1 signature."""
        if len(self.signature) == 8 + 64:
            return int(struct.unpack(">Q", self.signature[:8])[0])
        return None


@dataclass(frozen=True)
class Note:
    text: bytes  # ends in a newline
    signatures: tuple[Signature, ...]

    def lines(self) -> str:
        out = [self.text.decode(), "\n"]
        for sig in self.signatures:
            blob = sig.key_id.to_bytes(4, "big") + sig.signature
            out.append(f"{_DASH} {sig.name} {base64.b64encode(blob).decode()}\n")
        return "".join(out)


def parse_note(data: str | bytes) -> Note:
    """Split a signed note into its text and signature lines (nothing is verified here).

    The rules are Go's ``golang.org/x/mod/sumdb/note.Open``, which the tests run side by side
    on a corpus of malformed notes: valid UTF-8 with no control character but newline; the
    text ends at the last blank line; every line after it, each ending in a newline (only
    U+000A ends a line: U+2028, U+0085 and the like are characters), is ``— name base64`` with
    a name free of Unicode white space and ``+``, and padded standard base64 of a 4-byte key
    ID and at least one byte of signature; at most 100 signature lines."""
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_NOTE_SIZE:
        raise NoteError("note is too large")
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise NoteError("note is not valid UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note contains control characters")
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise NoteError("note has no blank line before its signatures")
    body, sig_block = text[: split + 1], text[split + 2 :]
    if not sig_block:
        raise NoteError("note has no signatures")
    signatures = []
    for number, line in enumerate(sig_block[:-1].split("\n"), start=1):
        if number > MAX_SIGNATURES:
            raise NoteError("note has too many signatures")
        if not line.startswith(_DASH + " "):
            raise NoteError(f"signature line {number} is malformed")
        name, _, encoded = line[2:].partition(" ")
        if not _valid_name(name) or not encoded or _BASE64.fullmatch(encoded) is None:
            raise NoteError(f"signature line {number} is malformed")
        blob = base64.b64decode(encoded)
        if len(blob) < 5:
            raise NoteError(f"signature line {number} is too short")
        signatures.append(Signature(name, int.from_bytes(blob[:4], "big"), blob[4:]))
    return Note(body.encode(), tuple(signatures))


def open_note(data: str | bytes, verifiers: list[Verifier]) -> tuple[Note, list[Verifier]]:
    """Parse and verify: every signature by a known key (same name and key ID) must verify and
    at least one must be present; unknown signatures are ignored. Returns the note and the
    verifiers whose signatures checked out."""
    note = parse_note(data)
    known = {(v.name, v.id): v for v in verifiers}
    good: list[Verifier] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(note.text, sig.signature):
            raise NoteError(f"signature by {sig.name} does not verify")
        good.append(verifier)
    if not good:
        raise NoteError("note carries no signature by a known key")
    return note, good


def sign_note(text: bytes, signers: list[Signer], timestamp: int | None = None) -> str:
    if not text.endswith(b"\n"):
        raise NoteError("note text must end in a newline")
    return text.decode() + "\n" + "".join(s.signature_line(text, timestamp) for s in signers)


def add_signature(note: str, signer: Signer, timestamp: int | None = None) -> str:
    """``note`` with one more signature line (a witness adding its cosignature)."""
    parsed = parse_note(note)
    return note + signer.signature_line(parsed.text, timestamp)


# -- checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> bytes:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return ("\n".join([*lines, *self.extensions]) + "\n").encode()


def parse_checkpoint(text: bytes) -> Checkpoint:
    """The checkpoint in a note's text: origin, decimal size, base64 root, extension lines."""
    try:
        lines = text.decode().split("\n")
    except UnicodeDecodeError:
        raise NoteError("checkpoint is not UTF-8") from None
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("checkpoint: expected origin, size and root hash lines")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not origin:
        raise NoteError("checkpoint: empty origin line")
    if not re.fullmatch(r"0|[1-9][0-9]{0,19}", size_text) or int(size_text) >= 1 << 63:
        raise NoteError("checkpoint: tree size is not a decimal number without leading zeros")
    root = _b64decode(root_text, "checkpoint root hash")
    if len(root) != 32:
        raise NoteError("checkpoint: root hash is not 32 bytes")
    if any(not line for line in extensions):
        raise NoteError("checkpoint: empty extension line")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def open_checkpoint(
    data: str | bytes, verifier: Verifier, origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint by the log's key and check its origin line (by default the
    key's name, which for a log SHOULD be its origin)."""
    note, _ = open_note(data, [verifier])
    checkpoint = parse_checkpoint(note.text)
    expected = verifier.name if origin is None else origin
    if checkpoint.origin != expected:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not {expected!r}")
    return checkpoint, note
