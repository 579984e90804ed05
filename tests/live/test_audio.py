"""Prompts: WAV formats, resampling quality, comfort noise, espeak-ng synthesis and its cache."""

from __future__ import annotations

import asyncio
import shutil
import struct
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from live import audio
from live.audio import (
    AudioError,
    Prompt,
    SynthesisUnavailable,
    comfort_noise,
    load_text,
    load_wav,
    prompt_from_pcm16,
    resample,
    silence_frame,
    synthesize,
)
from sip import g711


def riff(fmt: bytes, data: bytes, extra: bytes = b"") -> bytes:
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def fmt_chunk(tag: int, channels: int, rate: int, bits: int) -> bytes:
    align = channels * bits // 8
    return struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)


def write_pcm(path: Path, samples: np.ndarray, rate: int, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return path


def tone(freq: float, rate: int, seconds: float, amplitude: float = 8000) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return amplitude * np.sin(2 * np.pi * freq * t)


def decoded(prompt: Prompt) -> np.ndarray:
    pcm = g711.ulaw_to_pcm16(b"".join(prompt.pcmu))
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def dominant_frequency(samples: np.ndarray, rate: int = 8000) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_ulaw_wav_is_taken_as_is(tmp_path: Path) -> None:
    data = bytes(range(200)) + bytes(200)
    path = tmp_path / "p.wav"
    path.write_bytes(riff(fmt_chunk(7, 1, 8000, 8), data, extra=b"LIST\x04\x00\x00\x00abcd"))
    prompt = load_wav(path)
    assert len(prompt) == 3 and prompt.duration == pytest.approx(0.06)
    assert b"".join(prompt.pcmu) == data + b"\xff" * 80  # padded with μ-law silence
    assert prompt.pcma == tuple(g711.ulaw_to_alaw(f) for f in prompt.pcmu)
    assert prompt.frames_for("PCMA") is prompt.pcma and prompt.name == str(path)


def test_alaw_wav_is_taken_as_is(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(riff(fmt_chunk(6, 1, 8000, 8), b"\x2a" * 320))
    prompt = load_wav(path)
    assert prompt.pcma == (b"\x2a" * 160,) * 2
    assert prompt.pcmu[0] == g711.alaw_to_ulaw(b"\x2a" * 160)


def test_pcm16_at_8khz(tmp_path: Path) -> None:
    samples = tone(1000, 8000, 0.5)
    prompt = load_wav(write_pcm(tmp_path / "t.wav", samples, 8000))
    assert len(prompt) == 25
    assert b"".join(prompt.pcmu) == g711.pcm16_to_ulaw(
        np.rint(samples).astype("<i2").tobytes())
    assert b"".join(prompt.pcma) == g711.pcm16_to_alaw(
        np.rint(samples).astype("<i2").tobytes())


def test_stereo_16khz_is_mixed_and_resampled(tmp_path: Path) -> None:
    left, right = tone(1000, 16000, 0.5), tone(1000, 16000, 0.5, amplitude=4000)
    stereo = np.column_stack([left, right]).ravel()
    prompt = load_wav(write_pcm(tmp_path / "s.wav", stereo, 16000, channels=2))
    assert len(prompt) == 25
    out = decoded(prompt)
    assert dominant_frequency(out) == pytest.approx(1000, abs=20)
    assert np.sqrt(np.mean(out[400:-400] ** 2)) == pytest.approx(6000 / np.sqrt(2), rel=0.03)


def test_extensible_and_8_bit_pcm(tmp_path: Path) -> None:
    ext = fmt_chunk(0xFFFE, 1, 8000, 16) + struct.pack("<HHI", 22, 16, 4) + struct.pack(
        "<H", 1) + bytes(14)
    path = tmp_path / "e.wav"
    path.write_bytes(riff(ext, struct.pack("<160h", *([1000] * 160))))
    assert load_wav(path).pcmu == (bytes((g711.ulaw_encode_sample(1000),)) * 160,)
    path.write_bytes(riff(fmt_chunk(1, 1, 8000, 8), bytes([128 + 10] * 160)))
    assert load_wav(path).pcmu == (bytes((g711.ulaw_encode_sample(2560),)) * 160,)


def test_ulaw_at_another_rate_is_decoded_and_resampled(tmp_path: Path) -> None:
    path = tmp_path / "u16.wav"
    path.write_bytes(riff(fmt_chunk(7, 1, 16000, 8), b"\xff" * 3200))
    assert len(load_wav(path)) == 10


@pytest.mark.parametrize(("content", "message"), [
    (b"not a wav at all", "not a RIFF/WAVE"),
    (riff(fmt_chunk(3, 1, 8000, 32), bytes(64)), "unsupported WAV encoding"),
    (riff(fmt_chunk(1, 1, 8000, 24), bytes(60)), "unsupported WAV encoding"),
    (b"RIFF\x04\x00\x00\x00WAVE", "without a fmt or data"),
    (riff(b"\x01\x00", b""), "fmt chunk too short"),
    (riff(fmt_chunk(1, 0, 8000, 16), b""), "0 channels"),
])
def test_bad_files_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad-prompt.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=message) as caught:
        load_wav(path)
    assert "bad-prompt.wav" in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"missing\.wav: cannot read"):
        load_wav(tmp_path / "missing.wav")


