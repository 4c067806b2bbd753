"""Plant known bugs in a copy of the source and show which tests catch each one.

A test suite is only as good as the bugs it notices. Each bug below is a small edit a
programmer could plausibly make; for each, this script copies ``src/`` to a temporary folder,
applies the edit there (the working tree is never touched), runs the test suite against the
copy (``PYTHONPATH`` points at it, the corpus cache at an empty folder) and prints the tests
that fail. A bug that makes no test fail is reported as MISSED and the script exits 1.

    python benchmarks/plant_bugs.py                  # all bugs, whole suite (~1 min per bug)
    python benchmarks/plant_bugs.py 2 3 -- tests/test_cli.py tests/test_generate.py

The edits are found by their text anywhere under ``src/jazzsolo`` (so moving a function to
another module does not break the script); an edit whose text is gone is reported, not skipped.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# number -> (what the bug is, [(text in the source, text that replaces it), ...])
BUGS: dict[int, tuple[str, list[tuple[str, str]]]] = {
    1: (
        "theory.parse_interval: descending intervals come out ascending (sign flip)",
        [("return Interval(-size, -semis)", "return Interval(size, semis)")],
    ),
    2: (
        "fill mode's _take_bar: the value cut at a bar line is replayed in the next bar",
        [("del stream[: i + 1]\n            return taken",
          "del stream[:i]\n            return taken")],
    ),
    3: (
        "Decoder.pitch_for: the line never moves down (bounds, free moves and fallback go up)",
        [
            ("self.previous + parse_interval(value.upper).semitones",
             "self.previous + abs(parse_interval(value.upper).semitones)"),
            ("self.previous + parse_interval(value.lower).semitones",
             "self.previous + abs(parse_interval(value.lower).semitones)"),
            ("max(self.previous - 7, self.low)", "max(self.previous, self.low)"),
            ("step = self.rng.choice((-2, 2))", "step = 2"),
            ("pitch = self.previous - step", "pitch = self.previous"),
        ],
    ),
    4: (
        "Corpus.summary: the general mode builds every training window just to count them",
        [("count = id_window_count(self.pieces, tx=tx, m=m)",
          "from .data import id_windows\n"
          "            count = len(id_windows(self.pieces, vocab, tx=tx, m=m, seed=seed)[0])")],
    ),
}


def plant(src: Path, edits: list[tuple[str, str]]) -> list[str]:
    """Apply ``edits`` to the package copy under ``src``; returns the files changed."""
    changed = []
    for old, new in edits:
        hits = [p for p in sorted(src.rglob("*.py")) if old in p.read_text()]
        if len(hits) != 1:
            raise SystemExit(f"plant_bugs.py: {old!r} found in {len(hits)} files, expected 1 "
                             "(the source changed: update BUGS)")
        text = hits[0].read_text()
        if text.count(old) != 1:
            raise SystemExit(f"plant_bugs.py: {old!r} occurs {text.count(old)} times in "
                             f"{hits[0]}, expected once")
        hits[0].write_text(text.replace(old, new))
        changed.append(str(hits[0].relative_to(src)))
    return changed


def run_suite(src: Path, tests: list[str], cache: Path) -> tuple[int, list[str]]:
    """Run pytest on ``tests`` with the package taken from ``src``; (exit code, failed ids)."""
    env = {**os.environ, "PYTHONPATH": str(src), "XDG_CACHE_HOME": str(cache)}
    check = subprocess.run([sys.executable, "-c", "import jazzsolo; print(jazzsolo.__file__)"],
                           env=env, capture_output=True, text=True, check=True)
    if not check.stdout.startswith(str(src)):
        raise SystemExit(f"plant_bugs.py: jazzsolo is imported from {check.stdout.strip()}, "
                         f"not from the planted copy {src}")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--tb=no", "-rfE", "-p", "no:cacheprovider",
         *tests],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    failed = sorted({m.group(2) for m in re.finditer(r"^(FAILED|ERROR) (\S+)", proc.stdout,
                                                     re.MULTILINE)})
    return proc.returncode, failed


def main() -> int:
    """Plant the chosen bugs one at a time and print the tests that catch each."""
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="after --: pytest arguments (default: tests)")
    parser.add_argument("bugs", nargs="*", type=int, help=f"bug numbers {sorted(BUGS)} (all)")
    args = parser.parse_args(argv[:cut])
    if set(args.bugs) - set(BUGS):
        parser.error(f"no such bug: {sorted(set(args.bugs) - set(BUGS))}")
    tests = argv[cut + 1:] or ["tests"]
    chosen = args.bugs or sorted(BUGS)
    missed = []
    with tempfile.TemporaryDirectory(prefix="plant_") as tmp:
        base = Path(tmp)
        code, failed = run_suite(REPO / "src", tests, base / "cache0")
        print(f"unplanted: {'all pass' if code == 0 else f'{len(failed)} FAIL: {failed}'}")
        baseline = set(failed)
        for number in chosen:
            what, edits = BUGS[number]
            src = base / f"bug{number}" / "src"
            shutil.copytree(REPO / "src", src,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            files = plant(src, edits)
            code, failed = run_suite(src, tests, base / f"cache{number}")
            caught = [t for t in failed if t not in baseline]
            print(f"\nbug {number}: {what}\n  planted in: {', '.join(sorted(set(files)))}")
            print(f"  caught by {len(caught)} test(s):")
            for test in caught:
                print(f"    {test}")
            if not caught:
                missed.append(number)
                print("    MISSED")
    print("\n" + (f"missed: {missed}" if missed else "every planted bug is caught"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
