"""The pipeline, written down once: fetch -> parse -> match -> classify -> events -> notify.

Each stage returns values and this module passes them on; no stage calls the next one. The
scheduler, the CLI, replay and the tests all run the pipeline through the functions here.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from monitor import assess, events, fetch, notify, outbox, parse, store
from monitor.classify import Reader, Reading, load_vocabulary
from monitor.config import ConfigError, FeedConfig, Settings, with_userinfo_of, without_userinfo
from monitor.match import Matcher
from monitor.watchlist import load_watchlist

log = logging.getLogger("monitor.pipeline")

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """Everything built once at start-up and shared by every run of the pipeline."""

    settings: Settings
    engine: store.Engine
    matcher: Matcher
    reader: Reader
    targets: list[notify.Target]
    world: assess.World
    sites_named_after: dict[str, str] = field(default_factory=dict)
    rules: assess.RulesFile = field(default_factory=assess.RulesFile)
    history: list[assess.HistoryIncident] = field(default_factory=list)
    # Items are read and stored in a worker thread of their own, one feed at a time (the matcher keeps a
    # cache): feeds waiting to be processed queue there, not in the pool the delivery threads use.
    processor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="monitor-process"))


def build_runtime(settings: Settings, database: str | None = None) -> Runtime:
    """Load the watchlist and vocabulary, open the store, set up notification targets."""
    watchlist = load_watchlist(settings.watchlist)
    vocabulary = load_vocabulary(settings.vocabulary)
    rules = assess.load_rules(settings.rules)
    history_files = assess.read_history_files(settings.history)
    # A name one file takes from another that no file defines breaks nothing loudly at run time, it only
    # matches nothing (a misspelled `by` never sees its warning confirmed): refuse to start instead.
    problems = assess.reference_problems(settings, watchlist, vocabulary, rules, history_files)
    if problems:
        raise ConfigError(problems)
    history = assess.incidents_of(history_files)
    engine = store.open_engine(database or settings.database)

    def hosts_us(place: str, day: date) -> bool:
        entry = watchlist.place(place)
        return bool(entry and entry.hosts_us_forces(day))

    world = assess.World({a.name: a.side for a in watchlist.actors}, hosts_us)
    return Runtime(settings, engine, Matcher(watchlist), Reader(vocabulary, watchlist), notify.build_targets(settings),
                   world, watchlist.sites_named_after(), rules, history)


# --- per item ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What processing did with one item (skipped items are not reported)."""

    item: parse.Item
    reading: Reading
    event_id: str | None
    alerts: tuple[notify.AlertDraft, ...] = ()
    copy_of: str | None = None  # the stored item this one repeats (syndication), when it does


def _facts(row: store.StoredEvent) -> events.EventFacts:
    return events.EventFacts(
        id=row.id, event_type=row.event_type, title=row.title, actors=tuple(row.actors),
        places=tuple(row.places), first_seen=row.first_seen, last_seen=row.last_seen,
        killed=dict(row.killed), injured=dict(row.injured), sources=tuple(row.sources),
        report_count=row.report_count, claims=tuple(row.claims), day=row.day,
    )


def _event_row(facts: events.EventFacts) -> store.StoredEvent:
    return store.StoredEvent(
        id=facts.id, event_type=facts.event_type, title=facts.title, actors=list(facts.actors),
        places=list(facts.places), killed=facts.killed, injured=facts.injured, sources=list(facts.sources),
        first_seen=facts.first_seen, last_seen=facts.last_seen, report_count=facts.report_count,
        claims=list(facts.claims), day=facts.day,
    )


def _item_row(item: parse.Item, reading: Reading, event_id: str | None, now: datetime,
              mentions: list[dict[str, Any]]) -> store.StoredItem:
    return store.StoredItem(
        key=item.key, feed_url=item.feed_url, source=item.source, title=item.title, summary=item.summary,
        link=item.link, published=item.published, fetched_at=now, relevant=reading.relevant,
        event_type=reading.event_type, actors=list(reading.actors), places=list(reading.places),
        killed=reading.killed, injured=reading.injured,
        reading={**reading.as_dict(), "mentions": mentions}, event_id=event_id,
    )


def read_item(runtime: Runtime, item: parse.Item) -> tuple[Reading, list[dict[str, Any]]]:
    """Match and classify one item (no storage)."""
    matches = runtime.matcher.match(item.text)
    reading = runtime.reader.read(item.title, item.summary, matches, item.published)
    return reading, [m.as_dict() for m in matches.mentions]


