"""Training the classic model: the Keras loss, Adam with the Keras 2 learning-rate decay, history.

The loss is the classic multi-output Keras loss: categorical cross-entropy of every time step,
SUMMED over the Tx steps and averaged over the batch. A step whose target row is all zeros (the
last step of every classic window) contributes exactly 0, as in Keras. Adam's learning rate decays
per update as ``lr / (1 + decay * t)`` (Keras 2's legacy ``decay``), ``t`` = updates done so far.
Everything random (initial weights, shuffling, validation split) comes from ``seed`` through
private generators, so the same seed gives bit-identical weights and the global RNGs are untouched.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from .distributed import DistContext, ParallelStep
from .errors import JazzsoloError
from .models.classic import ClassicLSTM, ModelConfig
from .training_state import (
    Progress,
    ProgressCallback,
    RunOptions,
    StateFolders,
    fingerprint,
    load_state,
    restore_rngs,
    rng_states,
    save_state,
    state_path,
)

LOOKUP_ABOVE = 256  # vocabularies larger than this train through ClassicLSTM.forward_ids
MIN_WINDOWS_FOR_VALIDATION = 10  # fewer windows than this: a default split is skipped


@dataclass(frozen=True)
class TrainConfig:
    """Training options; the defaults are the classic ones (Keras ``fit`` batch size 32).

    ``num_threads`` is the torch thread count used while training (restored afterwards); one
    thread is fastest for the classic model size on a small CPU (see benchmarks/bench_train.py);
    None leaves torch's setting alone.
    """

    epochs: int = 100
    batch_size: int = 32
    lr: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    decay: float = 0.01
    seed: int = 0
    val_fraction: float = 0.0
    num_threads: int | None = 1

    def __post_init__(self) -> None:
        problems = []
        if not _is_int(self.epochs) or self.epochs < 1:
            problems.append(f"epochs must be an integer >= 1, got {self.epochs!r}")
        if not _is_int(self.batch_size) or self.batch_size < 1:
            problems.append(f"batch_size must be an integer >= 1, got {self.batch_size!r}")
        if not _is_finite(self.lr) or self.lr <= 0:
            problems.append(f"lr must be > 0, got {self.lr!r}")
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if not _is_finite(value) or not 0 <= value < 1:
                problems.append(f"{name} must be in [0, 1), got {value!r}")
        if not _is_finite(self.decay) or self.decay < 0:
            problems.append(f"decay must be >= 0, got {self.decay!r}")
        if not _is_int(self.seed):
            problems.append(f"seed must be an integer, got {self.seed!r}")
        if not _is_finite(self.val_fraction) or not 0 <= self.val_fraction < 1:
            problems.append(f"val_fraction must be in [0, 1), got {self.val_fraction!r}")
        if self.num_threads is not None and (not _is_int(self.num_threads) or self.num_threads < 1):
            problems.append(f"num_threads must be None or >= 1, got {self.num_threads!r}")
        if problems:
            raise JazzsoloError("TrainConfig: " + "; ".join(problems))


def learning_rate(config: TrainConfig, updates: int) -> float:
    """Learning rate of the next update after ``updates`` updates: lr / (1 + decay * updates)."""
    return config.lr / (1.0 + config.decay * updates)


class KerasAdam:
    """Adam exactly as Keras 2 writes it, with its legacy per-update ``decay``.

    Update t (counting from 1) uses lr_t = lr / (1 + decay (t - 1)) * sqrt(1 - b2^t) / (1 - b1^t)
    and p -= lr_t * m / (sqrt(v) + 1e-7). Written here rather than torch.optim.Adam because
    creating any torch.optim optimizer imports torch._dynamo, which costs seconds per process.
    """

    epsilon = 1e-7

    def __init__(self, params: list[Tensor], config: TrainConfig) -> None:
        self.params = params
        self.config = config
        self.updates = 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    @property
    def lr(self) -> float:
        """The decayed learning rate the next update will use (before bias correction)."""
        return learning_rate(self.config, self.updates)

    def zero_grad(self) -> None:
        """Forget the gradients of the last update."""
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """Apply one Adam update with the current gradients."""
        b1, b2 = self.config.beta1, self.config.beta2
        t = self.updates + 1
        lr_t = self.lr * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
        for p, m, v in zip(self.params, self.m, self.v, strict=True):
            if p.grad is None:
                continue
            g = p.grad
            m.mul_(b1).add_(g, alpha=1.0 - b1)
            v.mul_(b2).addcmul_(g, g, value=1.0 - b2)
            p.addcdiv_(m, v.sqrt().add_(self.epsilon), value=-lr_t)
        self.updates = t


def make_optimizer(model: torch.nn.Module, config: TrainConfig) -> KerasAdam:
    """The classic optimizer (Keras 2 Adam with decay) over the model's trainable parameters."""
    return KerasAdam([p for p in model.parameters() if p.requires_grad], config)


