"""The classic value grammar: each note or rest of a measure becomes ``TYPE,DURATION[,<UP,LOW>]``.

TYPE is judged against the chord sounding at the note (R rest, C chord tone, S scale tone,
A approach tone, X other); DURATION is the element's length in quarter notes with three
decimals; ``<UP,LOW>`` is the spelled interval from the previous note of the measure plus and
minus a minor third (SPEC A2). ``decode`` turns values back into notes over chords (SPEC A6).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .score import Chord, LeadSheet, Note
from .theory import classic_note_type, interval_bounds, is_approach, spell_midi


@dataclass(frozen=True)
class Value:
    """A parsed grammar value."""

    type: str
    duration: float
    upper: str | None = None
    lower: str | None = None

    def __str__(self) -> str:
        text = f"{self.type},{self.duration:.3f}"
        if self.upper is not None:
            text += f",<{self.upper},{self.lower}>"
        return text


def parse_value(text: str) -> Value:
    """Parse ``S,0.250,<m2,P-4>`` (or ``C,0.25`` / ``R,0.083``) into a :class:`Value`."""
    head, _, bounds = text.partition(",<")
    parts = head.split(",")
    if len(parts) != 2 or parts[0] not in {"R", "C", "S", "A", "X"}:
        raise ValueError(f"not a grammar value: {text!r}")
    duration = float(parts[1])
    if not bounds:
        return Value(parts[0], duration)
    upper, sep, lower = bounds.rstrip(">").partition(",")
    if not sep:
        raise ValueError(f"not a grammar value: {text!r}")
    return Value(parts[0], duration, upper, lower)


def format_duration(quarters: float) -> str:
    return f"{quarters:.3f}"


def classic_measure_values(elements: Sequence[Note], chords: Sequence[Chord]) -> list[str]:
    """Values of one measure exactly as the classic grammar writes them.

    ``elements`` are the measure's notes and explicit rests in order; ``chords`` the measure's
    chord group in order (their pitch order matters to the classic root finding). A note
    before the group's first chord is judged against that first chord.
    """
    spelled = [tuple(spell_midi(p) for p in c.pitches) for c in chords]
    values: list[str] = []
    previous: int | None = None
    for element in elements:
        if element.pitch is None:
            values.append(f"R,{format_duration(element.duration)}")
            continue
        chord = spelled[0]
        for c, pitches in zip(chords, spelled, strict=True):
            if c.start <= element.start + 1e-9:
                chord = pitches
        text = f"{classic_note_type(element.pitch, chord)},{format_duration(element.duration)}"
        if previous is not None:
            upper, lower = interval_bounds(previous, element.pitch)
            text += f",<{upper},{lower}>"
        previous = element.pitch
        values.append(text)
    return values


def _groups_by_bar(items: Sequence[Note] | Sequence[Chord]) -> list[list]:
    """Consecutive runs of items whose ``int(start / 4)`` is equal (the classic grouping)."""
    groups: list[list] = []
    last_key = None
    for item in items:
        key = int(item.start / 4)
        if not groups or key != last_key:
            groups.append([])
            last_key = key
        groups[-1].append(item)
    return groups


@dataclass(frozen=True)
class ClassicGrammar:
    """The classic grammar of a solo window: value lines per measure, and the chord groups."""

    measures: list[list[str]]
    chord_groups: list[list[Chord]]
    melody_groups: list[list[Note]]

    @property
    def n_chords(self) -> int:
        """The classic chord count: its groups plus the header group of offset-0 meta events."""
        return len(self.chord_groups) + 1


def classic_grammar(melody: Sequence[Note], chords: Sequence[Chord]) -> ClassicGrammar:
    """Group a classic window by 4-quarter measures and encode each measure (SPEC A1-A2).

    The classic code groups consecutive elements by ``int(offset / 4)``, drops the final chord
    group, and pairs melody and chord groups by their order. Its group 0 holds only the meta
    events it put at offset 0; melody or chords of the first four quarters of the piece fall
    into it and are skipped, as there.
    """
    mel_groups = [g for g in _groups_by_bar(melody) if int(g[0].start / 4) != 0]
    chord_groups = [g for g in _groups_by_bar(chords) if int(g[0].start / 4) != 0][:-1]
    if len(chord_groups) < len(mel_groups):
        raise ValueError(
            f"the window has {len(mel_groups)} measures of melody but only "
            f"{len(chord_groups)} measures with chords (the classic mode needs a chord in "
            "every measure)"
        )
    measures = [
        classic_measure_values(mel, ch) for mel, ch in zip(mel_groups, chord_groups, strict=False)
    ]
    return ClassicGrammar(measures, chord_groups, mel_groups)


# ------------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class ChordContext:
    """What the decoder needs to know of a chord: its pitch classes and its scale's."""

    start: float
    chord_pcs: frozenset[int]
    scale_pcs: frozenset[int]


