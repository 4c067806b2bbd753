"""Resumable training: a run killed with SIGKILL mid-epoch and resumed ends exactly like an
uninterrupted one; the state file round-trips every random state and refuses foreign data."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from jazzsolo.cli import main
from jazzsolo.errors import JazzsoloError
from jazzsolo.training_state import (
    STATE_NAME,
    load_state,
    restore_rngs,
    rng_states,
    save_state,
)

SRC = Path(__file__).resolve().parents[1] / "src"
EPOCHS = 5


def _train_argv(metheny: Path, *extra: str) -> list[str]:
    # 600 windows: 19 batches an epoch, so a kill right after an epoch's state lands mid-epoch.
    return ["train", str(metheny), "--classic", "--m", "600", "--epochs", str(EPOCHS),
            "--seed", "3", "--no-plot", "--json", *extra]


def _run(argv: list[str]) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return json.loads(out.getvalue())


def test_killed_training_resumes_to_the_same_weights_and_history(metheny: Path,
                                                                 tmp_path: Path) -> None:
    reference = _run(_train_argv(metheny, "--out", str(tmp_path / "ref")))

    killed = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.Popen([sys.executable, "-m", "jazzsolo.cli",
                             *_train_argv(metheny, "--out", str(killed))],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    state = killed / STATE_NAME
    try:
        for _ in range(6000):  # bounded: at most ~10 minutes of polling
            if state.exists() or proc.poll() is not None:
                break
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        assert state.exists(), f"no state file appeared: {proc.stderr.read().decode()[-500:]}"
        still_running = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    assert still_running, "the run finished before it could be killed"
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "model.json").exists()  # the final model is written only at the end
    _, info = load_state(killed)
    assert 1 <= info["epoch"] < EPOCHS

    resumed = _run(_train_argv(metheny, "--resume", str(killed)))

    assert resumed["history"] == reference["history"]
    a = load_file(tmp_path / "ref" / "model.safetensors")
    b = load_file(killed / "model.safetensors")
    assert a.keys() == b.keys()
    for name in a:
        assert np.max(np.abs(a[name] - b[name])) <= 1e-6, name
    meta_a = json.loads((tmp_path / "ref" / "model.json").read_text())
    meta_b = json.loads((killed / "model.json").read_text())
    assert meta_a["history"] == meta_b["history"]
    assert not [p.name for p in killed.iterdir() if p.name.startswith(".")]  # no temp files


def test_resume_refuses_other_data_and_a_damaged_state(metheny: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "run"
    argv = ["train", str(metheny), "--classic", "--m", "40", "--epochs", "2", "--no-plot"]
    assert main([*argv, "--out", str(out)]) == 0
    assert main([*argv[:4], "41", *argv[5:], "--resume", str(out)]) == 2  # other --m
    assert "other data or options" in capsys.readouterr().err
    (out / STATE_NAME).write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{\"a\":1}")
    assert main([*argv, "--resume", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and STATE_NAME in err
    assert main([*argv, "--resume", str(tmp_path / "nowhere")]) == 2


def test_rng_states_round_trip(tmp_path: Path) -> None:
    import torch

    generator = np.random.default_rng(7)
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    tensors, info = rng_states(generator)
    save_state(tmp_path, tensors, info)
    expected = (random.random(), np.random.rand(), float(torch.rand(1)), generator.random())
    random.seed(99)
    np.random.seed(99)
    torch.manual_seed(99)
    generator.random(5)
    tensors, info = load_state(tmp_path)
    restore_rngs(tensors, info, generator)
    assert (random.random(), np.random.rand(), float(torch.rand(1)), generator.random()) == \
        expected


def test_load_state_names_the_file_for_foreign_files(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    save_file({"x": np.zeros(2, dtype=np.float32)}, tmp_path / STATE_NAME)
    with pytest.raises(JazzsoloError, match=f"{STATE_NAME}: not a jazzsolo training state"):
        load_state(tmp_path)


@pytest.mark.parametrize("damage", ["epoch", "updates", "history", "model_shape", "adam_shape",
                                    "python_rng", "numpy_rng", "torch_rng", "generator",
                                    "missing", "dtype", "truncated"])
def test_hostile_states_fail_in_one_line(metheny: Path, tmp_path: Path, damage: str,
                                         capsys: pytest.CaptureFixture) -> None:
    from tests.fuzzing import run_cli

    out = tmp_path / "run"
    argv = ["train", str(metheny), "--classic", "--m", "40", "--epochs", "2", "--no-plot"]
    assert main([*argv, "--out", str(out)]) == 0
    tensors, info = load_state(out)
    name = next(k for k in tensors if k.startswith("model."))
    if damage == "epoch":
        info["epoch"] = -1
    elif damage == "updates":
        info["updates"] = "many"
    elif damage == "history":
        info["history"] = {"loss": ["x"]}
    elif damage == "model_shape":
        tensors[name] = np.zeros((3, 3), dtype=np.float32)
    elif damage == "adam_shape":
        tensors["adam.m.0"] = np.zeros(1, dtype=np.float32)
    elif damage == "python_rng":
        tensors["rng.python"] = tensors["rng.python"][:10]
    elif damage == "numpy_rng":
        tensors["rng.numpy"] = np.zeros(3, dtype=np.uint32)
    elif damage == "torch_rng":
        tensors["rng.torch"] = np.zeros(2, dtype=np.uint8)
    elif damage == "generator":
        info["rng"]["generator"] = {"bit_generator": "nope"}
    elif damage == "missing":
        del tensors[name]
    elif damage == "dtype":
        tensors[name] = tensors[name].astype(np.int64)
    info = {k: v for k, v in info.items() if k not in ("format", "version")}
    save_state(out, tensors, info)
    if damage == "truncated":
        state = out / STATE_NAME
        state.write_bytes(state.read_bytes()[:-100])
    outcome = run_cli([*argv, "--resume", str(out)], names=[STATE_NAME])
    assert outcome.kind == "clean", outcome
