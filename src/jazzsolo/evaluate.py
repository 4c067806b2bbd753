"""Objective measures of jazz solos (docs: ../shared/docs/EVALUATION.md), pure functions.

Every measure reads one solo's *line* (its notes, monophonic: of notes sharing an onset the
highest, each clipped at the next onset) and bars from the lead sheet's meter; a set of solos is
summarised as mean ± sample std, and compared with a reference set by the overlapping area of
the two distributions (Gaussian kernel density estimates on a common grid, as Yang & Lerch) and
the difference of means. Copying is checked against a training index of hashed interval
n-grams built once. Files are read in ``evaluate_io``; this module does no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from .chords import ChordSymbol, chord_from_pitches, parse_chord
from .chords.symbols import SCALES
from .errors import JazzsoloError
from .score import LeadSheet

SLOTS_PER_BEAT = 16
METRICAL_DIVISIONS = (4, 3)  # a MIDI onset's notated position: the nearest 16th or 8th triplet
COPY_N = 8  # copy n-gram: 8 intervals (9 notes)
GRIDS = ("timing", "metrical")
MEASURES = ("H1", "H4", "GS", "chord", "scale", "range", "notes_per_bar", "mean_abs_int",
            "repeat_share", "copy_max", "copy_8gram")
LABELS = {"H1": "H1", "H4": "H4", "GS": "GS", "chord": "chord", "scale": "scale",
          "range": "range", "notes_per_bar": "notes/bar", "mean_abs_int": "mean abs int",
          "repeat_share": "repeat share", "copy_max": "copy max", "copy_8gram": "copy 8-gram"}
_EPS = 1e-6

# EVALUATION.md's chord -> scale table: its own choice of scale per chord (chord_scale below),
# with the scales' intervals from the one table the chord-symbol reader uses.
IONIAN, LYDIAN, MIXOLYDIAN = SCALES["ionian"], SCALES["lydian"], SCALES["mixolydian"]
LYDIAN_DOMINANT, ALTERED = SCALES["lydian-dominant"], SCALES["altered"]
HALF_WHOLE, WHOLE_HALF = SCALES["half-whole"], SCALES["whole-half"]
DORIAN, MELODIC_MINOR, LOCRIAN = SCALES["dorian"], SCALES["melodic-minor"], SCALES["locrian"]
WHOLE_TONE, LYDIAN_AUGMENTED = SCALES["whole-tone"], SCALES["lydian-augmented"]


@dataclass(frozen=True)
class Solo:
    """A lead sheet to measure, with what a file adds: its source and, for WJazzD, the notated
    onset (quarters) of each note of the sheet's melody (NaN where unknown)."""

    sheet: LeadSheet
    source: str = ""
    notated: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Line:
    """A solo's monophonic line as arrays: onsets and lengths (quarters), MIDI pitches, and the
    notated onsets (NaN where unknown)."""

    start: np.ndarray
    duration: np.ndarray
    pitch: np.ndarray
    notated: np.ndarray

    @property
    def placed(self) -> np.ndarray:
        """Where each note counts for bars: its notated onset where known, else its onset."""
        return np.where(np.isnan(self.notated), self.start, self.notated)


def solo_line(solo: Solo | LeadSheet) -> Line:
    """The line measured: pitched notes by onset; of notes sharing an onset the highest; each
    note clipped at the next onset."""
    solo = as_solo(solo)
    notes = solo.sheet.melody
    notated = solo.notated if solo.notated is not None else (math.nan,) * len(notes)
    rows = sorted(((n.start, -n.pitch, n.duration, w) for n, w in zip(notes, notated, strict=True)
                   if n.pitch is not None), key=lambda r: (r[0], r[1]))
    kept = [r for k, r in enumerate(rows) if k == 0 or r[0] - rows[k - 1][0] > _EPS]
    start = np.array([r[0] for r in kept], dtype=float)
    duration = np.array([r[2] for r in kept], dtype=float)
    if len(start) > 1:
        duration[:-1] = np.minimum(duration[:-1], np.diff(start))
    return Line(start, duration, np.array([-r[1] for r in kept], dtype=np.int64),
                np.array([r[3] for r in kept], dtype=float))


