"""Tests for jazzsolo.render: WAV through a General MIDI soundfont, piano roll, training curves."""

from __future__ import annotations

import math
import os
import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
import symusic

import jazzsolo.audio as audio_module
from jazzsolo.audio import (
    RenderInfo,
    _render_symusic,
    _resample,
    _scale_channel_volume,
    default_soundfont,
    render_wav,
    soundfont_version,
)
from jazzsolo.errors import JazzsoloError
from jazzsolo.pictures import (
    ROLE_COLOURS,
    _chord_labels,
    _roll_tracks,
    _scan_text_events,
    plot_history,
    plot_piano_roll,
)
from jazzsolo.timeline import BarGrid

TPQ = 480
PROGRESSION = [  # (symbol, root, voicing) one chord per bar
    ("Dm7", 38, (53, 57, 60, 64)),
    ("G7", 43, (53, 59, 62, 65)),
    ("Cmaj7", 36, (52, 55, 59, 62)),
    ("A7", 45, (55, 61, 64, 67)),
] * 2
SCALE = [62, 64, 65, 67, 69, 71, 72, 74]


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers (the shared_data fixture comes from conftest.py)
# ---------------------------------------------------------------------------------------------


def _build_score(markers: bool = True, names: bool = True, bars: int = 8) -> symusic.Score:
    """An 8-bar 120-bpm lead sheet: Solo (alto sax), Chords (piano, markers), Bass (acoustic)."""
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, 120.0))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    solo = symusic.Track("Solo" if names else "", 65, False)
    chords = symusic.Track("Chords" if names else "", 0, False)
    bass = symusic.Track("Bass" if names else "", 32, False)
    bar_ticks = 4 * TPQ
    for bar in range(bars):
        symbol, root, voicing = PROGRESSION[bar % len(PROGRESSION)]
        start = bar * bar_ticks
        for pitch in voicing:
            chords.notes.append(symusic.Note(start, bar_ticks - 20, pitch, 60))
        if markers:
            score.markers.append(symusic.TextMeta(start, symbol))
        for beat in range(4):
            bass.notes.append(symusic.Note(start + beat * TPQ, TPQ - 30, root + (beat % 2) * 7, 80))
        for eighth in range(8):
            pitch = SCALE[(bar + eighth) % len(SCALE)]
            solo.notes.append(symusic.Note(start + eighth * TPQ // 2, TPQ // 2 - 20, pitch, 95))
    score.tracks.extend([solo, chords, bass])
    return score


@pytest.fixture
def lead_sheet_mid(tmp_path: Path) -> Path:
    path = tmp_path / "lead_sheet.mid"
    _build_score().dump_midi(str(path))
    return path


def _read_wav(path: Path) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(str(path), "rb") as reader:
        params = reader.getparams()
        frames = reader.readframes(reader.getnframes())
    samples = np.frombuffer(frames, dtype="<i2").reshape(-1, params.nchannels)
    return params, samples


def _png(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _colour_count(pixels: np.ndarray) -> int:
    packed = (pixels[..., 0].astype(np.int32) << 16) | (pixels[..., 1].astype(np.int32) << 8)
    return int(np.unique(packed | pixels[..., 2]).size)


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def _midi_seconds(path: Path) -> float:
    return float(symusic.Score(str(path)).to("second").end())


# ---------------------------------------------------------------------------------------------
# Audio
# ---------------------------------------------------------------------------------------------


def test_render_wav_writes_normalised_16bit_audio(lead_sheet_mid: Path, tmp_path: Path) -> None:
    out = tmp_path / "lead_sheet.wav"
    info = render_wav(lead_sheet_mid, out)
    params, samples = _read_wav(out)
    assert params.framerate == 44100
    assert params.sampwidth == 2
    assert params.nchannels == 2
    duration = params.nframes / params.framerate
    assert abs(duration - _midi_seconds(lead_sheet_mid)) <= 1.0  # 16 s of music
    peak = int(np.max(np.abs(samples.astype(np.int32))))
    rms = float(np.sqrt(np.mean((samples / 32767.0) ** 2)))
    assert peak < 32767, "clipped"
    assert peak > 0.8 * 32767, "not normalised (whispering)"
    assert rms > 0.03, f"nearly silent: rms {rms:.4f}"
    assert np.all(np.abs(samples.mean(axis=0)) < 0.002 * 32767), "DC offset left in"
    # Sound all the way through: every 2-second stretch of the 16 bars carries signal.
    for start in range(0, int(16 * 44100), 2 * 44100):
        chunk = samples[start : start + 2 * 44100] / 32767.0
        assert np.sqrt(np.mean(chunk**2)) > 0.01, f"silence at {start / 44100:.0f} s"
    assert isinstance(info, RenderInfo)
    assert info.path == out and info.sample_rate == 44100 and info.channels == 2
    assert info.duration == pytest.approx(duration)
    assert info.peak == pytest.approx(peak / 32767.0)
    assert -1.2 < info.peak_dbfs < -0.8
    assert info.rms == pytest.approx(rms, rel=1e-3)
    assert info.synthesizer == "rustysynth"
    assert info.soundfont == default_soundfont()
    assert _leftovers(tmp_path) == []


def _single_note_wav(tmp_path: Path, program: int, pitch: int) -> np.ndarray:
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, 120.0))
    track = symusic.Track("x", program, False)
    track.notes.append(symusic.Note(0, 4 * TPQ, pitch, 100))
    score.tracks.append(track)
    mid = tmp_path / f"note_{program}_{pitch}.mid"
    score.dump_midi(str(mid))
    wav_path = mid.with_suffix(".wav")
    render_wav(mid, wav_path)
    return _read_wav(wav_path)[1][:, 0].astype(np.float64)


def _strongest_partial(signal: np.ndarray, rate: int = 44100) -> float:
    n = 65536
    segment = signal[rate // 20 : rate // 20 + n]
    segment = np.pad(segment, (0, n - len(segment))) * np.hanning(n)
    spectrum = np.abs(np.fft.rfft(segment))
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    spectrum[freqs < 30] = 0
    return float(freqs[np.argmax(spectrum)])


@pytest.mark.parametrize(
    ("program", "pitch"),
    [(0, 60), (26, 60), (32, 40), (33, 48), (65, 67), (66, 55)],
)
def test_instruments_sound_at_the_written_pitch(tmp_path: Path, program: int, pitch: int) -> None:
    """Piano, guitar, basses and saxes: the strongest partial is a harmonic of the note.

    Guards against synthesizers that mistune this soundfont (symusic 0.5.9 plays piano C4 as
    G#5 and bass E2 three semitones flat with TimGM6mb).
    """
    f0 = 440.0 * 2 ** ((pitch - 69) / 12)
    ratio = _strongest_partial(_single_note_wav(tmp_path, program, pitch)) / f0
    harmonic = round(ratio)
    assert 1 <= harmonic <= 8
    assert abs(ratio - harmonic) / harmonic < 0.015, f"partial at {ratio:.3f} x f0"


def test_programs_are_honoured(tmp_path: Path) -> None:
    """The same note on piano, bass and sax gives clearly different spectra."""
    signals = {p: _single_note_wav(tmp_path, p, 52) for p in (0, 32, 65)}

    def shape(signal: np.ndarray) -> np.ndarray:
        spectrum = np.abs(np.fft.rfft(signal[:44100]))[:8000]
        return spectrum / np.linalg.norm(spectrum)

    for a, b in [(0, 32), (0, 65), (32, 65)]:
        similarity = float(shape(signals[a]) @ shape(signals[b]))
        assert similarity < 0.9, f"programs {a} and {b} sound alike ({similarity:.2f})"


def test_render_real_wjazzd_solo(tmp_path: Path, shared_data: Path) -> None:
    mid = shared_data / "wjazzd" / "midi" / "BennyGoodman_HandfulOfKeys.mid"
    out = tmp_path / "goodman.wav"
    info = render_wav(mid, out)
    params, samples = _read_wav(out)
    assert params.framerate == 44100 and params.sampwidth == 2
    assert abs(params.nframes / 44100 - _midi_seconds(mid)) <= 1.0
    assert int(np.max(np.abs(samples.astype(np.int32)))) < 32767
    assert info.rms > 0.03
    assert info.peak_dbfs == pytest.approx(-1.0, abs=0.2)


def test_render_other_sample_rate(lead_sheet_mid: Path, tmp_path: Path) -> None:
    out = tmp_path / "low.wav"
    info = render_wav(lead_sheet_mid, out, sample_rate=22050)
    params, _samples = _read_wav(out)
    assert params.framerate == 22050 == info.sample_rate
    assert abs(params.nframes / 22050 - 16.0) <= 1.0


def test_resample_keeps_a_sine_clean() -> None:
    t = np.arange(48000) / 48000
    sine = np.sin(2 * np.pi * 1000 * t).astype(np.float32)[:, None]
    out = _resample(sine, 48000, 44100)
    assert out.shape == (44100, 1)
    expected = np.sin(2 * np.pi * 1000 * np.arange(44100) / 44100)
    assert np.max(np.abs(out[2000:-2000, 0] - expected[2000:-2000])) < 1e-3


def test_resample_highpass_removes_dc() -> None:
    t = np.arange(2 * 48000) / 48000
    signal = (0.3 + 0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)[:, None]
    out = _resample(signal, 48000, 48000, highpass_hz=20.0)
    middle = out[20000:-20000, 0]
    assert abs(float(middle.mean())) < 1e-3
    assert float(np.max(np.abs(middle))) == pytest.approx(0.5, abs=0.01)


def test_loud_midi_is_rendered_again_quieter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dense fortissimo clips inside the 16-bit engine: render_wav retries with lower volume."""
    score = symusic.Score(TPQ)
    for i, program in enumerate((0, 26, 32, 65, 61, 48, 56, 19)):
        track = symusic.Track(f"t{i}", program, False)
        for k in range(4):
            for pitch in range(36 + 3 * i, 66 + 3 * i, 5):
                track.notes.append(symusic.Note(k * 960, 900, pitch, 127))
        score.tracks.append(track)
    mid = tmp_path / "loud.mid"
    score.dump_midi(str(mid))
    calls: list[float] = []
    original = audio_module._scale_channel_volume

    def spy(score: symusic.Score, factor: float) -> symusic.Score:
        calls.append(factor)
        return original(score, factor)

    monkeypatch.setattr(audio_module, "_scale_channel_volume", spy)
    info = render_wav(mid, tmp_path / "loud.wav")
    assert calls and calls[0] == 0.5, "the first take did not clip: make the fixture louder"
    _params, samples = _read_wav(tmp_path / "loud.wav")
    assert int(np.max(np.abs(samples.astype(np.int32)))) < 32767
    assert info.peak_dbfs == pytest.approx(-1.0, abs=0.1)


def test_scale_channel_volume_halves_cc7() -> None:
    score = _build_score(bars=1)
    score.tracks[0].controls.append(symusic.ControlChange(0, 7, 120))
    quieter = _scale_channel_volume(score, 0.5)
    assert [(c.number, c.value) for c in quieter.tracks[0].controls] == [(7, 60)]
    assert [(c.time, c.number, c.value) for c in quieter.tracks[1].controls] == [(0, 7, 50)]
    assert len(score.tracks[1].controls) == 0  # the input is untouched


def test_soundfont_version_sniffing(tmp_path: Path) -> None:
    assert soundfont_version(default_soundfont()) == 2
    sf3 = tmp_path / "tiny.sf3"
    info = b"INFO" + b"ifil" + struct.pack("<IHH", 4, 3, 1)
    listing = b"LIST" + struct.pack("<I", len(info)) + info
    sf3.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(listing)) + b"sfbk" + listing)
    assert soundfont_version(sf3) == 3


def test_symusic_engine_renders(lead_sheet_mid: Path) -> None:
    """The .sf3 route (symusic's synthesizer) produces stereo float audio of the right length."""
    audio = _render_symusic(symusic.Score(str(lead_sheet_mid)), default_soundfont(), 22050)
    assert audio.ndim == 2 and audio.shape[1] == 2
    assert abs(audio.shape[0] / 22050 - 16.0) <= 1.0
    assert float(np.sqrt(np.mean(audio**2))) > 1e-3


# ---------------------------------------------------------------------------------------------
# Bad input: one clear JazzsoloError naming the file, and nothing half-written
# ---------------------------------------------------------------------------------------------


def test_missing_midi(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.mid"
    with pytest.raises(JazzsoloError, match="nowhere.mid"):
        render_wav(missing, tmp_path / "out.wav")
    with pytest.raises(JazzsoloError, match="nowhere.mid"):
        plot_piano_roll(missing, tmp_path / "out.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_text_file_named_mid(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mid"
    fake.write_text("this is not a MIDI file\n")
    for call, out in ((render_wav, "out.wav"), (plot_piano_roll, "out.png")):
        with pytest.raises(JazzsoloError, match="notes.mid") as caught:
            call(fake, tmp_path / out)
        assert "\n" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.mid"]


def test_corrupt_midi_after_header(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x05\x01\xe0MTrk\x00\x00\xff\xff")
    with pytest.raises(JazzsoloError, match="broken.mid"):
        render_wav(broken, tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


def test_midi_without_notes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mid"
    symusic.Score(TPQ).dump_midi(str(empty))
    with pytest.raises(JazzsoloError, match="empty.mid.*no notes"):
        render_wav(empty, tmp_path / "out.wav")
    with pytest.raises(JazzsoloError, match="empty.mid"):
        plot_piano_roll(empty, tmp_path / "out.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.mid"]


def test_unwritable_output(lead_sheet_mid: Path, tmp_path: Path) -> None:
    missing_dir = tmp_path / "no_such_dir" / "out.wav"
    with pytest.raises(JazzsoloError, match="no_such_dir"):
        render_wav(lead_sheet_mid, missing_dir)
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    with pytest.raises(JazzsoloError, match="plain.txt"):
        render_wav(lead_sheet_mid, a_file / "out.wav")
    with pytest.raises(JazzsoloError, match="plain.txt"):
        plot_piano_roll(lead_sheet_mid, a_file / "out.png")
    with pytest.raises(JazzsoloError, match="plain.txt"):
        plot_history({"loss": [1.0, 0.5]}, a_file / "curves.png")
    with pytest.raises(JazzsoloError, match="is a directory"):
        render_wav(lead_sheet_mid, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lead_sheet.mid", "plain.txt"]


def test_read_only_directory(
    lead_sheet_mid: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jazzsolo.io

    def refuse(tmp: Path) -> None:  # what a read-only folder does, even for root-less CI
        raise PermissionError(13, "Permission denied")

    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(jazzsolo.io, "_create_temp", refuse)
    with pytest.raises(JazzsoloError, match="locked.*Permission denied"):
        render_wav(lead_sheet_mid, locked / "out.wav")
    assert list(locked.iterdir()) == []


def test_soundfont_that_is_not_a_soundfont(lead_sheet_mid: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.sf2"
    fake.write_text("not a soundfont at all")
    out = tmp_path / "out.wav"
    out.write_bytes(b"previous take")
    with pytest.raises(JazzsoloError, match="fake.sf2") as caught:
        render_wav(lead_sheet_mid, out, soundfont=fake)
    assert "\n" not in str(caught.value)
    assert out.read_bytes() == b"previous take", "an old output was clobbered"
    with pytest.raises(JazzsoloError, match="absent.sf2"):
        render_wav(lead_sheet_mid, out, soundfont=tmp_path / "absent.sf2")
    assert _leftovers(tmp_path) == []


def test_soundfont_with_a_broken_body(lead_sheet_mid: Path, tmp_path: Path) -> None:
    """A RIFF/sfbk header with nothing behind it: the synthesizer's error names the soundfont."""
    broken = tmp_path / "broken.sf2"
    broken.write_bytes(b"RIFF" + struct.pack("<I", 16) + b"sfbkLIST" + b"\0" * 24)
    with pytest.raises(JazzsoloError, match="broken.sf2"):
        render_wav(lead_sheet_mid, tmp_path / "out.wav", soundfont=broken)
    assert not (tmp_path / "out.wav").exists()
    assert _leftovers(tmp_path) == []


def test_bad_sample_rate(lead_sheet_mid: Path, tmp_path: Path) -> None:
    with pytest.raises(JazzsoloError, match="sample rate"):
        render_wav(lead_sheet_mid, tmp_path / "out.wav", sample_rate=100)


# ---------------------------------------------------------------------------------------------
# Piano roll
# ---------------------------------------------------------------------------------------------


def _near(pixels: np.ndarray, hex_colour: str, tolerance: int = 40) -> int:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int(np.sum(np.all(np.abs(pixels.astype(int) - rgb) <= tolerance, axis=-1)))


def test_piano_roll_of_the_lead_sheet(lead_sheet_mid: Path, tmp_path: Path) -> None:
    out = tmp_path / "roll.png"
    plot_piano_roll(lead_sheet_mid, out, title="Eight bars")
    pixels = _png(out)
    assert pixels.shape[1] == 1600
    assert _colour_count(pixels) > 50
    not_white = np.mean(np.any(pixels < 235, axis=-1))
    assert not_white > 0.05
    assert _near(pixels, ROLE_COLOURS["solo"]) > 500  # 64 solo notes in orange
    blue = (pixels[..., 2].astype(int) - pixels[..., 0] > 60) & (pixels[..., 2] > 150)
    green = (pixels[..., 1].astype(int) - pixels[..., 0] > 40) & (pixels[..., 1] > pixels[..., 2])
    assert int(blue.sum()) > 500, "chords not drawn"
    assert int(green.sum()) > 300, "bass not drawn"
    assert _leftovers(tmp_path) == []


def test_piano_roll_writes_chord_symbols(tmp_path: Path) -> None:
    with_marks, without = tmp_path / "with.mid", tmp_path / "without.mid"
    _build_score(markers=True).dump_midi(str(with_marks))
    _build_score(markers=False).dump_midi(str(without))
    plot_piano_roll(with_marks, tmp_path / "with.png", title="t")
    plot_piano_roll(without, tmp_path / "without.png", title="t")
    a, b = _png(tmp_path / "with.png"), _png(tmp_path / "without.png")
    assert a.shape == b.shape
    differs = np.any(a != b, axis=-1)
    rows = np.nonzero(differs.any(axis=1))[0]
    assert rows.size > 0, "chord symbols left no trace"
    dark_a = np.sum(np.all(a < 90, axis=-1))
    dark_b = np.sum(np.all(b < 90, axis=-1))
    assert dark_a > dark_b + 200  # the labels are dark text


def test_chord_labels_from_markers(lead_sheet_mid: Path) -> None:
    data = lead_sheet_mid.read_bytes()
    labels = _chord_labels(symusic.Score(str(lead_sheet_mid)), data)
    assert labels[:4] == [(0, "Dm7"), (1920, "G7"), (3840, "Cmaj7"), (5760, "A7")]
    assert len(labels) == 8


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.insert(0, (value & 0x7F) | 0x80)
        value >>= 7
    return bytes(out)


def _meta(delta: int, kind: int, payload: bytes) -> bytes:
    return _vlq(delta) + bytes([0xFF, kind]) + _vlq(len(payload)) + payload


def _text_event_midi() -> bytes:
    """A type-1 file whose chord symbols are plain text events (FF 01), which symusic drops."""
    conductor = (
        _meta(0, 0x51, b"\x07\xa1\x20")
        + _meta(0, 0x01, b"Created by hand")
        + _meta(0, 0x01, b"Cmaj7")
        + _meta(1920, 0x01, b"A7b9")
        + _meta(1920, 0x01, b"Dm7")
        + _meta(0, 0x2F, b"")
    )
    notes = _meta(0, 0x03, b"Piano") + bytes([0x00, 0xC0, 0x00])
    for pitch in (60, 64, 62):
        notes += _vlq(0) + bytes([0x90, pitch, 90])
        notes += _vlq(1920) + bytes([pitch, 0])  # running status note-on velocity 0
    notes += _meta(0, 0x2F, b"")
    data = b"MThd" + struct.pack(">IHHH", 6, 1, 2, TPQ)
    for chunk in (conductor, notes):
        data += b"MTrk" + struct.pack(">I", len(chunk)) + chunk
    return data


def test_chord_labels_from_text_events(tmp_path: Path) -> None:
    data = _text_event_midi()
    assert (0, "Cmaj7") in _scan_text_events(data)
    path = tmp_path / "text.mid"
    path.write_bytes(data)
    score = symusic.Score(str(path))
    assert len(score.markers) == 0  # symusic drops them: our scanner is needed
    assert _chord_labels(score, data) == [(0, "Cmaj7"), (1920, "A7b9"), (3840, "Dm7")]
    plot_piano_roll(path, tmp_path / "text.png")
    assert _png(tmp_path / "text.png").shape[1] == 1600


def test_unnamed_tracks_are_classified() -> None:
    import symusic

    def score(names: tuple[str, str, str], programs: tuple[int, int, int]) -> symusic.Score:
        s = symusic.Score(480)
        block = [(i * 960, 900, p) for i in range(8) for p in (52, 55, 59)]
        mono_high = [(i * 240, 200, 70 + i % 5) for i in range(32)]
        bass = [(i * 480, 400, 36 + i % 3) for i in range(16)]
        for name, program, notes in zip(names, programs, (block, mono_high, bass), strict=True):
            track = symusic.Track(name, program, False)
            for t, d, p in notes:
                track.notes.append(symusic.Note(t, d, p, 80))
            s.tracks.append(track)
        return s

    assert [t.role for t in _roll_tracks(score(("", "", ""), (0, 0, 33)))] == [
        "chords", "solo", "bass"]
    named = score(("Chords", "Melody", "Bass"), (0, 65, 0))
    assert [t.role for t in _roll_tracks(named)] == ["chords", "solo", "bass"]


def test_piano_roll_without_track_names(tmp_path: Path) -> None:
    path = tmp_path / "anon.mid"
    _build_score(names=False).dump_midi(str(path))
    out = tmp_path / "anon.png"
    plot_piano_roll(path, out)
    assert _near(_png(out), ROLE_COLOURS["solo"]) > 500


def test_bar_grid_follows_time_signature_changes() -> None:
    grid = BarGrid(TPQ, [(0, 4, 4), (1920, 5, 4), (1920 + 2400, 3, 4)])
    assert grid.bar_of(1920) == pytest.approx(1.0)
    assert grid.bar_of(1920 + 1200) == pytest.approx(1.5)
    assert grid.bar_of(1920 + 2400 + 1440) == pytest.approx(3.0)
    assert grid.beats_in_bar(1) == 5 and grid.beats_in_bar(2) == 3
    assert list(grid.bars_of(np.array([0.0, 1920.0, 4320.0]))) == pytest.approx([0, 1, 2])
    assert BarGrid(TPQ, []).bar_of(3840) == pytest.approx(2.0)


def test_piano_roll_of_real_files(tmp_path: Path, shared_data: Path) -> None:
    """A WJazzD solo with 4/4 -> 5/4 -> 4/4 changes, and the 19-track Metheny file."""
    for mid in (
        shared_data / "wjazzd" / "midi" / "DonEllis_YouSteppedOutOfADream-2.mid",
        shared_data / "original_metheny.mid",
    ):
        out = tmp_path / (mid.stem + ".png")
        plot_piano_roll(mid, out, width_px=1600)
        pixels = _png(out)
        assert pixels.shape[1] == 1600
        assert _colour_count(pixels) > 50
        assert _near(pixels, ROLE_COLOURS["solo"]) > 300


def test_piano_roll_bad_width(lead_sheet_mid: Path, tmp_path: Path) -> None:
    with pytest.raises(JazzsoloError, match="width"):
        plot_piano_roll(lead_sheet_mid, tmp_path / "x.png", width_px=10)


# ---------------------------------------------------------------------------------------------
# Training curves
# ---------------------------------------------------------------------------------------------


def test_plot_history_two_panels(tmp_path: Path) -> None:
    epochs = 40
    history = {
        "loss": [130 * math.exp(-e / 10) + 9 for e in range(epochs)],
        "accuracy": [min(1.0, 0.1 + e / 50) for e in range(epochs)],
        "val_loss": [135 * math.exp(-e / 12) + 12 for e in range(epochs)],
        "val_accuracy": [min(1.0, 0.08 + e / 60) for e in range(epochs)],
        "lr": [0.01 / (1 + 0.01 * e) for e in range(epochs)],
    }
    out = tmp_path / "curves.png"
    plot_history(history, out)
    pixels = _png(out)
    assert pixels.shape[1] == 1200  # two 600-px panels
    assert _near(pixels, "#1c7ed6", 30) > 300  # train lines
    assert _near(pixels, "#d9480f", 30) > 300  # validation lines
    assert _leftovers(tmp_path) == []


def _blue_ends(pixels: np.ndarray) -> tuple[float, float]:
    """Mean row of the train colour in its leftmost and rightmost columns (0 = top): the first
    and last epochs when the legend is not beyond them."""
    rows, cols = np.nonzero(np.all(np.abs(pixels.astype(int) - [0x1C, 0x7E, 0xD6]) <= 30, -1))
    return float(rows[cols == cols.min()].mean()), float(rows[cols == cols.max()].mean())


def test_plot_history_loss_only(tmp_path: Path) -> None:
    out = tmp_path / "loss.png"
    plot_history({"loss": [3.0, 2.0, float("nan"), 1.0]}, out)
    pixels = _png(out)
    assert pixels.shape[1] == 600
    # One loss curve, no validation curve, and a falling loss is drawn falling.
    assert _near(pixels, "#1c7ed6", 30) > 200 and _near(pixels, "#d9480f", 30) == 0
    first, last = _blue_ends(pixels)  # epoch 1 (the legend sits left of epoch 4)
    assert last - first > 0.5 * pixels.shape[0], (first, last)


def test_plot_history_bad_input(tmp_path: Path) -> None:
    with pytest.raises(JazzsoloError, match="loss"):
        plot_history({"accuracy": [0.1, 0.2]}, tmp_path / "x.png")
    with pytest.raises(JazzsoloError, match="loss"):
        plot_history({"loss": ["a", None]}, tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# Import cost
# ---------------------------------------------------------------------------------------------


def test_import_is_light() -> None:
    code = (
        "import sys, jazzsolo.render\n"
        "heavy = [m for m in ('matplotlib', 'midirenderer') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
