"""Relational state: parties, contracts, FX, batches, periods, settlements and the journal.

Tables are storage only. ``ledger.storage.repo`` converts them to the domain records of
``ledger.domain`` at this boundary; pricing and settlement code never sees a row or a session.
Money columns use ``Money`` (NUMERIC on PostgreSQL, exact decimal text on SQLite).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ledger.storage.types import Money


def money_field(default: Decimal | None = None, nullable: bool = False) -> Decimal:
    return Field(default=default, sa_column=Column(Money(), nullable=nullable))


class AgencyRow(SQLModel, table=True):
    __tablename__ = "agencies"
    id: str = Field(primary_key=True)
    name: str
    currency: str
    commission: Decimal = money_field()
    locale: str = "en"
    min_payout: Decimal = money_field(default=Decimal(0))
    iban: str | None = None
    bic: str | None = None
    legal_name: str | None = None
    address: str | None = None  # JSON {"lines", "postal_code", "city", "country"}
    vat_id: str | None = None
    tax_registered: bool = False


class TalentRow(SQLModel, table=True):
    __tablename__ = "talents"
    id: str = Field(primary_key=True)
    name: str
    agency: str | None = None
    payout_currency: str
    withholding_rate: Decimal = money_field()
    min_payout: Decimal = money_field()
    restricted_categories: str = "[]"  # JSON list
    locale: str = "en"
    iban: str | None = None
    bic: str | None = None
    legal_name: str | None = None
    address: str | None = None  # JSON {"lines", "postal_code", "city", "country"}
    vat_id: str | None = None
    tax_registered: bool = False


class BrandRow(SQLModel, table=True):
    __tablename__ = "brands"
    id: str = Field(primary_key=True)
    name: str
    currency: str
    category: str = "general"
    locale: str = "en"
    legal_name: str | None = None
    address: str | None = None  # JSON {"lines", "postal_code", "city", "country"}
    vat_id: str | None = None


class TwinRow(SQLModel, table=True):
    __tablename__ = "twins"
    id: str = Field(primary_key=True)
    talent: str
    created_on: date | None = None
    revoked_on: date | None = None
    locale: str = "en"


class ContractRow(SQLModel, table=True):
    """One revision of a contract; the highest revision is the one in force."""

    __tablename__ = "contracts"
    id: str = Field(primary_key=True)
    revision: int = Field(primary_key=True)
    brand: str = Field(index=True)
    twin: str = Field(index=True)
    currency: str
    start: date
    end: date
    content_hash: str
    source: str
    body: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON of the contract
    imported_at: datetime


class FxRateRow(SQLModel, table=True):
    __tablename__ = "fx_rates"
    day: date = Field(primary_key=True)
    currency: str = Field(primary_key=True)
    per_eur: Decimal = money_field()


class BatchRow(SQLModel, table=True):
    """An ingested file. Only ``committed`` batches are visible to rating; a ``void`` batch was
    withdrawn (`batches void`): its events stay stored for the closed periods that covered it."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("brand", "file_sha256", "status_key"),)
    id: str = Field(primary_key=True)
    brand: str = Field(index=True)
    source_file: str
    file_sha256: str
    status: str  # committed | rejected | void
    status_key: str  # "committed" while committed, else the id: one live commit per file
    rows_read: int
    accepted: int
    duplicates: int
    rejected: int
    skipped: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    restated: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    conflicts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    quarantine: str | None = None
    events_path: str | None = None  # relative to the workspace
    events_sha256: str | None = None  # of the event file(s) as committed (storage.events)
    periods: str = "[]"  # JSON list of YYYY-MM the accepted events fall in
    created_at: datetime
    voided_at: datetime | None = None
    void_reason: str | None = None
    voided_by: str | None = None


class PeriodRow(SQLModel, table=True):
    __tablename__ = "periods"
    period: str = Field(primary_key=True)
    status: str  # draft | closed  (no row = open)
    run_at: datetime
    closed_at: datetime | None = None
    batches: str = "[]"  # JSON list of batch ids the run covered
    contracts: str = "{}"  # JSON {contract id: revision} the run used
    events_rated: int = 0
    summary: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # settle JSON


