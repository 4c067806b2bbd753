"""The band's balance, measured on audio: every part rendered alone at the mix's gain."""

from __future__ import annotations

import pytest

from jazzsolo.band.arrange import arrange_sheets
from jazzsolo.band.levels import mix_levels
from jazzsolo.request import BandOptions, GenerateRequest, generate

CHANGES = "Dm7 | G7 | Cmaj7 | A7b9 | Dm7 | G7 | Cmaj7 | Cmaj7"


def _levels(band: BandOptions) -> dict:
    request = GenerateRequest(chords=CHANGES, seed=1, tempo=200.0, band=band)
    arrangement = arrange_sheets(generate(request), band, 1, 1)[0]
    return mix_levels(arrangement)


@pytest.mark.parametrize("style", ["swing", "bossa"])
def test_default_mix_nothing_clips_and_the_solo_stands_above_the_band(style: str) -> None:
    levels = _levels(BandOptions(style=style))
    assert not any(lv.clipped for lv in levels.values())
    assert all(lv.rms > 0 for lv in levels.values()), "every part sounds"
    solo = levels["solo"].rms
    for part in ("piano", "bass", "drums"):
        assert solo > 1.3 * levels[part].rms, (part, solo, levels[part].rms)
    assert solo > levels["band"].rms, "the solo is louder than piano, bass and drums together"


def test_mix_volume_scales_a_part_amplitude() -> None:
    full = _levels(BandOptions(style="swing", mix={"piano": 0.8}))
    half = _levels(BandOptions(style="swing", mix={"piano": 0.4}))
    assert half["piano"].rms / full["piano"].rms == pytest.approx(0.5, rel=0.15)
    assert half["solo"].rms == pytest.approx(full["solo"].rms, rel=1e-6)
