"""Prompts: WAV files and synthesized text, turned once at load into 20 ms G.711 frames.

A :class:`Prompt` holds the same audio as PCMU and as PCMA frames of 160 bytes (20 ms at
8 kHz), so playing it costs the media clock nothing but picking the next ``bytes``.

* :func:`load_wav` reads 8 kHz μ-law/A-law WAVs as they are, and 8/16-bit linear PCM at any
  rate and channel count: mixed down to mono, resampled to 8 kHz, encoded once.
* :func:`synthesize` speaks a text with ``espeak-ng`` (``-v fr``, ``-v en``...) into a cache
  directory, keyed by a hash of (text, voice, options, engine version, converter version),
  so a prompt is synthesized once and reused across runs.
* :func:`resample` is a windowed-sinc (Kaiser, β = 8.6, 16 zero crossings a side) band-limited
  interpolator. Measured for 22,050 → 8,000 Hz (espeak-ng's rate): flat to 3 kHz, -0.9 dB at
  3.4 kHz (the top of the telephone band), -3.8 dB at 3.6 kHz; of what lies above 4 kHz and
  would alias, 4.1 kHz is down 34 dB, 4.2 kHz 49 dB, 4.4 kHz and up more than 100 dB.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import random
import shutil
import struct
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sip import g711

__all__ = [
    "FRAME_BYTES",
    "SAMPLE_RATE",
    "AudioError",
    "Prompt",
    "SynthesisUnavailable",
    "comfort_noise",
    "load_text",
    "load_wav",
    "prompt_from_pcm16",
    "resample",
    "silence_frame",
    "synthesize",
    "synthesize_async",
]

SAMPLE_RATE = 8000
FRAME_BYTES = 160  # 20 ms of G.711 at 8 kHz
#: Bumped whenever the conversion of synthesized audio changes, to invalidate the cache.
CONVERTER_VERSION = 1
_FORMAT_PCM, _FORMAT_ALAW, _FORMAT_ULAW, _FORMAT_EXTENSIBLE = 1, 6, 7, 0xFFFE
_SILENCE = {"PCMU": g711.ULAW_SILENCE, "PCMA": g711.ALAW_SILENCE}

Samples = npt.NDArray[np.float64]


class AudioError(Exception):
    """A prompt cannot be loaded or synthesized; the message names the file or text."""


class SynthesisUnavailable(AudioError):
    """The text-to-speech engine is not installed."""


@dataclass(frozen=True)
class Prompt:
    """One prompt as 20 ms frames in both G.711 laws (same audio, same frame count)."""

    name: str
    """Where it came from (file path or the text), for logs."""
    pcmu: tuple[bytes, ...]
    """μ-law frames of :data:`FRAME_BYTES` each."""
    pcma: tuple[bytes, ...]
    """A-law frames of :data:`FRAME_BYTES` each."""

    def frames_for(self, codec: str) -> tuple[bytes, ...]:
        """The frames for a leg's codec (``"PCMU"`` or ``"PCMA"``)."""
        if codec == "PCMU":
            return self.pcmu
        if codec == "PCMA":
            return self.pcma
        raise ValueError(f"no frames for codec {codec!r}")

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.pcmu) * FRAME_BYTES / SAMPLE_RATE

    def __len__(self) -> int:
        return len(self.pcmu)


def silence_frame(codec: str) -> bytes:
    """One 20 ms frame of digital silence in ``codec``."""
    return bytes((_SILENCE[codec],)) * FRAME_BYTES


def comfort_noise(codec: str, frames: int = 50, level_dbov: float = -65.0,
                  seed: int = 0) -> tuple[bytes, ...]:
    """Low-level white noise frames, sent instead of digital silence so the line sounds alive."""
    rng = random.Random(seed)
    sigma = 32768 * 10 ** (level_dbov / 20)
    pcm = struct.pack(f"<{frames * FRAME_BYTES}h",
                      *(round(rng.gauss(0, sigma)) for _ in range(frames * FRAME_BYTES)))
    encoded = g711.pcm16_to_ulaw(pcm) if codec == "PCMU" else g711.pcm16_to_alaw(pcm)
    return _split(encoded, _SILENCE[codec])


def _split(data: bytes, pad: int) -> tuple[bytes, ...]:
    """Cut into frames, the last one padded with the codec's silence."""
    tail = -len(data) % FRAME_BYTES
    data += bytes((pad,)) * tail
    return tuple(data[i:i + FRAME_BYTES] for i in range(0, len(data), FRAME_BYTES))


def _from_ulaw(name: str, data: bytes) -> Prompt:
    pcmu = _split(data, g711.ULAW_SILENCE)
    return Prompt(name, pcmu, tuple(g711.ulaw_to_alaw(f) for f in pcmu))