class ContractSettlementRow(SQLModel, table=True):
    """The components of one contract in one settled period (``origin`` = its own period), or a
    prior-period adjustment carried in ``period`` for ``origin``."""

    __tablename__ = "contract_settlements"
    period: str = Field(primary_key=True)
    contract: str = Field(primary_key=True)
    origin: str = Field(primary_key=True)
    revision: int
    currency: str
    usage: Decimal = money_field()
    retainer: Decimal = money_field()
    cap_adjustment: Decimal = money_field()
    minimum_guarantee_topup: Decimal = money_field()
    earned: Decimal = money_field()
    advance_paid: Decimal = money_field()
    advance_recouped: Decimal = money_field()
    brand_due: Decimal = money_field()
    commission: Decimal = money_field()
    withholding: Decimal = money_field()
    talent_net: Decimal = money_field()


class StatementRow(SQLModel, table=True):
    """The statement document of one party for one period, as issued (JSON, decimals as text)."""

    __tablename__ = "statements"
    period: str = Field(primary_key=True)
    party_type: str = Field(primary_key=True)
    party_id: str = Field(primary_key=True)
    statement_id: str = Field(index=True)
    verification_code: str
    document: str = Field(sa_column=Column(Text, nullable=False))


class JournalEntryRow(SQLModel, table=True):
    """Append-only. ``hash`` chains every entry to the one before it."""

    __tablename__ = "journal_entries"
    seq: int = Field(primary_key=True)
    period: str = Field(index=True)
    kind: str  # settlement | payout | adjustment
    reference: str
    memo: str
    posted_at: datetime
    prev_hash: str
    hash: str


class PostingRow(SQLModel, table=True):
    __tablename__ = "postings"
    id: int | None = Field(default=None, primary_key=True)
    entry_seq: int = Field(index=True, foreign_key="journal_entries.seq")
    line: int
    account: str = Field(index=True)
    currency: str
    debit: Decimal = money_field()
    credit: Decimal = money_field()


class IssuedFileRow(SQLModel, table=True):
    """A PDF the ledger rendered from a statement document, by the sha256 of its bytes, so that
    `statements verify` recognises it even after the renderer has changed."""

    __tablename__ = "issued_files"
    sha256: str = Field(primary_key=True)
    statement_id: str = Field(index=True)
    period: str
    file_name: str
    rendered_at: datetime
    # of the document rendered (a draft's differs from its closed statement's); None = recorded
    # before it was kept
    verification_code: str | None = Field(default=None, index=True)


class IdempotencyKeyRow(SQLModel, table=True):
    """A write that lands once: its key, a digest of its arguments and the journal entry it posted,
    stored in the same transaction as that entry."""

    __tablename__ = "idempotency_keys"
    key: str = Field(primary_key=True)
    command: str  # adjust
    request_sha256: str = Field(index=True)
    entry_seq: int = Field(foreign_key="journal_entries.seq", unique=True)
    created_at: datetime


class WorkspaceMetaRow(SQLModel, table=True):
    """Facts about the workspace that owns this database: ``workspace_id`` and ``root``."""

    __tablename__ = "workspace_meta"
    key: str = Field(primary_key=True)
    value: str


class SealRow(SQLModel, table=True):
    """The seal of one closed period (``ledger.seal``): the state it closed on, as canonical JSON,
    chained to the seal before it. Kept also as ``seals/<period>.json`` in the workspace."""

    __tablename__ = "seals"
    period: str = Field(primary_key=True)
    position: int = Field(unique=True)  # 1 for the first seal, then one more per close
    body: str = Field(sa_column=Column(Text, nullable=False))  # canonical JSON of the seal
    hash: str  # sha256 of body
    hmac: str | None = None  # HMAC-SHA256 of hash under the seal key, when one is configured
    sealed_at: datetime


class PayoutRunRow(SQLModel, table=True):
    """One payout run of a closed period (``ledger.payouts``): the transfers it holds (JSON), the
    files it wrote and their sha256, and its state: created, then cancelled or confirmed."""

    __tablename__ = "payout_runs"
    __table_args__ = (UniqueConstraint("period", "number"),)
    id: str = Field(primary_key=True)  # PR-<period>-<number>
    period: str = Field(index=True)
    number: int  # 1 for the period's first run, then one more per run
    state: str  # created | cancelled | confirmed
    execution_date: date
    created_at: datetime
    cancelled_at: datetime | None = None
    confirmed_at: datetime | None = None
    paid_on: date | None = None
    payer_account: str  # the journal account that pays, bank:<payer>
    sepa_file: str | None = None
    sepa_sha256: str | None = None
    manual_file: str | None = None
    manual_sha256: str | None = None
    transfers: str = Field(sa_column=Column(Text, nullable=False))  # JSON list
    totals: str = Field(sa_column=Column(Text, nullable=False))  # JSON {currency: amount}


