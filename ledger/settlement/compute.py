"""Compute one period's settlement from everything the ledger knows now (pure of storage).

The caller gathers the inputs (parties, contracts, FX, committed event files, what earlier
closed periods issued, talents' opening balances); this module rates the events, runs each
contract's month-by-month economics from its start, works out prior-period adjustments,
converts to payout currencies and sums each party's position.

Prior-period adjustments (SPEC 4.5): every earlier month of a contract is recomputed with
everything known now (late events, amended terms) and compared, component by component, with
what closed periods issued for it; a difference is carried into this period naming its month.
An earlier month that no closed period ever issued (say, a retainer month without usage that
was never settled) is compared with zero, so a fixed fee is never lost.

A close issues, for every earlier month of every contract, exactly what it recomputed (its own
figures plus the adjustments it carried). So when settling incrementally, a month up to the
latest close that nothing changed since recomputes to what was issued, to the cent: no batch of
the contract's brand touching it was committed, restated or withdrawn after the close, and the
contract's revision and its talent's and agency's terms (``economics_terms``) are the same.
Such months are carried from what was issued instead of being priced and settled again
(``carried_through``); only later months are recomputed. ``--full`` recomputes every month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from ledger.domain import Agency, Brand, Contract, Parties, Talent
from ledger.economics import Carried, ContractMonth, settle_contract_months
from ledger.economics.periods import period_bounds
from ledger.fx import FxRate, FxTable
from ledger.money import format_amount, round_money
from ledger.period import Period
from ledger.provenance.consents import Consent, relied_on
from ledger.rating.engine import DUCKDB, EngineChoice, open_engine
from ledger.rating.incremental import Reuse, measure_reusing
from ledger.rating.lines import RatedLine, price_lines, usage_amounts
from ledger.rating.measure import measure
from ledger.settlement.self_billing import SelfBill, plan_self_bills

COMPONENTS = (
    "usage",
    "retainer",
    "cap_adjustment",
    "minimum_guarantee_topup",
    "earned",
    "advance_paid",
    "advance_recouped",
    "brand_due",
    "commission",
    "withholding",
    "talent_net",
)


def components_of(month: ContractMonth) -> dict[str, Decimal]:
    return {name: getattr(month, name) for name in COMPONENTS}


@dataclass(frozen=True)
class Change:
    """Why a closed month of a contract is settled again: ``kind`` is ``late_events`` (batches
    committed after the last close), ``amendment`` (a contract revision since then),
    ``withdrawn_batch`` (a batch it covered no longer counts) or ``recomputed`` (none of these:
    a month that no close ever settled, such as a retainer month without usage)."""

    kind: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"change": self.kind, "detail": self.detail}


@dataclass(frozen=True)
class Adjustment:
    """The difference, per component, between a closed month recomputed now and what it issued."""

    origin: str
    deltas: Mapping[str, Decimal]
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class BatchInfo:
    brand: str
    months: frozenset[str]  # YYYY-MM its events fall in
    committed: bool  # False once withdrawn


@dataclass(frozen=True)
class LastClose:
    """What the latest closed period knew when it closed: the basis of today's adjustments."""

    period: str
    batches: frozenset[str]
    revisions: Mapping[str, int]  # contract id -> revision used
    economics: Mapping[str, Sequence[str | None]] | None = None
    """``economics_terms`` of the contracts it closed with (None: not stored)."""


@dataclass(frozen=True)
class ContractResult:
    contract: Contract
    brand: Brand
    talent: Talent
    agency: Agency | None
    month: ContractMonth | None  # None when the period is outside the term (adjustments only)
    lines: tuple[RatedLine, ...]
    adjustments: tuple[Adjustment, ...]
    net_fx: FxRate
    talent_net_payout: Decimal  # this period's talent_net + adjustments, in payout currency
    commission_fx: FxRate | None
    commission_payout: Decimal  # in the agency's currency
    credentials: tuple[int, int] | None = None
    """(publications with a verified content credential, publications) of the period, for a
    brand with asset credentials on file."""
    consents: tuple[Consent, ...] = ()
    """The consents the contract relies on (SPEC 1.4)."""

    def total(self, component: str) -> Decimal:
        own = getattr(self.month, component) if self.month else Decimal(0)
        return own + sum((a.deltas[component] for a in self.adjustments), Decimal(0))


