"""`dialgate scrub`: a campaign list in, the same list with verdicts out."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import click

from dialgate.cli.context import runtime
from dialgate.domain.batch import ROW_PROBLEMS, ROW_UNDECODABLE
from dialgate.domain.reasons import REASON_CODES
from dialgate.services.scrub import ScrubProgress, ScrubReport, ScrubRequest, scrub_file


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second; only on a terminal."""

    WIDTH = 30

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.drawn = 0.0
        self.shown = False

    def __call__(self, p: ScrubProgress) -> None:
        now = time.monotonic()
        if now - self.drawn < 0.1:
            return
        self.drawn = now
        share = p.bytes_done / p.bytes_total if p.bytes_total else 0.0
        filled = int(self.WIDTH * min(share, 1.0))
        rate = p.rows / max(now - self.started, 1e-9)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {share:4.0%} {p.rows:,} rows {rate / 1e6:.2f} M rows/s"
        )
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * (self.WIDTH + 60) + "\r")
            sys.stderr.flush()


@click.command("scrub")
@click.argument("source", metavar="IN.csv", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--campaign", required=True, help="The campaign whose rules apply.")
@click.option(
    "-o", "--output", "target", required=True, type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the list with its verdicts (written whole or not at all).",
)  # fmt: skip
@click.option("--column", help="The column holding the numbers (default: phone, number, msisdn, ...).")
@click.option("--region", help="Country of numbers written in national format (ISO 3166, e.g. US).")
@click.option("--at", help="Decide for this instant (ISO 8601 with offset; default now).")
@click.option("--caller-id", help="The caller ID that will be presented (default: the campaign's).")
@click.option("--encoding", help="The file's encoding (default UTF-8, with or without BOM), e.g. latin-1.")
@click.option(
    "--delimiter", help="The field delimiter (default: guessed from the header), e.g. ';' or '\\t'."
)
def scrub(
    source: Path,
    campaign: str,
    target: Path,
    column: str | None,
    region: str | None,
    at: str | None,
    caller_id: str | None,
    encoding: str | None,
    delimiter: str | None,
) -> None:
    """Every row of IN.csv plus dialgate_e164, dialgate_verdict, dialgate_reasons, dialgate_next_allowed_at."""
    request = ScrubRequest(source, target, campaign, column, region, at, caller_id, encoding, delimiter)
    rt = runtime()
    _stop_cleanly_on_signals()
    bar = ProgressBar() if sys.stderr.isatty() else None
    try:
        report = scrub_file(rt, request, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    for line in summary(report):
        click.echo(line, err=True)


def _where(report: ScrubReport, problem: str, count: int) -> str:
    shown = report.unreadable_lines.get(problem, [])
    more = f" and {count - len(shown):,} more" if count > len(shown) else ""
    return f"line{'s' * (count > 1)} {', '.join(map(str, shown))}{more} of {report.source}"


def _stop_cleanly_on_signals() -> None:
    """Ctrl-C and SIGTERM stop the scrub like an error does: the temporary output is removed and the
    previous output stays. Called once the runtime is built, because by then polars is loaded, and its
    import puts a SIGINT handler of its own in Python's place, which could swallow a Ctrl-C that came
    while it parsed (the scrub ran on and replaced the output). SIGTERM's default ends the process at
    once, leaving the temporary file behind. A signal the process was started ignoring (nohup, `trap ''
    INT`) stays ignored: Python's own table still says so, whatever polars put in its place."""
    for signum, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, _terminated)):
        ignored = signal.getsignal(signum) is signal.SIG_IGN
        signal.signal(signum, signal.SIG_IGN if ignored else handler)


def _terminated(signum: int, frame: object) -> None:  # noqa: ARG001 (a signal handler's signature)
    click.echo("dialgate: terminated", err=True)
    raise SystemExit(128 + signum)


def summary(report: ScrubReport) -> list[str]:
    rate = report.rows / report.seconds if report.seconds else 0.0
    width = max((len(code) for code in REASON_CODES if report.reasons[code]), default=0)
    lines = [
        f"scrubbed {report.rows:,} rows of {report.source} (number column '{report.number_column}') "
        f"in {report.seconds:.1f} s ({rate:,.0f} rows/s) -> {report.target}",
        f"  ALLOW {report.allowed:>14,}",
        f"  BLOCK {report.blocked:>14,}",
    ]
    lines += [
        f"    {code:<{width}} {report.reasons[code]:>12,}" for code in REASON_CODES if report.reasons[code]
    ]
    for problem, count in sorted(report.unreadable.items()):
        lines.append(
            f"  {count:,} rows kept but unreadable: the row {problem} ({_where(report, problem, count)})"
        )
        if problem == ROW_PROBLEMS[ROW_UNDECODABLE]:
            lines.append("    if the file is not UTF-8, name its encoding with --encoding (e.g. latin-1)")
    if report.national_without_region:
        lines.append(
            f"  {report.national_without_region:,} invalid rows look like national numbers: "
            "give their country with --region"
        )
    for snap in report.snapshots:
        lines.append(f"  register {snap.name}: snapshot {snap.snapshot_id} as of {snap.as_of.isoformat()}")
    return lines


COMMANDS = [scrub]
