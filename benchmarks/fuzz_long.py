"""The long fuzz run: >= 10,000 MIDI mutants, 1,000 CSV mutants, 1,000 chord texts, 200 models.

Cases run in blocks, each block in its own child process (address space capped, so a runaway
allocation fails instead of swapping; a crash of the child is counted as a bug instead of
ending the run). Prints a table of outcomes per family; bugs (traceback, hang, vague, leftover,
crash) must all be 0. The inputs of every failing case are copied to --keep (one folder per
case, with command.json: the command line that failed, rewritten to the copies). Run it niced,
in the background:

    nice -n 10 python benchmarks/fuzz_long.py --out /tmp/fuzz_long.json --keep /tmp/fuzz_kept
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FAMILIES = {"models": 200, "chords": 1_000, "csv": 1_000, "midi": 10_000}
BLOCK = {"midi": 250, "csv": 250, "chords": 250, "models": 100}
MEMORY_LIMIT = 8 << 30  # bytes of address space per child


def run_block(family: str, seed: int, count: int, data: Path, keep: Path) -> dict:
    """Run one block in this process; returns counts and bugs as JSON data."""
    import resource

    from tests import fuzzing as fz

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    keep.mkdir(parents=True, exist_ok=True)
    fz.IN_FLIGHT = keep / f"in-flight-{family}-{seed}.json"  # read by _child after a crash
    # Import the heavy modules before the clock runs: a first torch import on a busy machine
    # takes longer than a case may, and an import cut short by the alarm breaks torch.
    import matplotlib.pyplot  # noqa: F401

    import jazzsolo.render  # noqa: F401
    import jazzsolo.train  # noqa: F401
    plan = fz.Campaign(seed=seed, midi=count, csv=count, chords=count, models=count,
                       specials=(family == "midi" and seed == 0), plot_every=20,
                       render_every=100, train_every=100, keep=keep)
    tally = fz.Tally()
    with tempfile.TemporaryDirectory(prefix="jazzsolo-fuzz-") as tmp:
        work = Path(tmp)
        if family == "midi":
            fz.run_midi(plan, fz.seed_midis(data), work, tally)
        elif family == "csv":
            fz.run_csv(plan, fz.seed_csvs(data), work, tally)
        elif family == "chords":
            fz.run_chords(plan, work, tally)
        else:
            fz.run_models(plan, work, tally)
    return {"counts": tally.counts.get(family, {}),
            "cases": sum(tally.counts.get(family, {}).values()),
            "slowest": tally.slowest[0],
            "bugs": [[case, o.kind, " ".join(o.argv)[:300], o.detail[:1500], o.kept]
                     for _, case, o in tally.bugs]}


def _child(family: str, seed: int, count: int, keep: Path) -> dict | str:
    """Run one block in a child process: its results, or why it died (a crash is a bug)."""
    cmd = [sys.executable, __file__, "--block", family, str(seed), str(count), "--keep", str(keep)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=7200)
    except subprocess.TimeoutExpired:
        return "the block ran over two hours"
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return f"exit {done.returncode}: {done.stderr[-1500:]}" + _keep_crash(family, seed, keep)


def _keep_crash(family: str, seed: int, keep: Path) -> str:
    """After a child died: copy its work folder (left behind) and the command it was running."""
    import shutil

    record = keep / f"in-flight-{family}-{seed}.json"
    if not record.exists():
        return ""
    argv = json.loads(record.read_text())
    case = keep / f"{family}-block{seed}-crash"
    case.mkdir(parents=True, exist_ok=True)
    for part in {p for a in argv for p in Path(a).parents if p.name.startswith("jazzsolo-fuzz-")}:
        shutil.copytree(part, case, dirs_exist_ok=True)  # the block's temporary work folder
        shutil.rmtree(part, ignore_errors=True)
        argv = [a.replace(str(part), str(case)) for a in argv]
    (case / "command.json").write_text(json.dumps({"argv": ["jazzsolo", *argv]}, indent=1))
    record.unlink()
    return f"\nwhile running: jazzsolo {' '.join(argv)[:300]} (kept in {case})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the case counts")
    parser.add_argument("--out", default=None, help="also write the results as JSON here")
    parser.add_argument("--workers", type=int, default=2, help="blocks run at once (default 2)")
    parser.add_argument("--keep", default=None,
                        help="copy failing cases' inputs here (default: a new /tmp/fuzz-kept-*)")
    parser.add_argument("--block", nargs=3, metavar=("FAMILY", "SEED", "COUNT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    data = Path(os.environ.get("JAZZSOLO_DATA") or REPO.parent / "shared" / "data")
    keep = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fuzz-kept-"))
    if args.block:
        family, seed, count = args.block
        print(json.dumps(run_block(family, int(seed), int(count), data, keep)))
        return 0
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    started = time.perf_counter()
    blocks = []
    for family, wanted in FAMILIES.items():
        wanted = max(1, round(wanted * args.scale))
        for seed, first in enumerate(range(0, wanted, BLOCK[family])):
            blocks.append((family, seed, min(BLOCK[family], wanted - first)))
    totals = {f: {"inputs": 0, "commands": {}, "bugs": [], "slowest": 0.0} for f in FAMILIES}
    report = {"commit": commit, "kept_in": str(keep), "families": totals}
    print(f"commit {commit}; failing cases' inputs are kept in {keep}", flush=True)
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(lambda b: (*b, _child(*b, keep)), b) for b in blocks]
        for future in as_completed(futures):
            family, seed, count, done = future.result()
            row = totals[family]
            if isinstance(done, str):
                row["bugs"].append([f"block {seed}", "crash", f"--block {family} {seed} {count}",
                                    done, ""])
                row["commands"]["crash"] = row["commands"].get("crash", 0) + 1
            else:
                for kind, n in done["counts"].items():
                    row["commands"][kind] = row["commands"].get(kind, 0) + n
                row["bugs"] += done["bugs"]
                row["slowest"] = max(row["slowest"], done["slowest"])
            row["inputs"] += count
            print(f"{family} block {seed}: {row['inputs']} inputs so far, {row['commands']} "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
            if args.out:
                Path(args.out).write_text(json.dumps(report, indent=1))
    kinds = ("success", "clean", "traceback", "hang", "vague", "leftover", "crash")
    print(f"\n{'family':<8}{'inputs':>8}{'commands':>10}" + "".join(f"{k:>10}" for k in kinds))
    for family, row in totals.items():
        c = row["commands"]
        print(f"{family:<8}{row['inputs']:>8}{sum(c.values()):>10}"
              + "".join(f"{c.get(k, 0):>10}" for k in kinds))
    print(f"commit {commit}; minutes: {(time.perf_counter() - started) / 60:.1f}; slowest command: "
          f"{max(r['slowest'] for r in totals.values()):.1f} s")
    for family, row in totals.items():
        for case, kind, argv, detail, kept in row["bugs"][:10]:
            print(f"BUG {family} {kind} [{case}] {argv}\n    {detail}\n    kept in {kept}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))
    return 1 if any(row["bugs"] for row in totals.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