def windows_to_tensors(X: np.ndarray, Y: np.ndarray, n_values: int) -> tuple[Tensor, Tensor]:
    """Check the classic window arrays (X (m, Tx, n), Y (Tx, m, n) time-major) and return float32
    tensors x, y both batch-major (m, Tx, n)."""
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 3 or Y.ndim != 3:
        raise JazzsoloError(
            f"train: X and Y must be 3-D (m, Tx, n) and (Tx, m, n), got {X.shape} and {Y.shape}"
        )
    m, tx, n = X.shape
    if (Y.shape[1], Y.shape[0], Y.shape[2]) != (m, tx, n):
        raise JazzsoloError(
            f"train: Y has shape {Y.shape} but X {X.shape} needs Y of shape {(tx, m, n)}"
        )
    if n != n_values:
        raise JazzsoloError(f"train: the windows have {n} values but the model has {n_values}")
    if m < 1 or tx < 1:
        raise JazzsoloError(f"train: no training windows (X has shape {X.shape})")
    x = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    y = torch.from_numpy(np.ascontiguousarray(Y.transpose(1, 0, 2), dtype=np.float32))
    if not (torch.isfinite(x).all() and torch.isfinite(y).all()):
        raise JazzsoloError("train: X or Y contains NaN or infinite values")
    return x, y


