"""Training the jazz model on real solos (WJazzD CSVs, any MIDI the general mode reads, folders).

Solos become note events (``events.encode``); whole tunes are held out: a tune's takes (WJazzD
``Performer_Tune-N_FINAL``: the tune part) are all on one side. ``--exclude-tunes FILE`` keeps a
fixed test set out of training (the bundled model's ``heldout.txt``), and validation tunes for
early stopping are drawn from the rest. Training runs on windows of events (a new phase each
epoch), each window transposed into a random key when ``augment`` is on; Adam with linear
warmup then cosine decay, gradient clipping, early stopping on validation loss. Each epoch
writes the best model so far (``model.safetensors`` + ``model.json``) and a resumable
checkpoint (``checkpoint/``: weights, optimizer, RNG states, history), both atomically.
Under torchrun (``dist``) each rank trains on its rows of every global batch through DDP and
only rank 0 writes files and logs; one process runs exactly the single-process loop.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import JazzsoloError
from .events import (
    BAR_PLAN_CAP,
    CONTEXT_FIELDS,
    DENSITY_ANY,
    DENSITY_EDGES,
    NONE_PC,
    REST,
    TEMPO_BUCKETS,
    TICKS,
    EventSeq,
    bar_counts,
    encode,
)
from .models.jazz_format import BOS, FIELDS, JazzConfig, prev_tokens, save_jazz
from .training_state import RunOptions

LN2 = math.log(2.0)
PLAYER_COLUMN, DENSITY_COLUMN = FIELDS.index("player"), FIELDS.index("density")


@dataclass(frozen=True)
class JazzTrainConfig:
    """Training options of the jazz model (the defaults train the bundled one)."""

    epochs: int = 24  # the bundled model's run: validation loss still fell at 14 (docs)
    batch_size: int = 32
    window: int = 128
    lr: float = 2e-3
    min_lr_ratio: float = 0.05
    warmup: int = 200
    clip: float = 1.0
    weight_decay: float = 0.0
    patience: int = 3
    player_dropout: float = 0.2  # share of windows trained as "any player" (player field 0)
    density_dropout: float = 0.0  # share of windows trained as "any density" (a density model)
    augment: bool = False  # transposing windows into random keys measured worse (docs)
    val_fraction: float = 0.08
    seed: int = 0
    max_minutes: float | None = None


@dataclass
class Solo:
    """One training solo: its events, the tune it plays (for tune-disjoint splits) and who
    plays it ("" when the file name does not say)."""

    name: str
    tune: str
    events: EventSeq
    player: str = ""


@dataclass
class Split:
    train: list[Solo]
    validation: list[Solo]
    excluded: list[Solo] = field(default_factory=list)


_TAKE = re.compile(r"-\d+$")


def tune_of(path: str | os.PathLike[str]) -> str:
    """The tune a file plays: WJazzD ``Performer_Tune-2_FINAL.csv`` -> ``tune``; else the file
    stem (lower case, so names compare without case)."""
    stem = Path(path).stem
    stem = stem[: -len("_FINAL")] if stem.endswith("_FINAL") else stem
    if "_" in stem:
        stem = stem.split("_", 1)[1]
    return _TAKE.sub("", stem).lower()


def player_of(path: str | os.PathLike[str]) -> str:
    """Who plays a file: WJazzD ``Performer_Tune-2_FINAL.csv`` -> ``Performer``; "" for a
    file name without a ``_``."""
    stem = Path(path).stem
    return stem.split("_", 1)[0] if "_" in stem else ""


def player_vocabulary(solos: Sequence[Solo], min_solos: int = 2) -> tuple[str, ...]:
    """The players a model learns by name, sorted: everyone with ``min_solos`` or more solos
    among ``solos``, the most recorded first when there are more than the field holds (the
    rest are learned as "any player" only)."""
    from .events import MAX_PLAYERS

    counts: dict[str, int] = {}
    for s in solos:
        if s.player:
            counts[s.player] = counts.get(s.player, 0) + 1
    ranked = sorted((p for p, n in counts.items() if n >= min_solos),
                    key=lambda p: (-counts[p], p))
    return tuple(sorted(ranked[:MAX_PLAYERS - 1]))


def _encode_file(path: str) -> tuple[str, Any]:
    """Worker: one file -> (path, EventSeq) or (path, error text)."""
    from .corpus import CorpusOptions, read_piece

    try:
        seq = encode(read_piece(Path(path), CorpusOptions()))
    except JazzsoloError as exc:
        return path, str(exc)
    except Exception as exc:  # a file that breaks a reader must not stop a folder run
        return path, f"{path}: cannot read ({type(exc).__name__}: {exc})"
    if int((seq.pitch != REST).sum()) < 2:
        return path, f"{path}: fewer than 2 notes to learn from"
    return path, seq


def load_solos(inputs: Sequence[str | os.PathLike[str]], jobs: int | None = None,
               warn: Callable[[str], None] | None = None) -> list[Solo]:
    """Read files and folders (MIDI, WJazzD melody CSVs) into solos, one process per core; a
    bad file in a folder is skipped with a warning, a single bad file is an error."""
    from .corpus import collect_files, parallel_map

    files = [str(f) for f in collect_files(inputs)]
    single = len(inputs) == 1 and len(files) == 1 and not Path(inputs[0]).is_dir()
    results = parallel_map(_encode_file, files, jobs, chunksize=8)
    solos = []
    for path, r in results:
        if isinstance(r, str):
            if single:
                raise JazzsoloError(r)
            if warn:
                warn(f"skipped {r}")
            continue
        solos.append(Solo(Path(path).stem, tune_of(path), r, player_of(path)))
    if not solos:
        raise JazzsoloError(f"none of the {len(files)} files could be used")
    return solos


_COMMENT = re.compile(r"(^|\s)#.*")


def read_tune_list(path: str | os.PathLike[str]) -> set[str]:
    """Tune names from a file, one a line; blank lines and comments ignored. A comment is a
    ``#`` at the start of a line or after a space: tunes may have one in their name
    (WJazzD's ``ChrisPotter_PopTune#1`` is the tune ``poptune#1``)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise JazzsoloError(f"{path}: cannot read the tune list ({exc.strerror})") from None
    names = (_COMMENT.sub("", ln).strip().lower() for ln in lines)
    return {name for name in names if name}


def split_solos(solos: Sequence[Solo], val_fraction: float, seed: int,
                exclude: set[str] | None = None) -> Split:
    """Tune-disjoint split: solos of ``exclude`` tunes are set aside, then whole tunes, drawn
    with ``seed``, go to validation until it holds ``val_fraction`` of the remaining solos."""
    exclude = exclude or set()
    kept = [s for s in solos if s.tune not in exclude]
    out = [s for s in solos if s.tune in exclude]
    if not kept:
        raise JazzsoloError("every solo belongs to an excluded tune: nothing to train on")
    tunes = sorted({s.tune for s in kept})
    rng = np.random.Generator(np.random.PCG64(seed))
    rng.shuffle(tunes)
    want = int(round(val_fraction * len(kept)))
    if val_fraction > 0 and len(tunes) > 1:
        want = max(1, want)
    chosen: set[str] = set()
    count = 0
    for t in tunes[:-1]:  # at least one tune stays for training
        if count >= want:
            break
        chosen.add(t)
        count += sum(1 for s in kept if s.tune == t)
    return Split([s for s in kept if s.tune not in chosen],
                 [s for s in kept if s.tune in chosen], out)


# --------------------------------------------------------------------------- batches


def shift_events(seq: EventSeq, shift: int, window: slice) -> tuple[np.ndarray, ...]:
    """A window of a solo transposed by ``shift``: (pitch, duration, root, context, masks).
    ``seq[window]`` is read once: a stored solo (jazz_store) reads only those events."""
    part = seq[window]
    pitch = np.where(part.pitch == REST, REST, part.pitch + shift)
    root = np.where(part.root == NONE_PC, NONE_PC, (part.root + shift) % 12)
    ctx = part.context.copy()
    ctx[:, 3] = root
    m = part.masks.reshape(-1, 3, 12)
    masks = m[:, :, (np.arange(12) - shift) % 12].reshape(-1, 36)
    return pitch, part.duration, root, ctx, masks


def window_arrays(config: JazzConfig, seq: EventSeq, start: int, length: int, shift: int = 0,
                  player: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Model inputs and targets for events [start, start+length) of a solo played by
    ``player`` (the model's index, 0: any): fields (T, F), masks (T, 36), pitch classes (T,),
    duration classes (T,). The first event's 'previous' is the real previous event, or BOS at
    the start of the solo."""
    lo = max(0, start - 1)
    pitch, dur, root, ctx, masks = shift_events(seq, shift, slice(lo, start + length))
    if start == 0:
        prev = np.array([[BOS, BOS, 12]], dtype=np.int64)
        prev = np.concatenate([prev, prev_tokens(pitch[:-1], dur[:-1], root[1:],
                                                 config.n_duration)])
        sl = slice(0, None)
    else:
        prev = prev_tokens(pitch[:-1], dur[:-1], root[1:], config.n_duration)
        sl = slice(1, None)
    fields = np.concatenate([prev, ctx[sl]], axis=1)
    fields[:, PLAYER_COLUMN] = player
    return fields, masks[sl], config.pitch_index(pitch[sl], root[sl]), dur[sl] - 1


def make_batch(config: JazzConfig, items: Sequence[tuple[EventSeq, int, int, int, int]],
               length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stack windows (seq, start, length, shift, player) into padded arrays; targets -100 on
    padding."""
    b = len(items)
    fields = np.zeros((b, length, len(FIELDS)), dtype=np.int64)
    masks = np.zeros((b, length, 36), dtype=np.float32)
    pitch = np.full((b, length), -100, dtype=np.int64)
    dur = np.full((b, length), -100, dtype=np.int64)
    for i, (seq, start, n, shift, player) in enumerate(items):
        f, m, p, d = window_arrays(config, seq, start, n, shift, player)
        fields[i, :n], masks[i, :n], pitch[i, :n], dur[i, :n] = f, m, p, d
    return fields, masks, pitch, dur


def legal_shifts(seq: EventSeq, config: JazzConfig) -> np.ndarray:
    """Transpositions (-6..5) that keep every note of a solo inside the pitch range."""
    notes = seq.pitch[seq.pitch != REST]
    lo, hi = int(notes.min()), int(notes.max())
    shifts = np.arange(-6, 6)
    ok = (lo + shifts >= config.pitch_low) & (hi + shifts <= config.pitch_high)
    return shifts[ok] if ok.any() else np.array([0])


def epoch_windows(solos: Sequence[Solo], length: int, rng: np.random.Generator | None,
                  ) -> list[tuple[int, int, int]]:
    """Windows (solo index, start, length) covering every solo; a random phase per solo and
    epoch when ``rng`` is given (training), else from the start (validation)."""
    out = []
    for k, s in enumerate(solos):
        n = len(s.events)
        phase = int(rng.integers(0, length)) if rng is not None and n > length else 0
        bounds = sorted({0, *range(phase, n, length)}) + [n]
        out.extend((k, a, b - a) for a, b in zip(bounds[:-1], bounds[1:], strict=True))
    return out


# --------------------------------------------------------------------------- training


def _lr_factor(step: int, total: int, config: JazzTrainConfig) -> float:
    """Linear warmup, then cosine from 1 down to ``min_lr_ratio`` at the last step."""
    warmup = min(config.warmup, total // 10 + 1)  # a tiny run must not spend itself warming up
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    cosine = 0.5 * (1 + math.cos(math.pi * progress))
    return config.min_lr_ratio + (1 - config.min_lr_ratio) * cosine


def evaluate_nll(model: Any, config: JazzConfig, solos: Sequence[Solo], length: int = 512,
                 batch_size: int = 16) -> dict[str, float]:
    """Mean NLL per event in bits for the pitch and duration heads (and their sum) on whole
    solos, run in windows of ``length`` events."""
    import torch

    model.eval()
    device = next(model.parameters()).device
    windows = epoch_windows(solos, length, None)
    tot = {"pitch": 0.0, "duration": 0.0}
    n = 0
    with torch.no_grad():
        for i in range(0, len(windows), batch_size):
            items = [(solos[k].events, st, ln, 0, config.player_index(solos[k].player))
                     for k, st, ln in windows[i:i + batch_size]]
            f, m, p, d = (torch.from_numpy(a).to(device)
                          for a in make_batch(config, items, length))
            pl, dl, _ = model(f, m, p.clamp(min=0))
            ce = torch.nn.functional.cross_entropy
            tot["pitch"] += float(ce(pl.flatten(0, 1), p.flatten(), reduction="sum"))
            tot["duration"] += float(ce(dl.flatten(0, 1), d.flatten(), reduction="sum"))
            n += int((p >= 0).sum())
    out = {k: v / max(1, n) / LN2 for k, v in tot.items()}
    out["total"] = out["pitch"] + out["duration"]
    return out


class Progress:
    """A tqdm bar with ETA on a terminal; plain log lines (every ``every`` steps) otherwise."""

    def __init__(self, total: int, initial: int = 0, stream: Any = None, every: int = 100,
                 enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.total, self.every, self.enabled = total, every, enabled
        self.start, self.done0 = time.perf_counter(), initial
        self.bar = None
        if enabled and getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, file=self.stream, unit="step",
                            dynamic_ncols=True)

    def update(self, step: int, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix_str(text, refresh=False)
        elif step % self.every == 0 or step == self.total:
            rate = (step - self.done0) / max(1e-9, time.perf_counter() - self.start)
            eta = (self.total - step) / max(rate, 1e-9)
            self.log(f"step {step}/{self.total} {text} eta {eta / 60:.1f} min")

    def log(self, text: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.write(text)
        else:
            print(f"jazzsolo: {text}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def train_jazz(solos_or_split: Sequence[Solo] | Split, out_dir: str | os.PathLike[str],
               model_config: JazzConfig | None = None, config: JazzTrainConfig | None = None,
               run: RunOptions | None = None,
               source: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train (or with ``run.resume`` set, continue the checkpoint in ``out_dir``) a jazz model
    on a Split (or on solos, split by tune here); returns a summary (history, best epoch, NLL
    per head in bits, events/s). ``run.progress`` (True/False) shows the display; ``run.dist``:
    a ``distributed.DistContext`` (device, precision, torchrun rank). ``source`` goes into
    model.json."""
    import torch

    from .distributed import DistContext, rows, wrap

    run = run or RunOptions()
    resume, progress, dist = run.resume is not None, bool(run.progress), run.dist
    config = config or JazzTrainConfig()
    out = Path(out_dir)
    ckpt = out / "checkpoint"
    state = _read_checkpoint(ckpt) if resume else None
    if resume and state is None:
        raise JazzsoloError(f"{ckpt}: no checkpoint to resume from")
    if state is not None:
        model_config = JazzConfig(**state["meta"]["model_config"])
        config = JazzTrainConfig(**{**state["meta"]["train_config"],
                                    "epochs": max(config.epochs,
                                                  state["meta"]["train_config"]["epochs"])})
    model_config = model_config or JazzConfig()
    if model_config.ticks != TICKS:  # solos are encoded on the current grid only
        raise JazzsoloError(f"{ckpt if state else 'JazzConfig'}: a {model_config.ticks}-tick "
                            f"model; training reads solos on the {TICKS}-tick grid")
    split = solos_or_split if isinstance(solos_or_split, Split) else split_solos(
        solos_or_split, config.val_fraction, config.seed)
    if not split.train:
        raise JazzsoloError("no solos left to train on")
    from .models.jazz import JazzLSTM

    torch.manual_seed(config.seed)
    rng = np.random.Generator(np.random.PCG64(config.seed))
    ctx = dist or DistContext()
    model = JazzLSTM(model_config).to(ctx.device)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    history: dict[str, list[float]] = {k: [] for k in (
        "loss", "val_loss", "val_pitch_bits", "val_duration_bits", "lr", "seconds")}
    epoch0, step, best, best_epoch, bad = 0, 0, math.inf, -1, 0
    if state is not None:
        _restore(state, model, opt, rng)
        history, epoch0, step = state["meta"]["history"], state["meta"]["epoch"], \
            state["meta"]["step"]
        best, best_epoch, bad = (state["meta"]["best"], state["meta"]["best_epoch"],
                                 state["meta"]["bad"])
    net = wrap(model, ctx)
    shifts = [legal_shifts(s.events, model_config) if config.augment else np.array([0])
              for s in split.train]
    players = [model_config.player_index(s.player) for s in split.train]
    drop_density = model_config.density and config.density_dropout > 0
    n_events = sum(len(s.events) for s in split.train)
    steps_per_epoch = math.ceil(len(epoch_windows(split.train, config.window, None))
                                / config.batch_size)
    total = steps_per_epoch * config.epochs
    bar = Progress(total, step, enabled=progress and ctx.is_main)
    bar.log(f"training on {len(split.train)} solos ({n_events} events), validating on "
            f"{len(split.validation)} solos of other tunes; {config.epochs} epochs of "
            f"{steps_per_epoch} steps")
    tables = _training_tables(split.train, model_config.bar_plan)  # model.json's, once
    started = time.perf_counter()
    trained_events = 0
    stopped = "epochs"
    for epoch in range(epoch0, config.epochs):
        net.train()
        if ctx.distributed:  # dropout masks must differ between ranks (and survive --resume)
            torch.manual_seed(ctx.rank_seed(config.seed + 1_000_003 * (epoch + 1)))
        t0 = time.perf_counter()
        windows = epoch_windows(split.train, config.window, rng)
        order = rng.permutation(len(windows))
        losses = []
        for b in range(0, len(order), config.batch_size):
            items, any_density = [], []
            for w in order[b:b + config.batch_size]:
                k, st, ln = windows[w]
                shift = int(rng.choice(shifts[k]))
                player = players[k] if players[k] and rng.random() >= config.player_dropout else 0
                items.append((split.train[k].events, st, ln, shift, player))
                if drop_density:  # no draw otherwise: earlier recipes train byte-identically
                    any_density.append(rng.random() < config.density_dropout)
            own = items[rows(len(items), ctx)]
            count = sum(item[2] for item in items)  # target events of the global batch
            mine = own or items[:1]
            batch = make_batch(model_config, mine, config.window)
            if drop_density and own:
                batch[0][np.asarray(any_density[rows(len(items), ctx)]), :,
                         DENSITY_COLUMN] = DENSITY_ANY
            f, m, p, d = (torch.from_numpy(a).to(ctx.device) for a in batch)
            for g in opt.param_groups:
                g["lr"] = config.lr * _lr_factor(step, total, config)
            with ctx.autocast():
                pl, dl, _ = net(f, m, p.clamp(min=0))
                loss, share = batch_loss(pl, dl, p, d, ctx, count, bool(own))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            opt.step()
            step += 1
            trained_events += count if ctx.distributed else int((p >= 0).sum())
            losses.append(share)
            bar.update(step, f"epoch {epoch + 1} loss "
                       f"{np.mean(losses[-50:]) * ctx.world_size / LN2:.3f} bits")
        nll = evaluate_nll(model, model_config, split.validation) if split.validation else None
        seconds = time.perf_counter() - t0
        epoch_loss = _epoch_mean(losses, ctx)
        val = nll["total"] if nll else epoch_loss / LN2
        if ctx.distributed:  # rank 0's figure decides, so every rank stops at the same epoch
            val = ctx.sum([val if ctx.is_main else 0.0])[0]
        history["loss"].append(epoch_loss / LN2)
        if nll:  # without validation tunes the val_* lists stay empty
            history["val_loss"].append(nll["total"])
            history["val_pitch_bits"].append(nll["pitch"])
            history["val_duration_bits"].append(nll["duration"])
        history["lr"].append(opt.param_groups[0]["lr"])
        history["seconds"].append(seconds)
        improved = val < best - 1e-4
        if improved:
            best, best_epoch, bad = val, epoch + 1, 0
        else:
            bad += 1
        meta = _model_meta(split, config, history, best_epoch, source, tables)
        if improved and ctx.is_main:
            save_jazz(out, model_config, _tensors(model), meta)
        line = f"epoch {epoch + 1}/{config.epochs}: loss {history['loss'][-1]:.3f} bits/event"
        if nll:
            line += (f", validation {nll['total']:.3f} (pitch {nll['pitch']:.3f}, duration "
                     f"{nll['duration']:.3f})")
        bar.log(line + f", {seconds:.0f} s{' (best)' if improved else ''}")
        if ctx.is_main:
            _write_checkpoint(ckpt, model, opt, rng, {
                "epoch": epoch + 1, "step": step, "history": history, "best": best,
                "best_epoch": best_epoch, "bad": bad, "model_config": asdict(model_config),
                "train_config": asdict(config)})
        if split.validation and bad >= config.patience:
            stopped = "early stop"
            break
        late = bool(config.max_minutes) and \
            (time.perf_counter() - started) / 60 > config.max_minutes
        if ctx.distributed:  # rank 0's clock decides
            late = ctx.sum([float(late and ctx.is_main)])[0] > 0
        if late:
            stopped = "time limit"
            break
    bar.close()
    ctx.barrier()  # rank 0's files are written when any rank returns
    elapsed = time.perf_counter() - started
    return {"best_epoch": best_epoch, "best_val_bits": best, "history": history,
            "epochs_run": len(history["loss"]), "stopped": stopped, "seconds": elapsed,
            "events_per_second": trained_events / max(elapsed, 1e-9),
            "n_train": len(split.train), "n_validation": len(split.validation),
            "n_excluded": len(split.excluded), "n_events": n_events, "out": str(out)}


def batch_loss(pl: Any, dl: Any, p: Any, d: Any, ctx: Any, count: int,
                own: bool) -> tuple[Any, float]:
    """(loss to backpropagate, this rank's share of the batch loss). The loss is the mean
    cross-entropy per target event of each head, summed over the heads. Several ranks: each
    backpropagates its summed cross-entropy over the GLOBAL batch's event count times the world
    size (DDP averages the gradients), so the gradient is the one-process gradient. ``count``:
    target events in the global batch; ``own``: this rank has rows of it."""
    import torch

    ce = torch.nn.functional.cross_entropy
    if not ctx.distributed:
        loss = ce(pl.flatten(0, 1), p.flatten()) + ce(dl.flatten(0, 1), d.flatten())
        return loss, loss.item()
    from .distributed import global_scale

    summed = ce(pl.flatten(0, 1).float(), p.flatten(), reduction="sum") + \
        ce(dl.flatten(0, 1).float(), d.flatten(), reduction="sum")
    if not own:
        summed = summed * 0.0  # a rank without rows joins the all-reduce with no gradient
    return summed * global_scale(ctx, count), summed.item() / count


def _epoch_mean(losses: list[float], ctx: Any) -> float:
    """Mean loss per step over the epoch: the ranks' shares of each step added up."""
    if not ctx.distributed:
        return float(np.mean(losses))
    return ctx.sum([float(np.sum(losses))])[0] / max(1, len(losses))


def _model_meta(split: Split, config: JazzTrainConfig, history: dict[str, list[float]],
                best_epoch: int, source: dict[str, Any] | None, tables: dict[str, Any],
                ) -> dict[str, Any]:
    """model.json keys besides the format: what it trained on, how, and what its training
    solos say (``tables``: ``_training_tables``, made once before the first epoch)."""
    return {"training": {**asdict(config), "best_epoch": best_epoch},
            "history": {k: [float(x) for x in v] for k, v in history.items()},
            "trained_on": {"solos": len(split.train), "validation_solos": len(split.validation),
                           "excluded_solos": len(split.excluded),
                           "validation_tunes": sorted({s.tune for s in split.validation}),
                           "files": sorted(s.name for s in split.train), **(source or {})},
            **tables}


def _training_tables(train: Sequence[Solo], bar_plan: bool) -> dict[str, Any]:
    """What generation reads from the training solos: their register, how busy they are at
    each tempo (what a density model draws from), how their bars follow each other at each
    density and, for a ``bar_plan`` model, every solo's bar counts (the runs of real bars its
    takes replay; kept out of other models' files, since it grows with the corpus)."""
    notes = np.concatenate([s.events.pitch[s.events.pitch != REST] for s in train])
    low, high = (int(v) for v in np.percentile(notes, [1, 99]))
    density = np.zeros((TEMPO_BUCKETS, len(DENSITY_EDGES) + 1), dtype=np.int64)
    start = BAR_PLAN_CAP + 1  # the "previous bar" of a solo's first bar
    plans = np.zeros((len(DENSITY_EDGES) + 1, start + 1, BAR_PLAN_CAP + 1), dtype=np.int64)
    library: list[list[Any]] = []  # each training solo's tempo, density, bar and bar counts
    for s in train:
        first = s.events[0:1].context[0]
        tempo, d = (int(first[CONTEXT_FIELDS.index(f)]) for f in ("tempo", "density"))
        density[tempo, d] += 1
        bar_ticks = int(first[CONTEXT_FIELDS.index("meter")]) * (TICKS // 2)
        counts = bar_counts(s.events.pitch, s.events.onset, bar_ticks)
        np.add.at(plans[d], (np.concatenate([[start], counts[:-1]]), counts), 1)
        library.append([tempo, d, bar_ticks, counts.tolist()])
    return {"register": [low, high], "density_by_tempo": density.tolist(),
            "bar_plan_counts": plans.tolist(),
            **({"bar_plan_library": library} if bar_plan else {})}


def _tensors(model: Any) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}


# --------------------------------------------------------------------------- checkpoints


def _write_checkpoint(path: Path, model: Any, opt: Any, rng: np.random.Generator,
                      meta: dict[str, Any]) -> None:
    """Weights, Adam state and RNG states into ``path`` (a fresh folder renamed into place)."""
    import torch
    from safetensors.torch import save_file

    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    opt_state = opt.state_dict()
    for pid, st in opt_state["state"].items():
        for k, v in st.items():
            tensors[f"adam.{pid}.{k}"] = torch.as_tensor(v).detach().cpu().contiguous()
    tensors["rng.torch"] = torch.get_rng_state()
    doc = {**meta, "param_groups": opt_state["param_groups"],
           "numpy_rng": rng.bit_generator.state}
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir(parents=True)
    try:
        save_file(tensors, str(tmp / "state.safetensors"))
        (tmp / "state.json").write_text(json.dumps(doc), encoding="utf-8")
        old = path.parent / f".{path.name}.old"
        if path.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_checkpoint(path: Path) -> dict[str, Any] | None:
    from safetensors.torch import load_file

    if not (path / "state.json").is_file():
        return None
    try:
        meta = json.loads((path / "state.json").read_text(encoding="utf-8"))
        tensors = load_file(str(path / "state.safetensors"))
    except Exception as exc:
        raise JazzsoloError(f"{path}: damaged checkpoint ({' '.join(str(exc).split())})") from None
    return {"meta": meta, "tensors": tensors}


def _restore(state: dict[str, Any], model: Any, opt: Any, rng: np.random.Generator) -> None:
    import torch

    t = state["tensors"]
    model.load_state_dict({k[6:]: v for k, v in t.items() if k.startswith("model.")})
    groups = state["meta"]["param_groups"]
    opt_state: dict[int, dict[str, Any]] = {}
    for k, v in t.items():
        if k.startswith("adam."):
            _, pid, name = k.split(".", 2)
            opt_state.setdefault(int(pid), {})[name] = v
    opt.load_state_dict({"state": opt_state, "param_groups": groups})
    torch.set_rng_state(t["rng.torch"])
    rng.bit_generator.state = state["meta"]["numpy_rng"]