class DocumentNumberRow(SQLModel, table=True):
    """The last number given in one series of invoices or credit notes (``NORDLYS-2026``,
    ``CN-NORDLYS-2026``): advanced inside the `settle close` transaction, never reused."""

    __tablename__ = "document_numbers"
    series: str = Field(primary_key=True)
    last: int = 0


class MeasureSnapshotRow(SQLModel, table=True):
    """The measured quantities a close stored (``MeasuredLineRow``), the fingerprint of the
    reference data they were measured with (twins, revocations, restricted categories) and the
    party terms its economics read."""

    __tablename__ = "measure_snapshots"
    period: str = Field(primary_key=True)  # the closed period
    reference_sha256: str
    renders_sha256: str | None = None  # of settlements/<period>/first_renders.parquet
    economics_terms: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """JSON: contract id -> what its economics read of the parties at the close
    (``ledger.settlement.compute.economics_terms``); None for closes made before it was kept."""
    lines_sha256: str | None = None
    """Of settlements/<period>/measured_lines.parquet, the quantities the close measured; None
    for closes made before, which stored them as ``measured_lines`` rows."""
    journal_seq: int | None = None
    """The journal's head after the close's postings: ``payables`` hold the entries up to it."""
    payables: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """JSON [[account, currency, balance], ...]: every talent and agency payable account over
    the entries up to ``journal_seq`` of periods up to the close's (``ledger.journal.
    KeptPayables``), from which the next settlement's opening balances are summed on; None for
    closes made before they were kept."""


class MeasuredLineRow(SQLModel, table=True):
    """The quantity of one priced line of one month, as the close of ``period`` measured it
    (closes made before ``MeasureSnapshotRow.lines_sha256`` existed; later ones keep a file)."""

    __tablename__ = "measured_lines"
    period: str = Field(primary_key=True)  # the closed period whose snapshot this is
    month: str = Field(primary_key=True)  # YYYY-MM of the events
    brand: str
    vkey: str = Field(primary_key=True)  # contract version (ContractVersion.key)
    rule_no: int = Field(primary_key=True)
    oos: bool = Field(primary_key=True)
    quantity: str  # exact decimal text of the DECIMAL(38,3) sum
    events: int = Field(sa_column=Column(BigInteger, nullable=False))


class AssetCredentialRow(SQLModel, table=True):
    """What `assets verify` found in the content credentials (C2PA) of one file of a brand,
    keyed by the sha256 of the file's bytes (``ledger.provenance.assets``)."""

    __tablename__ = "asset_credentials"
    brand: str = Field(primary_key=True)
    sha256: str = Field(primary_key=True)  # of the file's bytes: a publication's content_hash
    asset_id: str = Field(index=True)  # the brand's asset id the file was verified as
    media_type: str
    state: str  # no_manifest | valid | trusted | invalid
    verified: bool  # counts as a verified credential in rating (SPEC 3)
    ai_generated: bool  # its actions declare a generative-AI digital source type
    signer: str | None = None
    signer_issuer: str | None = None
    claim_generator: str | None = None
    digital_source_type: str | None = None
    ai_assertion: str | None = None
    manifest_label: str | None = None
    failures: str = "[]"  # JSON list of validation failure codes
    verified_at: datetime  # when this result was first stored (unchanged by a re-verify)


class ConsentRow(SQLModel, table=True):
    """One consent document of a talent for a twin (``ledger.provenance.consents``)."""

    __tablename__ = "consents"
    id: str = Field(primary_key=True)
    twin: str = Field(index=True)
    purpose: str
    rate_basis: str
    start: date
    end: date
    signed_on: date
    document_sha256: str
    territories: str  # JSON list of ISO 3166-1 alpha-2 codes, or ["WORLD"]
    channels: str  # JSON list, or ["*"]
    media: str  # JSON list
    categories: str  # JSON list, or ["*"]
    source: str  # the file it was imported from
    imported_at: datetime
