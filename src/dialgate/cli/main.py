"""Entry point: global options and the command groups."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from dialgate import __version__
from dialgate.cli import (
    admin,
    check,
    consents,
    demo,
    events,
    hlr,
    records,
    registry,
    requests,
    scrub,
    serve,
    users,
)
from dialgate.cli.context import CliState, run_guarded
from dialgate.logs import configure as configure_logging


class GuardedGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        return run_guarded(lambda: super(GuardedGroup, self).invoke(ctx))


@click.group(
    cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option(
    "--db",
    "db",
    metavar="URL",
    envvar="DIALGATE_DATABASE_URL",
    help="Database URL (default: SQLite in the data directory).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="DIALGATE_DATA_DIR",
    help="Data directory (default ./.dialgate).",
)
@click.version_option(__version__, prog_name="dialgate")
@click.pass_context
def cli(ctx: click.Context, db: str | None, data_dir: Path | None) -> None:
    """dialgate: may this brand call this number now, for this purpose, from this caller ID?"""
    state = CliState(db, data_dir)
    ctx.obj = state
    configure_logging(os.environ.get("DIALGATE_LOG_LEVEL", "INFO"))
    ctx.call_on_close(state.close)


for module in (admin, check, consents, demo, records, registry, serve, requests, events, hlr, scrub, users):
    for command in module.COMMANDS:
        cli.add_command(command)


def main() -> None:
    cli(prog_name="dialgate")
