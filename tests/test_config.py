"""Config loading: the shipped files validate; every error names the file, the key and the problem."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.config import ConfigError, load_settings, parse_duration, parse_size

SHIPPED = Path(__file__).resolve().parents[1] / "config"


def test_shipped_config_is_valid(capsys):
    assert main(["--config", str(SHIPPED), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "configuration is valid" in out
    settings = load_settings(SHIPPED)
    assert settings.feeds, "the shipped config polls real sources"
    assert settings.database.startswith("sqlite:///") and settings.database.endswith("state/monitor.db")
    assert settings.alerts.file and settings.alerts.file.parent.name == "state"


def test_folder_file_and_env_locate_the_config(monkeypatch):
    assert load_settings(SHIPPED / "monitor.yaml").config_file == (SHIPPED / "monitor.yaml").resolve()
    monkeypatch.setenv("MONITOR_CONFIG", str(SHIPPED))
    assert load_settings(None).config_file == (SHIPPED / "monitor.yaml").resolve()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"feeds": [{"url": "https://example.org/rss", "intervall": "5m"}]}, "feeds[0].intervall: unknown key"),
        ({"feeds": [{"url": "https://example.org/rss", "interval": "often"}]}, "feeds[0].interval: 'often' is not"),
        ({"fetch": {"concurrency": "many"}}, "fetch.concurrency: Input should be a valid integer"),
        ({"feeds": [{"name": "no url"}]}, "feeds[0].url: required key is missing"),
        ({"feeds": [{"url": "ftp://example.org/x"}]}, "feeds[0].url: must be an http:// or https:// URL"),
        ({"databse": "sqlite://"}, "databse: unknown key"),
        ({"notify": [{"url": "${MONITOR_TEST_UNSET_VARIABLE}"}]},
         "notify[0].url: environment variable MONITOR_TEST_UNSET_VARIABLE is not set"),
    ],
)
def test_errors_name_file_and_key(make_config, capsys, extra, expected):
    path = make_config(**extra)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert any(p.startswith(f"{path}: ") and expected in p for p in caught.value.problems), caught.value.problems
    assert main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and expected in err
    assert "Traceback" not in err


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "nowhere.yaml"
    assert main(["--config", str(missing), "check-config"]) == 2
    assert f"{missing}: file not found" in capsys.readouterr().err


def test_broken_yaml_names_the_line(tmp_path, capsys):
    path = tmp_path / "monitor.yaml"
    path.write_text("feeds:\n  - url: [unclosed\n", encoding="utf-8")
    assert main(["--config", str(path), "check-config"]) == 2
    assert f"{path}: line" in capsys.readouterr().err


def test_bad_watchlist_names_its_file_and_key(make_config, tmp_path, capsys):
    watchlist = tmp_path / "wl.yaml"
    watchlist.write_text("actors:\n  - name: X\n    kind: militia\n    side: nobody\n    aliases: [X]\n")
    path = make_config(watchlist=str(watchlist))
    assert main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err
    assert f"{watchlist}: actors[0].side:" in err


def test_a_capital_speaking_for_an_unknown_actor_is_refused(make_config, tmp_path, capsys):
    watchlist = tmp_path / "wl.yaml"
    shipped = (Path(__file__).resolve().parents[1] / "config" / "watchlist.yaml").read_text(encoding="utf-8")
    watchlist.write_text(shipped.replace("voice_of: Iran\n", "voice_of: Irann\n"), encoding="utf-8")
    path = make_config(watchlist=str(watchlist))
    assert main(["--config", str(path), "check-config"]) == 2
    assert "places['Tehran'].voice_of: 'Irann' is not an actor in the watchlist; did you mean 'Iran'?" in \
        capsys.readouterr().err


def test_secrets_expand_from_env_and_never_print(make_config, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_TEST_TOKEN", "s3cr3t-t0ken-value")
    path = make_config(notify=[{"url": "json://user:${MONITOR_TEST_TOKEN}@127.0.0.1:9/hook"}])
    settings = load_settings(path)
    assert settings.notify[0].url.get_secret_value() == "json://user:s3cr3t-t0ken-value@127.0.0.1:9/hook"
    assert "s3cr3t" not in repr(settings) and "s3cr3t" not in settings.model_dump_json()
    assert main(["--config", str(path), "check-config"]) == 0
    out = capsys.readouterr()
    assert "s3cr3t" not in out.out + out.err
    assert "notify: json: json://user:****@127.0.0.1:9/hook" in out.out


def test_database_env_overrides(make_config, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE", f"sqlite:///{tmp_path}/other.db")
    assert load_settings(make_config()).database == f"sqlite:///{tmp_path}/other.db"


def test_relative_paths_resolve_against_config_folder(make_config, tmp_path):
    settings = load_settings(make_config())
    assert settings.database == f"sqlite:///{tmp_path.resolve()}/state/monitor.db"
    assert settings.state_dir == (tmp_path / "state").resolve()


def test_durations_and_sizes():
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("5m") == timedelta(minutes=5)
    assert parse_duration("1d") == timedelta(days=1)
    assert parse_duration(30) == timedelta(seconds=30)
    assert parse_size("5MB") == 5_000_000
    assert parse_size("1KiB") == 1024
    for bad in ("soon", "-5m", "0s"):
        with pytest.raises(ValueError):
            parse_duration(bad)
