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
from .chords.symbols import parse_chord
from .errors import JazzsoloError
from .io import CHORD_TOLERANCE, LEAD_PROGRAMS, note_tracks, read_midi
from .score import Chord, LeadSheet, Note

SAME_ONSET = 1 / 96  # overlapping melody notes closer than this count as one double stop
ATTACK_SNAP = 1 / 8  # a beat sample this close before a harmony attack is dropped
MIN_LINE_SHARE = 0.5  # a melody line: at least half of its notes start alone
MIN_MIXED_SHARE = 0.15  # a part that can be split: at least this share of single notes
MIN_LINE_NOTES = 8
SILENT_BARS_NC = 2  # harmony silent this many bars (or more) -> NC instead of holding
BASS_MEDIAN = 48  # parts below this median pitch are bass-like

_SOLO_WORDS = ("solo", "melod", "lead", "theme", "tune", "vocal", "voice", "vox", "sing")
_LEAD_WORDS = ("sax", "tenor", "alto", "soprano", "bari", "trumpet", "tpt", "trp", "cornet",
               "flugel", "trombone", "tbn", "clarinet", "flute", "violin", "harmonica")
_HARMONY_WORDS = ("piano", "pno", "chord", "comp", "organ", "keys", "keyboard", "rhodes",
                  "pad", "string", "accomp", "harmony", "wurli")
_BASS_WORDS = ("bass",)
_DRUM_WORDS = ("drum", "perc", "kit")
_BARE_LETTER = re.compile(r"^[A-G]$")


@dataclass(frozen=True)
class Roles:
    """What each part does: the melody part, harmony parts, bass part, and why (per part).

    ``split`` is True when the melody is the top line of a part that also comps (that part is
    then in ``harmony`` too: its remaining notes are the harmony).
    """

    melody: int
    harmony: tuple[int, ...]
    bass: int | None
    reasons: tuple[str, ...]
    split: bool = False

    def role_of(self, part: int) -> str:
        """'melody', 'harmony', 'bass', 'drums' or 'other' for one part."""
        if part == self.melody:
            return "melody"
        if part in self.harmony:
            return "harmony"
        if part == self.bass:
            return "bass"
        return "drums" if self.reasons[part].startswith("drums") else "other"


@dataclass(frozen=True)
class _Part:
    """One part's notes (int64 ticks, sorted by start then pitch) and its features."""

    index: int
    name: str
    program: int
    is_drum: bool
    starts: np.ndarray
    ends: np.ndarray
    pitches: np.ndarray
    velocities: np.ndarray
    single_share: float  # share of notes that start alone (no other note within tolerance)
    singles: int
    median: float

    @property
    def notes(self) -> int:
        return int(len(self.starts))


# --------------------------------------------------------------------------------- parts


def _alone(starts: np.ndarray, tol: float) -> np.ndarray:
    """True for notes whose onset no other note shares (within ``tol`` ticks); starts sorted."""
    together = np.zeros(len(starts), dtype=bool)
    if len(starts) > 1:
        close = np.diff(starts) < tol
        together[1:] |= close
        together[:-1] |= close
    return ~together


def _parts(score: Any) -> list[_Part]:
    tpq = score.ticks_per_quarter
    tol = tpq * CHORD_TOLERANCE
    out = []
    for index, ti in enumerate(note_tracks(score)):
        track = score.tracks[ti]
        arr = track.notes.numpy()
        starts = arr["time"].astype(np.int64)
        pitches = arr["pitch"].astype(np.int64)
        order = np.lexsort((pitches, starts))
        starts, pitches = starts[order], pitches[order]
        ends = starts + np.maximum(arr["duration"].astype(np.int64)[order], 1)
        vel = arr["velocity"].astype(np.int64)[order]
        alone = _alone(starts, tol)
        out.append(_Part(index, str(track.name), int(track.program), bool(track.is_drum),
                         starts, ends, pitches, vel, float(alone.mean()), int(alone.sum()),
                         float(np.median(pitches))))
    return out


def _has(name: str, words: Sequence[str]) -> bool:
    low = name.lower()
    return any(w in low for w in words)


def _bass_like(p: _Part) -> bool:
    return p.median < BASS_MEDIAN or 32 <= p.program <= 39 or _has(p.name, _BASS_WORDS)


