"""`assets verify`: read the content credentials of a brand's files and store what they say.

One row per (brand, sha256 of the file's bytes): verifying the same file again with the same
outcome changes nothing; a different outcome (another trust list, another asset id) replaces the
row and says so. Rating (SPEC 3) matches a publication to these rows by its ``content_hash`` or,
when it has none, by its ``asset_id``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlmodel import Session, col, select

from ledger.errors import LedgerError
from ledger.provenance.credentials import TRUSTED, Credential, read_credential
from ledger.rating.tables import ASSET_SCHEMA
from ledger.refdata.tomlread import MAX_TEXT
from ledger.storage.db import reading, writing
from ledger.storage.repo import iso, load_parties, now
from ledger.storage.tables import AssetCredentialRow
from ledger.workspace import Workspace


@dataclass(frozen=True)
class Verified:
    """One file verified: where it is, the asset it was stored as, what it says and whether
    the store changed (``new``, ``unchanged`` or ``updated``)."""

    path: Path
    asset_id: str
    credential: Credential
    verified: bool
    stored: str

    def as_dict(self) -> dict[str, Any]:
        c = self.credential
        return {
            "path": str(self.path),
            "asset_id": self.asset_id,
            "sha256": c.sha256,
            "media_type": c.media_type,
            "manifest": c.state != "no_manifest",
            "state": c.state,
            "signature_valid": c.valid,
            "trusted": c.state == TRUSTED,
            "verified": self.verified,
            "signer": c.signer,
            "signer_issuer": c.signer_issuer,
            "claim_generator": c.claim_generator,
            "digital_source_type": c.digital_source_type,
            "ai_generated": c.ai_generated,
            "ai_assertion": c.ai_assertion,
            "failures": list(c.failures),
            "stored": self.stored,
        }


def _values(asset_id: str, credential: Credential, verified: bool) -> dict[str, Any]:
    return {
        "asset_id": asset_id,
        "media_type": credential.media_type,
        "state": credential.state,
        "verified": verified,
        "ai_generated": credential.ai_generated,
        "signer": credential.signer,
        "signer_issuer": credential.signer_issuer,
        "claim_generator": credential.claim_generator,
        "digital_source_type": credential.digital_source_type,
        "ai_assertion": credential.ai_assertion,
        "manifest_label": credential.manifest_label,
        "failures": json.dumps(list(credential.failures)),
    }


def _asset_id(path: Path, given: str | None) -> str:
    asset_id = given if given is not None else path.stem
    if not asset_id.strip() or len(asset_id) > MAX_TEXT:
        raise LedgerError(f"{path}: asset id must be 1 to {MAX_TEXT} characters, got {asset_id!r}")
    return asset_id


def verify_assets(
    workspace: Workspace, paths: Sequence[Path], brand: str, asset_id: str | None = None
) -> list[Verified]:
    """Verify every file and store the results, all or nothing. A file's asset id is
    ``asset_id`` (one file only) or its name without the extension."""
    if not paths:
        raise LedgerError("no files to verify")
    if asset_id is not None and len(paths) > 1:
        raise LedgerError("an asset id names the asset of one file; give one file with it")
    with reading(workspace.engine) as session:
        if brand not in {b.id for b in load_parties(session).brands}:
            raise LedgerError(f"unknown brand {brand!r}")
    anchors = workspace.trust_anchors
    require_trusted = workspace.require_trusted
    read = []
    for path in paths:
        credential = read_credential(path, anchors)
        verified = credential.state == TRUSTED if require_trusted else credential.valid
        read.append((path, _asset_id(path, asset_id), credential, verified))
    results: list[Verified] = []
    with writing(workspace.engine) as session:
        for path, name, credential, verified in read:
            values = _values(name, credential, verified)
            row = session.get(AssetCredentialRow, (brand, credential.sha256))
            if row is None:
                session.add(
                    AssetCredentialRow(
                        brand=brand, sha256=credential.sha256, verified_at=now(), **values
                    )
                )
                stored = "new"
            elif all(getattr(row, k) == v for k, v in values.items()):
                stored = "unchanged"
            else:
                for key, value in values.items():
                    setattr(row, key, value)
                row.verified_at = now()
                session.add(row)
                stored = "updated"
            session.flush()
            results.append(Verified(path, name, credential, verified, stored))
    return results


def list_assets(workspace: Workspace, brand: str | None = None) -> list[dict[str, Any]]:
    """The stored asset credentials (of one brand), by brand and asset id."""
    with reading(workspace.engine) as session:
        query = select(AssetCredentialRow)
        if brand is not None:
            query = query.where(AssetCredentialRow.brand == brand)
        rows = session.exec(query).all()
    return [
        {
            "brand": r.brand,
            "asset_id": r.asset_id,
            "sha256": r.sha256,
            "media_type": r.media_type,
            "state": r.state,
            "verified": r.verified,
            "ai_generated": r.ai_generated,
            "signer": r.signer,
            "signer_issuer": r.signer_issuer,
            "claim_generator": r.claim_generator,
            "digital_source_type": r.digital_source_type,
            "ai_assertion": r.ai_assertion,
            "failures": json.loads(r.failures),
            "verified_at": iso(r.verified_at),
        }
        for r in sorted(rows, key=lambda r: (r.brand, r.asset_id, r.sha256))
    ]


def asset_table(session: Session) -> pa.Table:
    """Every stored asset credential, in ``ASSET_SCHEMA``, for rating."""
    rows = session.exec(
        select(AssetCredentialRow).order_by(AssetCredentialRow.brand, AssetCredentialRow.sha256)
    ).all()
    return pa.Table.from_pylist(
        [
            {
                "brand": r.brand,
                "sha256": r.sha256,
                "asset_id": r.asset_id,
                "verified": r.verified,
                "ai_generated": r.ai_generated,
            }
            for r in rows
        ],
        schema=ASSET_SCHEMA,
    )


def assets_changed_since(session: Session, moment: datetime) -> bool:
    """True when an asset credential was stored or changed after ``moment`` (a draft's run)."""
    later = select(AssetCredentialRow.sha256).where(col(AssetCredentialRow.verified_at) > moment)
    return session.exec(later.limit(1)).first() is not None
