"""What the user asks of the band, checked and resolved: the CLI, the API and the web page all
fill one :class:`jazzsolo.request.BandOptions`; :func:`resolve` turns it into a :class:`Band`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from jazzsolo.errors import JazzsoloError, RequestError

from .styles import STYLES, Style, get_style

if TYPE_CHECKING:  # pragma: no cover - typing only
    from jazzsolo.request import BandOptions

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
DEFAULT_MIX: dict[str, float] = {"solo": 1.0, "piano": 0.7, "bass": 0.7, "drums": 1.0}
MAX_SWING = 0.75
MAX_VOLUME = 1.6  # amplitude factor; 1.0 = the GM default channel volume (CC 7 = 100)
MAX_LEAD_BARS = 16


@dataclass(frozen=True)
class Band:
    """Band options resolved for playing: the style itself, the swing actually played (see
    :mod:`jazzsolo.band.feel`), the soloist's GM program and every part's volume."""

    style: Style
    swing: float
    count_in: int
    intro: int
    program: int
    mix: dict[str, float]
    two_feel: bool
    ending: bool

    @property
    def lead_bars(self) -> int:
        """Bars the band plays before the solo's first bar (count-in plus intro)."""
        return self.count_in + self.intro


def check_band(options: BandOptions) -> None:
    """Raise a RequestError naming the field (``band.swing`` ...) of the first bad option."""
    try:
        get_style(str(options.style))
    except JazzsoloError as exc:
        raise RequestError("band.style", str(exc).split(": ", 1)[-1]) from None
    swing = options.swing
    if swing is not None and (isinstance(swing, bool) or not isinstance(swing, (int, float))
                              or not 0.0 <= swing <= MAX_SWING):
        raise RequestError("band.swing", f"swing must be from 0 to {MAX_SWING}, got {swing}")
    for name in ("count_in", "intro"):
        value = getattr(options, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise RequestError(f"band.{name}", f"must be a whole number of bars, got {value!r}")
        if not 0 <= value <= MAX_LEAD_BARS:
            raise RequestError(f"band.{name}", f"must be 0 to {MAX_LEAD_BARS} bars, got {value}")
    if options.instrument not in INSTRUMENTS:
        raise RequestError("band.instrument", f"unknown instrument {options.instrument!r} "
                           f"(one of {', '.join(sorted(INSTRUMENTS))})")
    try:
        mix = dict(options.mix)
    except (TypeError, ValueError):
        problem = f"expected part: volume pairs, got {options.mix!r}"
        raise RequestError("band.mix", problem) from None
    for part, volume in mix.items():
        if part not in PARTS:
            raise RequestError("band.mix", f"unknown part {part!r} (one of {', '.join(PARTS)})")
        if isinstance(volume, bool) or not isinstance(volume, (int, float)) or not (
            0.0 <= volume <= MAX_VOLUME
        ):
            raise RequestError("band.mix", f"{part} volume must be 0 to {MAX_VOLUME}, got "
                               f"{volume!r}")
    for name in ("two_feel", "ending"):
        if not isinstance(getattr(options, name), bool):
            raise RequestError(f"band.{name}", f"{name} must be true or false, got "
                               f"{getattr(options, name)!r}")


def resolve(options: BandOptions) -> Band:
    """Check ``options`` (a style is required) and resolve the defaults."""
    if options.style is None:
        raise RequestError("band.style", "the band needs a style (one of "
                           f"{', '.join(STYLES)})")
    check_band(options)
    style = get_style(options.style)
    return Band(style=style,
                swing=style.swing if options.swing is None else float(options.swing),
                count_in=options.count_in, intro=options.intro,
                program=INSTRUMENTS[options.instrument],
                mix={**DEFAULT_MIX, **{k: float(v) for k, v in dict(options.mix).items()}},
                two_feel=options.two_feel, ending=options.ending)


def parse_mix(text: str) -> dict[str, float]:
    """``solo=1,piano=0.7`` -> {"solo": 1.0, "piano": 0.7}; a RequestError (band.mix) else."""
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
            raise RequestError("band.mix", f"expected PART=VOLUME (e.g. piano=0.7), got "
                                           f"{item!r}")
        out[part] = volume
    if not out:
        raise RequestError("band.mix", "is empty (e.g. solo=1,piano=0.7,bass=0.9,drums=0.8)")
    return out
