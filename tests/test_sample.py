"""Generation: greedy (classic) and sampled strategies, seeding, filtering, state continuation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from jazzsolo.errors import JazzsoloError
from jazzsolo.lstm import NumpyLSTM
from jazzsolo.model import ClassicLSTM, ModelConfig
from jazzsolo.sample import (
    SampleConfig,
    SampleState,
    choose,
    make_generator,
    predict_and_sample,
    sample_indices,
)

GREEDY = SampleConfig(strategy="greedy")


@pytest.fixture(scope="module")
def torch_model() -> ClassicLSTM:
    """An untrained model with livelier weights than the initialisation, so that the next-value
    distributions are far from uniform but not one-hot."""
    model = ClassicLSTM(ModelConfig(90), generator=torch.Generator().manual_seed(0))
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        model.dense.weight.mul_(6.0)
        model.dense.bias.copy_(torch.randn(90, generator=generator))
    return model.eval()


@pytest.fixture(scope="module")
def model(torch_model: ClassicLSTM) -> NumpyLSTM:
    return torch_model.to_numpy()


def one_hot(indices: np.ndarray, n: int = 90) -> np.ndarray:
    out = np.zeros((len(indices), n))
    out[np.arange(len(indices)), indices] = 1.0
    return out


def manual_greedy(model: NumpyLSTM, n_steps: int) -> list[int]:
    """The classic inference loop written out: x0 = a0 = c0 = 0, argmax, one-hot back in."""
    x = np.zeros((1, 90))
    state = model.initial_state(1)
    out = []
    for _ in range(n_steps):
        logits, state = model.step(x, state)
        probs = np.exp(logits - logits.max())
        idx = int((probs / probs.sum()).argmax())
        out.append(idx)
        x = one_hot(np.array([idx]))
    return out


def test_greedy_is_the_classic_argmax_loop_and_deterministic(model: NumpyLSTM) -> None:
    indices, _ = sample_indices(model, 50, config=GREEDY)
    again, _ = sample_indices(model, 50, config=SampleConfig(strategy="greedy", seed=99))
    assert indices.shape == (1, 50) and indices.dtype == np.int64
    assert indices[0].tolist() == manual_greedy(model, 50)
    assert np.array_equal(indices, again)
    assert len(set(indices[0].tolist())) > 1


def test_a_torch_model_is_accepted_and_left_alone(
    torch_model: ClassicLSTM, model: NumpyLSTM
) -> None:
    before = {k: v.clone() for k, v in torch_model.state_dict().items()}
    torch_model.train()
    try:
        for config in (GREEDY, SampleConfig(seed=4, top_p=0.9)):
            from_torch, state = sample_indices(torch_model, 40, batch=2, config=config)
            from_numpy, _ = sample_indices(model, 40, batch=2, config=config)
            assert np.array_equal(from_torch, from_numpy)
            assert isinstance(state.h, np.ndarray)
        assert torch_model.training
    finally:
        torch_model.eval()
    after = torch_model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_predict_and_sample_returns_indices_and_one_hot(model: NumpyLSTM) -> None:
    indices, hot = predict_and_sample(model, Ty=50)
    assert indices.shape == (50,) and hot.shape == (50, 90)
    assert hot.dtype == np.float32
    assert np.array_equal(hot.sum(axis=1), np.ones(50))
    assert np.array_equal(hot.argmax(axis=1), indices)
    assert indices.tolist() == manual_greedy(model, 50)


def test_seeded_sampling_is_reproducible_and_seeds_differ(model: NumpyLSTM) -> None:
    a, _ = sample_indices(model, 50, batch=3, config=SampleConfig(seed=5))
    np.random.seed(1234)  # the global RNGs must not matter
    torch.manual_seed(1234)
    b, _ = sample_indices(model, 50, batch=3, config=SampleConfig(seed=5))
    c, _ = sample_indices(model, 50, batch=3, config=SampleConfig(seed=6))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a[0], a[1])  # rows of a batch are independent draws
    assert a.min() >= 0 and a.max() < 90


def test_sampling_leaves_the_global_rngs_alone(model: NumpyLSTM) -> None:
    torch_before = torch.random.get_rng_state()
    numpy_before = np.random.get_state()
    sample_indices(model, 20, config=SampleConfig(seed=1))
    sample_indices(model, 20, config=SampleConfig(seed=None))
    assert torch.equal(torch.random.get_rng_state(), torch_before)
    after = np.random.get_state()
    assert after[0] == numpy_before[0] and np.array_equal(after[1], numpy_before[1])


def test_a_seed_of_none_is_nondeterministic(model: NumpyLSTM) -> None:
    config = SampleConfig(seed=None)
    draws = {sample_indices(model, 30, config=config)[0].tobytes() for _ in range(3)}
    assert len(draws) > 1


def test_sampling_differs_from_greedy(model: NumpyLSTM) -> None:
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
def test_degenerate_sampling_equals_greedy(model: NumpyLSTM, config: SampleConfig) -> None:
    greedy, _ = sample_indices(model, 50, batch=2, config=GREEDY)
    sampled, _ = sample_indices(model, 50, batch=2, config=config)
    assert np.array_equal(sampled, greedy)


def test_choose_keeps_to_top_k_and_top_p() -> None:
    probs = np.array([0.05, 0.5, 0.15, 0.3])
    logits = np.broadcast_to(np.log(probs), (4000, 4))
    generator = make_generator(SampleConfig(seed=0))
    picks = choose(logits, SampleConfig(top_k=2), generator)
    assert picks.dtype == np.int64 and picks.shape == (4000,)
    assert set(picks.tolist()) == {1, 3}
    frequencies = np.bincount(picks, minlength=4) / len(picks)
    assert np.allclose(frequencies, [0, 0.5 / 0.8, 0, 0.3 / 0.8], atol=0.03)
    picks = choose(logits, SampleConfig(top_p=0.75), generator)
    assert set(picks.tolist()) == {1, 3}
    picks = choose(logits, SampleConfig(top_p=0.85), generator)
    assert set(picks.tolist()) == {1, 2, 3}
    picks = choose(logits, SampleConfig(), generator)
    frequencies = np.bincount(picks, minlength=4) / len(picks)
    assert np.allclose(frequencies, probs, atol=0.03)
    hot = choose(logits, SampleConfig(temperature=3.0), generator)
    assert np.bincount(hot, minlength=4)[0] > np.bincount(picks, minlength=4)[0]


def test_choose_never_picks_a_zero_probability_value() -> None:
    logits = np.full((20000, 6), -np.inf)
    logits[:, [1, 4]] = 0.0
    picks = choose(logits, SampleConfig(), make_generator(SampleConfig(seed=2)))
    assert set(picks.tolist()) == {1, 4}


def test_choose_uses_one_draw_per_row() -> None:
    logits = np.log(np.array([[0.2, 0.3, 0.5]] * 5))
    for config in (SampleConfig(), SampleConfig(top_k=2), SampleConfig(top_p=0.6)):
        generator = make_generator(config)
        choose(logits, config, generator)
        expected = make_generator(config)
        expected.random(5)
        assert generator.random() == expected.random()


def test_ties_break_towards_the_lowest_index_like_argmax() -> None:
    logits = np.zeros((3, 5))
    logits[:, 2] = 1.0
    logits[:, 4] = 1.0
    generator = make_generator(SampleConfig(seed=0))
    assert choose(logits, GREEDY, None).tolist() == [2, 2, 2]
    assert choose(logits, SampleConfig(top_k=1), generator).tolist() == [2, 2, 2]
    assert choose(logits, SampleConfig(top_p=1e-6), generator).tolist() == [2, 2, 2]


def test_choose_rejects_bad_logits() -> None:
    with pytest.raises(JazzsoloError, match="logits must have shape"):
        choose(np.zeros(5), GREEDY, None)


@pytest.mark.parametrize("config", [SampleConfig(seed=8, top_k=10), GREEDY])
def test_state_continues_a_sequence(model: NumpyLSTM, config: SampleConfig) -> None:
    whole, whole_state = sample_indices(
        model, 50, batch=2, config=config, generator=make_generator(config)
    )
    generator = make_generator(config)
    first, state = sample_indices(model, 20, batch=2, config=config, generator=generator)
    rest, end_state = sample_indices(model, 30, config=config, state=state, generator=generator)
    assert np.array_equal(np.concatenate([first, rest], axis=1), whole)
    assert np.allclose(end_state.h, whole_state.h) and np.allclose(end_state.c, whole_state.c)
    assert np.array_equal(end_state.x, one_hot(whole[:, -1]))


def test_x0_overrides_the_first_input(model: NumpyLSTM) -> None:
    zeros, zeros_state = sample_indices(model, 1, config=GREEDY, x0=np.zeros(90, np.float32))
    default, default_state = sample_indices(model, 1, config=GREEDY)
    assert np.array_equal(zeros, default)
    assert np.array_equal(zeros_state.h, default_state.h)
    x0 = np.zeros((1, 90), dtype=np.float32)
    x0[0, 7] = 1.0
    other, other_state = sample_indices(model, 1, config=GREEDY, x0=x0)
    logits, (h, _) = model.step(x0)
    assert np.allclose(other_state.h, h)
    assert other[0, 0] == int(logits.argmax())
    assert not np.allclose(other_state.h, default_state.h)
    with pytest.raises(JazzsoloError, match="x0 must have shape"):
        sample_indices(model, 10, batch=2, config=GREEDY, x0=np.zeros((3, 90)))
    with pytest.raises(JazzsoloError, match="x0 must have shape"):
        sample_indices(model, 10, batch=2, config=GREEDY, x0=np.zeros(89))


def test_zero_steps_returns_an_empty_array(model: NumpyLSTM) -> None:
    indices, state = sample_indices(model, 0, batch=4)
    assert indices.shape == (4, 0)
    assert isinstance(state, SampleState)
    assert state.h.shape == (4, 64) and state.x.shape == (4, 90)


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


def test_invalid_arguments_raise(model: NumpyLSTM) -> None:
    with pytest.raises(JazzsoloError, match="n_steps"):
        sample_indices(model, -1)
    with pytest.raises(JazzsoloError, match="batch"):
        sample_indices(model, 5, batch=0)
    with pytest.raises(JazzsoloError, match="expected a NumpyLSTM or a ClassicLSTM, got dict"):
        sample_indices({"dense.weight": np.zeros((90, 64))}, 5)
