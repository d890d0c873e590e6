"""Storage: the tables and every query, on SQLModel (SQLite by default, PostgreSQL too).

Times are stored as naive UTC and handed out as aware UTC datetimes. Only portable SQL is used;
SQLite gets WAL and a busy timeout because the daemon and the CLI may open the file together.
SQLModel, SQLAlchemy and Alembic are imported here and nowhere else; the rest of monitor uses the names below.
Each name is imported from its module when first asked for (`__getattr__`): a round of 304s uses `feed` and
`engine`, in SQLAlchemy Core, and never loads SQLModel or the ORM's tables (0.35 CPU-s of a start).

- `tables`: the SQLModel tables; `columns`: the UTC datetime column type they share.
- `engine`: opening a database, `transaction`, what a database URL names or gets wrong, and
  `reported_errors`, which turns SQLAlchemy's errors into the error tree.
- `sqlite`: the SQLite connection set-up (pragmas, transactions begun with the write lock).
- `schema`: the migrations (in `migrations/`) and the lock instances take turns on to run them.
- `feed`: feed state and feed leases, in SQLAlchemy Core.
- `item`: item keys, copies and the item-merge lock.
- `event`: events, their entities and history.
- `delivery`: alerts, deliveries and their claims, target health and the messages sent.
- `prediction`: predictions and misses.
- `listing`: read-only listings for people (the events of a period).
- `context`: what processing one item reads (loaded in one place) and writes, as model values.
- `probe`: cheap questions in Core that tell whether the ORM's work has anything to do, and the alert count.
- `prepared`: look-ups and writes of a batch's hot path run on the driver's cursor (compiled once per dialect).
- `overview`: read-only looks for the status page and the metrics (latest events, warnings, deliveries).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor import lazy

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine as Engine
    from sqlmodel import Session as Session

    from monitor.errors import SchemaError as SchemaError
    from monitor.store.context import add_item as add_item
    from monitor.store.context import item_context as item_context
    from monitor.store.context import item_row as item_row
    from monitor.store.context import item_seen as item_seen
    from monitor.store.context import save_forecasts as save_forecasts
    from monitor.store.context import save_miss as save_miss
    from monitor.store.delivery import add_alert as add_alert
    from monitor.store.delivery import alerts as alerts
    from monitor.store.delivery import claim_deliveries as claim_deliveries
    from monitor.store.delivery import delivery_counts as delivery_counts
    from monitor.store.delivery import expire_deliveries as expire_deliveries
    from monitor.store.delivery import hold as hold
    from monitor.store.delivery import log_message as log_message
    from monitor.store.delivery import messages_since as messages_since
    from monitor.store.delivery import record_attempt as record_attempt
    from monitor.store.delivery import release_claims as release_claims
    from monitor.store.delivery import rename_target as rename_target
    from monitor.store.delivery import renew_claims as renew_claims
    from monitor.store.delivery import target_health as target_health
    from monitor.store.engine import check_url as check_url
    from monitor.store.engine import database_file as database_file
    from monitor.store.engine import is_duplicate_key_error as is_duplicate_key_error
    from monitor.store.engine import open_engine as open_engine
    from monitor.store.engine import reported_errors as reported_errors
    from monitor.store.engine import transaction as transaction
    from monitor.store.event import candidate_events as candidate_events
    from monitor.store.event import event_history as event_history
    from monitor.store.event import events as events
    from monitor.store.event import events_between as events_between
    from monitor.store.event import facts as facts
    from monitor.store.event import save_event as save_event
    from monitor.store.feed import FeedState as FeedState
    from monitor.store.feed import claim_feeds as claim_feeds
    from monitor.store.feed import ensure_feeds as ensure_feeds
    from monitor.store.feed import feed_states as feed_states
    from monitor.store.feed import release_feed as release_feed
    from monitor.store.feed import release_feeds as release_feeds
    from monitor.store.feed import save_feed_state as save_feed_state
    from monitor.store.feed import save_feed_states as save_feed_states
    from monitor.store.item import CopyPool as CopyPool
    from monitor.store.item import CopyRow as CopyRow
    from monitor.store.item import CopyWanted as CopyWanted
    from monitor.store.item import ItemRows as ItemRows
    from monitor.store.item import add_copy as add_copy
    from monitor.store.item import add_rows as add_rows
    from monitor.store.item import copy_rows as copy_rows
    from monitor.store.item import feeds_of as feeds_of
    from monitor.store.item import item_count as item_count
    from monitor.store.item import known_keys as known_keys
    from monitor.store.item import known_keys_in as known_keys_in
    from monitor.store.item import lock_item_work as lock_item_work
    from monitor.store.item import original_of as original_of
    from monitor.store.item import prune_items as prune_items
    from monitor.store.listing import events_since as events_since
    from monitor.store.overview import confirmed_by as confirmed_by
    from monitor.store.overview import event_titles as event_titles
    from monitor.store.overview import events_begun_since as events_begun_since
    from monitor.store.overview import latest_deliveries as latest_deliveries
    from monitor.store.overview import latest_events as latest_events
    from monitor.store.overview import misses_among as misses_among
    from monitor.store.overview import oldest_pending_alert as oldest_pending_alert
    from monitor.store.overview import open_warnings as open_warnings
    from monitor.store.overview import ping as ping
    from monitor.store.overview import stored_counts as stored_counts
    from monitor.store.overview import warnings_since as warnings_since
    from monitor.store.prediction import expire_predictions as expire_predictions
    from monitor.store.prediction import explained_misses as explained_misses
    from monitor.store.prediction import misses as misses
    from monitor.store.prediction import next_expiry as next_expiry
    from monitor.store.prediction import open_predictions as open_predictions
    from monitor.store.prediction import predictions as predictions
    from monitor.store.prediction import threat_events_between as threat_events_between
    from monitor.store.probe import alert_count as alert_count
    from monitor.store.probe import deliveries_claimed as deliveries_claimed
    from monitor.store.probe import deliveries_pending as deliveries_pending
    from monitor.store.probe import items_to_prune as items_to_prune
    from monitor.store.probe import predictions_due as predictions_due
    from monitor.store.schema import head_revision as head_revision
    from monitor.store.schema import migrate as migrate
    from monitor.store.schema import schema_revision as schema_revision
    from monitor.store.tables import Delivery as Delivery
    from monitor.store.tables import EventEntity as EventEntity
    from monitor.store.tables import ItemCopy as ItemCopy
    from monitor.store.tables import Miss as Miss
    from monitor.store.tables import Prediction as Prediction
    from monitor.store.tables import StoredAlert as StoredAlert
    from monitor.store.tables import StoredEvent as StoredEvent
    from monitor.store.tables import StoredItem as StoredItem

# Each module and the names above it gives, imported when first used (tests/test_poll_start.py checks the two).
_NAMES = {
    "sqlalchemy.engine": ("Engine",),
    "sqlmodel": ("Session",),
    "monitor.errors": ("SchemaError",),
    "monitor.store.context": ("add_item", "item_context", "item_row", "item_seen", "save_forecasts", "save_miss"),
    "monitor.store.delivery": (
        "add_alert", "alerts", "claim_deliveries", "delivery_counts", "expire_deliveries", "hold",
        "log_message", "messages_since", "record_attempt", "release_claims", "rename_target", "renew_claims",
        "target_health"
    ),
    "monitor.store.engine": (
        "check_url", "database_file", "is_duplicate_key_error", "open_engine", "reported_errors", "transaction"
    ),
    "monitor.store.event": ("candidate_events", "event_history", "events", "events_between", "facts", "save_event"),
    "monitor.store.feed": (
        "FeedState", "claim_feeds", "ensure_feeds", "feed_states", "release_feed", "release_feeds", "save_feed_state",
        "save_feed_states"
    ),
    "monitor.store.item": (
        "CopyPool", "CopyRow", "CopyWanted", "ItemRows", "add_copy", "add_rows", "copy_rows", "feeds_of", "item_count",
        "known_keys", "known_keys_in", "lock_item_work", "original_of", "prune_items"
    ),
    "monitor.store.listing": ("events_since",),
    "monitor.store.overview": (
        "confirmed_by", "event_titles", "events_begun_since", "latest_deliveries", "latest_events", "misses_among",
        "oldest_pending_alert", "open_warnings", "ping", "stored_counts", "warnings_since"
    ),
    "monitor.store.prediction": (
        "expire_predictions", "explained_misses", "misses", "next_expiry", "open_predictions", "predictions",
        "threat_events_between"
    ),
    "monitor.store.probe": (
        "alert_count", "deliveries_claimed", "deliveries_pending", "items_to_prune", "predictions_due"
    ),
    "monitor.store.schema": ("head_revision", "migrate", "schema_revision"),
    "monitor.store.tables": (
        "Delivery", "EventEntity", "ItemCopy", "Miss", "Prediction", "StoredAlert", "StoredEvent", "StoredItem"
    ),
}
__getattr__, __dir__ = lazy.exports(__name__, _NAMES)
