"""`kit dataset`: determinism, the committed default dataset, atomic writes and bad input."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kitlib.cli import main
from kitlib.synth import generate
from kitlib.synth.writer import write_case

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "datasets" / "default"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_and_size_give_byte_identical_files(tmp_path):
    for fmt in ("csv", "parquet"):
        assert main(["dataset", "--customers", "300", "--seed", "4", "--out", str(tmp_path / f"a{fmt}"), "--format", fmt, "--quiet"]) == 0
        assert main(["dataset", "--customers", "300", "--seed", "4", "--out", str(tmp_path / f"b{fmt}"), "--format", fmt, "--quiet"]) == 0
        assert _files(tmp_path / f"a{fmt}") == _files(tmp_path / f"b{fmt}")


def test_a_different_seed_gives_different_customers():
    a, b = generate(200, seed=1)["customers"], generate(200, seed=2)["customers"]
    assert not a["name"].equals(b["name"]) and not a["resident_id"].equals(b["resident_id"])


def test_committed_default_dataset_regenerates_byte_for_byte(tmp_path):
    manifest = json.loads((DEFAULT / "manifest.json").read_text(encoding="utf-8"))
    out = tmp_path / "default"
    assert main(["dataset", "--customers", str(manifest["customers"]), "--seed", str(manifest["seed"]),
                 "--out", str(out), "--quiet"]) == 0
    assert _files(out) == _files(DEFAULT)


def test_data_card_states_seed_size_and_that_data_is_synthetic():
    card = (DEFAULT / "README.md").read_text(encoding="utf-8")
    manifest = json.loads((DEFAULT / "manifest.json").read_text(encoding="utf-8"))
    assert "synthetic" in card and "合成" in card
    assert f"| Seed 随机种子 | {manifest['seed']} |" in card and f"| {manifest['customers']} |" in card


def test_csv_round_trips_with_utf8(tmp_path):
    case = generate(100, seed=3)
    write_case(case, tmp_path / "d")
    back = pd.read_csv(tmp_path / "d" / "customers.csv", dtype=str, encoding="utf-8")
    assert list(back["name"]) == list(case["customers"]["name"])


@pytest.mark.parametrize("args, message", [
    (["--customers", "0"], "greater than 0"),
    (["--customers", "-5"], "greater than 0"),
    (["--customers", "12.5"], "whole number"),
    (["--customers", "many"], "whole number"),
    (["--format", "xlsx"], "invalid choice"),
    (["--seed", "x"], "whole number"),
])
def test_bad_arguments_give_one_line_and_exit_2(tmp_path, args, message):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "kitlib.cli", "dataset", "--out", str(out), *args],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unwritable_or_missing_out_fails_cleanly(tmp_path, capsys):
    assert main(["dataset", "--customers", "10", "--out", str(tmp_path / "no" / "such" / "dir")]) == 2
    assert "does not exist" in capsys.readouterr().err
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert main(["dataset", "--customers", "10", "--out", str(blocker)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert blocker.read_text() == "x"


def test_a_non_empty_foreign_folder_is_not_overwritten(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["dataset", "--customers", "10", "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"


def test_a_failed_write_leaves_no_partial_files(tmp_path, monkeypatch):
    import kitlib.synth.writer as writer
    calls = {"n": 0}
    real = writer._write_table

    def failing(frame, path, fmt):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("No space left on device")
        real(frame, path, fmt)

    monkeypatch.setattr(writer, "_write_table", failing)
    assert main(["dataset", "--customers", "50", "--out", str(tmp_path / "d"), "--quiet"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_rewriting_a_dataset_replaces_it_whole(tmp_path):
    out = tmp_path / "d"
    assert main(["dataset", "--customers", "50", "--seed", "1", "--out", str(out), "--quiet"]) == 0
    assert main(["dataset", "--customers", "60", "--seed", "2", "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "manifest.json").read_text())["customers"] == 60
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_generate_rejects_bad_sizes():
    for bad in (0, -1, 2.5, "10", True):
        with pytest.raises(ValueError, match="customers"):
            generate(bad)
