"""The local stack's data directory: back it up, restore it, or clear it on purpose."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from infra.cli.client import ApiError, Unreachable
from infra.cli.render import console
from infra.cli.session import current
from infra.local import durable

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", envvar="COMPLAINTS_DATA_DIR", show_default=".local in the repository",
    help="the local stack's data directory")]


def _data_dir(given: Path | None) -> Path:
    return (given or durable.default_data_dir()).resolve()


def _has_state(data_dir: Path) -> bool:
    return (data_dir / "state").is_dir() and any((data_dir / "state").iterdir())


def backup(file: Annotated[Path, typer.Argument(help="where to write the backup (.tar.gz)")],
           data_dir: DataDir = None) -> None:
    """One consistent file of the whole data directory; taken by the running stack, or from the directory."""
    folder, target = _data_dir(data_dir), file.resolve()
    if not target.parent.is_dir():
        raise typer.BadParameter(f"{target.parent} is not a directory", param_hint="FILE")
    if not _has_state(folder):
        raise typer.BadParameter(f"{folder} holds no desk data (start the stack with it first)",
                                 param_hint="--data-dir")
    answer: dict[str, Any]
    try:
        store = durable.Store(folder)
    except durable.DataDirInUse:  # a stack runs on it: it takes the backup, consistent while it goes on
        try:
            answer = current().client.backup(target)
        except (Unreachable, ApiError) as exc:
            raise typer.BadParameter(f"{folder} is in use by a running stack, which did not take the backup: "
                                     f"{exc}", param_hint="--data-dir") from exc
    else:
        try:
            answer = store.backup(target, durable.data_files(folder))
        finally:
            store.close()
    console.print(f"backed up {folder} to {answer['file']}: {answer['complaint_items']} items, "
                  f"{answer['executions']} executions, {answer['bytes']} bytes", soft_wrap=True)


def restore(file: Annotated[Path, typer.Argument(help="a backup written by `complaints backup`")],
            data_dir: DataDir = None,
            yes: Annotated[bool, typer.Option("--yes", help="replace what the data directory holds")] = False) -> None:
    """Replace the data directory's contents with a backup (the stack must be stopped)."""
    folder = _data_dir(data_dir)
    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist", param_hint="FILE")
    if _has_state(folder) and not yes:
        raise typer.BadParameter(f"{folder} holds a desk's data; pass --yes to replace it with {file}",
                                 param_hint="--yes")
    try:
        names = durable.restore(folder, file)
    except (durable.DataDirInUse, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="FILE") from exc
    console.print(f"restored {len(names)} files from {file} into {folder}; start the stack with it", soft_wrap=True)


def reset(data_dir: DataDir = None,
          yes: Annotated[bool, typer.Option("--yes", help="remove every complaint and history")] = False) -> None:
    """Clear the data directory: every complaint, execution, outbox line, secret and the moved clock."""
    folder = _data_dir(data_dir)
    if not yes:
        raise typer.BadParameter(f"this removes everything in {folder}; pass --yes to do it", param_hint="--yes")
    if not folder.exists():
        console.print(f"{folder} does not exist: nothing to clear")
        return
    try:
        durable.clear(folder)
    except durable.DataDirInUse as exc:
        raise typer.BadParameter(str(exc), param_hint="--data-dir") from exc
    console.print(f"cleared {folder}")
