"""The bassist: a walking line in four (or three), a two-feel for ballads and heads, and the
bossa root-fifth pattern, all in the double bass range E1-C4 (MIDI 28-60).

:func:`walking_bass` walks quarter notes through the changes (the chord's bass note on every
change, chord tones on strong beats, a chromatic, scale or fifth approach into the next chord);
:func:`bass_part` plays the band's feel bar by bar: beat 1 of every bar is the chord's bass note
(root, or the slash bass) or, inside a chord held over several bars, another chord tone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Sequence

from ..chords.progressions import ProgressionChord
from ..chords.symbols import ChordSymbol
from ..errors import JazzsoloError
from ..score import Chord, Note
from .changes import chord_at, timeline
from .feel import clamp_velocity


def _nearest_pitch(pc: int, ref: float, low: int, high: int) -> int:
    options = [p for p in range(low, high + 1) if p % 12 == pc]
    return min(options, key=lambda p: (abs(p - ref), p))


def _approach(target: int, prev: int, sym: ChordSymbol, rng: random.Random, low: int,
              high: int) -> int:  # fmt: skip
    """A note leading into ``target``: chromatic neighbour, scale step or its fifth above."""
    below_first = prev < target
    options: list[tuple[int, float]] = [
        (target - 1, 4.0 if below_first else 2.0),
        (target + 1, 2.0 if below_first else 4.0),
    ]
    tones = set(sym.scale) | set(sym.pitch_classes)
    for step in (-2, 2):
        if (target + step) % 12 in tones:
            options.append((target + step, 2.0))
    options.append((target + 7, 1.0))
    options.append((target - 5, 1.0))
    options = [(p, w) for p, w in options if low <= p <= high and p != prev]
    if not options:
        return target - 1 if target - 1 >= low else target + 1
    pitches, weights = zip(*options, strict=True)
    return rng.choices(pitches, weights)[0]


def _walk_step(prev: int, before: int | None, sym: ChordSymbol, toward: int | None,
               strong: bool, rng: random.Random, low: int, high: int) -> int:  # fmt: skip
    """A chord or scale tone near the previous note, drifting toward the next target."""
    chord = set(sym.pitch_classes)
    scale = set(sym.scale) or chord
    options: list[tuple[int, float]] = []
    for p in range(max(low, prev - 7), min(high, prev + 7) + 1):
        if p == prev:
            continue
        pc = p % 12
        if pc in chord:
            w = 3.0
        elif pc in scale and not strong:
            w = 1.0
        else:
            continue
        if abs(p - prev) <= 4:
            w *= 2.0
        if toward is not None and (p - prev) * (toward - prev) > 0:
            w *= 2.0
        if (p - low < 4 and p < prev) or (high - p < 4 and p > prev):
            w *= 0.2
        if p == before:  # going straight back sounds static; prefer a line
            w *= 0.3
        options.append((p, w))
    if not options:
        return prev
    pitches, weights = zip(*options, strict=True)
    return rng.choices(pitches, weights)[0]


def walking_bass(
    chords: Sequence[ProgressionChord],
    beats_per_bar: int = 4,
    seed: int = 0,
    low: int = 28,
    high: int = 55,
) -> list[tuple[float, float, int]]:
    """A quarter-note walking bass ``(start, duration, pitch)`` over timed chords.

    The bass note (root or slash bass) on every chord change, a chromatic/step/fifth approach on
    the beat before a change, chord and scale tones between; no note where NC sounds. The last
    beat approaches the first chord, so the line loops. Deterministic for a given seed.
    """
    if high - low < 11:
        raise JazzsoloError(f"bass range {low}..{high} is narrower than an octave")
    events = sorted(chords, key=lambda c: c.start)
    if not events:
        return []
    rng = random.Random(seed)
    t0 = math.floor(events[0].start + 1e-9)
    end = max(c.end for c in events)
    n_beats = math.ceil(end - t0 - 1e-9)
    owner: list[int | None] = []
    for k in range(n_beats):
        t = t0 + k + 1e-9
        idx = None
        for j, c in enumerate(events):
            if c.start <= t < c.end:
                idx = j
        if idx is not None and events[idx].symbol.quality == "none":
            idx = None
        owner.append(idx)
    first = next((o for o in owner if o is not None), None)
    out: list[tuple[float, float, int]] = []
    prev: int | None = None
    before: int | None = None
    centre = low + (high - low) / 3
    for k, idx in enumerate(owner):
        if idx is None:
            continue
        sym = events[idx].symbol
        t = float(t0 + k)
        dur = min(1.0, end - t)
        change = k == 0 or owner[k - 1] != idx
        nxt = owner[k + 1] if k + 1 < n_beats else first
        ref = centre if prev is None else prev
        if change or prev is None:
            pitch = _nearest_pitch(sym.bass, ref, low, high)
        elif nxt is not None and nxt != idx:
            target = _nearest_pitch(events[nxt].symbol.bass, ref, low, high)
            pitch = _approach(target, prev, sym, rng, low, high)
        else:
            # Look ahead to the next change to steer the line.
            toward = None
            for j in range(k + 1, n_beats):
                if owner[j] is not None and owner[j] != idx:
                    toward = _nearest_pitch(events[owner[j]].symbol.bass, ref, low, high)
                    break
            strong = (t - t0) % beats_per_bar == 0
            pitch = _walk_step(prev, before, sym, toward, strong, rng, low, high)
        out.append((t, dur, pitch))
        before, prev = prev, pitch
    return out


def walking_bass_for(bars: Sequence[Sequence[Chord]], bar_length: float, seed: int) -> list[Note]:
    """A walking bass under the bars' chords (symbols, else names guessed from the voicing)."""

    chords = [Chord(b * bar_length + c.start, c.duration, c.pitches, c.symbol)
              for b, bar in enumerate(bars) for c in bar]
    timed = timeline(chords, len(bars) * bar_length, bar_length)
    line = walking_bass(timed, beats_per_bar=int(round(bar_length)), seed=seed)
    return [Note(s, d, p, 85) for s, d, p in line]


# --------------------------------------------------------------------------------------------
# The band's bassist: feels (walk, two, bossa) bar by bar
# --------------------------------------------------------------------------------------------

LOW, HIGH = 28, 55  # E1 .. G3: the walk's range (inside the instrument's E1-C4)
LEGATO = 0.92  # share of its slot a bass note sounds


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
                target = _nearest_pitch(nxt.symbol.bass, ref, LOW, HIGH)
                pitch = target + rng.choice((-1, 1))  # chromatic approach
                if not LOW <= pitch <= HIGH:
                    pitch = target - 1 if target - 1 >= LOW else target + 1
                out.append(Note(t, length * LEGATO, pitch, _velocity(onset, rng, length > 1)))
                ref = pitch
                continue
            pc = _fifth_or_tone(sym)
        pitch = _nearest_pitch(pc, ref, LOW, HIGH)
        out.append(Note(t, length * LEGATO, pitch, _velocity(onset, rng, length > 1)))
        ref = pitch
    return out


def bass_part(style_bass: str, chords: Sequence[ProgressionChord], n_bars: int, beats: int,
              first_bar: int, two_feel_bars: Collection[int],
              rng: random.Random) -> list[Note]:  # fmt: skip
    """The bass from ``first_bar``: the style's feel (walk, two, bossa); bars in
    ``two_feel_bars`` in two whatever the style."""
    played = [c for c in chords if c.start >= first_bar * beats - 1e-9]
    seed = rng.randrange(2**31)  # the walk's own seed, drawn so one rng decides the part
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
