"""The one place the web server calls the generator: what it offers, and making one take.

A thin adapter over the library's generation entry point, so the server, its limits and its
tests do not depend on how the library spells its options. Models are only the bundled ones,
listed from the package folder: a request names one, never a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """The models a request may name, the default first (the library's default model)."""
    from ..generate import default_model_dir

    default = Path(default_model_dir())
    found = [BundledModel("default", default, _describe(default))]
    for folder in sorted(default.parent.iterdir()):
        if folder != default and (folder / "model.json").is_file():
            found.append(BundledModel(folder.name, folder, _describe(folder)))
    return found


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


def features() -> dict[str, Any]:
    """Band options this build supports: the page shows only these controls.

    ``styles``/``instruments`` list the accepted names (empty: not offered), ``swing`` is the
    accepted (low, high) range or None, ``bass`` says whether a walking bass can be added.
    """
    return {"bass": True, "styles": [], "instruments": [], "swing": None}


def run_take(spec: TakeSpec, folder: Path) -> list[dict[str, Path]]:
    """Generate ``spec.n_outputs`` solos into ``folder`` (MIDI, WAV, PNG each); returns the
    files of each output by kind. Slow (rendering), so it runs on the worker pool."""
    from ..generate import GenerateConfig, generate_from_model
    from ..sample import SampleConfig

    models = {m.name: m.folder for m in bundled_models()}
    names = [f"solo-{k + 1}" for k in range(spec.n_outputs)]
    paths = {kind: [str(folder / f"{n}.{kind}") for n in names] for kind in KINDS}
    sample = SampleConfig(strategy=spec.sampling, temperature=spec.temperature,
                          top_k=spec.top_k, top_p=spec.top_p, seed=spec.seed)
    config = GenerateConfig(n_outputs=spec.n_outputs, tempo=spec.tempo, seed=spec.seed)
    generate_from_model(
        str(models[spec.model]), paths["mid"], sample, config, chords=spec.chords,
        beats_per_bar=spec.beats_per_bar, choruses=spec.choruses, bass=spec.bass,
        wavs=paths["wav"], pngs=paths["png"],
    )
    return [{kind: Path(paths[kind][k]) for kind in KINDS} for k in range(spec.n_outputs)]
