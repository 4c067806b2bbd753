"""Training on several processes and devices: torchrun ranks, device choice, bf16, DDP steps.

Data parallelism is PyTorch's own ``DistributedDataParallel`` launched by ``torchrun`` (which
sets RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR/PORT). Every rank draws the SAME windows in the
SAME order (one shared seed), then takes its contiguous slice of each global batch, so the
global batch size and the learning rate are those of one process. The classic loss is a sum
over steps averaged over the GLOBAL batch; a rank's slice loss is rescaled so that DDP's
gradient average equals the one-process gradient (see :class:`ParallelStep`).

Tested here on CPU only (gloo, 2 processes). The CUDA/NCCL/bf16/MPS paths use public torch
APIs (``torch.cuda``, ``init_process_group("nccl")``, ``torch.autocast``) but have not run here.

Another training loop (e.g. train_jazz) uses the same pieces: ``ctx = setup(device, precision)``;
``model.to(ctx.device)``; ``net = wrap(model, ctx)``; draw the GLOBAL batch with the shared
seed as today, keep ``items[rows(len(items), ctx)]``; under ``ctx.autocast()`` compute the loss
as a SUM over those rows/tokens times ``global_scale(ctx, global_count)``; every rank runs the
same validation (so early stopping agrees); only ``ctx.is_main`` writes files and logs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import torch
from torch import Tensor, nn

from .errors import JazzsoloError

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16")
PROCESS_GROUP_TIMEOUT = timedelta(hours=2)  # rank 0 may build a large corpus store first

LossFn = Callable[[nn.Module, Tensor, Tensor], tuple[Tensor, Tensor, Tensor]]
"""``loss_fn(model, inputs, targets) -> (mean loss over the windows, hits, counted)``."""


def launched_by_torchrun() -> bool:
    """True inside a process started by torchrun (or any launcher setting WORLD_SIZE)."""
    return "WORLD_SIZE" in os.environ


def env_ranks() -> tuple[int, int, int]:
    """(rank, local_rank, world_size) from torchrun's environment; (0, 0, 1) outside it."""
    try:
        rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        world = int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        raise JazzsoloError("RANK, LOCAL_RANK and WORLD_SIZE must be whole numbers") from None
    if world < 1 or not 0 <= rank < world or local_rank < 0:
        raise JazzsoloError(f"bad torchrun ranks: RANK={rank} LOCAL_RANK={local_rank} "
                            f"WORLD_SIZE={world}")
    return rank, local_rank, world


def resolve_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """The torch device for ``--device``: auto picks CUDA (this rank's GPU), then MPS, then CPU;
    asking for a device this machine lacks is an error naming the option."""
    if name not in DEVICES:
        raise JazzsoloError(f"--device must be one of {', '.join(DEVICES)}, got {name!r}")
    cuda = torch.cuda.is_available()
    mps = hasattr(torch.backends, "mps") and torch.backends.mps.is_available()
    if name == "cuda" and not cuda:
        raise JazzsoloError("--device cuda: no CUDA GPU is available to this torch")
    if name == "mps" and not mps:
        raise JazzsoloError("--device mps: Apple's MPS backend is not available here")
    if name == "cuda" or (name == "auto" and cuda):
        count = torch.cuda.device_count()
        if local_rank >= count:
            raise JazzsoloError(f"--device cuda: LOCAL_RANK {local_rank} but only {count} GPU(s)")
        return torch.device("cuda", local_rank)
    if name == "mps" or (name == "auto" and mps):
        return torch.device("mps")
    return torch.device("cpu")


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """bf16 for autocast, or None for full float32: ``auto`` uses bf16 on CUDA GPUs that
    support it and float32 elsewhere (CPU by default, MPS untested); ``bf16`` forces it."""
    if precision not in PRECISIONS:
        raise JazzsoloError(f"--precision must be one of {', '.join(PRECISIONS)}, "
                            f"got {precision!r}")
    if precision == "fp32":
        return None
    if precision == "bf16":
        return torch.bfloat16
    if device.type == "cuda" and torch.cuda.is_bf16_supported():
        return torch.bfloat16
    return None


