"""One feed, read as a script: fetch, parse, process its items, store the feed's new state; and the rounds
that take the due feeds and poll them side by side."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeAlias

from monitor import fetch, store
from monitor.config import FeedConfig, Settings, with_userinfo_of, without_userinfo
from monitor.pipeline.clock import Clock, utcnow
from monitor.pipeline.parsers import ParserDied

# Imported where used: the parse module and the item stage by the first feed that brings a body (a round of 304s
# parses and reads nothing), the outbox by a round that has something to deliver. (This module is imported by the
# commands that poll only: replay, eval and calibrate never load it, nor aiohttp with it.)
if TYPE_CHECKING:
    from monitor import outbox, parse
    from monitor.model import Item
    from monitor.pipeline.item import ItemOutcome
    from monitor.pipeline.runtime import Runtime

log = logging.getLogger("monitor.pipeline")

# Feeds whose new states are stored together, in one transaction: the fetches without a body (304s, failures),
# and the feeds whose items were stored (their items are committed first, in their own transactions; a crash in
# between only costs fetching the feed again without its ETag, and its items are known then). A transaction per
# feed was 5% of the processing thread's time in a 1,000-feed first round.
STATE_BATCH = 200
# Parsed feeds processed together, their items in shared transactions, when they wait for the processing thread
# together: a commit per feed, and the look-ups each transaction begins with, were 20% of that thread's time in a
# 1,000-feed first round. Bounded so that the first feed's alerts do not wait long for the others'.
FEED_GROUP = 10



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
    # Each new item's outcome (its text, reading, alerts), only when the caller asked for them (`keep_items`): a
    # 1,000-feed first round kept 20,000 of them until it ended, 40 MB for a daemon that only counts them.
    outcomes: list[ItemOutcome] = field(default_factory=list)
    alert_kinds: list[str] = field(default_factory=list)  # the kind of each alert written, for the metrics
    old_items: int = 0  # new to us, but published longer ago than the feed's max_item_age: stored, not alerted
    max_item_age: timedelta | None = None

    @property
    def old_note(self) -> str:
        """"12 older than 2d, not alerted", or nothing when every new item was recent."""
        if not self.old_items or self.max_item_age is None:
            return ""
        from monitor.pipeline.item import format_age  # see the import at the top

        return f"{self.old_items} older than {format_age(self.max_item_age)}, not alerted"


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


Parsed: TypeAlias = "tuple[FeedConfig, store.FeedState, fetch.FetchResult, parse.Answer]"  # a fetch and its parse


def _handle(runtime: Runtime, fetched: Sequence[Parsed], clock: Clock, keep_items: bool) -> list[FeedOutcome]:
    """Process what fetches brought (parsed by the parser processes), their items in shared transactions
    (`process_feeds`), and set the feeds' new states; the caller stores them with others (`_handle_bodiless`)."""
    from monitor.pipeline.item import process_feeds  # see the import at the top

    read = [(feed, state, result, clock(), *_items_of(feed, result, parsed)) for feed, state, result, parsed in fetched]
    outcomes = process_feeds(runtime, [items for *_, items, _, _ in read], clock)
    return [_settled(runtime, feed, state, result, now, items, done, error, warning, keep_items)
            for (feed, state, result, now, items, error, warning), done in zip(read, outcomes, strict=True)]


def _handle_bodiless(runtime: Runtime, fetched: Sequence[tuple[FeedConfig, store.FeedState, fetch.FetchResult]],
                     clock: Clock, handled: Sequence[store.FeedState] = ()) -> list[FeedOutcome]:
    """Fetches that brought nothing to parse (not modified, or failed): their feeds' new states, stored together
    with the states of feeds already `handled` (one transaction, one UPDATE statement)."""
    outcomes = [_processed(runtime, feed, state, result, clock) for feed, state, result in fetched]
    store.save_feed_states(runtime.engine, [state for _, state, _ in fetched] + list(handled))
    return outcomes


