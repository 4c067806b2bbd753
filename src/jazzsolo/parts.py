"""The parts of a MIDI file and what each one plays: solo line, harmony, bass, drums.

``list_parts`` shows each part's statistics (``jazzsolo parts``); ``detect_roles`` guesses the
melody, harmony and bass parts, with a reason for each, from single-note onsets, note counts,
register, General MIDI program and track name. Part numbers follow the classic numbering: the
tracks that hold notes, in file order, from 0 (``io.note_tracks``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import JazzsoloError
from .io import note_tracks
from .smf import note_channels

# General MIDI programs of instruments that usually play a lead line (0-based).
LEAD_PROGRAMS = frozenset(
    list(range(24, 32))  # guitars
    + list(range(40, 42))  # violin, viola
    + list(range(56, 72))  # brass, reeds
    + list(range(72, 80))  # pipes / flutes
    + list(range(80, 88))  # synth leads
)
CHORD_TOLERANCE = 1 / 16  # onsets closer than this (in quarters) count as simultaneous


MIN_LINE_SHARE = 0.5  # a melody line: at least half of its notes start alone
MIN_MIXED_SHARE = 0.15  # a part that can be split: at least this share of single notes
MIN_LINE_NOTES = 8
BASS_MEDIAN = 48  # parts below this median pitch are bass-like

_SOLO_WORDS = ("solo", "melod", "lead", "theme", "tune", "vocal", "voice", "vox", "sing")
_LEAD_WORDS = ("sax", "tenor", "alto", "soprano", "bari", "trumpet", "tpt", "trp", "cornet",
               "flugel", "trombone", "tbn", "clarinet", "flute", "violin", "harmonica")
_HARMONY_WORDS = ("piano", "pno", "chord", "comp", "organ", "keys", "keyboard", "rhodes",
                  "pad", "string", "accomp", "harmony", "wurli")
_BASS_WORDS = ("bass",)
_DRUM_WORDS = ("drum", "perc", "kit")


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
class PartNotes:
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


def part_notes(score: Any) -> list[PartNotes]:
    """Each part's notes sorted by start then pitch, with the features role detection uses."""
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
        out.append(PartNotes(index, str(track.name), int(track.program), bool(track.is_drum),
                         starts, ends, pitches, vel, float(alone.mean()), int(alone.sum()),
                         float(np.median(pitches))))
    return out


def _has(name: str, words: Sequence[str]) -> bool:
    low = name.lower()
    return any(w in low for w in words)


def _bass_like(p: PartNotes) -> bool:
    return p.median < BASS_MEDIAN or 32 <= p.program <= 39 or _has(p.name, _BASS_WORDS)


def _melody_score(p: PartNotes, max_singles: int) -> tuple[float, str]:
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


def _chordal(p: PartNotes) -> float:
    return 1.0 - p.single_share


def _where(source: Any) -> str:
    return str(source) if source is not None else "the score"


def choose_roles(parts: list[PartNotes], source: Any = None, melody_part: int | None = None,
            harmony_parts: Sequence[int] | None = None) -> Roles:
    """The role detector behind :func:`detect_roles`, with the user's choices (``melody_part``,
    ``harmony_parts``) taking precedence."""
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
    return choose_roles(part_notes(score), source)


# ------------------------------------------------------------------------------ listing


@dataclass(frozen=True)
class PartInfo:
    """What ``jazzsolo parts`` shows for one part."""

    index: int
    track: int
    name: str
    program: int
    channel: int | None
    is_drum: bool
    notes: int
    max_polyphony: int
    lowest: int
    highest: int
    median: float
    chord_onsets: float  # share of onsets shared with another note (0 = a pure line)
    role: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _polyphony_stats(starts: np.ndarray, ends: np.ndarray, tpq: int) -> tuple[int, float]:
    """Maximum number of sounding notes, and the share of onsets shared with another note."""
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    times = np.concatenate([starts, ends])
    deltas = np.concatenate([np.ones_like(starts), -np.ones_like(ends)])
    idx = np.lexsort((deltas, times))  # ends before starts at the same tick
    max_poly = int(np.max(np.cumsum(deltas[idx]))) if len(idx) else 0
    tol = max(1, int(tpq * CHORD_TOLERANCE))
    gaps = np.diff(starts)
    together = np.zeros(len(starts), dtype=bool)
    together[1:] |= gaps < tol
    together[:-1] |= gaps < tol
    return max_poly, float(together.mean()) if len(starts) else 0.0


