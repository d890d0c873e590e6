"""The outbox: send due deliveries the way each target asked, and record every result.

A sender first claims the deliveries it will send (an atomic claim with a lease, in the database), so
that two senders (the daemon's delivery loop and a `poll --once`, or two instances sharing PostgreSQL)
never send the same delivery; just before each message it renews its claims and sends only what it
still holds. A sender that dies leaves claims that expire after their lease.

Per target, in this order:

    quiet hours   during them only high-severity alerts go out; the rest wait for the end
    digest        low-severity alerts are bundled and sent together every `digest` period
    rate limit    at most `messages` messages per `per`; what is held back goes out as one summary
                  as soon as the limit allows

A failed send is retried with exponential backoff and jitter, capped at `alerts.max_retry_delay`, for as
long as it takes: nothing is given up by count. While a target fails, its other alerts wait with the
failed one, so a down target gets one request per retry, and the order of its alerts is kept. The other
targets are told once a day that a target is failing. A delivery still failing after `alerts.max_age` is
marked expired and reported (an ERROR line, `monitor status`, `status --health`, and a message to the
other targets).

The store records "sent" only after the target confirmed, so a crash between the two, or a target that
answers after the send timeout, is the one window in which a target may see an alert twice: at most one
duplicate per target per crash or timeout.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import groupby
from typing import TYPE_CHECKING, TypeAlias
from zoneinfo import ZoneInfo

from monitor import notify, store
from monitor.config import NotifyTarget, QuietHours, Settings

if TYPE_CHECKING:  # names, not imports: `notify` and `store` import their modules when first used
    from monitor.notify import Target
    from monitor.store import Engine

log = logging.getLogger("monitor.outbox")

SUMMARY_LINES = 30
FAILING_AFTER = 3  # failed attempts of one delivery before the other targets hear of it
CLAIM_BATCH = 500


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    alert_id: int
    target: str
    error: str | None
    expired: bool = False  # given up after alerts.max_age, and reported


@dataclass(frozen=True, slots=True)
class Sender:
    """Who is sending (the claim owner), what may stop it between two messages, and what it sent but could
    not record (a full disk, a lost connection): those are recorded later and never sent again by it."""

    owner: str
    lease: timedelta
    should_stop: Callable[[], bool] = lambda: False
    unrecorded: dict[int, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record_later(self, delivery_ids: Sequence[int], at: datetime) -> None:
        with self._lock:
            self.unrecorded.update(dict.fromkeys(delivery_ids, at))

    def sent_unrecorded(self) -> dict[int, datetime]:
        with self._lock:
            return dict(self.unrecorded)

    def recorded(self, delivery_ids: Sequence[int]) -> None:
        with self._lock:
            for i in delivery_ids:
                self.unrecorded.pop(i, None)


def sender_name() -> str:
    """A process's name on claims and leases: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"


def lease_for(settings: Settings) -> timedelta:
    """How long a claim lasts: longer than any one send (Apprise's connect and read timeouts), so a claim
    never runs out while its message is on the wire."""
    return settings.alerts.send_timeout * 2 + timedelta(seconds=30)


def retry_at(attempts: int, now: datetime, base: timedelta, max_delay: timedelta,
             rng: random.Random | None = None) -> datetime:
    """When to try again after `attempts` failures: doubling from `base`, capped at `max_delay`, with
    "equal jitter" (half fixed, half random) so that alerts failing together do not retry together."""
    ceiling = min(max_delay.total_seconds(), base.total_seconds() * 2 ** min(max(attempts - 1, 0), 30))
    rng = rng or random.Random()
    return now + timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def quiet_until(quiet: QuietHours, now: datetime) -> datetime | None:
    """The end of the quiet period `now` falls in, or None outside quiet hours."""
    zone = ZoneInfo(quiet.timezone)
    local = now.astimezone(zone)
    start, end = (time.fromisoformat(quiet.start), time.fromisoformat(quiet.end))
    clock = local.time()
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=zone).astimezone(now.tzinfo)


# A string: the tables' models are imported by the first delivery, not by importing this module.
Due: TypeAlias = "tuple[store.Delivery, store.StoredAlert]"
Clock = Callable[[], datetime]


def _severity(alert: store.StoredAlert) -> str:
    return str((alert.payload or {}).get("severity", "low"))


def deliver_due(engine: Engine, targets: Sequence[Target], settings: Settings, now: datetime,
                sender: Sender | None = None, clock: Clock | None = None) -> list[DeliveryOutcome]:
    """Expire what failed too long, claim every due delivery, and send each target's in turn."""
    sender = sender or Sender(sender_name(), lease_for(settings))
    clock = clock or (lambda: now)
    outcomes = expire_due(engine, targets, settings, now)
    claimed = claim_due(engine, targets, sender, now)
    by_id = {t.id: t for t in targets}
    for target_id, pairs in claimed.items():
        outcomes += deliver_to(engine, by_id[target_id], pairs, settings, sender, clock, targets)
    return outcomes