@pytest.mark.parametrize(("freq", "min_db", "max_db"), [
    (300, -0.1, 0.1), (1000, -0.1, 0.1), (3000, -0.2, 0.1), (3400, -1.5, 0.1),
    (4500, -200, -60), (6000, -200, -60), (10000, -200, -60),
])
def test_resampling_22050_to_8000_passes_the_voice_band_and_stops_aliases(
        freq: float, min_db: float, max_db: float) -> None:
    out = resample(tone(freq, 22050, 1.0, amplitude=10000), 22050, 8000)
    assert len(out) == 8000
    gain = 20 * np.log10(np.sqrt(np.mean(out[200:-200] ** 2)) / (10000 / np.sqrt(2)) + 1e-12)
    assert min_db <= gain <= max_db


def test_resampling_keeps_a_constant_and_upsamples() -> None:
    assert np.allclose(resample(np.full(2205, 1234.0), 22050, 8000)[40:-40], 1234.0)
    up = resample(tone(500, 4000, 1.0), 4000, 8000)
    assert len(up) == 8000 and dominant_frequency(up) == pytest.approx(500, abs=5)
    same = np.arange(10.0)
    assert np.array_equal(resample(same, 8000, 8000), same)
    assert len(resample(np.zeros(0), 16000, 8000)) == 0
    with pytest.raises(ValueError):
        resample(same, 0, 8000)


def test_prompt_from_pcm16_and_frame_access() -> None:
    prompt = prompt_from_pcm16("x", bytes(2 * 200), 8000)
    assert len(prompt) == 2 and prompt.pcmu[1] == b"\xff" * 160
    with pytest.raises(ValueError):
        prompt.frames_for("G729")


def test_silence_and_comfort_noise() -> None:
    assert silence_frame("PCMU") == b"\xff" * 160 and silence_frame("PCMA") == b"\xd5" * 160
    noise = comfort_noise("PCMU", frames=50, level_dbov=-60, seed=3)
    assert len(noise) == 50 and {len(f) for f in noise} == {160}
    assert noise == comfort_noise("PCMU", frames=50, level_dbov=-60, seed=3)
    level = np.frombuffer(g711.ulaw_to_pcm16(b"".join(noise)), dtype="<i2").astype(float)
    dbov = 20 * np.log10(np.sqrt(np.mean(level**2)) / 32768)
    assert -63 < dbov < -57
    assert len(set(comfort_noise("PCMA", frames=2))) == 2


# --------------------------------------------------------------------------- espeak-ng

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng not installed (apt-get install espeak-ng)")


@needs_espeak
@pytest.mark.parametrize(("text", "voice"), [
    ("Bonjour, vous êtes bien chez Accueil.", "fr"),
    ("Hello, you have reached Accueil.", "en"),
])
def test_synthesis_to_an_8khz_cached_wav(tmp_path: Path, text: str, voice: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = synthesize(text, voice, tmp_path / "cache")
    assert path.parent == tmp_path / "cache" and path.name.startswith(f"{voice}-")
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        assert wav.getnframes() > 4000
    stamp = path.stat().st_mtime_ns
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left

    def no_engine(*args: object, **kwargs: object) -> None:
        raise AssertionError("the engine ran again instead of using the cache")

    monkeypatch.setattr(subprocess, "run", no_engine)
    assert synthesize(text, voice, tmp_path / "cache") == path
    assert path.stat().st_mtime_ns == stamp
    prompt = load_text(text, voice, tmp_path / "cache")
    assert prompt.name == text and prompt.duration > 0.5
    assert max(abs(s) for s in decoded(prompt)) > 1000  # speech, not silence


@needs_espeak
def test_cache_key_depends_on_text_voice_and_options(tmp_path: Path) -> None:
    paths = {synthesize("Un", "fr", tmp_path), synthesize("Deux", "fr", tmp_path),
             synthesize("Un", "en", tmp_path),
             synthesize("Un", "fr", tmp_path, options=["-s", "120"])}
    assert len(paths) == 4
    key = audio.cache_key("Un", "fr", [], "v1")
    assert key != audio.cache_key("Un", "fr", [], "v2")


@needs_espeak
def test_synthesis_failure_is_an_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="failed"):
        synthesize("Bonjour", "xx-no-such-voice", tmp_path)


@needs_espeak
def test_synthesis_off_the_loop(tmp_path: Path) -> None:
    path = asyncio.run(audio.synthesize_async("Async", "en", tmp_path))
    assert path.exists()


def test_missing_engine_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SynthesisUnavailable, match="apt-get install espeak-ng"):
        synthesize("Bonjour", "fr", tmp_path, executable="no-such-tts-engine")
