"""jazzsolo evaluate: the measures of EVALUATION.md on hand-made solos (values worked out by
hand in the comments), the calibration on the 419 WJazzD solos, copying, and the command."""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

import jazzsolo
from jazzsolo import evaluate as ev
from jazzsolo.chords import parse_chord
from jazzsolo.cli import main
from jazzsolo.evaluate import (
    CopyIndex,
    Solo,
    chord_scale,
    compare,
    evaluate_solos,
    measure_solo,
    onset_slots,
    overlap_area,
    solo_line,
    summarize,
)
from jazzsolo.score import Chord, LeadSheet, Note

from .midi_fixtures import write_midi
from .test_cli import _one_line_error


def _sheet(notes, chords, beats_per_bar=4, name="s"):
    return LeadSheet([Note(s, d, p) for s, d, p in notes],
                     [Chord(s, d, (), sym) for s, d, sym in chords],
                     beats_per_bar=beats_per_bar, name=name)


# ---------------------------------------------------------------------- hand-made solos

# Solo A, 4/4, three bars (a span under 4 bars), bar 1 empty:
#   bar 0: C4 E4 G4 A4 on beats 1-4 (a quarter each) over Cmaj7
#   bar 1: nothing (NC)
#   bar 2: C4 half, C4 half over Dm7
SOLO_A = _sheet([(0, 1, 60), (1, 1, 64), (2, 1, 67), (3, 1, 69), (8, 2, 60), (10, 2, 60)],
                [(0, 4, "Cmaj7"), (4, 4, "NC"), (8, 4, "Dm7")])


def test_solo_a_by_hand():
    v = measure_solo(SOLO_A).values
    # H1: bar 0 has pcs {0,4,7,9} once each -> log2 4 = 2; bar 1 is empty (skipped); bar 2 is
    # pc 0 twice -> 0. Mean (2 + 0) / 2 = 1.
    assert v["H1"] == pytest.approx(1.0)
    # H4: span of 3 bars < 4 -> one window: pc 0 x3, 4, 7, 9 x1 (6 notes)
    # -> 0.5*log2(2) + 3 * (1/6)*log2(6) = 0.5 + 0.5*2.5849625 = 1.7924813
    assert v["H4"] == pytest.approx(0.5 + 0.5 * math.log2(6))
    # GS, 64 slots a bar: bar 0 {0,16,32,48}, bar 1 {}, bar 2 {0,32}.
    # pairs (0,1): 4 differ -> 60/64; (0,2): 2 differ -> 62/64; (1,2): 2 differ -> 62/64.
    # mean = (60 + 62 + 62) / 64 / 3 = 0.9583333
    assert v["GS"] == pytest.approx((60 + 62 + 62) / 64 / 3)
    # chord: Cmaj7 (C E G B): C E G are tones, A is not (1 quarter each); Dm7 (D F A C):
    # both C's (2 quarters each) are tones -> (3 + 4) / 8 = 0.875; scale: A is in C ionian
    # -> 8 / 8.
    assert v["chord"] == pytest.approx(0.875)
    assert v["scale"] == pytest.approx(1.0)
    assert v["range"] == 9  # 69 - 60
    assert v["notes_per_bar"] == pytest.approx(2.0)  # 6 notes / 3 bars (empty bar counts)
    # intervals +4 +3 +2 -9 0 -> (4+3+2+9+0)/5 = 3.6; one repeat of five pairs -> 0.2
    assert v["mean_abs_int"] == pytest.approx(3.6)
    assert v["repeat_share"] == pytest.approx(0.2)


# Solo B, 3/4, five bars, NC in bar 2:
#   bar 0: C4 dotted half (F)        bar 1: D4 E4 (1.5 beats each, F)
#   bar 2: F4 dotted half (NC)       bar 3: G4, bar 4: G4 (C7)
SOLO_B = _sheet([(0, 3, 60), (3, 1.5, 62), (4.5, 1.5, 64), (6, 3, 65), (9, 3, 67), (12, 3, 67)],
                [(0, 6, "F"), (6, 3, "NC"), (9, 6, "C7")], beats_per_bar=3)


