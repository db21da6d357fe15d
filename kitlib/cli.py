"""The `kit` command.  Errors are one line on stderr and exit code 2."""
from __future__ import annotations

import argparse
import json
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


def _sample_size(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sample must be a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"--sample must be greater than 0, got {value}")
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
    cert = sub.add_parser("certificate", help="issue or verify a training certificate")
    cert_sub = cert.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ci = cert_sub.add_parser("issue", help="issue a certificate and write its HTML page (exit 1: not complete)")
    ci.add_argument("--learner", required=True)
    scope = ci.add_mutually_exclusive_group(required=True)
    scope.add_argument("--module", help="a module id, e.g. 00")
    scope.add_argument("--course", action="store_true", help="every available module")
    ci.add_argument("--out", type=Path, help="HTML file (default: the kit's data folder)")
    ci.add_argument("--store", help="progress store URL (default: KIT_PROGRESS_URL, else the user's SQLite file)")
    cv = cert_sub.add_parser("verify", help="check a code (exit 0 valid, 1 invalid, 2 error)")
    cv.add_argument("code")
    cv.add_argument("--file", type=Path, help="also check this certificate HTML file")
    cv.add_argument("--store", help="progress store URL (default: KIT_PROGRESS_URL, else the user's SQLite file)")
    prog = sub.add_parser("progress", help="hand in progress as a file, merge files, show where progress is kept")
    prog_sub = prog.add_subparsers(dest="action", required=True, parser_class=_Parser)
    pe = prog_sub.add_parser("export", help="write the store's progress to a JSON Lines file (.gz: compressed)")
    pe.add_argument("--out", type=Path, required=True)
    pe.add_argument("--learner", help="only this learner (default: everyone in the store)")
    pe.add_argument("--store", help="progress store URL (default: KIT_PROGRESS_URL, else the user's SQLite file)")
    pi = prog_sub.add_parser("import", help="merge learners' files into the store (exit 2: a file was refused)")
    pi.add_argument("files", nargs="+", type=Path, metavar="FILE")
    pi.add_argument("--store", help="progress store URL (default: KIT_PROGRESS_URL, else the user's SQLite file)")
    prog_sub.add_parser("where", help="print the progress store URL in use (password hidden)")
    bank = sub.add_parser("bank", help="author question banks: check a bank file, seal its plain answers")
    bank_sub = bank.add_subparsers(dest="action", required=True, parser_class=_Parser)
    bank_sub.add_parser("check", help="load a bank file and report problems (exit 2: not usable)") \
        .add_argument("files", nargs="+", type=Path, metavar="FILE")
    bank_sub.add_parser("seal", help="seal every plain answer in place, so learners do not read them") \
        .add_argument("files", nargs="+", type=Path, metavar="FILE")
    who = sub.add_parser("learner", help="the name answers and certificates are recorded under")
    who_sub = who.add_subparsers(dest="action", required=True, parser_class=_Parser)
    who_sub.add_parser("show", help="print the current learner name and where it comes from")
    who_sub.add_parser("set", help="save the learner name (KIT_LEARNER still wins)").add_argument("name")
    scan = sub.add_parser("scan", help="inventory CSV/XLSX exports: kinds, tiers, Art. 28; HTML report "
                                       "(exit 1: some files refused)")
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders (.csv .tsv .txt .xlsx)")
    scan.add_argument("--report", type=Path, default=Path("scan_report.html"),
                      help="HTML report to write (default: scan_report.html)")
    scan.add_argument("--sample", type=_sample_size, default=2000, help="values sampled per column (default 2000)")
    scan.add_argument("--policy", type=Path, help="tier policy TOML file (default: the kit's own)")
    ex = sub.add_parser("exercise", help="tabletop packages: validate them, rehearse one in scripted mode, "
                                        "or serve a role's page of a live run")
    ex_sub = ex.add_subparsers(dest="action", required=True, parser_class=_Parser)
    exv = ex_sub.add_parser("validate", help="check packages; one line per problem (exit 0 valid, 1 problems, 2 missing)")
    exv.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="package folders or exercise.yaml files")
    exp = ex_sub.add_parser("play", help="play a package to the end without widgets (its expected path, or --script)")
    exp.add_argument("path", type=Path, metavar="PATH")
    exp.add_argument("--seed", type=_seed, default=0, help="chooses the variant and the evidence (default 0)")
    exp.add_argument("--script", type=Path, help="YAML or JSON steps: - [minute, decide, D1, option, role]")
    exp.add_argument("--out", type=Path, help="write the run record (JSON) here")
    exj = ex_sub.add_parser("join", help="serve one role's page of a live run (Voilà, code hidden; Ctrl-C stops)")
    exj.add_argument("--run", required=True, metavar="RUN_ID", help="the run id the facilitator's console shows")
    exj.add_argument("--role", required=True, metavar="ROLE", help="the role whose page this is, e.g. legal")
    exj.add_argument("--store", metavar="URL", help="the live store's database URL (default: KIT_LIVE_URL, "
                                                    "else live.sqlite in the kit's data folder)")
    exj.add_argument("--port", type=_present_port, default=8866, help="port to serve on (default 8866)")
    exj.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the URL")
    exj.add_argument("--lang", choices=("zh-CN", "en"), help="language of the page (default: KIT_LANG, else zh-CN)")
    exj.add_argument("--lan", action="store_true", help="listen on every interface (0.0.0.0), for participants' "
                                                        "own laptops on a workshop network; prints a warning")
    led = sub.add_parser("ledger", help="the company's ledger of actions: verify, show, export, anchor")
    led.add_argument("--url", help="the ledger's database URL (default: KIT_LEDGER_URL or the kit's data folder)")
    led_sub = led.add_subparsers(dest="action", required=True, parser_class=_Parser)
    lv = led_sub.add_parser("verify", help="check the chain, checkpoints, anchors and the file (exit 0 ok, 1 not ok, 2 error)")
    lv.add_argument("--public-key", help="hex of the Ed25519 public key every checkpoint must be signed with")
    lv.add_argument("--anchor", action="append", default=[], metavar="SEQ:HASH",
                    help="an anchor kept elsewhere (from `kit ledger anchor`); repeatable")
    ls = led_sub.add_parser("show", help="print the last entries")
    ls.add_argument("--type", help="only entries of this type")
    ls.add_argument("--last", type=_sample_size, default=20, help="how many (default 20)")
    le = led_sub.add_parser("export", help="write the entries as CSV (UTF-8 with BOM) or print-ready HTML")
    le.add_argument("path", type=Path, help="a .csv or .html file")
    led_sub.add_parser("anchor", help="print the latest entry's SEQ:HASH, to keep somewhere else")
    pr = sub.add_parser("present", help="serve a module to participants with Voilà, code hidden (Ctrl-C stops)")
    pr.add_argument("notebook", type=Path, metavar="NOTEBOOK", help="a module notebook, e.g. notebooks/01_inventory.ipynb")
    pr.add_argument("--port", type=_present_port, default=8866, help="port to serve on (default 8866)")
    pr.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the URL")
    pr.add_argument("--lang", choices=("zh-CN", "en"), help="language of the kit's texts (default: KIT_LANG, else zh-CN)")
    pr.add_argument("--lan", action="store_true", help="listen on every interface (0.0.0.0) for a workshop "
                                                       "network, not only 127.0.0.1; prints a warning")
    from .capstone.cli import add_parser as capstone_parser
    from .hub_cli import add_parser as hub_parser
    capstone_parser(sub)
    hub_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"dataset": _dataset, "watermark": _watermark, "certificate": _certificate,
                "progress": _progress, "bank": _bank, "learner": _learner, "scan": _scan,
                "ledger": _ledger, "exercise": _exercise, "present": _present,
                "capstone": _capstone, "hub": _hub}[args.command](args)
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


