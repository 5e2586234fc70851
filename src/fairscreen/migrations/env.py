"""Alembic environment: runs against the engine fairscreen hands it (``kit.db.upgrade``) or,
from the ``alembic`` command line, against ``FAIRSCREEN_DATABASE_URL``."""

from __future__ import annotations

from alembic import context

import fairscreen.models  # noqa: F401  (registers every table on Base.metadata)
from fairscreen.kit.db import Base, make_engine
from fairscreen.kit.settings import get_settings

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = make_engine(get_settings().resolved_database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run()