def test_solo_b_three_four_and_nc_by_hand():
    v = measure_solo(SOLO_B).values
    # H1: bars {0}, {2,4}, {5}, {7}, {7} -> 0, 1, 0, 0, 0 -> 0.2
    assert v["H1"] == pytest.approx(0.2)
    # H4: windows bars 0-3 (pcs 0,2,4,5,7: log2 5) and 1-4 (2,4,5,7,7:
    # 3*(1/5)log2 5 + (2/5)log2(5/2)); mean of the two = 2.1219281
    w1 = math.log2(5)
    w2 = 0.6 * math.log2(5) + 0.4 * math.log2(2.5)
    assert v["H4"] == pytest.approx((w1 + w2) / 2)
    # GS, 48 slots a bar: bar 1 has onsets {0, 24}, the others {0}. Of the 10 pairs, the 4
    # with bar 1 differ in one slot -> (6 * 1 + 4 * 47/48) / 10 = 0.9916667
    assert v["GS"] == pytest.approx((6 + 4 * 47 / 48) / 10)
    # chord: over F (F A C): C (3) yes, D (1.5) no, E (1.5) no; F4 under NC left out;
    # over C7 (C E G Bb): G, G (3 + 3) yes -> 9 / 12 = 0.75. scale: D and E are in F ionian
    # -> 12 / 12.
    assert v["chord"] == pytest.approx(0.75)
    assert v["scale"] == pytest.approx(1.0)
    assert v["notes_per_bar"] == pytest.approx(6 / 5)
    assert v["range"] == 7
    assert v["mean_abs_int"] == pytest.approx(7 / 5)  # 2 2 1 2 0
    assert v["repeat_share"] == pytest.approx(0.2)


def test_no_chord_at_all_leaves_chord_measures_undefined():
    sheet = _sheet([(0, 1, 60), (1, 1, 62)], [(0, 4, "NC")])
    v = measure_solo(sheet).values
    assert v["chord"] is None and v["scale"] is None
    assert v["GS"] is None  # one bar: no pair of bars
    assert v["H1"] == pytest.approx(1.0)  # two pitch classes once each


def test_same_onset_keeps_the_highest_and_clips_at_the_next_onset():
    sheet = _sheet([(0, 3, 60), (0, 3, 67), (1, 1, 62)], [])
    line = solo_line(sheet)
    assert line.pitch.tolist() == [67, 62]
    assert line.duration.tolist() == [1.0, 1.0]  # 3 quarters clipped at the onset at 1


def test_grids_timing_notated_and_snapped():
    # one note a quarter and a tenth late: timing slot round(1.1 * 16) = 18; notated on beat 2
    # (slot 16); without a notated onset the metrical grid snaps 1.1 to the nearest 16th or
    # 8th triplet: 1.0 (0.1 away; 1.25 and 1.333 are farther) -> slot 16.
    sheet = _sheet([(0, 1, 60), (1.1, 1, 62)], [])
    line = solo_line(Solo(sheet, notated=(0.0, 1.0)))
    assert onset_slots(sheet, line, "timing")[1].tolist() == [0, 18]
    assert onset_slots(sheet, line, "metrical")[1].tolist() == [0, 16]
    bare = solo_line(sheet)
    assert onset_slots(sheet, bare, "metrical")[1].tolist() == [0, 16]


