"""The pianist: rootless voicings in the middle register, led smoothly from chord to chord and
played in comping rhythms (Charleston, pushes, anticipations, short stabs).

A voicing holds exactly the chord's own pitch classes (so every written alteration and
extension sounds) less the root, which the bass plays, and less a plain fifth when five or
more tones are left; a slash bass is the bassist's, never the pianist's. Of all positions of
those tones in the register, the one that moves the voices least from the previous voicing
wins (see :func:`voice_motion`), with a pull back toward the middle so lines do not drift.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import lru_cache
from itertools import permutations

from jazzsolo.chords import ChordSymbol, ProgressionChord
from jazzsolo.score import Note

from .changes import chord_at
from .feel import clamp_velocity, is_offbeat_eighth
from .styles import Style

LOW, HIGH, CENTRE = 50, 76, 62  # D3 .. E5, centred on D4
MAX_SPAN = 16  # a pianist's left hand (or two hands' middle) reaches about a tenth
MIN_HIT = 0.25  # beats: the shortest stab
_REGISTER_WEIGHT = 0.15  # cost per semitone the voicing's mean strays from CENTRE


def voicing_tones(symbol: ChordSymbol) -> tuple[int, ...]:
    """The pitch classes a voicing of ``symbol`` plays: rootless where at least three others
    remain, a plain fifth dropped when five or more remain."""
    pcs = list(dict.fromkeys(symbol.pitch_classes))
    others = [p for p in pcs if p != symbol.root]
    tones = others if len(others) >= 3 else pcs
    fifth = (symbol.root + 7) % 12
    if len(tones) >= 5 and fifth in tones:
        tones = [p for p in tones if p != fifth]
    return tuple(tones)


def voice_motion(a: Sequence[int], b: Sequence[int]) -> float:
    """Mean semitones each voice moves from voicing ``a`` to ``b``: voices matched in order when
    the counts agree, else each new voice measured to the nearest old one."""
    if not a or not b:
        return 0.0
    sa, sb = sorted(a), sorted(b)
    if len(sa) == len(sb):
        return sum(abs(x - y) for x, y in zip(sa, sb, strict=True)) / len(sb)
    return sum(min(abs(y - x) for x in sa) for y in sb) / len(sb)


@lru_cache(maxsize=4096)
def candidates(tones: tuple[int, ...], low: int = LOW,
               high: int = HIGH) -> tuple[tuple[int, ...], ...]:  # fmt: skip
    """Every placement of ``tones`` (one note each) in [low, high] spanning at most MAX_SPAN,
    with no minor second between the two lowest notes (it muddies the middle register)."""
    if not tones:
        return ()
    out: set[tuple[int, ...]] = set()
    n = len(tones)
    orders = permutations(tones) if n <= 5 else [tuple(sorted(tones))]
    for order in orders:
        for bottom in range(low, high + 1):
            notes = [bottom + (order[0] - bottom) % 12]
            for pc in order[1:]:
                notes.append(notes[-1] + 1 + (pc - notes[-1] - 1) % 12)
            if notes[-1] > high or notes[-1] - notes[0] > MAX_SPAN:
                continue
            if n >= 3 and notes[1] - notes[0] == 1 and notes[0] < 60:
                continue
            out.add(tuple(notes))
    return tuple(sorted(out))


def lead_voicing(symbol: ChordSymbol, previous: Sequence[int] | None) -> tuple[int, ...]:
    """The placement of the chord's voicing tones nearest ``previous`` (or the middle)."""
    tones = voicing_tones(symbol)
    options = candidates(tones) or candidates(tones, LOW - 12, HIGH + 12)
    if not options:
        return ()

    def cost(v: tuple[int, ...]) -> tuple[float, tuple[int, ...]]:
        register = abs(sum(v) / len(v) - CENTRE) * _REGISTER_WEIGHT
        motion = voice_motion(previous, v) if previous else 0.0
        return motion + register, v

    return min(options, key=cost)


Hit = tuple[float, float, ProgressionChord]  # start, length, the chord it sounds


def _hits(style: Style, chords: Sequence[ProgressionChord], n_bars: int, beats: int,
          first_bar: int, rng: random.Random) -> list[Hit]:  # fmt: skip
    """(start, length, chord) of every comping attack: a rhythm per bar, anticipations sounding
    the next bar's chord, every chord attacked at least once."""
    hits: list[Hit] = []
    end_all = float(n_bars * beats)
    anticipated = False
    for bar in range(first_bar, n_bars):
        t0 = float(bar * beats)
        rhythm = rng.choice(style.comp_for(beats))
        next_anticipated = False
        for onset, length in rhythm:
            if anticipated and onset == 0.0:
                continue
            t = t0 + onset
            crosses = onset + length > beats + 1e-9
            target = t0 + beats if crosses else t
            chord = chord_at(chords, target) if target < end_all else None
            if chord is None or chord.symbol.quality == "none":
                if crosses:  # nothing to anticipate (the end): play this bar's chord instead
                    chord = chord_at(chords, t)
                    length = beats - onset
                if chord is None or chord.symbol.quality == "none":
                    continue
            elif crosses:
                next_anticipated = True
            hits.append((t, length, chord))
        anticipated = next_anticipated
    # Every chord is attacked: a stab at the start of any chord no hit plays.
    played = {id(h[2]) for h in hits}
    for c in chords:
        if (id(c) in played or c.symbol.quality == "none" or c.start < first_bar * beats - 1e-9
                or c.start >= end_all - 1e-9):
            continue
        hits.append((c.start, min(0.75, c.duration), c))
    hits.sort(key=lambda h: h[0])
    # A hit ends by the next hit and by its chord's end (an anticipation by the chord's end).
    out = []
    for i, (t, length, chord) in enumerate(hits):
        end = min(t + length, chord.end, hits[i + 1][0] if i + 1 < len(hits) else end_all)
        if end - t >= MIN_HIT - 1e-9:
            out.append((t, end - t, chord))
    return out


def comp_part(style: Style, chords: Sequence[ProgressionChord], n_bars: int, beats: int,
              first_bar: int, rng: random.Random) -> list[Note]:  # fmt: skip
    """The piano part from ``first_bar`` on (straight grid; swing is applied later)."""
    notes: list[Note] = []
    previous: tuple[int, ...] | None = None
    last_symbol: ChordSymbol | None = None
    voicing: tuple[int, ...] = ()
    for t, length, chord in _hits(style, chords, n_bars, beats, first_bar, rng):
        if chord.symbol is not last_symbol:
            voicing = lead_voicing(chord.symbol, previous)
            previous, last_symbol = voicing, chord.symbol
        accent = 6 if is_offbeat_eighth(t) else 0
        base = style.comp_velocity + accent + rng.uniform(-5, 5)
        for k, pitch in enumerate(voicing):
            top = 4 if k == len(voicing) - 1 else 0  # the top voice sings a little
            notes.append(Note(t, length * 0.92, pitch, clamp_velocity(base + top)))
    return notes
