"""A corpus on disk that training streams from: sharded memory-mapped arrays and a small index.

Layout of a store folder::

    index.json           fields and dtypes, shards, vocabulary, corpus metadata
    offsets.npy          int64 (pieces + 1): where each piece starts in the concatenated values
    <field>-00000.npy    one int array per field per shard; a shard holds whole pieces
    <column>.jsonl       one JSON value per piece (or per skipped file): sources, bars ...
    <column>-lines.npy   int64 byte offsets of those lines, for reading one line alone

Every field is a separate array of the same length per piece: the general mode stores one field
(``value``: vocabulary ids); an event model stores several (pitch, duration, chord root ...).
Arrays are written with ``allow_pickle=False`` and opened with ``mmap_mode='r'``, so training
reads only the pages of the windows it draws and memory does not grow with the corpus. The
build streams as well: offsets and per-piece columns go to disk as each piece is added, so
building holds one shard of values and no per-file list (names, lengths) in memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import (
    GENERAL_WINDOWS,
    CorpusOptions,
    cache_dir,
    content_key,
    encode_files,
    iter_files,
    skip_failed,
)
from .data import _check_id_windows
from .errors import JazzsoloError
from .score import Chord

STORE_VERSION = 2  # 2: offsets and per-piece columns streamed to disk while building
SHARD_VALUES = 1 << 20  # values per shard before a new one starts (4 MiB of int32)
REMAP_BLOCK = 1 << 16  # values remapped at a time when the vocabulary is sorted
COPY_BYTES = 1 << 20  # buffer of the raw -> .npy copy


class RawLog:
    """Rows of one dtype (and trailing shape) appended to a raw file as they come and turned
    into an ``.npy`` at the end by copying the bytes behind a header: nothing is buffered in
    memory but the file's write buffer, however many rows come."""

    def __init__(self, path: Path, dtype: str | np.dtype, tail: tuple[int, ...] = ()) -> None:
        self.path, self.dtype, self.tail = path, np.dtype(dtype), tuple(tail)
        self.count = 0
        self._file = path.open("wb")

    def append(self, rows: Any) -> None:
        """Append rows (an array of shape (n, *tail), or one number when tail is ())."""
        arr = np.asarray(rows, dtype=self.dtype)
        arr = arr.reshape(1) if arr.ndim == 0 else arr
        if arr.shape[1:] != self.tail:
            raise JazzsoloError(f"store: rows of shape {arr.shape[1:]}, expected {self.tail}")
        self._file.write(np.ascontiguousarray(arr).tobytes())
        self.count += len(arr)

    def abandon(self) -> None:
        """Close the raw file, for a build that failed (its folder is removed)."""
        self._file.close()

    def save(self, target: Path) -> None:
        """Write the rows to ``target`` (.npy) and remove the raw file."""
        self._file.close()
        header = np.lib.format.open_memmap(target, mode="w+", dtype=self.dtype,
                                           shape=(self.count, *self.tail))
        offset = header.offset
        del header  # only the header is written through the map; the bytes follow
        with self.path.open("rb") as raw, target.open("r+b") as out:
            out.seek(offset)
            shutil.copyfileobj(raw, out, COPY_BYTES)
        self.path.unlink()