def as_solo(item: Solo | LeadSheet) -> Solo:
    return item if isinstance(item, Solo) else Solo(item, item.name)


# ------------------------------------------------------------------------------ bars, span


def bars_of(sheet: LeadSheet, times: np.ndarray) -> np.ndarray:
    """The bar index of each time (quarters), by the sheet's meter."""
    return np.floor((times - sheet.first_bar_start) / sheet.bar_length + _EPS).astype(np.int64)


def span(sheet: LeadSheet, line: Line) -> tuple[int, int] | None:
    """First and last bar holding a note (inclusive; a note's bar is its notated one where the
    file says, e.g. an anticipated downbeat counts in the bar it belongs to), or None."""
    if not len(line.start):
        return None
    bars = bars_of(sheet, line.placed)
    return int(bars.min()), int(bars.max())


def bar_pitch_classes(sheet: LeadSheet, line: Line) -> np.ndarray:
    """Pitch-class counts of each bar of the span, ``(bars, 12)`` (no rows without a span)."""
    s = span(sheet, line)
    if s is None:
        return np.zeros((0, 12))
    counts = np.zeros((s[1] - s[0] + 1, 12))
    np.add.at(counts, (bars_of(sheet, line.placed) - s[0], line.pitch % 12), 1)
    return counts


def entropy_bits(counts: np.ndarray) -> np.ndarray:
    """Entropy in bits of each row's normalised counts (rows must not be all zero)."""
    p = counts / counts.sum(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log2(p), 0.0).sum(1)


def pitch_class_entropy(sheet: LeadSheet, line: Line, window: int) -> float | None:
    """H1/H4: entropy (bits) of the pitch-class count histogram of each ``window``-bar window
    sliding by one bar inside the span, averaged; empty windows skipped; a span shorter than
    the window is one window."""
    counts = bar_pitch_classes(sheet, line)
    if not len(counts):
        return None
    if len(counts) <= window:
        windows = counts.sum(0, keepdims=True)
    else:
        cum = np.concatenate([np.zeros((1, 12)), np.cumsum(counts, 0)])
        windows = cum[window:] - cum[:-window]
    return float(entropy_bits(windows[windows.sum(1) > 0]).mean())


