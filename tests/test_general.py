"""The general mode (issue: any MIDI, many files): detection, folders, cache, training."""

from __future__ import annotations

import json
import shutil

from jazzsolo.cli import main

from .midi_fixtures import write_midi


def _solo_file(path, offset=0):
    melody = [(i * 0.5, 0.5, 60 + (i * 5 + offset) % 12) for i in range(64)]
    chords = [(b * 4.0, 4.0, p) for b in range(8) for p in (48, 52, 55, 58)]
    return write_midi(path, [("Sax", 65, False, melody), ("Piano", 0, False, chords)])


def test_parts_guesses_the_guitar_in_the_classic_file(metheny, capsys):
    assert main(["parts", str(metheny), "--json"]) == 0
    parts = json.loads(capsys.readouterr().out)
    melody = [p["index"] for p in parts if p["role"] == "melody"]
    assert melody == [5] and parts[5]["name"] == "Guitar"
    assert parts[0]["role"] == "harmony"
    assert all(p["role"] == "drums" for p in parts if p["is_drum"])


def test_train_the_classic_file_without_part_options(metheny, tmp_path, capsys, monkeypatch):
    import symusic

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model = tmp_path / "m"
    assert main(["train", str(metheny), "--epochs", "3", "--out", str(model), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["n_files"] == 1 and result["n_values"] > 50
    # The history printed is the one written, and the loss falls epoch after epoch.
    doc = json.loads((model / "model.json").read_text())
    assert doc["history"] == result["history"] and len(result["history"]["loss"]) == 3
    loss = result["history"]["loss"]
    assert loss[0] > loss[1] > loss[2] and result["final_loss"] == loss[-1]
    assert len(doc["vocabulary"]) == result["n_values"]
    assert main(["generate", "--model", str(model), "--out", str(tmp_path / "s.mid")]) == 0
    assert (tmp_path / "s.mid").stat().st_size > 100
    # The solo is played over the model's own changes: inside them, one note at a time.
    score = symusic.Score(str(tmp_path / "s.mid"))
    tpq = score.ticks_per_quarter
    solo = next(t for t in score.tracks if t.name == "Solo").notes.numpy()
    bars = len(doc["chords"]) * doc["source"]["bar_length"]
    assert len(solo["time"]) > 10
    assert (solo["time"][1:] >= solo["time"][:-1] + solo["duration"][:-1]).all()
    assert (solo["time"] + solo["duration"]).max() <= bars * tpq
    assert 48 <= solo["pitch"].min() and solo["pitch"].max() <= 84


def test_folder_corpus_skips_bad_files_and_uses_the_cache(tmp_path, capsys, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    folder = tmp_path / "solos"
    folder.mkdir()
    for k in range(3):
        _solo_file(folder / f"solo{k}.mid", offset=k)
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00")
    write_midi(folder / "drums.mid", [("Kit", 0, True, [(i, 0.5, 36) for i in range(16)])])
    assert main(["corpus", str(folder), "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["n_files"] == 3
    skipped = {s["file"].rsplit("/", 1)[-1] for s in out["skipped"]}
    assert skipped == {"broken.mid", "drums.mid"}
    assert "broken.mid" in captured.err and "2 of 5 files skipped" in captured.err
    assert out["corpus_length"] > 100 and out["n_values"] == len(out["values"])
    entries = list(cache.rglob("*.json"))
    assert len(entries) == 3
    # A second run reads the cache (same answer), and --no-cache gives the same answer too.
    assert main(["corpus", str(folder), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["values"] == out["values"] and again["counts"] == out["counts"]
    shutil.rmtree(cache)
    assert main(["corpus", str(folder), "--json", "--no-cache"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == out["counts"]
    assert not cache.exists()


def test_single_bad_file_is_an_error(tmp_path, capsys):
    drums = write_midi(tmp_path / "drums.mid", [("Kit", 0, True, [(0, 1, 36), (1, 1, 38)])])
    assert main(["corpus", str(drums), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert "drums.mid" in err and len(err.strip().splitlines()) == 1


def test_train_on_a_folder_reports_validation(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "solos"
    folder.mkdir()
    for k in range(6):
        _solo_file(folder / f"solo{k}.mid", offset=k)
    assert main(["train", str(folder), "--epochs", "2", "--out", str(tmp_path / "m"),
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["n_files"] == 6
    assert "final_val_loss" in result and result["final_val_loss"] > 0
    assert len(result["history"]["val_loss"]) == 2 and len(result["history"]["val_accuracy"]) == 2
    assert result["n_validation"] > 0 and result["n_train"] + result["n_validation"] == (
        result["n_examples"])
    assert (tmp_path / "m" / "training.png").exists()


def test_wjazzd_folder_trains_one_epoch(shared_data, tmp_path, capsys, monkeypatch):
    import math
    import re

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = shared_data / "wjazzd" / "midi"
    assert main(["train", str(folder), "--epochs", "1", "--m", "600", "--out",
                 str(tmp_path / "wj")]) == 0
    out = capsys.readouterr().out
    assert "distinct values" in out and "validation loss" in out
    # What the user reads is what the model file holds, and one epoch already beats guessing.
    doc = json.loads((tmp_path / "wj" / "model.json").read_text())
    history, n_values = doc["history"], len(doc["vocabulary"])
    printed = re.search(r"final loss ([\d.]+), accuracy ([\d.]+); validation loss ([\d.]+), "
                        r"accuracy ([\d.]+)", out)
    assert printed, out
    for key, text in zip(("loss", "accuracy", "val_loss", "val_accuracy"), printed.groups(),
                         strict=True):
        assert len(history[key]) == 1 and abs(history[key][0] - float(text)) <= 0.0005, key
    assert f"{n_values} distinct values" in out and n_values > 3000
    uniform = 29 * math.log(n_values)  # the loss of a model that guesses every value equally
    assert history["val_loss"][0] < 0.9 * uniform, (history["val_loss"], uniform)
    assert history["val_accuracy"][0] > 20 / n_values


def test_parts_show_channels_of_a_one_track_file(tmp_path, capsys):
    """Melody and chords on different channels of ONE track (format 0) become two parts."""
    import struct

    def vlq(n):
        out = [n & 0x7F]
        while n > 0x7F:
            n >>= 7
            out.insert(0, (n & 0x7F) | 0x80)
        return bytes(out)

    events = [(0, b"\xc0\x41"), (0, b"\xc1\x00")]  # channel 1 sax, channel 2 piano
    for bar in range(4):
        t = bar * 1920
        for p in (48, 52, 55):
            events.append((t, bytes([0x91, p, 70])))
            events.append((t + 1800, bytes([0x81, p, 0])))
        for i in range(8):
            events.append((t + i * 240, bytes([0x90, 64 + i % 5, 90])))
            events.append((t + i * 240 + 200, bytes([0x80, 64 + i % 5, 0])))
    events.sort(key=lambda e: e[0])
    body, last = b"", 0
    for tick, data in events:
        body += vlq(tick - last) + data
        last = tick
    body += b"\x00\xff\x2f\x00"
    path = tmp_path / "format0.mid"
    path.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk"
                     + struct.pack(">I", len(body)) + body)
    assert main(["parts", str(path), "--json"]) == 0
    parts = json.loads(capsys.readouterr().out)
    assert len(parts) == 2
    by_role = {p["role"]: p for p in parts}
    assert by_role["melody"]["channel"] == 1 and by_role["melody"]["program"] == 65
    assert by_role["harmony"]["channel"] == 2


def test_corpus_of_a_folder_counts_windows_without_building_them(tmp_path, capsys, monkeypatch,
                                                                  window_spy):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "solos"
    folder.mkdir()
    for k in range(3):
        _solo_file(folder / f"solo{k}.mid", offset=k)
    assert main(["corpus", str(folder), "--json", "--tx", "20"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert window_spy == [], "corpus built the training windows only to count them"
    # Every start of a 20-value window inside each piece (windows never span two pieces).
    lengths = [len(line.split()) for line in out["grammar"]]
    assert out["n_files"] == 3 and out["x_shape"] == [out["n_examples"], 20, out["n_values"]]
    assert out["n_examples"] == sum(n - 19 for n in _piece_lengths(out, lengths))


def _piece_lengths(summary, bar_lengths):
    """Values per piece: the bars of the summary's grammar split evenly over its files (the
    three test solos have the same number of bars)."""
    per_piece = len(bar_lengths) // summary["n_files"]
    return [sum(bar_lengths[i * per_piece:(i + 1) * per_piece])
            for i in range(summary["n_files"])]
