"""``fairscreen serve``: the web application, with the ledger's checkpoint publisher."""

from __future__ import annotations

from typing import Annotated

import typer

from fairscreen.kit.errors import FairscreenError
from fairscreen.kit.signals import Terminated


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    publish_interval: Annotated[
        float,
        typer.Option(min=0.05, help="seconds between checkpoint publications while the log grows"),
    ] = 0.5,
    publish: Annotated[bool, typer.Option(help="run the background checkpoint publisher")] = True,
) -> None:
    """Serve the web app: the ledger's C2SP tlog-tiles endpoints and JSON proofs under /ledger,
    deletion requests, legal holds and destruction certificates under /retention.

    With the publisher on (the default), a checkpoint is signed whenever the log has grown, at
    least once a second while entries arrive; the retention sweep runs on its schedule
    (FAIRSCREEN_RETENTION_SWEEP_INTERVAL seconds, 0 to turn it off). On SQLite the write-ahead
    log is checkpointed into the main file at start-up and on a clean stop (SIGTERM, Ctrl-C)."""
    import uvicorn

    from fairscreen.kit.db import open_database
    from fairscreen.ledger.checkpoints import Publisher, load_signer
    from fairscreen.web.app import create_app

    try:
        _, sessions = open_database()
        publisher = None
        if publish:
            publisher = Publisher(sessions, load_signer(), interval=publish_interval)
    except FairscreenError as exc:
        typer.echo(f"error {exc}", err=True)
        raise typer.Exit(1) from None
    try:
        uvicorn.run(
            create_app(sessions, publisher=publisher), host=host, port=port, log_level="warning"
        )
    except (KeyboardInterrupt, Terminated):
        # uvicorn shut down gracefully (the app's lifespan ended: publisher and scheduler
        # stopped, the WAL checkpointed), then raised again the signal that stopped it.
        return
