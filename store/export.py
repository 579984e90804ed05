"""CDR exports for a BI tool: CSV and Parquet, on demand and once a day.

One row per call (``leg`` 0) and one per agent leg (``leg`` 1, 2...), the columns of
:data:`store.cdr.CALL_COLUMNS`; times are Unix seconds (float). The daily file of a day holds
the calls that *arrived* that day (local day of the given time zone).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq

from store.cdr import BOOL_COLUMNS, CALL_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS, Cdr, rows
from store.store import Store

Format = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "parquet")


def _arrow_type(column: str) -> pa.DataType:
    if column in FLOAT_COLUMNS:
        return pa.float64()
    if column in INT_COLUMNS:
        return pa.int64()
    if column in BOOL_COLUMNS:
        return pa.bool_()
    return pa.string()


SCHEMA = pa.schema([(c, _arrow_type(c)) for c in CALL_COLUMNS])


def to_csv(cdrs: Iterable[Cdr], with_caller: bool = True) -> bytes:
    """CSV (UTF-8, header line, comma-separated) of the CDRs' rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CALL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for cdr in cdrs:
        for row in rows(cdr, with_caller):
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue().encode()


def to_parquet(cdrs: Iterable[Cdr], with_caller: bool = True) -> bytes:
    """Parquet file of the CDRs' rows (typed columns, see :data:`SCHEMA`)."""
    columns: dict[str, list[Any]] = {c: [] for c in CALL_COLUMNS}
    for cdr in cdrs:
        for row in rows(cdr, with_caller):
            for c in CALL_COLUMNS:
                columns[c].append(row[c])
    table = pa.table(columns, schema=SCHEMA)
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def encode(cdrs: Iterable[Cdr], fmt: Format, with_caller: bool = True) -> bytes:
    """The CDRs in ``fmt``."""
    return to_csv(cdrs, with_caller) if fmt == "csv" else to_parquet(cdrs, with_caller)


async def collect(store: Store, start: float, end: float) -> list[Cdr]:
    """CDRs of the calls that arrived in ``[start, end)``."""
    return [cdr async for cdr in store.cdrs(start, end)]


def day_bounds(day: date, zone: ZoneInfo) -> tuple[float, float]:
    """Unix times of the local midnights starting and ending ``day``."""
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start.timestamp(), end.timestamp()


async def export_day(store: Store, day: date, folder: Path, zone: ZoneInfo) -> list[Path]:
    """Write ``cdr-YYYY-MM-DD.csv`` and ``.parquet`` for ``day`` into ``folder``."""
    start, end = day_bounds(day, zone)
    cdrs = await collect(store, start, end)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in FORMATS:
        path = folder / f"cdr-{day.isoformat()}.{fmt}"
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(encode(cdrs, fmt))
        tmp.replace(path)  # readers never see a half-written file
        paths.append(path)
    return paths
