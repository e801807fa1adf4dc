"""The double-entry journal (SPEC 4.4): append-only, balanced per currency, hash-chained.

A posting is signed: positive = debit, negative = credit. Accounts are named by party:
``brand:<id>:receivable``, ``talent:<id>:payable``, ``agency:<id>:payable``,
``withholding:<talent id>:payable``, ``fx:clearing``; and for payouts (SPEC 4.4) ``payouts:due``
(a closed period's payables, per currency, until a payout run takes them), ``payouts:in-transit``
(sent to the bank by a run, not yet confirmed) and ``bank:<payer IBAN>`` (the paying account).
Books closed before payout runs existed paid straight to ``bank:payouts``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import text
from sqlmodel import Session, col, select

from ledger.errors import LedgerError
from ledger.money import format_amount
from ledger.storage.db import driver_rows, exact_amounts
from ledger.storage.repo import now
from ledger.storage.tables import JournalEntryRow, PostingRow

GENESIS = "0" * 64
PAYOUTS_DUE = "payouts:due"
PAYOUTS_IN_TRANSIT = "payouts:in-transit"
JOURNAL_LOCK = 0x746C6A6E  # the PostgreSQL advisory lock key of the journal's head


@dataclass(frozen=True)
class Posting:
    account: str
    currency: str
    amount: Decimal  # positive = debit, negative = credit


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    period: str
    kind: str
    reference: str
    memo: str
    postings: tuple[Posting, ...]
    prev_hash: str
    hash: str


def unbalanced(postings: Sequence[Posting]) -> dict[str, Decimal]:
    """Currencies whose debits and credits differ, with the difference (empty = balanced)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for p in postings:
        totals[p.currency] += p.amount
    return {ccy: total for ccy, total in totals.items() if total != 0}


def entry_hash(
    seq: int,
    period: str,
    kind: str,
    reference: str,
    memo: str,
    prev_hash: str,
    postings: Sequence[tuple[str, str, str, str]],
) -> str:
    """sha256 over the entry's content and the previous entry's hash."""
    body = _COMPACT_JSON.encode(
        [seq, period, kind, reference, memo, prev_hash, [list(p) for p in postings]]
    )
    return hashlib.sha256(body.encode()).hexdigest()


_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""``json.dumps(..., ensure_ascii=False, separators=(",", ":"))`` made once: dumps builds an
encoder per call when given options, and verifying the chain hashes every entry (and the
journal digest encodes every row)."""


def _posting_rows(postings: Sequence[Posting]) -> list[tuple[str, str, str, str]]:
    """(account, currency, debit, credit) with amounts in the currency's minor units."""
    rows = []
    for p in postings:
        zero = _zero_text(p.currency)
        debit = format_amount(p.amount, p.currency) if p.amount > 0 else zero
        credit = format_amount(-p.amount, p.currency) if p.amount < 0 else zero
        rows.append((p.account, p.currency, debit, credit))
    return rows


@functools.cache
def _zero_text(currency: str) -> str:
    """0 in the currency's minor units ("0.00", "0"): one side of every posting."""
    return format_amount(Decimal(0), currency)


def lock(session: Session) -> None:
    """Hold the journal until this transaction ends, so that two writers never read the same
    head. SQLite transactions already hold the database's write lock (BEGIN IMMEDIATE); on
    PostgreSQL this takes a transaction-scoped advisory lock (held until commit or rollback, so
    taking it again in the same transaction is harmless)."""
    if session.get_bind().dialect.name == "postgresql":
        statement = text("SELECT pg_advisory_xact_lock(:key)")
        session.connection().execute(statement, {"key": JOURNAL_LOCK})


def post(
    session: Session,
    period: str,
    kind: str,
    reference: str,
    memo: str,
    postings: Sequence[Posting],
) -> JournalEntry:
    """Append one balanced entry after the newest one (under ``lock``). Zero postings are
    dropped."""
    postings = [p for p in postings if p.amount != 0]
    off = unbalanced(postings)
    if off:
        raise LedgerError(f"journal entry {reference} does not balance: {off}")
    lock(session)
    last = session.exec(
        select(JournalEntryRow).order_by(col(JournalEntryRow.seq).desc()).limit(1)
    ).first()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    rows = _posting_rows(postings)
    digest = entry_hash(seq, period, kind, reference, memo, prev, rows)
    session.add(
        JournalEntryRow(
            seq=seq,
            period=period,
            kind=kind,
            reference=reference,
            memo=memo,
            posted_at=now(),
            prev_hash=prev,
            hash=digest,
        )
    )
    session.flush()
    for n, (account, currency, debit, credit) in enumerate(rows, start=1):
        session.add(
            PostingRow(
                entry_seq=seq,
                line=n,
                account=account,
                currency=currency,
                debit=Decimal(debit),
                credit=Decimal(credit),
            )
        )
    session.flush()
    return JournalEntry(seq, period, kind, reference, memo, tuple(postings), prev, digest)


