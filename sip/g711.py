"""G.711 μ-law (PCMU) and A-law (PCMA) codecs, by precomputed tables.

Everything here works on whole buffers and is computed once at import: two 256-entry
decode tables, two 65,536-entry encode tables (indexed by the 16-bit sample seen as
unsigned), and the two ``bytes.translate`` tables that transcode PCMU↔PCMA in one C call.
Linear PCM is 16-bit signed little-endian (the WAV byte order), whatever the host's order.

The tables follow the reference ITU-T G.711 algorithm as published in Sun's public-domain
``g711.c`` (μ-law on 14 bits with a bias of 33, A-law on 13 bits, even bits inverted), so
``decode(encode(x))`` stays within half a quantisation step of ``x`` and the transcoding
tables are exactly ``encode_other(decode(byte))``.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Callable

__all__ = [
    "ALAW_SILENCE",
    "ALAW_TO_ULAW",
    "ULAW_SILENCE",
    "ULAW_TO_ALAW",
    "alaw_decode_sample",
    "alaw_encode_sample",
    "alaw_to_pcm16",
    "alaw_to_ulaw",
    "pcm16_to_alaw",
    "pcm16_to_ulaw",
    "ulaw_decode_sample",
    "ulaw_encode_sample",
    "ulaw_to_alaw",
    "ulaw_to_pcm16",
]

#: The byte of a zero sample: what a silent frame is filled with.
ULAW_SILENCE = 0xFF
ALAW_SILENCE = 0xD5

_ULAW_SEG_END = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_ALAW_SEG_END = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)
_ULAW_BIAS = 0x84
_ULAW_CLIP = 8159


def _segment(value: int, ends: tuple[int, ...]) -> int:
    for seg, end in enumerate(ends):
        if value <= end:
            return seg
    return len(ends)


def ulaw_encode_sample(sample: int) -> int:
    """The μ-law byte of one 16-bit linear sample (G.711, 14-bit magnitude, clipped)."""
    pcm = sample >> 2
    if pcm < 0:
        pcm, mask = -pcm, 0x7F
    else:
        mask = 0xFF
    pcm = min(pcm, _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    seg = _segment(pcm, _ULAW_SEG_END)
    if seg >= 8:  # pragma: no cover - unreachable after clipping, kept from the reference
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0F)) ^ mask


def ulaw_decode_sample(byte: int) -> int:
    """The 16-bit linear value of one μ-law byte."""
    u = ~byte & 0xFF
    magnitude = ((((u & 0x0F) << 3) + _ULAW_BIAS) << ((u & 0x70) >> 4)) - _ULAW_BIAS
    return -magnitude if u & 0x80 else magnitude


def alaw_encode_sample(sample: int) -> int:
    """The A-law byte of one 16-bit linear sample (G.711, 13-bit magnitude, clipped)."""
    pcm = sample >> 3
    if pcm >= 0:
        mask = 0xD5
    else:
        mask, pcm = 0x55, -pcm - 1
    seg = _segment(pcm, _ALAW_SEG_END)
    if seg >= 8:
        return 0x7F ^ mask
    mantissa = (pcm >> 1) & 0x0F if seg < 2 else (pcm >> seg) & 0x0F
    return ((seg << 4) | mantissa) ^ mask


def alaw_decode_sample(byte: int) -> int:
    """The 16-bit linear value of one A-law byte."""
    a = byte ^ 0x55
    value = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        value += 8
    else:
        value = (value + 0x108) << (seg - 1)
    return value if a & 0x80 else -value


def _decode_tables(decode: list[int]) -> tuple[bytes, bytes]:
    """Translate tables giving the low and the high byte of each code's linear value."""
    raw = array("h", decode)
    if sys.byteorder == "big":
        raw.byteswap()
    data = raw.tobytes()
    return data[0::2], data[1::2]


def _encode_table(encode: Callable[[int], int], shift: int) -> bytes:
    """The 65,536-entry table indexed by the sample seen as unsigned 16-bit.

    The codes depend on ``sample >> shift`` only, so each of the ``65536 >> shift`` distinct
    codes is computed once and spread over its ``1 << shift`` neighbours by slicing.
    """
    step = 1 << shift
    coarse = bytes(
        encode((c << shift) - 65536 if c << shift >= 32768 else c << shift)
        for c in range(65536 >> shift)
    )
    table = bytearray(65536)
    for offset in range(step):
        table[offset::step] = coarse
    return bytes(table)


_ULAW_DECODED = [ulaw_decode_sample(b) for b in range(256)]
_ALAW_DECODED = [alaw_decode_sample(b) for b in range(256)]
_ULAW_LOW, _ULAW_HIGH = _decode_tables(_ULAW_DECODED)
_ALAW_LOW, _ALAW_HIGH = _decode_tables(_ALAW_DECODED)
_ULAW_ENCODE = _encode_table(ulaw_encode_sample, 2)
_ALAW_ENCODE = _encode_table(alaw_encode_sample, 3)

#: ``pcmu.translate(ULAW_TO_ALAW)`` is the A-law of the same signal (encode ∘ decode).
ULAW_TO_ALAW = bytes(_ALAW_ENCODE[s & 0xFFFF] for s in _ULAW_DECODED)
#: ``pcma.translate(ALAW_TO_ULAW)`` is the μ-law of the same signal (encode ∘ decode).
ALAW_TO_ULAW = bytes(_ULAW_ENCODE[s & 0xFFFF] for s in _ALAW_DECODED)


def ulaw_to_alaw(data: bytes) -> bytes:
    """Transcode a PCMU payload to PCMA (one ``bytes.translate``)."""
    return data.translate(ULAW_TO_ALAW)


def alaw_to_ulaw(data: bytes) -> bytes:
    """Transcode a PCMA payload to PCMU (one ``bytes.translate``)."""
    return data.translate(ALAW_TO_ULAW)


def _decode(data: bytes, low: bytes, high: bytes) -> bytes:
    out = bytearray(2 * len(data))
    out[0::2] = data.translate(low)
    out[1::2] = data.translate(high)
    return bytes(out)


def _encode(pcm: bytes, table: bytes) -> bytes:
    if len(pcm) % 2:
        raise ValueError(f"16-bit PCM must have an even number of bytes, got {len(pcm)}")
    samples = array("H")
    samples.frombytes(pcm)
    if sys.byteorder == "big":
        samples.byteswap()
    return bytes(map(table.__getitem__, samples))


def ulaw_to_pcm16(data: bytes) -> bytes:
    """Decode μ-law bytes to 16-bit signed little-endian PCM."""
    return _decode(data, _ULAW_LOW, _ULAW_HIGH)


def alaw_to_pcm16(data: bytes) -> bytes:
    """Decode A-law bytes to 16-bit signed little-endian PCM."""
    return _decode(data, _ALAW_LOW, _ALAW_HIGH)


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    """Encode 16-bit signed little-endian PCM to μ-law (``ValueError`` on an odd length)."""
    return _encode(pcm, _ULAW_ENCODE)


def pcm16_to_alaw(pcm: bytes) -> bytes:
    """Encode 16-bit signed little-endian PCM to A-law (``ValueError`` on an odd length)."""
    return _encode(pcm, _ALAW_ENCODE)
