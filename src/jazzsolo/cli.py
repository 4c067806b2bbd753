"""The ``jazzsolo`` command: parses arguments and calls the library; no logic of its own.

Heavy modules (torch, symusic, matplotlib) are imported inside the commands that need them so
that ``jazzsolo --help`` and quick commands start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

from .errors import JazzsoloError, one_line

# Generation multiplies small matrices (a batch of takes by one LSTM step): numpy's BLAS
# threads only add waiting there, and on a busy machine make 8 batched takes 8x slower
# (benchmarks/bench_jazz_speed.py). Set before numpy is imported; the user's setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

EXIT_USAGE = 2


def _int_list(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated part numbers, got {text!r}"
        ) from None


def _int_at_least(low: int, high: int = 2**32 - 1) -> Any:
    """An argparse type: a whole number from ``low`` to ``high`` (clear message otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return parse


def _fraction(text: str) -> float:
    """An argparse type: a number in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2), like every other error."""

    def error(self, message: str) -> Any:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=None, separators=(", ", ": "))
    sys.stdout.write("\n")


# ------------------------------------------------------------------------------ commands


def cmd_parts(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .io import read_midi
    from .parts import list_parts

    score = read_midi(args.file)
    parts = list_parts(score, data=Path(args.file).read_bytes())
    if args.json:
        _print_json([p.as_dict() for p in parts])
        return
    header = f"{'part':>4}  {'track':>5}  {'name':<16} {'prog':>4} {'ch':>3} {'notes':>6} "
    header += f"{'poly':>4} {'range':>7}  {'role':<8} why"
    print(header)
    for p in parts:
        print(
            f"{p.index:>4}  {p.track:>5}  {p.name[:16]:<16} {p.program:>4} "
            f"{'-' if p.channel is None else p.channel:>3} {p.notes:>6} "
            f"{p.max_polyphony:>4} {p.lowest:>3}-{p.highest:<3}  {p.role:<8} {p.why}"
        )


def _extraction_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("extraction")
    g.add_argument("--melody-part", type=int, default=None, metavar="N",
                   help="part number of the solo (see `jazzsolo parts`); default: detected "
                        "(5 in the classic mode)")
    g.add_argument("--chord-parts", type=_int_list, default=None, metavar="A,B,..",
                   help="part numbers of the accompaniment; default: detected (0,1,6,7 in the "
                        "classic mode, which reads chords from the first one only)")
    g.add_argument("--start", type=float, default=None, metavar="Q",
                   help="classic mode: window start in quarter notes (default 476)")
    g.add_argument("--end", type=float, default=None, metavar="Q",
                   help="classic mode: window end in quarter notes, included (default 548)")
    g.add_argument("--classic", action="store_true",
                   help="use the classic extraction (implied by --start/--end)")
    g.add_argument("--bars", type=_bar_range, default=None, metavar="A-B",
                   help="general mode: keep bars A..B (0-based, inclusive)")
    g.add_argument("--no-cache", action="store_true",
                   help="general mode: do not read or write the corpus cache")
    g.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="general mode: processes reading files (default: all cores)")


def _bar_range(text: str) -> tuple[int, int]:
    try:
        a, _, b = text.partition("-")
        lo, hi = int(a), int(b or a)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected bars as A-B (e.g. 0-31), got {text!r}"
        ) from None
    if lo < 0 or hi < lo:
        raise argparse.ArgumentTypeError(f"bad bar range {text!r}")
    return lo, hi


def is_classic(args: argparse.Namespace) -> bool:
    """The classic extraction is asked for by --classic or by a quarter-note window."""
    return bool(args.classic or args.start is not None or args.end is not None)


