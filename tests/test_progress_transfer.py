"""Progress files: a learner's export merges into the trainer's store (SQLite or PostgreSQL),
re-importing adds nothing, a damaged file is refused by name and line before anything is
written, and the `kit progress` command's exit codes."""
from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from kitlib.cli import main
from kitlib.learn.store import TABLES, ProgressStore, learners
from kitlib.learn.transfer import TransferError, export_progress, import_progress, read_progress

ZHANG = "张三 Zhang San"
LI = "李四 Li Si"


def _raw(store: ProgressStore) -> dict[str, list[dict]]:
    """Every row of every table (learners too), sorted, exactly as stored."""
    out = {}
    with store.engine.connect() as conn:
        for name, table in {**TABLES, "learners": learners}.items():
            key = table.primary_key.columns.values()[0]
            out[name] = [dict(r) for r in conn.execute(sa.select(table).order_by(key)).mappings()]
    return out


def _fill(store: ProgressStore) -> None:
    store.record_attempt(ZHANG, "00", "q1", {"选项": ["A", "C"], "理由": "单独同意"}, False, score=0.5, seconds=12.5,
                         started_at="2025-03-01T08:00:00.000000Z")
    store.record_attempt(ZHANG, "00", "q1", {"选项": ["A"]}, True, seconds=3)
    store.record_attempt(ZHANG, "00", "q2", "个人信息处理者", True)
    store.record_completion(ZHANG, "00", score=0.75, seconds=900)
    store.save_certificate("KIT-TEST-0000-0000-0", ZHANG, "module:00",
                           json.dumps({"learner": ZHANG, "scope": "module:00"}, ensure_ascii=False),
                           "2025-03-01T09:00:00.000000Z")
    store.record_attempt(LI, "00", "q1", None, False)
    store.record_completion(LI, "00")


@pytest.fixture
def learner_store(tmp_path):
    store = ProgressStore(f"sqlite:///{tmp_path}/learner.sqlite")
    _fill(store)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def trainer_store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/trainer.sqlite"
    else:
        url = request.getfixturevalue("pg_url")
    store = ProgressStore(url)
    yield store
    store.close()


@pytest.fixture
def exported(learner_store, tmp_path) -> Path:
    path = tmp_path / "张三-progress.jsonl"
    export_progress(learner_store, path)
    return path


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


# -- a good file -----------------------------------------------------------------------------------

def test_learner_export_merges_into_the_trainer_store_with_every_field_intact(learner_store, trainer_store,
                                                                             exported):
    report = import_progress(trainer_store, exported)
    assert (report.added, report.skipped_duplicates) == (7, 0)
    assert report.by_table == {"attempts": {"added": 4, "skipped": 0}, "completions": {"added": 2, "skipped": 0},
                               "certificates": {"added": 1, "skipped": 0}}
    mine, theirs = _raw(learner_store), _raw(trainer_store)
    for table in TABLES:
        assert theirs[table] == mine[table], table
    assert [r["learner"] for r in theirs["learners"]] == sorted([ZHANG, LI])
    assert trainer_store.attempts(learner=ZHANG)["answer"].tolist()[0] == {"选项": ["A", "C"], "理由": "单独同意"}


def test_importing_the_same_file_twice_adds_nothing(trainer_store, exported):
    import_progress(trainer_store, exported)
    before = _raw(trainer_store)
    again = import_progress(trainer_store, exported)
    assert (again.added, again.skipped_duplicates) == (0, 7)
    assert again.by_table["attempts"] == {"added": 0, "skipped": 4}
    assert _raw(trainer_store) == before


def test_two_learners_files_merge_and_overlap_counts_as_skipped(tmp_path, trainer_store):
    one = ProgressStore(f"sqlite:///{tmp_path}/one.sqlite")
    one.record_attempt(ZHANG, "00", "q1", "A", True)
    export_progress(one, tmp_path / "one.jsonl")
    one.record_attempt(ZHANG, "00", "q1", "B", True)    # later export of the same learner: one new row
    export_progress(one, tmp_path / "one-later.jsonl")
    two = ProgressStore(f"sqlite:///{tmp_path}/two.sqlite")
    two.record_attempt(LI, "00", "q1", "C", False)
    export_progress(two, tmp_path / "two.jsonl")
    reports = [import_progress(trainer_store, tmp_path / n) for n in ("one.jsonl", "two.jsonl", "one-later.jsonl")]
    assert [(r.added, r.skipped_duplicates) for r in reports] == [(1, 0), (1, 0), (1, 1)]
    assert trainer_store.learners() == sorted([ZHANG, LI])
    assert sorted(trainer_store.attempts(learner=ZHANG)["attempt"]) == [1, 2]
    one.close()
    two.close()