_PAYABLE_POSTINGS = (
    "SELECT p.account, p.currency, p.debit, p.credit FROM postings p "
    "JOIN journal_entries e ON e.seq = p.entry_seq "
    "WHERE (p.account LIKE ? OR p.account LIKE ?) AND p.account LIKE ? AND "
)
_PAYABLE_ACCOUNTS = ("talent:%", "agency:%", "%:payable")


def _payable_rows(session: Session, *conditions: tuple[str, Sequence[object]]) -> list[Any]:
    """The talent and agency payable postings of the entries (``e``) that meet any of the
    disjoint ``conditions`` (SQL with its parameters), as driver rows."""
    sql = " UNION ALL ".join(_PAYABLE_POSTINGS + condition for condition, _ in conditions)
    params = [v for _, values in conditions for v in (*_PAYABLE_ACCOUNTS, *values)]
    return driver_rows(session, sql, *params)


@dataclass(frozen=True)
class KeptPayables:
    """The payable balances a close kept: over the entries up to ``seq`` (the journal head
    after its postings) of periods up to ``period`` (the closed period)."""

    period: str
    seq: int
    balances: Mapping[tuple[str, str], Decimal]

    def to_json(self) -> str:
        return json.dumps(
            [[a, c, str(amount)] for (a, c), amount in sorted(self.balances.items())],
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, period: str, seq: int, text: str) -> KeptPayables:
        return cls(period, seq, {(a, c): Decimal(amount) for a, c, amount in json.loads(text)})


def _summed(
    rows: Sequence[tuple[Any, ...]], start: Mapping[tuple[str, str], Decimal]
) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal, start)
    exact = exact_amounts()
    for account, currency, debit, credit in rows:
        totals[(account, currency)] += exact(credit) - exact(debit)
    return dict(totals)


def payable_balances(
    session: Session, before_period: str, kept: KeptPayables | None = None
) -> dict[tuple[str, str], Decimal]:
    """Credits minus debits of every talent and agency payable account and currency, over
    entries of periods before ``before_period`` (sums are exact). With ``kept`` (of a period
    before ``before_period``), only the entries it does not hold are read: those posted after
    its head, and those posted before it into periods after its own."""
    if kept is None or kept.period >= before_period:
        return _summed(_payable_rows(session, ("e.period < ?", [before_period])), {})
    rows = _payable_rows(
        session,
        ("e.seq > ? AND e.period < ?", [kept.seq, before_period]),
        ("e.seq <= ? AND e.period > ? AND e.period < ?", [kept.seq, kept.period, before_period]),
    )
    return _summed(rows, kept.balances)


def keep_payables(session: Session, period: str, before: KeptPayables | None) -> KeptPayables:
    """The payable balances the close of ``period`` keeps, in its transaction after its
    postings: over every entry up to the journal's head, of periods up to ``period`` (from
    ``before``, the previous close's, only what it does not hold is read)."""
    head = session.exec(select(JournalEntryRow.seq).order_by(col(JournalEntryRow.seq).desc()))
    seq = head.first() or 0
    if before is None or before.period >= period or before.seq > seq:
        rows = _payable_rows(session, ("e.period <= ? AND e.seq <= ?", [period, seq]))
        return KeptPayables(period, seq, _summed(rows, {}))
    rows = _payable_rows(
        session,
        ("e.seq > ? AND e.seq <= ? AND e.period <= ?", [before.seq, seq, period]),
        ("e.seq <= ? AND e.period > ? AND e.period <= ?", [before.seq, before.period, period]),
    )
    return KeptPayables(period, seq, _summed(rows, before.balances))


def _shown(amount: Decimal, currency: str) -> str:
    """``amount`` in the currency's minor units when that is exact, else as it is."""
    shown = format_amount(amount, currency)
    return shown if Decimal(shown) == amount else str(amount)


def kept_payables_problems(kept: KeptPayables, session: Session) -> list[str]:
    """Where the payable balances a close kept differ from the journal they were summed from
    (empty = none): they are the opening balances of the next settlement."""
    rows = _payable_rows(session, ("e.period <= ? AND e.seq <= ?", [kept.period, kept.seq]))
    journal = _summed(rows, {})
    for key in sorted(set(journal) | set(kept.balances)):
        found, held = journal.get(key, Decimal(0)), kept.balances.get(key, Decimal(0))
        if found != held:
            account, currency = key
            return [
                f"measure_snapshots {kept.period}: the payable balance kept for {account} "
                f"{currency} is {_shown(held, currency)}, the journal says "
                f"{_shown(found, currency)}"
            ]
    return []