def _from_alaw(name: str, data: bytes) -> Prompt:
    pcma = _split(data, g711.ALAW_SILENCE)
    return Prompt(name, tuple(g711.alaw_to_ulaw(f) for f in pcma), pcma)


# ------------------------------------------------------------------------------ resampling

def _phase_weights(up: int, half: int, cutoff: float, beta: float) -> Samples:
    """One row of normalised taps per fractional position ``p / up`` (polyphase table)."""
    dist = (np.arange(up) / up)[:, None] - np.arange(-half + 1, half + 1)[None, :]
    window = np.i0(beta * np.sqrt(np.clip(1 - (dist / half) ** 2, 0, 1))) / np.i0(beta)
    weights: Samples = np.sinc(2 * cutoff * dist) * window
    normalised: Samples = weights / weights.sum(axis=1, keepdims=True)
    return normalised


def resample(samples: Samples, rate_in: int, rate_out: int, zeros: int = 16,
             beta: float = 8.6) -> Samples:
    """Band-limited resampling of a mono signal by windowed-sinc interpolation.

    Each output sample is a Kaiser-windowed sinc of ``zeros`` zero crossings a side,
    centred on its exact position in the input; the cut-off sits at 92 % of the lower of the
    two Nyquist frequencies (3.68 kHz going to 8 kHz), and each set of taps is normalised to
    unit sum so a constant stays exactly constant. The ratio is taken as a fraction
    ``up / down`` so the taps are computed once per phase (160 phases for 22,050 → 8,000).
    """
    if rate_in <= 0 or rate_out <= 0:
        raise ValueError("sample rates must be positive")
    if rate_in == rate_out or len(samples) == 0:
        return samples.astype(np.float64)
    common = math.gcd(rate_in, rate_out)
    up, down = rate_out // common, rate_in // common
    cutoff = 0.46 * min(1.0, rate_out / rate_in)  # cycles per input sample
    half = math.ceil(zeros / (2 * cutoff))
    table = _phase_weights(up, half, cutoff, beta)
    padded = np.concatenate([np.zeros(half), samples.astype(np.float64), np.zeros(half + 1)])
    n_out = len(samples) * up // down
    offsets = np.arange(1, 2 * half + 1)  # taps base-half+1 .. base+half, shifted by the pad
    out = np.empty(n_out)
    for start in range(0, n_out, 8192):
        n = np.arange(start, min(start + 8192, n_out), dtype=np.int64)
        base, phase = np.divmod(n * down, up)
        taps = padded[base[:, None] + offsets[None, :]]
        out[start:start + len(n)] = np.einsum("ij,ij->i", taps, table[phase])
    return out


def prompt_from_pcm16(name: str, pcm: bytes, rate: int = SAMPLE_RATE,
                      channels: int = 1) -> Prompt:
    """A prompt from 16-bit little-endian linear PCM: mixed to mono, resampled, encoded."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % (2 * channels)], dtype="<i2")
    return _from_samples(name, samples.reshape(-1, channels).mean(axis=1), rate)


def _from_samples(name: str, samples: Samples, rate: int) -> Prompt:
    if rate != SAMPLE_RATE:
        samples = resample(samples, rate, SAMPLE_RATE)
    pcm = np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()
    pad = bytes(2 * (-(len(pcm) // 2) % FRAME_BYTES))
    pcm += pad
    return Prompt(name, _split(g711.pcm16_to_ulaw(pcm), g711.ULAW_SILENCE),
                  _split(g711.pcm16_to_alaw(pcm), g711.ALAW_SILENCE))


# ------------------------------------------------------------------------------- WAV files

def _chunks(path: Path, data: bytes) -> dict[bytes, bytes]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"{path}: not a RIFF/WAVE file")
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        cid, size = data[offset:offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        body = data[offset + 8: offset + 8 + size]  # a streamed size (~0) is clamped here
        chunks.setdefault(cid, body)
        offset += 8 + size + (size & 1)
    if b"fmt " not in chunks or b"data" not in chunks:
        raise AudioError(f"{path}: WAV without a fmt or data chunk")
    return chunks


def load_wav(path: str | os.PathLike[str]) -> Prompt:
    """Load a WAV prompt.

    Accepted: G.711 μ-law (format 7) or A-law (6) at 8 kHz, and linear PCM of 8 or 16 bits
    at any rate, mono or multichannel (also as WAVE_FORMAT_EXTENSIBLE). Anything else
    raises :class:`AudioError` naming the file and what it is.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AudioError(f"{path}: cannot read the prompt ({exc.strerror})") from None
    chunks = _chunks(path, data)
    fmt, audio = chunks[b"fmt "], chunks[b"data"]
    if len(fmt) < 16:
        raise AudioError(f"{path}: fmt chunk too short")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == _FORMAT_EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack_from("<H", fmt, 24)[0]
    if channels < 1 or rate < 1:
        raise AudioError(f"{path}: {channels} channels at {rate} Hz")
    name = str(path)
    if tag in (_FORMAT_ULAW, _FORMAT_ALAW) and bits == 8 and channels == 1 and rate == 8000:
        return _from_ulaw(name, audio) if tag == _FORMAT_ULAW else _from_alaw(name, audio)
    if tag in (_FORMAT_ULAW, _FORMAT_ALAW) and bits == 8:
        decode = g711.ulaw_to_pcm16 if tag == _FORMAT_ULAW else g711.alaw_to_pcm16
        return prompt_from_pcm16(name, decode(audio), rate, channels)
    if tag == _FORMAT_PCM and bits == 16:
        return prompt_from_pcm16(name, audio, rate, channels)
    if tag == _FORMAT_PCM and bits == 8:
        unsigned = np.frombuffer(audio[: len(audio) - len(audio) % channels], dtype=np.uint8)
        mono = ((unsigned.astype(np.float64) - 128) * 256).reshape(-1, channels).mean(axis=1)
        return _from_samples(name, mono, rate)
    raise AudioError(f"{path}: unsupported WAV encoding (format tag {tag}, {bits} bits, "
                     f"{channels} channels, {rate} Hz); use 8 kHz G.711 or 16-bit PCM")


