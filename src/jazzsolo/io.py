"""Reading and writing MIDI files (symusic), listing their parts and guessing each part's role.

No music theory here: this module turns files into notes and notes into files. Part numbers
follow the classic numbering: the tracks that hold notes, in file order, from 0.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import JazzsoloError

# General MIDI programs of instruments that usually play a lead line (0-based).
LEAD_PROGRAMS = frozenset(
    list(range(24, 32))  # guitars
    + list(range(40, 42))  # violin, viola
    + list(range(56, 72))  # brass, reeds
    + list(range(72, 80))  # pipes / flutes
    + list(range(80, 88))  # synth leads
)
CHORD_TOLERANCE = 1 / 16  # onsets closer than this (in quarters) count as simultaneous


def read_midi(path: str | os.PathLike[str]) -> Any:
    """Load a MIDI file as a ``symusic.Score`` in ticks, with a one-line error for bad files."""
    import symusic

    p = Path(path)
    if not p.exists():
        raise JazzsoloError(f"{p}: no such file")
    if p.is_dir():
        raise JazzsoloError(f"{p}: is a directory, not a MIDI file")
    try:
        with open(p, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise JazzsoloError(f"{p}: cannot read ({exc.strerror})") from None
    if data[:4] != b"MThd":
        raise JazzsoloError(f"{p}: not a MIDI file (no MThd header)")
    problem = chunk_problem(data)
    if problem:
        raise JazzsoloError(f"{p}: damaged MIDI file ({problem})")
    try:
        score = symusic.Score.from_midi(data)
    except Exception as exc:  # symusic raises plain RuntimeError/IndexError on damage
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JazzsoloError(f"{p}: damaged MIDI file ({reason})") from None
    if score.ticks_per_quarter <= 0:
        raise JazzsoloError(f"{p}: damaged MIDI file (bad ticks per quarter)")
    if not any(len(t.notes) for t in score.tracks):
        raise JazzsoloError(f"{p}: the MIDI file holds no notes")
    return score


def chunk_problem(data: bytes) -> str | None:
    """Why the chunk layout of a MIDI file is broken, or None (symusic may read a truncated
    file as an empty score instead of failing, so the lengths are checked first)."""
    pos = 0
    while pos < len(data):
        if len(data) - pos < 8:
            break  # a few stray bytes after the last chunk: common, and harmless
        kind, length = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        if pos == 0 and length < 6:
            return "header chunk too short"
        if pos + 8 + length > len(data):
            return f"the {kind.decode('latin-1')!r} chunk runs past the end of the file"
        pos += 8 + length
    return None


def _read_vlq(data: bytes, i: int) -> tuple[int, int]:
    """A MIDI variable-length number at ``i``: (value, next index)."""
    value = 0
    for _ in range(4):
        byte = data[i]
        i += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    return value, i


def _events(data: bytes) -> Iterator[tuple[int, int, int, bytes]]:
    """Every event of a Standard MIDI File as (track chunk, tick, status, payload).

    A small walker for what symusic does not keep (plain text events, channel numbers). Meta
    events come with status 0xFF and payload = type byte + data; a damaged track ends early.
    """
    pos = 14 if len(data) >= 14 else len(data)
    chunk = -1
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        body_start, body_end = pos + 8, min(len(data), pos + 8 + size)
        pos = body_end
        if kind != b"MTrk":
            continue
        chunk += 1
        i, tick, status = body_start, 0, 0
        try:
            while i < body_end:
                delta, i = _read_vlq(data, i)
                tick += delta
                byte = data[i]
                if byte == 0xFF:
                    meta_type = data[i + 1]
                    length, i = _read_vlq(data, i + 2)
                    yield chunk, tick, 0xFF, bytes([meta_type]) + data[i : i + length]
                    i += length
                    if meta_type == 0x2F:
                        break
                elif byte in (0xF0, 0xF7):
                    length, i = _read_vlq(data, i + 1)
                    i += length
                else:
                    if byte & 0x80:
                        status, i = byte, i + 1
                    if status == 0:
                        break  # running status with no status byte: a damaged track
                    size = 1 if (status & 0xF0) in (0xC0, 0xD0) else 2
                    yield chunk, tick, status, data[i : i + size]
                    i += size
        except IndexError:
            continue


def text_events(data: bytes, kinds: tuple[int, ...] = (0x01,)) -> list[tuple[int, str]]:
    """(tick, text) of the meta events of the given kinds (0x01 text, 0x06 marker ...), sorted;
    symusic keeps markers and lyrics but drops plain text events, where some files put chords."""
    found = [
        (tick, payload[1:].decode("utf-8", "replace").strip())
        for _, tick, status, payload in _events(data)
        if status == 0xFF and payload[0] in kinds
    ]
    return sorted(found)


def note_channels(data: bytes) -> list[tuple[int, int, int, int]]:
    """(track chunk, channel, program, notes) for every channel that plays notes, in the order
    notes first appear: how a part of symusic's (one per track, channel, program) was sent."""
    programs: dict[tuple[int, int], int] = {}
    counts: dict[tuple[int, int, int], int] = {}
    for chunk, _, status, payload in _events(data):
        kind, channel = status & 0xF0, status & 0x0F
        if status == 0xFF:
            continue
        if kind == 0xC0 and payload:
            programs[(chunk, channel)] = payload[0]
        elif kind == 0x90 and len(payload) == 2 and payload[1] > 0:
            key = (chunk, channel, programs.get((chunk, channel), 0))
            counts[key] = counts.get(key, 0) + 1
    return [(c, ch, prog, n) for (c, ch, prog), n in counts.items()]


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


