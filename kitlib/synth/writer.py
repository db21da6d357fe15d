"""Write a case to a folder atomically: every table, the ground truth, a data card and a manifest.

Files are written into a temporary sibling folder and renamed into place at the end, so an
interrupted or failed write leaves nothing half-made behind.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from . import TABLES, Case

FORMATS = ("csv", "parquet")
MANIFEST = "manifest.json"


class OutputError(Exception):
    """The output folder cannot be used; the message names it and says why."""


def check_output(out: Path, force: bool = False) -> None:
    """Fail early, before generating anything, if `out` cannot receive a dataset."""
    out = Path(out)
    parent = out.resolve().parent
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not (force or (out / MANIFEST).exists()):
        raise OutputError(f"{out}: folder is not empty and holds no kit dataset (use --force to replace it)")
    if not parent.exists():
        raise OutputError(f"{parent}: parent folder does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{parent}: not writable")


def _write_table(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", date_format=None)
    else:
        frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def write_case(case: Case, out: Path, fmt: str = "csv", force: bool = False) -> list[Path]:
    """Write every table, catalogue.csv, ticket_spans, retention_rules, README.md and manifest.json."""
    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}: choose csv or parquet")
    out = Path(out)
    check_output(out, force)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.resolve().parent))
    try:
        files = {}
        for name in TABLES:
            files[name] = f"{name}.{fmt}"
            _write_table(case.tables[name], tmp / files[name], fmt)
        for name, frame in (("catalogue", case.catalogue), ("ticket_spans", case.ticket_spans),
                            ("retention_rules", case.retention_rules)):
            files[name] = f"{name}.{fmt}"
            _write_table(frame, tmp / files[name], fmt)
        (tmp / "README.md").write_text(data_card(case, fmt), encoding="utf-8")
        digests = {f: hashlib.sha256((tmp / f).read_bytes()).hexdigest() for f in sorted(files.values()) + ["README.md"]}
        manifest = {"generator": "kitlib.synth", **case.params, "format": fmt, "synthetic": True, "files": digests}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(out.iterdir())


def _swap_into_place(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def data_card(case: Case, fmt: str) -> str:
    """The dataset's README.md, rendered from the kit's Jinja2 template."""
    env = jinja2.Environment(loader=jinja2.FunctionLoader(
        lambda name: resources.files("kitlib").joinpath("templates", name).read_text(encoding="utf-8")),
        keep_trailing_newline=True, autoescape=False)
    cat = case.catalogue
    return env.get_template("datacard.md.j2").render(
        p=case.params, fmt=fmt, company=case.company,
        sizes=[(name, len(frame), frame.shape[1]) for name, frame in case.tables.items()],
        timeline=case.tables["timeline"], spans=len(case.ticket_spans),
        art28=cat[(cat["table"] == "customers") & cat["art28"]]["column"].tolist(),
    )
