"""The README's production environment passes ``manage.py check --deploy`` without a warning."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_production_environment() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("Production (behind TLS) also sets:", 1)[1].split("\n\n", 2)[1]
    words = shlex.split(block.replace("\\\n", " "))
    return dict(word.split("=", 1) for word in words if re.match(r"^[A-Z_]+=", word))


def test_the_readme_production_environment_passes_check_deploy(tmp_path):
    environment = readme_production_environment()
    assert environment["SECURE_HSTS_SECONDS"] == "31536000"
    secret = tmp_path / "portal_key"
    secret.write_text("k" * 20 + "0123456789abcdefghijklmnopqrstuv")
    environment["SECRET_KEY_FILE"] = str(secret)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DEBUG", "SECRET_KEY", "DATABASE_URL"))
    }
    env.update(environment, PORTAL_VAR_DIR=str(tmp_path / "var"))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
