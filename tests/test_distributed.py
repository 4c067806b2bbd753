"""Data-parallel training (torchrun, gloo, 2 CPU processes) against one process, for the
classic and the jazz model, the device options, and the memory-mapped corpus store against
the in-memory corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from jazzsolo import cli
from jazzsolo.corpus import build_corpus
from jazzsolo.corpus_store import CorpusStore, StoreWriter, build_store
from jazzsolo.distributed import DistContext, autocast_dtype, resolve_device, rows, shard
from jazzsolo.errors import JazzsoloError
from jazzsolo.launch import torchrun_command
from jazzsolo.train import RunOptions, TrainConfig, train_corpus
from jazzsolo.train_jazz import batch_loss

from .midi_fixtures import write_song

REPO = Path(__file__).resolve().parents[1]
RELATIVE = 1e-4  # per-epoch losses of 2 ranks vs 1 process: same sums, other rounding order


@pytest.fixture(scope="module")
def songs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("songs")
    for i in range(8):
        write_song(folder / f"song{i}.mid", seed=i)
    return folder


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def _fake_torchrun(monkeypatch: pytest.MonkeyPatch, code: int) -> list[list[str]]:
    """Record the torchrun commands ``--nproc`` would start (each 'exits' with ``code``)."""
    started: list[list[str]] = []
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setattr(subprocess, "call", lambda command: started.append(command) or code)
    return started


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_two_torchrun_processes_train_like_one_and_write_one_checkpoint(
    songs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ["train", str(songs), "--epochs", "3", "--m", "200", "--batch-size", "16",
              "--no-plot", "--json", "--device", "cpu"]
    assert cli.main([*common, "--out", str(tmp_path / "one")]) == 0
    one = _json_lines(capsys.readouterr().out)[0]

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)]),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = tmp_path / "two"
    run = subprocess.run(
        [sys.executable, "-m", "jazzsolo", *common, "--out", str(out), "--nproc", "2",
         "--stream"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = _json_lines(run.stdout)
    assert len(lines) == 1  # rank 1 prints nothing
    two = lines[0]
    assert sorted(p.name for p in out.iterdir()) == ["model.json", "model.safetensors",
                                                     "training_state.safetensors"]
    assert two["n_train"] == one["n_train"] and two["n_validation"] == one["n_validation"] > 0
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        assert len(two["history"][key]) == 3
        np.testing.assert_allclose(two["history"][key], one["history"][key], rtol=RELATIVE)
    assert two["history"]["loss"][-1] < two["history"]["loss"][0]  # it did train


def test_only_rank_0_writes_the_checkpoint(songs: Path, tmp_path: Path) -> None:
    corpus = build_corpus([songs], jobs=1)
    config = TrainConfig(epochs=1, val_fraction=0.0)
    for rank in (1, 0):
        out = tmp_path / f"rank{rank}"
        train_corpus(corpus, config, str(out), m=20,
                     run=RunOptions(progress=False, dist=DistContext(rank=rank)))
        assert out.exists() == (rank == 0)
    assert (tmp_path / "rank0" / "training.png").exists()


@pytest.mark.parametrize("world", [1, 2, 3, 4])
def test_shards_cover_each_global_batch_once(world: int) -> None:
    for n in range(10):
        batch = torch.arange(100, 100 + n)
        parts = [shard(batch, DistContext(rank=r, world_size=world)) for r in range(world)]
        assert torch.equal(torch.cat(parts), batch)
        assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1
        assert [len(range(n)[rows(n, DistContext(rank=r, world_size=world))])
                for r in range(world)] == [len(p) for p in parts]


def test_device_and_precision_choices() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    assert autocast_dtype("auto", torch.device("cpu")) is None  # bf16 stays off on CPU
    assert autocast_dtype("bf16", torch.device("cpu")) == torch.bfloat16
    assert autocast_dtype("fp32", torch.device("cuda", 0)) is None
    with pytest.raises(JazzsoloError, match="--precision"):
        autocast_dtype("fp8", torch.device("cpu"))
    if not torch.cuda.is_available():
        with pytest.raises(JazzsoloError, match="--device cuda"):
            resolve_device("cuda")
        assert resolve_device("auto").type in ("cpu", "mps")


def test_cli_rejects_a_missing_gpu_and_stream_in_classic_mode(
    songs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not torch.cuda.is_available():
        assert cli.main(["train", str(songs), "--out", str(tmp_path / "m"), "--device",
                         "cuda"]) == 2
        assert "--device cuda" in capsys.readouterr().err
    assert cli.main(["train", str(songs / "song0.mid"), "--classic", "--stream",
                     "--out", str(tmp_path / "m")]) == 2
    assert "--stream" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_torchrun_command_keeps_our_options_away_from_torchrun() -> None:
    command = torchrun_command(2, ["train", "x.mid", "--m", "5", "--start", "1"])
    assert command[command.index("jazzsolo") + 1] == "--"  # torchrun would read --m as its own
    assert "--nproc-per-node=2" in command
    parsed = cli.build_parser().parse_args(["train", "x.mid", "--out", "o", "--nproc", "2"])
    assert parsed.nproc == 2 and parsed.device == "auto" and parsed.precision == "auto"


def test_store_round_trips_the_in_memory_corpus(songs: Path, tmp_path: Path) -> None:
    memory = build_corpus([songs], jobs=1)
    stored = build_store([songs], jobs=1, root=tmp_path / "stores")
    assert stored.vocabulary == memory.vocabulary
    assert stored.sources == memory.sources and stored.piece_bars == memory.piece_bars
    assert len(stored.values) == len(memory.values) and len(stored.pieces) == len(memory.pieces)
    for i, piece in enumerate(memory.pieces):
        assert [stored.vocabulary[j] for j in stored.store.piece(i)] == piece
    assert stored.changes_for_model() == memory.changes_for_model()
    assert stored.tempo == memory.tempo and stored.n_chords == memory.n_chords
    for m, seed in ((None, 0), (50, 0), (50, 7)):
        for a, b in zip(memory.id_windows(memory.vocabulary, tx=20, m=m, seed=seed),
                        stored.id_windows(stored.vocabulary, tx=20, m=m, seed=seed), strict=True):
            np.testing.assert_array_equal(a, b)


def test_store_is_reused_until_a_file_changes(songs: Path, tmp_path: Path) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    for i in range(3):
        (folder / f"s{i}.mid").write_bytes((songs / f"song{i}.mid").read_bytes())
    first = build_store([folder], jobs=1, root=tmp_path / "stores").store.folder
    again = build_store([folder], jobs=1, root=tmp_path / "stores").store.folder
    assert again == first
    (folder / "s1.mid").write_bytes((songs / "song5.mid").read_bytes())
    changed = build_store([folder], jobs=1, root=tmp_path / "stores")
    assert changed.store.folder != first
    assert [changed.vocabulary[j] for j in changed.store.piece(1)] == \
        build_corpus([folder / "s1.mid"], jobs=1).pieces[0]


def test_store_holds_several_fields_across_shards(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pieces = [{"pitch": rng.integers(0, 128, n), "duration": rng.integers(1, 48, n),
               "masks": rng.random((n, 36)) < 0.3} for n in (5, 9, 1, 12, 7)]
    writer = StoreWriter(tmp_path / "events", {"pitch": "int16", "duration": "int32",
                                               "masks": "float32"}, shard_values=10)
    for piece in pieces:
        writer.add(piece)
    writer.close({"kind": "test"})
    store = CorpusStore(tmp_path / "events")
    assert len(store.index["shards"]) > 1 and store.meta == {"kind": "test"}
    assert store.lengths().tolist() == [5, 9, 1, 12, 7]
    for i, piece in enumerate(pieces):
        for name, values in piece.items():
            np.testing.assert_array_equal(store.piece(i, name), values)
    assert isinstance(store.shard_array("pitch", 0), np.memmap)
    piece, start = store.window_starts(tx=4, m=None, seed=0)
    for name in ("duration", "masks"):
        windows = store.gather(name, piece, start, 4)
        expected = [pieces[p][name][s : s + 4] for p, s in zip(piece, start, strict=True)]
        np.testing.assert_array_equal(windows, np.array(expected))
    assert store.gather("masks", piece, start, 4).shape == (len(piece), 4, 36)
    with pytest.raises(JazzsoloError, match="one length"):
        writer.add({"pitch": np.zeros(2), "duration": np.zeros(3)})


def test_nproc_checks_the_input_before_starting_torchrun(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started = _fake_torchrun(monkeypatch, 1)
    missing = tmp_path / "nothing.mid"
    assert cli.main(["train", str(missing), "--out", str(tmp_path / "m"), "--nproc", "2"]) == 2
    assert not started and str(missing) in capsys.readouterr().err


def test_nproc_reports_a_failed_rank_in_one_line(
    songs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = _fake_torchrun(monkeypatch, 1)
    argv = ["train", str(songs), "--out", str(tmp_path / "m"), "--nproc", "3"]
    assert cli.main(argv) == 2
    assert started == [torchrun_command(3, argv)]
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("jazzsolo: error: --nproc 3: a training process failed")


JAZZ_RELATIVE = 1e-5  # jazz losses, 2 ranks vs 1 process: same sums in float32, other order


def _jazz_train(folder: Path, out: Path, epochs: int, nproc: int, resume: bool = False,
                ) -> dict:
    """Train a tiny jazz model through the CLI (``--nproc 2``: torchrun, gloo) and return its
    JSON summary; ``resume`` continues the checkpoint in ``out``."""
    target = ["--resume", str(out)] if resume else ["--out", str(out)]
    argv = ["train", str(folder), "--arch", "jazz", *target, "--epochs", str(epochs),
            "--hidden", "16", "--layers", "1", "--intervals", "4", "--dropout", "0",
            "--window", "32", "--batch-size", "5", "--threads", "1", "--val-fraction", "0.25",
            "--device", "cpu", "--json", "--nproc", str(nproc)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])}
    run = subprocess.run([sys.executable, "-m", "jazzsolo", *argv], capture_output=True,
                         text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = _json_lines(run.stdout)
    assert len(lines) == 1  # rank 1 prints nothing
    return lines[0]


def test_jazz_model_trains_on_two_torchrun_processes_like_on_one(
    songs: Path, tmp_path: Path
) -> None:
    results = {}
    for nproc in (1, 2):
        out = tmp_path / f"jazz{nproc}"
        first = _jazz_train(songs, out, 2, nproc)
        assert first["epochs_run"] == 2
        results[nproc] = _jazz_train(songs, out, 3, nproc, resume=True)
        assert sorted(p.name for p in out.iterdir()) == \
            ["checkpoint", "model.json", "model.safetensors"]  # one model, one checkpoint
        assert sorted(p.name for p in (out / "checkpoint").iterdir()) == \
            ["state.json", "state.safetensors"]
    one, two = results[1], results[2]
    assert two["n_train"] == one["n_train"] and two["n_validation"] == one["n_validation"] > 0
    for key in ("loss", "val_loss"):
        assert len(two["history"][key]) == 3
        np.testing.assert_allclose(two["history"][key], one["history"][key], rtol=JAZZ_RELATIVE)
    assert one["history"]["loss"][-1] < one["history"]["loss"][0]  # it did train
    weights = [load_file(str(tmp_path / f"jazz{n}" / "model.safetensors")) for n in (1, 2)]
    for name, value in weights[0].items():
        np.testing.assert_allclose(weights[1][name], value, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("world", [2, 3])
def test_jazz_rank_losses_add_up_to_the_one_process_loss(world: int) -> None:
    """The ranks' backpropagated jazz losses, averaged as DDP averages gradients, equal the
    one-process loss of the global batch, also when a rank has no rows (batch of 2, 3 ranks)."""
    gen = torch.Generator().manual_seed(world)
    b, t = 2, 6
    pl, dl = torch.randn(b, t, 7, generator=gen), torch.randn(b, t, 5, generator=gen)
    p, d = torch.randint(0, 7, (b, t), generator=gen), torch.randint(0, 5, (b, t), generator=gen)
    p[1, 4:], d[1, 4:] = -100, -100  # the second window is shorter: padding
    count = int((p >= 0).sum())
    single, share = batch_loss(pl, dl, p, d, DistContext(), count, True)
    assert share == pytest.approx(single.item())
    total, shares = 0.0, 0.0
    for rank in range(world):
        ctx = DistContext(rank=rank, world_size=world)
        mine = rows(b, ctx)
        own = bool(range(b)[mine])
        part = mine if own else slice(0, 1)
        loss, share = batch_loss(pl[part], dl[part], p[part], d[part], ctx, count, own)
        total += loss.item() / world
        shares += share
        if not own:
            assert loss.item() == 0.0 and share == 0.0
    assert total == pytest.approx(single.item(), rel=1e-6)
    assert shares == pytest.approx(single.item(), rel=1e-6)


def test_jazz_checks_its_options_before_starting_torchrun(
    songs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = _fake_torchrun(monkeypatch, 0)
    base = ["train", str(songs), "--arch", "jazz", "--out", str(tmp_path / "m"), "--nproc", "2"]
    for extra, named in ((["--stream", "--no-cache"], "--stream"),
                         (["--dropout", "1.5"], "dropout"),
                         (["--exclude-tunes", str(tmp_path / "none.txt")], "none.txt")):
        assert cli.main([*base, *extra]) == 2
        assert named in capsys.readouterr().err
    assert not started and not (tmp_path / "m").exists()
    assert cli.main(base) == 0 and started == [torchrun_command(2, base)]