@dataclass(frozen=True)
class ManualAdjustment:
    """A manual adjustment posted into the period (`twinledger adjust`)."""

    party: str
    account: str
    currency: str
    amount: Decimal  # positive = owed more to a talent or agency / more due from a brand
    reason: str
    by: str
    posted_at: str

    def as_dict(self) -> dict[str, str]:
        return {
            "amount": format_amount(self.amount, self.currency),
            "currency": self.currency,
            "reason": self.reason,
            "by": self.by,
            "posted_at": self.posted_at,
        }


@dataclass(frozen=True)
class Position:
    """A payee's account for the period, in its payout currency (SPEC 4.3).

    ``opening_balance`` + ``net_this_period`` + ``adjustments`` + ``vat`` = ``balance``. A
    balance of at least the payee's minimum payout, and above zero, is ``payable``; any other
    balance, negative ones included, is ``carried_forward`` and nets against later earnings.
    ``payable`` is never negative.
    """

    party: Talent | Agency
    currency: str
    opening_balance: Decimal
    net_this_period: Decimal
    adjustments: Decimal
    balance: Decimal
    carried_forward: Decimal
    payable: Decimal
    vat: Decimal = Decimal(0)
    """VAT of the payee's self-billed invoice (4.3.2), owed on top: part of ``balance``."""

    @property
    def talent(self) -> Talent:
        assert isinstance(self.party, Talent)
        return self.party

    @property
    def agency(self) -> Agency:
        assert isinstance(self.party, Agency)
        return self.party


@dataclass(frozen=True)
class Settlement:
    period: str
    contracts: tuple[ContractResult, ...]
    exceptions: pa.Table
    events_rated: int
    talents: tuple[Position, ...]
    agencies: tuple[Position, ...] = ()
    manual: tuple[ManualAdjustment, ...] = ()
    measured: pa.Table | None = None
    """The quantities per priced line of every month measured (``LINE_SCHEMA``), which a close
    stores for the next incremental settlement."""
    first_renders: pa.Table | None = None
    """With ``Inputs.index_renders``: the first renders up to the period's end."""
    self_bills: tuple[SelfBill, ...] = ()


@dataclass(frozen=True)
class Inputs:
    period: str
    parties: Parties
    contracts: Sequence[Contract]
    fx: FxTable
    event_files: Sequence[Path]
    issued: Mapping[str, Mapping[str, Mapping[str, Decimal]]]
    """contract id -> earlier month -> components issued for it by closed periods so far (its own
    figures plus adjustments carried since); a month never issued is absent (all zero)."""
    opening_balances: Mapping[str, Decimal]
    """payable account (`payable_account`) -> balance carried into this period, in the payee's
    currency (positive = owed to the payee, negative = owed back out of later earnings)."""
    manual: Sequence[ManualAdjustment] = ()
    last_close: LastClose | None = None
    batches: Mapping[str, BatchInfo] = field(default_factory=dict)
    """every batch the ledger holds, by id, to say why a closed month changed."""
    reuse: Reuse | None = None
    """Measure incrementally (``ledger.rating.incremental``); None measures every event file."""
    index_renders: bool = False
    """Also find the first render of every asset up to the period's end (a close stores it)."""
    vat_rates: Mapping[str, Decimal] = field(default_factory=dict)
    """country -> standard VAT rate, for self-billed invoices (4.3.2)."""
    assets: pa.Table | None = None
    """The brands' asset credentials (``ASSET_SCHEMA``) publications are checked against."""
    consents: Sequence[Consent] = ()
    """The talents' consent records, to name the one each contract relies on."""
    engine: EngineChoice = DUCKDB
    """The SQL engine that measures the events (``ledger.rating.engine``); same result."""


def changes_since_close(
    contract: Contract, origin: str, last: LastClose | None, batches: Mapping[str, BatchInfo]
) -> tuple[Change, ...]:
    """What changed for ``contract``'s month ``origin`` since the latest close."""
    if last is None:
        return (Change("recomputed", "never settled by a closed period"),)
    changes = []
    late = sorted(
        b
        for b, info in batches.items()
        if info.committed and b not in last.batches
        if info.brand == contract.brand and origin in info.months
    )
    if late:
        changes.append(Change("late_events", f"events in batch {', '.join(late)}"))
    then = last.revisions.get(contract.id)
    if then is not None and then != contract.revision:
        changes.append(Change("amendment", f"revision {then} replaced by {contract.revision}"))
    withdrawn = sorted(
        b
        for b in last.batches
        if b in batches and not batches[b].committed
        if batches[b].brand == contract.brand and origin in batches[b].months
    )
    if withdrawn:
        changes.append(Change("withdrawn_batch", f"batch {', '.join(withdrawn)} withdrawn"))
    if not changes:
        changes.append(Change("recomputed", f"recomputed after the close of {last.period}"))
    return tuple(changes)


