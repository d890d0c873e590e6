"""The daemon's HTTP server as an operator meets it: `monitor run` with `http` on, a feed served on 127.0.0.1, a
SQLite file; /healthz, /metrics and the pages read with httpx, and the status page drawn by a real headless
Chromium at phone and desktop widths (the screenshots are kept under test-artifacts/web/)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
import yaml
from conftest import SHIPPED_CONFIG, SHIPPED_RULES, TESTS_DIR
from servers import Daemon, FeedServer

from monitor.config import ConfigError, load_settings

REPO = TESTS_DIR.parent
ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM = "/usr/bin/chromium"
TOKEN = "a-test-token-0123456789abcdef"

# What a hostile feed can get into a title: tags and markup arrive double-escaped, so the parser's tag
# stripping leaves them as literal text, which the page must show as text and never as markup.
HOSTILE = '<script>document.title="owned"</script><b>bold</b><img src=x onerror=alert(1)>'
METRIC_NAMES = ("monitor_polls_total", "monitor_items_total", "monitor_relevant_items_total", "monitor_events",
                "monitor_alerts_total", "monitor_deliveries", "monitor_oldest_pending_delivery_seconds",
                "monitor_fetch_seconds_bucket", "monitor_processing_seconds_bucket", "monitor_feed_errors_total")


def _escaped_twice(text: str) -> str:
    return text.replace("&", "&amp;amp;").replace("<", "&amp;lt;").replace(">", "&amp;gt;").replace('"', "&amp;quot;")


def recent_feed(now: datetime) -> bytes:
    """Two reports of the last hours: a deadly attack on a base hosting US troops (a warning follows it) and a
    rocket attack whose title carries markup and whose link is a javascript: URL."""
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Web Wire</title>
<item><guid>web-tower22</guid><link>https://webwire.example/tower-22</link>
<pubDate>{format_datetime(now - timedelta(hours=2))}</pubDate>
<title>Drone attack on Tower 22 kills three US soldiers</title>
<description>A drone attack by Kataib Hezbollah on Tower 22, a base in Jordan housing US troops, killed three US
soldiers and injured 25, the Pentagon said.</description></item>
<item><guid>web-erbil</guid><link>javascript:alert(1)</link>
<pubDate>{format_datetime(now - timedelta(hours=1))}</pubDate>
<title>Rockets hit Erbil air base {_escaped_twice(HOSTILE)}</title>
<description>Several rockets struck Erbil air base, which hosts US-led coalition troops, late at night, Kurdish
security officials said. No casualties were reported.</description></item>
</channel></rss>""".encode()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(folder: Path, feeds: list[dict], http: dict | None, **keys: object) -> Path:
    config = {
        "database": "sqlite:///state/monitor.db",
        "watchlist": str(SHIPPED_CONFIG / "watchlist.yaml"),
        "vocabulary": [str(SHIPPED_CONFIG / "vocabulary.yaml"), str(SHIPPED_CONFIG / "vocabulary.ar.yaml")],
        "rules": SHIPPED_RULES,
        "history": str(SHIPPED_CONFIG / "history.yaml"),
        "state_dir": "state",
        "schedule": {"interval": "1h", "jitter": "1s", "delivery_interval": "30s"},
        "fetch": {"timeout": "10s", "connect_timeout": "2s"},
        "alerts": {"file": "state/alerts.jsonl", "log": True, "templates": str(SHIPPED_CONFIG / "templates")},
        "feeds": feeds,
        "notify": [],
        **keys,
    }
    if http is not None:
        config["http"] = http
    path = folder / "monitor.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


