"""The pipeline, written down once: fetch -> parse -> match -> read -> events -> assess -> notify.

Each stage returns values and the pipeline passes them on; no stage calls the next one. The scheduler, the
CLI, replay and the tests all run the pipeline through the functions here.

    runtime   what it is built from once at start-up
    parsers   the parser processes feeds are parsed in, off the event loop
    feed      one feed as a script (fetch, parse, items, feed state), and the polling rounds
    item      one item as a script: read, then load -> decide -> apply; a batch of items in one transaction
    deliver   a delivery round, and the targets' bookkeeping at start-up
"""

from monitor.pipeline.deliver import adopt_target_ids as adopt_target_ids
from monitor.pipeline.deliver import deliver as deliver
from monitor.pipeline.deliver import report_unknown_targets as report_unknown_targets
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
from monitor.pipeline.item import Clock as Clock
from monitor.pipeline.item import ItemOutcome as ItemOutcome
from monitor.pipeline.item import decide as decide
from monitor.pipeline.item import process_batch as process_batch
from monitor.pipeline.item import process_item as process_item
from monitor.pipeline.item import process_items as process_items
from monitor.pipeline.item import read_item as read_item
from monitor.pipeline.item import too_old as too_old
from monitor.pipeline.item import utcnow as utcnow
from monitor.pipeline.runtime import Runtime as Runtime
from monitor.pipeline.runtime import build_runtime as build_runtime
from monitor.pipeline.runtime import rebuilt as rebuilt
