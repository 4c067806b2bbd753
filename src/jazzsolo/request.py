"""One request for generation, built alike by the CLI, the Python API and the web page.

``GenerateRequest`` holds everything a solo depends on (model, changes, sampling, band, outputs)
and ``validate()`` checks it once; a bad value raises ``RequestError`` whose ``field`` names it
(``"n_outputs"``, ``"sampling.top_p"``), so each front end words it its own way (the CLI says
``--num-outputs``). ``generate(request)`` returns the solos as lead sheets;
``perform(request)`` returns what the CLI, the Python API and the web page write: each solo
with the band its ``BandOptions`` ask for (``outputs.write_solos`` writes either).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import JazzsoloError, RequestError
from .generate import GenerateConfig, generate_solos
from .models import model_directory
from .sample import SampleConfig, check_sampling
from .score import Chord, LeadSheet, Meter

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .band.arrange import Arrangement

MAX_BEATS_PER_BAR = 16


@dataclass(frozen=True)
class SamplingOptions:
    """How each value is chosen: ``greedy`` argmax, or ``sample`` with temperature, top_k and
    top_p (see sample.py)."""

    strategy: str = "sample"
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None

    def validate(self) -> None:
        """Raise a RequestError (field ``sampling.<name>``) for the first bad option."""
        try:
            check_sampling(self.strategy, self.temperature, self.top_k, self.top_p)
        except RequestError as exc:
            raise RequestError(f"sampling.{exc.field}", str(exc)) from None

    def config(self, seed: int | None) -> SampleConfig:
        """The sampler's config for these options and ``seed``."""
        return SampleConfig(strategy=self.strategy, temperature=self.temperature,
                            top_k=self.top_k, top_p=self.top_p, seed=seed)


@dataclass(frozen=True)
class BandOptions:
    """The accompaniment played with the solo. Without a ``style`` the plain chords sound (with
    a walking ``bass`` when asked); with one, a band (jazzsolo.band) plays: ``swing`` (0-0.75,
    None: the style's), ``count_in`` and ``intro`` bars, the soloist's ``instrument``, ``mix``
    volumes per part (solo, piano, bass, drums; 0 mutes), a ``two_feel`` head and an ``ending``."""

    bass: bool = False
    style: str | None = None
    swing: float | None = None
    count_in: int = 0
    intro: int = 0
    instrument: str = "tenor"
    mix: Mapping[str, float] | tuple[tuple[str, float], ...] = ()
    two_feel: bool = False
    ending: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.mix, Mapping):  # kept as pairs, so a request stays hashable
            object.__setattr__(self, "mix", tuple(self.mix.items()))

    def validate(self) -> None:
        """Raise a RequestError (field ``band.<name>``) for the first bad option."""
        if not isinstance(self.bass, bool):
            raise RequestError("band.bass", f"bass must be true or false, got {self.bass!r}")
        if self.style is not None:
            from .band.options import check_band

            check_band(self)


