"""``fairscreen serve``: the web application, with the ledger's checkpoint publisher."""

from __future__ import annotations

import errno
import socket
from typing import Annotated

import typer
from rich.console import Console

from fairscreen.kit.errors import ConfigError
from fairscreen.kit.signals import Terminated

err = Console(stderr=True, highlight=False, soft_wrap=True)
# PostgreSQL connections the server keeps open, and as many again under load: the routes run
# in a pool of 40 threads (Starlette's, through anyio), and with SQLAlchemy's default of 5 (and
# 10 more, closed when returned) most of them waited for a connection under load, and a new
# connection (a process on the server) was opened and closed every few dozen requests. With 20
# kept, a write (the idempotency key's claim and answer, the route, the caller's lookup) under
# 50 clients still opened and closed one every few requests: 40 kept, one per route thread.
POOL_SIZE = 40


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: a free port), bound before anything is said
    about the URL, so that what ``serve`` prints is where it listens."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host}: not an address to listen on ({exc.strerror})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        hint = "choose another --port" if exc.errno == errno.EADDRINUSE else "check --host"
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror} ({hint})") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free port)")] = 8000,
    publish_interval: Annotated[
        float,
        typer.Option(min=0.05, help="seconds between checkpoint publications while the log grows"),
    ] = 0.5,
    publish: Annotated[bool, typer.Option(help="run the background checkpoint publisher")] = True,
) -> None:
    """Serve the web app: the JSON API under /api/v1 (signed-in staff and candidates, API
    tokens; docs/api.md), the ledger's C2SP tlog-tiles endpoints and JSON proofs under /ledger,
    and the API documentation under /docs and /redoc (served by the app itself, no CDN).
    Answers only to the Host names of FAIRSCREEN_ALLOWED_HOSTS and --host.

    Prints the URL it listens on once the port is open. With the publisher on (the default), a
    checkpoint is signed whenever the log has grown, at least once a second while entries
    arrive; the retention sweep runs on its schedule (FAIRSCREEN_RETENTION_SWEEP_INTERVAL
    seconds, 0 to turn it off), and the outbox's worker delivers notifications
    (FAIRSCREEN_NOTIFY_INTERVAL seconds between polls, 0 to turn it off; docs/notify.md). On
    SQLite the write-ahead log is checkpointed into the main file at start-up and on a clean
    stop (SIGTERM, Ctrl-C)."""
    import uvicorn

    from fairscreen.kit.db import open_database
    from fairscreen.ledger.checkpoints import Publisher
    from fairscreen.ledger.signing import load_signer
    from fairscreen.web.app import create_app

    _, sessions = open_database(pool_size=POOL_SIZE)
    publisher = None
    if publish:
        # A database that never signed a checkpoint may get its first signing key here; one
        # whose checkpoints were signed must find that key, or the server does not start.
        from fairscreen.ledger.cosign import Collector, configured_policy

        policy = configured_policy()  # the witnesses each checkpoint is pushed to
        publisher = Publisher(
            sessions,
            load_signer(sessions=sessions, create=True),
            interval=publish_interval,
            witnesses=Collector(sessions, policy) if policy and policy.witnesses else None,
        )
    from fairscreen.kit.settings import get_settings

    hosts = get_settings().host_names()
    if host not in ("0.0.0.0", "::", ""):  # noqa: S104 (compared, not bound)
        hosts.append(host)
    app = create_app(sessions, publisher=publisher, allowed_hosts=hosts)
    sock = _listen(host, port)
    url = _url(sock)
    err.print(f"fairscreen serving on {url} (API docs: {url}/docs; Ctrl-C to stop)")
    # Idle keep-alive connections are kept 75 s (uvicorn's default is 5 s): a client, or a
    # reverse proxy's connection pool (60 s on common load balancers), must be the side that
    # closes an idle connection, or a request it sends just as the server closes one is lost
    # (the benchmark's 50 clients on a loaded machine saw exactly that).
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_keep_alive=75))
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, Terminated):
        # uvicorn shut down gracefully (the app's lifespan ended: publisher and scheduler
        # stopped, the WAL checkpointed), then raised again the signal that stopped it.
        return
    finally:
        sock.close()