class Running(Daemon):
    """`monitor run` in a subprocess, its output in a file, its HTTP server at `base`."""

    def __init__(self, config: Path, base: str, token: str | None = None):
        super().__init__(config, config.parent / "daemon.log")
        self.base, self.folder, self.token = base, config.parent, token

    def get(self, path: str, token: str | None = "configured", **kwargs: object) -> httpx.Response:
        """GET with the configured token as a bearer header (`token=None`: without one)."""
        bearer = self.token if token == "configured" else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return httpx.get(self.base + path, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


def start(config: Path, port: int, token: str | None = None) -> Running:
    return Running(config, f"http://127.0.0.1:{port}", token)


def wait_for(predicate, timeout: float, what: str, running: Running | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.TransportError:
            pass  # not listening yet
        if running is not None and running.proc.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"{what}" + (f"\n--- daemon output:\n{running.output}" if running else ""))


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One daemon for the read-only checks: it polls the recent feed once, makes two events and a warning. Its
    server asks for a token (bound to loopback it need not, but one configured is always required)."""
    folder = tmp_path_factory.mktemp("web")
    with FeedServer() as feeds:
        feeds.add_feed("/wire.xml", recent_feed(datetime.now(UTC)))
        feeds.add_status("/broken.xml", 500)
        port = free_port()
        config = write_config(folder, [{"url": feeds.url("/wire.xml"), "name": "Web Wire"},
                                       {"url": feeds.url("/broken.xml"), "name": "Broken <i>feed</i>"}],
                              {"listen": f"127.0.0.1:{port}", "token": TOKEN})
        running = start(config, port, TOKEN)
        alerts = folder / "state" / "alerts.jsonl"
        try:
            wait_for(lambda: alerts.exists() and len(alerts.read_text().splitlines()) >= 3, 60,
                     "two new_event alerts and a warning", running)
            wait_for(lambda: 'monitor_polls_total{status="error"} 1.0' in running.get("/metrics").text, 20,
                     "both polls counted", running)
            yield running
        finally:
            code = running.stop()
    assert code == 0, running.output
    assert "every request needs the token" in running.output and TOKEN not in running.output


# --- /healthz, /metrics --------------------------------------------------------------------------


def test_healthz_is_200_with_each_check_while_the_daemon_runs(daemon):
    response = daemon.get("/healthz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["problems"] == []
    assert body["checks"] == {"scheduler": "ok", "delivery_loop": "ok", "database_file": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_metrics_name_polls_items_events_alerts_deliveries_latencies_and_errors(daemon):
    response = daemon.get("/metrics")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    text = response.text
    missing = [name for name in METRIC_NAMES if name not in text]
    assert not missing, text
    assert 'monitor_polls_total{status="ok"} 1.0' in text
    assert 'monitor_feed_errors_total{feed="Broken <i>feed</i>"} 1.0' in text
    assert "monitor_items_total 2.0" in text and "monitor_relevant_items_total 2.0" in text
    assert "monitor_events 2.0" in text
    assert 'monitor_alerts_total{kind="new_event"} 2.0' in text
    assert 'monitor_alerts_total{kind="strike_likely"} 1.0' in text
    for target in ("file", "log"):  # the built-in targets: the alerts file and the log
        assert re.search(rf'^monitor_deliveries{{state="(sent|pending)",target="{target}"}} [1-9]', text, re.M), text
    assert "monitor_fetch_seconds_count 2.0" in text
    assert "monitor_processing_seconds_count" in text and "monitor_processing_seconds_count 0.0" not in text
    # The daemon's own registry: nothing of the library's global one (process and platform collectors).
    assert "python_info" not in text and "process_cpu_seconds_total" not in text


# --- the pages -----------------------------------------------------------------------------------


def test_the_hostile_title_reached_the_database_as_text(daemon):
    """So that the page checks below test escaping, not a parser that happened to drop the markup."""
    with sqlite3.connect(daemon.folder / "state" / "monitor.db") as db:
        titles = [t for (t,) in db.execute("SELECT title FROM item")]
    assert any(HOSTILE in t for t in titles), titles


def test_status_page_shows_feeds_events_warnings_and_deliveries(daemon):
    response = daemon.get("/")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "Web Wire" in page and "Broken &lt;i&gt;feed&lt;/i&gt;" in page
    assert "failing" in page and "HTTP 500" in page and "next poll in" in page
    assert "Drone attack on Tower 22 kills three US soldiers" in page
    assert "Tower 22" in page and "killed: US 3; injured: US 25" in page
    assert "Strike likely" in page and "Open warnings <small>(1)</small>" in page
    assert "window" in page and "3 killed (US)" in page  # a reason of the warning
    assert "file" in page and "sent" in page  # the built-in alerts-file target's deliveries


def test_status_page_escapes_feed_text_and_links_only_http(daemon):
    page = daemon.get("/").text
    assert HOSTILE not in page and "<script" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;document.title=&#34;owned&#34;&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    assert "javascript:" not in page  # the report's link is not an http(s) URL: its title is shown unlinked
    assert 'href="https://webwire.example/tower-22"' in page
    policy = daemon.get("/").headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_timeline_lists_events_and_warnings_with_outcomes(daemon):
    page = daemon.get("/timeline?days=7").text
    assert "last 7 days" in page
    assert page.count('class="card entry event"') == 2 and page.count('class="card entry warning"') == 1
    assert "Strike likely" in page and "open" in page
    assert daemon.get("/timeline?days=nonsense").status_code == 200
    assert daemon.get("/nowhere").status_code == 404


# --- a real browser -------------------------------------------------------------------------------


def _chromium() -> str:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    if os.environ.get("CI") or os.geteuid() == 0:
        pytest.fail(f"{CHROMIUM} is missing: install it with apt-get install -y --no-install-recommends chromium "
                    "(.ci/run does)")
    pytest.skip(f"{CHROMIUM} is missing and installing it needs root (apt-get install chromium)")


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """(width, height, distinct byte values of the image data): a blank page has a handful, a drawn one many."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            chunks.append(data[at + 8:at + 8 + length])
        at += 12 + length
    return width, height, len(set(zlib.decompress(b"".join(chunks))))


def screenshot(browser: str, url: str, out: Path, width: int, profile: Path) -> None:
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
               "--force-device-scale-factor=1", f"--user-data-dir={profile}", f"--window-size={width},900",
               f"--screenshot={out}", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and out.exists(), f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"


def test_status_page_in_headless_chromium_at_phone_and_desktop_widths(daemon, tmp_path):
    browser = _chromium()
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    shots = [("status", "/", 412), ("status", "/", 1280), ("timeline", "/timeline", 412)]
    for name, path, width in shots:
        out = ARTIFACTS / f"{name}-{width}.png"
        screenshot(browser, f"{daemon.base}{path}?token={TOKEN}", out, width, tmp_path / f"profile-{name}-{width}")
        got_width, got_height, colours = png_size_and_colours(out)
        assert (got_width, got_height) == (width, 900), out
        assert colours > 40, f"{out} looks blank ({colours} distinct values)"
    print(f"\n  screenshots kept in {ARTIFACTS}")
    # The page ran no script: the hostile title's script would have renamed the document.
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'profile-dom'}", "--dump-dom", f"{daemon.base}/?token={TOKEN}"],
                         capture_output=True, text=True, timeout=120).stdout
    assert "<title>monitor: status</title>" in dom and "&lt;script&gt;" in dom