class LineWriter:
    """A column of JSON values, one line each, appended to ``<name>.jsonl`` with the byte
    offset of every line logged to disk (``<name>-lines.npy`` when closed)."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = folder, name
        self._file = (folder / f"{name}.jsonl").open("wb")
        self._starts = RawLog(folder / f"{name}-lines.raw", np.int64)
        self._end = 0

    def append(self, value: Any) -> None:
        line = (json.dumps(value) + "\n").encode()
        self._starts.append(self._end)
        self._file.write(line)
        self._end += len(line)

    def __len__(self) -> int:
        return self._starts.count

    def abandon(self) -> None:
        self._file.close()
        self._starts.abandon()

    def close(self) -> None:
        self._file.close()
        self._starts.append(self._end)
        self._starts.save(self.folder / f"{self.name}-lines.npy")


class Lines(Sequence[Any]):
    """Read side of a ``LineWriter`` column: a sequence that reads a line when asked (its
    offsets memory-mapped), compares equal to a list of the same values."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / f"{name}.jsonl"
        self.starts = np.load(folder / f"{name}-lines.npy", mmap_mode="r", allow_pickle=False)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        i %= len(self)
        with self.path.open("rb") as fh:
            fh.seek(int(self.starts[i]))
            return json.loads(fh.read(int(self.starts[i + 1] - self.starts[i])))

    def __iter__(self) -> Iterator[Any]:
        with self.path.open("rb") as fh:
            for line in fh:
                yield json.loads(line)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class StoreWriter:
    """Appends pieces (one array per field, equal lengths; a field may have trailing axes such
    as (n, 36) masks) into shards; ``close`` writes the offsets and the index. Every piece goes
    to disk as it is added (values, offsets, ``lines`` columns): memory holds none of them."""

    def __init__(self, folder: Path, fields: dict[str, str],
                 shard_values: int = SHARD_VALUES) -> None:
        self.folder = folder
        self.fields = dict(fields)
        self.shard_values = shard_values
        folder.mkdir(parents=True, exist_ok=True)
        self.offsets = RawLog(folder / "offsets.raw", np.int64)
        self.offsets.append(0)
        self.n_values = 0
        self.shards: list[dict[str, Any]] = []
        self.columns: dict[str, LineWriter] = {}
        self.tails: dict[str, tuple[int, ...]] = {}  # trailing shape per field, from piece 1
        self._pending: dict[str, RawLog] = {}  # the open shard's files
        self._pending_pieces = 0
        self._pending_start = 0  # value offset where the pending shard begins

    @property
    def n_pieces(self) -> int:
        return self.offsets.count - 1

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        """Leaving the block by an error closes every file still open (the caller removes
        the folder); after ``close`` there is none."""
        if exc[0] is not None:
            for log in (self.offsets, *self._pending.values(), *self.columns.values()):
                log.abandon()

    def lines(self, name: str) -> LineWriter:
        """A JSON-lines column of this store (closed with it; read by ``CorpusStore.lines``)."""
        self.columns[name] = LineWriter(self.folder, name)
        return self.columns[name]

    def add(self, arrays: dict[str, np.ndarray]) -> None:
        """Append one piece given as {field: array of n rows}, all with the same n."""
        lengths = {len(a) for a in arrays.values()}
        if len(lengths) != 1 or set(arrays) != set(self.fields):
            raise JazzsoloError(f"store: a piece needs fields {sorted(self.fields)} of one length")
        number = len(self.shards)
        for f, dtype in self.fields.items():
            rows = np.asarray(arrays[f], dtype=dtype)
            if f not in self._pending:
                self._pending[f] = RawLog(self.folder / f"{f}-{number:05d}.raw", dtype,
                                          self.tails.setdefault(f, rows.shape[1:]))
            self._pending[f].append(rows)
        self.n_values += lengths.pop()
        self.offsets.append(self.n_values)
        self._pending_pieces += 1
        if self.n_values - self._pending_start >= self.shard_values:
            self._flush()

    def _flush(self) -> None:
        if not self._pending_pieces:
            return
        number = len(self.shards)
        shard = {"first_piece": self.n_pieces - self._pending_pieces,
                 "n_pieces": self._pending_pieces, "first_value": self._pending_start,
                 "length": self.n_values - self._pending_start, "files": {}}
        for f in self.fields:
            name = f"{f}-{number:05d}.npy"
            self._pending.pop(f).save(self.folder / name)
            shard["files"][f] = name
        self.shards.append(shard)
        self._pending_pieces = 0
        self._pending_start = self.n_values

    def close(self, meta: dict[str, Any]) -> None:
        """Write the last shard, ``offsets.npy``, the columns and ``index.json`` (with ``meta``)."""
        self._flush()
        n_pieces = self.n_pieces
        self.offsets.save(self.folder / "offsets.npy")
        for column in self.columns.values():
            column.close()
        index = {"version": STORE_VERSION, "fields": self.fields, "shards": self.shards,
                 "n_pieces": n_pieces, "n_values": self.n_values,
                 "columns": sorted(self.columns), "meta": meta}
        (self.folder / "index.json").write_text(json.dumps(index))


