"""Cap: usage + retainer never earn more than the cap in a cap period."""

from decimal import Decimal as D

from ledger.domain import Cap
from ledger.economics import settle_contract_months

from .conftest import make_contract, usage


def test_monthly_cap_hit():
    contract = make_contract(retainer=D("1000.00"), cap=Cap(D("5000.00"), "month"))
    months = settle_contract_months(
        contract, usage(jan="4500.00", feb="3000.00"), "2026-02", D(0), D(0)
    )
    jan, feb = months
    # Jan: 4500 + 1000 = 5500 > 5000 -> -500; earned 5000
    assert jan.cap_adjustment == D("-500.00")
    assert jan.earned == D("5000.00")
    assert jan.details["cap"]["excess"] == "500.00"
    # Feb: 3000 + 1000 = 4000 <= 5000 -> 0
    assert feb.cap_adjustment == D("0.00")
    assert feb.earned == D("4000.00")


def test_quarterly_running_cap_hit_mid_quarter_then_fully_capped():
    contract = make_contract(cap=Cap(D("10000.00"), "quarter"))
    months = settle_contract_months(
        contract,
        usage(jan="4000.00", feb="7000.00", mar="2000.00", apr="3000.00"),
        "2026-04",
        D(0),
        D(0),
    )
    assert [m.cap_adjustment for m in months] == [
        D("0.00"),  # running 4000
        D("-1000.00"),  # running 11000: excess 1000
        D("-2000.00"),  # running 13000: excess 3000, 1000 already taken off
        D("0.00"),  # April starts Q2: running 3000
    ]
    assert [m.earned for m in months] == [D("4000.00"), D("6000.00"), D("0.00"), D("3000.00")]
    # Q1 earns exactly the cap: 4000 + 6000 + 0
    assert sum(m.earned for m in months[:3]) == D("10000.00")


def test_term_cap_counts_the_whole_term():
    contract = make_contract(cap=Cap(D("5000.00"), "term"))
    months = settle_contract_months(
        contract, usage(jan="3000.00", jun="3000.00", dec="1000.00"), "2026-12", D(0), D(0)
    )
    # running total reaches 6000 in June: -1000; December fully capped: -1000
    assert months[5].cap_adjustment == D("-1000.00")
    assert months[11].cap_adjustment == D("-1000.00")
    assert sum(m.earned for m in months) == D("5000.00")
