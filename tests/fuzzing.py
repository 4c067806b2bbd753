"""Fuzz harness: hostile inputs for every jazzsolo command, and a judge of what each run did.

Shared by tests/test_fuzz.py (a small seeded slice in CI) and benchmarks/fuzz_long.py (the long
run). Mutators take the bytes or text of a real file and a ``random.Random`` and return a damaged
copy; ``run_cli`` runs one command in this process and sorts the outcome into ``success``,
``clean`` (exit 2, one error line naming the input), ``traceback``, ``hang``, ``vague`` (an
error line that does not name the input) or ``leftover`` (an output file left after a failure).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import signal
import struct
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jazzsolo.cli import main

HANG_SECONDS = 10.0
_ERROR_LINE = re.compile(r"jazzsolo( [\w-]+)?: error: ")  # ours, or argparse's usage line
BUGS = ("traceback", "hang", "vague", "leftover")
IN_FLIGHT: Path | None = None
"""When set, run_cli writes each command line here while it runs, so that a native crash of the
whole process (an abort in a C++ reader) still names the command and its inputs."""


# ------------------------------------------------------------------------------ judging runs


class _Hang(BaseException):
    """Raised by the alarm inside a command that runs too long (BaseException: not caught)."""


def _alarm(signum: int, frame: object) -> None:
    raise _Hang()


@dataclass
class Outcome:
    """How one command ended: kind, the error line or traceback tail, and CPU seconds taken."""

    kind: str
    detail: str
    seconds: float
    argv: list[str] = field(default_factory=list)
    kept: str = ""  # where keep_case copied the inputs of a failing case


def _temp_files(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if p.name.startswith(".")}


def run_cli(argv: Sequence[str], outputs: Sequence[Path] = (), names: Sequence[str] = (),
            timeout: float = HANG_SECONDS) -> Outcome:
    """Run ``jazzsolo argv`` in this process and judge it (see the module docstring); a run
    over ``timeout`` CPU seconds is a hang.

    ``outputs``: files the command writes (none may exist after a failure, and no hidden temp
    file may stay beside them); ``names``: strings of which one must appear in an error line.
    """
    argv = [str(a) for a in argv]
    folders = {Path(o).parent for o in outputs}
    before = {f: _temp_files(f) for f in folders}
    err, out = io.StringIO(), io.StringIO()
    # CPU seconds decide (the machine may be shared); wall time only stops a blocked command.
    old = signal.signal(signal.SIGPROF, _alarm), signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    signal.setitimer(signal.ITIMER_REAL, timeout * 12)
    started = time.process_time()
    kind, detail = "", ""
    if IN_FLIGHT is not None:
        IN_FLIGHT.write_text(json.dumps(argv))
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), \
                warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # numpy overflow/NaN: a bug here
            code = main(argv)
    except _Hang:
        kind, detail, code = "hang", f"still running after {timeout:g} s", -1
    except BaseException as exc:  # noqa: BLE001 - everything that escapes main is a bug
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        kind, detail, code = "traceback", "".join(lines[-3:]).strip(), -1
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, old[0])
        signal.signal(signal.SIGALRM, old[1])
        if IN_FLIGHT is not None:
            IN_FLIGHT.unlink(missing_ok=True)
    seconds = time.process_time() - started
    if not kind and seconds > timeout:
        kind, detail = "hang", f"took {seconds:.1f} CPU s"
    if not kind:
        errors = [ln for ln in err.getvalue().splitlines() if _ERROR_LINE.match(ln)]
        if code == 0:
            kind = "success"
        elif code == 2 and len(errors) == 1 and err.getvalue().rstrip().endswith(errors[0]):
            kind, detail = "clean", errors[0]
            if names and not any(n in errors[0] for n in names):
                kind = "vague"
        else:
            kind, detail = "traceback", f"exit {code}: {err.getvalue()[-500:]}"
    if kind != "success":
        left = [str(o) for o in outputs if Path(o).exists()]
        if left:
            kind, detail = "leftover", f"{left} after: {detail}"
    for folder in folders:
        new = _temp_files(folder) - before[folder]
        if new:
            kind, detail = "leftover", f"temporary files {sorted(new)} after: {detail}"
    return Outcome(kind, detail, seconds, argv)


def clear(paths: Sequence[Path]) -> None:
    """Remove outputs of a previous case (files or model folders)."""
    import shutil

    for p in paths:
        p = Path(p)
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


# ------------------------------------------------------------------------------ MIDI bytes


def vlq(value: int) -> bytes:
    """A MIDI variable-length quantity (values above 2^28 - 1 are clipped to it, the maximum)."""
    value = max(0, min(value, 0x0FFFFFFF))
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def smf(tracks: Sequence[bytes], division: int = 480, fmt: int = 1) -> bytes:
    """A Standard MIDI File from raw track bodies (each gets an end-of-track event)."""
    out = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), division & 0xFFFF)
    for body in tracks:
        body += b"\x00\xff\x2f\x00"
        out += b"MTrk" + struct.pack(">I", len(body)) + body
    return out


def meta(kind: int, payload: bytes, delta: int = 0) -> bytes:
    return vlq(delta) + bytes([0xFF, kind]) + vlq(len(payload)) + payload


def notes_body(notes: Sequence[tuple[int, int, int]], channel: int = 0, program: int = 66) -> bytes:
    """A track body playing (start tick, duration ticks, pitch) notes, sorted by time."""
    events = []
    for start, dur, pitch in notes:
        events.append((start, 1, bytes([0x90 | channel, pitch & 0x7F, 90])))
        events.append((start + dur, 0, bytes([0x80 | channel, pitch & 0x7F, 0])))
    events.sort(key=lambda e: (e[0], e[1]))
    body, now = bytes([0, 0xC0 | channel, program & 0x7F]), 0
    for tick, _, ev in events:
        body += vlq(tick - now) + ev
        now = tick
    return body


def small_solo(tempo_us: int = 500_000, meter: bytes = b"\x04\x02\x18\x08",
               chords: Sequence[str] = ("Dm7", "G7", "Cmaj7", "A7"), division: int = 480,
               melody: Sequence[tuple[int, int, int]] | None = None) -> bytes:
    """A short two-part solo (sax line + piano chords with chord markers): a seed to mutate."""
    q = division
    line = melody if melody is not None else [
        (i * q // 2, q // 2, 60 + (i * 5) % 14) for i in range(32)]
    conductor = meta(0x51, tempo_us.to_bytes(3, "big")) + meta(0x58, meter)
    harmony = []
    for bar, _ in enumerate(chords):
        harmony += [(bar * 4 * q, 4 * q, p) for p in (48, 55, 64, 70)]
    chord_track = notes_body(harmony, channel=1, program=0)
    marks = b"".join(meta(0x06, name.encode("utf-8"), 4 * q if k else 0)
                     for k, name in enumerate(chords))
    return smf([conductor + marks, notes_body(line), chord_track], division)


def chunks(data: bytes) -> list[tuple[int, bytes, int]]:
    """(offset, kind, declared length) of each chunk, as far as the layout can be followed."""
    out, pos = [], 0
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos + 4 : pos + 8], "big")
        out.append((pos, data[pos : pos + 4], length))
        pos += 8 + length
    return out


def truncations(data: bytes) -> list[bytes]:
    """The file cut at every chunk boundary: before each chunk, after its header, mid-body."""
    cuts: set[int] = set()
    for pos, _, length in chunks(data):
        cuts.update({pos, pos + 4, pos + 8, pos + 8 + length // 2, pos + 7 + length})
    return [data[:c] for c in sorted(cuts) if 0 < c < len(data)]


def _insert_in_track(data: bytes, rng: random.Random, event: bytes) -> bytes:
    """Insert raw event bytes at the start of a random track body, fixing its length."""
    tracks = [c for c in chunks(data) if c[1] == b"MTrk"]
    if not tracks:
        return data + b"MTrk" + struct.pack(">I", len(event)) + event
    pos, _, length = rng.choice(tracks)
    body = data[pos + 8 : pos + 8 + length]
    return data[:pos] + b"MTrk" + struct.pack(">I", len(body) + len(event)) + event + body + \
        data[pos + 8 + length :]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 16))):
        i = rng.randrange(len(out))
        out[i] = rng.choice((out[i] ^ (1 << rng.randrange(8)), rng.randrange(256), 0xFF, 0))
    return bytes(out)


def lie_length(data: bytes, rng: random.Random) -> bytes:
    pos, _, length = rng.choice(chunks(data))
    new = rng.choice((0, 1, length - 1, length + 1, length * 2, 0xFFFFFFFF, rng.randrange(1 << 32)))
    return data[: pos + 4] + struct.pack(">I", max(0, new) & 0xFFFFFFFF) + data[pos + 8 :]


def bogus_header(data: bytes, rng: random.Random) -> bytes:
    field_at = rng.choice((8, 10, 12))
    value = rng.choice((0, 1, 2, 3, 0x7FFF, 0x8000, 0xE250, 0xE728, 0xFFFF, rng.randrange(1 << 16)))
    return data[:field_at] + struct.pack(">H", value) + data[field_at + 2 :]


def running_status_abuse(data: bytes, rng: random.Random) -> bytes:
    junk = rng.choice((b"\x00\x40\x40", b"\x00\x40\x40\x00\x40\x00", b"\x00\x90\x3c",
                       b"\x00\x90" + b"\x3c\x40\x00" * 200, b"\x00\xf0\x7f\x7f\x7f\x7f"))
    return _insert_in_track(data, rng, junk)


def giant_delta(data: bytes, rng: random.Random) -> bytes:
    delta = rng.choice((0x0FFFFFFF, 0x0FFFFFFF, 1 << 27, 10_000_000))
    event = vlq(delta) + bytes([0x90, 60, 100]) + vlq(rng.choice((0, delta))) + bytes([0x80, 60, 0])
    return _insert_in_track(data, rng, event)


def absurd_tempo_or_meter(data: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        event = meta(0x51, rng.choice((b"\x00\x00\x00", b"\x00\x00\x01", b"\xff\xff\xff", b"\x01",
                                       b"\x07\xa1\x20\x00\x00")), rng.choice((0, 0, 960)))
    else:
        event = meta(0x58, bytes(rng.choice(((0, 2, 24, 8), (255, 255, 255, 255), (4, 0, 0, 0),
                                             (4, 31, 24, 8), (7, 3, 24, 8), (1,)))))
    return _insert_in_track(data, rng, event)


def hostile_marker(data: bytes, rng: random.Random) -> bytes:
    text = rng.choice(HOSTILE_CHORDS)(rng).encode("utf-8", "replace")[: 1 << 20]
    return _insert_in_track(data, rng, meta(rng.choice((0x01, 0x06)), text))


def tick_resolution(data: bytes, rng: random.Random) -> bytes:
    division = rng.choice((0, 1, 2, 0x7FFF))
    return data[:12] + struct.pack(">H", division) + data[14:]


def duplicate_tracks(data: bytes, rng: random.Random) -> bytes:
    tracks = [c for c in chunks(data) if c[1] == b"MTrk"]
    if not tracks:
        return data
    pos, _, length = rng.choice(tracks)
    copies = rng.choice((2, 17, 300))
    out = data + data[pos : pos + 8 + length] * copies
    return out[:10] + struct.pack(">H", min(0xFFFF, len(tracks) + copies)) + out[12:]


MIDI_MUTATORS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": flip_bytes,
    "truncate": lambda d, r: r.choice(truncations(d)),
    "lie_length": lie_length,
    "header": bogus_header,
    "division": tick_resolution,
    "running_status": running_status_abuse,
    "giant_delta": giant_delta,
    "tempo_meter": absurd_tempo_or_meter,
    "marker": hostile_marker,
    "tracks": duplicate_tracks,
}


def mutate_midi(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One to three stacked mutations of a MIDI file; returns (names, bytes)."""
    names = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        name = rng.choice(list(MIDI_MUTATORS))
        data = MIDI_MUTATORS[name](data, rng)
        names.append(name)
        if len(data) < 14:
            break
    return "+".join(names), data


