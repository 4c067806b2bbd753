"""Any MIDI file -> LeadSheet: find the solo, harmony and bass parts, then read them.

Parts are numbered like ``io.note_tracks``: the symusic tracks that hold notes, in file order.
symusic already splits a MIDI track by (channel, program) when it loads a file, so a format-0
file with the melody on channel 1 and the piano on channel 2 arrives as two parts (both carry
the one track's name). A part that mixes a solo line with chord stabs is split here ("skyline").
All work is done in ticks with numpy; positions become quarter notes (ticks / tpq) at the end,
so tempo changes never move notes. The rules (pickup bar, monophonic reduction, chords at the
beat, chord symbols from markers) are in the docstrings of the functions that apply them.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .chords.naming import chord_from_pitches
from .chords.symbols import chord_or_none
from .errors import JazzsoloError
from .io import read_midi
from .parts import CHORD_TOLERANCE, PartNotes, Roles, choose_roles, detect_roles, part_notes  # noqa: F401,E501 (Roles, detect_roles: old home)
from .score import Chord, LeadSheet, Note
from .timeline import (  # noqa: F401 (meter_and_first_bar: its old home)
    ChordChange,
    MeterChange,
    NoteArrays,
    beat_ticks,
    meter_and_first_bar,
    meters_from_score,
)

SAME_ONSET = 1 / 96  # overlapping melody notes closer than this count as one double stop
ATTACK_SNAP = 1 / 8  # a beat sample this close before a harmony attack is dropped
SILENT_BARS_NC = 2  # harmony silent this many bars (or more) -> NC instead of holding
MAX_QUARTERS = 40_000  # 10,000 bars of 4/4, over five hours at 120 bpm: longer is damage
_BARE_LETTER = re.compile(r"^[A-G]$")


def _where(source: Any) -> str:
    return str(source) if source is not None else "the score"


# ------------------------------------------------------------------- monophonic reduction


def monophonic(starts: np.ndarray, ends: np.ndarray, pitches: np.ndarray,
               velocities: np.ndarray, same_onset: float) -> NoteArrays:
    """One line from overlapping notes (ticks): of near-simultaneous overlapping notes keep the
    highest, then cut every note at the next onset. Returns starts, ends, pitches, velocities.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    pitches = np.asarray(pitches, dtype=np.int64)
    velocities = np.asarray(velocities, dtype=np.int64)
    if len(starts) == 0:
        return NoteArrays(starts, ends, pitches, velocities)
    order = np.lexsort((-pitches, starts))
    s, e, p, v = starts[order], ends[order], pitches[order], velocities[order]
    if len(s) > 1:
        same = (np.diff(s) < same_onset) & (e[:-1] > s[1:])
        if same.any():
            first = np.concatenate([[True], ~same])
            gid = np.cumsum(first) - 1
            by_pitch = np.lexsort((-p, gid))
            head = np.concatenate([[True], gid[by_pitch][1:] != gid[by_pitch][:-1]])
            keep = by_pitch[head]  # the highest note of each group, in group order
            s = s[first]
            e, p, v = e[keep], p[keep], v[keep]
    nxt = np.concatenate([s[1:], [np.iinfo(np.int64).max]])
    e = np.maximum(np.minimum(e, nxt), s + 1)
    return NoteArrays(s, e, p, v)


def _skyline(part: PartNotes, tpq: int) -> np.ndarray:
    """Mask of a mixed part's melody notes: single notes, and the top note of a chord attack
    when it reaches the line's register (2 semitones under the single notes' 5th percentile)."""
    s, p = part.starts, part.pitches
    gap = np.diff(s) >= tpq * CHORD_TOLERANCE
    gid = np.cumsum(np.concatenate([[True], gap])) - 1
    size = np.bincount(gid)
    single = size[gid] == 1
    floor = float(np.percentile(p[single], 5)) - 2 if single.any() else -1.0
    by_pitch = np.lexsort((p, gid))
    top = np.zeros(len(s), dtype=bool)
    last = np.concatenate([gid[by_pitch][1:] != gid[by_pitch][:-1], [True]])
    top[by_pitch[last]] = True
    return single | (top & (size[gid] > 1) & (p >= floor))


# ------------------------------------------------------------------------------ chords


def _roll(samples: np.ndarray, starts: np.ndarray, ends: np.ndarray,
          pitches: np.ndarray) -> tuple[np.ndarray, int]:
    """Which pitches sound (start <= t < end) at each sample: a bool [samples, width] array
    over pitches ``low .. low + width - 1``, and ``low``."""
    n = len(samples)
    if len(pitches) == 0:
        return np.zeros((n, 1), dtype=bool), 0
    low = int(pitches.min())
    width = int(pitches.max()) - low + 1
    i0 = np.searchsorted(samples, starts, "left")
    i1 = np.searchsorted(samples, ends, "left")
    keep = i1 > i0
    diff = np.zeros((n + 1, width), dtype=np.int32)
    np.add.at(diff, (i0[keep], pitches[keep] - low), 1)
    np.subtract.at(diff, (i1[keep], pitches[keep] - low), 1)
    return np.cumsum(diff[:-1], axis=0) > 0, low