def _melody_score(p: _Part, max_singles: int) -> tuple[float, str]:
    """A melody-likeness score and the words that explain it."""
    why = [f"{p.single_share:.0%} single-note onsets", f"{p.notes} notes",
           f"median pitch {p.median:.0f}"]
    score = 2.0 * p.single_share + 1.5 * (p.singles / max(1, max_singles))
    if p.program in LEAD_PROGRAMS:
        score += 0.5
        why.append(f"lead program {p.program}")
    if _has(p.name, _SOLO_WORDS):
        score += 2.0
        why.append(f"name {p.name!r} says solo/melody")
    elif _has(p.name, _LEAD_WORDS):
        score += 0.5
        why.append(f"name {p.name!r} is a lead instrument")
    if _has(p.name, _HARMONY_WORDS):
        score -= 2.0
        why.append(f"name {p.name!r} says comping")
    if _has(p.name, _BASS_WORDS) or 32 <= p.program <= 39:
        score -= 3.0
        why.append("a bass")
    if _has(p.name, _DRUM_WORDS):
        score -= 3.0
        why.append(f"name {p.name!r} says percussion")
    if 55 <= p.median <= 90:
        score += 0.5
    elif p.median < BASS_MEDIAN:
        score -= 1.0
        why.append("low register")
    return score, ", ".join(why)


def _chordal(p: _Part) -> float:
    return 1.0 - p.single_share


def _where(source: Any) -> str:
    return str(source) if source is not None else "the score"


def _detect(parts: list[_Part], source: Any = None, melody_part: int | None = None,
            harmony_parts: Sequence[int] | None = None) -> Roles:
    """The role detector behind :func:`detect_roles`, with optional overrides."""
    where = _where(source)
    n = len(parts)
    for what, idx in [("melody", melody_part)] + [("harmony", h) for h in harmony_parts or ()]:
        if idx is not None and not 0 <= idx < n:
            raise JazzsoloError(f"{where}: no part {idx} for the {what} (the file has {n} "
                                f"parts, 0-{n - 1})")
    if not parts or all(p.is_drum for p in parts):
        raise JazzsoloError(f"{where}: no melodic part: every part is drums")
    reasons: dict[int, str] = {}
    for p in parts:
        if p.is_drum:
            reasons[p.index] = "drums: drum channel"
    pitched = [p for p in parts if not p.is_drum]
    max_singles = max(p.singles for p in pitched)
    scored = {p.index: _melody_score(p, max_singles) for p in pitched}
    split = False
    if melody_part is not None:
        mp = parts[melody_part]
        if mp.is_drum:
            raise JazzsoloError(f"{where}: part {melody_part} ({mp.name!r}) is a drum part, "
                                "not a melody")
        melody = melody_part
        reasons[melody] = f"melody: chosen by the user ({scored[melody][1]})"
    else:
        enough = min(MIN_LINE_NOTES, max_singles)
        lines = [p for p in pitched if p.single_share >= MIN_LINE_SHARE and p.singles >= enough]
        good = [p for p in lines if not _bass_like(p)]
        mixed = [p for p in pitched if p.single_share >= MIN_MIXED_SHARE
                 and p.singles >= enough and not _bass_like(p)]
        if good:
            best = max(good, key=lambda p: (scored[p.index][0], -p.index))
            runner = sorted((scored[p.index][0] for p in good), reverse=True)[1:2]
            melody = best.index
            extra = f"; next best {runner[0]:.2f}" if runner else ""
            reasons[melody] = (f"melody: {scored[melody][1]}; score {scored[melody][0]:.2f}"
                               f"{extra}")
        elif mixed:
            best = max(mixed, key=lambda p: (p.singles, p.median, -p.index))
            melody, split = best.index, True
            reasons[melody] = (f"melody+harmony: no part is a melody line, so the top line of "
                               f"this part ({best.singles} single notes of {best.notes}) is the "
                               "melody and the rest its harmony")
        elif lines:
            best = max(lines, key=lambda p: (p.singles, p.median, -p.index))
            melody = best.index
            reasons[melody] = f"melody: the only melodic line ({scored[melody][1]})"
        else:
            shares = ", ".join(f"part {p.index} {p.single_share:.0%}" for p in pitched)
            raise JazzsoloError(
                f"{where}: no part is a melody line: every pitched part plays mostly chords "
                f"(single-note onsets: {shares}); choose one with --melody-part")
    if harmony_parts is not None:
        harmony = tuple(dict.fromkeys(harmony_parts))
        split = split or melody in harmony
        for h in harmony:
            if parts[h].is_drum:
                raise JazzsoloError(f"{where}: part {h} ({parts[h].name!r}) is a drum part, "
                                    "not harmony")
            if h != melody:
                reasons[h] = f"harmony: chosen by the user ({_chordal(parts[h]):.0%} chordal)"
    else:
        harmony_list = [melody] if split else []
        for p in pitched:
            if p.index == melody:
                continue
            if _chordal(p) >= 0.3 or (_has(p.name, _HARMONY_WORDS) and _chordal(p) >= 0.1):
                harmony_list.append(p.index)
                reasons[p.index] = (f"harmony: {_chordal(p):.0%} of onsets are chordal, "
                                    f"{p.notes} notes")
        harmony = tuple(harmony_list)
    bass_cands = [p for p in pitched if p.index != melody and p.index not in harmony
                  and _chordal(p) < 0.3 and _bass_like(p)]
    bass = None
    if bass_cands:
        b = min(bass_cands, key=lambda p: (p.median, p.index))
        bass = b.index
        reasons[bass] = (f"bass: lowest single line (median pitch {b.median:.0f}, "
                         f"{b.single_share:.0%} single-note onsets)")
    for p in pitched:
        if p.index not in reasons:
            reasons[p.index] = (f"other: not melody, harmony or bass ({scored[p.index][1]}; "
                                f"melody score {scored[p.index][0]:.2f})")
    return Roles(melody, harmony, bass, tuple(reasons[i] for i in range(n)), split)


