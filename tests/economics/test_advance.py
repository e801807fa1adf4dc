"""Advance: charged in the paid_on month, then recouped from earnings until earned out."""

from datetime import date
from decimal import Decimal as D

from ledger.domain import Advance
from ledger.economics import settle_contract_months

from .conftest import make_contract, usage


def test_advance_earns_out_in_its_third_month():
    contract = make_contract(advance=Advance(D("10000.00"), date(2026, 1, 15)))
    months = settle_contract_months(
        contract,
        usage(jan="3000.00", feb="4000.00", mar="5000.00", apr="2000.00"),
        "2026-04",
        D("0.20"),
        D(0),
    )
    assert [m.advance_paid for m in months] == [D("10000.00"), D(0), D(0), D(0)]
    # outstanding 10000 -> 7000 -> 3000 -> 0
    assert [m.advance_recouped for m in months] == [
        D("3000.00"),
        D("4000.00"),
        D("3000.00"),
        D("0.00"),
    ]
    # brand_due = earned - recouped (+ advance): 3000-3000+10000, 4000-4000, 5000-3000, 2000
    assert [m.brand_due for m in months] == [
        D("10000.00"),
        D("0.00"),
        D("2000.00"),
        D("2000.00"),
    ]
    jan = months[0]
    assert (jan.commission, jan.talent_net) == (D("2000.00"), D("8000.00"))  # 20% of 10000
    assert months[2].details["advance"]["outstanding"] == "0.00"


def test_advance_paid_mid_term_leaves_earlier_earnings_alone():
    contract = make_contract(advance=Advance(D("5000.00"), date(2026, 3, 10)))
    months = settle_contract_months(
        contract,
        usage(jan="1000.00", feb="1000.00", mar="1500.00", apr="6000.00"),
        "2026-04",
        D(0),
        D(0),
    )
    assert [m.advance_recouped for m in months] == [
        D("0.00"),
        D("0.00"),
        D("1500.00"),  # outstanding 5000 -> 3500
        D("3500.00"),  # earned out in April
    ]
    # Mar: 1500 - 1500 + 5000; Apr: 6000 - 3500
    assert [m.brand_due for m in months] == [
        D("1000.00"),
        D("1000.00"),
        D("5000.00"),
        D("2500.00"),
    ]
    # over the four months the brand pays exactly its usage
    assert sum(m.brand_due for m in months) == D("9500.00")


def test_advance_restated_by_an_amendment_is_charged_once():
    contract = make_contract(
        advance=Advance(D("1000.00"), date(2026, 1, 15)),
        amendments=((date(2026, 2, 1), {"retainer": D("100.00")}),),
    )
    months = settle_contract_months(contract, {}, "2026-03", D(0), D(0))
    assert [m.advance_paid for m in months] == [D("1000.00"), D(0), D(0)]
