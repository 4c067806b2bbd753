"""Tiny MIDI files written by the tests themselves (symusic), for edge cases."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import symusic

TPQ = 480


def write_midi(
    path: Path,
    tracks: Sequence[tuple[str, int, bool, Sequence[tuple[float, float, int]]]],
    *,
    tempo: float = 120.0,
    time_signature: tuple[int, int] = (4, 4),
    channels: Sequence[int] | None = None,
    markers: Sequence[tuple[float, str]] = (),
) -> Path:
    """Write tracks given as (name, program, is_drum, [(start_q, duration_q, pitch), ...])."""
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, tempo))
    score.time_signatures.append(symusic.TimeSignature(0, *time_signature))
    for name, program, is_drum, notes in tracks:
        track = symusic.Track(name, program, is_drum)
        for start, dur, pitch in notes:
            track.notes.append(symusic.Note(round(start * TPQ), round(dur * TPQ), pitch, 90))
        score.tracks.append(track)
    for t, text in markers:
        score.markers.append(symusic.TextMeta(round(t * TPQ), text))
    score.dump_midi(str(path))
    return path
