"""Procedural background music: FFmpeg audio filter chains, no bundled audio files.

A preset is a four-chord progression played by a few sine voices (plus a bass note) under an
envelope that falls to silence at every chord change, so the frequency switch never clicks.
Only one pass of the progression is evaluated by ``aevalsrc`` (the costly part), at a low
sample rate; ``aloop`` repeats it for as long as the segment lasts.
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLE_RATE = 48_000
# Every audio stream of a render ends in this one format before it is mixed.
STEREO = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
SYNTH_RATE = 16_000  # ample for notes under 1 kHz behind a low-pass; a third of the work
DEFAULT_PRESET = "lofi"
DEFAULT_VOLUME = 0.35


@dataclass(frozen=True)
class MusicPreset:
    """How one style sounds: chords as MIDI notes (bass first), timing and tone."""

    chords: tuple[tuple[int, ...], ...]
    bar_s: float  # seconds per chord
    pulses: int  # notes struck per chord; 1 is a sustained pad
    attack_s: float
    release_s: float
    decay: float  # exponential decay per pulse, 1/s
    overtone: float  # weight of the second harmonic: a little warmth, like an electric piano
    lowpass_hz: int


PRESETS: dict[str, MusicPreset] = {
    # Cmaj7 - Am7 - Dm7 - G7 at 75 bpm, struck twice a bar.
    "lofi": MusicPreset(
        chords=(
            (36, 60, 64, 67, 71),
            (33, 57, 60, 64, 67),
            (38, 57, 60, 62, 65),
            (31, 55, 59, 62, 65),
        ),
        bar_s=3.2,
        pulses=2,
        attack_s=0.03,
        release_s=0.25,
        decay=0.9,
        overtone=0.3,
        lowpass_hz=1800,
    ),
    # F - C - Am - G as slow swelling pads.
    "ambient": MusicPreset(
        chords=((41, 57, 60, 65), (36, 55, 60, 64), (45, 57, 60, 64), (43, 55, 59, 62)),
        bar_s=6.0,
        pulses=1,
        attack_s=1.8,
        release_s=2.2,
        decay=0.0,
        overtone=0.1,
        lowpass_hz=1200,
    ),
    # C - G - Am - F at 120 bpm, a struck chord on every beat.
    "upbeat": MusicPreset(
        chords=((48, 60, 64, 67), (43, 59, 62, 67), (45, 60, 64, 69), (41, 60, 65, 69)),
        bar_s=2.0,
        pulses=4,
        attack_s=0.01,
        release_s=0.08,
        decay=3.0,
        overtone=0.25,
        lowpass_hz=3200,
    ),
}


def preset_named(name: str | None) -> MusicPreset:
    """The preset for a segment's ``gen``; unknown names fall back to lofi rather than fail."""
    return PRESETS.get((name or DEFAULT_PRESET).lower(), PRESETS[DEFAULT_PRESET])


def _hz(midi_note: int) -> float:
    return float(440.0 * 2.0 ** ((midi_note - 69) / 12))


def _per_chord(values: list[float], bar_s: float) -> str:
    """An expression picking values[i] during chord i of the progression."""
    expr = f"{values[-1]:.3f}"
    for index in range(len(values) - 2, -1, -1):
        expr = f"if(lt(t,{bar_s * (index + 1):.3f}),{values[index]:.3f},{expr})"
    return expr


def progression_expr(preset: MusicPreset) -> str:
    """The ``aevalsrc`` expression of one pass through the preset's chords (mono, -1..1)."""
    voices = len(preset.chords[0])
    pulse = preset.bar_s / preset.pulses
    # The envelope is zero at both ends of every pulse: chords change only in silence.
    envelope = (
        f"min(1,mod(t,{pulse:.4f})/{preset.attack_s:.4f})"
        f"*min(1,({pulse:.4f}-mod(t,{pulse:.4f}))/{preset.release_s:.4f})"
        f"*exp(-{preset.decay:.3f}*mod(t,{pulse:.4f}))"
    )
    weights = [1.4] + [1.0] * (voices - 1)  # the bass carries a little more
    scale = 0.8 / (sum(weights) * (1 + preset.overtone))
    terms = []
    for voice, weight in enumerate(weights):
        freq = _per_chord([_hz(chord[voice]) for chord in preset.chords], preset.bar_s)
        terms.append(
            f"{weight * scale:.4f}*(sin(2*PI*{freq}*t)+{preset.overtone:.3f}*sin(4*PI*{freq}*t))"
        )
    return f"({'+'.join(terms)})*{envelope}"


def music_chain(gen: str | None, volume: float | None, start_s: float, duration_s: float) -> str:
    """A filter chain (no input pad) of music starting at `start_s` for `duration_s`."""
    preset = preset_named(gen)
    period_s = preset.bar_s * len(preset.chords)
    gain = DEFAULT_VOLUME if volume is None else min(max(volume, 0.0), 1.0)
    fade_in = min(1.0, duration_s / 4)
    fade_out = min(2.0, duration_s / 4)
    delay_ms = round(start_s * 1000)
    return ",".join(
        [
            f"aevalsrc='{progression_expr(preset)}':s={SYNTH_RATE}:c=mono:d={period_s:.3f}",
            f"lowpass=f={preset.lowpass_hz}",
            f"aresample={SAMPLE_RATE}",
            f"aloop=loop=-1:size={round(period_s * SAMPLE_RATE)}",
            f"atrim=duration={duration_s:.3f}",
            f"afade=t=in:d={fade_in:.3f}",
            f"afade=t=out:st={duration_s - fade_out:.3f}:d={fade_out:.3f}",
            f"volume={gain:.3f}",
            STEREO,
            f"adelay=delays={delay_ms}:all=1",
        ]
    )


def silence_chain(duration_s: float) -> str:
    """Silence for the whole duration: every MP4 gets a stereo AAC track."""
    return f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=duration={duration_s:.3f}," + STEREO


# The finished mix, as EBU R128 asks of streamed video: -16 LUFS integrated, true peak at most
# -1 dBTP (the limiter aims 1 dB under it: the AAC encoder overshoots by up to about 1 dB).
LOUDNESS_LUFS = -16.0
TRUE_PEAK_DBTP = -2.0
PEAK_LIMIT = 10 ** (-3.0 / 20)  # -3 dBFS on samples: room for what lies between them


def loudness_chain() -> str:
    """Normalise a mix to `LOUDNESS_LUFS` with `loudnorm`, back at the output rate, stereo."""
    return (
        f"loudnorm=I={LOUDNESS_LUFS}:TP={TRUE_PEAK_DBTP}:LRA=11,"
        f"aresample={SAMPLE_RATE},"
        # loudnorm limits at 192 kHz; speech's sharp onsets still peak over after the resample
        f"alimiter=limit={PEAK_LIMIT:.3f}:attack=1:release=40:level=false," + STEREO
    )
