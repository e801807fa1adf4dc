"""Retainer: monthly fee x active days / days in month, split by contract version."""

from datetime import date
from decimal import Decimal as D

from ledger.economics import settle_contract_months
from ledger.economics.retainer import retainer_for_month

from .conftest import make_contract


def settle(contract, through):
    return settle_contract_months(contract, {}, through, D(0), D(0))


def test_full_month():
    contract = make_contract(retainer=D("1000.00"))
    amount, details = retainer_for_month(contract, "2026-01")
    assert amount == D("1000.00")
    assert details["versions"][0]["active_days"] == 31


def test_partial_first_month_starting_mid_month():
    contract = make_contract(start=date(2026, 1, 15), retainer=D("1000.00"))
    # Jan 15..31 = 17 active days: 1000 x 17 / 31 = 548.387... -> 548.39
    months = settle(contract, "2026-02")
    assert [m.retainer for m in months] == [D("548.39"), D("1000.00")]
    assert months[0].earned == D("548.39")


def test_partial_last_month():
    contract = make_contract(end=date(2026, 3, 20), retainer=D("1000.00"))
    # Mar 1..20 = 20 of 31 days: 1000 x 20 / 31 = 645.161... -> 645.16; nothing after the end
    months = settle(contract, "2026-12")
    assert [m.period for m in months] == ["2026-01", "2026-02", "2026-03"]
    assert months[-1].retainer == D("645.16")


def test_amendment_mid_month_splits_the_days():
    contract = make_contract(
        retainer=D("1000.00"), amendments=((date(2026, 4, 16), {"retainer": D("1200.00")}),)
    )
    # April has 30 days: 1000 x 15/30 + 1200 x 15/30 = 500 + 600 = 1100.00
    amount, details = retainer_for_month(contract, "2026-04")
    assert amount == D("1100.00")
    assert [(v["active_days"], v["monthly"]) for v in details["versions"]] == [
        (15, "1000.00"),
        (15, "1200.00"),
    ]
    assert retainer_for_month(contract, "2026-05")[0] == D("1200.00")


def test_amendment_adding_a_retainer_mid_month():
    contract = make_contract(amendments=((date(2026, 3, 22), {"retainer": D("3100.00")}),))
    # Mar 22..31 = 10 of 31 days: 3100 x 10 / 31 = 1000.00
    assert retainer_for_month(contract, "2026-03")[0] == D("1000.00")
    assert retainer_for_month(contract, "2026-02")[0] == D("0.00")


def test_february_of_leap_year_2028():
    contract = make_contract(start=date(2028, 2, 10), end=date(2028, 12, 31), retainer=D("2900.00"))
    # Feb 2028 has 29 days; Feb 10..29 = 20 days: 2900 x 20 / 29 = 2000.00
    assert retainer_for_month(contract, "2028-02")[0] == D("2000.00")
    full = make_contract(start=date(2028, 1, 1), end=date(2028, 12, 31), retainer=D("1000.00"))
    assert retainer_for_month(full, "2028-02")[0] == D("1000.00")
    # 1000 x 1 / 29 = 34.48275... -> 34.48 per day of a leap February
    one_day = make_contract(start=date(2028, 2, 29), end=date(2028, 3, 31), retainer=D("1000.00"))
    assert retainer_for_month(one_day, "2028-02")[0] == D("34.48")
