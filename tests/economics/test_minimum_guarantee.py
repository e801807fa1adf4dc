"""Minimum guarantee: a top-up in the last month of each MG period (or of the term)."""

from datetime import date
from decimal import Decimal as D

from ledger.domain import Cap, MinimumGuarantee
from ledger.economics import settle_contract_months

from .conftest import make_contract, usage


def topups(months):
    return [m.minimum_guarantee_topup for m in months]


def test_monthly_mg_counts_retainer():
    contract = make_contract(
        retainer=D("300.00"), minimum_guarantee=MinimumGuarantee(D("2000.00"), "month")
    )
    months = settle_contract_months(
        contract, usage(jan="500.00", feb="2500.00"), "2026-02", D(0), D(0)
    )
    # Jan: 2000 - (500 + 300) = 1200; Feb: 2500 + 300 above 2000 -> 0
    assert topups(months) == [D("1200.00"), D("0.00")]
    assert months[0].earned == D("2000.00")


def test_quarterly_mg_prorated_first_quarter():
    contract = make_contract(
        start=date(2026, 2, 15), minimum_guarantee=MinimumGuarantee(D("6000.00"), "quarter")
    )
    months = settle_contract_months(
        contract,
        usage(feb="1000.00", mar="500.00", apr="1000.00", may="1000.00", jun="1000.00"),
        "2026-06",
        D(0),
        D(0),
    )
    assert [m.period for m in months] == ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    # Q1 2026 = 90 days, of which Feb 15..Mar 31 = 14 + 31 = 45 in term: 6000 x 45/90 = 3000
    # March top-up: 3000 - (1000 + 500) = 1500; Q2 (full): 6000 - 3000 = 3000 in June
    assert topups(months) == [D("0.00"), D("1500.00"), D("0.00"), D("0.00"), D("3000.00")]
    assert months[1].details["minimum_guarantee"]["guaranteed"] == "3000.00"
    assert months[1].details["minimum_guarantee"]["days_in_term"] == 45


def test_term_mg():
    contract = make_contract(
        end=date(2026, 3, 31), minimum_guarantee=MinimumGuarantee(D("10000.00"), "term")
    )
    use = usage(jan="2000.00", feb="3000.00", mar="1000.00")
    # not yet due before the term's last month
    assert topups(settle_contract_months(contract, use, "2026-02", D(0), D(0))) == [
        D("0.00"),
        D("0.00"),
    ]
    # March: 10000 - (2000 + 3000 + 1000) = 4000
    months = settle_contract_months(contract, use, "2026-03", D(0), D(0))
    assert topups(months)[-1] == D("4000.00")


def test_mg_period_cut_by_term_end():
    contract = make_contract(
        end=date(2026, 5, 20), minimum_guarantee=MinimumGuarantee(D("6000.00"), "quarter")
    )
    months = settle_contract_months(
        contract, usage(jan="6000.00", apr="1000.00", may="500.00"), "2026-12", D(0), D(0)
    )
    assert len(months) == 5
    # Q1 fully earned; Q2 = 91 days, Apr 1..May 20 = 50 in term: 6000 x 50/91 = 3296.7032...
    # top-up in May, the term's last month: 3296.7032... - 1500 = 1796.7032... -> 1796.70
    assert topups(months) == [D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("1796.70")]


def test_mg_applies_after_the_cap():
    contract = make_contract(
        cap=Cap(D("1000.00"), "month"), minimum_guarantee=MinimumGuarantee(D("1500.00"), "month")
    )
    (jan,) = settle_contract_months(contract, usage(jan="4000.00"), "2026-01", D(0), D(0))
    # capped to 1000 (-3000), then topped up to 1500 (+500)
    assert (jan.cap_adjustment, jan.minimum_guarantee_topup, jan.earned) == (
        D("-3000.00"),
        D("500.00"),
        D("1500.00"),
    )