def _processed(runtime: Runtime, feed: FeedConfig, state: store.FeedState, result: fetch.FetchResult,
               clock: Clock, parsed: parse.Answer | None = None, keep_items: bool = False) -> FeedOutcome:
    """Process what a fetch brought and its parser's answer, and set the feed's new state (the caller stores it)."""
    now = clock()
    items, error, warning = _items_of(feed, result, parsed)
    outcomes: list[ItemOutcome] = []
    if items:
        from monitor.pipeline.item import process_items  # see the import at the top

        outcomes = process_items(runtime, items, clock)
    return _settled(runtime, feed, state, result, now, items, outcomes, error, warning, keep_items)


def _items_of(feed: FeedConfig, result: fetch.FetchResult,
              parsed: parse.Answer | None) -> tuple[list[Item], str | None, str | None]:
    """The items a fetch brought, and its error or warning."""
    items: list[Item] = []
    error, warning = _scrub(result.error, feed), None
    if result.ok and parsed is not None:
        kind, value = parsed
        if kind == "ok" and not isinstance(value, str):
            from monitor import parse  # see the import at the top

            feed_read = parse.ParsedFeed.of(parse.ParsedRows(*value))
            items, warning = feed_read.items, feed_read.problem
            if feed_read.dropped:
                warning = f"{feed_read.dropped} entries over the per-feed cap were skipped"
        elif kind == "not_a_feed":
            error = f"not a feed: {value}"
        else:  # feedparser on hostile input, or its process died: recorded, never a crash of the daemon
            error = _scrub(f"parse failed: {value}"[:500], feed)
    return items, error, warning


def _settled(runtime: Runtime, feed: FeedConfig, state: store.FeedState, result: fetch.FetchResult, now: datetime,
             items: list[Item], outcomes: list[ItemOutcome], error: str | None, warning: str | None,
             keep_items: bool) -> FeedOutcome:
    """The feed's new state after a poll at `now` (the caller stores it), and what the poll did."""
    settings = runtime.settings
    state.last_polled_at, state.last_status, state.name = now, result.status, feed.name
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
    return FeedOutcome(
        feed=feed, status=result.status, items=len(items), new_items=len(outcomes),
        relevant=sum(1 for o in outcomes if o.reading.relevant), alerts=sum(len(o.alerts) for o in outcomes),
        error=error, warning=warning, next_poll_at=state.next_poll_at, seconds=result.seconds,
        outcomes=outcomes if keep_items else [], alert_kinds=[a.kind for o in outcomes for a in o.alerts],
        old_items=sum(1 for o in outcomes if o.too_old), max_item_age=settings.max_item_age_for(feed),
    )


