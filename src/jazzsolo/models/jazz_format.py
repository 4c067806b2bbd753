"""The jazz model without torch: its config, its numpy twin for generation, and its files.

``JazzConfig`` sizes the model; ``NumpyJazz`` runs one step of the same network as
``models.jazz.JazzLSTM`` in numpy (generation never imports torch); ``save_jazz`` /
``load_jazz_arrays`` write and read ``model.safetensors`` + ``model.json`` with
``"format": "jazzsolo-jazz-lstm"``, validating names, shapes, dtypes and vocabulary sizes and
failing with one line naming the file.
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import safe_open

from ..errors import JazzsoloError
from ..events import (
    BAR_PLAN_CAP,
    CONTEXT_FIELDS,
    DENSITY_EDGES,
    GRIDS,
    MAX_PLAYERS,
    N_MASKS,
    NONE_PC,
    QUALITIES,
    REST,
    TEMPO_BUCKETS,
    TICKS,
    context_sizes,
)

FORMAT = "jazzsolo-jazz-lstm"
FORMAT_VERSION = 1
CLASSIC_FORMAT = "jazzsolo-classic-lstm"
FRAMES = ("absolute", "chord")
# Input fields, in order: what was played before, then the context of the event to play. A
# model reads the columns of the fields it has (``JazzConfig.fields``) by name.
FIELDS = ("prev_pitch", "prev_duration", "prev_interval", *CONTEXT_FIELDS)
BOS = 0  # prev_pitch / prev_duration token at the start of a solo
REST_TOKEN = 1  # prev_pitch token of a rest (a pitch p is p + 2)


@dataclass(frozen=True)
class JazzConfig:
    """Size of the jazz model: LSTM width and depth, embedding widths, and the pitch range and
    frame of the pitch head (``absolute`` MIDI pitch, or ``chord``: pitch above the chord root)."""

    hidden: int = 384
    layers: int = 2
    dropout: float = 0.2
    embed_pitch: int = 64
    embed_duration: int = 32
    embed_small: int = 16
    embed_masks: int = 32
    embed_out: int = 32  # the sampled pitch, as the duration head sees it
    pitch_low: int = 28
    pitch_high: int = 103
    frame: str = "absolute"
    intervals: int = 24  # > 0: an interval term for leaps up to this many semitones (0: none)
    recent: float = 0.95  # > 0: a memory of the pitch classes played, decaying by this per event
    tempo: bool = True  # the tempo as an input field (events.tempo_bucket)
    players: tuple[str, ...] = ()  # the player field's names (index + 1); () = no player field
    ticks: int = TICKS  # the event grid (events.GRIDS): 24 a quarter; the first models used 12
    phrase: bool = False  # the phrase fields: bar in a 4-bar group, quarters since the last
    # rest, notes in the previous bar (events.phrase_columns)
    density: bool = False  # the density field: the solo's notes a bar (events.density_bucket),
    # drawn for each take from the training solos at the tempo (model.json density_by_tempo)
    bar_plan: bool = False  # the bar_plan field: notes in the event's bar (events.bar_plan_column),
    # drawn bar by bar from the training solos' bar-to-bar counts (model.json bar_plan_counts)
    bar_left: bool = False  # the bar_left field: notes still to start in the bar (its plan
    # less the notes played in it; events.bar_left_column)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            low = 0 if f.name == "intervals" else 1
            if f.type == "int" and (isinstance(v, bool) or not isinstance(v, int) or v < low):
                raise JazzsoloError(f"JazzConfig: {f.name} must be a positive integer, got {v!r}")
        if not 1 <= self.layers <= 3:
            raise JazzsoloError(f"JazzConfig: layers must be 1 to 3, got {self.layers}")
        if not (isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1):
            raise JazzsoloError(f"JazzConfig: dropout must be in [0, 1), got {self.dropout!r}")
        if not 0 <= self.pitch_low < self.pitch_high <= 127:
            raise JazzsoloError(f"JazzConfig: bad pitch range {self.pitch_low}-{self.pitch_high}")
        if not (isinstance(self.recent, (int, float)) and not isinstance(self.recent, bool)
                and 0 <= self.recent < 1):
            raise JazzsoloError(f"JazzConfig: recent must be in [0, 1), got {self.recent!r}")
        for flag in ("tempo", "phrase", "density", "bar_plan", "bar_left"):
            if not isinstance(getattr(self, flag), bool):
                raise JazzsoloError(f"JazzConfig: {flag} must be true or false, got "
                                    f"{getattr(self, flag)!r}")
        players = self.players
        if not (isinstance(players, (tuple, list)) and all(isinstance(p, str) and p.strip()
                                                            for p in players)):
            raise JazzsoloError("JazzConfig: players must be a list of names")
        object.__setattr__(self, "players", tuple(players))  # JSON gives a list
        if len(set(players)) != len(players) or len(players) >= MAX_PLAYERS:
            raise JazzsoloError(f"JazzConfig: players must be distinct and fewer than "
                                f"{MAX_PLAYERS}")
        if self.bar_plan and not self.density:
            raise JazzsoloError("JazzConfig: a bar plan is drawn for the solo's density: "
                                "bar_plan needs the density field")
        if self.bar_left and not self.bar_plan:
            raise JazzsoloError("JazzConfig: bar_left counts a bar's plan down: it needs "
                                "bar_plan")
        if players and not self.tempo:
            raise JazzsoloError("JazzConfig: a player field needs the tempo field before it")
        if self.ticks not in GRIDS:
            raise JazzsoloError(f"JazzConfig: ticks must be one of {sorted(GRIDS)}, got "
                                f"{self.ticks!r}")
        if self.frame not in FRAMES:
            raise JazzsoloError(f"JazzConfig: frame must be one of {FRAMES}, got {self.frame!r}")

    @property
    def base(self) -> int:
        """The lowest pitch (or pitch above the root) the pitch head names."""
        return self.pitch_low - (11 if self.frame == "chord" else 0)

    @property
    def n_pitch(self) -> int:
        """Pitch head classes: rest (0), then every pitch from ``base`` to ``pitch_high``."""
        return 1 + self.pitch_high - self.base + 1

    @property
    def fields(self) -> tuple[str, ...]:
        """The input fields this model reads, in FIELDS order (the columns it reads there)."""
        has = {"tempo": self.tempo, "player": bool(self.players), "hyper": self.phrase,
               "phrase": self.phrase, "last_bar": self.phrase, "density": self.density,
               "bar_plan": self.bar_plan, "bar_left": self.bar_left}
        return tuple(f for f in FIELDS if has.get(f, True))

    @property
    def columns(self) -> list[int]:
        """The FIELDS columns of ``fields``."""
        return [FIELDS.index(f) for f in self.fields]

    def player_index(self, name: str | None) -> int:
        """The player field's value for a player's name (0: any player, also for None or a
        name the model does not know; see ``find_player`` for a checked lookup)."""
        return self.players.index(name) + 1 if name in self.players else 0

    @property
    def n_duration(self) -> int:
        """Duration head classes: 1 to the grid's longest event, in ticks."""
        return GRIDS[self.ticks].max_ticks

    @property
    def field_sizes(self) -> dict[str, int]:
        """The vocabulary size of each input field this model reads."""
        sizes = {"prev_pitch": 130, "prev_duration": self.n_duration + 1, "prev_interval": 13,
                 **context_sizes(self.ticks)}
        return {f: sizes[f] for f in self.fields}

    def embed_width(self, field: str) -> int:
        return {"prev_pitch": self.embed_pitch,
                "prev_duration": self.embed_duration}.get(field, self.embed_small)

    @property
    def input_width(self) -> int:
        return sum(self.embed_width(f) for f in self.fields) + self.embed_masks

    def pitch_index(self, pitch: np.ndarray, root: np.ndarray) -> np.ndarray:
        """Pitch-head class of each pitch (REST -> 0) given the chord root at its onset."""
        pitch = np.asarray(pitch)
        shift = self._shift(root)
        idx = 1 + np.clip(pitch - shift, self.base, self.pitch_high) - self.base
        return np.where(pitch == REST, 0, idx).astype(np.int64)

    def pitch_of(self, index: np.ndarray, root: np.ndarray) -> np.ndarray:
        """MIDI pitch (or REST) of pitch-head classes given the chord root."""
        index = np.asarray(index)
        return np.where(index == 0, REST, index - 1 + self.base + self._shift(root)).astype(
            np.int64)

    def class_pitches(self, root: np.ndarray) -> np.ndarray:
        """MIDI pitch of every pitch-head class for each chord root: (..., n_pitch) (the rest
        class gets ``base - 1``, never a pitch the terms below look at)."""
        classes = np.arange(self.n_pitch) - 1 + self.base
        return classes + self._shift(np.asarray(root))[..., None]

    def class_pitch_classes(self, root: np.ndarray) -> np.ndarray:
        """Pitch class of every pitch-head class for each chord root: (..., n_pitch)."""
        return self.class_pitches(root) % 12

    def _shift(self, root: np.ndarray) -> np.ndarray:
        root = np.asarray(root)
        if self.frame == "absolute":
            return np.zeros_like(root)
        return np.where(root == NONE_PC, 0, root)


