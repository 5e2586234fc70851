"""The ledger over HTTP: C2SP tlog-tiles resources, byte for byte, and the JSON proofs."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest

from fairscreen.ledger import checkpoints, log, merkle, tiles
from fairscreen.ledger.note import Signer, open_checkpoint
from fairscreen.ledger.receipts import verify_receipt
from fairscreen.web.app import create_app
from tests.conftest import Database
from tests.ledger import rfc9162
from tests.ledger.conftest import AsgiClient, plain_entries

N = 70_000  # the tlog-tiles example size: partial tiles at three levels


@pytest.fixture
def client(db: Database) -> AsgiClient:
    return AsgiClient(create_app(db.sessions))


def test_no_checkpoint_yet(client: AsgiClient) -> None:
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 404


def test_tiles_and_bundles(db: Database, client: AsgiClient, signer: Signer) -> None:
    entries = plain_entries(N)
    with db.sessions.begin() as session:
        log.append(session, entries)
    checkpoints.publish(db.sessions, signer)
    leaves = merkle.leaf_hashes(entries)

    response = client.get("/ledger/checkpoint")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    checkpoint, _ = open_checkpoint(response.content, signer.verifier)
    assert checkpoint.size == N

    full = client.get("/ledger/tile/0/272")
    assert full.content == b"".join(leaves[272 * 256 : 273 * 256])
    assert "immutable" in full.headers["cache-control"]
    assert full.headers["content-type"] == "application/octet-stream"
    partial = client.get("/ledger/tile/0/273.p/112")
    assert partial.content == b"".join(leaves[273 * 256 :])
    assert client.get("/ledger/tile/0/273.p/5").content == b"".join(
        leaves[273 * 256 : 273 * 256 + 5]
    )
    assert client.get("/ledger/tile/0/273").status_code == 404  # not full yet
    assert client.get("/ledger/tile/0/273.p/113").status_code == 404
    # Level 1: hashes of full level-0 tiles; level 2: of full level-1 tiles.
    level1 = client.get("/ledger/tile/1/001.p/17").content
    assert tiles.hashes_of(level1)[16] == rfc9162.mth(entries[(256 + 16) * 256 : (256 + 17) * 256])
    level2 = client.get("/ledger/tile/2/000.p/1").content
    assert level2 == merkle.compute_root(leaves[:65536])

    bundle = client.get("/ledger/tile/entries/273.p/112")
    assert tiles.decode_bundle(bundle.content) == entries[273 * 256 :]
    first = client.get("/ledger/tile/entries/000")
    assert first.content == tiles.encode_entries(entries[:256])
    assert client.get("/ledger/tile/entries/273.p/3").content == tiles.encode_entries(
        entries[273 * 256 : 273 * 256 + 3]
    )
    for bad in [
        "/ledger/tile/0/1",
        "/ledger/tile/00/000",
        "/ledger/tile/0/000.p/256",
        "/ledger/tile/entries/x000/001",
    ]:
        assert client.get(bad).status_code == 400, bad
    assert client.get("/ledger/tile/0/x001/000").status_code == 404


def test_json_proofs_and_receipts(db: Database, client: AsgiClient, signer: Signer) -> None:
    entries = plain_entries(1000)
    with db.sessions.begin() as session:
        log.append(session, entries[:600])
    checkpoints.publish(db.sessions, signer)
    with db.sessions.begin() as session:
        log.append(session, entries[600:])
    checkpoints.publish(db.sessions, signer)
    root600 = merkle.compute_root(merkle.leaf_hashes(entries[:600]))
    root1000 = merkle.compute_root(merkle.leaf_hashes(entries))

    body = client.get("/ledger/proof/inclusion", params={"index": 123}).json()
    assert body["tree_size"] == 1000
    proof = [base64.b64decode(h) for h in body["inclusion_proof"]]
    merkle.verify_inclusion(123, 1000, merkle.leaf_hash(entries[123]), proof, root1000)
    assert base64.b64decode(body["root"]) == root1000
    body = client.get("/ledger/proof/inclusion", params={"index": 5, "size": 600}).json()
    assert base64.b64decode(body["root"]) == root600

    body = client.get("/ledger/proof/consistency", params={"first": 600}).json()
    proof = [base64.b64decode(h) for h in body["consistency_proof"]]
    merkle.verify_consistency(600, 1000, root600, root1000, proof)

    assert client.get("/ledger/proof/inclusion", params={"index": 1000}).status_code == 400
    assert client.get("/ledger/proof/inclusion", params={"index": -1}).status_code == 422
    assert (
        client.get("/ledger/proof/consistency", params={"first": 5, "second": 2000}).status_code
        == 400
    )

    receipt = client.get("/ledger/receipt/999").json()
    assert verify_receipt(receipt, signer.verifier).index == 999
    assert client.get("/ledger/receipt/1000").status_code == 404
    past = client.get("/ledger/receipt/99999999")
    assert past.status_code == 404
    assert past.json()["detail"] == "no such entry: index 99999999 (the log has 1000 entries)"


def test_caching_gzip_and_head(db: Database, client: AsgiClient, signer: Signer) -> None:
    """C2SP tlog-tiles: tiles and bundles, partial ones too, are immutable; bundles are gzip
    for a client that accepts it; every route answers HEAD like GET, without the body."""
    entries = plain_entries(300)
    with db.sessions.begin() as session:
        log.append(session, entries)
    checkpoints.publish(db.sessions, signer)
    for path in ["/ledger/tile/0/000", "/ledger/tile/0/001.p/44", "/ledger/tile/1/000.p/1"]:
        assert "immutable" in client.get(path).headers["cache-control"], path
    plain = client.get("/ledger/tile/entries/001.p/44", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert "immutable" in plain.headers["cache-control"]
    assert tiles.decode_bundle(plain.content) == entries[256:]

    async def raw(method: str, path: str, headers: dict[str, str]) -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url=client.base_url) as http:
            request = http.build_request(method, path, headers=headers)
            return await http.send(request, stream=True)

    zipped = asyncio.run(raw("GET", "/ledger/tile/entries/001.p/44", {"Accept-Encoding": "gzip"}))
    assert zipped.headers["content-encoding"] == "gzip"
    # httpx undoes the gzip encoding: the bytes that arrive decode to the bundle.
    assert asyncio.run(zipped.aread()) == plain.content
    assert "no-cache" in client.get("/ledger/checkpoint").headers["cache-control"]

    for path in [
        "/ledger/checkpoint",
        "/ledger/tile/0/000",
        "/ledger/tile/entries/001.p/44",
        "/ledger/proof/inclusion?index=3",
        "/ledger/proof/consistency?first=3",
        "/ledger/receipt/3",
    ]:
        get = client.get(path, headers={"Accept-Encoding": "identity"})
        head = asyncio.run(raw("HEAD", path, {"Accept-Encoding": "identity"}))
        assert head.status_code == get.status_code == 200, path
        assert asyncio.run(head.aread()) == b""
        assert int(head.headers["content-length"]) == len(get.content), path
        assert head.headers["content-type"] == get.headers["content-type"], path