def _rows_to_pitches(roll: np.ndarray, low: int) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Distinct rows of a roll as pitch tuples, and each sample's row index."""
    width = roll.shape[1]
    packed = np.ascontiguousarray(np.packbits(roll, axis=1))
    nbytes = packed.shape[1]
    uniq, inverse = np.unique(packed.view(np.dtype((np.void, nbytes))).ravel(),
                              return_inverse=True)
    rows = np.unpackbits(uniq.view(np.uint8).reshape(-1, nbytes), axis=1)[:, :width]
    return inverse.reshape(-1), [tuple((np.nonzero(r)[0] + low).tolist()) for r in rows]


def _bass_at(ticks: np.ndarray, tol: float, bass: NoteArrays) -> list[int | None]:
    """The bass pitch attacked within ``tol`` after each tick, else the one sounding at it (the
    bass line is monophonic: sorted, non-overlapping); None where the bass rests."""
    s, e, p = bass.starts, bass.ends, bass.pitches
    if len(s) == 0:
        return [None] * len(ticks)
    i = np.searchsorted(s, ticks + tol, "left") - 1
    ic = np.maximum(i, 0)
    pick = np.where((i >= 0) & (e[ic] > ticks), p[ic], -1).tolist()
    return [x if x >= 0 else None for x in pick]


@lru_cache(maxsize=65536)
def _name(pitches: tuple[int, ...], bass: int | None) -> str | None:
    if bass is not None and pitches:
        low = bass
        while low >= min(pitches):
            low -= 12
        if low >= 0:
            pitches = (low,) + pitches
    sym = chord_from_pitches(pitches)
    return sym.name if sym is not None else None


def guess_chords(harmony: NoteArrays, bass: NoteArrays | None, meters: Sequence[MeterChange],
                 tpq: int) -> list[ChordChange]:
    """Chord changes named from the harmony notes at every beat and every new attack; a
    silence of 2+ bars becomes NC, shorter ones hold the chord."""
    hs, he, hp = harmony.starts, harmony.ends, harmony.pitches
    if len(hs) == 0:
        return []
    beats = beat_ticks(meters, float(hs.min()), float(he.max()) - 1, tpq)
    onsets = np.unique(hs)
    if len(beats):
        j = np.searchsorted(onsets, beats, "right")
        big = np.iinfo(np.int64).max
        nxt = np.where(j < len(onsets), onsets[np.minimum(j, len(onsets) - 1)], big)
        beats = beats[(nxt - beats) >= tpq * ATTACK_SNAP]
    samples = np.unique(np.concatenate([beats, onsets]))
    inverse, rows = _rows_to_pitches(*_roll(samples, hs, he, hp))
    names = [_name(r, None) for r in rows]
    bar = meters[0].bar_ticks(tpq)
    out: list[ChordChange] = []
    cur: str | None = None
    silent_since: int | None = None
    for t, r in zip(samples.tolist(), inverse.tolist(), strict=True):
        name = names[r]
        if name is None:
            if not rows[r]:
                silent_since = t if silent_since is None else silent_since
                if cur not in (None, "NC") and t - silent_since >= SILENT_BARS_NC * bar:
                    out.append(ChordChange(silent_since, "NC", ()))
                    cur = "NC"
            continue
        silent_since = None
        if name != cur:
            out.append(ChordChange(t, name, rows[r]))
            cur = name
    if len(beats):  # an attack just off a beat (early or late) counts as on the beat
        ticks = np.array([t for t, _, _ in out], dtype=np.int64)
        all_beats = beat_ticks(meters, float(hs.min()) - tpq, float(he.max()) + tpq, tpq)
        k = np.clip(np.searchsorted(all_beats, ticks), 1, max(1, len(all_beats) - 1))
        cand = np.stack([all_beats[k - 1], all_beats[np.minimum(k, len(all_beats) - 1)]])
        near = cand[np.argmin(np.abs(cand - ticks), axis=0), np.arange(len(ticks))]
        snap = np.where(np.abs(near - ticks) < tpq * ATTACK_SNAP, near, ticks).tolist()
        out = [ChordChange(s, n, p) for s, (_, n, p) in zip(snap, out, strict=True)]
    if bass is None or len(bass.starts) == 0:
        return out
    named: list[ChordChange] = []
    lows = _bass_at(np.array([t for t, _, _ in out], dtype=np.int64), tpq * CHORD_TOLERANCE * 2,
                    bass)
    for (t, name, pitches), low in zip(out, lows, strict=True):
        if name != "NC":
            name = _name(pitches, low) or name
        if named and named[-1].symbol == name:
            continue
        named.append(ChordChange(t, name, pitches))
    return named