def _write_wav(path: Path, pcm: bytes, rate: int) -> None:
    """Write 16-bit mono PCM atomically (a temporary file renamed into place)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(pcm)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -------------------------------------------------------------------------- text to speech

@cache
def _engine_version(executable: str) -> str:
    found = shutil.which(executable)
    if found is None:
        raise SynthesisUnavailable(
            f"text-to-speech engine {executable!r} not found: install it (Debian: "
            f"apt-get install espeak-ng) or give prompts as WAV files")
    done = subprocess.run([found, "--version"], capture_output=True, text=True, check=False,
                          timeout=30)
    return done.stdout.split("Data at")[0].strip() or "unknown"


def cache_key(text: str, voice: str, options: Sequence[str], version: str) -> str:
    """The cache file stem for a synthesized prompt."""
    blob = json.dumps([text, voice, list(options), version, CONVERTER_VERSION])
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def synthesize(text: str, voice: str, cache_dir: str | os.PathLike[str],
               executable: str = "espeak-ng", options: Sequence[str] = ()) -> Path:
    """Speak ``text`` with ``voice`` (``"fr"``, ``"en"``...) into an 8 kHz 16-bit WAV.

    The WAV lands in ``cache_dir`` under a hash of everything that shapes the sound; when it
    is already there, nothing runs. ``options`` are extra engine arguments (``["-s", "150"]``
    for the speed). Raises :class:`SynthesisUnavailable` if the engine is missing and
    :class:`AudioError` if it fails.
    """
    version = _engine_version(executable)
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{voice}-{cache_key(text, voice, options, version)}.wav"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=folder) as work:
        raw = Path(work) / "engine.wav"
        cmd = [executable, "-v", voice, "-b", "1", "-w", str(raw), *options, "--stdin"]
        try:
            done = subprocess.run(cmd, input=text.encode(), capture_output=True, check=False,
                                  timeout=120)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AudioError(f"{executable} failed on {text[:40]!r}: {exc}") from None
        if done.returncode != 0 or not raw.exists():
            err = done.stderr.decode(errors="replace").strip()
            raise AudioError(f"{executable} -v {voice} failed on {text[:40]!r}: {err}")
        with wave.open(str(raw), "rb") as engine:
            rate, channels = engine.getframerate(), engine.getnchannels()
            pcm = engine.readframes(engine.getnframes())
        samples = np.frombuffer(pcm, dtype="<i2").reshape(-1, channels).mean(axis=1)
        converted = np.clip(np.rint(resample(samples, rate, SAMPLE_RATE)), -32768, 32767)
        _write_wav(target, converted.astype("<i2").tobytes(), SAMPLE_RATE)
    return target


async def synthesize_async(text: str, voice: str, cache_dir: str | os.PathLike[str],
                           executable: str = "espeak-ng", options: Sequence[str] = ()) -> Path:
    """:func:`synthesize` off the event loop (in a worker thread)."""
    return await asyncio.to_thread(synthesize, text, voice, cache_dir, executable, options)


def load_text(text: str, voice: str, cache_dir: str | os.PathLike[str],
              executable: str = "espeak-ng", options: Sequence[str] = ()) -> Prompt:
    """A prompt spoken from text (synthesized once, then read from the cache)."""
    path = synthesize(text, voice, cache_dir, executable, options)
    prompt = load_wav(path)
    return Prompt(text, prompt.pcmu, prompt.pcma)
