"""An append-only file of records, each framed so a torn or corrupt tail is found and dropped.

A record is ``length (4 bytes) · CRC-32 (4 bytes) · JSON``. Appends go straight
to the file (one ``write`` on an ``O_APPEND`` descriptor); ``sync`` makes
everything appended so far durable with one ``fsync``, shared by every thread
waiting on it (group commit): when several requests finish together, one
``fsync`` covers them all.

Reading stops at the first record that is short or fails its checksum, and
reports how many bytes were good, so the caller can cut the file there: a
crash in the middle of an append leaves the file as it was before that append.
"""

from __future__ import annotations

import json
import os
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_HEADER = struct.Struct(">II")  # length, CRC-32 of the payload
MAX_RECORD = 64 * 1024 * 1024  # a length past this is a torn header, not a record


def frame(record: dict[str, Any]) -> bytes:
    payload = json.dumps(record, separators=(",", ":"), ensure_ascii=False, default=str).encode()
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read(path: Path) -> tuple[list[dict[str, Any]], int, int]:
    """The file's whole records, the byte length they take, and the file's length (more means a torn tail)."""
    return parse(path.read_bytes() if path.exists() else b"")


def parse(data: bytes) -> tuple[list[dict[str, Any]], int, int]:
    """The whole records at the start of ``data``, the bytes they take, and the length of ``data``."""
    records: list[dict[str, Any]] = []
    offset = 0
    while offset + _HEADER.size <= len(data):
        length, checksum = _HEADER.unpack_from(data, offset)
        start, end = offset + _HEADER.size, offset + _HEADER.size + length
        if length > MAX_RECORD or end > len(data) or zlib.crc32(data[start:end]) != checksum:
            break
        try:
            records.append(json.loads(data[start:end]))
        except ValueError:
            break
        offset = end
    return records, offset, len(data)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in the directory durable (the entry itself, not only the file's data)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_whole(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Write a file of records so that it is either all there or not there: a temporary file, fsync, rename."""
    temporary = path.with_name(path.name + ".partial")
    with open(temporary, "wb") as handle:
        for record in records:
            handle.write(frame(record))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_directory(path.parent)


class Journal:
    """Appends records to one file; ``sync`` returns once everything appended before it is on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        records, good, size = read(path)
        if good < size:  # a torn tail from a crash: cut it off before appending after it
            with open(path, "r+b") as handle:
                handle.truncate(good)
                os.fsync(handle.fileno())
        self.recovered = records
        self.dropped_bytes = size - good
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fsync_directory(path.parent)
        self._append_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._written = good  # bytes appended (in the file, maybe not yet on disk)
        self._synced = good  # bytes known to be on disk
        self.appends = 0
        self.syncs = 0

    def append(self, record: dict[str, Any]) -> int:
        """Append one record (atomically: it is read back whole or not at all); the offset it ends at."""
        data = frame(record)
        with self._append_lock:
            os.write(self._fd, data)
            self._written += len(data)
            self.appends += 1
            return self._written

    @contextmanager
    def holding(self) -> Iterator[None]:
        """No append happens while the block runs (a backup notes where the journal ends)."""
        with self._append_lock:
            yield

    @property
    def written(self) -> int:
        return self._written

    def pending(self) -> bool:
        return self._synced < self._written

    def sync(self, upto: int | None = None) -> None:
        """Durable up to ``upto`` (default: all appended so far); one fsync serves every thread waiting."""
        target = self._written if upto is None else upto
        if self._synced >= target:
            return
        with self._sync_lock:
            if self._synced >= target:  # another thread's fsync covered it while this one waited
                return
            reached = self._written
            os.fsync(self._fd)
            self.syncs += 1
            self._synced = max(self._synced, reached)

    def close(self) -> None:
        if self._fd >= 0:
            self.sync()
            os.close(self._fd)
            self._fd = -1
