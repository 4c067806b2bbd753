"""The band's styles: what the drummer, pianist and bassist play, and how much it swings.

Rhythms are written in beats from the bar line, on a straight-eighth grid (0.5 = the "and");
the swing is applied afterwards by :mod:`jazzsolo.band.feel`. A comping onset at or after the
last half beat of a bar with a duration crossing the bar line is an anticipation: it sounds the
next bar's first chord early.
"""

from __future__ import annotations

from dataclasses import dataclass

from jazzsolo.errors import JazzsoloError

Rhythm = tuple[tuple[float, float], ...]  # (onset, duration) in beats within a bar

# General MIDI percussion keys (channel 10).
KICK, SIDE_STICK, SNARE, CRASH, RIDE, RIDE_BELL = 36, 37, 38, 49, 51, 53
HAT_CLOSED, HAT_PEDAL = 42, 44
TOMS = (50, 48, 47, 45, 43, 41)  # high to low
BRUSH_TAP, BRUSH_SLAP, BRUSH_SWIRL = 38, 39, 40  # in the GM2/GS brush kit
JAZZ_KIT, BRUSH_KIT = 32, 40  # drum-kit programs (bank 128)


@dataclass(frozen=True)
class Style:
    """One style: drum kit and patterns, comping rhythms, bass feel and default swing."""

    name: str
    description: str
    swing: float
    drummer: str  # "sticks", "brushes" or "bossa"
    bass: str  # "walk", "two" or "bossa"
    kit: int
    ride: dict[int, tuple[float, ...]]  # beats per bar -> cymbal onsets
    hihat: dict[int, tuple[float, ...]]  # beats per bar -> pedal hi-hat onsets
    comp: dict[int, tuple[Rhythm, ...]]  # beats per bar -> comping rhythms to choose from
    meter: int | None = None  # beats per bar the style needs (a waltz is in 3)
    comp_velocity: int = 84
    example: str = ""

    def ride_for(self, beats: int) -> tuple[float, ...]:
        """Cymbal onsets for a bar of ``beats``: the style's, else every beat with skips."""
        if beats in self.ride:
            return self.ride[beats]
        return tuple(sorted({float(b) for b in range(beats)} |
                            {b + 0.5 for b in range(1, beats, 2)}))

    def hihat_for(self, beats: int) -> tuple[float, ...]:
        """Pedal hi-hat onsets: the style's, else the even beats (2, 4, ...)."""
        return self.hihat.get(beats, tuple(float(b) for b in range(1, beats, 2)))

    def comp_for(self, beats: int) -> tuple[Rhythm, ...]:
        """Comping rhythms for a bar of ``beats``: the style's, else Charleston-like cells."""
        if beats in self.comp:
            return self.comp[beats]
        cells = [(2.0 * k, 0.75) for k in range(beats // 2)]
        offs = [(2.0 * k + 1.5, 0.5) for k in range(beats // 2)]
        tail = [(beats - 1.0, 0.5)] if beats % 2 else []
        return (tuple(cells + offs + tail), tuple(offs + tail) or ((0.0, 0.5),))


_SWING_COMP_4: tuple[Rhythm, ...] = (
    ((0.0, 0.75), (1.5, 0.5)),  # Charleston
    ((0.5, 0.5), (2.0, 0.75)),  # reverse Charleston
    ((1.0, 0.5), (3.0, 0.5)),  # stabs on 2 and 4
    ((1.5, 0.5), (3.5, 1.0)),  # push, then anticipate the next bar
    ((0.0, 0.5), (2.5, 0.5)),
    ((1.0, 0.75), (2.5, 0.5)),
    ((0.0, 0.75), (1.5, 0.5), (3.5, 1.0)),  # Charleston and an anticipation
    ((2.5, 0.5), (3.5, 1.0)),
)
_WALTZ_COMP_3: tuple[Rhythm, ...] = (
    ((0.0, 0.75), (1.5, 0.5)),
    ((1.0, 0.5), (2.0, 0.5)),
    ((0.5, 0.5), (2.0, 0.75)),
    ((1.0, 0.75), (2.5, 1.0)),  # anticipation
    ((0.0, 0.5), (1.0, 0.5), (2.0, 0.5)),
)
_BALLAD_COMP_4: tuple[Rhythm, ...] = (
    ((0.0, 1.75), (2.0, 1.5)),
    ((0.0, 1.0), (1.5, 2.0)),
    ((0.0, 2.5), (3.5, 1.0)),  # anticipation
    ((1.0, 1.0), (2.5, 1.25)),
)
_BALLAD_COMP_3: tuple[Rhythm, ...] = (((0.0, 1.75), (2.0, 1.0)), ((0.0, 1.0), (1.5, 1.5)))
_BOSSA_COMP_4: tuple[Rhythm, ...] = (
    ((0.0, 0.5), (1.5, 0.5), (3.0, 0.5)),
    ((0.5, 0.5), (2.0, 0.5), (3.5, 1.0)),
    ((0.0, 0.5), (1.5, 1.0), (3.0, 0.5)),
)

STYLES: dict[str, Style] = {
    "swing": Style(
        "swing", "medium swing: ride with the skip, hi-hat on 2 and 4, walking bass, comping",
        swing=0.3, drummer="sticks", bass="walk", kit=JAZZ_KIT,
        ride={4: (0.0, 1.0, 1.5, 2.0, 3.0, 3.5)}, hihat={4: (1.0, 3.0)},
        comp={4: _SWING_COMP_4, 3: _WALTZ_COMP_3},
        example="jazzsolo generate --progression blues-f --style swing --out s.mid",
    ),
    "ballad": Style(
        "ballad", "slow ballad: brushes, bass in two, longer comping chords",
        swing=0.33, drummer="brushes", bass="two", kit=BRUSH_KIT,
        ride={4: (0.0, 1.0, 1.5, 2.0, 3.0, 3.5), 3: (0.0, 1.0, 1.5, 2.0)},
        hihat={4: (1.0, 3.0), 3: (1.0, 2.0)},
        comp={4: _BALLAD_COMP_4, 3: _BALLAD_COMP_3}, comp_velocity=74,
        example="jazzsolo generate --progression ii-v-i-major-Eb --style ballad --bpm 70 "
                "--out b.mid",
    ),
    "bossa": Style(
        "bossa", "bossa nova: straight eighths, cross-stick clave, root-fifth bass",
        swing=0.0, drummer="bossa", bass="bossa", kit=JAZZ_KIT,
        ride={4: tuple(k * 0.5 for k in range(8))}, hihat={4: (1.0, 3.0)},
        comp={4: _BOSSA_COMP_4},
        example="jazzsolo generate --progression ii-v-i-minor-A --style bossa --out n.mid",
    ),
    "waltz": Style(
        "waltz", "jazz waltz in 3/4: ride 'ding, ding-ga, ding', hi-hat on 2 and 3",
        swing=0.3, drummer="sticks", bass="walk", kit=JAZZ_KIT, meter=3,
        ride={3: (0.0, 1.0, 1.5, 2.0)}, hihat={3: (1.0, 2.0)}, comp={3: _WALTZ_COMP_3},
        example='jazzsolo generate --chords "Dm7 | G7 | Cmaj7 | A7b9" --style waltz '
                "--out w.mid",
    ),
}


def get_style(name: str) -> Style:
    """The style called ``name``; a one-line JazzsoloError listing the styles otherwise."""
    try:
        return STYLES[name]
    except KeyError:
        raise JazzsoloError(f"--style: unknown style {name!r} (one of "
                            f"{', '.join(STYLES)})") from None