def special_midis() -> dict[str, bytes]:
    """Hand-made extremes: a note of 2^28 ticks, a million notes, absurd tempo and meter."""
    out = {
        "long_note": smf([notes_body([(0, 1 << 28, 60), (0, 480, 64)])]),
        "long_note_solo": small_solo(melody=[(0, (1 << 28) - 1, 60), (480, 480, 62)]),
        "zero_tpq": smf([notes_body([(0, 480, 60)])], 0),
        "huge_tpq": small_solo(division=0x7FFF),
        "tpq_1": small_solo(division=1),
        "smpte": small_solo(division=0xE728),
        "tempo_0": small_solo(tempo_us=0),
        "tempo_1us": small_solo(tempo_us=1),
        "tempo_max": small_solo(tempo_us=0xFFFFFF),
        "meter_0_0": small_solo(meter=b"\x00\x00\x18\x08"),
        "meter_255": small_solo(meter=b"\xff\xff\xff\xff"),
        "meter_7_8": small_solo(meter=b"\x07\x03\x18\x08"),
        "no_chords": small_solo(chords=()),
        "unknown_chords": small_solo(chords=("H7", "C##", "Xyz", "♭♯")),
        "huge_markers": small_solo(chords=("C" + "7" * (1 << 20), "Cmaj" * 1000 + "!")),
        "one_note": smf([notes_body([(0, 1, 60)])]),
        "zero_length_notes": smf([notes_body([(i * 10, 0, 60) for i in range(50)])]),
        "drums_only": smf([notes_body([(i * 240, 120, 36) for i in range(64)], channel=9)]),
        "all_at_once": smf([notes_body([(0, 480, p) for p in range(128)])]),
    }
    return out


