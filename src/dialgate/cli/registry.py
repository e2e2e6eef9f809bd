"""National registers on the command line: import a snapshot, list what is in force."""

from __future__ import annotations

from pathlib import Path

import click

from dialgate.adapters.registers.formats import iys_rows
from dialgate.cli.context import echo_json, runtime
from dialgate.domain.iys import IYS_COLUMNS
from dialgate.domain.timeutil import parse_date
from dialgate.errors import InputError
from dialgate.services import iys, registry

FORMATS = ["lines", "csv", "tps", "ftc", "iys"]


@click.group("registry")
def registry_group() -> None:
    """National do-not-call registers (US-DNC, UK-TPS, IT-RPO, …) and private lists."""


@registry_group.command("import")
@click.argument("name")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="lines", show_default=True, help="File format."
)
@click.option("--as-of", help="The snapshot's date (YYYY-MM-DD; default today): staleness counts from it.")
@click.option("--region", help="Country of national-format numbers (default: the register's country).")
@click.option("--column", help="csv: the column holding the numbers.")
@click.option("--listing-date-column", help="csv: the column holding each number's listing date.")
@click.option(
    "--change-list", is_flag=True, help="ftc: the file is a change list applied to the current snapshot."
)
@click.option("--brand", help="iys: the brand whose consent ledger receives the records.")
@click.option("--encoding", default="utf-8", show_default=True, help="csv: the file's text encoding.")
@click.option("--json", "as_json", is_flag=True)
def registry_import(
    name: str,
    file: Path,
    fmt: str,
    as_of: str | None,
    region: str | None,
    column: str | None,
    listing_date_column: str | None,
    change_list: bool,
    brand: str | None,
    encoding: str,
    as_json: bool,
) -> None:
    """Load FILE as the new snapshot of register NAME. A failed import changes nothing."""
    rt = runtime()
    if fmt == "iys":
        if not brand:
            raise InputError("--format iys needs --brand: İYS records are consents of one brand").at(
                field="brand"
            )
        report = iys.import_iys(
            rt, lambda: iys_rows(file, str(file), IYS_COLUMNS), brand=brand, file=str(file)
        )
        if as_json:
            echo_json({"brand": brand, **report.to_dict()})
        else:
            click.echo(
                f"{report.accepted} İYS records added to brand {brand}'s ledger; skipped "
                f"{report.skipped_duplicate} already imported and {report.skipped_email} e-mail records"
            )
        return
    if brand:
        raise InputError("--brand applies to --format iys only: registers are shared by every brand").at(
            field="brand"
        )
    request = registry.SnapshotRequest(
        name=name,
        path=file,
        format=fmt,
        as_of=parse_date(as_of, "as_of") if as_of else None,
        region=region,
        column=column,
        listing_date_column=listing_date_column,
        change_list=change_list,
        encoding=encoding,
    )
    result = registry.import_snapshot(rt, request)
    info = result.record.info
    if as_json:
        echo_json(
            {
                **_snapshot_dict(result),
                "previous_snapshot_id": result.previous_id,
                "added": result.added,
                "removed": result.removed,
            }
        )
        return
    change = f" (+{result.added} -{result.removed})" if result.added is not None else ""
    click.echo(
        f"{info.name}: snapshot {info.snapshot_id} as of {info.as_of}, {info.count:,} numbers{change}, "
        "now in force"
    )


def _snapshot_dict(result: registry.ImportedSnapshot) -> dict[str, object]:
    record = result.record
    info = record.info
    return {
        "name": info.name,
        "snapshot_id": info.snapshot_id,
        "as_of": info.as_of.isoformat(),
        "count": info.count,
        "imported_at": info.imported_at.isoformat().replace("+00:00", "Z"),
        "format": str(record.format),
        "region": record.region,
        "source_name": record.source_name,
        "source_sha256": record.source_sha256,
        "index_bytes": record.index_bytes,
        "has_listing_dates": info.has_listing_dates,
    }


@registry_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def registry_list(as_json: bool) -> None:
    """Registers in force: as-of date, count, age and days left before the snapshot is stale."""
    found = registry.list_registers(runtime())
    if as_json:
        echo_json([s.to_dict() for s in found])
        return
    if not found:
        click.echo("no register loaded; load one with: dialgate registry import NAME FILE")
        return
    rows = [("NAME", "AS OF", "COUNT", "AGE", "DAYS LEFT", "SNAPSHOT")]
    for s in found:
        info = s.record.info
        left = "-" if s.days_left is None else ("STALE" if s.stale else str(s.days_left))
        rows.append(
            (info.name, info.as_of.isoformat(), f"{info.count:,}", f"{s.age_days}d", left, info.snapshot_id)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


COMMANDS = [registry_group]