# --- assessing -----------------------------------------------------------------------------------

THREAT_LOOKBACK = timedelta(days=1)  # a vow made just before the trigger still counts


def _incident(runtime: Runtime, facts: events.EventFacts) -> assess.Incident:
    hosted = any(runtime.world.hosts_us(p, facts.first_seen.date()) for p in facts.places)
    return assess.Incident(facts.id, facts.event_type, facts.first_seen, facts.actors, facts.places,
                           dict(facts.killed), dict(facts.injured), facts.claims, hosted)


def _assess(session: store.Session, runtime: Runtime, change: events.EventChange, item: parse.Item,
            now: datetime) -> list[notify.AlertDraft]:
    """Resolve the warnings this event fulfils, let a threat support standing warnings, and judge the
    event as the trigger of each rule it matches."""
    incident = _incident(runtime, change.event)
    drafts: list[notify.AlertDraft] = []
    if change.is_new:
        drafts += _resolve(session, runtime, incident, item, now)
    if incident.event_type == "threat":
        drafts += _support(session, runtime, incident, now)
    for rule in runtime.rules.rules:
        if assess.matches(rule, incident, runtime.world):
            drafts += _judge(session, runtime, rule, incident, item.title, now)
    return drafts


def _threat_seen(session: store.Session, runtime: Runtime, rule: assess.Rule, incident: assess.Incident,
                 now: datetime) -> bool:
    threats = store.threat_events_between(session, incident.at - THREAT_LOOKBACK, now)
    return any(assess.threat_supports(rule, t.actors, runtime.world) for t in threats)


def _judge(session: store.Session, runtime: Runtime, rule: assess.Rule, incident: assess.Incident, trigger_title: str,
           now: datetime, threat_seen: bool | None = None) -> list[notify.AlertDraft]:
    history_days = {h.date for h in runtime.history}
    resolved = [ok for ok, day in store.resolved_outcomes(session, rule.name, now)
                if not any(abs((day - d).days) <= 1 for d in history_days)]
    past = assess.precedents(rule, runtime.history, runtime.world, before=now.date())
    if threat_seen is None:
        threat_seen = _threat_seen(session, runtime, rule, incident, now)
    judgement = assess.judge(rule, runtime.rules.factors, incident, runtime.world, past, resolved, threat_seen)
    if judgement.window_end < now:
        return []  # an old report read late: its window has passed, there is nothing left to warn about
    assert incident.event_id is not None  # an observed event, not a history entry
    prediction = store.prediction_for(session, rule.name, incident.event_id)
    if prediction is None:
        prediction = store.Prediction(
            rule=rule.name, kind=rule.expects.kind, expected_type=rule.expects.event_type,
            expected_by=list(judgement.expected_by), trigger_event_id=incident.event_id, created_at=now,
            window_start=incident.at, window_end=judgement.window_end, likelihood=judgement.likelihood)
    elif prediction.state != "open":
        return []
    prediction.likelihood, prediction.threat_seen = judgement.likelihood, judgement.threat_seen
    prediction.details = {"reasons": list(judgement.reasons),
                          "precedents": [p.describe() for p in judgement.precedents],
                          "against": judgement.expected_against, "likely_targets": list(judgement.likely_targets)}
    session.add(prediction)
    session.flush()
    return _announce(runtime, prediction, judgement, trigger_title, now)


def _announce(runtime: Runtime, prediction: store.Prediction, judgement: assess.Judgement, trigger_title: str,
              now: datetime) -> list[notify.AlertDraft]:
    """One warning when the likelihood first reaches the threshold; an update only when it moves enough."""
    rules = runtime.rules
    assert prediction.id is not None  # flushed by the caller
    if prediction.warned_at is None:
        if judgement.likelihood < rules.threshold:
            return []
        prediction.warned_at, prediction.warned_likelihood = now, judgement.likelihood
        return [notify.warning_alert(prediction.kind, prediction.id, judgement, trigger_title, now)]
    if abs(judgement.likelihood - (prediction.warned_likelihood or 0)) < rules.update_delta:
        return []
    previous, prediction.warned_likelihood = prediction.warned_likelihood, judgement.likelihood
    return [notify.warning_alert(prediction.kind, prediction.id, judgement, trigger_title, now, update_from=previous)]


