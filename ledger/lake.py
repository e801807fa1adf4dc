"""Moving a workspace's events into the partitioned lake (``events/month=YYYY-MM/``).

Workspaces written before the lake keep each batch's events under ``events/<brand>/``. The move
(run by `twinledger init`, which upgrades a workspace) is crash-safe and idempotent, one batch at
a time under the ingest lock:

1. the batch's files are checked against the sha256 recorded at ingest (a file that no longer
   matches is not moved: the move is refused, naming it);
2. each file of one month is hard-linked to its lake name (its bytes stay as they are); a file
   with events in several months is split into one new file per month;
3. in one transaction the batch row is given its lake ``events_path`` and the sha256 of its new
   files; a batch a closed period sealed also gets a ``relocate`` entry in the hash-chained
   journal naming both paths and both digests, which is what lets the seal check accept the
   new values;
4. the old files are removed.
A kill before 3 leaves lake files no batch owns (removed by the next ingest, or rewritten by the
next move); a kill after 3 leaves old files no batch owns, removed by the next move or ingest.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from ledger.errors import LedgerError
from ledger.ingest.batch import ingest_lock
from ledger.journal import post
from ledger.period import Period
from ledger.seal import load_seals, sealed_batches
from ledger.storage.db import reading, writing
from ledger.storage.events import (
    event_files,
    events_sha256,
    fsync_dir,
    is_lake_path,
    lake_glob,
    lake_name,
    month_dir,
    publish,
)
from ledger.storage.lake import split_by_month
from ledger.storage.periods import latest_closed
from ledger.storage.tables import BatchRow, JournalEntryRow
from ledger.workspace import Workspace

RELOCATE = "relocate"
_MEMO = re.compile(
    r"^events of batch (?P<batch>\S+) moved into the lake: (?P<old_path>\S+) sha256 "
    r"(?P<old_sha>\S*) -> (?P<new_path>\S+) sha256 (?P<new_sha>\S+)$"
)


@dataclass(frozen=True)
class Relocation:
    """A batch's event files moved: the fields a seal holds, before and after."""

    batch_id: str
    old_path: str
    old_sha256: str | None
    new_path: str
    new_sha256: str

    def memo(self) -> str:
        return (
            f"events of batch {self.batch_id} moved into the lake: {self.old_path} sha256 "
            f"{self.old_sha256 or ''} -> {self.new_path} sha256 {self.new_sha256}"
        )

    @classmethod
    def parse(cls, memo: str) -> Relocation | None:
        found = _MEMO.match(memo)
        if found is None:
            return None
        return cls(
            found["batch"],
            found["old_path"],
            found["old_sha"] or None,
            found["new_path"],
            found["new_sha"],
        )


def relocations(session: Session) -> dict[str, list[Relocation]]:
    """The moves recorded in the journal, by batch, oldest first."""
    moved: dict[str, list[Relocation]] = {}
    rows = session.exec(
        select(JournalEntryRow.memo)
        .where(JournalEntryRow.kind == RELOCATE)
        .order_by(col(JournalEntryRow.seq))
    )
    for memo in rows:
        relocation = Relocation.parse(memo)
        if relocation is not None:
            moved.setdefault(relocation.batch_id, []).append(relocation)
    return moved


def migrate_layout(workspace: Workspace) -> list[str]:
    """Move every batch still in the old layout into the lake; the ids of the batches moved."""
    moved: list[str] = []
    with ingest_lock(workspace):
        with reading(workspace.engine) as session:
            legacy = [
                (b.id, b.events_path)
                for b in session.exec(
                    select(BatchRow).where(col(BatchRow.status).in_(("committed", "void")))
                )
                if b.events_path and not is_lake_path(b.events_path)
            ]
            sealed = set(sealed_batches([json.loads(s.body) for s in load_seals(session)]))
        for batch_id, events_path in legacy:
            _move(workspace, batch_id, events_path, batch_id in sealed)
            moved.append(batch_id)
        _remove_old_layout(workspace)
    return moved


def _move(workspace: Workspace, batch_id: str, events_path: str, sealed: bool) -> None:
    old = workspace.path(events_path)
    files = event_files(old)
    with reading(workspace.engine) as session:
        row = session.get(BatchRow, batch_id)
        recorded = row.events_sha256 if row else None
    if not files:
        raise LedgerError(f"{events_path} (batch {batch_id}) is missing; nothing was moved")
    if recorded and events_sha256(old) != recorded:
        raise LedgerError(
            f"{events_path} (batch {batch_id}): its content differs from the sha256 recorded at "
            "ingest; nothing was moved"
        )
    scratch = workspace.path("tmp", f"{batch_id}.move")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        pieces = [
            (month, number, piece)
            for number, path in enumerate(files, 1)
            for month, piece in split_by_month(path, None, scratch)
        ]
        per_month = Counter(month for month, _, _ in pieces)
        events = workspace.path("events")
        for month, number, piece in pieces:
            final = month_dir(events, month) / lake_name(
                batch_id, None if per_month[month] == 1 else number
            )
            if piece.parent == scratch:
                publish(piece, final)
            else:  # a file of one month keeps its bytes: a second name, then the first goes
                final.parent.mkdir(parents=True, exist_ok=True)
                final.unlink(missing_ok=True)
                os.link(piece, final)
                fsync_dir(final.parent)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    new_path = lake_glob(batch_id)
    relocation = Relocation(
        batch_id, events_path, recorded, new_path, events_sha256(workspace.path(new_path))
    )
    with writing(workspace.engine) as session:
        row = session.get(BatchRow, batch_id)
        assert row is not None
        row.events_path, row.events_sha256 = relocation.new_path, relocation.new_sha256
        session.add(row)
        if sealed:
            last = latest_closed(session)
            period = Period(last.period).next() if last else min(json.loads(row.periods))
            post(session, period, RELOCATE, f"{RELOCATE}:{batch_id}", relocation.memo(), [])
    _remove(old)


def _remove(old: Path) -> None:
    if "*" in old.name:
        shutil.rmtree(old.parent, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


def _remove_old_layout(workspace: Workspace) -> None:
    """Remove what is left of the old layout once no batch refers to it (a move that was killed
    after its commit leaves its old files)."""
    with reading(workspace.engine) as session:
        paths = session.exec(select(BatchRow.events_path)).all()
    if any(p and not is_lake_path(p) for p in paths):
        return
    for directory in workspace.path("events").glob("*"):
        if directory.is_dir() and not directory.name.startswith("month="):
            shutil.rmtree(directory, ignore_errors=True)
