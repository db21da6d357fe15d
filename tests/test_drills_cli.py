"""`kit exercise validate` and `kit exercise play` on the fixture packages."""
from __future__ import annotations

import json
from pathlib import Path

from kitlib.cli import main

DRILLS = Path(__file__).parent / "data" / "drills"


def test_validate_passes_a_good_package_and_names_file_line_and_field_of_a_broken_one(capsys):
    assert main(["exercise", "validate", str(DRILLS / "crm-mini")]) == 0
    assert main(["exercise", "validate", str(DRILLS / "broken" / "bad-role")]) == 1
    out = capsys.readouterr().out
    assert "exercise.yaml:33: injects[1].recipients[0]: unknown role 'it-lead'" in out


def test_validate_of_a_missing_path_is_exit_2(tmp_path, capsys):
    assert main(["exercise", "validate", str(tmp_path / "nowhere")]) == 2


def test_play_writes_a_run_record_whose_score_matches_its_events(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["exercise", "play", str(DRILLS / "crm-mini"), "--seed", "3", "--out", str(out)]) == 0
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["format"] == "kitlib.drills run v1" and record["events"][-1]["kind"] == "end"
    points = sum(e.get("points", 0) for e in record["events"] if e["kind"] in ("decision", "task") and
                 (e["kind"] == "decision" or e.get("correct")))
    points += sum(c["awarded"] for c in record["criteria"])
    assert record["score"]["awarded"] == points


def test_validate_finds_dispute_packages_in_a_folder(capsys):
    root = Path(__file__).parent.parent / "exercises"
    assert main(["exercise", "validate", str(root / "dispute-sold-my-data")]) == 0
    assert main(["exercise", "validate", str(root)]) == 0
    out = capsys.readouterr().out
    assert "ok " + str(root / "dispute-court-presumed-fault") in out
    assert "ok " + str(root / "crm-export-during-move") in out