# --- health when something is wrong ---------------------------------------------------------------


def test_healthz_is_503_naming_a_deleted_database_then_the_stop_it_causes(tmp_path):
    """The database file is deleted under the daemon: /healthz says so at once; housekeeping then stops the daemon
    (exit 3), and while a slow poll finishes, /healthz says it is stopping."""
    with FeedServer() as feeds:
        feeds.add_slow("/slow.xml", recent_feed(datetime.now(UTC)), delay_seconds=3)
        port = free_port()
        config = write_config(tmp_path, [{"url": feeds.url("/slow.xml")}], {"listen": f"127.0.0.1:{port}"},
                              schedule={"interval": "1h", "jitter": "1s", "delivery_interval": "1s"})
        running = start(config, port)
        try:
            wait_for(lambda: running.get("/healthz").status_code == 200, 30, "healthy at start", running)
            (tmp_path / "state" / "monitor.db").unlink()
            response = running.get("/healthz")
            assert response.status_code == 503, response.text
            assert response.json()["checks"]["database_file"].endswith("monitor.db was deleted")
            wait_for(lambda: running.get("/healthz").json()["checks"]["scheduler"] == "the daemon is stopping", 10,
                     "503 while stopping", running)
            assert running.proc.wait(timeout=60) == 3
        finally:
            running.stop()
    assert "monitor stopped" in running.output