def note_tracks(score: Any) -> list[int]:
    """Track indices holding notes, in file order: part i is ``score.tracks[note_tracks[i]]``."""
    return [i for i, t in enumerate(score.tracks) if len(t.notes) > 0]


def _detected_roles(score: Any, tracks: list[int]) -> list[tuple[str, str]]:
    """(role, why) per part from the detector; a file it rejects still gets its parts listed."""
    from .extract import detect_roles

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


def _create_temp(tmp: Path) -> None:
    """Create an empty file, failing if it exists (0o666 minus umask, unlike mkstemp's 0o600)."""
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``, on any
    error it is removed, so no half-written file is ever left behind."""
    target = Path(path)
    if target.is_dir():
        raise JazzsoloError(f"{target}: is a directory, expected an output file path")
    parent = target.parent
    if not parent.is_dir():
        problem = "is not a directory" if parent.exists() else "does not exist"
        raise JazzsoloError(f"{target}: output directory {parent} {problem}")
    tmp = parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        _create_temp(tmp)
    except OSError as exc:
        raise JazzsoloError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    try:
        yield tmp
        os.replace(tmp, target)
    except OSError as exc:
        raise JazzsoloError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        if tmp.exists():
            tmp.unlink()


SOLO_PROGRAM = 66  # tenor sax
CHORD_PROGRAM = 0  # acoustic grand piano
BASS_PROGRAM = 32  # acoustic bass


def lead_sheet_to_score(sheet: Any, tpq: int = 480, solo_program: int = SOLO_PROGRAM) -> Any:
    """A symusic Score with tracks ``Solo``, ``Chords`` (a marker at each named chord) and,
    when the sheet has one, ``Bass``; tempo and meter from the sheet."""
    import symusic

    def ticks(q: float) -> int:
        return int(round(q * tpq))

    score = symusic.Score(tpq)
    score.tempos.append(symusic.Tempo(0, float(sheet.tempo)))
    score.time_signatures.append(symusic.TimeSignature(0, sheet.beats_per_bar, sheet.beat_unit))
    solo = symusic.Track("Solo", solo_program, False)
    for n in sheet.melody:
        if n.pitch is not None and n.duration > 0:
            solo.notes.append(symusic.Note(ticks(n.start), max(1, ticks(n.duration)), n.pitch,
                                           n.velocity))
    chords = symusic.Track("Chords", CHORD_PROGRAM, False)
    last_name = None
    for c in sheet.chords:
        for p in c.pitches:
            chords.notes.append(symusic.Note(ticks(c.start), max(1, ticks(c.duration)), p, 70))
        name = c.symbol or _chord_name(c.pitches)
        if name and name != last_name:
            score.markers.append(symusic.TextMeta(ticks(c.start), name))
        last_name = name
    score.tracks.append(solo)
    score.tracks.append(chords)
    if sheet.bass:
        bass = symusic.Track("Bass", BASS_PROGRAM, False)
        for n in sheet.bass:
            bass.notes.append(symusic.Note(ticks(n.start), max(1, ticks(n.duration)), n.pitch, 85))
        score.tracks.append(bass)
    return score


def _chord_name(pitches: tuple[int, ...]) -> str | None:
    """A symbol for a chord known only by its pitches (for the markers people read)."""
    from .chords.naming import chord_from_pitches

    symbol = chord_from_pitches(pitches)
    return symbol.name if symbol else None


def write_midi(sheet: Any, path: str | os.PathLike[str], solo_program: int = SOLO_PROGRAM) -> None:
    """Write a lead sheet as a MIDI file, atomically (temp file, then rename)."""
    score = lead_sheet_to_score(sheet, solo_program=solo_program)
    with atomic_output(path) as tmp:
        score.dump_midi(str(tmp))
