"""Invoice number series (SPEC 4.3.1): each number given once, in order, with no gap, even to
concurrent closes; a close that rolls back gives its numbers back."""

from __future__ import annotations

import threading

import pytest

from ledger.storage.db import writing
from ledger.storage.numbers import last_numbers, take
from tests.conftest import Books


def test_concurrent_writers_never_share_or_skip_a_number(books: Books) -> None:
    engine = books.workspace.engine
    taken: list[tuple[str, int]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def close_many(series: str) -> None:
        try:
            for _ in range(8):
                with writing(engine) as session:
                    [n] = take(session, [series])
                    with lock:
                        taken.append((series, n))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [
        threading.Thread(target=close_many, args=(s,)) for s in ("A-2026",) * 3 + ("B-2026",)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(n for s, n in taken if s == "A-2026") == list(range(1, 25))
    assert sorted(n for s, n in taken if s == "B-2026") == list(range(1, 9))
    with writing(engine) as session:
        assert last_numbers(session) == {"A-2026": 24, "B-2026": 8}


def test_a_rolled_back_close_gives_its_numbers_back(books: Books) -> None:
    engine = books.workspace.engine
    with writing(engine) as session:
        assert take(session, ["NORDLYS-2026", "NORDLYS-2026", "CN-NORDLYS-2026"]) == [1, 2, 1]
    with pytest.raises(RuntimeError), writing(engine) as session:
        assert take(session, ["NORDLYS-2026"]) == [3]
        raise RuntimeError("the close failed after numbering")
    with writing(engine) as session:
        assert take(session, ["NORDLYS-2026"]) == [3]
