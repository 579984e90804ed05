"""Every Redis key accueil uses, and nothing else names one (arq's habit).

All keys share :data:`PREFIX`, so one Redis database can be inspected (``SCAN MATCH
accueil:*``) or emptied without touching anyone else's keys.
"""

from __future__ import annotations

from typing import Final

PREFIX: Final = "accueil:"

#: Stream of every call and agent record (``queues.records``), in the order they happened.
#: Each entry has one field, ``r``: the record as JSON (``records.to_dict``).
EVENTS: Final = PREFIX + "events"
#: Prefix of one call detail record (a JSON string) per Call-ID; expires with retention.
CDR_PREFIX: Final = PREFIX + "cdr:"
#: Sorted set of Call-IDs scored by arrival time: the CDR index used by exports.
CDR_INDEX: Final = PREFIX + "cdr-index"
#: Set of Call-IDs whose CDR is still open (the call is not over).
CDR_OPEN: Final = PREFIX + "cdr-open"
#: Prefix of a marker set with each written batch, so a retried batch is not written twice.
BATCH_PREFIX: Final = PREFIX + "batch:"
#: Prefix of the KPI counters of one interval: a hash, field = queue or ``*`` (overall).
COUNTERS_PREFIX: Final = PREFIX + "kpi:"
#: Sorted set of the interval indexes that have counters, per interval length.
COUNTERS_INDEX_PREFIX: Final = PREFIX + "kpi-index:"
#: Hash of the live state: ``queues``, ``agents``, ``file0``, ``updated_at`` (JSON values).
LIVE: Final = PREFIX + "live"
#: The ACD snapshot (JSON), for a restart that carries on where the engine stopped.
SNAPSHOT: Final = PREFIX + "snapshot"
#: The file 0 activations (JSON of ``ivr.file0.File0.to_dict``).
FILE0: Final = PREFIX + "file0"
#: Hash: file 0 activation id -> time of the first call redirected to it (GVS01).
FILE0_FIRST: Final = PREFIX + "file0-first"
#: Stream of audited actions (who, when, what, why).
AUDIT: Final = PREFIX + "audit"
#: Prefix of one day's availability bitmap: bit ``m`` set = the engine was up in minute ``m``.
UPTIME_PREFIX: Final = PREFIX + "up:"
#: Pub/sub channel announcing each written batch (other processes follow the live state).
FEED_CHANNEL: Final = PREFIX + "feed"


def cdr(call_id: str) -> str:
    """Key of the call detail record of ``call_id``."""
    return CDR_PREFIX + call_id


def batch(batch_id: str) -> str:
    """Key of the marker of a written batch."""
    return BATCH_PREFIX + batch_id


def counters(interval_s: float, index: int) -> str:
    """Key of the counters of interval ``index`` (intervals of ``interval_s`` seconds)."""
    return f"{COUNTERS_PREFIX}{interval_s:g}:{index}"


def counters_index(interval_s: float) -> str:
    """Key of the index of intervals that have counters."""
    return f"{COUNTERS_INDEX_PREFIX}{interval_s:g}"


def uptime(day: int) -> str:
    """Key of the availability bitmap of day ``day`` (days since the Unix epoch, UTC)."""
    return f"{UPTIME_PREFIX}{day}"