def _support(session: store.Session, runtime: Runtime, threat: assess.Incident,
             now: datetime) -> list[notify.AlertDraft]:
    """A vow of response from the side a standing prediction expects to act raises its likelihood."""
    drafts = []
    for prediction in store.open_predictions(session, now):
        rule = next((r for r in runtime.rules.rules if r.name == prediction.rule), None)
        if rule is None or prediction.threat_seen or not assess.threat_supports(rule, threat.actors, runtime.world):
            continue
        trigger = session.get(store.StoredEvent, prediction.trigger_event_id)
        if trigger is not None:
            drafts += _judge(session, runtime, rule, _incident(runtime, _facts(trigger)), trigger.title, now,
                             threat_seen=True)
    return drafts


def _resolve(session: store.Session, runtime: Runtime, incident: assess.Incident, item: parse.Item,
             now: datetime) -> list[notify.AlertDraft]:
    """A new event confirms the standing predictions it fulfils; an expected kind of event that no
    warning stood for is recorded as a miss."""
    assert incident.event_id is not None  # an observed event, not a history entry
    drafts = []
    warned_hit = False
    for prediction in store.open_predictions(session, incident.at):
        if not assess.fulfils(prediction.expected_type, prediction.expected_by, prediction.window_start,
                              prediction.window_end, incident, runtime.world):
            continue
        prediction.state, prediction.resolved_at = "confirmed", incident.at
        prediction.resolving_event_id = incident.event_id
        if prediction.warned_at is not None:
            warned_hit = True
            prediction.lead_hours = max(0.0, (incident.at - prediction.warned_at).total_seconds() / 3600)
            if runtime.rules.send_resolved and prediction.id is not None:
                drafts.append(notify.resolved_alert(prediction.id, prediction.kind, prediction.rule,
                                                    prediction.warned_likelihood or prediction.likelihood,
                                                    prediction.lead_hours, incident.event_id, item.title, now))
        session.add(prediction)
    longest = max((r.window for r in runtime.rules.rules), default=timedelta(0))
    expected = _expected_kind(runtime, incident)
    if not warned_hit and expected and now - incident.at <= longest:
        session.merge(store.Miss(event_id=incident.event_id, kind=expected, at=incident.at,
                                 title=item.title))
    return drafts


def _expected_kind(runtime: Runtime, incident: assess.Incident) -> str | None:
    """The warning kind an event of this sort should have been preceded by, if any rule expects it."""
    for rule in runtime.rules.rules:
        e = rule.expects
        if e.event_type != incident.event_type:
            continue
        if e.event_type == "strike" and e.by in incident.actors:
            return e.kind
        if e.event_type == "attack" and incident.targets_hosted_us and "iran_aligned" in runtime.world.sides(
                incident.actors):
            return e.kind
    return None


def _original(session: store.Session, item: parse.Item, fingerprint: str, title_print: str) -> store.StoredItem | None:
    """The stored item this one repeats: same link, same text, or near-identical text lately."""
    for candidate in store.original_of(session, item.link, fingerprint, title_print,
                                       item.published - events.COPY_WINDOW, item.published + events.COPY_WINDOW):
        if candidate.fingerprint == fingerprint or (item.link and candidate.link == item.link):
            return candidate
        if events.same_article(item.title, item.summary, candidate.title, candidate.summary):
            return candidate
    return None


