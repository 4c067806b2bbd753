"""What the user asks of the band: style, swing, count-in, intro, soloist's instrument, mix.

Plain data with validation; the CLI, the API and the web page all fill one :class:`BandOptions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from jazzsolo.errors import JazzsoloError

# Soloist instruments and their General MIDI programs (0-based, as MIDI files store them).
INSTRUMENTS: dict[str, int] = {
    "piano": 0,
    "vibes": 11,
    "organ": 16,
    "guitar": 26,  # electric jazz guitar
    "trumpet": 56,
    "trombone": 57,
    "muted-trumpet": 59,
    "soprano": 64,
    "alto": 65,
    "tenor": 66,
    "bari": 67,
    "clarinet": 71,
    "flute": 73,
}
DEFAULT_INSTRUMENT = "tenor"

PARTS: tuple[str, ...] = ("solo", "piano", "bass", "drums")
DEFAULT_MIX: dict[str, float] = {"solo": 1.0, "piano": 0.7, "bass": 0.8, "drums": 1.0}
MAX_SWING = 0.75
MAX_VOLUME = 1.6  # amplitude factor; 1.0 = the GM default channel volume (CC 7 = 100)
MAX_LEAD_BARS = 16


@dataclass(frozen=True)
class BandOptions:
    """One band request. ``swing`` None takes the style's own; ``mix`` maps part -> volume.

    ``swing`` is the fraction by which an off-beat eighth is delayed toward the next beat: 0 is
    straight, 1/3 is triplet swing (long:short 2:1), 0.5 dotted (3:1); long:short =
    (1 + swing) / (1 - swing). ``count_in`` and ``intro`` are bars before the solo starts.
    """

    style: str = "swing"
    swing: float | None = None
    count_in: int = 0
    intro: int = 0
    instrument: str = DEFAULT_INSTRUMENT
    mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    two_feel: bool = False

    def __post_init__(self) -> None:
        from .styles import get_style

        get_style(self.style)
        if self.swing is not None and not 0.0 <= self.swing <= MAX_SWING:
            raise JazzsoloError(f"--swing must be from 0 to {MAX_SWING}, got {self.swing}")
        for name, value in (("--count-in", self.count_in), ("--intro", self.intro)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise JazzsoloError(f"{name} must be a whole number of bars, got {value!r}")
            if not 0 <= value <= MAX_LEAD_BARS:
                raise JazzsoloError(f"{name} must be 0 to {MAX_LEAD_BARS} bars, got {value}")
        if self.instrument not in INSTRUMENTS:
            raise JazzsoloError(f"--instrument: unknown instrument {self.instrument!r} "
                                f"(one of {', '.join(sorted(INSTRUMENTS))})")
        mix = dict(DEFAULT_MIX)
        for part, volume in self.mix.items():
            if part not in PARTS:
                raise JazzsoloError(f"--mix: unknown part {part!r} (one of {', '.join(PARTS)})")
            if not 0.0 <= volume <= MAX_VOLUME:
                raise JazzsoloError(f"--mix: {part} volume must be 0 to {MAX_VOLUME}, got "
                                    f"{volume}")
            mix[part] = float(volume)
        object.__setattr__(self, "mix", mix)

    @property
    def swing_ratio(self) -> float:
        """The swing actually played: the asked one, else the style's."""
        from .styles import get_style

        return get_style(self.style).swing if self.swing is None else float(self.swing)

    @property
    def program(self) -> int:
        """GM program of the soloist."""
        return INSTRUMENTS[self.instrument]

    @property
    def lead_bars(self) -> int:
        """Bars the band plays before the solo's first bar (count-in plus intro)."""
        return self.count_in + self.intro


def parse_mix(text: str) -> dict[str, float]:
    """``solo=1,piano=0.7`` -> {"solo": 1.0, "piano": 0.7}; one-line JazzsoloError otherwise."""
    out: dict[str, float] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        part, eq, value = item.partition("=")
        part = part.strip().lower()
        try:
            volume = float(value) if eq else float("nan")
        except ValueError:
            volume = float("nan")
        if volume != volume:  # NaN: missing or unreadable number
            raise JazzsoloError(f"--mix: expected PART=VOLUME (e.g. piano=0.7), got {item!r}")
        out[part] = volume
    if not out:
        raise JazzsoloError("--mix is empty (e.g. solo=1,piano=0.7,bass=0.9,drums=0.8)")
    return out
