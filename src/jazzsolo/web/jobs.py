"""The one place the web server calls the generator: what it offers, and making one take.

A thin adapter over the library's ``perform(GenerateRequest)`` and ``write_solos``. Models are
only the library's bundled ones: a request names one from that list, so the library never reads
a path that came from a request.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..models import BundledModel
    from .limits import TakeSpec

KINDS = ("mid", "wav", "png")  # the files of each output, in this order
MEDIA_TYPES = {"mid": "audio/midi", "wav": "audio/wav", "png": "image/png"}


def bundled_models() -> list[BundledModel]:
    """The models a request may name: the library's bundled list, its default first."""
    from ..models import bundled_models as shipped

    return shipped()


BAND_CHOICES = ("style", "swing", "instrument")
"""Band options the page offers (the rest of BandOptions keep the library's defaults)."""


def features() -> dict[str, Any]:
    """The band options the page shows: ``styles``/``instruments`` (the accepted names),
    ``swing`` (the accepted [low, high] range) and ``bass`` (a walking bass without a style);
    read from the library's band, so a new style or instrument needs no change here."""
    from ..band import INSTRUMENTS, STYLES
    from ..band.options import MAX_SWING

    return {"bass": True, "styles": list(STYLES), "instruments": list(INSTRUMENTS),
            "swing": [0.0, float(MAX_SWING)]}


def band_options(bass: bool, **choices: Any) -> Any:
    """The library's BandOptions: ``bass`` and whichever of ``BAND_CHOICES`` were given."""
    from ..request import BandOptions

    return BandOptions(bass=bass, **{k: v for k, v in choices.items() if v is not None})


def run_take(spec: TakeSpec, folder: Path) -> list[dict[str, Path]]:
    """Generate the request's solos into ``folder`` (MIDI, WAV, PNG each); returns the files
    of each output by kind. Slow (rendering), so it runs on the worker pool."""
    from ..outputs import write_solos
    from ..request import perform

    names = [f"solo-{k + 1}" for k in range(spec.request.n_outputs)]
    paths = {kind: [str(folder / f"{n}.{kind}") for n in names] for kind in KINDS}
    write_solos(perform(spec.request), paths["mid"], paths["wav"], paths["png"])
    return [{kind: Path(paths[kind][k]) for kind in KINDS} for k in range(len(names))]
