"""Re-do a document's arithmetic from the text of its PDF alone, as a reader with a calculator.

Each ``check_*`` function takes the text pypdf extracts from a statement, an agency statement or
a brand invoice / credit note, and the locale it is printed in (to read "1 440,00" or
"1,440.00"). It finds every printed figure the document derives (sums, conversions, deductions,
tier amounts, balances), recomputes it from the other printed figures, rounding once (half-even,
at the currency's minor unit) where the document says it rounds, and raises AssertionError naming
the figure that does not follow. It returns how many relations it checked, by kind, so that a
test can require that the parser found every block (a parser that found nothing must fail).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NamedTuple

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol

from ledger.money import minor_units

MINUS = "\u2212"
CCY = r"[A-Z]{3}"
FOOTER = re.compile(
    r"^(twinledger \u00b7 .*|ST-\S+|CN-\S+|Page \d+ of \d+|Verification code.*|Seal of .*"
    r"|Check this document with.*)$"
)


def _round(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor_units(currency)), ROUND_HALF_EVEN)


class Reader:
    """Numbers as printed in one locale (group separators as pypdf extracts them: spaces)."""

    def __init__(self, locale: str) -> None:
        tag = Locale.parse((locale or "en").replace("-", "_"))
        group = get_group_symbol(tag)
        self.decimal = get_decimal_symbol(tag)
        group = " " if group.isspace() or group in "\u00a0\u202f" else group
        self.group = group
        g, d = re.escape(group), re.escape(self.decimal)
        self.num = rf"[{MINUS}-]?\d{{1,3}}(?:{g}\d{{3}})*(?:{d}\d+)?"
        self.plain = rf"\d+(?:{d}\d+)?"  # rates and percentages: never grouped

    def dec(self, text: str) -> Decimal:
        text = text.strip().replace(MINUS, "-").replace(self.group, "")
        return Decimal(text.replace(self.decimal, "."))

    def amount_line(self, line: str) -> tuple[str, str, Decimal] | None:
        """``(label, currency, amount)`` of a line "Label CCY 1 234,56", else None."""
        match = re.fullmatch(rf"(?:(?P<label>.*?) )?(?P<c>{CCY}) (?P<n>{self.num})", line.strip())
        if not match:
            return None
        return match["label"] or "", match["c"], self.dec(match["n"])


def _body(text: str) -> str:
    """The text without the page chrome (running header, footer, verification lines)."""
    return "\n".join(line for line in text.splitlines() if not FOOTER.match(line.strip()))


def _section(text: str, start: str, ends: tuple[str, ...]) -> str:
    begin = text.find(f"\n{start}\n")
    assert begin >= 0, f"no section {start!r}"
    rest = text[begin + len(start) + 2 :]
    stops = [rest.find(f"\n{end}\n") for end in ends if rest.find(f"\n{end}\n") >= 0]
    return rest[: min(stops)] if stops else rest


def _flat(text: str) -> str:
    return " ".join(text.split())


def _equal(what: str, printed: Decimal, computed: Decimal) -> None:
    assert printed == computed, f"{what}: printed {printed}, the printed figures give {computed}"


def _amounts(reader: Reader, text: str) -> list[tuple[str, str, Decimal]]:
    return [found for line in text.splitlines() if (found := reader.amount_line(line))]


def _payout_rule(what: str, balance: Decimal, carried: Decimal, payable: Decimal) -> None:
    """A positive balance is paid or carried whole; anything else is carried, nothing paid."""
    if payable:
        _equal(f"{what}: payable", payable, balance)
        _equal(f"{what}: carried forward", carried, Decimal(0))
    else:
        _equal(f"{what}: carried forward", carried, balance)


class Converted(NamedTuple):
    currency: str
    this: Decimal
    corr: Decimal
    out: Decimal


def _conversions(reader: Reader, text: str, checks: Counter[str]) -> list[Converted]:
    """Rows "K1 (EUR) 1 440,00 0,00 1 440,00 11,0215 SEK 15 870,96": this month + corrections
    = total, total x rate rounded once = the converted amount."""
    n, rate = reader.num, reader.plain
    row = re.compile(
        rf"^(?P<k>\S+) \((?P<c>{CCY})\) (?P<this>{n}) (?P<corr>{n}) (?P<total>{n}) "
        rf"(?P<rate>{rate}) (?P<p>{CCY}) (?P<out>{n})$"
    )
    rows = []
    for line in text.splitlines():
        match = row.match(line.strip())
        if not match:
            continue
        this, corr, total = (reader.dec(match[k]) for k in ("this", "corr", "total"))
        _equal(f"{match['k']}: this month + corrections", total, this + corr)
        converted = reader.dec(match["out"])
        product = _round(total * reader.dec(match["rate"]), match["p"])
        _equal(f"{match['k']}: {total} x {match['rate']}", converted, product)
        checks["conversion"] += 1
        rows.append(Converted(match["c"], this, corr, converted))
    return rows


def check_talent(text: str, locale: str) -> Counter[str]:
    reader, checks = Reader(locale), Counter[str]()
    body = _body(text)
    ends = ("Earnings by brand", "Detail by brand")
    bills = ("Self-billed invoice", "Self-billed credit note")
    summary = _section(body, "Summary", ends + bills)
    per_ccy: dict[str, Decimal] = {}
    share: dict[str, Decimal] = {}
    corrections: dict[str, Decimal] = {}
    nets: list[Decimal] = []
    fields: dict[str, Decimal] = {}
    for label, ccy, amount in _amounts(reader, summary):
        if label.startswith(("Earned from", "Advance paid to you", "Less ")):
            per_ccy[ccy] = per_ccy.get(ccy, Decimal(0)) + amount
        elif label == f"Your share in {ccy}":
            share[ccy] = amount
        elif label == f"Corrections to earlier months, your share in {ccy}":
            corrections[ccy] = amount
        elif label.startswith("Net this period, in"):
            nets.append(amount)
        elif label.startswith("VAT on your self-billed"):
            fields["VAT"] = amount
        else:
            fields[label] = amount
    assert share, "no 'Your share in' line in the summary"
    for ccy, total in per_ccy.items():
        _equal(f"summary: your share in {ccy}", share[ccy], total)
        checks["summary share"] += 1
    converted = _conversions(reader, summary, checks)
    assert nets, "no 'Net this period' line"
    if converted:
        for ccy in share:
            this = sum((r.this for r in converted if r.currency == ccy), Decimal(0))
            corr = sum((r.corr for r in converted if r.currency == ccy), Decimal(0))
            _equal(f"conversions: this month in {ccy}", share[ccy], this)
            _equal(f"conversions: corrections in {ccy}", corrections.get(ccy, Decimal(0)), corr)
        net = sum((r.out for r in converted), Decimal(0))
    else:
        net = sum(share.values(), Decimal(0)) + sum(corrections.values(), Decimal(0))
    for printed in nets:
        _equal("net this period", printed, net)
    checks["net"] += 1
    opening = fields["Opening balance (carried from earlier months)"]
    balance = fields["Balance"]
    manual, vat = fields.get("Manual adjustments", Decimal(0)), fields.get("VAT", Decimal(0))
    _equal("balance", balance, opening + nets[0] + manual + vat)
    for title in bills:
        if f"\n{title}\n" in body:
            sign = -1 if title.endswith("credit note") else 1
            _equal("summary: VAT", vat, sign * _self_billed(reader, _section(body, title, ends)))
            checks["self-billed"] += 1
    _payout_rule(
        "talent", balance, fields["Carried forward to next month"], fields["Payable to you"]
    )
    checks["balance"] += 1
    detail = _section(body, "Detail by brand", ("Corrections to earlier months",))
    detail = detail.split("\nUses that break a contract\n")[0]
    blocks = re.split(rf"\nContract (\S+) \u00b7 twin \S+ \u00b7 ({CCY})\n", "\n" + detail)
    for contract, ccy, block in zip(blocks[1::3], blocks[2::3], blocks[3::3], strict=True):
        _contract_block(reader, contract, ccy, block, checks)
    if "\nCorrections to earlier months\n" in body:
        table = _section(body, "Corrections to earlier months", ("Uses that break a contract",))
        _talent_adjustments(reader, table, corrections, checks)
    return checks


def _self_billed(reader: Reader, text: str) -> Decimal:
    """A self-billed invoice: royalties x rate rounded once = each amount; amounts sum to the
    net; the rate x the net rounded once = the VAT; net + VAT = the total. Returns the VAT."""
    n, rate = reader.num, reader.plain
    line = re.compile(
        rf"^\S+ \S+ (?P<c>{CCY}) (?P<r>{n}) (?P<rate>{rate}) (?P<p>{CCY}) (?P<a>{n})$"
    )
    amounts = []
    for row in text.splitlines():
        match = line.match(row.strip())
        if match:
            product = _round(reader.dec(match["r"]) * reader.dec(match["rate"]), match["p"])
            _equal(f"self-billed line {row.strip()}", reader.dec(match["a"]), product)
            amounts.append(reader.dec(match["a"]))
    assert amounts, "no line on the self-billed invoice"
    fields = {label: (ccy, amount) for label, ccy, amount in _amounts(reader, text)}
    ccy, net = fields["Net"]
    _equal("self-billed net", net, sum(amounts, Decimal(0)))
    [(label, (_, vat))] = [(k, v) for k, v in fields.items() if k.startswith("VAT ")]
    percent = re.match(rf"VAT ({rate})%", label)
    assert percent, label
    _equal("self-billed VAT", vat, _round(net * reader.dec(percent[1]) / 100, ccy))
    [(_, gross)] = [v for k, v in fields.items() if k.startswith("Total")]
    _equal("self-billed total", gross, net + vat)
    return vat


def _lines(reader: Reader, ccy: str, block: str, checks: Counter[str]) -> Decimal:
    """Every priced line of a contract block; returns the sum of the printed line amounts."""
    n, flat, total = reader.num, _flat(block), Decimal(0)
    times = rf"(?: x (?P<mult>{reader.plain}))?"
    flat_line = re.compile(
        rf"(?:^| )(?P<q>{n}) (?P<c>{CCY}) (?P<price>{n}) (?:each|per (?P<per>{n})){times} "
        rf"(?P=c) (?P<amt>{n})(?= |$)"
    )
    for match in flat_line.finditer(flat):
        quantity, price = reader.dec(match["q"]), reader.dec(match["price"])
        per = reader.dec(match["per"]) if match["per"] else Decimal(1)
        mult = reader.dec(match["mult"]) if match["mult"] else Decimal(1)
        amount = reader.dec(match["amt"])
        _equal(f"line {quantity} x {price}", amount, _round(quantity * price * mult / per, ccy))
        total += amount
        checks["line"] += 1
    tiered = re.compile(
        rf"(?P<q>{n}) tiered \((?P<mode>\w+)\){times} (?P<c>{CCY}) (?P<amt>{n}) "
        rf"By channel and territory: .*? \| Tiers: (?P<tiers>.*?) \| Line"
    )
    tier = re.compile(
        rf"(?P<from>{n})\u2013(?:{n}|\u221e): (?P<units>{n}) at (?P<c>{CCY}) (?P<price>{n}) "
        rf"(?:each|per (?P<per>{n})){times} = (?P=c) (?P<amt>{n})"
    )
    for match in tiered.finditer(flat):
        amounts, units = Decimal(0), Decimal(0)
        for t in tier.finditer(match["tiers"]):
            per = reader.dec(t["per"]) if t["per"] else Decimal(1)
            mult = reader.dec(t["mult"]) if t["mult"] else Decimal(1)
            exact = reader.dec(t["units"]) * reader.dec(t["price"]) * mult / per
            _equal(f"tier from {t['from']}", reader.dec(t["amt"]), exact)
            amounts += reader.dec(t["amt"])
            units += reader.dec(t["units"])
            checks["tier"] += 1
        _equal(f"{match['mode']} tiers: units", units, reader.dec(match["q"]))
        amount = reader.dec(match["amt"])
        _equal(f"tiered line {match['q']}", amount, _round(amounts, ccy))
        total += amount
        checks["line"] += 1
    return total


def _contract_block(
    reader: Reader, contract: str, ccy: str, block: str, checks: Counter[str]
) -> None:
    usage_lines = _lines(reader, ccy, block, checks)
    got: dict[str, Decimal] = {}
    converted: tuple[str, str, Decimal] | None = None
    rate_of: dict[str, Decimal] = {}
    for line in block.splitlines():
        found = reader.amount_line(line)
        if not found:
            continue
        label, currency, amount = found
        percent = re.fullmatch(rf"(Less .*) \((?P<r>{reader.plain})%\)", label)
        if percent:
            label = percent[1]
            rate_of[label] = reader.dec(percent["r"]) / 100
        into = re.fullmatch(rf"In ({CCY}) \(x (?P<r>{reader.plain}), rounded\)", label)
        if into:
            converted = (currency, into["r"], amount)
            continue
        if currency == ccy:
            got[label] = amount
    what = f"contract {contract}"
    _equal(f"{what}: usage = sum of lines", got["Usage"], usage_lines)
    earned = got["Usage"] + sum(
        (
            got.get(k, Decimal(0))
            for k in ("Retainer", "Cap adjustment", "Minimum guarantee top-up")
        ),
        Decimal(0),
    )
    _equal(f"{what}: earned", got["Earned"], earned)
    brand_pays = earned + got.get("Advance paid this period", Decimal(0))
    brand_pays += got.get("Less advance recouped", Decimal(0))
    _equal(f"{what}: brand pays", got["Brand pays"], brand_pays)
    commission = -_round(brand_pays * rate_of["Less agency commission"], ccy)
    _equal(f"{what}: commission", got["Less agency commission"], commission)
    withheld = -_round((brand_pays + commission) * rate_of["Less tax withheld"], ccy)
    _equal(f"{what}: tax withheld", got["Less tax withheld"], withheld)
    share = brand_pays + commission + withheld
    _equal(f"{what}: your share", got["Your share"], share)
    if "Your share, corrections included" in got:
        share += got["Corrections to earlier months, your share"]
        _equal(f"{what}: share with corrections", got["Your share, corrections included"], share)
    if converted:
        payout, rate, amount = converted
        product = _round(share * reader.dec(rate), payout)
        _equal(f"{what}: {share} x {rate}", amount, product)
    checks["contract"] += 1


def _talent_adjustments(
    reader: Reader, table: str, corrections: dict[str, Decimal], checks: Counter[str]
) -> None:
    """Rows "EUR −973,77 EUR 0,00 EUR −194,75 EUR −77,90 EUR −701,12": earned - advance
    recouped - commission - withholding = the share, and the shares sum to the summary's line."""
    n = reader.num
    row = re.compile(
        rf"(?P<c>{CCY}) (?P<e>{n}) (?P=c) (?P<r>{n}) (?P=c) (?P<co>{n}) (?P=c) (?P<w>{n}) "
        rf"(?P=c) (?P<s>{n})(?= |$)"
    )
    sums: dict[str, Decimal] = {}
    for match in row.finditer(_flat(table)):
        e, r, co, w, s = (reader.dec(match[k]) for k in ("e", "r", "co", "w", "s"))
        _equal(f"correction row {match.group(0)}", s, e - r - co - w)
        sums[match["c"]] = sums.get(match["c"], Decimal(0)) + s
        checks["correction"] += 1
    for ccy, total in sums.items():
        _equal(f"corrections in {ccy}", corrections.get(ccy, Decimal(0)), total)