@pytest.mark.parametrize("symbol, scale", [
    ("C", "IONIAN"), ("C6", "IONIAN"), ("Cj7", "IONIAN"), ("Cj7911#", "LYDIAN"),
    ("C7", "MIXOLYDIAN"),
    ("C7913", "MIXOLYDIAN"), ("Csus7", "MIXOLYDIAN"), ("C7911#", "LYDIAN_DOMINANT"),
    ("C79b", "ALTERED"), ("C79#", "ALTERED"), ("C7alt", "ALTERED"), ("C7913b", "ALTERED"),
    ("C79b13", "HALF_WHOLE"), ("C-7", "DORIAN"), ("C-", "DORIAN"), ("C-79", "DORIAN"),
    ("C-6", "MELODIC_MINOR"), ("C-69", "MELODIC_MINOR"), ("C-j7", "MELODIC_MINOR"),
    ("Cm7b5", "LOCRIAN"), ("Co", "WHOLE_HALF"), ("Co7", "WHOLE_HALF"), ("C+", "WHOLE_TONE"),
    ("C+7", "WHOLE_TONE"), ("C+79#", "ALTERED"), ("C+j7", "LYDIAN_AUGMENTED"),
])
def test_chord_scale_table(symbol, scale):
    assert chord_scale(parse_chord(symbol)) == getattr(ev, scale)


def test_slash_bass_and_tensions_are_chord_tones():
    # F# under C7 is a chord tone when written as the bass; D over C79 is a written tension
    sheet = _sheet([(0, 1, 66), (4, 1, 62)], [(0, 4, "C7/F#"), (4, 4, "C79")])
    assert measure_solo(sheet).values["chord"] == pytest.approx(1.0)


# ------------------------------------------------------------------------------ copying


def _line_sheet(pitches, name):
    return _sheet([(k * 0.5, 0.5, p) for k, p in enumerate(pitches)], [], name=name)


def test_copy_by_hand_and_own_file_in_train():
    t1 = _line_sheet([60, 62, 64, 65, 67, 69, 71, 72, 74], "T1")  # intervals 2 2 1 2 2 2 1 2
    t2 = _line_sheet([40, 42, 44, 45, 40], "T2")  # intervals 2 2 1 -5
    query = _line_sheet([65, 67, 69, 70, 72, 74, 76, 77, 79, 80], "Q")  # 2 2 1 2 2 2 1 2 1
    index = CopyIndex([t1, t2])
    [q, own] = evaluate_solos([query, t1], train=index)
    # Q holds T1's 8 intervals a fourth up -> copy max 8; of its two 8-grams the first is T1's
    assert q.values["copy_max"] == 8
    assert q.values["copy_8gram"] == pytest.approx(0.5)
    # T1 itself: its own file is left out; T2 shares "2 2 1" -> 3; its one 8-gram is only in
    # T1 -> 0
    assert own.values["copy_max"] == 3
    assert own.values["copy_8gram"] == pytest.approx(0.0)


def _naive_copy_max(q, others):
    best = 0
    for t in others:
        for i in range(len(q)):
            for j in range(len(t)):
                k = 0
                while i + k < len(q) and j + k < len(t) and q[i + k] == t[j + k]:
                    k += 1
                best = max(best, k)
    return best


def test_copy_matches_a_pairwise_scan_on_random_lines():
    rng = random.Random(3)
    sheets = [_line_sheet([60 + rng.randrange(0, 3)
                           for _ in range(rng.randrange(2, 40))], f"s{k % 9}")
              for k in range(20)]
    intervals = [np.diff([n.pitch for n in s.melody]).tolist() for s in sheets]
    got = evaluate_solos(sheets, train=sheets)
    for k, m in enumerate(got):
        others = [iv for j, iv in enumerate(intervals) if sheets[j].name != sheets[k].name]
        assert m.values["copy_max"] == _naive_copy_max(intervals[k], others)
        grams = [tuple(intervals[k][i:i + 8]) for i in range(len(intervals[k]) - 7)]
        pool = {tuple(iv[i:i + 8]) for iv in others for i in range(len(iv) - 7)}
        expected = sum(g in pool for g in grams) / len(grams) if grams else None
        assert m.values["copy_8gram"] == pytest.approx(expected)


# ------------------------------------------------------------------------- sets, overlap


