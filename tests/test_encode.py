"""The general-mode encoding: every kept bar adds up to its bar, no value is zero-length."""

from __future__ import annotations

import csv
import random
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from jazzsolo.corpus import CorpusOptions, build_corpus, read_piece
from jazzsolo.data import id_window_count, id_windows
from jazzsolo.errors import JazzsoloError
from jazzsolo.grammar import (
    ChordContext,
    bar_elements,
    context_at,
    encode_lead_sheet,
    parse_value,
    snap,
)
from jazzsolo.score import Chord, LeadSheet, Note

from .midi_fixtures import write_midi

C7 = Chord(0.0, 64.0, (48, 52, 55, 58), "C7")


def _sheet(notes, beats=4, unit=4, first=0.0, chords=(C7,)) -> LeadSheet:
    melody = [Note(s, d, p) for s, d, p in notes]
    return LeadSheet(melody, list(chords), beats_per_bar=beats, beat_unit=unit,
                     first_bar_start=first)


def _assert_bars_add_up(sheet: LeadSheet) -> list[list[str]]:
    """Exact tick sums per kept bar, no zero length, and the printed values agree."""
    elements, kept, unit = bar_elements(sheet)
    bars, kept_too = encode_lead_sheet(sheet)
    assert kept == kept_too and len(bars) == len(elements) == len(kept)
    assert kept == sorted(set(kept))
    bar = Fraction(sheet.bar_length)
    for ticks, values in zip(elements, bars, strict=True):
        assert all(length > 0 for _, length, _ in ticks), ticks
        assert abs(float(sum(Fraction(length, unit) for _, length, _ in ticks) - bar)) < 1e-9
        durations = [parse_value(v).duration for v in values]
        assert all(d > 0 for d in durations), values
        assert abs(sum(durations) - sheet.bar_length) <= 0.0015 * len(values), values
        assert not any(v.startswith("R,0.000") for v in values)
        # rests never follow rests: a gap is one rest
        kinds = [parse_value(v).type for v in values]
        assert all(not (a == b == "R") for a, b in zip(kinds, kinds[1:], strict=False)), values
    return bars


def _plain(bars: list[list[str]]) -> list[list[str]]:
    """Values without their interval bounds."""
    return [[v.partition(",<")[0] for v in bar] for bar in bars]


def test_the_smallest_review_example_adds_up():
    """Notes at 1/3 and 1/2: the first lasts 1/6 (it used to be 'S,0.250', a bar of 4.083)."""
    bars = _assert_bars_add_up(_sheet([(1 / 3, 1 / 6, 62), (0.5, 0.5, 64)]))
    assert bars == [["R,0.333", "S,0.167", "C,0.500,<P4,m-2>", "R,3.000"]]


def test_a_twelfth_gap_is_a_rest_not_zero():
    bars = _assert_bars_add_up(_sheet([(0.0, 0.25, 60), (1 / 3, 2 / 3, 64)]))
    assert _plain(bars) == [["C,0.250", "R,0.083", "C,0.667", "R,3.000"]]


def test_gaps_of_two_and_eleven_twelfths_stay_before_the_next_onset():
    # 2/12 gap: 1/4 -> 5/12? grid points only, so 1/3 -> 1/2 (2/12); 11/12: 1/12 -> 1.
    bars = _assert_bars_add_up(_sheet([(0.0, 1 / 3, 60), (0.5, 0.25, 62), (1.75, 0.25, 64),
                                       (8 / 3, 1 / 3, 65)]))
    durations = [parse_value(v).duration for v in bars[0]]
    assert durations == [0.333, 0.167, 0.25, 1.0, 0.25, 0.667, 0.333, 1.0]


def test_triplets_and_sixteenths_mixed():
    notes = [(k / 3, 1 / 3, 60 + k) for k in range(6)]  # two beats of triplets
    notes += [(2 + k / 4, 0.25, 70 - k) for k in range(8)]  # two beats of sixteenths
    notes += [(4 + k / 3, 0.2, 60) for k in range(0, 12, 2)]  # short triplet notes: rests
    notes += [(8.25, 0.5, 67), (8 + 2 / 3, 1.0, 65), (9.75, 1 / 6, 64), (10.0, 0.1, 62)]
    bars = _assert_bars_add_up(_sheet(notes))
    assert len(bars) == 3


