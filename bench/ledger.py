"""Consent events appended per second: bulk (CSV import) and single (POST /v1/consents over HTTP).

    .venv/bin/python bench/ledger.py [--events 200000] [--http 5000] [--store sqlite|postgresql|both]

Targets (issue 2): bulk import >= 20,000 events/s on SQLite; single appends over HTTP >= 500/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from dialgate.adapters.files.csvrows import read_rows
from dialgate.bootstrap import build
from dialgate.config import Settings
from dialgate.services import brands
from dialgate.services.consent import CONSENT_FIELDS
from dialgate.services.consent_import import import_consents
from fiction import fictional_mix

CACHE = Path(__file__).parent / ".data" / "cache"  # derived tables, shared by every benchmark run
PG_ADMIN = os.environ.get("DIALGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def fictional(i: int) -> str:
    """Row i's number: about half of a long import's numbers are distinct, as in a real consent file."""
    return _POOL[i % len(_POOL)]


_POOL = fictional_mix(
    48_000
)  # 10,000 French, 30,000 US, 1,000 UK, 1,000 German fiction numbers, each several times


def write_csv(path: Path, events: int) -> None:
    with path.open("w") as out:
        out.write("number,brand,status,purpose,captured_at,source,note\n")
        for i in range(events):
            status = "granted" if i % 7 else "revoked"
            out.write(f"{fictional(i)},acme,{status},marketing,2026-01-05T10:{i % 60:02d}:00Z,web,row {i}\n")


def store_url(kind: str, data: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{data / 'dialgate.db'}", None
    name = f"dialgate_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name


def drop(name: str | None) -> None:
    if name:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bulk(kind: str, events: int) -> float:
    data = Path(tempfile.mkdtemp(prefix="dg-bench-"))
    url, db = store_url(kind, data)
    try:
        if db:
            subprocess.run(
                [sys.executable, "-m", "dialgate", "--db", url, "--data-dir", str(data), "db", "upgrade"],
                check=True,
                capture_output=True,
            )
        container = build(Settings(data_dir=data, database_url=url, cache_dir=CACHE))
        brands.add_brand(container.runtime, "acme")
        csv_path = data / "consents.csv"
        write_csv(csv_path, events)
        start = time.perf_counter()
        report = import_consents(
            container.runtime,
            read_rows(csv_path, known=CONSENT_FIELDS, required=("number", "status")),
            file=str(csv_path),
        )
        elapsed = time.perf_counter() - start
        assert report.accepted == events and not report.rejected
        container.close()
        return events / elapsed
    finally:
        drop(db)
        shutil.rmtree(data, ignore_errors=True)


async def _post_all(url: str, key: str, total: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {key}"}, limits=limits, timeout=30
    ) as client:
        queue = iter(range(total))

        async def worker() -> None:
            for i in queue:
                r = await client.post(
                    "/v1/consents", json={"number": fictional(i), "status": "granted", "purpose": "marketing"}
                )
                r.raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return total / (time.perf_counter() - start)


def single_http(kind: str, total: int, workers: int = 2, concurrency: int = 32) -> float:
    data = Path(tempfile.mkdtemp(prefix="dg-bench-"))
    url, db = store_url(kind, data)
    env = {
        **os.environ,
        "DIALGATE_DATA_DIR": str(data),
        "DIALGATE_DATABASE_URL": url,
        "DIALGATE_CACHE_DIR": str(CACHE),
    }
    server = None
    try:
        dg = [sys.executable, "-m", "dialgate"]
        subprocess.run([*dg, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*dg, "brand", "add", "acme"], env=env, check=True, capture_output=True)
        key = subprocess.run([*dg, "apikey", "create", "--brand", "acme", "--scope", "consent:write"], env=env,
                             check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
        port = 18000 + os.getpid() % 1000
        server = subprocess.Popen(
            [*dg, "serve", "--port", str(port), "--workers", str(workers)], env=env, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(1200):  # the first start in a fresh cache builds bulk parsing's tables
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        if shutil.which("wrk"):  # a C client: a Python one was slower than the server it measured
            script = data / "post.lua"
            script.write_text(
                'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.headers["Authorization"] = "Bearer {key}"\n'
                'wrk.body = \'{"number": "+447700900123", "status": "granted", "purpose": "marketing"}\'\n'
            )
            out = subprocess.run(["wrk", "-t2", f"-c{concurrency}", "-d10s", "-s", str(script), base + "/v1/consents"],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
            return float(
                next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec"))
            )
        return asyncio.run(_post_all(base, key, total, concurrency))
    finally:
        if server:
            server.terminate()
            server.wait(10)
        drop(db)
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--http", type=int, default=5_000)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    print(f"cores: {os.cpu_count()}")
    for kind in stores:
        rate = bulk(kind, args.events)
        print(
            f"{kind:10s} bulk import of {args.events:,} events: {rate:,.0f} events/s (target on SQLite: >= 20,000)"
        )
        rate = single_http(kind, args.http)
        print(
            f"{kind:10s} single appends over HTTP (serve --workers 2, 32 connections, wrk): {rate:,.0f} events/s (target >= 500)"
        )


if __name__ == "__main__":
    main()
