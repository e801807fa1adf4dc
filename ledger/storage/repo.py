"""Conversions between tables and domain records, and the queries the library needs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, insert, select

from ledger.domain import Address, Agency, Brand, Contract, Parties, Talent, Twin
from ledger.storage.api_tables import TwinRevocationRow
from ledger.storage.codec import contract_from_json, contract_to_json
from ledger.storage.tables import (
    AgencyRow,
    BatchRow,
    BrandRow,
    ContractRow,
    FxRateRow,
    TalentRow,
    TwinRow,
)


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """UTC timestamp as ISO 8601 with Z (stored timestamps are UTC)."""
    return moment.replace(tzinfo=None).isoformat() + "Z"


# -- parties ---------------------------------------------------------------------------------


def _address_of(text: str | None) -> Address | None:
    if not text:
        return None
    data = json.loads(text)
    return Address(tuple(data["lines"]), data["postal_code"], data["city"], data["country"])


def _address_text(address: Address | None) -> str | None:
    if address is None:
        return None
    return json.dumps(
        {
            "lines": list(address.lines),
            "postal_code": address.postal_code,
            "city": address.city,
            "country": address.country,
        },
        ensure_ascii=False,
    )


def _legal(row: AgencyRow | TalentRow | BrandRow) -> dict[str, Any]:
    return {
        "legal_name": row.legal_name,
        "address": _address_of(row.address),
        "vat_id": row.vat_id,
    }


def _legal_columns(party: Agency | Talent | Brand) -> dict[str, Any]:
    return {
        "legal_name": party.legal_name,
        "address": _address_text(party.address),
        "vat_id": party.vat_id,
    }


def load_parties(session: Session) -> Parties:
    return Parties(
        agencies=tuple(
            Agency(
                r.id,
                r.name,
                r.currency,
                r.commission,
                r.locale,
                r.min_payout,
                iban=r.iban,
                bic=r.bic,
                **_legal(r),
                tax_registered=r.tax_registered,
            )
            for r in session.exec(select(AgencyRow).order_by(col(AgencyRow.id)))
        ),
        talents=tuple(
            Talent(
                id=r.id,
                name=r.name,
                payout_currency=r.payout_currency,
                agency=r.agency,
                withholding_rate=r.withholding_rate,
                min_payout=r.min_payout,
                restricted_categories=tuple(json.loads(r.restricted_categories)),
                locale=r.locale,
                iban=r.iban,
                bic=r.bic,
                **_legal(r),
                tax_registered=r.tax_registered,
            )
            for r in session.exec(select(TalentRow).order_by(col(TalentRow.id)))
        ),
        brands=tuple(
            Brand(r.id, r.name, r.currency, r.category, r.locale, **_legal(r))
            for r in session.exec(select(BrandRow).order_by(col(BrandRow.id)))
        ),
        twins=tuple(
            Twin(r.id, r.talent, r.created_on, r.revoked_on, r.locale)
            for r in session.exec(select(TwinRow).order_by(col(TwinRow.id)))
        ),
    )


def upsert_parties(session: Session, parties: Parties) -> dict[str, int]:
    """Insert or update every party by id; returns how many of each kind were written."""
    for a in parties.agencies:
        session.merge(
            AgencyRow(
                id=a.id,
                name=a.name,
                currency=a.currency,
                commission=a.commission,
                locale=a.locale,
                min_payout=a.min_payout,
                iban=a.iban,
                bic=a.bic,
                **_legal_columns(a),
                tax_registered=a.tax_registered,
            )
        )
    for t in parties.talents:
        session.merge(
            TalentRow(
                id=t.id,
                name=t.name,
                agency=t.agency,
                payout_currency=t.payout_currency,
                withholding_rate=t.withholding_rate,
                min_payout=t.min_payout,
                restricted_categories=json.dumps(list(t.restricted_categories)),
                locale=t.locale,
                iban=t.iban,
                bic=t.bic,
                **_legal_columns(t),
                tax_registered=t.tax_registered,
            )
        )
    for b in parties.brands:
        session.merge(
            BrandRow(
                id=b.id,
                name=b.name,
                currency=b.currency,
                category=b.category,
                locale=b.locale,
                **_legal_columns(b),
            )
        )
    withdrawn = recorded_revocations(session)
    for w in parties.twins:
        # a withdrawal recorded by `twins revoke` stands whatever a later parties file says
        recorded = withdrawn.get(w.id)
        revoked_on = min(d for d in (w.revoked_on, recorded) if d) if recorded else w.revoked_on
        session.merge(
            TwinRow(
                id=w.id,
                talent=w.talent,
                created_on=w.created_on,
                revoked_on=revoked_on,
                locale=w.locale,
            )
        )
    return {
        "agencies": len(parties.agencies),
        "talents": len(parties.talents),
        "brands": len(parties.brands),
        "twins": len(parties.twins),
    }


def recorded_revocations(session: Session) -> dict[str, date]:
    """twin -> the earliest withdrawal of consent recorded by `twins revoke`."""
    query = select(TwinRevocationRow).order_by(col(TwinRevocationRow.revoked_on))
    found: dict[str, date] = {}
    for row in session.exec(query).all():
        found.setdefault(row.twin, row.revoked_on)
    return found


def batch_doc(b: BatchRow) -> dict[str, Any]:
    """A batch as `batches list --json` and the API show it."""
    return {
        "batch_id": b.id,
        "brand": b.brand,
        "source_file": b.source_file,
        "file_sha256": b.file_sha256,
        "status": b.status,
        "rows_read": b.rows_read,
        "accepted": b.accepted,
        "duplicates": b.duplicates,
        "restated": b.restated,
        "rejected": b.rejected,
        "skipped": b.skipped,
        "conflicts": b.conflicts,
        "periods": json.loads(b.periods),
        "quarantine": b.quarantine,
        "created_at": iso(b.created_at),
        "void": None
        if b.voided_at is None
        else {"at": iso(b.voided_at), "reason": b.void_reason, "by": b.voided_by},
    }


# -- contracts -------------------------------------------------------------------------------


def load_contracts(session: Session, *, all_revisions: bool = False) -> list[Contract]:
    """The contracts in force (highest revision of each id), or every revision."""
    rows = session.exec(
        select(ContractRow).order_by(col(ContractRow.id), col(ContractRow.revision))
    ).all()
    contracts = [contract_from_json(r.body) for r in rows]
    if all_revisions:
        return contracts
    latest: dict[str, Contract] = {}
    for contract in contracts:
        latest[contract.id] = contract
    return list(latest.values())


def latest_revision(session: Session, contract_id: str) -> Contract | None:
    row = session.exec(
        select(ContractRow)
        .where(ContractRow.id == contract_id)
        .order_by(col(ContractRow.revision).desc())
    ).first()
    return contract_from_json(row.body) if row else None


def store_contract(session: Session, contract: Contract, revision: int) -> Contract:
    stored = replace(contract, revision=revision)
    session.add(
        ContractRow(
            id=stored.id,
            revision=revision,
            brand=stored.brand,
            twin=stored.twin,
            currency=stored.currency,
            start=stored.start,
            end=stored.end,
            content_hash=stored.content_hash,
            source=stored.source,
            body=contract_to_json(stored),
            imported_at=now(),
        )
    )
    return stored


# -- fx --------------------------------------------------------------------------------------


def store_fx_rates(
    session: Session,
    new: Iterable[tuple[date, str, Decimal]],
    changed: Iterable[tuple[date, str, Decimal]] = (),
) -> None:
    """Insert rates not stored yet (in one statement) and overwrite the values of ``changed``."""
    rows = [{"day": day, "currency": ccy, "per_eur": value} for day, ccy, value in new]
    if rows:
        session.execute(insert(FxRateRow), rows)
    for day, currency, per_eur in changed:
        session.merge(FxRateRow(day=day, currency=currency, per_eur=per_eur))


def load_fx_rows(session: Session) -> list[tuple[date, str, Decimal]]:
    """Every stored rate as (date, currency, units per EUR); plain rows, not ORM objects (the
    ECB's history alone is over 200,000 rates)."""
    query = select(col(FxRateRow.day), col(FxRateRow.currency), col(FxRateRow.per_eur))
    return [(day, currency, per_eur) for day, currency, per_eur in session.exec(query)]


# -- batches ---------------------------------------------------------------------------------


def committed_batches(session: Session) -> Sequence[BatchRow]:
    return session.exec(
        select(BatchRow)
        .where(BatchRow.status == "committed")
        .order_by(col(BatchRow.created_at), col(BatchRow.id))
    ).all()


def all_batches(session: Session) -> Sequence[BatchRow]:
    return session.exec(select(BatchRow).order_by(col(BatchRow.created_at), col(BatchRow.id))).all()


def party_rows(engine: Engine, table: Any, party_id: str | None = None) -> list[Any]:
    """The rows of a per-party table (access grants, API keys, webhook endpoints), oldest
    first; only ``party_id``'s when given."""
    query = select(table)
    if party_id is not None:
        query = query.where(table.party_id == party_id)
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(query.order_by(col(table.created_at))).all())
