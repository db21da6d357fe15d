"""Encrypted archives: round trips, and every kind of damage detected and named."""
from __future__ import annotations

import os
import stat

import pytest

from kitlib.lifecycle.archive import (ArchiveError, check_archive, extract_archive, generate_key,
                                      read_archive, read_manifest, write_archive)

CHUNK = 64
MEMBERS = {
    "customers.csv": "customer_id,name\nCM0001,张伟\n".encode("utf-8"),
    "nested/dir/blob.bin": bytes(range(256)) * 3,          # 768 bytes = exactly 12 chunks
    "empty.txt": b"",
    "odd.bin": b"\x00" * (CHUNK * 2 + 5),
}


@pytest.fixture
def key():
    return generate_key()


@pytest.fixture
def archive(tmp_path, key):
    path = tmp_path / "a.kar"
    write_archive(path, MEMBERS, key, kind="backup", meta={"label": "t"}, chunk_size=CHUNK)
    return path


def reason_of(path, key):
    with pytest.raises(ArchiveError) as info:
        check_archive(path, key)
    return info.value.reason, str(info.value)


def test_round_trip_returns_every_member_and_its_manifest(archive, key):
    manifest, members = read_archive(archive, key)
    assert members == MEMBERS
    assert manifest["kind"] == "backup" and manifest["meta"] == {"label": "t"}
    entries = {m["name"]: m for m in manifest["members"]}
    assert entries["nested/dir/blob.bin"]["chunks"] == 12 and entries["empty.txt"]["size"] == 0
    assert read_manifest(archive, key) == manifest == check_archive(archive, key)


def test_extract_writes_members_as_files(archive, key, tmp_path):
    extract_archive(archive, key, tmp_path / "out")
    for name, data in MEMBERS.items():
        assert (tmp_path / "out" / name).read_bytes() == data
    assert not list((tmp_path / "out").rglob(".*.tmp"))


def test_archive_file_is_private_and_holds_no_plaintext(archive):
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    raw = archive.read_bytes()
    assert b"customers.csv" not in raw and "张伟".encode() not in raw and b"CM0001" not in raw


def test_every_flipped_byte_is_detected(archive, key, tmp_path):
    raw = archive.read_bytes()
    damaged = tmp_path / "d.kar"
    seen = set()
    for i in range(len(raw)):
        data = bytearray(raw)
        data[i] ^= 0x01
        damaged.write_bytes(bytes(data))
        reason, message = reason_of(damaged, key)
        seen.add(reason)
        assert message.startswith("d.kar: ")
    assert seen == {"not-an-archive", "damaged-header", "corrupt"}


def test_flipped_member_byte_names_member_and_chunk(archive, key):
    raw = bytearray(archive.read_bytes())
    raw[-1] ^= 0x80                                       # last byte: the tag of odd.bin's last chunk
    archive.write_bytes(bytes(raw))
    reason, message = reason_of(archive, key)
    assert reason == "corrupt" and "member 'odd.bin' chunk 3 of 3" in message


def test_every_truncation_is_detected(archive, key, tmp_path):
    raw = archive.read_bytes()
    cut = tmp_path / "cut.kar"
    for n in range(0, len(raw), 7):
        cut.write_bytes(raw[:n])
        reason, _ = reason_of(cut, key)
        assert reason in {"truncated", "not-an-archive"}
    cut.write_bytes(raw[:-1])
    assert reason_of(cut, key)[0] == "truncated"


def test_appended_bytes_are_detected(archive, key):
    archive.write_bytes(archive.read_bytes() + b"more")
    assert reason_of(archive, key) == ("extra-bytes", "a.kar: 4 unexpected bytes after the last member")


def test_reordered_chunks_are_detected(tmp_path, key):
    path = tmp_path / "r.kar"
    write_archive(path, {"only.bin": b"A" * CHUNK + b"B" * CHUNK + b"C" * CHUNK}, key, chunk_size=CHUNK)
    raw = path.read_bytes()
    size = CHUNK + 16
    end = len(raw)
    first, second = raw[end - 3 * size:end - 2 * size], raw[end - 2 * size:end - size]
    path.write_bytes(raw[:end - 3 * size] + second + first + raw[end - size:])
    reason, message = reason_of(path, key)
    assert reason == "corrupt" and "member 'only.bin' chunk 1 of 3" in message


def test_chunk_from_another_archive_with_same_key_is_detected(tmp_path, key):
    one, two = tmp_path / "one.kar", tmp_path / "two.kar"
    write_archive(one, {"m.bin": b"1" * CHUNK * 2}, key, chunk_size=CHUNK)
    write_archive(two, {"m.bin": b"2" * CHUNK * 2}, key, chunk_size=CHUNK)
    a, b = one.read_bytes(), two.read_bytes()
    assert len(a) == len(b)
    size = CHUNK + 16
    one.write_bytes(a[:-size] + b[-size:])               # splice two's last chunk into one
    reason, message = reason_of(one, key)
    assert reason == "corrupt" and "member 'm.bin' chunk 2 of 2" in message


def test_wrong_key_is_reported_as_wrong_key_not_corruption(archive):
    reason, message = reason_of(archive, generate_key())
    assert reason == "wrong-key" and message == "a.kar: wrong key: this archive was encrypted with another key"


def test_missing_file_raises_file_not_found(tmp_path, key):
    with pytest.raises(FileNotFoundError):
        read_archive(tmp_path / "nope.kar", key)


@pytest.mark.parametrize("name", ["/etc/passwd", "../up.csv", "a/../b", "a//b", "./a", "C:/x", "a\\b", ""])
def test_unsafe_member_names_are_refused(tmp_path, key, name):
    with pytest.raises(ArchiveError, match="member name"):
        write_archive(tmp_path / "x.kar", {name: b"x"}, key)
    assert not (tmp_path / "x.kar").exists()


def test_bad_input_is_refused_with_one_line(tmp_path, key):
    with pytest.raises(ArchiveError, match="32 bytes"):
        write_archive(tmp_path / "x.kar", {"a": b"x"}, b"short")
    with pytest.raises(ArchiveError, match="must be bytes"):
        write_archive(tmp_path / "x.kar", {"a": "text"}, key)
    with pytest.raises(ArchiveError, match="inside another member"):
        write_archive(tmp_path / "x.kar", {"a": b"1", "a/b": b"2"}, key)
    with pytest.raises(ArchiveError, match="JSON"):
        write_archive(tmp_path / "x.kar", {"a": b"1"}, key, meta={"when": object()})


def test_failed_write_keeps_the_old_archive_and_leaves_no_temporary(archive, key, monkeypatch):
    before = archive.read_bytes()

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        write_archive(archive, {"new.csv": b"1"}, key)
    monkeypatch.undo()
    assert archive.read_bytes() == before
    assert [p.name for p in archive.parent.iterdir()] == ["a.kar"]


def test_two_archives_of_the_same_members_differ(tmp_path, key):
    m1 = write_archive(tmp_path / "1.kar", MEMBERS, key)
    m2 = write_archive(tmp_path / "2.kar", MEMBERS, key)
    assert m1["archive_id"] != m2["archive_id"]
    assert (tmp_path / "1.kar").read_bytes()[200:] != (tmp_path / "2.kar").read_bytes()[200:]
