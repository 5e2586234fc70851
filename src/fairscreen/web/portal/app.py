"""Mounting the portals on the app: the page routers, the stylesheet and icon (served by the
app itself, nothing from elsewhere), and errors on page paths answered as pages (the API keeps
its problem details)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from fairscreen.kit.errors import FairscreenError
from fairscreen.web.portal import (
    candidate,
    entry,
    monitor_elevators,
    monitor_kitchens,
    monitor_livestream,
    monitors,
    regulator,
    staff,
    supervision,
    webhooks,
)
from fairscreen.web.portal.base import LoginRequiredError, error_page, is_page, see_other
from fairscreen.web.portal.i18n import N_

log = logging.getLogger(__name__)
STATIC = "/static/portal"
_INVALID = N_("Some of what was sent is missing or not valid.")
_WRONG = N_("Something went wrong on our side; it is logged.")


def install(app: FastAPI) -> None:
    for module in (
        entry,
        candidate,
        staff,
        webhooks,
        regulator,
        supervision,
        monitor_elevators,
        monitor_livestream,
        monitors,
        monitor_kitchens,
    ):
        app.include_router(module.router)
    folder = resources.files("fairscreen.web.portal") / "static"
    app.mount(STATIC, StaticFiles(directory=str(folder)), name="portal-static")

    api_handlers: dict[Any, Callable[..., Any]] = dict(app.exception_handlers)

    def delegate(kind: Any, request: Request, exc: Exception) -> Response:
        handler = api_handlers.get(kind)
        assert handler is not None
        result: Response = handler(request, exc)
        return result

    def on_login(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequiredError)
        return see_other(exc.to)

    def on_domain(request: Request, exc: Exception) -> Response:
        if not is_page(request.url.path):
            return delegate(FairscreenError, request, exc)
        assert isinstance(exc, FairscreenError)
        return error_page(request, exc.http_status, str(exc))

    def on_validation(request: Request, exc: Exception) -> Response:
        if not is_page(request.url.path):
            return delegate(RequestValidationError, request, exc)
        from fairscreen.web.portal.base import language_of
        from fairscreen.web.portal.i18n import Text

        return error_page(request, 422, Text(language_of(request)).gettext(_INVALID))

    def on_http(request: Request, exc: Exception) -> Response:
        if not is_page(request.url.path):
            return delegate(StarletteHTTPException, request, exc)
        assert isinstance(exc, StarletteHTTPException)
        return error_page(request, exc.status_code, "")

    def on_unexpected(request: Request, exc: Exception) -> Response:
        if not is_page(request.url.path):
            return delegate(Exception, request, exc)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        from fairscreen.web.portal.base import language_of
        from fairscreen.web.portal.i18n import Text

        return error_page(request, 500, Text(language_of(request)).gettext(_WRONG))

    app.add_exception_handler(LoginRequiredError, on_login)
    app.add_exception_handler(FairscreenError, on_domain)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)
