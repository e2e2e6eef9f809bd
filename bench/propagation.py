"""How fast does an opt-out reach every call centre?

Starts `dialgate serve` (a real process) and a webhook receiver on loopback, makes N opt-outs over HTTP
(POST /v1/requests, kind opt-out), and measures for each the delay from the moment its HTTP answer
arrived to the moment the receiver got the revocation for that number. Prints p50 and p99 against the
target (p99 <= 1 s), on SQLite and on PostgreSQL.

    .venv/bin/python bench/propagation.py [--store sqlite|postgresql|both] [--count 1000]
                                          [--concurrency 4] [--workers 1]

Scratch files go to bench/.data/ (git-ignored) and are deleted afterwards; the PostgreSQL database is
a throwaway one (DIALGATE_BENCH_PG names the server, default the local one).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import orjson
import psycopg

from dialgate.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, SignatureError, verify

TARGET_P99 = 1.0
HERE = Path(__file__).resolve().parent
DIALGATE = [sys.executable, "-m", "dialgate"]
PG_ADMIN = os.environ.get("DIALGATE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
# Fictional numbers: NANP 555-0100..0199 in ten area codes.
NUMBERS = [
    f"+1{npa}55501{i:02d}" for npa in (201, 202, 212, 213, 305, 312, 415, 617, 713, 718) for i in range(100)
]


class Receiver:
    """Records when the first revocation for each number arrives; checks every signature."""

    def __init__(self) -> None:
        self.secret = ""
        self.first_seen: dict[str, float] = {}
        self.bad_signatures = 0
        self.events = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.monotonic()
                status = 200
                try:
                    verify(
                        receiver.secret,
                        body,
                        self.headers.get(TIMESTAMP_HEADER),
                        self.headers.get(SIGNATURE_HEADER),
                    )
                except SignatureError:
                    status = 400
                    with receiver.lock:
                        receiver.bad_signatures += 1
                if status == 200:
                    events = orjson.loads(body)["events"]
                    with receiver.lock:
                        receiver.events += len(events)
                        for e in events:
                            if e["type"] == "consent.recorded":
                                receiver.first_seen.setdefault(e["number"], now)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/dialgate"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([*DIALGATE, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"dialgate {' '.join(args)} failed: {done.stderr}")
    return done.stdout.strip()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(store: str, count: int, concurrency: int, workers: int) -> dict[str, float]:
    scratch = HERE / ".data" / f"propagation-{store}-{uuid.uuid4().hex[:8]}"
    scratch.mkdir(parents=True)
    # the receiver listens on loopback, which webhooks reach only when it is listed
    env = os.environ | {
        "DIALGATE_DATA_DIR": str(scratch),
        "DIALGATE_WEBHOOKS__ALLOWED_NETWORKS": '["127.0.0.1"]',
    }
    env.pop("DIALGATE_DATABASE_URL", None)
    pg_name = None
    if store == "postgresql":
        pg_name = f"dialgate_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        env["DIALGATE_DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
        cli(env, "db", "upgrade")
    serve = None
    try:
        cli(env, "brand", "add", "enercom")
        cli(env, "vendor", "apply", "--brand", "enercom", "--id", "callco")
        key = cli(env, "apikey", "create", "--brand", "enercom", "--scope", "requests")
        receiver = Receiver()
        receiver.secret = cli(
            env, "webhook", "set", "--brand", "enercom", "--vendor", "callco", "--url", receiver.url
        )
        port = free_port()
        serve = subprocess.Popen(
            [*DIALGATE, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or serve.poll() is not None:
                raise SystemExit("dialgate serve did not start")
            time.sleep(0.1)
        time.sleep(1.5)  # let a dispatcher take the lease before the clock starts

        answered: dict[str, float] = {}
        http_latency: list[float] = []
        lock = threading.Lock()
        local = threading.local()

        def opt_out(number: str) -> None:
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(
                    base_url=base, headers={"Authorization": f"Bearer {key}"}
                )
            sent = time.monotonic()
            response = client.post("/v1/requests", json={"kind": "opt-out", "number": number, "via": "web"})
            now = time.monotonic()
            if response.status_code != 201:
                raise SystemExit(f"opt-out failed: {response.status_code} {response.text}")
            with lock:
                answered[number] = now
                http_latency.append(now - sent)

        numbers = NUMBERS[:count]
        started = time.monotonic()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(opt_out, numbers))
        elapsed = time.monotonic() - started
        wait_until = time.monotonic() + 60
        while len(receiver.first_seen) < len(numbers) and time.monotonic() < wait_until:
            time.sleep(0.01)
        missing = [n for n in numbers if n not in receiver.first_seen]
        raw = [receiver.first_seen[n] - answered[n] for n in numbers if n in receiver.first_seen]
        delays = [max(0.0, d) for d in raw]
        result = {
            "count": len(numbers),
            "missing": len(missing),
            "early": sum(d < 0 for d in raw),
            "bad_signatures": receiver.bad_signatures,
            "p50": statistics.median(delays),
            "p99": percentile(delays, 99),
            "max": max(delays),
            "http_p50": statistics.median(http_latency),
            "http_p99": percentile(http_latency, 99),
            "rate": len(numbers) / elapsed,
            "events": receiver.events,
        }
        receiver.server.shutdown()
        return result
    finally:
        if serve is not None:
            serve.terminate()
            try:
                serve.wait(15)
            except subprocess.TimeoutExpired:
                serve.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        if pg_name is not None:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--count", type=int, default=1000, help="opt-outs to make (at most 1000)")
    parser.add_argument("--concurrency", type=int, default=4, help="HTTP clients sending at once")
    parser.add_argument("--workers", type=int, default=1, help="dialgate serve --workers")
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    print(
        f"opt-out propagation: {min(args.count, len(NUMBERS))} opt-outs over HTTP, {args.concurrency} clients, "
        f"serve --workers {args.workers}; os.cpu_count() = {os.cpu_count()}"
    )
    print(f"target: p99 <= {TARGET_P99:.1f} s from the opt-out's HTTP answer to its webhook delivery")
    for store in stores:
        r = run(store, min(args.count, len(NUMBERS)), args.concurrency, args.workers)
        verdict = "meets" if r["p99"] <= TARGET_P99 and not r["missing"] else "MISSES"
        print(
            f"{store:>10}: answer->delivery p50 {r['p50'] * 1000:7.1f} ms  p99 {r['p99'] * 1000:7.1f} ms  "
            f"max {r['max'] * 1000:7.1f} ms  ({verdict} the target)\n"
            f"{'':>10}  {r['rate']:.0f} opt-outs/s; HTTP answer p50 {r['http_p50'] * 1000:.1f} ms, "
            f"p99 {r['http_p99'] * 1000:.1f} ms; {r['events']:.0f} events delivered; missing {r['missing']:.0f}; "
            f"delivered before the client read its answer {r['early']:.0f} (counted as 0); "
            f"bad signatures {r['bad_signatures']:.0f}"
        )


if __name__ == "__main__":
    main()
