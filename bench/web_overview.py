"""How long the dashboard's overview takes to gather its figures, against a month of decisions.

    .venv/bin/python bench/web_overview.py [--store sqlite|postgresql] [--singles 1000000] [--batches 3000]

The issue sets no target for the dashboard; ours: the overview (today's tally, 30 days per day, open
requests, vendor lag, registers) in under 1 s with a million single checks and 30 million batch rows in
the month, so an officer never waits on it. The days that are over are counted on the first visit and
kept (table `decision_days`): the first visit pays for the month, later ones for today only. Single checks are one row each in `decisions`; batches are
one row per batch in `decision_batches` (here 3,000 batches of 10,000).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import insert

from dialgate.adapters.clock import FixedClock
from dialgate.adapters.db.tables import DecisionBatchRow, DecisionRow, table
from dialgate.bootstrap import build
from dialgate.config import Settings
from dialgate.domain.staff import Role, Viewer
from dialgate.services import brands, dashboard

PG_ADMIN = os.environ.get("DIALGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CODES = ["NO_CONSENT", "OUTSIDE_CALLING_HOURS", "INTERNAL_DNC", "NATIONAL_REGISTRY", "FREQUENCY_CAP"]


def fill(engine: object, singles: int, batches: int) -> None:
    rng = random.Random(7)
    decisions, batch_rows = table(DecisionRow), table(DecisionBatchRow)
    start = NOW - timedelta(days=30)
    chunk = 50_000
    with engine.begin() as conn:  # type: ignore[attr-defined]
        for first in range(0, singles, chunk):
            rows = []
            for i in range(first, min(singles, first + chunk)):
                at = start + timedelta(seconds=rng.randrange(30 * 86400))
                blocked = rng.random() < 0.4
                rows.append({
                    "check_id": f"c{i:012d}", "brand_id": "acme", "campaign_id": "fr", "campaign_version": 1,
                    "number": f"+336399{i % 100000:05d}", "at": at, "evaluated_at": at,
                    "verdict": "BLOCK" if blocked else "ALLOW",
                    "reasons": "|".join(rng.sample(CODES, rng.randint(1, 2))) if blocked else "",
                    "next_allowed_at": None, "caller_id": "+33162000000", "vendor_id": rng.choice(["a", "b", None]),
                    "pack_version": "FR@1", "snapshots": None, "via": "api", "detail": {},
                })  # fmt: skip
            conn.execute(insert(decisions), rows)
        rows = []
        for i in range(batches):
            at = start + timedelta(seconds=rng.randrange(30 * 86400))
            rows.append({
                "batch_id": f"b{i:012d}", "brand_id": "acme", "campaign_id": "fr", "campaign_version": 1,
                "at": at, "evaluated_at": at, "caller_id": None, "vendor_id": None, "via": "batch",
                "count": 10_000, "blocked": 4_000, "reason_counts": {"NO_CONSENT": 3000, "INTERNAL_DNC": 1200},
                "pack_versions": "FR@1", "snapshots": None, "payload": b"",
            })  # fmt: skip
        conn.execute(insert(batch_rows), rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--singles", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=3_000)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="web-overview-", dir=Path(__file__).parent / ".data"))
    pg_name = None
    url = None
    if args.store == "postgresql":
        pg_name = f"dialgate_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
    try:
        if url is not None:
            from dialgate.adapters.db.engine import make_engine, upgrade

            engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://"))
            upgrade(engine)
            engine.dispose()
        container = build(Settings(data_dir=data, database_url=url), clock=FixedClock(NOW))
        rt = container.runtime
        brands.add_brand(rt, "acme")
        began = time.perf_counter()
        fill(container.engine, args.singles, args.batches)
        print(
            f"filled {args.singles:,} single decisions and {args.batches:,} batches in {time.perf_counter() - began:.1f} s"
        )
        officer = Viewer("u", "o", "acme", Role.OFFICER, None)
        vendor = Viewer("v", "v", "acme", Role.VENDOR_VIEWER, "a")
        for who, label in ((officer, "officer"), (vendor, "vendor viewer")):
            began = time.perf_counter()
            seen = dashboard.overview(rt, who)
            first = time.perf_counter() - began  # counts the month, keeps the days that are over
            times = []
            for _ in range(5):
                began = time.perf_counter()
                seen = dashboard.overview(rt, who)
                times.append(time.perf_counter() - began)
            total = sum(d.total for d in seen.days)
            print(
                f"overview as {label} ({args.store}): first visit {first * 1000:.0f} ms, then median "
                f"{statistics.median(times) * 1000:.0f} ms over 5 runs; {total:,} decisions in the chart "
                f"(target < 1000 ms after the first visit; cpu_count={os.cpu_count()})"
            )
        container.close()
    finally:
        shutil.rmtree(data, ignore_errors=True)
        if pg_name is not None:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