def test_swing_offsets_off_the_grid():
    rng = random.Random(7)
    notes = []
    for bar in range(8):
        for beat in range(4):
            t = bar * 4 + beat
            notes.append((t + rng.uniform(-0.04, 0.04), rng.uniform(0.4, 0.7), 60 + beat))
            notes.append((t + 0.62 + rng.uniform(-0.05, 0.05), rng.uniform(0.1, 0.4), 67))
    _assert_bars_add_up(_sheet([n for n in notes if n[0] >= 0]))


def test_overlapping_and_same_onset_notes():
    notes = [(0.0, 2.0, 60), (0.02, 1.0, 64), (0.5, 3.0, 62), (0.9, 0.01, 66), (1.0, 0.0, 67),
             (2.01, 0.001, 55), (3.97, 2.0, 59)]
    bars = _assert_bars_add_up(_sheet(notes))
    # 0 and 0.02 snap together: the higher (64) stays, cut by 62 at 0.5; 0.9 snaps to 1.0 with
    # 67 (kept: higher), whose zero length becomes one grid step; 3.97 belongs to bar 1
    assert _plain(bars)[0] == ["C,0.500", "S,0.500", "C,0.250", "R,0.750", "C,0.250", "R,1.750"]
    assert _plain(bars)[1][0] == "A,2.000"  # B over C7: a half step below the root


def test_a_zero_or_tiny_note_lasts_to_the_next_grid_point():
    bars = _assert_bars_add_up(_sheet([(1.0, 0.0, 60), (2.0, 0.01, 64), (3.0, 0.001, 67)]))
    assert _plain(bars) == [["R,1.000", "C,0.250", "R,0.750", "C,0.250", "R,0.750", "C,0.250",
                             "R,0.750"]]


def test_notes_across_bar_lines_are_cut_there():
    bars = _assert_bars_add_up(_sheet([(3.5, 1.5, 60), (5.0, 4.0, 62), (11.99, 0.5, 64)]))
    assert bars[0][-1] == "C,0.500" and bars[1] == ["R,1.000", "S,3.000"]
    # the note at 11.99 snaps onto bar 3's line: it belongs to bar 3 (not to a bar-2 tail)
    assert len(bars) == 3


@pytest.mark.parametrize("beats,unit,length", [(3, 4, 3.0), (6, 8, 3.0), (7, 8, 3.5),
                                               (5, 4, 5.0), (9, 8, 4.5)])
def test_other_meters(beats, unit, length):
    rng = random.Random(beats * 10 + unit)
    notes = [(t, rng.choice((0.2, 0.5, 1 / 3, 1.5)), rng.randint(55, 80))
             for t in sorted(rng.uniform(0, 8 * length) for _ in range(40))]
    sheet = _sheet(notes, beats, unit)
    assert sheet.bar_length == length
    bars = _assert_bars_add_up(sheet)
    assert len(bars) >= 7


def test_pickup_bar_adds_up_too():
    # first bar line at 1.0; a pickup note at 0.5 falls in bar -1, which starts at -3.0
    sheet = _sheet([(0.5, 0.5, 67), (1.0, 1.0, 64), (2.3, 0.3, 62)], first=1.0)
    bars, kept = encode_lead_sheet(sheet)
    assert kept == [-1, 0]
    assert bars[0] == ["R,3.500", "C,0.500"]
    _assert_bars_add_up(sheet)


def test_a_pickup_off_the_grid_snaps_from_the_first_bar_line():
    sheet = _sheet([(0.1, 0.5, 67), (0.35, 1.0, 64)], first=0.1, beats=3)
    bars, kept = encode_lead_sheet(sheet)
    assert kept == [0] and _plain(bars) == [["C,0.250", "C,1.000", "R,1.750"]]


def test_empty_bars_kept_when_asked():
    sheet = _sheet([(0.0, 1.0, 60), (8.0, 1.0, 64)], beats=6, unit=8, chords=())
    bars, kept = encode_lead_sheet(sheet, keep_empty_bars=True)
    assert kept == [0, 1, 2] and bars[1] == ["R,3.000"]
    assert encode_lead_sheet(sheet)[1] == [0, 2]


