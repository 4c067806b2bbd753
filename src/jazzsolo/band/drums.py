"""The drummer, on the General MIDI drum channel: time on the ride (or brushes), hi-hat on 2 and
4, light snare and kick comping that changes from bar to bar, and a fill into each new chorus.

Notes are written on the straight grid (the swing is applied afterwards), in beats from the
start of the arrangement; pitches are GM percussion keys (see :mod:`jazzsolo.band.styles`).
"""

from __future__ import annotations

import random
from collections.abc import Collection

from jazzsolo.score import Note

from .feel import clamp_velocity
from .styles import (
    BRUSH_SLAP,
    BRUSH_SWIRL,
    BRUSH_TAP,
    CRASH,
    HAT_PEDAL,
    KICK,
    RIDE,
    SIDE_STICK,
    SNARE,
    TOMS,
    Style,
)

HIT = 0.25  # beats a drum note lasts (drums ignore note-offs; a short note keeps files tidy)
_BOSSA_CLAVE = ((0.0, 1.5, 3.0), (1.0, 2.5))  # cross-stick, two bars (the 3-2 bossa clave)


def _hit(notes: list[Note], t: float, key: int, velocity: float, rng: random.Random,
         length: float = HIT, jitter: float = 4.0) -> None:  # fmt: skip
    notes.append(Note(t, length, key, clamp_velocity(velocity + rng.uniform(-jitter, jitter))))


def count_in(bars: int, beats: int, rng: random.Random) -> list[Note]:
    """Sticks clicked on every beat of the count-in bars, the first beat of each bar louder."""
    notes: list[Note] = []
    for bar in range(bars):
        for b in range(beats):
            _hit(notes, bar * beats + b, SIDE_STICK, 82 if b == 0 else 70, rng, jitter=2)
    return notes


def _time(notes: list[Note], style: Style, t0: float, beats: int, rng: random.Random) -> None:
    """One bar of time: cymbal (or brush taps) pattern and pedal hi-hat."""
    brushes = style.drummer == "brushes"
    for pos in style.ride_for(beats):
        on_beat = pos == int(pos)
        if style.drummer == "bossa":
            v = 84 if on_beat else 70
        elif on_beat:
            v = 108 if int(pos) % 2 == 1 else 100  # 2 and 4 a little stronger
        else:
            v = 88  # the skip note
        _hit(notes, t0 + pos, BRUSH_TAP if brushes else RIDE, v - (12 if brushes else 0), rng)
    for pos in style.hihat_for(beats):
        _hit(notes, t0 + pos, HAT_PEDAL, 84, rng)
    if brushes:  # the left hand sweeps the snare, one swirl per half bar
        for pos in range(0, beats, 2):
            _hit(notes, t0 + pos, BRUSH_SWIRL, 44, rng, length=min(2.0, beats - pos) - 0.1)


def _comping(notes: list[Note], style: Style, t0: float, beats: int, bar: int,
             rng: random.Random) -> None:  # fmt: skip
    """Snare and bass-drum comping that varies bar by bar (bossa: the clave and baiao kick)."""
    if style.drummer == "bossa":
        for pos in _BOSSA_CLAVE[bar % 2]:
            if pos < beats:
                _hit(notes, t0 + pos, SIDE_STICK, 60, rng)
        for pos, v in ((0.0, 50), (1.5, 38), (2.0, 50), (3.5, 38)):
            if pos < beats:
                _hit(notes, t0 + pos, KICK, v, rng)
        return
    for b in range(beats):  # feathered bass drum: felt more than heard
        _hit(notes, t0 + b, KICK, 36, rng, jitter=3)
    if style.drummer == "brushes":
        return
    offbeats = [b + 0.5 for b in range(beats)]
    for pos in rng.sample(offbeats, min(len(offbeats), rng.choice((0, 1, 1, 2)))):
        _hit(notes, t0 + pos, SNARE, 58, rng, jitter=8)
    if rng.random() < 0.15:  # an occasional "bomb" on the bass drum
        _hit(notes, t0 + rng.choice(offbeats), KICK, 58, rng)


def _fill(notes: list[Note], style: Style, t0: float, beats: int, rng: random.Random) -> None:
    """A fill over the last two beats of a bar, leading into the next chorus."""
    start = t0 + beats - 2
    if style.drummer == "brushes":
        for k in range(6):
            _hit(notes, start + k / 3, BRUSH_TAP, 46 + 3 * k, rng)
        _hit(notes, start + 1.5, BRUSH_SLAP, 62, rng)
        return
    if rng.random() < 0.5:  # eighth-note triplets down the toms
        for k in range(6):
            key = SNARE if k < 2 else TOMS[min(len(TOMS) - 1, k - 1)]
            _hit(notes, start + k / 3, key, 66 + 4 * k, rng)
    else:  # eighths: snare, snare, high tom, low tom
        for k, key in enumerate((SNARE, SNARE, TOMS[1], TOMS[4])):
            _hit(notes, start + k * 0.5, key, 70 + 5 * k, rng)
    _hit(notes, start + 1.5, KICK, 66, rng)


def drum_part(style: Style, n_bars: int, beats: int, chorus_starts: Collection[int],
              lead_in: int, rng: random.Random) -> list[Note]:  # fmt: skip
    """Drums for ``n_bars`` bars of ``beats`` beats: ``lead_in`` count-in bars of sticks, then
    time; a fill in the bar before each bar in ``chorus_starts`` (the ending's included) and a
    crash on it."""
    notes = count_in(lead_in, beats, rng)
    for bar in range(lead_in, n_bars):
        t0 = float(bar * beats)
        _time(notes, style, t0, beats, rng)
        _comping(notes, style, t0, beats, bar, rng)
        if bar + 1 in chorus_starts and beats >= 2:
            _fill(notes, style, t0, beats, rng)
        if bar in chorus_starts and bar > lead_in and style.drummer != "brushes":
            _hit(notes, t0, CRASH, 80, rng)
            _hit(notes, t0, KICK, 70, rng)
    return sorted(notes, key=lambda n: (n.start, n.pitch))
