"""Feel: the swing of off-beat eighths, and velocities that shape phrases instead of one value.

Swing ratio ``s`` (0 to 0.75): an off-beat eighth (a time exactly half-way between two beats)
is delayed by ``s / 2`` beats, i.e. by the fraction ``s`` of the distance from there to the next
beat. 0 is straight, 1/3 triplet swing (long:short 2:1), 0.5 dotted (3:1); long:short =
(1 + s) / (1 - s). Beats stay put; times between a beat and its off-beat stretch and times after
it shrink in proportion (one monotone warp per beat), so notes never change order or overlap.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from jazzsolo.score import Note

_EPS = 1e-6
MIN_VELOCITY, MAX_VELOCITY = 30, 120


def is_offbeat_eighth(t: float) -> bool:
    """True when ``t`` (in beats) lies half-way between two beats."""
    return abs((t - math.floor(t)) - 0.5) < _EPS


def swing_time(t: float, swing: float) -> float:
    """Where a straight time sounds with ``swing``: the off-beat eighth moves later by swing / 2
    and the rest of the beat follows piecewise linearly."""
    beat = math.floor(t + _EPS)
    frac = max(0.0, t - beat)
    mid = 0.5 + swing / 2
    if frac <= 0.5:
        return beat + frac * (mid / 0.5)
    return beat + mid + (frac - 0.5) * ((1 - mid) / 0.5)


def swing_notes(notes: Sequence[Note], swing: float) -> list[Note]:
    """The notes with onsets and ends swung (see :func:`swing_time`)."""
    if swing <= 0:
        return list(notes)
    out = []
    for n in notes:
        start, end = swing_time(n.start, swing), swing_time(n.end, swing)
        out.append(Note(start, end - start, n.pitch, n.velocity))
    return out


def phrases(notes: Sequence[Note], gap: float = 1.0) -> list[list[Note]]:
    """Split a line into phrases at rests of ``gap`` beats or more."""
    out: list[list[Note]] = []
    last_end = -math.inf
    for n in sorted((n for n in notes if n.pitch is not None), key=lambda n: n.start):
        if not out or n.start - last_end >= gap - _EPS:
            out.append([])
        out[-1].append(n)
        last_end = max(last_end, n.end)
    return out


def shape_solo(notes: Sequence[Note], rng: random.Random, base: int = 100) -> list[Note]:
    """Velocities for a solo line: each phrase swells toward its highest note and relaxes at its
    end, off-beat eighths are accented (as horn players tongue them), plus a little jitter."""
    out: list[Note] = []
    for phrase in phrases(notes):
        pitches = [n.pitch for n in phrase if n.pitch is not None]
        low, high = min(pitches), max(pitches)
        span = max(1, high - low)
        for i, n in enumerate(phrase):
            assert n.pitch is not None
            height = (n.pitch - low) / span  # 0 at the phrase's lowest note, 1 at its peak
            v = base - 8 + 16 * height
            if is_offbeat_eighth(n.start):
                v += 8
            if i == len(phrase) - 1 and len(phrase) > 2:
                v -= 6
            v += rng.uniform(-3, 3)
            out.append(Note(n.start, n.duration, n.pitch, clamp_velocity(v)))
    return out


def clamp_velocity(v: float) -> int:
    """A MIDI velocity within the band's range (never silent, never all-out)."""
    return int(min(MAX_VELOCITY, max(MIN_VELOCITY, round(v))))
