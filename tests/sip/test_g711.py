"""G.711: ITU table values, round-trip error bounds, transcoding = decode then encode."""

from __future__ import annotations

import struct

import pytest

from sip import g711

# Decoder outputs of ITU-T G.711 (the table of Sun's reference g711.c, 16-bit scale).
ULAW_VALUES = [(0x00, -32124), (0x01, -31100), (0x0F, -16764), (0x10, -15996), (0x7E, -8),
               (0x7F, 0), (0x80, 32124), (0x8F, 16764), (0xFE, 8), (0xFF, 0)]
ALAW_VALUES = [(0x00, -5504), (0x01, -5248), (0x2A, -32256), (0x55, -8), (0x80, 5504),
               (0xAA, 32256), (0xD5, 8)]


@pytest.mark.parametrize(("code", "value"), ULAW_VALUES)
def test_ulaw_decodes_to_the_itu_values(code: int, value: int) -> None:
    assert g711.ulaw_decode_sample(code) == value
    assert g711.ulaw_to_pcm16(bytes((code,))) == struct.pack("<h", value)


@pytest.mark.parametrize(("code", "value"), ALAW_VALUES)
def test_alaw_decodes_to_the_itu_values(code: int, value: int) -> None:
    assert g711.alaw_decode_sample(code) == value
    assert g711.alaw_to_pcm16(bytes((code,))) == struct.pack("<h", value)


@pytest.mark.parametrize(("sample", "ulaw", "alaw"), [
    (0, 0xFF, 0xD5), (-1, 0x7E, 0x55), (-4, 0x7E, 0x55), (32767, 0x80, 0xAA), (-32768, 0x00, 0x2A),
    (8, 0xFE, 0xD5), (1000, 0xCE, 0xFA), (-1000, 0x4E, 0x7A),
])
def test_encoding_known_samples(sample: int, ulaw: int, alaw: int) -> None:
    assert g711.ulaw_encode_sample(sample) == ulaw
    assert g711.alaw_encode_sample(sample) == alaw
    pcm = struct.pack("<h", sample)
    assert g711.pcm16_to_ulaw(pcm) == bytes((ulaw,))
    assert g711.pcm16_to_alaw(pcm) == bytes((alaw,))


def test_silence_bytes_decode_to_near_zero() -> None:
    assert g711.ulaw_decode_sample(g711.ULAW_SILENCE) == 0
    assert abs(g711.alaw_decode_sample(g711.ALAW_SILENCE)) == 8  # A-law has no zero


def _all_samples() -> bytes:
    return struct.pack("<65536h", *range(-32768, 32768))


def test_round_trip_error_is_within_half_a_quantisation_step() -> None:
    """Every 16-bit sample comes back within half a step of its code's segment.

    μ-law first drops the 2 low bits (14-bit input), hence up to 3 more.
    """
    pcm = _all_samples()
    ulaw, alaw = g711.pcm16_to_ulaw(pcm), g711.pcm16_to_alaw(pcm)
    back_u = struct.unpack("<65536h", g711.ulaw_to_pcm16(ulaw))
    back_a = struct.unpack("<65536h", g711.alaw_to_pcm16(alaw))
    for i, x in enumerate(range(-32768, 32768)):
        u_step = 8 << ((~ulaw[i] >> 4) & 7)
        a_step = 16 << max(((alaw[i] ^ 0x55) >> 4 & 7) - 1, 0)
        if abs(x) <= 32124:
            assert abs(back_u[i] - x) <= u_step // 2 + 3, x
        if abs(x) <= 32256:
            assert abs(back_a[i] - x) <= a_step // 2, x
    # beyond the largest level, both laws clip to it
    assert back_u[0] == -32124 and back_u[-1] == 32124
    assert back_a[0] == -32256 and back_a[-1] == 32256


def test_buffer_functions_match_the_sample_functions() -> None:
    pcm = _all_samples()
    samples = range(-32768, 32768)
    assert g711.pcm16_to_ulaw(pcm) == bytes(g711.ulaw_encode_sample(s) for s in samples)
    assert g711.pcm16_to_alaw(pcm) == bytes(g711.alaw_encode_sample(s) for s in samples)
    codes = bytes(range(256))
    assert g711.ulaw_to_pcm16(codes) == struct.pack(
        "<256h", *(g711.ulaw_decode_sample(c) for c in codes))
    assert g711.alaw_to_pcm16(codes) == struct.pack(
        "<256h", *(g711.alaw_decode_sample(c) for c in codes))


def test_decoding_then_encoding_gives_the_same_value() -> None:
    codes = bytes(range(256))
    for decode, encode in ((g711.ulaw_to_pcm16, g711.pcm16_to_ulaw),
                           (g711.alaw_to_pcm16, g711.pcm16_to_alaw)):
        once = decode(codes)
        assert decode(encode(once)) == once


def test_transcoding_tables_are_decode_then_encode() -> None:
    codes = bytes(range(256))
    assert g711.ulaw_to_alaw(codes) == g711.pcm16_to_alaw(g711.ulaw_to_pcm16(codes))
    assert g711.alaw_to_ulaw(codes) == g711.pcm16_to_ulaw(g711.alaw_to_pcm16(codes))
    assert g711.ulaw_to_alaw(codes) == codes.translate(g711.ULAW_TO_ALAW)
    assert len(g711.ULAW_TO_ALAW) == len(g711.ALAW_TO_ULAW) == 256


def test_transcoding_there_and_back_stays_close() -> None:
    codes = bytes(range(256))
    for there, back, decode in ((g711.ulaw_to_alaw, g711.alaw_to_ulaw, g711.ulaw_decode_sample),
                                (g711.alaw_to_ulaw, g711.ulaw_to_alaw, g711.alaw_decode_sample)):
        for code, again in zip(codes, back(there(codes)), strict=True):
            original, result = decode(code), decode(again)
            assert abs(result - original) <= max(16, abs(original) // 16), code


def test_silence_transcodes_to_silence() -> None:
    assert g711.ulaw_to_alaw(bytes((g711.ULAW_SILENCE,))) == bytes((g711.ALAW_SILENCE,))
    assert g711.alaw_to_ulaw(bytes((g711.ALAW_SILENCE,))) == bytes((0xFE,))  # +8, not 0


def test_odd_pcm_length_is_refused() -> None:
    with pytest.raises(ValueError, match="even number of bytes"):
        g711.pcm16_to_ulaw(b"\x00\x01\x02")


def test_empty_buffers() -> None:
    assert g711.pcm16_to_alaw(b"") == b"" == g711.ulaw_to_pcm16(b"")
