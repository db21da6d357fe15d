"""Encrypted archives: many named members in one file, every byte authenticated.

Layout of an archive file (version 1)::

    header   magic "KITARCH1" | version u16 | chunk_size u32 | manifest_len u32 | archive_id 16B
             | key_check 32B | header_digest 32B                                   (98 bytes)
    manifest the manifest as canonical JSON, encrypted in chunks (stream index 0xFFFFFFFF)
    members  each member, in manifest order, encrypted in chunks (stream index 0, 1, 2 ...)

Each chunk is ``AES-256-GCM(subkey, nonce = stream index u32 | chunk index u64, plaintext,
aad = the header's fixed fields | stream index | chunk index | last-chunk flag)`` with
``subkey = HKDF-SHA256(key, salt = archive_id)``: a chunk that is changed, moved within the
archive, taken from another archive or made the last by cutting the file does not
authenticate, and the error names the member and chunk.  All lengths follow from the header and
the (authenticated) manifest, so there is no unauthenticated framing to tamper with.

``key_check`` is an HMAC of the archive id under a key derived from the key, and
``header_digest`` a plain SHA-256 of the header before it: a damaged header reads as
"damaged header", a good header with a different key as "wrong key".

Reading streams the file a chunk at a time; ``read_archive`` holds the members' plaintext once,
``extract_archive`` and ``check_archive`` hold only a chunk.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterator

from ..atomic import atomic_writer
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["ArchiveError", "generate_key", "key_id", "write_archive", "read_archive", "read_manifest",
           "check_archive", "extract_archive", "member_name", "FORMAT", "VERSION", "CHUNK_SIZE"]

FORMAT = "kitlib-archive"
VERSION = 1
MAGIC = b"KITARCH1"
CHUNK_SIZE = 1 << 20                       # 1 MiB of plaintext per chunk
MANIFEST_STREAM = 0xFFFFFFFF
_FIXED = struct.Struct(">8sHII16s")        # magic, version, chunk_size, manifest_len, archive_id
_HEADER_LEN = _FIXED.size + 32 + 32
_TAG = 16
_MAX_MANIFEST = 64 << 20


class ArchiveError(ValueError):
    """An archive that cannot be written or read; ``reason`` is one of ``not-an-archive``,
    ``version``, ``damaged-header``, ``wrong-key``, ``corrupt``, ``truncated``, ``extra-bytes``,
    ``mismatch`` (a member that does not match its manifest entry), ``bad-input``."""

    def __init__(self, message: str, reason: str = "bad-input"):
        super().__init__(message)
        self.reason = reason


def generate_key() -> bytes:
    """A fresh random AES-256 key (32 bytes)."""
    return os.urandom(32)


def key_id(key: bytes) -> str:
    """A short public name of a key (16 hex digits of an HMAC under it) for a backup register:
    it tells which key opens which archive and reveals nothing about the key."""
    return hmac.new(_check_key(key), b"kitlib.archive key id", hashlib.sha256).hexdigest()[:16]


def _check_key(key) -> bytes:
    if not isinstance(key, (bytes, bytearray)) or len(key) != 32:
        raise ArchiveError("the archive key must be 32 bytes (use generate_key())")
    return bytes(key)


def member_name(name) -> str:
    """``name`` as a safe relative POSIX path, or ArchiveError (absolute, "..", empty parts)."""
    if not isinstance(name, str) or not name:
        raise ArchiveError(f"member name {name!r} must be a non-empty string")
    if "\\" in name or "\0" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"member name {name!r} must be a relative POSIX path")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ArchiveError(f"member name {name!r} must not contain '..', '.' or empty parts")
    return str(PurePosixPath(name))


def _subkeys(key: bytes, archive_id: bytes) -> tuple[AESGCM, bytes]:
    def derive(info: bytes) -> bytes:
        return HKDF(hashes.SHA256(), 32, salt=archive_id, info=info).derive(key)

    return AESGCM(derive(b"kitlib.archive v1 chunks")), derive(b"kitlib.archive v1 key check")


def _key_check(check_key: bytes, archive_id: bytes) -> bytes:
    return hmac.new(check_key, b"kitlib.archive key check" + archive_id, hashlib.sha256).digest()


def _nonce(stream: int, chunk: int) -> bytes:
    return struct.pack(">IQ", stream, chunk)


def _aad(fixed: bytes, stream: int, chunk: int, last: bool) -> bytes:
    return fixed + struct.pack(">IQB", stream, chunk, int(last))


def _chunks(size: int, chunk_size: int) -> int:
    return max(1, -(-size // chunk_size))


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- writing ------------------------------------------------------------------------------------

def _source_view(name: str, value) -> memoryview:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return memoryview(value).cast("B")
    raise ArchiveError(f"member {name!r} must be bytes, got {type(value).__name__}")


def write_archive(dest, members: dict, key: bytes, *, kind: str = "backup", meta: dict | None = None,
                  chunk_size: int = CHUNK_SIZE) -> dict:
    """Write ``members`` (name -> bytes) encrypted under ``key`` to ``dest``, atomically.

    Returns the manifest stored in the archive: ``format, version, archive_id, kind, created,
    chunk_size, members [{name, size, sha256, chunks}], meta``.
    """
    key = _check_key(key)
    if not isinstance(kind, str) or not kind.strip():
        raise ArchiveError("archive kind must be a non-empty string such as 'backup' or 'transfer'")
    if not isinstance(chunk_size, int) or not 16 <= chunk_size <= 64 << 20:
        raise ArchiveError(f"chunk_size {chunk_size!r} must be an int from 16 bytes to 64 MiB")
    if not isinstance(members, dict):
        raise ArchiveError(f"members must be a dict of name -> bytes, got {type(members).__name__}")
    views: dict[str, memoryview] = {}
    for raw_name, value in members.items():
        name = member_name(raw_name)
        if name in views:
            raise ArchiveError(f"member name {raw_name!r} occurs twice")
        views[name] = _source_view(name, value)
    clashes = {n for n in views for p in PurePosixPath(n).parents if str(p) in views}
    if clashes:
        raise ArchiveError(f"member {sorted(clashes)[0]!r} is inside another member's path")
    order = sorted(views)
    archive_id = os.urandom(16)
    manifest = {
        "format": FORMAT, "version": VERSION, "archive_id": archive_id.hex(), "kind": kind,
        "created": _now(), "chunk_size": chunk_size,
        "members": [{"name": n, "size": len(views[n]), "sha256": hashlib.sha256(views[n]).hexdigest(),
                     "chunks": _chunks(len(views[n]), chunk_size)} for n in order],
        "meta": meta if meta is not None else {},
    }
    try:
        manifest_bytes = _canonical(manifest)
    except (TypeError, ValueError) as exc:
        raise ArchiveError(f"archive meta is not JSON-serialisable: {exc}") from None
    aead, check_key = _subkeys(key, archive_id)
    fixed = _FIXED.pack(MAGIC, VERSION, chunk_size, len(manifest_bytes), archive_id)
    head = fixed + _key_check(check_key, archive_id)
    header = head + hashlib.sha256(head).digest()

    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(dest) as out:                                  # a new archive is 0600
        out.write(header)
        _write_stream(out, aead, fixed, MANIFEST_STREAM, memoryview(manifest_bytes), chunk_size)
        for index, name in enumerate(order):
            _write_stream(out, aead, fixed, index, views[name], chunk_size)
    return manifest


def _write_stream(out: BinaryIO, aead: AESGCM, fixed: bytes, stream: int, data: memoryview,
                  chunk_size: int) -> None:
    count = _chunks(len(data), chunk_size)
    for chunk in range(count):
        piece = data[chunk * chunk_size:(chunk + 1) * chunk_size]
        out.write(aead.encrypt(_nonce(stream, chunk), piece, _aad(fixed, stream, chunk, chunk == count - 1)))


# -- reading ------------------------------------------------------------------------------------

@dataclass
class _Opened:
    path: Path
    fh: BinaryIO
    fixed: bytes
    chunk_size: int
    aead: AESGCM
    manifest: dict


def _open(path, key: bytes) -> _Opened:
    """Open ``path``, check its header and key, and decrypt its manifest (the caller closes fh)."""
    key = _check_key(key)
    path = Path(path)
    fh = open(path, "rb")          # a missing file raises FileNotFoundError, as it should
    try:
        return _open_handle(path, fh, key)
    except BaseException:
        fh.close()
        raise


def _open_handle(path: Path, fh: BinaryIO, key: bytes) -> _Opened:
    name = path.name
    header = fh.read(_HEADER_LEN)
    if not header.startswith(MAGIC):
        raise ArchiveError(f"{name}: not a kit archive (no {MAGIC.decode()} header)", "not-an-archive")
    if len(header) < _HEADER_LEN:
        raise ArchiveError(f"{name}: truncated: the file ends inside the header ({len(header)} of "
                           f"{_HEADER_LEN} bytes)", "truncated")
    fixed, check, digest = header[:_FIXED.size], header[_FIXED.size:-32], header[-32:]
    if not hmac.compare_digest(hashlib.sha256(header[:-32]).digest(), digest):
        raise ArchiveError(f"{name}: damaged header (its checksum does not match)", "damaged-header")
    _magic, version, chunk_size, manifest_len, archive_id = _FIXED.unpack(fixed)
    if version != VERSION:
        raise ArchiveError(f"{name}: archive format version {version} is not supported (this kit reads "
                           f"version {VERSION})", "version")
    if not 16 <= chunk_size <= 64 << 20 or not 0 < manifest_len <= _MAX_MANIFEST:
        raise ArchiveError(f"{name}: damaged header (impossible chunk size or manifest length)",
                           "damaged-header")
    aead, check_key = _subkeys(key, archive_id)
    if not hmac.compare_digest(_key_check(check_key, archive_id), check):
        raise ArchiveError(f"{name}: wrong key: this archive was encrypted with another key", "wrong-key")
    text = b"".join(_read_stream(fh, name, aead, fixed, chunk_size, MANIFEST_STREAM, manifest_len,
                                 "the manifest"))
    try:
        manifest = json.loads(text.decode("utf-8"))
        members = manifest["members"]
        for index, entry in enumerate(members):
            if member_name(entry["name"]) != entry["name"] or not isinstance(entry["size"], int) \
                    or entry["size"] < 0 or entry["chunks"] != _chunks(entry["size"], chunk_size):
                raise ValueError(f"entry {index}")
        if manifest["archive_id"] != archive_id.hex() or manifest["chunk_size"] != chunk_size:
            raise ValueError("header fields")
    except (ValueError, KeyError, TypeError) as exc:       # authenticated, yet not ours: refuse
        raise ArchiveError(f"{name}: the manifest authenticates but is malformed ({exc})", "corrupt") from None
    return _Opened(path, fh, fixed, chunk_size, aead, manifest)


def _read_stream(fh: BinaryIO, name: str, aead: AESGCM, fixed: bytes, chunk_size: int, stream: int,
                 size: int, what: str) -> Iterator[bytes]:
    """Yield the decrypted chunks of one stream of ``size`` plaintext bytes."""
    count = _chunks(size, chunk_size)
    for chunk in range(count):
        plain = min(chunk_size, size - chunk * chunk_size)
        data = fh.read(plain + _TAG)
        where = f"{what} chunk {chunk + 1} of {count}"
        if len(data) < plain + _TAG:
            raise ArchiveError(f"{name}: truncated: the file ends inside {where}", "truncated")
        try:
            yield aead.decrypt(_nonce(stream, chunk), data, _aad(fixed, stream, chunk, chunk == count - 1))
        except InvalidTag:
            raise ArchiveError(f"{name}: {where} fails authentication (damaged, altered, moved or from "
                               f"another archive)", "corrupt") from None


def _iter_members(opened: _Opened) -> Iterator[tuple[dict, Iterator[bytes]]]:
    """Yield ``(entry, chunks)`` per member; each member's size and SHA-256 are checked at its end."""
    name = opened.path.name
    for index, entry in enumerate(opened.manifest["members"]):
        what = f"member {entry['name']!r}"
        yield entry, _checked(_read_stream(opened.fh, name, opened.aead, opened.fixed, opened.chunk_size,
                                           index, entry["size"], what), entry, f"{name}: {what}")
    extra = len(opened.fh.read(1 << 16))
    if extra:
        more = "" if extra < 1 << 16 else " or more"
        raise ArchiveError(f"{name}: {extra}{more} unexpected bytes after the last member", "extra-bytes")


