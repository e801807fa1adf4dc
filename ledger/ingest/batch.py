"""Ingest one usage log as one batch: idempotent, atomic, nothing lost (SPEC 2.4).

The commit protocol:
1. the file's sha256 is looked up: a file already committed for this brand changes nothing;
2. the log is parsed chunk by chunk into Parquet part files in its own locked staging directory
   ``tmp/<batch>.stage/`` (memory bounded by the chunk size); event ids repeated across chunks are
   settled there by DuckDB (``ledger.ingest.stage``);
3. under the workspace's ingest lock, the parts are de-duplicated against every committed event
   of the brand (DuckDB semi join), split by UTC month, fsynced and renamed into the lake: one
   file ``events/month=YYYY-MM/<batch>.parquet`` per month (per chunk and month for a big log,
   ``<batch>.NNNNN.parquet``), and their sha256 is taken (``storage.events.events_sha256``), for
   the seal of the month to close;
4. the batch row is committed in the database, which is the moment the batch becomes visible.
A kill at any step before 4 leaves an unreferenced file or directory that no reader sees and the
next ingest removes; rerunning the command completes the batch.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ledger.errors import LedgerError
from ledger.files import check_input
from ledger.ingest.parse import CHUNK_ROWS
from ledger.ingest.profile import Profile, load_profile
from ledger.ingest.stage import (
    PARTS_GLOB,
    Progress,
    Staged,
    remove_abandoned,
    settle_stored,
    settle_within,
    stage_log,
    staging,
    write_quarantine,
)
from ledger.storage.db import reading, writing
from ledger.storage.events import (
    MONTH_KEY,
    batch_of,
    events_sha256,
    file_sha256,
    is_lake_path,
    lake_glob,
    lake_name,
    month_dir,
    publish,
)
from ledger.storage.lake import split_by_month
from ledger.storage.repo import now
from ledger.storage.tables import BatchRow, BrandRow, TwinRow
from ledger.webhooks.outbox import enqueue
from ledger.workspace import Workspace


@dataclass(frozen=True)
class IngestResult:
    batch_id: str
    status: str  # committed | already_ingested | rejected
    rows_read: int
    accepted: int
    duplicates: int
    rejected: int
    quarantine: str | None
    restated: int = 0
    skipped: int = 0
    conflicts: int = 0  # of the duplicates: stored with different content, not restated
    conflicts_file: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@contextmanager
def ingest_lock(workspace: Workspace) -> Iterator[None]:
    """Serialise the commit phase of ingests in this workspace (released by the kernel on kill)."""
    workspace.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with workspace.lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _committed(session: Session, brand: str, sha: str) -> BatchRow | None:
    return session.exec(
        select(BatchRow).where(
            BatchRow.brand == brand, BatchRow.file_sha256 == sha, BatchRow.status == "committed"
        )
    ).first()


def _already(row: BatchRow) -> IngestResult:
    return IngestResult(
        batch_id=row.id,
        status="already_ingested",
        rows_read=row.rows_read,
        accepted=0,
        duplicates=row.rows_read - row.rejected - row.skipped,
        rejected=row.rejected,
        quarantine=row.quarantine,
        skipped=row.skipped,
    )


def _remove_orphans(workspace: Workspace, session: Session) -> None:
    """Delete event files and staging directories that no committed or void batch, nor a live
    ingest, owns (a void batch's events stay for the closed periods that covered them)."""
    referenced, in_lake = set(), set()
    kept = select(BatchRow.id, BatchRow.events_path).where(
        col(BatchRow.status).in_(("committed", "void"))
    )
    for batch_id, p in session.exec(kept):
        if p and is_lake_path(p):
            in_lake.add(batch_id)
        elif p:
            path = workspace.path(p)
            referenced.add(path.parent if path.name == PARTS_GLOB else path)
    for orphan in workspace.path("events").glob("*/*"):
        if orphan.parent.name.startswith(f"{MONTH_KEY}="):
            if orphan.suffix == ".parquet" and batch_of(orphan.name) not in in_lake:
                orphan.unlink(missing_ok=True)
            continue
        if orphan in referenced:
            continue
        if orphan.is_dir():
            shutil.rmtree(orphan, ignore_errors=True)
        elif orphan.suffix == ".parquet":
            orphan.unlink(missing_ok=True)
    for tmp in workspace.path("tmp").glob("*.part"):
        tmp.unlink(missing_ok=True)
    remove_abandoned(workspace.path("tmp"))


def _brand_files(workspace: Workspace, session: Session, brand: str) -> list[Path]:
    rows = session.exec(
        select(BatchRow.events_path).where(BatchRow.brand == brand, BatchRow.status == "committed")
    )
    return [workspace.path(p) for p in rows if p]


def _publish_events(workspace: Workspace, staged: Staged, batch_id: str) -> str | None:
    """Move the staged parts into the lake, split by UTC month: one file per month, or per chunk
    and month for a big log."""
    if not staged.parts:
        return None
    pieces = [
        (month, number, piece)
        for number, part in enumerate(staged.parts, 1)
        for month, piece in split_by_month(part, staged.part_months.get(part), part.parent)
    ]
    per_month = Counter(month for month, _, _ in pieces)
    events = workspace.path("events")
    for month, number, piece in pieces:
        name = lake_name(batch_id, None if per_month[month] == 1 else number)
        publish(piece, month_dir(events, month) / name)
    return lake_glob(batch_id)


def _publish_quarantine(workspace: Workspace, staged: Staged, batch_id: str) -> str | None:
    tmp = staged.directory / "quarantine.csv"
    if not write_quarantine(staged, tmp):
        return None
    final = workspace.path("quarantine", f"{batch_id}.csv")
    publish(tmp, final)
    return workspace.relative(final)


def _publish_conflicts(workspace: Workspace, staged: Staged, batch_id: str) -> str | None:
    if staged.conflict_file is None:
        return None
    final = workspace.path("quarantine", f"{batch_id}.conflicts.csv")
    publish(staged.conflict_file, final)
    return workspace.relative(final)


def resolve_profile(workspace: Workspace, name: str | None) -> Profile | None:
    return load_profile(name, workspace.path("profiles")) if name else None


def _no_progress(done: int, total: int) -> None:
    return None


def ingest_file(
    workspace: Workspace,
    path: Path,
    brand: str,
    profile: str | None = None,
    strict: bool = False,
    progress: Progress = _no_progress,
    chunk_rows: int = CHUNK_ROWS,
    restate: bool = False,
) -> IngestResult:
    """Ingest one log as one batch; ``progress(done, total)`` is told how far parsing got.

    ``chunk_rows`` bounds the rows parsed (and held in memory) at once. With ``restate`` (or the
    profile's ``restate = true``) a row whose (brand, event_id) is stored with different content
    supersedes the stored version instead of being a duplicate.
    """
    check_input(path)
    with reading(workspace.engine) as session:
        brand_record = session.get(BrandRow, brand)
        twins = set(session.exec(select(TwinRow.id)).all())
    if brand_record is None:
        raise LedgerError(f"unknown brand {brand!r} (import it with `twinledger parties import`)")
    sha = file_sha256(path)
    with reading(workspace.engine) as session:
        done = _committed(session, brand, sha)
    if done:
        return _already(done)
    chosen = resolve_profile(workspace, profile)
    restate = restate or (chosen is not None and chosen.restate)
    batch_id = f"B{now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    source = path.name
    lineage = {"brand": brand, "batch_id": batch_id, "source_file": source, "file_sha256": sha}
    with staging(workspace.path("tmp"), batch_id) as directory:
        staged = stage_log(
            path,
            directory,
            lineage=lineage,
            brand_category=brand_record.category,
            twins=twins,
            profile=chosen,
            progress=progress,
            chunk_rows=chunk_rows,
        )
        settle_within(staged, path, chosen)
        if strict and staged.rejected:
            result = IngestResult(
                batch_id,
                "rejected",
                staged.rows_read,
                0,
                0,
                staged.rows_read - staged.skipped,
                _publish_quarantine(workspace, staged, batch_id),
                skipped=staged.skipped,
            )
            with writing(workspace.engine) as session:
                session.add(_batch_row(result, brand, source, sha, None, []))
            return result
        with ingest_lock(workspace):
            with reading(workspace.engine) as session:
                done = _committed(session, brand, sha)
                if done:
                    return _already(done)
                _remove_orphans(workspace, session)
                existing = _brand_files(workspace, session, brand)
            settle_stored(staged, existing, restate=restate, path=path, profile=chosen)
            events_path = _publish_events(workspace, staged, batch_id)
            result = IngestResult(
                batch_id=batch_id,
                status="committed",
                rows_read=staged.rows_read,
                accepted=staged.accepted,
                duplicates=staged.duplicates,
                rejected=staged.rejected,
                quarantine=_publish_quarantine(workspace, staged, batch_id),
                restated=staged.restated,
                skipped=staged.skipped,
                conflicts=staged.conflicts,
                conflicts_file=_publish_conflicts(workspace, staged, batch_id),
            )
            digest = events_sha256(workspace.path(events_path)) if events_path else None
            try:
                with writing(workspace.engine) as session:
                    row = _batch_row(result, brand, source, sha, events_path, staged.periods)
                    row.events_sha256 = digest
                    session.add(row)
                    doc = result.as_dict() | {"brand": brand, "periods": staged.periods}
                    enqueue(session, "brand", brand, "batch.committed", doc)
            except IntegrityError:
                raise LedgerError(f"{path}: ingested concurrently by another process") from None
            return result


def _batch_row(
    result: IngestResult,
    brand: str,
    source: str,
    sha: str,
    events_path: str | None,
    periods: list[str],
) -> BatchRow:
    return BatchRow(
        id=result.batch_id,
        brand=brand,
        source_file=source,
        file_sha256=sha,
        status=result.status,
        status_key="committed" if result.status == "committed" else result.batch_id,
        rows_read=result.rows_read,
        accepted=result.accepted,
        duplicates=result.duplicates,
        rejected=result.rejected,
        skipped=result.skipped,
        restated=result.restated,
        conflicts=result.conflicts,
        quarantine=result.quarantine,
        events_path=events_path,
        periods=json.dumps(periods),
        created_at=now(),
    )
