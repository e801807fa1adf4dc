"""Fixtures of the portal tests: a settled, closed month of the sample data on SQLite (and on
PostgreSQL when configured)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portal_support import Demo, load_sample_month


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives headless Chromium through Playwright")


@pytest.fixture
def demo(books: Any) -> Iterator[Demo]:
    load_sample_month(books.workspace)
    yield Demo(books)
