"""The statement document as typed records (SPEC 6 `statements data`): what ``build_documents``
writes and what reports, reconciliation and the portal read. Decimals are strings.

Keys marked ``NotRequired`` are absent from documents stored by earlier versions (a closed
period's documents are never rewritten), so readers must treat them as optional.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class PartyRef(TypedDict):
    type: str  # talent | agency | brand
    id: str
    name: str
    locale: str | None


class AgencyRef(TypedDict):
    id: str
    name: str


FxRateDoc = TypedDict("FxRateDoc", {"from": str, "to": str, "rate": str, "date": str})


class Components(TypedDict):
    """A contract's figures for one month, in the contract currency."""

    usage: str
    retainer: str
    cap_adjustment: str
    minimum_guarantee_topup: str
    earned: str
    advance_paid: str
    advance_recouped: str
    brand_due: str
    commission: str
    withholding: str
    talent_net: str


class PriorPeriodAdjustment(Components):
    period: str  # the closed month it corrects


class Line(TypedDict):
    line_id: str
    metric: str
    channel: str | None
    media: str | None
    quantity: str
    amount: str
    rate: Any
    out_of_scope: bool
    events: Any
    version: int
    rule: int
    details: dict[str, Any]


class ContractBlock(Components):
    contract: str
    revision: int
    brand: str
    brand_name: str
    twin: str
    talent: str
    talent_name: str
    currency: str
    commission_rate: str
    withholding_rate: str
    fx: FxRateDoc | None
    talent_net_with_adjustments: str
    talent_net_payout: str
    payout_currency: str
    prior_period_adjustments: list[PriorPeriodAdjustment]
    lines: list[Line]
    economics: dict[str, Any]
    commission_payout: NotRequired[str]  # only where the talent has an agency
    commission_fx: NotRequired[FxRateDoc | None]
    content_credentials: NotRequired[ContentCredentials]  # brands with asset credentials
    consents: NotRequired[list[ConsentRef]]  # the consents the contract relies on


class ContentCredentials(TypedDict):
    """Of the contract's licensed publications this period, how many carried a verified
    content credential."""

    verified: int
    uses: int


class ConsentRef(TypedDict):
    id: str
    signed_on: str
    document_sha256: str


class ExceptionRow(TypedDict):
    kind: str
    brand: str
    twin: str
    contract: str | None
    event_id: str
    occurred_at: str
    detail: str


class ManualAdjustmentDoc(TypedDict):
    amount: str
    currency: str
    reason: str
    by: str
    posted_at: str


class Balances(TypedDict):
    opening_balance: str
    adjustments: NotRequired[str]
    balance: str
    carried_forward: str
    payable: str
    min_payout: str


class TalentSummary(Balances):
    net_this_period: str
    fx_rates: list[FxRateDoc]
    vat: NotRequired[str]  # VAT of the self-billed invoice, part of the balance (4.3.2)


SelfBillingDoc = dict[str, Any]
"""A self-billed invoice or credit note (``ledger.settlement.self_billing.document``)."""


class AgencySummary(TypedDict):
    """Agencies' balances came after their first statements: those keys are optional."""

    commission: str
    fx_rates: NotRequired[list[FxRateDoc]]
    opening_balance: NotRequired[str]
    adjustments: NotRequired[str]
    balance: NotRequired[str]
    carried_forward: NotRequired[str]
    payable: NotRequired[str]
    min_payout: NotRequired[str]


class Header(TypedDict):
    statement_id: str
    period: str
    status: str  # draft | closed
    issued_on: str
    party: PartyRef
    verification_code: NotRequired[str]  # added when the document is sealed


class PartyStatement(Header):
    """What every party's statement holds besides its summary."""

    currency: str
    contracts: list[ContractBlock]
    exceptions: list[ExceptionRow]
    exception_counts: NotRequired[dict[str, int]]
    manual_adjustments: NotRequired[list[ManualAdjustmentDoc]]


class PreviousPayout(TypedDict):
    """The payee's last payout the bank has paid (a confirmed payout run of an earlier period)."""

    period: str
    statement: str
    run: str
    amount: str
    currency: str
    paid_on: str


class TalentStatement(PartyStatement):
    agency: AgencyRef | None
    summary: TalentSummary
    previous_payout: NotRequired[PreviousPayout | None]
    self_billing: NotRequired[SelfBillingDoc]


class AgencyStatement(PartyStatement):
    summary: AgencySummary
    previous_payout: NotRequired[PreviousPayout | None]
