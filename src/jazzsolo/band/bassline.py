"""The bassist: a walking line in four (or three), a two-feel for ballads and heads, and the
bossa root-fifth pattern, all in the double bass range E1-C4 (MIDI 28-60).

Beat 1 of every bar is the chord's bass note (root, or the slash bass) or, inside a chord held
over several bars, another chord tone; the walk itself comes from
:func:`jazzsolo.chords.walking_bass` (chord tones on strong beats, a chromatic or scale
approach into the next chord).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from jazzsolo.chords import ChordSymbol, ProgressionChord, walking_bass
from jazzsolo.score import Note

from .changes import chord_at
from .feel import clamp_velocity

LOW, HIGH = 28, 55  # E1 .. G3: the walk's range (inside the instrument's E1-C4)
LEGATO = 0.92  # share of its slot a bass note sounds


def _nearest(pc: int, ref: float) -> int:
    """The pitch of class ``pc`` in [LOW, HIGH] closest to ``ref`` (lower on a tie)."""
    return min((p for p in range(LOW, HIGH + 1) if p % 12 == pc), key=lambda p: (abs(p - ref), p))


def _fifth_or_tone(symbol: ChordSymbol) -> int:
    """The chord's fifth (altered if written so), else its third, as a pitch class."""
    rel = [(p - symbol.root) % 12 for p in symbol.pitch_classes]
    for interval in (7, 6, 8, 4, 3):
        if interval in rel:
            return (symbol.root + interval) % 12
    return symbol.root


def _velocity(pos: float, rng: random.Random, long: bool = False) -> int:
    """Beat 1 a little stronger; long notes (two-feel, bossa) softer, as they ring longer."""
    return clamp_velocity((76 if pos == 0 else 70) - (10 if long else 0) + rng.uniform(-4, 4))


def walk(chords: Sequence[ProgressionChord], beats: int, seed: int,
         rng: random.Random) -> list[Note]:  # fmt: skip
    """A walking line, one note a beat, beat 1 accented."""
    line = walking_bass(chords, beats_per_bar=beats, seed=seed, low=LOW, high=HIGH)
    return [Note(s, d * LEGATO, p, _velocity(s % beats, rng)) for s, d, p in line]


def _bar_plan(style_bass: str, beats: int) -> list[tuple[float, float, str]]:
    """(onset, length, what) of one bar: what is 'bass', 'fifth' or 'lead' (into the next)."""
    if style_bass == "bossa" and beats == 4:
        return [(0.0, 1.5, "bass"), (1.5, 0.5, "fifth"), (2.0, 1.5, "fifth"), (3.5, 0.5, "lead")]
    half = beats // 2 if beats % 2 == 0 else beats - 1
    return [(0.0, float(half), "bass"), (float(half), float(beats - half), "lead")]


def pattern_bar(chords: Sequence[ProgressionChord], t0: float, beats: int, style_bass: str,
                prev: int | None, rng: random.Random) -> list[Note]:  # fmt: skip
    """One bar in two (or bossa): the bass note, then the fifth or a lead into the next bar;
    a chord change inside the bar gets its own bass note."""
    out: list[Note] = []
    ref = float(prev) if prev is not None else LOW + (HIGH - LOW) / 3
    for onset, length, what in _bar_plan(style_bass, beats):
        t = t0 + onset
        here = chord_at(chords, t)
        if here is None or here.symbol.quality == "none":
            continue
        sym = here.symbol
        if abs(here.start - t) < 1e-9 or what == "bass":
            pc = sym.bass
        elif what == "fifth":
            pc = _fifth_or_tone(sym)
        else:
            nxt = chord_at(chords, t0 + beats)
            if nxt is not None and nxt.symbol.quality != "none" and nxt is not here:
                target = _nearest(nxt.symbol.bass, ref)
                pitch = target + rng.choice((-1, 1))  # chromatic approach
                if not LOW <= pitch <= HIGH:
                    pitch = target - 1 if target - 1 >= LOW else target + 1
                out.append(Note(t, length * LEGATO, pitch, _velocity(onset, rng, length > 1)))
                ref = pitch
                continue
            pc = _fifth_or_tone(sym)
        pitch = _nearest(pc, ref)
        out.append(Note(t, length * LEGATO, pitch, _velocity(onset, rng, length > 1)))
        ref = pitch
    return out


def bass_part(style_bass: str, chords: Sequence[ProgressionChord], n_bars: int, beats: int,
              first_bar: int, two_feel_bars: Collection[int], seed: int,
              rng: random.Random) -> list[Note]:  # fmt: skip
    """The bass from ``first_bar``: the style's feel (walk, two, bossa); bars in
    ``two_feel_bars`` in two whatever the style."""
    played = [c for c in chords if c.start >= first_bar * beats - 1e-9]
    walked = walk(played, beats, seed, rng) if style_bass == "walk" else []
    notes: list[Note] = []
    prev: int | None = None
    for bar in range(first_bar, n_bars):
        t0 = float(bar * beats)
        if style_bass == "walk" and bar not in two_feel_bars:
            bar_notes = [n for n in walked if t0 - 1e-9 <= n.start < t0 + beats - 1e-9]
        else:
            feel = "bossa" if style_bass == "bossa" else "two"
            bar_notes = pattern_bar(played, t0, beats, feel, prev, rng)
        notes += bar_notes
        if bar_notes:
            prev = bar_notes[-1].pitch
    return notes
