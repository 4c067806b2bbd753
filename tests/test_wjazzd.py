"""Weimar Jazz Database: the CSV reader, and the CSV and MIDI forms of all 419 solos agreeing."""

from __future__ import annotations

from pathlib import Path

import pytest

from jazzsolo.chords import parse_chord
from jazzsolo.errors import JazzsoloError
from jazzsolo.extract import detect_roles, read_lead_sheet
from jazzsolo.io import note_tracks, read_midi
from jazzsolo.score import LeadSheet
from jazzsolo.wjazzd import beats_path_for, is_wjazzd_csv, read_wjazzd, wjazzd_voicing

MELODY_HEADER = ("onset,duration,period,division,bar,beat,tatum,beat_duration,signature,pitch,"
                 "loud_max,loud_median,phrase_id,phrase_begin,chorus_id,chord,form,idea")
BEATS_HEADER = "onset,duration,period,division,bar,beat,signature,chord,form,chorus_id,bass"


def write_pair(folder: Path, name: str, notes: list[tuple[float, float, int]],
               beats: list[tuple[float, int, int, str, str, str]]) -> Path:
    """A melody/beats CSV pair in ``folder/melody`` and ``folder/beats``.

    notes: (onset s, duration s, pitch); beats: (onset s, bar, beat, 'n/d', chord, bass).
    """
    (folder / "melody").mkdir(parents=True, exist_ok=True)
    (folder / "beats").mkdir(parents=True, exist_ok=True)
    mel = [MELODY_HEADER]
    for on, dur, pitch in notes:
        mel.append(f'{on},{dur},4,1,0,1,1,0.5,"""4/4""",{pitch},0.1,60,1,1,-1,C7,I1,')
    beat_rows = [BEATS_HEADER]
    for on, bar, beat, sig, chord, bass in beats:
        n = sig.split("/")[0]
        beat_rows.append(f"{on},0.5,{n},1,{bar},{beat},'{sig}',{chord},A1,1,{bass}")
    path = folder / "melody" / f"{name}_FINAL.csv"
    path.write_text("\n".join(mel) + "\n")
    (folder / "beats" / f"{name}_FINAL_beattrack.csv").write_text("\n".join(beat_rows) + "\n")
    return path


def steady_beats(n: int, sig: str = "4/4", first_beat: int = 1, chords: dict | None = None,
                 period: float = 0.5) -> list[tuple[float, int, int, str, str, str]]:
    """n beats every ``period`` seconds from 1.0 s; chords by row index (held otherwise)."""
    per_bar = int(sig.split("/")[0])
    rows, chord = [], "NC"
    for i in range(n):
        pos = first_beat - 1 + i
        chord = (chords or {}).get(i, chord)
        rows.append((1.0 + i * period, pos // per_bar, pos % per_bar + 1, sig, chord,
                     str(36 + i % 12)))
    return rows


# ----------------------------------------------------------------------------- small CSVs


def test_seconds_map_to_quarters_through_the_beats(tmp_path: Path) -> None:
    beats = steady_beats(8, chords={0: "NC", 1: "C-7", 2: "C-7", 4: "F7", 6: "Bbj7"})
    beats[4:] = [(on + 0.25 * (k + 1), *rest) for k, (on, *rest) in enumerate(beats[4:])]
    notes = [(1.0, 0.25, 60), (1.75, 0.5, 62), (3.4375, 0.375, 64), (0.75, 0.1, 59)]
    path = write_pair(tmp_path, "Someone_Tune", notes, beats)
    sheet = read_wjazzd(path)
    # beats at 1.0 1.5 2.0 2.5 | 3.25 4.0 4.75 5.5 s: 3.4375 s is a quarter into beat 5 (0-based
    # 4), its end 3.8125 s three quarters into the next; 0.75 s extends the first beat back
    assert [(n.start, n.duration, n.pitch) for n in sheet.melody] == [
        (-0.5, 0.2, 59), (0.0, 0.5, 60), (1.5, 1.0, 62), (4.25, 0.5, 64)]
    assert [(c.start, c.duration, c.symbol) for c in sheet.chords] == [
        (0.0, 1.0, "NC"), (1.0, 3.0, "Cm7"), (4.0, 2.0, "F7"), (6.0, 2.0, "Bbmaj7")]
    assert sheet.chords[1].pitches == wjazzd_voicing(parse_chord("C-7")) == (36, 48, 51, 55, 58)
    assert [n.pitch for n in sheet.bass] == list(range(36, 44))
    assert sheet.bass[0].duration == pytest.approx(1 - 1 / 48)
    assert sheet.tempo == pytest.approx(120.0)
    assert sheet.name == "Someone_Tune" and sheet.n_bars == 2


