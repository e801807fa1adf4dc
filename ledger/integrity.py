"""The integrity check a settlement starts with, run beside it (SPEC 4.4).

`settle run|close` refuse books whose seals or journal chain fail (``audit.tampering``). The check
reads every seal and the journal since the latest one, so it grows with the ledger's history
while the month's own work does not. It therefore runs in a forked process while the settlement
gathers its inputs and computes, both of which only read; its verdict is taken before anything
is written. An error of the settlement itself gives way to a failed check, so a refusal reads
exactly as when the check ran first. Where a process cannot fork, or the forked check fails to
report, the check runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from sqlmodel import select

from ledger import audit
from ledger.errors import LedgerError
from ledger.storage.db import make_engine, reading
from ledger.storage.tables import SealRow
from ledger.workspace import Workspace

_YIELDING = 19
"""The check's niceness: a core the settlement wants goes to the settlement."""


def refusal(problems: list[str]) -> LedgerError | None:
    """The error that refuses to settle books with ``problems`` (None when there are none)."""
    if not problems:
        return None
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return LedgerError(
        f"the books fail their integrity check, nothing was settled: {problems[0]}{more}"
    )


def _check(workspace: Workspace, report: Connection) -> None:
    """In the forked process: check the books on an engine of its own (the parent's pooled
    connections are not touched) whose read transaction neither waits for nor blocks the
    settlement's, and send back the problems."""
    try:
        os.nice(_YIELDING)
        engine = make_engine(workspace.database, writes=False)
        try:
            report.send(audit.tampering(workspace, engine))
        finally:
            engine.dispose()
    except BaseException:  # nothing sent: the parent runs the check itself
        pass
    finally:
        report.close()


def _sealed(workspace: Workspace) -> bool:
    """Whether a period was sealed: before that, the check is short and runs first, here."""
    with reading(workspace.engine) as session:
        return session.exec(select(SealRow.position).limit(1)).first() is not None


def _can_fork() -> bool:
    """Whether this process may fork a checking process (a daemonic process may not)."""
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


class _Beside:
    """The check running in a forked process (or, where there is no fork, already run here)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.process: Any = None
        self.verdict: list[str] | None = None
        if _sealed(workspace) and _can_fork():
            context = multiprocessing.get_context("fork")
            self.receiving, sending = context.Pipe(duplex=False)
            process = context.Process(target=_check, args=(workspace, sending), daemon=True)
            try:
                process.start()
                self.process = process
            except OSError:  # no process to spare: checked here
                self.receiving.close()
            finally:
                sending.close()
        if self.process is None:
            self.verdict = audit.tampering(workspace)
            self.confirm()

    def confirm(self) -> None:
        """Wait for the check; raise its refusal when the books fail it."""
        error = refusal(self.problems())
        if error is not None:
            raise error

    def problems(self) -> list[str]:
        """The check's problems (run here when the forked check did not report)."""
        if self.verdict is None:
            self.verdict = self._received()
        if self.verdict is None:
            self.verdict = audit.tampering(self.workspace)
        return self.verdict

    def _received(self) -> list[str] | None:
        if self.process is None:
            return None
        try:
            problems: list[str] = self.receiving.recv()
            return problems
        except EOFError:  # it failed or died before reporting
            return None
        finally:
            self.end(kill=False)

    def end(self, kill: bool) -> None:
        """Wait for the forked check to end (``kill``: end it first)."""
        if self.process is not None:
            if kill:
                self.process.kill()
            self.process.join()
            self.receiving.close()
            self.process = None


@contextmanager
def checked_beside(workspace: Workspace) -> Iterator[Callable[[], None]]:
    """Run the integrity check beside the block, which calls the yielded ``confirm`` before it
    writes anything. An error raised in the block gives way to the check's refusal."""
    check = _Beside(workspace)
    try:
        yield check.confirm
    except Exception:
        error = refusal(check.problems())
        if error is not None:
            raise error from None
        raise
    finally:
        check.end(kill=True)
