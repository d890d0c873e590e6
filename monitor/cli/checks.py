"""The commands that check the set-up: check-config (every file, the database URL, the targets) and
notify-test (a test alert to every target)."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from monitor import notify, store
from monitor.cli.common import database_origin, outputs_of, setup_logging, target_label
from monitor.config import check_config_files, load_settings, load_watchlist, redacted_database_url


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    # Each file alone, then the names the files take from one another (actors, places, casualty sides).
    problems = check_config_files(settings)
    url_problem = store.check_url(settings.database)
    if url_problem:
        problems.append(f"{database_origin(settings)}: {url_problem}")
    problems += notify.check_targets(settings)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    watchlist = load_watchlist(settings.watchlist)
    print(f"config: {settings.config_file}")
    print(f"database: {redacted_database_url(settings.database)}")
    print(f"watchlist: {len(watchlist.actors)} actors, {len(watchlist.places)} places, "
          f"{len(watchlist.people)} people")
    print(f"feeds: {len(settings.feeds)}")
    for target in settings.notify:
        print(f"notify: {target.ident()}: {notify.describe_url(target.secret_url())}")
    if not settings.notify:
        print("notify: no notification targets")
    print(f"alerts file: {settings.alerts.file or 'off'}; alerts to log: {settings.alerts.log}")
    print("configuration is valid")
    return 0


def cmd_notify_test(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    setup_logging(settings)
    now = datetime.now(UTC)
    alert = store.StoredAlert(id=0, kind="test", dedupe_key="test", created_at=now,
                              title="monitor test alert",
                              text=f"This is a test alert from monitor, sent {now:%Y-%m-%d %H:%M UTC}.")
    failures = 0
    if not settings.notify:
        print(f"no notification targets are configured; the test alert goes to {outputs_of(settings)} only")
    for target in notify.build_targets(settings):
        error = target.send(alert)
        failures += error is not None
        print(f"{target_label(target.id, settings)}: {'ok' if error is None else 'FAILED: ' + error}")
    return 1 if failures else 0
