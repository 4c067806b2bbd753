"""Reading and writing MIDI files (symusic), and writing any output file atomically.

No music theory here: this module turns files into notes and notes into files. Part numbers
follow the classic numbering: the tracks that hold notes, in file order, from 0 (which part
plays what is ``parts.py``'s job).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import JazzsoloError
from .smf import midi_problem


@dataclass(frozen=True)
class MidiFile:
    """A MIDI file as read: its path, its bytes (for what symusic drops: text events, channels,
    or a synthesizer that reads bytes) and the ``symusic.Score``."""

    path: Path
    data: bytes
    score: Any


def read_midi(path: str | os.PathLike[str]) -> Any:
    """Load a MIDI file as a ``symusic.Score`` in ticks, with a one-line error for bad files
    (a file without notes is one)."""
    midi = read_midi_file(path)
    if not any(len(t.notes) for t in midi.score.tracks):
        raise JazzsoloError(f"{midi.path}: the MIDI file holds no notes")
    return midi.score


def read_midi_file(path: str | os.PathLike[str]) -> MidiFile:
    """Read and parse a MIDI file (the one MIDI loader); every problem is a one-line
    JazzsoloError naming the file. A file without notes is accepted here."""
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
    problem = midi_problem(data)  # before symusic: its parser trusts its input (see smf.py)
    if problem:
        raise JazzsoloError(f"{p}: damaged MIDI file ({problem})")
    try:
        score = symusic.Score.from_midi(data)
    except Exception as exc:  # symusic raises plain RuntimeError/IndexError on damage
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JazzsoloError(f"{p}: damaged MIDI file ({reason})") from None
    if score.ticks_per_quarter <= 0:
        raise JazzsoloError(f"{p}: damaged MIDI file (bad ticks per quarter)")
    return MidiFile(p, data, score)


def note_tracks(score: Any) -> list[int]:
    """Track indices holding notes, in file order: part i is ``score.tracks[note_tracks[i]]``."""
    return [i for i, t in enumerate(score.tracks) if len(t.notes) > 0]


def _create_temp(tmp: Path) -> None:
    """Create an empty file, failing if it exists (0o666 minus umask, unlike mkstemp's 0o600)."""
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))


def temp_file_beside(path: str | os.PathLike[str]) -> Path:
    """Create an empty temporary file in ``path``'s folder (so a rename onto ``path`` is atomic)
    and return it; a one-line error when ``path`` cannot be written there."""
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
    return tmp


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``, on any
    error it is removed, so no half-written file is ever left behind."""
    with atomic_outputs() as stage:
        yield stage(path)


@contextmanager
def atomic_outputs() -> Iterator[Callable[[str | os.PathLike[str]], Path]]:
    """Several files written all or nothing: yields ``stage(path) -> temporary path``; when the
    block succeeds every staged file is renamed onto its path, on any error all are removed."""
    staged: list[tuple[Path, Path]] = []

    def stage(path: str | os.PathLike[str]) -> Path:
        tmp = temp_file_beside(path)
        staged.append((tmp, Path(path)))
        return tmp

    try:
        yield stage
        for tmp, target in staged:
            os.replace(tmp, target)
    except OSError as exc:
        where = staged[-1][1] if staged else "output"
        raise JazzsoloError(f"{where}: cannot write ({exc.strerror or exc})") from None
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


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
