"""Cheap questions in SQLAlchemy Core that tell whether the ORM's work has anything to do: predictions to expire,
item text to prune, deliveries waiting or claimed; and how many alerts are stored.

A round of 304s asks these at its start and end instead of loading SQLModel and the tables' models (0.35 CPU-s of
a start) to find nothing to do: each is one indexed `SELECT ... LIMIT 1` (or a count), and the caller runs the ORM's
function only when the answer is yes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Engine

from monitor.store.columns import UTCDateTime


def _timed(sql: str, *names: str) -> TextClause:
    # Times are bound through the tables' column type, so that they are compared as the tables store them.
    return text(sql).bindparams(*(bindparam(name, type_=UTCDateTime()) for name in names))


# What `prediction.expire_predictions` takes (the ix_prediction_open index answers it).
_PREDICTION_DUE = _timed("SELECT 1 FROM prediction WHERE state = 'open' AND window_end < :now LIMIT 1", "now")
# What `item.prune_items` empties (walking the published index, as it does).
_ITEM_TO_PRUNE = _timed("SELECT 1 FROM item WHERE published < :before AND fetched_at < :before "
                        "AND (title != '' OR summary != '') LIMIT 1", "before")
# What a delivery round (expiring or claiming) and the report of unknown targets look at: pending deliveries only.
_DELIVERY_PENDING = text("SELECT 1 FROM delivery WHERE state = 'pending' LIMIT 1")
_DELIVERY_CLAIMED = text("SELECT 1 FROM delivery WHERE claimed_by IS NOT NULL LIMIT 1")
_ALERTS = text("SELECT count(*) FROM alert")


def _any(engine: Engine, query: TextClause, **values: object) -> bool:
    with engine.connect() as connection:
        return connection.execute(query, values).first() is not None


def predictions_due(engine: Engine, now: datetime) -> bool:
    """Whether an open prediction's window has passed (`expire_predictions` has work)."""
    return _any(engine, _PREDICTION_DUE, now=now)


def items_to_prune(engine: Engine, before: datetime) -> bool:
    """Whether an item published and fetched before `before` still has its text (`prune_items` has work)."""
    return _any(engine, _ITEM_TO_PRUNE, before=before)


def deliveries_pending(engine: Engine) -> bool:
    """Whether any delivery waits to be sent (a delivery round, or the report of unknown targets, has work)."""
    return _any(engine, _DELIVERY_PENDING)


def deliveries_claimed(engine: Engine) -> bool:
    """Whether any delivery is claimed by a sender (`release_claims` has work)."""
    return _any(engine, _DELIVERY_CLAIMED)


def alert_count(engine: Engine) -> int:
    """How many alerts the store holds."""
    with engine.connect() as connection:
        return int(connection.execute(_ALERTS).scalar_one())
