"""settle_contract_months as a whole: the month range and the invariants of every month."""

import json
from datetime import date
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain import Advance, Cap, MinimumGuarantee
from ledger.economics import settle_contract_months

from .conftest import make_contract, usage


def test_month_range_and_missing_usage():
    contract = make_contract(start=date(2026, 3, 5), end=date(2026, 6, 30))
    months = settle_contract_months(contract, usage(jan="9.00", apr="10.00"), "2026-05", D(0), D(0))
    assert [m.period for m in months] == ["2026-03", "2026-04", "2026-05"]
    assert [m.usage for m in months] == [D(0), D("10.00"), D(0)]
    assert settle_contract_months(contract, {}, "2026-02", D(0), D(0)) == []


def test_details_are_json_ready():
    contract = make_contract(
        retainer=D("100.00"),
        cap=Cap(D("500.00"), "quarter"),
        minimum_guarantee=MinimumGuarantee(D("300.00"), "month"),
        advance=Advance(D("50.00"), date(2026, 1, 2)),
    )
    (jan,) = settle_contract_months(contract, usage(jan="1.00"), "2026-01", D("0.2"), D("0.1"))
    assert json.loads(json.dumps(jan.details)) == jan.details


amounts = st.decimals(min_value=0, max_value=100000, places=2)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(amounts, min_size=12, max_size=12),
    st.one_of(st.none(), amounts),
    st.one_of(st.none(), st.tuples(amounts, st.sampled_from(["month", "quarter", "year", "term"]))),
    st.one_of(st.none(), st.tuples(amounts, st.sampled_from(["month", "quarter", "year", "term"]))),
    st.one_of(st.none(), st.tuples(amounts, st.integers(0, 364))),
    st.integers(0, 40),
    st.integers(0, 40),
    st.decimals(min_value=0, max_value=1, places=3),
    st.decimals(min_value=0, max_value=1, places=3),
)
def test_every_month_ties(uses, retainer, cap, mg, adv, start_day, end_day, com, wht):
    start = date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + start_day)
    end = date(2026, 12, 31).fromordinal(date(2026, 12, 31).toordinal() - end_day)
    contract = make_contract(
        start=start,
        end=end,
        retainer=retainer,
        cap=Cap(*cap) if cap else None,
        minimum_guarantee=MinimumGuarantee(*mg) if mg else None,
        advance=Advance(adv[0], start.fromordinal(start.toordinal() + adv[1])) if adv else None,
    )
    by_month = {f"2026-{n + 1:02d}": u for n, u in enumerate(uses)}
    months = settle_contract_months(contract, by_month, "2026-12", com, wht)
    outstanding = D(0)
    for m in months:
        assert m.cap_adjustment <= 0 <= m.minimum_guarantee_topup
        parts = m.usage + m.retainer + m.cap_adjustment + m.minimum_guarantee_topup
        assert m.earned == parts >= 0
        assert m.brand_due == m.earned - m.advance_recouped + m.advance_paid
        assert m.brand_due == m.talent_net + m.commission + m.withholding
        outstanding += m.advance_paid - m.advance_recouped
        assert outstanding >= 0
        for value in (m.retainer, m.cap_adjustment, m.minimum_guarantee_topup, m.commission):
            assert value == value.quantize(D("0.01"))
    if adv:
        assert sum(m.advance_paid for m in months) == adv[0]