@dataclass(frozen=True)
class DistContext:
    """Where this process trains: its rank among ``world_size``, its device and precision."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    dtype: torch.dtype | None = None  # autocast dtype; None = float32
    owns_group: bool = False  # this context initialised the process group (and tears it down)

    @property
    def distributed(self) -> bool:
        """More than one process trains together."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the only process that writes checkpoints, logs and pictures."""
        return self.rank == 0

    def rank_seed(self, seed: int) -> int:
        """A seed for randomness that must DIFFER between ranks (e.g. data augmentation);
        window order and initial weights use the shared seed so all ranks agree."""
        return seed + self.rank

    def autocast(self) -> contextlib.AbstractContextManager[None]:
        """bf16 autocast on this device when enabled, else nothing."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def barrier(self) -> None:
        """Wait for every rank (no-op in one process)."""
        if self.distributed:
            torch.distributed.barrier()

    @contextlib.contextmanager
    def main_first(self) -> Iterator[None]:
        """Rank 0 runs the block first (e.g. builds a cache), the others after it is done."""
        if not self.is_main:
            self.barrier()
        yield
        if self.is_main:
            self.barrier()

    def sum(self, values: list[float]) -> list[float]:
        """Element-wise sum of ``values`` over all ranks (float64; identity in one process)."""
        if not self.distributed:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64, device=self._comm_device())
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.SUM)
        return t.cpu().tolist()

    def _comm_device(self) -> torch.device:
        """NCCL reduces CUDA tensors only; gloo reduces CPU tensors."""
        return self.device if self.device.type == "cuda" else torch.device("cpu")


def setup(device: str = "auto", precision: str = "auto") -> DistContext:
    """This process's context: under torchrun (WORLD_SIZE > 1) it joins the process group
    (NCCL on CUDA, gloo otherwise); alone it just picks the device and precision."""
    rank, local_rank, world = env_ranks()
    dev = resolve_device(device, local_rank)
    dtype = autocast_dtype(precision, dev)
    owns = False
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if dev.type == "cuda" else "gloo"
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        if dev.type == "mps":
            raise JazzsoloError("--device mps trains in one process only (no MPS backend "
                                "for torch.distributed)")
        torch.distributed.init_process_group(backend=backend, timeout=PROCESS_GROUP_TIMEOUT)
        owns = True
    return DistContext(rank, local_rank, world, dev, dtype, owns)


def teardown(ctx: DistContext, wait: bool = False) -> None:
    """Leave the process group this context joined (so the process exits cleanly); with
    ``wait``, first wait until every rank is done (rank 0 writes files after the last
    collective, and a rank that tears gloo down while a peer still works can abort)."""
    if ctx.owns_group and torch.distributed.is_initialized():
        if wait:
            torch.distributed.barrier()
        torch.distributed.destroy_process_group()


@contextlib.contextmanager
def joined(device: str = "auto", precision: str = "auto") -> Iterator[DistContext]:
    """``setup`` for the block; at its end every rank waits for the others, then leaves the
    group. If the block fails this rank leaves at once (the others may never get there)."""
    ctx = setup(device, precision)
    try:
        yield ctx
    except BaseException:
        teardown(ctx)
        raise
    teardown(ctx, wait=True)


def rows(n: int, ctx: DistContext) -> slice:
    """This rank's contiguous rows of a global batch of ``n`` (sizes differ by at most one; a
    rank gets none when the batch has fewer rows than there are ranks)."""
    return slice(ctx.rank * n // ctx.world_size, (ctx.rank + 1) * n // ctx.world_size)


def shard(batch: Tensor, ctx: DistContext) -> Tensor:
    """This rank's slice of a global batch of window indices (see :func:`rows`)."""
    return batch[rows(batch.shape[0], ctx)]


def wrap(module: nn.Module, ctx: DistContext) -> nn.Module:
    """``module`` in DistributedDataParallel when several ranks train (gradients averaged
    over ranks during backward), else ``module`` itself. Call it after ``module.to(device)``."""
    if not ctx.distributed:
        return module
    ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(module, device_ids=ids)


def global_scale(ctx: DistContext, denominator: float) -> float:
    """Factor turning a SUM over this rank's share into the value to backpropagate, when the
    one-process loss is that sum over the whole global batch divided by ``denominator``
    (windows, or target tokens): DDP averages over ranks, so world / denominator."""
    return ctx.world_size / denominator


class _LossModule(nn.Module):
    """Model + loss as one module, so DDP's forward hooks see every training forward pass."""

    def __init__(self, model: nn.Module, loss_fn: LossFn) -> None:
        super().__init__()
        self.model = model
        self.loss_fn = loss_fn

    def forward(self, inputs: Tensor, targets: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        return self.loss_fn(self.model, inputs, targets)


class ParallelStep:
    """One training step's loss over a global batch, data-parallel when ``ctx`` is.

    ``loss_fn`` returns the MEAN over its windows of a per-window loss (the classic summed
    cross-entropy). One process: exactly ``loss_fn(model, inputs[batch], targets[batch])``.
    Several: each rank runs its slice of B windows through DDP and backpropagates
    ``mean_slice * n_slice * world / B``; DDP averages gradients over ``world`` ranks, giving
    sum_over_ranks(sum_slice) / B, the one-process gradient of the global batch.
    """

    def __init__(self, model: nn.Module, loss_fn: LossFn, ctx: DistContext) -> None:
        self.ctx = ctx
        self.loss_fn = loss_fn
        self.model = model
        self.module = wrap(_LossModule(model, loss_fn), ctx) if ctx.distributed else None

    def __call__(
        self, inputs: Tensor, targets: Tensor, batch: Tensor
    ) -> tuple[Tensor, float, int, int]:
        """(loss to backpropagate, summed loss of this rank's windows, hits, counted)."""
        if self.module is None:
            with self.ctx.autocast():
                loss, hits, counted = self.loss_fn(self.model, inputs[batch], targets[batch])
            return loss, loss.item() * len(batch), int(hits), int(counted)
        local = shard(batch, self.ctx)
        n_local, n_global = len(local), len(batch)
        # A rank without windows still joins the gradient all-reduce, with zero gradients.
        run = local if n_local else batch[:1]
        with self.ctx.autocast():
            loss, hits, counted = self.module(inputs[run], targets[run])
        if not n_local:
            return loss * 0.0, 0.0, 0, 0
        scaled = loss * n_local * global_scale(self.ctx, n_global)
        return scaled, loss.item() * n_local, int(hits), int(counted)
