"""`dialgate serve`: the HTTP API and the web pages."""

from __future__ import annotations

import os
import shutil
import tempfile

import click

from dialgate.adapters.metrics import MULTIPROC_ENV
from dialgate.cli.context import state

HTTP_PROTOCOL = "dialgate.api.http_protocol:JoinedWritesProtocol"  # an answer's head and body in one write


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option("--access-log/--no-access-log", default=False, show_default=True)
@click.option(
    "--proxy-headers/--no-proxy-headers",
    default=False,
    show_default=True,
    help="Trust X-Forwarded-For from a reverse proxy (for client addresses behind one).",
)
def serve(host: str, port: int, workers: int, access_log: bool, proxy_headers: bool) -> None:
    """Serve the HTTP API and the dashboard. Workers share the store (and, later, register indexes)."""
    import uvicorn

    st = state()
    container = st.container()  # create or migrate the store once, before any worker starts
    if container.runtime.number_tables is not None:
        click.echo("dialgate: preparing the number tables (built once, then cached)…", err=True)
        container.runtime.number_tables.load()  # build bulk parsing's tables once; workers read the cache
    st.close()
    # Workers are separate processes: they read their settings from the environment.
    os.environ["DIALGATE_DATA_DIR"] = str(st.settings.data_dir.resolve())
    if st.settings.database_url:
        os.environ["DIALGATE_DATABASE_URL"] = st.settings.database_url
    samples = None
    if workers > 1:  # each worker writes its metric samples here; /metrics sums them
        samples = os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="metrics-", dir=st.settings.data_dir)
    click.echo(
        f"dialgate listening on http://{host}:{port} ({workers} worker{'s' * (workers > 1)})", err=True
    )
    try:
        uvicorn.run(
            "dialgate.api.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=access_log,
            proxy_headers=proxy_headers,
            server_header=False,
            log_level="warning",
            http=HTTP_PROTOCOL,
        )
    finally:
        if samples is not None:
            shutil.rmtree(samples, ignore_errors=True)


COMMANDS = [serve]
