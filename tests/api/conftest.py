"""Fixtures of the API tests: one workspace and one running `twinledger serve` per test module
(starting the server is the slow part), and a server of one's own for tests that kill it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import Api, setup
from server import Server

from ledger.workspace import Workspace
from tests.conftest import Books


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    root = tmp_path_factory.mktemp("api")
    workspace = Workspace.init(root / "ws", None)
    (root / "in").mkdir()
    books = Books(workspace, root / "in")
    keys = setup(books)
    server = Server(workspace.root, root / "serve.log").start()
    yield Api(books, server, keys)
    server.stop()
    workspace.engine.dispose()


@pytest.fixture
def serve(books: Any) -> Iterator[Callable[[], Server]]:
    """Start (and restart) `twinledger serve` on the books of the test."""
    started: list[Server] = []

    def start(port: int | None = None) -> Server:
        server = Server(books.root, Path(books.files) / f"serve-{len(started)}.log", port)
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()
