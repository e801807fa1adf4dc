"""Invariants of every settled period over generated contracts and usage (hypothesis)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain import (
    Advance,
    Agency,
    Brand,
    Cap,
    Contract,
    MinimumGuarantee,
    Parties,
    RateRule,
    Talent,
    Terms,
    Tier,
    Twin,
)
from ledger.fx import FxTable
from ledger.journal import unbalanced
from ledger.money import round_money
from ledger.settlement.compute import COMPONENTS, Inputs, compute
from ledger.settlement.documents import build_documents, verification_code
from ledger.settlement.postings import contract_postings

CURRENCIES = ["EUR", "JPY", "BHD", "GBP"]
MARCH_END = date(2026, 3, 31)
FX_ROWS = [
    (MARCH_END, "JPY", Decimal("162.87")),
    (MARCH_END, "BHD", Decimal("0.4079")),
    (MARCH_END, "GBP", Decimal("0.86010")),
]

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2)


@st.composite
def rules(draw: st.DrawFn) -> tuple[RateRule, ...]:
    result = []
    for n, metric in enumerate(draw(st.permutations(["publications", "impressions", "renders"]))[
            : draw(st.integers(1, 3))], start=1):  # fmt: skip
        if draw(st.booleans()):
            result.append(
                RateRule(
                    n,
                    metric,
                    price=draw(money),
                    per=Decimal(1000 if metric == "impressions" else 1),
                )
            )
        else:
            bounds = sorted(draw(st.sets(st.integers(1, 50), min_size=1, max_size=3)))
            tiers = [Tier(Decimal(b), draw(money)) for b in bounds] + [Tier(None, draw(money))]
            result.append(
                RateRule(
                    n,
                    metric,
                    tiers=tuple(tiers),
                    tier_mode=draw(st.sampled_from(["graduated", "volume"])),
                )
            )
    return tuple(result)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[Parties, list[Contract], pl.DataFrame]:
    payout = draw(st.sampled_from(CURRENCIES))
    parties = Parties(
        agencies=(
            Agency(
                "ag",
                "Agency",
                draw(st.sampled_from(CURRENCIES)),
                draw(st.decimals(Decimal(0), Decimal("0.5"), places=2)),
            ),
        ),
        talents=(
            Talent(
                "t",
                "Talent",
                payout,
                agency="ag",
                withholding_rate=draw(st.decimals(Decimal(0), Decimal("0.4"), places=3)),
                min_payout=draw(st.sampled_from([Decimal(0), Decimal(100)])),
            ),
        ),
        brands=tuple(Brand(f"b{n}", f"Brand {n}", "EUR") for n in range(3)),
        twins=(Twin("w", "t"),),
    )
    contracts = []
    for n in range(draw(st.integers(1, 3))):
        ccy = draw(st.sampled_from(CURRENCIES))
        start = date(2026, draw(st.integers(1, 3)), draw(st.integers(1, 28)))
        terms = Terms(
            territories=("WORLD",), channels=("*",), rates=draw(rules()),
            retainer=draw(st.none() | money),
            cap=draw(st.none() | st.builds(Cap, money.map(lambda m: m * 4),
                                           st.sampled_from(["month", "quarter"]))),
            minimum_guarantee=draw(st.none() | st.builds(MinimumGuarantee,
                money.map(lambda m: m * 3), st.sampled_from(["month", "quarter"]))),
            advance=draw(st.none() | st.builds(Advance, money.map(lambda m: m * 2),
                                               st.just(start + timedelta(days=3)))),
        )  # fmt: skip
        contracts.append(Contract(f"C{n}", f"b{n}", "w", ccy, start, date(2026, 12, 31), terms))
    rows = []
    for n in range(draw(st.integers(0, 30))):
        kind = draw(st.sampled_from(["render", "publication", "impressions"]))
        when = datetime(2026, draw(st.integers(1, 3)), draw(st.integers(1, 28)), 12, tzinfo=UTC)
        rows.append({
            "brand": f"b{draw(st.integers(0, 2))}", "event_id": f"e{n}", "occurred_at": when,
            "kind": kind, "twin_id": "w", "asset_id": "a",
            "channel": None if kind == "render" else "social",
            "territory": None if kind == "render" else "SE", "media": "still",
            "quantity": draw(st.integers(0, 5000)) if kind == "impressions" else 1,
            "duration_s": None, "campaign": None, "category": "general",
            "ai_disclosure": True, "batch_id": "B1", "line_no": n + 2,
        })  # fmt: skip
    events = pl.DataFrame(rows, schema={
        "brand": pl.Utf8, "event_id": pl.Utf8, "occurred_at": pl.Datetime("us", "UTC"),
        "kind": pl.Utf8, "twin_id": pl.Utf8, "asset_id": pl.Utf8, "channel": pl.Utf8,
        "territory": pl.Utf8, "media": pl.Utf8, "quantity": pl.Int64,
        "duration_s": pl.Decimal(18, 3), "campaign": pl.Utf8, "category": pl.Utf8,
        "ai_disclosure": pl.Boolean, "batch_id": pl.Utf8, "line_no": pl.Int64,
    })  # fmt: skip
    return parties, contracts, events


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ledgers())
def test_every_settled_period_holds_the_invariants(
    tmp_path: Path, ledger: tuple[Parties, list[Contract], pl.DataFrame]
) -> None:
    parties, contracts, events = ledger
    path = tmp_path / "events.parquet"
    events.write_parquet(path)
    settlement = compute(Inputs(
        period="2026-03", parties=parties, contracts=contracts,
        fx=FxTable.from_rows(FX_ROWS), event_files=[path], issued={}, opening_balances={},
    ))  # fmt: skip
    for r in settlement.contracts:
        ccy = r.contract.currency
        for values in [r.month] if r.month else []:
            assert values.brand_due == values.talent_net + values.commission + values.withholding
            assert values.earned == (values.usage + values.retainer + values.cap_adjustment
                                     + values.minimum_guarantee_topup)  # fmt: skip
            assert values.usage == sum((ln.amount for ln in r.lines), Decimal(0))
            for name in COMPONENTS:
                value = getattr(values, name)
                assert value == round_money(value, ccy), (name, value)
        for a in r.adjustments:
            assert a.origin < "2026-03"
            assert a.deltas["brand_due"] == (a.deltas["talent_net"] + a.deltas["commission"]
                                             + a.deltas["withholding"])  # fmt: skip
        assert unbalanced(contract_postings(r)) == {}
    docs = build_documents(settlement, parties, "draft", "2026-04-01", {})
    for doc, text in docs:
        assert json.loads(text) == doc
        assert verification_code(json.loads(text)) == doc["verification_code"]
        for block in doc["contracts"]:
            lines = sum((Decimal(ln["amount"]) for ln in block["lines"]), Decimal(0))
            assert lines == Decimal(block["usage"])
    if settlement.talents:
        [position] = settlement.talents
        payout = parties.talents[0].payout_currency
        assert position.net_this_period == sum(
            (r.talent_net_payout for r in settlement.contracts), Decimal(0)
        )
        assert position.balance == position.payable + position.carried_forward
        assert position.payable == round_money(position.payable, payout)
