"""End-to-end: the `jazzsolo` command as a user runs it."""

from __future__ import annotations

import json

import pytest
import symusic

from jazzsolo.chords import parse_chord
from jazzsolo.cli import main

from .hand_models import constant_tensors, cycle_tensors, save_hand_model


def _tracks(path):
    score = symusic.Score(str(path))
    return {t.name: t for t in score.tracks}, score


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


def test_generate_with_the_bundled_model(tmp_path, capsys):
    out = tmp_path / "solo.mid"
    assert main(["generate", "--out", str(out)]) == 0
    tracks, score = _tracks(out)
    assert {"Solo", "Chords"} <= set(tracks)
    solo = tracks["Solo"].notes.numpy()
    starts, ends = solo["time"], solo["time"] + solo["duration"]
    assert len(starts) > 50
    assert (starts[1:] >= ends[:-1]).all(), "the solo must be monophonic"
    assert solo["pitch"].min() >= 48 and solo["pitch"].max() <= 84
    assert score.tempos[0].qpm == pytest.approx(130, abs=0.5)


def test_same_seed_same_bytes_and_numbered_outputs(tmp_path):
    a, b = tmp_path / "a.mid", tmp_path / "b.mid"
    assert main(["generate", "--out", str(a), "--seed", "4"]) == 0
    assert main(["generate", "--out", str(b), "--seed", "4"]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert main(["generate", "--out", str(tmp_path / "many.mid"), "--num-outputs", "3"]) == 0
    files = sorted(p.name for p in tmp_path.glob("many-*.mid"))
    assert files == ["many-1.mid", "many-2.mid", "many-3.mid"]
    contents = {(tmp_path / f).read_bytes() for f in files}
    assert len(contents) == 3


def test_generate_over_a_named_progression(tmp_path):
    out = tmp_path / "blues.mid"
    assert main(["generate", "--progression", "blues-f", "--out", str(out), "--bass"]) == 0
    tracks, score = _tracks(out)
    assert {"Solo", "Chords", "Bass"} <= set(tracks)
    tpq = score.ticks_per_quarter
    markers = [(m.time // (4 * tpq), m.text) for m in score.markers]
    assert {bar for bar, _ in markers} == set(range(12))
    chords = tracks["Chords"].notes.numpy()
    # Each chord change sounds exactly the pitch classes of its symbol.
    for m in score.markers:
        sounding = {int(p) % 12 for p, t in zip(chords["pitch"], chords["time"], strict=True)
                    if t == m.time}
        assert sounding == set(parse_chord(m.text).pitch_classes), m.text
    solo = tracks["Solo"].notes.numpy()
    bars_with_notes = {int(t) // (4 * tpq) for t in solo["time"]}
    # The jazz model's rests are its own (a phrase may breathe through a whole bar), so the
    # solo plays in most bars and never past the form; the events fill every bar by decode.
    assert bars_with_notes <= set(range(12)) and len(bars_with_notes) >= 9, bars_with_notes


def test_generate_over_typed_chords_in_three_four(tmp_path):
    out = tmp_path / "waltz.mid"
    assert main(["generate", "--chords", "Dm7 | G7 | Cmaj7 Am7 | Cmaj7", "--choruses", "2",
                 "--beats-per-bar", "3", "--out", str(out)]) == 0
    tracks, score = _tracks(out)
    tpq = score.ticks_per_quarter
    ts = score.time_signatures[0]
    assert (ts.numerator, ts.denominator) == (3, 4)
    changes = [(m.time / tpq, m.text) for m in score.markers]
    assert changes[:5] == [(0, "Dm7"), (3, "G7"), (6, "Cmaj7"), (8, "Am7"), (9, "Cmaj7")]
    solo = tracks["Solo"].notes.numpy()
    assert (solo["time"] + solo["duration"]).max() <= 8 * 3 * tpq


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--num-outputs", "0"], ["--num-outputs"]),
        (["--temperature", "-1"], ["temperature"]),
        (["--top-p", "0"], ["top_p"]),
        (["--top-p", "1.5"], ["top_p"]),
        (["--chords", "Dm7 G7 | Cmjx7"], ["Cmjx7", "bar 2"]),
        (["--progression", "no-such-tune"], ["no-such-tune"]),
        (["--choruses", "0"], ["--choruses"]),
        (["--bpm", "0"], ["--bpm"]),
        (["--top-k", "0"], ["top_k"]),
        (["--chords", "C7", "--beats-per-bar", "0"], ["--beats-per-bar"]),
        (["--chords", "C7", "--progression", "blues-f"], ["not both"]),
    ],
)
def test_generate_bad_options(tmp_path, capsys, args, needles):
    out = tmp_path / "x.mid"
    assert main(["generate", "--out", str(out), *args]) == 2
    _one_line_error(capsys, *needles)
    assert list(tmp_path.iterdir()) == [], "no file may be written on an error"


def test_generate_into_a_missing_folder(tmp_path, capsys):
    out = tmp_path / "nope" / "x.mid"
    assert main(["generate", "--out", str(out)]) == 2
    _one_line_error(capsys, "does not exist")


def test_generate_with_broken_models(tmp_path, capsys):
    from jazzsolo.generate import classic_model_dir

    bundled = classic_model_dir()
    missing = tmp_path / "missing"
    assert main(["generate", "--model", str(missing), "--out", str(tmp_path / "x.mid")]) == 2
    _one_line_error(capsys, str(missing))

    truncated = tmp_path / "truncated"
    truncated.mkdir()
    (truncated / "model.json").write_bytes(open(f"{bundled}/model.json", "rb").read())
    weights = open(f"{bundled}/model.safetensors", "rb").read()
    (truncated / "model.safetensors").write_bytes(weights[: len(weights) // 2])
    assert main(["generate", "--model", str(truncated), "--out", str(tmp_path / "x.mid")]) == 2
    _one_line_error(capsys, "model.safetensors")

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "model.json").write_text(json.dumps({"hello": "world"}))
    (foreign / "model.safetensors").write_bytes(b"\x00" * 64)
    assert main(["generate", "--model", str(foreign), "--out", str(tmp_path / "x.mid")]) == 2
    _one_line_error(capsys, "model.json")

    mismatch = tmp_path / "mismatch"
    mismatch.mkdir()
    doc = json.loads(open(f"{bundled}/model.json").read())
    doc["vocabulary"] = doc["vocabulary"][:-1]
    (mismatch / "model.json").write_text(json.dumps(doc))
    (mismatch / "model.safetensors").write_bytes(weights)
    assert main(["generate", "--model", str(mismatch), "--out", str(tmp_path / "x.mid")]) == 2
    _one_line_error(capsys, "vocabulary")
    assert not (tmp_path / "x.mid").exists()

    from safetensors import safe_open
    from safetensors.numpy import save_file

    odd = tmp_path / "odd-names"
    odd.mkdir()
    (odd / "model.json").write_bytes(open(f"{bundled}/model.json", "rb").read())
    with safe_open(f"{bundled}/model.safetensors", "np") as handle:
        tensors = {k: handle.get_tensor(k) for k in handle.keys()}
        header = handle.metadata()
    tensors["line\nbreak\x1c"] = tensors[next(iter(tensors))]  # a name that breaks lines
    save_file(tensors, str(odd / "model.safetensors"), metadata=header)
    assert main(["generate", "--model", str(odd), "--out", str(tmp_path / "x.mid")]) == 2
    _one_line_error(capsys, "line\\nbreak\\x1c")


def test_train_then_generate(metheny, tmp_path, capsys):
    model = tmp_path / "model"
    assert main(["train", str(metheny), "--classic", "--epochs", "20", "--out", str(model),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["epochs"] == 20 and result["n_values"] == 90
    assert result["final_loss"] < 100
    assert 0 <= result["final_accuracy"] <= 1 and result["seconds"] > 0
    assert (model / "model.safetensors").exists() and (model / "training.png").exists()
    # The history reported is the one written; the loss falls well below guessing
    # (29 ln 90 ~ 130 for a model that gives every value the same chance).
    doc = json.loads((model / "model.json").read_text())
    history = result["history"]
    assert doc["history"] == history and len(doc["vocabulary"]) == 90
    assert len(history["loss"]) == 20 and history["loss"][-1] == result["final_loss"]
    assert history["loss"][0] > 100 and history["loss"][-1] < 0.75 * history["loss"][0]
    assert history["accuracy"][-1] > history["accuracy"][0]
    out = tmp_path / "solo.mid"
    assert main(["generate", "--model", str(model), "--out", str(out), "--seed", "1"]) == 0
    tracks, _ = _tracks(out)
    assert len(tracks["Solo"].notes) > 20
    notes, bar = _solo_notes(out)
    _assert_playable_solo(notes, bar, 18, min_notes=20)


def test_progressions_listing(capsys):
    assert main(["progressions", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert {"blues-f", "blues-bb", "minor-blues", "rhythm-changes", "modal-dm7"} <= set(listing)
    assert listing["blues-f"]["bars"] == 12


def test_render_and_plot_commands(tmp_path, capsys):
    mid, wav, png = tmp_path / "s.mid", tmp_path / "s.wav", tmp_path / "s.png"
    assert main(["generate", "--progression", "blues-bb", "--out", str(mid)]) == 0
    assert main(["render", str(mid), "--out", str(wav)]) == 0
    assert main(["plot", str(mid), "--out", str(png)]) == 0
    assert wav.stat().st_size > 44100 and png.stat().st_size > 1000
    _assert_sound_and_picture(mid, wav, png, seconds=12 * 4 * 60 / 130)  # 12 bars at 130 bpm
    capsys.readouterr()
    assert main(["render", str(tmp_path / "missing.mid"), "--out", str(wav)]) == 2
    _one_line_error(capsys, "missing.mid")


def _assert_sound_and_picture(mid, wav, png, seconds):
    """The WAV lasts as long as the MIDI (``seconds``), is not silent and not clipped; the
    PNG is a 1600-px wide picture with something drawn on it."""
    import wave

    import numpy as np
    from PIL import Image

    with wave.open(str(wav)) as w:
        assert w.getframerate() == 44100 and w.getsampwidth() == 2
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        wav_seconds = w.getnframes() / 44100
    midi_seconds = symusic.Score(str(mid)).to("second").end()
    assert abs(wav_seconds - midi_seconds) <= 1.0, (wav_seconds, midi_seconds)
    assert abs(midi_seconds - seconds) <= 1.0, (midi_seconds, seconds)
    rms = float(np.sqrt(np.mean(frames.astype(np.float64) ** 2))) / 32768
    assert rms > 0.01, "silent"
    assert int(np.abs(frames.astype(np.int32)).max()) < 32767, "clipped"
    with Image.open(png) as im:
        assert im.size[0] == 1600
        colours = np.asarray(im.convert("RGB")).reshape(-1, 3)
        assert len(np.unique(colours, axis=0)) > 10, "blank picture"


def test_generated_eight_bar_solo_renders_to_sound(tmp_path):
    mid, wav, png = tmp_path / "s.mid", tmp_path / "s.wav", tmp_path / "s.png"
    assert main(["generate", "--chords", "Dm7 | G7 | Cmaj7 | A7 | Dm7 | G7 | Cmaj7 | Cmaj7",
                 "--bass", "--bpm", "120", "--out", str(mid), "--wav", str(wav),
                 "--png", str(png)]) == 0
    _assert_sound_and_picture(mid, wav, png, seconds=16.0)  # 8 bars of 4/4 at 120 bpm


def test_render_with_a_file_that_is_not_a_soundfont(tmp_path, capsys):
    mid, wav = tmp_path / "s.mid", tmp_path / "s.wav"
    assert main(["generate", "--progression", "modal-dm7", "--out", str(mid)]) == 0
    fake = tmp_path / "fake.sf2"
    fake.write_text("not a soundfont")
    capsys.readouterr()
    assert main(["render", str(mid), "--out", str(wav), "--soundfont", str(fake)]) == 2
    _one_line_error(capsys, "fake.sf2")
    assert not wav.exists()
    assert main(["render", str(mid), "--out", str(tmp_path / "no" / "s.wav")]) == 2
    _one_line_error(capsys, "s.wav")


def test_a_solo_of_rests_is_written_with_a_warning(tmp_path, capsys):
    # A model whose dense bias makes the rest value win at every step, whatever the input.
    vocabulary = ["C,1.000", "R,1.000", "S,0.500"]
    model = save_hand_model(tmp_path / "weak", vocabulary,
                            constant_tensors(len(vocabulary), vocabulary.index("R,1.000")))
    out = tmp_path / "rests.mid"
    assert main(["generate", "--model", str(model), "--sampling", "greedy",
                 "--out", str(out)]) == 0
    tracks, _ = _tracks(out)
    err = capsys.readouterr().err
    # The file is still written (with its chords), and the user is told why the solo is silent.
    assert "Solo" not in tracks or len(tracks["Solo"].notes) == 0
    assert len(tracks["Chords"].notes) > 0
    assert "only rests" in err and str(out) in err
    # The same model made to prefer a note is not silent and gives no warning.
    loud = save_hand_model(tmp_path / "loud", vocabulary, constant_tensors(len(vocabulary), 0))
    assert main(["generate", "--model", str(loud), "--sampling", "greedy",
                 "--out", str(tmp_path / "loud.mid")]) == 0
    assert "only rests" not in capsys.readouterr().err
    assert len(_tracks(tmp_path / "loud.mid")[0]["Solo"].notes) > 0


@pytest.mark.parametrize(
    "args",
    [
        ["--seed", "-1"],
        ["--bpm", "nan"],
        ["--bpm", "inf"],
        ["--bpm", "1e-9"],
        ["--chords", ""],
        ["--progression", "blues-f", "--beats-per-bar", "3"],
        ["--num-outputs", "x"],
    ],
)
def test_more_bad_generate_options(tmp_path, capsys, args):
    assert main(["generate", "--out", str(tmp_path / "x.mid"), *args]) == 2
    _one_line_error(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_render_leaves_no_file_behind(tmp_path, capsys, monkeypatch):
    fake = tmp_path / "fake.sf2"
    fake.write_text("not a soundfont")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["generate", "--out", str(out / "p.mid"), "--num-outputs", "3",
                 "--wav", str(out / "p.wav"), "--soundfont", str(fake)]) == 2
    _one_line_error(capsys, "fake.sf2")
    assert list(out.iterdir()) == []

    # A failure after some files were written (here: the second picture) removes them all.
    import jazzsolo.render
    from jazzsolo.errors import JazzsoloError

    real_plot, calls = jazzsolo.render.plot_piano_roll, []

    def flaky_plot(midi, png, **kwargs):
        calls.append(png)
        if len(calls) == 2:
            raise JazzsoloError(f"{png}: cannot draw")
        real_plot(midi, png, **kwargs)

    monkeypatch.setattr(jazzsolo.render, "plot_piano_roll", flaky_plot)
    assert main(["generate", "--out", str(out / "w.mid"), "--num-outputs", "2",
                 "--png", str(out / "w.png")]) == 2
    _one_line_error(capsys, "cannot draw")
    assert len(calls) == 2
    assert list(out.iterdir()) == []


def _model_copy(tmp_path, chords=None, source=None):
    import shutil

    from jazzsolo.generate import classic_model_dir

    model = tmp_path / "model"
    shutil.copytree(classic_model_dir(), model)
    doc = json.loads((model / "model.json").read_text())
    if chords is not None:
        doc["chords"] = chords
    if source is not None:
        doc["source"] = source
    (model / "model.json").write_text(json.dumps(doc))
    return model


def test_a_model_without_harmony_plays_over_no_chord(tmp_path):
    model = _model_copy(tmp_path, chords=[[], [], [], []])
    out = tmp_path / "free.mid"
    assert main(["generate", "--model", str(model), "--out", str(out)]) == 0
    tracks, score = _tracks(out)
    assert len(tracks["Solo"].notes) > 4
    assert max(n.time for n in tracks["Solo"].notes) < 16 * score.ticks_per_quarter


def test_a_six_eight_model_generates_six_eight_bars(tmp_path):
    bar = [{"start": 0.0, "duration": 3.0, "pitches": [50, 57, 60, 65], "symbol": "Dm7"}]
    model = _model_copy(tmp_path, chords=[bar] * 4,
                        source={"beats_per_bar": 6, "beat_unit": 8, "bar_length": 3.0})
    out = tmp_path / "jig.mid"
    assert main(["generate", "--model", str(model), "--out", str(out)]) == 0
    tracks, score = _tracks(out)
    ts = score.time_signatures[0]
    assert (ts.numerator, ts.denominator) == (6, 8)
    solo = tracks["Solo"].notes.numpy()
    assert (solo["time"] + solo["duration"]).max() <= 4 * 3 * score.ticks_per_quarter
    chords = tracks["Chords"].notes.numpy()
    assert sorted(set(chords["time"] // score.ticks_per_quarter)) == [0, 3, 6, 9]


# ------------------------------------------------------------ what a listener checks, end to end


def _solo_notes(path):
    """The Solo track as (start, duration, pitch), times in quarter notes, and the bar length."""
    score = symusic.Score(str(path))
    tpq = score.ticks_per_quarter
    ts = score.time_signatures[0] if len(score.time_signatures) else None
    bar = 4.0 if ts is None else ts.numerator * 4 / ts.denominator
    solo = next(t for t in score.tracks if t.name == "Solo")
    return [(n.time / tpq, n.duration / tpq, n.pitch) for n in solo.notes], bar


def _assert_playable_solo(notes, bar, n_bars, low=48, high=84, min_notes=None):
    """A solo a listener accepts: inside its bars, one note at a time, in range, and a line
    that goes both up and down (each direction at least a quarter of the moves)."""
    min_notes = 2 * n_bars if min_notes is None else min_notes
    assert len(notes) > min_notes, f"only {len(notes)} notes in {n_bars} bars"
    for (s0, d0, _), (s1, _, _) in zip(notes, notes[1:], strict=False):
        assert s0 + d0 <= s1 + 1e-9, f"notes overlap at {s0}"
    for start, duration, _ in notes:
        assert duration > 0 and start + duration <= n_bars * bar + 1e-9
        assert int((start + 1e-9) // bar) == int((start + duration - 1e-9) // bar), (
            f"the note at {start} crosses a bar line")
    pitches = [p for _, _, p in notes]
    assert low <= min(pitches) and max(pitches) <= high
    moves = [b - a for a, b in zip(pitches, pitches[1:], strict=False)]
    ups, downs = sum(m > 0 for m in moves), sum(m < 0 for m in moves)
    assert ups >= len(moves) / 4 and downs >= len(moves) / 4, (ups, downs, len(moves))
    assert max(pitches) - min(pitches) >= 7, "the line never leaves a small corner"


@pytest.mark.parametrize("args", [[], ["--progression", "blues-f"],
                                  ["--chords", "Dm7 | G7 | Cmaj7 Am7 | Cmaj7", "--choruses", "3",
                                   "--beats-per-bar", "3"]])
def test_a_generated_solo_is_playable(tmp_path, args):
    # The classic model's fill mode cuts its stream at bar lines (the jazz model ties notes
    # over them, as players do: tests/test_jazz.py checks its takes).
    out = tmp_path / "solo.mid"
    assert main(["generate", "--model", "classic", "--out", str(out), "--seed", "2",
                 *args]) == 0
    notes, bar = _solo_notes(out)
    n_bars = {0: 18, 2: 12, 6: 12}[len(args)]
    _assert_playable_solo(notes, bar, n_bars)


# A rhythm and a contour that a hand-set model plays over and over (NC: every pitch fits): a
# dotted half going up a semitone or two, a half rest, a dotted half going down, a dotted
# quarter rest (two rests, since the model's next value depends on its last one only).
UP, REST, DOWN, REST2 = "X,3.000,<M2,m2>", "R,2.000", "X,3.000,<m-2,M-2>", "R,1.500"


def test_fill_mode_plays_the_model_stream_cut_at_the_bar_lines(tmp_path):
    """Each bar holds the values that follow the one cut at the previous bar line: the model's
    dotted half on every downbeat (the rest after it cut to a quarter), never a value replayed;
    and the line goes up and down as the values say."""
    vocabulary = [UP, REST, DOWN, REST2, "C,0.500"]
    cycle = [vocabulary.index(v) for v in (UP, REST, DOWN, REST2)]
    model = save_hand_model(tmp_path / "cycle", vocabulary,
                            cycle_tensors(len(vocabulary), cycle), chords=[[]] * 8)
    out = tmp_path / "cycle.mid"
    assert main(["generate", "--model", str(model), "--sampling", "greedy", "--out",
                 str(out)]) == 0
    notes, bar = _solo_notes(out)
    assert [(start, duration) for start, duration, _ in notes] == [
        (b * bar, 3.0) for b in range(8)]
    moves = [b - a for (_, _, a), (_, _, b) in zip(notes, notes[1:], strict=False)]
    # Bar 1 holds UP (the first note, so no previous), bar 2 DOWN, bar 3 UP ...
    assert all(-2 <= m <= -1 for m in moves[::2]), moves  # DOWN: a semitone or a tone down
    assert all(1 <= m <= 2 for m in moves[1::2]), moves  # UP: the same, up