def chord_context(chord: Chord, start: float | None = None) -> ChordContext:
    """Pitch classes of a chord and of its scale: from its symbol when it has one, else the
    classic derivation from its sounding pitches."""
    from .chords.symbols import parse_chord
    from .theory import classic_scale_names

    begin = chord.start if start is None else start
    if chord.symbol:
        symbol = parse_chord(chord.symbol)
        return ChordContext(begin, frozenset(symbol.pitch_classes), frozenset(symbol.scale))
    spelled = tuple(spell_midi(p) for p in chord.pitches)
    if not spelled:
        return ChordContext(begin, frozenset(), frozenset())
    names = classic_scale_names(spelled)
    scale = frozenset(p % 12 for p in range(12) if spell_midi(p).name in names)
    return ChordContext(begin, frozenset(p % 12 for p in chord.pitches), scale)


def _fits(pitch: int, kind: str, ctx: ChordContext) -> bool:
    pc = pitch % 12
    if not ctx.chord_pcs:  # no chord (NC): every pitch is as good as any
        return True
    in_chord = pc in ctx.chord_pcs
    if kind == "C":
        return in_chord
    if kind == "S":
        return pc in ctx.scale_pcs and not in_chord
    approach = is_approach(pc, ctx.chord_pcs)
    if kind == "A":
        return approach and not in_chord
    return not in_chord and pc not in ctx.scale_pcs and not approach  # X


@dataclass
class Decoder:
    """Turns grammar values into pitches over chords, one value at a time (SPEC A6).

    Each note takes a random pitch of its type inside the range its ``<UP,LOW>`` bounds allow
    from the previous note; with no bounds (or no previous note) a pitch of its type near the
    middle of the range; with no pitch of that type in range, a whole step from the previous
    note. ``low``/``high`` keep the line playable (octave 3 and up by default).
    """

    rng: object  # random.Random
    low: int = 48
    high: int = 84
    first_low: int = 60
    previous: int | None = None

    def pitch_for(self, value: Value, ctx: ChordContext) -> int:
        from .theory import parse_interval

        kind = value.type
        if self.previous is not None and value.upper is not None:
            a = self.previous + parse_interval(value.upper).semitones
            b = self.previous + parse_interval(value.lower).semitones
            lo, hi = max(min(a, b), self.low), min(max(a, b), self.high)
        elif self.previous is not None:
            lo, hi = max(self.previous - 7, self.low), min(self.previous + 7, self.high)
        else:
            lo, hi = max(self.first_low, self.low), min(self.first_low + 12, self.high)
        candidates = [p for p in range(lo, hi + 1) if _fits(p, kind, ctx)]
        if not candidates and self.previous is None:
            candidates = [p for p in range(lo, hi + 1) if _fits(p, "C", ctx)] or [lo]
        if candidates:
            pitch = self.rng.choice(candidates)
        else:
            step = self.rng.choice((-2, 2))
            pitch = self.previous + step
            if not self.low <= pitch <= self.high:
                pitch = self.previous - step
        self.previous = pitch
        return pitch


def clean_up(notes: list[Note], monophonic: bool = True) -> list[Note]:
    """The classic clean-up: zero-length notes get 0.25, a note repeating the previous pitch or
    starting with the previous note is dropped; with ``monophonic`` a note is cut where the
    next one starts (the course's overlapping measures keep their overlaps)."""
    out: list[Note] = []
    for n in sorted(notes, key=lambda n: n.start):
        if n.duration <= 0:
            n = Note(n.start, 0.25, n.pitch, n.velocity)
        if out and (n.pitch == out[-1].pitch or abs(n.start - out[-1].start) < 1e-9):
            continue
        if monophonic and out and out[-1].end > n.start:
            last = out[-1]
            out[-1] = Note(last.start, n.start - last.start, last.pitch, last.velocity)
        out.append(n)
    return out


# ------------------------------------------------------------------ any lead sheet (modern)

DEFAULT_DIVISIONS = (4, 3)  # onsets and lengths snap to sixteenths or eighth-note triplets


def snap(time: float, divisions: Sequence[int] = DEFAULT_DIVISIONS) -> float:
    """The nearest point of any of the grids (quarter / d for each d); ties go to the earlier.

    ``encode_lead_sheet`` snaps absolute onsets and ends (from the first bar line) with it, never
    differences of snapped times, so every bar it writes adds up exactly.
    """
    best = None
    for d in divisions:
        for point in (math.floor(time * d) / d, math.ceil(time * d) / d):
            key = (abs(point - time), point)
            if best is None or key < best:
                best = key
    return best[1] if best else time


def _grid_unit(bar_length: float, divisions: Sequence[int]) -> int:
    """Ticks per quarter such that every grid point and every bar line is a whole tick."""
    bar = Fraction(bar_length).limit_denominator(10_000)
    return math.lcm(*divisions, bar.denominator)


