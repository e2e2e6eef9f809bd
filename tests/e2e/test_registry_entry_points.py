"""`dialgate registry` on the command line, and /v1/registries over a real loopback HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from click.testing import CliRunner

from dialgate.api.app import create_app
from dialgate.cli.main import cli
from dialgate.services import apikeys, brands


def run(settings, *args: str):
    runner = CliRunner()
    return runner.invoke(
        cli, ["--db", settings.resolved_database_url, "--data-dir", str(settings.data_dir), *args]
    )


def test_registry_import_and_list_on_the_command_line(settings, container, tmp_path):
    numbers = tmp_path / "dnc.txt"
    numbers.write_text("2025550100\n2025550101\n")
    imported = run(settings, "registry", "import", "US-DNC", str(numbers), "--as-of", "2026-11-01")
    assert imported.exit_code == 0, imported.output
    assert "2 numbers" in imported.output
    listed = run(settings, "registry", "list")
    assert listed.exit_code == 0
    header, row = listed.output.strip().splitlines()
    assert header.split()[:5] == ["NAME", "AS", "OF", "COUNT", "AGE"]
    assert row.split()[:3] == ["US-DNC", "2026-11-01", "2"]
    as_json = json.loads(run(settings, "registry", "list", "--json").output)
    assert as_json[0]["name"] == "US-DNC" and as_json[0]["max_age_days"] == 31
    assert as_json[0]["days_left"] == 31 - as_json[0]["age_days"]


def test_a_bad_register_file_exits_2_naming_file_and_line(settings, container, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2025550100\noops\n")
    result = run(settings, "registry", "import", "US-DNC", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2" in result.output and "'oops' is not a phone number" in result.output
    assert "no register loaded" in run(settings, "registry", "list").output


def test_iys_import_on_the_command_line_needs_a_brand(settings, container, tmp_path):
    path = tmp_path / "iys.csv"
    path.write_text("creationDate,transactionId,recipient,recipientType,type,status,consentDate,source\n")
    result = run(settings, "registry", "import", "TR-IYS", str(path), "--format", "iys")
    assert result.exit_code == 2 and "--brand" in result.output


@pytest.fixture
def server(container) -> Iterator[str]:
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(500):
        if srv.started:
            break
        time.sleep(0.01)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def keys(rt):
    brands.add_brand(rt, "enercom")
    brands.add_brand(rt, "othercorp")
    return {
        "operator": apikeys.create_api_key(rt, brand="enercom", scopes=["registry:write"]),
        "checker": apikeys.create_api_key(rt, brand="enercom", scopes=["check"]),
        "other": apikeys.create_api_key(rt, brand="othercorp", scopes=["registry:write"]),
    }


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_register_file_is_uploaded_and_listed_over_http(server, keys):
    upload = httpx.post(
        f"{server}/v1/registries/UK-TPS/snapshots",
        headers=auth(keys["operator"]),
        files={"file": ("tps-2026-11-20.txt", b"07700 900123\r\n07700900124 \r\n")},
        data={"format": "tps", "as_of": "2026-11-20"},
        timeout=60,
    )
    assert upload.status_code == 201, upload.text
    body = upload.json()
    assert (body["name"], body["count"], body["as_of"], body["region"]) == ("UK-TPS", 2, "2026-11-20", "GB")
    assert body["source_name"] == "tps-2026-11-20.txt"
    listed = httpx.get(f"{server}/v1/registries", headers=auth(keys["checker"]), timeout=10)
    assert listed.status_code == 200
    (row,) = listed.json()
    assert (row["snapshot_id"], row["age_days"], row["days_left"]) == (body["snapshot_id"], 3, 25)


def test_uploading_needs_the_registry_write_scope(server, keys):
    refused = httpx.post(
        f"{server}/v1/registries/US-DNC/snapshots",
        headers=auth(keys["checker"]),
        files={"file": ("dnc.txt", b"2025550100\n")},
        timeout=10,
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{server}/v1/registries", timeout=10).status_code == 401


def test_a_bad_upload_answers_with_the_line_and_changes_nothing(server, keys):
    bad = httpx.post(
        f"{server}/v1/registries/US-DNC/snapshots",
        headers=auth(keys["operator"]),
        files={"file": ("dnc.txt", b"2025550100\nabc\n")},
        timeout=30,
    )
    assert bad.status_code == 422
    problem = bad.json()
    assert (problem["file"], problem["line"]) == ("dnc.txt", 2)
    assert httpx.get(f"{server}/v1/registries", headers=auth(keys["checker"]), timeout=10).json() == []


def test_iys_uploads_go_to_the_keys_own_brand_only(server, keys):
    movement = (
        b"creationDate,transactionId,recipient,recipientType,type,status,consentDate,source\n"
        b"2026-11-20 09:05:00,T1,+905100000100,BIREYSEL,ARAMA,ONAY,2026-11-20 09:00:00,HS_WEB\n"
    )
    foreign = httpx.post(
        f"{server}/v1/registries/TR-IYS/snapshots",
        headers=auth(keys["other"]),
        files={"file": ("iys.csv", movement)},
        data={"format": "iys", "brand": "enercom"},
        timeout=30,
    )
    assert foreign.status_code == 403
    own = httpx.post(
        f"{server}/v1/registries/TR-IYS/snapshots",
        headers=auth(keys["operator"]),
        files={"file": ("iys.csv", movement)},
        data={"format": "iys"},
        timeout=30,
    )
    assert own.status_code == 201, own.text
    assert own.json() == {
        "brand": "enercom",
        "accepted": 1,
        "skipped_email": 0,
        "skipped_duplicate": 0,
        "rows": 1,
    }