def onset_slots(sheet: LeadSheet, line: Line, grid: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(bar, slot) of every onset on the ``grid`` and the slots per bar (16 per beat).

    timing: the onset's time relative to its beat (the sheet's positions); metrical: the
    notated onset where known, else the position snapped to the nearest 16th or 8th triplet.
    Onsets round to the nearest slot (one rounding past a bar line lands in the next bar).
    """
    if grid not in GRIDS:
        raise JazzsoloError(f"unknown grid {grid!r} (choose timing or metrical)")
    beat = 4.0 / sheet.beat_unit
    per_bar = SLOTS_PER_BEAT * sheet.beats_per_bar
    rel = (line.start - sheet.first_bar_start) / beat
    if grid == "metrical":
        unknown = np.isnan(line.notated)
        notated = (line.notated - sheet.first_bar_start) / beat
        snapped = np.array([_snap(x) for x in rel[unknown]])
        rel = np.where(unknown, 0.0, notated)
        rel[unknown] = snapped
    absolute = np.round(rel * SLOTS_PER_BEAT + _EPS).astype(np.int64)
    return absolute // per_bar, absolute % per_bar, per_bar


def _snap(beats: float) -> float:
    """The nearest point of the METRICAL_DIVISIONS grids (ties to the earlier)."""
    from .grammar import snap

    return snap(beats, METRICAL_DIVISIONS)


def grooving_similarity(bars: np.ndarray, slots: np.ndarray, per_bar: int,
                        first: int, last: int) -> float | None:
    """GS over bars ``first..last`` (empty bars included): the mean over all pairs of bars of
    1 - (slots that differ) / per_bar, exactly (sum over slots of c * (n - c) differing pairs,
    c = bars with an onset in the slot); None with fewer than two bars."""
    first, last = min(first, int(bars.min(initial=first))), max(last, int(bars.max(initial=last)))
    n = last - first + 1
    if n < 2:
        return None
    onsets = np.zeros((n, per_bar), dtype=bool)
    onsets[bars - first, slots] = True
    c = onsets.sum(0).astype(float)
    return float(1.0 - (c * (n - c)).sum() / (n * (n - 1) / 2) / per_bar)


# ------------------------------------------------------------------------- chords, scales


def chord_scale(symbol: ChordSymbol) -> tuple[int, ...]:
    """The chord-scale of EVALUATION.md's table (intervals above the root)."""
    q, rel = symbol.quality, symbol.intervals
    b9, s9, b13, nat13 = 1 in rel, 3 in rel, 8 in rel and 7 in rel, 9 in rel
    if q == "major":
        return LYDIAN if 6 in rel else IONIAN
    if q == "augmented":
        return LYDIAN_AUGMENTED if 11 in rel else WHOLE_TONE
    if q == "dominant":
        if 8 in rel and 7 not in rel:  # +7
            return ALTERED if b9 or s9 else WHOLE_TONE
        if b9 and nat13 and not s9 and not b13:
            return HALF_WHOLE
        if b9 or s9 or b13:
            return ALTERED
        return LYDIAN_DOMINANT if 6 in rel else MIXOLYDIAN
    if q == "minor":
        return MELODIC_MINOR if nat13 and 10 not in rel else DORIAN
    if q == "minor-major":
        return MELODIC_MINOR
    if q == "half-diminished":
        return LOCRIAN
    if q == "diminished":
        return WHOLE_HALF
    return MIXOLYDIAN  # suspended and power chords


def _tone_sets(symbol: ChordSymbol) -> tuple[frozenset[int], frozenset[int]]:
    """(chord tones, scale ∪ chord tones) as pitch classes: every tone the symbol names,
    written tensions and the slash bass included."""
    tones = frozenset(symbol.sounding)
    return tones, tones | {(symbol.root + i) % 12 for i in chord_scale(symbol)}


def chord_at_notes(sheet: LeadSheet, line: Line) -> list[ChordSymbol | None]:
    """The chord symbol sounding at each onset (None for NC, no chord, or an unnamed one)."""
    chords = sorted(sheet.chords, key=lambda c: c.start)
    starts = np.array([c.start for c in chords], dtype=float)
    idx = np.searchsorted(starts, line.start + _EPS, "right") - 1
    cache: dict[int, ChordSymbol | None] = {}
    out: list[ChordSymbol | None] = []
    for i, t in zip(idx.tolist(), line.start.tolist(), strict=True):
        if i < 0 or chords[i].end <= t + _EPS:
            out.append(None)
            continue
        if i not in cache:
            cache[i] = _symbol(chords[i].symbol, chords[i].pitches)
        out.append(cache[i])
    return out


def _symbol(text: str | None, pitches: tuple[int, ...]) -> ChordSymbol | None:
    sym = None
    if text:
        try:
            sym = parse_chord(text)
        except JazzsoloError:
            sym = None
    if sym is None and pitches:
        sym = chord_from_pitches(pitches)
    return None if sym is None or sym.quality == "none" else sym


def tone_shares(sheet: LeadSheet, line: Line) -> tuple[float | None, float | None]:
    """(chord, scale): duration-weighted shares of the notes under a chord whose pitch class is
    a chord tone / a tone of the chord's scale ∪ its tones; None when no note has a chord."""
    total = chord_time = scale_time = 0.0
    for sym, pc, d in zip(chord_at_notes(sheet, line), (line.pitch % 12).tolist(),
                          line.duration.tolist(), strict=True):
        if sym is None:
            continue
        tones, scale = _tone_sets(sym)
        total += d
        chord_time += d * (pc in tones)
        scale_time += d * (pc in scale)
    if total <= 0:
        return None, None
    return chord_time / total, scale_time / total