class CorpusStore:
    """Read side of a store: offsets, values and columns memory-mapped or read on demand."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        try:
            self.index = json.loads((self.folder / "index.json").read_text())
            self.offsets = np.load(self.folder / "offsets.npy", mmap_mode="r",
                                   allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise JazzsoloError(f"{self.folder}: not a readable corpus store ({exc})") from None
        if self.index.get("version") != STORE_VERSION:
            raise JazzsoloError(f"{self.folder}: corpus store version "
                                f"{self.index.get('version')}, expected {STORE_VERSION}")
        self.meta: dict[str, Any] = self.index["meta"]
        self._first_values = np.array([s["first_value"] for s in self.index["shards"]],
                                      dtype=np.int64)
        self._maps: dict[tuple[str, int], np.ndarray] = {}
        self._files: dict[tuple[str, int], tuple[Any, int, np.dtype, tuple[int, ...]]] = {}

    def close(self) -> None:
        """Close the shard files ``read`` opened (the memory maps close when dropped)."""
        files = getattr(self, "_files", {})  # absent when __init__ failed
        for fh, *_ in files.values():
            fh.close()
        files.clear()

    def __del__(self) -> None:
        self.close()

    @property
    def n_pieces(self) -> int:
        return int(self.index["n_pieces"])

    @property
    def n_values(self) -> int:
        return int(self.index["n_values"])

    def lengths(self) -> np.ndarray:
        """Values per piece (int64, in piece order)."""
        return np.diff(self.offsets)

    def shard_array(self, field: str, shard: int) -> np.ndarray:
        """The memory-mapped array of one field of one shard (opened once, read-only)."""
        key = (field, shard)
        if key not in self._maps:
            name = self.index["shards"][shard]["files"][field]
            self._maps[key] = np.load(self.folder / name, mmap_mode="r", allow_pickle=False)
        return self._maps[key]

    def lines(self, name: str) -> Lines:
        """A JSON-lines column written with ``StoreWriter.lines`` (read lazily)."""
        if name not in self.index.get("columns", ()):
            raise JazzsoloError(f"{self.folder}: the store has no column {name!r}")
        return Lines(self.folder, name)

    def span(self, field: str, start: int, stop: int) -> np.ndarray:
        """Values start..stop (positions in the concatenated values, inside one piece) of one
        field: a read-only view of the memory-mapped shard."""
        shard = int(np.searchsorted(self._first_values, start, side="right") - 1)
        lo = start - int(self._first_values[shard])
        return self.shard_array(field, shard)[lo : lo + stop - start]

    def read(self, field: str, start: int, stop: int) -> np.ndarray:
        """Values start..stop (inside one piece) of one field, read from the shard's file:
        unlike a memory map nothing stays mapped, so reading every piece of a large store
        once an epoch (the jazz model) does not add the whole store to the process's RSS."""
        shard = int(np.searchsorted(self._first_values, start, side="right") - 1)
        key = (field, shard)
        if key not in self._files:
            fh = (self.folder / self.index["shards"][shard]["files"][field]).open("rb")
            major, _ = np.lib.format.read_magic(fh)
            shape, _, dtype = _read_header(major)(fh)
            self._files[key] = (fh, fh.tell(), dtype, tuple(shape[1:]))
        fh, offset, dtype, tail = self._files[key]
        row = dtype.itemsize * int(np.prod(tail, dtype=np.int64))
        fh.seek(offset + row * (start - int(self._first_values[shard])))
        return np.frombuffer(fh.read(row * (stop - start)), dtype=dtype).reshape(-1, *tail)

    def piece(self, i: int, field: str = "value") -> np.ndarray:
        """The values of piece ``i`` in one field (a copy)."""
        return np.array(self.span(field, int(self.offsets[i]), int(self.offsets[i + 1])))

    def gather(self, field: str, piece: np.ndarray, start: np.ndarray, length: int) -> np.ndarray:
        """(count, length, ...) windows of one field: values start..start+length of each piece
    (a field of per-event vectors, e.g. (n, 36) masks, keeps its trailing axes)."""
        pos = self.offsets[piece] + start
        shard_of = np.searchsorted(self._first_values, pos, side="right") - 1
        first = self.shard_array(field, 0)
        out = np.empty((len(pos), length, *first.shape[1:]), dtype=first.dtype)
        steps = np.arange(length)
        for shard in np.unique(shard_of):
            rows = np.flatnonzero(shard_of == shard)
            local = pos[rows] - self._first_values[shard]
            out[rows] = self.shard_array(field, int(shard))[local[:, None] + steps]
        return out

    def window_starts(self, tx: int, m: int | None, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(piece, start) of the windows ``data.id_windows`` would draw with the same tx, m and
        seed: all starts in piece order, or m of them without replacement."""
        lengths = self.lengths()
        total = _check_id_windows([range(n) for n in lengths], tx, m)
        counts = np.maximum(0, lengths - tx + 1)
        if m is not None and m < total:
            flat = np.sort(np.random.default_rng(seed).choice(total, size=m, replace=False))
        else:
            flat = np.arange(total)
        ends = np.cumsum(counts)
        piece = np.searchsorted(ends, flat, side="right")
        return piece, flat - (ends[piece] - counts[piece])


def remap_field(store: CorpusStore, field: str, table: np.ndarray) -> None:
    """Replace every value v of a field by table[v], shard by shard, in place (read and
    written back a block at a time through the file, so no shard is mapped whole)."""
    for shard, spec in enumerate(store.index["shards"]):
        path = store.folder / spec["files"][field]
        store._maps.pop((field, shard), None)
        with path.open("r+b") as fh:
            major, _ = np.lib.format.read_magic(fh)
            shape, _, dtype = _read_header(major)(fh)
            start = fh.tell()
            for lo in range(0, int(np.prod(shape)), REMAP_BLOCK):
                fh.seek(start + lo * dtype.itemsize)
                block = np.fromfile(fh, dtype=dtype, count=REMAP_BLOCK)
                fh.seek(start + lo * dtype.itemsize)
                fh.write(table[block].astype(dtype).tobytes())


def _read_header(major: int) -> Any:
    """numpy's reader of an .npy header of format version ``major``."""
    fmt = np.lib.format
    return fmt.read_array_header_1_0 if major == 1 else fmt.read_array_header_2_0


class _Lazy(Sequence[Any]):
    """A length-only stand-in for a list the training code only counts (values, pieces)."""

    def __init__(self, n: int, what: str) -> None:
        self.n, self.what = n, what

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        raise JazzsoloError(f"a streamed corpus keeps its {self.what} on disk; read them "
                            "through CorpusStore")


class StoredCorpus:
    """A general-mode corpus backed by a store: what training needs from ``corpus.Corpus``
    (vocabulary, metadata, windows) without the values in memory."""

    mode = "general"

    def __init__(self, store: CorpusStore) -> None:
        self.store = store
        meta = store.meta
        self.vocabulary: list[str] = meta["vocabulary"]
        self.sources: Sequence[str] = store.lines("sources")
        self.skipped: Sequence[dict[str, str]] = store.lines("skipped")
        self.tempo = float(meta["tempo"])
        self.beats_per_bar = int(meta["beats_per_bar"])
        self.beat_unit = int(meta["beat_unit"])
        self.bar_length = float(meta["bar_length"])
        self.n_chords = int(meta["n_chords"])
        self.piece_bars: Sequence[int] = store.lines("piece_bars")
        self.values = _Lazy(store.n_values, "values")
        self.pieces = _Lazy(store.n_pieces, "pieces")

    def changes_for_model(self, max_bars: int = 64) -> list[list[Chord]]:
        """The first piece's chords (at most ``max_bars`` bars), as ``Corpus`` gives them."""
        return [[Chord(c["start"], c["duration"], tuple(c["pitches"]), c["symbol"]) for c in bar]
                for bar in self.store.meta["first_chords"][:max_bars]]

    def default_windows(self) -> int:
        """A seeded draw of at most 10,000 windows, as for an in-memory general corpus."""
        return GENERAL_WINDOWS

    def id_windows(
        self, vocabulary: list[str], tx: int = 30, m: int | None = None, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The windows ``Corpus.id_windows`` gives (same draw, same layout), read from the
        memory-mapped shards."""
        if list(vocabulary) != self.vocabulary:
            raise JazzsoloError("a streamed corpus trains with its own vocabulary")
        piece, start = self.store.window_starts(tx, m, seed)
        window = self.store.gather("value", piece, start, tx).astype(np.int64)
        inputs = np.full((len(piece), tx), len(vocabulary), dtype=np.int64)
        targets = np.full((len(piece), tx), -1, dtype=np.int64)
        inputs[:, 1:] = window[:, 1:]
        targets[:, :-1] = window[:, 1:]
        return inputs, targets, piece.astype(np.int64)


def store_root() -> Path:
    """Where stores are kept: ``<jazzsolo cache>/stores``."""
    return cache_dir() / "stores"


def build_store(
    inputs: Sequence[str | os.PathLike[str]],
    options: CorpusOptions | None = None,
    jobs: int | None = None,
    warn: Any = None,
    root: Path | None = None,
) -> StoredCorpus:
    """The general-mode corpus of files and folders as a store, built once per content (one
    process per core, through the per-file cache) and reopened when nothing changed."""
    options = options or CorpusOptions()

    def write(files: Iterable[Path], count: int, single: bool, folder: Path) -> None:
        _write_values_store(files, count, options, jobs, warn, folder, single)

    folder = cached_store(inputs, f"store {STORE_VERSION} {options.key()}", options, write, root)
    return StoredCorpus(CorpusStore(folder))


StoreWrite = Callable[[Iterable[Path], int, bool, Path], None]
"""``write(files, count, single, folder)``: fill a new store folder from the files."""


def cached_store(inputs: Sequence[str | os.PathLike[str]], kind: str, options: CorpusOptions,
                 write: StoreWrite, root: Path | None = None) -> Path:
    """The folder of the store of ``inputs`` named by a hash of ``kind`` and every file's name
    and content key; written by ``write`` into a temporary folder renamed into place, unless
    it exists. Files are listed twice (hash, then write), never held as a list."""
    digest = hashlib.sha256(kind.encode())
    count = 0
    for f in iter_files(inputs):
        try:
            key = content_key(f, options)
        except OSError:
            key = "unreadable"  # reported when the file is encoded
        digest.update(f"\0{f}\0{key}".encode())
        count += 1
    single = len(inputs) == 1 and count == 1 and not Path(inputs[0]).is_dir()
    root = root or store_root()
    final = root / digest.hexdigest()[:32]
    if (final / "index.json").exists():
        return final
    tmp = root / f".{final.name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        write(iter_files(inputs), count, single, tmp)
        try:
            os.replace(tmp, final)
        except OSError:  # another process finished the same store first
            if not (final / "index.json").exists():
                raise
    except OSError as exc:
        raise JazzsoloError(f"{root}: cannot write the corpus store ({exc})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _write_values_store(files: Iterable[Path], count: int, options: CorpusOptions,
                        jobs: int | None, warn: Any, folder: Path, single: bool) -> None:
    """Encode the files into a ``value`` store: ids in first-seen order while writing, then
    remapped to the sorted vocabulary (the order every model uses). Sources, bars per piece
    and skipped files go to line columns as they come; tempos are counted per value."""
    with StoreWriter(folder, {"value": "int32"}) as writer:
        sources, bars, skipped = (writer.lines(c) for c in ("sources", "piece_bars", "skipped"))
        seen: dict[str, int] = {}
        meta: dict[str, Any] = {"n_chords": 0}
        tempos: Counter[float] = Counter()
        for f, r in encode_files(files, options, use_cache=True, jobs=jobs):
            if skip_failed(f, r, skipped, single, warn):
                continue
            values = [v for bar in r["values"] for v in bar]
            ids = (seen.setdefault(v, len(seen)) for v in values)
            writer.add({"value": np.fromiter(ids, dtype=np.int32, count=len(values))})
            if not len(sources):
                meta.update(beats_per_bar=int(r["beats_per_bar"]), beat_unit=int(r["beat_unit"]),
                            bar_length=float(r["bar_length"]), first_chords=r["chords"][:64])
            sources.append(str(f))
            bars.append(len(r["values"]))
            meta["n_chords"] += int(r["n_chords"])
            tempos[r["tempo"]] += 1
        if not len(sources):
            raise JazzsoloError(f"none of the {count} files could be used")
        meta["tempo"] = float(_upper_median(tempos))
        vocabulary = sorted(seen)
        meta["vocabulary"] = vocabulary
        writer.close(meta)
    rank = {v: i for i, v in enumerate(vocabulary)}
    remap_field(CorpusStore(folder), "value", np.array([rank[v] for v in seen], dtype=np.int32))


def _upper_median(counts: Counter[float]) -> float:
    """``sorted(values)[len(values) // 2]`` of the values counted in ``counts``."""
    k = sum(counts.values()) // 2
    for value in sorted(counts):
        k -= counts[value]
        if k < 0:
            return value
    raise ValueError("no values")
