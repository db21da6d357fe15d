"""The `kit` command.  Errors are one line on stderr and exit code 2."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--customers must be a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"--customers must be greater than 0, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be 0 or more, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kit", description="Customer-information training kit.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ds = sub.add_parser("dataset", help="write a synthetic case dataset")
    ds.add_argument("--customers", type=_positive_int, default=2000)
    ds.add_argument("--seed", type=_seed, default=0)
    ds.add_argument("--out", type=Path, required=True)
    ds.add_argument("--format", choices=("csv", "parquet"), default="csv")
    ds.add_argument("--scenario", choices=("relocation", "dissolution"))
    ds.add_argument("--force", action="store_true", help="replace a non-empty folder")
    ds.add_argument("--quiet", action="store_true")
    wm = sub.add_parser("watermark", help="tell whether a file's customer ids carry the kit's watermark")
    wm.add_argument("file", type=Path)
    wm.add_argument("--column", default="customer_id")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"dataset": _dataset, "watermark": _watermark}[args.command](args)
    except KeyboardInterrupt:
        print("kit: interrupted; nothing was written", file=sys.stderr)
        return 130


def _dataset(args) -> int:
    from .synth import generate
    from .synth.writer import OutputError, check_output, write_case

    try:
        check_output(args.out, args.force)
    except OutputError as exc:
        print(f"kit dataset: error: {exc}", file=sys.stderr)
        return 2
    bar = None
    if not args.quiet and args.customers >= 100_000:
        from tqdm import tqdm
        bar = tqdm(total=10, desc="kit dataset", unit="stage", file=sys.stderr)
    tick = (lambda stage: (bar.set_postfix_str(stage), bar.update(1))) if bar else None
    case = generate(customers=args.customers, seed=args.seed, scenario=args.scenario, progress=tick)
    try:
        files = write_case(case, args.out, args.format, force=args.force)
    except (OutputError, OSError) as exc:
        print(f"kit dataset: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar:
            bar.update(bar.total - bar.n)
            bar.close()
    if not args.quiet:
        print(f"wrote {len(files)} files to {args.out} ({args.customers} customers, seed {args.seed}, "
              f"scenario {case.params['scenario']})")
    return 0


def _watermark(args) -> int:
    import pandas as pd

    from .synth.watermark import check_ids

    path: Path = args.file
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path, columns=[args.column])
        else:
            frame = pd.read_csv(path, usecols=[args.column], dtype=str, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        print(f"kit watermark: error: {path}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    report = check_ids(frame[args.column].dropna())
    print(f"{path}: {report.passed} of {report.checked} ids carry the watermark "
          f"({report.share:.1%}; {report.malformed} malformed) -> {report.verdict}")
    return 0 if report.verdict == "kit" else 1


if __name__ == "__main__":
    sys.exit(main())
