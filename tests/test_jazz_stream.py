"""The jazz model trained from a corpus store (``train --arch jazz --stream``) against the same
training on solos held in memory: the same solos, split, windows, losses and weights."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from jazzsolo import cli
from jazzsolo.corpus import collect_files
from jazzsolo.jazz_store import StoredEvents, build_jazz_store, stream_solos
from jazzsolo.models.jazz_format import JazzConfig
from jazzsolo.train_jazz import epoch_windows, load_solos, make_batch, split_solos

from .midi_fixtures import write_song

REPO = Path(__file__).resolve().parents[1]
WJAZZD = ("BennyGoodman_TigerRag-1", "BennyGoodman_TigerRag-2", "KidOry_MuskratRamble")
SAME = 1e-6  # stream vs memory, one process: the same arrays in the same order (measured 0)
RANKS = 1e-5  # 2 ranks vs 1 process: same sums in float32, other order (test_distributed)
TINY = ["--hidden", "16", "--layers", "1", "--intervals", "4", "--dropout", "0", "--window",
        "32", "--batch-size", "5", "--val-fraction", "0.25", "--device", "cpu", "--json"]


@pytest.fixture(scope="module")
def folder(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small MIDI tunes, three WJazzD solos (two takes of one tune) and a broken file."""
    root = tmp_path_factory.mktemp("solos")
    for i in range(5):
        write_song(root / f"song{i}.mid", seed=i)
    for name in WJAZZD:
        shutil.copy(shared_data / "wjazzd" / "melody" / f"{name}_FINAL.csv", root)
        shutil.copy(shared_data / "wjazzd" / "beats" / f"{name}_FINAL_beattrack.csv", root)
    (root / "broken.mid").write_bytes(b"MThd not really")
    return root


@pytest.fixture(scope="module")
def memory_run(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """A tiny jazz training on the solos in memory: (JSON summary, model folder)."""
    return _train(folder, tmp_path_factory.mktemp("memory") / "model", [])


def _train(folder: Path, out: Path, extra: list[str]) -> tuple[dict, Path]:
    """Train through the CLI in this process (``--nproc 2``: in a torchrun subprocess)."""
    argv = ["train", str(folder), "--arch", "jazz", "--out", str(out), "--epochs", "2",
            *TINY, *extra]
    cache = {"XDG_CACHE_HOME": str(out.parent / "cache")}
    if "--nproc" in extra:
        env = {**os.environ, **cache,
               "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
        run = subprocess.run([sys.executable, "-m", "jazzsolo", *argv, "--threads", "1"],
                             capture_output=True, text=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        stdout = run.stdout
    else:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("XDG_CACHE_HOME", cache["XDG_CACHE_HOME"])
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):  # a module fixture has no capsys
                assert cli.main(argv) == 0
            stdout = printed.getvalue()
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1  # a second rank prints nothing
    return lines[0], out


def test_stored_solos_are_the_loaded_solos(folder: Path, tmp_path: Path) -> None:
    said: list[str] = []
    memory = load_solos([folder], jobs=1, warn=said.append)
    stored = stream_solos([folder], jobs=1, warn=said.append, root=tmp_path / "stores")
    assert len(said) == 2 and said[0] == said[1] and "broken.mid" in said[0]
    assert [(s.name, s.tune) for s in stored] == [(s.name, s.tune) for s in memory]
    assert len(memory) == len(collect_files([folder])) - 1
    assert {s.tune for s in memory} >= {"tigerrag", "muskratramble"}
    assert {s.player for s in stored} >= {"KidOry", ""}  # WJazzD names say; song0.mid not
    for a, b in zip(memory, stored, strict=True):
        assert isinstance(b.events, StoredEvents) and len(b.events) == len(a.events)
        assert b.player == a.player  # who plays, from the file name, either way
        n = len(a.events)
        for window in (slice(None), slice(0, 7), slice(n // 3, n // 3 + 40), slice(n - 5, n + 9)):
            want, got = a.events[window], b.events[window]
            for field in ("pitch", "duration", "onset", "context", "masks", "root"):
                x, y = getattr(want, field), getattr(got, field)
                assert y.dtype == x.dtype
                np.testing.assert_array_equal(y, x)
    for val in (0.25, 0.5):
        one, two = split_solos(memory, val, 3), split_solos(stored, val, 3)
        for side in ("train", "validation", "excluded"):
            assert [s.name for s in getattr(two, side)] == [s.name for s in getattr(one, side)]
    config = JazzConfig(hidden=16, layers=1)
    windows = epoch_windows(memory, 32, np.random.default_rng(0))
    for solos in (memory, stored):
        items = [(solos[k].events, st, ln, shift, k % 3) for (k, st, ln), shift
                 in zip(windows[:12], [0, 3, -5] * 4, strict=True)]
        batch = make_batch(config, items, 32)
        if solos is memory:
            expected = batch
    for a, b in zip(batch, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    reopened = build_jazz_store([folder], jobs=1, warn=said.append, root=tmp_path / "stores")
    assert reopened.folder == stored[0].events.store.folder and len(said) == 2  # built once
    assert isinstance(reopened.shard_array("masks", 0), np.memmap)


def test_jazz_trains_the_same_from_the_store(
    folder: Path, memory_run: tuple[dict, Path], tmp_path: Path
) -> None:
    one, one_out = memory_run
    two, two_out = _train(folder, tmp_path / "model", ["--stream"])
    assert (two["n_train"], two["n_validation"], two["n_events"]) == \
        (one["n_train"], one["n_validation"], one["n_events"])
    assert one["n_validation"] > 0 and two["epochs_run"] == 2
    for key in ("loss", "val_loss", "val_pitch_bits", "val_duration_bits"):
        np.testing.assert_allclose(two["history"][key], one["history"][key], rtol=SAME)
    assert one["history"]["loss"][-1] < one["history"]["loss"][0]  # it did train
    a, b = (load_file(str(o / "model.safetensors")) for o in (one_out, two_out))
    assert a.keys() == b.keys()
    for name, value in a.items():
        np.testing.assert_allclose(b[name], value, rtol=SAME, atol=1e-9)
    meta = [json.loads((o / "model.json").read_text())["trained_on"] for o in (one_out, two_out)]
    assert meta[1]["files"] == meta[0]["files"]
    assert meta[1]["validation_tunes"] == meta[0]["validation_tunes"]


def test_jazz_streams_on_two_torchrun_processes(
    folder: Path, memory_run: tuple[dict, Path], tmp_path: Path
) -> None:
    one, one_out = memory_run
    two, two_out = _train(folder, tmp_path / "model", ["--stream", "--nproc", "2"])
    assert sorted(p.name for p in two_out.iterdir()) == \
        ["checkpoint", "model.json", "model.safetensors"]  # rank 0 alone wrote
    assert (two["n_train"], two["n_validation"]) == (one["n_train"], one["n_validation"])
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(two["history"][key], one["history"][key], rtol=RANKS)
    a, b = (load_file(str(o / "model.safetensors")) for o in (one_out, two_out))
    for name, value in a.items():
        np.testing.assert_allclose(b[name], value, rtol=1e-3, atol=1e-5)


def test_jazz_stream_rejects_a_bad_single_file_and_leaves_no_store(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    bad = folder / "broken.mid"
    assert cli.main(["train", str(bad), "--arch", "jazz", "--stream", "--out",
                     str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0]
    stores = tmp_path / "cache" / "jazzsolo" / "stores"
    assert not stores.exists() or not any(stores.iterdir())
    assert not (tmp_path / "m").exists()