def claim_due(engine: Engine, targets: Sequence[Target], sender: Sender,
              now: datetime) -> dict[str, list[Due]]:
    """Claim the due deliveries of the configured targets, grouped by target, oldest alert first."""
    pairs = store.claim_deliveries(engine, sender.owner, [t.id for t in targets], now, sender.lease, CLAIM_BATCH)
    ordered = sorted(pairs, key=lambda pair: pair[0].target_id)
    return {target_id: list(group) for target_id, group in groupby(ordered, key=lambda pair: pair[0].target_id)}


def expire_due(engine: Engine, targets: Sequence[Target], settings: Settings, now: datetime) -> list[DeliveryOutcome]:
    """Mark the deliveries that kept failing for `alerts.max_age` as expired, and say so loudly."""
    expired = store.expire_deliveries(engine, now, settings.alerts.max_age)
    outcomes = []
    for target_id, group in groupby(sorted(expired, key=lambda pair: pair[0].target_id),
                                    key=lambda pair: pair[0].target_id):
        pairs = list(group)
        titles = [a.title for _, a in pairs]
        log.error("%d alert(s) to %s expired undelivered after %s of failures (last error: %s): %s", len(pairs),
                  target_id, settings.alerts.max_age, pairs[-1][0].last_error, "; ".join(titles[:5]))
        lines = [f"{len(pairs)} alert(s) to {target_id} could not be delivered for {settings.alerts.max_age} and "
                 f"were given up. Last error: {pairs[-1][0].last_error or 'unknown'}"]
        lines += [f"- {t}" for t in titles[:SUMMARY_LINES]]
        _tell_the_others(engine, targets, target_id, f"target_expired:{target_id}:{now.isoformat()}",
                         f"Alerts to {target_id} expired undelivered", "\n".join(lines), now)
        outcomes += [DeliveryOutcome(a.id or 0, target_id, d.last_error, expired=True) for d, a in pairs]
    return outcomes


def _tell_the_others(engine: Engine, targets: Sequence[Target], target_id: str, dedupe_key: str, title: str,
                     text: str, now: datetime) -> None:
    """An alert about a target, to the other targets that want `target_failing` alerts."""
    alert = notify.draft(kind="target_failing", dedupe_key=dedupe_key, event_id=None, created_at=now,
                         title=notify.inert(title, notify.MAX_FIELD), text=text,
                         payload={"severity": "high", "target": target_id})
    others = [t for t in targets if t.id != target_id]
    with store.transaction(engine) as session:
        store.add_alert(session, alert, notify.route(alert, others))


def deliver_to(engine: Engine, target: Target, pairs: list[Due], settings: Settings, sender: Sender, clock: Clock,
               everyone: Sequence[Target] = ()) -> list[DeliveryOutcome]:
    """Send one target's claimed deliveries as its routing asks; what is not sent now is released."""
    config: NotifyTarget | None = getattr(target, "config", None)
    now = clock()
    if config is not None and config.quiet_hours is not None:
        until = quiet_until(config.quiet_hours, now)
        if until is not None:
            store.hold(engine, [d.id for d, a in pairs if _severity(a) != "high" and d.id], until, "quiet")
            pairs = [(d, a) for d, a in pairs if _severity(a) == "high"]
    messages: list[list[Due]] = []
    if config is not None and config.digest is not None:
        low = [(d, a) for d, a in pairs if _severity(a) == "low"]
        store.hold(engine, [d.id for d, _ in low if d.held != "digest" and d.id], now + config.digest, "digest")
        ripe = [(d, a) for d, a in low if d.held == "digest"]
        if ripe:
            messages.append(ripe)
        pairs = [(d, a) for d, a in pairs if _severity(a) != "low"]
    held_back = [(d, a) for d, a in pairs if d.held == "rate"]
    messages += [[pair] for pair in pairs if pair[0].held != "rate"]
    if held_back:
        messages.insert(0, held_back)  # what waited longest goes first, as one summary
    if config is not None and config.rate_limit is not None:
        messages = _within_rate_limit(engine, target.id, config, messages, now)
    outcomes: list[DeliveryOutcome] = []
    _record_what_was_sent(engine, sender)
    unrecorded = sender.sent_unrecorded()
    for i, message in enumerate(messages):
        rest = messages[i:]
        if any(d.id in unrecorded for d, _ in message):
            continue  # sent already; its "sent" could not be written yet
        if sender.should_stop():
            store.release_claims(engine, sender.owner, _ids(rest))
            break
        now = clock()
        held = store.renew_claims(engine, sender.owner, _ids(rest), now, sender.lease)
        message = [(d, a) for d, a in message if d.id in held]
        if not message:
            continue  # its claim ran out and another sender took it: that sender sends it
        outcome, retry = _send(engine, target, message, settings, sender, now, everyone)
        outcomes += outcome
        if retry is not None:
            # The target is failing: what else it has waits with the failed alert, in order.
            later = messages[i + 1:]
            for reason in {d.held for m in later for d, _ in m}:
                store.hold(engine, [d.id for m in later for d, _ in m if d.held == reason and d.id], retry,
                           reason or "retry")
            break
    return outcomes


