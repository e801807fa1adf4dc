"""Immutable domain records: parties, contracts and their versions.

These are what the pricing and settlement code sees. Storage converts its tables to and from these
at its boundary; nothing here knows about sessions, connections or files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

METRICS = ("renders", "publications", "impressions", "video_seconds")
CHANNELS = (
    "social",
    "web",
    "ecommerce",
    "email",
    "print",
    "ooh",
    "tv",
    "cinema",
    "in_store",
)
MEDIA = ("still", "video")
KINDS = ("render", "publication", "impressions")
TIER_MODES = ("graduated", "volume")
PERIOD_KINDS = ("month", "quarter", "year", "term")
EXCEPTION_KINDS = (
    "UNLICENSED",
    "RESTRICTED_CATEGORY",
    "OUT_OF_SCOPE",
    "MISSING_DISCLOSURE",
    "DISCLOSURE_UNVERIFIED",
    "UNVERIFIED_ASSET",
    "EXCLUSIVITY_CONFLICT",
    "UNPRICED",
)
LISTED_EXCEPTIONS = 30
"""Exceptions a statement lists in full; every one is counted by kind, and `twinledger exceptions`
lists them all."""


@dataclass(frozen=True)
class Address:
    """A postal address as an invoice prints it; ``country`` is ISO 3166-1 alpha-2."""

    lines: tuple[str, ...]
    postal_code: str | None
    city: str
    country: str


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    currency: str
    commission: Decimal
    locale: str = "en"
    min_payout: Decimal = Decimal(0)  # in its currency; smaller balances carry forward
    iban: str | None = None  # where it is paid (compact form, checked), none = paid by hand
    bic: str | None = None
    legal_name: str | None = None
    address: Address | None = None
    vat_id: str | None = None  # normalised, with its country prefix ("SE556677889901")
    tax_registered: bool = False  # registered for VAT: its invoices charge VAT (SPEC 1.1)


@dataclass(frozen=True)
class Talent:
    id: str
    name: str
    payout_currency: str
    agency: str | None = None
    withholding_rate: Decimal = Decimal(0)
    min_payout: Decimal = Decimal(0)
    restricted_categories: tuple[str, ...] = ()
    locale: str = "en"
    iban: str | None = None  # where they are paid (compact form, checked), none = paid by hand
    bic: str | None = None
    legal_name: str | None = None
    address: Address | None = None
    vat_id: str | None = None  # normalised, with its country prefix ("SE556677889901")
    tax_registered: bool = False


@dataclass(frozen=True)
class Brand:
    id: str
    name: str
    currency: str
    category: str = "general"
    locale: str = "en"
    legal_name: str | None = None
    address: Address | None = None
    vat_id: str | None = None  # normalised, with its country prefix ("SE556677889901")


@dataclass(frozen=True)
class Twin:
    id: str
    talent: str
    created_on: date | None = None
    revoked_on: date | None = None
    locale: str = "en"


@dataclass(frozen=True)
class Payer:
    """The account that pays talents and agencies (``[payer]`` in workspace.toml)."""

    name: str
    iban: str  # compact, checked
    bic: str | None = None

    @property
    def account(self) -> str:
        """Its journal account: ``bank:`` and the IBAN in lower case."""
        return f"bank:{self.iban.lower()}"


@dataclass(frozen=True)
class Parties:
    agencies: tuple[Agency, ...] = ()
    talents: tuple[Talent, ...] = ()
    brands: tuple[Brand, ...] = ()
    twins: tuple[Twin, ...] = ()


@dataclass(frozen=True)
class Tier:
    """One price band. ``up_to`` is the cumulative unit count where the band ends (None = open)."""

    up_to: Decimal | None
    price: Decimal


@dataclass(frozen=True)
class RateRule:
    """One `[[rates]]` entry. ``rule_no`` is its 1-based position in its version's rate list."""

    rule_no: int
    metric: str
    channel: str = "*"
    media: str = "*"
    per: Decimal = Decimal(1)
    price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    tier_mode: str = "graduated"

    @property
    def specificity(self) -> int:
        """2 for an exact channel, +1 for an exact media: the higher wins (SPEC 3 step 5)."""
        return (2 if self.channel != "*" else 0) + (1 if self.media != "*" else 0)


@dataclass(frozen=True)
class MinimumGuarantee:
    amount: Decimal
    period: str


@dataclass(frozen=True)
class Cap:
    amount: Decimal
    period: str


@dataclass(frozen=True)
class Advance:
    amount: Decimal
    paid_on: date


@dataclass(frozen=True)
class Terms:
    """The terms an amendment may restate (everything but identity, currency and the term)."""

    territories: tuple[str, ...]
    channels: tuple[str, ...]
    excluded_territories: tuple[str, ...] = ()
    media: tuple[str, ...] = MEDIA
    category: str = "general"
    exclusive: bool = False
    agency_commission: Decimal | None = None
    disclosure_required: bool = True
    unauthorized_use_multiplier: Decimal = Decimal(0)
    retainer: Decimal | None = None
    minimum_guarantee: MinimumGuarantee | None = None
    cap: Cap | None = None
    advance: Advance | None = None
    rates: tuple[RateRule, ...] = ()


@dataclass(frozen=True)
class Amendment:
    effective: date
    terms: Terms


@dataclass(frozen=True)
class ContractVersion:
    """The terms of one contract in force from ``effective_from`` to ``effective_to`` (inclusive).

    ``version_no`` 0 is the original terms, n the n-th amendment.
    """

    contract_id: str
    revision: int
    version_no: int
    effective_from: date
    effective_to: date
    terms: Terms

    @property
    def key(self) -> str:
        return f"{self.contract_id}@r{self.revision}v{self.version_no}"


@dataclass(frozen=True)
class Contract:
    id: str
    brand: str
    twin: str
    currency: str
    start: date
    end: date
    terms: Terms
    amendments: tuple[Amendment, ...] = ()
    revision: int = 1
    content_hash: str = ""
    source: str = field(default="", compare=False)
    payment_days: int = 30  # days from an invoice's issue date to its due date

    def versions(self) -> tuple[ContractVersion, ...]:
        """The term split at each amendment's effective date, in order."""
        starts = [(self.start, self.terms)] + [(a.effective, a.terms) for a in self.amendments]
        result = []
        for n, (begin, terms) in enumerate(starts):
            end = starts[n + 1][0] - timedelta(days=1) if n + 1 < len(starts) else self.end
            result.append(ContractVersion(self.id, self.revision, n, begin, end, terms))
        return tuple(result)

    def version_on(self, day: date) -> ContractVersion | None:
        for version in self.versions():
            if version.effective_from <= day <= version.effective_to:
                return version
        return None