@dataclass(frozen=True)
class TrialBalanceRow:
    account: str
    currency: str
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        """Debit balance positive, credit balance negative."""
        return self.debit - self.credit


def trial_balance(session: Session) -> list[TrialBalanceRow]:
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in session.exec(select(PostingRow)):
        pair = sums[(row.account, row.currency)]
        pair[0] += row.debit
        pair[1] += row.credit
    return [
        TrialBalanceRow(account, currency, debit, credit)
        for (account, currency), (debit, credit) in sorted(sums.items())
    ]


def load_entries(
    session: Session,
    period: str | None = None,
    kind: str | Collection[str] | None = None,
    after: int = 0,
) -> list[JournalEntry]:
    """The journal's entries in order (only those of ``period`` and of ``kind``, one kind or
    several, and those after entry ``after``, when given)."""
    # Plain column tuples, not ORM objects: a settlement reads the whole journal first (to
    # verify its chain), and building an object per row costs most of that time.
    e = JournalEntryRow
    entries = sa_select(
        col(e.seq),
        col(e.period),
        col(e.kind),
        col(e.reference),
        col(e.memo),
        col(e.prev_hash),
        col(e.hash),
    ).order_by(col(e.seq))
    if period is not None:
        entries = entries.where(col(e.period) == period)
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        entries = entries.where(col(e.kind).in_(kinds))
    p = PostingRow
    rows = sa_select(
        col(p.entry_seq), col(p.account), col(p.currency), col(p.debit), col(p.credit)
    ).order_by(col(p.entry_seq), col(p.line))
    if after:
        entries = entries.where(col(e.seq) > after)
        rows = rows.where(col(p.entry_seq) > after)
    if period is not None or kind is not None:
        seqs = entries.with_only_columns(col(e.seq)).order_by(None)
        rows = rows.where(col(p.entry_seq).in_(seqs))
    postings: dict[int, list[Posting]] = defaultdict(list)
    connection = session.connection()  # Core rows: no ORM result processing
    for seq, account, currency, debit, credit in connection.execute(rows):
        postings[seq].append(Posting(account, currency, debit - credit))
    return [
        JournalEntry(seq, per, knd, ref, memo, tuple(postings[seq]), prev, digest)
        for seq, per, knd, ref, memo, prev, digest in connection.execute(entries)
    ]


def verify_chain(session: Session, anchor: tuple[int, str] | None = None) -> list[str]:
    """Every break in the hash chain or in the balance of an entry (empty = intact); with
    ``anchor`` (the seq and hash of an entry known intact, ``anchored_head``), of the entries
    after it."""
    problems = []
    after, prev = anchor or (0, GENESIS)
    for entry in load_entries(session, after=after):
        rows = _posting_rows(entry.postings)
        expected = entry_hash(
            entry.seq, entry.period, entry.kind, entry.reference, entry.memo, prev, rows
        )
        if entry.prev_hash != prev or entry.hash != expected:
            problems.append(
                f"journal entry {entry.seq} ({entry.reference}) was altered outside twinledger: "
                "its hash does not match its content"
            )
            break
        off = unbalanced(entry.postings)
        if off:
            problems.append(f"journal entry {entry.seq} ({entry.reference}) does not balance")
        prev = entry.hash
    return problems


_DIGESTED = (
    "SELECT seq, period, kind, reference, memo, prev_hash, hash FROM journal_entries "
    "WHERE seq <= ? ORDER BY seq",
    "SELECT entry_seq, line, account, currency, CAST(debit AS TEXT), CAST(credit AS TEXT) "
    "FROM postings WHERE entry_seq <= ? ORDER BY entry_seq, line",
)


def journal_digest(session: Session, through: int) -> str:
    """sha256 over the stored entries 1..``through`` and their postings, column by column as
    the database holds them. A seal keeps it beside the journal head it anchors: while the
    digest is unchanged, those entries are as they were when their chain was last verified."""
    digest = hashlib.sha256()
    for query in _DIGESTED:
        digest.update(_COMPACT_JSON.encode(driver_rows(session, query, through)).encode())
    return digest.hexdigest()


def anchored_head(session: Session, head: Mapping[str, Any]) -> tuple[int, str] | None:
    """(seq, hash) of a sealed journal head (a seal's ``journal``) whose entries still have the
    digest sealed with them; None when the seal has no digest or the entries changed (the whole
    chain must then be verified, which names what changed)."""
    sealed = head.get("digest")
    seq = head.get("seq")
    if not isinstance(sealed, str) or not isinstance(seq, int) or seq <= 0:
        return None
    return (seq, str(head["hash"])) if journal_digest(session, seq) == sealed else None
