"""A workspace is one self-contained folder: moved, copied, backed up and restored, it stays a
complete ledger, and a workspace never writes into another's database."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tests.conftest import PG_URL, Books
from tests.ledger.fixtures import B1_LOG, load


def _cli(books: Books, root: Path, *args: str | Path) -> dict:
    other = Books(books.workspace.__class__.open(root), books.files)
    return other.ok(*args)


def _refused(books: Books, root: Path, *args: str | Path) -> str:
    other = Books(books.workspace.__class__.open(root), books.files)
    return other.refused(*args)


def _close_march(books: Books) -> dict[str, bytes]:
    load(books)
    books.ok("settle", "run", "2026-03")
    books.ok("settle", "close", "2026-03")
    books.ok("statements", "render", "2026-03")
    return _pdfs(books.root)


def _pdfs(root: Path) -> dict[str, bytes]:
    folder = root / "statements" / "2026-03"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.pdf"))}


def _april(books: Books, root: Path, prefix: str) -> dict:
    log = B1_LOG.replace("2026-03-", "2026-04-").replace("\n    p", f"\n    {prefix}p")
    log = log.replace("\n    r1", f"\n    {prefix}r1").replace("\n    i", f"\n    {prefix}i")
    path = books.write(f"april-{prefix}.csv", log)
    _cli(books, root, "ingest", path, "--brand", "b1")
    _cli(books, root, "settle", "run", "2026-04")
    return _cli(books, root, "settle", "close", "2026-04")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_moved_and_a_copied_sqlite_workspace_are_two_independent_ledgers(
    books: Books, tmp_path: Path
) -> None:
    issued = _close_march(books)
    books.workspace.engine.dispose()
    moved = tmp_path / "moved"
    shutil.move(books.root, moved)
    copy = tmp_path / "copy"
    shutil.copytree(moved, copy)
    assert 'database_url = "sqlite:///ledger.db"' in (moved / "workspace.toml").read_text()

    one = _april(books, moved, "m")
    two = _april(books, copy, "c")
    assert one["totals"] == two["totals"]  # the same April in each, settled on its own
    for root in (moved, copy):
        assert _cli(books, root, "audit", "verify")["ok"] is True
        assert [b["source_file"] for b in _cli(books, root, "batches", "list")["batches"]] == [
            "b1.csv",
            "b2.csv",
            f"april-{'m' if root == moved else 'c'}.csv",
        ]
        _cli(books, root, "statements", "render", "2026-03", "--out", root / "again")
        again = {p.name: p.read_bytes() for p in sorted((root / "again").glob("*.pdf"))}
        assert again == issued
    books.tampered = True  # the fixture's own folder is gone; both ledgers were verified above


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_copy_pointing_at_another_workspaces_database_is_refused(
    books: Books, tmp_path: Path
) -> None:
    load(books)
    before = books.digest()
    copy = tmp_path / "copy"
    shutil.copytree(books.root, copy)
    settings = copy / "workspace.toml"
    settings.write_text(
        settings.read_text().replace("sqlite:///ledger.db", f"sqlite:///{books.root}/ledger.db")
    )
    message = _refused(books, copy, "ingest", books.write("late.csv", B1_LOG), "--brand", "b2")
    assert message == (
        f"error: {copy}: its database is the ledger of the workspace at {books.root}; if this "
        "folder now replaces it (moved or restored), adopt it with `twinledger init --adopt` here"
    )
    assert books.digest() == before
    # a stranger's database (another workspace id) is refused even by init
    stranger = tmp_path / "stranger"
    shutil.copytree(books.root, stranger)
    text = (stranger / "workspace.toml").read_text()
    own_id = text.split('id = "')[1].split('"')[0]
    (stranger / "workspace.toml").write_text(
        text.replace(own_id, str(uuid.uuid4())).replace(
            "sqlite:///ledger.db", f"sqlite:///{books.root}/ledger.db"
        )
    )
    assert "its database belongs to another workspace" in _refused(books, stranger, "init")
    assert books.digest() == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_workspace_whose_database_is_gone_is_refused_in_one_line(
    books: Books, tmp_path: Path
) -> None:
    books.workspace.engine.dispose()
    (books.root / "ledger.db").unlink()
    message = _refused(books, books.root, "batches", "list")
    assert message.startswith(f"error: {books.root}: its database {books.root}/ledger.db")
    assert not (books.root / "ledger.db").exists()  # not silently created empty
    books.tampered = True


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_backup_restores_a_complete_ledger(books: Books, tmp_path: Path) -> None:
    issued = _close_march(books)
    dest = tmp_path / "backup"
    done = books.ok("backup", dest)
    assert done["backup"] == str(dest)
    # the original goes on; the backup is the ledger as it was
    _april(books, books.root, "o")
    restored = tmp_path / "restored"
    shutil.move(dest, restored)
    assert _cli(books, restored, "audit", "verify")["ok"] is True
    assert len(_cli(books, restored, "batches", "list")["batches"]) == 2
    assert _cli(books, restored, "settle", "status", "2026-04")["status"] == "open"
    assert _pdfs(restored) == issued
    _cli(books, restored, "statements", "render", "2026-03", "--out", restored / "again")
    assert {p.name: p.read_bytes() for p in (restored / "again").glob("*.pdf")} == issued
    assert "is not empty" in books.refused("backup", restored)


@pytest.mark.skipif(not PG_URL, reason="TWINLEDGER_TEST_DATABASE_URL is not set")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_copy_is_adopted_and_pg_dump_restores_it(
    books: Books, tmp_path: Path, database_url: str
) -> None:
    issued = _close_march(books)
    before = books.digest()
    copy = tmp_path / "copy"
    shutil.copytree(books.root, copy)
    assert "if this folder now replaces it" in _refused(books, copy, "batches", "list")
    assert books.digest() == before
    assert "backed up with" not in books.refused("backup", tmp_path / "b")

    # pg_dump of the schema, restored into a database of its own, with the folder copied
    schema = database_url.split("search_path%3D")[1]
    server = PG_URL.replace("+psycopg", "")
    dump = tmp_path / "ledger.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}", server],
        check=True,
    )
    name = f"tl_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        target = server.rsplit("/", 1)[0] + f"/{name}"
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(dump)], check=True)
        restored = tmp_path / "restored"
        shutil.copytree(books.root, restored)
        url = PG_URL.rsplit("/", 1)[0] + f"/{name}?options=-csearch_path%3D{schema}"
        settings = restored / "workspace.toml"
        old_url = database_url
        settings.write_text(settings.read_text().replace(old_url, url))
        _cli(books, restored, "init", "--adopt")
        assert _cli(books, restored, "audit", "verify")["ok"] is True
        _cli(books, restored, "statements", "render", "2026-03", "--out", restored / "again")
        assert {p.name: p.read_bytes() for p in (restored / "again").glob("*.pdf")} == issued
        opened = books.workspace.__class__.open(restored)
        opened.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()
