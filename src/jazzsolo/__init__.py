"""jazzsolo: learn how jazz musicians solo from MIDI files and improvise new solos.

The flow, one way (each name is a module; the Python API and the ``jazzsolo`` command run the
same code):

    MIDI / WJazzD CSV        io (read_midi_file: the one loader), parts (which part plays what),
        |                    extract, wjazzd (ticks -> lead sheet, via timeline's records)
        v
    LeadSheet                score (Note, Chord, LeadSheet, Meter): plain containers
        |  grammar           encode notes as classic values per bar / decode values over chords
        v                    (theory: spelled pitches and intervals; chords: symbols, naming,
    values                    progressions)
        |  data, corpus      vocabulary, corpus of many files, training windows
        v
    models.classic           ClassicLSTM (torch, train) and NumpyLSTM (numpy, generate), a
        |                    format table in models/ that checkpoint (safetensors + JSON) uses
        |  train             the classic training loop
        v
    request -> generate      GenerateRequest validated once -> sample values -> decode ->
        |                    LeadSheet; request.perform adds the band (band: drums,
        |                    comping, walking bass) where the request asks, for every front end
        |                    (the jazz model instead: LeadSheet -> events -> models.jazz /
        |                    jazz_format -> train_jazz; request -> generate_jazz -> events)
        v
    outputs                  MIDI (io.write_midi), WAV (audio), PNG (pictures), all or nothing

Everything below loads on first use (PEP 562), so that ``jazzsolo generate`` starts fast: only
the torch twin (models.classic.ClassicLSTM) and train import torch, and only commands that train.
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
    from .extract import read_lead_sheet
    from .generate import generate_solos
    from .io import read_midi, write_midi
    from .outputs import write_solos
    from .parts import detect_roles
    from .request import BandOptions, GenerateRequest, SamplingOptions, perform
    from .wjazzd import read_wjazzd

__version__ = "0.1.0"

_LAZY_MODULES = {
    "band", "checkpoint", "chords", "classic_import", "corpus", "data", "evaluate", "evaluate_io",
    "extract", "generate", "grammar", "io", "lstm", "model", "models", "outputs", "parts",
    "progressions", "render", "request", "sample", "score", "theory", "timeline", "train",
    "wjazzd",
}
_LAZY_NAMES = {
    "read_lead_sheet": "extract",
    "detect_roles": "parts",
    "read_wjazzd": "wjazzd",
    "build_corpus": "corpus",
    "generate_solos": "generate",
    "load_checkpoint": "checkpoint",
    "load_for_inference": "checkpoint",
    "GenerateRequest": "request",
    "SamplingOptions": "request",
    "BandOptions": "request",
    "perform": "request",
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
    "perform",
    "read_lead_sheet",
    "read_midi",
    "read_wjazzd",
    "summarize",
    "write_midi",
    "write_solos",
]
