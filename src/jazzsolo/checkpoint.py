"""Saving and loading trained models: ``model.safetensors`` + ``model.json`` in a directory.

``model.json`` holds the format name and version, the model config, the vocabulary in index
order, the training options and history, a ``save_id`` shared with the weights file (so a pair
of files from two different saves is detected), and any extra keys the caller passes (for
example ``chords`` or ``source``). Weights are read and written with safetensors only; nothing is
ever unpickled. Saving writes temporary files and renames them into place, so an interrupted or
failed save never leaves a half-written checkpoint. Loading validates everything and reports any
problem as a one-line JazzsoloError naming the file.

The format named in both files picks the model (``jazzsolo.models.FORMATS``: the classic LSTM,
and any model registered there), which says the config, tensors and vocabulary it needs. Two
loaders share every check: ``load_checkpoint`` gives the torch module (training, fine-tuning) and
``load_for_inference`` gives the numpy model without importing torch (generation starts in a
fraction of a second). Importing this module never imports torch.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file

from .errors import JazzsoloError
from .models import model_format
from .models.classic import FORMAT, FORMAT_VERSION, NumpyLSTM  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from types import ModuleType

    from .models.classic import ClassicLSTM
JSON_NAME = "model.json"
WEIGHTS_NAME = "model.safetensors"

_FILE_KEYS = ("format", "format_version", "save_id")
"""Keys describing the file itself: always written by save_checkpoint, ignored in ``meta``."""

FLOAT_DTYPES = ("F16", "F32", "F64")
"""safetensors dtypes a checkpoint's tensors may have (all are read as float32)."""


def expected_shapes(config: Any, fmt: str = FORMAT) -> dict[str, tuple[int, ...]]:
    """Tensor names and shapes a checkpoint of this config must hold (the classic model: the
    five Keras tensors)."""
    return model_format(fmt, "expected_shapes").load().tensor_shapes(config)


