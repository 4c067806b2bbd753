"""Hear it and see it: MIDI to WAV through a General MIDI soundfont, piano rolls, training curves.

Audio: the default synthesizer is rustysynth (a SoundFont 2 synthesizer written in Rust, shipped
as the self-contained ``midirenderer`` wheel) playing TimGM6mb.sf2, the General MIDI soundfont
that the ``pretty_midi`` wheel ships. A user's own ``.sf2`` goes through rustysynth too; an
``.sf3`` (Ogg-compressed, which rustysynth cannot read) goes through symusic's synthesizer.
symusic 0.5.9's synthesizer is not the default because it plays TimGM6mb's piano, guitar and
bass at wrong pitches (measured: piano C4 sounds G#5), see docs/render.md.

Heavy modules (numpy, symusic, midirenderer, matplotlib) are imported inside the functions, so
``import jazzsolo.render`` costs nothing. Every output is written to a temporary file in the
target directory first and moved into place with ``os.replace``: no half-written files.
"""

from __future__ import annotations

import importlib.util
import io
import math
import os
import re
import struct
import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jazzsolo.errors import JazzsoloError
from jazzsolo.io import atomic_output, chunk_problem, text_events

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

__all__ = [
    "RenderInfo",
    "default_soundfont",
    "plot_history",
    "plot_piano_roll",
    "render_wav",
    "soundfont_version",
]

DEFAULT_SOUNDFONT_PACKAGE = "pretty_midi"
DEFAULT_SOUNDFONT_FILE = "TimGM6mb.sf2"
TARGET_PEAK_DBFS = -1.0
TAIL_SECONDS = 0.5
"""Extra time rendered after the last MIDI event so the last notes ring out instead of stopping."""
HIGHPASS_HZ = 20.0
"""DC and sub-audio rumble below this are removed (TimGM6mb's sax samples carry a DC offset)."""
MAX_PLOT_BARS = 1000  # a piano roll of more bars is a picture tens of thousands of pixels tall
MAX_RENDER_SECONDS = 3600.0
"""Longer MIDI files are refused: an hour of 48 kHz stereo audio is already 1.4 GB in memory."""
_RUSTYSYNTH_RATE = 48000  # midirenderer always renders 48 kHz 16-bit stereo
_INT16_MAX = 32767

PathLike = str | os.PathLike


# --------------------------------------------------------------------------------------------
# Shared helpers: paths, atomic writes, MIDI loading
# --------------------------------------------------------------------------------------------


