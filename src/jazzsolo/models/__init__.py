"""The models jazzsolo knows: checkpoint formats (format name -> the module that builds it) and
the models that ship with the package.

A checkpoint's model.json and safetensors header name its format; ``jazzsolo.checkpoint`` looks
the name up in ``FORMATS`` and calls the format module's hooks (imported on first use, so that
generation never imports torch):

- ``FORMAT_VERSION``: the version this jazzsolo reads and writes;
- ``config_from_json(dict) -> config`` (a frozen dataclass with ``n_values``);
- ``tensor_shapes(config) -> {name: shape}``: the tensors a checkpoint must hold;
- ``vocabulary_problem(text) -> str | None``: why a vocabulary entry is unusable;
- ``inference_model(config, arrays)``: the torch-free model generation runs;
- ``torch_model(config)``: the torch module training runs (its class has ``format``);
- optional ``nll_model(model, doc) -> evaluate.NLLModel``: the loaded inference model (and its
  model.json) scoring real solos (``jazzsolo evaluate --model``), bits per note in total and
  per output head.

A new model registers itself with ``register_format`` and, when one ships, adds a
``BundledModel`` to ``BUNDLED``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..errors import JazzsoloError

PRETRAINED = Path(__file__).resolve().parent.parent / "pretrained"


@dataclass(frozen=True)
class ModelFormat:
    """A checkpoint format: its name (as written in model.json) and the module implementing it."""

    name: str
    module: str

    def load(self) -> ModuleType:
        """The implementing module (imported now)."""
        return importlib.import_module(self.module)


@dataclass(frozen=True)
class BundledModel:
    """A model that ships with jazzsolo: its name, directory and what it was trained on."""

    name: str
    directory: Path
    trained_on: str


FORMATS: dict[str, ModelFormat] = {}
BUNDLED: dict[str, BundledModel] = {}
DEFAULT_MODEL = "classic"
"""The bundled model ``"default"`` stands for."""


def register_format(fmt: ModelFormat) -> None:
    """Make checkpoints of ``fmt.name`` loadable."""
    FORMATS[fmt.name] = fmt


def register_bundled(model: BundledModel) -> None:
    """Offer a shipped model by name (``jazzsolo generate --model NAME``)."""
    BUNDLED[model.name] = model


def bundled_models() -> list[BundledModel]:
    """The shipped models, the default first: the order ``jazzsolo models`` and the web page
    list them in."""
    return sorted(BUNDLED.values(), key=lambda m: m.name != DEFAULT_MODEL)


def model_format(name: str, where: str) -> ModelFormat:
    """The registered format called ``name``; the error names ``where`` and the known ones."""
    if name not in FORMATS:
        known = " or ".join(repr(n) for n in FORMATS)
        raise JazzsoloError(f"{where}: format is {name!r}, expected {known}")
    return FORMATS[name]


def model_directory(model: str) -> Path:
    """The directory of a bundled model's name (``"default"`` is the default model), else
    ``model`` itself, read as a path."""
    name = DEFAULT_MODEL if model == "default" else model
    if name in BUNDLED:
        return BUNDLED[name].directory
    return Path(model)


register_format(ModelFormat("jazzsolo-classic-lstm", "jazzsolo.models.classic"))
register_bundled(BundledModel(
    "classic", PRETRAINED / "classic",
    "the classic exercise: 18 bars of Pat Metheny's solo (original_metheny.mid, quarters "
    "476-548), 90 grammar values, 100 epochs, seed 0",
))

# The jazz model (models/jazz.py, jazz_format.py) loads through its own validated reader
# (``jazz_format.load_jazz_arrays``); it is listed here so that ``--model jazz`` and the default
# find it, and becomes the default once its weights ship.
JAZZ_FORMAT = "jazzsolo-jazz-lstm"
if (PRETRAINED / "jazz" / "model.safetensors").is_file():
    register_bundled(BundledModel(
        "jazz", PRETRAINED / "jazz",
        "the jazz model: the 419 Weimar Jazz Database solos less the 40 of the held-out test "
        "tunes in pretrained/jazz/heldout.txt (349 trained on, 30 of other tunes validated "
        "on)",
    ))
    DEFAULT_MODEL = "jazz"