def _meta_texts(path: Path) -> list[tuple[int, str]]:
    """(tick, text) of every text meta event (FF 01) in a MIDI file: symusic drops them."""
    from .smf import text_events

    try:
        data = path.read_bytes()
    except OSError:
        return []
    return text_events(data) if b"\xff\x01" in data else []


def _chord_texts(texts: list[tuple[int, str]]) -> list[tuple[int, str]] | None:
    """The (tick, canonical symbol) list if these texts are chord symbols, else None."""
    items = [(t, s.strip()) for t, s in texts if s.strip()]
    if not items:
        return None
    good = [(t, sym.name, s) for t, s in items if (sym := chord_or_none(s)) is not None]
    if len(good) < 0.75 * len(items) or all(_BARE_LETTER.match(s) for _, _, s in good):
        return None
    return sorted((t, name) for t, name, _ in good)


def marker_chords(score: Any, path: Path | None = None) -> list[tuple[int, str]] | None:
    """Chord symbols the file carries as markers, lyrics or text events (tick, symbol)."""
    sources = [[(int(m.time), str(m.text)) for m in score.markers],
               [(int(x.time), str(x.text)) for t in score.tracks for x in t.lyrics]]
    for texts in sources:
        found = _chord_texts(texts)
        if found:
            return found
    if path is not None:
        return _chord_texts(_meta_texts(path))
    return None


def _pitches_at_changes(changes: list[tuple[int, str]], harmony: NoteArrays,
                        ) -> list[ChordChange]:
    """Pitches sounding at each chord change (or at the first attack after it)."""
    hs, he, hp = harmony.starts, harmony.ends, harmony.pitches
    ticks = np.array([t for t, _ in changes], dtype=np.int64)
    samples = np.unique(np.concatenate([ticks, hs]))
    roll, low = _roll(samples, hs, he, hp)
    out: list[ChordChange] = []
    for k, (t, name) in enumerate(changes):
        if name == "NC":
            out.append(ChordChange(t, name, ()))
            continue
        i = int(np.searchsorted(samples, t))
        stop = ticks[k + 1] if k + 1 < len(ticks) else np.iinfo(np.int64).max
        pitches: tuple[int, ...] = ()
        while i < len(samples) and samples[i] < stop:
            row = np.nonzero(roll[i])[0]
            if len(row):
                pitches = tuple((row + low).tolist())
                break
            i += 1
        out.append(ChordChange(t, name, pitches))
    return out


# ---------------------------------------------------------------------------- assembling


@dataclass(frozen=True)
class PieceTiming:
    """How a piece's ticks map to music: ticks per quarter, tempo, meter map and end tick."""

    tpq: int
    tempo: float
    meters: tuple[MeterChange, ...]
    end_tick: int


def _notes(a: NoteArrays, tpq: int) -> list[Note]:
    s, e, p, v = a
    rows = zip(s.tolist(), e.tolist(), p.tolist(), v.tolist(), strict=True)
    return [Note(x / tpq, (y - x) / tpq, z, w) for x, y, z, w in rows]


def assemble_lead_sheet(melody: NoteArrays, changes: Sequence[ChordChange],
                        bass: NoteArrays | None, timing: PieceTiming, name: str) -> LeadSheet:
    """The one place a lead sheet is built from ticks (MIDI and WJazzD CSV readers alike).

    ``melody`` is already monophonic; ``changes`` are merged when a symbol repeats; each chord
    lasts to the next one, the last to ``timing.end_tick`` (changes at or after it are dropped);
    meter and bar 0 follow :func:`meter_and_first_bar`.
    """
    tpq, end_tick = timing.tpq, timing.end_tick
    merged: list[ChordChange] = []
    for change in sorted(changes, key=lambda c: c.tick):
        if merged and merged[-1].symbol == change.symbol:
            continue
        if merged and merged[-1].tick == change.tick:
            merged[-1] = change
            continue
        merged.append(change)
    merged = [c for c in merged if c.tick < end_tick] or merged[:1]
    chords = []
    for k, (t, sym, pitches) in enumerate(merged):
        stop = merged[k + 1].tick if k + 1 < len(merged) else max(end_tick, t + 1)
        chords.append(Chord(t / tpq, (stop - t) / tpq, tuple(pitches), sym))
    first = float(melody.starts[0]) if len(melody.starts) else (merged[0].tick if merged else 0.0)
    num, den, bar0 = meter_and_first_bar(timing.meters, first, tpq)
    bar_len = MeterChange(0, num, den).bar_ticks(tpq)
    n_bars = max(0, math.ceil((end_tick - bar0) / bar_len - 1e-9))
    return LeadSheet(
        melody=_notes(melody, tpq),
        chords=chords,
        beats_per_bar=num,
        beat_unit=den,
        tempo=float(timing.tempo),
        first_bar_start=bar0 / tpq,
        n_bars=n_bars,
        bass=_notes(bass, tpq) if bass is not None else [],
        name=name,
    )