def test_three_four_and_a_first_row_inside_the_bar(tmp_path: Path) -> None:
    beats = steady_beats(10, sig="3/4", first_beat=2, chords={0: "G-7", 2: "C7"})
    path = write_pair(tmp_path, "Waltz", [(1.0 + 0.5 * k, 0.5, 60 + k) for k in range(9)], beats)
    sheet = read_wjazzd(path)
    assert (sheet.beats_per_bar, sheet.beat_unit, sheet.bar_length) == (3, 4, 3.0)
    assert sheet.melody[0].start == 1.0  # the first row is beat 2 of its bar
    assert sheet.first_bar_start == 0.0 and sheet.n_bars == 4
    assert [(c.start, c.symbol) for c in sheet.chords] == [(1.0, "Gm7"), (3.0, "C7")]


def test_csv_errors_name_file_and_line(tmp_path: Path) -> None:
    good = write_pair(tmp_path, "A", [(1.0, 0.2, 60)], steady_beats(4))
    text = good.read_text().splitlines()
    bad_value = tmp_path / "melody" / "B_FINAL.csv"
    bad_value.write_text("\n".join([text[0], text[1], text[1].replace("1.0,0.2", "x,0.2")]))
    (tmp_path / "beats" / "B_FINAL_beattrack.csv").write_text(
        (tmp_path / "beats" / "A_FINAL_beattrack.csv").read_text())
    with pytest.raises(JazzsoloError, match=r"B_FINAL\.csv:3: column 'onset' is not a number"):
        read_wjazzd(bad_value)
    no_pitch = tmp_path / "melody" / "C_FINAL.csv"
    no_pitch.write_text("onset,duration\n1.0,0.2\n")
    with pytest.raises(JazzsoloError, match=r"C_FINAL\.csv: .*missing column\(s\) pitch"):
        read_wjazzd(no_pitch, tmp_path / "beats" / "A_FINAL_beattrack.csv")
    with pytest.raises(JazzsoloError, match=r"A_FINAL\.csv: a melody file .*not a beat track"):
        read_wjazzd(good, good)
    lonely = tmp_path / "elsewhere" / "D_FINAL.csv"
    lonely.parent.mkdir()
    lonely.write_text(good.read_text())
    with pytest.raises(JazzsoloError, match=r"D_FINAL\.csv: its beat track .* does not exist"):
        read_wjazzd(lonely)
    beats = tmp_path / "beats" / "A_FINAL_beattrack.csv"
    rows = beats.read_text().splitlines()
    rows[2] = rows[2].replace("'4/4',NC", "'4/4',Q7")
    beats.write_text("\n".join(rows))
    with pytest.raises(JazzsoloError, match=r"A_FINAL_beattrack\.csv:3: unknown chord symbol"):
        read_wjazzd(good)
    rows[2] = rows[2].replace("'4/4',Q7", "'four',C7")
    beats.write_text("\n".join(rows))
    with pytest.raises(JazzsoloError, match=r"A_FINAL_beattrack\.csv:3: bad time signature"):
        read_wjazzd(good)