def process_item(runtime: Runtime, item: parse.Item, now: datetime) -> ItemOutcome | None:
    """Read, merge and store one item with its alerts in one transaction; None if seen before."""
    reading, mentions = read_item(runtime, item)
    window = runtime.settings.events.merge_window
    try:
        with store.transaction(runtime.engine) as session:
            store.lock_item_work(session)
            if (session.get(store.StoredItem, item.key) is not None
                    or session.get(store.ItemCopy, item.key) is not None):
                return None
            store.expire_predictions(session, now)
            fingerprint, title_print = parse.content_prints(item.title, item.summary)
            original = _original(session, item, fingerprint, title_print)
            if original is not None:
                store.add_copy(session, item.key, original.key, item.feed_url, now)
                return ItemOutcome(item, reading, original.event_id, (), copy_of=original.key)
            change = None
            drafts: list[notify.AlertDraft] = []
            if reading.relevant and reading.event_type:
                related = runtime.sites_named_after
                candidates = store.candidate_events(session, reading.event_type,
                                                    events.lookup_names(reading, related),
                                                    item.published - window, item.published + window)
                report = events.Report(item.key, item.title, item.link, item.source, item.published, reading)
                change = events.place_report(report, [_facts(c) for c in candidates], window, related)
                store.save_event(session, _event_row(change.event), item.key, now, [c.text for c in change.changes])
                material = change.material(runtime.settings.events.update_on)
                if change.is_new:
                    drafts.append(notify.new_event_alert(change, reading, now))
                elif material:
                    drafts.append(notify.event_update_alert(change, material, item, now))
                drafts += _assess(session, runtime, change, item, now)
            event_id = change.event.id if change else None
            referenced = []
            if reading.relevant and reading.background_places:
                earlier = store.events_between(session, item.published - events.REFERENCE_WINDOW, item.published)
                referenced = events.referenced_events(reading, item.published, [_facts(e) for e in earlier],
                                                      event_id)
            row = _item_row(item, reading, event_id, now, mentions)
            row.reading = {**row.reading, "refers_to_events": referenced}
            row.fingerprint, row.title_print = fingerprint, title_print
            session.add(row)
            stored = [d for d in drafts
                      if store.add_alert(session, d.to_row(), notify.route(d, runtime.targets)) is not None]
    except Exception as exc:
        if store.is_duplicate_key_error(exc):
            return None  # another worker stored the same item first
        raise
    return ItemOutcome(item, reading, event_id, tuple(stored))


def process_items(runtime: Runtime, items: Iterable[parse.Item], clock: Clock = utcnow) -> list[ItemOutcome]:
    """Process items not seen before, each exactly once, oldest first (feeds list newest first, and an
    incident should be known before the reports that refer back to it)."""
    items = sorted({i.key: i for i in items}.values(), key=lambda i: i.published)
    known = store.known_keys(runtime.engine, [i.key for i in items])
    outcomes = []
    for item in items:
        if item.key in known:
            continue
        outcome = process_item(runtime, item, clock())
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


# --- per feed ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What one poll of one feed did, for logs and `poll --once` output."""

    feed: FeedConfig
    status: int | None
    items: int
    new_items: int
    relevant: int
    alerts: int
    error: str | None
    warning: str | None
    next_poll_at: datetime | None
    seconds: float = 0.0
    outcomes: list[ItemOutcome] = field(default_factory=list)


def _state_for(states: dict[str, store.FeedState], feed: FeedConfig) -> store.FeedState:
    state = states.get(feed.public_url)
    if state is None:
        return store.FeedState(feed_url=feed.public_url, current_url=feed.public_url, name=feed.name)
    return state


def _fetch_url(feed: FeedConfig, state: store.FeedState) -> str:
    """Where to fetch a feed: its configured URL (credentials and all), or where it moved to, with the
    configured credentials when it moved within the same host. The store only knows URLs without them."""
    if state.current_url == feed.public_url:
        return feed.url
    return with_userinfo_of(state.current_url, feed.url)


def _scrub(text: str | None, feed: FeedConfig) -> str | None:
    """An error message without the feed's credentials, whatever library wrote it."""
    if text is None or feed.url == feed.public_url:
        return text
    userinfo = feed.url.split("://", 1)[1].split("@", 1)[0]
    return text.replace(feed.url, feed.public_url).replace(userinfo + "@", "").replace(userinfo, "****")


