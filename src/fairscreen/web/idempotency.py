"""Idempotency keys on the API's POSTs (IETF draft-ietf-httpapi-idempotency-key-header).

A client that may have to send a POST again (a timeout, a dropped connection) sends an
``Idempotency-Key`` header (16 to 255 visible ASCII characters; a UUID v4 is the intended
kind, as in the draft and Stripe's API; the draft's quoted sf-string form is accepted too).
For one account and one key:

- the first request is carried out; its answer (status, body, content type, ``Location``)
  is kept for ``TTL`` (24 hours);
- the same request again (same method, path, query, content type and body) gets that answer
  again, with ``Idempotent-Replayed: true``, and nothing is done a second time;
- the same key with another request is refused with 422 (the draft's "key reused");
- the same key while the first request is still being carried out is refused with 409 and
  ``Retry-After: 1`` (the draft's "concurrent request").

Answers of 5xx and 429 are not kept (the client may simply try again); every other answer,
refusals included, is. Only signed-in callers' POSTs honour the header (the account is part of
the key); the sign-in routes, whose answers are secrets, ignore it.

**Nothing kept can be read or linked without the client's key.** A row is found by
``SHA-256(account, key)``; the request's fingerprint is an HMAC keyed with the key; the answer
is sealed (AES-256-GCM) under a key derived from the idempotency key (HKDF-SHA256, with a salt
of the row's own). The database alone holds no account, no request body and no readable
answer: only the client that holds the key can have its answer back. So the table holds no
personal data, and the answers it keeps may include what a route shows once (a new API token).

**Same transaction as the effect.** When the route's own transaction commits, the row is
marked ``applied`` in that very transaction (a ``before_commit`` hook on the sessions of the
request; a transaction that appends to the ledger marks it just before it takes the ledger's
lock, so that the one appender at a time does not hold it for this statement too), and the
answer is stored right after. A server killed between the two leaves an
``applied`` row without an answer: a retry is then refused with 409 (the effect happened; read
the resource), never carried out twice. A row still ``in_flight`` after ``LEASE`` (the server
died before the route committed anything) is taken over by the next retry and carried out.

A request with a new key costs two short transactions besides the route's: the claim (one
``INSERT ... ON CONFLICT DO NOTHING``) and the answer (one ``UPDATE``).

Expired rows are deleted when a key is first used (at most ``SWEEP_BATCH`` at a time, at most
once every ``SWEEP_EVERY`` per server process); an expired row met again is replaced.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import os
import re
import threading
from datetime import datetime, timedelta
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import table_of
from fairscreen.kit.errors import FairscreenError
from fairscreen.ledger import log as ledger_log
from fairscreen.web.models import IdempotencyRecord
from fairscreen.web.problems import send_problem

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
TTL = timedelta(hours=24)
LEASE = timedelta(seconds=60)
SWEEP_BATCH = 500
SWEEP_EVERY = timedelta(seconds=60)
KEY_MIN, KEY_MAX = 16, 255
_KEPT_HEADERS = (b"content-type", b"location")
# The routes of sessions (signing in and out, second factors, passwords) and of invitation links
# do not take keys: their answers set cookies, which are not kept, and a retry signs in again.
UNKEYED = re.compile(r"^/api/v1/(auth/|invitation/)")


_TABLE = table_of(IdempotencyRecord)

# The row of the request being carried out in this context (the route runs in a worker thread
# with a copy of the context), for the before_commit hook.
_current: contextvars.ContextVar[bytes | None] = contextvars.ContextVar(
    "fairscreen_idempotency", default=None
)


_MARKED = "idempotency_marked"  # session.info: the row this transaction already marked


@event.listens_for(Session, "before_commit")
def _mark_applied(session: Session) -> None:
    """The route's transaction commits: its row is marked applied in the same transaction
    (unless it was already, before the transaction appended to the ledger)."""
    row = _current.get()
    if row is None or session.info.get("idempotency") or session.info.get(_MARKED) == row:
        return
    session.execute(
        update(_TABLE)
        .where(_TABLE.c.id == row, _TABLE.c.state == "in_flight")
        .values(state="applied")
    )
    session.info[_MARKED] = row


def _mark_before_ledger_lock(session: Session) -> None:
    """A transaction that appends to the ledger marks its row before it takes the ledger's lock
    (one appender at a time), not at the commit, when the lock is held: same transaction, so
    the row is applied exactly when the effect commits, as before."""
    _mark_applied(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_mark(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_MARKED, None)


ledger_log.BEFORE_LOCK.append(_mark_before_ledger_lock)


class IdempotencyKeyError(FairscreenError):
    """A refused use of an idempotency key (422 reused with another request, 409 in flight)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.problem_title = title


