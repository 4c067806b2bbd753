"""jazzsolo: learn how jazz musicians solo from MIDI files and improvise new solos.

The Python API is the same code the ``jazzsolo`` command runs. Light modules are imported here;
the torch-based ones (model, train, sample, checkpoint) load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .chords import ChordSymbol, parse_chord, parse_progression
from .corpus import Corpus, classic_corpus, classic_lead_sheet
from .errors import JazzsoloError
from .score import Chord, LeadSheet, Note

__version__ = "0.1.0"

_LAZY_MODULES = {"model", "train", "sample", "checkpoint", "render", "generate"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'jazzsolo' has no attribute {name!r}")


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