def _handle(runtime: Runtime, feed: FeedConfig, state: store.FeedState, result: fetch.FetchResult,
            clock: Clock) -> FeedOutcome:
    """Parse and process what a fetch brought, then store the feed's new state."""
    settings = runtime.settings
    now = clock()
    state.last_polled_at, state.last_status, state.name = now, result.status, feed.name
    items: list[parse.Item] = []
    error, warning = _scrub(result.error, feed), None
    if result.ok and result.body is not None:
        try:
            parsed = parse.parse_feed(result.body, headers=result.headers, feed_url=feed.public_url,
                                      source=feed.name, fetched_at=now)
            items, warning = parsed.items, parsed.problem
            if parsed.dropped:
                warning = f"{parsed.dropped} entries over the per-feed cap were skipped"
        except parse.ParseError as exc:
            error = f"not a feed: {exc}"
        except Exception as exc:  # feedparser on hostile input: record, never crash the daemon
            error = _scrub(f"parse failed: {type(exc).__name__}: {exc}"[:500], feed)
    outcomes = process_items(runtime, items, clock) if items else []
    if error:
        state.failures += 1
        state.last_error, state.last_error_at = error, now
        log.warning("feed %s failed (%d in a row): %s", feed.label, state.failures, error)
    else:
        state.failures, state.last_error, state.last_success_at = 0, None, now
        moved_to = without_userinfo(result.moved_to) if result.moved_to else None
        if moved_to and moved_to != state.current_url:
            log.info("feed %s moved permanently to %s", feed.label, moved_to)
            state.current_url = moved_to
        if not result.not_modified:
            state.etag, state.last_modified = result.etag, result.last_modified
    state.items_total += len(outcomes)
    # The jitter spreads feeds that share an interval, so they do not all come due in the same second.
    jitter = timedelta(seconds=random.uniform(0, settings.schedule.jitter.total_seconds()))
    state.next_poll_at = fetch.next_poll_at(now, state.failures, settings.interval_for(feed),
                                            settings.schedule.max_backoff) + jitter
    state.leased_by, state.lease_until = None, None  # this poll is done: the feed is free for the next one
    store.save_feed_state(runtime.engine, state)
    return FeedOutcome(
        feed=feed, status=result.status, items=len(items), new_items=len(outcomes),
        relevant=sum(1 for o in outcomes if o.reading.relevant), alerts=sum(len(o.alerts) for o in outcomes),
        error=error, warning=warning, next_poll_at=state.next_poll_at, seconds=result.seconds, outcomes=outcomes,
    )


async def poll_feeds(runtime: Runtime, feeds: Sequence[FeedConfig], client: fetch.Client,
                     clock: Clock = utcnow, states: dict[str, store.FeedState] | None = None,
                     limit: asyncio.Semaphore | None = None) -> list[FeedOutcome]:
    """Fetch feeds concurrently; each is parsed and stored as soon as it arrives. `states` are the feeds'
    claimed states (see `claim_feeds`); without them the stored ones are read. `limit` bounds the fetches
    in flight (shared by the daemon's polls)."""
    states = states if states is not None else store.feed_states(runtime.engine)
    limit = limit or asyncio.Semaphore(runtime.settings.fetch.concurrency)

    async def fetch_one(feed: FeedConfig) -> tuple[FeedConfig, store.FeedState, fetch.FetchResult]:
        state = _state_for(states, feed)
        async with limit:
            result = await fetch.fetch_feed(client, _fetch_url(feed, state), runtime.settings.fetch,
                                            etag=state.etag, last_modified=state.last_modified)
        return feed, state, result

    outcomes = []
    for next_done in asyncio.as_completed([fetch_one(f) for f in feeds]):
        feed, state, result = await next_done
        try:
            # In a worker thread, so that the event loop keeps serving the other fetches meanwhile: a big
            # feed being parsed and stored must not make a small one time out.
            outcomes.append(await asyncio.get_running_loop().run_in_executor(
                runtime.processor, _handle, runtime, feed, state, result, clock))
        except Exception:
            log.exception("processing feed %s failed; other feeds go on", feed.label)
            if state.leased_by:
                try:  # let the next turn try again rather than wait for the lease to run out
                    store.release_feed(runtime.engine, state.feed_url, state.leased_by)
                except Exception as exc:
                    log.error("could not release feed %s: %s", feed.label, exc)
    return outcomes


def is_due(runtime: Runtime, feed: FeedConfig, state: store.FeedState, now: datetime) -> bool:
    """A feed is due when its next poll time has come. A next poll further away than the longest backoff
    can only come from a clock that went backwards: the feed is due rather than stalled."""
    if state.next_poll_at is None or state.next_poll_at <= now:
        return True
    return state.next_poll_at - now > runtime.settings.schedule.max_backoff + runtime.settings.interval_for(feed)


def feed_lease(settings: Settings) -> timedelta:
    """How long a poll may hold its feed: the fetch's time limit and ample time to process what it brought."""
    return settings.fetch.timeout + timedelta(minutes=5)


def ensure_feeds(runtime: Runtime) -> None:
    """Give every configured feed a stored state, so that it can be claimed."""
    store.ensure_feeds(runtime.engine, [(f.public_url, f.name) for f in runtime.settings.feeds])


