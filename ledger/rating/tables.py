"""Reference data as Arrow tables for the rating queries (contract versions, rules, twins)."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from ledger.domain import Contract, Parties

VERSION_SCHEMA = pa.schema(
    [
        ("vkey", pa.string()),
        ("contract_id", pa.string()),
        ("revision", pa.int64()),
        ("version_no", pa.int64()),
        ("brand", pa.string()),
        ("twin", pa.string()),
        ("vfrom", pa.date32()),
        ("vto", pa.date32()),
        ("territories", pa.list_(pa.string())),
        ("excluded", pa.list_(pa.string())),
        ("channels", pa.list_(pa.string())),
        ("media", pa.list_(pa.string())),
        ("category", pa.string()),
        ("exclusive", pa.bool_()),
        ("disclosure_required", pa.bool_()),
    ]
)
RULE_SCHEMA = pa.schema(
    [
        ("vkey", pa.string()),
        ("rule_no", pa.int64()),
        ("metric", pa.string()),
        ("channel", pa.string()),
        ("media", pa.string()),
        ("specificity", pa.int64()),
    ]
)


def versions_table(contracts: Sequence[Contract]) -> pa.Table:
    rows = [
        {
            "vkey": v.key,
            "contract_id": c.id,
            "revision": c.revision,
            "version_no": v.version_no,
            "brand": c.brand,
            "twin": c.twin,
            "vfrom": v.effective_from,
            "vto": v.effective_to,
            "territories": list(v.terms.territories),
            "excluded": list(v.terms.excluded_territories),
            "channels": list(v.terms.channels),
            "media": list(v.terms.media),
            "category": v.terms.category,
            "exclusive": v.terms.exclusive,
            "disclosure_required": v.terms.disclosure_required,
        }
        for c in contracts
        for v in c.versions()
    ]
    return pa.Table.from_pylist(rows, schema=VERSION_SCHEMA)


def rules_table(contracts: Sequence[Contract]) -> pa.Table:
    rows = [
        {
            "vkey": v.key,
            "rule_no": r.rule_no,
            "metric": r.metric,
            "channel": r.channel,
            "media": r.media,
            "specificity": r.specificity,
        }
        for c in contracts
        for v in c.versions()
        for r in v.terms.rates
    ]
    return pa.Table.from_pylist(rows, schema=RULE_SCHEMA)


def twins_table(parties: Parties) -> pa.Table:
    return pa.Table.from_pylist(
        [{"twin_id": t.id, "talent": t.talent, "revoked_on": t.revoked_on} for t in parties.twins],
        schema=pa.schema(
            [("twin_id", pa.string()), ("talent", pa.string()), ("revoked_on", pa.date32())]
        ),
    )


def restricted_table(parties: Parties) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"talent": t.id, "category": category}
            for t in parties.talents
            for category in sorted(set(t.restricted_categories))
        ],
        schema=pa.schema([("talent", pa.string()), ("category", pa.string())]),
    )
