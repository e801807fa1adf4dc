"""Contract terms (SPEC 1.2): the part of a contract that an amendment may restate.

``read_terms`` reads the term keys of one table (the contract itself or one amendment) over the
terms in force before it, so an amendment inherits whatever it does not restate and a restated
``rates`` replaces the whole rate list.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ledger import pricing
from ledger.domain import (
    CHANNELS,
    MEDIA,
    METRICS,
    PERIOD_KINDS,
    TIER_MODES,
    Advance,
    Cap,
    MinimumGuarantee,
    RateRule,
    Terms,
    Tier,
)
from ledger.refdata.countries import WORLD, is_territory
from ledger.refdata.tomlread import FRACTION_PLACES, Fields

ANY = "*"
TERM_KEYS = (
    "territories",
    "excluded_territories",
    "channels",
    "media",
    "category",
    "exclusive",
    "agency_commission",
    "disclosure_required",
    "unauthorized_use_multiplier",
    "retainer",
    "minimum_guarantee",
    "cap",
    "advance",
    "rates",
)
ZERO = Decimal(0)
MAX_MULTIPLIER = Decimal(100)
"""The largest unauthorized_use_multiplier."""
MAX_PER = Decimal(10) ** 9
"""The largest ``per`` (units a price is for); ``per`` is a whole number."""
MAX_UNITS = Decimal(10) ** 15
"""The largest tier bound ``up_to`` (units of a metric, at most 3 decimal places)."""


@dataclass(frozen=True)
class TermsContext:
    """What the terms are checked against: the brand's default category and the talent's limits.

    ``talent`` is None when the twin is unknown (that problem is reported elsewhere);
    ``currency`` (the contract's) is None when it is missing or wrong.
    """

    brand_category: str = "general"
    talent: str | None = None
    restricted_categories: tuple[str, ...] = ()
    has_agency: bool = True
    currency: str | None = None


def read_terms(f: Fields, base: Terms | None, context: TermsContext) -> Terms | None:
    """The terms of ``f`` over ``base`` (None: the contract's own terms, with SPEC defaults)."""
    before = len(f.problems)
    changes: dict[str, Any] = {}
    readers = {
        "territories": lambda: _territories(f),
        "excluded_territories": lambda: _excluded(f),
        "channels": lambda: _channels(f),
        "media": lambda: _media(f),
        "category": lambda: f.text("category"),
        "exclusive": lambda: f.flag("exclusive"),
        "agency_commission": lambda: f.fraction("agency_commission"),
        "disclosure_required": lambda: f.flag("disclosure_required"),
        "unauthorized_use_multiplier": lambda: f.decimal(
            "unauthorized_use_multiplier",
            minimum=ZERO,
            limit=MAX_MULTIPLIER,
            places=FRACTION_PLACES,
        ),
        "retainer": lambda: f.amount("retainer", context.currency),
        "minimum_guarantee": lambda: _amount_period(
            f, "minimum_guarantee", MinimumGuarantee, context
        ),
        "cap": lambda: _amount_period(f, "cap", Cap, context),
        "advance": lambda: _advance(f, context),
        "rates": lambda: read_rates(f),
    }
    for key, read in readers.items():
        if f.has(key):
            changes[key] = read()
    _check_category(f, changes.get("category"), base is None, context)
    commission = changes.get("agency_commission")
    if commission and not context.has_agency:
        f.problem(
            "agency_commission",
            f"talent {context.talent} has no agency to receive a commission of {commission}",
        )
    if len(f.problems) > before:
        return None
    if base is None:
        if "territories" not in changes or "channels" not in changes:
            return None
        return Terms(**{"category": context.brand_category, **changes})
    return replace(base, **changes)


def _check_category(f: Fields, category: str | None, original: bool, context: TermsContext) -> None:
    if category is None and original:
        category = context.brand_category
        source = " (the brand's category, as the contract gives none)"
    else:
        source = ""
    if category is not None and category in context.restricted_categories:
        f.problem("category", f"{category!r}{source} is restricted by talent {context.talent}")


def _territories(f: Fields) -> tuple[str, ...] | None:
    values = f.texts("territories", non_empty=True)
    if values is None:
        return None
    if WORLD in values and len(values) > 1:
        f.problem("territories", f"{WORLD} covers every territory; give it alone")
        return None
    unknown = [v for v in values if v != WORLD and not is_territory(v)]
    return values if _known(f, "territories", unknown) else None


def _excluded(f: Fields) -> tuple[str, ...] | None:
    values = f.texts("excluded_territories")
    if values is None:
        return None
    unknown = [v for v in values if not is_territory(v)]
    return values if _known(f, "excluded_territories", unknown) else None


def _known(f: Fields, key: str, unknown: list[str]) -> bool:
    for value in unknown:
        f.problem(key, f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return not unknown


def _channels(f: Fields) -> tuple[str, ...] | None:
    values = f.texts("channels", non_empty=True)
    if values is None:
        return None
    if ANY in values and len(values) > 1:
        f.problem("channels", f"{ANY!r} means every channel; give it alone")
        return None
    unknown = [v for v in values if v not in CHANNELS and v != ANY]
    for value in unknown:
        f.problem("channels", f"{value!r} is not a channel; use {', '.join(CHANNELS)} or ['*']")
    return None if unknown else values


def _media(f: Fields) -> tuple[str, ...] | None:
    values = f.texts("media", non_empty=True)
    if values is None:
        return None
    unknown = [v for v in values if v not in MEDIA]
    for value in unknown:
        f.problem("media", f"{value!r} is not a medium; use {', '.join(MEDIA)}")
    return None if unknown else values


def _amount_period(
    f: Fields, key: str, kind: type[MinimumGuarantee] | type[Cap], context: TermsContext
) -> MinimumGuarantee | Cap | None:
    table = f.table_at(key)
    if table is None:
        return None
    sub = f.nested(key, table)
    sub.check_keys(("amount", "period"))
    amount = sub.amount("amount", context.currency)
    period = sub.choice("period", PERIOD_KINDS, "period")
    if amount is None or period is None:
        return None
    return kind(amount, period)


def _advance(f: Fields, context: TermsContext) -> Advance | None:
    table = f.table_at("advance")
    if table is None:
        return None
    sub = f.nested("advance", table)
    sub.check_keys(("amount", "paid_on"))
    amount, paid_on = sub.amount("amount", context.currency), sub.day("paid_on")
    if amount is None or paid_on is None:
        return None
    return Advance(amount, paid_on)


def read_rates(f: Fields) -> tuple[RateRule, ...] | None:
    """The ``rates`` array; ``rule_no`` is each rule's 1-based position in it."""
    tables = f.tables("rates")
    if tables is None:
        return None
    rules: list[RateRule] = []
    first: dict[tuple[str, str, str], int] = {}
    for rule_no, table in enumerate(tables, 1):
        rule = _rate(f.nested(f"rates[{rule_no}]", table), rule_no)
        if rule is None:
            continue
        triple = (rule.metric, rule.channel, rule.media)
        earlier = first.setdefault(triple, rule_no)
        if earlier != rule_no:
            f.problem(
                f"rates[{rule_no}]",
                f"same metric, channel and media ({', '.join(triple)}) as rates[{earlier}]; "
                "two rates equally specific for the same use are ambiguous",
            )
        rules.append(rule)
    return tuple(rules) if len(rules) == len(tables) else None


def _rate(f: Fields, rule_no: int) -> RateRule | None:
    before = len(f.problems)
    f.check_keys(("metric",), ("channel", "media", "price", "per", "tiers", "tier_mode"))
    metric = f.choice("metric", METRICS, "metric")
    channel = f.choice("channel", (*CHANNELS, ANY), "channel") if f.has("channel") else ANY
    media = f.choice("media", (*MEDIA, ANY), "medium") if f.has("media") else ANY
    per = f.decimal("per", above=ZERO, limit=MAX_PER, places=0) if f.has("per") else Decimal(1)
    price = f.price("price")
    tiers = _tiers(f) if f.has("tiers") else ()
    tier_mode = "graduated"
    if f.has("tier_mode"):
        tier_mode = f.choice("tier_mode", TIER_MODES, "tier mode") or tier_mode
        if not f.has("tiers"):
            f.problem("tier_mode", "applies only to a rate with tiers")
    if len(f.problems) > before or metric is None or channel is None or media is None:
        return None
    if per is None or tiers is None:
        return None
    rule = RateRule(rule_no, metric, channel, media, per, price, tiers, tier_mode)
    # the rule's terms under its pricing model are checked by the model itself, in one place
    for problem in pricing.validate(rule):
        f.problem(problem.field or "", problem.message)
    return None if len(f.problems) > before else rule


def _tiers(f: Fields) -> tuple[Tier, ...] | None:
    """Bands by cumulative ``up_to``; only the last is open-ended (the pricing model checks that
    they increase)."""
    tables = f.tables("tiers")
    if tables is None:
        return None
    if not tables:
        f.problem("tiers", "must have at least one tier")
        return None
    tiers: list[Tier] = []
    for n, table in enumerate(tables, 1):
        sub = f.nested(f"tiers[{n}]", table)
        sub.check_keys(("price",), ("up_to",))
        price = sub.price("price")
        up_to: Decimal | None = None
        if n == len(tables):
            if sub.has("up_to"):
                sub.problem("up_to", "the last tier is open-ended: leave out up_to")
        elif not sub.has("up_to"):
            sub.problem("up_to", "required on every tier but the last")
        else:
            up_to = sub.decimal("up_to", above=ZERO, limit=MAX_UNITS, places=3)
        if price is not None:
            tiers.append(Tier(up_to, price))
    return tuple(tiers) if len(tiers) == len(tables) else None