def save_checkpoint(
    dir_path: str | os.PathLike[str],
    model: ClassicLSTM,
    vocabulary: list[str],
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write ``model.safetensors`` and ``model.json`` into ``dir_path`` (created if needed),
    atomically; ``meta`` adds keys such as training, history, chords, source. Returns the path."""
    path = Path(dir_path)
    config = model.config
    fmt = getattr(model, "format", None)
    hooks = model_format(str(fmt), f"save_checkpoint({path})").load()
    _check_vocabulary(vocabulary, config.n_values, f"save_checkpoint({path})", hooks)
    save_id = uuid.uuid4().hex
    doc = _json_document(model, vocabulary, meta or {}, save_id, path)
    tensors = {
        name: np.ascontiguousarray(tensor.detach().cpu().float().numpy())
        for name, tensor in model.state_dict().items()
    }
    if set(tensors) != set(hooks.tensor_shapes(config)):
        raise JazzsoloError(f"save_checkpoint({path}): the model's tensors are not a {fmt}")
    header = {"format": fmt, "format_version": str(hooks.FORMAT_VERSION), "save_id": save_id}
    return write_model_files(path, tensors, header, doc)


def write_model_files(path: Path, tensors: dict[str, np.ndarray], header: dict[str, str],
                      doc: str) -> Path:
    """Write the weights (with ``header`` as safetensors metadata) and model.json into the
    directory ``path``, atomically: into a new directory, or replacing the two files."""
    if path.exists() and not path.is_dir():
        raise JazzsoloError(f"{path}: exists and is not a directory")
    if path.is_dir():
        _replace_files_in(path, tensors, header, doc)
    else:
        try:
            _create_directory(path, tensors, header, doc)
        except JazzsoloError:
            if not path.is_dir():
                raise
            _replace_files_in(path, tensors, header, doc)  # another process created it first
    return path


def load_checkpoint(dir_path: str | os.PathLike[str]) -> tuple[ClassicLSTM, dict[str, Any]]:
    """Load and validate a checkpoint directory (or the path of one of its two files); returns
    the torch model in eval mode and the parsed model.json (config, vocabulary, training...)."""
    import torch

    hooks, config, arrays, doc = _load_validated(dir_path)
    model = hooks.torch_model(config)
    model.load_state_dict({name: torch.from_numpy(a) for name, a in arrays.items()}, strict=True)
    model.eval()
    return model, doc


def load_for_inference(dir_path: str | os.PathLike[str]) -> tuple[NumpyLSTM, dict[str, Any]]:
    """Like ``load_checkpoint`` (the same checks and errors) but returns a torch-free
    ``NumpyLSTM`` for generation, and never imports torch."""
    hooks, config, arrays, doc = _load_validated(dir_path)
    return hooks.inference_model(config, arrays), doc


# ---------------------------------------------------------------------------------------------
# saving


def _json_document(
    model: Any, vocabulary: list[str], meta: dict[str, Any], save_id: str, path: Path
) -> str:
    """The model.json text; raises before anything touches the disk if meta is not JSON data."""
    where = f"save_checkpoint({path})"
    if not isinstance(meta, dict) or not all(isinstance(k, str) for k in meta):
        raise JazzsoloError(f"{where}: meta must be a dict with string keys")
    config_dict = dataclasses.asdict(model.config)
    if "config" in meta and _plain(meta["config"]) != config_dict:
        raise JazzsoloError(f"{where}: meta['config'] {meta['config']!r} differs from the model's")
    if "vocabulary" in meta and list(meta["vocabulary"]) != list(vocabulary):
        raise JazzsoloError(f"{where}: meta['vocabulary'] differs from the vocabulary argument")
    doc: dict[str, Any] = {
        "format": model.format,
        "format_version": model_format(model.format, where).load().FORMAT_VERSION,
        "save_id": save_id,
        "config": config_dict,
        "vocabulary": list(vocabulary),
        "training": {},
        "history": {},
    }
    for key, value in meta.items():
        if key not in _FILE_KEYS and key not in ("config", "vocabulary"):
            doc[key] = value
    doc = _plain(doc)
    for key in ("training", "history"):
        if not isinstance(doc[key], dict):
            raise JazzsoloError(f"{where}: meta['{key}'] must be a dict")
    try:
        text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise JazzsoloError(f"{where}: meta is not JSON data ({_one_line(exc)})") from None
    return text + "\n"


def _plain(value: Any) -> Any:
    """Turn dataclasses, numpy values, paths and tuples into plain JSON types, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def _write_pair(
    directory: Path, tensors: dict[str, np.ndarray], header: dict[str, str], doc: str
) -> tuple[Path, Path]:
    """Write the weights and JSON to fresh temporary files in ``directory`` (``io``'s temporary
    names); returns their paths. On failure, removes whatever it wrote."""
    from .io import temp_file_beside

    weights_tmp = temp_file_beside(directory / WEIGHTS_NAME)
    json_tmp: Path | None = None
    try:
        save_file(tensors, weights_tmp, metadata=header)
        _fsync(weights_tmp)
        json_tmp = temp_file_beside(directory / JSON_NAME)
        with open(json_tmp, "w", encoding="utf-8") as handle:
            handle.write(doc)
            handle.flush()
            os.fsync(handle.fileno())
        return weights_tmp, json_tmp
    except BaseException:
        weights_tmp.unlink(missing_ok=True)
        if json_tmp is not None:
            json_tmp.unlink(missing_ok=True)
        raise


def _replace_files_in(
    path: Path, tensors: dict[str, np.ndarray], header: dict[str, str], doc: str
) -> None:
    """Overwrite a checkpoint in an existing directory: temp files, then os.replace each."""
    try:
        weights_tmp, json_tmp = _write_pair(path, tensors, header, doc)
    except OSError as exc:
        raise JazzsoloError(f"{path}: cannot write the checkpoint ({_one_line(exc)})") from None
    try:
        with _locked(path):  # two saves into one folder must not interleave their renames
            os.replace(weights_tmp, path / WEIGHTS_NAME)
            os.replace(json_tmp, path / JSON_NAME)
    except OSError as exc:
        weights_tmp.unlink(missing_ok=True)
        json_tmp.unlink(missing_ok=True)
        raise JazzsoloError(f"{path}: cannot write the checkpoint ({_one_line(exc)})") from None


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (flock on its descriptor; no lock file)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the renames stay individually atomic
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _create_directory(
    path: Path, tensors: dict[str, np.ndarray], header: dict[str, str], doc: str
) -> None:
    """Write a new checkpoint directory: fill a temporary sibling directory, then rename it."""
    created = _make_parents(path.parent)
    tmp_dir: Path | None = None
    try:
        candidate = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
        candidate.mkdir()
        tmp_dir = candidate
        weights_tmp, json_tmp = _write_pair(tmp_dir, tensors, header, doc)
        os.replace(weights_tmp, tmp_dir / WEIGHTS_NAME)
        os.replace(json_tmp, tmp_dir / JSON_NAME)
        os.rename(tmp_dir, path)
        tmp_dir = None
    except OSError as exc:
        raise JazzsoloError(f"{path}: cannot write the checkpoint ({_one_line(exc)})") from None
    finally:
        if tmp_dir is not None:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            for directory in reversed(created):
                try:
                    directory.rmdir()
                except OSError:
                    break


def _make_parents(directory: Path) -> list[Path]:
    """Create ``directory`` and its missing ancestors; returns the ones created, outermost first."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    missing.reverse()
    for part in missing:
        try:
            part.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise JazzsoloError(f"{part}: cannot create the directory ({_one_line(exc)})") from None
    return missing


def _fsync(file: Path) -> None:
    with open(file, "rb") as handle:
        os.fsync(handle.fileno())


# ---------------------------------------------------------------------------------------------
# loading


def _load_validated(
    dir_path: str | os.PathLike[str],
) -> tuple[ModuleType, Any, dict[str, np.ndarray], dict[str, Any]]:
    """Find, read and validate both files of a checkpoint; returns (the format's module, config,
    float32 arrays by tensor name, model.json). Every check of both loaders lives here."""
    path = Path(dir_path)
    if path.is_file() and path.name in (JSON_NAME, WEIGHTS_NAME):
        path = path.parent
    if not path.exists():
        raise JazzsoloError(f"{path}: checkpoint directory does not exist")
    if not path.is_dir():
        raise JazzsoloError(
            f"{path}: not a checkpoint directory (expected a directory with {JSON_NAME} "
            f"and {WEIGHTS_NAME})"
        )
    json_path, weights_path = path / JSON_NAME, path / WEIGHTS_NAME
    for file in (json_path, weights_path):
        if not file.is_file():
            raise JazzsoloError(
                f"{file}: missing (a checkpoint needs both {JSON_NAME} and {WEIGHTS_NAME})"
            )
    doc = _read_json(json_path)
    hooks, config = _check_document(doc, json_path)
    arrays, header = _read_weights(weights_path, config, hooks, doc["format"])
    if header.get("save_id") != doc["save_id"]:
        raise JazzsoloError(
            f"{json_path}: save_id does not match {WEIGHTS_NAME} (the two files come from "
            "different saves)"
        )
    return hooks, config, arrays, doc


def _read_json(json_path: Path) -> dict[str, Any]:
    """Parse model.json into a dict, or raise a one-line JazzsoloError."""
    try:
        text = json_path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise JazzsoloError(f"{json_path}: cannot read ({_one_line(exc)})") from None
    except UnicodeDecodeError:
        raise JazzsoloError(f"{json_path}: not UTF-8 text") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JazzsoloError(f"{json_path}: not valid JSON ({_one_line(exc)})") from None
    if not isinstance(doc, dict):
        raise JazzsoloError(f"{json_path}: must hold a JSON object, got {type(doc).__name__}")
    return doc


def _check_document(doc: dict[str, Any], json_path: Path) -> tuple[ModuleType, Any]:
    """Validate model.json's required keys and types; returns the format's module and the
    model config."""

    def fail(problem: str) -> JazzsoloError:
        return JazzsoloError(f"{json_path}: {problem}")

    if doc.get("format") == "jazzsolo-jazz-lstm":
        raise fail("a jazz model (format 'jazzsolo-jazz-lstm'), not a classic model: give its "
                   "directory to generate --model, which reads either kind")
    required = {
        "format": str,
        "format_version": int,
        "save_id": str,
        "config": dict,
        "vocabulary": list,
        "training": dict,
        "history": dict,
    }
    for key, kind in required.items():
        if key not in doc:
            raise fail(f"missing key '{key}'")
        value = doc[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise fail(f"'{key}' must be a JSON {_json_type(kind)}, got {_json_type(type(value))}")
    hooks = model_format(doc["format"], str(json_path)).load()
    if doc["format_version"] != hooks.FORMAT_VERSION:
        raise fail(
            f"format_version {doc['format_version']} is not supported "
            f"(this jazzsolo reads version {hooks.FORMAT_VERSION})"
        )
    try:
        config = hooks.config_from_json(doc["config"])
    except JazzsoloError as exc:
        raise fail(str(exc)) from None
    _check_vocabulary(doc["vocabulary"], config.n_values, str(json_path), hooks)
    for key, values in doc["history"].items():
        if not isinstance(values, list) or not all(_is_number(v) for v in values):
            raise fail(f"history '{key}' must be a list of numbers")
    problem = _chords_problem(doc.get("chords"))
    if problem:
        raise fail(problem)
    source = doc.get("source")
    if source is not None and not isinstance(source, dict):
        raise fail("'source' must be a JSON object")
    return hooks, config


def _chords_problem(chords: Any) -> str | None:
    """Why model.json's 'chords' (bars of chords to play over) is malformed, or None."""
    from .chords.symbols import parse_chord

    if chords is None:
        return None
    if not isinstance(chords, list) or not all(isinstance(bar, list) for bar in chords):
        return "'chords' must be a list of bars, each a list of chords"
    for b, bar in enumerate(chords):
        for chord in bar:
            where = f"chords: bar {b + 1}"
            if not isinstance(chord, dict):
                return f"{where}: a chord must be a JSON object"
            for key in ("start", "duration"):
                if not _is_number(chord.get(key)) or not math.isfinite(chord[key]):
                    return f"{where}: '{key}' must be a number"
            pitches = chord.get("pitches", [])
            if not isinstance(pitches, list) or not all(
                isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 127 for p in pitches
            ):
                return f"{where}: 'pitches' must be a list of MIDI numbers"
            symbol = chord.get("symbol")
            if symbol is not None:
                if not isinstance(symbol, str):
                    return f"{where}: 'symbol' must be a string"
                try:
                    parse_chord(symbol)
                except JazzsoloError:
                    return f"{where}: unknown chord symbol {symbol!r}"
    return None


def _check_vocabulary(vocabulary: Any, n_values: int, where: str, hooks: ModuleType) -> None:
    """A vocabulary is a list of unique strings, one per model value."""
    if not isinstance(vocabulary, list):
        raise JazzsoloError(f"{where}: vocabulary must be a list of strings")
    for i, value in enumerate(vocabulary):
        if not isinstance(value, str):
            raise JazzsoloError(f"{where}: vocabulary entry {i} is {value!r}, not a string")
    if len(set(vocabulary)) != len(vocabulary):
        seen: set[str] = set()
        duplicate = next(v for v in vocabulary if v in seen or seen.add(v))
        raise JazzsoloError(f"{where}: vocabulary value {duplicate!r} appears more than once")
    if len(vocabulary) != n_values:
        raise JazzsoloError(
            f"{where}: vocabulary has {len(vocabulary)} values but the weights expect {n_values}"
        )
    for value in vocabulary:
        problem = hooks.vocabulary_problem(value)
        if problem:
            raise JazzsoloError(f"{where}: {problem}")


def _read_weights(
    weights_path: Path, config: Any, hooks: ModuleType, fmt: str
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read and validate the safetensors file against the config (names, shapes, dtypes, finite
    values) with numpy; returns float32 arrays by name and the file's metadata."""

    def fail(problem: str) -> JazzsoloError:
        return JazzsoloError(f"{weights_path}: {problem}")

    expected = hooks.tensor_shapes(config)
    try:
        with safe_open(weights_path, framework="numpy") as handle:
            header = handle.metadata() or {}
            if header.get("format") != fmt:
                raise fail(f"format is {header.get('format')!r}, expected {fmt!r}")
            names = set(handle.keys())
            missing = sorted(set(expected) - names)
            if missing:
                raise fail(f"missing tensor '{missing[0]}'")
            unexpected = sorted(names - set(expected))
            if unexpected:
                raise fail(f"unexpected tensor {unexpected[0]!r}")
            arrays: dict[str, np.ndarray] = {}
            for name, shape in expected.items():
                part = handle.get_slice(name)
                found = tuple(part.get_shape())
                if found != shape:
                    raise fail(
                        f"tensor '{name}' has shape {found} but the config "
                        f"({_fields(config)}) expects {shape}"
                    )
                dtype = part.get_dtype()
                if dtype not in FLOAT_DTYPES:
                    raise fail(
                        f"tensor '{name}' has dtype {dtype}, expected one of "
                        f"{', '.join(FLOAT_DTYPES)}"
                    )
                arrays[name] = handle.get_tensor(name)
    except JazzsoloError:
        raise
    except Exception as exc:  # safetensors raises its own error types, OSError, ValueError...
        raise fail(f"not a readable safetensors file ({_one_line(exc)})") from None
    for name, array in arrays.items():
        if not np.isfinite(array).all():
            raise fail(f"tensor '{name}' contains NaN or infinite values")
        arrays[name] = np.array(array, dtype=np.float32)  # a writable float32 copy
    return arrays, header


def _fields(config: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(config).items())


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    )


def _json_type(kind: type) -> str:
    names = {str: "string", int: "integer", float: "number", dict: "object", list: "array"}
    return names.get(kind, "null" if kind is type(None) else kind.__name__)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
