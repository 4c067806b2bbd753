"""The pieces that let a corpus store be built without per-file lists in memory: the lazy
file walk, raw logs turned into .npy, JSON-lines columns, the in-file remap, the tempo median."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from jazzsolo.corpus import MIDI_SUFFIXES, chunked_map, collect_files, iter_files
from jazzsolo.corpus_store import (
    CorpusStore,
    Lines,
    LineWriter,
    RawLog,
    StoreWriter,
    _upper_median,
    remap_field,
)
from jazzsolo.errors import JazzsoloError


def test_the_lazy_walk_lists_what_sorted_rglob_lists(tmp_path: Path) -> None:
    for rel in ("b.mid", "b/c.mid", "a-x.mid", "a/z.mid", "a/B.MID", "A.mid", "b.mid.d/x.mid",
                "z/y/x/w.midi", "a b/q.mid", "é.mid", "notes.txt", "a/deep/er/k.mid"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    os.symlink(tmp_path / "a", tmp_path / "link")  # a linked folder is not entered
    os.symlink(tmp_path / "b.mid", tmp_path / "zz.mid")  # a linked file is listed
    expected = sorted(f for f in tmp_path.rglob("*")
                      if f.is_file() and f.suffix.lower() in MIDI_SUFFIXES)
    assert collect_files([tmp_path]) == expected == list(iter_files([tmp_path]))
    assert len(expected) == 12
    (tmp_path / "empty").mkdir()
    with pytest.raises(JazzsoloError, match="empty: no MIDI files"):
        list(iter_files([tmp_path / "z", tmp_path / "empty"]))


def _square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("jobs", [1, 2])
def test_chunked_map_keeps_order_across_chunks(jobs: int) -> None:
    items = iter(range(23))  # an iterator: never a list
    assert list(chunked_map(_square, items, jobs, chunk=5, chunksize=2)) == \
        [(i, i * i) for i in range(23)]
    assert list(chunked_map(_square, iter(()), jobs)) == []


def test_raw_log_becomes_the_npy_of_its_rows(tmp_path: Path) -> None:
    log = RawLog(tmp_path / "m.raw", "uint8", (3,))
    rows = [np.arange(6).reshape(2, 3), np.zeros((0, 3)), np.full((1, 3), 7)]
    for r in rows:
        log.append(r)
    with pytest.raises(JazzsoloError, match="shape"):
        log.append(np.zeros((1, 4)))
    log.save(tmp_path / "m.npy")
    assert not (tmp_path / "m.raw").exists()
    saved = np.load(tmp_path / "m.npy", mmap_mode="r", allow_pickle=False)
    assert saved.dtype == np.uint8 and saved.shape == (3, 3)
    np.testing.assert_array_equal(saved, np.concatenate(rows).astype(np.uint8))
    numbers = RawLog(tmp_path / "n.raw", np.int64)
    for v in (0, -5, 2**40):
        numbers.append(v)
    numbers.save(tmp_path / "n.npy")
    assert np.load(tmp_path / "n.npy").tolist() == [0, -5, 2**40]


def test_lines_read_back_one_value_at_a_time(tmp_path: Path) -> None:
    values = ["a\nb", {"file": "x.mid", "reason": "é"}, 3, None, [1, 2]]
    writer = LineWriter(tmp_path, "col")
    for v in values:
        writer.append(v)
    assert len(writer) == 5
    writer.close()
    lines = Lines(tmp_path, "col")
    assert len(lines) == 5 and lines == values and list(lines) == values
    assert lines[1] == values[1] and lines[-1] == [1, 2] and lines[1:3] == values[1:3]
    assert lines != values[:4] and lines != values[::-1] and bool(lines)
    with pytest.raises(IndexError):
        lines[5]
    empty = LineWriter(tmp_path, "none")
    empty.close()
    assert len(Lines(tmp_path, "none")) == 0 and Lines(tmp_path, "none") == []


def test_store_columns_and_remap_across_shards(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    pieces = [rng.integers(0, 9, n) for n in (4, 7, 3, 9, 1, 6)]
    writer = StoreWriter(tmp_path / "s", {"value": "int32"}, shard_values=8)
    names = writer.lines("sources")
    for i, p in enumerate(pieces):
        writer.add({"value": p})
        names.append(f"p{i}.mid")
    writer.close({})
    store = CorpusStore(tmp_path / "s")
    assert len(store.index["shards"]) > 2 and store.lines("sources") == [
        f"p{i}.mid" for i in range(6)]
    with pytest.raises(JazzsoloError, match="no column"):
        store.lines("missing")
    assert not list((tmp_path / "s").glob("*.raw"))
    table = np.array([8, 7, 6, 5, 4, 3, 2, 1, 0], dtype=np.int32)
    remap_field(store, "value", table)
    reopened = CorpusStore(tmp_path / "s")
    for i, p in enumerate(pieces):
        np.testing.assert_array_equal(reopened.piece(i), table[p])


def test_upper_median_of_counted_values() -> None:
    rng = np.random.default_rng(2)
    for n in (1, 2, 5, 40):
        values = rng.choice([90.0, 120.0, 133.5, 200.0], n).tolist()
        assert _upper_median(Counter(values)) == sorted(values)[len(values) // 2]


def test_read_gives_what_the_memory_map_holds(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    pieces = [{"pitch": rng.integers(-1, 128, n), "masks": rng.random((n, 36)) < 0.5}
              for n in (6, 2, 9, 4)]
    writer = StoreWriter(tmp_path / "e", {"pitch": "int16", "masks": "uint8"}, shard_values=7)
    for piece in pieces:
        writer.add(piece)
    writer.close({})
    store = CorpusStore(tmp_path / "e")
    offsets = store.offsets
    for i, piece in enumerate(pieces):
        for a, b in ((0, len(piece["pitch"])), (1, 3), (2, 2)):
            for field in ("pitch", "masks"):
                start, stop = int(offsets[i]) + a, int(offsets[i]) + b
                got = store.read(field, start, stop)
                np.testing.assert_array_equal(got, store.span(field, start, stop))
                np.testing.assert_array_equal(got, piece[field][a:b])
    store.close()
    assert not store._files


def test_a_failed_build_closes_its_files(tmp_path: Path) -> None:
    with pytest.raises(JazzsoloError, match="boom"), \
            StoreWriter(tmp_path / "f", {"value": "int32"}) as writer:
        column = writer.lines("sources")
        writer.add({"value": np.arange(3)})
        raise JazzsoloError("boom")
    assert writer.offsets._file.closed and column._file.closed
    assert all(log._file.closed for log in writer._pending.values())