def _record_what_was_sent(engine: Engine, sender: Sender) -> None:
    """Write down the sends whose "sent" could not be written before."""
    for delivery_id, at in sender.sent_unrecorded().items():
        try:
            store.record_attempt(engine, sender.owner, [delivery_id], sent=True, error=None, now=at, retry_at=None)
        except Exception as exc:
            log.error("still cannot record that delivery %d was sent: %s", delivery_id, exc)
            return
        sender.recorded([delivery_id])


def _ids(messages: list[list[Due]]) -> list[int]:
    return [d.id for message in messages for d, _ in message if d.id is not None]


def _within_rate_limit(engine: Engine, target_id: str, config: NotifyTarget, messages: list[list[Due]],
                       now: datetime) -> list[list[Due]]:
    limit = config.rate_limit
    assert limit is not None
    sent = store.messages_since(engine, target_id, now - limit.per)
    allowance = max(0, limit.messages - len(sent))
    if len(messages) <= allowance:
        return messages
    allowed, rest = messages[:allowance], [pair for message in messages[allowance:] for pair in message]
    frees_at = (sent[0] + limit.per) if sent and allowance == 0 else now + limit.per
    store.hold(engine, [d.id for d, _ in rest if d.id], frees_at, "rate")
    log.info("rate limit for %s: %d alert(s) held until %s, then summarised", target_id, len(rest), frees_at)
    return allowed


def _bundle(pairs: list[Due], now: datetime) -> store.StoredAlert:
    """One message for several alerts: a digest or the summary of what a rate limit held back."""
    reason = pairs[0][0].held
    head = "Digest" if reason == "digest" else "Held back by the rate limit"
    lines = []
    for _, a in pairs[:SUMMARY_LINES]:
        link = notify.first_link(a.payload)  # each line leads to its report, in the text part as in the HTML
        lines += [f"- [{_severity(a)}] {a.title}", *([f"  {link}"] if link else [])]
    if len(pairs) > SUMMARY_LINES:
        lines.append(f"... and {len(pairs) - SUMMARY_LINES} more")
    return store.StoredAlert(id=0, kind="summary", dedupe_key=f"summary:{now.isoformat()}", created_at=now,
                             title=notify.inert(f"{head}: {len(pairs)} alerts", notify.MAX_FIELD),
                             text="\n".join(lines),
                             payload={"severity": max((_severity(a) for _, a in pairs), key=_rank)})


def _rank(severity: str) -> int:
    return {"low": 0, "medium": 1, "high": 2}[severity]


def _send(engine: Engine, target: Target, message: list[Due], settings: Settings, sender: Sender, now: datetime,
          everyone: Sequence[Target]) -> tuple[list[DeliveryOutcome], datetime | None]:
    """Send one message (an alert, a digest or a summary) and record it; returns the outcomes and, on a
    failure, when it will be tried again."""
    alert = message[0][1] if len(message) == 1 else _bundle(message, now)
    try:
        error = target.send(alert)
    except Exception as exc:  # a target plugin must never stop the other deliveries
        error = f"{type(exc).__name__}: {exc}"[:300]
    attempts = max(d.attempts for d, _ in message) + 1
    next_try = retry_at(attempts, now, settings.alerts.retry_base, settings.alerts.max_retry_delay) if error else None
    try:
        if error is None:
            store.log_message(engine, target.id, now, len(message))
        recorded = store.record_attempt(engine, sender.owner, _ids([message]), sent=error is None, error=error,
                                        now=now, retry_at=next_try)
    except Exception:
        if error is None:
            # The target has it; sending it again because the database could not say so would be the
            # duplicate storm of a full disk. Remember it, and record it when the database works again.
            sender.record_later(_ids([message]), now)
            log.error("alert sent to %s but its delivery could not be recorded; it will not be sent again",
                      target.label)
        raise
    if error:
        log.warning("delivery of %d alert(s) to %s failed (attempt %d): %s; next try at %s", len(message), target.label,
                    attempts, error, next_try and next_try.strftime("%Y-%m-%d %H:%M:%SZ"))
        if attempts == FAILING_AFTER and recorded:
            since = min((d.first_failed_at or now) for d in recorded)
            _tell_the_others(engine, everyone, target.id, f"target_failing:{target.id}:{now:%Y-%m-%d}",
                             f"Notification target failing: {target.label}",
                             f"Alerts to {target.label} have been failing since {since:%Y-%m-%d %H:%M UTC}: {error}. "
                             f"They are retried until delivered, or for at most {settings.alerts.max_age}.", now)
    outcomes = [DeliveryOutcome(stored.id or 0, target.label, error) for _, stored in message]
    return outcomes, next_try