def load_corpus(args: argparse.Namespace) -> Any:
    """Build the corpus an extraction-options namespace asks for."""
    from . import corpus as corpus_mod

    files = list(args.files)
    if is_classic(args):
        if len(files) != 1:
            raise JazzsoloError("the classic mode reads exactly one MIDI file")
        if getattr(args, "stream", False):
            raise JazzsoloError("--stream belongs to the general mode (folders of files)")
        if args.bars is not None:
            raise JazzsoloError("--bars belongs to the general mode; the classic mode takes "
                                "--start/--end in quarter notes")
        return corpus_mod.classic_corpus(
            files[0],
            melody_part=corpus_mod.CLASSIC_MELODY_PART if args.melody_part is None
            else args.melody_part,
            chord_parts=corpus_mod.CLASSIC_CHORD_PARTS if args.chord_parts is None
            else args.chord_parts,
            start=corpus_mod.CLASSIC_WINDOW[0] if args.start is None else args.start,
            end=corpus_mod.CLASSIC_WINDOW[1] if args.end is None else args.end,
        )
    options = corpus_mod.CorpusOptions(
        melody_part=args.melody_part,
        harmony_parts=tuple(args.chord_parts) if args.chord_parts else None,
        bars=args.bars,
    )

    def warn(text: str) -> None:
        print(f"jazzsolo: warning: {text}", file=sys.stderr)

    if getattr(args, "stream", False):
        _check_stream(args)
        from .corpus_store import build_store

        corpus = build_store(files, options, jobs=args.jobs, warn=warn)
    else:
        corpus = corpus_mod.build_corpus(files, options, use_cache=not args.no_cache,
                                         jobs=args.jobs, warn=warn)
    if corpus.skipped:
        print(f"jazzsolo: {len(corpus.skipped)} of {len(corpus.skipped) + len(corpus.sources)} "
              "files skipped", file=sys.stderr)
    return corpus


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
    if summary["mode"] != "classic":
        print(f"files used: {summary['n_files']}, skipped: {len(summary['skipped'])}")


def cmd_train(args: argparse.Namespace) -> int:
    from .launch import relaunch_wanted, run_torchrun

    if args.out is None and args.resume is None:
        raise JazzsoloError("train needs --out DIR (or --resume DIR)")
    out = _check_out_dir(args.out or args.resume)
    if args.arch == "jazz":
        setup = _jazz_setup(args)  # bad options fail here, once, before any relaunch
        if relaunch_wanted(args.nproc):
            if args.stream:  # build the store once, here; the ranks reopen it
                _jazz_solos(args, None, print)
            return run_torchrun(args.nproc, args.argv)
        return _train_jazz(args, out, *setup)
    args.epochs = 100 if args.epochs is None else args.epochs
    args.lr = 0.01 if args.lr is None else args.lr
    if relaunch_wanted(args.nproc):
        load_corpus(args)  # bad input fails here, once; the ranks then read the cache
        return run_torchrun(args.nproc, args.argv)
    from . import distributed

    with distributed.joined(args.device, args.precision) as ctx:
        with ctx.main_first():
            corpus = load_corpus(args)
        _train_and_report(args, corpus, out, ctx)
    return 0


def _check_stream(args: argparse.Namespace) -> None:
    if args.no_cache:
        raise JazzsoloError("--stream keeps its corpus store in the cache; drop --no-cache")


def _train_and_report(args: argparse.Namespace, corpus: Any, out: str, ctx: Any) -> None:
    from .train import RunOptions, TrainConfig, train_corpus

    val = args.val_fraction
    if val is None:
        val = 0.0 if corpus.mode == "classic" else 0.1
    config = TrainConfig(epochs=args.epochs, seed=args.seed, batch_size=args.batch_size,
                         lr=args.lr, val_fraction=val)
    run = RunOptions(progress=not args.json, curves=not args.no_plot, resume=args.resume,
                     optional_validation=args.val_fraction is None, dist=ctx)
    result = train_corpus(corpus, config, out, m=args.m, tx=args.tx, run=run)
    if not ctx.is_main:
        return
    if args.json:
        _print_json(result)
        return
    held = f", {result['n_validation']} held out" if result["n_validation"] else ""
    print(f"trained {result['epochs']} epochs in {result['seconds']:.2f} s on "
          f"{result['n_train']} windows of {result['tx']} values{held} ({result['n_values']} "
          f"distinct values, {result['n_files']} file(s))")
    line = f"final loss {result['final_loss']:.3f}, accuracy {result['final_accuracy']:.3f}"
    if result.get("final_val_loss") is not None:
        line += (f"; validation loss {result['final_val_loss']:.3f}, "
                 f"accuracy {result['final_val_accuracy']:.3f}")
    print(line)
    print(f"model written to {out}")


