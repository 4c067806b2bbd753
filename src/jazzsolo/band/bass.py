"""A walking bass line: quarter notes through the changes, approaching each new chord."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from ..chords.naming import chord_from_pitches
from ..chords.progressions import ProgressionChord
from ..chords.symbols import NO_CHORD, ChordSymbol, parse_chord
from ..errors import JazzsoloError
from ..score import Chord, Note


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
    timed = []
    for b, bar in enumerate(bars):
        for c in sorted(bar, key=lambda c: c.start):
            symbol = parse_chord(c.symbol) if c.symbol else chord_from_pitches(c.pitches)
            timed.append(ProgressionChord(b, b * bar_length + c.start, c.duration,
                                          symbol or NO_CHORD))
    # Fill gaps so that every beat has a chord: each chord lasts until the next one.
    for i in range(len(timed) - 1):
        nxt = timed[i + 1].start
        if timed[i].end != nxt:
            cur = timed[i]
            timed[i] = ProgressionChord(cur.bar, cur.start, nxt - cur.start, cur.symbol)
    if timed:
        last = timed[-1]
        timed[-1] = ProgressionChord(last.bar, last.start, len(bars) * bar_length - last.start,
                                     last.symbol)
    line = walking_bass(timed, beats_per_bar=int(round(bar_length)), seed=seed)
    return [Note(s, d, p, 85) for s, d, p in line]
