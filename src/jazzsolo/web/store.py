"""Takes on disk: a private temporary folder (mode 0700), one random-named folder per take.

File names come only from the server (``solo-1.wav``): a request names a take by its random
id and a file by a name the take itself listed, so no path is ever built from request text.
Old takes go when there are more than ``max_takes``, when they are older than ``max_age_s`` or
when all takes together exceed ``max_bytes`` (the newest take always stays, so its URLs work);
``close`` removes everything.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Take:
    """One finished request: its id, folder, files by public name, and JSON description."""

    id: str
    folder: Path
    files: dict[str, Path]
    info: dict[str, Any]
    created: float = 0.0  # set by the store, on its clock
    size: int = 0


class TakeStore:
    """Takes by id, oldest first, pruned by count, age and total size."""

    def __init__(self, max_takes: int = 64, max_age_s: float = 3600.0,
                 max_bytes: int = 512 * 2**20, root: Path | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_takes, self.max_age_s, self.max_bytes = max_takes, max_age_s, max_bytes
        self._clock = clock
        self.root = Path(tempfile.mkdtemp(prefix="jazzsolo-web-", dir=root))  # mode 0700
        self._takes: OrderedDict[str, Take] = OrderedDict()
        self._lock = threading.Lock()

    def new_folder(self) -> tuple[str, Path]:
        """A fresh random id and its empty private folder."""
        take_id = secrets.token_hex(16)
        folder = self.root / take_id
        folder.mkdir(mode=0o700)
        return take_id, folder

    def add(self, take: Take) -> None:
        """Keep a finished take (its files are complete), then prune older ones."""
        take.size = sum(p.stat().st_size for p in take.files.values())
        take.created = self._clock()
        with self._lock:
            self._takes[take.id] = take
        self.prune()

    def get(self, take_id: str) -> Take | None:
        """The take with this id, if it is still kept."""
        self.prune()
        with self._lock:
            return self._takes.get(take_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._takes)

    def prune(self) -> None:
        """Remove takes past the age, count or size limit (oldest first)."""
        now = self._clock()
        gone: list[Take] = []
        with self._lock:
            total = sum(t.size for t in self._takes.values())
            while self._takes:
                oldest = next(iter(self._takes.values()))
                too_old = now - oldest.created > self.max_age_s
                too_many = len(self._takes) > max(1, self.max_takes) or total > self.max_bytes
                if not too_old and not (too_many and len(self._takes) > 1):
                    break
                del self._takes[oldest.id]
                total -= oldest.size
                gone.append(oldest)
        for take in gone:
            discard(take.folder)

    def close(self) -> None:
        """Forget every take and remove the whole folder."""
        with self._lock:
            self._takes.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def discard(folder: Path) -> None:
    """Remove a take's folder (a failed take's, or a pruned one)."""
    shutil.rmtree(folder, ignore_errors=True)
