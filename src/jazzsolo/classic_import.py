"""What music21 6.7.1's MIDI import hands the classic pipeline, rebuilt on symusic.

The classic "jazz solo with an LSTM" code reads its MIDI file with music21 6.7.1 and works on
the streams that import produces: notes struck together become chords, times snap to a grid of
sixteenths and eighth-note triplets, overlapping notes are split into voices and the gaps of a
voice are filled with rests. Its grammar counts those rests and voices, so the classic mode must
see exactly the same elements. This module reproduces those rules (see docs/classic.md) without
music21; symusic only supplies the notes. Times are in quarter notes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from jazzsolo.errors import JazzsoloError

__all__ = [
    "Element",
    "classic_chords",
    "classic_melody",
    "classic_part_elements",
    "classic_tempo",
    "classic_time_signature",
    "list_note_tracks",
]

# Internally every quantized time is an integer count of twelfths of a quarter note: the grid
# (quarters divided by 4 and by 3) and every sum or difference of grid points are multiples of
# 1/12, so integer arithmetic is exact and matches music21's Fractions.
_TWELFTHS = 12
_DIVISORS = (4, 3)
_MIN_QUARTER_LENGTH_12 = _TWELFTHS // max(_DIVISORS)  # a non-grace note never snaps to 0
_ZERO_LENGTH_FIX_12 = 3  # the classic code gives zero-length elements 0.25


@dataclass(frozen=True)
class Element:
    """One note, chord or rest of a part as music21 6.7.1 imports it (empty pitches = rest).

    ``voice`` is the index of the music21 Voice holding it (0 when the part has no voices).
    """

    offset: float
    duration: float
    pitches: tuple[int, ...]
    voice: int = 0

    @property
    def is_rest(self) -> bool:
        return not self.pitches

    @property
    def is_chord(self) -> bool:
        return len(self.pitches) > 1


class _Item:
    """A mutable element during the import: times in twelfths of a quarter."""

    __slots__ = ("offset", "duration", "end", "pitches", "grace", "seq")

    def __init__(
        self, offset: int, duration: int, pitches: tuple[int, ...], grace: bool, seq: int
    ) -> None:
        self.offset = offset
        self.duration = duration
        self.end = offset + duration
        self.pitches = pitches
        self.grace = grace
        self.seq = seq  # order of insertion into its container (music21's last tie-breaker)

    def sort_key(self) -> tuple[int, int, int]:
        # music21 sorts by offset, then grace notes first, then insertion order
        # (priority and class sort order are equal for notes, chords and rests).
        return (self.offset, 0 if self.grace else 1, self.seq)


def _tick_score(score: Any) -> Any:
    """The score with integer tick times (symusic scores may come in quarters or seconds)."""
    if "tick" in str(score.ttype).lower():
        return score
    return score.to("tick")


def list_note_tracks(score: Any) -> list[int]:
    """Indices of the symusic tracks music21 6.7.1 turns into parts, in part order: music21
    makes a part of every MIDI track holding a note, which is jazzsolo's part numbering too."""
    from jazzsolo.io import note_tracks

    return note_tracks(score)