# ------------------------------------------------------------------------- the line itself


def line_shape(line: Line, n_bars: int) -> dict[str, float | None]:
    """range, notes/bar (over ``n_bars`` bars of the span), mean |interval| and repeat share."""
    p = line.pitch
    steps = np.abs(np.diff(p))
    return {
        "range": float(p.max() - p.min()) if len(p) else None,
        "notes_per_bar": len(p) / n_bars if n_bars > 0 else None,
        "mean_abs_int": float(steps.mean()) if len(steps) else None,
        "repeat_share": float((steps == 0).mean()) if len(steps) else None,
    }


# ------------------------------------------------------------------------------- copying

_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd multiplier of the rolling interval hash
_OFFSET = 512  # intervals become positive symbols before hashing


def intervals_of(line: Line) -> np.ndarray:
    return np.diff(line.pitch).astype(np.int64)


def _prefix_hashes(symbols: np.ndarray) -> np.ndarray:
    """H[i] = hash of symbols[:i] (polynomial, wrapping mod 2**64), so a gram's hash is
    H[i + n] - H[i] * BASE**n."""
    out = np.zeros(len(symbols) + 1, dtype=np.uint64)
    h, mask, base = 0, (1 << 64) - 1, int(_BASE)
    for k, x in enumerate(symbols.tolist(), start=1):
        h = (h * base + x + _OFFSET) & mask
        out[k] = h
    return out


def _power(n: int) -> np.uint64:
    return np.uint64(pow(int(_BASE), n, 1 << 64))