def detect_roles(score: Any, source: str | os.PathLike[str] | None = None) -> Roles:
    """Guess the melody, harmony and bass parts of a symusic Score, with a reason per part.

    Melody: the best-scoring single line (single-note onsets, notes, register, lead program,
    track name); if no part is a line, the top line of a part that mixes a line with chords.
    """
    return _detect(_parts(score), source)


# ------------------------------------------------------------------- monophonic reduction


def monophonic(starts: np.ndarray, ends: np.ndarray, pitches: np.ndarray,
               velocities: np.ndarray, same_onset: float) -> tuple[np.ndarray, ...]:
    """One line from overlapping notes (ticks): of near-simultaneous overlapping notes keep the
    highest, then cut every note at the next onset. Returns starts, ends, pitches, velocities.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    pitches = np.asarray(pitches, dtype=np.int64)
    velocities = np.asarray(velocities, dtype=np.int64)
    if len(starts) == 0:
        return starts, ends, pitches, velocities
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
    return s, e, p, v


def _skyline(part: _Part, tpq: int) -> np.ndarray:
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


# ------------------------------------------------------------------------------- meter


def _meters_from_score(score: Any) -> list[tuple[int, int, int]]:
    """(tick, numerator, denominator) per meter change, starting at tick 0 (4/4 by default)."""
    found: dict[int, tuple[int, int]] = {}
    for ts in score.time_signatures:
        if ts.numerator > 0 and ts.denominator > 0:
            found[int(ts.time)] = (int(ts.numerator), int(ts.denominator))
    return _clean_meters(sorted((t, n, d) for t, (n, d) in found.items()))


def _clean_meters(meters: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    if not meters or meters[0][0] > 0:
        meters = [(0, 4, 4)] + meters
    out: list[tuple[int, int, int]] = []
    for m in meters:
        if out and out[-1][1:] == m[1:]:
            continue
        out.append(m)
    return out


def meter_and_first_bar(meters: Sequence[tuple[int, int, int]], first_onset: float,
                        tpq: int) -> tuple[int, int, float]:
    """The meter (num, den) of the solo and the tick where its bar 0 starts.

    The meter is the one in force at the first melody note; an explicit short first bar (a
    one-bar meter shorter than the next one, e.g. 1/4 then 4/4) is a pickup. Otherwise a melody
    starting in the second half of a bar is a pickup: bar 0 is the next bar.
    """
    k = 0
    for i, (tick, _, _) in enumerate(meters):
        if tick <= first_onset:
            k = i
    tick, num, den = meters[k]
    length = tpq * 4 * num / den
    if k + 1 < len(meters):
        seg = meters[k + 1][0] - tick
        nxt = meters[k + 1]
        if seg <= length + 1e-9 and tpq * 4 * nxt[1] / nxt[2] > seg:
            return nxt[1], nxt[2], float(nxt[0])
    bars = math.floor((first_onset - tick) / length)
    pos = first_onset - tick - bars * length
    start = tick + bars * length + (length if pos >= length / 2 else 0.0)
    return num, den, float(start)


def _beat_ticks(meters: Sequence[tuple[int, int, int]], lo: float, hi: float,
                tpq: int) -> np.ndarray:
    """Every beat tick (by the meter map) in [lo, hi]."""
    out = []
    for i, (tick, _, den) in enumerate(meters):
        end = meters[i + 1][0] if i + 1 < len(meters) else hi + 1
        beat = tpq * 4 / den
        if end <= lo or tick > hi:
            continue
        first = tick + max(0, math.ceil((lo - tick) / beat)) * beat
        out.append(np.arange(first, min(end, hi + 1), beat))
    return np.round(np.concatenate(out)).astype(np.int64) if out else np.zeros(0, np.int64)


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


def _bass_at(ticks: np.ndarray, tol: float, bass: tuple[np.ndarray, ...]) -> list[int | None]:
    """The bass pitch attacked within ``tol`` after each tick, else the one sounding at it (the
    bass line is monophonic: sorted, non-overlapping); None where the bass rests."""
    s, e, p = bass[0], bass[1], bass[2]
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


def guess_chords(harmony: tuple[np.ndarray, ...], bass: tuple[np.ndarray, ...] | None,
                 meters: Sequence[tuple[int, int, int]], tpq: int) -> list[tuple[int, str, tuple]]:
    """Chord changes (tick, symbol, pitches) named from the harmony notes at every beat and
    every new attack; a silence of 2+ bars becomes NC, shorter ones hold the chord."""
    hs, he, hp = harmony[0], harmony[1], harmony[2]
    if len(hs) == 0:
        return []
    beats = _beat_ticks(meters, float(hs.min()), float(he.max()) - 1, tpq)
    onsets = np.unique(hs)
    if len(beats):
        j = np.searchsorted(onsets, beats, "right")
        big = np.iinfo(np.int64).max
        nxt = np.where(j < len(onsets), onsets[np.minimum(j, len(onsets) - 1)], big)
        beats = beats[(nxt - beats) >= tpq * ATTACK_SNAP]
    samples = np.unique(np.concatenate([beats, onsets]))
    inverse, rows = _rows_to_pitches(*_roll(samples, hs, he, hp))
    names = [_name(r, None) for r in rows]
    bar = tpq * 4 * meters[0][1] / meters[0][2]
    out: list[tuple[int, str, tuple]] = []
    cur: str | None = None
    silent_since: int | None = None
    for t, r in zip(samples.tolist(), inverse.tolist(), strict=True):
        name = names[r]
        if name is None:
            if not rows[r]:
                silent_since = t if silent_since is None else silent_since
                if cur not in (None, "NC") and t - silent_since >= SILENT_BARS_NC * bar:
                    out.append((silent_since, "NC", ()))
                    cur = "NC"
            continue
        silent_since = None
        if name != cur:
            out.append((t, name, rows[r]))
            cur = name
    if len(beats):  # an attack just off a beat (early or late) counts as on the beat
        ticks = np.array([t for t, _, _ in out], dtype=np.int64)
        all_beats = _beat_ticks(meters, float(hs.min()) - tpq, float(he.max()) + tpq, tpq)
        k = np.clip(np.searchsorted(all_beats, ticks), 1, max(1, len(all_beats) - 1))
        cand = np.stack([all_beats[k - 1], all_beats[np.minimum(k, len(all_beats) - 1)]])
        near = cand[np.argmin(np.abs(cand - ticks), axis=0), np.arange(len(ticks))]
        snap = np.where(np.abs(near - ticks) < tpq * ATTACK_SNAP, near, ticks).tolist()
        out = [(s, n, p) for s, (_, n, p) in zip(snap, out, strict=True)]
    if bass is None or len(bass[0]) == 0:
        return out
    named: list[tuple[int, str, tuple]] = []
    lows = _bass_at(np.array([t for t, _, _ in out], dtype=np.int64), tpq * CHORD_TOLERANCE * 2,
                    bass)
    for (t, name, pitches), low in zip(out, lows, strict=True):
        if name != "NC":
            name = _name(pitches, low) or name
        if named and named[-1][1] == name:
            continue
        named.append((t, name, pitches))
    return named


def _meta_texts(path: Path) -> list[tuple[int, str]]:
    """(tick, text) of every text meta event (FF 01) in a MIDI file: symusic drops them."""
    from .io import text_events

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
    good = []
    for t, s in items:
        try:
            good.append((t, parse_chord(s).name, s))
        except JazzsoloError:
            continue
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


def _pitches_at_changes(changes: list[tuple[int, str]], harmony: tuple[np.ndarray, ...],
                        ) -> list[tuple[int, str, tuple]]:
    """Pitches sounding at each chord change (or at the first attack after it)."""
    hs, he, hp = harmony[0], harmony[1], harmony[2]
    ticks = np.array([t for t, _ in changes], dtype=np.int64)
    samples = np.unique(np.concatenate([ticks, hs]))
    roll, low = _roll(samples, hs, he, hp)
    out: list[tuple[int, str, tuple]] = []
    for k, (t, name) in enumerate(changes):
        if name == "NC":
            out.append((t, name, ()))
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
        out.append((t, name, pitches))
    return out


# ---------------------------------------------------------------------------- assembling


Notes = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # starts, ends, pitch, velocity


def _notes(a: Notes, tpq: int) -> list[Note]:
    s, e, p, v = a
    rows = zip(s.tolist(), e.tolist(), p.tolist(), v.tolist(), strict=True)
    return [Note(x / tpq, (y - x) / tpq, z, w) for x, y, z, w in rows]


def assemble_lead_sheet(melody: Notes, changes: list[tuple[int, str, tuple]],
                        bass: Notes | None, meters: Sequence[tuple[int, int, int]],
                        end_tick: int, tpq: int, tempo: float, name: str,
                        ) -> LeadSheet:
    """The one place a lead sheet is built from ticks (MIDI and WJazzD CSV readers alike).

    ``melody`` is already monophonic; ``changes`` are chord changes (tick, symbol, pitches),
    merged when a symbol repeats; each chord lasts to the next one, the last to ``end_tick``
    (changes at or after it are dropped); meter and bar 0 follow :func:`meter_and_first_bar`.
    """
    merged: list[tuple[int, str, tuple]] = []
    for t, sym, pitches in sorted(changes, key=lambda c: c[0]):
        if merged and merged[-1][1] == sym:
            continue
        if merged and merged[-1][0] == t:
            merged[-1] = (t, sym, pitches)
            continue
        merged.append((t, sym, pitches))
    merged = [c for c in merged if c[0] < end_tick] or merged[:1]
    chords = []
    for k, (t, sym, pitches) in enumerate(merged):
        stop = merged[k + 1][0] if k + 1 < len(merged) else max(end_tick, t + 1)
        chords.append(Chord(t / tpq, (stop - t) / tpq, tuple(pitches), sym))
    first = float(melody[0][0]) if len(melody[0]) else (merged[0][0] if merged else 0.0)
    num, den, bar0 = meter_and_first_bar(meters, first, tpq)
    bar_len = tpq * 4 * num / den
    n_bars = max(0, math.ceil((end_tick - bar0) / bar_len - 1e-9))
    return LeadSheet(
        melody=_notes(melody, tpq),
        chords=chords,
        beats_per_bar=num,
        beat_unit=den,
        tempo=float(tempo),
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


def _concat(arrays: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    if not arrays:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    return tuple(np.concatenate([a[i] for a in arrays]) for i in range(4))


def read_lead_sheet(path: str | os.PathLike[str], melody_part: int | None = None,
                    harmony_parts: Sequence[int] | None = None,
                    bars: tuple[int, int] | None = None) -> LeadSheet:
    """Read any MIDI file as a lead sheet: the solo line, chords at beat resolution (or the
    file's chord markers), the bass line, meter and bars; parts are detected unless given."""
    p = Path(path)
    score = read_midi(p)
    tpq = int(score.ticks_per_quarter)
    parts = _parts(score)
    roles = _detect(parts, p, melody_part, harmony_parts)
    mp = parts[roles.melody]
    mel_mask = _skyline(mp, tpq) if roles.split else np.ones(mp.notes, dtype=bool)
    melody = monophonic(mp.starts[mel_mask], mp.ends[mel_mask], mp.pitches[mel_mask],
                        mp.velocities[mel_mask], max(1.0, tpq * SAME_ONSET))
    h_arrays = []
    for h in roles.harmony:
        hp = parts[h]
        keep = ~mel_mask if (roles.split and h == roles.melody) else slice(None)
        h_arrays.append((hp.starts[keep], hp.ends[keep], hp.pitches[keep], hp.velocities[keep]))
    harmony = _concat(h_arrays)
    bass = None
    if roles.bass is not None:
        bp = parts[roles.bass]
        bass = monophonic(bp.starts, bp.ends, bp.pitches, bp.velocities,
                          max(1.0, tpq * SAME_ONSET))
    meters = _meters_from_score(score)
    marked = marker_chords(score, p)
    if marked:
        changes = _pitches_at_changes(marked, harmony)
    else:
        changes = guess_chords(harmony, bass, meters, tpq)
    ends = [int(a[1].max()) for a in (melody, harmony, bass) if a is not None and len(a[1])]
    end_tick = max(ends) if ends else 0
    tempo = float(score.tempos[0].qpm) if len(score.tempos) else 120.0
    sheet = assemble_lead_sheet(melody, changes, bass, meters, end_tick, tpq, tempo, p.stem)
    if bars is not None:
        sheet = select_bars(sheet, int(bars[0]), int(bars[1]), p)
    return sheet