def million_notes() -> bytes:
    """One track of 1,000,000 notes (about 8 MB)."""
    body = bytearray(b"\x00\xc0\x42")
    one = bytes([0x00, 0x90, 60, 90, 0x10, 0x80, 60, 0])  # delta 0 on, delta 16 off
    body += one * 1_000_000
    return smf([bytes(body)])


# ------------------------------------------------------------------------------ chord text


def _unicode(rng: random.Random, n: int = 40) -> str:
    ranges = ((0x20, 0x7E), (0xA0, 0x2FF), (0x266D, 0x2673), (0x1F300, 0x1F64F), (0, 0x1F),
              (0x300, 0x36F), (0xD7FF, 0xFFFF))
    out = []
    for _ in range(rng.randrange(1, n)):
        lo, hi = rng.choice(ranges)
        c = rng.randint(lo, hi)
        out.append(chr(c) if not 0xD800 <= c <= 0xDFFF else "?")
    return "".join(out)


_TOKENS = ("C7", "Dm7", "G7", "Cmaj7", "Bb7b9", "A7alt", "F#m7b5", "Ebmaj7#11", "C/E", "NC", "%",
           "|", "||", "|:", ":|", ":|x3", "[", "]", "]x2", "x2", "x0", "x99", "x999999", "-", "/",
           "(", ")", "\n", "H7", "C##7", "Cmaj13#11b9", "C7sus4add9", "x-1")


