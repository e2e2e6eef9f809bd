"""The decision's hot paths, with the targets of issue 3.

    .venv/bin/python bench/check.py [--store sqlite|postgresql] [--seconds 10]

- one decision in process, warm, including the store reads: p99 <= 250 µs

The store holds a campaign for France, the US, the UK and Germany, consents for half the numbers and a
snapshot of each opt-out register those countries consult (about one number in ten listed), so a decision
reads the consent ledger and a memory-mapped register index as it does in a deployment.
- POST /v1/checks, `dialgate serve --workers 2`, 64 connections from the same machine (wrk):
  >= 5,000 checks/s and p99 <= 15 ms; unloaded p99 <= 1 ms
- POST /v1/checks:batch: >= 500,000 decisions/s (httpx clients, then wrk: a client in C leaves the two
  cores to the server, as wrk does for the single check)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psycopg

from fiction import fictional_mix

CACHE = Path(__file__).parent / ".data" / "cache"  # derived tables, shared by every benchmark run
PG_ADMIN = os.environ.get("DIALGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CAMPAIGN = 'id = "fr"\nbrand = "acme"\npurpose = "marketing"\ncaller_id = "+33162000000"\ncountries = ["FR", "US", "GB", "DE"]\n'
AT = "2026-11-23T09:30:00Z"  # a Monday, 10:30 in Paris
NUMBER = "+33639980012"
# the opt-out registers the campaign's countries consult, each a snapshot of about one fictional number in ten
REGISTERS = {"US-DNC": "+1", "FR-BLOCTEL": "+33", "UK-TPS": "+44"}
AS_OF = "2026-11-16"


class Store:
    def __init__(self, kind: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="dg-bench-"))
        self.db_name = None
        if kind == "sqlite":
            self.url = f"sqlite:///{self.dir / 'dialgate.db'}"
        else:
            self.db_name = f"dialgate_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.db_name}"')
            self.url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.db_name
        self.env = {
            **os.environ,
            "DIALGATE_DATA_DIR": str(self.dir),
            "DIALGATE_DATABASE_URL": self.url,
            "DIALGATE_CACHE_DIR": str(CACHE),
        }

    def dg(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "dialgate", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def prepare(self) -> str:
        self.dg("db", "upgrade")
        self.dg("brand", "add", "acme")
        (self.dir / "c.toml").write_text(CAMPAIGN)
        self.dg("campaign", "apply", str(self.dir / "c.toml"))
        rows = ["number,status,captured_at,evidence_uri"] + [
            f"{n},granted,2026-01-05T10:00:00Z,https://forms.example/{i}"
            for i, n in enumerate(fictional_mix(4000))
        ]
        (self.dir / "consents.csv").write_text("\n".join(rows) + "\n")
        self.dg("consent", "import", str(self.dir / "consents.csv"), "--brand", "acme")
        listed = sorted(set(fictional_mix(40_000)[3::11]))
        for name, prefix in REGISTERS.items():
            path = self.dir / f"{name}.txt"
            path.write_text("".join(f"{n}\n" for n in listed if n.startswith(prefix)))
            self.dg("registry", "import", name, str(path), "--format", "lines", "--as-of", AS_OF)
        return self.dg("apikey", "create", "--brand", "acme", "--scope", "check")

    def close(self) -> None:
        if self.db_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.dir, ignore_errors=True)


def in_process(store: Store) -> None:
    from dialgate.bootstrap import build, tune_for_latency
    from dialgate.config import Settings
    from dialgate.services.check import CheckRequest, check_call, evaluate_request

    container = build(Settings(data_dir=store.dir, database_url=store.url))
    rt = container.runtime
    # a thousand different numbers of the four countries, half of them with a consent on record
    requests = [CheckRequest("fr", [n], at=AT) for n in fictional_mix(7000)[::7]]
    for req in requests:
        check_call(rt, req)
    tune_for_latency(rt)  # as `dialgate serve` does once started
    samples = []
    for i in range(5000):
        req = requests[i % len(requests)]
        start = time.perf_counter()
        check_call(rt, req)
        samples.append(time.perf_counter() - start)
    samples.sort()
    p50, p99 = samples[len(samples) // 2] * 1e6, samples[int(len(samples) * 0.99)] * 1e6
    print(
        f"  one decision in process (warm, store reads included, 1,000 numbers in turn): p50 {p50:.0f} µs, "
        f"p99 {p99:.0f} µs   target p99 <= 250 µs"
    )
    # The same checks of numbers the process has not parsed before: a dialer checks most numbers of a
    # list once. The prefix tables parse them (bulk_numbers.parse_one); were they not loaded, each would
    # cost phonenumbers' parse, which numbers._parse_cached keeps per number
    from dialgate.domain import numbers

    samples = []
    for i in range(2000):
        req = requests[i % len(requests)]
        numbers._parse_cached.cache_clear()
        start = time.perf_counter()
        check_call(rt, req)
        samples.append(time.perf_counter() - start)
    samples.sort()
    p50, p99 = samples[len(samples) // 2] * 1e6, samples[int(len(samples) * 0.99)] * 1e6
    print(f"  the same, each number new to the process (no parse cached): p50 {p50:.0f} µs, p99 {p99:.0f} µs")
    rt.decision_log.flush()  # the single checks' audit rows are written before the batch is timed
    numbers = fictional_mix(10_000)
    batch = CheckRequest("fr", numbers, at=AT)
    evaluate_request(rt, batch)
    from dialgate.api.render import decisions_json

    start = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        decisions_json(evaluate_request(rt, batch))
    rate = rounds * len(numbers) / (time.perf_counter() - start)
    print(f"  batch of 10,000 in process, rendered to JSON: {rate:,.0f} decisions/s   target >= 500,000")
    rt.decision_log.flush()
    container.close()


def one_connection(port: int, key: str, body: bytes, seconds: int) -> tuple[int, float, float, float]:
    """Requests one after another on one keep-alive connection, each timed with the monotonic clock from
    sending it to reading its whole answer: (count, p50, p99, max) in seconds. wrk times with the wall
    clock (gettimeofday), and on this VM some of its one-connection runs reported latencies that add up to
    more than the run lasted, which cannot be (see _busy)."""
    head = (f"POST /v1/checks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n").encode()  # fmt: skip
    request, samples, pending = head + body, [], b""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            start = time.perf_counter()
            conn.sendall(request)
            while True:  # until the answer's head and its Content-Length of body are in
                cut = pending.find(b"\r\n\r\n")
                if cut >= 0:
                    length = int(re.search(rb"(?i)content-length:\s*(\d+)", pending[:cut]).group(1))  # type: ignore[union-attr]
                    if len(pending) >= cut + 4 + length:
                        assert pending.startswith(b"HTTP/1.1 200"), pending[:cut]
                        pending = pending[cut + 4 + length :]
                        break
                pending += conn.recv(65536)
            samples.append(time.perf_counter() - start)
    samples.sort()
    return len(samples), samples[len(samples) // 2], samples[int(len(samples) * 0.99)], samples[-1]


def _busy(lines: list[str], connections: int) -> str:
    """Little's law as a check on wrk's own figures: its latencies, added up, can fill at most every
    connection for the whole run. Above 100%, its latency figures for that run are not to be trusted."""
    unit = {"us": 1e-6, "ms": 1e-3, "s": 1.0}
    avg = next(line.split()[1] for line in lines if line.startswith("Latency") and "Distribution" not in line)
    value = float(re.match(r"[\d.]+", avg).group(0)) * unit[re.sub(r"[\d.]+", "", avg)]  # type: ignore[union-attr]
    total = next(line for line in lines if " requests in " in line).split()
    requests, duration = int(total[0]), float(total[3].rstrip("s,"))
    return f"latencies add up to {value * requests / (connections * duration):.0%} of the connections' time"


def _connections_per_worker(port: int) -> str:
    """How the workers shared wrk's connections (ss, mid-run): they accept from one queue, and the one
    that wakes first takes what is waiting, so a run's split varies (48/16 was seen). Printed beside the
    p99 so an outlier can be told from an uneven split; one socket per worker (SO_REUSEPORT) evened the
    splits in a trial but did not move the p99 beyond this host's noise."""
    if not shutil.which("ss"):
        return ""
    found = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                           capture_output=True, text=True, check=False).stdout  # fmt: skip
    held = sorted(Counter(re.findall(r"pid=(\d+)", found)).values(), reverse=True)
    return f"; connections per worker {'/'.join(map(str, held))}" if held else ""


