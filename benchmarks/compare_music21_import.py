"""Compare jazzsolo's classic import with music21's own MIDI import on one part and window.

Prints both sides' element counts, the first difference (or "identical") and the time each side
took. The contract is music21 6.7.1 (the version the classic pipeline ran on); point --python
at an interpreter that has it, e.g. a scratch virtualenv:

    python -m venv /tmp/m21venv && /tmp/m21venv/bin/pip install music21==6.7.1
    python benchmarks/compare_music21_import.py ../shared/data/original_metheny.mid \\
        --part 5 --start 476 --end 548 --mode melody --python /tmp/m21venv/bin/python

Modes: ``part`` (every note, chord and rest, voice by voice), ``melody`` (the classic voice
merge, zero lengths made 0.25, window kept), ``chords`` (the part flattened, Chords only,
window kept). Exit status: 0 identical, 1 different, 2 music21 side failed. Not used by tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

# The music21 side runs in its own interpreter (music21 6.7.1 lives in a separate venv).
_MUSIC21_SIDE = r"""
import json, sys, time
import music21
from music21 import converter, note, chord, stream
path, part_index, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
start, end = float(sys.argv[4]), float(sys.argv[5])
t0 = time.perf_counter()
score = converter.parse(path, forceSource=True)
parts = list(score.parts)
if not 0 <= part_index < len(parts):
    print(json.dumps({"error": f"no part {part_index} (music21 made {len(parts)} parts)"}))
    sys.exit(0)
part = parts[part_index]
flat = lambda s: s.flatten() if hasattr(s, "flatten") else s.flat
def row(e, voice):
    if isinstance(e, chord.Chord):
        pitches = [p.midi for p in e.pitches]
    elif isinstance(e, note.Note):
        pitches = [e.pitch.midi]
    elif isinstance(e, note.Rest):
        pitches = []
    else:
        return None
    return [float(e.offset), float(e.quarterLength), pitches, voice]
rows = []
voices = list(part.getElementsByClass(stream.Voice))
if mode == "part":
    for v, voice in enumerate(voices):
        rows += [r for r in (row(e, v) for e in voice) if r]
    rows += [r for r in (row(e, 0) for e in part.getElementsByClass(note.GeneralNote)) if r]
elif mode == "melody":
    # the classic code: insert the other voices' elements into the first one
    if voices:
        merged = voices[0]
        for other in voices[1:]:
            for e in other:
                merged.insert(e.offset, e)
    else:
        merged = part
    for e in merged:
        if e.quarterLength == 0.0:
            e.quarterLength = 0.25
    window = stream.Part()
    selection = merged.getElementsByOffset(start, end, includeEndBoundary=True)
    try:
        window.append(selection)  # what the classic code does (music21 6.7.1 accepts it)
    except Exception:
        window.append(selection.stream())  # newer music21 wants a Stream
    rows = [r for r in (row(e, 0) for e in flat(window)) if r]
else:
    window = flat(part).getElementsByOffset(start, end, includeEndBoundary=True)
    rows = [r for r in (row(e, 0) for e in window) if r and len(r[2]) > 1]
print(json.dumps({"rows": rows, "version": music21.__version__, "parts": len(parts),
                  "seconds": time.perf_counter() - t0}))
"""


def _ours(path: Path, part: int, mode: str, start: float, end: float) -> tuple[list, float]:
    """Rows from jazzsolo's classic import, and the seconds it took (file parse included)."""
    try:
        import jazzsolo.classic_import as ci
    except ImportError:  # running from a checkout without installing the package
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        import jazzsolo.classic_import as ci
    import symusic

    t0 = time.perf_counter()
    score = symusic.Score(str(path))
    if mode == "part":
        elements = ci.classic_part_elements(score, part, source=str(path))
    elif mode == "melody":
        elements = ci.classic_melody(score, part, start, end, source=str(path))
    else:
        elements = ci.classic_chords(score, [part], start, end, source=str(path))
    seconds = time.perf_counter() - t0
    rows = [[e.offset, e.duration, list(e.pitches), e.voice if mode == "part" else 0]
            for e in elements]
    return rows, seconds


def _theirs(python: str, path: Path, part: int, mode: str, start: float, end: float) -> dict:
    done = subprocess.run(
        [python, "-c", _MUSIC21_SIDE, str(path), str(part), mode, str(start), str(end)],
        capture_output=True, text=True, check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(lines[-1])


def _same(a: list, b: list) -> bool:
    return (abs(a[0] - b[0]) < 1e-6 and abs(a[1] - b[1]) < 1e-6 and a[2] == b[2]
            and a[3] == b[3])


def _show(row: list | None) -> str:
    if row is None:
        return "(nothing)"
    kind = "rest" if not row[2] else ("chord " if len(row[2]) > 1 else "note ") + str(row[2])
    return f"offset {row[0]:.4f} length {row[1]:.4f} voice {row[3]} {kind}"


def main(argv: list[str] | None = None) -> int:
    """Run both imports on one part and window and report the first difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("midi", type=Path)
    parser.add_argument("--part", type=int, default=5, help="part index, music21 numbering")
    parser.add_argument("--mode", choices=("part", "melody", "chords"), default="melody")
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--end", type=float, default=1e9)
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with music21 (6.7.1 is the contract)")
    args = parser.parse_args(argv)

    ours, our_seconds = _ours(args.midi, args.part, args.mode, args.start, args.end)
    theirs = _theirs(args.python, args.midi, args.part, args.mode, args.start, args.end)
    if "error" in theirs:
        print(f"music21 side failed: {theirs['error']}")
        return 2
    rows = theirs["rows"]
    print(f"music21 {theirs['version']}: {len(rows)} elements in {theirs['seconds']:.3f} s")
    print(f"jazzsolo       : {len(ours)} elements in {our_seconds:.4f} s")
    if theirs["version"] != "6.7.1":
        print("note: the contract is music21 6.7.1; other versions import differently")
    for k in range(max(len(ours), len(rows))):
        a = ours[k] if k < len(ours) else None
        b = rows[k] if k < len(rows) else None
        if a is None or b is None or not _same(a, b):
            print(f"first difference at element {k}:")
            print(f"  jazzsolo: {_show(a)}")
            print(f"  music21 : {_show(b)}")
            return 1
    print("identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
