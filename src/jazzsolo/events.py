"""Note events: a solo as the jazz model reads and writes it, with what the soloist hears.

A solo is a gap-free stream of events, each a pitch or a rest with a duration; the next event
starts where the previous one ends. Times are ticks of a grid (``GRIDS``): 24 a quarter for new
models, where onsets snap to sixteenths and eighth-note triplets and, in a beat that needs them,
to 32nds and sextuplets (12 a quarter without those for the first models); durations are
differences of snapped onsets (longer rests are split, longer notes cut). Every event also
carries its context at its onset: position in the bar (beat and tick in the beat), the meter,
the chord sounding (root, quality, tones, scale), the next chord and how far away it is, and
the tempo (players at 60 and at 300 beats a minute phrase very differently), and who plays
(an index into a model's own list of players, 0 for any player: set per solo in training).

``encode(sheet)`` gives an :class:`EventSeq` (integer arrays); ``decode(pitches, durations,
changes)`` gives a monophonic LeadSheet whose events exactly fill every bar of the changes.
Numpy only: generation builds its inputs here without torch.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .chords import NO_CHORD, ChordSymbol, chord_from_pitches, parse_chord
from .errors import JazzsoloError
from .score import Chord, LeadSheet, Note


@dataclass(frozen=True)
class Grid:
    """Where events may start and how long they may last, in ticks (a quarter note's division).

    Onsets snap beat by beat to the nearest of ``patterns`` (positions inside a beat, the next
    beat's downbeat last); a ``fine`` pattern replaces it only in a beat where it would merge
    two notes and the fine one merges fewer, so a ballad's 32nd-note run or sextuplet keeps its
    notes while swung eighths at 250 bpm are written exactly as on the plain grid. Note ends
    snap to the plain positions; gaps shorter than ``min_rest`` are articulation (the note
    before keeps them)."""

    ticks: int
    patterns: tuple[tuple[int, ...], ...]
    fine: tuple[tuple[int, ...], ...]
    min_rest: int
    max_ticks: int  # the longest event (a whole note in 4/4); longer rests are split

    @property
    def ends(self) -> tuple[int, ...]:
        """Positions inside a beat that a note's end snaps to (the plain patterns' union)."""
        return tuple(sorted({g for pat in self.patterns for g in pat}))

    def plain_positions(self) -> np.ndarray:
        """The plain patterns' positions inside a beat, as ``ticks`` booleans."""
        ok = np.zeros(self.ticks, dtype=bool)
        ok[[g % self.ticks for g in self.ends]] = True
        return ok

    def fine_positions(self) -> np.ndarray:
        """The fine patterns' positions inside a beat, as ``ticks`` booleans."""
        ok = np.zeros(self.ticks, dtype=bool)
        for pattern in self.fine:
            ok[[g % self.ticks for g in pattern]] = True
        return ok

    @property
    def fine_step(self) -> int:
        """The longest step of a fine pattern (ticks): how long an ornament may last."""
        return max((pattern[1] - pattern[0] for pattern in self.fine), default=0)

    def positions_at(self, tempo: float, min_step: float) -> np.ndarray:
        """Which positions inside a beat (``ticks`` booleans) a note may start on at
        ``tempo`` (quarter notes a minute): the plain patterns', and a fine pattern's where
        its step lasts at least ``min_step`` seconds (closer onsets are heard as ornaments)."""
        ok = self.plain_positions()
        for pattern in self.fine:
            if (pattern[1] - pattern[0]) / self.ticks * 60.0 / tempo >= min_step - 1e-9:
                ok[[g % self.ticks for g in pattern]] = True
        return ok


GRIDS = {
    # The first models' grid: sixteenths and triplet eighths, twelve ticks a quarter.
    12: Grid(12, ((0, 3, 6, 9, 12), (0, 4, 8, 12)), (), 3, 48),
    # The same, plus 32nds and sextuplets where a beat needs them: 24 ticks a quarter.
    24: Grid(24, ((0, 6, 12, 18, 24), (0, 8, 16, 24)),
             (tuple(range(0, 25, 3)), tuple(range(0, 25, 4))), 6, 96),
}
TICKS = 24  # per quarter note: the grid new models use and Changes default to
REST = -1  # the pitch of a rest in event arrays
QUALITIES = ("none", "major", "minor", "dominant", "half-diminished", "diminished",
             "augmented", "suspended", "minor-major", "power")
MAX_BEATS = 16  # beat-in-bar field size
MAX_METER = 32  # meter field: the bar length in eighth notes
DIST_BUCKETS = 33  # distance to the next chord in eighths, 0-31; 32 = no next chord
NONE_PC = 12  # root field value for no chord
TEMPO_LOW = 40.0  # tempo field: quarter-octave buckets of the beats per minute from here
TEMPO_BUCKETS = 14  # 40 bpm to ~400 bpm (faster or slower goes to the last or first)
MAX_PLAYERS = 128  # player field size: 0 = any player, then a model's players in its order
HYPER_BARS = 4  # hyper field: the bar's place in a group of this many bars
PHRASE_CAP = 16  # phrase and last_bar fields: quarter notes / notes counted up to this
# density field: the whole solo's notes a bar, bucketed at these edges (9 buckets), then one
# value for "any density" (training windows whose field is dropped: --density-dropout)
DENSITY_EDGES = (3.0, 4.0, 5.0, 6.0, 7.0, 8.5, 10.5, 13.0)
DENSITY_ANY = len(DENSITY_EDGES) + 1
BAR_PLAN_CAP = 24  # bar_plan field: the notes starting in the event's bar, counted up to this

# Integer input fields describing the context of event t (what the soloist hears at its onset,
# then where the solo stands in its phrase: ``phrase_columns``; last, how busy the whole solo
# is, ``density_bucket``, how many notes its bar holds, ``bar_plan_column``, both drawn for
# each take in generation, and how many of them are still to start, ``bar_left_column``).
CONTEXT_FIELDS = ("beat", "sub", "meter", "root", "quality", "next_interval", "next_quality",
                  "next_distance", "tempo", "player", "hyper", "phrase", "last_bar",
                  "density", "bar_plan", "bar_left")
PHRASE_FIELDS = ("phrase", "last_bar")  # read from the events before (see phrase_columns)
N_MASKS = 36  # chord tones, chord scale, next chord tones: 12 absolute pitch classes each


def context_sizes(ticks: int = TICKS) -> dict[str, int]:
    """Each context field's vocabulary size on a grid of ``ticks`` a quarter (only the
    tick-in-beat field depends on it)."""
    return {"beat": MAX_BEATS, "sub": ticks, "meter": MAX_METER + 1, "root": 13,
            "quality": len(QUALITIES), "next_interval": 13, "next_quality": len(QUALITIES),
            "next_distance": DIST_BUCKETS, "tempo": TEMPO_BUCKETS, "player": MAX_PLAYERS,
            "hyper": HYPER_BARS, "phrase": PHRASE_CAP + 1, "last_bar": PHRASE_CAP + 1,
            "density": DENSITY_ANY + 1, "bar_plan": BAR_PLAN_CAP + 1, "bar_left": BAR_PLAN_CAP + 1}


@dataclass
class EventSeq:
    """One solo as events: pitch (MIDI or REST), duration (ticks), onset (ticks from the first
    bar line), with integer context fields and 36-wide pitch-class masks per event."""

    pitch: np.ndarray  # (n,) int64
    duration: np.ndarray  # (n,) int64, 1..the grid's max_ticks
    onset: np.ndarray  # (n,) int64
    context: np.ndarray  # (n, len(CONTEXT_FIELDS)) int64
    masks: np.ndarray  # (n, N_MASKS) float32
    root: np.ndarray  # (n,) int64: root pitch class of the chord at the onset (NONE_PC: none)
    name: str = ""

    def __len__(self) -> int:
        return len(self.pitch)

    def __getitem__(self, window: slice) -> EventSeq:
        """The events in ``window`` (views of the arrays)."""
        return EventSeq(self.pitch[window], self.duration[window], self.onset[window],
                        self.context[window], self.masks[window], self.root[window], self.name)


@lru_cache(maxsize=4096)
def symbol_for(text: str | None, pitches: tuple[int, ...] = ()) -> ChordSymbol:
    """The chord symbol of a Chord: its written symbol, else named from its pitches, else NC."""
    if text:
        try:
            return parse_chord(text)
        except JazzsoloError:
            pass
    if pitches:
        return chord_from_pitches(pitches) or NO_CHORD
    return NO_CHORD


def snap_onset(ticks: float, grid: Grid = GRIDS[TICKS]) -> int:
    """The nearest plain grid position (sixteenths and eighth-note triplets) to a time in
    ticks of ``grid``: where a note's end goes."""
    beat = math.floor(ticks / grid.ticks)
    inside = ticks - beat * grid.ticks
    best = min(grid.ends, key=lambda g: abs(g - inside))
    return int(beat * grid.ticks + best)


def _snap_beat(inside: list[float], patterns: Sequence[Sequence[int]], floor: float,
               fewest_merged: bool) -> tuple[int, list[int]]:
    """The pattern nearest in squared error to one beat's onsets (``fewest_merged``: among
    those merging the fewest notes): (notes it merges, positions). A position at or before
    ``floor`` (the last onset kept) counts as merged."""
    best: tuple[int, float, list[int]] = (len(inside) + 1, math.inf, [])
    for pattern in patterns:
        snapped = [min(pattern, key=lambda g, x=x: abs(g - x)) for x in inside]
        merged = len(snapped) - len(set(snapped)) + sum(g <= floor for g in set(snapped))
        cost = sum((g - x) ** 2 for g, x in zip(snapped, inside, strict=True))
        if ((merged if fewest_merged else 0, cost)
                < (best[0] if fewest_merged else 0, best[1] - 1e-9)):
            best = (merged, cost, snapped)
    return best[0], best[2]


def snap_onsets(ticks: Sequence[float], grid: Grid = GRIDS[TICKS]) -> list[int]:
    """Onsets (ticks of ``grid``) snapped beat by beat: all onsets inside one beat go to one
    plain pattern (sixteenths or triplet eighths, whichever is nearer in total), so runs never
    mix 3 and 4; a fine pattern (32nds or sextuplets) only where it keeps notes the nearest
    plain one would merge. Merged notes stay in the list (``encode`` drops them)."""
    out: list[int] = []
    i = 0
    ticks = list(ticks)
    while i < len(ticks):
        beat = math.floor(ticks[i] / grid.ticks)
        j = i
        while j < len(ticks) and math.floor(ticks[j] / grid.ticks) == beat:
            j += 1
        inside = [t - beat * grid.ticks for t in ticks[i:j]]
        floor = out[-1] - beat * grid.ticks if out else -math.inf
        merged, best = _snap_beat(inside, grid.patterns, floor, False)
        if merged and grid.fine:
            fewer, fine = _snap_beat(inside, grid.fine, floor, True)
            if fewer < merged:
                best = fine
        out.extend(beat * grid.ticks + g for g in best)
        i = j
    return out


@dataclass(frozen=True)
class Changes:
    """Chords to play over, on a tick grid: change times, symbols, bar length and bar count."""

    starts: tuple[int, ...]  # ticks from the first bar line, increasing
    symbols: tuple[ChordSymbol, ...]
    bar_ticks: int
    n_bars: int
    beats_per_bar: int = 4
    beat_unit: int = 4
    ticks: int = TICKS  # per quarter note

    @property
    def total_ticks(self) -> int:
        return self.bar_ticks * self.n_bars

    def at(self, ticks: int) -> Changes:
        """The same changes on a grid of ``ticks`` a quarter (exact when it divides evenly;
        a model reads them on its own grid)."""
        if ticks == self.ticks:
            return self

        def scale(t: int) -> int:
            return round(t * ticks / self.ticks)

        return Changes(tuple(scale(t) for t in self.starts), self.symbols,
                       max(1, scale(self.bar_ticks)), self.n_bars, self.beats_per_bar,
                       self.beat_unit, ticks)

    def chords(self) -> list[Chord]:
        """The changes as LeadSheet chords in quarter notes, voiced from their symbols and
        struck again in every bar they last (as the classic generator comps)."""
        from .chords import voice_chord

        out = []
        ends = list(self.starts[1:]) + [self.total_ticks]
        for s, e, sym in zip(self.starts, ends, self.symbols, strict=True):
            pitches = voice_chord(sym) if sym.quality != "none" else ()
            s, e = max(0, s), min(e, self.total_ticks)
            while s < e:
                cut = min(e, (s // self.bar_ticks + 1) * self.bar_ticks)
                out.append(Chord(s / self.ticks, (cut - s) / self.ticks, pitches, sym.name))
                s = cut
        return out


def changes_of(sheet: LeadSheet, n_bars: int | None = None, ticks: int = TICKS) -> Changes:
    """The chords of a lead sheet as :class:`Changes` on a grid of ``ticks`` a quarter (times
    from its first bar line)."""
    bar_ticks = max(1, round(sheet.bar_length * ticks))
    origin = sheet.first_bar_start
    starts: list[int] = []
    symbols: list[ChordSymbol] = []
    for c in sorted(sheet.chords, key=lambda c: c.start):
        t = round((c.start - origin) * ticks)
        sym = symbol_for(c.symbol, tuple(c.pitches))
        if starts and t <= starts[-1]:
            starts[-1], symbols[-1] = max(t, starts[-1]), sym  # same onset: the later wins
            continue
        if symbols and sym.name == symbols[-1].name:
            continue  # a re-struck chord is not a change
        starts.append(t)
        symbols.append(sym)
    bars = sheet.bar_count() if n_bars is None else n_bars
    return Changes(tuple(starts), tuple(symbols), bar_ticks, max(1, bars),
                   sheet.beats_per_bar, sheet.beat_unit, ticks)


def changes_from_bars(bars: Sequence[Sequence[Chord]], bar_length: float,
                      beats_per_bar: int = 4, beat_unit: int = 4, ticks: int = TICKS,
                      ) -> Changes:
    """Changes from bars of chords whose starts are inside their bar (what generate uses)."""
    chords = [Chord(b * bar_length + c.start, c.duration, c.pitches, c.symbol)
              for b, bar in enumerate(bars) for c in sorted(bar, key=lambda c: c.start)]
    sheet = LeadSheet([], chords, beats_per_bar, beat_unit, n_bars=len(bars))
    changes = changes_of(sheet, len(bars), ticks)
    return Changes(changes.starts, changes.symbols, max(1, round(bar_length * ticks)), len(bars),
                   beats_per_bar, beat_unit, ticks)


def _mask(pcs: Sequence[int]) -> np.ndarray:
    m = np.zeros(12, dtype=np.float32)
    m[list(pcs)] = 1.0
    return m


def tempo_bucket(bpm: float) -> int:
    """The tempo field's value: quarter octaves of beats per minute above ``TEMPO_LOW``."""
    if not (isinstance(bpm, (int, float)) and math.isfinite(bpm) and bpm > 0):
        return 0
    return int(min(TEMPO_BUCKETS - 1, max(0, math.floor(4 * math.log2(bpm / TEMPO_LOW)))))


def context_at(changes: Changes, onsets: np.ndarray, tempo: float = 120.0, player: int = 0,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Context fields, masks and chord roots for events starting at ``onsets`` (ticks), at
    ``tempo`` (quarter notes a minute), played by ``player`` (a model's index, 0: any)."""
    onsets = np.asarray(onsets, dtype=np.int64)
    n = len(onsets)
    ctx = np.zeros((n, len(CONTEXT_FIELDS)), dtype=np.int64)
    masks = np.zeros((n, N_MASKS), dtype=np.float32)
    roots = np.full(n, NONE_PC, dtype=np.int64)
    eighth = changes.ticks // 2
    in_bar = onsets % changes.bar_ticks
    ctx[:, 0] = np.minimum(in_bar // changes.ticks, MAX_BEATS - 1)
    ctx[:, 1] = in_bar % changes.ticks
    ctx[:, 2] = min(MAX_METER, max(1, round(changes.bar_ticks / eighth)))
    ctx[:, CONTEXT_FIELDS.index("tempo")] = tempo_bucket(tempo)
    ctx[:, CONTEXT_FIELDS.index("player")] = player
    ctx[:, CONTEXT_FIELDS.index("hyper")] = onsets // changes.bar_ticks % HYPER_BARS
    starts = list(changes.starts)
    for i, t in enumerate(onsets.tolist()):
        k = bisect.bisect_right(starts, t) - 1
        cur = changes.symbols[k] if k >= 0 else NO_CHORD
        nxt = changes.symbols[k + 1] if k + 1 < len(starts) else None
        has = cur.quality != "none"
        root = cur.root if has else NONE_PC
        roots[i] = root
        ctx[i, 3] = root
        ctx[i, 4] = QUALITIES.index(cur.quality)
        masks[i, :12] = _mask(cur.pitch_classes)
        masks[i, 12:24] = _mask(cur.scale)
        if nxt is not None:
            ctx[i, 5] = (nxt.root - cur.root) % 12 if has and nxt.quality != "none" else NONE_PC
            ctx[i, 6] = QUALITIES.index(nxt.quality)
            ctx[i, 7] = min(DIST_BUCKETS - 2, (starts[k + 1] - t) // eighth)
            masks[i, 24:] = _mask(nxt.pitch_classes)
        else:
            ctx[i, 5], ctx[i, 6], ctx[i, 7] = NONE_PC, 0, DIST_BUCKETS - 1
    return ctx, masks, roots


def density_bucket(notes_per_bar: float) -> int:
    """The density field's value: which of the ``DENSITY_EDGES`` buckets a solo's notes a bar
    fall in (0: under 3, 8: 13 or more)."""
    return int(np.searchsorted(DENSITY_EDGES, notes_per_bar, side="right"))


def bar_counts(pitch: np.ndarray, onset: np.ndarray, bar_ticks: int) -> np.ndarray:
    """Notes (not rests) starting in each bar from the first bar line to the last event's
    bar, capped at ``BAR_PLAN_CAP`` (a pickup before bar 0 is not counted)."""
    bars = np.asarray(onset) // bar_ticks
    n_bars = int(bars.max()) + 1 if len(bars) and bars.max() >= 0 else 0
    notes = bars[(np.asarray(pitch) != REST) & (bars >= 0)]
    return np.minimum(np.bincount(notes, minlength=n_bars), BAR_PLAN_CAP)


def _notes_in_bar(pitch: np.ndarray, onset: np.ndarray, bar_ticks: int,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """For every event: the notes starting in its whole bar, and in its bar from it on (it
    included, when a note); both capped at ``BAR_PLAN_CAP``."""
    bars = np.asarray(onset, dtype=np.int64) // bar_ticks
    note = (np.asarray(pitch) != REST).astype(np.int64)
    after = np.concatenate([np.cumsum(note[::-1])[::-1], [0]])  # notes from each event on
    first = after[np.searchsorted(bars, bars, side="left")]
    beyond = after[np.searchsorted(bars, bars, side="right")]  # from the next bar on
    return np.minimum(first - beyond, BAR_PLAN_CAP), np.minimum(after[:-1] - beyond, BAR_PLAN_CAP)


def bar_plan_column(pitch: np.ndarray, onset: np.ndarray, bar_ticks: int) -> np.ndarray:
    """The ``bar_plan`` field of every event: how many notes start in its bar (capped at
    ``BAR_PLAN_CAP``); in training the truth, in generation a plan drawn bar by bar."""
    return _notes_in_bar(pitch, onset, bar_ticks)[0]


def bar_left_column(pitch: np.ndarray, onset: np.ndarray, bar_ticks: int) -> np.ndarray:
    """The ``bar_left`` field of every event: how many notes start in its bar from it on (it
    included, when a note), capped at ``BAR_PLAN_CAP``; in generation the bar's plan less the
    notes already played in it (``PhraseCounter.counts``)."""
    return _notes_in_bar(pitch, onset, bar_ticks)[1]


def phrase_columns(pitch: np.ndarray, duration: np.ndarray, onset: np.ndarray,
                   bar_ticks: int, ticks: int) -> np.ndarray:
    """The ``phrase`` and ``last_bar`` fields of every event, from the events before it only:
    whole quarter notes since the last rest ended (or since the first event), and notes started
    in the bar before the event's bar (none before the first event's bar), each capped at
    ``PHRASE_CAP``. (n, 2) int64.
    ``PhraseCounter`` gives the same values one event at a time, as generation needs."""
    pitch, duration, onset = (np.asarray(a, dtype=np.int64) for a in (pitch, duration, onset))
    out = np.zeros((len(pitch), 2), dtype=np.int64)
    if not len(pitch):
        return out
    rest_end = np.where(pitch == REST, onset + duration, onset[0])
    since = np.maximum.accumulate(np.concatenate([onset[:1], rest_end[:-1]]))
    out[:, 0] = np.minimum(PHRASE_CAP, (onset - since) // ticks)
    bar = onset // bar_ticks
    bar = bar - bar.min()  # a pickup before the first bar line is the first bar counted
    counts = np.bincount(bar[pitch != REST], minlength=int(bar.max()) + 1)
    out[:, 1] = np.where(bar > 0, np.minimum(PHRASE_CAP, counts[np.maximum(bar - 1, 0)]), 0)
    return out


class PhraseCounter:
    """``phrase_columns`` one event at a time for a batch of takes that start at tick 0 (how
    generation feeds the phrase fields): ``columns(t)`` before each event, ``played`` after."""

    def __init__(self, n_takes: int, n_bars: int, bar_ticks: int, ticks: int) -> None:
        self.since = np.zeros(n_takes, dtype=np.int64)
        self.counts = np.zeros((n_takes, n_bars + 1), dtype=np.int64)
        self.bar_ticks, self.ticks = bar_ticks, ticks

    def columns(self, t: np.ndarray) -> np.ndarray:
        """The two fields for events starting at ``t`` (ticks; one per take)."""
        bar = np.minimum(t // self.bar_ticks, self.counts.shape[1] - 1)
        last = self.counts[np.arange(len(t)), np.maximum(bar - 1, 0)]
        return np.stack([np.minimum(PHRASE_CAP, (t - self.since) // self.ticks),
                         np.where(bar > 0, np.minimum(PHRASE_CAP, last), 0)], axis=1)

    def played(self, pitch: np.ndarray, duration: np.ndarray, t: np.ndarray,
               live: np.ndarray) -> None:
        """Count the events (pitch, duration) just played at ``t`` by the ``live`` takes."""
        rest = live & (pitch == REST)
        self.since = np.where(rest, t + duration, self.since)
        rows = np.nonzero(live & (pitch != REST))[0]
        bar = np.minimum(t[rows] // self.bar_ticks, self.counts.shape[1] - 1)
        self.counts[rows, bar] += 1


def encode(sheet: LeadSheet, ticks: int = TICKS) -> EventSeq:
    """The solo of a lead sheet as events on the grid of ``ticks`` a quarter (``GRIDS``), from
    its first note to its last.

    Onsets snap to the grid (notes landing on an occupied onset are dropped), a note lasts to
    its snapped end or the next onset, gaps become rests, and events longer than the grid's
    ``max_ticks`` are split (rests) or cut (notes).
    """
    grid = GRIDS[ticks]
    origin = sheet.first_bar_start
    notes = sorted((n for n in sheet.melody if n.pitch is not None), key=lambda n: n.start)
    on: list[int] = []
    off: list[int] = []
    pit: list[int] = []
    snapped = snap_onsets([(n.start - origin) * ticks for n in notes], grid)
    for n, s in zip(notes, snapped, strict=True):
        if on and s <= on[-1]:
            continue
        on.append(s)
        off.append(max(s + 1, snap_onset((n.end - origin) * ticks, grid)))
        pit.append(int(n.pitch))  # type: ignore[arg-type]
    pitches: list[int] = []
    durs: list[int] = []
    onsets: list[int] = []

    def emit(p: int, t: int, d: int) -> None:
        while d > 0:
            step = min(d, grid.max_ticks)
            pitches.append(p)
            durs.append(step)
            onsets.append(t)
            t += step
            d -= step
            if p != REST:
                break  # a note longer than max_ticks is cut, not repeated

    for i, (s, e, p) in enumerate(zip(on, off, pit, strict=True)):
        nxt = on[i + 1] if i + 1 < len(on) else None
        end = min(e, nxt) if nxt is not None else e
        if nxt is not None and nxt - end < grid.min_rest:
            end = nxt
        length = min(end - s, grid.max_ticks)
        emit(p, s, length)
        if nxt is not None and nxt > s + length:
            emit(REST, s + length, nxt - s - length)
    changes = changes_of(sheet, ticks=ticks)
    pitch, dur, onset = (np.array(a, dtype=np.int64) for a in (pitches, durs, onsets))
    ctx, masks, roots = context_at(changes, onset, sheet.tempo)
    ctx[:, [CONTEXT_FIELDS.index(f) for f in PHRASE_FIELDS]] = phrase_columns(
        pitch, dur, onset, changes.bar_ticks, ticks)
    ctx[:, CONTEXT_FIELDS.index("density")] = density_bucket(
        int((pitch != REST).sum()) / max(1, changes.n_bars))
    plan_left = [CONTEXT_FIELDS.index("bar_plan"), CONTEXT_FIELDS.index("bar_left")]
    ctx[:, plan_left] = np.stack(_notes_in_bar(pitch, onset, changes.bar_ticks), axis=1)
    return EventSeq(pitch, dur, onset, ctx, masks, roots, sheet.name)


def transpose(seq: EventSeq, shift: int, changes: Changes | None = None) -> EventSeq:
    """The same solo ``shift`` semitones up, its chords with it (context recomputed from the
    shifted masks and roots, which is exact: the context holds no key-dependent field else)."""
    if shift == 0:
        return seq
    pitch = np.where(seq.pitch == REST, REST, seq.pitch + shift)
    ctx = seq.context.copy()
    has = ctx[:, 3] != NONE_PC
    ctx[has, 3] = (ctx[has, 3] + shift) % 12
    masks = np.concatenate([np.roll(seq.masks[:, 12 * k: 12 * k + 12], shift, axis=1)
                            for k in range(3)], axis=1)
    root = np.where(seq.root == NONE_PC, NONE_PC, (seq.root + shift) % 12)
    return EventSeq(pitch, seq.duration, seq.onset, ctx, masks, root, seq.name)


def decode(pitches: Sequence[int], durations: Sequence[int], changes: Changes,
           tempo: float = 120.0, name: str = "") -> LeadSheet:
    """Events back to a lead sheet over ``changes``: onsets from the running sum of durations,
    cut at the end of the last bar; rests (REST) leave gaps. Every bar is covered, no overlaps."""
    total = changes.total_ticks
    melody: list[Note] = []
    t = 0
    for p, d in zip(pitches, durations, strict=True):
        if t >= total:
            break
        d = int(min(max(1, int(d)), total - t))
        if int(p) != REST:
            melody.append(Note(t / changes.ticks, d / changes.ticks, int(p)))
        t += d
    if t < total:
        raise JazzsoloError(f"the events last {t} ticks, the changes {total}: bars left empty")
    return LeadSheet(melody, changes.chords(), changes.beats_per_bar, changes.beat_unit,
                     tempo=tempo, n_bars=changes.n_bars, name=name)
