"""The payable balances a close keeps (SPEC 4.4): the next settlement's opening balances summed
on from them equal the sums over the whole journal, however entries were posted around the
closes: into the closing period, into later open periods before the close, into closed periods
after it (a payout run)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.journal import KeptPayables, Posting, keep_payables, payable_balances, post
from ledger.storage.db import writing
from tests.conftest import Books

MONTHS = [f"2026-{m:02d}" for m in range(1, 7)]
ACCOUNTS = ["talent:t1:payable", "talent:t2:payable", "agency:ag:payable", "vat:ag:SE:payable"]

entries = st.tuples(
    st.sampled_from(MONTHS),
    st.sampled_from(ACCOUNTS),
    st.sampled_from(["EUR", "SEK"]),
    st.decimals(min_value=-5000, max_value=5000, places=2, allow_nan=False),
)
steps = st.lists(st.one_of(entries, st.sampled_from(MONTHS)), min_size=1, max_size=25)


def _exact(balances: dict[tuple[str, str], Decimal]) -> dict[tuple[str, str], str]:
    return {key: str(amount) for key, amount in balances.items()}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=steps)
def test_balances_summed_on_from_a_close_equal_the_whole_journal(
    books: Books, steps: list[tuple[str, str, str, Decimal] | str]
) -> None:
    with writing(books.workspace.engine) as session:
        kept: KeptPayables | None = None
        for n, step in enumerate(steps):
            if isinstance(step, str):  # a close of that month keeps the balances
                if kept is not None and step <= kept.period:
                    continue  # months close in order
                kept = keep_payables(session, step, kept)
                kept = KeptPayables.from_json(kept.period, kept.seq, kept.to_json())  # as stored
                assert _exact(dict(kept.balances)) == _exact(
                    dict(keep_payables(session, step, None).balances)
                )
                continue
            month, account, currency, amount = step
            post(
                session,
                month,
                "adjustment",
                f"E{n}",
                "",
                [
                    Posting(account, currency, -amount),
                    Posting("brand:b:receivable", currency, amount),
                ],
            )
        for before in [*MONTHS, "2026-07"]:
            full = payable_balances(session, before)
            assert all(a.startswith(("talent:", "agency:")) for a, _ in full)
            if kept is not None and kept.period < before:
                assert _exact(payable_balances(session, before, kept)) == _exact(full)
        session.rollback()  # every example starts from an empty journal
