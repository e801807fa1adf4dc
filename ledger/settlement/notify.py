"""The webhook messages of a settlement, written in its transaction: ``exceptions.found`` to
each brand whose events raised exceptions (every run and close), and when the period closes
``period.closed`` and ``document.issued`` to each party with a document."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa
from sqlmodel import Session

from ledger.settlement.documents import brand_documents_of
from ledger.webhooks.outbox import enqueue


def settled(
    session: Session, period: str, status: str, exceptions: pa.Table, docs: list[dict[str, Any]]
) -> None:
    per_brand: dict[str, Counter[str]] = defaultdict(Counter)
    for row in exceptions.select(["brand", "kind"]).to_pylist():
        if row["brand"]:
            per_brand[row["brand"]][row["kind"]] += 1
    for brand, kinds in sorted(per_brand.items()):
        enqueue(
            session,
            "brand",
            brand,
            "exceptions.found",
            {
                "period": period,
                "status": status,
                "count": sum(kinds.values()),
                "kinds": dict(sorted(kinds.items())),
            },
        )
    if status != "closed":
        return
    for doc in docs:
        party = doc["party"]
        kind, party_id = party["type"], party["id"]
        enqueue(session, kind, party_id, "period.closed", {"period": period})
        for issued in _issued(doc):
            enqueue(session, kind, party_id, "document.issued", issued)


def _issued(doc: dict[str, Any]) -> list[dict[str, Any]]:
    base = {"period": doc["period"], "statement_id": doc["statement_id"]}
    if doc["party"]["type"] == "brand":
        return [
            base
            | {
                "document": d["document"],
                "number": d.get("number"),
                "currency": d.get("currency"),
                "total": d.get("total"),
                "issuer": (d.get("issuer") or {}).get("id"),
            }
            for d in brand_documents_of(doc)
        ]
    summary = doc.get("summary") or {}
    return [
        base
        | {
            "document": "statement",
            "currency": doc.get("currency"),
            "payable": summary.get("payable"),
        }
    ]