@dataclass(frozen=True)
class GenerateRequest:
    """What to generate. ``model`` is a bundled model's name (``"default"``, ``"classic"``) or a
    model directory; the changes are ``chords`` (text), a named ``progression``, or (neither) the
    chords the model was trained over; ``beats_per_bar`` is the meter of ``chords`` only."""

    model: str = "default"
    chords: str | None = None
    progression: str | None = None
    beats_per_bar: int | None = None
    choruses: int = 1
    tempo: float = 130.0
    seed: int = 0
    n_outputs: int = 1
    mode: str = "fill"
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    band: BandOptions = field(default_factory=BandOptions)
    # The jazz model's own options: a file whose changes to play over, the register (MIDI
    # LOW, HIGH; default the model's), and per-head sampling (default ``sampling``).
    changes_from: str | None = None
    register: tuple[int, int] | None = None
    pitch_sampling: SamplingOptions | None = None
    duration_sampling: SamplingOptions | None = None
    # added to chord tones' pitch logits (None: generate_jazz.DEFAULT_CHORD_WEIGHT, the tuned one)
    chord_weight: float | None = None
    # who plays: one of the model's players (``jazzsolo models`` lists them); None: any player
    player: str | None = None
    # with the default position mask, grace notes on the 32nds and sextuplets it leaves out
    # (None: generate_jazz.DEFAULT_ORNAMENTS); no mask, no need: every position is open
    ornaments: bool | None = None
    # a model with the bar countdown keeps each bar's planned notes where the grid lets it
    # (None: generate_jazz.DEFAULT_KEEP_PLAN); other models have no plan to keep
    keep_plan: bool | None = None

    def validate(self) -> GenerateRequest:
        """Check every field (the chord text is parsed, the progression looked up); raise a
        RequestError naming the first bad one; return the request itself."""
        if not isinstance(self.model, str) or not self.model.strip():
            raise RequestError("model", f"model must be a model name or directory, got "
                                        f"{self.model!r}")
        if self.chords is not None and self.progression is not None:
            raise RequestError("progression", "give either chords or progression, not both")
        if not _whole(self.choruses) or self.choruses < 1:
            raise RequestError("choruses", f"choruses must be at least 1, got {self.choruses}")
        if self.beats_per_bar is not None:
            if self.chords is None:
                raise RequestError("beats_per_bar", "beats_per_bar sets the meter of chords (a "
                                   "progression and a model's own changes carry their meter)")
            if not _whole(self.beats_per_bar) or not (
                1 <= self.beats_per_bar <= MAX_BEATS_PER_BAR
            ):
                raise RequestError("beats_per_bar", f"beats_per_bar must be 1 to "
                                   f"{MAX_BEATS_PER_BAR}, got {self.beats_per_bar}")
        self.config()
        self.sampling.validate()
        self.band.validate()
        self._validate_jazz()
        meter = self._band_meter()
        if meter is not None and self.beats_per_bar not in (None, meter):
            raise RequestError("beats_per_bar", f"the {self.band.style} style is in {meter}; "
                               f"beats_per_bar {self.beats_per_bar} contradicts it")
        if self.progression is not None:
            _as_field("progression", _progression, self.progression)
        if self.chords is not None:
            if not isinstance(self.chords, str) or not self.chords.strip():
                raise RequestError("chords", "chords is empty")
            _as_field("chords", _parse_chords, self.chords, self.meter_of_chords().beats_per_bar)
        return self

    def _validate_jazz(self) -> None:
        """The jazz model's options (a RequestError naming the first bad one)."""
        from .generate_jazz import check_register

        if self.changes_from is not None and (self.chords is not None
                                              or self.progression is not None):
            raise RequestError("changes_from", "give one of chords, progression, changes_from")
        if self.register is not None:
            _as_field("register", check_register, self.register)
        if self.chord_weight is not None:
            w = self.chord_weight
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not -5 <= w <= 5:
                raise RequestError("chord_weight", f"chord_weight must be a number from -5 to "
                                                   f"5, got {w!r}")
        if self.player is not None and (not isinstance(self.player, str)
                                        or not self.player.strip()):
            raise RequestError("player", f"player must be a player's name, got {self.player!r}")
        for name in ("ornaments", "keep_plan"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise RequestError(name, f"{name} must be true or false, got {value!r}")
        for name in ("pitch_sampling", "duration_sampling"):
            head = getattr(self, name)
            if head is not None:
                try:
                    head.validate()
                except RequestError as exc:
                    raise RequestError(f"{name}.{exc.field.split('.')[-1]}", str(exc)) from None

    def jazz_options(self) -> list[str]:
        """The jazz-only fields this request sets (a classic model cannot honour them)."""
        return [name for name in ("changes_from", "register", "pitch_sampling",
                                  "duration_sampling", "chord_weight", "player",
                                  "ornaments", "keep_plan")
                if getattr(self, name) is not None]

    def config(self) -> GenerateConfig:
        """The generator's options (mode, outputs, tempo, seed) of this request."""
        return GenerateConfig(mode=self.mode, n_outputs=self.n_outputs, tempo=self.tempo,
                              seed=self.seed)

    def meter_of_chords(self) -> Meter:
        """The meter of ``chords`` text: ``beats_per_bar`` quarter notes (default: the band
        style's, a waltz is in 3, else 4)."""
        if self.beats_per_bar is not None:
            return Meter(self.beats_per_bar, 4)
        return Meter(self._band_meter() or 4, 4)

    def _band_meter(self) -> int | None:
        """Beats per bar the band's style imposes on the changes (None: any)."""
        if self.band.style is None:
            return None
        from .band.styles import get_style

        return get_style(self.band.style).meter


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_field(name: str, check: Callable[..., Any], *args: Any) -> Any:
    """Run ``check(*args)``; a JazzsoloError it raises becomes a RequestError for ``name``."""
    try:
        return check(*args)
    except RequestError:
        raise
    except JazzsoloError as exc:
        raise RequestError(name, str(exc)) from None


def _progression(name: str) -> Any:
    from .chords.progressions import get_progression

    return get_progression(name)


def _parse_chords(text: str, beats_per_bar: int) -> Any:
    from .chords.progressions import parse_progression

    return parse_progression(text, beats_per_bar)


def changes_for(request: GenerateRequest, meta: dict) -> tuple[list[list[Chord]], Meter]:
    """The bars of chords to solo over and their meter: the request's text or progression,
    else the chords stored with the model."""
    from .generate import bars_from_progression, check_length
    from .score import bars_from_meta

    if request.progression is not None:
        prog = _as_field("progression", _progression, request.progression)
        meter = Meter(request._band_meter() or prog.beats_per_bar, 4)  # a waltz rebars in 3
        return bars_from_progression(prog.text, meter.beats_per_bar, request.choruses,
                                     f"the progression {request.progression}"), meter
    if request.chords is not None:
        meter = request.meter_of_chords()
        return bars_from_progression(request.chords, meter.beats_per_bar,
                                     request.choruses), meter
    source = meta.get("source") or {}
    meter = Meter(int(source.get("beats_per_bar") or 4), int(source.get("beat_unit") or 4))
    bars = bars_from_meta(meta)
    check_length(len(bars), meter.beats_per_bar * 4 / meter.beat_unit, request.choruses,
                 f"the model's changes in {model_directory(request.model)}")
    bars = bars * request.choruses
    if not bars:
        where = model_directory(request.model)
        raise RequestError("chords", f"{where}: the model stores no chords; give chords or a "
                                     "progression")
    return bars, meter


def generate(request: GenerateRequest) -> list[LeadSheet]:
    """Validate ``request``, load its model and improvise ``request.n_outputs`` solos over its
    changes (with a walking bass when asked); the same request gives the same solos."""
    from .band.bass import walking_bass_for
    from .checkpoint import load_for_inference

    request.validate()
    # The course mode is the classic exercise's loop: with no model named it plays the classic.
    named = "classic" if request.mode == "course" and request.model == "default" else request.model
    directory = model_directory(named)
    from .generate_jazz import generate_for_request, is_jazz_model

    if is_jazz_model(directory):
        return generate_for_request(request, directory, _jazz_changes(request))
    if request.jazz_options():
        name = request.jazz_options()[0]
        raise RequestError(name, f"{name} is an option of the jazz model, not of {directory}")
    model, meta = load_for_inference(directory)
    bars, meter = changes_for(request, meta)
    sheets = generate_solos(model, meta["vocabulary"], bars, request.sampling.config(request.seed),
                            request.config(), meter)
    if request.band.bass:
        for k, sheet in enumerate(sheets):
            sheet.bass = walking_bass_for(bars[: sheet.bar_count()], meter.bar_length,
                                          request.seed + k)
    return sheets


def perform(request: GenerateRequest) -> list[LeadSheet | Arrangement]:
    """The one generation path of every front end: :func:`generate`'s solos, each with the
    band behind it (solo k seeded ``seed + k``) when ``request.band.style`` asks for one."""
    sheets = generate(request)
    if request.band.style is None:
        return list(sheets)
    from .band.arrange import arrange_sheets

    return list(arrange_sheets(sheets, request.band, request.choruses, request.seed))


def _jazz_changes(request: GenerateRequest) -> Any:
    """The jazz model's changes: a file's, else the request's chords or progression (as the
    classic model reads them), else two choruses of the F blues."""
    from dataclasses import replace

    from .events import changes_from_bars
    from .generate_jazz import DEFAULT_PROGRESSION, file_changes

    if request.changes_from is not None:
        return _as_field("changes_from", file_changes, request.changes_from, request.choruses)
    if request.chords is None and request.progression is None:
        request = replace(request, progression=DEFAULT_PROGRESSION, choruses=2 * request.choruses)
    bars, meter = changes_for(request, {})
    return changes_from_bars(bars, meter.bar_length, meter.beats_per_bar, meter.beat_unit)