def test_export_for_one_learner_holds_only_that_learners_rows(learner_store, tmp_path):
    path = tmp_path / "li.jsonl"
    report = export_progress(learner_store, path, learner=f" {LI} ")
    assert (report.rows, report.by_table) == (2, {"attempts": 1, "completions": 1, "certificates": 0})
    header, rows = read_progress(path)
    assert header["learner"] == LI
    assert {r["learner"] for t in rows.values() for r in t} == {LI}
    with pytest.raises(TransferError, match="no progress for learner 'nobody'"):
        export_progress(learner_store, tmp_path / "nobody.jsonl", learner="nobody")
    assert not (tmp_path / "nobody.jsonl").exists()


def test_export_file_has_header_rows_and_a_checksummed_end_line(learner_store, exported):
    lines = _lines(exported)
    header, *rows, end = [json.loads(line) for line in lines]
    assert header["format"] == "kit-progress" and header["version"] == 1 and header["learner"] is None
    assert header["source"] == learner_store.safe_url and header["exported_at"].endswith("Z")
    assert [r["table"] for r in rows] == ["attempts"] * 4 + ["completions"] * 2 + ["certificates"]
    assert isinstance(rows[0]["row"]["answer"], str)                       # JSON text, as stored
    assert json.loads(rows[0]["row"]["answer"]) == {"选项": ["A", "C"], "理由": "单独同意"}
    assert "单独同意".encode() in lines[1]                                  # UTF-8, not \\u escapes
    assert end == {"end": True, "rows": 7, "sha256": hashlib.sha256(b"".join(lines[:-1])).hexdigest()}
    assert [p.name for p in exported.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_export_source_hides_the_password(trainer_store, exported, tmp_path):
    import_progress(trainer_store, exported)
    out = tmp_path / "all.jsonl"
    export_progress(trainer_store, out)
    header = json.loads(_lines(out)[0])
    assert header["source"] == trainer_store.safe_url
    if trainer_store.dialect == "postgresql":
        assert ":***@" in header["source"]


def test_gz_export_is_compressed_and_imports_even_when_renamed(learner_store, trainer_store, tmp_path):
    path = tmp_path / "progress.jsonl.gz"
    export_progress(learner_store, path)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert json.loads(gzip.decompress(path.read_bytes()).splitlines()[0])["format"] == "kit-progress"
    renamed = path.rename(tmp_path / "progress.jsonl")
    assert import_progress(trainer_store, renamed).added == 7


def test_failed_export_leaves_the_old_file_and_no_temporary_file(learner_store, tmp_path, monkeypatch):
    from kitlib.learn import transfer

    path = tmp_path / "out.jsonl"
    path.write_text("the previous export\n")
    real, calls = transfer._line, []

    def failing(obj):
        calls.append(obj)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real(obj)

    monkeypatch.setattr(transfer, "_line", failing)
    with pytest.raises(TransferError, match="out.jsonl: cannot write: No space left on device"):
        export_progress(learner_store, path)
    assert path.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if "out.jsonl" in p.name] == ["out.jsonl"]


# -- a damaged file ----------------------------------------------------------------------------------

def _edit_row(lines, index, change):
    obj = json.loads(lines[index])
    change(obj)
    lines[index] = (json.dumps(obj, ensure_ascii=False) + "\n").encode()
    return lines


def _set(key, value):
    def change(obj):
        obj["row"][key] = value
    return change


