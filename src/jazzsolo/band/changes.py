"""The changes as the band reads them: one chord symbol sounding at every moment of the form.

Lead-sheet chords (:class:`jazzsolo.score.Chord`, a symbol or only pitches) become timed
:class:`jazzsolo.chords.ProgressionChord` that follow each other without gaps.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from jazzsolo.chords import (
    NO_CHORD,
    ChordSymbol,
    ProgressionChord,
    chord_from_pitches,
    parse_chord,
)
from jazzsolo.score import Chord


def symbol_of(chord: Chord) -> ChordSymbol:
    """The chord's symbol: its written name, else the name its pitches make, else NC."""
    if chord.symbol:
        return parse_chord(chord.symbol)
    return chord_from_pitches(chord.pitches) or NO_CHORD


def timeline(chords: Sequence[Chord], total: float, bar_length: float) -> list[ProgressionChord]:
    """Timed chords from ``chords`` (absolute starts) lasting until the next one, the last
    until ``total``; repeated neighbours with the same symbol are kept (each is a new attack)."""
    ordered = sorted(chords, key=lambda c: c.start)
    out: list[ProgressionChord] = []
    for i, c in enumerate(ordered):
        end = ordered[i + 1].start if i + 1 < len(ordered) else max(total, c.end)
        if end - c.start <= 1e-9:
            continue
        out.append(ProgressionChord(int(c.start // bar_length + 1e-9), c.start, end - c.start,
                                    symbol_of(c)))
    return out


def chord_at(chords: Sequence[ProgressionChord], t: float) -> ProgressionChord | None:
    """The timed chord sounding at ``t`` (None before the first or after the last)."""
    starts = [c.start for c in chords]
    i = bisect_right(starts, t + 1e-9) - 1
    if i < 0 or t >= chords[i].end - 1e-9:
        return None
    return chords[i]