def _token_soup(rng: random.Random) -> str:
    return " ".join(rng.choice(_TOKENS) for _ in range(rng.randrange(1, 30)))


def _explosion(rng: random.Random) -> str:
    depth, n = rng.randrange(1, 5), rng.choice((2, 99, 999))
    return "[" * depth + "C7" + f"]x{n}" * depth


HOSTILE_CHORDS: tuple[Callable[[random.Random], str], ...] = (
    _unicode,
    _token_soup,
    _explosion,
    lambda r: "[[[C7]x99]x99]x99",
    lambda r: "C7 " + "[" * r.randrange(1, 17) + " " + "]x9999" * r.randrange(1, 17),
    lambda r: "|: C7 :|x99999999",
    lambda r: "C7 " * r.choice((1000, 100_000)),
    lambda r: "C" + "7" * (1 << 20),  # a 1 MB symbol
    lambda r: "|" * (1 << 20),
    lambda r: "[" * r.choice((1000, 100_000)) + "C7" + "]" * r.choice((1000, 100_000)),
    lambda r: "C7 " + "(" * 5000 + "b9" + ")" * 5000,
    lambda r: r.choice(_TOKENS) + _unicode(r, 5) + r.choice(_TOKENS),
)


def hostile_chord_text(rng: random.Random) -> str:
    """One hostile --chords argument."""
    return rng.choice(HOSTILE_CHORDS)(rng)


# ------------------------------------------------------------------------------ WJazzD CSVs


def _rows(text: str) -> list[list[str]]:
    import csv

    return list(csv.reader(io.StringIO(text)))


def _text(rows: list[list[str]]) -> str:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


_BAD_CELLS = ("nan", "NaN", "inf", "-inf", "", "-1", "-0.5", "1e308", "-1e308", "abc", "0",
              "1e-300", "99999999999", "3.5", "'4/4'", "0/0", "\x00", "ä")


