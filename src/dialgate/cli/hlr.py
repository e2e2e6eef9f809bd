"""Roaming: `dialgate hlr-sim` (a local HLR provider) and `dialgate roaming` (look numbers up)."""

from __future__ import annotations

from pathlib import Path

import click

from dialgate.cli.context import echo_json, runtime
from dialgate.domain.numbers import parse_number


@click.command("hlr-sim")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8099, show_default=True, type=int)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Scenario file (TOML or JSON); default: the bundled one (see src/dialgate/data/hlr_scenario.toml).",
)
@click.option("--latency-ms", default=0.0, show_default=True, type=click.FloatRange(min=0))
@click.option(
    "--error-rate",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Share of requests answered with HTTP 503.",
)
@click.option(
    "--shape",
    type=click.Choice(["hlr-lookups", "infobip", "both"]),
    default="both",
    show_default=True,
    help="Which vendor endpoints to serve.",
)
@click.option("--api-key", envvar="DIALGATE_HLR_SIM_API_KEY", help="Refuse requests without this key (401).")
@click.option("--seed", type=int, help="Seed for the error rate's randomness (repeatable runs).")
def hlr_sim(
    host: str,
    port: int,
    config_file: Path | None,
    latency_ms: float,
    error_rate: float,
    shape: str,
    api_key: str | None,
    seed: int | None,
) -> None:
    """Serve a simulated HLR provider speaking the hlr-lookups.com and Infobip shapes.

    \b
    POST /api/v2/hlr-lookup   hlr-lookups.com style
    POST /number/1/query      Infobip style
    GET  /_sim/stats          requests per number; POST /_sim/reset forgets them
    """
    import uvicorn

    from dialgate.adapters.hlr.scenario import Scenario
    from dialgate.adapters.hlr.sim import SHAPES, HlrSimulator

    scenario = Scenario.load(config_file)
    shapes = SHAPES if shape == "both" else (shape,)
    app = HlrSimulator(
        scenario, latency_ms=latency_ms, error_rate=error_rate, shapes=shapes, api_key=api_key, seed=seed
    )
    click.echo(
        f"hlr-sim listening on http://{host}:{port} (shapes: {', '.join(shapes)}; scenario: {scenario.source}; "
        f"latency {latency_ms:g} ms; error rate {error_rate:g})",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")


@click.command("roaming")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--region", help="Region of numbers written in national format.")
@click.option("--budget-ms", type=click.IntRange(min=1), help="Give up after this long (default: no limit).")
@click.option("--json", "as_json", is_flag=True)
def roaming(numbers: tuple[str, ...], region: str | None, budget_ms: int | None, as_json: bool) -> None:
    """Look up the roaming status of numbers through the configured HLR provider (and its caches)."""
    e164 = [parse_number(n, region).e164 for n in numbers]
    budget = None if budget_ms is None else budget_ms / 1000
    found = runtime().roaming.resolve_sync(e164, budget=budget)
    if as_json:
        echo_json(
            [
                {
                    "number": n,
                    "state": s.state.value,
                    "country": s.country,
                    "looked_up_at": s.looked_up_at,
                    "provider": s.provider,
                    "error": s.error,
                    "fail_open": s.fail_open,
                }
                for n, s in found.items()
            ]
        )
        return
    for number, status in found.items():
        where = f" ({status.country})" if status.country else ""
        why = f": {status.error}" if status.error else ""
        click.echo(f"{number}\t{status.state.value}{where}{why}")


COMMANDS = [hlr_sim, roaming]
