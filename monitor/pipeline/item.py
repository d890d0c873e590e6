"""One item, read as a script: read it, then in one transaction load what the decision needs, decide in pure
code, and apply the decision.

    read     match the watchlist names, read what the report says (no storage)
    load     `store.item_context`: the copy candidates, the candidate events, the earlier events it may refer
             to, the forecasts standing
    decide   `decide`: a copy? which event, what changed, what it does to the forecasts, which alerts
    apply    `apply`: the event, the forecasts, the miss, the item and its alerts, written together
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from monitor import notify, store
from monitor.model import AlertDraft, EventChange, Item, ItemContext, Outlook, Reading, Report, SeenItem
from monitor.pipeline.clock import Clock, utcnow
from monitor.pipeline.runtime import Runtime

log = logging.getLogger("monitor.pipeline")

@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What processing did with one item (skipped items are not reported)."""

    item: Item
    reading: Reading
    event_id: str | None
    alerts: tuple[AlertDraft, ...] = ()
    copy_of: str | None = None  # the stored item this one repeats (syndication), when it does
    too_old: str | None = None  # why it raised no alert for its age ("published 2019-12-29, older than ...")


@dataclass(frozen=True, slots=True)
class Decision:
    """What one item does, decided from the item, its reading and the loaded context alone."""

    copy_of: SeenItem | None = None
    change: EventChange | None = None
    outlook: Outlook | None = None
    references: tuple[str, ...] = ()  # earlier events its background clauses point to
    drafts: tuple[AlertDraft, ...] = ()  # the event's own alerts; warnings are composed once stored
    too_old: str | None = None  # published too long ago to alert: stored, merged, never announced


def read_item(runtime: Runtime, item: Item) -> tuple[Reading, list[dict[str, Any]]]:
    """Match and classify one item (no storage)."""
    matches = runtime.matcher.match(item.text)
    reading = runtime.reader.read(item.title, item.summary, matches, item.published)
    return reading, [m.as_dict() for m in matches.mentions]