def parse_key(raw: str) -> str:
    """The key of an ``Idempotency-Key`` header: plain, or the draft's quoted sf-string."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not KEY_MIN <= len(key) <= KEY_MAX or not all(33 <= ord(c) <= 126 for c in key):
        raise IdempotencyKeyError(
            422,
            "invalid input",
            f"{HEADER}: {KEY_MIN} to {KEY_MAX} visible ASCII characters (a UUID v4, say)",
        )
    return key


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _row_id(account: str, key: str) -> bytes:
    return hashlib.sha256(
        b"fairscreen idempotency\0" + account.encode() + b"\0" + key.encode()
    ).digest()


def _fingerprint(key: str, scope: Scope, content_type: bytes, body: bytes) -> bytes:
    mac = hmac.new(key.encode(), digestmod=hashlib.sha256)
    for part in (
        scope["method"].encode(),
        scope["path"].encode(),
        scope.get("query_string", b""),
        content_type,
    ):
        mac.update(len(part).to_bytes(8, "big") + part)
    mac.update(body)
    return mac.digest()


def _aead(key: str, salt: bytes, row: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"fairscreen idempotency\0" + row
    ).derive(key.encode())
    return AESGCM(derived)


def _seal(key: str, salt: bytes, row: bytes, answer: dict[str, Any]) -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead(key, salt, row).encrypt(nonce, orjson.dumps(answer), row)


def _open(key: str, salt: bytes, row: bytes, sealed: bytes) -> dict[str, Any]:
    answer: dict[str, Any] = orjson.loads(
        _aead(key, salt, row).decrypt(sealed[:12], sealed[12:], row)
    )
    return answer


class Idempotency:
    """ASGI middleware: idempotency keys on ``/api/`` POSTs of signed-in callers."""

    def __init__(self, app: ASGIApp, sessions: sessionmaker[Session]) -> None:
        self.app = app
        self.sessions = sessions
        self._swept: datetime | None = None
        self._sweep_lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/api/")
            or UNKEYED.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        raw = headers.get(HEADER.lower().encode())
        if raw is None:
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        replay = _replaying(body, more, receive)
        account = await run_in_threadpool(self._account, scope)
        if account is None:  # not signed in, or a sign-in route: the route answers as usual
            await self.app(scope, replay, send)
            return
        try:
            key = parse_key(raw.decode("latin-1"))
        except IdempotencyKeyError as exc:
            await _problem(send, exc)
            return
        row = _row_id(account, key)
        fingerprint = _fingerprint(key, scope, headers.get(b"content-type", b""), body)
        try:
            found = await run_in_threadpool(self._begin, row, fingerprint, key)
        except IdempotencyKeyError as exc:
            await _problem(send, exc)
            return
        if isinstance(found, dict):
            await _send_answer(send, found)
            return
        await self._carry_out(scope, replay, send, row, found, key)

    def _account(self, scope: Scope) -> str | None:
        from fairscreen.accounts.auth import resolve

        try:
            caller = resolve(Request(scope))
        except FairscreenError:
            return None  # a bad token: the route refuses it (401)
        return None if caller is None else caller.actor.label

    def _begin(self, row: bytes, fingerprint: bytes, key: str) -> bytes | dict[str, Any]:
        """Claim the key (the new row's salt: carry the request out), or the kept answer to
        replay. A new key, the usual case, is one statement: ``INSERT ... ON CONFLICT DO
        NOTHING`` (a concurrent claim of the same key waits for the first one's commit, then
        finds its row)."""
        now = utcnow()
        self._sweep(now)
        salt = os.urandom(16)
        claim = {
            "id": row,
            "fingerprint": fingerprint,
            "state": "in_flight",
            "status": None,
            "salt": salt,
            "response_ct": None,
            "started_at": now,
            "expires_at": now + TTL,
        }
        for _ in range(3):
            with self.sessions.begin() as session:
                session.info["idempotency"] = True
                if self._claim(session, claim):
                    return salt
                found = session.get(IdempotencyRecord, row, with_for_update=True)
                if found is not None and found.expires_at <= now:
                    session.delete(found)
                    session.flush()
                    if self._claim(session, claim):
                        return salt
                    found = None
                if found is None:
                    continue  # gone between the two statements: claim again
                found_fingerprint, found_salt = found.fingerprint, found.salt
                state, started_at, sealed = found.state, found.started_at, found.response_ct
            if not hmac.compare_digest(found_fingerprint, fingerprint):
                raise IdempotencyKeyError(
                    422,
                    "idempotency key reused",
                    f"{HEADER}: this key was used for another request; use a new key",
                )
            if state == "done" and sealed is not None:
                try:
                    return _open(key, found_salt, row, sealed)
                except InvalidTag:
                    raise IdempotencyKeyError(
                        422, "idempotency key reused", f"{HEADER}: use a new key"
                    ) from None
            if state == "in_flight" and started_at + LEASE <= now:
                # the server carrying it out died before anything was committed: take it over
                with self.sessions.begin() as session:
                    session.info["idempotency"] = True
                    taken = session.execute(
                        update(_TABLE)
                        .where(_TABLE.c.id == row, _TABLE.c.started_at == started_at)
                        .values(started_at=now)
                        .returning(_TABLE.c.id)
                    ).first()
                if taken:
                    return found_salt
                continue
            if state == "applied":
                raise IdempotencyKeyError(
                    409,
                    "idempotency key in use",
                    f"{HEADER}: the request with this key was carried out but its answer was "
                    "lost; read the resource instead of sending it again",
                )
            raise IdempotencyKeyError(
                409,
                "idempotency key in use",
                f"{HEADER}: a request with this key is still being carried out; try again",
            )
        raise IdempotencyKeyError(409, "idempotency key in use", f"{HEADER}: try again")

    @staticmethod
    def _claim(session: Session, claim: dict[str, Any]) -> bool:
        """Insert the claim unless the key has a row; whether it was inserted."""
        insert = (postgresql.insert if _postgres(session) else sqlite.insert)(_TABLE)
        stmt = insert.values(claim).on_conflict_do_nothing(index_elements=[_TABLE.c.id])
        return session.execute(stmt.returning(_TABLE.c.id)).first() is not None

    def _sweep(self, now: datetime) -> None:
        """Delete expired rows (at most ``SWEEP_BATCH``), at most once every ``SWEEP_EVERY``
        in this process: not a statement on every request."""
        with self._sweep_lock:
            if self._swept is not None and now < self._swept + SWEEP_EVERY:
                return
            self._swept = now
        with self.sessions.begin() as session:
            session.info["idempotency"] = True
            session.execute(
                delete(_TABLE).where(
                    _TABLE.c.id.in_(
                        select(_TABLE.c.id)
                        .where(_TABLE.c.expires_at <= now)
                        .limit(SWEEP_BATCH)
                        .scalar_subquery()
                    )
                )
            )

    async def _carry_out(
        self, scope: Scope, receive: Receive, send: Send, row: bytes, salt: bytes, key: str
    ) -> None:
        status = 500
        kept: list[list[str]] = []
        chunks: list[bytes] = []

        async def capturing(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                kept.extend(
                    [k.decode("latin-1"), v.decode("latin-1")]
                    for k, v in message.get("headers", [])
                    if k.lower() in _KEPT_HEADERS
                )
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        token = _current.set(row)
        try:
            await self.app(scope, receive, capturing)
        finally:
            _current.reset(token)
            await run_in_threadpool(self._finish, row, salt, key, status, kept, b"".join(chunks))

    def _finish(
        self, row: bytes, salt: bytes, key: str, status: int, headers: list[list[str]], body: bytes
    ) -> None:
        """Keep the answer: one statement (the row's salt is the one claimed with it)."""
        with self.sessions.begin() as session:
            session.info["idempotency"] = True
            if status >= 500 or status == 429:
                # not kept: the client may simply try again
                session.execute(delete(_TABLE).where(_TABLE.c.id == row))
                return
            answer = {
                "status": status,
                "headers": headers,
                "body": base64.b64encode(body).decode(),
            }
            session.execute(
                update(_TABLE)
                .where(_TABLE.c.id == row)
                .values(state="done", status=status, response_ct=_seal(key, salt, row, answer))
            )


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    """The whole request body (the body limit outside bounds it), and any later messages."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), []


def _replaying(body: bytes, after: list[Message], receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if after:
            return after.pop(0)
        return await receive()

    return replay


async def _send_answer(send: Send, answer: dict[str, Any]) -> None:
    body = base64.b64decode(answer["body"])
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer["headers"]]
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers += [(b"content-length", str(len(body)).encode()), (REPLAYED.lower().encode(), b"true")]
    await send({"type": "http.response.start", "status": answer["status"], "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _problem(send: Send, exc: IdempotencyKeyError) -> None:
    retry = [(b"retry-after", b"1")] if exc.status == 409 else []
    await send_problem(send, exc.status, exc.problem_title, str(exc), retry)
