"""Torch-free generation: NumpyLSTM equals the torch model, and `jazzsolo generate` never loads
torch (checked in fresh processes, since this test process has torch loaded already)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from jazzsolo.errors import JazzsoloError
from jazzsolo.lstm import ModelConfig, NumpyLSTM, numpy_model, tensor_shapes
from jazzsolo.model import ClassicLSTM

HEAVY = ("torch", "matplotlib", "midirenderer")


def random_model(seed: int, n_values: int = 90, n_a: int = 64, scale: float = 0.3) -> ClassicLSTM:
    """A model with random normal weights everywhere, biases included (the trained model's
    weights have a standard deviation of 0.2 to 0.45)."""
    model = ClassicLSTM(ModelConfig(n_values, n_a))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * scale)
    return model.eval()


def largest_step_difference(model: ClassicLSTM, light: NumpyLSTM, batch: int) -> float:
    """Run both models 50 steps (a dense first input, then each row's argmax fed back as a
    one-hot) and return the largest difference in logits or h, or in c relative to its size
    (c is not squashed and grows to about 50 in the trained model, where float32 keeps only
    about 5 decimals)."""
    n_values = model.config.n_values
    dtype = model.dense.weight.dtype
    x = np.random.default_rng(0).random((batch, n_values))
    state, light_state = model.initial_state(batch), light.initial_state(batch)
    worst = 0.0
    for _ in range(50):
        with torch.no_grad():
            logits, state = model.step(torch.from_numpy(x).to(dtype), state)
        light_logits, light_state = light.step(x, light_state)
        assert light_logits.shape == (batch, n_values) and light_logits.dtype == np.float64
        (h, c), (light_h, light_c) = state, light_state
        c_scale = max(1.0, float(np.abs(light_c).max()))
        worst = max(
            worst,
            float(np.abs(light_logits - logits.numpy()).max()),
            float(np.abs(light_h - h.numpy()).max()),
            float(np.abs(light_c - c.numpy()).max()) / c_scale,
        )
        x = np.zeros((batch, n_values))
        x[np.arange(batch), light_logits.argmax(axis=1)] = 1.0
    assert float(np.abs(light_state[1]).max()) > 0.1, "the state must not be trivially zero"
    return worst


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def generate_in_a_process(out: Path, *args: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "jazzsolo.cli", "generate", "--out", str(out), *args],
        cwd=out.parent, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(out)]
    return out.read_bytes()


# -- the numpy model ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed, n_values, n_a, batch", [(0, 90, 64, 3), (1, 90, 64, 1),
                                                      (2, 12, 5, 2)])
def test_numpy_step_equals_torch_step_over_50_steps(
    seed: int, n_values: int, n_a: int, batch: int
) -> None:
    model = random_model(seed, n_values, n_a)
    light = model.to_numpy()
    assert isinstance(light, NumpyLSTM) and light.config == model.config
    assert largest_step_difference(model, light, batch) < 1e-5


def test_numpy_step_equals_the_bundled_model_in_torch() -> None:
    from jazzsolo.checkpoint import load_checkpoint, load_for_inference
    from jazzsolo.generate import classic_model_dir

    model, _ = load_checkpoint(classic_model_dir())
    light, _ = load_for_inference(classic_model_dir())
    assert largest_step_difference(model, light, 4) < 1e-5


def test_numpy_step_is_the_same_arithmetic_as_torch_in_float64() -> None:
    """With torch in float64 too the two agree to rounding: same equations, same gate order."""
    model = random_model(3, scale=0.6)
    light = model.to_numpy()
    assert largest_step_difference(model.double(), light, 3) < 1e-10


def test_numpy_step_defaults_to_the_zero_state() -> None:
    light = random_model(1).to_numpy()
    x = np.eye(90)[[3, 7]]
    a, (h, c) = light.step(x)
    b, (h2, c2) = light.step(x, light.initial_state(2))
    assert np.array_equal(a, b) and np.array_equal(h, h2) and np.array_equal(c, c2)
    assert light.initial_state(2)[0].shape == (2, 64)


def test_huge_gates_do_not_overflow() -> None:
    tensors = {name: np.zeros(shape) for name, shape in tensor_shapes(ModelConfig(4, 3)).items()}
    tensors["lstm.weight_ih_l0"][:] = 1e6
    tensors["lstm.weight_ih_l0"][3:6] = -1e6  # forget gate far negative
    tensors["dense.weight"][:] = 1.0
    light = NumpyLSTM.from_tensors(tensors)
    with np.errstate(all="raise"):
        logits, (h, c) = light.step(np.ones((1, 4)))
    assert np.allclose(c, 1.0) and np.allclose(h, np.tanh(1.0)) and np.isfinite(logits).all()


def test_from_tensors_and_tensors_round_trip() -> None:
    model = random_model(2, 12, 5)
    tensors = {k: v.numpy() for k, v in model.state_dict().items()}
    light = NumpyLSTM.from_tensors(tensors)
    assert light.config == ModelConfig(12, 5)
    back = light.tensors()
    assert set(back) == set(tensors)
    assert all(np.array_equal(back[k], tensors[k].astype(np.float64)) for k in tensors)
    assert numpy_model(light) is light


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.pop("dense.bias"), "missing tensor 'dense.bias'"),
        (lambda t: t.pop("dense.weight"), "missing tensor 'dense.weight'"),
        (lambda t: t.update(extra=np.zeros(3)), "unexpected tensor 'extra'"),
        (lambda t: t.update({"lstm.bias_ih_l0": np.zeros(7)}), "'lstm.bias_ih_l0' has shape"),
        (lambda t: t.update({"dense.weight": np.zeros(7)}), "'dense.weight' has shape (7,)"),
    ],
)
def test_from_tensors_rejects_bad_tensors(change, message: str) -> None:
    tensors = {name: np.zeros(shape) for name, shape in tensor_shapes(ModelConfig(6, 4)).items()}
    change(tensors)
    with pytest.raises(JazzsoloError, match=message.replace("(", r"\(").replace(")", r"\)")):
        NumpyLSTM.from_tensors(tensors)


def test_numpy_model_rejects_other_objects() -> None:
    with pytest.raises(JazzsoloError, match="expected a NumpyLSTM or a ClassicLSTM, got str"):
        numpy_model("model.safetensors")


# -- the command, in fresh processes -----------------------------------------------------------


def test_generate_never_imports_torch_or_the_renderers(tmp_path: Path) -> None:
    code = f"""