def _jazz_setup(args: argparse.Namespace) -> tuple[Any, Any, set[str] | None]:
    """The jazz model's and training's configs and the excluded tunes, checked."""
    from .corpus import collect_files
    from .models.jazz_format import JazzConfig
    from .train_jazz import JazzTrainConfig, read_tune_list

    if is_classic(args):
        raise JazzsoloError("--arch jazz learns from whole solos: drop --classic/--start/--end")
    if args.players and args.tempo is False:
        raise JazzsoloError("--players reads the player after the tempo field: drop --no-tempo "
                            "(or train --no-players)")
    model = {k: getattr(args, k) for k in ("hidden", "layers", "frame", "intervals", "dropout",
                                            "recent", "tempo", "phrase", "density", "bar_plan",
                                            "bar_left")
             if getattr(args, k) is not None}
    if args.density_dropout is not None and not args.density:
        raise JazzsoloError("--density-dropout drops the density field: add --density")
    options = {k: v for k, v in (("epochs", args.epochs), ("lr", args.lr), ("seed", args.seed),
                                 ("batch_size", args.batch_size), ("window", args.window),
                                 ("val_fraction", args.val_fraction),
                                 ("density_dropout", args.density_dropout),
                                 ("max_minutes", args.max_minutes)) if v is not None}
    exclude = read_tune_list(args.exclude_tunes) if args.exclude_tunes else None
    collect_files(args.files)
    if args.stream:
        _check_stream(args)
    return JazzConfig(**model), JazzTrainConfig(augment=args.augment, **options), exclude


