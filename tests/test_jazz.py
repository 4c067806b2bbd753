"""The jazz model end to end: events, a tiny model trained in seconds, files, generation."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from jazzsolo.chords import parse_chord
from jazzsolo.cli import main
from jazzsolo.errors import JazzsoloError
from jazzsolo.events import (
    BAR_PLAN_CAP,
    CONTEXT_FIELDS,
    GRIDS,
    REST,
    TICKS,
    changes_from_bars,
    changes_of,
    decode,
    encode,
)
from jazzsolo.generate import bars_from_progression
from jazzsolo.generate_jazz import JazzSampling, generate_jazz_solos
from jazzsolo.models.jazz_format import (
    FIELDS,
    JazzConfig,
    load_jazz_arrays,
    load_jazz_for_inference,
)
from jazzsolo.train_jazz import JazzTrainConfig, RunOptions, load_solos, train_jazz
from jazzsolo.wjazzd import read_wjazzd

SOLOS = ("ArtPepper_Anthropology", "BixBeiderbecke_Margie", "LouisArmstrong_GutBucketBlues",
         "KidOry_MuskratRamble")
TINY = JazzConfig(hidden=16, layers=1, embed_pitch=8, embed_duration=8, embed_small=4,
                  embed_masks=8, embed_out=4)


def _copy_solos(shared_data, folder, names=SOLOS):
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(shared_data / "wjazzd" / "melody" / f"{name}_FINAL.csv", folder)
        shutil.copy(shared_data / "wjazzd" / "beats" / f"{name}_FINAL_beattrack.csv", folder)
    return folder


@pytest.fixture(scope="module")
def tiny_model(shared_data, tmp_path_factory):
    """A tiny jazz model trained on three real solos (two epochs, a few seconds)."""
    root = tmp_path_factory.mktemp("jazz")
    solos = load_solos([_copy_solos(shared_data, root / "solos")], jobs=1)
    out = root / "model"
    result = train_jazz(solos, out, TINY, JazzTrainConfig(epochs=2, window=64, batch_size=8,
                                                          val_fraction=0.3),
                        RunOptions(progress=False))
    return out, result


def test_encode_decode_round_trip(shared_data):
    sheet = read_wjazzd(shared_data / "wjazzd" / "melody" / f"{SOLOS[0]}_FINAL.csv")
    seq = encode(sheet)
    assert (np.diff(seq.onset) == seq.duration[:-1]).all(), "events follow each other"
    assert seq.duration.min() >= 1 and (seq.pitch != REST).sum() > 0.9 * len(sheet.melody)
    # Every note lands within a sixteenth of where it was played, with its pitch.
    played = {round((n.start - sheet.first_bar_start) * TICKS): n.pitch for n in sheet.melody}
    for o, p in zip(seq.onset[seq.pitch != REST][:200], seq.pitch[seq.pitch != REST][:200],
                    strict=True):
        assert any(played.get(o + d) == p for d in range(-TICKS // 4, TICKS // 4 + 1)), (o, p)
    # Decoding the events over the solo's changes (shifted to start at 0) gives them back.
    changes = changes_of(sheet)
    span = int(seq.onset[-1] + seq.duration[-1] - seq.onset[0])
    tail = changes.total_ticks - span
    longest = GRIDS[TICKS].max_ticks
    pad = [longest] * (tail // longest) + ([tail % longest] if tail % longest else [])
    out = decode(list(seq.pitch) + [REST] * len(pad), list(seq.duration) + pad, changes)
    wanted = [(int(o - seq.onset[0]), int(p)) for o, p in zip(seq.onset, seq.pitch, strict=True)
              if p != REST]
    assert [(round(n.start * TICKS), n.pitch) for n in out.melody] == wanted
    notes = out.melody
    assert all(a.end <= b.start + 1e-9 for a, b in zip(notes, notes[1:], strict=False))


@pytest.mark.parametrize("ticks", sorted(GRIDS))
def test_decode_fills_every_bar_and_never_overlaps(ticks):
    changes = changes_from_bars(bars_from_progression("Dm7 | G7 | Cmaj7", 3), 3.0, 3, 4, ticks)
    k = ticks // 12
    sheet = decode([60, REST, 62, 64], [30 * k, 6 * k, 40 * k, 48 * k], changes)
    assert sheet.n_bars == 3 and sheet.beats_per_bar == 3
    assert [(n.start, n.pitch) for n in sheet.melody] == [(0, 60), (36 / 12, 62), (76 / 12, 64)]
    assert sheet.melody[-1].end == pytest.approx(9.0), "the last event is cut at the bar line"
    with pytest.raises(JazzsoloError, match="empty"):
        decode([60], [ticks], changes)


def test_tiny_model_trains_reloads_and_generates_in_three_and_four(tiny_model):
    out, result = tiny_model
    assert result["epochs_run"] == 2 and np.isfinite(result["history"]["val_loss"]).all()
    model, meta = load_jazz_for_inference(out)
    assert meta["format"] == "jazzsolo-jazz-lstm" and meta["trained_on"]["solos"] >= 1
    assert "bar_plan_library" not in meta  # only a bar-plan model keeps its solos' bars
    for beats, text in ((3, "Dm7 | G7 | Cmaj7 Am7 | Cmaj7"), (4, "Fm7 Bb7 | Ebmaj7 | Abmaj7 |"
                                                              " Dm7b5 G7alt")):
        changes = changes_from_bars(bars_from_progression(text, beats, 2), float(beats), beats)
        sheets = generate_jazz_solos(model, meta, changes, 3, JazzSampling(seed=1))
        assert len(sheets) == 3
        for s in sheets:
            assert s.n_bars == 8 and s.beats_per_bar == beats
            notes = s.melody
            assert notes, "the takes have notes"
            assert all(a.end <= b.start + 1e-9 for a, b in zip(notes, notes[1:], strict=False))
            assert notes[-1].end <= 8 * beats + 1e-9
            low, high = meta["register"]
            assert all(low <= n.pitch <= high for n in notes)
        # Same seed, same takes; one take alone is the first take of the batch.
        again = generate_jazz_solos(model, meta, changes, 3, JazzSampling(seed=1))
        assert [n.pitch for n in again[2].melody] == [n.pitch for n in sheets[2].melody]


def test_numpy_twin_agrees_with_torch():
    import torch

    from jazzsolo.models.jazz import JazzLSTM, to_numpy

    torch.manual_seed(0)
    for config in (JazzConfig(hidden=24, layers=2, dropout=0.0),
                   JazzConfig(hidden=20, layers=3, frame="chord", intervals=12),
                   JazzConfig(hidden=16, layers=1, intervals=24),
                   JazzConfig(hidden=16, layers=2, recent=0.9),
                   JazzConfig(hidden=12, layers=1, frame="chord", recent=0.5),
                   JazzConfig(hidden=12, layers=1, tempo=False),
                   JazzConfig(hidden=12, layers=1, players=("A", "B", "C")),
                   JazzConfig(hidden=12, layers=1, phrase=True),
                   JazzConfig(hidden=12, layers=2, players=("A", "B"), phrase=True),
                   JazzConfig(hidden=12, layers=1, density=True),
                   JazzConfig(hidden=12, layers=1, density=True, bar_plan=True,
                              bar_left=True)):
        model = JazzLSTM(config).eval()
        b, t = 3, 9
        sizes = {f: 1 for f in FIELDS} | config.field_sizes | {"player": len(config.players) + 1}
        fields = torch.stack([torch.randint(0, n, (b, t)) for n in sizes.values()], -1)
        fields[0, :4, 0] = torch.tensor([0, 1, 62, 1])  # start, rest: no pitch class to recall
        masks = (torch.rand(b, t, 36) > 0.6).float()
        pitch = torch.randint(0, config.n_pitch, (b, t))
        with torch.no_grad():
            p_logits, d_logits, _ = model(fields, masks, pitch)
        twin, state = to_numpy(model), None
        for k in range(t):
            logits, hidden, state = twin.step(fields[:, k].numpy(), masks[:, k].numpy(), state)
            assert np.abs(logits - p_logits[:, k].numpy()).max() < 1e-5
            d = twin.duration_logits(hidden, pitch[:, k].numpy())
            assert np.abs(d - d_logits[:, k].numpy()).max() < 1e-5


def test_bad_model_files_are_one_line_errors(tiny_model, tmp_path):
    from safetensors.numpy import load_file, save_file

    src, _ = tiny_model
    bad = tmp_path / "bad"
    shutil.copytree(src, bad, ignore=shutil.ignore_patterns("checkpoint"))
    weights = load_file(str(bad / "model.safetensors"))
    doc = json.loads((bad / "model.json").read_text())
    header = {"format": "jazzsolo-jazz-lstm", "format_version": "1", "save_id": doc["save_id"]}

    def expect(match):
        with pytest.raises(JazzsoloError, match=match) as info:
            load_jazz_arrays(bad)
        assert "\n" not in str(info.value) and str(bad) in str(info.value)

    save_file({**weights, "pitch_head.bias": weights["pitch_head.bias"][:-1]},
              str(bad / "model.safetensors"), metadata=header)
    expect("shape")
    save_file({**weights, "pitch_head.bias": weights["pitch_head.bias"].astype(np.int32)},
              str(bad / "model.safetensors"), metadata=header)
    expect("dtype")
    save_file(weights, str(bad / "model.safetensors"), metadata=header)
    load_jazz_arrays(bad)  # restored: loads again
    (bad / "model.json").write_text(json.dumps({**doc, "fields": {**doc["fields"],
                                                                  "beat": 99}}))
    expect("vocabulary")
    (bad / "model.json").write_text(json.dumps({**doc, "config": {**doc["config"],
                                                                  "hidden": 17}}))
    expect("shape")
    (bad / "model.json").write_text(json.dumps({**doc, "save_id": "other"}))
    expect("save_id")


def test_classic_and_jazz_models_say_which_they_are(tiny_model, tmp_path, capsys):
    from jazzsolo.checkpoint import load_for_inference
    from jazzsolo.generate import classic_model_dir

    src, _ = tiny_model
    with pytest.raises(JazzsoloError, match="classic model"):
        load_jazz_arrays(classic_model_dir())
    with pytest.raises(JazzsoloError, match="jazz model"):
        load_for_inference(src)
    # On the command line: exit 2, one line, naming the file.
    assert main(["train", "x.mid", "--arch", "classic", "--out", str(tmp_path / "o")]) == 2
    capsys.readouterr()
    from jazzsolo.train_jazz import train_jazz as _  # noqa: F401  (the module loads)

    (tmp_path / "m").mkdir()
    for f in ("model.json", "model.safetensors"):
        shutil.copy(src / f, tmp_path / "m" / f)
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    doc["format"] = "jazzsolo-classic-lstm"
    (tmp_path / "m" / "model.json").write_text(json.dumps(doc))
    assert main(["generate", "--model", str(tmp_path / "m"), "--out",
                 str(tmp_path / "x.mid")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "model.json" in err and not (tmp_path / "x.mid").exists()


def test_resume_continues_exactly(shared_data, tmp_path):
    solos = load_solos([_copy_solos(shared_data, tmp_path / "s", SOLOS[:2])], jobs=1)
    cfg = JazzTrainConfig(epochs=2, window=48, batch_size=8, val_fraction=0.0, augment=True)
    quiet = RunOptions(progress=False)
    straight = train_jazz(solos, tmp_path / "a", TINY, cfg, quiet)
    # Interrupted after its first epoch (a time limit hit at once), then resumed.
    first = train_jazz(solos, tmp_path / "b", TINY,
                       JazzTrainConfig(**{**cfg.__dict__, "max_minutes": 1e-9}), quiet)
    assert first["epochs_run"] == 1 and first["stopped"] == "time limit"
    resumed = train_jazz(solos, tmp_path / "b", None, cfg,
                         RunOptions(progress=False, resume=str(tmp_path / "b")))
    assert resumed["history"]["loss"] == pytest.approx(straight["history"]["loss"], rel=1e-6)
    with pytest.raises(JazzsoloError, match="no checkpoint"):
        train_jazz(solos, tmp_path / "c", TINY, cfg,
                   RunOptions(progress=False, resume=str(tmp_path / "c")))


def test_cli_trains_and_generates_a_jazz_model_without_torch(shared_data, tmp_path, capsys):
    folder = _copy_solos(shared_data, tmp_path / "solos", SOLOS[:2])
    model = tmp_path / "m"
    assert main(["train", str(folder), "--arch", "jazz", "--epochs", "1", "--hidden", "16",
                 "--layers", "1", "--window", "32", "--phrase", "--density", "--density-dropout",
                 "0.3", "--bar-plan", "--bar-left", "--out", str(model), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["epochs_run"] == 1 and (model / "checkpoint" / "state.json").exists()
    doc = json.loads((model / "model.json").read_text())
    assert doc["config"]["phrase"] and {"hyper", "phrase", "last_bar"} <= set(doc["fields"])
    assert doc["config"]["density"] and "density" in doc["fields"]
    assert sum(map(sum, doc["density_by_tempo"])) == doc["trained_on"]["solos"]
    assert doc["training"]["density_dropout"] == 0.3
    assert doc["config"]["bar_left"] and {"bar_plan", "bar_left"} <= set(doc["fields"])
    assert np.asarray(doc["bar_plan_counts"]).shape == (9, BAR_PLAN_CAP + 2, BAR_PLAN_CAP + 1)
    library = doc["bar_plan_library"]  # each training solo's bars, as takes replay them
    assert len(library) == doc["trained_on"]["solos"]
    assert sum(len(e[3]) for e in library) == np.asarray(doc["bar_plan_counts"]).sum()
    assert all(0 <= c <= BAR_PLAN_CAP for e in library for c in e[3])
    out = tmp_path / "w.mid"
    code = ("import sys; from jazzsolo.cli import main; "
            f"rc = main(['generate', '--model', {str(model)!r}, '--chords', 'C7 | F7', "
            f"'--beats-per-bar', '3', '--register', '55-79', '--out', {str(out)!r}, "
            "'--pitch-temperature', '0.9', '--num-outputs', '2']); "
            "assert rc == 0; assert 'torch' not in sys.modules, 'torch imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import symusic

    for k in (1, 2):
        score = symusic.Score(str(tmp_path / f"w-{k}.mid"))
        solo = next(t for t in score.tracks if t.name == "Solo").notes.numpy()
        assert 55 <= solo["pitch"].min() and solo["pitch"].max() <= 79
        ends = solo["time"] + solo["duration"]
        assert (solo["time"][1:] >= ends[:-1]).all() and ends.max() <= 2 * 3 * 480
    assert main(["generate", "--model", str(model), "--register", "70-60", "--out",
                 str(tmp_path / "y.mid")]) == 2
    assert "--register" in capsys.readouterr().err
    assert main(["generate", "--model", "classic", "--register", "50-70", "--out",
                 str(tmp_path / "y.mid")]) == 2
    assert "jazz model" in capsys.readouterr().err


def test_held_out_tunes_are_disjoint_from_training(shared_data):
    from pathlib import Path

    from jazzsolo.models import BUNDLED
    from jazzsolo.train_jazz import Solo, read_tune_list, split_solos, tune_of

    heldout_file = Path(__file__).resolve().parents[1] / "src/jazzsolo/pretrained/jazz/heldout.txt"
    heldout = read_tune_list(heldout_file)
    files = sorted((shared_data / "wjazzd" / "melody").glob("*_FINAL.csv"))
    assert tune_of("x/ZootSims_NightAndDay-2_FINAL.csv") == "nightandday"
    assert sum(tune_of(f) in heldout for f in files) >= 30
    # The split puts every take of a tune on one side, and the excluded tunes on neither.
    empty = encode(read_wjazzd(files[0]))
    solos = [Solo(f.stem, tune_of(f), empty) for f in files]
    split = split_solos(solos, 0.08, 0, heldout)
    train, val = {s.tune for s in split.train}, {s.tune for s in split.validation}
    assert not train & val and not (train | val) & heldout
    assert {s.tune for s in split.excluded} == heldout & {s.tune for s in solos}
    assert len(split.validation) >= 0.06 * len(solos)
    if "jazz" in BUNDLED:  # the shipped model never saw a held-out tune
        doc = json.loads((BUNDLED["jazz"].directory / "model.json").read_text())
        trained = {tune_of(f + ".csv") for f in doc["trained_on"]["files"]}
        assert not trained & heldout and not set(doc["trained_on"]["validation_tunes"]) & heldout


def test_models_command_lists_the_bundled_models(capsys):
    from jazzsolo.models import DEFAULT_MODEL

    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    listing = {m["name"]: m for m in listed}
    assert listing["classic"]["format"] == "jazzsolo-classic-lstm"
    assert sum(m["default"] for m in listing.values()) == 1
    assert listed[0]["default"] and listed[0]["name"] == DEFAULT_MODEL, "the default first"
    if "jazz" in listing:
        assert listing["jazz"]["default"] and "Weimar" in listing["jazz"]["trained_on"]
        assert "SonnyRollins" in listing["jazz"]["players"]  # generate --player names
    assert listing["classic"]["players"] == []
    assert main(["models"]) == 0
    text = capsys.readouterr().out
    assert text.split()[0] == f"{DEFAULT_MODEL}*"
    if "jazz" in listing:
        assert f"as one of {len(listing['jazz']['players'])}: " in text


def test_pitch_truncation_never_takes_rests_away():
    from jazzsolo.generate_jazz import choose_pitch
    from jazzsolo.sample import SampleConfig

    # rest 1/2, pitch 1 3/8, pitch 2 1/8: top-p 0.5 keeps pitch 1 only among pitches.
    logits = np.log(np.tile([[4.0, 3.0, 1.0]], (4000, 1)))
    gen = np.random.Generator(np.random.PCG64(0))
    picked = choose_pitch(logits, SampleConfig(top_p=0.5), gen)
    assert set(np.unique(picked)) == {0, 1}
    assert abs((picked == 0).mean() - 0.5) < 0.03
    plain = choose_pitch(logits, SampleConfig(), gen)
    assert abs((plain == 2).mean() - 0.125) < 0.02 and abs((plain == 0).mean() - 0.5) < 0.03


def test_chord_weight_raises_exactly_the_chord_tones_and_leans_the_solo_on_them():
    from jazzsolo.evaluate import evaluate_solos
    from jazzsolo.events import context_at
    from jazzsolo.generate_jazz import chord_tones, default_jazz_dir
    from jazzsolo.sample import SampleConfig

    model, meta = load_jazz_for_inference(default_jazz_dir(), np.float32)
    changes = changes_from_bars(bars_from_progression("Dm7 | G7 | Cmaj7 | A7b9", 4) * 4, 4.0)
    _, masks, roots = context_at(changes, np.array([0, 4 * TICKS, 12 * TICKS]))
    tones = chord_tones(model.config, masks, roots)
    pitches = model.config.pitch_of(np.arange(model.config.n_pitch)[None, :], roots[:, None])
    for k, chord in enumerate(({2, 5, 9, 0}, {7, 11, 2, 5}, {9, 1, 4, 7, 10})):
        assert tones[k, 0] == 0  # the rest class never gains
        assert {int(p) % 12 for p in pitches[k][tones[k] == 1]} == chord
    shares = []
    for weight in (0.0, 2.0):
        sampling = JazzSampling(SampleConfig(seed=3), SampleConfig(seed=3), None, 3, weight)
        takes = generate_jazz_solos(model, meta, changes, 4, sampling)
        shares.append(np.mean([r.values["chord"] for r in evaluate_solos(takes, "metrical")]))
    assert shares[1] > shares[0] + 0.1


def test_generate_over_a_midi_files_changes(shared_data, tmp_path, capsys):
    import symusic

    source = shared_data / "wjazzd" / "midi" / f"{SOLOS[2]}.mid"
    out = tmp_path / "over.mid"
    assert main(["generate", "--changes-from", str(source), "--out", str(out)]) == 0
    theirs, ours = symusic.Score(str(source)), symusic.Score(str(out))
    # Without --bpm the solo is played at the file's own tempo (the model hears it).
    from jazzsolo.generate_jazz import file_tempo

    qpm = ours.tempos[0].qpm
    assert abs(qpm - file_tempo(source)) < 0.1 and abs(qpm - 130) > 1, qpm
    assert abs(file_tempo(source) - theirs.tempos[0].qpm) < 0.1
    mine = [m.text for m in ours.markers]
    assert mine and set(mine) <= {parse_chord(m.text).name for m in theirs.markers} | {"NC"}
    solo = next(t for t in ours.tracks if t.name == "Solo").notes.numpy()
    ends = solo["time"] + solo["duration"]
    assert len(solo["time"]) > 10 and (solo["time"][1:] >= ends[:-1]).all()
    assert main(["generate", "--changes-from", str(source), "--chords", "C7",
                 "--out", str(out)]) == 2
    assert "changes" in capsys.readouterr().err


def test_cli_resume_continues_a_jazz_run(shared_data, tmp_path, capsys):
    folder = _copy_solos(shared_data, tmp_path / "solos", SOLOS[:2])
    model = tmp_path / "m"
    common = ["--arch", "jazz", "--epochs", "2", "--hidden", "16", "--layers", "1",
              "--window", "32", "--json"]
    assert main(["train", str(folder), *common, "--max-minutes", "1e-9", "--out",
                 str(model)]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["epochs_run"] == 1
    assert main(["train", str(folder), *common, "--resume", str(model)]) == 0
    resumed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert resumed["epochs_run"] == 2 and resumed["history"]["loss"][0] == first[
        "history"]["loss"][0]
    assert main(["train", str(folder), "--resume", str(model)]) == 2  # classic: no resume
    assert "--arch jazz" in capsys.readouterr().err


def test_the_pitch_class_memory_decays_and_counts_only_notes():
    from jazzsolo.models.jazz_format import recent_bonus, recent_memory

    memory = np.zeros((3, 12))
    # start (BOS 0), a rest (1), then E4 (64 -> token 66), then C5 (72 -> 74)
    for tokens in ([0, 1, 66], [1, 66, 74]):
        memory = recent_memory(memory, np.array(tokens), 0.5)
    assert memory[0].sum() == 0 and memory[1].tolist() == [0.0] * 4 + [1.0] + [0.0] * 7
    assert memory[2, 4] == 0.5 and memory[2, 0] == 1.0 and memory[2].sum() == 1.5
    config = JazzConfig(hidden=4, recent=0.5)
    bonus = recent_bonus(config, np.array([[2.0], [2.0], [2.0]]), memory,
                         np.array([0, 0, 0]))
    pcs = config.class_pitch_classes(np.array([0]))[0]
    assert (bonus[:, 0] == 0).all(), "a rest is never favoured"
    assert np.allclose(bonus[1, 1:], np.where(pcs[1:] == 4, 2.0, 0.0))
    assert np.allclose(bonus[2, 1:], np.select([pcs[1:] == 0, pcs[1:] == 4],
                                               [2.0 * 1 / 1.5, 2.0 * 0.5 / 1.5], 0.0))
    with pytest.raises(JazzsoloError, match="recent must be in"):
        JazzConfig(recent=1.0)


def test_models_saved_before_the_memory_and_the_tempo_load_without_them(tmp_path):
    from jazzsolo.models.jazz import JazzLSTM
    from jazzsolo.models.jazz_format import save_jazz

    config = JazzConfig(hidden=8, layers=1, recent=0.0, tempo=False)
    tensors = {k: v.numpy() for k, v in JazzLSTM(config).state_dict().items()}
    save_jazz(tmp_path, config, tensors, {"register": [50, 80]})
    doc = json.loads((tmp_path / "model.json").read_text())
    assert "tempo" not in doc["fields"]  # the fields a model reads are the ones it lists
    del doc["config"]["recent"]  # as every model.json written before the memory existed
    del doc["config"]["tempo"]  # ... and before the tempo field
    del doc["config"]["phrase"]  # ... and before the phrase fields
    (tmp_path / "model.json").write_text(json.dumps(doc))
    loaded, arrays, _ = load_jazz_arrays(tmp_path)
    assert loaded.recent == 0.0 and "recent_gate.weight" not in arrays
    assert not loaded.tempo and "embed.tempo.weight" not in arrays
    assert not loaded.phrase and "embed.last_bar.weight" not in arrays
    # It still generates: the tempo column the events now carry is left unread.
    model, meta = load_jazz_for_inference(tmp_path)
    changes = changes_from_bars(bars_from_progression("Dm7 G7 | Cmaj7", 4), 4.0)
    assert generate_jazz_solos(model, meta, changes, 1, JazzSampling(seed=0))[0].melody


def test_the_tempo_field_buckets_quarter_octaves_and_reaches_the_model():
    from jazzsolo.events import TEMPO_BUCKETS, context_at, tempo_bucket

    assert tempo_bucket(40) == 0 and tempo_bucket(47) == 0 and tempo_bucket(48) == 1
    assert tempo_bucket(80) == 4 and tempo_bucket(160) == 8 and tempo_bucket(320) == 12
    assert tempo_bucket(10) == 0 and tempo_bucket(2000) == TEMPO_BUCKETS - 1
    assert tempo_bucket(float("nan")) == 0 and tempo_bucket(0) == 0
    changes = changes_from_bars(bars_from_progression("Dm7 G7 | Cmaj7", 4), 4.0)
    slow, masks, _ = context_at(changes, np.array([0, 30]), 60.0)
    fast, _, _ = context_at(changes, np.array([0, 30]), 280.0)
    col = CONTEXT_FIELDS.index("tempo")
    assert (slow[:, col] == tempo_bucket(60)).all() and (fast[:, col] == tempo_bucket(280)).all()
    assert (np.delete(slow, col, 1) == np.delete(fast, col, 1)).all()  # nothing else moves
    # A model that reads the tempo hears it; one that does not, does not.
    import torch

    from jazzsolo.models.jazz import JazzLSTM, to_numpy

    torch.manual_seed(1)
    prev = np.zeros((2, 3), dtype=np.int64)
    for reads in (True, False):
        model = to_numpy(JazzLSTM(JazzConfig(hidden=16, layers=1, tempo=reads)))
        logits = [model.step(np.concatenate([prev, ctx], 1), masks)[0]
                  for ctx in (slow, fast)]
        assert (np.abs(logits[0] - logits[1]).max() > 1e-6) == reads


@pytest.mark.parametrize("value", ["1", "-0.1", "nan", "much"])
def test_train_refuses_a_bad_memory_decay_in_one_line(value, capsys, tmp_path):
    code = main(["train", str(tmp_path), "--arch", "jazz", "--recent", value,
                 "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 2 and "--recent" in err and err.count("\n") == 1
    assert not (tmp_path / "m").exists()


def test_a_tune_list_keeps_a_hash_inside_a_name(tmp_path):
    """WJazzD has ``ChrisPotter_PopTune#1``: its tune ``poptune#1`` must be excludable."""
    from jazzsolo.train_jazz import read_tune_list, tune_of

    assert tune_of("ChrisPotter_PopTune#1_FINAL.csv") == "poptune#1"
    listing = tmp_path / "tunes.txt"
    listing.write_text("# test tunes\nPopTune#1  # ChrisPotter_PopTune#1_FINAL.csv\n\n"
                       "  blues#2#x\nconfirmation # a comment\n#commented\nnight and day\n")
    assert read_tune_list(listing) == {"poptune#1", "blues#2#x", "confirmation",
                                       "night and day"}