def _read_midi_bytes(midi_path: PathLike) -> tuple[Path, bytes]:
    """Read a MIDI file's bytes, refusing a missing file or one without a MIDI header."""
    path = Path(midi_path)
    if not path.exists():
        raise JazzsoloError(f"{path}: no such MIDI file")
    if not path.is_file():
        raise JazzsoloError(f"{path}: not a file, expected a MIDI file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise JazzsoloError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data.startswith(b"MThd"):
        raise JazzsoloError(f"{path}: not a MIDI file (no MThd header)")
    problem = chunk_problem(data)
    if problem:
        raise JazzsoloError(f"{path}: damaged MIDI file ({problem})")
    return path, data


def _load_score(midi_path: PathLike) -> tuple[Path, bytes, Any]:
    """Load a MIDI file with symusic (ticks); every failure becomes a one-line JazzsoloError."""
    import symusic

    path, data = _read_midi_bytes(midi_path)
    try:
        score = symusic.Score.from_midi(data)
    except Exception as exc:  # symusic raises ValueError / RuntimeError with C++ messages
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JazzsoloError(f"{path}: unreadable MIDI file ({reason})") from None
    if score.ticks_per_quarter <= 0:
        raise JazzsoloError(f"{path}: damaged MIDI file (bad ticks per quarter)")
    return path, data, score


# --------------------------------------------------------------------------------------------
# Audio
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderInfo:
    """What ``render_wav`` wrote: length, level (linear, 1.0 = full scale) and how it was made."""

    path: Path
    duration: float
    sample_rate: int
    channels: int
    peak: float
    rms: float
    soundfont: Path
    synthesizer: str

    @property
    def peak_dbfs(self) -> float:
        """Peak level in dB relative to full scale (about -1.0 after normalising)."""
        return _dbfs(self.peak)

    @property
    def rms_dbfs(self) -> float:
        """Average (RMS) level in dB relative to full scale."""
        return _dbfs(self.rms)


def _dbfs(level: float) -> float:
    return 20.0 * math.log10(level) if level > 0 else float("-inf")


def default_soundfont() -> Path:
    """The bundled General MIDI soundfont: TimGM6mb.sf2 inside the installed pretty_midi package.

    Found without importing pretty_midi (only its package directory is looked up).
    """
    spec = importlib.util.find_spec(DEFAULT_SOUNDFONT_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / DEFAULT_SOUNDFONT_FILE
        if candidate.is_file():
            return candidate
    raise JazzsoloError(
        f"{DEFAULT_SOUNDFONT_FILE}: default soundfont not found (pip install pretty_midi), "
        "or pass a soundfont file"
    )


def soundfont_version(soundfont: PathLike) -> int:
    """Major SoundFont version of a file (2 for .sf2, 3 for .sf3); JazzsoloError if not one."""
    path = Path(soundfont)
    if not path.is_file():
        raise JazzsoloError(f"{path}: no such soundfont file")
    try:
        with path.open("rb") as handle:
            head = handle.read(256)
    except OSError as exc:
        raise JazzsoloError(f"{path}: cannot read soundfont ({exc.strerror or exc})") from None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise JazzsoloError(f"{path}: not a SoundFont file (no RIFF sfbk header)")
    at = head.find(b"ifil")
    if at < 0 or at + 10 > len(head):
        raise JazzsoloError(f"{path}: not a SoundFont file (no version chunk)")
    return struct.unpack_from("<H", head, at + 8)[0]


def render_wav(
    midi_path: PathLike,
    wav_path: PathLike,
    soundfont: PathLike | None = None,
    sample_rate: int = 44100,
) -> RenderInfo:
    """Render a MIDI file to a 16-bit stereo WAV through a General MIDI soundfont synthesizer.

    The audio is normalised to a -1 dBFS peak and lasts the MIDI's length plus a short tail.
    """
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int):
        raise JazzsoloError(f"sample rate must be an integer, got {sample_rate!r}")
    if not 8000 <= sample_rate <= 192000:
        raise JazzsoloError(f"sample rate {sample_rate} Hz is outside 8000..192000 Hz")
    sf_path = Path(soundfont) if soundfont is not None else default_soundfont()
    version = soundfont_version(sf_path)
    path, _data, score = _load_score(midi_path)
    if score.note_num() == 0:
        raise JazzsoloError(f"{path}: has no notes to render")
    seconds = float(score.to("second").end())
    if not seconds <= MAX_RENDER_SECONDS:
        raise JazzsoloError(f"{path}: lasts {seconds / 3600:.1f} hours; render_wav renders at "
                            f"most {MAX_RENDER_SECONDS / 3600:g} hour")
    score = _with_tail(score, TAIL_SECONDS)

    with atomic_output(wav_path) as tmp:
        if version >= 3:
            audio, rate = _render_symusic(score, sf_path, sample_rate), sample_rate
            synth = "symusic"
        else:
            audio, rate = _render_rustysynth(score, path, sf_path)
            synth = "rustysynth"
        audio = _resample(audio, rate, sample_rate, highpass_hz=HIGHPASS_HZ)
        audio = _normalise(audio, TARGET_PEAK_DBFS)
        pcm = _to_pcm16(audio)
        _write_wav(tmp, pcm, sample_rate)
        peak, rms = _levels(pcm)
    return RenderInfo(
        path=Path(wav_path),
        duration=pcm.shape[0] / sample_rate,
        sample_rate=sample_rate,
        channels=pcm.shape[1],
        peak=peak,
        rms=rms,
        soundfont=sf_path,
        synthesizer=synth,
    )


def _with_tail(score: Any, seconds: float) -> Any:
    """A copy of ``score`` that ends ``seconds`` after its last event (an invisible marker)."""
    import symusic

    out = score.copy()
    end = out.end()
    qpm = 120.0
    for tempo in out.tempos:
        if tempo.time <= end and 0 < tempo.qpm < 1e6:  # a tempo of 0 microseconds: qpm inf
            qpm = tempo.qpm
    out.markers.append(symusic.TextMeta(end + round(seconds * qpm / 60.0 * out.tpq), "end"))
    return out


def _render_symusic(score: Any, sf_path: Path, sample_rate: int) -> np.ndarray:
    """Render with symusic's synthesizer (used for .sf3 soundfonts): float32 (frames, 2)."""
    import numpy as np
    import symusic

    try:
        synth = symusic.Synthesizer(str(sf_path), sample_rate, 0)
        audio = synth.render(score, stereo=True)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise JazzsoloError(
            f"{sf_path}: the synthesizer cannot use this soundfont ({reason})"
        ) from None
    return np.ascontiguousarray(np.asarray(audio, dtype=np.float32).T)


def _render_rustysynth(score: Any, midi_path: Path, sf_path: Path) -> tuple[np.ndarray, int]:
    """Render with rustysynth (midirenderer): float32 (frames, 2) at 48 kHz.

    midirenderer returns 16-bit audio; while it clips, the score is rendered again with every
    channel's volume halved (up to three times), then normalised like any other take.
    """
    import numpy as np

    sf_bytes = sf_path.read_bytes()
    audio = _rustysynth_pass(sf_bytes, score.dumps_midi(), midi_path, sf_path)
    factor = 1.0
    for _ in range(3):
        if not np.count_nonzero(np.abs(audio.astype(np.int32)) >= _INT16_MAX - 1):
            break
        factor *= 0.5
        quieter = _scale_channel_volume(score, factor)
        audio = _rustysynth_pass(sf_bytes, quieter.dumps_midi(), midi_path, sf_path)
    return audio.astype(np.float32) / 32768.0, _RUSTYSYNTH_RATE


def _rustysynth_pass(sf_bytes: bytes, midi_bytes: bytes, midi_path: Path, sf_path: Path) -> Any:
    """One midirenderer call, int16 (frames, channels); engine errors name the file at fault."""
    import numpy as np

    try:
        import midirenderer
    except ImportError:
        raise JazzsoloError(
            f"{sf_path}: .sf2 rendering needs the midirenderer package (pip install "
            "midirenderer; wheels for Linux/Windows x86-64 and macOS), or pass an .sf3 soundfont"
        ) from None
    try:
        wav_bytes = midirenderer.render_wave_from(sf_bytes, midi_bytes)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # pyo3 panics are BaseException, not Exception
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        culprit = sf_path if "soundfont" in reason.lower() else midi_path
        raise JazzsoloError(f"{culprit}: the synthesizer failed ({reason})") from None
    with wave.open(io.BytesIO(wav_bytes)) as reader:
        channels, width = reader.getnchannels(), reader.getsampwidth()
        frames = reader.readframes(reader.getnframes())
    if width != 2:  # pragma: no cover - midirenderer always writes 16-bit
        raise JazzsoloError(f"{midi_path}: synthesizer returned {8 * width}-bit audio")
    return np.frombuffer(frames, dtype="<i2").reshape(-1, channels)


def _scale_channel_volume(score: Any, factor: float) -> Any:
    """A copy of ``score`` whose channel volumes (CC 7) are multiplied by ``factor``."""
    import symusic

    out = score.copy()
    for track in out.tracks:
        controls = list(track.controls)
        has_volume_at_start = any(c.number == 7 and c.time == 0 for c in controls)
        scaled = []
        for c in controls:
            value = round(c.value * factor) if c.number == 7 else c.value
            scaled.append(symusic.ControlChange(c.time, c.number, value))
        if not has_volume_at_start:  # GM default channel volume is 100
            scaled.insert(0, symusic.ControlChange(0, 7, round(100 * factor)))
        track.controls = scaled
    return out


def _smooth_length(n: int) -> int:
    """The smallest integer >= n whose prime factors are all <= 7 (fast FFT sizes)."""
    k = max(1, n)
    while True:
        m = k
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return k
        k += 1


def _resample(
    audio: np.ndarray, rate_in: int, rate_out: int, highpass_hz: float = 0.0
) -> np.ndarray:
    """Band-limited resampling of (frames, channels) audio in one FFT pass (ideal low-pass).

    ``highpass_hz`` > 0 also removes DC and rumble below it (zero-phase, raised-cosine edge
    from highpass_hz / 4 to highpass_hz): some GM soundfont samples carry a DC offset.
    """
    import numpy as np

    if audio.shape[0] == 0 or (rate_in == rate_out and highpass_hz <= 0):
        return audio
    g = math.gcd(rate_in, rate_out)
    up, down = rate_out // g, rate_in // g
    pad = rate_in // 2  # half a second of zeros keeps the circular FFT from wrapping around
    blocks = _smooth_length(-(-(audio.shape[0] + pad) // down))
    n_in, n_out = blocks * down, blocks * up
    spectrum = np.fft.rfft(np.ascontiguousarray(audio.T), n=n_in, axis=-1)
    bins = n_out // 2 + 1
    if bins <= spectrum.shape[-1]:
        spectrum = spectrum[:, :bins]
    if highpass_hz > 0:
        freqs = np.arange(spectrum.shape[-1]) * (rate_in / n_in)
        low = highpass_hz / 4
        ramp = np.clip((freqs - low) / (highpass_hz - low), 0.0, 1.0)
        spectrum = spectrum * (0.5 - 0.5 * np.cos(np.pi * ramp)).astype(np.float32)
    out = np.fft.irfft(spectrum, n=n_out, axis=-1) * (n_out / n_in)
    frames = round(audio.shape[0] * rate_out / rate_in)
    return np.ascontiguousarray(out[:, :frames].T, dtype=np.float32)


def _normalise(audio: np.ndarray, peak_dbfs: float) -> np.ndarray:
    """Scale audio so its absolute peak sits at ``peak_dbfs`` (silence stays silence)."""
    import numpy as np

    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak <= 0.0:
        return audio
    return audio * np.float32(10.0 ** (peak_dbfs / 20.0) / peak)


def _to_pcm16(audio: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] to int16 PCM, rounded and clipped."""
    import numpy as np

    return np.clip(np.rint(audio * _INT16_MAX), -_INT16_MAX, _INT16_MAX).astype("<i2")


def _levels(pcm: np.ndarray) -> tuple[float, float]:
    """Peak and RMS of int16 PCM, as fractions of full scale."""
    import numpy as np

    if pcm.size == 0:
        return 0.0, 0.0
    as_float = pcm.astype(np.float64) / _INT16_MAX
    return float(np.max(np.abs(as_float))), float(np.sqrt(np.mean(as_float**2)))


def _write_wav(path: Path, pcm: np.ndarray, sample_rate: int) -> None:
    """Write int16 (frames, channels) PCM as a WAV file."""
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(pcm.shape[1])
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm.tobytes())


# --------------------------------------------------------------------------------------------
# Piano roll
# --------------------------------------------------------------------------------------------

ROLE_COLOURS = {
    "solo": "#d9480f",
    "chords": "#1c7ed6",
    "bass": "#2b8a3e",
}
ROLE_TITLES = {"solo": "Solo", "chords": "Chords / accompaniment", "bass": "Bass"}
_CHORD_SYMBOL = re.compile(
    r"^(?:N\.?C\.?|[A-G][#b]?(?:maj|min|mi|ma|dim|aug|sus|alt|add|[mMjoø°+\-^Δ△]|[0-9#b()/,.]"
    r"|[A-G])*)$"
)


@dataclass(frozen=True)
class _RollTrack:
    """One pitched track reduced to what the roll draws: notes as (start, end, pitch) ticks."""

    name: str
    program: int
    role: str
    notes: tuple[tuple[int, int, int], ...]


def _scan_text_events(data: bytes) -> list[tuple[int, str]]:
    """(absolute tick, text) of every text (FF 01) and marker (FF 06) event in a MIDI file."""
    return text_events(data, kinds=(0x01, 0x06))


def _chord_labels(score: Any, data: bytes) -> list[tuple[int, str]]:
    """Chord symbols at their ticks: the markers (or else text events) that look like chords."""
    from .chords.progressions import MAX_SYMBOL_LENGTH

    def is_chord(text: str) -> bool:  # a megabyte marker is no label (and takes ages to draw)
        return len(text) <= MAX_SYMBOL_LENGTH and bool(_CHORD_SYMBOL.match(text))

    events = [(m.time, m.text.strip()) for m in score.markers]
    if not any(is_chord(text) for _t, text in events):
        events = _scan_text_events(data)
    labels: list[tuple[int, str]] = []
    for tick, text in sorted(events):
        if not is_chord(text):
            continue
        if labels and labels[-1][1] == text:
            continue  # the same chord re-struck: one label is enough
        labels.append((tick, text))
    return labels


class _BarGrid:
    """Tick <-> bar conversion under the file's time signatures (4/4 when it has none)."""

    def __init__(self, tpq: int, signatures: Sequence[tuple[int, int, int]]) -> None:
        by_tick = {0: (4, 4)}
        for tick, num, den in sorted(signatures):
            if num > 0 and den > 0 and tick >= 0:
                by_tick[tick] = (num, den)  # a later signature at the same tick wins
        segments: list[tuple[int, float, int, int]] = []  # (start tick, start bar, num, den)
        for tick, (num, den) in sorted(by_tick.items()):
            bar = 0.0
            if segments:
                prev_tick, prev_bar, pnum, pden = segments[-1]
                bar = prev_bar + (tick - prev_tick) / self._bar_ticks(tpq, pnum, pden)
            segments.append((tick, bar, num, den))
        self.tpq = tpq
        self.segments = segments

    @staticmethod
    def _bar_ticks(tpq: int, num: int, den: int) -> float:
        return num * tpq * 4.0 / den

    def _segment(self, tick: float) -> tuple[int, float, int, int]:
        current = self.segments[0]
        for seg in self.segments:
            if seg[0] <= tick:
                current = seg
            else:
                break
        return current

    def bar_of(self, tick: float) -> float:
        """Position of ``tick`` in bars from the start (0.0 = first downbeat)."""
        start, bar, num, den = self._segment(tick)
        return bar + (tick - start) / self._bar_ticks(self.tpq, num, den)

    def bars_of(self, ticks: np.ndarray) -> np.ndarray:
        """Vectorised ``bar_of``."""
        import numpy as np

        out = np.empty(ticks.shape, dtype=np.float64)
        starts = np.array([s[0] for s in self.segments])
        index = np.searchsorted(starts, ticks, side="right") - 1
        for k, (start, bar, num, den) in enumerate(self.segments):
            mask = index == k
            out[mask] = bar + (ticks[mask] - start) / self._bar_ticks(self.tpq, num, den)
        return out

    def beats_in_bar(self, bar: int) -> int:
        """Number of beats (time-signature numerator) in bar ``bar``."""
        numerator = self.segments[0][2]
        for _tick, start_bar, num, _den in self.segments:
            if start_bar <= bar + 1e-9:
                numerator = num
        return numerator


def _note_name(pitch: int) -> str:
    names = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


def _roll_roles(score: Any) -> list[str]:
    """Colour role of every part (io.note_tracks order) from the part detector: the melody is
    the solo, bass is bass, everything else is accompaniment."""
    from .extract import detect_roles
    from .io import note_tracks

    parts = note_tracks(score)
    try:
        roles = detect_roles(score)
        detected = [roles.role_of(i) for i in range(len(parts))]
    except JazzsoloError:  # no melody line (e.g. chords only): all accompaniment
        detected = ["bass" if 32 <= score.tracks[t].program <= 39 else "harmony" for t in parts]
    return [{"melody": "solo", "bass": "bass"}.get(r, "chords") for r in detected]


def _roll_tracks(score: Any) -> list[_RollTrack]:
    """The pitched (non-drum) tracks with notes, each with its role."""
    from .io import note_tracks

    out = []
    for t, role in zip(note_tracks(score), _roll_roles(score), strict=True):
        track = score.tracks[t]
        if track.is_drum:
            continue
        notes = tuple((n.time, n.time + max(n.duration, 1), n.pitch) for n in track.notes)
        name, program = track.name.strip(), int(track.program)
        out.append(_RollTrack(name=name or f"program {program}", program=program, role=role,
                              notes=notes))
    return out


def plot_piano_roll(
    midi_path: PathLike,
    png_path: PathLike,
    width_px: int = 1600,
    title: str | None = None,
    bars_per_row: int | None = None,
) -> None:
    """Draw a MIDI file as a piano roll PNG: bars on x, pitch on y, solo/chords/bass coloured.

    Chord symbols from the file's markers (or text events) are written above their changes.
    Long pieces wrap into rows of ``bars_per_row`` bars (default: one row up to 24 bars, else 16).
    """
    if isinstance(width_px, bool) or not isinstance(width_px, int) or not 400 <= width_px <= 10000:
        raise JazzsoloError(f"picture width must be an integer 400..10000 px, got {width_px!r}")
    if bars_per_row is not None and (not isinstance(bars_per_row, int) or bars_per_row < 1):
        raise JazzsoloError(f"bars per row must be an integer >= 1, got {bars_per_row!r}")
    path, data, score = _load_score(midi_path)
    tracks = _roll_tracks(score)
    if not tracks:
        raise JazzsoloError(f"{path}: has no pitched notes to draw")
    grid = _BarGrid(
        score.tpq, [(ts.time, ts.numerator, ts.denominator) for ts in score.time_signatures]
    )
    bars = grid.bar_of(max(end for t in tracks for _s, end, _p in t.notes))
    if bars > MAX_PLOT_BARS:
        raise JazzsoloError(f"{path}: lasts {bars:.0f} bars; a piano roll shows at most "
                            f"{MAX_PLOT_BARS}")
    labels = _chord_labels(score, data)
    with atomic_output(png_path) as tmp:
        _draw_roll(tmp, tracks, grid, labels, width_px, title or path.stem, bars_per_row)


def _draw_roll(
    out: Path,
    tracks: Sequence[_RollTrack],
    grid: _BarGrid,
    labels: Sequence[tuple[int, str]],
    width_px: int,
    title: str,
    bars_per_row: int | None,
) -> None:
    """Lay out the rows and draw notes, grid lines, chord symbols, legend; save as PNG."""
    import numpy as np

    new_figure, PolyCollection, LineCollection, Patch = _matplotlib()

    end_tick = max(end for t in tracks for _s, end, _p in t.notes)
    n_bars = max(1, math.ceil(grid.bar_of(end_tick) - 1e-6))
    per_row = bars_per_row or (n_bars if n_bars <= 24 else 16)
    n_rows = math.ceil(n_bars / per_row)
    pitches = [p for t in tracks for _s, _e, p in t.notes]
    low, high = min(pitches) - 2, max(pitches) + 2
    if high - low < 24:
        pad = (24 - (high - low)) / 2
        low, high = math.floor(low - pad), math.ceil(high + pad)

    dpi = 100
    width_in = width_px / dpi
    row_in, label_in, gap_in, top_in, bottom_in = 2.6, 0.42, 0.38, 0.45, 0.45
    height_in = top_in + n_rows * (row_in + label_in) + (n_rows - 1) * gap_in + bottom_in
    fig = new_figure(width_in, height_in, dpi)
    left_in, right_in = 0.62, 0.18
    ax_w = (width_in - left_in - right_in) / width_in

    # Notes in bar units, per role, drawn accompaniment first so the solo is on top.
    order = {"chords": 0, "bass": 1, "solo": 2}
    style = {
        "chords": dict(alpha=0.55, height=0.8),
        "bass": dict(alpha=0.8, height=0.8),
        "solo": dict(alpha=0.95, height=0.9),
    }
    by_role: dict[str, np.ndarray] = {}
    for role in ("chords", "bass", "solo"):
        rows = [n for t in tracks if t.role == role for n in t.notes]
        if rows:
            arr = np.array(rows, dtype=np.float64)
            by_role[role] = np.column_stack(
                [grid.bars_of(arr[:, 0]), grid.bars_of(arr[:, 1]), arr[:, 2]]
            )
    label_bars = [(grid.bar_of(tick), text) for tick, text in labels]
    font_px = 12.5  # 9 pt at 100 dpi
    bars_per_px = per_row / (ax_w * width_px)

    for r in range(n_rows):
        r0, r1 = r * per_row, min(n_bars, (r + 1) * per_row)
        top = top_in + label_in + r * (row_in + label_in + gap_in)
        ax = fig.add_axes(
            (left_in / width_in, 1 - (top + row_in) / height_in, ax_w, row_in / height_in)
        )
        ax.set_xlim(r0, r0 + per_row)
        ax.set_ylim(low - 0.5, high + 0.5)
        black = [p for p in range(low, high + 1) if p % 12 in (1, 3, 6, 8, 10)]
        x_end = r0 + per_row
        lanes = [[(r0, p - 0.5), (r0, p + 0.5), (x_end, p + 0.5), (x_end, p - 0.5)] for p in black]
        ax.add_collection(PolyCollection(lanes, facecolors="#f1f3f5", linewidths=0, zorder=0))
        bar_lines, beat_lines = [], []
        for bar in range(r0, r1 + 1):
            bar_lines.append([(bar, low - 0.5), (bar, high + 0.5)])
            if bar < r1:
                beats = grid.beats_in_bar(bar)
                for b in range(1, beats):
                    x = bar + b / beats
                    beat_lines.append([(x, low - 0.5), (x, high + 0.5)])
        ax.add_collection(LineCollection(beat_lines, colors="#ced4da", linewidths=0.5, zorder=1))
        ax.add_collection(LineCollection(bar_lines, colors="#495057", linewidths=0.9, zorder=1))
        for role in sorted(by_role, key=order.get):
            notes = by_role[role]
            sel = notes[(notes[:, 0] < r1) & (notes[:, 1] > r0)]
            if not len(sel):
                continue
            x0, x1 = np.clip(sel[:, 0], r0, r1), np.clip(sel[:, 1], r0, r1)
            h = style[role]["height"] / 2
            y0, y1 = sel[:, 2] - h, sel[:, 2] + h
            verts = np.stack(
                [np.column_stack(c) for c in ((x0, y0), (x0, y1), (x1, y1), (x1, y0))], axis=1
            )
            ax.add_collection(
                PolyCollection(
                    verts,
                    facecolors=ROLE_COLOURS[role],
                    edgecolors="#212529",
                    linewidths=0.3,
                    alpha=style[role]["alpha"],
                    zorder=2 + order[role],
                )
            )
        c_ticks = [p for p in range(low, high + 1) if p % 12 == 0]
        ax.set_yticks(c_ticks, [_note_name(p) for p in c_ticks], fontsize=8)
        step = 1 if per_row <= 32 else 4
        ax.set_xticks(range(r0, r1, step), [str(b + 1) for b in range(r0, r1, step)])
        ax.tick_params(axis="x", labelsize=8, length=2)
        ax.set_xlabel("bar" if r == n_rows - 1 else "", fontsize=9)
        ax.set_ylabel("pitch", fontsize=9)
        for spine in ax.spines.values():
            spine.set_color("#868e96")
        # Chord symbols above the row, in two lanes so neighbours never overlap.
        lane_end = [-math.inf, -math.inf]
        marks = []
        for bar, text in label_bars:
            if not r0 - 1e-6 <= bar < r1 - 1e-6:
                continue
            width_bars = (len(text) * 0.62 * font_px + 6) * bars_per_px
            lane = 0 if bar >= lane_end[0] else (1 if bar >= lane_end[1] else 0)
            lane_end[lane] = bar + width_bars
            ax.annotate(
                text,
                xy=(bar, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(1.5, 3 + 14 * lane),
                textcoords="offset points",
                fontsize=9,
                ha="left",
                va="bottom",
                annotation_clip=False,
                color="#212529",
            )
            marks.append([(bar, high + 0.5), (bar, high - 0.7)])
        ax.add_collection(LineCollection(marks, colors="#212529", linewidths=1.0, zorder=6))

    fig.suptitle(title, x=left_in / width_in, y=1 - 0.12 / height_in, ha="left", fontsize=13)
    handles = []
    for role in ("solo", "chords", "bass"):
        names = [t.name for t in tracks if t.role == role]
        if names:
            shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            label = ROLE_TITLES[role]
            if [n.lower() for n in names] != [label.split()[0].lower()]:
                label += f": {shown}"
            handles.append(Patch(color=ROLE_COLOURS[role], label=label))
    fig.legend(
        handles=handles,
        loc="upper right",
        bbox_to_anchor=(1 - right_in / width_in, 1 - 0.08 / height_in),
        ncol=len(handles),
        fontsize=9,
        frameon=False,
    )
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")


def _matplotlib() -> tuple[Any, Any, Any, Any]:
    """(new_figure, PolyCollection, LineCollection, Patch), imported only when drawing.

    Figures are made directly on the Agg canvas, not through pyplot: no global figure state,
    nothing to close, and a notebook user's pyplot backend is left alone.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    def new_figure(width_in: float, height_in: float, dpi: int) -> Any:
        fig = Figure(figsize=(width_in, height_in), dpi=dpi)
        FigureCanvasAgg(fig)
        return fig

    return new_figure, PolyCollection, LineCollection, Patch


# --------------------------------------------------------------------------------------------
# Training curves
# --------------------------------------------------------------------------------------------


def _series(history: Mapping[str, Sequence[float]], key: str) -> list[float] | None:
    """A history entry as floats (non-finite values become NaN gaps), or None when absent."""
    values = history.get(key)
    if values is None:
        return None
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError):
        raise JazzsoloError(f"history: {key!r} must be a list of numbers") from None
    return [v if math.isfinite(v) else math.nan for v in out] or None


def plot_history(history: Mapping[str, Sequence[float]], png_path: PathLike) -> None:
    """Draw training curves (loss, and accuracy when recorded; train vs validation) as a PNG."""
    if not isinstance(history, Mapping):
        raise JazzsoloError(f"history must be a dict of lists, got {type(history).__name__}")
    loss = _series(history, "loss")
    if loss is None:
        raise JazzsoloError("history: no 'loss' values to plot")
    panels = [("loss", "Loss", loss, _series(history, "val_loss"))]
    accuracy = _series(history, "accuracy")
    val_accuracy = _series(history, "val_accuracy")
    if accuracy is not None or val_accuracy is not None:
        panels.append(("accuracy", "Accuracy", accuracy, val_accuracy))

    with atomic_output(png_path) as tmp:
        new_figure = _matplotlib()[0]
        fig = new_figure(6.0 * len(panels), 4.2, 100)
        axes = fig.subplots(1, len(panels), squeeze=False)
        for ax, (key, name, train, val) in zip(axes[0], panels, strict=True):
            for values, label, colour in (
                (train, "train", "#1c7ed6"),
                (val, "validation", "#d9480f"),
            ):
                if values:
                    epochs = range(1, len(values) + 1)
                    ax.plot(
                        epochs,
                        values,
                        color=colour,
                        lw=1.8,
                        label=label,
                        marker="o" if len(values) <= 30 else None,
                        ms=3,
                    )
            finite = [v for v in (train or []) + (val or []) if not math.isnan(v)]
            if key == "loss" and finite and min(finite) > 0 and max(finite) / min(finite) > 30:
                ax.set_yscale("log")
                name += " (log scale)"
            if key == "accuracy" and finite and 0 <= min(finite) and max(finite) <= 1:
                ax.set_ylim(-0.02, 1.02)
            ax.set_title(name)
            ax.set_xlabel("epoch")
            ax.set_ylabel(key)
            ax.grid(True, color="#dee2e6", lw=0.6)
            ax.legend()
        fig.tight_layout()
        fig.savefig(tmp, format="png", dpi=100, facecolor="white")
