"""Weimar Jazz Database solos (a melody CSV and its beat track CSV) -> LeadSheet.

Onsets and durations in the CSV are in seconds; the beat track gives the time of every beat.
Positions are mapped to quarter notes exactly as the published MIDI renderings were made: the
first beat-track row sits at its beat in the bar (row ``bar b, beat k`` -> ``(k - 1)`` beats
after time 0), every row is one beat (``4 / denominator`` quarters) later than the previous one,
a time in seconds is placed by linear interpolation between the surrounding beats (before the
first or after the last beat: the first or last beat's length is extended), and positions are
rounded to 1/480 quarter (notes last at least one tick). The lead sheet is then assembled by
the same code as the MIDI reader (``extract.assemble_lead_sheet``), so the CSV and MIDI forms
of a solo give the same sheet.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .chords.symbols import ChordSymbol, parse_chord
from .errors import JazzsoloError
from .extract import SAME_ONSET, PieceTiming, assemble_lead_sheet, monophonic
from .score import LeadSheet
from .timeline import ChordChange, MeterChange

WJAZZD_TPQ = 480  # the resolution of the published MIDI renderings
MELODY_COLUMNS = ("onset", "duration", "pitch")
NOTATED_COLUMNS = ("bar", "beat", "tatum", "division")  # the metrical (notated) position
BEAT_COLUMNS = ("onset", "beat", "signature", "chord")
SOLO_VELOCITY = 90  # the renderings' velocities (the CSV loudness is not used)
BASS_VELOCITY = 70
BASS_GAP = 1 / 48  # bass notes stop this many quarters before the next beat (the renderings')


def is_wjazzd_csv(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a Weimar Jazz Database melody CSV (what :func:`read_wjazzd` reads).

    Looks at the header only and never raises: for routing files by kind.
    """
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, csv.Error):
        return False
    names = {h.strip() for h in header}
    return set(MELODY_COLUMNS) <= names and {"bar", "beat"} <= names


def beats_path_for(melody_csv: str | os.PathLike[str]) -> Path:
    """The beat track of a melody CSV: ``melody/X_FINAL.csv`` -> ``beats/X_FINAL_beattrack.csv``
    (the sibling ``beats`` folder, else the same folder)."""
    p = Path(melody_csv)
    name = f"{p.stem}_beattrack{p.suffix or '.csv'}"
    sibling = p.parent.parent / "beats" / name
    return sibling if sibling.exists() or not (p.parent / name).exists() else p.parent / name


def _read_table(path: Path, required: Sequence[str], optional: Sequence[str] = (),
                ) -> tuple[dict[str, list[str]], int]:
    """Columns of a CSV (as text) by name; fails naming the file when a column is missing."""
    if not path.exists():
        raise JazzsoloError(f"{path}: no such file")
    if path.is_dir():
        raise JazzsoloError(f"{path}: is a directory, not a CSV file")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise JazzsoloError(f"{path}: cannot read as CSV ({exc})") from None
    if not rows:
        raise JazzsoloError(f"{path}: empty file (no header)")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise JazzsoloError(f"{path}: not a Weimar Jazz Database file: missing column(s) "
                            f"{', '.join(missing)}")
    width = len(header)
    body: list[list[str]] = []
    lines: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line
        if len(row) < width:
            raise JazzsoloError(f"{path}:{number}: {len(row)} fields, the header has {width}")
        body.append(row)
        lines.append(str(number))
    if not body:
        raise JazzsoloError(f"{path}: no data rows")
    index = {h: i for i, h in enumerate(header)}
    cols = {c: [r[index[c]] for r in body] for c in (*required, *optional) if c in index}
    cols["_line"] = lines
    return cols, len(body)


def _numbers(path: Path, cols: dict[str, list[str]], name: str, integer: bool = False,
             allow_empty: bool = False) -> np.ndarray:
    """A column as floats (NaN for empty cells when allowed); fails naming file and line."""
    try:
        fast = np.array(cols[name], dtype=float)
        if np.isfinite(fast).all() and (not integer or (fast == np.round(fast)).all()):
            return fast
    except ValueError:
        pass
    out = np.empty(len(cols[name]), dtype=float)
    for k, text in enumerate(cols[name]):
        t = text.strip()
        try:
            if not t and allow_empty:
                out[k] = np.nan
                continue
            value = float(t)
            if not np.isfinite(value) or (integer and value != int(value)):
                raise ValueError
            out[k] = value
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise JazzsoloError(f"{path}:{cols['_line'][k]}: column {name!r} is not {kind} "
                                f"({text!r})") from None
    return out


def _signature(path: Path, line: str, text: str) -> tuple[int, int]:
    t = text.strip().strip("'\"").strip()
    num, _, den = t.partition("/")
    try:
        n, d = int(num), int(den)
    except ValueError:
        raise JazzsoloError(f"{path}:{line}: bad time signature {text!r}") from None
    if n <= 0 or d not in (1, 2, 4, 8, 16, 32):
        raise JazzsoloError(f"{path}:{line}: bad time signature {text!r}")
    return n, d


