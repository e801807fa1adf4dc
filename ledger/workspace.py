"""A workspace: one directory holding the ledger's settings, event store, quarantine files and
rendered statements, plus the relational database (a SQLite file inside it by default).

    twinledger-data/
      workspace.toml        settings: database_url, issuer details, payment terms
      ledger.db             SQLite (unless database_url points elsewhere)
      events/<brand>/       one Parquet file (or a folder of parts) per committed batch
      quarantine/           rejected rows per batch (CSV)
      profiles/             brand log profiles (TOML)
      settlements/<period>/ exceptions of each settlement run (Parquet)
      statements/<period>/  rendered PDFs
      seals/<period>.json   the seal of each closed period (ledger.seal)
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy.engine import Engine

from ledger.errors import LedgerError
from ledger.storage.db import make_engine, migrate, schema_is_current

SETTINGS_FILE = "workspace.toml"
DEFAULT_DIR = "twinledger-data"


def default_root() -> Path:
    return Path(os.environ.get("TWINLEDGER_HOME") or DEFAULT_DIR)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Workspace:
    root: Path
    database_url: str
    settings: dict[str, object] = field(default_factory=dict)

    @classmethod
    def init(cls, root: Path, database_url: str | None = None) -> Workspace:
        """Create the workspace (or upgrade an existing one's schema); idempotent."""
        root = root.resolve()
        settings_path = root / SETTINGS_FILE
        if settings_path.exists():
            workspace = cls.open(root)
            if database_url and database_url != workspace.database_url:
                raise LedgerError(
                    f"{settings_path}: workspace already uses {workspace.database_url}; "
                    "refusing to switch databases"
                )
        else:
            root.mkdir(parents=True, exist_ok=True)
            url = database_url or f"sqlite:///{root / 'ledger.db'}"
            settings_path.write_text(
                "# twinledger workspace settings\n"
                f"database_url = {_toml_string(url)}\n\n"
                "[issuer]\n"
                'name = "twinledger clearing house"\n'
                'payment_terms = "Payment due within 30 days of the invoice date."\n',
                encoding="utf-8",
            )
            workspace = cls.open(root)
        for sub in (
            "events",
            "quarantine",
            "profiles",
            "settlements",
            "statements",
            "seals",
            "tmp",
        ):
            (root / sub).mkdir(exist_ok=True)
        migrate(workspace.engine)
        return workspace

    @classmethod
    def open(cls, root: Path | None = None) -> Workspace:
        root = (root or default_root()).resolve()
        settings_path = root / SETTINGS_FILE
        if not settings_path.exists():
            raise LedgerError(f"{root}: not a twinledger workspace (run `twinledger init` first)")
        try:
            settings = tomllib.loads(settings_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise LedgerError(f"{settings_path}: {exc}") from None
        url = settings.get("database_url")
        if not isinstance(url, str):
            raise LedgerError(f"{settings_path}: database_url is missing")
        return cls(root=root, database_url=url, settings=settings)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.database_url)

    def check_schema(self) -> None:
        if not schema_is_current(self.engine):
            raise LedgerError(
                f"{self.root}: the database schema is out of date; run `twinledger init` to upgrade"
            )

    @property
    def issuer(self) -> dict[str, str]:
        issuer = self.settings.get("issuer", {})
        return {str(k): str(v) for k, v in issuer.items()} if isinstance(issuer, dict) else {}

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    @property
    def lock_file(self) -> Path:
        return self.root / "tmp" / "ingest.lock"
