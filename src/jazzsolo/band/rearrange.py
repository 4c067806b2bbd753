"""The band behind an existing MIDI file (``jazzsolo render FILE --band STYLE``).

The file's solo is kept (the track named ``Solo``, else the part the role detector calls the
melody); the chords come from its chord markers (jazzsolo writes one at each change; plain text
events are read too); every other track is replaced by the band. Tempo and meter are the file's;
the form is the shortest repeating stretch of the changes. Count-in, intro and ending are added
anew (a band file's ``Fine`` marker ends what is read), so re-arranging a jazzsolo band file
gives it a new band rather than a second one.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jazzsolo.chords.symbols import is_chord_text
from jazzsolo.errors import JazzsoloError
from jazzsolo.score import Chord, Note

if TYPE_CHECKING:  # pragma: no cover - typing only
    from jazzsolo.request import BandOptions

from .arrange import FINE, Arrangement, Form, arrange, to_score


def _solo_track(score: Any, path: str | os.PathLike[str]) -> Any:
    from jazzsolo.extract import detect_roles
    from jazzsolo.io import note_tracks

    tracks = note_tracks(score)
    for t in tracks:
        if str(score.tracks[t].name).strip().lower() == "solo":
            return score.tracks[t]
    return score.tracks[tracks[detect_roles(score, path).melody]]


def _chord_texts(score: Any, data: bytes) -> list[tuple[int, str]]:
    """(tick, symbol) of the markers (else text events) that read as chord symbols."""
    from jazzsolo.smf import text_events

    found = [(int(m.time), str(m.text)) for m in score.markers] or text_events(data)
    return [(tick, text) for tick, text in sorted(found) if is_chord_text(text)]


def band_for_file(path: str | os.PathLike[str], options: BandOptions,
                  seed: int = 0) -> Arrangement:  # fmt: skip
    """The arrangement of a MIDI file's solo and chord markers with a new band."""
    from jazzsolo.io import read_midi

    from .options import resolve

    resolve(options)  # bad options fail before the file is read

    score = read_midi(path)  # one-line errors for a bad or empty file
    data = Path(path).read_bytes()  # for the text events symusic drops
    tpq = score.ticks_per_quarter
    fine = min((int(m.time) for m in score.markers if str(m.text) == FINE), default=None)
    texts = [(t, x) for t, x in _chord_texts(score, data) if fine is None or t < fine]
    if not texts:
        raise JazzsoloError(f"{path}: no chord symbols to play over (the band reads chord "
                            "markers, which jazzsolo writes at each change)")
    sig = score.time_signatures[0] if len(score.time_signatures) else None
    beats = round(sig.numerator * 4 / sig.denominator) if sig else 4
    tempo = float(score.tempos[0].qpm) if len(score.tempos) else 120.0
    solo_track = _solo_track(score, path)
    solo = [Note(n.time / tpq, n.duration / tpq, int(n.pitch), int(n.velocity))
            for n in solo_track.notes]
    first = min([texts[0][0] / tpq] + [n.start for n in solo])
    origin = math.floor(first / beats + 1e-9) * beats
    end = max(int(n.time + n.duration) for t in score.tracks for n in t.notes)
    end = (end if fine is None else fine) / tpq - origin  # a band file's ending bar is dropped
    n_bars = max(1, math.ceil(end / beats - 1e-9))
    chords = []
    for i, (tick, text) in enumerate(texts):
        start = tick / tpq - origin
        stop = texts[i + 1][0] / tpq - origin if i + 1 < len(texts) else n_bars * beats
        chords.append(Chord(start, stop - start, (), text))
    solo = [Note(n.start - origin, n.duration, n.pitch, n.velocity) for n in solo]
    return arrange(chords, solo, options, Form(beats, tempo, n_bars), seed)


def render_with_band(midi_path: str | os.PathLike[str], wav_path: str | os.PathLike[str],
                     options: BandOptions, soundfont: str | None = None, seed: int = 0) -> Any:
    """Render a MIDI file's solo with a new band to WAV; returns render_wav's RenderInfo."""
    from jazzsolo.render import render_wav

    arrangement = band_for_file(midi_path, options, seed)
    with tempfile.TemporaryDirectory(prefix="jazzsolo-band-") as tmp:
        mid = Path(tmp) / "band.mid"
        to_score(arrangement).dump_midi(str(mid))
        return render_wav(mid, wav_path, soundfont=soundfont, name=midi_path)
