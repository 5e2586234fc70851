"""HTTP plumbing shared by every router (no domain): a database session per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker


def get_session(request: Request) -> Iterator[Session]:
    """A session for the request; read-only routes just let it close (nothing to commit)."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

# The largest ``offset`` a listing accepts: past it a database may overflow its integer (a 500),
# and no listing has that many rows.
MAX_OFFSET = 1_000_000_000
