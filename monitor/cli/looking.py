"""The commands that look without writing: status (and its health check), events, match, track-record, eval.
Those that read the database never create it: a wrong path is an error naming it."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import notify, pipeline, store
from monitor.cli import progress
from monitor.cli.common import (
    database_origin,
    database_url,
    existing_database,
    outputs_of,
    setup_logging,
    target_label,
    when,
)
from monitor.config import (
    Settings,
    TypeModel,
    Watchlist,
    load_settings,
    load_type_model,
    load_vocabulary,
    load_watchlist,
)
from monitor.guard import HEARTBEAT_FILE
from monitor.model import Reading, Report

FAILING_TOO_LONG = timedelta(minutes=30)


def cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    if args.health:
        return _health(settings, args.max_age)
    engine = existing_database(settings.database, database_origin(settings))
    states = store.feed_states(engine)
    print(f"items stored: {store.item_count(engine)}; events: {len(store.events(engine))}")
    for feed in settings.feeds:
        state = states.get(feed.public_url)
        if state is None:
            print(f"{feed.label}: never polled")
            continue
        health = f"failing ({state.failures} in a row): {state.last_error}" if state.failures else "ok"
        print(f"{feed.label}: {health}; last poll {when(state.last_polled_at)}; last success "
              f"{when(state.last_success_at)}; next poll {when(state.next_poll_at)}; items {state.items_total}")
    targets = notify.build_targets(settings)
    configured = {t.id for t in targets}
    # Deliveries made before targets had names are keyed by a hash of the URL until the daemon next starts
    # and renames them; shown under the name they will get.
    legacy = {notify.legacy_target_id(t): t.id for t in targets}
    print(f"notification targets: {', '.join(t.name or t.ident() for t in settings.notify) or 'none'}; alerts "
          f"also go to {outputs_of(settings)}")
    for target in store.target_health(engine):
        counts = ", ".join(f"{n} {state}" for state, n in sorted(target.counts.items()))
        name = legacy.get(target.target_id) or target.target_id
        line = f"deliveries to {target_label(name, settings)}: {counts}"
        if target.failing_since:
            line += f"; failing since {when(target.failing_since)}: {target.last_error}"
        if target.last_expired_at:
            line += f"; last expiry {when(target.last_expired_at)}"
        if name not in configured:
            line += "; not a configured target (its pending alerts are kept)"
        print(line)
    engine.dispose()
    return 0


def _health(settings: Settings, fresh: timedelta) -> int:
    """Healthy: a fresh heartbeat, no target failing for more than 30 minutes, no alert expired lately."""
    path = settings.state_dir / HEARTBEAT_FILE
    try:
        beat = datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        print(f"unhealthy: no heartbeat at {path}", file=sys.stderr)
        return 1
    now = datetime.now(UTC)
    age = now - beat
    problems = [f"last heartbeat {age.total_seconds():.0f}s ago"] if age > fresh else []
    database = store.database_file(settings.database)
    if database is not None and not database.exists():
        print(f"unhealthy: the database {database} does not exist", file=sys.stderr)
        return 1
    engine = store.open_engine(settings.database)
    for target in store.target_health(engine):
        if target.failing_since and now - target.failing_since > FAILING_TOO_LONG:
            problems.append(f"deliveries to {target.target_id} failing since {when(target.failing_since)}: "
                            f"{target.last_error}")
        if target.last_expired_at and now - target.last_expired_at < settings.alerts.max_age:
            problems.append(f"alerts to {target.target_id} expired undelivered at {when(target.last_expired_at)}")
    engine.dispose()
    if problems:
        print("unhealthy: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"healthy: last heartbeat {age.total_seconds():.0f}s ago")
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    watchlist = load_watchlist(settings.watchlist)
    from monitor.classify import Reader, learned
    from monitor.match import Matcher

    text = " ".join(args.text)
    matches = Matcher(watchlist).match(f"{text}\n{args.summary}" if args.summary else text)
    moment: datetime = args.at or datetime.now(UTC)
    type_model = load_type_model(settings.type_model) if settings.type_model else None
    reading, seen = Reader(load_vocabulary(settings.vocabulary), watchlist, type_model).read_with_features(
        text, args.summary, matches, moment)
    opinion = learned.probabilities(type_model, seen) if type_model is not None and seen else None
    if args.json:
        print(json.dumps({"mentions": [m.as_dict() for m in matches.mentions], "reading": reading.as_dict()},
                         ensure_ascii=False, indent=2))
        return 0
    for m in matches.mentions:
        print(f"{m.section:6} {m.name:32} found {m.found!r} at {m.start}-{m.end} via {m.alias!r} "
              f"({m.how}, score {m.score:.0f})")
    if not matches.mentions:
        print("no watchlist names found")
    print(f"event type: {reading.event_type or 'none'}; relevant: {'yes' if reading.relevant else 'no'}")
    print(f"cue scores: {reading.scores}")
    if opinion is not None and type_model is not None:  # its say, whether or not it overruled the rules
        ranked = sorted(opinion.items(), key=lambda kv: -kv[1])
        print(f"type model ({type_model.name}): " + ", ".join(f"{k} {p:.0%}" for k, p in ranked)
              + f" (overrules the rules when surer of another type by more than {type_model.margin:.0%})")
    for reason in reading.reasons:
        print(f"reason: {reason}")
    for party in reading.parties:
        print(f"{party.role}: {party.name} ({party.how})")
    if reading.weapon:
        print(f"weapon: {reading.weapon}" + (f" ({reading.weapon_count})" if reading.weapon_count else ""))
    if reading.happened_on:
        print(f"happened on: {reading.happened_on}")
    if reading.places:
        print(f"places: {', '.join(reading.places)}")
    for sentence in reading.background:
        print(f"background: {sentence}")
    if reading.killed:
        print(f"killed: {reading.killed}")
    if reading.injured:
        print(f"injured: {reading.injured}")
    if reading.stated_killed and reading.stated_killed != reading.killed:
        print(f"deaths stated, earlier incidents' too: {reading.stated_killed}")
    for name, sentence in reading.evidence.items():
        print(f"evidence ({name}): {sentence}")
    if reading.relevant and reading.event_type:
        _print_rules_view(settings, watchlist, text, reading, moment)
    return 0


def _print_rules_view(settings: Settings, watchlist: Watchlist, text: str, reading: Reading,
                      moment: datetime) -> None:
    """What the warning rules would make of this report as a new event, each step a reason, or why not."""
    from monitor import assess, config, events
    from monitor.pipeline.runtime import gazetteer_of, world_of

    report = Report("match", text[:200], None, "monitor match", moment, reading)
    event = events.place_report(report, [], settings.events.merge_window, gazetteer_of(watchlist)).event
    outlook = assess.decide(config.load_rules(settings.rules), config.load_history(settings.history),
                            world_of(watchlist), event, True, report.title, assess.Standing(), moment)
    for forecast in outlook.forecasts:
        print(f"rule {forecast.rule}: {forecast.kind} {forecast.likelihood:.0%}"
              f"{' (a warning)' if forecast.warned_at else ''}")
        for reason in forecast.details.get("reasons", []):
            print(f"  why: {reason}")
    for line in outlook.silent:
        print(f"no warning: {line}")


def cmd_track_record(args: argparse.Namespace) -> int:
    from monitor.assess import Missed, Outcome, track_record

    url, origin = database_url(args)
    engine = existing_database(url, origin)
    outcomes = [Outcome(p.rule, p.warned_likelihood or p.likelihood, p.state, p.lead_hours)
                for p in store.predictions(engine) if p.warned_at is not None]
    misses = [Missed(m.kind, m.title, m.at, tuple(after)) for m, after in store.explained_misses(engine)]
    engine.dispose()
    print(track_record(outcomes, misses))
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    url, origin = database_url(args)
    engine = existing_database(url, origin)
    listed = store.events_since(engine, args.since)
    engine.dispose()
    for event in listed:
        print(f"{when(event.first_seen)}  {event.event_type}: {event.title}")
        print(f"  places: {', '.join(event.places) or '-'}")
        print(f"  toll: {_toll(event.killed, event.injured)}")
        names = sorted({str(s.get('source') or s.get('title') or '?') for s in event.sources})
        print(f"  sources ({len(event.sources)}): {', '.join(names) or '-'}")
    period = f" first seen since {when(args.since)}" if args.since else ""
    print(f"{len(listed)} event{'s' if len(listed) != 1 else ''}{period}")
    return 0


def _toll(killed: dict[str, int], injured: dict[str, int]) -> str:
    parts = [f"{n or 'some'} {side} killed" for side, n in sorted(killed.items())]  # 0: number not given
    parts += [f"{n or 'some'} {side} injured" for side, n in sorted(injured.items())]
    return ", ".join(parts) or "none reported"


def cmd_eval(args: argparse.Namespace) -> int:
    from monitor.evaluate import evaluate, read_labelled, read_provenance, read_timeline

    settings = load_settings(args.config)
    setup_logging(settings, "WARNING")
    shapes = {k: v for path in args.provenance or [] for k, v in read_provenance(Path(path)).items()}
    labelled = sorted((r for path in args.labelled for r in read_labelled(Path(path), shapes)),
                      key=lambda r: r.item.published)
    timeline = ({k: v for path in args.timeline for k, v in read_timeline(Path(path)).items()}
                if args.timeline else None)
    with tempfile.TemporaryDirectory(prefix="monitor-eval-") as scratch, \
            progress.bar("eval", progress.wanted(records_to_stdout=False)) as advance:
        runtime = pipeline.build_runtime(settings, f"sqlite:///{Path(scratch) / 'eval.db'}")
        report = evaluate(runtime, labelled, load_watchlist(settings.watchlist), timeline, advance)
        runtime.engine.dispose()
    print(report.render(worst=args.worst))
    fitted = _fitted_on(runtime.reader.type_model, [Path(p) for p in args.labelled])
    if fitted:
        print(f"note: the type model ({settings.type_model}) was fitted on {', '.join(fitted)}: its event types there "
              "are in sample; `monitor train` prints its figures by cross-validation by incident")
    return 0


def _fitted_on(model: TypeModel | None, paths: list[Path]) -> list[str]:
    """Which of these labelled files the type model the reader uses was trained on (by content, not name)."""
    if model is None:
        return []
    trained = {str(f.get("sha256")) for f in model.trained_on}
    return [p.name for p in paths if hashlib.sha256(p.read_bytes()).hexdigest() in trained]
