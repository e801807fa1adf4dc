"""The measured quantities a close stores, and the incremental measure they make possible.

At every close the quantities per priced line of every month it measured are stored
(``settlements/<period>/measured_lines.parquet``, with its sha256; closes made before the file
was kept stored ``measured_lines`` rows, still read), with a fingerprint of the reference data
they depend on (``measure_snapshots``); only the newest close's are used. A later settlement
reuses them (``ledger.rating.incremental``) for every (month, brand) nothing changed since: no
batch of the brand touching the month was committed, restated or withdrawn after the close, and
no contract of the brand covering the month was amended or added. A change to twins, their
revocations or their talents' restricted categories makes the settlement measure everything
again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlmodel import Session, delete

from ledger.domain import Contract, Parties
from ledger.journal import KeptPayables, keep_payables, kept_payables_problems
from ledger.rating.incremental import Reuse
from ledger.rating.measure import LINE_SCHEMA
from ledger.rating.tables import rules_table, twins_table, versions_table
from ledger.storage.codec import contract_from_json
from ledger.storage.db import driver_rows
from ledger.storage.events import (
    event_files,
    file_sha256,
    is_lake_path,
    lake_index,
    month_dir,
    month_files,
    publish,
)
from ledger.storage.periods import latest_closed
from ledger.storage.tables import BatchRow, ContractRow, MeasuredLineRow, MeasureSnapshotRow
from ledger.workspace import Workspace

RENDERS_FILE = "first_renders.parquet"
LINES_FILE = "measured_lines.parquet"


def reference_sha256(parties: Parties) -> str:
    """The fingerprint of what measuring reads besides events and contracts."""
    rows = twins_table(parties).to_pylist()
    text = json.dumps(sorted(rows, key=lambda r: r["twin_id"]), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def renders_path(workspace: Workspace, period: str) -> Path:
    return workspace.path("settlements", period, RENDERS_FILE)


def lines_path(workspace: Workspace, period: str) -> Path:
    return workspace.path("settlements", period, LINES_FILE)


def _publish_table(workspace: Workspace, table: pa.Table, final: Path) -> str:
    """Write ``table`` as the Parquet file ``final`` (atomically); its sha256."""
    tmp = workspace.path("tmp", f"{final.parent.name}-{final.name}.part")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, tmp)
    publish(tmp, final)
    return file_sha256(final)


def store_snapshot(
    workspace: Workspace,
    session: Session,
    period: str,
    measured: pa.Table,
    renders: pa.Table | None,
    parties: Parties,
    economics: Mapping[str, Sequence[str | None]],
) -> None:
    """Keep ``measured`` (``LINE_SCHEMA``, its months up to ``period``) as the newest close's
    quantities in ``settlements/<period>/measured_lines.parquet``, ``renders``
    (``RENDERS_SCHEMA``) as ``settlements/<period>/first_renders.parquet``, and ``economics``
    (``ledger.settlement.compute.economics_terms``) as the party terms its economics read."""
    closed = measured.cast(LINE_SCHEMA).filter(pc.less_equal(measured.column("month"), period))
    lines = _publish_table(workspace, closed, lines_path(workspace, period))
    digest = None
    if renders is not None:
        digest = _publish_table(workspace, renders, renders_path(workspace, period))
    last = latest_closed(session, before=period)
    payables = keep_payables(
        session, period, None if last is None else kept_payables(session, last.period)
    )
    session.exec(delete(MeasuredLineRow))  # the rows of closes made before the file was kept
    session.exec(delete(MeasureSnapshotRow))
    session.add(
        MeasureSnapshotRow(
            period=period,
            reference_sha256=reference_sha256(parties),
            renders_sha256=digest,
            economics_terms=json.dumps(economics, sort_keys=True),
            lines_sha256=lines,
            journal_seq=payables.seq,
            payables=payables.to_json(),
        )
    )


def payables_problems(session: Session) -> list[str]:
    """Whether the payable balances the latest close kept still match the journal."""
    last = latest_closed(session)
    snapshot = None if last is None else session.get(MeasureSnapshotRow, last.period)
    if snapshot is None or snapshot.payables is None:
        return []
    kept = kept_payables(session, snapshot.period)
    if kept is None:
        return [f"measure_snapshots {snapshot.period}: the payable balances kept are unreadable"]
    return kept_payables_problems(kept, session)


def kept_payables(session: Session, period: str) -> KeptPayables | None:
    """The payable balances the close of ``period`` kept (None: it kept none, they cannot be
    read, or it is not the latest close)."""
    snapshot = session.get(MeasureSnapshotRow, period)
    if snapshot is None or snapshot.payables is None or snapshot.journal_seq is None:
        return None
    try:
        return KeptPayables.from_json(period, snapshot.journal_seq, snapshot.payables)
    except (ValueError, TypeError, ArithmeticError):  # not as a close wrote them
        return None


def stored_economics(session: Session, period: str) -> dict[str, list[str | None]] | None:
    """The party terms the economics of ``period``'s close read (None: not stored)."""
    snapshot = session.get(MeasureSnapshotRow, period)
    if snapshot is None or snapshot.economics_terms is None:
        return None
    terms: dict[str, list[str | None]] = json.loads(snapshot.economics_terms)
    return terms


