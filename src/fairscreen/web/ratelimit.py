"""Rate limits on the JSON API, per network address (this middleware, before the caller is
known: guessing tokens or codes is throttled too) and per signed-in account or API token
(``fairscreen.accounts.auth.Require``). Both are settings (``FAIRSCREEN_RATE_LIMIT_PER_ADDRESS``,
``FAIRSCREEN_RATE_LIMIT_PER_ACCOUNT``) counted with the ``limits`` library
(``fairscreen.accounts.throttle``); beyond them the answer is 429, as problem details, with
``Retry-After``.

The address is the TCP peer's. Behind a reverse proxy every request comes from the proxy's
address: run uvicorn with ``--proxy-headers`` and ``--forwarded-allow-ips`` naming the proxy so
the peer is the client, or set the per-address limit to ``none`` and limit at the proxy.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from fairscreen.accounts import throttle
from fairscreen.web.problems import send_problem


class AddressLimit:
    def __init__(self, app: ASGIApp, setting: str) -> None:
        self.app = app
        self.limits = throttle.api_limits(setting)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limits and scope["type"] == "http" and scope["path"].startswith("/api/"):
            client = scope.get("client")
            address = client[0] if client else "unknown"
            wait = throttle.hit_api(self.limits, "api-address", address)
            if wait is not None:
                await send_problem(
                    send,
                    429,
                    "too many requests",
                    "too many requests from this address; try again later",
                    [(b"retry-after", str(wait).encode())],
                )
                return
        await self.app(scope, receive, send)
