"""jazzsolo: learn how jazz musicians solo from MIDI files and improvise new solos.

The Python API is the same code the ``jazzsolo`` command runs. Everything below loads on first
use (PEP 562), so that ``jazzsolo generate`` starts fast: only torch-based modules (model, train)
import torch, and only the commands that train do.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import JazzsoloError, RequestError
from .score import Chord, LeadSheet, Note

if TYPE_CHECKING:
    from .checkpoint import load_checkpoint, load_for_inference
    from .chords import ChordSymbol, parse_chord, parse_progression
    from .corpus import Corpus, build_corpus, classic_corpus, classic_lead_sheet
    from .evaluate import CopyIndex, Solo, compare, evaluate_solos, summarize
    from .evaluate_io import load_solos
    from .extract import detect_roles, read_lead_sheet
    from .generate import generate_solos
    from .io import read_midi, write_midi
    from .outputs import write_solos
    from .request import BandOptions, GenerateRequest, SamplingOptions
    from .wjazzd import read_wjazzd

__version__ = "0.1.0"

_LAZY_MODULES = {
    "checkpoint", "chords", "classic_import", "corpus", "data", "evaluate", "evaluate_io",
    "extract", "generate", "grammar", "io", "lstm", "model", "models", "outputs", "progressions",
    "render", "request", "sample", "theory", "train", "wjazzd",
}
_LAZY_NAMES = {
    "read_lead_sheet": "extract",
    "detect_roles": "extract",
    "read_wjazzd": "wjazzd",
    "build_corpus": "corpus",
    "generate_solos": "generate",
    "load_checkpoint": "checkpoint",
    "load_for_inference": "checkpoint",
    "GenerateRequest": "request",
    "SamplingOptions": "request",
    "BandOptions": "request",
    "write_solos": "outputs",
    "read_midi": "io",
    "write_midi": "io",
    "ChordSymbol": "chords",
    "parse_chord": "chords",
    "parse_progression": "chords",
    "Corpus": "corpus",
    "classic_corpus": "corpus",
    "classic_lead_sheet": "corpus",
    "evaluate_solos": "evaluate",
    "summarize": "evaluate",
    "compare": "evaluate",
    "CopyIndex": "evaluate",
    "Solo": "evaluate",
    "load_solos": "evaluate_io",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'jazzsolo' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY_MODULES | set(_LAZY_NAMES))


__all__ = [
    "BandOptions",
    "Chord",
    "ChordSymbol",
    "CopyIndex",
    "Corpus",
    "GenerateRequest",
    "JazzsoloError",
    "LeadSheet",
    "Note",
    "RequestError",
    "SamplingOptions",
    "Solo",
    "build_corpus",
    "classic_corpus",
    "classic_lead_sheet",
    "compare",
    "detect_roles",
    "evaluate_solos",
    "generate_solos",
    "load_checkpoint",
    "load_for_inference",
    "load_solos",
    "parse_chord",
    "parse_progression",
    "read_lead_sheet",
    "read_midi",
    "read_wjazzd",
    "summarize",
    "write_midi",
    "write_solos",
]