def test_generate_reads_a_changes_file_once_and_again_when_it_changes(shared_data, tmp_path,
                                                                      monkeypatch):
    """The changes and the tempo come from one read of the file; a changed file is read anew."""
    import jazzsolo.corpus
    from jazzsolo.generate_jazz import _read_piece, file_tempo

    source = tmp_path / "tune.mid"
    shutil.copy(shared_data / "wjazzd" / "midi" / f"{SOLOS[2]}.mid", source)
    reads = []
    real = jazzsolo.corpus.read_piece
    monkeypatch.setattr(jazzsolo.corpus, "read_piece",
                        lambda path, options: reads.append(path) or real(path, options))
    _read_piece.cache_clear()
    assert main(["generate", "--changes-from", str(source), "--out", str(tmp_path / "a.mid")]) == 0
    assert len(reads) == 1
    import symusic

    score = symusic.Score(str(source))
    score.tempos[0].qpm = 97.0
    score.dump_midi(str(source))
    assert file_tempo(source) == 97.0 and len(reads) == 2


def test_who_plays_is_read_from_file_names_and_reaches_the_model():
    from jazzsolo.errors import RequestError
    from jazzsolo.events import context_at
    from jazzsolo.generate_jazz import find_player
    from jazzsolo.train_jazz import Solo, player_of, player_vocabulary

    assert player_of("x/ArtPepper_Stardust-2_FINAL.csv") == "ArtPepper"
    assert player_of("ArtPepper_Stardust.mid") == "ArtPepper" and player_of("solo.mid") == ""
    solos = [Solo(n, "t", None, player_of(n)) for n in  # type: ignore[arg-type]
             ("B_x", "A_y", "B_z", "C_w", "A_v", "solo")]
    assert player_vocabulary(solos) == ("A", "B")  # one solo is too few to learn a name by
    crowd = [Solo(f"p{k}_{j}", "t", None, f"p{k:03d}")  # type: ignore[arg-type]
             for k in range(200) for j in range(2 + (k % 7 == 0))]
    kept = player_vocabulary(crowd)  # more players than the field holds: the most recorded
    assert len(kept) == 127 and {f"p{k:03d}" for k in range(0, 200, 7)} <= set(kept)
    JazzConfig(players=kept)
    config = JazzConfig(hidden=16, layers=1, players=["SonnyRollins", "ArtPepper"])
    assert config.players == ("SonnyRollins", "ArtPepper")  # model.json gives a list
    assert find_player(config, "sonny rollins") == 1 and find_player(config, "ART-PEPPER") == 2
    with pytest.raises(RequestError, match="not one of this model's 2 players"):
        find_player(config, "Nobody")
    with pytest.raises(RequestError, match="does not know players"):
        find_player(JazzConfig(hidden=16, layers=1), "ArtPepper")
    for bad in ({"players": ("A", "A")}, {"players": ("A",), "tempo": False},
                {"players": ("",)}, {"players": "AB"}):
        with pytest.raises(JazzsoloError):
            JazzConfig(**bad)
    # The player column reaches a model with players, and no other.
    import torch

    from jazzsolo.models.jazz import JazzLSTM, to_numpy

    changes = changes_from_bars(bars_from_progression("Dm7 G7 | Cmaj7", 4), 4.0)
    prev = np.zeros((2, 3), dtype=np.int64)
    torch.manual_seed(2)
    for cfg, hears in ((config, True), (JazzConfig(hidden=16, layers=1), False)):
        model = to_numpy(JazzLSTM(cfg))
        logits = []
        for who in (0, 2):
            ctx, masks, _ = context_at(changes, np.array([0, 30]), 120.0, who)
            assert (ctx[:, CONTEXT_FIELDS.index("player")] == who).all()
            logits.append(model.step(np.concatenate([prev, ctx], 1), masks)[0])
        assert (np.abs(logits[0] - logits[1]).max() > 1e-6) == hears


