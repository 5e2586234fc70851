"""The API's OpenAPI description, completed with what the routes share: every answer an
operation can give is listed, with the body it has.

FastAPI describes each route from its signature and its ``responses``. What middleware and
dependencies add is the same for whole classes of routes, so it is added here, once, rather
than repeated on every route:

- every error is an RFC 9457 problem (``application/problem+json``, the ``Problem`` schema),
  422 included (FastAPI's own ``HTTPValidationError`` body is not what the API answers);
- every ``/api`` operation may answer 429 (rate limits, with ``Retry-After``);
- an operation with a body may answer 400 (a body that is not JSON) and 413 (too large);
- an operation behind ``Require`` may answer 401 and 403, one with a path parameter 404;
- a POST that takes an ``Idempotency-Key`` (``web.idempotency``) says so, with the 409 and 422
  a key can cause.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from fairscreen.accounts.auth import Require
from fairscreen.web.idempotency import HEADER, KEY_MAX, KEY_MIN, REPLAYED, UNKEYED

PROBLEM = "application/problem+json"
_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details (docs/api.md lists the types)",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "the fields at fault (422): where, and what is expected",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "rule": {"type": "string", "description": "the rule a refused operation breaks"},
        "rules": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}
_DESCRIPTIONS = {
    400: "the body is not well-formed",
    401: "no valid session or API token",
    403: "the role may not do this (or the CSRF check failed)",
    404: "no such resource, as far as the caller may know",
    409: "refused in the resource's present state (the rule it breaks)",
    413: "the body is too large",
    422: "invalid input: the fields at fault",
    429: "too many requests: see Retry-After",
}
_RETRY_AFTER = {
    "description": "seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 1},
}


def _problem_response(status: int, given: dict[str, Any] | None) -> dict[str, Any]:
    description = (given or {}).get("description") or _DESCRIPTIONS.get(status, "error")
    if description in ("Unprocessable Entity", "Validation Error") or description == str(status):
        description = _DESCRIPTIONS.get(status, description)
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": {**_RETRY_AFTER, "required": True}}
    if status == 409:
        response["headers"] = {"Retry-After": _RETRY_AFTER}
    return response


def _requirement(route: APIRoute) -> Require | None:
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, Require):
            return dependency.call
    return None


def complete(
    schema: dict[str, Any], routes: Sequence[tuple[str, APIRoute]], prefix: str
) -> dict[str, Any]:
    """``schema`` (FastAPI's) with the shared answers of ``routes`` (full path, route) under
    ``prefix``."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = _PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    by_operation = {
        (method.lower(), path): route for path, route in routes for method in (route.methods or ())
    }
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method, operation in operations.items():
            route = by_operation.get((method, path))
            if route is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            statuses = {int(code) for code in responses if code.isdigit()}
            statuses |= {422, 429}
            if "requestBody" in operation:
                statuses |= {400, 413}
            if _requirement(route) is not None:
                statuses |= {401, 403}
                if "{" in path:
                    statuses.add(404)
            if method == "post" and _requirement(route) is not None and not UNKEYED.match(path):
                statuses.add(409)
                operation.setdefault("parameters", []).append(
                    {
                        "name": HEADER,
                        "in": "header",
                        "required": False,
                        "description": (
                            "send the same key with the same request to have the first answer "
                            "again instead of the request carried out twice (24 hours; "
                            'docs/api.md, "Idempotency keys")'
                        ),
                        "schema": {
                            "type": "string",
                            "minLength": KEY_MIN,
                            "maxLength": KEY_MAX,
                            "pattern": "^[!-~]+$",
                        },
                    }
                )
                for code, response in responses.items():
                    if code.startswith("2"):
                        response.setdefault("headers", {})[REPLAYED] = {
                            "description": "true when this is the kept answer to a retry",
                            "schema": {"type": "string", "enum": ["true"]},
                        }
            for status in sorted(statuses):
                if status >= 400:
                    responses[str(status)] = _problem_response(status, responses.get(str(status)))
            operation["responses"] = dict(sorted(responses.items()))
    return schema


def install(app: FastAPI, prefix: str, routers: Iterable[tuple[str, APIRouter]]) -> None:
    """Serve the completed description at ``/openapi.json`` (computed once); ``routers`` are
    the API's, with where each is mounted under ``prefix``."""
    plain = app.openapi
    routes = [
        (prefix + mount + route.path_format, route)
        for mount, router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
    ]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(plain(), routes, prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
