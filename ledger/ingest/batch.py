"""Ingest one usage log as one batch: idempotent, atomic, nothing lost (SPEC 2.4).

The commit protocol, under the workspace's ingest lock:
1. the file's sha256 is looked up: a file already committed for this brand changes nothing;
2. its events are de-duplicated against every committed event of the brand (DuckDB anti-join);
3. accepted events are written to a temporary Parquet file, fsynced and renamed into the store;
4. the batch row is committed in the database, which is the moment the batch becomes visible.
A kill at any step before 4 leaves an unreferenced file that no reader sees and the next ingest
removes; rerunning the command completes the batch.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import polars as pl
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ledger.errors import LedgerError
from ledger.ingest.parse import parse_log
from ledger.ingest.profile import Profile, load_profile
from ledger.storage.db import reading, writing
from ledger.storage.events import connect, parquet_list_sql, publish
from ledger.storage.repo import load_parties, now
from ledger.storage.tables import BatchRow
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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        duplicates=row.rows_read - row.rejected,
        rejected=row.rejected,
        quarantine=row.quarantine,
    )


def _remove_orphans(workspace: Workspace, session: Session) -> None:
    """Delete event files that no committed batch references (left by a killed ingest)."""
    referenced = {
        workspace.path(p)
        for p in session.exec(select(BatchRow.events_path).where(BatchRow.status == "committed"))
        if p
    }
    for orphan in workspace.path("events").glob("*/*.parquet"):
        if orphan not in referenced:
            orphan.unlink(missing_ok=True)
    for tmp in workspace.path("tmp").glob("*.part"):
        tmp.unlink(missing_ok=True)


def _brand_files(workspace: Workspace, session: Session, brand: str) -> list[Path]:
    rows = session.exec(
        select(BatchRow.events_path).where(BatchRow.brand == brand, BatchRow.status == "committed")
    )
    return [workspace.path(p) for p in rows if p]


def _write_quarantine(workspace: Workspace, batch_id: str, rejected: pl.DataFrame) -> str | None:
    if rejected.height == 0:
        return None
    final = workspace.path("quarantine", f"{batch_id}.csv")
    tmp = workspace.path("tmp", f"{batch_id}.quarantine.part")
    rejected.select("line_no", "reason", "message", "original").write_csv(tmp)
    publish(tmp, final)
    return workspace.relative(final)


def resolve_profile(workspace: Workspace, name: str | None) -> Profile | None:
    return load_profile(name, workspace.path("profiles")) if name else None


def ingest_file(
    workspace: Workspace,
    path: Path,
    brand: str,
    profile: str | None = None,
    strict: bool = False,
) -> IngestResult:
    if not path.is_file():
        raise LedgerError(f"{path}: no such file")
    with reading(workspace.engine) as session:
        parties = load_parties(session)
    brand_record = next((b for b in parties.brands if b.id == brand), None)
    if brand_record is None:
        raise LedgerError(f"unknown brand {brand!r} (import it with `twinledger parties import`)")
    sha = file_sha256(path)
    with reading(workspace.engine) as session:
        done = _committed(session, brand, sha)
    if done:
        return _already(done)

    parsed = parse_log(
        path,
        brand_category=brand_record.category,
        twins={t.id for t in parties.twins},
        profile=resolve_profile(workspace, profile),
    )
    batch_id = f"B{now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    source = path.name

    if strict and parsed.rejected.height:
        quarantine = _write_quarantine(workspace, batch_id, parsed.rejected)
        result = IngestResult(
            batch_id, "rejected", parsed.rows_read, 0, 0, parsed.rows_read, quarantine
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
        events = parsed.events
        stored_dupes = 0
        if existing and events.height:
            con = connect()
            con.register("incoming", events.select("event_id").to_arrow())
            seen = con.sql(
                "SELECT i.event_id FROM incoming i SEMI JOIN "
                f"(SELECT event_id FROM read_parquet({parquet_list_sql(existing)})) s "
                "ON i.event_id = s.event_id"
            ).to_arrow_table()
            con.close()
            if seen.num_rows:
                seen_ids = pl.from_arrow(seen)
                assert isinstance(seen_ids, pl.DataFrame)
                events = events.join(seen_ids, on="event_id", how="anti")
                stored_dupes = parsed.events.height - events.height
        events_path = None
        periods: list[str] = []
        if events.height:
            final = workspace.path("events", brand, f"{batch_id}.parquet")
            tmp = workspace.path("tmp", f"{batch_id}.parquet.part")
            events.with_columns(
                pl.lit(brand).alias("brand"),
                pl.lit(batch_id).alias("batch_id"),
                pl.lit(source).alias("source_file"),
                pl.lit(sha).alias("file_sha256"),
            ).write_parquet(tmp, compression="zstd", statistics=True)
            publish(tmp, final)
            events_path = workspace.relative(final)
            periods = sorted(
                events.select(pl.col("occurred_at").dt.strftime("%Y-%m").unique())
                .to_series()
                .to_list()
            )
        quarantine = _write_quarantine(workspace, batch_id, parsed.rejected)
        result = IngestResult(
            batch_id=batch_id,
            status="committed",
            rows_read=parsed.rows_read,
            accepted=events.height,
            duplicates=parsed.in_file_duplicates + stored_dupes,
            rejected=parsed.rejected.height,
            quarantine=quarantine,
        )
        try:
            with writing(workspace.engine) as session:
                session.add(_batch_row(result, brand, source, sha, events_path, periods))
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
        quarantine=result.quarantine,
        events_path=events_path,
        periods=json.dumps(periods),
        created_at=now(),
    )
