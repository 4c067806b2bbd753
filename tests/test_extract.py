"""Reading any MIDI file as a lead sheet: role detection, meter, pickup, chords, errors."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from jazzsolo.errors import JazzsoloError
from jazzsolo.extract import (
    detect_roles,
    meter_and_first_bar,
    monophonic,
    read_lead_sheet,
    select_bars,
)
from jazzsolo.io import read_midi
from jazzsolo.score import LeadSheet, Note

from .midi_fixtures import TPQ, write_midi

# --------------------------------------------------------------------------- fixtures


def _vlq(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def write_format0(
    path: Path,
    notes: Sequence[tuple[int, float, float, int]],
    *,
    programs: dict[int, int] | None = None,
    meta: Sequence[tuple[float, int, str]] = (),
    name: str = "Band",
) -> Path:
    """A format-0 file (ONE track): notes (channel, start_q, dur_q, pitch), programs per
    channel, meta events (time_q, type, text) such as 0x01 text, 0x05 lyric, 0x06 marker."""
    events: list[tuple[int, int, bytes]] = [(0, 0, b"\xff\x03" + _vlq(len(name)) + name.encode())]
    for ch, prog in (programs or {}).items():
        events.append((0, 1, bytes([0xC0 | ch, prog])))
    for ch, start, dur, pitch in notes:
        on, off = round(start * TPQ), round((start + dur) * TPQ)
        events.append((on, 3, bytes([0x90 | ch, pitch, 90])))
        events.append((off, 2, bytes([0x80 | ch, pitch, 0])))
    for t, kind, text in meta:
        data = text.encode()
        events.append((round(t * TPQ), 1, bytes([0xFF, kind]) + _vlq(len(data)) + data))
    events.sort(key=lambda e: (e[0], e[1]))
    body, last = b"", 0
    for tick, _, data in events:
        body += _vlq(tick - last) + data
        last = tick
    body += b"\x00\xff\x2f\x00"
    head = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TPQ)
    path.write_bytes(head + b"MTrk" + struct.pack(">I", len(body)) + body)
    return path


def write_score(path: Path, tracks, *, tempos=((0.0, 120.0),), meters=((0.0, 4, 4),),
                markers=()) -> Path:
    """write_midi with several tempos and time signatures."""
    return write_midi(path, tracks, tempos=tempos, meters=meters, markers=markers)


def line(start: float, n: int, step: float = 0.5, low: int = 67) -> list[tuple[float, float, int]]:
    """n eighth notes of a scale-ish line from ``start`` (quarters)."""
    shape = [0, 2, 4, 5, 7, 9, 7, 5, 4, 2, 0, -1]
    return [(start + i * step, step, low + shape[i % len(shape)]) for i in range(n)]


def block(start: float, dur: float, pitches: Sequence[int]) -> list[tuple[float, float, int]]:
    return [(start, dur, p) for p in pitches]


C, F, G7 = (48, 52, 55, 60), (53, 57, 60, 65), (43, 53, 59, 62)
C3, F3 = (48, 52, 55), (53, 57, 60)


def comp(bars: int, per_bar: float = 4.0, chords=(C, F, G7, C)) -> list:
    out = []
    for b in range(bars):
        out += block(b * per_bar, per_bar, chords[b % len(chords)])
    return out


def starts(sheet: LeadSheet) -> list[float]:
    return [n.start for n in sheet.melody]


# ----------------------------------------------------------------------------- roles


def test_separate_tracks_melody_chords_bass_drums(tmp_path: Path) -> None:
    f = write_midi(tmp_path / "band.mid", [
        ("Piano", 0, False, comp(4)),
        ("Drums", 0, True, [(i * 1.0, 0.1, 42) for i in range(16)]),
        ("Walking", 32, False, [(i * 1.0, 1.0, (36, 41, 31, 36)[i // 4] + (0, 2, 4, 5)[i % 4])
                                for i in range(16)]),
        ("Tenor", 66, False, line(0.0, 32)),
    ])
    roles = detect_roles(read_midi(f))
    assert (roles.melody, roles.harmony, roles.bass) == (3, (0,), 2)
    assert roles.reasons[1].startswith("drums")
    assert roles.role_of(1) == "drums" and roles.role_of(3) == "melody"
    assert "single-note onsets" in roles.reasons[3]
    sheet = read_lead_sheet(f)
    assert [n.pitch for n in sheet.melody] == [p for _, _, p in line(0.0, 32)]
    assert [c.symbol for c in sheet.chords] == ["C", "F", "G7", "C"]
    assert [c.start for c in sheet.chords] == [0.0, 4.0, 8.0, 12.0]
    assert sheet.chords[0].pitches == C
    assert len(sheet.bass) == 16 and sheet.bass[0].pitch == 36
    assert sheet.n_bars == 4 and sheet.bar_count() == 4
    assert sheet.name == "band"


def test_format0_channels_are_split_into_parts(tmp_path: Path) -> None:
    notes = [(0, s, d, p) for s, d, p in line(0.0, 16)]
    notes += [(1, s, d, p) for s, d, p in comp(2)]
    f = write_format0(tmp_path / "f0.mid", notes, programs={0: 65, 1: 0})
    score = read_midi(f)
    assert len(score.tracks) == 2  # symusic split the one track by channel
    roles = detect_roles(score)
    melody_track = score.tracks[roles.melody]
    assert melody_track.program == 65 and roles.harmony == (1 - roles.melody,)
    sheet = read_lead_sheet(f)
    assert len(sheet.melody) == 16
    assert [c.symbol for c in sheet.chords] == ["C", "F"]


def test_metheny_guitar_is_the_melody(metheny: Path) -> None:
    score = read_midi(metheny)
    roles = detect_roles(score, metheny)
    assert roles.melody == 5
    assert 0 in roles.harmony and roles.bass == 1
    assert all(r.startswith("drums") for r in roles.reasons[10:])
    sheet = read_lead_sheet(metheny)
    assert sheet.tempo == pytest.approx(112.0, abs=1e-3)
    assert (sheet.beats_per_bar, sheet.beat_unit) == (4, 4)
    assert len(sheet.melody) > 1000 and sheet.chords and sheet.bass
    assert all(a.end <= b.start + 1e-9 for a, b in zip(sheet.melody, sheet.melody[1:],
                                                          strict=False))


def test_solo_and_stabs_in_one_part_are_split(tmp_path: Path) -> None:
    solo = line(0.0, 32, low=72)
    stabs = []
    for b in range(4):  # stabs on beats 1 and 2.5, under the line
        ch = (C3, F3, (55, 59, 62), C3)[b]
        stabs += block(b * 4.0, 0.25, ch) + block(b * 4.0 + 1.5, 0.25, ch)
    f = write_midi(tmp_path / "piano.mid", [("Piano", 0, False, solo + stabs)])
    roles = detect_roles(read_midi(f))
    assert roles.split and roles.melody == 0 and roles.harmony == (0,)
    sheet = read_lead_sheet(f)
    assert [(n.start, n.pitch) for n in sheet.melody] == [(s, p) for s, _, p in solo]
    assert [c.symbol for c in sheet.chords] == ["C", "F", "G", "C"]
    assert sheet.chords[1].pitches == F3


def test_a_real_line_wins_over_splitting(tmp_path: Path) -> None:
    mixed = line(0.0, 8, low=72) + comp(2)
    f = write_midi(tmp_path / "two.mid", [("Keys", 0, False, mixed),
                                          ("Flute", 73, False, line(0.0, 16, low=74))])
    roles = detect_roles(read_midi(f))
    assert roles.melody == 1 and not roles.split and roles.harmony == (0,)


def test_names_and_programs_break_ties(tmp_path: Path) -> None:
    f = write_midi(tmp_path / "names.mid", [
        ("Strings", 48, False, line(0.0, 16, low=70)),
        ("Solo", 0, False, line(0.0, 16, low=70)),
    ])
    assert detect_roles(read_midi(f)).melody == 1


# ----------------------------------------------------------------------- monophony


def test_overlapping_notes_become_one_line(tmp_path: Path) -> None:
    notes = [(0.0, 2.0, 60), (1.0, 1.0, 64),  # overlap: the first is cut at 1.0
             (2.0, 1.0, 67), (2.0, 1.0, 72),  # double stop: the higher one stays
             (3.0, 1.0, 62)]
    f = write_midi(tmp_path / "poly.mid", [("Solo", 65, False, notes)])
    sheet = read_lead_sheet(f)
    assert [(n.start, n.duration, n.pitch) for n in sheet.melody] == [
        (0.0, 1.0, 60), (1.0, 1.0, 64), (2.0, 1.0, 72), (3.0, 1.0, 62)]


def test_monophonic_keeps_close_but_separate_notes() -> None:
    s, e, p, v = monophonic(np.array([0, 2, 100]), np.array([2, 50, 150]),
                            np.array([60, 62, 64]), np.array([90, 90, 90]), same_onset=5)
    assert s.tolist() == [0, 2, 100] and e.tolist() == [2, 50, 150]
    s, e, p, v = monophonic(np.array([0, 3]), np.array([50, 50]), np.array([60, 55]),
                            np.array([90, 80]), same_onset=5)
    assert (s.tolist(), p.tolist(), v.tolist()) == ([0], [60], [90])


# ------------------------------------------------------------------- meter, bars, tempo


def test_waltz_in_three_four(tmp_path: Path) -> None:
    mel = [(b * 3.0 + k, 1.0, 67 + k) for b in range(4) for k in range(3)]
    harm = []
    for b, ch in enumerate((C, F, G7, C)):
        harm += block(b * 3.0 + 1, 0.5, ch[1:]) + block(b * 3.0 + 2, 0.5, ch[1:])
    bass = [(b * 3.0, 3.0, ch[0] - 12) for b, ch in enumerate((C, F, G7, C))]
    f = write_midi(tmp_path / "waltz.mid", [("Vln", 40, False, mel), ("Pno", 0, False, harm),
                                            ("Bass", 32, False, bass)],
                   time_signature=(3, 4))
    sheet = read_lead_sheet(f)
    assert (sheet.beats_per_bar, sheet.beat_unit, sheet.bar_length) == (3, 4, 3.0)
    assert sheet.first_bar_start == 0.0 and sheet.n_bars == 4
    assert [len(sheet.melody_in_bar(b)) for b in range(4)] == [3, 3, 3, 3]
    # beat 1 has only the bass: the chord starts with the stab on beat 2, named over its bass
    assert [(c.start, c.symbol) for c in sheet.chords] == [
        (1.0, "C"), (4.0, "F"), (7.0, "G7"), (10.0, "C")]
    part = read_lead_sheet(f, bars=(1, 2))
    assert part.n_bars == 2 and part.first_bar_start == 0.0
    assert [n.pitch for n in part.melody] == [67, 68, 69] * 2
    assert part.melody[0].start == 0.0 and part.chords[0].start == 0.0
    assert part.chords[0].symbol == "C" and part.chords[0].duration == 1.0


def test_pickup_bar(tmp_path: Path) -> None:
    mel = [(3.0, 0.5, 62), (3.5, 0.5, 64)] + line(4.0, 16)
    f = write_midi(tmp_path / "pickup.mid", [("Sax", 66, False, mel),
                                             ("Piano", 0, False, comp(3, chords=(C, C, F)))])
    sheet = read_lead_sheet(f)
    assert sheet.first_bar_start == 4.0
    assert sheet.bar_of(3.0) == -1 and sheet.bar_of(4.0) == 0
    assert sheet.n_bars == 2  # bars 0-1 after the pickup, to the last note/chord end (12.0)
    late = write_midi(tmp_path / "late.mid", [("Sax", 66, False, line(1.5, 20))])
    assert read_lead_sheet(late).first_bar_start == 0.0  # starts in the first half: no pickup


def test_explicit_pickup_meter(tmp_path: Path) -> None:
    f = write_score(tmp_path / "anacrusis.mid", [("Solo", 65, False, line(0.0, 17))],
                    meters=((0.0, 1, 4), (1.0, 4, 4)))
    sheet = read_lead_sheet(f)
    assert (sheet.beats_per_bar, sheet.first_bar_start) == (4, 1.0)
    assert sheet.bar_of(0.5) == -1 and sheet.n_bars == 2


def test_leading_empty_bars_are_before_bar_zero(tmp_path: Path) -> None:
    f = write_midi(tmp_path / "intro.mid", [("Solo", 65, False, line(8.0, 8)),
                                            ("Piano", 0, False, comp(4))])
    sheet = read_lead_sheet(f)
    assert sheet.first_bar_start == 8.0 and sheet.n_bars == 2
    assert sheet.bar_of(0.0) == -2


def test_tempo_change_does_not_move_notes(tmp_path: Path) -> None:
    tracks = [("Solo", 65, False, line(0.0, 24)), ("Piano", 0, False, comp(3))]
    steady = read_lead_sheet(write_score(tmp_path / "a.mid", tracks))
    changing = read_lead_sheet(write_score(tmp_path / "b.mid", tracks,
                                           tempos=((0.0, 100.0), (4.0, 180.0), (9.5, 60.0))))
    assert changing.melody == steady.melody and changing.chords == steady.chords
    assert changing.tempo == pytest.approx(100.0) and steady.tempo == pytest.approx(120.0)


def test_meter_and_first_bar_rules() -> None:
    four = [(0, 4, 4)]
    assert meter_and_first_bar(four, 0, 480) == (4, 4, 0.0)
    assert meter_and_first_bar(four, 480 * 3, 480) == (4, 4, 1920.0)  # pickup beat 4
    assert meter_and_first_bar(four, 480 * 1.5, 480) == (4, 4, 0.0)
    assert meter_and_first_bar(four, 480 * 9, 480) == (4, 4, 3840.0)  # bar 2, beat 2
    changing = [(0, 4, 4), (1920, 3, 4)]
    assert meter_and_first_bar(changing, 2000, 480) == (3, 4, 1920.0)


# ------------------------------------------------------------------------------ chords


def test_markers_are_chord_symbols(tmp_path: Path) -> None:
    f = write_midi(tmp_path / "marked.mid",
                   [("Solo", 65, False, line(0.0, 32)), ("Chords", 0, False, comp(4))],
                   markers=[(0.0, "NC"), (4.0, "C-7"), (8.0, "F7"), (10.0, "F7"),
                            (12.0, "Bbj7")])
    sheet = read_lead_sheet(f)
    assert [(c.start, c.duration, c.symbol) for c in sheet.chords] == [
        (0.0, 4.0, "NC"), (4.0, 4.0, "Cm7"), (8.0, 4.0, "F7"), (12.0, 4.0, "Bbmaj7")]
    assert sheet.chords[0].pitches == ()
    assert sheet.chords[1].pitches == F  # what sounds there (markers win over the notes)


def test_lyrics_and_text_events_as_chords(tmp_path: Path) -> None:
    notes = [(0, s, d, p) for s, d, p in line(0.0, 16)]
    text = write_format0(tmp_path / "text.mid", notes, programs={0: 65},
                         meta=[(0.0, 0x01, "Dm7"), (4.0, 0x01, "G7")])
    assert [c.symbol for c in read_lead_sheet(text).chords] == ["Dm7", "G7"]
    lyric = write_format0(tmp_path / "lyric.mid", notes, programs={0: 65},
                          meta=[(0.0, 0x05, "Ebmaj7"), (4.0, 0x05, "Ab7")])
    assert [c.symbol for c in read_lead_sheet(lyric).chords] == ["Ebmaj7", "Ab7"]


def test_section_markers_are_not_chords(tmp_path: Path) -> None:
    f = write_midi(tmp_path / "sections.mid",
                   [("Solo", 65, False, line(0.0, 16)), ("Piano", 0, False, comp(2))],
                   markers=[(0.0, "A"), (4.0, "B"), (6.0, "Intro 0:21")])
    assert [c.symbol for c in read_lead_sheet(f).chords] == ["C", "F"]


def test_guessed_chords_hold_merge_and_take_the_bass(tmp_path: Path) -> None:
    stabs = []
    for b, ch in enumerate(((52, 55, 60), (52, 55, 60), (53, 57, 60, 64))):
        stabs += block(b * 4.0 + 0.02, 0.5, ch) + block(b * 4.0 + 2, 0.5, ch)  # late attack
    bass = [(0.0, 4.0, 40), (4.0, 4.0, 40), (8.0, 4.0, 41)]
    f = write_midi(tmp_path / "stabs.mid", [("Solo", 65, False, line(0.0, 24)),
                                            ("Comp", 0, False, stabs),
                                            ("Bass", 33, False, bass)])
    sheet = read_lead_sheet(f)
    # held through the rests between stabs, merged over bars 0-1, snapped to the beat,
    # named over the bass (E under C: C/E)
    assert [(c.start, c.symbol) for c in sheet.chords] == [(0.0, "C/E"), (8.0, "Fmaj7")]
    assert sheet.chords[0].duration == 8.0 and sheet.chords[0].pitches == (52, 55, 60)


def test_long_harmony_silence_becomes_nc(tmp_path: Path) -> None:
    harm = block(0.0, 4.0, C3) + block(16.0, 4.0, F3)
    f = write_midi(tmp_path / "gap.mid", [("Solo", 65, False, line(0.0, 40)),
                                          ("Piano", 0, False, harm)])
    chords = read_lead_sheet(f).chords
    assert [(c.start, c.symbol) for c in chords] == [(0.0, "C"), (4.0, "NC"), (16.0, "F")]


# ------------------------------------------------------------------------------ errors


def test_drums_only_file_fails_clearly(tmp_path: Path) -> None:
    f = write_midi(tmp_path / "drums.mid", [("Kit", 0, True, [(i * 0.5, 0.1, 36)
                                                               for i in range(16)])])
    with pytest.raises(JazzsoloError, match=r"drums\.mid: no melodic part: every part is drums"):
        read_lead_sheet(f)


def test_chords_only_file_fails_clearly(tmp_path: Path) -> None:
    f = write_midi(tmp_path / "pads.mid", [("Pad", 89, False, comp(4)),
                                           ("Kit", 0, True, [(0.0, 0.1, 36)])])
    with pytest.raises(JazzsoloError, match=r"pads\.mid: no part is a melody line"):
        read_lead_sheet(f)
    sheet = read_lead_sheet(f, melody_part=0, harmony_parts=[])  # an explicit choice works
    assert [n.pitch for n in sheet.melody] == [60, 65, 62, 60] and sheet.chords == []


def test_bad_part_numbers_and_bar_ranges(tmp_path: Path) -> None:
    f = write_midi(tmp_path / "two.mid", [("Solo", 65, False, line(0.0, 16)),
                                          ("Kit", 0, True, [(0.0, 0.1, 36)])])
    with pytest.raises(JazzsoloError, match=r"two\.mid: no part 7 for the melody .*0-1"):
        read_lead_sheet(f, melody_part=7)
    with pytest.raises(JazzsoloError, match=r"no part -1 for the harmony"):
        read_lead_sheet(f, harmony_parts=[-1])
    with pytest.raises(JazzsoloError, match=r"part 1 \('Kit'\) is a drum part"):
        read_lead_sheet(f, melody_part=1)
    with pytest.raises(JazzsoloError, match=r"two\.mid: empty bar range 5-9"):
        read_lead_sheet(f, bars=(5, 9))
    with pytest.raises(JazzsoloError, match=r"empty bar range 1-0"):
        read_lead_sheet(f, bars=(1, 0))
    assert read_lead_sheet(f, bars=(1, 99)).n_bars == 1  # the end is clipped


def test_explicit_harmony_including_melody_splits_it(tmp_path: Path) -> None:
    mixed = line(0.0, 16, low=72) + comp(2)
    f = write_midi(tmp_path / "mixed.mid", [("Keys", 0, False, mixed)])
    sheet = read_lead_sheet(f, melody_part=0, harmony_parts=[0])
    assert [n.pitch for n in sheet.melody] == [p for _, _, p in line(0.0, 16, low=72)]
    assert [c.symbol for c in sheet.chords] == ["C", "F"]


def test_select_bars_keeps_the_pickup_bar_on_request() -> None:
    sheet = LeadSheet([Note(3.0, 1.0, 60), Note(4.0, 4.0, 62)], [], first_bar_start=4.0,
                      n_bars=1)
    pick = select_bars(sheet, -1, 0)
    assert [(n.start, n.pitch) for n in pick.melody] == [(3.0, 60), (4.0, 62)]
    assert pick.n_bars == 2
