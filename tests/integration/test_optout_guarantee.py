"""Once an opt-out or a revocation call returns, every later check, on any worker of any process,
returns BLOCK. Two `dialgate serve` processes with two workers each, one PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from dialgate.domain.vocabulary import Source
from dialgate.services import apikeys, brands, campaigns, consent

# Turkey has no calling hours and no caps: checked at the real "now", as a dialer checks, only consent
# decides. (A check at a fixed past instant would rightly not see a revocation made after it.)
CAMPAIGN = (
    'id = "tr"\nbrand = "acme"\npurpose = "marketing"\ncaller_id = "+902120000199"\ncountries = ["TR"]\n'
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, settings, port: int, tables: Path) -> None:
        env = {
            **os.environ,
            "DIALGATE_DATABASE_URL": settings.resolved_database_url,
            "DIALGATE_DATA_DIR": str(settings.data_dir),
            "DIALGATE_CACHE_DIR": str(tables),  # the session's number tables: no server builds its own
        }
        self.url = f"http://127.0.0.1:{port}"
        # its own process group, so that stopping it stops its workers too, whatever stage it reached
        self.proc = subprocess.Popen([sys.executable, "-m", "dialgate", "serve", "--port", str(port), "--workers", "2"],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)  # fmt: skip

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(20)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # a worker that outlived its parent goes too


@pytest.fixture
def servers(settings, rt, store_url, number_tables_dir):
    if not store_url.startswith("postgresql"):
        pytest.skip("the cross-process guarantee is tested on PostgreSQL (SQLite is one file on one machine)")
    brands.add_brand(rt, "acme")
    campaigns.apply_campaign(rt, CAMPAIGN, file="tr.toml")
    up = [Server(settings, _port(), number_tables_dir), Server(settings, _port(), number_tables_dir)]
    try:
        for s in up:
            s.wait()
        yield up
    finally:
        for s in up:
            s.stop()


def _grant(rt, number: str) -> None:
    """An ONAY as İYS returns it, given a year before the real now."""
    captured = (datetime.now(UTC) - timedelta(days=365)).isoformat()
    fields = {"number": number, "brand": "acme", "status": "granted", "captured_at": captured}
    consent.record_consent(rt, consent.draft_from_fields(rt, fields, default_source=Source.REGISTRY))


def _hammer(
    url: str, key: str, number: str, stop: threading.Event, log: list[tuple[float, float, str]]
) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        while not stop.is_set():
            sent = time.monotonic()
            verdict = client.post("/v1/checks", json={"number": number, "campaign": "tr"}).json()["verdict"]
            log.append((sent, time.monotonic(), verdict))


@pytest.mark.parametrize("how", ["opt-out request", "revocation"])
def test_after_the_answer_every_check_everywhere_blocks(servers, rt, how):
    number = "+905100000177" if how == "revocation" else "+905100000178"
    _grant(rt, number)
    key = apikeys.create_api_key(rt, brand="acme", scopes=["check", "requests", "consent:write"])
    stop, log = threading.Event(), []
    workers = [
        threading.Thread(target=_hammer, args=(s.url, key, number, stop, log))
        for s in servers
        for _ in range(3)
    ]
    for w in workers:
        w.start()
    time.sleep(1.0)
    with httpx.Client(
        base_url=servers[0].url, headers={"Authorization": f"Bearer {key}"}, timeout=10
    ) as client:
        if how == "revocation":
            r = client.post("/v1/consents", json={"number": number, "status": "revoked"})
        else:
            r = client.post("/v1/requests", json={"kind": "opt-out", "number": number, "via": "phone"})
        assert r.status_code == 201, r.text
        answered = time.monotonic()
    time.sleep(1.5)
    stop.set()
    for w in workers:
        w.join(20)
    before = [v for sent, _, v in log if sent < answered]
    after = [v for sent, _, v in log if sent > answered]
    assert "ALLOW" in before, "the checks ran before the opt-out too"
    assert len(after) > 20 and set(after) == {"BLOCK"}
