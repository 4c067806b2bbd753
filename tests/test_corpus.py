"""The classic pipeline reproduces the reference grammar exactly (SPEC A1-A3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jazzsolo.cli import main
from jazzsolo.corpus import classic_corpus
from jazzsolo.data import build_vocabulary, one_hot_windows, window_starts
from jazzsolo.errors import JazzsoloError
from jazzsolo.grammar import Value, parse_value

from .midi_fixtures import write_midi

CLASSIC_ARGS = ["--melody-part", "5", "--chord-parts", "0,1,6,7", "--start", "476", "--end", "548"]


def _reference(shared_data):
    grammar = (shared_data / "reference" / "metheny_grammar.txt").read_text().splitlines()
    counts = {}
    for line in (shared_data / "reference" / "metheny_values.txt").read_text().splitlines():
        value, count = line.split("\t")
        counts[value] = int(count)
    return grammar, counts


def test_corpus_json_matches_the_reference_exactly(metheny, shared_data, capsys):
    assert main(["corpus", str(metheny), *CLASSIC_ARGS, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    grammar, counts = _reference(shared_data)
    assert out["grammar"] == grammar
    assert out["counts"] == counts
    assert out["values"] == sorted(counts)
    assert out["n_values"] == 90
    assert out["corpus_length"] == 275
    assert out["n_measures"] == 18
    assert out["n_chords"] == 19
    assert out["x_shape"] == [60, 30, 90]
    assert out["y_shape"] == [30, 60, 90]


def test_plain_summary_prints_the_classic_lines(metheny, capsys):
    assert main(["corpus", str(metheny), *CLASSIC_ARGS]) == 0
    out = capsys.readouterr().out
    assert "number of training examples: 60" in out
    assert "total # of unique values: 90" in out
    assert "shape of X: (60, 30, 90)" in out
    assert "shape of Y: (30, 60, 90)" in out
    assert "number of chords: 19" in out


def test_windows_follow_the_classic_layout(metheny):
    corpus = classic_corpus(metheny)
    values = corpus.values
    vocab = build_vocabulary(values)
    x, y = one_hot_windows(values, vocab, m=60, tx=30, seed=0)
    starts = window_starts(len(values), 60, 30, 0)
    assert x.shape == (60, 30, 90) and y.shape == (30, 60, 90)
    assert not x[:, 0].any()
    assert not y[-1].any()
    # Y at step t is X at step t + 1: the target of each step is the next input.
    assert np.array_equal(y[:-1].transpose(1, 0, 2), x[:, 1:])
    # Every row after the first is one-hot, and holds the corpus value at that position.
    i = 7
    for j in range(1, 30):
        assert x[i, j].sum() == 1
        assert vocab[int(x[i, j].argmax())] == values[starts[i] + j]
    # The classic draw: numpy's legacy generator seeded with 0.
    rng = np.random.RandomState(0)
    assert [rng.choice(len(values) - 30) for _ in range(60)] == list(starts)
    assert (starts < len(values) - 30).all()


def test_all_windows_mode_and_small_corpora():
    values = [f"C,0.{i}" for i in range(10)] * 2
    vocab = build_vocabulary(values)
    x, y = one_hot_windows(values, vocab, m=None, tx=5)
    assert x.shape == (16, 5, 10) and y.shape == (5, 16, 10)
    with pytest.raises(JazzsoloError, match="fewer than a window"):
        one_hot_windows(values[:4], vocab, tx=5)


def test_values_parse_and_print_back(metheny):
    for value in classic_corpus(metheny).values:
        assert str(parse_value(value)) == value
    assert parse_value("S,0.250,<m2,P-4>") == Value("S", 0.25, "m2", "P-4")
    with pytest.raises(ValueError):
        parse_value("Q,0.25")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--melody-part", "40"], "no part 40"),
        (["--melody-part", "12"], "drum part"),
        (["--chord-parts", "0,99"], "no part 99"),
        (["--start", "5000", "--end", "5010"], "no notes between"),
        (["--start", "548", "--end", "476"], "before its start"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(metheny, capsys, args, message):
    assert main(["corpus", str(metheny), "--classic", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and str(metheny) in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_bad_files_give_one_line_and_exit_2(tmp_path, metheny, capsys):
    not_midi = tmp_path / "notes.mid"
    not_midi.write_text("hello, not a midi file")
    empty = tmp_path / "empty.mid"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.mid"
    truncated.write_bytes(metheny.read_bytes()[:300])
    no_notes = write_midi(tmp_path / "silent.mid", [("Solo", 0, False, [])])
    cases = {
        not_midi: "not a MIDI file",
        empty: "not a MIDI file",
        truncated: "damaged MIDI file",
        tmp_path / "missing.mid": "no such file",
        tmp_path: "is a directory",
        no_notes: "holds no notes",
    }
    for path, message in cases.items():
        assert main(["corpus", str(path), "--classic"]) == 2
        err = capsys.readouterr().err
        assert message in err and str(path) in err, err
        assert len(err.strip().splitlines()) == 1


def test_unreadable_file(tmp_path, metheny, capsys, monkeypatch):
    import jazzsolo.io

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(jazzsolo.io, "open", refuse, raising=False)
    assert main(["corpus", str(metheny), "--classic"]) == 2
    err = capsys.readouterr().err
    assert "cannot read (Permission denied)" in err and str(metheny) in err


def test_classic_training_reaches_the_classic_loss(metheny):
    """SPEC A4: 100 epochs on the classic windows end with a summed loss of about 9 (<= 10)."""
    from jazzsolo.model import ModelConfig
    from jazzsolo.train import TrainConfig, train

    corpus = classic_corpus(metheny)
    x, y = one_hot_windows(corpus.values, corpus.vocabulary)
    model, history = train(x, y, ModelConfig(90), TrainConfig(epochs=100), progress=False)
    assert model.num_parameters() == 45_530
    assert 125 < history["loss"][0] < 135  # about 29 x ln 90 = 130.5 at the start
    assert history["loss"][-1] <= 10
    assert history["accuracy"][-1] > 0.8