def test_random_lead_sheets_always_add_up():
    rng = random.Random(2024)
    for case in range(60):
        beats, unit = rng.choice([(4, 4), (3, 4), (6, 8), (5, 8), (2, 2), (12, 8)])
        first = rng.choice([0.0, 1.0, 0.5, 1 / 3, 0.37])
        notes = []
        t = first + rng.uniform(-1, 1)
        for _ in range(rng.randint(1, 60)):
            t += rng.choice([0.0, 0.01, 1 / 12, 1 / 6, 0.25, 1 / 3, 0.5, rng.uniform(0, 2)])
            notes.append((t, rng.choice([0.0, 0.03, 0.25, rng.uniform(0, 3)]),
                          rng.randint(40, 90)))
        chords = [Chord(first + 2.0 * k, 2.0, (50 + k % 5, 54 + k % 5, 57 + k % 5))
                  for k in range(60)]
        sheet = _sheet(notes, beats, unit, first, chords)
        try:
            _assert_bars_add_up(sheet)
        except AssertionError as exc:
            raise AssertionError(f"case {case}: {beats}/{unit} from {first}: {notes}") from exc


def test_snap_keeps_its_behaviour():
    assert snap(0.3) == pytest.approx(1 / 3)
    assert snap(0.29) == 0.25
    assert snap(1 / 24) == 0.0  # 1/12 is no grid point: the nearest are 0 and 1/4
    assert snap(0.125) == 0.0  # tie between 0 and 0.25 goes to the earlier
    assert snap(-0.3) == pytest.approx(-1 / 3)
    assert snap(0.3, (4,)) == 0.25


def test_context_at_bisects_like_a_linear_search():
    contexts = [ChordContext(float(s), frozenset({s % 12}), frozenset()) for s in (0, 2, 2, 5, 9)]
    starts = [c.start for c in contexts]
    for t in (-1.0, 0.0, 1.9, 2.0 - 1e-12, 2.0, 4.99, 5.0, 8.0, 9.0, 100.0):
        linear = None
        for c in contexts:
            if c.start <= t + 1e-9:
                linear = c
        expected = linear if linear is not None else contexts[0]
        assert context_at(contexts, t, starts) is expected
        assert context_at(contexts, t) is expected
    assert context_at([], 1.0) is None


# ---------------------------------------------------------------------- WJazzD (shared data)


def test_first_wjazzd_midi_files_add_up(shared_data):
    files = sorted((shared_data / "wjazzd" / "midi").glob("*.mid"))[:40]
    assert len(files) == 40
    n_bars = 0
    for path in files:
        sheet = read_piece(path, CorpusOptions())
        bars = _assert_bars_add_up(sheet)
        n_bars += len(bars)
    assert n_bars > 2000


