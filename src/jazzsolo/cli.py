"""The ``jazzsolo`` command: parses arguments and calls the library; no logic of its own.

Heavy modules (torch, symusic, matplotlib) are imported inside the commands that need them so
that ``jazzsolo --help`` and quick commands start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from .errors import JazzsoloError

EXIT_USAGE = 2


def _int_list(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated part numbers, got {text!r}"
        ) from None


def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=None, separators=(", ", ": "))
    sys.stdout.write("\n")


# ------------------------------------------------------------------------------ commands


def cmd_parts(args: argparse.Namespace) -> None:
    from .io import list_parts, read_midi

    parts = list_parts(read_midi(args.file))
    if args.json:
        _print_json([p.as_dict() for p in parts])
        return
    header = f"{'part':>4}  {'track':>5}  {'name':<16} {'prog':>4} {'notes':>6} {'poly':>4} "
    header += f"{'range':>7}  {'role':<8} why"
    print(header)
    for p in parts:
        print(
            f"{p.index:>4}  {p.track:>5}  {p.name[:16]:<16} {p.program:>4} {p.notes:>6} "
            f"{p.max_polyphony:>4} {p.lowest:>3}-{p.highest:<3}  {p.role:<8} {p.why}"
        )


def _extraction_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("extraction")
    g.add_argument("--melody-part", type=int, default=None, metavar="N",
                   help="part number of the solo (see `jazzsolo parts`); default 5 in the "
                        "classic mode")
    g.add_argument("--chord-parts", type=_int_list, default=None, metavar="A,B,..",
                   help="part numbers of the accompaniment; default 0,1,6,7 in the classic mode "
                        "(the classic code reads chords from the first one only)")
    g.add_argument("--start", type=float, default=None, metavar="Q",
                   help="classic mode: window start in quarter notes (default 476)")
    g.add_argument("--end", type=float, default=None, metavar="Q",
                   help="classic mode: window end in quarter notes, included (default 548)")
    g.add_argument("--classic", action="store_true",
                   help="use the classic extraction (implied by --start/--end)")


def load_corpus(args: argparse.Namespace) -> Any:
    """Build the corpus an extraction-options namespace asks for."""
    from . import corpus as corpus_mod

    files = list(args.files)
    if len(files) != 1:
        raise JazzsoloError("the classic mode reads exactly one MIDI file")
    return corpus_mod.classic_corpus(
        files[0],
        melody_part=corpus_mod.CLASSIC_MELODY_PART if args.melody_part is None
        else args.melody_part,
        chord_parts=corpus_mod.CLASSIC_CHORD_PARTS if args.chord_parts is None
        else args.chord_parts,
        start=corpus_mod.CLASSIC_WINDOW[0] if args.start is None else args.start,
        end=corpus_mod.CLASSIC_WINDOW[1] if args.end is None else args.end,
    )


def cmd_corpus(args: argparse.Namespace) -> None:
    corpus = load_corpus(args)
    summary = corpus.summary(m=args.m, tx=args.tx, seed=args.seed)
    if args.json:
        _print_json(summary)
        return
    print(f"number of training examples: {summary['n_examples']}")
    print(f"Tx (length of sequence): {summary['tx']}")
    print(f"total # of unique values: {summary['n_values']}")
    print(f"shape of X: {tuple(summary['x_shape'])}")
    print(f"shape of Y: {tuple(summary['y_shape'])}")
    print(f"number of chords: {summary['n_chords']}")
    print(f"corpus length: {summary['corpus_length']} values in {summary['n_measures']} measures")


# ------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jazzsolo",
        description="Learn how jazz musicians solo from MIDI files and improvise new solos.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("parts", help="list the parts of a MIDI file and guess their roles")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_parts)

    p = sub.add_parser("corpus", help="show the grammar corpus and training shapes of a file")
    p.add_argument("files", nargs="+", metavar="FILE")
    _extraction_args(p)
    p.add_argument("--m", type=int, default=60, help="training windows (default 60)")
    p.add_argument("--tx", type=int, default=30, help="window length Tx (default 30)")
    p.add_argument("--seed", type=int, default=0, help="window draw seed (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_corpus)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        args.func(args)
    except JazzsoloError as exc:
        print(f"jazzsolo: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jazzsolo: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