def _snap_float(value: float) -> int:
    """Snap a non-negative time to the nearer of the 1/4 and 1/3 grids, as music21 6.7.1 does.

    The arithmetic is done in floats on purpose, the way music21 does it: ties (equal errors
    after rounding to 7 decimals) go to the smaller grid point, and a value exactly halfway
    between two points of one grid goes down. Returns twelfths of a quarter.
    """
    best: tuple[float, float, float, int] | None = None
    for div in _DIVISORS:
        unit = 1 / div
        mult = math.floor(value / unit)
        low = unit * mult
        if low <= value <= low + unit / 2.0:
            cand = (round(value - low, 7), low, round(value - low, 7), mult * (_TWELFTHS // div))
        else:
            high = unit * (mult + 1)
            cand = (round(high - value, 7), high, round(value - high, 7),
                    (mult + 1) * (_TWELFTHS // div))
        if best is None or cand[:3] < best[:3]:
            best = cand
    assert best is not None
    return best[3]


def _nearest_on_grid(ticks: int, tpq: int, div: int) -> tuple[int, int]:
    """The multiple of 1/div quarter nearest to ``ticks``: (distance in 1/(12 tpq) quarters,
    point in twelfths). A time exactly halfway goes down, as in music21."""
    low, rest = divmod(ticks * div, tpq)
    scale = _TWELFTHS // div
    if 2 * rest <= tpq:
        return rest * scale, low * scale
    return (tpq - rest) * scale, (low + 1) * scale


@functools.lru_cache(maxsize=1 << 16)
def _snap_fraction(rest: int, tpq: int) -> int | None:
    """Snap ``rest / tpq`` (0 <= rest < tpq) exactly, in twelfths; None for a near tie.

    Both grids repeat every quarter, so this decides every time with the same fraction of a
    quarter. When both grids are (nearly) equally far, music21's float arithmetic and its
    rounding of errors to 7 decimals decide instead, at the time's full size.
    """
    if (rest * 4) % tpq == 0 or (rest * 3) % tpq == 0:
        return rest * _TWELFTHS // tpq  # already on a grid
    error4, point4 = _nearest_on_grid(rest, tpq, 4)
    error3, point3 = _nearest_on_grid(rest, tpq, 3)
    if abs(error4 - error3) < 1e-6 * _TWELFTHS * tpq:
        return None
    return point4 if error4 < error3 else point3


def _snap_ticks(ticks: int, tpq: int) -> int:
    """music21's quantization of ``ticks / tpq`` quarters (negative counts as 0), in twelfths."""
    quarters, rest = divmod(max(ticks, 0), tpq)
    snapped = _snap_fraction(rest, tpq)
    if snapped is None:
        return _snap_float(max(ticks, 0) / tpq)
    return quarters * _TWELFTHS + snapped


def _raw_notes(track: Any) -> list[tuple[int, int, int]]:
    """(start tick, end tick, pitch) of a track's notes in note-on order (stable by start)."""
    notes = [(n.start, n.end, n.pitch) for n in track.notes]
    notes.sort(key=lambda n: n[0])
    return notes


def _items_from_track(track: Any, tpq: int) -> tuple[list[_Item], bool]:
    """Notes and chords of one track, quantized, plus whether music21 would make voices.

    Notes whose onsets lie within 1/16 quarter of a note's onset join it in a chord when their
    ends also lie within that tolerance; a note with a near onset but a different end only
    flags the part as needing voices.
    """
    raw = _raw_notes(track)
    starts = [r[0] for r in raw]
    ends = [r[1] for r in raw]
    pitches = [r[2] for r in raw]
    n = len(raw)
    tol = tpq / 16
    gathered: set[int] = set()
    voices_required = False
    items: list[_Item] = []
    for i in range(n):
        if i in gathered:
            continue
        t, t_off = starts[i], ends[i]
        members: list[int] | None = None
        for j in range(i + 1, n):
            if starts[j] - t > tol:
                break  # onsets are sorted: nothing later can join
            if abs(ends[j] - t_off) > tol:
                voices_required = True
                continue
            if members is None:
                members = [i]
                gathered.add(i)
            members.append(j)  # music21 does not skip notes already in an earlier chord
            gathered.add(j)
        if members is None:
            chord_pitches: tuple[int, ...] = (pitches[i],)
            length_ticks = t_off - t
        else:
            chord_pitches = tuple(pitches[k] for k in members)
            # music21 measures a chord from its LAST member's onset to its FIRST member's end
            length_ticks = t_off - starts[members[-1]]
        grace = length_ticks == 0
        if grace:
            duration = 0
        else:
            duration = _snap_ticks(length_ticks, tpq)  # a negative length counts as 0
            if duration == 0:
                duration = _MIN_QUARTER_LENGTH_12
        items.append(_Item(_snap_ticks(t, tpq), duration, chord_pitches, grace, len(items)))
    items.sort(key=_Item.sort_key)
    return items, voices_required


def _rests_for(elements: list[_Item], target_end: int, seq: int) -> list[_Item]:
    """Rests music21's makeRests(fillGaps=True) adds to one stream: lead-in, tail, gaps."""
    rests: list[tuple[int, int]] = []
    lowest = min(e.offset for e in elements)
    if lowest > 0:
        rests.append((0, lowest))
    highest = max(e.end for e in elements)
    if target_end > highest:
        rests.append((highest, target_end - highest))
    spans = sorted([(e.offset, e.duration) for e in elements] + rests)
    reached = 0
    for offset, duration in spans:
        if offset > reached:
            rests.append((reached, offset - reached))
        reached = max(reached, offset + duration)
    return [_Item(o, d, (), False, seq + k) for k, (o, d) in enumerate(rests)]


def _max_overlap_group(items: list[_Item]) -> int:
    """Size of the largest overlap group music21's getOverlaps reports (1 if none overlap).

    Elements are compared in stream order with the next ones until the first that does not
    overlap; groups are then merged by the offset of the first element that was stored.
    """
    n = len(items)
    spans = [(e.offset, e.end) for e in items]
    links: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        a = spans[i]
        for j in range(i + 1, n):
            b = spans[j]
            first, second = (a, b) if a <= b else (b, a)
            if second[0] < first[1]:
                links[i].append(j)
                links[j].append(i)
            else:
                break
    group_of: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for i in range(n):
        if not links[i]:
            continue
        target: int | None = None
        for j in sorted(links[i]):
            if j in group_of:
                target = group_of[j]
                continue
            if target is None:
                target = items[i].offset
            group_of[j] = target
            sizes[target] = sizes.get(target, 0) + 1
        if i not in group_of:
            assert target is not None
            group_of[i] = target
            sizes[target] = sizes.get(target, 0) + 1
    return max(sizes.values(), default=1)


def _make_voices(items: list[_Item]) -> list[list[_Item]]:
    """music21 6.7.1's makeVoices(fillGaps=True): greedy voices, rests in all but the last.

    Returns the voices (a single list when no voice was needed; it then gets no rests).
    """
    count = _max_overlap_group(items)
    if count == 1:
        return [items]
    voices: list[list[_Item]] = [[] for _ in range(count)]
    ends = [0] * count
    for item in items:
        for k in range(count):
            if ends[k] <= item.offset:
                voices[k].append(item)
                ends[k] = max(ends[k], item.end)
                break
        # an element that fits no voice is dropped, as music21 does
    placed: list[list[_Item]] = []
    seq = len(items)
    for voice in voices:
        if not voice:
            continue
        if placed:
            # makeRests runs on the part before each further voice is inserted: every voice
            # already in it is filled up to the part's current end.
            target = max(max(e.end for e in v) for v in placed)
            for v in placed:
                rests = _rests_for(v, target, seq)
                seq += len(rests)
                v.extend(rests)
        placed.append(voice)
    for v in placed:
        v.sort(key=_Item.sort_key)
    return placed


def _import_part(score: Any, part: int, source: str) -> list[list[_Item]]:
    """The voices of one classic part, each in music21's stream order."""
    score = _tick_score(score)
    tracks = list_note_tracks(score)
    if not 0 <= part < len(tracks):
        raise JazzsoloError(f"{source}: no part {part} (the file has {len(tracks)} parts)")
    items, voices_required = _items_from_track(score.tracks[tracks[part]], int(score.tpq))
    if voices_required:
        return _make_voices(items)
    rests = _rests_for(items, max(e.end for e in items), len(items))
    return [sorted(items + rests, key=_Item.sort_key)]


def _element(item: _Item, voice: int, duration: int | None = None) -> Element:
    length = item.duration if duration is None else duration
    return Element(item.offset / _TWELFTHS, length / _TWELFTHS, item.pitches, voice)


def _merged(
    voices: list[list[_Item]], lo: int, hi: int, chords_only: bool = False
) -> list[tuple[_Item, int]]:
    """The voices' elements with offsets in lo..hi (twelfths) in one stream, ordered as the
    classic code's `insert` of voice 2.. into voice 1, or music21's `.flat`, orders them."""
    pairs = [
        (item, v)
        for v, voice in enumerate(voices)
        for item in voice
        if lo <= item.offset <= hi and (not chords_only or len(item.pitches) > 1)
    ]
    pairs.sort(key=lambda p: (p[0].offset, 0 if p[0].grace else 1, p[1], p[0].seq))
    return pairs


def _window(start: float, end: float) -> tuple[int, int]:
    """The window start..end (both included) as bounds in twelfths, exactly."""
    return math.ceil(Fraction(start) * _TWELFTHS), math.floor(Fraction(end) * _TWELFTHS)


def classic_part_elements(score: Any, part: int, *, source: str = "score") -> list[Element]:
    """Every note, chord and rest music21 6.7.1 puts in a part, voice by voice in stream order.

    ``part`` counts parts the music21 way (tracks with notes only); ``source`` names the file
    in error messages.
    """
    voices = _import_part(score, part, source)
    return [_element(item, v) for v, voice in enumerate(voices) for item in voice]


def classic_melody(
    score: Any, part: int, start: float, end: float, *, source: str = "score"
) -> list[Element]:
    """The classic melody: the part's voices merged, zero lengths made 0.25, start..end kept.

    The classic code inserts the second voice's elements into the first, so equal offsets
    keep the first voice first (grace notes before all); the window includes both ends.
    """
    lo, hi = _window(start, end)
    return [
        _element(item, v, item.duration or _ZERO_LENGTH_FIX_12)
        for item, v in _merged(_import_part(score, part, source), lo, hi)
    ]


def classic_chords(
    score: Any, parts: list[int], start: float, end: float, *, source: str = "score"
) -> list[Element]:
    """The classic chords: Chord elements of the FIRST listed part flattened, start..end kept.

    The classic code collects several accompaniment parts but only ever reads the first.
    """
    if not parts:
        raise JazzsoloError(f"{source}: no accompaniment part given")
    lo, hi = _window(start, end)
    voices = _import_part(score, parts[0], source)
    return [_element(item, v) for item, v in _merged(voices, lo, hi, chords_only=True)]


def classic_tempo(score: Any) -> float:
    """The first tempo in quarter notes per minute, rounded to 2 decimals as music21 does
    (120 when there is none, or when it is a damaged 0 microseconds per quarter)."""
    if len(score.tempos) == 0 or score.tempos[0].mspq <= 0:
        return 120.0
    return round(60_000_000 / score.tempos[0].mspq, 2)


def classic_time_signature(score: Any) -> tuple[int, int]:
    """The first time signature as (numerator, denominator); 4/4 when the file has none."""
    if len(score.time_signatures) == 0:
        return (4, 4)
    ts = score.time_signatures[0]
    return (int(ts.numerator), int(ts.denominator))