def _gram_hashes(prefix: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return prefix[starts + n] - prefix[starts] * _power(n)


class CopyIndex:
    """Interval n-grams of a training set, hashed, for the copy measures (built once).

    copy max: the longest run of consecutive intervals a solo shares with one training solo,
    found by extending matches one interval at a time from the positions that still match (no
    pairwise scans); copy 8-gram: the share of a solo's interval 8-grams found in the set. A
    training solo of the solo's own name is left out of both.
    """

    def __init__(self, solos: Iterable[Solo | LeadSheet]) -> None:
        names, parts, ids = [], [], []
        for k, item in enumerate(solos):
            solo = as_solo(item)
            names.append(solo.sheet.name)
            iv = intervals_of(solo_line(solo))
            parts.append(iv)
            ids.append(np.full(len(iv), k, dtype=np.int64))
        self.names = names
        self.symbols = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        self.owner = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        self.prefix = _prefix_hashes(self.symbols)

    def __len__(self) -> int:
        return len(self.names)

    def _valid(self, starts: np.ndarray, n: int) -> np.ndarray:
        """Training positions whose n-gram stays inside one solo."""
        end = starts + n - 1
        ok = end < len(self.symbols)
        ok[ok] = self.owner[starts[ok]] == self.owner[end[ok]]
        return starts[ok]

    def _table(self, starts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The n-grams at ``starts`` as (distinct hashes, where each hash's owners begin in the
        next array (one extra end entry), hash rank * solos + owner, sorted)."""
        starts = self._valid(starts, n)
        h, o = _gram_hashes(self.prefix, starts, n), self.owner[starts]
        order = np.lexsort((o, h))
        h, o = h[order], o[order]
        keep = np.ones(len(h), dtype=bool)
        keep[1:] = (h[1:] != h[:-1]) | (o[1:] != o[:-1])
        h, o = h[keep], o[keep]
        first = np.ones(len(h), dtype=bool)
        first[1:] = h[1:] != h[:-1]
        rank = np.cumsum(first) - 1
        bounds = np.append(np.nonzero(first)[0], len(h))
        return h[first], bounds, rank * max(1, len(self.names)) + o

    def _excluded(self, names: Sequence[str]) -> np.ndarray:
        """Per query, the training solos of its name (padded with -1)."""
        by_name: dict[str, list[int]] = {}
        for k, n in enumerate(self.names):
            by_name.setdefault(n, []).append(k)
        rows = [by_name.get(n, []) if n else [] for n in names]
        out = np.full((len(rows), max([1] + [len(r) for r in rows])), -1, dtype=np.int64)
        for k, r in enumerate(rows):
            out[k, : len(r)] = r
        return out

    def _found(self, table: tuple[np.ndarray, np.ndarray, np.ndarray], hashes: np.ndarray,
               excluded: np.ndarray) -> np.ndarray:
        """Which hashes occur in a training solo other than the excluded ones (a row of
        ``excluded`` per hash)."""
        uniq, bounds, keys = table
        if not len(uniq):
            return np.zeros(len(hashes), dtype=bool)
        r = np.minimum(np.searchsorted(uniq, hashes), len(uniq) - 1)
        present = uniq[r] == hashes
        owners = bounds[r + 1] - bounds[r]
        for e in excluded.T:
            key = r * max(1, len(self.names)) + e
            at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
            owners -= (e >= 0) & (keys[at] == key)
        return present & (owners > 0)

    def copy_measures(self, queries: Sequence[tuple[np.ndarray, str]], n_gram: int = COPY_N,
                      ) -> list[tuple[int, float | None]]:
        """(copy max, copy n-gram share) of each query (intervals, name). copy max: all queries
        extend their matches in lockstep, n = 1, 2, ..., each step hashing only the positions
        (query and training) that matched the step before."""
        q_symbols = np.concatenate([iv for iv, _ in queries] + [np.zeros(0, np.int64)])
        q_owner = np.concatenate([np.full(len(iv), k) for k, (iv, _) in enumerate(queries)]
                                 + [np.zeros(0, np.int64)]).astype(np.int64)
        prefix = _prefix_hashes(q_symbols)
        excluded = self._excluded([name for _, name in queries])

        def valid(pos: np.ndarray, n: int) -> np.ndarray:
            end = pos + n - 1
            ok = end < len(q_symbols)
            ok[ok] = q_owner[pos[ok]] == q_owner[end[ok]]
            return pos[ok]

        best = np.zeros(len(queries), dtype=np.int64)
        alive = np.arange(len(q_symbols))
        train = np.arange(len(self.symbols))
        n = 0
        while len(alive) and len(train):
            n += 1
            table = self._table(train, n)
            alive = valid(alive, n)
            hashes = _gram_hashes(prefix, alive, n)
            ok = self._found(table, hashes, excluded[q_owner[alive]])
            alive = alive[ok]
            best[np.unique(q_owner[alive])] = n
            train = self._valid(train, n)
            train = train[np.isin(_gram_hashes(self.prefix, train, n), hashes[ok])]
        grams = valid(np.arange(len(q_symbols)), n_gram)
        full = self._table(np.arange(len(self.symbols)), n_gram)
        hit = self._found(full, _gram_hashes(prefix, grams, n_gram), excluded[q_owner[grams]])
        total = np.bincount(q_owner[grams], minlength=len(queries))
        shared = np.bincount(q_owner[grams], weights=hit, minlength=len(queries))
        return [(int(best[k]), float(shared[k] / total[k]) if total[k] else None)
                for k in range(len(queries))]


# --------------------------------------------------------------------------- per solo, sets


@dataclass
class SoloMetrics:
    """The measures of one solo (None where a measure is undefined for it)."""

    name: str
    source: str
    values: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, **self.values}


def measure_solo(solo: Solo | LeadSheet, grid: str = "metrical") -> SoloMetrics:
    """Every measure of one solo except copying (which needs a training index)."""
    solo = as_solo(solo)
    sheet, line = solo.sheet, solo_line(solo)
    if not len(line.start):
        raise JazzsoloError(f"{solo.source or sheet.name or 'solo'}: no melody notes to measure")
    first, last = span(sheet, line) or (0, 0)
    bars, slots, per_bar = onset_slots(sheet, line, grid)
    chord, scale = tone_shares(sheet, line)
    values: dict[str, float | None] = {
        "H1": pitch_class_entropy(sheet, line, 1),
        "H4": pitch_class_entropy(sheet, line, 4),
        "GS": grooving_similarity(bars, slots, per_bar, first, last),
        "chord": chord,
        "scale": scale,
        **line_shape(line, last - first + 1),
    }
    return SoloMetrics(sheet.name, solo.source, values)


def evaluate_solos(solos: Sequence[Solo | LeadSheet], grid: str = "metrical",
                   train: CopyIndex | Sequence[Solo | LeadSheet] | None = None,
                   ) -> list[SoloMetrics]:
    """The measures of every solo; with ``train`` (solos or a built CopyIndex) also copy max
    and copy 8-gram against it."""
    out = [measure_solo(s, grid) for s in solos]
    if train is not None:
        index = train if isinstance(train, CopyIndex) else CopyIndex(train)
        queries = [(intervals_of(solo_line(s)), as_solo(s).sheet.name) for s in solos]
        for m, (cmax, share) in zip(out, index.copy_measures(queries), strict=True):
            m.values["copy_max"] = float(cmax)
            m.values["copy_8gram"] = share
    return out


def _column(metrics: Sequence[SoloMetrics], measure: str) -> np.ndarray:
    vals = [m.values.get(measure) for m in metrics]
    return np.array([v for v in vals if v is not None and math.isfinite(v)], dtype=float)


def summarize(metrics: Sequence[SoloMetrics]) -> dict[str, dict[str, float | int | None]]:
    """Per measure: mean, sample std and how many solos define it (every solo counts once)."""
    out: dict[str, dict[str, float | int | None]] = {}
    for measure in MEASURES:
        col = _column(metrics, measure)
        if not any(measure in m.values for m in metrics):
            continue
        out[measure] = {"mean": float(col.mean()) if len(col) else None,
                        "std": float(col.std(ddof=1)) if len(col) > 1 else None,
                        "n": int(len(col))}
    return out


def _kde(x: np.ndarray, grid: np.ndarray, width: float) -> np.ndarray:
    z = (grid[:, None] - x[None, :]) / width
    return np.exp(-0.5 * z * z).sum(1) / (len(x) * width * math.sqrt(2 * math.pi))


def overlap_area(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                 points: int = 1024) -> float | None:
    """Overlapping area of two samples' distributions: Gaussian KDEs (Scott's bandwidth)
    evaluated on one common grid, integral of their minimum (trapezoid rule); 0..1."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not len(a) or not len(b):
        return None
    scale = max(float(np.ptp(np.concatenate([a, b]))), abs(float(np.mean(a))), 1.0)

    def width(x: np.ndarray) -> float:
        std = float(x.std(ddof=1)) if len(x) > 1 else 0.0
        return max(std * len(x) ** -0.2, 1e-3 * scale)

    wa, wb = width(a), width(b)
    lo = min(a.min() - 4 * wa, b.min() - 4 * wb)
    hi = max(a.max() + 4 * wa, b.max() + 4 * wb)
    grid = np.linspace(lo, hi, points)
    both = np.minimum(_kde(a, grid, wa), _kde(b, grid, wb))
    return float(min(1.0, np.sum((both[1:] + both[:-1]) / 2 * np.diff(grid))))


def compare(metrics: Sequence[SoloMetrics], reference: Sequence[SoloMetrics],
            ) -> dict[str, dict[str, float | None]]:
    """Per measure against a reference set: overlap area and difference of means (set -
    reference)."""
    out: dict[str, dict[str, float | None]] = {}
    for measure in MEASURES:
        a, b = _column(metrics, measure), _column(reference, measure)
        if not len(a) or not len(b):
            continue
        out[measure] = {"overlap": overlap_area(a, b),
                        "mean_diff": float(a.mean() - b.mean())}
    return out


# ------------------------------------------------------------------------ model likelihood


class NLLModel(Protocol):
    """A model that scores real solos: mean negative log-likelihood in bits per note, "total"
    and one key per output head the model has ("pitch", "duration", ...)."""

    def nll_bits(self, sheets: Sequence[LeadSheet]) -> dict[str, float]: ...
