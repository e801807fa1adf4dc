"""Output files written whole or not at all: each is written to a scratch file beside its final
name (same file system), fsynced, and renamed into place only once every file of the set is
written; a failure removes the scratch files and leaves nothing behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ledger.errors import LedgerError
from ledger.storage.events import fsync_dir, fsync_file


def write_whole(files: Mapping[Path, bytes]) -> list[Path]:
    """Write every file, then move them all into place; returns the final paths."""
    scratch: dict[Path, Path] = {}
    try:
        for final, data in files.items():
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.is_dir():
                raise LedgerError(f"{final}: is a directory")
            fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
            scratch[final] = Path(name)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            fsync_file(scratch[final])
        for final, tmp in scratch.items():
            os.replace(tmp, final)
        for folder in {final.parent for final in files}:
            fsync_dir(folder)
        return list(files)
    finally:
        for tmp in scratch.values():
            tmp.unlink(missing_ok=True)