def test_a_token_is_required_on_every_route_and_never_logged(daemon):
    for path in ("/", "/timeline", "/healthz", "/metrics"):
        refused = daemon.get(path, token=None)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer"), path
        assert daemon.get(path, token="wrong-token-0123456789abcdef").status_code == 401, path
        assert daemon.get(path).status_code == 200, path
    by_query = daemon.get(f"/?token={TOKEN}", token=None)
    assert by_query.status_code == 200 and TOKEN not in by_query.text
    cookie = by_query.cookies.get("monitor_token")
    assert cookie == TOKEN  # so the page's own links work in a browser, without the token in them
    with_cookie = httpx.get(f"{daemon.base}/timeline", headers={"Cookie": f"monitor_token={cookie}"}, timeout=10)
    assert with_cookie.status_code == 200


def test_a_port_already_taken_stops_the_start_naming_the_key(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        running = start(write_config(tmp_path, [], {"listen": f"127.0.0.1:{port}"}), port)
        assert running.proc.wait(timeout=60) == 2
    assert f"http.listen: cannot listen on 127.0.0.1:{port}" in running.output
    assert "Traceback" not in running.output


# --- the configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(("http", "problem"), [
    ({"listen": "0.0.0.0:8080"}, "http: `token` or `token_file` is required: listen '0.0.0.0:8080' is not a loopback"),
    ({"listen": "monitor.example:8080"}, "http: `token` or `token_file` is required"),
    ({"listen": "8080"}, "http.listen: '8080' is not host:port"),
    ({"listen": "127.0.0.1:99999"}, "http.listen: port 99999 is out of range"),
    ({"listen": "0.0.0.0:8080", "token": "short"}, "http.token: a token must be at least 16 characters"),
    ({"listen": "127.0.0.1:8080", "tokn": TOKEN}, "http.tokn: unknown key"),
    ({"token": TOKEN, "token_file": "token.txt"}, "http: give at most one of `token` and `token_file`"),
    ({"listen": "0.0.0.0:8080", "token_file": "missing.txt"}, "http.token_file: cannot read"),
])
def test_http_config_errors_name_the_file_and_the_key(tmp_path, http, problem):
    config = write_config(tmp_path, [], http)
    with pytest.raises(ConfigError) as error:
        load_settings(config)
    assert any(p.startswith(f"{config}: ") and problem in p for p in error.value.problems), error.value.problems


def test_http_config_defaults_and_a_private_token_file(tmp_path):
    assert load_settings(write_config(tmp_path, [], None)).http is None  # off when absent
    http = load_settings(write_config(tmp_path, [], {})).http
    assert http is not None and http.listen == "127.0.0.1:8080" and http.secret_token() is None
    secret = tmp_path / "http-token"
    secret.write_text(TOKEN + "\n", encoding="utf-8")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match=r"http\.token_file: .* can be read by other users"):
        load_settings(write_config(tmp_path, [], {"listen": "[::]:8080", "token_file": "http-token"}))
    secret.chmod(0o600)
    http = load_settings(write_config(tmp_path, [], {"listen": "[::]:8080", "token_file": "http-token"})).http
    assert http is not None and http.secret_token() == TOKEN and TOKEN not in repr(http)
