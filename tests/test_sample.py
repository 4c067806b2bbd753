"""Generation: greedy (classic) and sampled strategies, seeding, filtering, state continuation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jazzsolo.errors import JazzsoloError
from jazzsolo.model import ClassicLSTM, ModelConfig
from jazzsolo.sample import (
    SampleConfig,
    choose,
    make_generator,
    predict_and_sample,
    sample_indices,
)

GREEDY = SampleConfig(strategy="greedy")


@pytest.fixture(scope="module")
def model() -> ClassicLSTM:
    """An untrained model with livelier weights than the initialisation, so that the next-value
    distributions are far from uniform but not one-hot."""
    model = ClassicLSTM(ModelConfig(90), generator=torch.Generator().manual_seed(0))
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        model.dense.weight.mul_(6.0)
        model.dense.bias.copy_(torch.randn(90, generator=generator))
    return model.eval()


def manual_greedy(model: ClassicLSTM, n_steps: int) -> list[int]:
    """The classic inference loop written out: x0 = a0 = c0 = 0, argmax, one-hot back in."""
    x = torch.zeros(1, 90)
    state = model.initial_state(1)
    out = []
    with torch.no_grad():
        for _ in range(n_steps):
            logits, state = model.step(x, state)
            idx = int(torch.softmax(logits, dim=-1).argmax())
            out.append(idx)
            x = torch.nn.functional.one_hot(torch.tensor([idx]), 90).float()
    return out


def test_greedy_is_the_classic_argmax_loop_and_deterministic(model: ClassicLSTM) -> None:
    indices, _ = sample_indices(model, 50, config=GREEDY)
    again, _ = sample_indices(model, 50, config=SampleConfig(strategy="greedy", seed=99))
    assert indices.shape == (1, 50) and indices.dtype == np.int64
    assert indices[0].tolist() == manual_greedy(model, 50)
    assert np.array_equal(indices, again)


def test_predict_and_sample_returns_indices_and_one_hot(model: ClassicLSTM) -> None:
    indices, one_hot = predict_and_sample(model, Ty=50)
    assert indices.shape == (50,) and one_hot.shape == (50, 90)
    assert one_hot.dtype == np.float32
    assert np.array_equal(one_hot.sum(axis=1), np.ones(50))
    assert np.array_equal(one_hot.argmax(axis=1), indices)
    assert indices.tolist() == manual_greedy(model, 50)


def test_seeded_sampling_is_reproducible_and_seeds_differ(model: ClassicLSTM) -> None:
    a, _ = sample_indices(model, 50, batch=3, config=SampleConfig(seed=5))
    torch.manual_seed(1234)  # the global RNG must not matter
    b, _ = sample_indices(model, 50, batch=3, config=SampleConfig(seed=5))
    c, _ = sample_indices(model, 50, batch=3, config=SampleConfig(seed=6))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a[0], a[1])  # rows of a batch are independent draws
    assert a.min() >= 0 and a.max() < 90


def test_sampling_leaves_the_global_rng_alone(model: ClassicLSTM) -> None:
    before = torch.random.get_rng_state()
    sample_indices(model, 20, config=SampleConfig(seed=1))
    assert torch.equal(torch.random.get_rng_state(), before)


def test_sampling_differs_from_greedy(model: ClassicLSTM) -> None:
    greedy, _ = sample_indices(model, 50, config=GREEDY)
    sampled, _ = sample_indices(model, 50, config=SampleConfig(seed=0))
    assert not np.array_equal(greedy, sampled)


@pytest.mark.parametrize(
    "config",
    [
        SampleConfig(top_k=1, seed=3),
        SampleConfig(top_p=1e-9, seed=3),
        SampleConfig(temperature=1e-6, seed=3),
        SampleConfig(temperature=5.0, top_k=1, top_p=0.9, seed=3),
    ],
)
def test_degenerate_sampling_equals_greedy(model: ClassicLSTM, config: SampleConfig) -> None:
    greedy, _ = sample_indices(model, 50, batch=2, config=GREEDY)
    sampled, _ = sample_indices(model, 50, batch=2, config=config)
    assert np.array_equal(sampled, greedy)


def test_choose_keeps_to_top_k_and_top_p() -> None:
    probs = torch.tensor([0.05, 0.5, 0.15, 0.3])
    logits = probs.log().expand(4000, 4)
    generator = torch.Generator().manual_seed(0)
    picks = choose(logits, SampleConfig(top_k=2), generator)
    assert set(picks.tolist()) == {1, 3}
    picks = choose(logits, SampleConfig(top_p=0.75), generator)
    assert set(picks.tolist()) == {1, 3}
    picks = choose(logits, SampleConfig(top_p=0.85), generator)
    assert set(picks.tolist()) == {1, 2, 3}
    picks = choose(logits, SampleConfig(), generator)
    frequencies = np.bincount(picks.numpy(), minlength=4) / len(picks)
    assert np.allclose(frequencies, probs.numpy(), atol=0.03)
    hot = choose(logits, SampleConfig(temperature=3.0), generator)
    assert np.bincount(hot.numpy(), minlength=4)[0] > np.bincount(picks.numpy(), minlength=4)[0]


def test_ties_break_towards_the_lowest_index_like_argmax() -> None:
    logits = torch.zeros(3, 5)
    logits[:, 2] = 1.0
    logits[:, 4] = 1.0
    generator = torch.Generator().manual_seed(0)
    assert choose(logits, GREEDY, None).tolist() == [2, 2, 2]
    assert choose(logits, SampleConfig(top_k=1), generator).tolist() == [2, 2, 2]
    assert choose(logits, SampleConfig(top_p=1e-6), generator).tolist() == [2, 2, 2]


@pytest.mark.parametrize("config", [SampleConfig(seed=8, top_k=10), GREEDY])
def test_state_continues_a_sequence(model: ClassicLSTM, config: SampleConfig) -> None:
    whole, whole_state = sample_indices(
        model, 50, batch=2, config=config, generator=make_generator(config)
    )
    generator = make_generator(config)
    first, state = sample_indices(model, 20, batch=2, config=config, generator=generator)
    rest, end_state = sample_indices(model, 30, config=config, state=state, generator=generator)
    assert np.array_equal(np.concatenate([first, rest], axis=1), whole)
    assert torch.allclose(end_state.h, whole_state.h) and torch.allclose(end_state.c, whole_state.c)
    assert torch.equal(end_state.x, torch.nn.functional.one_hot(torch.from_numpy(whole[:, -1]), 90)
                       .float())


def test_x0_overrides_the_first_input(model: ClassicLSTM) -> None:
    zeros, zeros_state = sample_indices(model, 1, config=GREEDY, x0=np.zeros(90, np.float32))
    default, default_state = sample_indices(model, 1, config=GREEDY)
    assert np.array_equal(zeros, default)
    assert torch.equal(zeros_state.h, default_state.h)
    x0 = np.zeros((1, 90), dtype=np.float32)
    x0[0, 7] = 1.0
    other, other_state = sample_indices(model, 1, config=GREEDY, x0=x0)
    with torch.no_grad():
        logits, (h, _) = model.step(torch.from_numpy(x0))
    assert torch.allclose(other_state.h, h)
    assert other[0, 0] == int(logits.argmax())
    assert not torch.allclose(other_state.h, default_state.h)
    with pytest.raises(JazzsoloError, match="x0 must have shape"):
        sample_indices(model, 10, batch=2, config=GREEDY, x0=np.zeros((3, 90)))
    with pytest.raises(JazzsoloError, match="x0 must have shape"):
        sample_indices(model, 10, batch=2, config=GREEDY, x0=np.zeros(89))


def test_model_mode_is_restored(model: ClassicLSTM) -> None:
    model.train()
    try:
        sample_indices(model, 3)
        assert model.training
    finally:
        model.eval()


def test_zero_steps_returns_an_empty_array(model: ClassicLSTM) -> None:
    indices, state = sample_indices(model, 0, batch=4)
    assert indices.shape == (4, 0)
    assert state.h.shape == (4, 64)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"temperature": 0.0}, "temperature must be > 0"),
        ({"temperature": -1.0}, "temperature must be > 0"),
        ({"temperature": float("nan")}, "temperature must be > 0"),
        ({"top_k": 0}, "top_k"),
        ({"top_k": 2.5}, "top_k"),
        ({"top_k": True}, "top_k"),
        ({"top_p": 0.0}, "top_p"),
        ({"top_p": 1.5}, "top_p"),
        ({"strategy": "beam"}, "strategy must be one of"),
        ({"seed": "x"}, "seed"),
    ],
)
def test_invalid_configs_raise(kwargs: dict, message: str) -> None:
    with pytest.raises(JazzsoloError, match=message) as info:
        SampleConfig(**kwargs)
    assert "\n" not in str(info.value) and "SampleConfig" in str(info.value)


def test_invalid_arguments_raise(model: ClassicLSTM) -> None:
    with pytest.raises(JazzsoloError, match="n_steps"):
        sample_indices(model, -1)
    with pytest.raises(JazzsoloError, match="batch"):
        sample_indices(model, 5, batch=0)
