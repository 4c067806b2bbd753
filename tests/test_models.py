"""The model table: formats that loading dispatches on, and the bundled models."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from jazzsolo.checkpoint import load_for_inference
from jazzsolo.errors import JazzsoloError
from jazzsolo.models import BUNDLED, FORMATS, ModelFormat, model_directory, register_format


def test_every_bundled_model_loads_and_says_what_it_learned():
    from jazzsolo.models import JAZZ_FORMAT
    from jazzsolo.models.jazz_format import format_of, load_jazz_for_inference

    assert "classic" in BUNDLED
    for model in BUNDLED.values():
        assert model.trained_on
        if format_of(model.directory) == JAZZ_FORMAT:  # the jazz model has its own reader
            jazz, meta = load_jazz_for_inference(model.directory)
            assert meta["trained_on"]["solos"] > 0 and jazz.config.n_pitch > 12
            continue
        light, meta = load_for_inference(model.directory)
        assert meta["format"] in FORMATS
        assert len(meta["vocabulary"]) == light.config.n_values


def test_names_and_directories():
    from jazzsolo.models import DEFAULT_MODEL

    # The default is the jazz model once it ships, else the classic one.
    assert DEFAULT_MODEL == ("jazz" if "jazz" in BUNDLED else "classic")
    assert model_directory("default") == BUNDLED[DEFAULT_MODEL].directory
    assert model_directory("classic") == BUNDLED["classic"].directory
    assert str(model_directory("some/dir")) == "some/dir"


def test_loading_picks_the_format_from_the_table(tmp_path, monkeypatch):
    model = tmp_path / "model"
    shutil.copytree(BUNDLED["classic"].directory, model)
    doc = json.loads((model / "model.json").read_text())
    doc["format"] = "someone-elses-lstm"
    (model / "model.json").write_text(json.dumps(doc))
    with pytest.raises(JazzsoloError, match="format is 'someone-elses-lstm'"):
        load_for_inference(model)

    # Registering the name under the classic module makes the same file loadable (the weights
    # file still says the classic format, which the loader reports).
    monkeypatch.setitem(FORMATS, "someone-elses-lstm", FORMATS["jazzsolo-classic-lstm"])
    with pytest.raises(JazzsoloError, match="model.safetensors: format is 'jazzsolo-classic-lstm'"):
        load_for_inference(model)


def test_register_format_adds_a_loadable_name(monkeypatch):
    monkeypatch.setattr("jazzsolo.models.FORMATS", dict(FORMATS))
    import jazzsolo.models

    register_format(ModelFormat("jazzsolo-test-lstm", "jazzsolo.models.classic"))
    assert jazzsolo.models.FORMATS["jazzsolo-test-lstm"].load().NumpyLSTM
    assert "jazzsolo-test-lstm" not in FORMATS


def test_the_numpy_twin_imports_without_torch():
    code = ("import sys; from jazzsolo.models.classic import NumpyLSTM, tensor_shapes; "
            "import jazzsolo.models; print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_the_torch_twin_uses_a_public_lstm_and_keeps_the_keras_tensors():
    import torch

    from jazzsolo.models.classic import ClassicLSTM, KerasLSTM, ModelConfig, tensor_shapes

    model = ClassicLSTM(ModelConfig(12, 8), generator=torch.Generator().manual_seed(0))
    assert isinstance(model.lstm, KerasLSTM)
    assert all(isinstance(k, torch.nn.LSTM) for k in model.lstm.kernels.values())
    assert {n: tuple(t.shape) for n, t in model.state_dict().items()} == tensor_shapes(
        model.config)
    assert model.format in FORMATS
