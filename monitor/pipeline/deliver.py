"""Delivery rounds and the targets' bookkeeping at start-up; the sending itself is the outbox's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from monitor import notify, outbox, store
from monitor.pipeline.clock import Clock, utcnow

if TYPE_CHECKING:
    from monitor.pipeline.runtime import Runtime

log = logging.getLogger("monitor.pipeline")


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
    if not store.deliveries_pending(runtime.engine):  # asked first: the health of targets loads the ORM
        return
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
    if not store.deliveries_pending(runtime.engine):  # asked first: expiring and claiming load the ORM
        return []
    settings = runtime.settings
    sender = sender or outbox.Sender(outbox.sender_name(), outbox.lease_for(settings))
    now = clock()
    outcomes = []
    if expire:
        outcomes = await asyncio.to_thread(outbox.expire_due, runtime.engine, runtime.targets, settings, now)
    claimed = await asyncio.to_thread(outbox.claim_due, runtime.engine, targets or runtime.targets, sender, now)
    # The targets asked for first: a sender started before a reload may still hold a target that is gone.
    by_id = {t.id: t for t in (*runtime.targets, *(targets or ()))}
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