def _train_jazz(args: argparse.Namespace, out: str, model: Any, config: Any,
                exclude: set[str] | None) -> None:
    import dataclasses

    from . import distributed
    from .train_jazz import RunOptions, player_vocabulary, split_solos, train_jazz

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    with distributed.joined(args.device, args.precision) as ctx:
        jobs = args.jobs
        if jobs is None and ctx.distributed:  # one machine's ranks read at once: share its cores
            jobs = max(1, (os.cpu_count() or 1) // int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
        first = ctx.main_first() if args.stream else contextlib.nullcontext()
        with first:  # under --stream rank 0 builds the store, the others then reopen it
            solos = _jazz_solos(args, jobs, print if ctx.is_main else lambda *a, **k: None)
        split = split_solos(solos, config.val_fraction, config.seed, exclude)
        if args.players is not False and model.tempo:  # players named by >= 2 training solos
            model = dataclasses.replace(model, players=player_vocabulary(split.train))
        result = train_jazz(split, out, model, config,
                            RunOptions(progress=True, resume=args.resume, dist=ctx),
                            source={"inputs": [str(f) for f in args.files],
                                    "exclude_tunes": args.exclude_tunes})
    if not ctx.is_main:
        return
    if args.json:
        _print_json(result)
        return
    print(f"trained {result['epochs_run']} epochs in {result['seconds'] / 60:.1f} min "
          f"({result['events_per_second']:.0f} events/s) on {result['n_train']} solos; best "
          f"validation {result['best_val_bits']:.3f} bits/event at epoch {result['best_epoch']}")
    print(f"model written to {out}")


def _jazz_solos(args: argparse.Namespace, jobs: int | None, say: Any) -> Any:
    """The solos to train on: read into memory, or under ``--stream`` from the store."""
    from .train_jazz import load_solos

    def warn(text: str) -> None:
        say(f"jazzsolo: warning: {text}", file=sys.stderr)

    if args.stream:
        from .jazz_store import stream_solos

        return stream_solos(args.files, jobs=jobs, warn=warn)
    return load_solos(args.files, jobs=jobs, warn=warn)


def _check_out_dir(path: str) -> str:
    from pathlib import Path

    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise JazzsoloError(f"{p}: the folder {parent} does not exist")
    if p.exists() and not p.is_dir():
        raise JazzsoloError(f"{p}: exists and is not a directory")
    return str(p)


GENERATE_FLAGS = {
    "model": "--model", "chords": "--chords", "progression": "--progression",
    "beats_per_bar": "--beats-per-bar", "choruses": "--choruses", "tempo": "--bpm",
    "seed": "--seed", "n_outputs": "--num-outputs", "mode": "--mode",
    "sampling.strategy": "--sampling", "sampling.temperature": "--temperature",
    "sampling.top_k": "--top-k", "sampling.top_p": "--top-p", "band.bass": "--bass",
    "changes_from": "--changes-from", "register": "--register", "chord_weight": "--chord-weight",
    "player": "--player", "ornaments": "--ornaments", "keep_plan": "--keep-plan",
    **{f"{h}_sampling.{k}": f"--{h}-{k.replace('_', '-')}" for h in ("pitch", "duration")
       for k in ("temperature", "top_k", "top_p")},
    "band.style": "--style", "band.swing": "--swing", "band.count_in": "--count-in",
    "band.intro": "--intro", "band.instrument": "--instrument", "band.mix": "--mix",
    "band.two_feel": "--two-feel", "band.ending": "--ending",
}


def generate_request(args: argparse.Namespace) -> Any:
    """The GenerateRequest a `generate` command line asks for."""
    from .request import BandOptions, GenerateRequest, SamplingOptions

    return GenerateRequest(
        model=args.model, chords=args.chords, progression=args.progression,
        beats_per_bar=args.beats_per_bar, choruses=args.choruses, tempo=_tempo(args),
        seed=args.seed, n_outputs=args.num_outputs, mode=args.mode,
        sampling=SamplingOptions(strategy=args.sampling, temperature=args.temperature,
                                 top_k=args.top_k, top_p=args.top_p),
        band=_band_options(args, BandOptions(bass=args.bass)),
        changes_from=args.changes_from, pitch_sampling=_head(args, "pitch"),
        duration_sampling=_head(args, "duration"),
        register=_register(args.register), chord_weight=args.chord_weight, player=args.player,
        ornaments=args.ornaments, keep_plan=args.keep_plan,
    )


def _tempo(args: argparse.Namespace) -> float:
    """--bpm, else the tempo of the --changes-from file (the jazz model hears the tempo: a
    solo over a ballad's changes should be a ballad's), else 130."""
    if args.bpm is not None:
        return args.bpm
    if args.changes_from and args.chords is None and args.progression is None:
        from .generate_jazz import file_tempo

        try:
            return file_tempo(args.changes_from)
        except JazzsoloError as exc:
            raise JazzsoloError(f"--changes-from: {exc}") from None
    return 130.0


def _register(text: str | None) -> tuple[int, int] | None:
    from .generate_jazz import parse_register

    try:
        return parse_register(text) if text else None
    except JazzsoloError as exc:
        raise JazzsoloError(f"--register: {exc}") from None


def _head(args: argparse.Namespace, head: str) -> Any:
    """A jazz head's sampling when one of its own options is given (the rest from the
    all-heads options), else None."""
    from .request import SamplingOptions

    own = {k: getattr(args, f"{head}_{k}") for k in ("temperature", "top_k", "top_p")}
    if all(v is None for v in own.values()):
        return None
    both = {"temperature": args.temperature, "top_k": args.top_k, "top_p": args.top_p}
    return SamplingOptions(strategy=args.sampling,
                           **{k: both[k] if v is None else v for k, v in own.items()})


def _band_args(p: argparse.ArgumentParser, style_flag: str) -> None:
    """The band's options (README: A band behind the solo); any of them turns the band on."""
    from .band.styles import STYLES

    g = p.add_argument_group("band (drums, piano, bass behind the solo)")
    g.add_argument(style_flag, dest="style", choices=list(STYLES), default=None,
                   help="play with a band in this style (default swing when another band "
                        "option is given)")
    g.add_argument("--swing", type=float, default=None, metavar="S",
                   help="delay of off-beat eighths, 0 (straight) to 0.75; 1/3 = triplet swing "
                        "(default: the style's)")
    g.add_argument("--count-in", type=_int_at_least(0, 16), nargs="?", const=1, default=None,
                   metavar="BARS", help="bars of sticks before the band (1 if no number)")
    g.add_argument("--intro", type=_int_at_least(0, 16), default=None, metavar="BARS",
                   help="bars of band alone (the form's last bars) before the solo")
    g.add_argument("--instrument", default=None, metavar="NAME",
                   help="the soloist: tenor (default), alto, trumpet, guitar, piano, vibes ...")
    g.add_argument("--mix", default=None, metavar="PART=VOL,...",
                   help="volumes, e.g. solo=1,piano=0.7,bass=0.9,drums=0.8 (0 mutes)")
    g.add_argument("--two-feel", action="store_true",
                   help="bass in two for the first chorus (the head)")
    g.add_argument("--ending", action="store_true",
                   help="end together on the form's first chord (one more bar)")


def _band_options(args: argparse.Namespace, plain: Any) -> Any:
    """``plain`` (a BandOptions) with the band's options from the command line, if any."""
    from dataclasses import replace

    from .band import parse_mix

    given = {k: getattr(args, k) for k in ("swing", "count_in", "intro", "instrument", "mix")
             if getattr(args, k) is not None}
    if args.style is None and not given and not args.two_feel and not args.ending:
        return plain
    if "mix" in given:
        try:
            given["mix"] = parse_mix(given["mix"])
        except JazzsoloError as exc:
            raise JazzsoloError(f"--mix: {exc}") from None
    return replace(plain, style=args.style or "swing", two_feel=args.two_feel,
                   ending=args.ending, **given)


def cmd_generate(args: argparse.Namespace) -> None:
    from .errors import RequestError
    from .outputs import output_paths, write_solos
    from .request import perform

    request = generate_request(args)
    try:
        request.config()  # the output count is needed to name the files
        mids = output_paths(args.out, request.n_outputs, ".mid")
        wavs = output_paths(args.wav, request.n_outputs, ".wav") if args.wav else []
        pngs = output_paths(args.png, request.n_outputs, ".png") if args.png else []
        request.validate()
        if args.soundfont:
            if not wavs:
                raise JazzsoloError("--soundfont needs --wav")
            from .render import soundfont_version

            soundfont_version(args.soundfont)  # a file that is not a soundfont fails first
        sheets = perform(request)
    except RequestError as exc:
        raise JazzsoloError(f"{GENERATE_FLAGS.get(exc.field, exc.field)}: {exc}") from None
    written = write_solos(sheets, mids, wavs, pngs, soundfont=args.soundfont,
                          warn=lambda text: print(f"jazzsolo: warning: {text}", file=sys.stderr))
    for path in written:
        print(path)


def cmd_models(args: argparse.Namespace) -> None:
    from .generate_jazz import bundled_models

    models = bundled_models()
    if args.json:
        _print_json(models)
        return
    for m in models:  # the default first, marked
        name = f"{m['name']}*" if m["default"] else m["name"]
        print(f"{name:<8} {m['format']:<22} {m['trained_on']}")
        if m["players"]:
            text = (f"plays as any player, or (--player) as one of {len(m['players'])}: "
                    + ", ".join(m["players"]))
            print(textwrap.fill(text, 100, initial_indent=" " * 9, subsequent_indent=" " * 9))
    print("* the default (generate without --model)")


def cmd_render(args: argparse.Namespace) -> None:
    from .errors import RequestError
    from .render import render_wav
    from .request import BandOptions

    try:
        band = _band_options(args, BandOptions())
        if band.style is not None:
            from .band.rearrange import render_with_band

            info = render_with_band(args.file, args.out, band, soundfont=args.soundfont,
                                    seed=args.seed)
        else:
            info = render_wav(args.file, args.out, soundfont=args.soundfont)
    except RequestError as exc:
        flag = "--band" if exc.field == "band.style" else GENERATE_FLAGS.get(exc.field, exc.field)
        raise JazzsoloError(f"{flag}: {exc}") from None
    print(f"{args.out}: {info.duration:.1f} s, peak {info.peak_dbfs:.1f} dBFS, "
          f"rms {info.rms_dbfs:.1f} dBFS")


def cmd_plot(args: argparse.Namespace) -> None:
    from .render import plot_piano_roll

    plot_piano_roll(args.file, args.out, width_px=args.width)
    print(args.out)


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .evaluate_io import (
        ReadOptions,
        evaluate_paths,
        format_per_solo,
        format_table,
        plot_distributions,
    )

    def warn(text: str) -> None:
        print(f"jazzsolo: warning: {text}", file=sys.stderr)

    read = ReadOptions(args.melody_part, args.chord_parts, warn)
    report, metrics, ref = evaluate_paths(args.files, args.reference, args.train, args.model,
                                          args.grid, read)
    for key in ("solos", "reference"):
        if key in report and report[key]["skipped"]:
            n = len(report[key]["skipped"])
            print(f"jazzsolo: {n} of {n + report[key]['n']} files skipped ({key})", file=sys.stderr)
    if args.plot:
        plot_distributions(metrics, ref, args.plot)
    if args.json:
        if args.per_solo:
            report["per_solo"] = [m.as_dict() for m in metrics]
        _print_json(report)
        return
    print(format_per_solo(metrics) if args.per_solo else format_table(report))


def cmd_progressions(args: argparse.Namespace) -> None:
    from .chords.progressions import PROGRESSIONS

    if args.json:
        _print_json({name: {"description": p.description, "text": p.text,
                            "beats_per_bar": p.beats_per_bar, "bars": p.bar_count()}
                     for name, p in PROGRESSIONS.items()})
        return
    width = max(len(n) for n in PROGRESSIONS)
    for name, p in PROGRESSIONS.items():
        print(f"{name:<{width}}  {p.bar_count():>3} bars  {p.description}")


def cmd_serve(args: argparse.Namespace) -> None:
    try:
        from .web.app import serve
    except ImportError as exc:
        raise JazzsoloError(f"serve needs the web extra ({exc.name} is missing): "
                            "pip install 'jazzsolo[web]'") from None
    try:
        serve(args.host, args.port, workers=args.workers, queue=args.queue)
    except KeyboardInterrupt:
        pass


# ------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="jazzsolo",
        description="Learn how jazz musicians solo from MIDI files and improvise new solos.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("parts", help="list the parts of a MIDI file and guess their roles")
    p.add_argument("file")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_parts)

    p = sub.add_parser("corpus", help="show the grammar corpus and training shapes of a file")
    p.add_argument("files", nargs="+", metavar="FILE")
    _extraction_args(p)
    p.add_argument("--m", type=_int_at_least(1), default=None,
                   help="training windows drawn (default: 60 classic; general mode: all, at most "
                        "10000)")
    p.add_argument("--tx", type=_int_at_least(2), default=30,
                   help="window length Tx (default 30)")
    p.add_argument("--seed", type=_int_at_least(0), default=0,
                   help="window draw seed (default 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser("train", help="train a model (classic LSTM or jazz model) and save it")
    p.add_argument("files", nargs="+", metavar="FILE")
    _extraction_args(p)
    p.add_argument("--out", default=None, metavar="DIR",
                   help="model directory to write (also holds the state saved every epoch)")
    p.add_argument("--resume", default=None, metavar="DIR",
                   help="continue the interrupted run whose --out was DIR (same files and "
                        "options; --out defaults to DIR)")
    p.add_argument("--arch", choices=["classic", "jazz"], default="classic",
                   help="classic: the exercise's grammar LSTM (default); jazz: the chord-aware "
                        "note-event LSTM")
    p.add_argument("--epochs", type=_int_at_least(1), default=None,
                   help="epochs (default 100 classic, 24 jazz)")
    p.add_argument("--seed", type=_int_at_least(0), default=0,
                   help="seed for windows, weights, shuffling")
    p.add_argument("--batch-size", type=_int_at_least(1), default=32,
                   help="batch size (default 32)")
    p.add_argument("--lr", type=float, default=None,
                   help="Adam learning rate (default 0.01 classic, 0.002 jazz)")
    p.add_argument("--val-fraction", type=float, default=None,
                   help="share held out for validation: whole pieces with 5 or more files, "
                        "else windows (default 0 classic, 0.1 general)")
    p.add_argument("--m", type=_int_at_least(1), default=None,
                   help="training windows drawn (default: 60 classic; general mode: all, at most "
                        "10000)")
    p.add_argument("--tx", type=_int_at_least(2), default=30,
                   help="window length Tx (default 30)")
    p.add_argument("--no-plot", action="store_true", help="do not draw training curves")
    g = p.add_argument_group("jazz model (--arch jazz)")
    g.add_argument("--exclude-tunes", default=None, metavar="FILE",
                   help="tunes (one a line) kept out of training and validation")
    g.add_argument("--hidden", type=_int_at_least(1), default=None, help="LSTM units (384)")
    g.add_argument("--layers", type=_int_at_least(1, 3), default=None, help="LSTM layers (2)")
    g.add_argument("--intervals", type=_int_at_least(0, 48), default=None, metavar="N",
                   help="interval term for leaps up to N semitones (24; 0: none)")
    g.add_argument("--dropout", type=_fraction, default=None, help="dropout rate (0.2)")
    g.add_argument("--recent", type=_fraction, default=None, metavar="DECAY",
                   help="a memory of the pitch classes played, each decaying by DECAY per "
                        "event, that the pitch head may favour (0: none)")
    fields = (  # input fields a jazz model may hear, each --X / --no-X
        ("--tempo", "hear the tempo (an input field; default on): a ballad is not phrased like "
                    "a burner"),
        ("--phrase", "hear where the solo stands in its phrase (input fields; default off): the "
                     "bar in a 4-bar group, quarters since the last rest, notes in the previous "
                     "bar"),
        ("--density", "hear how busy the whole solo is (an input field; default off): each "
                      "generated take draws it from the training solos at its tempo"),
        ("--bar-plan", "with --density: hear how many notes each bar holds (an input field; "
                       "default off): each generated take draws its bars' plan from how the "
                       "training solos' bars follow each other"),
        ("--bar-left", "with --bar-plan: also hear how many of the bar's planned notes are "
                       "still to play (an input field; default off)"),
        ("--players", "hear who plays (an input field; default on): every player with 2 or "
                      "more training solos, named by WJazzD-style file names "
                      "Performer_Tune...; generate --player picks one"))
    for flag, text in fields:
        g.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=text)
    g.add_argument("--density-dropout", type=_fraction, default=None, metavar="F",
                   help="with --density: train this share of windows as 'any density' "
                        "(default 0)")
    g.add_argument("--frame", choices=["absolute", "chord"], default=None,
                   help="pitch head: MIDI pitch (default) or pitch above the chord root")
    g.add_argument("--window", type=_int_at_least(2), default=None,
                   help="events per training window (128)")
    g.add_argument("--augment", action="store_true",
                   help="transpose each training window into a random key")
    g.add_argument("--threads", type=_int_at_least(1), default=None,
                   help="torch threads (default: torch's; 1 is fastest on a busy machine)")
    g.add_argument("--max-minutes", type=float, default=None,
                   help="stop after the epoch that passes this many minutes")
    p.add_argument("--json", action="store_true", help="end with one JSON object")
    g = p.add_argument_group("devices and processes (see the README: Training on GPUs)")
    g.add_argument("--device", choices=["auto", "cpu", "cuda", "mps"], default="auto",
                   help="where to train (default auto: this rank's CUDA GPU, else MPS, else CPU)")
    g.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                   help="bf16 autocast (auto: on CUDA GPUs that support it, off on CPU)")
    g.add_argument("--nproc", type=_int_at_least(1, 1024), default=1, metavar="N",
                   help="train data-parallel in N local processes (relaunches under torchrun)")
    g.add_argument("--stream", action="store_true",
                   help="keep the corpus (or --arch jazz: the solos' events) on disk as "
                        "memory-mapped shards (for folders too large for memory)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("generate", help="improvise solos with a model and write MIDI")
    p.add_argument("--model", default="default", metavar="NAME|DIR",
                   help="a bundled model's name (jazz, classic; see `jazzsolo models`) or a "
                        "model directory (default: the bundled jazz model)")
    p.add_argument("--out", required=True, metavar="FILE.mid", help="MIDI file to write")
    p.add_argument("--bpm", type=float, default=None,
                   help="tempo (default 130; with --changes-from, the file's)")
    p.add_argument("--sampling", choices=["sample", "greedy"], default="sample",
                   help="sample (default) or greedy argmax (the classic)")
    p.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (> 0)")
    p.add_argument("--top-k", type=int, default=None, help="sample among the k likeliest")
    p.add_argument("--top-p", type=float, default=None,
                   help="sample within the top probability mass p, 0 < p <= 1")
    p.add_argument("--seed", type=_int_at_least(0), default=0,
                   help="random seed (same seed, same file)")
    p.add_argument("--num-outputs", type=int, default=1, metavar="N",
                   help="solos to write (numbered FILE-1.mid ...)")
    p.add_argument("--mode", choices=["fill", "course"], default="fill",
                   help="fill: every bar filled exactly (default); course: the exercise's loop")
    p.add_argument("--chords", default=None, metavar="TEXT",
                   help='changes to solo over, e.g. "Dm7 G7 | Cmaj7 | Bb7b9 | A7alt"')
    p.add_argument("--progression", default=None, metavar="NAME",
                   help="a built-in progression (see `jazzsolo progressions`)")
    p.add_argument("--beats-per-bar", type=int, default=None, metavar="N",
                   help="meter of --chords: quarter-note beats per bar (3 for a waltz)")
    p.add_argument("--choruses", type=_int_at_least(1), default=1,
                   help="times through the changes")
    p.add_argument("--bass", action="store_true", help="add a walking bass line")
    p.add_argument("--wav", default=None, metavar="FILE.wav", help="also render audio")
    p.add_argument("--png", default=None, metavar="FILE.png", help="also draw a piano roll")
    p.add_argument("--soundfont", default=None, metavar="SF2", help="soundfont for --wav")
    g = p.add_argument_group(
        "jazz model", "each head's option overrides the all-heads one; with no sampling option "
        "at all the tuned defaults play (a warmer pitch head, a lean on chord tones, and events "
        "ending only where the event grid writes a note at the tempo: README, the jazz model); "
        "any sampling option gives exactly what it asks")
    for head in ("pitch", "duration"):
        g.add_argument(f"--{head}-temperature", type=float, default=None, metavar="T")
        g.add_argument(f"--{head}-top-k", type=int, default=None, metavar="K")
        g.add_argument(f"--{head}-top-p", type=float, default=None, metavar="P")
    g.add_argument("--register", default=None, metavar="LOW-HIGH",
                   help="MIDI pitch range of the solo (default: the training data's, 1st-99th "
                        "percentile)")
    g.add_argument("--chord-weight", type=float, default=None, metavar="W",
                   help="lean on the chord's tones: W is added to their pitch logits (0: the "
                        "model's own odds; default: the tuned value, README: the jazz model)")
    g.add_argument("--changes-from", default=None, metavar="FILE",
                   help="play over the changes of a MIDI file (or WJazzD CSV)")
    g.add_argument("--player", default=None, metavar="NAME",
                   help="play as one of the model's players, e.g. 'Sonny Rollins' (jazzsolo "
                        "models lists them; default: any player)")
    g.add_argument("--ornaments", action=argparse.BooleanOptionalAction, default=None,
                   help="with the tuned defaults' position mask, let grace notes onto the 32nds "
                        "and sextuplets it leaves out at the tempo, each returning to the grid "
                        "at once (default: off; README, the jazz model)")
    g.add_argument("--keep-plan", action=argparse.BooleanOptionalAction, default=None,
                   help="a model trained with --bar-left plays exactly the notes it planned "
                        "for each bar wherever the grid can hold them (default: off; "
                        "docs/jazz_model.md)")
    _band_args(p, "--style")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("models", help="list the bundled models and what they learned from")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("render", help="render a MIDI file to WAV through a GM soundfont")
    p.add_argument("file")
    p.add_argument("--out", "-o", required=True, metavar="FILE.wav")
    p.add_argument("--soundfont", default=None, metavar="SF2")
    _band_args(p, "--band")
    p.add_argument("--seed", type=_int_at_least(0), default=0, help="the band's seed")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("plot", help="draw a piano roll of a MIDI file")
    p.add_argument("file")
    p.add_argument("--out", "-o", required=True, metavar="FILE.png")
    p.add_argument("--width", type=int, default=1600, help="picture width in pixels")
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("evaluate", help="judge solos with objective measures (EVALUATION.md)")
    p.add_argument("files", nargs="+", metavar="SOLOS")
    p.add_argument("--reference", nargs="+", metavar="REAL", help="real solos to compare with")
    p.add_argument("--train", nargs="+", metavar="TRAIN", help="training solos (copying)")
    p.add_argument("--model", metavar="DIR", help="score the reference (else the solos): NLL")
    p.add_argument("--grid", choices=("timing", "metrical"), default="metrical",
                   help="onset grid of GS (default metrical)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--plot", metavar="F.png", help="draw each measure's distributions")
    p.add_argument("--per-solo", action="store_true", help="one row per solo")
    p.add_argument("--melody-part", type=int, default=None, metavar="N")
    p.add_argument("--chord-parts", type=_int_list, default=None, metavar="A,B,..")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("progressions", help="list the built-in chord progressions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_progressions)

    p = sub.add_parser("serve", help="a web page to improvise from the browser")
    p.add_argument("--host", default="127.0.0.1", help="address (default: loopback only)")
    p.add_argument("--port", type=_int_at_least(0, 65535), default=8000, help="default 8000")
    p.add_argument("--workers", type=_int_at_least(1, 64), default=2,
                   help="takes made at once (default 2)")
    p.add_argument("--queue", type=_int_at_least(0, 1000), default=8,
                   help="takes waiting beyond those; more get 503 (default 8)")
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:  # `torchrun ... -m jazzsolo -- train ...` passes the `--` through
        argv = argv[1:]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0)
        return int(exc.code or 0)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    args.argv = argv
    try:
        code = args.func(args)
    except JazzsoloError as exc:
        print(f"jazzsolo: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jazzsolo: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