def mutate_csv(melody: str, beats: str, rng: random.Random) -> tuple[str, str, str | None]:
    """A damaged (melody CSV, beat track CSV or None for a missing one); returns (name, ...)."""
    which = rng.random() < 0.5
    rows = _rows(melody if which else beats)
    header, body = rows[0], rows[1:]
    kind = rng.choice(("drop_column", "cells", "negative", "chords", "truncate", "shuffle",
                       "repeat", "header_only", "signature", "no_beats", "bytes"))
    col = rng.randrange(len(header))
    if kind == "drop_column":
        rows = [r[:col] + r[col + 1 :] for r in rows]
    elif kind == "cells":
        for _ in range(rng.choice((1, 3, 50))):
            r = rng.choice(body)
            r[rng.randrange(len(r))] = rng.choice(_BAD_CELLS)
    elif kind == "negative":
        name = rng.choice([h for h in ("duration", "onset", "pitch", "bar", "beat") if h in header]
                          or header)
        i = header.index(name)
        for r in rng.sample(body, min(len(body), rng.choice((1, 5, len(body))))):
            r[i] = rng.choice(("-1", "-0.25", "-1e9", "0"))
    elif kind == "chords":
        i = header.index("chord") if "chord" in header else col
        for r in rng.sample(body, min(len(body), rng.choice((1, 10)))):
            r[i] = hostile_chord_text(rng)[:200] if rng.random() < 0.5 else rng.choice(
                ("H7", "C##", "", "NC", "Cmaj7#11b9b9", "C/H", "X"))
    elif kind == "shuffle":
        rng.shuffle(body)
    elif kind == "repeat":
        body = body * rng.choice((2, 20))
    elif kind == "header_only":
        body = []
    elif kind == "signature":
        i = header.index("signature") if "signature" in header else col
        for r in body[: rng.choice((1, len(body)))]:
            r[i] = rng.choice(("0/4", "4/0", "4/3", "1000000/4", "x", "'-4/4'", "4/4/4"))
    if kind in ("shuffle", "repeat", "header_only", "negative", "cells", "chords", "signature"):
        rows = [header, *body]
    text = _text(rows)
    if kind == "truncate":
        text = text[: rng.randrange(len(text))]
    elif kind == "bytes":
        raw = bytearray(text.encode())
        for _ in range(8):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        text = raw.decode("latin-1")
    if kind == "no_beats":
        return kind, melody, None
    return kind, (text if which else melody), (beats if which else text)


# ------------------------------------------------------------------------------ model folders


