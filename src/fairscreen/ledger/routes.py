"""The ledger over HTTP (mounted at ``/ledger``): C2SP tlog-tiles resources plus JSON proofs.

Static resources, byte for byte what a file server holding an export of the log would serve:

- ``GET /checkpoint``: the latest signed checkpoint with the witnesses' cosignatures the log
  holds for it (``text/plain; charset=utf-8``);
- ``GET /tile/<L>/<N>[.p/<W>]``: 256 (or ``W``) hashes of tree level ``8 * L``;
- ``GET /tile/entries/<N>[.p/<W>]``: the entry bundle (2-byte big-endian length prefixes).

``<N>`` is written in 3-digit groups, all but the last prefixed with ``x`` (``x001/x234/067``).
Tiles and bundles, full or partial, never change and are served with long-lived caching
headers; bundles are gzip-encoded for clients that accept it. Every route answers HEAD.

JSON, for clients that would rather not fetch tiles:

- ``GET /proof/inclusion?index=I[&size=S]``: leaf hash and RFC 9162 inclusion proof;
- ``GET /proof/consistency?first=M[&second=N]``: RFC 9162 consistency proof;
- ``GET /receipt/{index}``: a receipt (``fairscreen.ledger.receipts``).

Sizes default to the latest signed checkpoint, so proofs lead to a root that is signed.
Hashes in JSON are base64, as in checkpoints.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from fairscreen.kit.http import SessionDep
from fairscreen.ledger import checkpoints, cosign, log, proofs, receipts, tiles
from fairscreen.ledger.log import LedgerError
from fairscreen.ledger.tiles import TileError

router = APIRouter(tags=["ledger"])

IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "no-cache, max-age=1"
OCTETS = "application/octet-stream"
Handler = TypeVar("Handler", bound=Callable[..., Any])


def _get(path: str, **options: Any) -> Callable[[Handler], Handler]:
    """Register ``path`` for GET, and for HEAD as well (the same handler answers it without the
    body). HEAD stays out of the OpenAPI document: one operation per resource, one id."""

    def register(handler: Handler) -> Handler:
        router.add_api_route(path, handler, methods=["GET"], **options)
        router.add_api_route(path, handler, methods=["HEAD"], include_in_schema=False, **options)
        return handler

    return register


def _reply(
    request: Request, body: bytes | str, media_type: str, headers: dict[str, str]
) -> Response:
    data = body.encode() if isinstance(body, str) else body
    if request.method == "HEAD":
        return Response(
            b"", media_type=media_type, headers={**headers, "Content-Length": str(len(data))}
        )
    return Response(data, media_type=media_type, headers=headers)


def _json(request: Request, body: dict[str, Any]) -> Response:
    if request.method == "HEAD":
        rendered = JSONResponse(body).body
        return Response(
            b"", media_type="application/json", headers={"Content-Length": str(len(rendered))}
        )
    return JSONResponse(body)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _default_size(session: SessionDep, size: int | None) -> int:
    if size is not None:
        return size
    latest = checkpoints.latest(session)
    return latest.size if latest is not None else log.read_state(session).size


@_get("/checkpoint", response_class=Response)
def get_checkpoint(request: Request, session: SessionDep) -> Response:
    """The latest signed checkpoint, with every witness cosignature the log holds for it."""
    latest = checkpoints.latest(session)
    if latest is None:
        raise HTTPException(404, "no checkpoint has been published yet")
    return _reply(
        request,
        cosign.cosigned_note(session, latest),
        "text/plain; charset=utf-8",
        {"Cache-Control": MUTABLE},
    )


def _in_tree(session: SessionDep, level: int, index: int, width: int) -> bool:
    """Whether the tile (or bundle, level 0) of ``width`` belongs to the tree as it is: a row
    past the tree's right edge is never served, whatever the table holds."""
    return width <= tiles.tile_width(level, index, log.read_state(session).size)


@_get("/tile/entries/{path:path}", response_class=Response)
def get_entry_bundle(request: Request, path: str, session: SessionDep) -> Response:
    """An entry bundle; gzip-encoded when the client accepts it (C2SP tlog-tiles). Full and
    partial bundles never change, so both are cached as immutable."""
    try:
        index, width = tiles.parse_index_path(path)
    except TileError as exc:
        raise HTTPException(400, str(exc)) from None
    found = log.read_bundle(session, index) if _in_tree(session, 0, index, width) else None
    if found is None or found[0] < width:
        raise HTTPException(404, f"entry bundle {path} does not exist (yet)")
    count, data = found
    try:
        body = data if width == count else tiles.bundle_prefix(data, width)
    except TileError:
        raise HTTPException(500, f"entry bundle {path} is damaged in storage") from None
    headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return _reply(request, body, OCTETS, headers)


@_get("/tile/{level}/{path:path}", response_class=Response)
def get_tile(request: Request, level: str, path: str, session: SessionDep) -> Response:
    """A tile of hashes. A partial tile ``.p/W`` never changes either (a wider tile only
    appends), so every tile is cached as immutable."""
    try:
        tile_level = tiles.parse_level(level)
        index, width = tiles.parse_index_path(path)
    except TileError as exc:
        raise HTTPException(400, str(exc)) from None
    found = None
    if _in_tree(session, tile_level, index, width):
        found = log.read_tile_records(session, [(tile_level, index)]).get((tile_level, index))
    if found is None or found[0] < width or len(found[1]) < width * 32:
        raise HTTPException(404, f"tile {tile_level}/{path} does not exist (yet)")
    return _reply(request, found[1][: width * 32], OCTETS, {"Cache-Control": IMMUTABLE})


@_get("/proof/inclusion", response_model=None)
def get_inclusion_proof(
    request: Request,
    session: SessionDep,
    index: Annotated[int, Query(ge=0, description="entry index")],
    size: Annotated[
        int | None, Query(ge=1, description="tree size (default: latest checkpoint)")
    ] = None,
) -> Response:
    tree_size = _default_size(session, size)
    try:
        leaf, proof, root = proofs.inclusion_with_root(session, index, tree_size)
    except LedgerError as exc:
        raise HTTPException(400, str(exc)) from None
    return _json(
        request,
        {
            "index": index,
            "tree_size": tree_size,
            "leaf_hash": _b64(leaf),
            "root": _b64(root),
            "inclusion_proof": [_b64(h) for h in proof],
        },
    )


@_get("/proof/consistency", response_model=None)
def get_consistency_proof(
    request: Request,
    session: SessionDep,
    first: Annotated[int, Query(ge=0, description="the older tree size")],
    second: Annotated[
        int | None, Query(ge=0, description="the newer tree size (default: latest checkpoint)")
    ] = None,
) -> Response:
    tree_size = _default_size(session, second)
    try:
        proof = proofs.consistency_proof(session, first, tree_size)
    except LedgerError as exc:
        raise HTTPException(400, str(exc)) from None
    return _json(
        request,
        {"first": first, "second": tree_size, "consistency_proof": [_b64(h) for h in proof]},
    )


@_get("/receipt/{index}", response_model=None)
def get_receipt(request: Request, index: int, session: SessionDep) -> Response:
    """A receipt for entry ``index`` on the latest checkpoint that covers it and carries the
    witness policy's quorum of cosignatures (else the latest that covers it)."""
    try:
        return _json(
            request,
            receipts.build_receipt(session, index, policy=cosign.configured_policy()),
        )
    except LedgerError as exc:
        raise HTTPException(404, str(exc)) from None
