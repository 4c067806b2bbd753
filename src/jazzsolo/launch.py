"""``--nproc N``: relaunch this very command under torchrun on the local machine.

Kept apart from jazzsolo.distributed so that the launching process does not import torch.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from .errors import JazzsoloError


def relaunch_wanted(nproc: int) -> bool:
    """More than one process asked for, and we are not already a rank started by torchrun."""
    return nproc > 1 and "WORLD_SIZE" not in os.environ


def torchrun_command(nproc: int, argv: Sequence[str]) -> list[str]:
    """``python -m torch.distributed.run --standalone --nproc-per-node N -m jazzsolo -- ARGV``:
    one machine, a free rendezvous port, N ranks each running the same jazzsolo command. The
    ``--`` stops torchrun reading our options as abbreviations of its own (--m, --start)."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone",
            f"--nproc-per-node={nproc}", "-m", "jazzsolo", "--", *argv]


def run_torchrun(nproc: int, argv: Sequence[str]) -> int:
    """Run the command under torchrun and wait; returns 0, or 2 after a one-line error when a
    rank failed (each rank has already printed its own error line)."""
    try:
        code = subprocess.call(torchrun_command(nproc, argv))
    except OSError as exc:
        raise JazzsoloError(f"--nproc {nproc}: cannot start torchrun ({exc})") from None
    if code != 0:
        print(f"jazzsolo: error: --nproc {nproc}: a training process failed (torchrun exit "
              f"code {code})", file=sys.stderr)
        return 2
    return 0
