"""The one data type that flows through jazzsolo: a lead sheet (melody notes, chords, bars).

Plain containers in the spirit of pretty_midi: no music theory and no I/O here. Times are in
quarter notes from the start of the piece; bar b spans
``[first_bar_start + b * bar_length, first_bar_start + (b + 1) * bar_length)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def bar_length(beats_per_bar: int, beat_unit: int) -> float:
    """Quarter notes in one bar of a meter (4/4 -> 4.0, 3/4 -> 3.0, 6/8 -> 3.0)."""
    return beats_per_bar * 4.0 / beat_unit


@dataclass(frozen=True)
class Meter:
    """A time signature: ``beats_per_bar`` beats of note value 1/``beat_unit``."""

    beats_per_bar: int = 4
    beat_unit: int = 4

    @property
    def bar_length(self) -> float:
        """Length of one bar in quarter notes."""
        return bar_length(self.beats_per_bar, self.beat_unit)


@dataclass(frozen=True)
class Note:
    """One melody element. ``pitch`` is a MIDI number, or None for an explicit rest.

    Explicit rests exist only where a reader keeps them (the classic mode keeps the rests
    music21 made); elsewhere a gap between notes is the rest.
    """

    start: float
    duration: float
    pitch: int | None
    velocity: int = 90

    @property
    def end(self) -> float:
        return self.start + self.duration

    @property
    def is_rest(self) -> bool:
        return self.pitch is None


@dataclass(frozen=True)
class Chord:
    """A harmony event: the pitches that sound (a voicing) and, where known, its symbol."""

    start: float
    duration: float
    pitches: tuple[int, ...]
    symbol: str | None = None

    @property
    def end(self) -> float:
        return self.start + self.duration


def chord_to_dict(chord: Chord) -> dict[str, Any]:
    """A chord as a JSON-ready dict (model.json, the corpus cache): the one serialisation."""
    return {"start": chord.start, "duration": chord.duration, "pitches": list(chord.pitches),
            "symbol": chord.symbol}


def chord_from_dict(data: Mapping[str, Any]) -> Chord:
    """The chord ``chord_to_dict`` wrote (``pitches`` and ``symbol`` may be missing)."""
    return Chord(float(data["start"]), float(data["duration"]),
                 tuple(int(p) for p in data.get("pitches", ())), data.get("symbol"))


def bars_to_meta(bars: Sequence[Sequence[Chord]]) -> list[list[dict[str, Any]]]:
    """Bars of chords (starts inside each bar) as JSON-ready lists, as model.json keeps them."""
    return [[chord_to_dict(c) for c in bar] for bar in bars]


def bars_from_meta(meta: Mapping[str, Any]) -> list[list[Chord]]:
    """The bars of chords a model was trained over, as stored in its model.json."""
    return [[chord_from_dict(c) for c in bar] for bar in meta.get("chords") or []]


@dataclass
class LeadSheet:
    """Melody and chords of one piece (or one solo window), with meter and tempo."""

    melody: list[Note]
    chords: list[Chord]
    beats_per_bar: int = 4
    beat_unit: int = 4
    tempo: float = 120.0
    first_bar_start: float = 0.0
    n_bars: int | None = None
    bass: list[Note] = field(default_factory=list)
    name: str = ""

    @property
    def bar_length(self) -> float:
        """Length of one bar in quarter notes (3/4 -> 3.0, 6/8 -> 3.0)."""
        return bar_length(self.beats_per_bar, self.beat_unit)

    @property
    def meter(self) -> Meter:
        return Meter(self.beats_per_bar, self.beat_unit)

    def bar_of(self, time: float) -> int:
        """The bar index a time falls in (negative for a pickup before the first bar)."""
        return int((time - self.first_bar_start) // self.bar_length)

    def bar_start(self, bar: int) -> float:
        return self.first_bar_start + bar * self.bar_length

    def bar_count(self) -> int:
        """Number of bars: explicit, else enough to hold every note and chord."""
        if self.n_bars is not None:
            return self.n_bars
        ends = [n.end for n in self.melody] + [c.end for c in self.chords]
        if not ends:
            return 0
        return max(1, self.bar_of(max(ends) - 1e-9) + 1)

    def melody_in_bar(self, bar: int) -> list[Note]:
        return [n for n in self.melody if self.bar_of(n.start) == bar]

    def chords_in_bar(self, bar: int) -> list[Chord]:
        return [c for c in self.chords if self.bar_of(c.start) == bar]

    def chord_at(self, time: float) -> Chord | None:
        """The last chord starting at or before ``time`` (the classic rule), else None."""
        best = None
        for c in self.chords:
            if c.start <= time + 1e-9:
                best = c
            else:
                break
        return best