def tensor_shapes(config: JazzConfig) -> dict[str, tuple[int, ...]]:
    """Names and shapes of the jazz model's tensors (the torch state_dict of JazzLSTM)."""
    shapes = {f"embed.{f}.weight": (n, config.embed_width(f))
              for f, n in config.field_sizes.items()}
    shapes["masks.weight"] = (config.embed_masks, N_MASKS)
    width, h = config.input_width, config.hidden
    for k in range(config.layers):
        shapes[f"lstm.weight_ih_l{k}"] = (4 * h, width if k == 0 else h)
        shapes[f"lstm.weight_hh_l{k}"] = (4 * h, h)
        shapes[f"lstm.bias_ih_l{k}"] = (4 * h,)
        shapes[f"lstm.bias_hh_l{k}"] = (4 * h,)
    shapes["pitch_head.weight"] = (config.n_pitch, h)
    shapes["pitch_head.bias"] = (config.n_pitch,)
    shapes["chord_gate.weight"] = (3, h)
    shapes["chord_gate.bias"] = (3,)
    if config.recent:
        shapes["recent_gate.weight"] = (1, h)
        shapes["recent_gate.bias"] = (1,)
    if config.intervals:
        shapes["interval_head.weight"] = (2 * config.intervals + 1, h)
        shapes["interval_head.bias"] = (2 * config.intervals + 1,)
    shapes["pitch_out.weight"] = (config.n_pitch, config.embed_out)
    shapes["duration_head.weight"] = (config.n_duration, h + config.embed_out)
    shapes["duration_head.bias"] = (config.n_duration,)
    return shapes


