"""Chord voicings: which pitches the accompaniment plays for a chord symbol."""

from __future__ import annotations

from ..chords.symbols import ChordSymbol
from ..errors import JazzsoloError


def voice_chord(symbol: ChordSymbol, low: int = 52, high: int = 76) -> tuple[int, ...]:
    """A close-position voicing in [low, high] sounding exactly ``symbol.sounding``.

    The bass (root, or the slash bass) is the lowest note; the other tones follow upward within
    an octave; the register is chosen so the voicing sits nearest the middle of the range.
    """
    if symbol.quality == "none":
        return ()
    if low > high:
        raise JazzsoloError(f"voicing range low={low} is above high={high}")
    bottom = symbol.bass
    others = sorted({p for p in symbol.sounding if p != bottom}, key=lambda p: (p - bottom) % 12)
    best: tuple[int, ...] | None = None
    centre = (low + high) / 2
    for start in range(low, high + 1):
        if start % 12 != bottom:
            continue
        notes = [start] + [start + (p - bottom) % 12 for p in others]
        if notes[-1] > high:
            continue
        mean = sum(notes) / len(notes)
        if best is None or abs(mean - centre) < abs(sum(best) / len(best) - centre):
            best = tuple(notes)
    if best is None:
        raise JazzsoloError(f"cannot voice {symbol.name!r} within MIDI {low}..{high}")
    return best
