"""HTTP hardening, as ASGI middleware around the whole application.

- **Trusted hosts**: a request whose ``Host`` is not one of ``allowed_hosts`` (settings:
  ``FAIRSCREEN_ALLOWED_HOSTS``) is refused with 400, so DNS rebinding cannot reach the API from
  a browser (Starlette's ``TrustedHostMiddleware``).
- **Body size**: a request body larger than ``max_body`` bytes is refused with 413, whether it
  announces its length or streams it.
- **Headers** on every response: a strict Content-Security-Policy (the API docs pages get the
  inline script their bundles need; a response that sets ``sandbox`` keeps its own), ``nosniff``, no referrer, no framing, an isolated opener,
  no powerful features, HSTS on HTTPS, and ``Cache-Control: no-store`` on the API (its answers
  may hold personal data).
- **CORS** stays closed: no CORS middleware is installed, so a browser on another origin cannot
  read any answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB
STRICT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
_REPLACED = {k for k, _ in _COMMON} | {b"content-security-policy"}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        docs = path.startswith(DOCS_PATHS)
        api = path.startswith("/api/")
        https = scope.get("scheme") == "https"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = message.get("headers", [])
                # A response that sandboxes itself (a document served back as an attachment)
                # keeps its own, stricter policy; any other policy is replaced.
                csp = next((v for k, v in given if k.lower() == b"content-security-policy"), b"")
                if not csp.startswith(b"sandbox"):
                    csp = (DOCS_CSP if docs else STRICT_CSP).encode()
                headers = [(k, v) for k, v in given if k.lower() not in _REPLACED]
                headers += _COMMON
                headers.append((b"content-security-policy", csp))
                if api:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    if int(value) > self.max_body:
                        await _too_large(send, self.max_body)
                        return
                except ValueError:
                    pass
        seen = 0
        started = False

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLargeError
            return message

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting, tracking)
        except _TooLargeError:
            if not started:
                await _too_large(send, self.max_body)


class _TooLargeError(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = orjson.dumps(
        {
            "type": "https://fairscreen.invalid/problems/content-too-large",
            "title": "content too large",
            "status": 413,
            "detail": f"request bodies are limited to {limit} bytes",
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def harden(app: Any, *, allowed_hosts: Iterable[str], max_body: int = DEFAULT_MAX_BODY) -> None:
    """Install the middleware on a Starlette or FastAPI ``app`` (outermost: trusted hosts)."""
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_body=max_body)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
