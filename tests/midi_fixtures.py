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
    markers: Sequence[tuple[float, str]] = (),
    tempos: Sequence[tuple[float, float]] | None = None,
    meters: Sequence[tuple[float, int, int]] | None = None,
) -> Path:
    """Write tracks given as (name, program, is_drum, [(start_q, duration_q, pitch), ...]);
    ``tempos`` [(time_q, qpm)] and ``meters`` [(time_q, num, den)] override the single ones."""
    score = symusic.Score(TPQ)
    for t, qpm in tempos or [(0.0, tempo)]:
        score.tempos.append(symusic.Tempo(round(t * TPQ), qpm))
    for t, num, den in meters or [(0.0, *time_signature)]:
        score.time_signatures.append(symusic.TimeSignature(round(t * TPQ), num, den))
    for name, program, is_drum, notes in tracks:
        track = symusic.Track(name, program, is_drum)
        for start, dur, pitch in notes:
            track.notes.append(symusic.Note(round(start * TPQ), round(dur * TPQ), pitch, 90))
        score.tracks.append(track)
    for t, text in markers:
        score.markers.append(symusic.TextMeta(round(t * TPQ), text))
    score.dump_midi(str(path))
    return path


def write_song(path: Path, seed: int, bars: int = 16) -> Path:
    """A small seeded tune: a monophonic sax line of eighths and quarters over one four-note
    piano chord per bar (a ii-V-I-VI cycle in a seeded key), for corpus and scale tests."""
    import random

    rng = random.Random(seed)
    key = rng.randrange(12)
    cycle = [(2, (0, 3, 7, 10)), (7, (0, 4, 7, 10)), (0, (0, 4, 7, 11)), (9, (0, 3, 7, 10))]
    melody, chords = [], []
    for bar in range(bars):
        root, shape = cycle[bar % 4]
        chords.extend((4.0 * bar, 4.0, 48 + (key + root) % 12 + s) for s in shape)
        t = 0.0
        while t < 4.0:
            dur = min(rng.choice((0.5, 0.5, 1.0)), 4.0 - t)
            pitch = 60 + (key + root + rng.choice(shape) + 12 * rng.randrange(2)) % 24
            melody.append((4.0 * bar + t, dur, pitch))
            t += dur
    return write_midi(path, [("sax", 66, False, melody), ("piano", 0, False, chords)])
