"""The jazz model's solos as a corpus store (``train --arch jazz --stream``).

Every solo's note events (``events.encode``: pitch, duration, onset, context fields, masks,
chord root) are written once per folder content into a ``corpus_store`` store, one process per
core, with the solos' file names in a line column. Training reopens it and reads each window's
events from the shard files when the batch is made (``CorpusStore.read``: an epoch reads every
solo, and mapped pages would add the whole store to the RSS): the solos, their order, the
tune-disjoint split and every window are those of ``train_jazz.load_solos``, value for value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from .corpus import CorpusOptions, chunked_map, skip_failed
from .corpus_store import STORE_VERSION, CorpusStore, StoreWriter, cached_store
from .errors import JazzsoloError
from .events import EventSeq
from .train_jazz import Solo, _encode_file, player_of, tune_of

EVENTS_VERSION = 7  # bump when events.encode changes what it writes (2: tempo, 3: player,
# 4: the 24-tick grid, 5: the phrase and density fields, 6: the bar plan fields, 7: bar plans
# counted up to 24)
# Stored dtype of each EventSeq field (every value fits: pitch -1..127, context fields < 64,
# masks 0/1); read back as the EventSeq dtypes below.
STORED = {"pitch": "int16", "duration": "int16", "onset": "int32", "context": "int16",
          "masks": "uint8", "root": "int8"}
READ = {"pitch": np.int64, "duration": np.int64, "onset": np.int64, "context": np.int64,
        "masks": np.float32, "root": np.int64}


class StoredEvents:
    """One solo of a jazz store, standing in for its :class:`EventSeq`: ``seq[a:b]`` is the
    EventSeq of events a..b read from the shards; a field (``seq.pitch``) reads the solo."""

    def __init__(self, store: CorpusStore, index: int, name: str = "") -> None:
        self.store, self.index, self.name = store, index, name
        self._start = int(store.offsets[index])
        self._n = int(store.offsets[index + 1]) - self._start

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, window: slice) -> EventSeq:
        a, b, step = window.indices(self._n)
        if step != 1:
            raise JazzsoloError("a stored solo reads contiguous events only")
        b = max(a, b)
        fields = {f: self.store.read(f, self._start + a, self._start + b).astype(dtype)
                  for f, dtype in READ.items()}
        return EventSeq(**fields, name=self.name)

    def __getattr__(self, field: str) -> np.ndarray:
        if field not in READ:
            raise AttributeError(field)
        return getattr(self[:], field)


def build_jazz_store(inputs: Sequence[str | os.PathLike[str]], jobs: int | None = None,
                     warn: Callable[[str], None] | None = None,
                     root: Path | None = None) -> CorpusStore:
    """The store of the solos in files and folders, built once per content and reopened while
    no file changes; bad files are skipped (a warning each) as ``load_solos`` skips them."""

    def write(files: Iterable[Path], count: int, single: bool, folder: Path) -> None:
        with StoreWriter(folder, STORED) as writer:
            sources, skipped = writer.lines("sources"), writer.lines("skipped")
            for _, (path, r) in chunked_map(_encode_file, (str(f) for f in files), jobs,
                                            chunksize=8):
                failed = {"error": r} if isinstance(r, str) else {}
                if not skip_failed(Path(path), failed, skipped, single, warn):
                    writer.add({f: getattr(r, f) for f in STORED})
                    sources.append(path)
            if not len(sources):
                raise JazzsoloError(f"none of the {count} files could be used")
            writer.close({"kind": "jazz events", "events_version": EVENTS_VERSION})

    kind = f"jazz store {STORE_VERSION} {EVENTS_VERSION}"
    return CorpusStore(cached_store(inputs, kind, CorpusOptions(), write, root))


def stored_solos(store: CorpusStore) -> list[Solo]:
    """The solos of a jazz store (named and grouped into tunes by file name, as
    ``load_solos`` does), their events left on disk."""
    if store.meta.get("kind") != "jazz events":
        raise JazzsoloError(f"{store.folder}: not a jazz store")
    out = []
    for i, source in enumerate(store.lines("sources")):
        name = Path(source).stem
        out.append(Solo(name, tune_of(source), StoredEvents(store, i, name),  # type: ignore[arg-type]
                        player_of(source)))
    return out


def stream_solos(inputs: Sequence[str | os.PathLike[str]], jobs: int | None = None,
                 warn: Callable[[str], None] | None = None,
                 root: Path | None = None) -> list[Solo]:
    """``load_solos`` through a store: build (or reopen) it, then the solos on disk."""
    return stored_solos(build_jazz_store(inputs, jobs, warn, root))
