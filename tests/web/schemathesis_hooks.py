"""Schemathesis hooks for tests/web/test_openapi.py (``SCHEMATHESIS_HOOKS``), loaded by the
``st`` process:

- authentication: an API token of the test's staff member, minted in the test's database; a
  401 (the fuzzer revoked the token it was using, through ``POST /tokens/{id}/revoke``) makes
  schemathesis ask for a new one;
- a schema-valid ``Idempotency-Key`` is made unique per request: the key means "this very
  request", which a schema cannot say, and a generator repeating "0000000000000000" across
  different requests would rightly be refused with 422 (key reused).
"""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

import schemathesis

from fairscreen.accounts import service
from fairscreen.accounts.policy import Actor, policy
from fairscreen.kit.clock import utcnow
from fairscreen.kit.db import open_database

_VALID_KEY = re.compile(r"[!-~]{16,255}")


def mint_token(staff_id: str, organisation_id: str, role: str) -> str:
    _, sessions = open_database()
    actor = Actor("staff", staff_id, role, organisation_id)
    with sessions.begin() as session:
        token, _ = service.create_token(
            session,
            actor,
            name="schemathesis",
            scopes=sorted(policy().roles[role].grants),
            expires_in_days=1,
            now=utcnow(),
        )
    return token


@schemathesis.auth()
class FreshToken:
    def get(self, case: schemathesis.Case[Any], context: schemathesis.AuthContext) -> str:
        return mint_token(
            os.environ["FS_ST_STAFF"], os.environ["FS_ST_ORGANISATION"], os.environ["FS_ST_ROLE"]
        )

    def set(
        self, case: schemathesis.Case[Any], data: str, context: schemathesis.AuthContext
    ) -> None:
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: dict[str, Any]
) -> None:
    for headers in (case.headers, kwargs.get("headers")):
        key = headers.get("Idempotency-Key") if headers else None
        if headers is not None and isinstance(key, str) and _VALID_KEY.fullmatch(key):
            headers["Idempotency-Key"] = str(uuid.uuid4())