def http(store: Store, key: str, seconds: int) -> None:
    port = 18500 + os.getpid() % 500
    server = subprocess.Popen([sys.executable, "-m", "dialgate", "serve", "--port", str(port), "--workers", "2"],
                              env=store.env, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(2400):  # the first start in a fresh cache builds bulk parsing's tables
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        headers = {"Authorization": f"Bearer {key}"}
        body = {"number": NUMBER, "campaign": "fr", "at": AT}
        with httpx.Client(base_url=base, headers=headers) as client:
            for _ in range(200):
                client.post("/v1/checks", json=body)
        if shutil.which("wrk"):
            script = Path(store.dir) / "post.lua"
            script.write_text(
                'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.headers["Authorization"] = "Bearer {key}"\nwrk.body = {json.dumps(json.dumps(body))}\n'
            )

            def wrk(connections: int, threads: int) -> tuple[float, str, str, str]:
                run = subprocess.Popen(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                                        str(script), base + "/v1/checks"], stdout=subprocess.PIPE, text=True)  # fmt: skip
                time.sleep(min(2.0, seconds / 2))
                split = _connections_per_worker(port) if connections > 1 else ""
                out = run.communicate()[0]
                if run.returncode:
                    raise subprocess.CalledProcessError(run.returncode, "wrk", out)
                lines = [line.strip() for line in out.splitlines()]
                rps = float(next(line.split()[1] for line in lines if line.startswith("Requests/sec")))
                p50 = next(line.split()[1] for line in lines if line.startswith("50%"))
                p99 = next(line.split()[1] for line in lines if line.startswith("99%"))
                return rps, p50, p99, _busy(lines, connections) + split

            # warm-up: every worker has decided before it is measured (the httpx warm-up reaches one)
            wrk(8, 2)
            n, p50s, p99s, worst = one_connection(port, key, json.dumps(body).encode(), seconds)
            print(f"  POST /v1/checks unloaded (one keep-alive connection, monotonic clock, {n:,} requests): "
                  f"p50 {p50s * 1e3:.2f} ms, p99 {p99s * 1e3:.2f} ms, max {worst * 1e3:.1f} ms   target p99 <= 1 ms")  # fmt: skip
            _, p50, p99, busy = wrk(1, 1)
            print(f"  POST /v1/checks unloaded (wrk, one connection): p50 {p50}, p99 {p99} [{busy}]")
            rps, _, p99, busy = wrk(64, 2)
            print(f"  POST /v1/checks, 2 workers, 64 connections (wrk): {rps:,.0f} checks/s, p99 {p99} [{busy}]   "
                  "target >= 5,000 checks/s, p99 <= 15 ms")  # fmt: skip
        else:
            print("  (install wrk for the HTTP latency figures: apt-get install wrk)")
        body = json.dumps({"campaign": "fr", "numbers": fictional_mix(10_000), "at": AT}).encode()
        batch_headers = {**headers, "Content-Type": "application/json"}

        def batches(rounds: int) -> None:  # the request is encoded once: the server is what is measured
            with httpx.Client(base_url=base, headers=batch_headers, timeout=120) as client:
                for _ in range(rounds):
                    assert client.post("/v1/checks:batch", content=body).status_code == 200

        batches(2)
        for clients in (1, 2):
            start = time.perf_counter()
            threads = [threading.Thread(target=batches, args=(10,)) for _ in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rate = clients * 10 * 10_000 / (time.perf_counter() - start)
            print(f"  POST /v1/checks:batch of 10,000, {clients} client{'s' * (clients > 1)} at once (2 workers): "
                  f"{rate:,.0f} decisions/s   target >= 500,000")  # fmt: skip
        if shutil.which("wrk"):  # a client in C: httpx's own CPU (12-17 ms a batch) shares the 2 cores
            (Path(store.dir) / "batch.json").write_bytes(body)
            script = Path(store.dir) / "batch.lua"
            script.write_text(
                'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.headers["Authorization"] = "Bearer {key}"\n'
                f'local f = io.open("{store.dir / "batch.json"}", "rb")\nwrk.body = f:read("*all")\nf:close()\n'
            )
            out = subprocess.run(["wrk", "-t2", "-c2", f"-d{seconds}s", "-s", str(script), base + "/v1/checks:batch"],
                                 capture_output=True, text=True, check=True).stdout  # fmt: skip
            assert "Non-2xx" not in out, out
            rps = float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))
            print(f"  POST /v1/checks:batch of 10,000, wrk, 2 connections (2 workers): {rps * 10_000:,.0f} decisions/s"
                  "   target >= 500,000")  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)


