"""The service files: the systemd unit passes `systemd-analyze verify` and keeps its hardening, the shipped config
set up as the README says writes only where the unit allows, and the compose file runs monitor beside a healthy
PostgreSQL with health checks on both."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monitor import store
from monitor.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "monitor.service"
COMPOSE = ROOT / "deploy" / "compose.yaml"
README = (ROOT / "README.md").read_text(encoding="utf-8")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
STATE = Path("/var/lib/monitor")  # StateDirectory=monitor
CONFIG = Path("/etc/monitor")  # ConfigurationDirectory=monitor


def _service() -> dict[str, list[str]]:
    """The [Service] section, every value of a key kept (systemd allows a key more than once, which
    configparser refuses)."""
    values: dict[str, list[str]] = {}
    section = None
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_the_unit_is_a_hardened_simple_service():
    service = _service()
    one = {key: values[-1] for key, values in service.items()}
    assert one["Type"] in ("simple", "notify")
    assert one["Restart"] == "on-failure"
    assert one.get("DynamicUser") == "yes" or one.get("User") not in (None, "", "root")
    for key, value in {"ProtectSystem": "strict", "StateDirectory": "monitor", "ConfigurationDirectory": "monitor",
                       "NoNewPrivileges": "yes", "PrivateTmp": "yes", "ProtectHome": "yes"}.items():
        assert one.get(key) == value, key
    assert one["CapabilityBoundingSet"] == ""  # no capabilities at all
    program, *argv = one["ExecStart"].split()
    assert Path(program).is_absolute() and argv == ["run", "--config", str(CONFIG)]
    # Stopping waits past the daemon's own grace (schedule.shutdown_grace, 30 s by default).
    assert int(one["TimeoutStopSec"].removesuffix("s")) > 30
    # Nothing writable is granted besides the state folder.
    assert "ReadWritePaths" not in one


@pytest.mark.skipif(not Path(SYSTEMD_ANALYZE).exists(), reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_accepts_the_unit(tmp_path):
    # verify checks that ExecStart's program exists; the unit names where the README installs it
    # (/opt/monitor), so it is pointed at this checkout's own `monitor` for the check.
    program = _service()["ExecStart"][-1].split()[0]
    installed = Path(sys.executable).parent / "monitor"
    assert installed.exists(), installed
    unit = tmp_path / "monitor.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(program, str(installed)), encoding="utf-8")
    result = subprocess.run([SYSTEMD_ANALYZE, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    # Unknown keys and bad values are only warnings to systemd; here they fail.
    assert result.stderr.strip() == "", result.stderr


def test_the_readme_setup_makes_the_shipped_config_write_only_under_the_state_directory(tmp_path):
    sed = re.search(r"^sed -i 's#(.+?)#(.+?)#' /etc/monitor/monitor\.yaml$", README, re.M)
    assert sed, "README: the sed line that points the state at /var/lib/monitor"
    pattern, replacement = sed.group(1), sed.group(2)
    assert f"cp -r config/. {CONFIG}/" in README and "cp deploy/monitor.service /etc/systemd/system/" in README
    # The shipped config folder as the README copies it to /etc/monitor (here a copy in tmp_path standing in
    # for it: every path the config names is relative to its folder, or absolute after the sed line).
    etc = tmp_path / "etc" / "monitor"
    shutil.copytree(ROOT / "config", etc)
    text = (etc / "monitor.yaml").read_text(encoding="utf-8")
    (etc / "monitor.yaml").write_text(re.sub(pattern, replacement, text), encoding="utf-8")
    settings = load_settings(etc / "monitor.yaml", environ={})
    assert settings.database == f"sqlite:///{STATE}/monitor.db"
    assert settings.state_dir == STATE and settings.alerts.file == STATE / "alerts.jsonl"
    # What it only reads stays with the config.
    for path in [*settings.watchlist, *settings.vocabulary, settings.rules, *settings.history]:
        assert path.is_relative_to(etc) and path.is_file(), path


def test_compose_runs_monitor_beside_a_healthy_postgres():
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"monitor", "db"}
    db, monitor = services["db"], services["monitor"]
    assert db["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert monitor["depends_on"]["db"]["condition"] == "service_healthy"
    # The daemon's health check is the CLI's, as in the image's HEALTHCHECK.
    assert monitor["healthcheck"]["test"] == ["CMD", "monitor", "status", "--health"]
    assert "HEALTHCHECK" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert _seconds(monitor["stop_grace_period"]) > 30

    url = monitor["environment"]["MONITOR_DATABASE"]
    user, database = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"]
    assert url == f"postgresql+psycopg://{user}:${{POSTGRES_PASSWORD}}@db:5432/{database}"
    assert "POSTGRES_PASSWORD" in db["environment"]["POSTGRES_PASSWORD"]
    # With the password filled in, the URL is one monitor accepts, and the image has its driver.
    filled = url.replace("${POSTGRES_PASSWORD}", "0123abcd")
    assert store.check_url(filled) is None
    assert "'.[postgres]'" in (ROOT / "Dockerfile").read_text(encoding="utf-8")

    # The volumes are where the image keeps its config (MONITOR_CONFIG) and state.
    volumes = [v.split(":")[1] for v in monitor["volumes"]]
    assert volumes == ["/app/config", "/app/state"]
    assert "MONITOR_CONFIG=/app/config" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert set(compose["volumes"]) >= {"db-data", "monitor-state"}
    assert monitor["build"]["context"] == ".." and (COMPOSE.parent / ".." / "Dockerfile").resolve().exists()


def test_the_readme_documents_both():
    section = README.split("## Running it as a service", 1)[1].split("\n## ", 1)[0]
    for needed in ("deploy/monitor.service", "deploy/compose.yaml", "monitor status --health", "/var/lib/monitor",
                   "/etc/monitor", "docker compose -f deploy/compose.yaml up"):
        assert needed in section, needed


def _seconds(duration: str) -> int:
    return int(duration.removesuffix("s"))

