"""Replay: run items from files through the pipeline in published order with a simulated clock.

Input is JSON Lines items (`id`, `published`, `title`, `summary`, optional `link`, `source`), an
RSS/Atom file, or a folder of those. Output is JSON Lines: one `item` record per item and one
`alert` record per alert, in the format DESIGN.md fixes for other tools.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from monitor import parse
from monitor.errors import ReplayInputError as ReplayInputError  # raised here; re-exported for callers
from monitor.model import Item
from monitor.pipeline import BATCH_SIZE, ItemOutcome, Runtime, process_batch

FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
# One encoder for every record: `json.dumps` given an option builds a new encoder at each call.
_RECORD = json.JSONEncoder(ensure_ascii=False).encode


def parse_time(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ReplayInputError(f"{where}: published: {value!r} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def jsonl_records(path: Path) -> Iterator[tuple[dict[str, Any], Item, str | None]]:
    """(record, item, id) for each line of a JSON Lines item file; errors name the file and line."""
    feed_url = f"file://{path.resolve()}"  # once per file: resolving the path per line cost more than the item
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ReplayInputError(f"{where}: not JSON: {exc.msg}") from None
            if not isinstance(record, dict) or "published" not in record or "title" not in record:
                raise ReplayInputError(f"{where}: an item needs at least `published` and `title`")
            record_id = str(record["id"]) if record.get("id") is not None else None
            item = parse.make_item(
                guid=record_id, title=str(record.get("title") or ""), summary=str(record.get("summary") or ""),
                link=record.get("link"), published=parse_time(record["published"], where),
                source=str(record.get("source") or path.name), feed_url=feed_url,
            )
            yield record, item, record_id


def _jsonl_items(path: Path) -> Iterator[tuple[Item, str | None]]:
    for _, item, record_id in jsonl_records(path):
        yield item, record_id


def _feed_items(path: Path) -> Iterator[tuple[Item, str | None]]:
    fetched_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    try:
        parsed = parse.parse_feed(path.read_bytes(), feed_url=f"file://{path.resolve()}", source=None,
                                  fetched_at=fetched_at)
    except parse.ParseError as exc:
        raise ReplayInputError(f"{path}: {exc}") from None
    for item in parsed.items:
        yield item, item.guid


def read_inputs(paths: list[Path]) -> list[tuple[Item, str | None]]:
    """Every item of every input, sorted by published time (stable for equal times)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and (p.suffix in FEED_SUFFIXES
                                                                          or p.suffix == ".jsonl"))
        elif path.exists():
            files.append(path)
        else:
            raise ReplayInputError(f"{path}: no such file or folder")
    items: list[tuple[Item, str | None]] = []
    for file in files:
        items += list(_jsonl_items(file) if file.suffix in {".jsonl", ".json", ".ndjson"} else _feed_items(file))
    return sorted(items, key=lambda pair: pair[0].published)


def item_record(item: Item, record_id: str | None, outcome: ItemOutcome | None) -> dict[str, Any]:
    reading = outcome.reading if outcome else None
    return {
        "type": "item",
        "id": record_id or item.key,
        "title": item.title,
        "relevant": bool(reading and reading.relevant),
        "event_type": reading.event_type if reading else None,
        "actors": list(reading.actors) if reading else [],
        "places": list(reading.places) if reading else [],
        "killed": dict(reading.killed) if reading else {},
        "injured": dict(reading.injured) if reading else {},
        "event_id": outcome.event_id if outcome else None,
    }


def alert_records(outcome: ItemOutcome) -> list[dict[str, Any]]:
    return [
        {"type": "alert", "kind": draft.kind, "event_id": draft.event_id, "at": draft.created_at.isoformat(),
         "likelihood": draft.payload.get("likelihood"), "window_hours": draft.payload.get("window_hours"),
         "title": draft.title, "text": draft.text}
        for draft in outcome.alerts
    ]


def replay(runtime: Runtime, inputs: list[Path], out: TextIO,
           progress: Callable[[int, int], None] | None = None) -> tuple[int, int]:
    """Replay the inputs, writing records to `out`; returns (items, alerts). `progress` is told (items done,
    items in all) before each item, for a progress bar."""
    count_items = count_alerts = 0
    pending = read_inputs(inputs)
    # A batch of items per transaction, each at its own published time; its records are written once it is
    # stored, so a replay killed mid-batch starts again at that batch.
    for start in range(0, len(pending), BATCH_SIZE):
        batch = pending[start : start + BATCH_SIZE]
        outcomes = process_batch(runtime, [item for item, _ in batch], lambda item: item.published)
        for (item, record_id), outcome in zip(batch, outcomes, strict=True):
            if progress is not None:
                progress(count_items, len(pending))
            records = [item_record(item, record_id, outcome)] + (alert_records(outcome) if outcome else [])
            for record in records:
                out.write(_RECORD(record) + "\n")
            count_items += 1
            count_alerts += len(records) - 1
    return count_items, count_alerts
