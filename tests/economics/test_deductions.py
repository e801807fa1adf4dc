"""Commission and withholding: each rounded once, and they always add back to brand_due."""

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from ledger.economics import settle_contract_months
from ledger.economics.deductions import deductions

from .conftest import make_contract, usage


def test_commission_and_withholding_rounding():
    cut = deductions(D("1234.57"), D("0.20"), D("0.30"), "EUR")
    # commission 1234.57 x 0.20 = 246.914 -> 246.91
    # withholding (1234.57 - 246.91) x 0.30 = 987.66 x 0.30 = 296.298 -> 296.30
    # net 1234.57 - 246.91 - 296.30 = 691.36
    assert (cut.commission, cut.withholding, cut.talent_net) == (
        D("246.91"),
        D("296.30"),
        D("691.36"),
    )


def test_half_even():
    assert deductions(D("0.05"), D("0.5"), D(0), "EUR").commission == D("0.02")  # 0.025
    assert deductions(D("0.15"), D("0.5"), D(0), "EUR").commission == D("0.08")  # 0.075


def test_jpy_contract_has_no_decimals():
    cut = deductions(D(12345), D("0.15"), D("0.2042"), "JPY")
    # 12345 x 0.15 = 1851.75 -> 1852; (12345 - 1852) x 0.2042 = 10493 x 0.2042 = 2142.6706 -> 2143
    assert (cut.commission, cut.withholding, cut.talent_net) == (D(1852), D(2143), D(8350))


def test_jpy_contract_through_settlement():
    contract = make_contract(start=date(2026, 1, 10), currency="JPY", retainer=D(100000))
    (jan,) = settle_contract_months(contract, usage(jan="12345"), "2026-01", D("0.15"), D(0))
    # retainer 100000 x 22/31 = 70967.74... -> 70968; brand_due 70968 + 12345 = 83313
    # commission 83313 x 0.15 = 12496.95 -> 12497; net 83313 - 12497 = 70816
    assert (jan.retainer, jan.brand_due, jan.commission, jan.talent_net) == (
        D(70968),
        D(83313),
        D(12497),
        D(70816),
    )
    assert str(jan.commission) == "12497"


def test_bhd_contract_has_three_decimals():
    cut = deductions(D("1234.567"), D("0.175"), D("0.1"), "BHD")
    # 1234.567 x 0.175 = 216.049225 -> 216.049
    # (1234.567 - 216.049) x 0.1 = 101.8518 -> 101.852; net 1234.567 - 216.049 - 101.852 = 916.666
    assert (cut.commission, cut.withholding, cut.talent_net) == (
        D("216.049"),
        D("101.852"),
        D("916.666"),
    )


def test_contract_commission_overrides_the_agency_default():
    contract = make_contract(
        agency_commission=D("0.25"),
        amendments=((date(2026, 2, 10), {"agency_commission": None}),),
    )
    jan, feb = settle_contract_months(
        contract, usage(jan="100.00", feb="100.00"), "2026-02", D("0.20"), D("0.10")
    )
    # Jan: 25% -> 25.00, withholding 75.00 x 0.10 = 7.50; Feb: the agency's 20%
    assert (jan.commission_rate, jan.commission, jan.withholding) == (
        D("0.25"),
        D("25.00"),
        D("7.50"),
    )
    assert (feb.commission_rate, feb.commission) == (D("0.20"), D("20.00"))


@given(
    st.decimals(min_value=0, max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=1, places=4),
    st.decimals(min_value=0, max_value=1, places=4),
)
def test_deductions_add_back_to_brand_due(brand_due, commission_rate, withholding_rate):
    cut = deductions(brand_due, commission_rate, withholding_rate, "EUR")
    assert cut.commission + cut.withholding + cut.talent_net == brand_due
    assert cut.commission.as_tuple().exponent == -2
    assert cut.withholding.as_tuple().exponent == -2