def parameter_count(config: JazzConfig) -> int:
    return int(sum(np.prod(s) for s in tensor_shapes(config).values()))


def chord_bonus(config: JazzConfig, gate: np.ndarray, masks: np.ndarray, root: np.ndarray,
                ) -> np.ndarray:
    """The pitch logits' chord term: for each pitch, the three gates (chord tones, chord scale,
    next chord's tones; read from the hidden state) summed over the masks its pitch class is
    in. ``gate`` (B, 3), ``masks`` (B, 36), ``root`` (B,) -> (B, n_pitch); rest gets 0."""
    hit = class_values(config, np.asarray(masks).reshape(-1, 3, 12), root)
    return np.einsum("bk,bkp->bp", gate, hit)


def class_values(config: JazzConfig, values: np.ndarray, root: np.ndarray) -> np.ndarray:
    """Per-pitch-class values ``(B, 12)`` (or ``(B, K, 12)``) read at the pitch class of every
    pitch-head class given each row's chord root: ``(B, n_pitch)`` (or ``(B, K, n_pitch)``);
    the rest class gets 0. The one mapping the chord, memory and chord-weight terms share."""
    pcs = config.class_pitch_classes(root)  # (B, n_pitch)
    if values.ndim == 3:
        pcs = np.broadcast_to(pcs[:, None, :], (*values.shape[:2], pcs.shape[1]))
    out = np.take_along_axis(values, pcs, axis=-1)
    out[..., 0] = 0.0
    return out


def recent_memory(memory: np.ndarray, prev_token: np.ndarray, decay: float) -> np.ndarray:
    """The memory of pitch classes played, one event on: ``memory`` (B, 12) decayed, plus the
    previous event's pitch class (nothing after a rest or at the start)."""
    pcs = np.asarray(prev_token) - 2
    rows = np.nonzero(pcs >= 0)[0]
    out = decay * memory
    out[rows, pcs[rows] % 12] += 1.0
    return out