def select_bars(sheet: LeadSheet, first: int, last: int, source: Any = None) -> LeadSheet:
    """Bars ``first``..``last`` (inclusive, 0-based) of a sheet, re-based so ``first`` starts at
    time 0; notes and chords are clipped to the range. ``last`` past the end is clipped."""
    where = _where(source)
    total = sheet.bar_count()
    lowest = min(0, sheet.bar_of(0.0))
    if first > last:
        raise JazzsoloError(f"{where}: empty bar range {first}-{last} (first bar after last)")
    if first >= total or last < lowest or first < lowest:
        raise JazzsoloError(f"{where}: empty bar range {first}-{last}: the piece has bars "
                            f"{lowest} to {total - 1}")
    last = min(last, total - 1)
    lo, hi = sheet.bar_start(first), sheet.bar_start(last + 1)
    eps = 1e-9

    def cut(notes: list[Note]) -> list[Note]:
        return [Note(n.start - lo, min(n.end, hi) - n.start, n.pitch, n.velocity)
                for n in notes if lo - eps <= n.start < hi - eps]

    chords = []
    for c in sheet.chords:
        if c.end <= lo + eps or c.start >= hi - eps:
            continue
        s, e = max(c.start, lo), min(c.end, hi)
        chords.append(Chord(s - lo, e - s, c.pitches, c.symbol))
    return LeadSheet(cut(sheet.melody), chords, sheet.beats_per_bar, sheet.beat_unit,
                     sheet.tempo, 0.0, last - first + 1, cut(sheet.bass), sheet.name)


def read_lead_sheet(path: str | os.PathLike[str], melody_part: int | None = None,
                    harmony_parts: Sequence[int] | None = None,
                    bars: tuple[int, int] | None = None) -> LeadSheet:
    """Read any MIDI file as a lead sheet: the solo line, chords at beat resolution (or the
    file's chord markers), the bass line, meter and bars; parts are detected unless given."""
    p = Path(path)
    score = read_midi(p)
    tpq = int(score.ticks_per_quarter)
    if score.end() > MAX_QUARTERS * tpq:
        raise JazzsoloError(f"{p}: lasts {score.end() / tpq:.0f} quarter notes; jazzsolo reads "
                            f"at most {MAX_QUARTERS} (over five hours)")
    parts = part_notes(score)
    roles = choose_roles(parts, p, melody_part, harmony_parts)
    mp = parts[roles.melody]
    mel_mask = _skyline(mp, tpq) if roles.split else np.ones(mp.notes, dtype=bool)
    melody = monophonic(mp.starts[mel_mask], mp.ends[mel_mask], mp.pitches[mel_mask],
                        mp.velocities[mel_mask], max(1.0, tpq * SAME_ONSET))
    h_arrays = []
    for h in roles.harmony:
        hp = parts[h]
        keep = ~mel_mask if (roles.split and h == roles.melody) else slice(None)
        h_arrays.append(NoteArrays(hp.starts[keep], hp.ends[keep], hp.pitches[keep],
                                   hp.velocities[keep]))
    harmony = NoteArrays.concat(h_arrays)
    bass = None
    if roles.bass is not None:
        bp = parts[roles.bass]
        bass = monophonic(bp.starts, bp.ends, bp.pitches, bp.velocities,
                          max(1.0, tpq * SAME_ONSET))
    meters = meters_from_score(score)
    marked = marker_chords(score, p)
    if marked:
        changes = _pitches_at_changes(marked, harmony)
    else:
        changes = guess_chords(harmony, bass, meters, tpq)
    ends = [int(a.ends.max()) for a in (melody, harmony, bass) if a is not None and len(a.ends)]
    tempo = float(score.tempos[0].qpm) if len(score.tempos) else 120.0
    timing = PieceTiming(tpq, tempo, tuple(meters), max(ends) if ends else 0)
    sheet = assemble_lead_sheet(melody, changes, bass, timing, p.stem)
    if bars is not None:
        sheet = select_bars(sheet, int(bars[0]), int(bars[1]), p)
    return sheet
