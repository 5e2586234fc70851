"""``fairscreen sandbox-provider serve``: the sandbox provider over a world file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairscreen.kit.signals import Terminated

app = typer.Typer(
    help="The sandbox provider: a world file's sources over HTTP (docs/provider-api.md).",
    no_args_is_help=True,
)
err = Console(stderr=True, highlight=False, soft_wrap=True)

SECRET_VARIABLE = "FAIRSCREEN_PROVIDER_CALLBACK_SECRET"  # noqa: S105 (a name)


@app.command("serve")
def serve(
    world: Annotated[Path, typer.Option(help="the world file whose registers it answers from")],
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free port)")] = 8100,
    latency: Annotated[
        float,
        typer.Option(
            min=0, help="seconds from a query to its answer (86400: a day), on its own clock"
        ),
    ] = 0.0,
    failure_rate: Annotated[
        float, typer.Option(min=0, max=1, help="share of requests answered 500")
    ] = 0.0,
    rate: Annotated[
        float, typer.Option(min=0, help="requests a second before 429 Too Many Requests (0: any)")
    ] = 0.0,
    seed: Annotated[int, typer.Option(help="seed of the simulated failures")] = 0,
    response_delay: Annotated[
        float, typer.Option(min=0, help="seconds every request takes to answer (a slow provider)")
    ] = 0.0,
) -> None:
    """Answer source queries from WORLD through the provider API: POST a query, then poll for
    its answer or receive it at a callback URL, signed with FAIRSCREEN_PROVIDER_CALLBACK_SECRET
    (no callbacks without it). Prints its URL once the port is open."""
    import uvicorn

    from fairscreen.provider.app import ProviderConfig, create_provider_app
    from fairscreen.sources.world import world_sources
    from fairscreen.web.cli import _listen, _url
    from fairscreen.world.load import load_world

    secret = os.environ.get(SECRET_VARIABLE)
    config = ProviderConfig(
        latency=latency,
        failure_rate=failure_rate,
        rate=rate,
        seed=seed,
        response_delay=response_delay,
        callback_secret=secret or None,
    )
    with load_world(world) as store:
        provider = create_provider_app(world_sources(store), config)
        sock = _listen(host, port)
        url = _url(sock)
        err.print(f"sandbox provider serving {world} on {url} (Ctrl-C to stop)")
        server = uvicorn.Server(uvicorn.Config(provider, log_level="warning"))
        try:
            server.run(sockets=[sock])
        except (KeyboardInterrupt, Terminated):
            return
        finally:
            sock.close()
