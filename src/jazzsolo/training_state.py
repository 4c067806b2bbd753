"""Resumable training: one state file per run, rewritten atomically after every epoch.

The file is a single safetensors file: tensors (weights, optimizer moments, RNG keys) as
tensors, and everything else (epoch, history, RNG counters, a fingerprint of the data and the
options) as JSON in its metadata. One file renamed into place is all-or-nothing, so a training
killed at any moment leaves either the previous epoch's state or the new one, never a mix.
Nothing is pickled. Any trainer can use it: the classic loop (train.py) stores its Adam moments;
another trainer stores its own optimizer's tensors under its own names.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import JazzsoloError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .distributed import DistContext

STATE_NAME = "training_state.safetensors"
STATE_FORMAT = "jazzsolo-training-state"
STATE_VERSION = 1
_INFO_KEY = "state"

ProgressCallback = Callable[[int, int, dict[str, float]], None]
"""Called after every epoch as ``callback(epoch, epochs, logs)``; epoch counts from 1."""

Progress = bool | ProgressCallback


@dataclass(frozen=True)
class RunOptions:
    """How one training run is carried out, not what it learns, so none of it is written into
    model.json; one object keeps the trainers' signatures short (issue 14: <= 7 parameters).

    ``progress``: True shows a display on stderr, False nothing, a callable gets every epoch.
    ``curves``: also draw training.png. ``optional_validation``: the validation fraction is a
    default, not the user's, so a corpus too small to hold windows out trains on everything.
    ``resume``: the folder of an interrupted run to continue (the jazz trainer continues the
    checkpoint in its own output folder when this is set). ``dist``: the device and torchrun
    context (jazzsolo.distributed.DistContext); None is one process on the CPU.
    """

    progress: Progress = True
    curves: bool = True
    optional_validation: bool = False
    resume: str | None = None
    dist: DistContext | None = None


@dataclass(frozen=True)
class StateFolders:
    """Where a trainer keeps its state: ``save`` gets it after every epoch, ``resume`` (when
    given) holds the state of an interrupted run to continue."""

    save: str | None = None
    resume: str | None = None


def state_path(directory: str | os.PathLike[str]) -> Path:
    """Where a run's state lives: ``DIR/training_state.safetensors`` (or the file itself)."""
    p = Path(directory)
    return p if p.name == STATE_NAME else p / STATE_NAME


def save_state(directory: str | os.PathLike[str], tensors: dict[str, np.ndarray],
               info: dict[str, Any]) -> Path:
    """Write tensors + JSON-able ``info`` as the state file in ``directory`` (created if
    needed), through a temporary file, fsync and rename: never a half-written state."""
    from safetensors.numpy import save_file

    target = state_path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"format": STATE_FORMAT, "version": STATE_VERSION, **info},
                      allow_nan=False)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, tmp,
                  metadata={_INFO_KEY: text})
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except (OSError, ValueError) as exc:
        raise JazzsoloError(f"{target}: cannot write the training state ({exc})") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def load_state(directory: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a state file written by :func:`save_state`: (tensors, info); a one-line
    JazzsoloError naming the file for anything missing, damaged or foreign."""
    from safetensors import safe_open

    path = state_path(directory)
    if not path.is_file():
        raise JazzsoloError(f"{path}: no training state to resume from (is this the --out "
                            "folder of a classic training run? a jazz model resumes with "
                            "--arch jazz)")
    try:
        with safe_open(path, framework="numpy") as handle:
            info = json.loads((handle.metadata() or {}).get(_INFO_KEY, "null"))
            tensors = {name: handle.get_tensor(name) for name in handle.keys()}
    except Exception as exc:  # safetensors' own errors, OSError, JSON errors ...
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise JazzsoloError(f"{path}: not a readable training state ({reason})") from None
    if not isinstance(info, dict) or info.get("format") != STATE_FORMAT:
        raise JazzsoloError(f"{path}: not a jazzsolo training state")
    if info.get("version") != STATE_VERSION:
        raise JazzsoloError(f"{path}: training state version {info.get('version')!r} is not "
                            f"supported (this jazzsolo reads version {STATE_VERSION})")
    return tensors, info


def fingerprint(arrays: Iterable[Any], options: dict[str, Any]) -> str:
    """A digest of the training data and options, so a resume on other data is refused."""
    digest = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode())
    for array in arrays:
        a = np.ascontiguousarray(np.asarray(array))
        digest.update(f"{a.dtype}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def rng_states(generator: np.random.Generator | None = None) -> tuple[dict[str, np.ndarray],
                                                                      dict[str, Any]]:
    """The random states a run depends on: Python's, numpy's global, torch's (when torch is
    loaded) and a private numpy ``generator``; as (tensors, JSON info) for :func:`save_state`."""
    version, keys, gauss = random.getstate()
    tensors = {"rng.python": np.array(keys, dtype=np.uint32)}
    info: dict[str, Any] = {"python": [version, gauss]}
    name, np_keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    tensors["rng.numpy"] = np.asarray(np_keys, dtype=np.uint32)
    info["numpy"] = [name, int(pos), int(has_gauss), float(cached)]
    if "torch" in sys.modules:
        import torch

        tensors["rng.torch"] = torch.get_rng_state().numpy().copy()
    if generator is not None:
        info["generator"] = generator.bit_generator.state
    return tensors, {"rng": info}


def restore_rngs(tensors: dict[str, np.ndarray], info: dict[str, Any],
                 generator: np.random.Generator | None = None, where: str = "state") -> None:
    """Put back the states :func:`rng_states` saved (the inverse of it)."""
    try:
        rng = info["rng"]
        version, gauss = rng["python"]
        random.setstate((version, tuple(int(k) for k in tensors["rng.python"]), gauss))
        name, pos, has_gauss, cached = rng["numpy"]
        np.random.set_state((name, tensors["rng.numpy"], pos, has_gauss, cached))
        if "rng.torch" in tensors:
            import torch

            torch.set_rng_state(torch.from_numpy(np.array(tensors["rng.torch"], dtype=np.uint8)))
        if generator is not None:
            generator.bit_generator.state = rng["generator"]
    except (LookupError, TypeError, ValueError, RuntimeError) as exc:
        raise JazzsoloError(f"{where}: damaged random-number state ({exc!r})") from None