def _months(first: date, last: date) -> Iterable[str]:
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        yield f"{year:04d}-{month:02d}"
        year, month = year + (month == 12), month % 12 + 1


def _stored(
    workspace: Workspace, session: Session, snapshot: MeasureSnapshotRow
) -> pa.Table | None:
    """The quantities the close of ``snapshot`` stored (None: its file is not as it wrote it)."""
    if snapshot.lines_sha256 is not None:
        lines = _as_written(lines_path(workspace, snapshot.period), snapshot.lines_sha256)
        return None if lines is None else lines.cast(LINE_SCHEMA)
    rows = driver_rows(  # a close made before the file was kept stored rows
        session,
        "SELECT month, vkey, rule_no, oos, quantity, events, brand FROM measured_lines "
        "WHERE period = ?",
        snapshot.period,
    )
    month, vkey, rule_no, oos, quantity, events, brand = (
        list(c) for c in (zip(*rows, strict=True) if rows else [()] * len(LINE_SCHEMA))
    )
    decimal = LINE_SCHEMA.field("quantity").type
    return pa.Table.from_arrays(
        [
            pa.array(month, pa.string()),
            pa.array(vkey, pa.string()),
            pa.array(rule_no, pa.int64()),
            pa.array([bool(o) for o in oos], pa.bool_()),  # 0/1 on SQLite
            pa.array([str(q) for q in quantity], pa.string()).cast(decimal),  # exact
            pa.array(events, pa.int64()),
            pa.array(brand, pa.string()),
        ],
        schema=LINE_SCHEMA,
    )


def _contract_months(
    session: Session, contract: Contract, since: int | None, through: str
) -> set[str]:
    """The months up to ``through`` the contract covers now or covered at any revision after
    ``since`` (the revision the close used; None for a contract the close did not know)."""
    terms = [(contract.start, contract.end)]
    for revision in range((since or contract.revision), contract.revision):
        earlier = session.get(ContractRow, (contract.id, revision))
        if earlier is not None:
            before = contract_from_json(earlier.body)
            terms.append((before.start, before.end))
    return {m for first, last in terms for m in _months(first, last) if m <= through}


def _measured_shape(contract: Contract) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """What measuring reads of a contract (``ledger.rating.tables``), without its revision:
    versions with their dates and terms, rules with their selectors. Prices are not in it."""
    versions = versions_table([contract]).to_pylist()
    number = {v["vkey"]: v["version_no"] for v in versions}
    rules = [r | {"vkey": number[r["vkey"]]} for r in rules_table([contract]).to_pylist()]
    return [v | {"vkey": None, "revision": None} for v in versions], rules


def _repriced(session: Session, contract: Contract, since: int | None) -> dict[str, str] | None:
    """When ``contract`` changed since revision ``since`` in its prices only, its old version
    keys -> the new ones; None when what measuring reads changed too (or it is new)."""
    if since is None:
        return None
    row = session.get(ContractRow, (contract.id, since))
    if row is None:
        return None
    before = contract_from_json(row.body)
    if _measured_shape(before) != _measured_shape(contract):
        return None
    return {
        old.key: new.key for old, new in zip(before.versions(), contract.versions(), strict=True)
    }


