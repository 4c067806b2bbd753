"""Benchmark: render an 18-bar 130-bpm solo + chords + bass to WAV, and draw its piano roll.

Run as ``python benchmarks/bench_render.py``. Baselines measured in the same run: symusic
loading + dumping the same MIDI (the cheapest thing one can do with the file), the bare
synthesizer call (midirenderer, no resampling/normalising/writing), and the audio's own length
(realtime factor). Also renders the first 18 bars of a real WJazzD solo when the shared data
is present (../shared/data or env JAZZSOLO_DATA). Target: WAV rendering under 2 s.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

try:
    import jazzsolo.render  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import symusic

from jazzsolo.render import default_soundfont, plot_history, plot_piano_roll, render_wav

TPQ = 480
BARS = 18
BPM = 130.0
TARGET_SECONDS = 2.0
CHANGES = [  # a jazz-blues-like cycle of one chord per bar: (symbol, bass root, voicing)
    ("F7", 41, (51, 57, 60, 63)),
    ("Bb7", 46, (50, 56, 60, 62)),
    ("F7", 41, (51, 57, 60, 63)),
    ("C-7", 48, (51, 55, 58, 62)),
    ("F7", 41, (51, 57, 60, 63)),
    ("Bb7", 46, (50, 56, 60, 62)),
]


def build_score() -> symusic.Score:
    """An 18-bar, 130-bpm lead sheet: busy eighth-note solo, block chords with markers, bass."""
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, BPM))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    solo = symusic.Track("Solo", 65, False)
    chords = symusic.Track("Chords", 0, False)
    bass = symusic.Track("Bass", 32, False)
    line = [65, 67, 69, 70, 72, 74, 75, 77, 75, 74, 72, 70, 69, 67, 65, 63]
    for bar in range(BARS):
        symbol, root, voicing = CHANGES[bar % len(CHANGES)]
        start = bar * 4 * TPQ
        score.markers.append(symusic.TextMeta(start, symbol))
        for pitch in voicing:
            chords.notes.append(symusic.Note(start, 4 * TPQ - 30, pitch, 62))
        for beat in range(4):
            pitch = root + (0, 4, 7, 10)[beat]
            bass.notes.append(symusic.Note(start + beat * TPQ, TPQ - 40, pitch, 80))
        for eighth in range(8):
            if (bar * 8 + eighth) % 11 == 10:
                continue  # breathe now and then
            pitch = line[(bar * 3 + eighth) % len(line)]
            swing = 0 if eighth % 2 == 0 else 80
            onset = start + eighth * TPQ // 2 + swing
            solo.notes.append(symusic.Note(onset, TPQ // 2 - 40, pitch, 90 + eighth % 3 * 8))
    score.tracks.extend([solo, chords, bass])
    return score


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """(median, min) wall-clock seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def first_bars_of_wjazzd(dest: Path) -> Path | None:
    """The first 18 bars of a real WJazzD solo, or None when the shared data is absent."""
    env = os.environ.get("JAZZSOLO_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    source = root / "wjazzd" / "midi" / "ArtPepper_Anthropology.mid"
    if not source.is_file():
        return None
    score = symusic.Score(str(source))
    clipped = score.clip(0, BARS * 4 * score.tpq, clip_end=True)
    clipped.dump_midi(str(dest))
    return dest


def bench_file(label: str, mid: Path, work: Path) -> float:
    """Time every step on one MIDI file and print the figures; return the WAV median time."""
    import midirenderer

    score = symusic.Score(str(mid))
    seconds = float(score.to("second").end())
    notes = score.note_num()
    sf_bytes = default_soundfont().read_bytes()
    midi_bytes = score.dumps_midi()

    load_dump, _ = timed(lambda: symusic.Score(str(mid)).dumps_midi(), repeat=5)
    bare, _ = timed(lambda: midirenderer.render_wave_from(sf_bytes, midi_bytes))
    wav = work / f"{mid.stem}.wav"
    render, render_min = timed(lambda: render_wav(mid, wav))
    info = render_wav(mid, wav)
    roll_png = work / f"{mid.stem}.png"
    roll, roll_min = timed(lambda: plot_piano_roll(mid, roll_png))

    print(f"\n== {label}: {mid.name}  ({notes} notes, {seconds:.1f} s of music)")
    print(f"  baseline symusic load+dump MIDI      {load_dump * 1000:8.1f} ms")
    print(f"  baseline bare synthesizer (48 kHz)   {bare * 1000:8.1f} ms")
    print(
        f"  render_wav -> 44.1 kHz WAV           {render * 1000:8.1f} ms"
        f"  (min {render_min * 1000:.1f}) = {render / load_dump:,.0f}x load+dump,"
        f" {seconds / render:,.0f}x realtime"
    )
    print(
        f"    peak {info.peak_dbfs:+.2f} dBFS, rms {info.rms_dbfs:+.1f} dBFS, "
        f"{info.duration:.2f} s, {wav.stat().st_size / 1e6:.1f} MB, synth {info.synthesizer}"
    )
    print(
        f"  plot_piano_roll 1600 px (warm)       {roll * 1000:8.1f} ms  (min {roll_min * 1000:.1f})"
    )
    verdict = "OK" if render < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(f"  target: render_wav < {TARGET_SECONDS:.0f} s -> {verdict}")
    return render


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mid = work / "bench_18_bars.mid"
        build_score().dump_midi(str(mid))

        start = time.perf_counter()
        plot_piano_roll(mid, work / "first.png")  # includes importing matplotlib
        first_roll = time.perf_counter() - start
        history = {
            "loss": [130.0 / (1 + e / 5) for e in range(100)],
            "accuracy": [min(1.0, e / 100) for e in range(100)],
        }
        curves, _ = timed(lambda: plot_history(history, work / "curves.png"))

        print(f"jazzsolo render benchmark ({os.cpu_count()} CPUs)")
        print(f"  first plot_piano_roll (matplotlib import included) {first_roll * 1000:.0f} ms")
        print(f"  plot_history, 100 epochs                           {curves * 1000:.0f} ms")
        bench_file(f"built-in {BARS} bars at {BPM:.0f} bpm", mid, work)
        real = first_bars_of_wjazzd(work / "wjazzd_first_18_bars.mid")
        if real is not None:
            bench_file(f"WJazzD, first {BARS} bars", real, work)
        else:
            print("\n(shared WJazzD data not found: real-file figures skipped)")


if __name__ == "__main__":
    main()
