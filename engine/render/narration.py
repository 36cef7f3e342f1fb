"""The voice-over: text in, a WAV of it spoken out, in English or Chinese.

`Narrator` is the port: the engine speaks through it, so a hosted voice can take its place.
`EspeakNarrator` is the offline one: libespeak-ng and its voices come in the `espeakng-loader`
wheel (Mandarin included), driven through ctypes; nothing is downloaded or installed at run
time. eSpeak NG keeps one global state, so one lock serialises its calls; a sentence takes
milliseconds, so callers may hold the lock from a worker thread.
"""

from __future__ import annotations

import ctypes
import tempfile
import threading
import wave
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

VOICES = {"en": "en-us", "zh": "cmn"}  # eSpeak NG's names for the video languages
RATE_WPM = {"en": 165, "zh": 175}  # a little slower than eSpeak's default of 175 for English

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_RATE, _PITCH = 1, 3
_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class NarrationError(RuntimeError):
    """The synthesizer could not speak the text."""


class Narrator(Protocol):
    def speak(self, text: str, language: str, out: Path) -> float:
        """Write `text` spoken in `language` ("en", "zh") to `out` (WAV); its length in s."""
        ...


class EspeakNarrator:
    """eSpeak NG from the `espeakng-loader` wheel."""

    _lock = threading.Lock()
    _library: ctypes.CDLL | None = None
    _sample_rate = 0

    def speak(self, text: str, language: str, out: Path) -> float:
        samples = array("h")

        def collect(wav: ctypes._Pointer[ctypes.c_short], count: int, events: int) -> int:
            if count > 0:
                samples.frombytes(ctypes.string_at(wav, count * 2))
            return 0

        callback = _CALLBACK(collect)
        with self._lock:
            library, rate = self._loaded()
            library.espeak_SetSynthCallback(callback)
            voice = VOICES.get(language[:2], VOICES["en"])
            if library.espeak_SetVoiceByName(voice.encode()) != 0:
                raise NarrationError(f"no eSpeak voice {voice!r}")
            library.espeak_SetParameter(_RATE, RATE_WPM.get(language[:2], 165), 0)
            encoded = text.encode("utf-8") + b"\0"
            status = library.espeak_Synth(
                encoded, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            library.espeak_Synchronize()
            if status != 0:
                raise NarrationError(f"eSpeak could not speak the text (status {status})")
        with wave.open(str(out), "wb") as file:
            file.setnchannels(1)
            file.setsampwidth(2)
            file.setframerate(rate)
            file.writeframes(samples.tobytes())
        return len(samples) / rate

    @classmethod
    def _loaded(cls) -> tuple[ctypes.CDLL, int]:
        if cls._library is None:
            import espeakng_loader

            library = ctypes.CDLL(espeakng_loader.get_library_path())
            library.espeak_Synth.argtypes = [
                ctypes.c_void_p,
                ctypes.c_size_t,
                ctypes.c_uint,
                ctypes.c_int,
                ctypes.c_uint,
                ctypes.c_uint,
                ctypes.c_void_p,
                ctypes.c_void_p,
            ]
            library.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
            library.espeak_SetSynthCallback.argtypes = [_CALLBACK]
            home = str(Path(espeakng_loader.get_data_path()).parent).encode()
            rate = library.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, home, 0)
            if rate <= 0:
                raise NarrationError("eSpeak NG did not start")
            cls._library, cls._sample_rate = library, rate
        return cls._library, cls._sample_rate


class SilentNarrator:
    """No voice (`ENGINE_NARRATION=off`, or the chat asked for none): nothing is written."""

    def speak(self, text: str, language: str, out: Path) -> float:
        return 0.0


def speech_ms(narrator: Narrator) -> Callable[[str, bool], int]:
    """How long `narrator` takes to say a sentence (ms), in Chinese when asked: it says it into
    a scratch file and measures (eSpeak NG takes milliseconds for a sentence)."""

    def measure(text: str, chinese: bool) -> int:
        with tempfile.TemporaryDirectory(prefix="clipbridge-speech-") as scratch:
            spoken_s = narrator.speak(text, "zh" if chinese else "en", Path(scratch) / "s.wav")
        return round(spoken_s * 1000)

    return measure
