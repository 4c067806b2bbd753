"""Time in MIDI ticks, before a lead sheet exists: the records readers pass around, and bars.

Readers (``extract`` for MIDI, ``wjazzd`` for the Weimar Jazz Database) and the piano roll work
in ticks; they share these named records (tuples, so they unpack like the arrays they hold) and
the one place that turns a meter map into bars and beats. The lead sheet itself counts quarter
notes (``score.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np


class NoteArrays(NamedTuple):
    """Notes as parallel int64 arrays: onset and end ticks, MIDI pitch, velocity."""

    starts: np.ndarray
    ends: np.ndarray
    pitches: np.ndarray
    velocities: np.ndarray

    @staticmethod
    def concat(parts: Sequence[NoteArrays]) -> NoteArrays:
        """All notes of several groups, one group after another (empty arrays for none)."""
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return NoteArrays(empty, empty, empty, empty)
        return NoteArrays(*(np.concatenate([p[i] for p in parts]) for i in range(4)))


class ChordChange(NamedTuple):
    """A chord starting at ``tick``: its symbol and the pitches that sound (may be empty)."""

    tick: int
    symbol: str
    pitches: tuple[int, ...] = ()


class MeterChange(NamedTuple):
    """A time signature taking effect at ``tick``."""

    tick: int
    numerator: int
    denominator: int

    def bar_ticks(self, tpq: int) -> float:
        """Ticks in one bar of this meter."""
        return tpq * 4 * self.numerator / self.denominator

    def beat_ticks(self, tpq: int) -> float:
        """Ticks in one beat (a 1/denominator note)."""
        return tpq * 4 / self.denominator


class BarStart(NamedTuple):
    """The meter of a piece and the tick where its bar 0 starts."""

    numerator: int
    denominator: int
    tick: float


def meters_from_score(score: Any) -> list[MeterChange]:
    """The meter changes of a symusic Score, from tick 0 (4/4 when it has none)."""
    found: dict[int, tuple[int, int]] = {}
    for ts in score.time_signatures:
        if ts.numerator > 0 and ts.denominator > 0:
            found[int(ts.time)] = (int(ts.numerator), int(ts.denominator))
    return clean_meters([MeterChange(t, n, d) for t, (n, d) in sorted(found.items())])


def clean_meters(meters: Sequence[MeterChange]) -> list[MeterChange]:
    """A meter map that starts at tick 0 (4/4 before the first change) without repeats."""
    meters = [MeterChange(*m) for m in meters]
    if not meters or meters[0].tick > 0:
        meters = [MeterChange(0, 4, 4)] + meters
    out: list[MeterChange] = []
    for m in meters:
        if out and out[-1][1:] == m[1:]:
            continue
        out.append(m)
    return out


def meter_and_first_bar(meters: Sequence[MeterChange], first_onset: float,
                        tpq: int) -> BarStart:
    """The meter (num, den) of the solo and the tick where its bar 0 starts.

    The meter is the one in force at the first melody note; an explicit short first bar (a
    one-bar meter shorter than the next one, e.g. 1/4 then 4/4) is a pickup. Otherwise a melody
    starting in the second half of a bar is a pickup: bar 0 is the next bar.
    """
    meters = [MeterChange(*m) for m in meters]
    k = 0
    for i, m in enumerate(meters):
        if m.tick <= first_onset:
            k = i
    current = meters[k]
    length = current.bar_ticks(tpq)
    if k + 1 < len(meters):
        nxt = meters[k + 1]
        seg = nxt.tick - current.tick
        if seg <= length + 1e-9 and nxt.bar_ticks(tpq) > seg:
            return BarStart(nxt.numerator, nxt.denominator, float(nxt.tick))
    bars = math.floor((first_onset - current.tick) / length)
    pos = first_onset - current.tick - bars * length
    start = current.tick + bars * length + (length if pos >= length / 2 else 0.0)
    return BarStart(current.numerator, current.denominator, float(start))


def beat_ticks(meters: Sequence[MeterChange], lo: float, hi: float, tpq: int) -> np.ndarray:
    """Every beat tick (by the meter map) in [lo, hi]."""
    out = []
    for i, m in enumerate(meters):
        end = meters[i + 1].tick if i + 1 < len(meters) else hi + 1
        beat = m.beat_ticks(tpq)
        if end <= lo or m.tick > hi:
            continue
        first = m.tick + max(0, math.ceil((lo - m.tick) / beat)) * beat
        out.append(np.arange(first, min(end, hi + 1), beat))
    return np.round(np.concatenate(out)).astype(np.int64) if out else np.zeros(0, np.int64)


class BarGrid:
    """Tick <-> bar conversion under a file's time signatures (4/4 when it has none)."""

    def __init__(self, tpq: int, signatures: Sequence[tuple[int, int, int]]) -> None:
        by_tick = {0: (4, 4)}
        for tick, num, den in sorted(signatures):
            if num > 0 and den > 0 and tick >= 0:
                by_tick[tick] = (num, den)  # a later signature at the same tick wins
        segments: list[tuple[int, float, int, int]] = []  # (start tick, start bar, num, den)
        for tick, (num, den) in sorted(by_tick.items()):
            bar = 0.0
            if segments:
                prev_tick, prev_bar, pnum, pden = segments[-1]
                bar = prev_bar + (tick - prev_tick) / self._bar_ticks(tpq, pnum, pden)
            segments.append((tick, bar, num, den))
        self.tpq = tpq
        self.segments = segments

    @staticmethod
    def _bar_ticks(tpq: int, num: int, den: int) -> float:
        return MeterChange(0, num, den).bar_ticks(tpq)

    def _segment(self, tick: float) -> tuple[int, float, int, int]:
        current = self.segments[0]
        for seg in self.segments:
            if seg[0] <= tick:
                current = seg
            else:
                break
        return current

    def bar_of(self, tick: float) -> float:
        """Position of ``tick`` in bars from the start (0.0 = first downbeat)."""
        start, bar, num, den = self._segment(tick)
        return bar + (tick - start) / self._bar_ticks(self.tpq, num, den)

    def bars_of(self, ticks: np.ndarray) -> np.ndarray:
        """Vectorised ``bar_of``."""
        out = np.empty(ticks.shape, dtype=np.float64)
        starts = np.array([s[0] for s in self.segments])
        index = np.searchsorted(starts, ticks, side="right") - 1
        for k, (start, bar, num, den) in enumerate(self.segments):
            mask = index == k
            out[mask] = bar + (ticks[mask] - start) / self._bar_ticks(self.tpq, num, den)
        return out

    def beats_in_bar(self, bar: int) -> int:
        """Number of beats (time-signature numerator) in bar ``bar``."""
        numerator = self.segments[0][2]
        for _tick, start_bar, num, _den in self.segments:
            if start_bar <= bar + 1e-9:
                numerator = num
        return numerator
