"""Which workspace owns a database.

A workspace has an id (in its `workspace.toml`); the database records the id of the workspace
that owns it and where that workspace lives. A workspace whose database belongs to another (a copy
whose settings point at the original's database, a PostgreSQL database shared by mistake) is
refused before anything is written. A SQLite file inside its own workspace folder moves with it,
so `mv` and `cp -r` just work; a database outside the folder (PostgreSQL) belongs to one folder at
a time, and a moved or copied folder takes it over only with `twinledger init --adopt`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from ledger.errors import ForeignDatabase, LedgerError
from ledger.storage.tables import WorkspaceMetaRow


@dataclass(frozen=True)
class Owner:
    workspace_id: str
    root: str


def owner_of(engine: Engine) -> Owner | None:
    """The workspace recorded as the database's owner, or None when none is yet."""
    try:
        with Session(engine) as session:
            rows = {r.key: r.value for r in session.exec(select(WorkspaceMetaRow))}
    except SQLAlchemyError:
        return None  # before the migration that creates the table
    if "workspace_id" not in rows:
        return None
    return Owner(rows["workspace_id"], rows.get("root", ""))


def claim(engine: Engine, owner: Owner) -> None:
    """Record ``owner`` as the database's owner (a new workspace, or `init --adopt`)."""
    with Session(engine) as session:
        for key, value in (("workspace_id", owner.workspace_id), ("root", owner.root)):
            session.merge(WorkspaceMetaRow(key=key, value=value))
        session.commit()


def check_owner(
    engine: Engine, me: Owner, database_inside: bool, where: str, claim_free: bool = True
) -> None:
    """Refuse a database that belongs to another workspace; claim one that belongs to none
    (unless ``claim_free`` is False: before its schema exists).

    ``database_inside`` is True for a SQLite file inside the workspace folder: it moves with
    the folder, so only the ids must agree. ``where`` names the workspace in messages.
    """
    recorded = owner_of(engine)
    if recorded is None:
        if claim_free:
            claim(engine, me)
        return
    if recorded.workspace_id != me.workspace_id:
        raise LedgerError(
            f"{where}: its database belongs to another workspace (id {recorded.workspace_id}, "
            f"at {recorded.root}); refusing to use it"
        )
    if database_inside and recorded.root != me.root:
        claim(engine, me)  # the folder moved, or is a copy: its own file moved with it
        return
    if recorded.root != me.root:
        raise ForeignDatabase(
            f"{where}: its database is the ledger of the workspace at {recorded.root}; if this "
            "folder now replaces it (moved or restored), adopt it"
        )