def sequence_loss(logits: Tensor, targets: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Classic Keras loss for logits and one-hot targets (batch, T, n): cross-entropy summed over
    T, mean over the batch; all-zero target rows add 0. Also returns (correct, counted) for the
    accuracy over the steps that have a target."""
    ids = torch.where(
        targets.sum(-1) > 0,
        targets.argmax(-1),
        torch.full_like(targets[..., 0], -1, dtype=torch.long),
    )
    return id_loss(logits, ids.long())


def id_loss(logits: Tensor, targets: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The classic loss for target ids (batch, T) where -1 means "no target": cross-entropy
    summed over T, mean over the batch; also (correct, counted) for the accuracy."""
    n = logits.shape[-1]
    loss = (
        torch.nn.functional.cross_entropy(
            logits.reshape(-1, n), targets.reshape(-1), ignore_index=-1, reduction="sum"
        )
        / targets.shape[0]
    )
    has_target = targets >= 0
    with torch.no_grad():
        hits = (logits.argmax(-1) == targets) & has_target
    return loss, hits.sum(), has_target.sum()


def evaluate(model: ClassicLSTM, X: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    """(summed loss, accuracy) of a model on classic windows X (m, Tx, n), Y (Tx, m, n)."""
    x, y = windows_to_tensors(X, Y, model.config.n_values)
    inputs, targets = one_hot_to_ids(x, y)
    eye = torch.cat([torch.eye(model.config.n_values), torch.zeros(1, model.config.n_values)])
    return _evaluate_ids(model, inputs, targets, eye)


def train(
    X: np.ndarray,
    Y: np.ndarray,
    model_config: ModelConfig,
    train_config: TrainConfig | None = None,
    progress: Progress = True,
    state: StateFolders | None = None,
    dist: DistContext | None = None,
) -> tuple[ClassicLSTM, dict[str, list[float]]]:
    """Train a fresh classic model on windows X (m, Tx, n), Y (Tx, m, n); returns the model (in
    eval mode) and the per-epoch history: loss, accuracy, lr (+ val_loss, val_accuracy).

    ``progress``: True shows a one-line display on stderr when it is a terminal, False shows
    nothing, a callable is called as ``progress(epoch, epochs, logs)`` after every epoch.
    ``state``: as in :func:`train_ids`.
    """
    x, y = windows_to_tensors(X, Y, model_config.n_values)
    inputs, targets = one_hot_to_ids(x, y)
    return train_ids(inputs, targets, model_config, train_config, state=state,
                     run=RunOptions(progress=progress, dist=dist))


def one_hot_to_ids(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """One-hot windows (m, Tx, n) as value ids: an all-zero input becomes id n (the empty
    input), an all-zero target becomes -1 (no target)."""
    n = x.shape[-1]
    inputs = torch.where(
        x.sum(-1) > 0, x.argmax(-1), torch.full_like(x[..., 0], n, dtype=torch.long)
    )
    targets = torch.where(
        y.sum(-1) > 0, y.argmax(-1), torch.full_like(y[..., 0], -1, dtype=torch.long)
    )
    return inputs.long(), targets.long()


def _batch_loss(
    model: ClassicLSTM, inputs: Tensor, targets: Tensor, eye: Tensor
) -> tuple[Tensor, Tensor, Tensor]:
    """The classic loss (cross-entropy summed over steps, mean over the batch) on id windows;
    inputs are never held as (m, Tx, n) one-hot floats. Large vocabularies look the input
    gates up (``forward_ids``); small ones use the one-hot product, the classic computation."""
    if model.config.n_values > LOOKUP_ABOVE:
        logits = model.forward_ids(inputs)
    else:
        logits = model(eye[inputs])
    return id_loss(logits, targets)


def train_ids(
    inputs: Tensor | np.ndarray,
    targets: Tensor | np.ndarray,
    model_config: ModelConfig,
    train_config: TrainConfig | None = None,
    validation: tuple[Tensor | np.ndarray, Tensor | np.ndarray] | None = None,
    state: StateFolders | None = None,
    run: RunOptions | None = None,
) -> tuple[ClassicLSTM, dict[str, list[float]]]:
    """Train on windows of value ids (m, Tx): ``inputs`` use id n_values for the empty first
    input, ``targets`` use -1 for "no target". Same loss, schedule and history as :func:`train`.
    ``validation`` (inputs, targets) replaces the random ``val_fraction`` split (e.g. whole
    pieces held out). ``state.save``: a folder where the state is saved after every epoch;
    ``state.resume``: a folder holding such a state, continued (same data, options) to ``epochs``.
    ``run``: its ``progress`` as in :func:`train`; its ``dist``
    (jazzsolo.distributed) trains on its device, data-parallel under torchrun; the returned
    model is on the CPU. Its other fields are :func:`train_corpus`'s.
    """
    run = run or RunOptions()
    config = train_config if train_config is not None else TrainConfig()
    inputs = torch.as_tensor(np.asarray(inputs), dtype=torch.long)
    targets = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    n = model_config.n_values
    if inputs.ndim != 2 or inputs.shape != targets.shape or inputs.shape[0] < 1:
        raise JazzsoloError(f"train: bad id windows {tuple(inputs.shape)} / {tuple(targets.shape)}")
    if int(inputs.max()) > n or int(inputs.min()) < 0 or int(targets.max()) >= n:
        raise JazzsoloError(f"train: value ids out of range for {n} values")
    eye = torch.cat([torch.eye(n), torch.zeros(1, n)])
    rng = np.random.default_rng(config.seed)
    if validation is None:
        train_idx, val_idx = _split(inputs.shape[0], config.val_fraction, rng)
        x_train, y_train = inputs[train_idx], targets[train_idx]
        x_val, y_val = inputs[val_idx], targets[val_idx]
    else:
        x_train, y_train = inputs, targets
        x_val = torch.as_tensor(np.asarray(validation[0]), dtype=torch.long)
        y_val = torch.as_tensor(np.asarray(validation[1]), dtype=torch.long)
        val_idx = torch.arange(x_val.shape[0])

    ctx = run.dist if run.dist is not None else DistContext()
    model = ClassicLSTM(model_config, generator=torch.Generator().manual_seed(config.seed))
    model.to(ctx.device)
    eye, x_train, y_train, x_val, y_val = (
        t.to(ctx.device) for t in (eye, x_train, y_train, x_val, y_val)
    )
    step = ParallelStep(model, lambda mod, i, t: _batch_loss(mod, i, t, eye), ctx)
    optimizer = make_optimizer(model, config)
    history: dict[str, list[float]] = {"loss": [], "accuracy": [], "lr": []}
    if len(val_idx):
        history.update(val_loss=[], val_accuracy=[])
    display = _make_display(run.progress) if ctx.is_main else None
    digest = fingerprint([inputs, targets, x_val.cpu(), y_val.cpu()],
                         {**dataclasses.asdict(model_config), **dataclasses.asdict(config),
                          "epochs": None, "num_threads": None})
    state = state or StateFolders()
    first_epoch = 1
    if state.resume is not None:
        first_epoch = _restore(state.resume, model, optimizer, history, rng, digest,
                               config.epochs) + 1

    old_threads = torch.get_num_threads()
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    try:
        model.train()
        m = x_train.shape[0]
        for epoch in range(first_epoch, config.epochs + 1):
            order = torch.from_numpy(rng.permutation(m)).to(ctx.device)
            loss_sum, hits_sum, counted_sum = 0.0, 0, 0
            for start in range(0, m, config.batch_size):
                batch = order[start : start + config.batch_size]
                loss, summed, hits, counted = step(x_train, y_train, batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                loss_sum += summed
                hits_sum += hits
                counted_sum += counted
            loss_sum, hits_sum, counted_sum = ctx.sum([loss_sum, hits_sum, counted_sum])
            logs = {
                "loss": loss_sum / m,
                "accuracy": hits_sum / max(counted_sum, 1),
                "lr": optimizer.lr,
            }
            if not math.isfinite(logs["loss"]):
                raise JazzsoloError(
                    f"train: the loss became {logs['loss']} at epoch {epoch}; "
                    f"try a lower learning rate (lr={config.lr})"
                )
            if len(val_idx):
                logs["val_loss"], logs["val_accuracy"] = _evaluate_ids(model, x_val, y_val, eye)
            for key, value in logs.items():
                history[key].append(float(value))
            if state.save is not None and ctx.is_main:
                _save_epoch(state.save, epoch, model, optimizer, history, rng, digest)
            if display is not None:
                display(epoch, config.epochs, logs)
    finally:
        if config.num_threads is not None:
            torch.set_num_threads(old_threads)
        if isinstance(display, _StderrLine):
            display.close()
    model.eval()
    return model.cpu(), history


def _save_epoch(folder: str, epoch: int, model: ClassicLSTM, optimizer: KerasAdam,
                history: dict[str, list[float]], rng: np.random.Generator, digest: str) -> None:
    """The resumable state after ``epoch``: weights, Adam moments and step, RNGs, history."""
    tensors, info = rng_states(rng)
    for name, value in model.state_dict().items():
        tensors[f"model.{name}"] = value.detach().cpu().numpy().copy()
    for k, (m, v) in enumerate(zip(optimizer.m, optimizer.v, strict=True)):
        tensors[f"adam.m.{k}"], tensors[f"adam.v.{k}"] = m.cpu().numpy(), v.cpu().numpy()
    save_state(folder, tensors, {**info, "epoch": epoch, "updates": optimizer.updates,
                                 "history": history, "fingerprint": digest})


def _restore(folder: str, model: ClassicLSTM, optimizer: KerasAdam,
             history: dict[str, list[float]], rng: np.random.Generator, digest: str,
             epochs: int) -> int:
    """Load a state saved by :func:`_save_epoch` into the fresh objects; returns its epoch."""
    tensors, info = load_state(folder)
    where = str(state_path(folder))
    if info.get("fingerprint") != digest:
        raise JazzsoloError(f"{where}: saved by a training on other data or options (give the "
                            "same files and options as the interrupted run)")
    epoch = info.get("epoch")
    if not _is_int(epoch) or not 1 <= epoch <= epochs:
        raise JazzsoloError(f"{where}: the state is at epoch {epoch!r}; --epochs {epochs} "
                            "leaves nothing to resume")

    def saved(key: str, like: Tensor) -> Tensor:
        array = tensors.get(key)
        if array is None or array.dtype != np.float32 or array.shape != tuple(like.shape):
            raise JazzsoloError(f"{where}: tensor '{key}' is missing or not float32 of shape "
                                f"{tuple(like.shape)}")
        return torch.from_numpy(np.array(array))

    try:
        model.load_state_dict({name: saved(f"model.{name}", value)
                               for name, value in model.state_dict().items()}, strict=True)
        for k, (m, v) in enumerate(zip(optimizer.m, optimizer.v, strict=True)):
            m.copy_(saved(f"adam.m.{k}", m))
            v.copy_(saved(f"adam.v.{k}", v))
        optimizer.updates = int(info["updates"])
        saved = info["history"]
        for key in history:
            history[key][:] = [float(x) for x in saved[key]][:epoch]
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise JazzsoloError(f"{where}: damaged training state ({type(exc).__name__})") from None
    restore_rngs(tensors, info, rng, where)
    return int(epoch)


@torch.no_grad()
def _evaluate_ids(
    model: ClassicLSTM, inputs: Tensor, targets: Tensor, eye: Tensor, batch: int = 1024
) -> tuple[float, float]:
    """(summed loss, accuracy) over id windows, in batches, in eval mode."""
    was_training = model.training
    model.eval()
    loss_sum, hits_sum, counted_sum = 0.0, 0, 0
    for start in range(0, inputs.shape[0], batch):
        loss, hits, counted = _batch_loss(
            model, inputs[start : start + batch], targets[start : start + batch], eye
        )
        loss_sum += float(loss) * len(inputs[start : start + batch])
        hits_sum += int(hits)
        counted_sum += int(counted)
    model.train(was_training)
    return loss_sum / inputs.shape[0], hits_sum / max(counted_sum, 1)


def _split(m: int, fraction: float, rng: np.random.Generator) -> tuple[Tensor, Tensor]:
    """Seeded split of m window indices into (train, validation); validation gets round(f * m),
    at least 1 when f > 0, and training keeps at least one window."""
    n_val = _split_size(m, fraction)
    if n_val == 0:
        return torch.arange(m), torch.arange(0)
    perm = torch.from_numpy(rng.permutation(m))
    return perm[n_val:].sort().values, perm[:n_val].sort().values


def _split_size(m: int, fraction: float) -> int:
    """Windows held out for validation: round(f * m), at least 1 when f > 0, leaving one."""
    if fraction <= 0:
        return 0
    if m < 2:
        raise JazzsoloError(
            f"--val-fraction {fraction} needs at least 2 training windows, the corpus has {m}"
        )
    return min(max(1, round(fraction * m)), m - 1)


class _StderrLine:
    """A compact progress line on stderr, rewritten in place with a carriage return."""

    def __init__(self) -> None:
        self.width = 0
        self.used = False

    def __call__(self, epoch: int, epochs: int, logs: dict[str, float]) -> None:
        digits = len(str(epochs))
        text = (
            f"epoch {epoch:>{digits}}/{epochs}  loss {logs['loss']:.4f}  acc {logs['accuracy']:.3f}"
        )
        if "val_loss" in logs:
            text += f"  val_loss {logs['val_loss']:.4f}  val_acc {logs['val_accuracy']:.3f}"
        sys.stderr.write("\r" + text.ljust(self.width))
        sys.stderr.flush()
        self.width = len(text)
        self.used = True

    def close(self) -> None:
        if self.used:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _make_display(progress: Progress) -> ProgressCallback | None:
    """The per-epoch callback for a ``progress`` argument (None = no display)."""
    if progress is True:
        isatty = getattr(sys.stderr, "isatty", None)
        return _StderrLine() if isatty is not None and isatty() else None
    if progress is False or progress is None:
        return None
    if callable(progress):
        return progress
    raise JazzsoloError(f"train: progress must be True, False or a callable, got {progress!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _is_finite(value: object) -> bool:
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def train_corpus(
    corpus: object,
    config: TrainConfig,
    out_dir: str,
    m: int | None = None,
    tx: int = 30,
    run: RunOptions | None = None,
) -> dict[str, object]:
    """Train on a corpus's windows, save the checkpoint (with the chords and history) and,
    with ``run.curves``, a PNG of the training curves next to it; returns a JSON-ready summary.
    The training state is saved in ``out_dir`` after every epoch; ``run.resume`` continues the
    state saved in that folder by an interrupted run.

    With ``run.optional_validation`` (the fraction is a default, not the user's), a corpus too
    small to hold windows out trains on everything instead of failing. Under ``run.dist``
    (jazzsolo.distributed) every rank trains its shard and rank 0 alone writes files.
    """
    import time
    from pathlib import Path

    from jazzsolo.checkpoint import save_checkpoint
    from jazzsolo.data import one_hot_windows
    from jazzsolo.score import bars_to_meta

    run = run or RunOptions()
    dist = run.dist
    values = corpus.values
    vocabulary = corpus.vocabulary
    m = corpus.default_windows() if m is None else m
    started = time.perf_counter()
    if corpus.mode == "classic":
        X, Y = one_hot_windows(values, vocabulary, m=m, tx=tx, seed=config.seed)
        count = int(X.shape[0])
        if run.optional_validation and count < MIN_WINDOWS_FOR_VALIDATION:
            config = dataclasses.replace(config, val_fraction=0.0)
        model, history = train(X, Y, ModelConfig(len(vocabulary)), config,
                               progress=run.progress, state=StateFolders(out_dir, run.resume),
                               dist=dist)
        n_val = _split_size(count, config.val_fraction)
    else:
        inputs, targets, piece = corpus.id_windows(vocabulary, tx=tx, m=m, seed=config.seed)
        count = int(inputs.shape[0])
        if run.optional_validation and count < MIN_WINDOWS_FOR_VALIDATION:
            config = dataclasses.replace(config, val_fraction=0.0)
        n_val = _split_size(count, config.val_fraction)
        validation = None
        if config.val_fraction > 0 and len(corpus.pieces) >= 5:
            # Hold out whole pieces, so validation windows share no notes with training ones.
            rng = np.random.default_rng(config.seed)
            n_val = max(1, round(config.val_fraction * len(corpus.pieces)))
            held = np.isin(piece, rng.choice(len(corpus.pieces), n_val, replace=False))
            validation = (inputs[held], targets[held])
            inputs, targets = inputs[~held], targets[~held]
            n_val = int(held.sum())
        model, history = train_ids(
            inputs,
            targets,
            ModelConfig(len(vocabulary)),
            config,
            validation=validation,
            state=StateFolders(out_dir, run.resume),
            run=run,
        )
    seconds = time.perf_counter() - started
    meta = {
        "training": {**config.__dict__, "m": count, "tx": tx, "seconds": seconds},
        "history": history,
        "chords": bars_to_meta(corpus.changes_for_model()),
        "source": {
            "files": list(corpus.sources),
            "mode": corpus.mode,
            "tempo": corpus.tempo,
            "beats_per_bar": corpus.beats_per_bar,
            "beat_unit": corpus.beat_unit,
            "bar_length": corpus.bar_length,
        },
    }
    if dist is None or dist.is_main:
        save_checkpoint(out_dir, model, vocabulary, meta)
    if run.curves and (dist is None or dist.is_main):
        from jazzsolo.render import plot_history

        plot_history(history, str(Path(out_dir) / "training.png"))
    result: dict[str, object] = {
        "final_loss": history["loss"][-1],
        "final_accuracy": history["accuracy"][-1],
        "epochs": config.epochs,
        "seconds": round(seconds, 3),
        "n_values": len(vocabulary),
        "n_examples": count,
        "n_train": count - n_val,
        "n_validation": n_val,
        "tx": tx,
        "corpus_length": len(values),
        "n_files": len(corpus.sources),
        "out": str(out_dir),
    }
    if "val_loss" in history:
        result["final_val_loss"] = history["val_loss"][-1]
        result["final_val_accuracy"] = history["val_accuracy"][-1]
    result["history"] = history  # per epoch: loss, accuracy, lr (+ val_loss, val_accuracy)
    return result