def test_summary_and_overlap():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 3000), rng.normal(1, 1, 3000)
    # two unit normals one std apart overlap by 2 * Phi(-0.5) = 0.6171
    assert overlap_area(a, b) == pytest.approx(0.6171, abs=0.03)
    assert overlap_area(a, a) == pytest.approx(1.0, abs=1e-6)
    assert overlap_area(a, b + 100) == pytest.approx(0.0, abs=1e-6)
    metrics = evaluate_solos([SOLO_A, SOLO_B])
    s = summarize(metrics)
    assert s["range"]["mean"] == pytest.approx(8.0)  # (9 + 7) / 2
    assert s["range"]["std"] == pytest.approx(math.sqrt(2))  # sample std of 9, 7
    c = compare(metrics[:1], metrics[1:])
    assert c["range"]["mean_diff"] == pytest.approx(2.0)


def test_classic_nll_of_a_uniform_model_is_log2_of_the_vocabulary():
    from jazzsolo.evaluate_io import ClassicNLL
    from jazzsolo.grammar import encode_lead_sheet
    from jazzsolo.lstm import ModelConfig, NumpyLSTM, tensor_shapes

    values = sorted({v for bar in encode_lead_sheet(SOLO_A)[0] for v in bar})
    config = ModelConfig(len(values), 8)
    model = NumpyLSTM(config, {k: np.zeros(s) for k, s in tensor_shapes(config).items()})
    # zero weights -> equal logits -> every value has probability 1/V
    nll = ClassicNLL(model, values).nll_bits([SOLO_A])
    assert nll["total"] == pytest.approx(math.log2(len(values)))


# -------------------------------------------------------------------- the 419 WJazzD solos

# EVALUATION.md's calibration (mean, std). A figure printed with one decimal (range) is met
# when it rounds to it: the tolerance is then half its last digit.
CALIBRATION = {
    "H1": (1.918, 0.382, 0.01), "H4": (2.871, 0.303, 0.01), "chord": (0.539, 0.087, 0.01),
    "scale": (0.815, 0.074, 0.01), "range": (28.9, 6.2, 0.05), "notes_per_bar": (6.60, 2.98, 0.01),
    "mean_abs_int": (2.70, 0.37, 0.01), "repeat_share": (0.055, 0.044, 0.01),
}
GS_CALIBRATION = {"timing": (0.822, 0.063), "metrical": (0.862, 0.062)}


@pytest.fixture(scope="module")
def wjazzd_csv(shared_data):
    from jazzsolo.evaluate_io import load_solos

    solos, skipped = load_solos([shared_data / "wjazzd" / "melody"])
    assert len(solos) == 419 and not skipped
    return solos


@pytest.fixture(scope="module")
def wjazzd_midi(shared_data):
    from jazzsolo.evaluate_io import load_solos

    solos, _ = load_solos([shared_data / "wjazzd" / "midi"])
    assert len(solos) == 419
    return solos


_SUMMARIES: dict[tuple[str, str], dict] = {}


def _summary(solos, kind, grid):
    """Each set is measured once per grid and session."""
    if (kind, grid) not in _SUMMARIES:
        _SUMMARIES[kind, grid] = summarize(evaluate_solos(solos, grid))
    return _SUMMARIES[kind, grid]


@pytest.mark.parametrize("grid", ["timing", "metrical"])
def test_calibration_on_the_csvs(wjazzd_csv, grid):
    s = _summary(wjazzd_csv, "csv", grid)
    for name, (mean, std, tol) in CALIBRATION.items():
        assert s[name]["mean"] == pytest.approx(mean, abs=tol), name
        assert s[name]["std"] == pytest.approx(std, abs=tol), name
    mean, std = GS_CALIBRATION[grid]
    assert s["GS"]["mean"] == pytest.approx(mean, abs=0.02)
    assert s["GS"]["std"] == pytest.approx(std, abs=0.02)