def wjazzd_voicing(symbol: ChordSymbol) -> tuple[int, ...]:
    """The renderings' block voicing: the bass in MIDI 36-47, then the chord's sounding tones
    in close position from the bass an octave up."""
    if symbol.quality == "none":
        return ()
    low = 36 + symbol.bass
    upper = sorted({low + 12 + (pc - symbol.bass) % 12 for pc in symbol.sounding})
    return (low, *upper)


def _to_ticks(times: np.ndarray, beat_times: np.ndarray, beat_ticks: np.ndarray) -> np.ndarray:
    """Seconds -> ticks through the beat track (linear between beats, extended at both ends)."""
    out = np.interp(times, beat_times, beat_ticks)
    if len(beat_times) > 1:
        lo, hi = times < beat_times[0], times > beat_times[-1]
        first = (beat_ticks[1] - beat_ticks[0]) / (beat_times[1] - beat_times[0])
        last = (beat_ticks[-1] - beat_ticks[-2]) / (beat_times[-1] - beat_times[-2])
        out[lo] = beat_ticks[0] + (times[lo] - beat_times[0]) * first
        out[hi] = beat_ticks[-1] + (times[hi] - beat_times[-1]) * last
    return out


def _beat_grid(bpath: Path, beats: dict[str, list[str]], n_beats: int, tpq: int,
               ) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray, np.ndarray]:
    """A beat track's beat times (seconds), meters, beat lengths and tick of every row."""
    beat_times = _numbers(bpath, beats, "onset")
    beat_in_bar = _numbers(bpath, beats, "beat", integer=True)
    if n_beats < 2:
        raise JazzsoloError(f"{bpath}: a beat track needs at least 2 beats")
    bad = np.nonzero(np.diff(beat_times) <= 0)[0]
    if len(bad):
        raise JazzsoloError(f"{bpath}:{beats['_line'][bad[0] + 1]}: beat onsets must increase")
    lines = beats["_line"]
    seen: dict[str, tuple[int, int]] = {}
    sigs = []
    for k, text in enumerate(beats["signature"]):
        if text not in seen:
            seen[text] = _signature(bpath, lines[k], text)
        sigs.append(seen[text])
    beat_len = np.array([MeterChange(0, n, d).beat_ticks(tpq) for n, d in sigs])
    first_beat = int(beat_in_bar[0])
    if not 1 <= first_beat <= sigs[0][0]:
        raise JazzsoloError(f"{bpath}:{lines[0]}: beat {first_beat} is not in a "
                            f"{sigs[0][0]}/{sigs[0][1]} bar")
    row_ticks = (first_beat - 1) * beat_len[0] + np.concatenate([[0.0], np.cumsum(beat_len[:-1])])
    return beat_times, sigs, beat_len, row_ticks


def read_wjazzd(melody_csv: str | os.PathLike[str],
                beats_csv: str | os.PathLike[str] | None = None) -> LeadSheet:
    """Read a Weimar Jazz Database solo (melody CSV + beat track CSV) as a lead sheet.

    Gives the same sheet as ``extract.read_lead_sheet`` on the solo's MIDI rendering: same
    notes, chord symbols (from the beat track; held until the next one, NC = no chord), bass
    (from the beat track's bass column), meter, pickup and bar count.
    """
    return read_wjazzd_notated(melody_csv, beats_csv)[0]


