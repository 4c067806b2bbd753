"""Hear it: a MIDI file rendered to WAV through a General MIDI soundfont.

The default synthesizer is rustysynth (a SoundFont 2 synthesizer written in Rust, shipped as the
self-contained ``midirenderer`` wheel) playing TimGM6mb.sf2, the General MIDI soundfont that the
``pretty_midi`` wheel ships. A user's own ``.sf2`` goes through rustysynth too; an ``.sf3``
(Ogg-compressed, which rustysynth cannot read) goes through symusic's synthesizer. symusic
0.5.9's synthesizer is not the default because it plays TimGM6mb's piano, guitar and bass at
wrong pitches (measured: piano C4 sounds G#5), see docs/render.md.

Heavy modules (numpy, symusic, midirenderer) are imported inside the functions, so importing
this module costs nothing. The WAV is written atomically (``io.atomic_output``).
"""

from __future__ import annotations

import importlib.util
import io
import math
import os
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import JazzsoloError
from .io import atomic_output, read_midi_file

if TYPE_CHECKING:  # pragma: no cover - typing only
    import numpy as np

DEFAULT_SOUNDFONT_PACKAGE = "pretty_midi"
DEFAULT_SOUNDFONT_FILE = "TimGM6mb.sf2"
TARGET_PEAK_DBFS = -1.0
TAIL_SECONDS = 0.5
"""Extra time rendered after the last MIDI event so the last notes ring out instead of stopping."""
HIGHPASS_HZ = 20.0
"""DC and sub-audio rumble below this are removed (TimGM6mb's sax samples carry a DC offset)."""
MAX_RENDER_SECONDS = 3600.0
"""Longer MIDI files are refused: an hour of 48 kHz stereo audio is already 1.4 GB in memory."""
_RUSTYSYNTH_RATE = 48000  # midirenderer always renders 48 kHz 16-bit stereo
_INT16_MAX = 32767

PathLike = str | os.PathLike[str]


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
    midi = read_midi_file(midi_path)
    path, score = midi.path, midi.score
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
