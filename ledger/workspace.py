"""A workspace: one directory holding the ledger's settings, event store, quarantine files and
rendered statements, plus the relational database (a SQLite file inside it by default).

    twinledger-data/
      workspace.toml        settings: id, database_url, issuer details, payment terms,
                            [fx] max_age_days, [payer] name, iban, bic (the paying account),
                            [provenance] trust_anchors, require_trusted, require_consent
      ledger.db             SQLite (unless database_url points elsewhere)
      events/<brand>/       one Parquet file (or a folder of parts) per committed batch
      quarantine/           rejected rows per batch (CSV)
      profiles/             brand log profiles (TOML)
      settlements/<period>/ exceptions of each settlement run (Parquet)
      statements/<period>/  rendered PDFs of closed periods (issued statements only)
      drafts/<period>/      rendered PDFs of draft periods
      seals/<period>.json   the seal of each closed period (ledger.seal)
      payouts/<period>/     payout run files (SEPA pain.001 and manual payments CSV)

Every path a workspace stores is relative to it: the default database is
`database_url = "sqlite:///ledger.db"`, a SQLite file inside the folder, so a folder moved or
copied whole (`mv`, `cp -r`, a backup restored) is a complete, independent ledger. The workspace's
`id` is recorded in the database it owns (``ledger.storage.owner``): a workspace whose database
belongs to another one is refused before anything is written.
"""

from __future__ import annotations

import os
import tomllib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ledger.domain import Payer
from ledger.errors import LedgerError, NotAWorkspace, SchemaOutdated
from ledger.files import REFERENCE_FILE_BYTES, unreadable
from ledger.fx import DEFAULT_MAX_AGE_DAYS
from ledger.rating.engine import ENGINES, EngineChoice
from ledger.storage.db import make_engine, migrate, schema_is_current
from ledger.storage.owner import Owner, check_owner, claim
from ledger.vat_rates import parse_rates

SETTINGS_FILE = "workspace.toml"
OWN_SQLITE = "sqlite:///ledger.db"  # relative: the file inside the workspace
DEFAULT_DIR = "twinledger-data"
PROVENANCE_KEYS = ("require_consent", "require_trusted", "trust_anchors")


def default_root() -> Path:
    return Path(os.environ.get("TWINLEDGER_HOME") or DEFAULT_DIR)