def format_age(age: timedelta) -> str:
    """A duration as the config spells it: 2d, 36h, 90m, 45s."""
    seconds = int(age.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def too_old(item: Item, max_age: timedelta | None, key: str, now: datetime) -> str | None:
    """Why a new item raises no alert for its age, or None. An item with no date of its own carries the time
    it was fetched (see `parse`): it is new to us, so it counts as recent."""
    if max_age is None or now - item.published <= max_age:
        return None
    return f"published {item.published:%Y-%m-%d}, older than {key} {format_age(max_age)}"


def decide(runtime: Runtime, item: Item, reading: Reading, fingerprint: str, context: ItemContext,
           now: datetime) -> Decision:
    """Pure: is the item a copy; if not, which event it starts or joins, what that changes, what it does to the
    forecasts standing, and the event's alerts. An item published longer ago than its feed's `max_item_age`
    still starts or joins its event (later reports find it), but raises no alert and no warning."""
    from monitor import assess, events  # imported by the first new item: a round of 304s never loads them

    original = events.original_of(item, fingerprint, context.copies)
    if original is not None:
        return Decision(copy_of=original)
    quiet = too_old(item, *runtime.age_limit(item.feed_url), now)
    change, outlook, drafts = None, None, []
    if reading.relevant and reading.event_type:
        report = Report(item.key, item.title, item.link, item.source, item.published, reading)
        change = events.place_report(report, context.candidates, runtime.settings.events.merge_window,
                                     runtime.gazetteer)
        material = change.material(runtime.settings.events.update_on)
        if quiet is None and change.is_new:
            drafts.append(notify.new_event_alert(change, reading, now))
        elif quiet is None and material:
            drafts.append(notify.event_update_alert(change, material, item, now))
        outlook = assess.decide(runtime.rules, runtime.history, runtime.world, change.event, change.is_new,
                                item.title, context.standing, now, quiet=quiet)
    elif reading.denied:
        # "No attack took place at Erbil airport": those told of the attack hear it was denied.
        report = Report(item.key, item.title, item.link, item.source, item.published, reading)
        change = events.denial(report, context.candidates, runtime.settings.events.merge_window, runtime.gazetteer)
        material = change.material(runtime.settings.events.update_on) if change else ()
        if change is not None and quiet is None and material:
            drafts.append(notify.event_update_alert(change, material, item, now))
    references: list[str] = []
    if reading.relevant and reading.background_places:
        references = events.referenced_events(reading, item.published, context.earlier,
                                              change.event.id if change else None)
    return Decision(None, change, outlook, tuple(references), tuple(drafts), quiet)


def _announced(outlook: Outlook, item: Item, now: datetime) -> list[AlertDraft]:
    """The alerts the forecasts ask for, composed once the store has given new forecasts their ids."""
    drafts = []
    for note in outlook.announcements:
        forecast = note.forecast
        assert forecast.id is not None  # stored by `apply` first
        if note.kind == "resolved":
            assert forecast.resolving_event_id is not None and forecast.lead_hours is not None
            drafts.append(notify.resolved_alert(forecast.id, forecast.kind, forecast.rule,
                                                forecast.warned_likelihood or forecast.likelihood,
                                                forecast.lead_hours, forecast.resolving_event_id,
                                                note.trigger_title, now,
                                                notify.source_of(item.source, item.title, item.link)))
        elif note.judgement is not None:
            drafts.append(notify.warning_alert(forecast.kind, forecast.id, note.judgement, note.trigger_title, now,
                                               update_from=note.update_from))
    return drafts


def apply(session: store.Session, runtime: Runtime, item: Item, reading: Reading, mentions: list[dict[str, Any]],
          prints: tuple[str, str], decision: Decision, now: datetime, rows: store.ItemRows) -> ItemOutcome:
    """Write what was decided, in the caller's transaction; the item itself, or its copy, goes to `rows`, which
    the batch inserts with the others when it ends."""
    if decision.copy_of is not None:
        rows.copied(item.key, decision.copy_of.key, item.feed_url, now)
        return ItemOutcome(item, reading, decision.copy_of.event_id, (), copy_of=decision.copy_of.key)
    change, drafts = decision.change, list(decision.drafts)
    if change is not None:
        silent = decision.outlook.silent if decision.outlook else ()
        for line in silent:
            log.debug("event %s raised no warning: %s", change.event.id, line)
        if decision.too_old:
            log.debug("event %s: no alert: %s", change.event.id, decision.too_old)
        why = "\n".join([change.why, *([f"no alert: {decision.too_old}"] if decision.too_old else []),
                         *(f"no warning: {line}" for line in silent)])
        store.save_event(session, change.event, item.key, now, [c.text for c in change.changes], why, rows.history)
    if decision.outlook is not None:
        store.save_forecasts(session, (*decision.outlook.forecasts, *decision.outlook.watches))
        if decision.outlook.miss is not None:
            store.save_miss(session, decision.outlook.miss)
        drafts += _announced(decision.outlook, item, now)
    event_id = change.event.id if change else None
    rows.items.append(store.item_row(item, reading, event_id, now, {
        "mentions": mentions, "refers_to_events": list(decision.references)}, prints))
    stored = [d for d in drafts if store.add_alert(session, d, notify.route(d, runtime.targets)) is not None]
    return ItemOutcome(item, reading, event_id, tuple(stored), too_old=decision.too_old)


BATCH_SIZE = 200  # items stored per transaction: a commit's cost shared out, the write lock held briefly


@dataclass(frozen=True, slots=True)
class _Read:
    """An item as read before its batch's transaction (reading needs no store, so it holds no lock)."""

    reading: Reading
    mentions: list[dict[str, Any]]
    prints: tuple[str, str]
    copies: store.CopyWanted


class _Expiry:
    """Expiring predictions only when one may have run out: `store.expire_predictions` runs before a batch's
    first item, then before an item only when its time is past the earliest window end still open. Each item
    sees the forecasts as it did when every item expired them itself, without a statement per item."""

    def __init__(self, session: store.Session) -> None:
        self._session = session
        self._expired = False  # run once for the batch's first item
        self._known = False  # whether `_next` was looked up (only a batch's second item needs it)
        self._next: datetime | None = None  # no open prediction's window ends before this

    def before(self, now: datetime) -> None:
        if not self._expired:
            store.expire_predictions(self._session, now)
            self._expired = True
            return
        if not self._known:
            self._next, self._known = store.next_expiry(self._session), True
        if self._next is not None and now > self._next:
            store.expire_predictions(self._session, now)
            self._next = store.next_expiry(self._session)

    def stored(self, decision: Decision) -> None:
        """Forecasts the item stored may end sooner than those seen so far (before `_next` is looked up, the
        look-up sees them)."""
        for f in decision.outlook.forecasts if self._known and decision.outlook else ():
            if f.state == "open" and (self._next is None or f.window_end < self._next):
                self._next = f.window_end


def _read(runtime: Runtime, item: Item) -> _Read:
    from monitor import events  # as in `decide`

    reading, mentions = read_item(runtime, item)
    fingerprint, title_print = prints = events.content_prints(item.title, item.summary)
    return _Read(reading, mentions, prints, store.CopyWanted(item.link, fingerprint, title_print,
                                                             item.published - events.COPY_WINDOW,
                                                             item.published + events.COPY_WINDOW))


def _seen(row: store.CopyRow) -> SeenItem:
    return SeenItem(row.key, row.link, row.fingerprint, row.title, row.summary, row.event_id, row.published)


def process_batch(runtime: Runtime, items: Sequence[Item],
                  when: Callable[[Item], datetime]) -> list[ItemOutcome | None]:
    """Read, decide and store items with their alerts in one transaction, in the order given; for each item its
    outcome, or None when it was seen before (stored already, or earlier in the batch). `when` gives each
    item's processing time, asked right before it is decided.

    Items seen before are skipped before they are read; their keys are checked again under the item lock, in
    the transaction, against what another instance may have stored meanwhile. Each item is decided on what the
    items before it wrote (the transaction sees its own writes), so the outcomes are those one transaction per
    item gives. A crash loses the whole batch and nothing else: it is processed again after a restart.
    """
    known = store.known_keys(runtime.engine, list({i.key: None for i in items}))
    read: dict[str, _Read] = {}
    for item in items:
        if item.key not in known and item.key not in read:
            read[item.key] = _read(runtime, item)
    if not read:
        return [None] * len(items)
    from monitor import assess, events  # as in `decide`

    try:
        with store.transaction(runtime.engine) as session:
            store.lock_item_work(session)
            stored_meanwhile = store.known_keys_in(session, list(read))
            pool = store.CopyPool(store.copy_rows(session, [r.copies for r in read.values()]))
            expiry = _Expiry(session)
            tempo = assess.tempo_window(runtime.rules)
            rows = store.ItemRows()
            outcomes: list[ItemOutcome | None] = []
            for item in items:
                done = read.pop(item.key, None)
                if done is None or item.key in stored_meanwhile:
                    outcomes.append(None)
                    continue
                now = when(item)
                expiry.before(now)
                # Only a report telling of an event, or denying one, looks events up by name (`item_context`).
                told = done.reading.relevant or done.reading.denied
                names = events.lookup_names(done.reading, runtime.gazetteer) if told else []
                context = store.item_context(session, item, done.prints, done.reading, names, now,
                                             copy_window=events.COPY_WINDOW,
                                             merge_window=runtime.settings.events.merge_window,
                                             reference_window=events.REFERENCE_WINDOW,
                                             threat_lookback=assess.THREAT_LOOKBACK,
                                             follow_up_window=events.FOLLOW_UP_WINDOW,
                                             tempo_window=tempo,
                                             copies=[_seen(row) for row in pool.candidates(done.copies)])
                decision = decide(runtime, item, done.reading, done.prints[0], context, now)
                outcome = apply(session, runtime, item, done.reading, done.mentions, done.prints, decision, now,
                                rows)
                expiry.stored(decision)
                if decision.copy_of is None:  # a later item of the batch may repeat this one
                    pool.add(store.CopyRow(item.key, item.link, *done.prints, item.title, item.summary,
                                           outcome.event_id, item.published))
                outcomes.append(outcome)
            store.add_rows(session, rows)
            return outcomes
    except Exception as exc:
        if not store.is_duplicate_key_error(exc):
            raise
        if len(items) == 1:
            return [None]  # another worker stored the same item first
        # Cannot happen under the item lock; should it, each item alone keeps the others of the batch.
        log.warning("a batch of %d items met an item stored meanwhile; storing them one at a time", len(items))
        return [process_batch(runtime, [item], when)[0] for item in items]


def process_item(runtime: Runtime, item: Item, now: datetime) -> ItemOutcome | None:
    """Read, decide and store one item with its alerts in one transaction; None if seen before."""
    return process_batch(runtime, [item], lambda _: now)[0]


def process_items(runtime: Runtime, items: Iterable[Item], clock: Clock = utcnow) -> list[ItemOutcome]:
    """Process items not seen before, each exactly once, oldest first (feeds list newest first, and an
    incident should be known before the reports that refer back to it), `BATCH_SIZE` to a transaction."""
    return process_feeds(runtime, [items], clock)[0]


def process_feeds(runtime: Runtime, feeds: Sequence[Iterable[Item]], clock: Clock = utcnow) -> list[list[ItemOutcome]]:
    """`process_items` for the items of several feeds, one feed after the other, for each feed its outcomes.
    Their items share transactions (`BATCH_SIZE` items to one): feeds fetched together cost one commit, not one
    each. Each item sees what the items before it wrote, as when every feed has transactions of its own, so the
    outcomes are the same; a crash loses the items of the batch being written, which are fetched again."""
    order = [sorted({i.key: i for i in items}.values(), key=lambda i: i.published) for items in feeds]
    flat = [item for items in order for item in items]
    done: list[ItemOutcome | None] = []
    for start in range(0, len(flat), BATCH_SIZE):
        done += process_batch(runtime, flat[start : start + BATCH_SIZE], lambda _: clock())
    outcomes: list[list[ItemOutcome]] = []
    at = 0
    for items in order:
        outcomes.append([o for o in done[at : at + len(items)] if o is not None])
        at += len(items)
    return outcomes
