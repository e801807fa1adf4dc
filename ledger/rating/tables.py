"""Reference data as Arrow tables for the rating queries (contract versions, rules, twins)."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from ledger.domain import Contract, Parties
from ledger.rating.engine import Engine

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
    """Every twin with its talent, revocation date and the categories the talent restricts."""
    restricted = {t.id: sorted(set(t.restricted_categories)) for t in parties.talents}
    return pa.Table.from_pylist(
        [
            {
                "twin_id": t.id,
                "talent": t.talent,
                "revoked_on": t.revoked_on,
                "restricted": restricted.get(t.talent, []),
            }
            for t in parties.twins
        ],
        schema=pa.schema(
            [
                ("twin_id", pa.string()),
                ("talent", pa.string()),
                ("revoked_on", pa.date32()),
                ("restricted", pa.list_(pa.string())),
            ]
        ),
    )


METRIC_KINDS = pa.table(
    {
        "kind": ["render", "publication", "impressions", "publication"],
        "metric": ["renders", "publications", "impressions", "video_seconds"],
        "video_only": [False, False, False, True],
    }
)
"""Which metrics each kind of event feeds (SPEC 2.1); video_seconds only from video."""


ASSET_SCHEMA = pa.schema(
    [
        ("brand", pa.string()),
        ("sha256", pa.string()),
        ("asset_id", pa.string()),
        ("verified", pa.bool_()),
        ("ai_generated", pa.bool_()),
    ]
)
"""The brands' verified assets (``ledger.provenance.assets``) that rating matches publications
against: by content_hash = sha256, or by asset_id when a publication has no content_hash."""


def register_reference(
    con: Engine,
    contracts: Sequence[Contract],
    parties: Parties,
    assets: pa.Table | None = None,
) -> None:
    """Tables ``versions``, ``rules``, ``twins``, ``metric_kinds``, ``assets``
    (``ASSET_SCHEMA``; none given: empty) and view ``exclusive``."""
    for name, table in (
        ("versions", versions_table(contracts)),
        ("rules", rules_table(contracts)),
        ("twins", twins_table(parties)),
        ("metric_kinds", METRIC_KINDS),
        ("assets", ASSET_SCHEMA.empty_table() if assets is None else assets.cast(ASSET_SCHEMA)),
    ):
        con.load(name, table)
    con.run("CREATE OR REPLACE TEMP VIEW exclusive AS SELECT * FROM versions WHERE exclusive")
