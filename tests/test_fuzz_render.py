"""Render refuses, before any synthesis, MIDI files whose audio would take minutes of CPU (the
long fuzz run's two "hangs": byte-flipped WJazzD tempos stretching a solo to half an hour), and
the fuzz harness keeps the inputs of failing cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import symusic

from jazzsolo.audio import (
    MAX_RENDER_NOTES,
    MAX_RENDER_SECONDS,
    _check_render_size,
    _quieter_factors,
    render_wav,
)
from jazzsolo.errors import JazzsoloError

from . import fuzzing as fz

SLOWEST_TEMPO_US = 0xFFFFFF  # the largest 3-byte tempo a flipped byte can produce: 16.8 s a beat


def _stretched_solo(quarters: int) -> bytes:
    """The harness's small solo with one note lasting ``quarters`` beats at the slowest tempo."""
    return fz.small_solo(tempo_us=SLOWEST_TEMPO_US, melody=[(0, 480 * quarters, 60)])


def test_render_refuses_a_solo_stretched_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "stretched.mid"
    path.write_bytes(_stretched_solo(40))  # 40 beats of 16.8 s: over 11 minutes
    seconds = symusic.Score.from_midi(path.read_bytes()).to("second").end()
    assert seconds > MAX_RENDER_SECONDS
    out = tmp_path / "out.wav"
    outcome = fz.run_cli(["render", str(path), "-o", str(out)], [out], names=[path.name])
    assert outcome.kind == "clean", outcome.detail
    assert "minutes" in outcome.detail and not out.exists()


def test_a_refused_temporary_copy_is_named_as_the_users_file(tmp_path: Path) -> None:
    """generate --wav and render --band render a temporary MIDI: the error names the real one."""
    staged = tmp_path / ".solo.mid.1234.tmp"
    staged.write_bytes(_stretched_solo(40))
    with pytest.raises(JazzsoloError) as caught:
        render_wav(staged, tmp_path / "solo.wav", name="solo.mid")
    assert str(caught.value).startswith("solo.mid: lasts ") and ".tmp" not in str(caught.value)
    assert not (tmp_path / "solo.wav").exists()


def test_the_size_check_lets_a_long_real_solo_through(tmp_path: Path) -> None:
    quarters = int(MAX_RENDER_SECONDS * 0.95 / (SLOWEST_TEMPO_US / 1e6))
    score = symusic.Score.from_midi(_stretched_solo(quarters))
    assert score.to("second").end() <= MAX_RENDER_SECONDS
    _check_render_size(tmp_path / "long.mid", score)  # no error


def test_render_refuses_too_many_notes(tmp_path: Path) -> None:
    notes = [(i % 960, 10, 40 + i % 40) for i in range(MAX_RENDER_NOTES + 1)]
    score = symusic.Score.from_midi(fz.smf([fz.notes_body(notes)]))
    assert score.note_num() > MAX_RENDER_NOTES
    with pytest.raises(JazzsoloError, match=r"dense\.mid: has 100,001 notes"):
        _check_render_size(tmp_path / "dense.mid", score)


def test_clipping_retries_never_synthesize_more_than_the_limit() -> None:
    assert _quieter_factors(30.0) == [0.5, 0.25, 0.125]  # short takes: halve up to three times
    for seconds in (30.0, 160.0, 250.0, 400.0, MAX_RENDER_SECONDS):
        factors = _quieter_factors(seconds)
        assert (1 + len(factors)) * seconds <= max(MAX_RENDER_SECONDS, seconds)
        if factors:  # fewer retries reach the same quietest volume
            assert factors[-1] == pytest.approx(0.125)
            assert factors == sorted(factors, reverse=True)
    assert _quieter_factors(250.0) == [pytest.approx(0.125)]
    assert _quieter_factors(MAX_RENDER_SECONDS) == []


def test_keep_case_copies_the_input_and_the_command(tmp_path: Path) -> None:
    work, keep = tmp_path / "work", tmp_path / "kept"
    (work / "csv1" / "melody").mkdir(parents=True)
    (work / "csv1" / "melody" / "solo.csv").write_text("onset,pitch\n")
    argv = ["corpus", str(work / "csv1" / "melody" / "solo.csv")]
    plan = fz.Campaign(seed=3, keep=keep)
    hang = fz.Outcome("hang", "took 12.0 CPU s", 12.0, argv)
    fz.keep_case(plan, "csv", 7, hang, work, [work / "csv1"])
    case = Path(hang.kept)
    assert case.parent == keep
    assert (case / "csv1" / "melody" / "solo.csv").read_text() == "onset,pitch\n"
    saved = json.loads((case / "command.json").read_text())
    assert saved["argv"] == ["jazzsolo", "corpus", str(case / "csv1" / "melody" / "solo.csv")]
    assert saved["kind"] == "hang"
    fine = fz.Outcome("clean", "jazzsolo: error: x", 0.1, argv)
    fz.keep_case(plan, "csv", 8, fine, work, [work / "csv1"])
    assert fine.kept == "" and len(list(keep.iterdir())) == 1
