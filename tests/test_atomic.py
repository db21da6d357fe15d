"""write_text_atomic: old or new, never half; new files private; replaced files keep their mode."""
import os
import stat

import pytest

from kitlib.atomic import write_text_atomic


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_is_written_whole_and_private(tmp_path):
    path = write_text_atomic(tmp_path / "sub" / "a.html", "中文 text")
    assert path.read_text("utf-8") == "中文 text"
    assert mode(path) == 0o600


def test_replacing_keeps_the_files_mode(tmp_path):
    path = tmp_path / "bank.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_text_atomic(path, "new")
    assert path.read_text() == "new" and mode(path) == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(path, "客户", encoding="ascii")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]