def check_agency(text: str, locale: str) -> Counter[str]:
    reader, checks = Reader(locale), Counter[str]()
    body, n = _body(text), reader.num
    summary = _section(body, "Summary", ("Talents and brands",))
    earned: dict[str, Decimal] = {}
    corrections: dict[str, Decimal] = {}
    fields: dict[str, Decimal] = {}
    for label, ccy, amount in _amounts(reader, summary):
        if label == f"Commission earned in {ccy}":
            earned[ccy] = amount
        elif label == f"Corrections to earlier months in {ccy}":
            corrections[ccy] = amount
        else:
            fields[re.sub(r", in [A-Z]{3}$", "", label)] = amount
    contracts = _section(body, "Talents and brands", ("Corrections to earlier months",))
    contracts = contracts.split("\nUses that break a contract\n")[0]
    row = re.compile(
        rf"(?P<c>{CCY}) (?P<e>{n}) (?P=c) (?P<a>{n}) (?P=c) (?P<b>{n}) (?P<r>{reader.plain})% "
        rf"(?P=c) (?P<co>{n})(?= |$)"
    )
    sums: dict[str, list[Decimal]] = {}
    for match in row.finditer(_flat(contracts)):
        e, a, b, co = (reader.dec(match[k]) for k in ("e", "a", "b", "co"))
        _equal(f"base of {match.group(0)}", b, e + a)
        _equal(
            f"commission of {match.group(0)}",
            co,
            _round(b * reader.dec(match["r"]) / 100, match["c"]),
        )
        running = sums.setdefault(match["c"], [Decimal(0)] * 4)
        for i, value in enumerate((e, a, b, co)):
            running[i] += value
        checks["contract"] += 1
    total_row = re.compile(
        rf"Total (?P<c>{CCY}) (?P<e>{n}) (?P<a>{n}) (?P<b>{n}) (?P<co>{n})(?= |$)"
    )
    for match in total_row.finditer(_flat(contracts)):
        shown = [reader.dec(match[k]) for k in ("e", "a", "b", "co")]
        for name, value, summed in zip("eabc", shown, sums[match["c"]], strict=True):
            _equal(f"total row {match['c']} ({name})", value, summed)
        checks["total"] += 1
    for ccy, total in earned.items():
        _equal(f"commission earned in {ccy}", total, sums[ccy][3])
    converted = _conversions(reader, contracts, checks)
    if converted:
        commission = sum((r.out for r in converted), Decimal(0))
        for ccy in earned:
            corr = sum((r.corr for r in converted if r.currency == ccy), Decimal(0))
            _equal(f"corrections in {ccy}", corrections.get(ccy, Decimal(0)), corr)
        in_payout = [
            a for label, _, a in _amounts(reader, contracts) if label.startswith("Commission in")
        ]
        for printed in in_payout:
            _equal("commission in the payout currency", printed, commission)
    else:
        commission = sum(earned.values(), Decimal(0)) + sum(corrections.values(), Decimal(0))
    _equal("commission this period", fields["Commission this period"], commission)
    checks["net"] += 1
    opening = fields["Opening balance (carried from earlier months)"]
    balance = fields["Balance"]
    manual = fields.get("Manual adjustments", Decimal(0))
    _equal("balance", balance, opening + commission + manual)
    _payout_rule(
        "agency", balance, fields["Carried forward to next month"], fields["Payable to the agency"]
    )
    checks["balance"] += 1
    return checks