def _checked(chunks: Iterator[bytes], entry: dict, where: str) -> Iterator[bytes]:
    digest, size = hashlib.sha256(), 0
    for piece in chunks:
        digest.update(piece)
        size += len(piece)
        yield piece
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise ArchiveError(f"{where} does not match its manifest entry (size or SHA-256)", "mismatch")


def read_manifest(path, key: bytes) -> dict:
    """The archive's manifest, after checking the header, the key and the manifest's own chunks
    (the members are not read: use :func:`check_archive` for that)."""
    opened = _open(path, key)
    opened.fh.close()
    return opened.manifest


def read_archive(path, key: bytes) -> tuple[dict, dict[str, bytes]]:
    """``(manifest, members)`` of the archive at ``path``, every byte verified, or ArchiveError."""
    opened = _open(path, key)
    members: dict[str, bytes] = {}
    with opened.fh:
        for entry, chunks in _iter_members(opened):
            members[entry["name"]] = b"".join(chunks)
    return opened.manifest, members


def check_archive(path, key: bytes) -> dict:
    """Decrypt and verify everything without keeping it; the manifest, or ArchiveError."""
    opened = _open(path, key)
    with opened.fh:
        for _entry, chunks in _iter_members(opened):
            for _piece in chunks:
                pass
    return opened.manifest


def extract_archive(path, key: bytes, target_dir) -> dict:
    """Write every member under ``target_dir`` (each via a temporary sibling, renamed only once the
    member verifies); the manifest, or ArchiveError with the members before the bad one written."""
    target = Path(target_dir)
    opened = _open(path, key)
    with opened.fh:
        for entry, chunks in _iter_members(opened):
            out = target.joinpath(*entry["name"].split("/"))
            out.parent.mkdir(parents=True, exist_ok=True)
            with atomic_writer(out, fsync=False) as fh:
                for piece in chunks:
                    fh.write(piece)
    return opened.manifest
