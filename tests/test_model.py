"""The classic LSTM: Keras parameter count and initialisation, and its two execution paths
(fused sequence forward, explicit per-step cell) computing the same thing as nn.LSTMCell."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from jazzsolo.errors import JazzsoloError
from jazzsolo.model import ClassicLSTM, ModelConfig, keras_parameter_count


def make_model(n_values: int = 90, n_a: int = 64, seed: int = 0) -> ClassicLSTM:
    return ClassicLSTM(ModelConfig(n_values, n_a), generator=torch.Generator().manual_seed(seed))


def reference_cell_loop(model: ClassicLSTM, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor):
    """The classic code shape: nn.LSTMCell + nn.Linear unrolled in Python, weights copied over
    (Keras' single bias goes to bias_ih, bias_hh is zero)."""
    n_a = model.config.n_a
    cell = nn.LSTMCell(model.config.n_values, n_a)
    dense = nn.Linear(n_a, model.config.n_values)
    with torch.no_grad():
        cell.weight_ih.copy_(model.lstm.weight_ih_l0)
        cell.weight_hh.copy_(model.lstm.weight_hh_l0)
        cell.bias_ih.copy_(model.lstm.bias_ih_l0)
        cell.bias_hh.zero_()
        dense.weight.copy_(model.dense.weight)
        dense.bias.copy_(model.dense.bias)
        outputs = []
        for t in range(x.shape[1]):
            h, c = cell(x[:, t], (h, c))
            outputs.append(dense(h))
    return torch.stack(outputs, dim=1), h, c


def test_parameter_count_matches_keras() -> None:
    model = make_model()
    assert model.num_parameters() == 45_530
    assert keras_parameter_count(90, 64) == 45_530
    assert sum(p.numel() for p in model.parameters()) == 45_530
    small = make_model(10, 8).num_parameters()
    assert small == keras_parameter_count(10, 8) == 4 * 8 * 18 + 32 + 90


def test_single_lstm_bias_is_kept_out_of_parameters_and_state_dict() -> None:
    model = make_model()
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "lstm.weight_ih_l0",
        "lstm.weight_hh_l0",
        "lstm.bias_ih_l0",
        "dense.weight",
        "dense.bias",
    ]
    assert list(model.state_dict()) == names
    assert torch.count_nonzero(model.lstm.bias_hh_l0) == 0


def test_keras_initialisation() -> None:
    model = make_model()
    n, n_a = 90, 64
    bias = model.lstm.bias_ih_l0.detach()
    assert torch.all(bias[n_a : 2 * n_a] == 1.0)  # unit_forget_bias
    assert torch.count_nonzero(bias[:n_a]) == 0 and torch.count_nonzero(bias[2 * n_a :]) == 0
    limit = math.sqrt(6 / (n + 4 * n_a))
    w_ih = model.lstm.weight_ih_l0.detach()
    assert w_ih.abs().max() <= limit and w_ih.abs().max() > 0.9 * limit
    assert abs(float(w_ih.std()) - limit / math.sqrt(3)) < 0.05 * limit
    w_hh = model.lstm.weight_hh_l0.detach()
    assert torch.allclose(w_hh.t() @ w_hh, torch.eye(n_a), atol=1e-5)
    dense_limit = math.sqrt(6 / (n + n_a))
    assert model.dense.weight.abs().max() <= dense_limit
    assert torch.count_nonzero(model.dense.bias) == 0


def test_seeded_initialisation_is_reproducible_and_leaves_global_rng_alone() -> None:
    before = torch.random.get_rng_state()
    a, b, c = make_model(seed=3), make_model(seed=3), make_model(seed=4)
    assert torch.equal(torch.random.get_rng_state(), before)
    for name, tensor in a.state_dict().items():
        assert torch.equal(tensor, b.state_dict()[name])
    assert not torch.equal(a.lstm.weight_ih_l0, c.lstm.weight_ih_l0)


@pytest.mark.parametrize("with_state", [False, True])
def test_forward_equals_step_loop_equals_lstmcell_loop(with_state: bool) -> None:
    torch.manual_seed(0)
    model = make_model(n_values=12, n_a=7)
    with torch.no_grad():  # make every bias matter, not just the forget gate's
        model.lstm.bias_ih_l0.uniform_(-0.5, 0.5)
        model.dense.bias.uniform_(-0.5, 0.5)
    x = torch.randn(5, 9, 12)
    if with_state:
        h0, c0 = torch.randn(5, 7), torch.randn(5, 7)
    else:
        h0, c0 = model.initial_state(5)
    with torch.no_grad():
        fused = model(x, (h0, c0)) if with_state else model(x)
        state = (h0, c0)
        stepped = []
        for t in range(x.shape[1]):
            logits, state = model.step(x[:, t], state)
            stepped.append(logits)
        stepped = torch.stack(stepped, dim=1)
    reference, h_ref, c_ref = reference_cell_loop(model, x, h0, c0)
    assert fused.shape == (5, 9, 12)
    assert torch.allclose(fused, stepped, atol=1e-5)
    assert torch.allclose(stepped, reference, atol=1e-5)
    assert torch.allclose(state[0], h_ref, atol=1e-5)
    assert torch.allclose(state[1], c_ref, atol=1e-5)


def test_step_from_none_starts_at_zero_state() -> None:
    model = make_model()
    x = torch.zeros(2, 90)
    with torch.no_grad():
        a, _ = model.step(x)
        b, _ = model.step(x, model.initial_state(2))
        fused = model(x.unsqueeze(1))[:, 0]
    assert torch.equal(a, b)
    assert torch.allclose(a, fused, atol=1e-6)


def test_classic_shapes_and_gradients_flow() -> None:
    model = make_model()
    x = torch.zeros(60, 30, 90)
    x[:, 1:, 3] = 1.0
    logits = model(x)
    assert logits.shape == (60, 30, 90)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("kwargs", [{"n_values": 0}, {"n_values": 90, "n_a": -1},
                                    {"n_values": 2.5}, {"n_values": True}])
def test_model_config_rejects_bad_sizes(kwargs: dict) -> None:
    with pytest.raises(JazzsoloError, match="ModelConfig"):
        ModelConfig(**kwargs)


def test_forward_ids_equals_forward_on_one_hot_inputs_and_gradients():
    import torch

    from jazzsolo.model import ClassicLSTM, ModelConfig

    n = 300
    model = ClassicLSTM(ModelConfig(n), generator=torch.Generator().manual_seed(1))
    ids = torch.randint(0, n + 1, (4, 12), generator=torch.Generator().manual_seed(2))
    ids[:, 0] = n  # the empty first input
    eye = torch.cat([torch.eye(n), torch.zeros(1, n)])
    a = model(eye[ids])
    b = model.forward_ids(ids)
    assert torch.allclose(a, b, atol=1e-5)
    a.square().sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    b.square().sum().backward()
    for g, p in zip(grads, model.parameters(), strict=True):
        assert torch.allclose(g, p.grad, atol=1e-4), p.shape