async def poll_feeds(runtime: Runtime, feeds: Sequence[FeedConfig], client: fetch.Client,
                     clock: Clock = utcnow, states: dict[str, store.FeedState] | None = None,
                     limit: fetch.Throttle | None = None,
                     on_alerts: Callable[[FeedOutcome], None] | None = None,
                     keep_items: bool = True) -> list[FeedOutcome]:
    """Fetch feeds concurrently; each is parsed and stored as soon as it arrives. `states` are the feeds'
    claimed states (see `claim_feeds`); without them the stored ones are read. `limit` bounds the fetches
    in flight, in all and per host (shared by the daemon's polls). `on_alerts` is called, on the event loop, as
    soon as a feed's alerts are committed (the daemon wakes its delivery loop with it), not when the round ends.
    `keep_items=False` leaves each outcome's `outcomes` empty, so that a round holds no item once it is stored.

    Where the work runs, so that a big feed never delays another feed's fetch: fetching on the event loop,
    parsing in the parser processes (`runtime.parsers`), reading and storing in the processing thread. Feeds parsed
    while that thread is busy wait for it together, and go to it together (up to `FEED_GROUP`, in shared
    transactions). When it falls behind, a fetched body waits unparsed for a place among the feeds in hand (see
    `fetch.Throttle`), and the next fetches wait with it: what a round holds is bounded, not its number of feeds."""
    states = states if states is not None else store.feed_states(runtime.engine)
    throttle = limit or fetch.Throttle(runtime.settings.fetch)
    outcomes: list[FeedOutcome] = []
    bodiless: list[tuple[FeedConfig, store.FeedState, fetch.FetchResult]] = []
    handled: list[tuple[FeedConfig, store.FeedState, str | None]] = []  # processed; (feed, new state, its owner)
    loop = asyncio.get_running_loop()

    async def settle() -> None:
        """Store the states gathered so far: of the fetches that brought no body, and of the feeds processed."""
        await _started(runtime)  # nothing is stored before the config files passed their checks
        fetched, done = bodiless[:], handled[:]
        bodiless.clear()
        handled.clear()
        owners = [state.leased_by for _, state, _ in fetched]  # before the new states free the leases
        try:
            outcomes.extend(await loop.run_in_executor(runtime.processor, _handle_bodiless, runtime, fetched, clock,
                                                       [state for _, state, _ in done]))
        except Exception:
            log.exception("storing the state of %d feeds failed; other feeds go on", len(fetched) + len(done))
            for (feed, state, _), owner in zip(fetched, owners, strict=True):
                _release(runtime, feed, state.feed_url, owner)
            for feed, state, owner in done:
                _release(runtime, feed, state.feed_url, owner)

    # Parsed feeds wait here while the processing thread is busy; it then takes up to FEED_GROUP of them at once.
    waiting: list[tuple[Parsed, asyncio.Future[FeedOutcome]]] = []
    drainer: list[asyncio.Task[None]] = []  # the task handing waiting feeds to the processing thread, while one runs

    def answer(future: asyncio.Future[FeedOutcome], outcome: FeedOutcome | BaseException) -> None:
        if future.done():  # its poll was cancelled
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    async def drain() -> None:
        try:
            while waiting:
                group = waiting[:FEED_GROUP]
                del waiting[:FEED_GROUP]
                try:
                    done = await loop.run_in_executor(runtime.processor, _handle, runtime, [w for w, _ in group],
                                                      clock, keep_items)
                except Exception as exc:
                    if len(group) == 1:
                        answer(group[0][1], exc)
                        continue
                    # One bad feed fails alone: the group's transaction rolled back, each feed goes on its own.
                    for work, future in group:
                        try:
                            answer(future, (await loop.run_in_executor(runtime.processor, _handle, runtime, [work],
                                                                       clock, keep_items))[0])
                        except Exception as alone:
                            answer(future, alone)
                    continue
                for (_, future), outcome in zip(group, done, strict=True):
                    answer(future, outcome)
        finally:
            drainer.clear()

    async def process(work: Parsed) -> FeedOutcome:
        """Process one parsed feed, with others that wait beside it (one transaction for several feeds)."""
        future: asyncio.Future[FeedOutcome] = loop.create_future()
        waiting.append((work, future))
        if not drainer:
            drainer.append(asyncio.create_task(drain()))
        return await future

    async def poll_one(feed: FeedConfig) -> None:
        state = _state_for(states, feed)
        url = _fetch_url(feed, state)
        slot = await throttle.take(url)
        try:
            result = await fetch.fetch_feed(client, url, runtime.settings.fetch, etag=state.etag,
                                            last_modified=state.last_modified)
            runtime.startup.start()  # the fetches are in flight: the config files are read beside them
            if result.body is None:
                slot.fetched()
                # A 304 (or a failure) costs no parsing and no transaction of its own: its new state is stored
                # with the others', when the round ends or enough of them are waiting.
                bodiless.append((feed, state, result))
                if len(bodiless) + len(handled) >= STATE_BATCH:
                    await settle()
                return
            owner = state.leased_by  # before the new state frees the lease
            await slot.in_hand()  # processing may be behind: then this waits, and so does the next fetch
            await _started(runtime)  # a config error stops the round here, before any item is read
            try:
                parsed = await _parsed(runtime, feed, result, clock)
                # The body is read: only its rows go on, so that it is freed now, not when the feed is processed.
                result = replace(result, body=None)
                outcome = await process((feed, state, result, parsed))
            except Exception:
                log.exception("processing feed %s failed; other feeds go on", feed.label)
                _release(runtime, feed, state.feed_url, owner)
                return
            outcomes.append(outcome)
            if outcome.alerts and on_alerts is not None:
                on_alerts(outcome)
            handled.append((feed, state, owner))
            if len(bodiless) + len(handled) >= STATE_BATCH:
                await settle()
        finally:
            slot.done()

    await asyncio.gather(*(poll_one(f) for f in feeds))
    if bodiless or handled:
        await settle()
    return outcomes


