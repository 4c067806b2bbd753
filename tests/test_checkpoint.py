"""Checkpoints: round trip, atomic saving, and a one-line JazzsoloError for every corruption."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from jazzsolo import checkpoint
from jazzsolo.checkpoint import load_checkpoint, load_for_inference, save_checkpoint
from jazzsolo.errors import JazzsoloError
from jazzsolo.lstm import NumpyLSTM
from jazzsolo.model import ClassicLSTM, ModelConfig
from jazzsolo.train import TrainConfig

VOCAB = [f"C,0.{i:03d}" for i in range(90)]
LOADERS = [
    pytest.param(load_checkpoint, id="torch"),
    pytest.param(load_for_inference, id="numpy"),
]


def make_model(seed: int = 0, n_values: int = 90) -> ClassicLSTM:
    return ClassicLSTM(ModelConfig(n_values), generator=torch.Generator().manual_seed(seed))


def save(tmp_path: Path, name: str = "ckpt", model: ClassicLSTM | None = None) -> Path:
    meta = {
        "training": TrainConfig(epochs=2),
        "history": {"loss": [130.1, 90.5], "accuracy": np.array([0.0, 0.25])},
        "chords": [[{"start": 0.0, "duration": 4.0, "pitches": [62, 65, 69, 72],
                     "symbol": None}]],
        "source": {"files": ["original_metheny.mid"]},
    }
    return save_checkpoint(tmp_path / name, model or make_model(), VOCAB, meta)


def entries(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def test_round_trip_gives_the_same_model_and_metadata(tmp_path: Path) -> None:
    model = make_model()
    path = save(tmp_path, model=model)
    assert entries(path) == ["model.json", "model.safetensors"]
    loaded, meta = load_checkpoint(path)
    x = torch.randn(3, 30, 90)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
    assert not loaded.training
    assert loaded.config == ModelConfig(90, 64)
    assert meta["format"] == "jazzsolo-classic-lstm" and meta["format_version"] == 1
    assert meta["config"] == {"n_values": 90, "n_a": 64}
    assert meta["vocabulary"] == VOCAB
    assert meta["training"] == asdict(TrainConfig(epochs=2))
    assert meta["history"] == {"loss": [130.1, 90.5], "accuracy": [0.0, 0.25]}
    assert meta["chords"][0][0]["pitches"] == [62, 65, 69, 72]
    assert meta["source"] == {"files": ["original_metheny.mid"]}
    assert set(load_file(path / "model.safetensors")) == set(model.state_dict())


def test_load_for_inference_gives_the_same_model_and_metadata(tmp_path: Path) -> None:
    model = make_model(3)
    path = save(tmp_path, model=model)
    loaded, meta = load_for_inference(path)
    _, torch_meta = load_checkpoint(path)
    assert isinstance(loaded, NumpyLSTM)
    assert loaded.config == model.config
    assert meta == torch_meta
    saved = load_file(path / "model.safetensors")
    for name, array in loaded.tensors().items():
        assert np.array_equal(array, saved[name].numpy().astype(np.float64))
    x = np.zeros((2, 90), dtype=np.float32)
    x[0, 5] = x[1, 40] = 1.0
    logits, (h, c) = loaded.step(x)
    with torch.no_grad():
        expected, (eh, ec) = model.step(torch.from_numpy(x))
    assert np.allclose(logits, expected.numpy(), atol=1e-5)
    assert np.allclose(h, eh.numpy(), atol=1e-6) and np.allclose(c, ec.numpy(), atol=1e-6)


@pytest.mark.parametrize("load", LOADERS)
def test_either_file_path_is_accepted(tmp_path: Path, load) -> None:
    path = save(tmp_path)
    for name in ("model.json", "model.safetensors"):
        _, meta = load(path / name)
        assert meta["vocabulary"] == VOCAB


def test_saving_over_a_checkpoint_replaces_it(tmp_path: Path) -> None:
    path = save(tmp_path, model=make_model(0))
    (path / "notes.txt").write_text("kept")
    newer = make_model(1)
    save(tmp_path, model=newer)
    loaded, _ = load_checkpoint(path)
    assert torch.equal(loaded.dense.weight, newer.dense.weight)
    assert entries(path) == ["model.json", "model.safetensors", "notes.txt"]


def test_nested_directories_are_created(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path / "runs" / "a" / "ckpt", make_model(), VOCAB, {})
    _, meta = load_checkpoint(path)
    assert meta["training"] == {} and meta["history"] == {}


def test_a_loaded_meta_can_be_saved_again(tmp_path: Path) -> None:
    model, meta = load_checkpoint(save(tmp_path))
    again = save_checkpoint(tmp_path / "copy", model, meta["vocabulary"], meta)
    _, meta_again = load_checkpoint(again)
    assert meta_again["chords"] == meta["chords"]
    assert meta_again["save_id"] != meta["save_id"]


# -- failed saves leave nothing behind ---------------------------------------------------------


def test_unserialisable_meta_fails_before_touching_the_disk(tmp_path: Path) -> None:
    with pytest.raises(JazzsoloError, match="not JSON data") as info:
        save_checkpoint(tmp_path / "a" / "ckpt", make_model(), VOCAB, {"source": object()})
    assert "\n" not in str(info.value)
    assert entries(tmp_path) == []


@pytest.mark.parametrize(
    "vocabulary, message",
    [(VOCAB[:-1], "vocabulary has 89 values but the weights expect 90"),
     (VOCAB[:-1] + [VOCAB[0]], "appears more than once"),
     ("abc", "must be a list")],
)
def test_bad_vocabulary_is_refused_at_save(tmp_path: Path, vocabulary, message: str) -> None:
    with pytest.raises(JazzsoloError, match=message):
        save_checkpoint(tmp_path / "ckpt", make_model(), vocabulary, {})
    assert entries(tmp_path) == []


def test_a_crash_while_writing_weights_leaves_no_partial_directory(tmp_path, monkeypatch) -> None:
    def broken_save_file(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint, "save_file", broken_save_file)
    with pytest.raises(JazzsoloError, match="disk full"):
        save_checkpoint(tmp_path / "deep" / "ckpt", make_model(), VOCAB, {})
    assert entries(tmp_path) == []


def test_a_crash_while_overwriting_keeps_the_old_checkpoint(tmp_path, monkeypatch) -> None:
    path = save(tmp_path, model=make_model(0))

    def broken_save_file(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint, "save_file", broken_save_file)
    with pytest.raises(KeyboardInterrupt):
        save(tmp_path, model=make_model(1))
    assert entries(path) == ["model.json", "model.safetensors"]
    loaded, _ = load_checkpoint(path)
    assert torch.equal(loaded.dense.weight, make_model(0).dense.weight)


def test_saving_onto_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "ckpt"
    target.write_text("not a directory")
    with pytest.raises(JazzsoloError, match="not a directory"):
        save_checkpoint(target, make_model(), VOCAB, {})


# -- every corruption is a one-line JazzsoloError -------------------------------------------


def edit_json(path: Path, change) -> None:
    doc = json.loads((path / "model.json").read_text())
    change(doc)
    (path / "model.json").write_text(json.dumps(doc))


def edit_tensors(path: Path, change) -> None:
    """Rewrite model.safetensors with changed tensors, keeping its metadata (save_id)."""
    from safetensors import safe_open

    with safe_open(path / "model.safetensors", framework="pt") as handle:
        metadata = handle.metadata()
    tensors = load_file(path / "model.safetensors")
    change(tensors)
    save_file(tensors, path / "model.safetensors", metadata=metadata)


def truncate(path: Path) -> None:
    data = (path / "model.safetensors").read_bytes()
    (path / "model.safetensors").write_bytes(data[: len(data) // 2])


def nan_weight(tensors: dict) -> None:
    tensors["dense.bias"][3] = float("nan")


CORRUPTIONS = {
    "missing json": (lambda p: (p / "model.json").unlink(), "model.json: missing"),
    "missing weights": (
        lambda p: (p / "model.safetensors").unlink(),
        "model.safetensors: missing",
    ),
    "truncated weights": (truncate, "model.safetensors: not a readable safetensors file"),
    "empty weights": (
        lambda p: (p / "model.safetensors").write_bytes(b""),
        "model.safetensors: not a readable safetensors file",
    ),
    "random bytes weights": (
        lambda p: (p / "model.safetensors").write_bytes(np.random.default_rng(0).bytes(4096)),
        "model.safetensors: not a readable safetensors file",
    ),
    "json not json": (
        lambda p: (p / "model.json").write_text('{"format": "jazzsolo-'),
        "model.json: not valid JSON",
    ),
    "random bytes json": (
        lambda p: (p / "model.json").write_bytes(b"\xff\xfe\x00garbage\x80"),
        "model.json: not UTF-8 text",
    ),
    "json list": (lambda p: (p / "model.json").write_text("[1, 2]"), "must hold a JSON object"),
    "wrong format": (
        lambda p: edit_json(p, lambda d: d.update(format="keras-h5")),
        "format is 'keras-h5', expected 'jazzsolo-classic-lstm'",
    ),
    "future version": (
        lambda p: edit_json(p, lambda d: d.update(format_version=2)),
        "format_version 2 is not supported",
    ),
    "missing key": (lambda p: edit_json(p, lambda d: d.pop("history")), "missing key 'history'"),
    "vocabulary not a list": (
        lambda p: edit_json(p, lambda d: d.update(vocabulary="C,0.250")),
        "'vocabulary' must be a JSON array, got string",
    ),
    "vocabulary too short": (
        lambda p: edit_json(p, lambda d: d["vocabulary"].pop()),
        "model.json: vocabulary has 89 values but the weights expect 90",
    ),
    "vocabulary duplicate": (
        lambda p: edit_json(p, lambda d: d["vocabulary"].__setitem__(5, d["vocabulary"][4])),
        "vocabulary value 'C,0.004' appears more than once",
    ),
    "vocabulary non-string": (
        lambda p: edit_json(p, lambda d: d["vocabulary"].__setitem__(5, 5)),
        "vocabulary entry 5 is 5, not a string",
    ),
    "config unknown key": (
        lambda p: edit_json(p, lambda d: d["config"].update(n_layers=2)),
        "config has unknown key 'n_layers'",
    ),
    "config bad size": (
        lambda p: edit_json(p, lambda d: d["config"].update(n_a="64")),
        "config n_a must be a positive integer",
    ),
    "config disagrees with weights": (
        lambda p: edit_json(p, lambda d: (d["config"].update(n_a=32))),
        "tensor 'lstm.weight_ih_l0' has shape (256, 90) but the config",
    ),
    "history not numbers": (
        lambda p: edit_json(p, lambda d: d["history"].update(loss="low")),
        "history 'loss' must be a list of numbers",
    ),
    "wrong tensor shape": (
        lambda p: edit_tensors(p, lambda t: t.update({"dense.bias": torch.zeros(91)})),
        "tensor 'dense.bias' has shape (91,) but the config (n_values=90, n_a=64) expects (90,)",
    ),
    "missing tensor": (
        lambda p: edit_tensors(p, lambda t: t.pop("dense.bias")),
        "missing tensor 'dense.bias'",
    ),
    "extra tensor": (
        lambda p: edit_tensors(p, lambda t: t.update({"lstm.bias_hh_l0": torch.zeros(256)})),
        "unexpected tensor 'lstm.bias_hh_l0'",
    ),
    "integer tensor": (
        lambda p: edit_tensors(p, lambda t: t.update({"dense.bias": torch.zeros(90, dtype=int)})),
        "tensor 'dense.bias' has dtype I64, expected one of F16, F32, F64",
    ),
    "bfloat16 tensor": (
        lambda p: edit_tensors(p, lambda t: t.update({"dense.bias": t["dense.bias"].bfloat16()})),
        "tensor 'dense.bias' has dtype BF16, expected one of F16, F32, F64",
    ),
    "nan weight": (lambda p: edit_tensors(p, nan_weight), "contains NaN or infinite values"),
    "files from two saves": (
        lambda p: edit_json(p, lambda d: d.update(save_id="0" * 32)),
        "save_id does not match model.safetensors",
    ),
}


@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_corruption_raises_a_one_line_error_naming_the_file(
    tmp_path: Path, name: str, load
) -> None:
    path = save(tmp_path)
    corrupt, message = CORRUPTIONS[name]
    corrupt(path)
    with pytest.raises(JazzsoloError) as info:
        load(path)
    text = str(info.value)
    assert "\n" not in text
    assert message in text
    assert str(path) in text


@pytest.mark.parametrize("load", LOADERS)
@pytest.mark.parametrize("dtype", [torch.float16, torch.float64])
def test_other_float_widths_load_as_float32(tmp_path: Path, load, dtype) -> None:
    model = make_model(4)
    path = save(tmp_path, model=model)
    edit_tensors(path, lambda t: t.update({k: v.to(dtype) for k, v in t.items()}))
    loaded, _ = load(path)
    weights = loaded.tensors() if isinstance(loaded, NumpyLSTM) else loaded.state_dict()
    expected = model.dense.weight.detach().to(dtype).float().numpy()
    assert np.array_equal(np.asarray(weights["dense.weight"], dtype=np.float32), expected)


@pytest.mark.parametrize("load", LOADERS)
def test_missing_or_wrong_directory(tmp_path: Path, load) -> None:
    with pytest.raises(JazzsoloError, match="checkpoint directory does not exist"):
        load(tmp_path / "nowhere")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(JazzsoloError, match="not a checkpoint directory"):
        load(tmp_path / "file.txt")


def test_other_model_sizes_round_trip(tmp_path: Path) -> None:
    model = ClassicLSTM(ModelConfig(12, 5), generator=torch.Generator().manual_seed(2))
    vocabulary = [f"C,0.{i:03d}" for i in range(12)]
    loaded, meta = load_checkpoint(save_checkpoint(tmp_path / "small", model, vocabulary, {}))
    assert loaded.config == ModelConfig(12, 5)
    assert torch.equal(loaded.lstm.weight_hh_l0, model.lstm.weight_hh_l0)
    light, _ = load_for_inference(tmp_path / "small")
    assert light.config == ModelConfig(12, 5)
    expected = model.lstm.weight_hh_l0.detach().numpy()
    assert np.array_equal(light.tensors()["lstm.weight_hh_l0"], expected)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["vocabulary"].__setitem__(0, "hello"), "not a grammar value"),
        (lambda d: d["vocabulary"].__setitem__(0, "C,0.250,<foo,bar>"), "not a grammar value"),
        (lambda d: d["vocabulary"].__setitem__(0, "C,inf"), "bad duration"),
        (lambda d: d.__setitem__("chords", [[{"start": "x", "duration": 4}]]), "'start'"),
        (lambda d: d.__setitem__("chords", [[{"duration": 4}]]), "'start'"),
        (lambda d: d.__setitem__("chords", [[{"start": 0, "duration": 4, "symbol": "Hx9"}]]),
         "Hx9"),
        (lambda d: d.__setitem__("chords", [[{"start": 0, "duration": 4, "pitches": [200]}]]),
         "MIDI numbers"),
        (lambda d: d.__setitem__("source", "a string"), "'source'"),
    ],
)
def test_malformed_vocabulary_or_chords_are_one_line_errors(tmp_path: Path, change, message):
    path = save(tmp_path)
    doc = json.loads((path / "model.json").read_text())
    change(doc)
    (path / "model.json").write_text(json.dumps(doc))
    for loader in (load_checkpoint, load_for_inference):
        with pytest.raises(JazzsoloError, match=message) as info:
            loader(path)
        assert "model.json" in str(info.value) and "\n" not in str(info.value)