def write_model_mutant(src: Path, dst: Path, rng: random.Random) -> str:
    """Copy the model folder ``src`` to ``dst`` with one hostile change; returns its name."""
    import numpy as np
    from safetensors.numpy import load_file, save_file

    dst.mkdir(parents=True, exist_ok=True)
    doc = json.loads((src / "model.json").read_text())
    with open(src / "model.safetensors", "rb") as fh:
        raw = fh.read()
    header_len = int.from_bytes(raw[:8], "little")
    st_meta = json.loads(raw[8 : 8 + header_len])
    tensors = load_file(src / "model.safetensors")
    file_meta = st_meta.get("__metadata__", {})
    kind = rng.choice(("json_config", "json_vocab", "json_types", "json_junk", "json_chords",
                       "tensor_shape", "tensor_nan", "tensor_dtype", "tensor_extra",
                       "tensor_missing", "header_dims", "header_len", "header_huge",
                       "header_offsets", "bytes"))
    weights: bytes | None = None
    names = sorted(tensors)
    if kind == "json_config":
        key = rng.choice(("n_values", "n_a", "bogus"))
        doc["config"][key] = rng.choice((0, -1, 1, 10**9, 2**40, 1.5, "78", None, True, [78]))
    elif kind == "json_vocab":
        vocab = doc["vocabulary"]
        choice = rng.randrange(4)
        if choice == 0:
            vocab[rng.randrange(len(vocab))] = rng.choice(("S,0.250,<m2,P-4>x", "", "X,1,<,>",
                                                           "C,nan", "C,1e308", vocab[0]))
        elif choice == 1:
            vocab.pop()
        elif choice == 2:
            vocab.append(_unicode(rng))
        else:
            doc["vocabulary"] = [rng.choice(vocab) for _ in range(rng.choice((0, 5, 100_000)))]
    elif kind == "json_types":
        key = rng.choice(("format", "format_version", "save_id", "config", "vocabulary",
                          "training", "history", "source"))
        doc[key] = rng.choice((None, 1, "x", [], {}, 1e308, -1, True))
    elif kind == "json_junk":
        doc[_unicode(rng, 8)] = "x" * rng.choice((10, 1 << 20))
        doc["history"] = {"loss": [rng.choice((1e308, -1.0, 0.5))] * rng.choice((1, 10_000))}
    elif kind == "json_chords":
        bar = {"start": rng.choice((0, -1, 1e308, "x")), "duration": rng.choice((4, 0, -4, 1e308)),
               "pitches": rng.choice(([60], [-1], [128], [], ["C"])),
               "symbol": rng.choice(("C7", "H7", None, 7, "x" * 1000))}
        doc["chords"] = rng.choice(([[bar]], [[bar]] * rng.choice((1, 100_000)), [], [bar], "C7"))
        doc.setdefault("source", {})["bar_length"] = rng.choice((4, 0, -1, 1e-9, 1e9, "x", None))
    elif kind == "tensor_shape":
        name = rng.choice(names)
        tensors[name] = np.zeros(rng.choice(((1,), (3, 3), (0, 5), (*tensors[name].shape, 1))),
                                 dtype=np.float32)
    elif kind == "tensor_nan":
        name = rng.choice(names)
        arr = tensors[name].copy()
        arr.flat[rng.randrange(arr.size)] = rng.choice((np.nan, np.inf, -np.inf, 3e38))
        tensors[name] = arr
    elif kind == "tensor_dtype":
        name = rng.choice(names)
        tensors[name] = tensors[name].astype(rng.choice((np.int64, np.int8, np.float16, np.bool_,
                                                         np.float64, np.uint8)))
    elif kind == "tensor_extra":
        tensors[_unicode(rng, 6) or "x"] = np.zeros((2,), dtype=np.float32)
    elif kind == "tensor_missing":
        del tensors[rng.choice(names)]
    if kind in ("header_dims", "header_len", "header_huge", "header_offsets", "bytes"):
        entry = st_meta[rng.choice(names)]
        if kind == "header_dims":
            entry["shape"] = rng.choice(([2**20, 2**20], [2**40], [10**12, 10**12], [-1, 5], [0]))
        elif kind == "header_offsets":
            entry["data_offsets"] = rng.choice(([0, 2**62], [10, 5], [-1, 4], [0, 0]))
        head = json.dumps(st_meta).encode()
        if kind == "header_huge":
            head = head[:-1] + b', "' + b"x" * rng.choice((1 << 20, 1 << 24)) + b'": 1}'
        length = len(head)
        if kind == "header_len":
            length = rng.choice((0, 1, len(head) + 1, 2**40, 2**64 - 1))
        weights = struct.pack("<Q", length) + head + raw[8 + header_len :]
        if kind == "bytes":
            weights = flip_bytes(raw, rng)
    if weights is None:
        save_file(tensors, dst / "model.safetensors", metadata=file_meta)
    else:
        (dst / "model.safetensors").write_bytes(weights)
    (dst / "model.json").write_text(json.dumps(doc))
    return kind


# ------------------------------------------------------------------------------ a whole run