def claim_feeds(runtime: Runtime, owner: str, now: datetime, *, only_due: bool = True,
                exclude: Iterable[str] = ()) -> list[tuple[FeedConfig, store.FeedState]]:
    """Take the configured feeds that are due (or all, for `poll --once`) and that no one else is polling.
    Call `ensure_feeds` once first."""
    settings = runtime.settings
    skip = set(exclude)
    feeds = {f.public_url: f for f in settings.feeds if f.public_url not in skip}
    shortest = min((settings.interval_for(f) for f in settings.feeds), default=settings.schedule.interval)
    stalled_after = now + settings.schedule.max_backoff + shortest if only_due else None
    taken = store.claim_feeds(runtime.engine, owner, list(feeds), now, feed_lease(settings),
                              lambda state: not only_due or is_due(runtime, feeds[state.feed_url], state, now),
                              stalled_after)
    return [(feeds[state.feed_url], state) for state in taken]


def expire_predictions(runtime: Runtime, now: datetime) -> int:
    """Close the predictions whose window has passed, even when no report arrives to do it."""
    with store.transaction(runtime.engine) as session:
        return store.expire_predictions(session, now)


def adopt_target_ids(runtime: Runtime) -> None:
    """Deliveries of earlier releases name targets by a hash of their URL: move them to the target's name,
    so nothing that waited for a target is stranded by the upgrade."""
    for target in runtime.targets:
        old = notify.legacy_target_id(target)
        if old and (moved := store.rename_target(runtime.engine, old, target.id)):
            log.info("%d deliveries to %s now use its name", moved, target.label)


def report_unknown_targets(runtime: Runtime) -> None:
    """Pending deliveries for targets no longer configured are kept (the target may come back under its
    name), and said out loud, never dropped silently."""
    configured = {t.id for t in runtime.targets}
    for health in store.target_health(runtime.engine):
        waiting = health.counts.get("pending", 0)
        if health.target_id not in configured and waiting:
            log.warning("%d alert(s) wait for notification target %r, which is not configured; they are kept "
                        "and go out if a target of that name comes back", waiting, health.target_id)


async def deliver(runtime: Runtime, clock: Clock = utcnow, sender: outbox.Sender | None = None,
                  targets: Sequence[notify.Target] | None = None, expire: bool = True,
                  ) -> list[outbox.DeliveryOutcome]:
    """One delivery round (for `targets`, default all): expire, claim, then send each target's deliveries in
    its own worker thread (Apprise blocks), so targets are sent to side by side."""
    settings = runtime.settings
    sender = sender or outbox.Sender(outbox.sender_name(), outbox.lease_for(settings))
    now = clock()
    outcomes = []
    if expire:
        outcomes = await asyncio.to_thread(outbox.expire_due, runtime.engine, runtime.targets, settings, now)
    claimed = await asyncio.to_thread(outbox.claim_due, runtime.engine, targets or runtime.targets, sender, now)
    by_id = {t.id: t for t in runtime.targets}
    rounds = await asyncio.gather(*(
        asyncio.to_thread(outbox.deliver_to, runtime.engine, by_id[target_id], pairs, settings, sender, clock,
                          runtime.targets)
        for target_id, pairs in claimed.items()), return_exceptions=True)
    for target_id, result in zip(claimed, rounds, strict=True):
        if isinstance(result, BaseException):
            # The deliveries stay claimed until their lease runs out, then go out again: nothing is lost.
            log.error("delivery to %s failed: %s: %s", target_id, type(result).__name__, result)
            continue
        outcomes += result
    return outcomes


async def poll_once(runtime: Runtime, clock: Clock = utcnow,
                    owner: str | None = None) -> tuple[list[FeedOutcome], list[outbox.DeliveryOutcome]]:
    """One pass over every configured feed (except those another instance is polling right now), then
    deliver what it produced (`monitor poll --once`)."""
    owner = owner or outbox.sender_name()
    ensure_feeds(runtime)
    claimed = claim_feeds(runtime, owner, clock(), only_due=False)
    async with fetch.make_client(runtime.settings.fetch) as client:
        outcomes = await poll_feeds(runtime, [f for f, _ in claimed], client, clock,
                                    {state.feed_url: state for _, state in claimed})
    expire_predictions(runtime, clock())
    deliveries = await deliver(runtime, clock, outbox.Sender(owner, outbox.lease_for(runtime.settings)))
    return outcomes, deliveries
