"""Training: the classic Keras loss, the decayed Adam schedule, seeded determinism, history and
progress. Data is a small synthetic Markov corpus in the classic window layout."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pytest
import torch

from jazzsolo.errors import JazzsoloError
from jazzsolo.model import ClassicLSTM, ModelConfig
from jazzsolo.train import (
    TrainConfig,
    evaluate,
    learning_rate,
    sequence_loss,
    train,
    windows_to_tensors,
)


def markov_windows(n_values: int = 90, m: int = 60, tx: int = 30, seed: int = 0):
    """Classic-layout windows (X (m, Tx, n), Y (Tx, m, n)) cut from a 275-value corpus in which
    each value is followed by one of two fixed successors: learnable, like a real solo corpus."""
    rng = np.random.default_rng(seed)
    successors = rng.integers(0, n_values, size=(n_values, 2))
    corpus = [int(rng.integers(n_values))]
    while len(corpus) < 275:
        corpus.append(int(successors[corpus[-1], rng.integers(2)]))
    X = np.zeros((m, tx, n_values), dtype=np.float32)
    Y = np.zeros((tx, m, n_values), dtype=np.float32)
    for i in range(m):
        start = int(rng.integers(len(corpus) - tx))
        window = corpus[start : start + tx]
        for j in range(1, tx):
            X[i, j, window[j]] = 1.0
            Y[j - 1, i, window[j]] = 1.0
    return X, Y


QUICK = TrainConfig(epochs=3)


def test_loss_sums_cross_entropy_over_steps_and_ignores_all_zero_targets() -> None:
    torch.manual_seed(0)
    logits = torch.randn(4, 6, 5)
    labels = torch.randint(0, 5, (4, 6))
    targets = torch.nn.functional.one_hot(labels, 5).float()
    targets[:, -1] = 0.0  # classic: the last target row is all zeros
    loss, hits, counted = sequence_loss(logits, targets)
    per_step = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, 5), labels[:, :-1].reshape(-1), reduction="none"
    ).reshape(4, 5)
    assert torch.allclose(loss, per_step.sum(dim=1).mean(), atol=1e-5)
    assert int(counted) == 4 * 5
    expected_hits = (logits[:, :-1].argmax(-1) == labels[:, :-1]).sum()
    assert int(hits) == int(expected_hits)


def test_initial_loss_is_near_29_ln_90() -> None:
    X, Y = markov_windows()
    model = ClassicLSTM(ModelConfig(90), generator=torch.Generator().manual_seed(0))
    loss, accuracy = evaluate(model, X, Y)
    assert abs(loss - 29 * math.log(90)) < 3.0
    assert 0.0 <= accuracy < 0.2


def test_training_makes_the_loss_fall_a_lot() -> None:
    X, Y = markov_windows()
    model, history = train(X, Y, ModelConfig(90), TrainConfig(epochs=60), progress=False)
    assert len(history["loss"]) == 60
    assert history["loss"][0] > 100
    assert history["loss"][-1] < 0.25 * history["loss"][0]
    assert history["accuracy"][-1] > 0.7
    final_loss, final_accuracy = evaluate(model, X, Y)
    assert final_loss < 0.3 * history["loss"][0]
    assert not model.training


def test_same_seed_gives_identical_weights_and_other_seed_differs() -> None:
    X, Y = markov_windows()
    a, history_a = train(X, Y, ModelConfig(90), QUICK, progress=False)
    b, history_b = train(X, Y, ModelConfig(90), QUICK, progress=False)
    c, _ = train(X, Y, ModelConfig(90), TrainConfig(epochs=3, seed=1), progress=False)
    for name, tensor in a.state_dict().items():
        assert torch.equal(tensor, b.state_dict()[name]), name
    assert history_a == history_b
    assert not torch.equal(a.dense.weight, c.dense.weight)


def test_training_leaves_global_rngs_and_thread_count_alone() -> None:
    X, Y = markov_windows()
    torch_state = torch.random.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()
    threads = torch.get_num_threads()
    train(X, Y, ModelConfig(90), TrainConfig(epochs=1, num_threads=1), progress=False)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    assert torch.get_num_threads() == threads


def test_learning_rate_schedule_is_keras_inverse_time_decay() -> None:
    config = TrainConfig()
    assert learning_rate(config, 0) == 0.01
    assert learning_rate(config, 7) == pytest.approx(0.01 / 1.07)
    assert learning_rate(config, 200) == pytest.approx(0.01 / 3)
    X, Y = markov_windows()
    _, history = train(X, Y, ModelConfig(90), QUICK, progress=False)
    # 60 windows in batches of 32: two updates per epoch
    assert history["lr"] == pytest.approx([0.01 / 1.02, 0.01 / 1.04, 0.01 / 1.06])


def test_the_decayed_rate_is_what_the_optimizer_uses() -> None:
    X, Y = markov_windows(m=8)
    init = ClassicLSTM(ModelConfig(90), generator=torch.Generator().manual_seed(0))
    one, _ = train(X, Y, ModelConfig(90), TrainConfig(epochs=1, batch_size=8), progress=False)
    # Adam's first step moves every weight with a gradient by lr * g / (|g| + eps) ~ lr
    step = (one.dense.weight - init.dense.weight).detach().abs().max()
    assert float(step) == pytest.approx(0.01, rel=1e-3)
    # with a huge decay the second update is ~0: two epochs end where one epoch did
    frozen = TrainConfig(epochs=2, batch_size=8, decay=1e6)
    two, _ = train(X, Y, ModelConfig(90), frozen, progress=False)
    no_decay = TrainConfig(epochs=2, batch_size=8, decay=0.0)
    moving, _ = train(X, Y, ModelConfig(90), no_decay, progress=False)
    assert torch.allclose(two.dense.weight, one.dense.weight, atol=1e-7)
    assert (moving.dense.weight - one.dense.weight).abs().max() > 1e-3


def test_validation_split_is_seeded_and_recorded() -> None:
    X, Y = markov_windows()
    config = TrainConfig(epochs=2, val_fraction=0.2)
    _, history = train(X, Y, ModelConfig(90), config, progress=False)
    _, again = train(X, Y, ModelConfig(90), config, progress=False)
    assert set(history) == {"loss", "accuracy", "lr", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in history.values())
    assert history == again
    _, plain = train(X, Y, ModelConfig(90), TrainConfig(epochs=2), progress=False)
    assert "val_loss" not in plain


def test_progress_callback_gets_every_epoch() -> None:
    X, Y = markov_windows()
    calls = []
    train(X, Y, ModelConfig(90), QUICK, progress=lambda e, n, logs: calls.append((e, n, logs)))
    assert [(e, n) for e, n, _ in calls] == [(1, 3), (2, 3), (3, 3)]
    assert set(calls[0][2]) == {"loss", "accuracy", "lr"}


def test_progress_line_only_on_a_terminal(capsys, monkeypatch) -> None:
    X, Y = markov_windows(m=4)
    config = TrainConfig(epochs=3)
    train(X, Y, ModelConfig(90), config, progress=True)  # pytest's stderr is not a TTY
    train(X, Y, ModelConfig(90), config, progress=False)
    assert capsys.readouterr().err == ""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    train(X, Y, ModelConfig(90), config, progress=True)
    text = terminal.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert "epoch 3/3" in text.split("\r")[-1] and "loss" in text and "acc" in text


def test_bad_inputs_raise_jazzsolo_errors() -> None:
    X, Y = markov_windows(m=4)
    with pytest.raises(JazzsoloError, match="needs Y of shape"):
        windows_to_tensors(X, Y.transpose(1, 0, 2), 90)
    with pytest.raises(JazzsoloError, match="90"):
        train(X, Y, ModelConfig(91), QUICK, progress=False)
    with pytest.raises(JazzsoloError, match="3-D"):
        train(X[0], Y, ModelConfig(90), QUICK, progress=False)
    with pytest.raises(JazzsoloError, match="at least 2 training windows"):
        train(X[:1], Y[:, :1], ModelConfig(90), TrainConfig(val_fraction=0.5), progress=False)
    with pytest.raises(JazzsoloError, match="progress"):
        train(X, Y, ModelConfig(90), QUICK, progress="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [{"epochs": 0}, {"batch_size": 0}, {"lr": 0.0}, {"lr": float("nan")}, {"beta1": 1.0},
     {"decay": -1.0}, {"val_fraction": 1.0}, {"num_threads": 0}, {"epochs": 2.5}],
)
def test_train_config_validation(kwargs: dict) -> None:
    with pytest.raises(JazzsoloError, match="TrainConfig") as info:
        TrainConfig(**kwargs)
    assert "\n" not in str(info.value)
