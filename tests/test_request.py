"""The generation request: one dataclass, validated once, errors that name the field."""

from __future__ import annotations

import pytest

from jazzsolo.cli import GENERATE_FLAGS, generate_request, main
from jazzsolo.errors import JazzsoloError, RequestError
from jazzsolo.io import write_midi
from jazzsolo.outputs import write_solos
from jazzsolo.request import (
    BandOptions,
    GenerateRequest,
    SamplingOptions,
    generate,
    perform,
)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (GenerateRequest(n_outputs=0), "n_outputs"),
        (GenerateRequest(tempo=float("nan")), "tempo"),
        (GenerateRequest(seed=-1), "seed"),
        (GenerateRequest(mode="loop"), "mode"),
        (GenerateRequest(choruses=0), "choruses"),
        (GenerateRequest(model=""), "model"),
        (GenerateRequest(chords="C7", progression="blues-f"), "progression"),
        (GenerateRequest(beats_per_bar=3), "beats_per_bar"),
        (GenerateRequest(chords="C7", beats_per_bar=17), "beats_per_bar"),
        (GenerateRequest(chords="  "), "chords"),
        (GenerateRequest(chords="Dm7 | Cmjx7"), "chords"),
        (GenerateRequest(progression="no-such-tune"), "progression"),
        (GenerateRequest(sampling=SamplingOptions(temperature=0)), "sampling.temperature"),
        (GenerateRequest(sampling=SamplingOptions(top_k=0)), "sampling.top_k"),
        (GenerateRequest(sampling=SamplingOptions(top_p=1.5)), "sampling.top_p"),
        (GenerateRequest(sampling=SamplingOptions(strategy="beam")), "sampling.strategy"),
        (GenerateRequest(band=BandOptions(bass="yes")), "band.bass"),  # type: ignore[arg-type]
        (GenerateRequest(chord_weight=float("nan")), "chord_weight"),
        (GenerateRequest(chord_weight=9.0), "chord_weight"),
    ],
)
def test_a_bad_field_is_named_and_no_flag_is_mentioned(request_, field):
    with pytest.raises(RequestError) as info:
        request_.validate()
    assert info.value.field == field
    assert isinstance(info.value, JazzsoloError)
    message = str(info.value)
    assert "--" not in message and "\n" not in message
    assert field in GENERATE_FLAGS, "the CLI must know a flag for every field"


def test_a_good_request_validates_to_itself():
    request = GenerateRequest(chords="Dm7 G7 | Cmaj7", beats_per_bar=3, choruses=2)
    assert request.validate() is request


def test_generate_returns_solos_over_the_requested_changes():
    sheets = generate(GenerateRequest(progression="blues-f", n_outputs=2, seed=4,
                                      band=BandOptions(bass=True)))
    assert len(sheets) == 2
    for sheet in sheets:
        assert sheet.bar_count() == 12 and sheet.bass
        assert any(n.pitch is not None for n in sheet.melody)
    assert [n.pitch for n in sheets[0].melody] != [n.pitch for n in sheets[1].melody]


def test_the_library_and_the_command_write_the_same_bytes(tmp_path):
    argv = ["generate", "--out", str(tmp_path / "cli.mid"), "--seed", "9", "--top-p", "0.9",
            "--chords", "Dm7 | G7 | Cmaj7", "--beats-per-bar", "3", "--bass"]
    assert main(argv) == 0
    request = GenerateRequest(seed=9, chords="Dm7 | G7 | Cmaj7", beats_per_bar=3,
                              sampling=SamplingOptions(top_p=0.9), band=BandOptions(bass=True))
    [sheet] = generate(request)
    write_midi(sheet, tmp_path / "api.mid")
    assert (tmp_path / "api.mid").read_bytes() == (tmp_path / "cli.mid").read_bytes()


def test_the_command_builds_the_request_from_its_flags():
    from jazzsolo.cli import build_parser

    args = build_parser().parse_args(["generate", "--out", "x.mid", "--top-k", "5", "--bass",
                                      "--num-outputs", "2", "--bpm", "90"])
    request = generate_request(args)
    assert request.sampling.top_k == 5 and request.band.bass
    assert request.n_outputs == 2 and request.tempo == 90 and request.model == "default"


def test_perform_adds_the_band_only_when_a_style_is_asked():
    plain = GenerateRequest(progression="blues-f", seed=2, band=BandOptions(bass=True))
    [sheet] = perform(plain)
    [solo] = generate(plain)
    assert [n.pitch for n in sheet.melody] == [n.pitch for n in solo.melody]
    assert sheet.bass == solo.bass
    banded = GenerateRequest(progression="blues-f", seed=2, band=BandOptions(style="swing"))
    [arrangement] = perform(banded)
    assert {p.name for p in arrangement.parts} >= {"solo", "piano", "bass", "drums"}
    assert arrangement.part("drums").is_drum and arrangement.part("drums").notes
    soloed = [n.pitch for n in arrangement.part("solo").notes]
    assert soloed == [n.pitch for n in generate(banded)[0].melody if n.pitch is not None]


def test_the_library_and_the_command_perform_the_same_band(tmp_path):
    argv = ["generate", "--out", str(tmp_path / "cli.mid"), "--seed", "5",
            "--progression", "blues-f", "--style", "bossa", "--count-in"]
    assert main(argv) == 0
    request = GenerateRequest(seed=5, progression="blues-f",
                              band=BandOptions(style="bossa", count_in=1))
    write_solos(perform(request), [str(tmp_path / "api.mid")])
    assert (tmp_path / "api.mid").read_bytes() == (tmp_path / "cli.mid").read_bytes()