def encode_lead_sheet(
    sheet: LeadSheet, divisions: Sequence[int] = DEFAULT_DIVISIONS, keep_empty_bars: bool = False
) -> tuple[list[list[str]], list[int]]:
    """Values of every bar of any lead sheet; returns (values per bar, the bar numbers kept).

    Onsets and ends snap to the grid (default: sixteenths and eighth-note triplets, as the
    classic import did, measured from the first bar line), so the vocabulary stays bounded.
    Durations are exact differences of snapped times, so each bar's values add up to its
    length: a note lasts to its snapped end, the next onset or its bar line, whichever comes
    first (and at least to the next grid point); gaps become rests; of notes snapped to one
    onset the highest is kept. Types come from each chord's symbol (pitch classes and
    chord-scale) or, without one, from its pitches; a bar with no notes is skipped unless
    ``keep_empty_bars``.
    """
    elements, kept, unit = bar_elements(sheet, divisions, keep_empty_bars)
    bars = [
        [str(Value(kind, length / unit, *(bounds or (None, None)))) for kind, length, bounds in bar]
        for bar in elements
    ]
    return bars, kept


def bar_elements(
    sheet: LeadSheet, divisions: Sequence[int] = DEFAULT_DIVISIONS, keep_empty_bars: bool = False
) -> tuple[list[list[tuple[str, int, tuple[str, str] | None]]], list[int], int]:
    """What ``encode_lead_sheet`` writes, with exact lengths: (elements per kept bar as
    (type, length in ticks, interval bounds or None), the bar numbers kept, ticks per quarter).

    Every kept bar's lengths add up to exactly the bar length in ticks, and none is zero.
    """
    unit = _grid_unit(sheet.bar_length, divisions)
    bar_units = round(Fraction(sheet.bar_length).limit_denominator(10_000) * unit)
    origin = sheet.first_bar_start

    def ticks(time: float) -> int:
        return round(snap(time - origin, divisions) * unit)

    def next_grid(tick: int) -> int:
        """The first grid point after ``tick``."""
        return min((tick * d // unit + 1) * unit // d for d in divisions)

    notes = sorted(
        ((ticks(n.start), ticks(n.end), n.pitch) for n in sheet.melody if n.pitch is not None),
        key=lambda n: (n[0], -n[2]),
    )
    mono: list[tuple[int, int, int]] = []
    for n in notes:
        if mono and mono[-1][0] == n[0]:
            continue  # same snapped onset: keep the higher (first) note
        mono.append(n)
    contexts = [chord_context(c) for c in sorted(sheet.chords, key=lambda c: c.start)]
    starts = [c.start for c in contexts]
    by_bar: dict[int, list[int]] = {}
    for i, (start, _, _) in enumerate(mono):
        by_bar.setdefault(start // bar_units, []).append(i)
    bars: list[list[tuple[str, int, tuple[str, str] | None]]] = []
    kept: list[int] = []
    count = sheet.bar_count()
    # Only bars with notes unless empty ones are kept: a note hours later is no hour of loops.
    numbers = range(min(by_bar, default=0), count) if keep_empty_bars else sorted(
        b for b in by_bar if b < count)
    for bar in numbers:
        members = by_bar.get(bar, [])
        bar_start, bar_end = bar * bar_units, (bar + 1) * bar_units
        elements: list[tuple[str, int, tuple[str, str] | None]] = []
        t = bar_start
        previous: int | None = None  # intervals are measured inside a bar, as in the classic
        for i in members:
            start, end, pitch = mono[i]
            if start > t:
                elements.append(("R", start - t, None))
            nxt = mono[i + 1][0] if i + 1 < len(mono) else bar_end
            stop = min(max(end, next_grid(start)), nxt, bar_end)
            kind = _kind(pitch, context_at(contexts, origin + start / unit, starts))
            bounds = interval_bounds(previous, pitch) if previous is not None else None
            elements.append((kind, stop - start, bounds))
            previous = pitch
            t = stop
        if bar_end > t:
            elements.append(("R", bar_end - t, None))
        bars.append(elements)
        kept.append(bar)
    return bars, kept, unit


def context_at(
    contexts: Sequence[ChordContext], t: float, starts: Sequence[float] | None = None
) -> ChordContext | None:
    """The context of the last chord starting at or before ``t`` (else the first one); pass the
    chord ``starts`` (sorted) to find it by bisection."""
    if not contexts:
        return None
    if starts is None:
        starts = [c.start for c in contexts]
    i = bisect.bisect_right(starts, t + 1e-9) - 1
    return contexts[max(i, 0)]


def _kind(pitch: int, ctx: ChordContext | None) -> str:
    from .theory import pitch_class_type

    if ctx is None or not ctx.chord_pcs:
        return "X"
    return pitch_class_type(pitch % 12, ctx.chord_pcs, ctx.scale_pcs)
