"""The strict MIDI layout check (jazzsolo.smf) that guards symusic's native parser."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest
import symusic
from hypothesis import given, settings
from hypothesis import strategies as st

from jazzsolo.errors import JazzsoloError
from jazzsolo.io import read_midi_file
from jazzsolo.smf import midi_problem, note_channels, text_events, walk

from .fuzzing import meta, mutate_midi, notes_body, small_solo, smf, vlq

NOTE = bytes([0x90, 60, 90])


def test_a_good_file_passes_and_its_events_are_walked() -> None:
    data = small_solo()
    assert midi_problem(data) is None
    notes = [e for e in walk(data, strict=True) if e[2] & 0xF0 == 0x90 and e[3][1] > 0]
    assert len(notes) == sum(len(t.notes) for t in symusic.Score.from_midi(data).tracks)
    assert [text for _, text in text_events(data, kinds=(0x06,))] == ["Dm7", "G7", "Cmaj7", "A7"]
    assert [(c, ch) for c, ch, _, _ in note_channels(data)] == [(1, 0), (2, 1)]


@pytest.mark.parametrize("body, reason", [
    (b"\x00\x40\x40", "a data byte where a status byte belongs"),
    (meta(0x01, b"x") + b"\x00\x40\x40", "a data byte where a status byte belongs"),
    (b"\x00\x90\x3c\x90", "a status byte inside a 0x90 message"),
    (b"\x00\xf4", "status byte 0xF4"),
    (meta(0x51, b"\x07\xa1"), "a tempo event of 2 bytes"),
    (meta(0x51, b"\x00\x00\x00"), "a tempo of 0 microseconds per quarter note"),
    (meta(0x58, b"\x04\x02\x18"), "a time signature event of 3 bytes"),
    (meta(0x58, b"\x04\x1f\x18\x08"), "a time signature over 2^31"),
    (b"\x00\xff\x51\x8f\xff\xff\xff\x7f", "a variable-length number longer than 4 bytes"),
])
def test_each_malformed_event_is_named_with_its_track(body: bytes, reason: str) -> None:
    data = smf([notes_body([(0, 480, 60)]), body])
    problem = midi_problem(data)
    assert problem is not None and problem.startswith("track 2: ") and reason in problem


def test_running_status_after_a_channel_message_is_fine() -> None:
    body = b"\x00" + NOTE + b"\x60\x3e\x50" + vlq(480) + b"\x3c\x00" + vlq(0) + b"\x3e\x00"
    assert midi_problem(smf([body])) is None
    across_meta = b"\x00" + NOTE + meta(0x01, b"x", 10) + b"\x0a\x3c\x00"
    assert midi_problem(smf([across_meta])) is None  # symusic reads it: one note of 20 ticks
    assert [n.duration for n in symusic.Score.from_midi(smf([across_meta])).tracks[0].notes] == [20]
    across_sysex = b"\x00" + NOTE + b"\x0a\xf0\x02\x01\xf7" + b"\x0a\x3c\x00"
    assert "a data byte where a status byte belongs" in str(midi_problem(smf([across_sysex])))


def test_header_problems() -> None:
    good = small_solo()
    assert midi_problem(b"RIFF" + good[4:]) == "no MThd header"
    assert midi_problem(good[:12]) is not None
    assert "SMPTE" in str(midi_problem(smf([notes_body([(0, 10, 60)])], division=0xE728)))
    assert "format 7" in str(midi_problem(smf([notes_body([(0, 10, 60)])], fmt=7)))
    lie = good[:10] + struct.pack(">H", 9) + good[12:]
    assert midi_problem(lie) == "the header announces 9 tracks but the file holds 3"
    assert midi_problem(good + b"\x00\x00") is None  # stray bytes after the last chunk
    longer = good[:4] + struct.pack(">I", 8) + good[8:14] + b"\x00\x00" + good[14:]
    assert midi_problem(longer) == "a header chunk of 8 bytes, not 6"


def test_a_track_cut_inside_an_event_is_refused() -> None:
    data = smf([notes_body([(0, 480, 60)])])
    body = data[22:-4] + b"\x00\x90\x3c"  # the end-of-track swapped for half a note-on
    cut = data[:18] + struct.pack(">I", len(body)) + body
    assert "runs past the end of its track" in str(midi_problem(cut))


def test_read_midi_file_names_the_file_and_the_problem(tmp_path: Path) -> None:
    good = small_solo()
    path = tmp_path / "liar.mid"
    path.write_bytes(good[:10] + struct.pack(">H", 5) + good[12:])
    with pytest.raises(JazzsoloError, match=r"liar\.mid: damaged MIDI file \(the header "
                                            r"announces 5 tracks but the file holds 3\)"):
        read_midi_file(path)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1))
def test_whatever_the_check_passes_symusic_parses(seed: int) -> None:
    """The property the check exists for: a mutant it lets through never makes symusic fail."""
    kind, data = mutate_midi(small_solo(), random.Random(seed))
    if midi_problem(data) is None:
        symusic.Score.from_midi(data)  # raises (or worse) if the check let damage through


def test_every_real_file_passes(shared_data: Path) -> None:
    files = sorted(shared_data.rglob("*.mid"))
    assert len(files) >= 400
    assert [f.name for f in files if midi_problem(f.read_bytes())] == []