def economics_terms(contracts: Sequence[Contract], parties: Parties) -> dict[str, list[str | None]]:
    """What the economics of each contract read of the parties: contract id -> [talent, its
    withholding rate, agency, its commission rate] (a close stores it, ``LastClose``)."""
    talents = {t.id: t for t in parties.talents}
    agencies = {a.id: a for a in parties.agencies}
    twins = {t.id: t for t in parties.twins}
    terms: dict[str, list[str | None]] = {}
    for contract in contracts:
        twin = twins.get(contract.twin)
        talent = talents.get(twin.talent) if twin else None
        agency = agencies.get(talent.agency) if talent and talent.agency else None
        terms[contract.id] = [
            talent.id if talent else None,
            str(talent.withholding_rate) if talent else None,
            agency.id if agency else None,
            str(agency.commission) if agency else None,
        ]
    return terms


def carried_through(inputs: Inputs, relevant: Sequence[Contract]) -> dict[str, str]:
    """contract id -> the last month whose issued figures stand as they are: the latest close's,
    or the month before the first one changed since it. A contract amended or added since the
    close, or whose talent or agency terms changed, is absent (settled again from its start), as
    is every contract when settling in full or before any close."""
    last, reuse = inputs.last_close, inputs.reuse
    if last is None or reuse is None or last.economics is None:
        return {}
    changed: dict[str, set[str]] = defaultdict(set)  # brand -> months changed since the close
    for month, brand in reuse.dirty:
        changed[brand].add(month)
    for batch in reuse.added:
        info = inputs.batches[batch]
        changed[info.brand] |= {m for m in info.months if m <= last.period}
    terms = economics_terms(relevant, inputs.parties)
    carried = {}
    for contract in relevant:
        if last.revisions.get(contract.id) != contract.revision:
            continue
        if list(last.economics.get(contract.id) or ()) != terms[contract.id]:
            continue
        first = min(changed[contract.brand], default=None)
        carried[contract.id] = last.period if first is None else Period(first).previous()
    return carried