def recent_bonus(config: JazzConfig, gate: np.ndarray, memory: np.ndarray, root: np.ndarray,
                 ) -> np.ndarray:
    """The pitch logits' memory term: each pitch gains the gate (B, 1) times its pitch class's
    share of the memory (B, 12); a soloist returns to what they have just been playing (a key,
    a motif) more than a chord-by-chord choice would. Rest gets 0."""
    share = memory / np.maximum(memory.sum(axis=1, keepdims=True), 1e-9)
    return gate * class_values(config, share, root)


def interval_bonus(config: JazzConfig, logits: np.ndarray, prev_token: np.ndarray,
                   root: np.ndarray) -> np.ndarray:
    """The pitch logits' interval term: each pitch gains the interval head's logit (``logits``,
    (B, 2I+1)) for its interval from the previous event's pitch; nothing after a rest or at the
    start, for leaps beyond I semitones, or for the rest class."""
    k = config.class_pitches(root) - (np.asarray(prev_token) - 2)[:, None]
    ok = (np.abs(k) <= config.intervals) & (np.asarray(prev_token) >= 2)[:, None]
    ok[:, 0] = False
    idx = np.clip(k + config.intervals, 0, 2 * config.intervals)
    return np.where(ok, np.take_along_axis(logits, idx, axis=1), 0.0)


def prev_tokens(pitch: np.ndarray, duration: np.ndarray, root: np.ndarray, max_ticks: int,
                ) -> np.ndarray:
    """The three 'what was played' fields for the event after each (pitch, duration): the
    pitch token, the duration token (1 to ``max_ticks``) and the pitch class above ``root``
    (the next event's chord root; 12 for a rest or no chord)."""
    pitch, duration, root = np.asarray(pitch), np.asarray(duration), np.asarray(root)
    ptok = np.where(pitch == REST, REST_TOKEN, np.clip(pitch, 0, 127) + 2)
    rel = np.where((pitch == REST) | (root == NONE_PC), 12, (pitch - root) % 12)
    return np.stack([ptok, np.clip(duration, 1, max_ticks), rel], axis=-1).astype(np.int64)


@dataclass
class State:
    """The numpy twin's state between events: (h, c) per LSTM layer and the pitch-class memory
    (batch, 12; zeros when the model has none)."""

    lstm: list[tuple[np.ndarray, np.ndarray]]
    recent: np.ndarray


