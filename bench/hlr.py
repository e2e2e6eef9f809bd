"""Benchmark: the roaming pre-lookup of 100,000 Polish mobiles against hlr-sim at 20 ms per lookup.

What a scrub of a Polish list will call before deciding (the scrub pipeline itself is built elsewhere):
`runtime.roaming.resolve_sync(numbers, progress=...)` on every number that needs a lookup. Run 1 asks the
provider for every number; run 2 is a new runtime (a new process would be the same: empty memory) on
the same store, served from the store's cache.

    .venv/bin/python bench/hlr.py [--count 100000] [--latency-ms 20] [--concurrency N] [--db URL]

hlr-sim runs as its own process (`dialgate hlr-sim`), as a provider would. Numbers: +48 451 0xx xxx, a
mobile block with no operator in phonenumbers' carrier data (notes/numbering.md), never dialled.
Targets (issue 5): run 1 >= 2,000 lookups/s at the default concurrency; run 2 >= 100,000 numbers/s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from dialgate.bootstrap import build
from dialgate.config import HlrSettings, Settings
from dialgate.domain.roaming import RoamingState

DATA = Path(__file__).parent / ".data"
SCENARIO = """
[default]
status = "active"
roaming = false
original_network = "Fictional Mobile PL"
mcc = "260"
mnc = "99"

[[numbers]]
prefix = "+4845100"
roaming = true
roaming_country = "DE"

[[numbers]]
prefix = "+4845101"
roaming = true
roaming_country = "US"
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=None, help="default: the setting's default")
    parser.add_argument("--shape", choices=["hlr-lookups", "infobip"], default="hlr-lookups")
    parser.add_argument("--transport", choices=["keepalive", "httpcore"], default="keepalive")
    parser.add_argument("--db", help="store URL (default: a fresh SQLite file under bench/.data)")
    parser.add_argument("--keep", action="store_true", help="keep bench/.data/hlr afterwards")
    args = parser.parse_args()

    work = DATA / "hlr"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    (work / "scenario.toml").write_text(SCENARIO)
    numbers = [f"+484510{i:05d}" for i in range(args.count)]
    port = _free_port()
    sim = subprocess.Popen(
        [sys.executable, "-m", "dialgate", "hlr-sim", "--port", str(port), "--latency-ms", str(args.latency_ms),
         "--config", str(work / "scenario.toml"), "--shape", args.shape],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url)
        hlr = {"provider": "http", "url": url, "shape": args.shape, "transport": args.transport}
        if args.concurrency:
            hlr["concurrency"] = args.concurrency
        settings = Settings(data_dir=work, database_url=args.db, hlr=HlrSettings(**hlr))  # type: ignore[arg-type]
        if args.db:
            from dialgate.adapters.db.engine import make_engine, upgrade

            engine = make_engine(settings.resolved_database_url)
            upgrade(engine)
            with engine.begin() as conn:
                conn.exec_driver_sql("DELETE FROM hlr_cache")
            engine.dispose()
        concurrency = settings.hlr.concurrency
        print(f"os.cpu_count() = {os.cpu_count()}")
        print(
            f"{args.count:,} Polish mobiles, hlr-sim at {args.latency_ms:g} ms per lookup ({args.shape} shape, "
            f"{args.transport} transport), concurrency {concurrency}, store {settings.resolved_database_url.split(':')[0]}"
        )

        first = build(settings)
        try:
            wall, cpu, found = _timed(lambda: first.runtime.roaming.resolve_sync(numbers, progress=_bar()))
        finally:
            first.close()
        asked = httpx.get(url + "/_sim/stats").json()["total"]
        sim_cpu = _cpu_seconds(sim.pid)
        states = {s: sum(1 for v in found.values() if v.state is s) for s in RoamingState}
        rate = asked / wall
        ceiling = concurrency / (args.latency_ms / 1000)
        waiting = max(0.0, 1 - cpu / wall)
        print(
            f"run 1 (provider): {asked:,} lookups in {wall:.2f} s = {rate:,.0f} lookups/s (target >= 2,000)"
        )
        print(
            f"  share of the run spent waiting: {waiting:.0%} (the client process was idle, waiting for answers; "
            f"CPU busy {cpu / wall:.0%} of wall time)"
        )
        print(
            f"  latency-bound ceiling at this concurrency: {ceiling:,.0f} lookups/s; reached {rate / ceiling:.0%}"
        )
        print(
            f"  CPU per lookup: client {cpu / asked * 1e6:.0f} us ({asked / cpu:,.0f} lookups per client CPU-second), "
            f"hlr-sim {sim_cpu / asked * 1e6:.0f} us; "
            f"load average during the run {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print("  states: " + ", ".join(f"{s.value} {n:,}" for s, n in states.items() if n))

        second = build(settings)
        try:
            wall2, cpu2, found2 = _timed(lambda: second.runtime.roaming.resolve_sync(numbers))
        finally:
            second.close()
        asked2 = httpx.get(url + "/_sim/stats").json()["total"] - asked
        same = all(found2[n].state is found[n].state for n in numbers)
        print(
            f"run 2 (new runtime, store's cache): {len(numbers):,} numbers in {wall2:.2f} s = "
            f"{len(numbers) / wall2:,.0f} numbers/s (target >= 100,000); {asked2} lookups reached the provider; "
            f"answers identical: {same}"
        )
        print(
            f"  CPU: {cpu2:.2f} s = {len(numbers) / cpu2:,.0f} numbers per CPU-second; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _timed(work):  # type: ignore[no-untyped-def]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall0, time.process_time() - cpu0, result


def _bar():  # type: ignore[no-untyped-def]
    """A plain progress line on a terminal (what the scrub will show)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        sys.stderr.write(f"\r  {done:,}/{total:,} ({done / total:.0%})")
        if done >= total:
            sys.stderr.write("\n")

    return show


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str) -> None:
    for _ in range(300):
        try:
            httpx.get(url + "/healthz", timeout=0.5)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("hlr-sim did not start")


if __name__ == "__main__":
    main()
