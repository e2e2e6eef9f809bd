"""The command line: `dialgate hlr-sim` serves both shapes; `dialgate roaming` looks numbers up."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from click.testing import CliRunner

from dialgate.cli.main import cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def hlr_sim_process(tmp_path: Path) -> Iterator[str]:
    scenario = tmp_path / "scenario.toml"
    scenario.write_text('[[numbers]]\nnumber = "+48451000120"\nroaming = true\nroaming_country = "TR"\n')
    # A port found free can be taken by a parallel test's server before the simulator binds it: then the
    # simulator exits, and another server would answer. Only the simulator answers /_sim/stats, and a
    # simulator that exited is started again on another port.
    for _ in range(5):
        port = free_port()
        command = [sys.executable, "-m", "dialgate", "hlr-sim", "--port", str(port), "--config", str(scenario),
                   "--latency-ms", "5", "--shape", "both", "--seed", "1"]  # fmt: skip
        process = subprocess.Popen(command, stderr=subprocess.PIPE, cwd=tmp_path)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                if process.poll() is not None:
                    break
                try:
                    if httpx.get(url + "/_sim/stats", timeout=0.5).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            else:
                pytest.fail("hlr-sim did not start")
            if process.poll() is None:
                yield url
                return
        finally:
            process.terminate()
            process.wait(timeout=10)
    pytest.fail(
        "hlr-sim could not bind a port: " + (process.stderr.read().decode() if process.stderr else "")
    )


def test_hlr_sim_answers_in_both_vendor_shapes(hlr_sim_process: str) -> None:
    flat = httpx.post(hlr_sim_process + "/api/v2/hlr-lookup", json={"msisdn": "+48451000120"}).json()
    assert (flat["msisdn"], flat["is_roaming"], flat["roaming_country_code"]) == ("+48451000120", True, "TR")
    listed = httpx.post(hlr_sim_process + "/number/1/query", json={"to": ["48451000120"]}).json()
    assert listed["results"][0]["roamingNetwork"]["countryPrefix"] == "90"
    assert httpx.get(hlr_sim_process + "/_sim/stats").json()["requests"] == {"+48451000120": 2}


def test_the_roaming_command_uses_the_configured_provider(hlr_sim_process: str, tmp_path: Path) -> None:
    env = {
        "DIALGATE_HLR__PROVIDER": "http",
        "DIALGATE_HLR__URL": hlr_sim_process,
        "DIALGATE_HLR__SHAPE": "infobip",
    }
    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "d"), "roaming", "+48451000120", "451 000 100", "--region", "PL", "--json"],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = {row["number"]: row for row in orjson.loads(result.stdout)}
    assert found["+48451000120"]["state"] == "outside-eea" and found["+48451000120"]["country"] == "TR"
    assert found["+48451000120"]["provider"] == "infobip"
    assert found["+48451000100"]["state"] == "home"


def test_the_roaming_command_works_without_configuration(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--data-dir", str(tmp_path / "d"), "roaming", "+48451000110", "+48451000171"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "+48451000110\tin-eea (DE)"
    assert lines[1].startswith("+48451000171\tunknown: server:")


def test_a_bad_scenario_file_is_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[numbers]]\nnumber = "+48451000120"\nroaming = "often"\n')
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(tmp_path / "d"), "roaming", "+48451000120"],
        env={"DIALGATE_HLR__FAKE_DATA": str(bad)},
    )
    assert result.exit_code == 2
    assert "bad.toml" in result.stderr and "numbers[1]" in result.stderr


def test_an_http_provider_without_a_url_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--data-dir", str(tmp_path / "d"), "roaming", "+48451000120"],
        env={"DIALGATE_HLR__PROVIDER": "http"},
    )
    assert result.exit_code == 2
    assert "DIALGATE_HLR__URL" in result.stderr


def test_hlr_sim_is_listed_in_help() -> None:
    assert "hlr-sim" in CliRunner().invoke(cli, ["--help"]).output
    assert os.environ.get("DIALGATE_HLR__PROVIDER") is None  # the tests above did not leak settings