def test_wjazzd_corpus_has_no_zero_length_values(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    corpus = build_corpus([shared_data / "wjazzd" / "midi"], use_cache=False, jobs=2)
    assert len(corpus.sources) == 419 and not corpus.skipped
    parsed = {v: parse_value(v).duration for v in set(corpus.values)}
    assert min(parsed.values()) > 0
    assert not any(v.startswith("R,0.000") for v in parsed)
    # every bar of a piece is as long as the others (its meter's bar)
    k = 0
    for n in corpus.piece_bars:
        sums = [sum(parsed[v] for v in bar) for bar in corpus.measures[k : k + n]]
        tolerance = 0.0015 * max(len(bar) for bar in corpus.measures[k : k + n])
        assert max(sums) - min(sums) <= 2 * tolerance
        k += n
    assert k == len(corpus.measures)
    assert (corpus.bar_length, corpus.beat_unit) == (4.0, 4)
    assert all(bar for bar in corpus.chord_bars)  # a bar without chords holds an NC


# ------------------------------------------------------------------- corpus: meter, NC, cache


def test_six_eight_file_gives_its_bar_length(tmp_path):
    melody = [(i * 0.5, 0.5, 60 + i % 7) for i in range(48)]
    chords = [(b * 3.0, 3.0, p) for b in range(8) for p in (48, 52, 55)]
    path = write_midi(tmp_path / "six8.mid", [("Sax", 65, False, melody),
                                              ("Piano", 0, False, chords)],
                      time_signature=(6, 8))
    corpus = build_corpus([path], use_cache=False)
    assert (corpus.beats_per_bar, corpus.beat_unit, corpus.bar_length) == (6, 8, 3.0)
    for bar in corpus.measures:
        assert abs(sum(parse_value(v).duration for v in bar) - 3.0) < 1e-6


def test_melody_only_file_gets_no_chord_bars(tmp_path):
    melody = [(i * 0.5, 0.5, 60 + i % 5) for i in range(32)]
    path = write_midi(tmp_path / "solo.mid", [("Sax", 65, False, melody)])
    corpus = build_corpus([path], use_cache=False)
    assert len(corpus.chord_bars) == len(corpus.measures) == 4
    for bar in corpus.chord_bars:
        assert len(bar) == 1
        nc = bar[0]
        assert (nc.start, nc.duration, nc.pitches, nc.symbol) == (0.0, 4.0, (), "NC")
    assert corpus.n_chords == 0
    assert all(v.split(",")[0] in {"R", "X"} for v in corpus.values)


def test_classic_corpus_meter_fields(metheny):
    from jazzsolo.corpus import classic_corpus

    corpus = classic_corpus(metheny)
    assert (corpus.beats_per_bar, corpus.beat_unit, corpus.bar_length) == (4, 4, 4.0)


def _copy_wjazzd(shared_data: Path, tmp_path: Path) -> tuple[Path, Path]:
    from jazzsolo.wjazzd import beats_path_for

    source = shared_data / "wjazzd" / "melody" / "ArtPepper_Anthropology_FINAL.csv"
    (tmp_path / "melody").mkdir()
    (tmp_path / "beats").mkdir()
    melody = Path(shutil.copy(source, tmp_path / "melody"))
    beats = Path(shutil.copy(beats_path_for(source), tmp_path / "beats"))
    assert beats_path_for(melody) == beats
    return melody, beats


def test_cache_key_includes_the_beat_track(shared_data, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    melody, beats = _copy_wjazzd(shared_data, tmp_path)
    first = build_corpus([melody])
    assert len(list(cache.rglob("*.json"))) == 1
    symbols = {c.symbol for bar in first.chord_bars for c in bar}
    assert len(symbols - {"NC"}) > 1
    with open(beats, newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("chord")
    for row in rows[1:]:
        if row[col] not in ("", "NC"):
            row[col] = "Db7"
    with open(beats, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    second = build_corpus([melody])
    assert len(list(cache.rglob("*.json"))) == 2  # a new entry, not the stale one
    assert {c.symbol for bar in second.chord_bars for c in bar} - {"NC"} == {"Db7"}
    assert build_corpus([melody], use_cache=False).measures == second.measures


# ---------------------------------------------------------------------------- id windows


def test_id_windows_validate_like_window_starts():
    pieces = [["a"] * 10, ["b"] * 40]
    vocab = ["a", "b"]
    with pytest.raises(JazzsoloError, match="Tx must be at least 2, got 1"):
        id_windows(pieces, vocab, tx=1)
    with pytest.raises(JazzsoloError, match="m must be at least 1, got 0"):
        id_windows(pieces, vocab, tx=5, m=0)
    with pytest.raises(JazzsoloError, match=r"Tx=50 .*the longest has 40"):
        id_windows(pieces, vocab, tx=50)
    with pytest.raises(JazzsoloError, match="'c' is not in the vocabulary"):
        id_windows([["c"] * 40], vocab, tx=5)
    for exc_args in ({"tx": 1}, {"tx": 5, "m": 0}, {"tx": 50}):
        with pytest.raises(JazzsoloError) as info:
            id_window_count(pieces, **exc_args)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize("tx,m", [(5, None), (5, 3), (5, 10_000), (10, None), (30, 1)])
def test_id_window_count_matches_the_windows(tx, m):
    pieces = [["a"] * 10, ["b"] * 40, ["a", "b"] * 3]
    inputs, _, _ = id_windows(pieces, ["a", "b"], tx=tx, m=m)
    assert id_window_count(pieces, tx=tx, m=m) == inputs.shape[0]


def test_general_summary_counts_windows_without_building_them(tmp_path, window_spy):
    import dataclasses

    melody = [(i * 0.5, 0.5, 60 + i % 5) for i in range(64)]
    path = write_midi(tmp_path / "solo.mid", [("Sax", 65, False, melody)])
    corpus = build_corpus([path], use_cache=False)
    expected = id_windows(corpus.pieces, corpus.vocabulary, tx=10)[0].shape[0]
    window_spy.clear()

    summary = corpus.summary(tx=10)
    assert window_spy == [], "summary built the windows"
    assert summary["n_examples"] == expected == summary["x_shape"][0]
    assert summary["y_shape"] == [10, expected, len(corpus.vocabulary)]
    assert corpus.summary(tx=10, m=3)["n_examples"] == 3
    assert window_spy == []
    # The spy sees real calls: the classic summary does draw its (one-hot) windows.
    dataclasses.replace(corpus, mode="classic").summary(tx=10, m=3)
    assert window_spy == ["one_hot_windows"]