def test_is_wjazzd_csv_and_beats_path(tmp_path: Path) -> None:
    path = write_pair(tmp_path, "E", [(1.0, 0.2, 60)], steady_beats(4))
    beats = tmp_path / "beats" / "E_FINAL_beattrack.csv"
    assert is_wjazzd_csv(path) and beats_path_for(path) == beats
    assert not is_wjazzd_csv(beats)  # a beat track is not a solo
    assert not is_wjazzd_csv(tmp_path / "missing.csv")
    (tmp_path / "x.mid").write_bytes(b"MThd\x00\x00")
    assert not is_wjazzd_csv(tmp_path / "x.mid")


# ------------------------------------------------------------------- the whole database


def _compare(midi: Path, folder: Path) -> list[str]:
    """Every way the MIDI and CSV forms of one solo differ (empty when they agree)."""
    problems = []
    score = read_midi(midi)
    names = [score.tracks[i].name for i in note_tracks(score)]
    roles = detect_roles(score, midi)
    if names[roles.melody] != "Solo":
        problems.append(f"melody is {names[roles.melody]!r}")
    want = [names.index("Chords")] if "Chords" in names else []
    if list(roles.harmony) != want:
        problems.append(f"harmony is {[names[h] for h in roles.harmony]}")
    a = read_lead_sheet(midi)
    b = read_wjazzd(folder / "melody" / f"{midi.stem}_FINAL.csv")
    problems += _differences(a, b)
    return [f"{midi.stem}: {p}" for p in problems]


def _differences(a: LeadSheet, b: LeadSheet, tol: float = 1e-6) -> list[str]:
    out = []
    if len(a.melody) != len(b.melody):
        out.append(f"{len(a.melody)} vs {len(b.melody)} notes")
    for x, y in zip(a.melody, b.melody, strict=False):
        if (x.pitch != y.pitch or abs(x.start - y.start) > tol
                or abs(x.duration - y.duration) > tol):
            out.append(f"note {x} vs {y}")
            break
    ca = [(round(c.start, 6), round(c.duration, 6), c.symbol) for c in a.chords]
    cb = [(round(c.start, 6), round(c.duration, 6), c.symbol) for c in b.chords]
    if ca != cb:
        first = next(k for k in range(max(len(ca), len(cb))) if ca[k:k + 1] != cb[k:k + 1])
        out.append(f"chords differ from chord {first}: {ca[first:first + 1]} vs "
                   f"{cb[first:first + 1]}")
    if [(n.start, n.duration, n.pitch) for n in a.bass] != [
            (n.start, n.duration, n.pitch) for n in b.bass]:
        out.append("bass differs")
    for field in ("beats_per_bar", "beat_unit", "first_bar_start", "n_bars", "name"):
        if getattr(a, field) != getattr(b, field):
            out.append(f"{field} {getattr(a, field)} vs {getattr(b, field)}")
    if abs(a.tempo - b.tempo) > 1e-6 * a.tempo:
        out.append(f"tempo {a.tempo} vs {b.tempo}")
    return out


def test_every_solo_reads_the_same_from_csv_and_midi(shared_data: Path) -> None:
    folder = shared_data / "wjazzd"
    midis = sorted((folder / "midi").glob("*.mid"))
    assert len(midis) == 419, f"expected 419 WJazzD MIDI files in {folder}, found {len(midis)}"
    problems = [p for m in midis for p in _compare(m, folder)]
    assert not problems, f"{len(problems)} differences, first: {problems[:5]}"


def test_one_solo_in_detail(shared_data: Path) -> None:
    folder = shared_data / "wjazzd"
    sheet = read_wjazzd(folder / "melody" / "ArtPepper_Anthropology_FINAL.csv")
    assert len(sheet.melody) == 530 and sheet.melody[0].pitch == 65
    assert sheet.melody[0].start == pytest.approx(1926 / 480)
    assert sheet.first_bar_start == 4.0  # the beat track's first bar (-1) holds no melody
    assert [c.symbol for c in sheet.chords[:4]] == ["NC", "Bb6", "G7", "Cm7"]
    assert [c.start for c in sheet.chords[:4]] == [0.0, 4.0, 10.0, 12.0]
    assert sheet.tempo == pytest.approx(219.058, abs=1e-3)
    assert sheet.bass[0].pitch == 42 and sheet.bass[0].start == 0.0