def check_brand(text: str, locale: str) -> Counter[str]:
    reader, checks = Reader(locale), Counter[str]()
    body, n = _body(text), reader.num
    charges = _section(body, "Charges", ("What changed", "Payment"))
    six = re.compile(rf"^(?:{n}) (?:{n}) (?:{n}) (?:{n}) (?:{n}) (?:{n})$")
    total_due, corrected = Decimal(0), Decimal(0)
    label = ""  # the first line of the row's label cell
    for line in (line.strip() for line in charges.splitlines()):
        if six.match(line):
            values = [reader.dec(v) for v in re.findall(n, line)]
            _equal(f"amount due of {line}", values[5], sum(values[:5], Decimal(0)))
            total_due += values[5]
            if label.startswith("Correction to"):
                corrected += values[5]
            checks["row"] += 1
        elif label == "Manual adjustment" and re.fullmatch(n, line):
            total_due += reader.dec(line)
            corrected += reader.dec(line)
            checks["row"] += 1
        elif line == "Manual adjustment" or line.startswith("Correction to"):
            label = line
    credit, net, vat = False, None, Decimal(0)
    for label, ccy, amount in _amounts(reader, charges):
        credit = credit or label.endswith("credited")
        if label in ("Net", "Net credited"):
            net = -amount if credit else amount
            _equal(label, net, total_due)
            bases = Decimal(0)
        elif label.startswith("VAT"):
            rate = re.fullmatch(rf"VAT(?: credited)? ({reader.plain}) % \(\w*\) of ({n})", label)
            assert rate, f"a VAT line names its rate and base: {label!r}"
            base, percent = reader.dec(rate[2]), reader.dec(rate[1])
            _equal(f"{label}", amount, _round(base * percent / 100, ccy))
            bases += base
            vat += amount
            checks["vat"] += 1
        elif label in ("Total due", "Total credited"):
            if net is None:
                _equal(label, -amount if credit else amount, total_due)
            else:
                _equal(f"{label} = net + VAT", amount, abs(net) + vat)
                if checks["vat"]:
                    _equal("VAT bases = net", bases, abs(net))
            total_due = -amount if credit else amount
            checks["total"] += 1
    assert checks["total"] == 1, "no total line"
    if "\nWhat changed\n" in body:
        reasons = _section(body, "What changed", ("Payment",))
        amounts = [a for _, _, a in _amounts(reader, reasons)]
        _equal("what changed = the corrections", sum(amounts, Decimal(0)), corrected)
        checks["reasons"] += 1
    if credit:
        said = re.search(rf"The ({CCY}) ({n}) credited", _flat(body))
        assert said, "a credit note says what is credited"
        _equal("amount credited", reader.dec(said[2]), -total_due)
    return checks