async def _started(runtime: Runtime) -> None:
    """Wait until the config files are read and checked (`poll --once` reads them beside its first fetches), and
    raise what stopped them: a ConfigError stops the round, with nothing stored."""
    future = runtime.startup.future
    if not future.done():
        runtime.startup.start()
        await asyncio.wrap_future(future)
    future.result()


async def _parsed(runtime: Runtime, feed: FeedConfig, result: fetch.FetchResult, clock: Clock) -> parse.Answer:
    """What a parser process made of a fetched body."""
    assert result.body is not None
    try:
        return await runtime.parsers.parse(result.body, headers=result.headers, feed_url=feed.public_url,
                                           source=feed.name, fetched_at=clock())
    except ParserDied as exc:  # recorded as this feed's failure: it backs off rather than kill the next parser
        return "failed", str(exc)


def _release(runtime: Runtime, feed: FeedConfig, feed_url: str, owner: str | None) -> None:
    if owner:
        try:  # let the next turn try again rather than wait for the lease to run out
            store.release_feed(runtime.engine, feed_url, owner)
        except Exception as exc:
            log.error("could not release feed %s: %s", feed.label, exc)


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
    if not store.predictions_due(runtime.engine, now):  # asked first: expiring loads the ORM
        return 0
    with store.transaction(runtime.engine) as session:
        return store.expire_predictions(session, now)


def prune_items(runtime: Runtime, now: datetime) -> int:
    """Retention: empty the text of items older than `retention.items`, keeping their keys (nothing comes back
    as new); returns how many were pruned."""
    keep = runtime.settings.retention.items
    if keep is None or not store.items_to_prune(runtime.engine, now - keep):  # asked first: pruning loads the ORM
        return 0
    return store.prune_items(runtime.engine, now - keep)


async def poll_once(runtime: Runtime, clock: Clock = utcnow, owner: str | None = None,
                    keep_items: bool = True) -> tuple[list[FeedOutcome], list[outbox.DeliveryOutcome]]:
    """One pass over every configured feed (except those another instance is polling right now), then
    deliver what it produced (`monitor poll --once`). `keep_items`: as for `poll_feeds`.

    With a runtime from `open_runtime`, the config files are read and checked beside the first fetches; if they
    fail, the round stops before it stores anything, its feeds given back, and the ConfigError is raised."""
    from monitor import outbox  # see the import at the top

    owner = owner or outbox.sender_name()
    ensure_feeds(runtime)
    claimed = claim_feeds(runtime, owner, clock(), only_due=False)
    try:
        async with fetch.make_client(runtime.settings.fetch) as client:
            outcomes = await poll_feeds(runtime, [f for f, _ in claimed], client, clock,
                                        {state.feed_url: state for _, state in claimed}, keep_items=keep_items)
        await _started(runtime)
    except BaseException:
        store.release_feeds(runtime.engine, owner)  # the next round polls them at once, not when the leases end
        raise
    expire_predictions(runtime, clock())
    prune_items(runtime, clock())  # the housekeeping of those who poll from cron instead of running the daemon
    from monitor.pipeline.deliver import deliver  # see the import at the top

    deliveries = await deliver(runtime, clock, outbox.Sender(owner, outbox.lease_for(runtime.settings)))
    return outcomes, deliveries
