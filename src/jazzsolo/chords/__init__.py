"""Chords, split by job: ``symbols`` (reading and spelling chord symbols, their pitch classes
and chord-scales), ``naming`` (the symbol for sounding pitches) and ``progressions`` (progression
text into timed chords, and the built-in progressions). Pure functions, no I/O; times in quarter
notes. The accepted grammar and the choices made: ``docs/chords.md``.
"""

from __future__ import annotations

from .naming import chord_from_pitches
from .progressions import ProgressionChord, parse_progression
from .symbols import NO_CHORD, PC_NAMES, QUALITIES, SCALES, ChordSymbol, parse_chord

__all__ = [
    "NO_CHORD",
    "PC_NAMES",
    "QUALITIES",
    "SCALES",
    "ChordSymbol",
    "ProgressionChord",
    "chord_from_pitches",
    "parse_chord",
    "parse_progression",
]


def __getattr__(name: str) -> object:
    """The old homes of ``voice_chord`` and ``walking_bass`` (now in ``jazzsolo.band``)."""
    if name == "voice_chord":
        from ..band.voicing import voice_chord

        return voice_chord
    if name == "walking_bass":
        from ..band.bass import walking_bass

        return walking_bass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