def load_reuse(
    workspace: Workspace,
    session: Session,
    period: str,
    contracts: Sequence[Contract],
    parties: Parties,
    batches: Sequence[BatchRow],
) -> Reuse | None:
    """What a settlement of ``period`` can reuse of the latest close before it (None: nothing,
    measure everything)."""
    last = latest_closed(session, before=period)
    if last is None:
        return None
    snapshot = session.get(MeasureSnapshotRow, last.period)
    if snapshot is None or snapshot.reference_sha256 != reference_sha256(parties):
        return None
    stored = _stored(workspace, session, snapshot)
    if stored is None:
        return None
    through = last.period
    known, revisions = set(json.loads(last.batches)), json.loads(last.contracts)
    dirty: set[tuple[str, str]] = set()
    added: set[str] = set()
    withdrawn_or_restated = False
    for batch in batches:
        if (batch.status == "committed") == (batch.id in known):
            continue
        if batch.status == "committed" and not batch.restated:
            added.add(batch.id)  # new events only: measured alone, added to what is stored
        else:
            withdrawn_or_restated = True
            dirty |= {(m, batch.brand) for m in json.loads(batch.periods) if m <= through}
    renamed: dict[str, str] = {}
    for contract in contracts:
        then = revisions.get(contract.id)
        if then == contract.revision:
            continue
        keys = _repriced(session, contract, then)
        if keys is not None:
            renamed |= keys
            continue
        months = _contract_months(session, contract, then, through)
        dirty |= {(m, contract.brand) for m in months}
    read = {m for m, _ in dirty} | {m for m in _open_months(batches, through, period)}
    committed = [b for b in batches if b.status == "committed" and b.events_path]
    lake_ids = {b.id for b in committed if is_lake_path(str(b.events_path))}
    events = workspace.path("events")
    files: set[Path] = {f for m in read for f in month_files(events, m, lake_ids)}
    superseders: list[Path] = []
    lake: dict[str, list[Path]] | None = None

    def in_lake(batch_id: str) -> list[Path]:
        """The batch's lake files (every month directory listed once, when first wanted)."""
        nonlocal lake
        lake = lake_index(events) if lake is None else lake
        return lake.get(batch_id, [])

    for batch in committed:
        months = set(json.loads(batch.periods))
        if batch.id in added:
            closed = {m for m in months if m <= through}
            if batch.id in lake_ids:
                folders = {month_dir(events, m) for m in closed}
                files.update(f for f in in_lake(batch.id) if f.parent in folders)
            elif closed:
                files.update(event_files(workspace.path(str(batch.events_path))))
        if read & months:
            if batch.id in lake_ids:
                own = in_lake(batch.id)
            else:
                own = event_files(workspace.path(str(batch.events_path)))
            superseders += own
            if batch.id not in lake_ids:
                files.update(own)  # the old layout: the batch's files hold every month
    return Reuse(
        through=through,
        stored=stored,
        dirty=frozenset(dirty),
        files=sorted(files),
        superseders=superseders,
        added=frozenset(added),
        renamed=renamed,
        renders=None
        if withdrawn_or_restated
        else _renders(workspace, through, snapshot.renders_sha256),
    )


def _renders(workspace: Workspace, period: str, digest: str | None) -> pa.Table | None:
    """The close's first renders, if they are there as it wrote them."""
    return None if digest is None else _as_written(renders_path(workspace, period), digest)


def _as_written(path: Path, digest: str) -> pa.Table | None:
    """The table of the Parquet file ``path`` if its bytes have the sha256 ``digest`` (None
    otherwise): the bytes checked are the bytes read."""
    if not path.is_file():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        return None
    return pq.ParquetFile(pa.BufferReader(data)).read(use_threads=False)  # small: no pool


def _open_months(batches: Sequence[BatchRow], through: str, period: str) -> set[str]:
    """The months after the close up to the period that hold events."""
    return {
        m
        for b in batches
        if b.status == "committed"
        for m in json.loads(b.periods)
        if through < m <= period
    }
