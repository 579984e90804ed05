"""Times in query strings: Unix seconds, or ISO 8601 (a date alone is its local midnight)."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def parse_time(text: str, zone: ZoneInfo) -> float:
    """Unix time of ``text``; naive ISO times are local to ``zone``. ``ValueError`` if bad."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(value) or abs(value) > 1e11:
            raise ValueError(f"time {text!r} out of range")
        return value
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(), zone)
        else:
            moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        return moment.timestamp()
    except (ValueError, OverflowError, OSError):
        raise ValueError(
            f"time {text!r}: give Unix seconds or ISO 8601 (2025-03-03 or 2025-03-03T08:00)"
        ) from None
