"""The track record: how the warnings sent so far turned out, per rule, and the expected events that came
with no warning standing."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.model import MISS


@dataclass(frozen=True, slots=True)
class Missed:
    """A miss (`model.MISS`) and the silent forecasts before it: when each trigger came, what it was, and why
    it sent no warning."""

    kind: str
    title: str
    at: datetime
    after: tuple[tuple[datetime, str, str], ...] = ()  # (trigger's start, trigger's title, why it stayed silent)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A sent warning and what became of it."""

    rule: str
    likelihood: float
    state: str  # open | confirmed | expired
    lead_hours: float | None


CALIBRATION_BINS = ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))


def track_record(outcomes: Sequence[Outcome], misses: Sequence[Missed]) -> str:
    """Per rule: warnings, confirmed, expired, open, Brier score, calibration and median lead time; then
    the expected events that came with no warning, each with the triggers before it and why they stayed silent."""
    lines = []
    rules = sorted({o.rule for o in outcomes})
    if not rules:
        lines.append("no warnings yet")
    for rule in rules:
        mine = [o for o in outcomes if o.rule == rule]
        done = [o for o in mine if o.state != "open"]
        confirmed = [o for o in done if o.state == "confirmed"]
        lines.append(f"rule {rule}: {len(mine)} warnings, {len(confirmed)} confirmed, "
                     f"{sum(o.state == 'expired' for o in mine)} expired, {sum(o.state == 'open' for o in mine)} open")
        if done:
            brier = sum((o.likelihood - (o.state == "confirmed")) ** 2 for o in done) / len(done)
            lines.append(f"  Brier score {brier:.3f} over {len(done)} resolved warnings (0 is perfect, 0.25 is a coin)")
            lines.append("  calibration: likelihood  warnings  confirmed")
            for low, high in CALIBRATION_BINS:
                in_bin = [o for o in done if low <= o.likelihood < high]
                if in_bin:
                    rate = sum(o.state == "confirmed" for o in in_bin) / len(in_bin)
                    lines.append(f"    {low:.0%}-{min(high, 1):.0%}  {len(in_bin):>8}  {rate:>9.0%}")
        leads = sorted(o.lead_hours for o in confirmed if o.lead_hours is not None)
        if leads:
            lines.append(f"  median lead time {statistics.median(leads):.1f} h "
                         f"(from {leads[0]:.1f} to {leads[-1]:.1f} h)")
    lines.append(f"misses (expected events with no warning standing): {len(misses)}")
    lines.append(f"  a miss is {MISS}")
    for miss in misses:
        lines.append(f"  {miss.at:%Y-%m-%d %H:%M} {miss.kind}: {miss.title[:100]}")
        for start, trigger, why in miss.after:
            lines.append(f"    after {start:%Y-%m-%d %H:%M} {trigger[:70]}: {why}")
    return "\n".join(lines)