def _detected_roles(score: Any, tracks: list[int]) -> list[tuple[str, str]]:
    """(role, why) per part from the detector; a file it rejects still gets its parts listed."""
    try:
        detected = detect_roles(score)
        return [(detected.role_of(i), detected.reasons[i]) for i in range(len(tracks))]
    except JazzsoloError as exc:  # e.g. a drums-only file
        reason = str(exc).split(": ", 1)[-1]
        return [("drums" if score.tracks[t].is_drum else "other", reason) for t in tracks]


def _part_channels(score: Any, tracks: list[int], data: bytes | None) -> list[int | None]:
    """The MIDI channel (1-16) of each part, matched by program and note count (None: unsure)."""
    if data is None:
        return [None] * len(tracks)
    groups = note_channels(data)
    used: set[int] = set()
    out: list[int | None] = []
    for t in tracks:
        track = score.tracks[t]
        match = None
        for g, (_, channel, program, n) in enumerate(groups):
            if g in used or n != len(track.notes) or (channel == 9) != bool(track.is_drum):
                continue
            if track.is_drum or program == track.program:
                match = g
                break
        if match is not None:
            used.add(match)
        out.append(groups[match][1] + 1 if match is not None else None)  # 1-16, as people say
    return out


def list_parts(score: Any, roles: bool = True, data: bytes | None = None) -> list[PartInfo]:
    """One :class:`PartInfo` per part, with the role the detector gives it and why (or, with
    ``roles=False``, only the statistics: detection costs more than reading). With the file's
    bytes, each part's MIDI channel is found too."""
    tracks = note_tracks(score)
    channels = _part_channels(score, tracks, data)
    if roles:
        roles_found = _detected_roles(score, tracks)
    else:
        roles_found = [("drums" if score.tracks[t].is_drum else "", "") for t in tracks]
    tpq = score.ticks_per_quarter
    parts = []
    for index, track_index in enumerate(tracks):
        track = score.tracks[track_index]
        arr = track.notes.numpy()
        starts = arr["time"].astype(np.int64)
        ends = starts + np.maximum(arr["duration"].astype(np.int64), 1)
        pitches = arr["pitch"]
        max_poly, chordal = _polyphony_stats(starts, ends, tpq)
        info: dict[str, Any] = {
            "index": index,
            "track": track_index,
            "name": str(track.name),
            "program": int(track.program),
            "channel": channels[index],
            "is_drum": bool(track.is_drum),
            "notes": int(len(starts)),
            "max_polyphony": max_poly,
            "lowest": int(pitches.min()),
            "highest": int(pitches.max()),
            "median": float(np.median(pitches)),
            "chord_onsets": round(chordal, 3),
        }
        role, why = roles_found[index]
        info["role"], info["why"] = role, why.split(": ", 1)[-1]
        parts.append(PartInfo(**info))
    return parts


def check_part(parts: list[PartInfo], index: int, path: str | os.PathLike[str], what: str) -> None:
    """Fail clearly when a requested part does not exist or cannot serve as ``what``."""
    if not 0 <= index < len(parts):
        raise JazzsoloError(
            f"{path}: no part {index} (the file has {len(parts)} parts, 0-{len(parts) - 1})"
        )
    if what == "melody" and parts[index].is_drum:
        raise JazzsoloError(f"{path}: part {index} ({parts[index].name!r}) is a drum part")