def read_wjazzd_notated(melody_csv: str | os.PathLike[str],
                        beats_csv: str | os.PathLike[str] | None = None,
                        ) -> tuple[LeadSheet, np.ndarray]:
    """:func:`read_wjazzd`, plus each melody note's notated onset in quarters (from the bar,
    beat, tatum and division columns; NaN where they are missing), for metrical measures."""
    mpath = Path(melody_csv)
    bpath = Path(beats_csv) if beats_csv is not None else beats_path_for(mpath)
    if beats_csv is None and not bpath.exists():
        raise JazzsoloError(f"{mpath}: its beat track {bpath} does not exist (a WJazzD "
                            "melody CSV needs its beats/*_beattrack.csv)")
    tpq = WJAZZD_TPQ
    mel, _ = _read_table(mpath, MELODY_COLUMNS, NOTATED_COLUMNS)
    beats, n_beats = _read_table(bpath, BEAT_COLUMNS, ("bass", "duration", "pitch", "bar"))
    if "pitch" in beats:
        raise JazzsoloError(f"{bpath}: a melody file (it has a pitch column), not a beat track")
    onsets = _numbers(mpath, mel, "onset")
    durations = _numbers(mpath, mel, "duration")
    pitches = _numbers(mpath, mel, "pitch", integer=True)
    if (durations < 0).any():
        k = int(np.argmax(durations < 0))
        raise JazzsoloError(f"{mpath}:{mel['_line'][k]}: negative duration")
    if ((pitches < 0) | (pitches > 127)).any():
        k = int(np.argmax((pitches < 0) | (pitches > 127)))
        raise JazzsoloError(f"{mpath}:{mel['_line'][k]}: pitch {pitches[k]:.0f} is not 0-127")
    beat_times, sigs, beat_len, row_ticks = _beat_grid(bpath, beats, n_beats, tpq)
    lines = beats["_line"]
    track_end = int(round(row_ticks[-1] + beat_len[-1]))
    meters = [MeterChange(int(round(row_ticks[k])), *sigs[k]) for k in range(n_beats)
              if k == 0 or sigs[k] != sigs[k - 1]]
    meters = [MeterChange(0, *sigs[0])] + meters[1:]

    starts = np.round(_to_ticks(onsets, beat_times, row_ticks)).astype(np.int64)
    ends = np.round(_to_ticks(onsets + durations, beat_times, row_ticks)).astype(np.int64)
    ends = np.maximum(ends, starts + 1)
    velocity = np.full(len(starts), SOLO_VELOCITY, dtype=np.int64)
    melody = monophonic(starts, ends, pitches.astype(np.int64), velocity,
                        max(1.0, tpq * SAME_ONSET))

    changes: list[ChordChange] = []
    segments: list[tuple[int, str]] = []
    previous = None
    for k, text in enumerate(beats["chord"]):
        t = text.strip()
        if not t or t == previous:
            continue
        previous = t
        try:
            sym = parse_chord(t)
        except JazzsoloError as exc:
            raise JazzsoloError(f"{bpath}:{lines[k]}: {exc}") from None
        tick = int(round(row_ticks[k]))
        changes.append(ChordChange(tick, sym.name, wjazzd_voicing(sym)))
        segments.append((tick, sym.name))
    end_tick = int(melody.ends.max()) if len(melody.ends) else 0
    for k, (_, name) in enumerate(segments):
        if name != "NC":
            end_tick = max(end_tick, segments[k + 1][0] if k + 1 < len(segments) else track_end)

    bass = None
    if "bass" in beats:
        values = _numbers(bpath, beats, "bass", integer=True, allow_empty=True)
        has = ~np.isnan(values)
        wild = has & ((np.nan_to_num(values) < 0) | (np.nan_to_num(values) > 127))
        if wild.any():
            k = int(np.argmax(wild))
            raise JazzsoloError(f"{bpath}:{lines[k]}: bass pitch {values[k]:.0f} is not 0-127")
        if has.any():
            b_start = np.round(row_ticks[has]).astype(np.int64)
            b_end = np.round(row_ticks[has] + beat_len[has] - tpq * BASS_GAP).astype(np.int64)
            b_pitch = values[has].astype(np.int64)
            bass = monophonic(b_start, b_end, b_pitch,
                              np.full(len(b_start), BASS_VELOCITY, dtype=np.int64),
                              max(1.0, tpq * SAME_ONSET))
            end_tick = max(end_tick, int(bass.ends.max()))

    if "duration" in beats:
        beat_seconds = float(np.median(_numbers(bpath, beats, "duration")))
    else:
        beat_seconds = float(np.median(np.diff(beat_times)))
    quarter_seconds = beat_seconds * sigs[0][1] / 4
    tempo = 60e6 / round(quarter_seconds * 1e6) if quarter_seconds > 0 else 120.0

    name = mpath.stem[: -len("_FINAL")] if mpath.stem.endswith("_FINAL") else mpath.stem
    timing = PieceTiming(tpq, tempo, tuple(meters), end_tick)
    sheet = assemble_lead_sheet(melody, changes, bass, timing, name)
    notated = _notated(mpath, bpath, mel, beats, row_ticks, beat_len)
    first = {}
    for tick, where in zip(starts.tolist(), notated.tolist(), strict=True):
        first.setdefault(tick, where)
    return sheet, np.array([first.get(int(s), np.nan) / tpq for s in melody.starts.tolist()])


def _notated(mpath: Path, bpath: Path, mel: dict[str, list[str]], beats: dict[str, list[str]],
             row_ticks: np.ndarray, beat_len: np.ndarray) -> np.ndarray:
    """Notated onset ticks of the melody rows: the tick of their (bar, beat) in the beat track
    plus (tatum - 1) / division of that beat; NaN where a column or the beat is missing."""
    n = len(mel["_line"])
    if not all(c in mel for c in NOTATED_COLUMNS) or "bar" not in beats:
        return np.full(n, np.nan)
    row_of = {(b, k): i for i, (b, k) in enumerate(zip(
        _numbers(bpath, beats, "bar", integer=True).astype(int).tolist(),
        _numbers(bpath, beats, "beat", integer=True).astype(int).tolist(), strict=True))}
    bar, beat, tatum, division = (_numbers(mpath, mel, c, integer=True).astype(int).tolist()
                                  for c in NOTATED_COLUMNS)
    out = np.full(n, np.nan)
    for k in range(n):
        row = row_of.get((bar[k], beat[k]))
        if row is not None and division[k] > 0:
            out[k] = row_ticks[row] + (tatum[k] - 1) / division[k] * beat_len[row]
    return out