import sys
import jazzsolo.cli
runs = [
    ["generate", "--out", "a.mid"],
    ["generate", "--out", "b.mid", "--sampling", "greedy", "--mode", "course"],
    ["generate", "--out", "c.mid", "--progression", "blues-f", "--bass", "--top-p", "0.9",
     "--num-outputs", "2"],
]
for argv in runs:
    assert jazzsolo.cli.main(argv) == 0, argv
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
assert not heavy, heavy
import jazzsolo.checkpoint, jazzsolo.sample, jazzsolo.lstm, jazzsolo.generate
assert "torch" not in sys.modules
print("clean")
"""
    done = run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "clean"
    written = sorted(p.name for p in tmp_path.glob("*.mid"))
    assert written == ["a.mid", "b.mid", "c-1.mid", "c-2.mid"]


def test_the_torch_loader_still_works_in_a_fresh_process(tmp_path: Path) -> None:
    code = """
import sys
from jazzsolo.checkpoint import load_checkpoint
from jazzsolo.generate import classic_model_dir
assert "torch" not in sys.modules
model, meta = load_checkpoint(classic_model_dir())
assert "torch" in sys.modules and not model.training
print(type(model).__name__, len(meta["vocabulary"]))
"""
    done = run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "ClassicLSTM"


def test_same_seed_same_bytes_across_processes_and_seeds_differ(tmp_path: Path) -> None:
    first = generate_in_a_process(tmp_path / "first.mid", "--seed", "11")
    second = generate_in_a_process(tmp_path / "second.mid", "--seed", "11")
    other = generate_in_a_process(tmp_path / "other.mid", "--seed", "12")
    assert len(first) > 200
    assert first == second
    assert first != other


def test_the_bundled_model_gives_the_same_solo_in_and_out_of_process(tmp_path: Path) -> None:
    from jazzsolo.cli import main

    out = tmp_path / "here.mid"
    assert main(["generate", "--out", str(out), "--seed", "3", "--top-k", "20"]) == 0
    there = generate_in_a_process(tmp_path / "there.mid", "--seed", "3", "--top-k", "20")
    assert out.read_bytes() == there