class NumpyJazz:
    """The jazz model's forward step in numpy (the twin of ``JazzLSTM``): float64 by default
    (to check against torch, to score), float32 for generation (twice as fast)."""

    def __init__(self, config: JazzConfig, tensors: Mapping[str, np.ndarray],
                 dtype: type = np.float64) -> None:
        expected = tensor_shapes(config)
        if set(tensors) != set(expected):
            odd = sorted(set(tensors) ^ set(expected))[0]
            raise JazzsoloError(f"NumpyJazz: {'missing' if odd in expected else 'unexpected'} "
                                f"tensor {odd!r}")
        t = {}
        self.dtype = dtype
        for name, shape in expected.items():
            a = np.asarray(tensors[name], dtype=dtype)
            if a.shape != shape:
                raise JazzsoloError(f"NumpyJazz: tensor '{name}' has shape {a.shape}, "
                                    f"expected {shape}")
            t[name] = a
        self.config = config
        self.tensors = t
        self._embed = [t[f"embed.{f}.weight"] for f in config.fields]
        self._columns = config.columns
        self._masks = np.ascontiguousarray(t["masks.weight"].T)
        self._layers = [(np.ascontiguousarray(t[f"lstm.weight_ih_l{k}"].T),
                         np.ascontiguousarray(t[f"lstm.weight_hh_l{k}"].T),
                         t[f"lstm.bias_ih_l{k}"] + t[f"lstm.bias_hh_l{k}"])
                        for k in range(config.layers)]
        self._pitch_w = np.ascontiguousarray(t["pitch_head.weight"].T)
        self._dur_w = np.ascontiguousarray(t["duration_head.weight"].T)

    def initial_state(self, batch: int) -> State:
        h = self.config.hidden
        return State([(np.zeros((batch, h), self.dtype), np.zeros((batch, h), self.dtype))
                      for _ in range(self.config.layers)], np.zeros((batch, 12), self.dtype))

    def step(self, fields: np.ndarray, masks: np.ndarray, state: State | None = None,
             ) -> tuple[np.ndarray, np.ndarray, State]:
        """One event: input fields ``(batch, len(FIELDS))`` (the columns of fields the model
        does not have unread) and masks ``(batch, 36)`` -> pitch logits ``(batch, n_pitch)``,
        the top hidden state and the new state."""
        fields = np.asarray(fields)
        state = state or self.initial_state(fields.shape[0])
        x = np.concatenate([e[fields[:, k]] for k, e in zip(self._columns, self._embed,
                                                             strict=True)]
                           + [np.asarray(masks, dtype=self.dtype) @ self._masks], axis=1)
        n = self.config.hidden
        new: list[tuple[np.ndarray, np.ndarray]] = []
        for (w_ih, w_hh, b), (h, c) in zip(self._layers, state.lstm, strict=True):
            g = x @ w_ih + h @ w_hh + b
            s = 0.5 * (1.0 + np.tanh(0.5 * g))  # sigmoid without overflow
            c = s[:, n:2 * n] * c + s[:, :n] * np.tanh(g[:, 2 * n:3 * n])
            h = s[:, 3 * n:] * np.tanh(c)
            new.append((h, c))
            x = h
        gate = x @ self.tensors["chord_gate.weight"].T + self.tensors["chord_gate.bias"]
        root = fields[:, FIELDS.index("root")]
        logits = x @ self._pitch_w + self.tensors["pitch_head.bias"]
        logits += chord_bonus(self.config, gate, masks, root)
        if self.config.intervals:
            steps = x @ self.tensors["interval_head.weight"].T + self.tensors["interval_head.bias"]
            logits += interval_bonus(self.config, steps, fields[:, 0], root)
        memory = state.recent
        if self.config.recent:
            memory = recent_memory(memory, fields[:, 0], self.config.recent)
            gate = x @ self.tensors["recent_gate.weight"].T + self.tensors["recent_gate.bias"]
            logits += recent_bonus(self.config, gate, memory, root)
        return logits, x, State(new, memory)

    def duration_logits(self, hidden: np.ndarray, pitch_index: np.ndarray) -> np.ndarray:
        """Duration logits ``(batch, n_duration)`` given the top hidden state and the pitch."""
        z = np.concatenate([hidden, self.tensors["pitch_out.weight"][pitch_index]], axis=1)
        return z @ self._dur_w + self.tensors["duration_head.bias"]


# ------------------------------------------------------------------------------------ files

JSON_NAME = "model.json"
WEIGHTS_NAME = "model.safetensors"
FLOAT_DTYPES = ("F16", "F32", "F64")


def save_jazz(dir_path: str | os.PathLike[str], config: JazzConfig,
              tensors: Mapping[str, np.ndarray], meta: dict[str, Any] | None = None) -> Path:
    """Write ``model.safetensors`` + ``model.json`` into ``dir_path`` atomically (temporary
    files renamed into place); ``meta`` adds JSON keys (training, history, register ...)."""
    from ..checkpoint import write_model_files

    path = Path(dir_path)
    expected = tensor_shapes(config)
    arrays = {k: np.ascontiguousarray(np.asarray(v, dtype=np.float32)) for k, v in tensors.items()}
    if {k: a.shape for k, a in arrays.items()} != expected:
        raise JazzsoloError(f"save_jazz({path}): the tensors do not match the config")
    save_id = uuid.uuid4().hex
    doc = {**(meta or {}), "format": FORMAT, "format_version": FORMAT_VERSION,
           "save_id": save_id, "config": dataclasses.asdict(config),
           "fields": config.field_sizes, "qualities": list(QUALITIES)}
    try:
        text = json.dumps(doc, indent=1, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise JazzsoloError(f"save_jazz({path}): meta is not JSON data ({exc})") from None
    header = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "save_id": save_id}
    return write_model_files(path, arrays, header, text)


