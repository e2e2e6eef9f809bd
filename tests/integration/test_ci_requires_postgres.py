"""With CI=true, an unreachable PostgreSQL fails the run loudly instead of skipping its tests."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_fails_when_postgresql_cannot_be_reached():
    env = {**os.environ, "CI": "true", "DIALGATE_TEST_PG": "postgresql://postgres@127.0.0.1:1/postgres"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
         "tests/integration/test_migrations.py", "-k", "postgresql"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode != 0
    assert "unreachable" in run.stdout and "CI=true" in run.stdout
