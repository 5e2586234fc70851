"""The ledger over HTTP (mounted at ``/ledger``): C2SP tlog-tiles resources plus JSON proofs.

Static resources, byte for byte what a file server holding an export of the log would serve:

- ``GET /checkpoint``: the latest signed checkpoint (``text/plain; charset=utf-8``);
- ``GET /tile/<L>/<N>[.p/<W>]``: 256 (or ``W``) hashes of tree level ``8 * L``;
- ``GET /tile/entries/<N>[.p/<W>]``: the entry bundle (2-byte big-endian length prefixes).

``<N>`` is written in 3-digit groups, all but the last prefixed with ``x`` (``x001/x234/067``).
Full tiles and bundles never change and are served with long-lived caching headers.

JSON, for clients that would rather not fetch tiles:

- ``GET /proof/inclusion?index=I[&size=S]``: leaf hash and RFC 9162 inclusion proof;
- ``GET /proof/consistency?first=M[&second=N]``: RFC 9162 consistency proof;
- ``GET /receipt/{index}``: a receipt (``fairscreen.ledger.receipts``).

Sizes default to the latest signed checkpoint, so proofs lead to a root that is signed.
Hashes in JSON are base64, as in checkpoints.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response

from fairscreen.kit.http import SessionDep
from fairscreen.ledger import checkpoints, log, proofs, receipts, tiles
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.tiles import TILE_WIDTH, TileError

router = APIRouter(tags=["ledger"])

IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "no-cache, max-age=1"
OCTETS = "application/octet-stream"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _default_size(session: SessionDep, size: int | None) -> int:
    if size is not None:
        return size
    latest = checkpoints.latest(session)
    return latest.size if latest is not None else log.read_state(session).size


@router.get("/checkpoint", response_class=Response)
def get_checkpoint(session: SessionDep) -> Response:
    latest = checkpoints.latest(session)
    if latest is None:
        raise HTTPException(404, "no checkpoint has been published yet")
    return Response(
        latest.note,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": MUTABLE},
    )


@router.get("/tile/entries/{path:path}", response_class=Response)
def get_entry_bundle(path: str, session: SessionDep) -> Response:
    try:
        index, width = tiles.parse_index_path(path)
    except TileError as exc:
        raise HTTPException(400, str(exc)) from None
    found = log.read_bundle(session, index)
    if found is None or found[0] < width:
        raise HTTPException(404, f"entry bundle {path} does not exist (yet)")
    count, data = found
    body = data if width == count else tiles.bundle_prefix(data, width)
    cache = IMMUTABLE if width == TILE_WIDTH else MUTABLE
    return Response(body, media_type=OCTETS, headers={"Cache-Control": cache})


@router.get("/tile/{level}/{path:path}", response_class=Response)
def get_tile(level: str, path: str, session: SessionDep) -> Response:
    try:
        tile_level = tiles.parse_level(level)
        index, width = tiles.parse_index_path(path)
    except TileError as exc:
        raise HTTPException(400, str(exc)) from None
    found = log.read_tile_records(session, [(tile_level, index)]).get((tile_level, index))
    if found is None or found[0] < width:
        raise HTTPException(404, f"tile {tile_level}/{path} does not exist (yet)")
    cache = IMMUTABLE if width == TILE_WIDTH else MUTABLE
    return Response(found[1][: width * 32], media_type=OCTETS, headers={"Cache-Control": cache})


@router.get("/proof/inclusion")
def get_inclusion_proof(
    session: SessionDep,
    index: Annotated[int, Query(ge=0, description="entry index")],
    size: Annotated[
        int | None, Query(ge=1, description="tree size (default: latest checkpoint)")
    ] = None,
) -> dict[str, Any]:
    tree_size = _default_size(session, size)
    try:
        leaf, proof, root = proofs.inclusion_with_root(session, index, tree_size)
    except LedgerError as exc:
        raise HTTPException(400, str(exc)) from None
    return {
        "index": index,
        "tree_size": tree_size,
        "leaf_hash": _b64(leaf),
        "root": _b64(root),
        "inclusion_proof": [_b64(h) for h in proof],
    }


@router.get("/proof/consistency")
def get_consistency_proof(
    session: SessionDep,
    first: Annotated[int, Query(ge=0, description="the older tree size")],
    second: Annotated[
        int | None, Query(ge=0, description="the newer tree size (default: latest checkpoint)")
    ] = None,
) -> dict[str, Any]:
    tree_size = _default_size(session, second)
    try:
        proof = proofs.consistency_proof(session, first, tree_size)
    except LedgerError as exc:
        raise HTTPException(400, str(exc)) from None
    return {"first": first, "second": tree_size, "consistency_proof": [_b64(h) for h in proof]}


@router.get("/receipt/{index}")
def get_receipt(index: int, session: SessionDep) -> dict[str, Any]:
    try:
        return receipts.build_receipt(session, index)
    except LedgerError as exc:
        raise HTTPException(404, str(exc)) from None
