"""Call recording: both directions of a bridged call in one stereo WAV, and its retention.

A recording is 8 kHz, 16-bit linear PCM, two channels: left = the caller (what the caller
sent), right = the agent. The two channels are kept in step by construction: the tap of the
bridge (:class:`live.listen.Tap`) hands :meth:`Recording.add` exactly one 20 ms frame per side
on every tick of its clock, silence for a side that sent nothing in that period, so a lost
packet, a hold or a one-sided silence never shifts one channel against the other.

Nothing is written on the event loop. A recording keeps the G.711 bytes of each side (one
byte per sample) and every :data:`CHUNK_TICKS` ticks (5 s) hands a chunk to the one writer
thread (:class:`RecordingWriter`), which decodes, interleaves and appends it, then rewrites
the header's two sizes, so a crash leaves a valid WAV up to the last chunk. Per minute of
call: 1.92 MB of WAV (8,000 × 2 bytes × 2 channels × 60).

Files are ``<dir>/<YYYY-MM-DD>/<HHMMSS>_<queue>_<Call-ID>.wav`` (UTC, names sanitised);
:func:`sweep` deletes the ones older than the retention (by modification time).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import re
import struct
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from monitoring.engine import RecordingMeta
from sip import g711

__all__ = ["CHUNK_TICKS", "FRAME", "Recording", "RecordingWriter",
           "WavFile", "decode", "interleave", "recording_path", "sweep"]

log = logging.getLogger("accueil.recording")

SAMPLE_RATE = 8000
FRAME = 160
"""Samples (and G.711 bytes) per 20 ms frame."""
CHUNK_TICKS = 250
"""Ticks (20 ms) buffered before a chunk goes to the writer thread: 5 s, 160 kB of WAV."""
_HEADER = struct.Struct("<4sI4s4sIHHIIHH4sI")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(text: str, limit: int = 80) -> str:
    cleaned = _UNSAFE.sub("_", text).strip("._") or "x"
    return cleaned[:limit]


def recording_path(folder: Path, at: float, queue: str, call_id: str) -> Path:
    """Where the recording of ``call_id`` starting at ``at`` (Unix s) goes."""
    when = datetime.fromtimestamp(at, UTC)
    return (folder / when.strftime("%Y-%m-%d")
            / f"{when.strftime('%H%M%S')}_{_safe(queue, 40)}_{_safe(call_id)}.wav")


def decode(data: bytes, codec: str) -> bytes:
    """G.711 (``PCMU`` or ``PCMA``) to 16-bit little-endian PCM."""
    return g711.alaw_to_pcm16(data) if codec == "PCMA" else g711.ulaw_to_pcm16(data)


def interleave(left: bytes, right: bytes) -> bytes:
    """Two mono 16-bit PCM streams of the same length as one stereo stream (L R L R...)."""
    if len(left) != len(right) or len(left) % 2:
        raise ValueError("the two channels must have the same even length")
    out = bytearray(2 * len(left))
    out[0::4] = left[0::2]
    out[1::4] = left[1::2]
    out[2::4] = right[0::2]
    out[3::4] = right[1::2]
    return bytes(out)


class WavFile:
    """A stereo 8 kHz 16-bit WAV being appended to (used on the writer thread only)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.data_bytes = 0
        self._file: BinaryIO | None = path.open("wb")
        self._file.write(self._header())

    def _header(self) -> bytes:
        channels, width = 2, 2
        return _HEADER.pack(b"RIFF", 36 + self.data_bytes, b"WAVE", b"fmt ", 16, 1, channels,
                            SAMPLE_RATE, SAMPLE_RATE * channels * width, channels * width,
                            8 * width, b"data", self.data_bytes)

    def append(self, stereo: bytes) -> None:
        """Append interleaved samples and make the header tell their new total."""
        assert self._file is not None, "closed"
        self._file.write(stereo)
        self.data_bytes += len(stereo)
        self._file.seek(0)
        self._file.write(self._header())
        self._file.seek(0, 2)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class RecordingWriter:
    """The one thread every recording's file work runs on, in submission order."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="accueil-rec")
        self._pending: set[concurrent.futures.Future[object]] = set()
        self.busy_s = 0.0
        """Time the thread spent writing (for the cost per call)."""

    def submit(self, job: Callable[[], object],
               on_error: Callable[[BaseException], None] | None = None) -> None:
        """Run ``job`` on the writer thread; its error goes to ``on_error`` (else logged)."""
        def timed() -> object:
            start = time.perf_counter()
            try:
                return job()
            finally:
                self.busy_s += time.perf_counter() - start

        future = self._pool.submit(timed)
        self._pending.add(future)

        def done(f: concurrent.futures.Future[object]) -> None:
            self._pending.discard(f)
            exc = f.exception() if not f.cancelled() else None
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                else:
                    log.error("event=recording_io_failed reason=%r", str(exc))

        future.add_done_callback(done)

    async def drain(self) -> None:
        """Wait (without blocking the loop) until every job submitted so far has run."""
        pending = list(self._pending)
        if pending:
            await asyncio.wait([asyncio.wrap_future(f) for f in pending])

    async def aclose(self) -> None:
        """Finish the queued jobs, then stop the thread."""
        await self.drain()
        self._pool.shutdown(wait=True)


class Recording:
    """One bridged call being recorded; frames come in on the event loop, in step."""

    def __init__(self, writer: RecordingWriter, path: Path, call_id: str, queue: str,
                 caller_codec: str, agent_codec: str, started_at: float) -> None:
        self.writer = writer
        self.path = path
        self.call_id = call_id
        self.queue = queue
        self.codecs = (caller_codec, agent_codec)
        self.started_at = started_at
        self.ended_at: float | None = None
        self.ticks = 0
        self.failed: str | None = None
        self._left = bytearray()
        self._right = bytearray()
        self._wav: WavFile | None = None
        self._written = 0
        writer.submit(self._open, self._error)

    def _open(self) -> None:
        self._wav = WavFile(self.path)

    def _error(self, exc: BaseException) -> None:
        if self.failed is None:
            self.failed = str(exc)
            log.error("event=recording_failed call=%s path=%s reason=%r", self.call_id,
                      self.path, self.failed)

    def add(self, caller: bytes, agent: bytes) -> None:
        """One tick: the caller's and the agent's G.711 frame (same number of samples)."""
        if self.ended_at is not None:
            return
        self._left += caller
        self._right += agent
        self.ticks += 1
        if len(self._left) >= CHUNK_TICKS * FRAME:
            self._flush()

    def _flush(self) -> None:
        if not self._left:
            return
        left, right = bytes(self._left), bytes(self._right)
        self._left.clear()
        self._right.clear()
        codecs = self.codecs

        def write() -> None:
            if self._wav is None or self.failed is not None:
                return
            stereo = interleave(decode(left, codecs[0]), decode(right, codecs[1]))
            self._wav.append(stereo)
            self._written = 44 + self._wav.data_bytes

        self.writer.submit(write, self._error)

    def close(self, now: float) -> None:
        """The bridge ended: write what is buffered and finish the file."""
        if self.ended_at is not None:
            return
        self._flush()
        self.ended_at = now

        def finish() -> None:
            if self._wav is not None:
                self._wav.close()

        self.writer.submit(finish, self._error)

    def info(self) -> RecordingMeta:
        """What is known now (``bytes``: what the writer thread has written so far)."""
        return RecordingMeta(self.call_id, self.queue, str(self.path), self.started_at,
                             self.ended_at, self.ticks * FRAME / SAMPLE_RATE, self._written,
                             self.failed)


def sweep(folder: Path, retention_days: float, now: float) -> list[Path]:
    """Delete the WAV files under ``folder`` last modified more than ``retention_days`` ago
    (and the day folders left empty); the files deleted. Blocking: run it on the writer."""
    if not folder.is_dir():
        return []
    limit = now - retention_days * 86_400
    deleted = []
    for path in sorted(folder.rglob("*.wav")):
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                deleted.append(path)
        except OSError as exc:
            log.warning("event=recording_not_deleted path=%s reason=%r", path, str(exc))
    for day in sorted({p.parent for p in deleted}, reverse=True):
        if day != folder:
            with contextlib.suppress(OSError):  # not empty: a recording of that day is kept
                day.rmdir()
    return deleted
