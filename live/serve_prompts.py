"""The IVR's prompts as G.711 frames, loaded (or synthesised) once when the server starts.

For each prompt of the tree: its recording if the file exists (under the prompts folder),
else its text spoken by espeak-ng (cached under the data folder, so a restart reads WAVs),
else, with ``silent_fallback``, silence of its ``duration_s``; otherwise the server does not
start and the error names the prompt. Prompts met only at run time (a file 0 text typed by
a supervisor) are loaded on first use, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

from ivr.config import IvrTree
from ivr.config import Prompt as IvrPrompt
from live.audio import (
    FRAME_BYTES,
    SAMPLE_RATE,
    AudioError,
    Prompt,
    load_text,
    load_wav,
    silence_frame,
)

__all__ = ["PromptBank", "PromptError"]

log = logging.getLogger("accueil.serve")

_SILENT_DEFAULT_S = 1.0


class PromptError(Exception):
    """Some prompts cannot be loaded; the message lists them, one a line."""


def silence(name: str, seconds: float) -> Prompt:
    """``seconds`` of digital silence as a prompt."""
    frames = max(1, math.ceil(seconds * SAMPLE_RATE / FRAME_BYTES))
    return Prompt(name, (silence_frame("PCMU"),) * frames, (silence_frame("PCMA"),) * frames)


class PromptBank:
    """Prompt name -> frames; also the music on hold."""

    def __init__(self, prompts_dir: Path, cache_dir: Path,
                 voices: Mapping[str, str] | None = None, silent_fallback: bool = False) -> None:
        self.prompts_dir = prompts_dir
        self.cache_dir = cache_dir
        self.voices = dict(voices or {})
        self.silent_fallback = silent_fallback
        self.music_on_hold: Prompt | None = None
        self._prompts: dict[str, Prompt] = {}
        self._files: dict[Path, Prompt] = {}
        self._loading: dict[str, asyncio.Task[Prompt | None]] = {}

    def get(self, name: str) -> Prompt | None:
        """The frames of a prompt already loaded."""
        return self._prompts.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._prompts

    def __len__(self) -> int:
        return len(self._prompts)

    async def load_tree(self, tree: IvrTree, music_on_hold: Path | None = None) -> None:
        """Load every prompt of ``tree`` not loaded yet (raises :class:`PromptError`)."""
        todo = [p for name, p in tree.prompts.items() if name not in self._prompts]
        results = await asyncio.gather(*(asyncio.to_thread(self._load, p) for p in todo),
                                       return_exceptions=True)
        problems = []
        for prompt, result in zip(todo, results, strict=True):
            if isinstance(result, BaseException):
                problems.append(f"prompt {prompt.name!r}: {result}")
            else:
                self._prompts[prompt.name] = result
        if music_on_hold is not None:
            try:
                self.music_on_hold = await asyncio.to_thread(load_wav, music_on_hold)
            except AudioError as exc:
                problems.append(f"music on hold: {exc}")
        if problems:
            raise PromptError("\n".join(problems))
        log.info("%d prompts ready (%s)", len(self._prompts), self.prompts_dir)

    async def fetch(self, prompt: IvrPrompt) -> Prompt | None:
        """The frames of ``prompt``, loading it now if needed (``None`` if it cannot be)."""
        known = self._prompts.get(prompt.name)
        if known is not None:
            return known
        task = self._loading.get(prompt.name)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch(prompt))
            self._loading[prompt.name] = task
        return await task

    async def _fetch(self, prompt: IvrPrompt) -> Prompt | None:
        try:
            loaded = await asyncio.to_thread(self._load, prompt)
        except AudioError as exc:
            log.error("prompt %r cannot be played: %s", prompt.name, exc)
            return None
        finally:
            self._loading.pop(prompt.name, None)
        self._prompts[prompt.name] = loaded
        return loaded

    def _load(self, prompt: IvrPrompt) -> Prompt:
        """Recording, else text to speech, else silence (if allowed). Runs in a thread."""
        reasons: list[str] = []
        if prompt.file:
            path = Path(prompt.file)
            path = path if path.is_absolute() else self.prompts_dir / path
            if path.exists():
                return self._file(path)
            reasons.append(f"no file {path}")
        if prompt.text:
            voice = self.voices.get(prompt.lang, prompt.lang)
            try:
                return load_text(prompt.text, voice, self.cache_dir)
            except AudioError as exc:
                reasons.append(str(exc))
        if self.silent_fallback:
            log.warning("prompt %r plays as silence: %s", prompt.name,
                        "; ".join(reasons) or "no file and no text")
            return silence(prompt.name, prompt.duration_s or _SILENT_DEFAULT_S)
        raise AudioError("; ".join(reasons) or "neither a file nor a text")

    def _file(self, path: Path) -> Prompt:
        cached = self._files.get(path)
        if cached is None:
            cached = load_wav(path)
            self._files[path] = cached
        return cached

    def names(self) -> Iterable[str]:
        """Names of the prompts loaded."""
        return self._prompts.keys()
