"""The pipeline, written down once: fetch -> parse -> match -> read -> events -> assess -> notify.

Each stage returns values and the pipeline passes them on; no stage calls the next one. The scheduler, the
CLI, replay and the tests all run the pipeline through the functions here.

    runtime   what it is built from once at start-up
    clock     what the stages ask the time of
    parsers   the parser processes feeds are parsed in, off the event loop
    feed      one feed as a script (fetch, parse, items, feed state), and the polling rounds
    item      one item as a script: read, then load -> decide -> apply; a batch of items in one transaction
    deliver   a delivery round, and the targets' bookkeeping at start-up

Each name is imported from its module when first asked for (`__getattr__`): a round of 304s never loads `item`
(the reading and deciding of new items) nor what it imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor import lazy

# Imported now, not when first used: the name `deliver` is also its module's, which the import system sets on this
# package when the module is first imported, so that `pipeline.deliver` would be the module. It is light.
from monitor.pipeline.deliver import adopt_target_ids as adopt_target_ids
from monitor.pipeline.deliver import deliver as deliver
from monitor.pipeline.deliver import report_unknown_targets as report_unknown_targets

if TYPE_CHECKING:
    from monitor.pipeline.clock import Clock as Clock
    from monitor.pipeline.clock import utcnow as utcnow
    from monitor.pipeline.feed import FeedOutcome as FeedOutcome
    from monitor.pipeline.feed import claim_feeds as claim_feeds
    from monitor.pipeline.feed import ensure_feeds as ensure_feeds
    from monitor.pipeline.feed import expire_predictions as expire_predictions
    from monitor.pipeline.feed import feed_lease as feed_lease
    from monitor.pipeline.feed import is_due as is_due
    from monitor.pipeline.feed import poll_feeds as poll_feeds
    from monitor.pipeline.feed import poll_once as poll_once
    from monitor.pipeline.feed import prune_items as prune_items
    from monitor.pipeline.item import BATCH_SIZE as BATCH_SIZE
    from monitor.pipeline.item import ItemOutcome as ItemOutcome
    from monitor.pipeline.item import decide as decide
    from monitor.pipeline.item import process_batch as process_batch
    from monitor.pipeline.item import process_item as process_item
    from monitor.pipeline.item import process_items as process_items
    from monitor.pipeline.item import read_item as read_item
    from monitor.pipeline.item import too_old as too_old
    from monitor.pipeline.runtime import ConfigFiles as ConfigFiles
    from monitor.pipeline.runtime import Runtime as Runtime
    from monitor.pipeline.runtime import build_runtime as build_runtime
    from monitor.pipeline.runtime import open_runtime as open_runtime
    from monitor.pipeline.runtime import rebuilt as rebuilt

# Each module and the names above it gives, imported when first used (tests/test_poll_start.py checks the two).
_NAMES = {
    "monitor.pipeline.clock": ("Clock", "utcnow"),
    "monitor.pipeline.feed": (
        "FeedOutcome", "claim_feeds", "ensure_feeds", "expire_predictions", "feed_lease", "is_due", "poll_feeds",
        "poll_once", "prune_items"
    ),
    "monitor.pipeline.item": (
        "BATCH_SIZE", "ItemOutcome", "decide", "process_batch", "process_item", "process_items", "read_item",
        "too_old"
    ),
    "monitor.pipeline.runtime": ("ConfigFiles", "Runtime", "build_runtime", "open_runtime", "rebuilt"),
}
__getattr__, __dir__ = lazy.exports(__name__, _NAMES)
