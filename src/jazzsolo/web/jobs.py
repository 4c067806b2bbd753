"""The one place the web server calls the generator: what it offers, and making one take.

A thin adapter over the library's ``generate(GenerateRequest)`` and ``write_solos``. Models are
only the bundled ones, listed from the package folder: a request names one, and the request the
library gets holds that folder, never a path from the request.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .limits import TakeSpec

KINDS = ("mid", "wav", "png")  # the files of each output, in this order
MEDIA_TYPES = {"mid": "audio/midi", "wav": "audio/wav", "png": "image/png"}


@dataclass(frozen=True)
class BundledModel:
    """A model shipped inside the package: the name a request uses, its folder, a blurb."""

    name: str
    folder: Path
    description: str


def bundled_models() -> list[BundledModel]:
    """The models a request may name (bundled folders), the library's default first."""
    from ..request import model_directory

    default = Path(model_directory("default")).resolve()
    folders = [f for f in sorted(default.parent.iterdir()) if (f / "model.json").is_file()]
    folders.sort(key=lambda f: f.resolve() != default)
    return [BundledModel(f.name, f, _describe(f)) for f in folders]


def _describe(folder: Path) -> str:
    import json

    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return folder.name
    source = meta.get("source") or {}
    n_values = (meta.get("config") or {}).get("n_values")
    mode = source.get("mode", "general")
    return f"{mode} LSTM, {n_values} grammar values"


BAND_CHOICES = ("style", "swing", "instrument")
"""Band options the page offers where the library's BandOptions has them."""


def features() -> dict[str, Any]:
    """Band options this build supports: the page shows only these controls.

    ``styles``/``instruments`` list the accepted names (empty: not offered), ``swing`` is the
    accepted [low, high] range or None, ``bass`` says whether a walking bass can be added. Read
    from the library, so a build with a band offers it without changes here.
    """
    from ..request import BandOptions

    has = {f.name for f in dataclasses.fields(BandOptions)}
    found: dict[str, Any] = {"bass": "bass" in has, "styles": [], "instruments": [],
                             "swing": None}
    try:
        from .. import band
    except ImportError:
        return found
    if "style" in has:
        found["styles"] = list(getattr(band, "STYLES", ()))
    if "instrument" in has:
        found["instruments"] = list(getattr(band, "INSTRUMENTS", ()))
    max_swing = getattr(getattr(band, "options", None), "MAX_SWING", None)
    if "swing" in has and max_swing is not None:
        found["swing"] = [0.0, float(max_swing)]
    return found


def band_options(bass: bool, **choices: Any) -> Any:
    """The library's BandOptions: ``bass`` and whichever of ``BAND_CHOICES`` were given."""
    from ..request import BandOptions

    return BandOptions(bass=bass, **{k: v for k, v in choices.items() if v is not None})


def run_take(spec: TakeSpec, folder: Path) -> list[dict[str, Path]]:
    """Generate the request's solos into ``folder`` (MIDI, WAV, PNG each); returns the files
    of each output by kind. Slow (rendering), so it runs on the worker pool."""
    from ..outputs import write_solos
    from ..request import generate

    names = [f"solo-{k + 1}" for k in range(spec.request.n_outputs)]
    paths = {kind: [str(folder / f"{n}.{kind}") for n in names] for kind in KINDS}
    write_solos(generate(spec.request), paths["mid"], paths["wav"], paths["png"])
    return [{kind: Path(paths[kind][k]) for kind in KINDS} for k in range(len(names))]
