"""The habits a self-hoster expects of a command line: --config anywhere, --version, a config found in the usual
places (or every place named), `events`, read-only commands that create nothing, a message (not a traceback)
for every bad argument, targets by name, JSON logs, and progress bars on a terminal only."""

from __future__ import annotations

import json
import logging
import os
import pty
import sqlite3
import sys
import threading
from datetime import UTC, datetime
from importlib import metadata
from io import StringIO
from pathlib import Path

import pytest

from monitor import logs, notify
from monitor.cli import main
from monitor.cli.common import secrets_of
from monitor.config import load_settings
from monitor.config.files import config_folders

REPORTS = [
    {"id": "r1", "published": "2020-03-11T19:10:00+00:00", "source": "Outlet A",
     "title": "Rockets slam into Camp Taji, killing two Americans and a Briton",
     "summary": "About fifteen rockets hit Camp Taji north of Baghdad on Wednesday evening, killing two US "
                "service members and one British soldier, coalition officials said."},
    {"id": "r2", "published": "2020-03-11T21:00:00+00:00", "source": "Outlet B",
     "title": "Coalition says three killed in rocket barrage on Taji base",
     "summary": "A barrage of Katyusha rockets struck the Taji base, which hosts US-led coalition troops. "
                "Two American and one British service members were killed and about a dozen wounded."},
    {"id": "r3", "published": "2020-03-12T08:00:00+00:00", "source": "Outlet D",
     "title": "Dock workers strike over unpaid wages",
     "summary": "Hundreds of port workers walked out on Thursday in a strike over three months of unpaid wages."},
]


def _items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in REPORTS), encoding="utf-8")
    return path


def test_config_before_or_after_the_command(make_config, tmp_path, capsys):
    config = str(make_config())
    heartbeat = f"no heartbeat at {tmp_path / 'state' / 'heartbeat'}"  # a cheap command that shows the config used
    assert main(["status", "--health", "--config", config]) == 1
    assert main(["--config", config, "status", "--health"]) == 1
    # Given twice, the one after the command wins: it is the nearer one on the line.
    assert main(["--config", str(tmp_path / "nowhere.yaml"), "status", "--config", config, "--health"]) == 1
    assert capsys.readouterr().err.count(heartbeat) == 3


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"monitor {metadata.version('monitor')}"


