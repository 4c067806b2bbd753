"""jazzsolo: learn how jazz musicians solo from MIDI files and improvise new solos.

The Python API is the same code the ``jazzsolo`` command runs. Everything below loads on first
use (PEP 562), so that ``jazzsolo generate`` starts fast: only torch-based modules (model, train)
import torch, and only the commands that train do.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import JazzsoloError
from .score import Chord, LeadSheet, Note

if TYPE_CHECKING:
    from .chords import ChordSymbol, parse_chord, parse_progression
    from .corpus import Corpus, classic_corpus, classic_lead_sheet

__version__ = "0.1.0"

_LAZY_MODULES = {"model", "train", "sample", "checkpoint", "render", "generate", "lstm"}
_LAZY_NAMES = {
    "ChordSymbol": "chords",
    "parse_chord": "chords",
    "parse_progression": "chords",
    "Corpus": "corpus",
    "classic_corpus": "corpus",
    "classic_lead_sheet": "corpus",
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
    "Chord",
    "ChordSymbol",
    "Corpus",
    "JazzsoloError",
    "LeadSheet",
    "Note",
    "classic_corpus",
    "classic_lead_sheet",
    "parse_chord",
    "parse_progression",
]