def _certificate(args) -> int:
    return {"issue": _certificate_issue, "verify": _certificate_verify}[args.action](args)


def _open_store(args):
    """The existing progress store at --store (or the default); None after a one-line error."""
    import sqlalchemy as sa

    from .learn.store import ProgressStore, StoreError, default_url

    url = args.store or default_url()
    try:
        parsed = sa.engine.make_url(url)
        database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    except sa.exc.ArgumentError:
        print(f"kit certificate {args.action}: error: not a database URL: {url!r}", file=sys.stderr)
        return None
    if database and database != ":memory:" and not database.startswith("file:") \
            and not Path(database).expanduser().is_file():
        print(f"kit certificate {args.action}: error: no progress store at {database}", file=sys.stderr)
        return None
    try:
        return ProgressStore(url)
    except (StoreError, OSError) as exc:
        print(f"kit certificate {args.action}: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return None


def _certificate_issue(args) -> int:
    from .learn import certificate
    from .learn.paths import data_dir
    from .learn.store import StoreError

    store = _open_store(args)
    if store is None:
        return 2
    try:
        cert = certificate.issue(store, args.learner, "course" if args.course else f"module:{args.module}")
    except certificate.CertificateError as exc:
        print(f"kit certificate issue: {exc}", file=sys.stderr)
        return 1
    except StoreError as exc:
        print(f"kit certificate issue: error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    path = args.out or certificate.default_path(cert, data_dir() / "certificates")
    try:
        certificate.save_html(cert, path)
    except OSError as exc:
        print(f"kit certificate issue: error: {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{cert.code}  {path}")
    return 0


def _certificate_verify(args) -> int:
    from .learn import certificate

    html = None
    if args.file is not None:
        try:
            html = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"kit certificate verify: error: {args.file}: {getattr(exc, 'strerror', None) or exc}",
                  file=sys.stderr)
            return 2
    store = _open_store(args)
    if store is None:
        return 2
    try:
        result = certificate.verify(store, args.code, html)
    finally:
        store.close()
    if not result.ok:
        print(f"INVALID {result.code or args.code.strip()}: {result.reason}")
        return 1
    p = result.payload
    overall = "—" if p["overall_score"] is None else f"{p['overall_score']:.0%}"
    print(f"VALID {result.code}: {p['learner']}, {p['scope']}, overall {overall}, "
          f"issued {certificate.local_date(p['issued_at'])} (Asia/Shanghai)")
    return 0


def _progress(args) -> int:
    return {"export": _progress_export, "import": _progress_import, "where": _progress_where}[args.action](args)


def _progress_store(args, must_exist: bool):
    """The progress store at --store (or the default); None after a one-line error."""
    import sqlalchemy as sa

    from .learn.store import ProgressStore, StoreError, default_url

    url = getattr(args, "store", None) or default_url()
    try:
        parsed = sa.engine.make_url(url)
        database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    except (sa.exc.ArgumentError, ValueError):
        database = None   # ProgressStore says what is wrong with it
    if must_exist and database and database != ":memory:" and not Path(database).expanduser().is_file():
        print(f"kit progress {args.action}: error: no progress store at {database}", file=sys.stderr)
        return None
    try:
        return ProgressStore(url)
    except StoreError as exc:
        print(f"kit progress {args.action}: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return None


def _progress_export(args) -> int:
    from .learn.store import StoreError
    from .learn.transfer import TransferError, export_progress

    store = _progress_store(args, must_exist=True)
    if store is None:
        return 2
    try:
        report = export_progress(store, args.out, learner=args.learner)
    except (TransferError, StoreError) as exc:
        print(f"kit progress export: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    finally:
        store.close()
    counts = report.by_table
    print(f"wrote {report.rows} rows to {report.path} ({counts['attempts']} answers, "
          f"{counts['completions']} completions, {counts['certificates']} certificates)")
    return 0


def _progress_import(args) -> int:
    from .learn.store import StoreError
    from .learn.transfer import TransferError, import_progress

    store = _progress_store(args, must_exist=False)
    if store is None:
        return 2
    refused = 0
    try:
        for path in args.files:
            try:
                report = import_progress(store, path)
            except (TransferError, StoreError) as exc:
                print(f"kit progress import: error: {str(exc).splitlines()[0]}", file=sys.stderr)
                refused += 1
                continue
            print(f"{path}: added {report.added}, skipped {report.skipped_duplicates} already in the store")
    finally:
        store.close()
    return 2 if refused else 0


def _progress_where(args) -> int:
    from .learn.store import default_url, hide_password

    print(hide_password(default_url()))
    return 0


def _bank(args) -> int:
    from .learn.bank import BankError, read_bank, seal_file

    status = 0
    for path in args.files:
        try:
            if args.action == "seal":
                print(f"{path}: sealed {seal_file(path)} answer(s)")
            else:
                bank = read_bank(path)
                kinds = ", ".join(sorted({q.kind for q in bank}))
                print(f"{path}: module {bank.module}, {len(bank)} question(s) ({kinds}), answers sealed, both languages")
        except (BankError, OSError) as exc:
            print(f"kit bank {args.action}: error: {exc}", file=sys.stderr)
            status = 2
    return status


def _learner(args) -> int:
    import os

    from .learn.learner import ENV, current, set_learner

    if args.action == "set":
        try:
            name = set_learner(args.name)
        except (ValueError, OSError) as exc:
            print(f"kit learner set: error: {exc}", file=sys.stderr)
            return 2
        print(f"saved: {name}")
        if os.environ.get(ENV, "").strip():
            print(f"note: {ENV} is set and wins over the saved name", file=sys.stderr)
        return 0
    source = ENV if os.environ.get(ENV, "").strip() else "saved name or system user"
    print(f"{current()}  ({source})")
    return 0


def _scan(args) -> int:
    from .classify.policy import PolicyError, load_policy
    from .classify.report import scan_exports, tier_counts, write_report

    try:
        policy = load_policy(args.policy)
    except PolicyError as exc:
        print(f"kit scan: error: {exc}", file=sys.stderr)
        return 2

    def table_line(info, part):
        counts = ", ".join(f"{tier} {n}" for tier, n in tier_counts(part).items() if n)
        name = info["path"] + (f" [{info['sheet']}]" if info["sheet"] and len(info["sheets"]) > 1 else "")
        print(f"{name}: {info['encoding']}, {info['rows']} rows, {info['columns']} columns; "
              f"{counts or 'no columns'}; Art. 28: {int(part['art28'].sum())}", flush=True)

    def problem_line(message):
        print(f"kit scan: {message}", file=sys.stderr, flush=True)

    result = scan_exports(args.paths, sample=args.sample, policy=policy, on_table=table_line, on_problem=problem_line)
    if not result.files and len(result.missing) == result.refused:
        print("kit scan: error: nothing to scan", file=sys.stderr)
        return 2
    totals = ", ".join(f"{tier} {n}" for tier, n in tier_counts(result.inventory).items())
    read = len({info["path"] for info in result.files})
    print(f"total: {read} file(s) read, {result.refused} refused; {len(result.inventory)} columns: {totals}")
    try:
        write_report(args.report, result)
    except OSError as exc:
        print(f"kit scan: error: {args.report}: cannot write the report: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"report: {args.report}")
    return 1 if result.refused else 0



def _ledger(args) -> int:
    from .ledger import Ledger, LedgerError

    where = f"kit ledger {args.action}"
    try:
        if args.url is None:
            from .ledger.ledger import default_url

            url = default_url()
        else:
            url = args.url
        database = url.split("///", 1)[1] if url.startswith("sqlite:///") else None
        if database and not Path(database).expanduser().is_file():
            print(f"{where}: error: no ledger at {database}", file=sys.stderr)
            return 2
        with Ledger(url) as ledger:
            if args.action == "verify":
                anchors = []
                for text in args.anchor:
                    seq, _, digest = text.partition(":")
                    if not seq.isdigit() or len(digest) != 64:
                        print(f"{where}: error: --anchor must be SEQ:HASH (64 hex digits), got {text!r}", file=sys.stderr)
                        return 2
                    anchors.append((int(seq), digest))
                key = None
                if args.public_key:
                    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
                    try:
                        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(args.public_key))
                    except ValueError:
                        print(f"{where}: error: --public-key is not 64 hex digits of an Ed25519 key", file=sys.stderr)
                        return 2
                result = ledger.verify(key, anchors=anchors)
                print(result)
                return 0 if result.ok else 1
            if args.action == "anchor":
                mark = ledger.anchor()
                print(f"{mark['seq']}:{mark['hash']}")
                return 0
            if args.action == "export":
                suffix = args.path.suffix.lower()
                if suffix not in (".csv", ".html", ".htm"):
                    print(f"{where}: error: {args.path}: use a .csv or .html file name", file=sys.stderr)
                    return 2
                out = ledger.export_csv(args.path) if suffix == ".csv" else ledger.export_html(args.path)
                print(f"wrote {len(ledger)} entries to {out}")
                return 0
            shown = ledger.entries(args.type)[-args.last:]
            for e in shown:
                print(f"{e.seq:>6}  {e.time}  {e.type:<12} {e.actor:<16} {len(e.subjects):>4} subjects  "
                      f"{json.dumps(e.details, ensure_ascii=False)[:80]}")
            return 0
    except (LedgerError, OSError) as exc:
        print(f"{where}: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2



def _exercise(args) -> int:
    from .drills.cli import join_command, play_command, validate_command

    if args.action == "validate":
        return validate_command(args.paths)
    if args.action == "join":
        return join_command(args.run, args.role, args.store, port=args.port, lan=args.lan, lang=args.lang,
                            open_browser=not args.no_browser)
    return play_command(args.path, args.seed, args.script, out=args.out)


def _capstone(args) -> int:
    from .capstone.cli import run

    return run(args)


def _hub(args) -> int:
    from .hub_cli import run

    return run(args)


def _present_port(text: str) -> int:
    from .present import parse_port       # imported only when `kit present` is used

    return parse_port(text)


def _present(args) -> int:
    from .present import PresentError, serve

    try:
        return serve(args.notebook, port=args.port, lan=args.lan, lang=args.lang, open_browser=not args.no_browser)
    except PresentError as exc:
        print(f"kit present: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
