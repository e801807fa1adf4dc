"""`twinledger backup DEST`: a consistent copy of a SQLite workspace while it is in use.

The database is copied with SQLite's online backup API (a consistent snapshot even while other
commands read or write), under the ingest lock so no batch commits meanwhile; then every other
file of the workspace is copied. Event files are written before the batch row that names them is
committed and never change afterwards, so every file the snapshot refers to is in the copy. The
copy is a complete workspace: use it where it is, or move it back in place of the original.

A PostgreSQL workspace is backed up with `pg_dump` plus a copy of the folder (docs/workspace.md).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from ledger.errors import LedgerError
from ledger.ingest.batch import ingest_lock
from ledger.workspace import Workspace

SKIPPED = {"tmp"}  # scratch space of running commands


def backup(workspace: Workspace, dest: Path) -> dict[str, object]:
    source_db = workspace.sqlite_file
    if source_db is None or not source_db.resolve().is_relative_to(workspace.root):
        raise LedgerError(
            f"{workspace.root}: its database is not a SQLite file inside the workspace; back it "
            "up with the database's own tools (pg_dump for PostgreSQL) and copy the folder"
        )
    dest = dest.resolve()
    if dest.exists() and any(dest.iterdir()):
        raise LedgerError(f"{dest}: exists and is not empty; a backup goes into a new folder")
    if dest.is_relative_to(workspace.root):
        raise LedgerError(f"{dest}: is inside the workspace it would back up")
    dest.mkdir(parents=True, exist_ok=True)
    relative_db = source_db.resolve().relative_to(workspace.root)
    files = 0
    with ingest_lock(workspace):
        target_db = dest / relative_db
        target_db.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(source_db)
        target = sqlite3.connect(target_db)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        for path in sorted(workspace.root.rglob("*")):
            rel = path.relative_to(workspace.root)
            if rel.parts[0] in SKIPPED or path.is_dir():
                continue
            if rel == relative_db or rel.name.startswith(relative_db.name + "-"):
                continue  # the database (and its WAL files) was copied above
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest / rel)
            files += 1
    (dest / "tmp").mkdir(exist_ok=True)
    return {"backup": str(dest), "database": str(dest / relative_db), "files": files + 1}
