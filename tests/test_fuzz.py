"""A seeded slice of the fuzz harness (tests/fuzzing.py): hostile MIDI, CSV, chord text and model
folders through every command that reads input. Each must succeed or fail with one line naming
the input (exit 2): no traceback, no hang, no file left behind. The long run is
benchmarks/fuzz_long.py."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jazzsolo.chords import parse_progression
from jazzsolo.errors import JazzsoloError

from . import fuzzing as fz

SLICE = fz.Campaign(seed=12, midi=50, csv=30, chords=40, models=30, plot_every=12,
                    render_every=25, train_every=25, specials=False)
SETTINGS = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _no_bugs(tally: fz.Tally) -> None:
    assert not tally.bugs, tally.report()
    assert tally.total("success") + tally.total("clean") > 0


def test_the_judge_sees_each_kind_of_outcome(tmp_path: Path, metheny: Path) -> None:
    ok = fz.run_cli(["parts", str(metheny)])
    assert ok.kind == "success"
    missing = fz.run_cli(["parts", str(tmp_path / "nope.mid")], names=["nope.mid"])
    assert missing.kind == "clean" and "nope.mid" in missing.detail
    assert fz.run_cli(["parts", str(tmp_path / "nope.mid")], names=["other"]).kind == "vague"
    left = tmp_path / "left.png"
    left.write_text("old")  # a failing command that leaves its output behind is a bug
    assert fz.run_cli(["plot", str(tmp_path / "x.mid"), "-o", str(left)], [left]).kind == \
        "leftover"


def test_truncations_cut_at_every_chunk_boundary() -> None:
    data = fz.small_solo()
    cuts = {len(t) for t in fz.truncations(data)}
    for pos, _, length in fz.chunks(data):
        assert {pos, pos + 8} - {0} <= cuts
        assert pos + 8 + length // 2 in cuts


def test_hand_made_extremes(tmp_path: Path) -> None:
    tally = fz.Tally()
    path = tmp_path / "extreme.mid"
    for name, data in fz.special_midis().items():
        path.write_bytes(data)
        for argv, outputs in (([ "parts", str(path)], []),
                              (["corpus", "--no-cache", "--jobs", "1", str(path)], []),
                              (["plot", str(path), "-o", str(tmp_path / "x.png")],
                               [tmp_path / "x.png"])):
            fz.clear(outputs)
            tally.add("midi", name, fz.run_cli(argv, outputs, names=[path.name, "--tx"]))
            fz.clear(outputs)
        if name.startswith(("tempo", "huge_tpq")):
            wav = tmp_path / "x.wav"
            tally.add("midi", name, fz.run_cli(["render", str(path), "-o", str(wav)], [wav],
                                               names=[path.name]))
            fz.clear([wav])
    _no_bugs(tally)


def test_midi_mutants(shared_data: Path, tmp_path: Path) -> None:
    tally = fz.Tally()
    seeds = fz.seed_midis(shared_data, n_wjazzd=2)
    fz.run_midi(SLICE, seeds, tmp_path, tally)
    _no_bugs(tally)
    assert sum(tally.counts["midi"].values()) >= 2 * SLICE.midi


def test_truncated_seed_files(shared_data: Path, tmp_path: Path) -> None:
    tally = fz.Tally()
    seeds = fz.seed_midis(shared_data, n_wjazzd=1)
    for name, data in seeds.items():
        for cut in fz.truncations(data)[::2]:
            path = tmp_path / "cut.mid"
            path.write_bytes(cut)
            tally.add("midi", name, fz.run_cli(["parts", str(path)], names=[path.name]))
    _no_bugs(tally)


def test_csv_mutants(shared_data: Path, tmp_path: Path) -> None:
    tally = fz.Tally()
    fz.run_csv(SLICE, fz.seed_csvs(shared_data), tmp_path, tally)
    _no_bugs(tally)


def test_hostile_chord_text(tmp_path: Path) -> None:
    tally = fz.Tally()
    fz.run_chords(SLICE, tmp_path, tally)
    _no_bugs(tally)


def test_hostile_model_folders(tmp_path: Path) -> None:
    tally = fz.Tally()
    fz.run_models(SLICE, tmp_path, tally)
    _no_bugs(tally)


@SETTINGS
@given(st.text(max_size=300))
def test_any_progression_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        parse_progression(text)
    except JazzsoloError as exc:
        assert "\n" not in str(exc).strip()


@SETTINGS
@given(tail=st.binary(max_size=400))
def test_any_bytes_after_a_midi_header(tmp_path: Path, tail: bytes) -> None:
    path = tmp_path / "any.mid"
    path.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0" + tail)
    outcome = fz.run_cli(["parts", str(path)], names=[path.name])
    assert outcome.kind in ("success", "clean"), outcome


@SETTINGS
@given(mutator=st.sampled_from(sorted(fz.MIDI_MUTATORS)), seed=st.integers(0, 2**32))
def test_each_mutator_on_a_small_solo(tmp_path: Path, mutator: str, seed: int) -> None:
    path = tmp_path / "m.mid"
    path.write_bytes(fz.MIDI_MUTATORS[mutator](fz.small_solo(), random.Random(seed)))
    for argv in (["parts", str(path)], ["corpus", "--no-cache", "--jobs", "1", str(path)]):
        outcome = fz.run_cli(argv, names=[path.name, "--tx"])
        assert outcome.kind in ("success", "clean"), outcome


@pytest.mark.parametrize("case", ["long_note_plot", "explosion", "giant_delta_corpus"])
def test_in_a_real_process_no_hang_no_crash(tmp_path: Path, case: str) -> None:
    """A sample in child processes: a hang or a crash of native code shows only there."""
    path = tmp_path / "case.mid"
    if case == "long_note_plot":
        path.write_bytes(fz.special_midis()["long_note"])
        argv = ["plot", str(path), "-o", str(tmp_path / "x.png")]
    elif case == "explosion":
        argv = ["generate", "--chords", "[[[C7]x99]x99]x99", "--out", str(tmp_path / "x.mid")]
    else:
        path.write_bytes(fz.giant_delta(fz.small_solo(division=1), random.Random(0)))
        argv = ["corpus", "--no-cache", str(path)]
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run([sys.executable, "-m", "jazzsolo.cli", *argv], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 2), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["case.mid"], ["case.mid", "x.png"])


def test_classic_mode_with_a_zero_microsecond_tempo(metheny: Path, tmp_path: Path) -> None:
    path = tmp_path / "tempo0.mid"
    with_tempo0 = fz.meta(0x51, b"\x00\x00\x00")
    path.write_bytes(fz._insert_in_track(metheny.read_bytes(), random.Random(0), with_tempo0))
    outcome = fz.run_cli(["corpus", "--classic", str(path)], names=[path.name])
    assert outcome.kind in ("success", "clean"), outcome
