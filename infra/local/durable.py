"""The local stack's data directory: what it keeps across a restart and a crash.

Layout of ``<data dir>/state``: ``snapshot-N.log`` is the whole state when
generation N began; ``journal-N.log`` holds every change made since, in the
order it was made. Both are files of framed records (infra.local.journal).

What is kept, as records:
- ``items``: the after-images of the DynamoDB items one write request changed
  (a transaction's items in one record, so it is applied whole or not at all);
- ``secret``: a secret's value; ``clock``: how far the desk clock was moved;
- ``execution`` / ``event`` / ``ended``: each Step Functions execution, the
  events of its history as the interpreter adds them, and how it ended.

Start-up reads the newest snapshot and the journals after it (a torn last
record is dropped), writes the result as the next generation's snapshot, and
journals from there: the journal never grows past one run's changes. The AWS
endpoint syncs the journal before it answers (infra.local.aws_endpoint), so a
write a caller was told about is on disk; a background flush covers what the
interpreter writes between requests.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local import journal

ROOT = Path(__file__).resolve().parents[2]
_GENERATION = re.compile(r"(snapshot|journal)-(\d{6})\.log$")
FLUSH_SECONDS = 0.2


def default_data_dir() -> Path:
    """COMPLAINTS_DATA_DIR, else .local in the repository (the local stack's own knob, not a function setting)."""
    return Path(os.environ.get("COMPLAINTS_DATA_DIR") or ROOT / ".local").resolve()


def data_files(data_dir: Path) -> list[str]:
    """The data directory's files besides its state (the outbox, portal secrets, the sign-in key, ...)."""
    return sorted(p.name for p in data_dir.iterdir() if p.is_file() and p.name != ".lock"
                  and not p.name.endswith(".partial"))


@dataclass
class DeskState:
    """Everything the data directory holds, as the records left it."""

    tables: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # table → key → attributes
    secrets: dict[str, str] = field(default_factory=dict)
    clock_seconds: float = 0.0
    executions: dict[str, dict[str, Any]] = field(default_factory=dict)  # arn → start, events, end

    def apply(self, record: dict[str, Any]) -> None:
        kind = record["t"]
        if kind == "items":
            for table, key, attributes in record["w"]:
                items = self.tables.setdefault(table, {})
                if attributes is None:
                    items.pop(key, None)
                else:
                    items[key] = attributes
        elif kind == "secret":
            self.secrets[record["name"]] = record["value"]
        elif kind == "clock":
            self.clock_seconds = record["seconds"]
        elif kind == "execution":
            self.executions[record["arn"]] = {"start": record, "events": [], "end": None}
        elif kind == "event":
            if record["arn"] in self.executions:
                self.executions[record["arn"]]["events"].append(record["e"])
        elif kind == "ended":
            if record["arn"] in self.executions:
                self.executions[record["arn"]]["end"] = record
        else:
            raise ValueError(f"unknown record kind {kind!r} in the data directory")

    def records(self) -> Iterator[dict[str, Any]]:
        """The state as the fewest records that rebuild it (a snapshot)."""
        for name, value in sorted(self.secrets.items()):
            yield {"t": "secret", "name": name, "value": value}
        if self.clock_seconds:
            yield {"t": "clock", "seconds": self.clock_seconds}
        for table, items in self.tables.items():
            writes = [[table, key, attributes] for key, attributes in items.items()]
            for start in range(0, len(writes), 500):
                yield {"t": "items", "w": writes[start:start + 500]}
        for arn, execution in self.executions.items():
            yield execution["start"]
            for event in execution["events"]:
                yield {"t": "event", "arn": arn, "e": event}
            if execution["end"] is not None:
                yield execution["end"]

    @property
    def empty(self) -> bool:
        return not (self.tables or self.secrets or self.executions or self.clock_seconds)


def _generations(directory: Path) -> dict[int, dict[str, Path]]:
    found: dict[int, dict[str, Path]] = {}
    for path in directory.iterdir():
        match = _GENERATION.fullmatch(path.name)
        if match:
            found.setdefault(int(match.group(2)), {})[match.group(1)] = path
    return found


def _load(directory: Path) -> tuple[DeskState, int, int]:
    """The state the files hold, the newest generation number, and the bytes of torn records dropped."""
    state = DeskState()
    generations = _generations(directory)
    snapshots = [number for number, files in generations.items() if "snapshot" in files]
    base = max(snapshots, default=0)
    if base:
        records, _, _ = journal.read(generations[base]["snapshot"])  # whole by rename: never torn
        for record in records:
            state.apply(record)
    dropped = 0
    for number in sorted(n for n, files in generations.items() if n >= base and "journal" in files):
        records, good, size = journal.read(generations[number]["journal"])
        dropped += size - good
        for record in records:
            state.apply(record)
    return state, max(generations, default=0), dropped


class DataDirInUse(RuntimeError):
    pass


_live: Store | None = None  # the store the patched backends journal to (infra.local.moto_patches: durable_state)


def live() -> Store | None:
    return _live


def attach(store: Store | None) -> None:
    """Journal every change from now on to this store (None: to none)."""
    global _live
    _live = store


class Store:
    """The data directory of one running stack: its state at start, and the journal of what changes."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.directory = data_dir / "state"
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock_file = open(data_dir / ".lock", "a+")  # noqa: SIM115 - held for the stack's life
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            raise DataDirInUse(f"{data_dir} is in use by another running local stack") from None
        try:
            self._open()
        except BaseException:  # a directory that cannot be read is not left locked
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            raise

    def _open(self) -> None:
        for partial in self.directory.glob("*.partial"):
            partial.unlink()
        self.state, newest, self.dropped_bytes = _load(self.directory)
        self.fresh = self.state.empty
        self.generation = newest + 1
        self.snapshot_path = self.directory / f"snapshot-{self.generation:06d}.log"
        journal.write_whole(self.snapshot_path, self.state.records())
        for number, files in _generations(self.directory).items():
            if number < self.generation:
                for path in files.values():
                    path.unlink()
        self.journal = journal.Journal(self.directory / f"journal-{self.generation:06d}.log")
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._flush_forever, name="journal-flush", daemon=True)
        self._flusher.start()

    # ------------------------------------------------------------ what changes
    def append(self, record: dict[str, Any]) -> None:
        self.journal.append(record)

    def sync(self) -> None:
        self.journal.sync()

    def _flush_forever(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            if self.journal.pending():
                self.journal.sync()

    def close(self) -> None:
        self._stop.set()
        self._flusher.join()
        self.journal.close()
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()

    # ------------------------------------------------------------ backup
    def backup(self, target: Path, files: list[str]) -> dict[str, Any]:
        """One file of the whole data directory, consistent at one moment, taken while the stack runs.

        The state is this generation's snapshot with the journal as far as it was
        synced at that moment, written as one snapshot; the other files (the outbox,
        the portal secrets, the sign-in key) are copied as long as they were then.
        """
        with self.journal.holding():
            self.journal.sync()
            length = self.journal.written
            sizes = {name: (self.data_dir / name).stat().st_size for name in files if (self.data_dir / name).exists()}
        state = DeskState()
        for path, upto in ((self.snapshot_path, None), (self.journal.path, length)):
            records, _, _ = journal.parse(path.read_bytes()[:upto])
            for record in records:
                state.apply(record)
        snapshot = b"".join(journal.frame(record) for record in state.records())
        temporary = target.with_name(target.name + ".partial")
        with tarfile.open(temporary, "w:gz") as archive:
            _add(archive, "state/snapshot-000001.log", snapshot)
            for name, size in sizes.items():
                with open(self.data_dir / name, "rb") as handle:
                    _add(archive, name, handle.read(size))
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        return {"file": str(target), "complaint_items": sum(len(i) for i in state.tables.values()),
                "executions": len(state.executions), "bytes": target.stat().st_size}


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


@contextmanager
def _stopped(data_dir: Path) -> Iterator[None]:
    """The data directory's lock, held for the block; refused while a stack runs on the directory."""
    with open(data_dir / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataDirInUse(f"{data_dir} is in use by a running local stack: stop it first") from None
        yield


def restore(data_dir: Path, source: Path) -> list[str]:
    """Replace a data directory's contents with a backup; refused while a stack runs on it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with _stopped(data_dir), tarfile.open(source, "r:gz") as archive:
        names = archive.getnames()
        if "state/snapshot-000001.log" not in names:
            raise ValueError(f"{source} is not a backup of a data directory (it has no state snapshot)")
        _remove_contents(data_dir)
        if hasattr(tarfile, "data_filter"):  # refuses links and paths outside the directory
            archive.extractall(data_dir, filter="data")
        else:  # Python before 3.11.4: check the names by hand
            for member in archive.getmembers():
                if not member.isfile() or member.name.startswith("/") or ".." in Path(member.name).parts:
                    raise ValueError(f"{source} holds {member.name!r}, which a backup never does")
            archive.extractall(data_dir)
    return names


def clear(data_dir: Path) -> None:
    """Remove what a data directory holds (its state, outbox, secrets and keys); refused while a stack runs."""
    with _stopped(data_dir):
        _remove_contents(data_dir)


def emptied(data_dir: Path) -> Path:
    """The data directory, cleared if it holds anything: for a run that must start empty (a benchmark), as a durable
    stack would otherwise bring back every earlier run's complaints and their unfinished workflows."""
    if data_dir.exists():
        clear(data_dir)
    return data_dir


def _remove_contents(data_dir: Path) -> None:
    for path in sorted(data_dir.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.name == ".lock":
            continue
        if path.is_dir():
            path.rmdir()
        else:
            path.unlink()
