"""Module 04's exercises: computed from real migrations and backups, deterministic for a seed."""
from __future__ import annotations

import pytest

from kitlib.lifecycle.drills04 import BACKUP_VERDICTS, MIGRATION_VERDICTS, backup_check, migration_check
from kitlib.synth import generate


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=300, seed=3)


@pytest.fixture(scope="module")
def migration(small_case, tmp_path_factory):
    return migration_check(small_case, tmp_path_factory.mktemp("m"), seed=4, lang="en")


@pytest.fixture(scope="module")
def backups(small_case, tmp_path_factory):
    return backup_check(small_case, tmp_path_factory.mktemp("b"), seed=4, lang="en")


def test_migration_verdicts_found_by_verification_are_the_planted_faults(migration):
    planted = dict(zip(migration.planted["table"], migration.planted["fault"]))
    assert migration.answers == planted
    assert set(migration.answers.values()) == {v[0] for v in MIGRATION_VERDICTS}


def test_migration_exercise_marks_the_verified_answers_right(migration):
    assert migration.exercise.score(migration.answers, "en").correct
    wrong = {key: ("ok" if verdict != "ok" else "rows-missing") for key, verdict in migration.answers.items()}
    result = migration.exercise.score(wrong, "en")
    assert result.score == 0
    missing = next(k for k, v in migration.answers.items() if v == "rows-missing")
    why = result.rows.set_index("key").loc[missing, "explanation"]
    assert why.startswith("Expected: rows missing.") and "row counts differ" in why


def test_migration_details_show_evidence_not_the_verdict(migration):
    details = dict(zip(migration.exercise.rows["key"], migration.exercise.rows["detail"]))
    changed = migration.planted.set_index("table")
    table = next(k for k, v in migration.answers.items() if v == "values-changed")
    assert f"columns whose fingerprint differs: {changed.loc[table, 'column']}" in details[table]
    assert not any(label in text for text in details.values() for _, _, label in MIGRATION_VERDICTS[1:])


def test_migration_check_is_deterministic_for_a_seed(small_case, migration, tmp_path):
    again = migration_check(small_case, tmp_path, seed=4, lang="en")
    assert again.answers == migration.answers
    assert again.exercise.rows.equals(migration.exercise.rows)
    others = [migration_check(small_case, tmp_path, seed=s, lang="zh-CN").answers for s in (5, 6)]
    assert any(o != migration.answers for o in others)


def test_backup_verdicts_come_from_verify_backup(backups):
    assert set(backups.answers.values()) == {v[0] for v in BACKUP_VERDICTS}
    for key, verdict in backups.answers.items():
        check = backups.checks[key]
        assert check.ok == (verdict == "ok")
        assert (check.reason or "ok") in {"ok": {"ok"}, "corrupt": {"corrupt", "damaged-header"},
                                          "truncated": {"truncated"}, "wrong-key": {"wrong-key"}}[verdict]


def test_backup_details_compare_each_file_with_its_register_entry(backups):
    details = dict(zip(backups.exercise.rows["key"], backups.exercise.rows["detail"]))
    for key, verdict in backups.answers.items():
        size = backups.archives[key].stat().st_size
        registered = backups.register[key]["archive_bytes"]
        assert (size < registered) == (verdict == "truncated")
        assert ("SHA-256 matches" in details[key]) == (verdict in ("ok", "wrong-key"))
    assert backups.exercise.score(backups.answers, "zh-CN").correct
    wrong_key = next(k for k, v in backups.answers.items() if v == "wrong-key")
    why = backups.exercise.score({wrong_key: "ok"}, "zh-CN").rows.set_index("key").loc[wrong_key, "explanation"]
    assert why.startswith("应为:用另一把密钥加密") and "wrong key" in why


def test_backup_check_is_deterministic_for_a_seed(small_case, backups, tmp_path):
    again = backup_check(small_case, tmp_path, seed=4, lang="en")
    assert again.answers == backups.answers and again.exercise.rows.equals(backups.exercise.rows)
