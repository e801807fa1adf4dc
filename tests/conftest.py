"""Workspaces for ledger tests, on SQLite and (when TWINLEDGER_TEST_DATABASE_URL is set) on
PostgreSQL, each in its own schema so that runs never collide; plus a CLI driver."""

from __future__ import annotations

import hashlib
import json
import os
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from ledger import audit
from ledger.cli import app
from ledger.workspace import Workspace

PG_URL = os.environ.get("TWINLEDGER_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for the default SQLite file; a fresh PostgreSQL schema otherwise."""
    if request.param == "sqlite":
        yield None
        return
    assert PG_URL
    schema = f"tl_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Books:
    """A workspace plus helpers to fill it from dedented text and drive the CLI."""

    workspace: Workspace
    files: Path
    tampered: bool = False

    @property
    def root(self) -> Path:
        return self.workspace.root

    def write(self, name: str, text: str) -> Path:
        path = self.files / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    def digest(self) -> str:
        """A digest of everything the ledger stores: its files and its database rows."""
        digest = hashlib.sha256()
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and "tmp" not in path.parts and ".db" not in path.name:
                digest.update(path.relative_to(self.root).as_posix().encode())
                digest.update(path.read_bytes())
        tables = ("batches", "periods", "contract_settlements", "statements", "journal_entries",
                  "postings", "contracts", "fx_rates")  # fmt: skip
        with self.workspace.engine.connect() as conn:
            for table in tables:
                for row in conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1, 2"):
                    digest.update(repr(tuple(row)).encode())
        return digest.hexdigest()

    def cli(self, *args: str | Path) -> Result:
        runner = CliRunner()
        result = runner.invoke(
            app, ["--workspace", str(self.root), *map(str, args)], catch_exceptions=False
        )
        return Result(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str | Path) -> Any:
        """Run a command with --json and return its document; fail loudly otherwise."""
        result = self.cli(*args, "--json")
        assert result.exit_code == 0, f"{args}: exit {result.exit_code}: {result.stderr}"
        return result.json

    def refused(self, *args: str | Path) -> str:
        """Run a command that must be refused: exit 1, one line on stderr, no traceback."""
        result = self.cli(*args)
        assert result.exit_code == 1, f"{args}: exit {result.exit_code}: {result.stdout}"
        message = result.stderr.strip()
        assert "Traceback" not in result.stderr
        assert len(message.splitlines()) == 1, message
        return message


@pytest.fixture
def books(tmp_path: Path, database_url: str | None) -> Iterator[Books]:
    workspace = Workspace.init(tmp_path / "ws", database_url)
    files = tmp_path / "in"
    files.mkdir()
    books = Books(workspace, files)
    yield books
    if not books.tampered:  # an untouched ledger verifies after every test
        result = audit.verify(workspace)
        assert result["ok"], result["problems"]
    workspace.engine.dispose()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The test session's one Spark session: local[2], two shuffle partitions, no UI; the
    ``spark`` engine of a settlement finds and uses it. Skipped where there is no Java."""
    import shutil

    if shutil.which("java") is None:
        pytest.skip("no java on PATH: Spark cannot start (.ci/run installs a Java runtime)")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("twinledger-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # tiny data: compiling each stage's code costs more than it saves
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