def check_payer(where: str, name: object, iban: object, bic: object) -> Payer:
    """A payer whose name is text and whose IBAN (and BIC, if given) are valid."""
    from ledger.refdata.bank import bic_problem, compact_bic, compact_iban, iban_problem

    if not isinstance(name, str) or not name.strip() or any(ord(c) < 32 for c in name):
        raise LedgerError(f"{where} name: required, one line of text")
    if not isinstance(iban, str):
        raise LedgerError(f"{where} iban: required, the IBAN of the paying account")
    if (problem := iban_problem(iban)) is not None:
        raise LedgerError(f"{where} iban: {problem}")
    if bic is not None:
        if not isinstance(bic, str) or (problem := bic_problem(bic)) is not None:
            raise LedgerError(f"{where} bic: {problem or 'must be a string'}")
        bic = compact_bic(bic)
    return Payer(name.strip(), compact_iban(iban), bic)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Workspace:
    root: Path
    database_url: str
    settings: dict[str, object] = field(default_factory=dict)

    @classmethod
    def init(cls, root: Path, database_url: str | None = None, adopt: bool = False) -> Workspace:
        """Create the workspace (or upgrade an existing one's schema); idempotent. ``adopt``
        makes this folder the owner of its database (a moved, copied or restored workspace whose
        database lives outside the folder)."""
        root = root.resolve()
        settings_path = root / SETTINGS_FILE
        if settings_path.exists():
            workspace = cls.open(root)
            workspace.relativise_database()
            if database_url and database_url != workspace.database_url:
                raise LedgerError(
                    f"{settings_path}: workspace already uses {workspace.database_url}; "
                    "refusing to switch databases"
                )
        else:
            root.mkdir(parents=True, exist_ok=True)
            url = database_url or OWN_SQLITE
            settings_path.write_text(
                "# twinledger workspace settings\n"
                f"id = {_toml_string(str(uuid.uuid4()))}\n"
                "# a SQLite path is relative to this folder\n"
                f"database_url = {_toml_string(url)}\n\n"
                "[issuer]\n"
                'name = "twinledger clearing house"\n'
                'payment_terms = "Payment due within 30 days of the invoice date."\n\n'
                "[fx]\n"
                "# a conversion uses a rate at most this many days older than its date\n"
                f"max_age_days = {DEFAULT_MAX_AGE_DAYS}\n",
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
        workspace.check_database(creating=True)
        if not adopt:  # nothing is written into another workspace's database, not even a schema
            workspace.check_owner(claim_free=False)
        migrate(workspace.engine)
        if adopt:
            claim(workspace.engine, workspace.owner)
        workspace.check_owner()
        return workspace

    @classmethod
    def open(cls, root: Path | None = None) -> Workspace:
        root = (root or default_root()).resolve()
        settings_path = root / SETTINGS_FILE
        if not settings_path.exists():
            raise NotAWorkspace(f"{root}: not a twinledger workspace")
        try:
            settings = tomllib.loads(settings_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise LedgerError(f"{settings_path}: {exc}") from None
        url = settings.get("database_url")
        if not isinstance(url, str):
            raise LedgerError(f"{settings_path}: database_url is missing")
        return cls(root=root, database_url=url, settings=settings)

    @property
    def workspace_id(self) -> str | None:
        value = self.settings.get("id")
        return value if isinstance(value, str) and value else None

    @property
    def owner(self) -> Owner:
        assert self.workspace_id is not None
        return Owner(self.workspace_id, str(self.root))

    @cached_property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file, resolved against the workspace (None for other databases).

        A relative path is inside the workspace. An absolute path that no longer exists while a
        file of its name does in the workspace is read as that file: a folder moved before its
        paths were stored relative to it."""
        if not self.database_url.startswith("sqlite:///"):
            return None
        path = Path(self.database_url.removeprefix("sqlite:///"))
        if not path.is_absolute():
            return self.root / path
        if not path.exists() and (self.root / path.name).exists():
            return self.root / path.name
        return path

    @property
    def database(self) -> str:
        """The database URL, a SQLite file resolved against the workspace."""
        file = self.sqlite_file
        return f"sqlite:///{file}" if file is not None else self.database_url

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.database)

    def check_database(self, creating: bool = False) -> None:
        """Refuse a SQLite database that is missing (opening it would create an empty one)."""
        file = self.sqlite_file
        if file is not None and not creating and not file.is_file():
            raise LedgerError(
                f"{self.root}: its database {file} does not exist; a workspace keeps its "
                'SQLite file inside its folder (database_url = "sqlite:///ledger.db")'
            )

    def ensure_id(self) -> None:
        """Give a workspace created before workspaces had ids its own (written atomically)."""
        if self.workspace_id is not None:
            return
        settings_path = self.root / SETTINGS_FILE
        text = settings_path.read_text(encoding="utf-8")
        new_id = str(uuid.uuid4())
        tmp = settings_path.with_name(SETTINGS_FILE + ".part")
        tmp.write_text(f"id = {_toml_string(new_id)}\n" + text, encoding="utf-8")
        os.replace(tmp, settings_path)
        self.settings = {"id": new_id, **self.settings}

    def relativise_database(self) -> None:
        """Store an absolute SQLite path inside the workspace as relative to it (workspaces
        created before every stored path was relative), so the folder can move."""
        file = self.sqlite_file
        if file is None or not Path(self.database_url.removeprefix("sqlite:///")).is_absolute():
            return
        if not file.resolve().is_relative_to(self.root):
            return
        relative = f"sqlite:///{file.resolve().relative_to(self.root).as_posix()}"
        self._rewrite_settings(
            f"database_url = {_toml_string(self.database_url)}",
            f"database_url = {_toml_string(relative)}",
        )
        self.database_url = relative
        self.__dict__.pop("sqlite_file", None)

    def _rewrite_settings(self, old: str, new: str) -> None:
        settings_path = self.root / SETTINGS_FILE
        text = settings_path.read_text(encoding="utf-8")
        if old not in text:
            return
        tmp = settings_path.with_name(SETTINGS_FILE + ".part")
        tmp.write_text(text.replace(old, new, 1), encoding="utf-8")
        os.replace(tmp, settings_path)

    def check_owner(self, claim_free: bool = True) -> None:
        """Refuse a database that belongs to another workspace (before anything is written)."""
        self.ensure_id()
        file = self.sqlite_file
        inside = file is not None and file.resolve().is_relative_to(self.root)
        try:
            check_owner(self.engine, self.owner, inside, str(self.root), claim_free)
        except SQLAlchemyError as exc:
            cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise LedgerError(f"{self.root}: its database cannot be opened: {cause}") from None

    def check_schema(self) -> None:
        self.check_database()
        if not schema_is_current(self.engine):
            raise SchemaOutdated(f"{self.root}: the database schema is out of date")

    @property
    def issuer(self) -> dict[str, str]:
        issuer = self.settings.get("issuer", {})
        return {str(k): str(v) for k, v in issuer.items()} if isinstance(issuer, dict) else {}

    @property
    def vat_rates(self) -> dict[str, Decimal]:
        """Standard VAT rates per country: the shipped EU rates, overridden by `[vat]`."""
        table = self.settings.get("vat", {})
        if not isinstance(table, dict):
            raise LedgerError(f"{self.root / SETTINGS_FILE}: [vat] must be a table")
        rates, problem = parse_rates(table)
        if problem:
            raise LedgerError(f"{self.root / SETTINGS_FILE}: {problem}")
        return rates

    @property
    def fx_max_age_days(self) -> int:
        """How many days older than its date a conversion's rate may be (`[fx] max_age_days`)."""
        fx = self.settings.get("fx", {})
        value = fx.get("max_age_days", DEFAULT_MAX_AGE_DAYS) if isinstance(fx, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 366:
            raise LedgerError(
                f"{self.root / SETTINGS_FILE}: [fx] max_age_days must be a whole number of days "
                f"from 0 to 366, got {value!r}"
            )
        return value

    def _provenance(self) -> dict[str, object]:
        table = self.settings.get("provenance", {})
        where = f"{self.root / SETTINGS_FILE}: [provenance]"
        if not isinstance(table, dict):
            raise LedgerError(f"{where} must be a table")
        unknown = sorted(set(table) - set(PROVENANCE_KEYS))
        if unknown:
            raise LedgerError(
                f"{where} {unknown[0]}: unknown key (expected {', '.join(PROVENANCE_KEYS)})"
            )
        return table

    def _flag(self, key: str, value: object) -> bool:
        if not isinstance(value, bool):
            raise LedgerError(
                f"{self.root / SETTINGS_FILE}: {key} must be true or false, got {value!r}"
            )
        return value

    @property
    def require_consent(self) -> bool:
        """Refuse a contract whose twin has no consent on file (`[provenance] require_consent`,
        or `require_consent` at the top of workspace.toml); default false: a warning."""
        table = self._provenance()
        if "require_consent" in table:
            return self._flag("[provenance] require_consent", table["require_consent"])
        return self._flag("require_consent", self.settings.get("require_consent", False))

    @property
    def require_trusted(self) -> bool:
        """Only credentials whose signer chains to a trust anchor count as verified
        (`[provenance] require_trusted`, default false)."""
        value = self._provenance().get("require_trusted", False)
        return self._flag("[provenance] require_trusted", value)

    @property
    def trust_anchors(self) -> str | None:
        """The PEM text of `[provenance] trust_anchors` (a file, relative to the workspace)."""
        name = self._provenance().get("trust_anchors")
        if name is None:
            return None
        where = f"{self.root / SETTINGS_FILE}: [provenance] trust_anchors"
        if not isinstance(name, str) or not name:
            raise LedgerError(f"{where} must name a PEM file, got {name!r}")
        path = self.root / name
        reason = unreadable(path, REFERENCE_FILE_BYTES)
        if reason is not None:
            raise LedgerError(f"{where}: {path}: {reason}")
        text = path.read_text(encoding="utf-8", errors="replace")
        if "-----BEGIN CERTIFICATE-----" not in text:
            raise LedgerError(f"{where}: {path}: no PEM certificate in the file")
        return text

    def engine_choice(self, engine: str | None = None) -> EngineChoice:
        """The engine that measures settlements: ``engine`` if given, else the top-level
        ``engine`` key (``duckdb``, the default, or ``spark``), with ``spark_master`` and
        ``spark_events`` (where Spark's executors read the ``events`` folder)."""
        where = self.root / SETTINGS_FILE
        name = engine or self.settings.get("engine", "duckdb")
        if name not in ENGINES:
            source = "--engine" if engine else f"{where}: engine"
            raise LedgerError(f"{source}: {name!r} is not an engine (expected duckdb or spark)")
        master = self.settings.get("spark_master")
        if master is not None and (not isinstance(master, str) or not master.strip()):
            raise LedgerError(
                f"{where}: spark_master must be a Spark master URL such as "
                f'"local[4]", "spark://host:7077" or "sc://host:15002", got {master!r}'
            )
        uri = self.settings.get("spark_events")
        if uri is not None and (not isinstance(uri, str) or "://" not in uri):
            raise LedgerError(
                f"{where}: spark_events must be the URI where Spark reads this workspace's "
                f'events folder, such as "s3a://bucket/ledger/events", got {uri!r}'
            )
        return EngineChoice(
            str(name),
            master.strip() if isinstance(master, str) else None,
            self.path("events"),
            uri,
        )

    @property
    def payer(self) -> Payer | None:
        """The ``[payer]`` table (name, iban, bic), checked; None when there is none."""
        table = self.settings.get("payer")
        if table is None:
            return None
        where = f"{self.root / SETTINGS_FILE}: [payer]"
        if not isinstance(table, dict):
            raise LedgerError(f"{where} must be a table with name, iban and bic")
        unknown = sorted(set(table) - {"name", "iban", "bic"})
        if unknown:
            raise LedgerError(f"{where} {unknown[0]}: unknown key (expected name, iban, bic)")
        return check_payer(where, table.get("name"), table.get("iban"), table.get("bic"))

    def set_payer(self, name: str, iban: str, bic: str | None) -> Payer:
        """Check the payer and write it as the ``[payer]`` table of workspace.toml (whole)."""
        payer = check_payer("payer", name, iban, bic)
        settings_path = self.root / SETTINGS_FILE
        kept, skipping = [], False
        for line in settings_path.read_text(encoding="utf-8").splitlines():
            header = line.strip()
            if header.startswith("["):
                skipping = header == "[payer]"
            if not skipping:
                kept.append(line)
        while kept and not kept[-1].strip():
            kept.pop()
        table = [
            "",
            "[payer]",
            "# the account that pays talents and agencies (payouts create)",
            f"name = {_toml_string(payer.name)}",
            f"iban = {_toml_string(payer.iban)}",
        ]
        if payer.bic:
            table.append(f"bic = {_toml_string(payer.bic)}")
        tmp = settings_path.with_name(SETTINGS_FILE + ".part")
        tmp.write_text("\n".join(kept + table) + "\n", encoding="utf-8")
        os.replace(tmp, settings_path)
        self.settings = tomllib.loads(settings_path.read_text(encoding="utf-8"))
        return payer

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix()

    @property
    def lock_file(self) -> Path:
        return self.root / "tmp" / "ingest.lock"