@dataclass
class Tally:
    """Counts of outcomes per input kind, and the first few bugs of each kind."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    bugs: list[tuple[str, str, Outcome]] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")

    def add(self, family: str, case: str, outcome: Outcome) -> None:
        row = self.counts.setdefault(family, {})
        row[outcome.kind] = row.get(outcome.kind, 0) + 1
        if outcome.kind in BUGS:
            self.bugs.append((family, case, outcome))
        if outcome.seconds > self.slowest[0]:
            self.slowest = (outcome.seconds, f"{family} {case} {outcome.argv[:1]}")

    def total(self, kind: str) -> int:
        return sum(row.get(kind, 0) for row in self.counts.values())

    def report(self) -> str:
        lines = []
        kinds = ("success", "clean", *BUGS)
        lines.append(f"{'family':<12}" + "".join(f"{k:>10}" for k in kinds))
        for family, row in self.counts.items():
            lines.append(f"{family:<12}" + "".join(f"{row.get(k, 0):>10}" for k in kinds))
        lines.append(f"slowest case: {self.slowest[0]:.2f} s ({self.slowest[1]})")
        for family, case, o in self.bugs[:20]:
            lines.append(f"BUG {o.kind} [{family} {case}] {' '.join(o.argv)[:160]}\n    "
                         + o.detail.replace("\n", "\n    ")[:1200])
        return "\n".join(lines)


def seed_midis(shared_data: Path, n_wjazzd: int = 3) -> dict[str, bytes]:
    """Real files to mutate: the classic file, a few WJazzD renderings, and a small solo."""
    seeds = {"small_solo": small_solo()}
    classic = shared_data / "original_metheny.mid"
    if classic.exists():
        seeds["metheny"] = classic.read_bytes()
    midis = sorted((shared_data / "wjazzd" / "midi").glob("*.mid"), key=lambda p: p.stat().st_size)
    for p in midis[:n_wjazzd]:  # the shortest solos: mutants stay quick to read
        seeds[p.stem] = p.read_bytes()
    return seeds


def seed_csvs(shared_data: Path, n: int = 2) -> list[tuple[str, str, str]]:
    """(name, melody CSV text, beat track text) of the shortest WJazzD solos."""
    melody = sorted((shared_data / "wjazzd" / "melody").glob("*.csv"),
                    key=lambda p: p.stat().st_size)[:n]
    out = []
    for p in melody:
        beats = shared_data / "wjazzd" / "beats" / f"{p.stem}_beattrack.csv"
        out.append((p.stem, p.read_text(), beats.read_text()))
    return out


@dataclass
class Campaign:
    """How many cases of each family to run, and how often the slow commands are tried."""

    seed: int = 0
    midi: int = 100
    csv: int = 30
    chords: int = 30
    models: int = 20
    plot_every: int = 10  # plot every n-th MIDI mutant (matplotlib takes ~0.2 s a file)
    render_every: int = 40  # render the n-th (small seeds only: audio takes ~1 s a minute)
    train_every: int = 25  # train one epoch on the n-th
    evaluate_every: int = 3
    specials: bool = True  # also the hand-made extremes (million notes included)
    keep: Path | None = None  # copy the inputs of every failing case here (see keep_case)


def keep_case(plan: Campaign, family: str, k: int, outcome: Outcome, work: Path,
              inputs: Sequence[Path]) -> None:
    """Copy a failing case's inputs (files or folders under ``work``) to ``plan.keep`` with the
    command line that failed, rewritten to the copies: the work folder is temporary."""
    import shutil

    if plan.keep is None or outcome.kind not in BUGS:
        return
    case_dir = Path(plan.keep) / f"{family}-s{plan.seed}-{k}-{outcome.argv[0]}-{outcome.kind}"
    case_dir.mkdir(parents=True, exist_ok=True)
    for src in inputs:
        dst = case_dir / Path(src).relative_to(work)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if Path(src).is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif Path(src).exists():
            shutil.copy2(src, dst)
    argv = [a.replace(str(work), str(case_dir)) for a in outcome.argv]
    (case_dir / "command.json").write_text(json.dumps(
        {"argv": ["jazzsolo", *argv], "kind": outcome.kind, "detail": outcome.detail,
         "cpu_seconds": round(outcome.seconds, 2)}, indent=1))
    outcome.kept = str(case_dir)


def _midi_commands(path: Path, work: Path, k: int, plan: Campaign, seed_name: str,
                   small: bool) -> list[tuple[list[str], list[Path]]]:
    cmds: list[tuple[list[str], list[Path]]] = [
        (["parts", str(path)], []),
        (["corpus", "--no-cache", "--jobs", "1", str(path)], []),
    ]
    if seed_name == "metheny":
        cmds.append((["corpus", "--classic", str(path)], []))
    if k % plan.evaluate_every == 0:
        cmds.append((["evaluate", str(path), "--json"], []))
    if k % plan.plot_every == 0:
        cmds.append((["plot", str(path), "-o", str(work / "out.png"), "--width", "400"],
                     [work / "out.png"]))
    if small and k % plan.render_every == 0:
        cmds.append((["render", str(path), "-o", str(work / "out.wav")], [work / "out.wav"]))
    if k % plan.train_every == 0:
        classic = ["--classic"] if seed_name == "metheny" else ["--no-cache", "--jobs", "1"]
        cmds.append((["train", str(path), *classic, "--epochs", "1", "--m", "8", "--no-plot",
                      "--out", str(work / "model")], [work / "model"]))
    return cmds


def run_midi(plan: Campaign, seeds: dict[str, bytes], work: Path, tally: Tally,
             progress: Callable[[int], None] | None = None) -> None:
    """MIDI mutants (and the hand-made extremes) through parts, corpus, plot, render, train."""
    rng = random.Random(plan.seed)
    cases: list[tuple[str, str, bytes]] = []
    if plan.specials:
        cases += [(name, "special", data) for name, data in special_midis().items()]
        cases.append(("million_notes", "special", million_notes()))
        for name, data in seeds.items():
            cases += [(name, f"truncate@{len(t)}", t) for t in truncations(data)]
    names = sorted(seeds)
    total = len(cases) + plan.midi
    for k in range(total):
        if k >= len(cases):
            name = rng.choice(names)
            how, data = mutate_midi(seeds[name], rng)
        else:
            name, how, data = cases[k]
        path = work / f"case{k % 7}.mid"
        path.write_bytes(data)
        small = name not in ("metheny", "million_notes") and len(data) < 200_000
        for argv, outputs in _midi_commands(path, work, k, plan, name, small):
            clear(outputs)
            outcome = run_cli(argv, outputs, names=[path.name, "--tx"])
            tally.add("midi", f"{name}:{how}", outcome)
            keep_case(plan, "midi", k, outcome, work, [path])
            clear(outputs)
        if progress:
            progress(k + 1)


def run_csv(plan: Campaign, seeds: list[tuple[str, str, str]], work: Path, tally: Tally) -> None:
    """Damaged WJazzD melody / beat track pairs through corpus (and sometimes train)."""
    rng = random.Random(plan.seed + 1)
    for k in range(plan.csv):
        stem, melody, beats = rng.choice(seeds)
        how, new_melody, new_beats = mutate_csv(melody, beats, rng)
        folder = work / f"csv{k % 5}"
        clear([folder])
        (folder / "melody").mkdir(parents=True)
        (folder / "beats").mkdir()
        path = folder / "melody" / f"{stem}.csv"
        path.write_text(new_melody, encoding="utf-8", errors="surrogateescape")
        if new_beats is not None:
            (folder / "beats" / f"{stem}_beattrack.csv").write_text(
                new_beats, encoding="utf-8", errors="surrogateescape")
        cmds: list[tuple[list[str], list[Path]]] = [
            (["corpus", "--no-cache", "--jobs", "1", str(path)], []),
            (["evaluate", str(path), "--json"], [])]
        if k % 10 == 0:
            cmds.append((["train", str(path), "--no-cache", "--epochs", "1", "--m", "8",
                          "--no-plot", "--out", str(work / "model")], [work / "model"]))
        for argv, outputs in cmds:
            clear(outputs)
            outcome = run_cli(argv, outputs, names=[stem, "--"])
            tally.add("csv", how, outcome)
            keep_case(plan, "csv", k, outcome, work, [folder])
            clear(outputs)


def run_chords(plan: Campaign, work: Path, tally: Tally) -> None:
    """Hostile --chords text through generate (the bundled model)."""
    rng = random.Random(plan.seed + 2)
    out = work / "solo.mid"
    for k in range(plan.chords):
        text = hostile_chord_text(rng)
        argv = ["generate", f"--chords={text}", "--out", str(out), "--seed", str(k)]
        if k % 3 == 0:
            argv += ["--choruses", str(rng.choice((1, 2, 100, 10_000)))]
        if k % 5 == 0:
            argv += ["--bass"]
        if k % 7 == 0:
            argv += ["--beats-per-bar", str(rng.choice((1, 3, 16)))]
        clear([out])
        outcome = run_cli(argv, [out], names=["chord", "--", "bar", "progression", "repeat"])
        tally.add("chords", text[:40], outcome)
        keep_case(plan, "chords", k, outcome, work, [])  # the argv holds the whole input
        clear([out])


def run_models(plan: Campaign, work: Path, tally: Tally) -> None:
    """Hostile model folders (JSON + safetensors) through generate and evaluate --model."""
    from jazzsolo.generate import classic_model_dir

    rng = random.Random(plan.seed + 3)
    src = Path(classic_model_dir())
    out = work / "solo.mid"
    for k in range(plan.models):
        folder = work / f"model{k % 3}"
        clear([folder])
        how = write_model_mutant(src, folder, rng)
        clear([out])
        outcome = run_cli(["generate", "--model", str(folder), "--out", str(out), "--seed", str(k)],
                          [out], names=[folder.name])
        tally.add("models", how, outcome)
        keep_case(plan, "models", k, outcome, work, [folder])
        clear([out])
        if k % 2 == 0:
            solo = work / "solo_to_score.mid"
            solo.write_bytes(small_solo())
            outcome = run_cli(["evaluate", str(solo), "--model", str(folder), "--json"],
                              names=[folder.name])
            tally.add("models", how, outcome)
            keep_case(plan, "models", k, outcome, work, [folder, solo])
