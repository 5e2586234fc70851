"""Looking for a person's data in raw bytes: database files, a dump, a data directory."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")
_CHUNK = 64 << 20


def encodings_of(text: str) -> dict[str, bytes]:
    """``text`` in every encoding the scan looks for (the same bytes once)."""
    out: dict[str, bytes] = {}
    for encoding in ENCODINGS:
        data = text.encode(encoding)
        if data not in out.values():
            out[encoding] = data
    return out


@dataclass(frozen=True)
class Needle:
    label: str  # what it is, for the failure message (never the value itself)
    data: bytes


def text_needles(label: str, texts: Iterable[str]) -> list[Needle]:
    return [
        Needle(f"{label}[{i}] {encoding}", data)
        for i, text in enumerate(texts)
        for encoding, data in encodings_of(text).items()
    ]


def byte_needles(label: str, blobs: Iterable[bytes], prefix: int = 24) -> list[Needle]:
    """Random bytes (ciphertexts, wrapped keys): their first ``prefix`` bytes are as good as the
    whole and also catch a copy that was cut at a page boundary."""
    return [Needle(f"{label}[{i}]", blob[:prefix]) for i, blob in enumerate(blobs)]


@dataclass(frozen=True)
class Hit:
    needle: str
    path: str
    offset: int


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for root, _, names in os.walk(path):
                for name in sorted(names):
                    yield Path(root) / name
        elif path.exists():
            yield path


def scan(paths: Iterable[Path], needles: list[Needle]) -> list[Hit]:
    """Every needle found in any file under ``paths`` (directories are walked)."""
    longest = max((len(n.data) for n in needles), default=1)
    hits: list[Hit] = []
    for path in _files(paths):
        try:
            handle = path.open("rb")
        except OSError:
            continue  # a file that vanished or is a socket
        with handle:
            offset, tail = 0, b""
            while chunk := handle.read(_CHUNK):
                data = tail + chunk
                base = offset - len(tail)
                for needle in needles:
                    at = data.find(needle.data)
                    if at >= 0:
                        hits.append(Hit(needle.label, str(path), base + at))
                tail = data[-(longest - 1) :] if longest > 1 else b""
                offset += len(chunk)
    # a needle found in the overlap of two chunks is reported twice; keep the first
    seen: set[tuple[str, str]] = set()
    unique = []
    for hit in hits:
        if (hit.needle, hit.path) not in seen:
            seen.add((hit.needle, hit.path))
            unique.append(hit)
    return unique


def sqlite_files(database: Path) -> list[Path]:
    return [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