def host_speed() -> None:
    """A yardstick of this host's single-core speed: the targets were set on machines where phonenumbers
    parsed and validated a random +1 number in 60 µs (../shared/research/performance-limits.md). Rough (on
    a shared VM it moved between 54 and 81 µs within an hour), but it tells a slow hour from a slow change."""
    import random

    import phonenumbers

    rng = random.Random(1)  # random +1 numbers, as the research measured (timed only, never stored)
    numbers = [f"+1{rng.randint(201, 989)}{rng.randint(0, 9_999_999):07d}" for _ in range(2000)]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for n in numbers:
            phonenumbers.is_valid_number(phonenumbers.parse(n))
        best = min(best, (time.perf_counter() - start) / len(numbers))
    print(f"  host yardstick: phonenumbers parse + is_valid_number {best * 1e6:.0f} µs a number "
          f"(the machines the targets were set on: 60 µs, so this host is {best * 1e6 / 60:.2f}x)")  # fmt: skip
    # How far this host alone stretches a tail: the same fixed work, timed 3,000 times. Its p99 / p50 is
    # what any p99 here carries that the code does not (on one host of this kind it moved between 1.3
    # and 1.8 within an hour).
    samples = []
    for _ in range(3000):
        start = time.perf_counter()
        sum(i * i for i in range(1500))
        samples.append(time.perf_counter() - start)
    samples.sort()
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99)]
    print(f"  host noise: fixed work of p50 {p50 * 1e6:.0f} µs has p99 {p99 * 1e6:.0f} µs ({p99 / p50:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; store: {args.store}")
    host_speed()
    store = Store(args.store)
    try:
        key = store.prepare()
        in_process(store)
        http(store, key, args.seconds)
    finally:
        store.close()


if __name__ == "__main__":
    main()