LAST_ROW = -2   # the certificate row, just above the end line: every other row before it is fine
CORRUPTIONS = {
    # id: (edit the file's lines, which line the message names (negative: from the end), words in it)
    "bad-json": (lambda ls: ls[:LAST_ROW] + [b'{"table": "certificates", "row": {\n'] + ls[-1:], -2, "not valid JSON"),
    "not-utf8": (lambda ls: ls[:LAST_ROW] + [b'{"table": "\xff"}\n'] + ls[-1:], -2, "not UTF-8"),
    "unknown-table": (lambda ls: _edit_row(ls, LAST_ROW, lambda o: o.update(table="answers")), -2,
                      "field 'table' is 'answers'"),
    "missing-field": (lambda ls: _edit_row(ls, 4, lambda o: o["row"].pop("score")), 5,
                      "attempts row has no field 'score'"),
    "wrong-type-bool": (lambda ls: _edit_row(ls, 4, _set("correct", "yes")), 5,
                        "attempts field 'correct' must be true or false"),
    "wrong-type-int": (lambda ls: _edit_row(ls, 4, _set("attempt", "1")), 5,
                       "attempts field 'attempt' must be a whole number"),
    "wrong-type-null": (lambda ls: _edit_row(ls, LAST_ROW, _set("payload", None)), -2,
                        "certificates field 'payload' must not be null"),
    "unknown-field": (lambda ls: _edit_row(ls, 4, _set("grade", "A")), 5, "field 'grade' is not a column"),
    "score-out-of-range": (lambda ls: _edit_row(ls, 4, _set("score", 7)), 5, "field 'score'"),
    "bad-timestamp": (lambda ls: _edit_row(ls, 4, _set("answered_at", "yesterday")), 5, "field 'answered_at'"),
    "answer-not-json": (lambda ls: _edit_row(ls, 4, _set("answer", "{oops")), 5,
                        "attempts field 'answer' must be JSON text"),
    "edited-value": (lambda ls: _edit_row(ls, 1, _set("correct", True)), -1, "field 'sha256' does not match"),
    "row-removed": (lambda ls: ls[:2] + ls[3:], -1, "field 'rows' says 7 rows, the file has 6"),
    "no-end-line": (lambda ls: ls[:-1], 0, "ends without its end line"),
    "cut-mid-line": (lambda ls: ls[:3] + [ls[3][:25]], 4, "stops in the middle of this line"),
    "after-end": (lambda ls: ls + [ls[1]], -1, "more data after the end line"),
    "wrong-format": (lambda ls: [b'{"format": "csv", "version": 1}\n'] + ls[1:], 1, "field 'format'"),
    "wrong-version": (lambda ls: [ls[0].replace(b'"version":1', b'"version":2')] + ls[1:], 1,
                      "field 'version' is 2"),
    "empty-file": (lambda ls: [], 1, "the file is empty"),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_damaged_file_is_refused_naming_file_line_and_field_and_nothing_is_imported(case, exported, trainer_store):
    edit, line, words = CORRUPTIONS[case]
    lines = edit(_lines(exported))
    exported.write_bytes(b"".join(lines))
    if line <= 0:   # counted from the end; 0 = the line after the last one
        line = len(lines) + 1 + line
    with pytest.raises(TransferError) as err:
        import_progress(trainer_store, exported)
    message = str(err.value)
    assert message.startswith(f"{exported}: line {line}: "), message
    assert words in message and "\n" not in message
    assert all(rows == [] for rows in _raw(trainer_store).values())


def test_cut_off_gz_file_is_refused(learner_store, trainer_store, tmp_path):
    path = tmp_path / "p.jsonl.gz"
    export_progress(learner_store, path)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(TransferError, match=r"p\.jsonl\.gz: line \d+: the compressed file is cut off or damaged"):
        import_progress(trainer_store, path)
    assert all(rows == [] for rows in _raw(trainer_store).values())


def test_missing_file_is_a_transfer_error(trainer_store, tmp_path):
    with pytest.raises(TransferError, match="nope.jsonl: cannot read: No such file"):
        import_progress(trainer_store, tmp_path / "nope.jsonl")


def test_other_learners_row_in_a_single_learner_export_is_refused(learner_store, trainer_store, tmp_path):
    path = tmp_path / "zhang.jsonl"
    export_progress(learner_store, path, learner=ZHANG)
    lines = _edit_row(_lines(path), 1, _set("learner", LI))
    path.write_bytes(b"".join(lines))
    with pytest.raises(TransferError, match=r"line 2: field 'learner' is '李四 Li Si', but the file is"):
        import_progress(trainer_store, path)


# -- the command -------------------------------------------------------------------------------------

def test_cli_export_then_import_prints_added_and_skipped_per_file(learner_store, tmp_path, capsys):
    learner_url, trainer_url = learner_store.url, f"sqlite:///{tmp_path}/trainer.sqlite"
    out = tmp_path / "zhang.jsonl.gz"
    assert main(["progress", "export", "--out", str(out), "--learner", ZHANG, "--store", learner_url]) == 0
    assert capsys.readouterr().out == f"wrote 5 rows to {out} (3 answers, 1 completions, 1 certificates)\n"
    assert main(["progress", "export", "--out", str(tmp_path / "all.jsonl"), "--store", learner_url]) == 0
    capsys.readouterr()
    assert main(["progress", "import", str(out), str(tmp_path / "all.jsonl"), "--store", trainer_url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{out}: added 5, skipped 0 already in the store",
        f"{tmp_path / 'all.jsonl'}: added 2, skipped 5 already in the store"]
    trainer = ProgressStore(trainer_url)
    assert trainer.learners() == sorted([ZHANG, LI])
    trainer.close()


def test_cli_import_of_a_bad_file_exits_2_imports_the_good_ones_and_nothing_from_the_bad(exported, tmp_path,
                                                                                         capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(_lines(exported)[:-1]))            # no end line
    trainer_url = f"sqlite:///{tmp_path}/trainer.sqlite"
    assert main(["progress", "import", str(bad), str(exported), "--store", trainer_url]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"kit progress import: error: {bad}: line 9: the file ends without its end line " \
                           f"(cut off while copying?); nothing was imported\n"
    assert captured.out == f"{exported}: added 7, skipped 0 already in the store\n"
    lone = tmp_path / "lone.jsonl"
    lone.write_bytes(b"".join(_lines(exported)[:-1]))
    other = f"sqlite:///{tmp_path}/other.sqlite"
    assert main(["progress", "import", str(lone), "--store", other]) == 2
    store = ProgressStore(other)
    assert store.attempts().empty and store.learners() == []
    store.close()


def test_cli_errors_are_one_line_with_exit_2(tmp_path, capsys):
    missing = tmp_path / "none.sqlite"
    out = tmp_path / "x.jsonl"
    assert main(["progress", "export", "--out", str(out), "--store", f"sqlite:///{missing}"]) == 2
    assert capsys.readouterr().err == f"kit progress export: error: no progress store at {missing}\n"
    assert not missing.exists() and not out.exists()
    assert main(["progress", "import", str(tmp_path / "nope.jsonl"), "--store", f"sqlite:///{tmp_path}/t.sqlite"]) == 2
    assert "nope.jsonl: cannot read" in capsys.readouterr().err
    assert main(["progress", "import", str(out), "--store", "postgresql://kit:s3cret@h:port/kit"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kit progress import: error: KIT_PROGRESS_URL: not a database URL")
    assert err.count("\n") == 1 and "s3cret" not in err
    store = ProgressStore(f"sqlite:///{tmp_path}/l.sqlite")
    store.record_attempt(ZHANG, "00", "q1", "A", True)
    store.close()
    assert main(["progress", "export", "--out", str(out), "--learner", "nobody",
                 "--store", f"sqlite:///{tmp_path}/l.sqlite"]) == 2
    assert capsys.readouterr().err.startswith("kit progress export: error: no progress for learner 'nobody'")
    with pytest.raises(SystemExit) as exit_:
        main(["progress", "import"])
    assert exit_.value.code == 2


def test_cli_where_prints_the_store_url_with_the_password_hidden(monkeypatch, capsys):
    monkeypatch.setenv("KIT_PROGRESS_URL", "postgresql+psycopg://kit:s3cret@trainer-host/kit")
    assert main(["progress", "where"]) == 0
    assert capsys.readouterr().out == "postgresql+psycopg://kit:***@trainer-host/kit\n"
    monkeypatch.setenv("KIT_PROGRESS_URL", "sqlite:////tmp/kit/progress.sqlite")
    assert main(["progress", "where"]) == 0
    assert capsys.readouterr().out == "sqlite:////tmp/kit/progress.sqlite\n"
