"""Shared helpers for the SIP tests: locating the RFC 4475 corpus and exercising messages."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from sip import Request, SipError, StreamFramer, validate
from sip.message import Message

# The corpus lives next to the repository: <repo>/../shared/sip/rfc4475 (override with
# ACCUEIL_RFC4475_DIR, e.g. on a CI runner with a different layout).
CORPUS_DIR = Path(
    os.environ.get(
        "ACCUEIL_RFC4475_DIR",
        Path(__file__).resolve().parents[2] / ".." / "shared" / "sip" / "rfc4475",
    )
).resolve()
CORPUS_AVAILABLE = (CORPUS_DIR / "index.json").is_file()
SKIP_REASON = f"RFC 4475 torture corpus not found at {CORPUS_DIR} (set ACCUEIL_RFC4475_DIR)"

_CODE_RE = re.compile(r"(?<![\d*])([1-6]\d\d)(?!\d)")


def load_index() -> list[dict[str, Any]]:
    """The corpus entries of index.json (empty when the corpus is absent)."""
    if not CORPUS_AVAILABLE:
        return []
    entries: list[dict[str, Any]] = json.loads((CORPUS_DIR / "index.json").read_text())["messages"]
    return entries


def read(entry: dict[str, Any]) -> bytes:
    """The exact octets of a corpus entry."""
    return (CORPUS_DIR / str(entry["file"])).read_bytes()


def read_file(name: str) -> bytes:
    """The octets of a corpus file by relative path."""
    return (CORPUS_DIR / name).read_bytes()


def uas_codes(entry: dict[str, Any]) -> set[int]:
    """Status codes named by ``expected_uas`` and ``acceptable_alternatives``."""
    texts = [entry["expected_uas"], *entry.get("acceptable_alternatives", [])]
    return {int(code) for text in texts for code in _CODE_RE.findall(text)}


def exercise(msg: Message) -> None:
    """Touch every typed view, serialise and validate; only SipError may escape."""
    views = ("via", "top_via", "from_", "to", "call_id", "cseq", "max_forwards")
    for name in (*views, "content_type", "contact", "route", "record_route"):
        with contextlib.suppress(SipError):
            getattr(msg, name)
    if isinstance(msg, Request):
        with contextlib.suppress(SipError):
            msg.request_uri  # noqa: B018
    msg.serialize()
    with contextlib.suppress(SipError):
        validate(msg, supported=())


def run_framer(chunks: list[bytes]) -> tuple[list[Message], SipError | None, int]:
    """Feed ``chunks`` to a fresh framer: (messages, error or None, octets left buffered)."""
    framer = StreamFramer()
    messages: list[Message] = []
    try:
        for chunk in chunks:
            framer.feed(chunk)
            messages.extend(framer)
    except SipError as exc:
        return messages, exc, framer.buffered
    return messages, None, framer.buffered
