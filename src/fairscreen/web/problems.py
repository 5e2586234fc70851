"""Errors over HTTP as RFC 9457 problem details (``application/problem+json``).

Every error a route raises ends here: a ``FairscreenError`` becomes the status its class names
(``http_status``) with its message as ``detail``; a request FastAPI cannot validate becomes 422
with the fields at fault in ``errors`` (their location and what is expected, never the value
sent, which may be personal data); anything else becomes a bare 500 (logged with its traceback,
not shown). ``type`` is a stable URI per kind of problem, documented in docs/api.md.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Send

from fairscreen.kit.errors import FairscreenError, InputError, RateLimitedError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://fairscreen.invalid/problems/"


def problem(status: int, title: str, detail: str | None = None, **extensions: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + title.replace(" ", "-"),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


async def send_problem(
    send: Send, status: int, title: str, detail: str, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """A problem answered by ASGI middleware, outside the routes (the same body as ``problem``)."""
    body = orjson.dumps(
        {
            "type": TYPE_BASE + title.replace(" ", "-"),
            "title": title,
            "status": status,
            "detail": detail,
        }
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _fairscreen(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FairscreenError)
    extensions: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, InputError):
        extensions["errors"] = [{"field": exc.where, "message": exc.message}]
    # an error may carry extension members of its own (a refused decision: the rule it breaks)
    extensions.update(getattr(exc, "extensions", None) or {})
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after)
    if exc.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="fairscreen"'
    response = problem(exc.http_status, exc.title, str(exc), **extensions)
    response.headers.update(headers)
    return response


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": str(error.get("msg", "invalid")),
        }
        for error in exc.errors()
    ]
    return problem(422, "invalid input", "the request does not match the API", errors=errors)


def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {
        400: "bad request",
        404: "not found",
        405: "method not allowed",
        413: "content too large",
    }
    response = problem(exc.status_code, titles.get(exc.status_code, "error"), str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        # Starlette names the methods of the first route on the path; a path served by several
        # routes (GET and POST apart) allows them all (RFC 9110, section 10.2.1)
        response.headers["Allow"] = ", ".join(_allowed(request))
    return response


def _allowed(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, "internal error", "something went wrong on our side; it is logged")


def install(app: FastAPI) -> None:
    app.add_exception_handler(FairscreenError, _fairscreen)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