def test_train_learns_the_players_and_generate_plays_as_one(shared_data, tmp_path, capsys):
    names = ("ArtPepper_Anthropology", "ArtPepper_BluesForBlanche", "ArtPepper_Desafinado",
             "KidOry_GotNoBlues", "KidOry_MuskratRamble", "KidOry_SavoyBlues",
             "BixBeiderbecke_Margie")  # a validation tune leaves each player 2 or more
    folder = _copy_solos(shared_data, tmp_path / "solos", names)
    model = tmp_path / "m"
    assert main(["train", str(folder), "--arch", "jazz", "--epochs", "1", "--hidden", "16",
                 "--layers", "1", "--window", "32", "--out", str(model)]) == 0
    config = json.loads((model / "model.json").read_text())["config"]
    assert config["players"] == ["ArtPepper", "KidOry"]  # Bix has one solo here: any player
    capsys.readouterr()
    takes = {}
    for who in ("art pepper", "KidOry", None):
        out = tmp_path / f"{who}.mid"
        args = ["generate", "--model", str(model), "--chords", "C7 | F7 | C7 | G7", "--seed",
                "3", "--out", str(out)]
        assert main(args + (["--player", who] if who else [])) == 0
        import symusic

        solo = next(t for t in symusic.Score(str(out)).tracks if t.name == "Solo")
        takes[who] = solo.notes.numpy()["pitch"].tolist()
    assert len({tuple(v) for v in takes.values()}) == 3, "each player plays its own take"
    capsys.readouterr()
    bad = tmp_path / "bad.mid"
    assert main(["generate", "--model", str(model), "--player", "Nobody", "--out",
                 str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--player" in err and "2 players" in err
    assert not bad.exists()
    assert main(["generate", "--model", "classic", "--player", "KidOry", "--out",
                 str(bad)]) == 2
    assert "jazz model" in capsys.readouterr().err and not bad.exists()
    assert main(["train", str(folder), "--arch", "jazz", "--players", "--no-tempo", "--out",
                 str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--no-tempo" in err and not (tmp_path / "x").exists()
    plain = tmp_path / "plain"
    assert main(["train", str(folder), "--arch", "jazz", "--epochs", "1", "--hidden", "16",
                 "--layers", "1", "--window", "32", "--no-players", "--out", str(plain)]) == 0
    doc = json.loads((plain / "model.json").read_text())
    assert doc["config"]["players"] == [] and "player" not in doc["fields"]


def test_the_tuned_defaults_apply_only_when_no_sampling_option_is_given():
    from jazzsolo.generate_jazz import (
        DEFAULT_CHORD_WEIGHT,
        DEFAULT_DURATION_TEMPERATURE,
        DEFAULT_DURATION_TOP_P,
        DEFAULT_MIN_STEP,
        DEFAULT_PITCH_TEMPERATURE,
        request_sampling,
    )
    from jazzsolo.request import GenerateRequest, SamplingOptions

    plain = request_sampling(GenerateRequest())
    assert plain.pitch.temperature == DEFAULT_PITCH_TEMPERATURE
    assert plain.duration.top_p == DEFAULT_DURATION_TOP_P
    assert plain.duration.temperature == DEFAULT_DURATION_TEMPERATURE
    assert plain.min_step == DEFAULT_MIN_STEP > 0  # the position mask
    assert plain.chord_weight == DEFAULT_CHORD_WEIGHT
    # One head asked for: that head exactly as asked, the other keeps its tuned default.
    own = request_sampling(GenerateRequest(duration_sampling=SamplingOptions(top_p=0.5)))
    assert own.duration.top_p == 0.5 and own.pitch.temperature == DEFAULT_PITCH_TEMPERATURE
    assert own.min_step == 0.0  # the duration head exactly as asked: no mask
    # An option for both heads: exactly what was asked, no tuned default left.
    both = request_sampling(GenerateRequest(sampling=SamplingOptions(temperature=1.2)))
    assert both.pitch.temperature == both.duration.temperature == 1.2
    assert both.pitch.top_p is None and both.duration.top_p is None and both.min_step == 0.0


def test_ornaments_ride_on_the_position_mask_and_are_checked():
    from jazzsolo.cli import build_parser, generate_request
    from jazzsolo.errors import RequestError
    from jazzsolo.generate_jazz import DEFAULT_ORNAMENTS, request_sampling
    from jazzsolo.request import GenerateRequest, SamplingOptions

    assert request_sampling(GenerateRequest()).ornaments == DEFAULT_ORNAMENTS
    asked = request_sampling(GenerateRequest(ornaments=True))
    assert asked.ornaments and asked.min_step > 0
    # With a sampling option there is no mask, so nothing to let ornaments through.
    free = request_sampling(GenerateRequest(ornaments=True,
                                            sampling=SamplingOptions(temperature=1.2)))
    assert not free.ornaments and free.min_step == 0.0
    with pytest.raises(RequestError, match="ornaments must be true or false"):
        GenerateRequest(ornaments="yes").validate()  # type: ignore[arg-type]
    args = build_parser().parse_args(["generate", "--ornaments", "--out", "x.mid"])
    assert generate_request(args).ornaments is True
    assert "ornaments" in GenerateRequest(ornaments=False).jazz_options()