def compute(inputs: Inputs) -> Settlement:
    period = inputs.period
    first, last = period_bounds(period)
    end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    parties = inputs.parties
    brands = {b.id: b for b in parties.brands}
    talents = {t.id: t for t in parties.talents}
    agencies = {a.id: a for a in parties.agencies}
    twins = {t.id: t for t in parties.twins}
    relevant = [c for c in inputs.contracts if c.start <= last]
    start = min([first] + [date(c.start.year, c.start.month, 1) for c in relevant])

    with open_engine(inputs.engine) as con:
        if inputs.reuse is None:
            measured = measure(
                con,
                inputs.event_files,
                start,
                end,
                first,
                inputs.contracts,
                parties,
                inputs.index_renders,
                inputs.assets,
            )
        else:
            measured = measure_reusing(
                con,
                inputs.reuse,
                inputs.event_files,
                start,
                end,
                first,
                inputs.contracts,
                parties,
                inputs.index_renders,
                inputs.assets,
            )
    carried = carried_through(inputs, relevant)
    # the period's lines in full; earlier months' only as the amounts their economics need
    usage = usage_amounts(measured.lines, relevant, except_month=period, carried=carried)
    lines_of: dict[str, list[RatedLine]] = defaultdict(list)
    for line in price_lines(measured.lines, measured.breakdown, relevant, month=period):
        usage[line.contract][line.period] += line.amount
        lines_of[line.contract].append(line)

    results = []
    for contract in sorted(relevant, key=lambda c: (c.brand, c.id)):
        talent = talents[twins[contract.twin].talent]
        agency = agencies.get(talent.agency) if talent.agency else None
        issued = inputs.issued.get(contract.id, {})
        through = carried.get(contract.id)
        months = settle_contract_months(
            contract,
            usage.get(contract.id, {}),
            period,
            agency.commission if agency else Decimal(0),
            talent.withholding_rate,
            None if through is None else Carried(through, issued),
        )
        by_period = {m.period: m for m in months}
        adjustments = []
        for origin in sorted(set(by_period) | set(issued)):
            if origin >= period or (through is not None and origin <= through):
                continue  # carried months recompute to what was issued: no adjustment
            now = by_period.get(origin)
            current = components_of(now) if now else dict.fromkeys(COMPONENTS, Decimal(0))
            before = issued.get(origin, {})
            deltas = {k: current[k] - before.get(k, Decimal(0)) for k in COMPONENTS}
            if any(deltas.values()):
                why = changes_since_close(contract, origin, inputs.last_close, inputs.batches)
                adjustments.append(Adjustment(origin, deltas, why))
        month = by_period.get(period)
        if month is None and not adjustments:
            continue
        lines = tuple(lines_of.get(contract.id, ()))
        own_net = month.talent_net if month else Decimal(0)
        net = own_net + sum((a.deltas["talent_net"] for a in adjustments), Decimal(0))
        payout, net_fx = inputs.fx.convert(net, contract.currency, talent.payout_currency, last)
        commission = (month.commission if month else Decimal(0)) + sum(
            (a.deltas["commission"] for a in adjustments), Decimal(0)
        )
        commission_fx = None
        commission_payout = Decimal(0)
        if agency is not None:
            commission_payout, commission_fx = inputs.fx.convert(
                commission, contract.currency, agency.currency, last
            )
        results.append(
            ContractResult(
                contract=contract,
                brand=brands[contract.brand],
                talent=talent,
                agency=agency,
                month=month,
                lines=lines,
                adjustments=tuple(adjustments),
                net_fx=net_fx,
                talent_net_payout=payout,
                commission_fx=commission_fx,
                commission_payout=commission_payout,
                credentials=measured.credentials.get(contract.id),
                consents=relied_on(contract, inputs.consents),
            )
        )
    self_bills = plan_self_bills(results, inputs.fx, last, inputs.vat_rates)
    return Settlement(
        period=period,
        contracts=tuple(results),
        exceptions=measured.exceptions,
        events_rated=measured.events_rated,
        talents=_positions(
            talents,
            _sums((r.talent.id, r.talent_net_payout) for r in results),
            inputs.opening_balances,
            inputs.manual,
            {bill.talent.id: bill.vat for bill in self_bills},
        ),
        agencies=_positions(
            agencies,
            _sums((r.agency.id, r.commission_payout) for r in results if r.agency is not None),
            inputs.opening_balances,
            inputs.manual,
        ),
        manual=tuple(inputs.manual),
        measured=measured.lines,
        first_renders=measured.first_renders,
        self_bills=tuple(self_bills),
    )


def _sums(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for key, amount in pairs:
        totals[key] += amount
    return totals


def payable_account(payee: Talent | Agency) -> str:
    """The journal account of what the ledger owes a payee (credit balance = owed)."""
    kind = "talent" if isinstance(payee, Talent) else "agency"
    return f"{kind}:{payee.id}:payable"


def _positions(
    payees: Mapping[str, Talent] | Mapping[str, Agency],
    nets: Mapping[str, Decimal],
    opening: Mapping[str, Decimal],
    manual: Sequence[ManualAdjustment],
    vat: Mapping[str, Decimal] | None = None,
) -> tuple[Position, ...]:
    """The position of every payee with earnings, a manual adjustment or a balance carried in."""
    adjusted: dict[str, Decimal] = defaultdict(Decimal)
    for m in manual:
        payee = payees.get(m.party)
        if payee is not None and m.account == payable_account(payee):
            adjusted[m.party] += m.amount
    carried = {p for p, payee in payees.items() if opening.get(payable_account(payee))}
    positions = []
    for payee_id in sorted(set(nets) | set(adjusted) | carried):
        payee = payees[payee_id]
        ccy = payee.payout_currency if isinstance(payee, Talent) else payee.currency
        opening_balance = round_money(opening.get(payable_account(payee), Decimal(0)), ccy)
        net = round_money(nets.get(payee_id, Decimal(0)), ccy)
        adjustments = round_money(adjusted[payee_id], ccy)
        owed_vat = round_money((vat or {}).get(payee_id, Decimal(0)), ccy)
        balance = opening_balance + net + adjustments + owed_vat
        paid = balance > 0 and balance >= payee.min_payout
        zero = round_money(Decimal(0), ccy)
        positions.append(
            Position(
                party=payee,
                currency=ccy,
                opening_balance=opening_balance,
                net_this_period=net,
                adjustments=adjustments,
                balance=balance,
                carried_forward=zero if paid else balance,
                payable=balance if paid else zero,
                vat=owed_vat,
            )
        )
    return tuple(positions)