def test_the_config_is_searched_for_and_every_place_named(make_config, tmp_path, monkeypatch, capsys):
    text = make_config().read_text(encoding="utf-8")  # absolute paths to the shipped files; state relative
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("MONITOR_CONFIG", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    if Path("/etc/monitor/monitor.yaml").exists():
        pytest.skip("this machine has /etc/monitor/monitor.yaml, the last place searched")

    assert main(["check-config"]) == 2
    err = capsys.readouterr().err
    for place in (work / "config" / "monitor.yaml", home / ".config" / "monitor" / "monitor.yaml",
                  Path("/etc/monitor/monitor.yaml")):
        assert str(place) in err, err
    assert "--config" in err and "MONITOR_CONFIG" in err and "Traceback" not in err

    user = home / ".config" / "monitor"
    user.mkdir(parents=True)
    (user / "monitor.yaml").write_text(text, encoding="utf-8")
    assert load_settings(None).config_file == user / "monitor.yaml"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # XDG_CONFIG_HOME replaces ~/.config
    assert config_folders()[1] == tmp_path / "xdg" / "monitor"
    monkeypatch.delenv("XDG_CONFIG_HOME")

    (work / "config").mkdir()
    (work / "config" / "monitor.yaml").write_text(text, encoding="utf-8")
    assert load_settings(None).config_file == work / "config" / "monitor.yaml"  # ./config comes first

    monkeypatch.setenv("MONITOR_CONFIG", str(user))  # the environment before any search
    assert load_settings(None).config_file == user / "monitor.yaml"
    monkeypatch.setenv("MONITOR_CONFIG", str(tmp_path / "gone"))
    assert main(["check-config"]) == 2
    assert f"{tmp_path / 'gone'}: file not found (named by MONITOR_CONFIG)" in capsys.readouterr().err
    assert main(["--config", str(user), "check-config"]) == 0  # --config before everything


@pytest.mark.parametrize(("argv", "said"), [
    (["match", "--at", "someday", "Rockets hit Erbil"], "argument --at: 'someday' is not a time"),
    (["match", "--at", "2020-13-45", "Rockets hit Erbil"], "argument --at: '2020-13-45' is not a time"),
    (["status", "--health", "--max-age", "5x"], "argument --max-age: '5x' is not a duration"),
    (["status", "--health", "--max-age", "0"], "argument --max-age: a duration must be greater than zero"),
    (["events", "--since", "whenever"], "argument --since: 'whenever' is not a time"),
    (["eval", "x.jsonl", "--worst", "many"], "argument --worst: invalid int value"),
    (["poll", "--twice"], "unrecognized arguments: --twice"),
    (["pol"], "invalid choice: 'pol'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_every_bad_argument_is_a_message_and_exit_code_2(make_config, capsys, argv, said):
    assert main([*argv, "--config", str(make_config())] if argv else []) == 2
    err = capsys.readouterr().err
    assert said in err and "usage: monitor" in err and "Traceback" not in err


def test_match_at_yesterday_and_health_with_a_duration(make_config, tmp_path, capsys):
    config = str(make_config())
    assert main(["match", "--config", config, "--at", "yesterday", "--json", "Rockets hit Camp Taji on Friday"]) == 0
    assert json.loads(capsys.readouterr().out)["reading"]["places"] == ["Camp Taji"]
    assert main(["match", "--config", config, "--at", "2020-03-13", "Rockets hit Camp Taji on Friday"]) == 0
    assert "happened on: 2020-03-13" in capsys.readouterr().out  # "Friday" read against the date given

    assert main(["migrate", "--config", config]) == 0
    (tmp_path / "state" / "heartbeat").write_text(datetime.now(UTC).isoformat(), encoding="utf-8")
    assert main(["status", "--config", config, "--health", "--max-age", "5m"]) == 0
    assert "healthy: last heartbeat" in capsys.readouterr().out


def test_read_only_commands_never_create_a_database(make_config, tmp_path, capsys):
    config = str(make_config())
    database = tmp_path / "state" / "monitor.db"
    wrong = tmp_path / "typo" / "monitor.db"
    for argv, named in [(["status"], database), (["events", "--since", "2d"], database),
                        (["track-record", "--db", f"sqlite:///{wrong}"], wrong),
                        (["events", "--db", f"sqlite:///{wrong}"], wrong)]:
        assert main([*argv, "--config", config]) == 2, argv
        err = capsys.readouterr().err
        assert f"{named}: the database does not exist" in err and "Traceback" not in err, err
    assert main(["match", "--config", config, "Rockets hit Erbil"]) == 0
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "heartbeat").write_text(datetime.now(UTC).isoformat(), encoding="utf-8")
    assert main(["status", "--config", config, "--health"]) == 1
    assert f"unhealthy: the database {database} does not exist" in capsys.readouterr().err
    assert not database.exists() and not wrong.parent.exists()
    assert sorted(p.name for p in (tmp_path / "state").iterdir()) == ["heartbeat"]


def test_events_lists_what_the_store_holds(make_config, tmp_path, capsys):
    config = str(make_config())
    url = f"sqlite:///{tmp_path / 'events.db'}"
    assert main(["replay", "--config", config, str(_items(tmp_path)), "--db", url, "--out", str(tmp_path / "o")]) == 0
    capsys.readouterr()
    assert main(["events", "--config", config, "--db", url]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("2020-03-11 19:10:00Z  attack: ")  # first seen, type, title
    assert "  places: Camp Taji" in lines[1]
    assert "2 US killed" in lines[2] and "1 UK killed" in lines[2], lines[2]
    assert lines[3] == "  sources (2): Outlet A, Outlet B"
    assert lines[-1] == "1 event"
    assert main(["events", "--config", config, "--db", url, "--since", "2020-03-12"]) == 0
    assert capsys.readouterr().out == "0 events first seen since 2020-03-12 00:00:00Z\n"
    assert main(["events", "--db", url, "--since", "2d", "--config", config]) == 0
    assert capsys.readouterr().out.startswith("0 events first seen since ")


def test_status_names_targets_and_outputs(make_config, tmp_path, capsys):
    hook = "json://127.0.0.1:9/hook/TOKEN0123456789abcdef"
    config = make_config(notify=[{"url": hook, "name": "team chat"}])
    url = f"sqlite:///{tmp_path / 'state' / 'monitor.db'}"
    assert main(["replay", "--config", str(config), str(_items(tmp_path)), "--db", url,
                 "--out", str(tmp_path / "o")]) == 0
    # A delivery made before targets had names, keyed by a hash of the URL: shown by the name it belongs to.
    app_target = next(t for t in notify.build_targets(load_settings(config)) if t.id == "team chat")
    with sqlite3.connect(tmp_path / "state" / "monitor.db") as db:
        db.execute("UPDATE delivery SET target_id = ? WHERE target_id = 'team chat'",
                   (notify.legacy_target_id(app_target),))
    capsys.readouterr()
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    alerts_file = tmp_path / "state" / "alerts.jsonl"
    assert f"notification targets: team chat; alerts also go to the log and the alerts file {alerts_file}" in out
    assert "deliveries to team chat: 1 pending\n" in out
    assert "deliveries to the log: 1 pending" in out
    assert f"deliveries to the alerts file {alerts_file}: 1 pending" in out
    assert "apprise-" not in out and "TOKEN" not in out


def test_no_target_is_not_counted_as_two(make_config, capsys):
    config = str(make_config())
    assert main(["check-config", "--config", config]) == 0
    assert "notify: no notification targets" in capsys.readouterr().out
    assert main(["notify-test", "--config", config]) == 0
    out = capsys.readouterr().out
    assert "no notification targets are configured; the test alert goes to the log and the alerts file" in out
    assert "the log: ok" in out and "notification targets" not in out.replace("no notification targets", "")


def test_json_log_lines_with_secrets_masked():
    stream = StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.SecretFilter(["hunter2-secret"]))
    logger = logging.getLogger("monitor.test_json_logs")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning("feed %s failed", "https://u:hunter2-secret@example.org/rss")
        try:
            raise ValueError("token hunter2-secret refused")
        except ValueError:
            logger.exception("sending failed")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["logger"] == "monitor.test_json_logs"
    assert first["message"] == "feed https://u:****@example.org/rss failed"
    assert datetime.fromisoformat(first["time"]).tzinfo is not None
    assert second["message"] == "sending failed" and "ValueError: token **** refused" in second["exception"]
    assert "hunter2" not in stream.getvalue()


def test_log_format_json_from_the_config(make_config, capsys):
    config = make_config(feeds=[{"url": "http://127.0.0.1:9/closed.xml", "name": "closed port"}],
                         log_format="json")
    # The command sets logging up as it would in its own process: on a root logger with no handler yet (the
    # test runner's are put back afterwards).
    root = logging.getLogger()
    kept, level = root.handlers[:], root.level
    root.handlers.clear()
    try:
        assert main(["poll", "--once", "--config", str(config)]) == 0
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = kept
        root.setLevel(level)
    err = capsys.readouterr().err
    entries = [json.loads(line) for line in err.splitlines()]  # every line is one JSON object
    assert entries and all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(e["level"] == "WARNING" and "closed port" in e["message"] for e in entries), entries
    assert main(["check-config", "--config", str(make_config(log_format="xml"))]) == 2
    assert "log_format: 'xml' is not a log format; use text or json" in capsys.readouterr().err


class _Terminal:
    """A pseudo-terminal whose output is read as it comes (a full terminal would block the writer)."""

    def __init__(self) -> None:
        self._main, terminal_fd = pty.openpty()
        self.file = os.fdopen(terminal_fd, "w", encoding="utf-8")
        self._seen: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._main, 65536)
            except OSError:  # EIO: the other end is closed and everything was read
                return
            if not chunk:
                return
            self._seen.append(chunk)

    def close(self) -> str:
        self.file.close()
        self._reader.join(timeout=10)
        os.close(self._main)
        return b"".join(self._seen).decode(errors="replace")


def _on_a_terminal(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """Run monitor with standard error on a pseudo-terminal (standard output stays captured, not a terminal);
    returns what the terminal was sent."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "100")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal.file)
    try:
        assert main(argv) == 0
    finally:
        monkeypatch.undo()
    return terminal.close()


def test_progress_bars_only_on_a_terminal_and_records_unchanged(make_config, tmp_path, capsys, monkeypatch):
    config = str(make_config())
    items = _items(tmp_path)
    assert main(["replay", "--config", config, str(items)]) == 0
    plain = capsys.readouterr()
    assert "\x1b" not in plain.err and "━" not in plain.err  # no terminal, no bar
    terminal = _on_a_terminal(["replay", "--config", config, str(items)], monkeypatch)
    assert capsys.readouterr().out == plain.out  # the records are what they are without a terminal
    assert "replay" in terminal and "/3" in terminal and "replayed 3 items" in terminal, terminal

    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("".join(json.dumps({**r, "labels": {"relevant": r["id"] != "r3"}}) + "\n" for r in REPORTS),
                        encoding="utf-8")
    terminal = _on_a_terminal(["eval", "--config", config, str(labelled)], monkeypatch)
    figures = capsys.readouterr().out
    assert "relevance" in figures and "━" not in figures
    assert "eval" in terminal and "/3" in terminal, terminal

    # Records streaming to the same terminal: no bar, which would overwrite them.
    both = _Terminal()
    monkeypatch.setattr(sys, "stdout", both.file)
    monkeypatch.setattr(sys, "stderr", both.file)
    try:
        assert main(["replay", "--config", config, str(items)]) == 0
    finally:
        monkeypatch.undo()
    shared = both.close()
    assert "━" not in shared and shared.replace("\r\n", "\n") == plain.out + plain.err


def test_the_status_page_token_is_among_the_secrets_the_log_masks(make_config, tmp_path):
    token_file = tmp_path / "http-token"
    token_file.write_text("s3cret-page-token-0123456789\n", encoding="utf-8")
    token_file.chmod(0o600)
    settings = load_settings(make_config(http={"listen": "0.0.0.0:8080", "token_file": str(token_file)}))
    assert "s3cret-page-token-0123456789" in secrets_of(settings)
    assert "s3cret-page-token-0123456789" not in secrets_of(load_settings(make_config()))