def model_json(dir_path: str | os.PathLike[str]) -> dict[str, Any]:
    """A model directory's model.json, unchecked ({} if missing or unreadable): for listing
    models, never for loading one (``load_jazz_arrays`` checks everything)."""
    path = Path(dir_path)
    path = path.parent if path.is_file() else path
    try:
        doc = json.loads((path / JSON_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def format_of(dir_path: str | os.PathLike[str]) -> str | None:
    """The ``format`` a model directory's model.json declares (None if unreadable)."""
    return model_json(dir_path).get("format")


def players_in(doc: dict[str, Any]) -> list[str]:
    """The players a model.json names ([] for a classic model or one without the field)."""
    config = doc.get("config")
    players = config.get("players") if isinstance(config, dict) else None
    return [p for p in players if isinstance(p, str)] if isinstance(players, list) else []


def load_jazz_arrays(dir_path: str | os.PathLike[str],
                     ) -> tuple[JazzConfig, dict[str, np.ndarray], dict[str, Any]]:
    """Read and validate a jazz model directory: (config, float32 tensors, model.json)."""
    from ..checkpoint import _read_json

    path = Path(dir_path)
    if path.is_file() and path.name in (JSON_NAME, WEIGHTS_NAME):
        path = path.parent
    if not path.is_dir():
        raise JazzsoloError(f"{path}: no such model directory")
    json_path, weights_path = path / JSON_NAME, path / WEIGHTS_NAME
    for f in (json_path, weights_path):
        if not f.is_file():
            raise JazzsoloError(f"{f}: missing (a model needs {JSON_NAME} and {WEIGHTS_NAME})")
    doc = _read_json(json_path)

    def fail(problem: str, where: Path = json_path) -> JazzsoloError:
        return JazzsoloError(f"{where}: {problem}")

    fmt = doc.get("format")
    if fmt == CLASSIC_FORMAT:
        raise fail(f"a classic model (format {CLASSIC_FORMAT!r}), not a jazz model; "
                   "use it as a classic model (generate --model classic or its directory)")
    if fmt != FORMAT:
        raise fail(f"format is {fmt!r}, expected {FORMAT!r}")
    if doc.get("format_version") != FORMAT_VERSION:
        raise fail(f"format_version {doc.get('format_version')!r} is not supported "
                   f"(this jazzsolo reads version {FORMAT_VERSION})")
    raw = doc.get("config")
    known = {f.name for f in dataclasses.fields(JazzConfig)}
    if not isinstance(raw, dict) or set(raw) - known:
        raise fail("'config' must be an object with the keys of JazzConfig")
    try:
        # models saved before the memory term, the tempo field or the finer grid have none
        config = JazzConfig(**{"recent": 0.0, "tempo": False, "ticks": 12, **raw})
    except (JazzsoloError, TypeError) as exc:
        raise fail(f"bad config ({exc})") from None
    if doc.get("fields") != config.field_sizes:
        raise fail("its input vocabulary sizes ('fields') differ from this jazzsolo's")
    if doc.get("qualities") != list(QUALITIES):
        raise fail("its chord qualities differ from this jazzsolo's")
    try:
        if config.density:
            density_table(doc)
        if config.bar_plan:
            bar_plan_table(doc)
            plan_library(doc)
    except JazzsoloError as exc:
        raise fail(str(exc)) from None
    expected = tensor_shapes(config)
    arrays: dict[str, np.ndarray] = {}
    try:
        with safe_open(weights_path, framework="numpy") as handle:
            header = handle.metadata() or {}
            if header.get("format") != FORMAT:
                raise fail(f"format is {header.get('format')!r}, expected {FORMAT!r}",
                           weights_path)
            names = set(handle.keys())
            if names != set(expected):
                odd = sorted(names ^ set(expected))[0]
                kind = "missing" if odd in expected else "unexpected"
                raise fail(f"{kind} tensor {odd!r}", weights_path)
            for name, shape in expected.items():
                part = handle.get_slice(name)
                if tuple(part.get_shape()) != shape:
                    raise fail(f"tensor '{name}' has shape {tuple(part.get_shape())}, the "
                               f"config expects {shape}", weights_path)
                if part.get_dtype() not in FLOAT_DTYPES:
                    raise fail(f"tensor '{name}' has dtype {part.get_dtype()}, expected one "
                               f"of {', '.join(FLOAT_DTYPES)}", weights_path)
                arrays[name] = np.array(handle.get_tensor(name), dtype=np.float32)
    except JazzsoloError:
        raise
    except Exception as exc:  # safetensors raises its own error types
        raise fail(f"not a readable safetensors file ({' '.join(str(exc).split())})",
                   weights_path) from None
    if header.get("save_id") != doc.get("save_id"):
        raise fail(f"save_id does not match {WEIGHTS_NAME} (files from different saves)")
    for name, a in arrays.items():
        if not np.isfinite(a).all():
            raise fail(f"tensor '{name}' contains NaN or infinite values", weights_path)
    return config, arrays, doc


def _count_table(meta: Mapping[str, Any], key: str, shape: tuple[int, ...], what: str,
                 ) -> np.ndarray:
    """model.json's ``key`` as an array of non-negative counts of ``shape``, not all zero; a
    one-line error saying ``what`` it must hold otherwise."""
    try:
        counts = np.asarray(meta.get(key), dtype=float)
    except (TypeError, ValueError):
        counts = np.zeros(0)
    usable = counts.shape == shape and np.isfinite(counts).all() and (counts >= 0).all()
    if not usable or counts.sum() <= 0:
        raise JazzsoloError(f"{key} must be {what}")
    return counts


def density_table(meta: Mapping[str, Any]) -> np.ndarray:
    """model.json's ``density_by_tempo`` as counts, (tempo buckets, density buckets): how
    many training solos fell in each; a one-line error when it is missing or malformed."""
    shape = (TEMPO_BUCKETS, len(DENSITY_EDGES) + 1)
    return _count_table(meta, "density_by_tempo", shape,
                        f"{shape[0]} rows of {shape[1]} solo counts (the model reads the "
                        "density field)")


def bar_plan_table(meta: Mapping[str, Any]) -> np.ndarray:
    """model.json's ``bar_plan_counts`` as counts, (density buckets, previous bar's notes or
    "start", this bar's notes): how often training bars followed each other; a one-line error
    when it is missing or malformed."""
    shape = (len(DENSITY_EDGES) + 1, BAR_PLAN_CAP + 2, BAR_PLAN_CAP + 1)
    return _count_table(meta, "bar_plan_counts", shape, " x ".join(map(str, shape))
                        + " bar counts (the model reads the bar_plan field)")


@dataclass(frozen=True)
class PlanLibrary:
    """Every training solo's bars as a bar-plan model's takes replay them (model.json
    ``bar_plan_library``): its tempo bucket, density bucket, bar length in ticks, and the
    notes starting in each of its bars."""

    tempo: np.ndarray  # (solos,)
    density: np.ndarray  # (solos,)
    bar_ticks: np.ndarray  # (solos,)
    bars: tuple[np.ndarray, ...]  # each solo's bar counts, at least one bar


def plan_library(meta: Mapping[str, Any]) -> PlanLibrary | None:
    """model.json's ``bar_plan_library`` (None when the model has none: it was trained
    before the library was written); a one-line error when it is malformed."""
    entries = meta.get("bar_plan_library")
    if entries is None:
        return None
    what = ("bar_plan_library must be a list of [tempo bucket, density bucket, bar ticks, "
            f"[notes in each bar, 0-{BAR_PLAN_CAP}]] entries, one a training solo")
    if not isinstance(entries, list) or not entries:
        raise JazzsoloError(what)
    tempo, density, ticks, bars = [], [], [], []
    for e in entries:
        ok = (isinstance(e, list) and len(e) == 4
              and all(isinstance(v, int) and not isinstance(v, bool) for v in e[:3])
              and isinstance(e[3], list) and e[3]
              and all(isinstance(c, int) and not isinstance(c, bool) for c in e[3]))
        if not ok:
            raise JazzsoloError(what)
        counts = np.asarray(e[3], dtype=np.int64)
        if not (0 <= e[0] < TEMPO_BUCKETS and 0 <= e[1] <= len(DENSITY_EDGES) and e[2] > 0
                and counts.min() >= 0 and counts.max() <= BAR_PLAN_CAP):
            raise JazzsoloError(what)
        tempo.append(e[0])
        density.append(e[1])
        ticks.append(e[2])
        bars.append(counts)
    return PlanLibrary(np.array(tempo), np.array(density), np.array(ticks), tuple(bars))


def load_jazz_for_inference(dir_path: str | os.PathLike[str], dtype: type = np.float64,
                            ) -> tuple[NumpyJazz, dict[str, Any]]:
    """A validated jazz model as its numpy twin (never imports torch) and its model.json."""
    config, arrays, doc = load_jazz_arrays(dir_path)
    return NumpyJazz(config, arrays, dtype), doc