@pytest.mark.parametrize("grid", ["timing", "metrical"])
def test_midi_renderings_measure_like_the_csvs(wjazzd_csv, wjazzd_midi, grid):
    csv = _summary(wjazzd_csv, "csv", grid)
    midi = _summary(wjazzd_midi, "midi", grid)
    for name in CALIBRATION:
        assert midi[name]["mean"] == pytest.approx(csv[name]["mean"], abs=0.01), name
        assert midi[name]["std"] == pytest.approx(csv[name]["std"], abs=0.01), name
    assert midi["GS"]["mean"] == pytest.approx(csv["GS"]["mean"], abs=0.01)
    if grid == "timing":  # MIDI has no notated grid: its metrical GS spread is narrower
        assert midi["GS"]["std"] == pytest.approx(csv["GS"]["std"], abs=0.01)


# ---------------------------------------------------------------------------- the command


def _good_midi(path):
    notes = [(k * 0.5, 0.5, 60 + (k * 5) % 12) for k in range(32)]
    return write_midi(path, [("Solo", 66, False, notes)], markers=[(0, "Cmaj7"), (8, "Dm7")])


def test_cli_table_json_plot_and_reference(tmp_path, capsys, shared_data):
    real = tmp_path / "real"
    real.mkdir()
    for name in ("ArtPepper_Anthropology.mid", "ArtPepper_Desafinado.mid"):
        shutil.copy(shared_data / "wjazzd" / "midi" / name, real / name)
    gen = _good_midi(tmp_path / "gen.mid")
    png = tmp_path / "p.png"
    bundled = Path(jazzsolo.__file__).parent / "pretrained" / "classic"
    assert main(["evaluate", str(gen), "--reference", str(real), "--train", str(real),
                 "--plot", str(png), "--json", "--model", str(bundled)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["nll_of"] == "reference" and report["nll"]["total"] > 0
    assert 0 < report["nll"]["coverage"] <= 1
    assert report["solos"]["n"] == 1 and report["reference"]["n"] == 2
    assert 0.0 <= report["compare"]["H1"]["overlap"] <= 1.0
    assert report["solos"]["summary"]["copy_max"]["mean"] >= 1
    assert png.stat().st_size > 1000
    assert main(["evaluate", str(real), "--per-solo", "--grid", "timing"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[1].startswith("ArtPepper_Anthropology")


def test_cli_bad_inputs(tmp_path, capsys):
    junk = tmp_path / "junk.mid"
    junk.write_text("not midi")
    assert main(["evaluate", str(junk)]) == 2
    _one_line_error(capsys, "junk.mid", "not a MIDI file")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["evaluate", str(empty)]) == 2
    _one_line_error(capsys, "empty", "no MIDI files")
    silent = write_midi(tmp_path / "silent.mid", [("Solo", 66, False, [])])
    assert main(["evaluate", str(silent)]) == 2
    _one_line_error(capsys, "silent.mid")
    good = _good_midi(tmp_path / "good.mid")
    assert main(["evaluate", str(good), "--model", str(tmp_path)]) == 2
    _one_line_error(capsys, str(tmp_path), "not a model")


def test_cli_folder_skips_a_bad_file_and_counts_it(tmp_path, capsys):
    folder = tmp_path / "set"
    folder.mkdir()
    _good_midi(folder / "a.mid")
    (folder / "b.mid").write_bytes(b"MThd broken")
    assert main(["evaluate", str(folder), "--json"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["solos"]["n"] == 1 and len(report["solos"]["skipped"]) == 1
    assert "skipped" in captured.err and "1 of 2 files skipped" in captured.err


def test_cli_melody_part_overrides_the_detector(tmp_path, capsys):
    # part 0 is the solo (range 60-71), part 1 a low single line (range 40-42): choosing
    # part 1 as the melody measures its range, 2
    solo = [(k * 0.5, 0.5, 60 + (k * 5) % 12) for k in range(32)]
    low = [(k * 1.0, 1.0, 40 + k % 3) for k in range(16)]
    path = write_midi(tmp_path / "two.mid", [("Solo", 66, False, solo), ("Line", 0, False, low)])
    assert main(["evaluate", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["solos"]["summary"]["range"]["mean"] == 11
    assert main(["evaluate", str(path), "--json", "--melody-part", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["solos"]["summary"]["range"]["mean"] == 2
